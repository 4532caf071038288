# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RmaRegionMixin(models.AbstractModel):
    """A region of addresses: a country, optionally some of its states and a zip
    prefix. The rules that take a region (transit times, the distributors'
    regions) match a partner's address with it, and the most specific matching
    rule wins: a longer zip prefix, then states, then the country alone; among
    equals the lowest ``sequence`` (a field of the rule)."""

    _name = "rma.region.mixin"
    _description = "RMA Region of Addresses"

    country_id = fields.Many2one(comodel_name="res.country", required=True, index=True)
    state_ids = fields.Many2many(
        comodel_name="res.country.state",
        domain="[('country_id', '=', country_id)]",
        help="Only addresses in these states (the whole country when empty).",
    )
    zip_prefix = fields.Char(
        help="Only addresses whose zip code starts with this text (any when empty).",
    )

    @api.constrains("state_ids", "country_id")
    def _check_region_states(self):
        for rule in self:
            if rule.state_ids.country_id - rule.country_id:
                raise ValidationError(
                    self.env._("The states of a rule are states of its country.")
                )

    @api.model
    def _rma_zip_key(self, zip_code):
        """``zip_code`` as compared with prefixes: no spaces, upper case."""
        return (zip_code or "").replace(" ", "").upper()

    def _rma_region_score(self, partner):
        """How specifically this rule's region holds ``partner``'s address (a
        tuple, higher wins), or None when the address is outside it."""
        self.ensure_one()
        if partner.country_id != self.country_id:
            return None
        if self.state_ids and partner.state_id not in self.state_ids:
            return None
        prefix = self._rma_zip_key(self.zip_prefix)
        if prefix and not self._rma_zip_key(partner.zip).startswith(prefix):
            return None
        return (len(prefix), bool(self.state_ids), -self.sequence, -self.id)

    def _rma_best_for(self, partners, score=None):
        """``{partner: rule}``: for each of ``partners``, the rule of ``self`` with
        the highest ``score(rule, partner)`` (default ``_rma_region_score``); a
        partner no rule holds is absent. No query: the callers search the rules
        of the whole batch once."""
        score = score or (lambda rule, partner: rule._rma_region_score(partner))
        found = {}
        for partner in partners:
            scored = [
                (s, rule) for rule in self if (s := score(rule, partner)) is not None
            ]
            if scored:
                found[partner] = max(scored, key=lambda pair: pair[0])[1]
        return found
