# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import (
    SQL,
    float_compare,
    float_is_zero,
    format_amount,
    format_date,
    format_datetime,
    sql,
)
from odoo.tools.misc import clean_context

from ..chatter import log_notes
from ..locking import lock_rows_nowait
from .rma_warranty_coverage import ENTITLEMENTS, local_date

# States in which the units of an RMA may change (and their origin be looked up).
EDITABLE = ("draft", "submitted")
# Resolutions whose unit goes back to the customer through a delivery, and from where.
DELIVERY_SOURCE = {"replace": "stock", "return": "rma", "repair": "rma"}
DAMAGE_CLASSES = [
    ("defect", "Quality defect"),
    ("housing", "Customer-caused: housing damage"),
    ("self_repair", "Customer-caused: self-repair"),
]
CUSTOMER_DAMAGE = ("housing", "self_repair")
# Advance replacement (issue 15): where the faulty unit of a replacement shipped
# first stands, and its decision fields.
ADVANCE_STATES = [
    ("awaiting", "Faulty Unit Awaited"),
    ("returned", "Faulty Unit Returned"),
    ("charged", "Charged: Not Returned"),
    ("returned_late", "Returned After the Charge"),
]
ADVANCE_FIELDS = (
    "advance_state",
    "advance_due_date",
    "advance_remind_date",
    "advance_reminded",
    "advance_charge_move_id",
    "advance_credit_move_id",
    "advance_damage_move_id",
)
ADVANCE_CRON_BATCH = 200
# The entitlement frozen on submission and its override: decision fields.
ENTITLEMENT_FIELDS = (
    "entitlement_kind",
    "entitlement_auto_kind",
    "entitlement_date",
    "entitlement_date_end",
    "entitlement_days_left",
    "entitlement_swap",
    "entitlement_free_repair",
    "entitlement_swap_date_end",
    "entitlement_override_reason",
)
REPAIR_STATUSES = [
    ("to_diagnose", "To Diagnose"),
    ("quoted", "Quoted"),
    ("to_repair", "To Repair"),
    ("repairing", "Under Repair"),
    ("to_check", "Quality Check"),
    ("ready", "Ready to Ship"),
    ("refused", "Quote Refused"),
]


