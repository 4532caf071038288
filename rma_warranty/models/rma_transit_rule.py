# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RmaTransitRule(models.Model):
    """How long a parcel travels between a service centre and a region: a range
    of days added to the expected return date and shown with it (SINNEN: 7-8 days
    inside the province, 10-15 outside)."""

    _name = "rma.transit.rule"
    _inherit = ["rma.region.mixin"]
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

    def _rma_transit_score(self, partner, warehouse):
        """The region's score of ``partner`` (``_rma_region_score``), a rule of
        ``warehouse`` itself before one of every service centre; None outside."""
        self.ensure_one()
        score = self._rma_region_score(partner)
        if score is None or (self.warehouse_id and self.warehouse_id != warehouse):
            return None
        return (bool(self.warehouse_id), *score)

    @api.model
    def _find_for_partner(self, partners, warehouse):
        """``{partner: rule}`` for the addresses ``partners`` shipped to or from
        ``warehouse``: the most specific matching rule (a rule of the warehouse
        before one of every centre, then as ``rma.region.mixin`` ranks them).
        Partners no rule covers are absent. One search per call."""
        countries = partners.country_id
        if not countries or not warehouse:
            return {}
        rules = self.search(
            [
                ("company_id", "=", warehouse.company_id.id),
                ("country_id", "in", countries.ids),
                ("warehouse_id", "in", [False, warehouse.id]),
            ]
        )
        return rules._rma_best_for(
            partners, lambda rule, partner: rule._rma_transit_score(partner, warehouse)
        )
