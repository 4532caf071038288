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
    country_id = fields.Many2one(
        comodel_name="res.country",
        required=True,
        index=True,
    )
    state_ids = fields.Many2many(
        comodel_name="res.country.state",
        domain="[('country_id', '=', country_id)]",
        help="Only customers in these states (all of the country when empty).",
    )
    zip_prefix = fields.Char(
        help="Only customers whose zip code starts with this text (any when empty).",
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

    @api.constrains("state_ids", "country_id")
    def _check_states(self):
        for rule in self:
            if rule.state_ids.country_id - rule.country_id:
                raise ValidationError(
                    self.env._("The states of a rule are states of its country.")
                )

    # ---- Business methods -----------------------------------------------------------

    def _rma_specificity(self, partner):
        """How specifically this rule matches ``partner``'s address (a tuple,
        higher wins), or None when it does not match."""
        self.ensure_one()
        if partner.country_id != self.country_id:
            return None
        if self.state_ids and partner.state_id not in self.state_ids:
            return None
        prefix = (self.zip_prefix or "").strip().upper()
        if prefix and not (partner.zip or "").strip().upper().startswith(prefix):
            return None
        return (len(prefix), bool(self.state_ids), -self.sequence, -self.id)

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
        found = {}
        for partner in partners:
            best = None
            for rule in rules:
                score = rule._rma_specificity(partner)
                if score is not None and (best is None or score > best[0]):
                    best = (score, rule)
            if best:
                found[partner] = best[1].distributor_id
        return found
