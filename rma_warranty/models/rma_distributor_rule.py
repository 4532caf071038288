# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RmaDistributorRule(models.Model):
    """Which distributor takes the requests of a region (SINNEN: "tell us the
    serial number and the region of purchase, we find your distributor").

    A request whose units were not sold through a distributor goes to the
    distributor of the rule matching its customer's address: country, then
    optionally some of its states and a zip prefix. The most specific rule wins
    (a zip prefix over states over the country alone, a longer prefix over a
    shorter one), then the lowest sequence.
    """

    _name = "rma.distributor.rule"
    _inherit = ["rma.region.mixin"]
    _description = "Distributor Assignment Rule"
    _order = "sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    distributor_id = fields.Many2one(
        comodel_name="res.partner",
        required=True,
        check_company=True,
        domain="[('rma_reseller', '=', True), ('is_company', '=', True)]",
        help="The distributor that handles or escalates the requests of this region.",
    )

    # ---- Constraints ----------------------------------------------------------------

    @api.constrains("distributor_id")
    def _check_distributor(self):
        for rule in self:
            if not rule.distributor_id._rma_is_distributor():
                raise ValidationError(
                    self.env._(
                        "%(partner)s does not resell our products: tick Resells Our "
                        "Products on it before assigning it a region.",
                        partner=rule.distributor_id.display_name,
                    )
                )

    # ---- Business methods -----------------------------------------------------------

    @api.model
    def _find_for_partners(self, partners, company=None):
        """``{partner: distributor}`` for those of ``partners`` (customers) whose
        address a rule of ``company`` (default: the current one) matches; one
        search for the whole batch. Called by ``rma.order._rma_route_distributor``.
        """
        company = company or self.env.company
        partners = partners.filtered("country_id")
        if not partners:
            return {}
        rules = self.search(
            [
                ("company_id", "=", company.id),
                ("country_id", "in", partners.country_id.ids),
            ]
        )
        return {
            partner: rule.distributor_id
            for partner, rule in rules._rma_best_for(partners).items()
        }