class RmaOrderLine(models.Model):
    """One returned unit (a serial) or quantity, and what is done about it."""

    _name = "rma.order.line"
    _inherit = ["rma.decision.mixin"]
    _description = "RMA Unit"
    _order = "order_id desc, sequence, id"
    _check_company_auto = True
    _rma_decision_fields = frozenset(
        {
            "state",
            *ENTITLEMENT_FIELDS,
            "damage_void",
            "qc_result",
            "qc_date",
            "qc_user_id",
            *ADVANCE_FIELDS,  # advance replacement (issue 15)
        }
    )

    order_id = fields.Many2one(
        comodel_name="rma.order",
        string="RMA",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    state = fields.Selection(related="order_id.state", store=True, string="RMA State")
    partner_id = fields.Many2one(related="order_id.partner_id", store=True, index=True)
    product_id = fields.Many2one(
        comodel_name="product.product",
        required=True,
        index=True,
        check_company=True,
        domain="[('type', '=', 'consu')]",
    )
    tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Serial Number",
        index="btree_not_null",
        check_company=True,
        domain="[('product_id', '=?', product_id)]",
    )
    quantity = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure"
    )
    product_uom_id = fields.Many2one(
        comodel_name="uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    fault_description = fields.Text(string="Fault")
    failed_component_id = fields.Many2one(
        comodel_name="rma.warranty.component",
        help="Part of the unit that failed: its own warranty length decides the "
        "entitlement when its policy gives it one.",
    )
    # Entitlement: the warranty engine's answer on the submission date, kept as it
    # was then; staff may override it with a reason.
    entitlement_kind = fields.Selection(
        selection=ENTITLEMENTS,
        string="Entitlement",
        readonly=True,
        copy=False,
        help="What the unit was entitled to when the RMA was submitted.",
    )
    entitlement_auto_kind = fields.Selection(
        selection=ENTITLEMENTS,
        string="Computed Entitlement",
        readonly=True,
        copy=False,
    )
    entitlement_date = fields.Date(
        string="Entitlement On",
        readonly=True,
        copy=False,
        help="Customer's local date the entitlement was decided for.",
    )
    entitlement_date_end = fields.Date(
        string="Covered Until", readonly=True, copy=False
    )
    entitlement_days_left = fields.Integer(
        string="Days Left", readonly=True, copy=False
    )
    entitlement_swap_date_end = fields.Date(
        string="Replacement Until",
        readonly=True,
        copy=False,
        help="Last day of the unit's replacement window, when the unit was in it.",
    )
    entitlement_swap = fields.Boolean(
        string="Swap", compute="_compute_entitlement_flags", store=True
    )
    entitlement_free_repair = fields.Boolean(
        string="Free Repair", compute="_compute_entitlement_flags", store=True
    )
    entitlement_override_reason = fields.Char(
        string="Override Reason", readonly=True, copy=False
    )
    entitlement_final = fields.Boolean(
        compute="_compute_entitlement_final",
        help="The unit is processed (or its RMA closed): its entitlement no longer "
        "changes.",
    )
    resolution = fields.Selection(
        selection=[
            ("refund", "Refund"),
            ("replace", "Replace"),
            ("repair", "Repair"),
            ("return", "Return As-Is"),
            ("scrap", "Scrap"),
            ("reject", "Reject"),
        ],
        help="Refund: credit note. Replace: new unit from stock. Repair: repaired unit "
        "shipped back. Return as-is: received unit shipped back. Scrap: received unit "
        "scrapped. Reject: nothing is done for this unit.",
    )
    replacement_product_id = fields.Many2one(
        comodel_name="product.product",
        check_company=True,
        help="Product shipped as replacement; empty: the same product.",
    )
    # Origin: where and to whom the unit was sold.
    origin_move_id = fields.Many2one(
        comodel_name="stock.move",
        string="Original Delivery",
        index="btree_not_null",
        check_company=True,
    )
    origin_sale_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Original Sale Line",
        index="btree_not_null",
    )
    origin_invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Original Invoice Line",
        index="btree_not_null",
    )
    origin_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Sold To",
        help="Commercial partner of the original delivery.",
    )
    # Links and progress.
    move_ids = fields.One2many(
        comodel_name="stock.move", inverse_name="rma_line_id", string="Stock Moves"
    )
    scrap_ids = fields.One2many(
        comodel_name="stock.scrap", inverse_name="rma_line_id", string="Scraps"
    )
    refund_line_ids = fields.One2many(
        comodel_name="account.move.line",
        inverse_name="rma_line_id",
        string="Credit Note Lines",
    )
    qty_received = fields.Float(
        compute="_compute_quantities", store=True, digits="Product Unit of Measure"
    )
    qty_delivered = fields.Float(
        compute="_compute_quantities", store=True, digits="Product Unit of Measure"
    )
    qty_scrapped = fields.Float(
        compute="_compute_qty_scrapped", store=True, digits="Product Unit of Measure"
    )
    qty_refunded = fields.Float(
        compute="_compute_qty_refunded",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity credited by posted credit notes.",
    )
    qty_refund_draft = fields.Float(
        string="Quantity in Draft Credit Notes",
        compute="_compute_qty_refunded",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity on credit notes not posted yet: the unit counts as refunded "
        "once they are posted.",
    )
    is_resolved = fields.Boolean(compute="_compute_is_resolved", store=True)
    # ---- Repair (diagnosis, quote, repair order, quality check) ----
    repair_flow = fields.Selection(
        selection=[
            ("after_diagnosis", "Quote after diagnosis"),
            ("prepaid", "Pay before shipping"),
        ],
        string="Paid Repair Flow",
        compute="_compute_repair_flow",
        store=True,
        readonly=False,
        precompute=True,
        help="From the product's warranty policy.",
    )
    repair_onsite = fields.Boolean(
        string="On-Site Repair", help="Repaired at the customer's: parts only."
    )
    damage_class = fields.Selection(selection=DAMAGE_CLASSES)
    damage_level_id = fields.Many2one(
        comodel_name="rma.damage.level",
        help="Reported by the customer, confirmed or corrected by the diagnosis; "
        "the repair tariff of the quote is chosen by it.",
    )
    diagnosis = fields.Text()
    damage_void = fields.Boolean(
        string="Coverage Voided",
        readonly=True,
        copy=False,
        help="Customer-caused damage voided the coverage of this unit.",
    )
    warranty_void_ids = fields.One2many(
        comodel_name="rma.warranty.void",
        inverse_name="rma_line_id",
        string="Warranty Voids",
        help="Voids of the serial's warranty this unit's diagnosis recorded.",
    )
    repair_ids = fields.One2many(
        comodel_name="repair.order", inverse_name="rma_line_id", string="Repairs"
    )
    repair_id = fields.Many2one(
        comodel_name="repair.order",
        string="Repair Order",
        compute="_compute_repair_id",
        store=True,
        index="btree_not_null",
    )
    repair_state = fields.Selection(related="repair_id.state", string="Repair State")
    quote_ids = fields.One2many(
        comodel_name="sale.order",
        inverse_name="rma_line_id",
        string="Quotes",
        domain=[("rma_fee", "=", False)],
    )
    quote_id = fields.Many2one(
        comodel_name="sale.order",
        compute="_compute_quote_id",
        store=True,
        index="btree_not_null",
    )
    quote_state = fields.Selection(related="quote_id.state", string="Quote Status")
    quote_invoice_status = fields.Selection(
        related="quote_id.invoice_status", string="Invoice Status"
    )
    quote_paid = fields.Boolean(
        compute="_compute_quote_paid",
        help="The quote's amount is paid online (or its invoices are paid).",
    )
    repair_refused = fields.Boolean(string="Quote Refused", readonly=True, copy=False)
    qc_result = fields.Selection(
        selection=[("pass", "Passed"), ("fail", "Failed")],
        string="Quality Check",
        readonly=True,
        copy=False,
    )
    qc_note = fields.Text(string="QC Notes", copy=False)
    qc_date = fields.Datetime(string="Checked On", readonly=True, copy=False)
    qc_user_id = fields.Many2one(
        comodel_name="res.users", string="Checked By", readonly=True, copy=False
    )
    repair_status = fields.Selection(
        selection=REPAIR_STATUSES,
        compute="_compute_repair_status",
        store=True,
        index="btree_not_null",
    )

    # ---- Advance replacement (issue 15) ----
    advance_replacement = fields.Boolean(
        copy=False,
        help="Replace: the replacement is shipped before the faulty unit arrives; "
        "the faulty unit is due back within the policy's working days.",
    )
    advance_state = fields.Selection(
        selection=ADVANCE_STATES,
        string="Faulty Unit",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    advance_due_date = fields.Date(
        string="Faulty Unit Due",
        readonly=True,
        copy=False,
        help="Last day for the faulty unit to be back (working days of the service "
        "calendar from the replacement's delivery).",
    )
    advance_remind_date = fields.Date(string="Reminder On", readonly=True, copy=False)
    advance_reminded = fields.Boolean(string="Reminded", readonly=True, copy=False)
    advance_charge_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Unreturned Unit Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    advance_credit_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Late Return Credit Note",
        readonly=True,
        copy=False,
    )
    advance_damage_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Damage Charge Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "The quantity of a returned unit must be positive.",
        ),
    ]

    # ---- Compute --------------------------------------------------------------------

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            if not line.product_uom_id or (
                line.product_id
                and line.product_uom_id.category_id
                != line.product_id.uom_id.category_id
            ):
                line.product_uom_id = line.product_id.uom_id

    @api.depends(
        "move_ids.state",
        "move_ids.quantity",
        "move_ids.location_dest_id",
        "move_ids.location_id",
        "product_uom_id",
    )
    def _compute_quantities(self):
        for line in self:
            received = delivered = 0.0
            for move in line.move_ids.filtered(lambda m: m.state == "done"):
                qty = move.product_uom._compute_quantity(
                    move.quantity, line.product_uom_id or move.product_uom
                )
                if move.location_dest_id.usage == "internal" and (
                    move.location_id.usage != "internal"
                ):
                    received += qty
                elif move.location_dest_id.usage == "customer":
                    delivered += qty
            line.qty_received = received
            line.qty_delivered = delivered

    @api.depends("scrap_ids.state", "scrap_ids.scrap_qty")
    def _compute_qty_scrapped(self):
        for line in self:
            line.qty_scrapped = sum(
                scrap.scrap_qty for scrap in line.scrap_ids if scrap.state == "done"
            )

    @api.depends(
        "refund_line_ids.parent_state",
        "refund_line_ids.quantity",
        "refund_line_ids.product_uom_id",
    )
    def _compute_qty_refunded(self):
        """A unit is refunded when its credit note is posted (and the customer is
        told so); a draft one only keeps the quantity from being credited twice."""
        for line in self:
            qty = {"posted": 0.0, "draft": 0.0}
            for aml in line.refund_line_ids:
                if aml.parent_state in qty:
                    qty[aml.parent_state] += aml.product_uom_id._compute_quantity(
                        aml.quantity, line.product_uom_id or aml.product_uom_id
                    )
            line.qty_refunded = qty["posted"]
            line.qty_refund_draft = qty["draft"]

    @api.depends("product_id")
    def _compute_repair_flow(self):
        policies = self.product_id._get_warranty_policies()
        for line in self:
            policy = policies.get(line.product_id)
            line.repair_flow = policy.repair_quote_flow if policy else "after_diagnosis"

    @api.depends("repair_ids.state")
    def _compute_repair_id(self):
        for line in self:
            live = line.repair_ids.filtered(lambda r: r.state != "cancel")
            line.repair_id = (live or line.repair_ids).sorted("id")[-1:]

    @api.depends("quote_ids.state")
    def _compute_quote_id(self):
        for line in self:
            live = line.quote_ids.filtered(lambda q: q.state != "cancel")
            line.quote_id = (live or line.quote_ids).sorted("id")[-1:]

    @api.depends("quote_id.amount_paid", "quote_id.invoice_ids.payment_state")
    def _compute_quote_paid(self):
        for line in self:
            quote = line.quote_id
            invoices = quote.invoice_ids.filtered(lambda m: m.state == "posted")
            line.quote_paid = bool(quote) and (
                quote.currency_id.compare_amounts(quote.amount_paid, quote.amount_total)
                >= 0
                or (
                    invoices
                    and all(
                        m.payment_state in ("paid", "in_payment", "reversed")
                        for m in invoices
                    )
                )
            )

    @api.depends(
        "resolution",
        "repair_refused",
        "quote_id.state",
        "repair_id.state",
        "qc_result",
    )
    def _compute_repair_status(self):
        for line in self:
            repair = line.repair_id
            if line.resolution != "repair":
                status = False
            elif line.repair_refused:
                status = "refused"
            elif repair.state == "done":
                status = "ready" if line.qc_result == "pass" else "to_check"
            elif repair.state == "under_repair":
                status = "repairing"
            elif repair.state == "confirmed":
                status = "to_repair"
            elif line.quote_id.state in ("draft", "sent"):
                status = "quoted"
            else:
                status = "to_diagnose"
            line.repair_status = status

    @api.depends(
        "state",
        "qty_refunded",
        "qty_delivered",
        "qty_scrapped",
        "move_ids.state",
        "repair_status",
    )
    def _compute_entitlement_final(self):
        for line in self:
            line.entitlement_final = line._entitlement_is_final()

    @api.depends("entitlement_kind")
    def _compute_entitlement_flags(self):
        for line in self:
            line.entitlement_swap = line.entitlement_kind == "swap"
            line.entitlement_free_repair = line.entitlement_kind not in (False, "none")

    @api.depends(
        "resolution",
        "quantity",
        "qty_delivered",
        "qty_scrapped",
        "qty_refunded",
        "advance_replacement",
        "advance_state",
        "repair_onsite",
        "repair_status",
    )
    def _compute_is_resolved(self):
        for line in self:
            done_qty = {
                "refund": line.qty_refunded,
                "replace": line.qty_delivered,
                # On site (issue 15): repaired where it is, nothing shipped back.
                "repair": line.quantity
                if line._rma_onsite_repaired()
                else line.qty_delivered,
                "return": line.qty_delivered,
                "scrap": line.qty_scrapped,
            }
            if line.resolution == "reject":
                line.is_resolved = True
            elif line.resolution:
                line.is_resolved = (
                    line._rma_qty_compare(done_qty[line.resolution], line.quantity) >= 0
                )
            else:
                line.is_resolved = False
            # Advance replacement (issue 15): shipped is not enough, the faulty
            # unit must be back (or charged).
            if line.is_resolved and line._rma_advance_ships_first():
                line.is_resolved = line.advance_state not in (False, "awaiting")

    @api.depends("order_id.name", "product_id.display_name", "lot_id.name")
    def _compute_display_name(self):
        for line in self:
            name = line.product_id.display_name or ""
            if line.lot_id:
                name = f"{name} ({line.lot_id.name})"
            line.display_name = f"{line.order_id.name}: {name}" if name else ""

    # ---- Constraints and onchanges --------------------------------------------------

    @api.onchange("lot_id")
    def _onchange_lot_id(self):
        if self.lot_id:
            self.product_id = self.lot_id.product_id
            if self.lot_id.product_id.tracking == "serial":
                self.quantity = 1.0
            self._fill_origin()

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.lot_id and self.lot_id.product_id != self.product_id:
            self.lot_id = False

    # ---- CRUD -----------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # Lines created with their delivery (Create RMA, forms) get the sale and
        # invoice behind it; lines with only a serial get the whole origin.
        lines.filtered(
            lambda line: line.origin_move_id and not line.origin_sale_line_id
        )._fill_origin_from_moves()
        lines.filtered(lambda line: not line.origin_move_id)._fill_origin()
        lines.filtered(lambda line: line.state != "draft")._freeze_entitlement()
        return lines

    def write(self, vals):
        if "advance_replacement" in vals:
            self._rma_advance_check_flag()  # advance replacement (issue 15)
        locked = {"product_id", "lot_id", "quantity", "order_id"} & set(vals)
        if locked and any(line.state not in ("draft", "submitted") for line in self):
            raise UserError(
                self.env._(
                    "The units of an approved RMA cannot be changed: reject or "
                    "cancel it and file a new one."
                )
            )
        res = super().write(vals)
        if {"lot_id", "product_id"} & set(vals):
            self.filtered(lambda line: line.lot_id)._fill_origin(overwrite=True)
        if {"lot_id", "product_id", "failed_component_id"} & set(vals):
            self.filtered(lambda line: line.state != "draft")._freeze_entitlement(
                reset_override=True
            )
        if vals.get("damage_class") in CUSTOMER_DAMAGE:
            self._rma_void_for_damage()
            self._rma_advance_charge_damage()  # advance replacement (issue 15)
        return res

    def _rma_decision_message(self, fname):
        if fname in ENTITLEMENT_FIELDS:
            return self.env._(
                "The entitlement of a unit is decided by the warranty engine when "
                "its RMA is submitted, or by hand with Override Entitlement and a "
                "reason."
            )
        if fname == "damage_void":
            return self.env._(
                "The coverage of a unit is voided only by its diagnosis: set a "
                "customer-caused damage class."
            )
        if fname in ("qc_result", "qc_date", "qc_user_id"):
            return self.env._(
                "The quality check of a repaired unit is recorded only with the QC "
                "Passed and QC Failed buttons."
            )
        if fname == "state":
            return self.env._(
                "The state of a unit is the state of its RMA: use the buttons of "
                "the RMA."
            )
        if fname in ADVANCE_FIELDS:
            return self.env._(
                "The return of the faulty unit of an advance replacement, its due "
                "date and its charges follow the replacement's delivery, the "
                "receipt and the scheduled check of overdue units."
            )
        return super()._rma_decision_message(fname)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_editable(self):
        if any(line.state not in ("draft", "submitted") for line in self):
            raise UserError(self.env._("Units of an approved RMA cannot be removed."))

    # ---- Origin finder --------------------------------------------------------------

    @api.model
    def _find_origins(self, lots=None, sale_order=None):
        """Find where units were sold: delivery move, sale line, invoice line, buyer.

        Batch: ``lots`` (stock.lot) and/or a ``sale_order``; a few queries whatever
        their number. Returns ``{lot_or_product: {...}}``: keyed by lot for lots, by
        product for the lines of the sale order. A unit that no delivery of ours
        explains is simply absent from the result (bought elsewhere).
        """
        result = {}
        Move = self.env["stock.move.line"]
        if lots:
            move_lines = Move.search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("location_id.usage", "=", "internal"),
                ],
                order="date desc, id desc",
            )
            for move_line in move_lines:
                # Newest delivery first: a unit sold twice belongs to the last buyer.
                result.setdefault(
                    move_line.lot_id, self._origin_values(move_line.move_id)
                )
        if sale_order:
            moves = sale_order.order_line.move_ids.filtered(
                lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
            )
            for move in moves.sorted(lambda m: m.date, reverse=True):
                result.setdefault(move.product_id, self._origin_values(move))
        return result

    @api.model
    def _origin_values(self, move):
        # sudo: service staff see the delivery (stock rights) but not always the
        # sale order or the invoice behind it (sales / accounting rights). Only the
        # ids of those documents are taken; records go back in the caller's env.
        move_sudo = move.sudo()
        sale_line_sudo = move_sudo.sale_line_id
        invoice_lines_sudo = sale_line_sudo.invoice_lines.filtered(
            lambda aml: (
                aml.move_id.move_type == "out_invoice" and aml.parent_state == "posted"
            )
        )
        buyer_sudo = (
            sale_line_sudo.order_id.partner_id or move_sudo.picking_id.partner_id
        ).commercial_partner_id
        return {
            "move": move.with_env(self.env),
            "sale_line": sale_line_sudo.with_env(self.env),
            "invoice_line": invoice_lines_sudo[-1:].with_env(self.env),
            "partner": buyer_sudo.with_env(self.env),
        }

    @api.model
    def _prepare_line_vals_from_moves(self, moves):
        """Values of the units that left on ``moves``, with their origin: one per
        serial number, or per move for untracked products. Called by
        ``rma.order._action_new_from_moves`` (Create RMA on a delivery or a sale:
        the units of the new RMA's form); may be overridden."""
        vals_list = []
        for move in moves:
            origin = self._origin_values(move)
            common = {
                "product_id": move.product_id.id,
                "origin_move_id": move.id,
                "origin_sale_line_id": origin["sale_line"].id,
                "origin_invoice_line_id": origin["invoice_line"].id,
                "origin_partner_id": origin["partner"].id,
            }
            move_lines = move.move_line_ids.filtered("quantity")
            if move.has_tracking != "none" and move_lines.lot_id:
                vals_list += [
                    dict(common, lot_id=ml.lot_id.id, quantity=ml.quantity)
                    for ml in move_lines
                ]
            else:
                vals_list.append(dict(common, quantity=move.quantity))
        return vals_list

    def _fill_origin(self, overwrite=False):
        """Set the origin fields of lines with a serial, and the RMA's parties."""
        lines = self.filtered(lambda line: line.lot_id and line.state in EDITABLE)
        if not lines:
            return
        origins = self._find_origins(lots=lines.lot_id)
        for line in lines:
            origin = origins.get(line.lot_id)
            if not origin:
                if overwrite:
                    line._set_origin_values({})
                continue
            line._set_origin_values(origin)
            order = line.order_id
            buyer = origin["partner"]
            if not order.partner_id:
                order.partner_id = buyer
            elif (
                buyer
                and buyer._rma_is_distributor()
                and buyer != order.partner_id.commercial_partner_id
                and (not order.distributor_id)
            ):
                # Sold to a distributor other than who complains: that buyer is
                # the reseller (anybody else who sold the unit on is not: it would
                # read the RMAs of its later owners in the portal).
                order.distributor_id = buyer

    def _fill_origin_from_moves(self):
        for line in self:
            line._set_origin_values(self._origin_values(line.origin_move_id))

    def _set_origin_values(self, origin):
        values = {
            "origin_move_id": origin.get("move", self.env["stock.move"]).id,
            "origin_sale_line_id": origin.get(
                "sale_line", self.env["sale.order.line"]
            ).id,
            "origin_invoice_line_id": origin.get(
                "invoice_line", self.env["account.move.line"]
            ).id,
            "origin_partner_id": origin.get("partner", self.env["res.partner"]).id,
        }
        for line in self:
            if isinstance(line.id, models.NewId):  # in a form, not saved yet
                line.update(values)
            else:
                line.write(values)

    # ---- Entitlement ----------------------------------------------------------------

    def _entitlement_date(self):
        """The customer's local date of the submission (today while a draft)."""
        self.ensure_one()
        order = self.order_id
        if order.partner_id.tz:
            tz = order.partner_id.tz
        elif self.lot_id:
            tz = self.lot_id._warranty_tz()
        else:
            tz = order.company_id.partner_id.tz
        return local_date(order.date_submitted or fields.Datetime.now(), tz)

    def _freeze_entitlement(self, reset_override=False):
        """Decide and keep the entitlement of each unit on its submission date."""
        lines = self.filtered(
            lambda line: (
                line.state in EDITABLE
                and (reset_override or not line.entitlement_override_reason)
            )
        )
        if not lines:
            return
        answers = lines._entitlement_engine_vals(fresh=True)
        # One write per distinct answer, not per unit: a batch of 100 units of
        # the same delivery is one UPDATE.
        groups = defaultdict(lambda: self.browse())
        for line in lines:
            groups[tuple(sorted(answers[line].items()))] |= line
        lines.check_access("write")
        for vals, group in groups.items():
            group._write_decision(dict(vals, entitlement_override_reason=False))

    def _entitlement_engine_vals(self, fresh=False):
        """{line: entitlement values the warranty engine gives the unit}, on its
        entitlement date (``fresh``: on its submission date, as decided now), in
        one engine call for all the lines. A unit without serial: nobody can tell
        its warranty but staff."""
        dates = {
            line: (
                line._entitlement_date()
                if fresh or not line.entitlement_date
                else line.entitlement_date
            )
            for line in self
        }
        keys = {
            line: (line.lot_id, dates[line], line.failed_component_id)
            for line in self
            if line.lot_id
        }
        answers = self.env["rma.warranty.coverage"]._get_entitlements(keys.values())
        result = {}
        for line in self:
            answer = answers.get(keys.get(line))
            result[line] = {
                "entitlement_kind": answer.kind if answer else False,
                "entitlement_auto_kind": answer.kind if answer else False,
                "entitlement_date": dates[line],
                "entitlement_date_end": (answer and answer.date_end) or False,
                "entitlement_days_left": answer.days_left if answer else 0,
                "entitlement_swap_date_end": (answer and answer.swap_date_end) or False,
            }
        return result

    def _entitlement_is_final(self):
        """Whether this unit is processed: its resolution was carried out (credit
        note, even a draft one, delivery, scrap) or its repair accepted, or its RMA
        is closed. Its entitlement no longer changes then; the other units of its
        RMA still may."""
        self.ensure_one()
        return (
            self.state in ("done", "solved", "rejected", "cancelled")
            or not self._rma_qty_is_zero(
                self.qty_refunded
                + self.qty_refund_draft
                + self.qty_scrapped
                + self.qty_delivered
                + self._qty_pending_delivery()
            )
            or self.repair_status
            in ("to_repair", "repairing", "to_check", "ready", "refused")
        )

    def _override_entitlement(self, kind, reason):
        """Staff decide the entitlement of these units themselves (the override
        wizard calls this); the RMA's chatter keeps why. It wins over the engine
        and over a damage void: an open repair quote is made again to follow it.

        ``kind``: a key of ``ENTITLEMENTS``; ``reason``: a non-empty text.
        """
        reason = self._check_entitlement_override(kind, reason)
        engine = self._entitlement_engine_vals()
        notes = []
        for line in self:
            notes.append((line.order_id, line._entitlement_override_note(kind, reason)))
            line._write_decision(
                line._entitlement_override_vals(kind, reason, engine[line])
            )
        # The write access to the units, checked above, is the RMAs' (same groups,
        # same company rule): the notes are logged without notification.
        log_notes(notes)
        self._rma_requote()
        return True

    def _check_entitlement_override(self, kind, reason):
        """Refuse an override to an unknown entitlement, without a reason, or of a
        unit whose entitlement is final. Returns the reason, stripped. Called by
        ``_override_entitlement``."""
        if not isinstance(kind, str) or kind not in dict(ENTITLEMENTS):
            raise UserError(self.env._("Choose an entitlement."))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Say why the entitlement is overridden."))
        self.check_access("write")
        for line in self:
            if line._entitlement_is_final():
                raise UserError(
                    self.env._(
                        "%(unit)s: the entitlement of a unit already processed, or "
                        "of a closed RMA, cannot change.",
                        unit=line.display_name,
                    )
                )
        return reason.strip()

    def _entitlement_override_vals(self, kind, reason, answer):
        """The entitlement values this unit takes when overridden to ``kind`` for
        ``reason``; ``answer``: the engine's values for the unit (see
        ``_entitlement_engine_vals``). Called by ``_override_entitlement``."""
        self.ensure_one()
        covered = kind != "none" and answer["entitlement_kind"] not in (False, "none")
        return {
            "entitlement_kind": kind,
            "entitlement_override_reason": reason,
            # Out of warranty is covered until no date; a covered kind keeps the
            # dates of the coverage the unit has.
            "entitlement_date_end": (
                answer["entitlement_date_end"] if covered else False
            ),
            "entitlement_days_left": answer["entitlement_days_left"] if covered else 0,
            "entitlement_swap_date_end": (
                answer["entitlement_swap_date_end"] if kind == "swap" else False
            ),
        }

    def _entitlement_override_note(self, kind, reason):
        """The chatter note of the RMA on overriding this unit's entitlement (read
        before the override is written). Called by ``_override_entitlement``."""
        self.ensure_one()
        labels = dict(ENTITLEMENTS)
        return self.env._(
            "Entitlement of %(unit)s overridden: %(before)s → %(after)s. "
            "Reason: %(reason)s",
            unit=self.display_name,
            before=labels.get(self.entitlement_kind, self.env._("not decided")),
            after=labels[kind],
            reason=reason,
        )

    def _rma_requote(self):
        """Make the open repair quotes of these units again: their entitlement
        changed (an override, a void lifted), and a quote follows it."""
        quoted = self.filtered(lambda line: line.repair_status == "quoted")
        if quoted:
            quotes = quoted._rma_lock(
                self.env._(
                    "Someone else is revising the quote of %(units)s right now: "
                    "reload it and try again."
                )
            )._rma_create_quotes()
            quotes._rma_send_quote()

    def action_open_entitlement_override(self):
        """The override form of this unit (its views load before the wizard's)."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "rma_warranty.rma_entitlement_override_action"
        )
        action["context"] = {"default_line_id": self.id}
        return action

    def action_open_void_lift(self):
        """The form in which a manager lifts the warranty void this unit's
        diagnosis recorded on its serial."""
        self.ensure_one()
        void = self.warranty_void_ids.filtered(lambda v: not v.lifted)[:1]
        if not void:
            raise UserError(
                self.env._(
                    "%(unit)s: no warranty void of its serial is standing.",
                    unit=self.display_name,
                )
            )
        return void.action_open_lift()

    def _warranty_transfer_coverage(self, new_lots):
        """A replacement unit carries on the coverage of the unit it replaces
        (``stock.lot._warranty_copy_to``)."""
        self.ensure_one()
        # sudo: the replacement was shipped by someone allowed to (stock rights);
        # coverage and the serial's owner follow from that delivery, by the system.
        self.lot_id.sudo()._warranty_copy_to(
            new_lots.sudo(),  # sudo: see the comment above
            from_date=self.entitlement_date,
            reason=self.env._(
                "Replaces %(lot)s (%(rma)s)",
                lot=self.lot_id.name,
                rma=self.order_id.name,
            ),
        )

    # ---- Quantities -----------------------------------------------------------------

    def _rma_qty_compare(self, value1, value2):
        """``float_compare`` of two quantities of this unit, at the rounding of its
        unit of measure (0.01 when it has none): -1, 0 or 1."""
        self.ensure_one()
        return float_compare(
            value1, value2, precision_rounding=self.product_uom_id.rounding or 0.01
        )

    def _rma_qty_is_zero(self, value):
        """Whether a quantity of this unit is zero at its unit of measure's rounding."""
        self.ensure_one()
        return float_is_zero(
            value, precision_rounding=self.product_uom_id.rounding or 0.01
        )

    # ---- Checks ---------------------------------------------------------------------

    def _check_line_values(self):
        for line in self:
            if float_compare(line.quantity, 0.0, precision_digits=6) <= 0:
                raise UserError(
                    self.env._(
                        "%(unit)s: the quantity must be positive.",
                        unit=line.display_name,
                    )
                )
            if line.lot_id and line.lot_id.product_id != line.product_id:
                raise UserError(
                    self.env._(
                        "Serial number %(lot)s is not a %(product)s.",
                        lot=line.lot_id.name,
                        product=line.product_id.display_name,
                    )
                )
            if (
                line.product_id.tracking == "serial"
                and line.lot_id
                and float_compare(line.quantity, 1.0, precision_digits=6) != 0
            ):
                raise UserError(
                    self.env._(
                        "%(unit)s: one serial number is one unit.",
                        unit=line.display_name,
                    )
                )

    def _check_returnable_quantity(self):
        """Never authorise the return of more than was delivered on the origin."""
        lines = self.filtered("origin_move_id")
        if not lines:
            return
        claimed = defaultdict(float)
        groups = self._read_group(
            [
                ("origin_move_id", "in", lines.origin_move_id.ids),
                ("state", "not in", ("rejected", "cancelled", "draft", "solved")),
                ("id", "not in", lines.ids),
            ],
            ["origin_move_id", "lot_id"],
            ["quantity:sum"],
        )
        for move, lot, qty in groups:
            claimed[move, lot] += qty
        for line in lines:
            claimed[line.origin_move_id, line.lot_id] += line.quantity
        delivered_qtys = lines._origin_delivered_qtys()
        for line in lines:
            delivered = delivered_qtys[line]
            if (
                line._rma_qty_compare(
                    claimed[line.origin_move_id, line.lot_id], delivered
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "%(unit)s: %(claimed)s claimed but only %(delivered)s "
                        "delivered on %(delivery)s.",
                        unit=line.display_name,
                        claimed=claimed[line.origin_move_id, line.lot_id],
                        delivered=delivered,
                        delivery=line.origin_move_id.reference,
                    )
                )

    def _origin_delivered_qty(self):
        self.ensure_one()
        return self._origin_delivered_qtys()[self]

    def _origin_delivered_qtys(self):
        """{line: what its origin move delivered of its serial (of the product when
        it has none), in the line's unit}. The origin moves' lines are grouped by
        serial once: a delivery of N serials claimed by N units costs N steps, not
        N x N (issue 16)."""
        by_serial = defaultdict(list)
        for move_line in self.origin_move_id.move_line_ids:
            by_serial[move_line.move_id, move_line.lot_id].append(move_line)
        delivered = {}
        for line in self:
            move = line.origin_move_id
            move_lines = (
                by_serial.get((move, line.lot_id), [])
                if line.lot_id
                else move.move_line_ids
            )
            delivered[line] = sum(
                ml.product_uom_id._compute_quantity(ml.quantity, line.product_uom_id)
                for ml in move_lines
            )
        return delivered

    def _check_received_quantity(self):
        """Called when receipts are validated: no more in than authorised."""
        delivered = self.filtered("origin_move_id")._origin_delivered_qtys()
        for line in self:
            limit = line.quantity
            if line.origin_move_id:
                limit = min(limit, delivered[line])
            if line._rma_qty_compare(line.qty_received, limit) > 0:
                raise UserError(
                    self.env._(
                        "%(unit)s: %(received)s received but only %(limit)s may be "
                        "returned.",
                        unit=line.display_name,
                        received=line.qty_received,
                        limit=limit,
                    )
                )

    # ---- Receipt --------------------------------------------------------------------

    def _needs_receipt(self):
        self.ensure_one()
        return self.resolution != "reject" and not self._rma_is_onsite()

    def _is_fully_received(self):
        self.ensure_one()
        if not self._needs_receipt():
            return True
        return self._rma_qty_compare(self.qty_received, self.quantity) >= 0

    def _prepare_receipt_move_vals(self, picking_type, customer_location):
        """Values of the move bringing this unit from the customer into the RMA
        location. Called by ``rma.order._prepare_receipt_vals``; may be
        overridden."""
        self.ensure_one()
        order = self.order_id
        return {
            "name": self.display_name,
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "product_uom": self.product_uom_id.id,
            "location_id": customer_location.id,
            "location_dest_id": order.warehouse_id.rma_loc_id.id,
            "picking_type_id": picking_type.id,
            "partner_id": order.partner_id.id,
            "company_id": order.company_id.id,
            "origin": order.name,
            "rma_line_id": self.id,
            # Valuation of the returned unit follows the cost it left with.
            "origin_returned_move_id": self.origin_move_id.id,
            "procure_method": "make_to_stock",
        }

    # ---- Resolutions ----------------------------------------------------------------

    def _qty_pending_delivery(self):
        self.ensure_one()
        return sum(
            move.product_uom._compute_quantity(
                move.product_uom_qty, self.product_uom_id
            )
            for move in self.move_ids
            if move.state not in ("done", "cancel")
            and move.location_dest_id.usage == "customer"
        )

    def _qty_to_process(self):
        """Quantity the resolution still has to act on: what came in, less what
        was already refunded, shipped back (or on its way) or scrapped."""
        self.ensure_one()
        if self.resolution == "refund":
            done = self.qty_refunded + self.qty_refund_draft
        elif self.resolution in DELIVERY_SOURCE:
            done = self.qty_delivered + self._qty_pending_delivery()
        elif self.resolution == "scrap":
            done = self.qty_scrapped
        else:
            return 0.0
        # Advance replacement (issue 15): the replacement does not wait for the
        # faulty unit.
        came_in = (
            self.quantity if self._rma_advance_ships_first() else self.qty_received
        )
        return max(came_in - done, 0.0)

    def _is_processable(self):
        self.ensure_one()
        if not self.resolution or self.is_resolved:
            return False
        if self.resolution == "reject":
            return False
        if self.resolution == "repair" and self.repair_status not in (
            "to_check",
            "ready",
        ):
            return False
        # A paid swap ships once its quote is accepted and paid (issue 15).
        if (
            self.resolution == "replace"
            and self.quote_id.rma_swap
            and not (self.quote_id.state == "sale" and self.quote_paid)
        ):
            return False
        return not self._rma_qty_is_zero(self._qty_to_process())

    def _run_resolutions(self):
        """Carry out the resolution of each line; one document per RMA and kind.

        Returns the refund lines left waiting because the user may not create
        credit notes: the accounting team was asked for them instead.
        """
        refunds = self.filtered(lambda line: line.resolution == "refund")
        waiting = self.browse()
        if refunds and not self.env["account.move"].has_access("create"):
            waiting = refunds._rma_ask_accounting_for_refunds()
        lines = self - waiting
        orders = lines.order_id
        (refunds - waiting)._create_refunds()
        for source in ("stock", "rma"):
            lines.filtered(
                lambda line, src=source: DELIVERY_SOURCE.get(line.resolution) == src
            )._create_deliveries(source)
        lines.filtered(lambda line: line.resolution == "scrap")._create_scraps()
        orders.filtered(lambda o: o.state in ("approved", "received"))._write_decision(
            {"state": "in_progress"}
        )
        orders._update_state_from_lines()
        return waiting

    def _rma_ask_accounting_for_refunds(self):
        """The user may not issue these units' credit notes: an activity asks the
        accounting team to, on each RMA (once), and the chatter says so. The units
        wait for their refund. Returns them."""
        activity_type = self.env.ref("rma_warranty.mail_activity_type_rma_refund")
        accountants = {
            company: self.env["rma.order"]._rma_refund_accountant(
                company, activity_type
            )
            for company in self.company_id
        }
        bodies = {}
        for order, lines in self.grouped("order_id").items():
            if order.activity_ids.filtered(
                lambda act: act.activity_type_id == activity_type
            ):
                continue
            responsible = (
                accountants[order.company_id] or order.user_id or self.env.user
            )
            order.activity_schedule(
                **lines._prepare_refund_activity_vals(activity_type, responsible)
            )
            bodies[order.id] = Markup("<p>%s</p>") % self.env._(
                "%(units)s: the credit note needs invoicing rights; %(user)s was "
                "asked to issue it.",
                units=", ".join(lines.mapped("display_name")),
                user=responsible.name,
            )
        self.order_id.filtered(lambda order: order.id in bodies)._message_log_batch(
            bodies=bodies
        )
        return self

    def _prepare_refund_activity_vals(self, activity_type, responsible):
        """Values of the activity (``activity_schedule``'s) that asks
        ``responsible`` to issue the credit notes of these units, all of one RMA.
        Called by ``_rma_ask_accounting_for_refunds``; may be overridden."""
        return {
            "activity_type_id": activity_type.id,
            "user_id": responsible.id,
            "note": Markup("<p>%s</p>")
            % self.env._(
                "Issue the credit note of %(units)s: press Process Resolutions "
                "on this RMA.",
                units=", ".join(self.mapped("display_name")),
            ),
        }

    def _create_deliveries(self, source):
        """One outgoing transfer per RMA for these lines, from ``source`` (``stock``:
        replacements; ``rma``: the received units going back)."""
        if not self:
            return self.env["stock.picking"]
        vals_list = []
        for order, lines in self.grouped("order_id").items():
            vals_list.append(order._prepare_delivery_vals(lines, source))
        pickings = self.env["stock.picking"].create(vals_list)
        pickings.action_confirm()
        pickings.move_ids._rma_reserve_lots(just_confirmed=True)
        return pickings

    def _prepare_delivery_move_vals(
        self, picking_type, location, source, customer_location
    ):
        """Values of the move shipping this unit's quantity still to process to the
        customer: the replacement product from stock, or the unit itself from the
        RMA location. Called by ``rma.order._prepare_delivery_vals``; may be
        overridden."""
        self.ensure_one()
        order = self.order_id
        product = (
            self.replacement_product_id or self.product_id
            if source == "stock"
            else self.product_id
        )
        qty = self._qty_to_process()
        return {
            "name": self.display_name,
            "product_id": product.id,
            "product_uom_qty": self.product_uom_id._compute_quantity(
                qty, product.uom_id
            )
            if product != self.product_id
            else qty,
            "product_uom": (
                product.uom_id if product != self.product_id else self.product_uom_id
            ).id,
            "location_id": location.id,
            "location_dest_id": customer_location.id,
            "picking_type_id": picking_type.id,
            "partner_id": order.partner_id.id,
            "company_id": order.company_id.id,
            "origin": order.name,
            "rma_line_id": self.id,
            "procure_method": "make_to_stock",
        }

    def _create_scraps(self):
        """Scrap the received units of these lines, one scrap order per unit."""
        if not self:
            return self.env["stock.scrap"]
        scraps = self.env["stock.scrap"].create(
            [line._prepare_scrap_vals() for line in self]
        )
        scraps.do_scrap()
        return scraps

    def _prepare_scrap_vals(self):
        """Values of the scrap order of this unit's quantity still to process, from
        the RMA location of its service centre. Called by ``_create_scraps``; may
        be overridden."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "lot_id": self.lot_id.id,
            "scrap_qty": self._qty_to_process(),
            "product_uom_id": self.product_uom_id.id,
            "location_id": self.order_id.warehouse_id.rma_loc_id.id,
            "company_id": self.company_id.id,
            "origin": self.order_id.name,
            "rma_line_id": self.id,
        }

    def _create_refunds(self):
        """Credit notes for the received units, one per invoice partner.

        A line whose original invoice line is known is credited at that line's
        price, discount, taxes and account, in its invoice's journal, fiscal position
        and currency. Otherwise the product's sale price is used, and the RMA says so.
        """
        if not self:
            return self.env["account.move"]
        groups = self.grouped(lambda line: line._refund_grouping_key())
        # Called from buttons of forms whose context has defaults of other models
        # (default_line_ids of a prefilled RMA would become journal items).
        refunds = (
            self.env["account.move"]
            .with_context(
                clean_context(self.env.context), default_move_type="out_refund"
            )
            .create([lines._prepare_refund_vals() for lines in groups.values()])
        )
        # The accounting team's activity, if staff without rights had asked for it.
        self.order_id.activity_feedback(["rma_warranty.mail_activity_type_rma_refund"])
        self.concat(*groups.values()).filtered(
            lambda line: not line.origin_invoice_line_id
        )._rma_log_priced_from_product()
        return refunds

    def _rma_log_priced_from_product(self):
        """Tell in the chatter of their RMAs that these units, credited without an
        original invoice line, were credited at the product's sale price. Called
        by ``_create_refunds``, which the user could only run by creating the
        credit notes from the RMAs (action_process locked them for writing)."""
        bodies = {
            order.id: Markup("<p>%s</p><ul>%s</ul>")
            % (
                self.env._(
                    "No original invoice line found: credited at the product's "
                    "sale price."
                ),
                Markup().join(
                    Markup("<li>%s</li>") % line.display_name for line in lines
                ),
            )
            for order, lines in self.grouped("order_id").items()
        }
        if not bodies:
            return
        # _message_log_batch writes in sudo, without notification: see above for
        # the RMAs' access.
        self.order_id.filtered(lambda order: order.id in bodies)._message_log_batch(
            bodies=bodies
        )

    def _refund_grouping_key(self):
        self.ensure_one()
        invoice = self.origin_invoice_line_id.move_id
        partner = (
            invoice.partner_id
            if invoice
            else self.env["res.partner"].browse(
                self.order_id.partner_id.address_get(["invoice"])["invoice"]
            )
        )
        currency = invoice.currency_id or self.company_id.currency_id
        return (self.company_id, partner, currency)

    # The credit note's reference is copied on its journal items and indexed there
    # with the partner (account_move_line_partner_id_ref_idx): a B-tree row holds
    # at most 2704 bytes, so the RMA numbers of a large batch are summarised.
    REFUND_REF_MAX = 200

    def _rma_refund_refs(self, names):
        """The RMA numbers ``names`` for a credit note's reference: all of them, or
        the first ones and how many more when they would not fit in
        ``REFUND_REF_MAX`` characters (issue 16: 1,000 RMAs refunded at once)."""
        refs = ", ".join(names)
        if len(refs) <= self.REFUND_REF_MAX:
            return refs
        shown = []
        for name in names:
            if len(", ".join([*shown, name])) > self.REFUND_REF_MAX - 20:
                break
            shown.append(name)
        return self.env._(
            "%(refs)s and %(count)s more",
            refs=", ".join(shown),
            count=len(names) - len(shown),
        )

    def _prepare_refund_vals(self):
        """Values of the credit note of these lines (one grouping key, see
        ``_refund_grouping_key``): header from the (first) original invoice, as
        Odoo's reversal would. Called by ``_create_refunds``; may be overridden."""
        first = self[0]
        company, partner, currency = first._refund_grouping_key()
        invoices = self.origin_invoice_line_id.move_id
        invoice = invoices[:1]
        names = list(dict.fromkeys(self.order_id.mapped("name")))
        refs = self._rma_refund_refs(names)
        vals = {
            "move_type": "out_refund",
            "partner_id": partner.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "invoice_origin": ", ".join(names),
            "ref": self.env._("RMA %(refs)s", refs=refs),
            "invoice_line_ids": [
                Command.create(line._prepare_refund_line_vals()) for line in self
            ],
        }
        if invoice:
            vals.update(
                {
                    "journal_id": invoice.journal_id.id,
                    "fiscal_position_id": invoice.fiscal_position_id.id,
                    "invoice_payment_term_id": False,
                    "partner_bank_id": invoice.partner_bank_id.id,
                }
            )
            if len(invoices) == 1:
                vals["reversed_entry_id"] = invoice.id
                vals["ref"] = self.env._(
                    "RMA %(refs)s, reversal of: %(invoice)s",
                    refs=refs,
                    invoice=invoice.name,
                )
        else:
            vals["fiscal_position_id"] = (
                self.env["account.fiscal.position"]
                .with_company(company)
                ._get_fiscal_position(partner)
                .id
            )
        return vals

    def _prepare_refund_line_vals(self):
        """Values of the credit note line of this unit's quantity still to process:
        at the price of its original invoice line, else at the product's sale
        price. Called by ``_prepare_refund_vals``; may be overridden."""
        self.ensure_one()
        qty = self._qty_to_process()
        # The credit note names the unit it credits.
        serial = self.lot_id and self.env._(
            "Serial number: %(lot)s", lot=self.lot_id.name
        )
        if self.origin_invoice_line_id:
            return self._refund_line_vals_from_invoice(qty, serial)
        return self._refund_line_vals_from_product(qty, serial)

    def _refund_line_vals_from_invoice(self, qty, serial):
        """Credit note line values of ``qty`` of this unit at its original invoice
        line's price, discount, taxes and account; ``serial``: the line's note of
        the serial number, or False. Called by ``_prepare_refund_line_vals``."""
        origin = self.origin_invoice_line_id
        return {
            "product_id": origin.product_id.id,
            "name": "\n".join(filter(None, [origin.name, serial])),
            "quantity": self.product_uom_id._compute_quantity(
                qty, origin.product_uom_id
            ),
            "product_uom_id": origin.product_uom_id.id,
            "price_unit": origin.price_unit,
            "discount": origin.discount,
            "tax_ids": [Command.set(origin.tax_ids.ids)],
            "account_id": origin.account_id.id,
            "analytic_distribution": origin.analytic_distribution,
            "rma_line_id": self.id,
        }

    def _refund_line_vals_from_product(self, qty, serial):
        """Credit note line values of ``qty`` of this unit, without an original
        invoice line, at the product's sale price (none: refused); ``serial`` as
        in ``_refund_line_vals_from_invoice``. Called by
        ``_prepare_refund_line_vals``."""
        product = self.product_id.with_company(self.company_id)
        price = product.uom_id._compute_price(product.lst_price, self.product_uom_id)
        if float_is_zero(
            price, precision_rounding=self.company_id.currency_id.rounding
        ):
            raise UserError(
                self.env._(
                    "%(unit)s: no original invoice and no sale price to refund from.",
                    unit=self.display_name,
                )
            )
        vals = {
            "product_id": product.id,
            "quantity": qty,
            "product_uom_id": self.product_uom_id.id,
            "price_unit": price,
            "rma_line_id": self.id,
        }
        if serial:
            vals["name"] = "\n".join(
                filter(None, [product.display_name, product.description_sale, serial])
            )
        return vals

    # ---- Repair: diagnosis, quotes, repair orders, quality check --------------------

    def _rma_lock(self, message):
        """Lock the rows of these units for an exactly-once repair action: a second
        click or worker fails at once instead of acting on a state it did not see.

        ``message`` is the caller's whole translated sentence that the second click
        reads, with ``%(units)s`` where the names of the units go (one sentence per
        action, so that translators can order the words).
        Returns the units without the caller's ``default_*`` context keys (the unit
        form opened from an RMA form inherits its action context), as
        ``rma.order._lock_in_state`` does.
        """
        if not self:
            return self
        self.check_access("write")
        lock_rows_nowait(
            self,
            lambda: message % {"units": ", ".join(self.mapped("display_name"))},
        )
        self.invalidate_recordset()
        # A new context on purpose: keys are removed, which kwargs cannot do.
        return self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden

    def _rma_void_for_damage(self):
        """Customer-caused damage voids the coverage of the unit when its policy
        says so: the void is recorded on the serial (later RMAs find it too), the
        unit's repair becomes paid and the customer is told why."""
        policies = self.product_id._get_warranty_policies()
        lines = self.filtered(
            lambda line: (
                line.damage_class in CUSTOMER_DAMAGE
                and not line.damage_void
                and policies.get(line.product_id)
                and policies[line.product_id].damage_voids
            )
        )
        if not lines:
            return
        lines.check_access("write")
        lines._rma_record_warranty_voids()
        lines.filtered(
            lambda line: line.entitlement_kind not in (False, "none")
        )._rma_apply_damage_void()

    def _rma_record_warranty_voids(self):
        """Record on their serials the warranty voids of these units (whose write
        access the caller checked), once per serial and scope: a standing void of
        the whole unit, or of the same component, already says it. Invoked by
        ``_rma_void_for_damage``."""
        to_record = self.filtered(
            lambda line: (
                line.lot_id
                and not line.lot_id.warranty_void_ids.filtered(
                    lambda v: (
                        not v.lifted
                        and v.component_id
                        in (
                            line.failed_component_id,
                            self.env["rma.warranty.component"],
                        )
                    )
                )
            )
        )
        # sudo: the diagnosis that found the damage was written by someone allowed
        # to (checked by the caller); the serial's voids change through actions only.
        voids_sudo = (
            self.env["rma.warranty.void"]
            .sudo()  # sudo: see the comment above
            .create([line._prepare_warranty_void_vals() for line in to_record])
        )
        voids_sudo.lot_id._message_log_batch(
            bodies={
                void.lot_id.id: self.env._(
                    "Warranty voided from %(date)s (%(scope)s) by %(unit)s: %(reason)s",
                    date=format_date(self.env, void.date),
                    scope=void._scope_label(),
                    unit=void.rma_line_id.display_name,
                    reason=void.reason,
                )
                for void in voids_sudo
            }
        )
        return voids_sudo

    def _rma_apply_damage_void(self):
        """The coverage of these units is voided: their entitlement becomes none
        (their repair is paid) and each customer is told why, by a message that
        notifies them. Invoked by ``_rma_void_for_damage``."""
        for line in self:
            reason = line._rma_void_reason()
            line._write_decision(
                {
                    "damage_void": True,
                    "entitlement_kind": "none",
                    "entitlement_override_reason": reason,
                    "entitlement_date_end": False,
                    "entitlement_days_left": 0,
                    "entitlement_swap_date_end": False,
                }
            )
            partner = line.order_id.partner_id
            line.order_id.message_post(
                body=self.env._(
                    "%(unit)s: %(reason)s Its repair is charged according to our "
                    "repair tariff; you will receive a quote. %(diagnosis)s",
                    unit=line.display_name,
                    reason=reason,
                    diagnosis=line.diagnosis or "",
                ),
                partner_ids=partner.ids,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )

    def _rma_void_reason(self):
        self.ensure_one()
        labels = dict(self._fields["damage_class"]._description_selection(self.env))
        return self.env._(
            "%(damage)s found by our technicians voids the warranty of this unit.",
            damage=labels[self.damage_class],
        )

    def _prepare_warranty_void_vals(self):
        """Values of the warranty void the diagnosis of this unit records on its
        serial: from the unit's entitlement date (the damage was there when the
        customer sent it), for its failed component or else the whole unit.
        Invoked by ``_rma_void_for_damage``; may be overridden."""
        self.ensure_one()
        return {
            "lot_id": self.lot_id.id,
            "company_id": self.lot_id.company_id.id or self.company_id.id,
            "component_id": self.failed_component_id.id,
            "date": self.entitlement_date or self._entitlement_date(),
            "reason": self._rma_void_reason(),
            "rma_line_id": self.id,
        }

    def _rma_void_lifted(self, reason):
        """The warranty void these units recorded was lifted by a manager: a unit
        not processed yet gets its computed entitlement back (and an open quote
        follows it). Called by ``rma.warranty.void._lift``."""
        lines = self.filtered(
            lambda line: line.damage_void and not line._entitlement_is_final()
        )
        if not lines:
            return
        lines.check_access("write")
        engine = lines._entitlement_engine_vals()
        labels = dict(ENTITLEMENTS)
        for line in lines:
            line._write_decision(
                dict(
                    engine[line],
                    damage_void=False,
                    entitlement_override_reason=False,
                )
            )
        lines._rma_log_on_orders(
            {
                line: self.env._(
                    "%(unit)s: the warranty void was lifted (%(reason)s); its "
                    "entitlement is %(kind)s again.",
                    unit=line.display_name,
                    reason=reason,
                    kind=labels.get(line.entitlement_kind, "-"),
                )
                for line in lines
            }
        )
        lines._rma_requote()

    def _rma_check_quotable(self):
        swaps = self.filtered(lambda line: line.resolution == "replace")
        swaps._rma_check_swap_quotable()  # paid swap (issue 15)
        for line in self - swaps:
            problem = False
            if line.resolution != "repair":
                problem = self.env._("its resolution is not a repair")
            elif line.state in (
                "draft",
                "submitted",
                "rejected",
                "cancelled",
                "done",
                "solved",
            ):
                problem = self.env._("its RMA is not approved")
            elif not line.damage_level_id:
                problem = self.env._("set its damage level first")
            elif line.repair_status != "to_diagnose":
                problem = (
                    self.env._("a quote is already open: revise it instead")
                    if line.repair_status == "quoted"
                    else self.env._("its quote was already accepted or refused")
                )
            if problem:
                raise UserError(
                    self.env._(
                        "%(unit)s cannot be quoted: %(problem)s.",
                        unit=line.display_name,
                        problem=problem,
                    )
                )

    def _rma_check_swap_quotable(self):
        """A replacement is quoted (a paid swap, issue 15) only when the unit's
        entitlement does not give a free swap, its RMA is approved, its policy
        names a swap fee and it has no quote yet."""
        policies = self.product_id._get_warranty_policies()
        for line in self:
            policy = policies.get(line.product_id)
            problem = False
            if line.entitlement_swap:
                problem = self.env._("its entitlement gives a free swap")
            elif line.state not in ("approved", "received", "in_progress"):
                problem = self.env._("its RMA is not approved")
            elif not (policy and policy.swap_fee_product_id):
                problem = self.env._("its warranty policy names no swap fee")
            elif line.quote_id.state in ("draft", "sent", "sale"):
                problem = self.env._("its swap was already quoted")
            elif line.qty_delivered or line._qty_pending_delivery():
                problem = self.env._("its replacement is already shipped")
            if problem:
                raise UserError(
                    self.env._(
                        "%(unit)s cannot be quoted: %(problem)s.",
                        unit=line.display_name,
                        problem=problem,
                    )
                )

    def action_rma_quote(self):
        """Quote the repair (or the paid swap) of these units from their tariffs
        (their policies), exactly once (a second click finds the quote made and is
        refused)."""
        lines = self._rma_lock(
            self.env._(
                "Someone else is quoting %(units)s right now: reload it and try again."
            )
        )
        lines._rma_check_quotable()
        quotes = lines._rma_create_quotes()
        quotes._rma_send_quote()
        return True

    def action_rma_revise_quote(self):
        """Quote again after the diagnosis (other damage level, parts, on-site):
        the open quote and its repair order are cancelled and kept as history."""
        lines = self._rma_lock(
            self.env._(
                "Someone else is revising the quote of %(units)s right now: "
                "reload it and try again."
            )
        )
        not_open = lines.filtered(lambda line: line.repair_status != "quoted")
        if not_open:
            raise UserError(
                self.env._(
                    "%(units)s: only an open quote (not accepted, refused or "
                    "expired into a repair) can be revised.",
                    units=", ".join(not_open.mapped("display_name")),
                )
            )
        missing = lines.filtered(lambda line: not line.damage_level_id)
        if missing:
            raise UserError(self.env._("Set the damage level first."))
        quotes = lines._rma_create_quotes()
        quotes._rma_send_quote()
        return True

    def _rma_create_quotes(self):
        """The quotes and repair orders of these units (see
        ``sale.order._rma_create_repair_quotes``), after the caller's checks."""
        swaps = self.filtered(lambda line: line.resolution == "replace")
        SaleOrder = self.env["sale.order"]
        return SaleOrder._rma_create_swap_quotes(
            swaps
        ) | SaleOrder._rma_create_repair_quotes(self - swaps)

    def _rma_check_refused(self):
        for line in self:
            if line.repair_status != "refused":
                raise UserError(
                    self.env._(
                        "%(unit)s: its repair quote was not refused.",
                        unit=line.display_name,
                    )
                )

    def action_rma_refused_return(self):
        """A refused quote: the unit goes back as-is, with the policy's fee."""
        lines = self._rma_lock(
            self.env._(
                "Someone else is returning %(units)s as-is right now: reload it and "
                "try again."
            )
        )
        lines._rma_check_refused()
        not_sent = lines.filtered(lambda line: not line.qty_received)
        sent = lines - not_sent
        # Not shipped to us yet (pay before shipping): nothing to return.
        not_sent.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel")
        )._action_cancel()
        not_sent.write({"resolution": "reject", "repair_refused": False})
        sent.write({"resolution": "return", "repair_refused": False})
        lines.env["sale.order"]._rma_charge_refusal_fee(sent)
        lines.order_id._update_state_from_lines()
        return True

    def action_rma_refused_scrap(self):
        """A refused quote: the customer agreed that we scrap the unit (Process
        Resolutions scraps it)."""
        lines = self._rma_lock(
            self.env._(
                "Someone else is scrapping %(units)s right now: reload it and try "
                "again."
            )
        )
        lines._rma_check_refused()
        missing = lines.filtered(lambda line: not line.qty_received)
        if missing:
            raise UserError(
                self.env._(
                    "%(units)s never reached us: nothing to scrap.",
                    units=", ".join(missing.mapped("display_name")),
                )
            )
        lines.write({"resolution": "scrap", "repair_refused": False})
        lines._rma_log_on_orders(
            {
                line: self.env._(
                    "%(unit)s: the customer agreed to have the unit scrapped.",
                    unit=line.display_name,
                )
                for line in lines
            }
        )
        return True

    def action_rma_repair_start(self):
        lines = self._rma_lock(
            self.env._(
                "Someone else is starting the repair of %(units)s right now: reload "
                "it and try again."
            )
        )
        return lines.env["repair.order"]._rma_start_repairs(lines)

    def action_rma_repair_end(self):
        lines = self._rma_lock(
            self.env._(
                "Someone else is ending the repair of %(units)s right now: reload it "
                "and try again."
            )
        )
        return lines.env["repair.order"]._rma_end_repairs(lines)

    def _rma_qc(self, result, note=None):
        """Record the quality check of repaired units: ``result`` "pass" or "fail",
        ``note`` the QC notes (kept when None); see
        ``repair.order._rma_quality_check``. Invoked by the QC buttons below, which
        take the notes from the form."""
        if result not in ("pass", "fail"):
            raise UserError(self.env._("A quality check passes or fails."))
        lines = self._rma_lock(
            self.env._(
                "Someone else is recording the quality check of %(units)s right now: "
                "reload it and try again."
            )
        )
        return lines.env["repair.order"]._rma_quality_check(lines, result, note)

    def action_rma_qc_pass(self):
        return self._rma_qc("pass")

    def action_rma_qc_fail(self):
        return self._rma_qc("fail")

    def _rma_log_on_orders(self, bodies):
        """Log ``bodies`` {unit: text}, internal notes that notify nobody, on the
        RMAs of these units, in the units' order (see ``log_notes``). The caller
        checked its access to the units."""
        log_notes((line.order_id, bodies[line]) for line in self if line in bodies)

    def _rma_check_qc_before_shipping(self):
        """A repaired unit leaves only after its quality check passed."""
        unchecked = self.filtered(
            lambda line: line.resolution == "repair" and line.qc_result != "pass"
        )
        if unchecked:
            raise UserError(
                self.env._(
                    "Record a passed quality check before shipping %(units)s.",
                    units=", ".join(unchecked.mapped("display_name")),
                )
            )

    def _rma_after_redelivery(self, moves):
        """Repaired units were delivered back: those repaired out of warranty get
        their post-repair coverage (policy days from the redelivery, built by
        ``stock.lot._warranty_grant_post_repair``)."""
        policies = self.product_id._get_warranty_policies()
        grants = []
        for move in moves:
            line = move.rma_line_id
            policy = policies.get(line.product_id)
            if (
                not policy
                or policy.post_repair_days <= 0
                or line.entitlement_free_repair
            ):
                continue
            reason = self.env._(
                "Repaired (%(repair)s, %(rma)s)",
                repair=line.repair_id.name,
                rma=line.order_id.name,
            )
            grants.append(
                (move, policy, line.order_id.partner_id.commercial_partner_id, reason)
            )
        # sudo: the repaired unit was shipped by someone allowed to (stock rights);
        # its coverage follows from that delivery, kept by the system.
        coverages = self.env["stock.lot"].sudo()._warranty_grant_post_repair(grants)
        self.order_id._rma_send_service_report()
        return coverages

    # ---- Service levels (issue 14) ----

    def _rma_sla_receipt_step(self):
        """The service-level step a unit starts when it is received, from its
        resolution and entitlement: swap, free repair, or the paid repair's quote
        (none if the quote was already sent, as when paid before shipping)."""
        self.ensure_one()
        if self.resolution == "replace":
            # Advance replacement (issue 15): the replacement already left.
            return False if self.advance_state else "swap"
        if self.resolution == "repair":
            if self.entitlement_free_repair:
                return "free_repair"
            if self.quote_id.state not in ("sent", "sale"):
                return "quote"
        return False

    def _rma_sla_moves_done(self, moves):
        """Units received start their step; units shipped back to the customer
        close theirs. Invoked by ``stock.move._action_done`` with its done RMA
        ``moves`` (of these units)."""
        done = moves.filtered(lambda m: m.state == "done")
        received = done.filtered(
            lambda m: m.location_id.usage == "customer"
        ).rma_line_id.filtered(lambda line: line._is_fully_received())
        for step, lines in received.grouped(
            lambda line: line._rma_sla_receipt_step()
        ).items():
            if step:
                lines.order_id._rma_sla_start(step, lines=lines)
        shipped = done.filtered(
            lambda m: m.location_dest_id.usage == "customer"
        ).rma_line_id
        shipped.order_id._rma_sla_stop(
            ("swap", "free_repair", "paid_repair"), lines=shipped
        )
        # Issue 17: a unit received hands the ball back to us.
        (received | shipped).order_id._rma_sla_sync_pauses()

    # ---- Advance replacement (issue 15) ----

    def _rma_advance_ships_first(self):
        """Whether this unit's replacement is shipped before the faulty unit
        arrives (an advance replacement)."""
        self.ensure_one()
        return self.advance_replacement and self.resolution == "replace"

    def _rma_advance_check_flag(self):
        """Once its replacement left, a unit stays an advance replacement: its
        faulty unit is awaited, charged or back. Called by ``write``."""
        shipped = self.filtered("advance_state")
        if shipped:
            raise UserError(
                self.env._(
                    "%(units)s: the replacement already left; the unit stays an "
                    "advance replacement.",
                    units=", ".join(shipped.mapped("display_name")),
                )
            )

    def _rma_advance_policies(self):
        """{product: rma.warranty.policy} of these units (one lookup)."""
        return self.product_id._get_warranty_policies()

    def _rma_advance_plan(self, start, days):
        """The local date ``days`` working days of this unit's service calendar
        after the day of ``start`` (naive UTC): the day itself does not count,
        public holidays and closures do not either. Calendar days without a
        calendar."""
        self.ensure_one()
        calendar = self.order_id.warehouse_id._get_rma_calendar()
        tz = pytz.timezone((calendar and calendar.tz) or "UTC")
        day = pytz.utc.localize(start).astimezone(tz).date()
        if days <= 0:
            return day
        if not calendar:
            return day + timedelta(days=days)
        next_day = tz.localize(datetime.combine(day + timedelta(days=1), time.min))
        found = calendar.plan_days(
            days,
            next_day.astimezone(pytz.utc).replace(tzinfo=None),
            compute_leaves=True,
        )
        if not found:
            return day + timedelta(days=days)
        return pytz.utc.localize(found).astimezone(tz).date()

    def _rma_advance_moves_done(self, moves):
        """The replacement of an advance replacement was delivered: the faulty
        unit is due (customer and distributor are told when); the faulty unit
        arrived: it is returned, and a charge already invoiced for it is
        credited. Invoked by ``stock.move._action_done`` with its done RMA
        ``moves`` (of these units)."""
        done = moves.filtered(lambda m: m.state == "done")
        lines = done.rma_line_id.filtered(lambda line: line.advance_replacement)
        if not lines:
            return
        received = done.filtered(
            lambda m: m.location_id.usage == "customer"
        ).rma_line_id.filtered(lambda line: line in lines and line._is_fully_received())
        shipped = done.filtered(
            lambda m: m.location_dest_id.usage == "customer"
        ).rma_line_id.filtered(
            lambda line: (
                line in lines
                and line.resolution == "replace"
                and not line.advance_state
            )
        )
        # Shipped after the faulty unit came in: nothing is awaited.
        (shipped & received).filtered(
            lambda line: not line.advance_state
        )._write_decision({"advance_state": "returned"})
        shipped = shipped.filtered(lambda line: not line._is_fully_received())
        if shipped:
            shipped._rma_advance_set_due(max(done.mapped("date")))
        in_time = received.filtered(lambda line: line.advance_state == "awaiting")
        in_time._write_decision({"advance_state": "returned"})
        late = received.filtered(lambda line: line.advance_state == "charged")
        if late:
            late._rma_advance_credit_late()
        received.filtered("damage_class")._rma_advance_charge_damage()

    def _rma_advance_set_due(self, start):
        """The faulty units of these advance replacements, delivered at
        ``start``, are due: their due and reminder dates from their policy, and
        the shipped email (customer and distributor copy) that says when.
        Called by ``_rma_advance_moves_done``."""
        policies = self._rma_advance_policies()
        for line in self:
            policy = policies.get(line.product_id)
            due_days = policy.advance_due_days if policy else 3
            remind_days = min(policy.advance_reminder_days if policy else 1, due_days)
            line._write_decision(
                {
                    "advance_state": "awaiting",
                    "advance_due_date": line._rma_advance_plan(start, due_days),
                    "advance_remind_date": line._rma_advance_plan(
                        start, due_days - remind_days
                    ),
                }
            )
        self.order_id._rma_send_mail("rma_warranty.mail_template_rma_advance_shipped")

    def _rma_advance_credit_late(self):
        """The faulty units of these lines arrived after their charge: the
        charge is credited through Odoo's reversal (reconciled with the invoice
        while it is unpaid). Called by ``_rma_advance_moves_done``."""
        # sudo: whoever validated the receipt (stock rights) brings the unit in;
        # the credit of the charge follows from that receipt, by the system.
        for line in self.sudo():  # sudo: see the comment above
            charge = line.advance_charge_move_id
            unpaid = charge.payment_state == "not_paid"
            credit = charge._reverse_moves(
                [line._prepare_advance_credit_vals(charge)], cancel=unpaid
            )
            if credit.state == "draft":
                credit.action_post()
            line.write(
                {"advance_state": "returned_late", "advance_credit_move_id": credit.id}
            )
        log_notes(
            [
                (
                    line.order_id,
                    self.env._(
                        "%(unit)s: the faulty unit arrived after it was charged; "
                        "the charge is credited.",
                        unit=line.display_name,
                    ),
                )
                for line in self
            ]
        )

    def _prepare_advance_credit_vals(self, charge):
        """Default values of the reversal of ``charge``, the unreturned-unit
        invoice of this line. Called by ``_rma_advance_credit_late``; may be
        overridden."""
        self.ensure_one()
        return {
            "ref": self.env._(
                "Reversal of: %(invoice)s, faulty unit of %(unit)s returned",
                invoice=charge.name,
                unit=self.display_name,
            ),
            "invoice_date": fields.Date.context_today(self),
        }

    def _rma_advance_invoice(self, vals_list):
        """Post the customer invoices of ``vals_list`` (advance replacement
        charges). The callers checked the access to the units (or are the
        scheduled action)."""
        # sudo: the charges are the policy's, decided by the caller, not by the
        # user (a service user or a stock user may not invoice).
        moves = (
            self.env["account.move"]
            .sudo()  # sudo: see the comment above
            .with_context(
                clean_context(self.env.context), default_move_type="out_invoice"
            )
            .create(vals_list)
        )
        moves.action_post()
        return moves

    def _prepare_advance_invoice_vals(self, product, price, ref):
        """Values of a customer invoice of this unit's RMA for ``product`` at
        ``price`` (0: its sales price); ``ref``: the invoice's reference.
        Called by ``_rma_advance_charge_overdue`` and
        ``_rma_advance_charge_damage``; may be overridden."""
        self.ensure_one()
        order = self.order_id
        # The unit itself: its quantity; a service (the damage charge): once.
        qty = self.quantity if product.type == "consu" else 1.0
        line_vals = {"product_id": product.id, "quantity": qty}
        if price:
            line_vals["price_unit"] = price
        return {
            "move_type": "out_invoice",
            "partner_id": order.partner_id.id,
            "company_id": order.company_id.id,
            "invoice_origin": order.name,
            "ref": ref,
            "invoice_line_ids": [Command.create(line_vals)],
        }

    def _rma_advance_charge_overdue(self):
        """Invoice the unreturned faulty units of these (locked, overdue) lines
        at their policy's price, and tell the customer. Called by
        ``_cron_rma_advance``."""
        policies = self._rma_advance_policies()
        vals_list = []
        for line in self:
            policy = policies.get(line.product_id)
            vals_list.append(
                line._prepare_advance_invoice_vals(
                    line.replacement_product_id or line.product_id,
                    policy.advance_charge_price if policy else 0.0,
                    self.env._(
                        "RMA %(rma)s: faulty unit of %(unit)s not returned by %(date)s",
                        rma=line.order_id.name,
                        unit=line.display_name,
                        date=format_date(self.env, line.advance_due_date),
                    ),
                )
            )
        moves = self._rma_advance_invoice(vals_list)
        for line, move in zip(self, moves, strict=True):
            line._write_decision(
                {"advance_state": "charged", "advance_charge_move_id": move.id}
            )
        self.order_id._rma_send_mail("rma_warranty.mail_template_rma_advance_overdue")
        self.order_id._update_state_from_lines()
        return moves

    def _rma_advance_charge_damage(self):
        """The faulty unit of an advance replacement arrived with customer-caused
        damage: its policy's damage charge is invoiced, once (a double click or
        a second diagnosis finds it invoiced)."""
        policies = self._rma_advance_policies()
        lines = self.filtered(
            lambda line: (
                line.advance_replacement
                and line.damage_class in CUSTOMER_DAMAGE
                and not line.advance_damage_move_id
                and not line._rma_qty_is_zero(line.qty_received)
                and policies.get(line.product_id)
                and policies[line.product_id].advance_damage_product_id
            )
        )
        if not lines:
            return self.env["account.move"]
        lines.check_access("write")
        lock_rows_nowait(
            lines,
            lambda: self.env._("The damage of these units is being charged right now."),
        )
        lines.invalidate_recordset(["advance_damage_move_id"])
        lines = lines.filtered(lambda line: not line.advance_damage_move_id)
        labels = dict(self._fields["damage_class"]._description_selection(self.env))
        vals_list = [
            line._prepare_advance_invoice_vals(
                policies[line.product_id].advance_damage_product_id,
                policies[line.product_id].advance_damage_amount,
                self.env._(
                    "RMA %(rma)s: %(damage)s found on the faulty unit of %(unit)s",
                    rma=line.order_id.name,
                    damage=labels[line.damage_class],
                    unit=line.display_name,
                ),
            )
            for line in lines
        ]
        moves = self._rma_advance_invoice(vals_list)
        for line, move in zip(lines, moves, strict=True):
            line._write_decision({"advance_damage_move_id": move.id})
        log_notes(
            [
                (
                    line.order_id,
                    self.env._(
                        "%(unit)s: customer-caused damage found on the faulty unit; "
                        "%(invoice)s charges it.",
                        unit=line.display_name,
                        invoice=move.name,
                    ),
                )
                for line, move in zip(lines, moves, strict=True)
            ]
        )
        return moves

    def _cron_rma_advance(self, limit=ADVANCE_CRON_BATCH):
        """Remind the customers of faulty units due soon (once per unit) and
        charge those overdue (once per unit). The units are selected ``FOR UPDATE
        SKIP LOCKED`` and their state written in the same transaction: two runs
        at once share them out, a later run finds them done. Called by the
        scheduled action; on a recordset, only those units are considered."""
        today = fields.Date.context_today(self)
        # advance_reminded too: the reminder below is written through the ORM, and
        # a second run in the same transaction reads it in SQL (the reminder's
        # email, now queued, no longer flushes it on the way; issue 16).
        self.flush_model(
            [
                "advance_state",
                "advance_due_date",
                "advance_remind_date",
                "advance_reminded",
            ]
        )
        only = SQL("AND id IN %s", tuple(self.ids)) if self else SQL()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM rma_order_line
                    WHERE advance_state = 'awaiting' AND advance_due_date < %s %s
                    ORDER BY advance_due_date, id
                    LIMIT %s
                      FOR UPDATE SKIP LOCKED""",
                today,
                only,
                limit,
            )
        )
        overdue = self.browse(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                """SELECT id FROM rma_order_line
                    WHERE advance_state = 'awaiting' AND advance_reminded IS NOT TRUE
                      AND advance_remind_date <= %s AND advance_due_date >= %s %s
                    ORDER BY advance_due_date, id
                    LIMIT %s
                      FOR UPDATE SKIP LOCKED""",
                today,
                today,
                only,
                limit,
            )
        )
        remind = self.browse(row[0] for row in self.env.cr.fetchall())
        if remind:
            remind._write_decision({"advance_reminded": True})
            remind.order_id._rma_send_mail(
                "rma_warranty.mail_template_rma_advance_reminder"
            )
        if overdue:
            overdue._rma_advance_charge_overdue()
        return remind | overdue

    # ---- On-site repair (issue 15) ----

    def _rma_is_onsite(self):
        """This unit is repaired at the customer's: a repair marked on-site that
        never came in (a unit already received is repaired in the workshop). It has
        no receipt and no return delivery; its parts go to the customer's site."""
        self.ensure_one()
        return (
            self.repair_onsite
            and self.resolution == "repair"
            and self._rma_qty_is_zero(self.qty_received)
        )

    def _rma_onsite_repaired(self):
        """This on-site unit was repaired and its visit closed (the visit result is
        its passed quality check): it is resolved without a delivery."""
        self.ensure_one()
        return self._rma_is_onsite() and self.repair_status == "ready"

    def action_rma_plan_visit(self):
        """Plan the technician's visit of these on-site units (see
        ``repair.order.action_rma_plan_visit``)."""
        missing = self.filtered(lambda line: not line.repair_id.rma_onsite)
        if missing:
            raise UserError(
                self.env._(
                    "%(units)s: quote the on-site repair first (its repair order "
                    "holds the visit).",
                    units=", ".join(missing.mapped("display_name")),
                )
            )
        return self.repair_id.action_rma_plan_visit()

    def _rma_onsite_resolved(self):
        """These on-site units were repaired on the customer's site (invoked by
        ``repair.order.action_rma_visit_done``): their RMAs move along (to done
        when nothing else is left) and the customer gets the service report."""
        orders = self.order_id
        # Nothing left to come in: the RMA is under way (else the receipt of its
        # other units moves it on, as usual).
        orders.filtered(
            lambda o: (
                o.state in ("approved", "received")
                and all(line._is_fully_received() for line in o.line_ids)
            )
        )._write_decision({"state": "in_progress"})
        orders._rma_sla_stop(("free_repair", "paid_repair"), lines=self)
        orders._update_state_from_lines()
        orders._rma_send_mail("rma_warranty.mail_template_rma_repaired_onsite")
        return True

    def _rma_onsite_portal_visits(self):
        """The planned visits of these units for the portal page of their RMA:
        [{"unit", "date", "technician", "done"}] (dates in the reader's language
        and time zone). Invoked in sudo by the page (``_portal_page_values``), after
        its access check: the visit is part of the RMA."""
        return [
            {
                "unit": line.display_name,
                "date": format_datetime(self.env, line.repair_id.rma_visit_date),
                "technician": line.repair_id.rma_visit_user_id.name or "",
                "done": line._rma_onsite_repaired(),
            }
            for line in self
            if line._rma_is_onsite() and line.repair_id.rma_visit_date
        ]

    # ---- Return reasons (issue 17) ----
    reason_id = fields.Many2one(
        comodel_name="rma.reason",
        string="Return Reason",
        index="btree_not_null",
        check_company=True,
        help="Why the unit comes back; it may restrict the resolutions of the unit. "
        "Required on submission when the company's setting says so.",
    )

    @api.constrains("reason_id", "resolution")
    def _check_reason_resolution(self):
        """A unit's resolution is one its return reason allows, whatever sets it:
        the form, an RPC write, the quote refusal's actions, a wizard."""
        labels = dict(self._fields["resolution"]._description_selection(self.env))
        for line in self:
            reason = line.reason_id
            if reason and not reason._rma_allows_resolution(line.resolution):
                raise ValidationError(
                    self.env._(
                        "%(unit)s: the return reason %(reason)s does not allow the "
                        "resolution %(resolution)s (it allows: %(allowed)s).",
                        unit=line.display_name,
                        reason=reason.display_name,
                        resolution=labels.get(line.resolution, line.resolution),
                        allowed=reason.allowed_resolutions_label,
                    )
                )

    def _rma_check_reason_required(self):
        """Refuse units without a return reason when their company requires one.
        Called by ``rma.order._check_submittable`` (submission and approval)."""
        missing = self.filtered(
            lambda line: not line.reason_id and line.company_id.rma_reason_required
        )
        if missing:
            raise UserError(
                self.env._(
                    "Choose the return reason of %(units)s: the company requires "
                    "one for every unit.",
                    units=", ".join(missing.mapped("display_name")),
                )
            )

    # ---- Paused clocks (issue 17) ----

    def _rma_sla_paused_reason(self):
        """Why the customer has the ball on this unit, False when we have it:
        ``quote`` while its repair quote awaits acceptance or payment (sent, or the
        RMA held until the quote is paid), ``unit`` while it is awaited from the
        customer (approved, its return receipt not done yet). The unit's
        service-level clocks stop meanwhile (``rma.order._rma_sla_sync_pauses``).
        May be overridden."""
        self.ensure_one()
        order = self.order_id
        if order.state not in ("approved", "received", "in_progress"):
            return False
        if self.quote_id.state == "sent" or order.shipping_hold:
            return "quote"
        if not self._is_fully_received():
            return "unit"
        return False

    # ---- Follow-up RMA (issue 17) ----
    # A unit that fails again after its RMA (the unit returned as-is, repaired or
    # swapped, or the problem solved remotely) gets a new RMA linked to this one.
    _rma_decision_fields = _rma_decision_fields | {"previous_line_id"}
    # The outcomes after which the customer holds the unit (or its replacement).
    _RMA_FOLLOWUP_RESOLUTIONS = ("replace", "repair", "return")

    previous_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Follow-up Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The unit of the earlier RMA that failed again: this unit is a repeat "
        "failure.",
    )
    followup_line_ids = fields.One2many(
        comodel_name="rma.order.line",
        inverse_name="previous_line_id",
        string="Follow-ups",
        readonly=True,
    )
    is_repeat = fields.Boolean(
        string="Repeat Failure",
        compute="_compute_is_repeat",
        store=True,
        help="The unit failed again after an earlier RMA.",
    )

    def _auto_init(self):
        """On an upgrade no unit follows up an earlier one yet: the new stored
        column starts empty (False) instead of being computed, and so rewritten,
        for every existing unit (the upgrade keeps the units as they were)."""
        cr = self.env.cr
        if sql.table_exists(cr, self._table) and not sql.column_exists(
            cr, self._table, "is_repeat"
        ):
            sql.create_column(cr, self._table, "is_repeat", "boolean")
        return super()._auto_init()

    followup_available = fields.Boolean(
        string="May Be Followed Up", compute="_compute_followup_available"
    )

    @api.depends("state", "resolution", "followup_line_ids.state")
    def _compute_followup_available(self):
        eligible = self._rma_followup_eligible()
        for line in self:
            line.followup_available = line in eligible

    @api.depends("previous_line_id")
    def _compute_is_repeat(self):
        for line in self:
            line.is_repeat = bool(line.previous_line_id)

    def _rma_followup_eligible(self):
        """The units of these that may be followed up now: their RMA closed with
        the unit back with the customer (returned, repaired, swapped, or solved
        without return), not already followed by an RMA still open."""
        return self.filtered(
            lambda line: (
                (
                    line.order_id.state == "solved"
                    or (
                        line.order_id.state == "done"
                        and line.resolution in self._RMA_FOLLOWUP_RESOLUTIONS
                    )
                )
                and not line.followup_line_ids.filtered(
                    lambda f: f.state not in ("rejected", "cancelled")
                )
            )
        )

    def _rma_followup_lot(self):
        """The serial the customer holds now: after a swap, the replacement shipped
        (the unit's last delivery to the customer), else the unit itself."""
        self.ensure_one()
        shipped = self.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        ).sorted(lambda m: (m.date, m.id))
        return shipped[-1:].move_line_ids.lot_id[:1] or self.lot_id

    def _prepare_rma_followup_line_vals(self):
        """Values of the unit of a follow-up RMA of this unit. Called by
        ``rma.order._prepare_rma_followup_vals``; may be overridden."""
        self.ensure_one()
        lot = self._rma_followup_lot()
        return {
            "product_id": (lot.product_id or self.product_id).id,
            "lot_id": lot.id,
            "quantity": self.quantity,
            "previous_line_id": self.id,
        }

    def _rma_followup_create(self):
        """Create the follow-up RMAs (drafts) of these units, one per RMA; return
        them. Refuses units that cannot be followed up, and a second click while
        the first one runs."""
        eligible = self._rma_followup_eligible()
        if not self or eligible != self:
            raise UserError(
                self.env._(
                    "A new failure is reported only for a unit back with the "
                    "customer after a closed RMA (returned, repaired, swapped or "
                    "solved without return), once: see its follow-up RMA."
                )
            )
        lock_rows_nowait(
            self,
            lambda: self.env._(
                "A new failure of this unit is being reported by someone else: "
                "reload the page."
            ),
        )
        orders = self.order_id
        return self.env["rma.order"]._create_decision(
            [
                order._prepare_rma_followup_vals(
                    self.filtered(lambda line, o=order: line.order_id == o)
                )
                for order in orders
            ]
        )

    def action_rma_followup(self):
        """Report a new failure of this unit: a draft RMA for the serial the
        customer now holds, linked to this one."""
        return self._rma_followup_create()._rma_followup_action()

    def _rma_followup_chain(self):
        """The units of the chain this unit belongs to, from the first failure to
        the last follow-up, for its service history (one query per step)."""
        chain = self
        previous = self.previous_line_id
        while previous and previous not in chain:
            chain |= previous
            previous = previous.previous_line_id
        followups = self.followup_line_ids
        while followups - chain:
            chain |= followups
            followups = followups.followup_line_ids
        return chain.sorted(lambda line: (line.create_date, line.id))

    # ---- Intake checklist (issue 17) ----
    intake_answer_ids = fields.One2many(
        comodel_name="rma.intake.answer",
        inverse_name="line_id",
        string="Checklist Answers",
        help="The answers to the intake checklist of the unit's product category: "
        "given by the customer on the portal, or filled in by staff.",
    )
    intake_question_ids = fields.Many2many(
        comodel_name="rma.intake.question",
        compute="_compute_intake_question_ids",
        string="Checklist Questions",
        help="The questions asked for this unit (its product's category and "
        "parents): the ones staff may answer.",
    )

    @api.depends("product_id.categ_id")
    def _compute_intake_question_ids(self):
        by_category = self.env["rma.intake.question"]._get_by_category(
            self.product_id.categ_id
        )
        for line in self:
            line.intake_question_ids = by_category.get(
                line.product_id.categ_id, self.env["rma.intake.question"]
            ).with_env(self.env)

    # ---- Goodwill coupons (issue 17) ----
    goodwill_coupon_ids = fields.One2many(
        comodel_name="loyalty.card",
        inverse_name="rma_line_id",
        readonly=True,
    )

    def _rma_give_goodwill_coupon(self, program, amount, reason, expiration_date=False):
        """Give each of these units a goodwill coupon of ``program`` worth
        ``amount`` (in the program's currency), for ``reason``: one of Odoo's own
        coupons (``loyalty.card``, its code generated by ``loyalty``), reserved to
        the RMA's customer, valid until ``expiration_date``, mailed to the customer
        with the RMA's queued emails. Returns the coupons.

        Invoked by the Give Goodwill Coupon wizard (``rma.order.goodwill``). RMA
        managers only; a unit gets one coupon at most: its row is locked and the
        database refuses a second one, so a double click gives one coupon.
        """
        if not self:
            return self.env["loyalty.card"]
        if not self.env.su and not self.env.user.has_group(
            "rma_warranty.group_rma_manager"
        ):
            raise AccessError(
                self.env._("Only RMA managers may give goodwill coupons.")
            )
        self.check_access("write")
        wrong = self.filtered(
            lambda line: line.order_id.state in ("draft", "cancelled")
        )
        if wrong:
            raise UserError(
                self.env._(
                    "A goodwill coupon is given on a submitted RMA, not on %(refs)s.",
                    refs=", ".join(wrong.order_id.mapped("name")),
                )
            )
        lock_rows_nowait(
            self,
            lambda: self.env._(
                "Someone else is changing this RMA unit right now. Reload it and "
                "try again."
            ),
        )
        # sudo: who gave the units' coupons, whatever the user may read of
        # coupons (the units are the user's to write, checked above).
        given_sudo = (
            self.env["loyalty.card"].sudo().search([("rma_line_id", "in", self.ids)])
        )
        if given_sudo:
            raise UserError(
                self.env._(
                    "%(units)s already got a goodwill coupon (%(codes)s).",
                    units=", ".join(given_sudo.rma_line_id.mapped("display_name")),
                    codes=", ".join(given_sudo.mapped("code")),
                )
            )
        program = program.exists()
        if not program:
            raise UserError(self.env._("Choose a goodwill coupon program."))
        other = self.filtered(
            lambda line: (
                program.company_id not in (line.company_id, program.browse())
                or program.currency_id != line.company_id.currency_id
            )
        )
        if other:
            raise UserError(
                self.env._(
                    "Program %(program)s cannot give coupons for %(refs)s: it belongs "
                    "to another company or has another currency.",
                    program=program.display_name,
                    refs=", ".join(other.order_id.mapped("name")),
                )
            )
        points = program._rma_goodwill_points(amount)
        vals_list = [
            line._prepare_goodwill_coupon_vals(
                program, points, amount, reason, expiration_date
            )
            for line in self
        ]
        # sudo: RMA managers give coupons without being sales managers (who
        # alone create loyalty.card); the user's right on the units and the
        # manager group were checked above. loyalty_no_mail: the customer is
        # mailed once, with the RMA's emails, not by the program's own plan too.
        try:
            with self.env.cr.savepoint():
                coupons_sudo = (
                    self.env["loyalty.card"]
                    .sudo()
                    .with_context(loyalty_no_mail=True)
                    .create(vals_list)
                )
        except UniqueViolation as exc:
            # A concurrent transaction gave the coupon of one of these units after
            # this one read them (the lock came after its commit).
            raise UserError(
                self.env._(
                    "%(units)s already got a goodwill coupon.",
                    units=", ".join(self.mapped("display_name")),
                )
            ) from exc
        self.env["loyalty.history"].sudo().create(
            [
                coupon_sudo.rma_line_id._prepare_goodwill_coupon_history_vals(
                    coupon_sudo
                )
                for coupon_sudo in coupons_sudo
            ]
        )
        log_notes(
            (
                coupon_sudo.rma_id,
                Markup("%s")
                % self.env._(
                    "Goodwill coupon %(code)s worth %(value)s given for %(unit)s: "
                    "%(reason)s",
                    code=coupon_sudo.code,
                    value=format_amount(
                        self.env, coupon_sudo.rma_goodwill_amount, program.currency_id
                    ),
                    unit=coupon_sudo.rma_line_id.display_name,
                    reason=reason,
                ),
            )
            for coupon_sudo in coupons_sudo
        )
        self.order_id._rma_send_mail("rma_warranty.mail_template_rma_goodwill_coupon")
        return coupons_sudo.with_env(self.env)

    def _prepare_goodwill_coupon_vals(
        self, program, points, amount, reason, expiration_date
    ):
        """Values of the goodwill coupon of this unit (``loyalty.card``; its code
        comes from ``loyalty``'s own default). Invoked by
        ``_rma_give_goodwill_coupon``; may be overridden."""
        self.ensure_one()
        return {
            "program_id": program.id,
            "partner_id": self.order_id.partner_id.id,
            "points": points,
            "expiration_date": expiration_date or False,
            "rma_line_id": self.id,
            "rma_goodwill_amount": amount,
            "rma_goodwill_reason": reason,
        }

    def _prepare_goodwill_coupon_history_vals(self, coupon):
        """Values of the history line of ``coupon`` given for this unit (as
        ``loyalty.generate.wizard`` records the coupons it gives). Invoked by
        ``_rma_give_goodwill_coupon``; may be overridden."""
        self.ensure_one()
        return {
            "card_id": coupon.id,
            "description": self.env._("Goodwill for %(rma)s", rma=self.order_id.name),
            "issued": coupon.points,
        }
