# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_company import INACTIVITY_OUTCOMES

SHIPPING_SPLIT = [
    ("vendor", "Vendor pays"),
    ("split", "Split 50/50"),
    ("customer", "Customer pays"),
]


class RmaWarrantyPolicy(models.Model):
    """What a product's warranty is: lengths, start, extensions, costs, service levels.

    A product takes the policy set on it, else the one of its category (or the
    nearest parent category), else its company's default policy.
    """

    _name = "rma.warranty.policy"
    _description = "Warranty Policy"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Empty: shared by all companies.",
    )
    # ---- Lengths ----
    swap_days = fields.Integer(
        string="Replacement Window (days)",
        default=0,
        help="Days from the start of the warranty in which a failed unit is swapped "
        "for a new one (dead on arrival). 0: no swap window.",
    )
    warranty_months = fields.Integer(
        string="Standard Warranty (months)",
        required=True,
        default=12,
        help="Warranty of the whole unit, and of every component without its own "
        "length below.",
    )
    component_ids = fields.One2many(
        comodel_name="rma.warranty.policy.component",
        inverse_name="policy_id",
        string="Components",
        copy=True,
    )
    start_basis = fields.Selection(
        selection=[
            ("delivery", "Delivery date"),
            ("invoice", "Invoice date"),
            ("registration", "Registration (purchase date)"),
        ],
        required=True,
        default="delivery",
        help="Delivery: the day the unit was delivered to our customer. Invoice: the "
        "date of the invoice of that sale (delivery date until it is invoiced). "
        "Registration: the purchase date the owner gives when registering the unit, "
        "if registered within the grace period after that purchase; units not "
        "registered (or registered late) start at delivery.",
    )
    registration_grace_days = fields.Integer(
        string="Registration Grace (days)",
        default=90,
        help="Days after the purchase within which a registration moves the start of "
        "the warranty to the purchase date (registration start basis) and grants "
        "the upgrade on registration.",
    )
    # Issue 15, upgrade on registration (SolaX: 5 -> 10 years once registered).
    registration_upgrade_months = fields.Integer(
        string="Upgrade on Registration (months)",
        default=0,
        help="Months of warranty added to the whole unit, right after its standard "
        "warranty, when its owner registers it within the registration grace "
        "period after the purchase. Components with their own length get their "
        "own upgrade on their row. 0: no upgrade.",
    )
    post_repair_days = fields.Integer(
        string="Post-Repair Warranty (days)",
        default=0,
        help="Warranty given to a unit repaired out of warranty, counted from its "
        "redelivery (QNAP: 180). 0: none.",
    )
    max_total_months = fields.Integer(
        string="Maximum Coverage with Extensions (months)",
        default=0,
        help="Extensions may not take the coverage beyond this many months from the "
        "start of the standard warranty. 0: no extension allowed.",
    )
    damage_voids = fields.Boolean(
        string="Customer Damage Voids Coverage",
        default=True,
        help="Damage caused by the customer (broken housing, self-repair) voids the "
        "coverage of that unit.",
    )
    shipping_in_warranty = fields.Selection(
        selection=SHIPPING_SPLIT,
        string="Shipping in Warranty",
        required=True,
        default="split",
    )
    shipping_out_warranty = fields.Selection(
        selection=SHIPPING_SPLIT,
        string="Shipping out of Warranty",
        required=True,
        default="customer",
    )
    repair_quote_flow = fields.Selection(
        selection=[
            ("after_diagnosis", "Quote after diagnosis"),
            ("prepaid", "Pay before shipping"),
        ],
        string="Paid Repair Flow",
        required=True,
        default="after_diagnosis",
        help="Quote after diagnosis: the unit is received, diagnosed and quoted; the "
        "repair starts once the quote is accepted. Pay before shipping: the quote is "
        "built from the damage level the customer reports and the shipping "
        "instructions are released once it is paid.",
    )
    refusal_fee_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Refused Quote Fee",
        domain=[("type", "=", "service")],
        check_company=True,
        help="Service charged (at its sales price) when a refused quote ends with the "
        "unit returned as-is, e.g. an inspection fee. Empty: no fee.",
    )
    # ---- Paid swap (issue 15) ----
    swap_fee_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Swap Fee",
        domain=[("type", "=", "service")],
        check_company=True,
        help="Service quoted when a unit is replaced outside the terms of its "
        "warranty (a paid swap). Empty: replacements cannot be quoted.",
    )
    swap_charge = fields.Selection(
        selection=[
            ("fee", "Swap fee"),
            ("price", "Replacement's sales price"),
        ],
        string="Paid Swap Charges",
        required=True,
        default="fee",
        help="Swap fee: the fee's amount below (or the fee product's sales price). "
        "Replacement's sales price: the sales price of the unit shipped.",
    )
    swap_fee_amount = fields.Float(
        digits="Product Price",
        help="Amount of the swap fee; 0: the fee product's sales price.",
    )
    swap_quote_validity_days = fields.Integer(
        string="Swap Quote Valid (days)", default=14
    )
    # ---- Service levels (working days of the service calendar) ----
    sla_review_days = fields.Integer(string="Review within (working days)", default=1)
    sla_swap_days = fields.Integer(string="Swap within (working days)", default=3)
    sla_repair_days = fields.Integer(
        string="Free Repair within (working days)", default=10
    )
    sla_quote_days = fields.Integer(string="Quote within (working days)", default=3)
    # Issue 14, service levels: first response and paid repair targets.
    sla_response_hours = fields.Integer(
        string="First Response within (working hours)", default=2
    )
    sla_paid_repair_days = fields.Integer(
        string="Paid Repair within (working days)",
        default=10,
        help="Working days from the acceptance of the repair quote to the repaired "
        "unit shipped. 0: no target.",
    )
    # ---- Advance replacement (issue 15) ----
    advance_due_days = fields.Integer(
        string="Faulty Unit Due within (working days)",
        default=3,
        help="Advance replacement: working days of the service calendar, from the "
        "replacement's delivery, within which the faulty unit must be back.",
    )
    advance_reminder_days = fields.Integer(
        string="Remind (working days before due)",
        default=1,
        help="The customer is reminded once this many working days before the "
        "faulty unit is due. 0: on the due day.",
    )
    advance_charge_price = fields.Float(
        string="Unreturned Unit Price",
        digits="Product Price",
        help="Invoiced when the faulty unit is not back in time. 0: the sales price "
        "of the replacement product.",
    )
    advance_damage_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Damage Charge",
        domain=[("type", "=", "service")],
        check_company=True,
        help="Service invoiced when the faulty unit of an advance replacement "
        "arrives with customer-caused damage. Empty: no charge.",
    )
    advance_damage_amount = fields.Float(
        string="Damage Charge Amount",
        digits="Product Price",
        help="Price of the damage charge. 0: the service's sales price.",
    )
    note = fields.Html(string="Terms", translate=True)

    _sql_constraints = [
        (
            "lengths_positive",
            (
                "CHECK(warranty_months > 0 AND swap_days >= 0 AND post_repair_days >= 0"
                " AND max_total_months >= 0 AND registration_grace_days >= 0"
                " AND registration_upgrade_months >= 0)"
            ),
            (
                "Warranty lengths cannot be negative, and the standard warranty lasts "
                "at least a month."
            ),
        ),
    ]

    @api.constrains("max_total_months", "warranty_months", "component_ids")
    def _check_max_total_months(self):
        for policy in self:
            longest = max(
                [policy.warranty_months, *policy.component_ids.mapped("months")]
            )
            if policy.max_total_months and policy.max_total_months < longest:
                raise ValidationError(
                    self.env._(
                        "%(policy)s: the maximum coverage (%(max)s months) is shorter "
                        "than the standard warranty (%(std)s months).",
                        policy=policy.name,
                        max=policy.max_total_months,
                        std=longest,
                    )
                )

    def _standard_lengths(self):
        """(unit months, swap days, ((component id, months), ...)) of the policy.

        Read once per policy, not per unit: the backfill asks for every serial.
        """
        self.ensure_one()
        return (
            self.warranty_months,
            self.swap_days,
            tuple((row.component_id.id, row.months) for row in self.component_ids),
        )

    def _upgrade_lengths(self):
        """(unit upgrade months, ((component id, months, upgrade months), ...)) a
        registration within the grace period adds, components without an upgrade
        left out; None when the policy grants no upgrade. Read once per policy:
        see ``_standard_lengths``."""
        self.ensure_one()
        components = tuple(
            (row.component_id.id, row.months, row.upgrade_months)
            for row in self.component_ids
            if row.upgrade_months
        )
        if not (self.registration_upgrade_months or components):
            return None
        return self.registration_upgrade_months, components

    # ---- Priority and paused clocks (issue 17) ----
    sla_resolution_days = fields.Integer(
        string="Resolved within (working days)",
        default=0,
        help="Working days from the submission of a request to its closing, the "
        "time the customer has the ball (a repair quote awaiting acceptance or "
        "payment, a unit awaited from them) left out. 0: no target.",
    )
    sla_high_percent = fields.Integer(
        string="High Priority Targets (%)",
        default=100,
        help="Service-level targets of a high-priority RMA, as a percentage of the "
        "normal ones: 50 halves them, 100 keeps them.",
    )
    sla_urgent_percent = fields.Integer(
        string="Urgent Targets (%)",
        default=100,
        help="Service-level targets of an urgent RMA, as a percentage of the normal "
        "ones.",
    )
    _sql_constraints = [
        *_sql_constraints,
        (
            "sla_priority_percent_range",
            (
                "CHECK(sla_high_percent BETWEEN 1 AND 100 "
                "AND sla_urgent_percent BETWEEN 1 AND 100)"
            ),
            "The priority targets are a percentage of the normal ones, 1 to 100.",
        ),
    ]
    # ---- Closing on inactivity (issue 17) ----
    inactivity_outcome = fields.Selection(
        selection=INACTIVITY_OUTCOMES,
        string="Outcome of an Inactive Case",
        help="What becomes of a unit we hold when its case closes because the "
        "customer did not answer (return it as-is; scrap it if the customer "
        "consented, else return it; cancel). Empty: the company's setting.",
    )
