# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RmaTransitRule(models.Model):
    """How long a parcel travels between a service centre and a region: a range
    of days added to the expected return date and shown with it (SINNEN: 7-8 days
    inside the province, 10-15 outside)."""

    _name = "rma.transit.rule"
    _description = "RMA Regional Transit Time"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        string="Service Centre",
        check_company=True,
        help="Empty: every service centre of the company.",
    )
    country_id = fields.Many2one(comodel_name="res.country", required=True)
    state_ids = fields.Many2many(
        comodel_name="res.country.state",
        domain="[('country_id', '=', country_id)]",
        help="Empty: the whole country.",
    )
    zip_prefix = fields.Char(help="Only addresses whose zip code starts with it.")
    days_min = fields.Integer(string="From (days)", required=True, default=1)
    days_max = fields.Integer(string="To (days)", required=True, default=1)

    _sql_constraints = [
        (
            "days_range",
            "CHECK(days_min >= 0 AND days_max >= days_min)",
            "The transit time runs from a number of days to a larger one.",
        ),
    ]

    # ---- Business methods -----------------------------------------------------------

    def _rma_specificity(self, warehouse):
        """Sort key: the rule most specific to ``warehouse`` and an address first."""
        self.ensure_one()
        return (
            not (self.warehouse_id and self.warehouse_id == warehouse),
            not self.zip_prefix,
            not self.state_ids,
            self.sequence,
            self.id,
        )

    def _rma_matches(self, partner, warehouse):
        self.ensure_one()
        return (
            self.country_id == partner.country_id
            and (not self.warehouse_id or self.warehouse_id == warehouse)
            and (not self.state_ids or partner.state_id in self.state_ids)
            and (
                not self.zip_prefix
                or (partner.zip or "")
                .replace(" ", "")
                .upper()
                .startswith(self.zip_prefix.replace(" ", "").upper())
            )
        )

    @api.model
    def _find_for_partner(self, partners, warehouse):
        """``{partner: rule}`` for the addresses ``partners`` shipped to or from
        ``warehouse``: the most specific matching rule (a rule of the warehouse
        before one of every centre, one with a zip prefix, then with states, then
        by sequence). Partners no rule covers are absent. One search per call."""
        countries = partners.country_id
        if not countries or not warehouse:
            return {}
        rules = self.search(
            [
                ("company_id", "=", warehouse.company_id.id),
                ("country_id", "in", countries.ids),
                ("warehouse_id", "in", [False, warehouse.id]),
            ]
        ).sorted(lambda rule: rule._rma_specificity(warehouse))
        result = {}
        for partner in partners:
            rule = next((r for r in rules if r._rma_matches(partner, warehouse)), None)
            if rule:
                result[partner] = rule
        return result
