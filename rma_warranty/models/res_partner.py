# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rma_reseller = fields.Boolean(
        string="Resells Our Products",
        help="A distributor or a reseller: the units we deliver to it are sold on, "
        "and their buyers may register them in the portal; it reads the RMAs of "
        "the units it sold, handles or escalates the requests of their buyers, "
        "and may be assigned the requests of a region. A unit delivered to "
        "anyone else is registered only by that customer.",
    )

    def _commercial_fields(self):
        # Set on the company, shared by its contacts.
        return [*super()._commercial_fields(), "rma_reseller"]

    # ---- Distributor channel (issue 14) ----

    def _rma_is_distributor(self):
        """Whether this partner's commercial entity is one of our distributors
        (``rma_reseller``): the one notion of distributor of the addon. It reads
        the RMAs of the units we sold it (``rma.order.sold_by_commercial_id``) and
        sees them in My units, becomes the distributor of an RMA filed for a unit
        it sold (``rma.order.line._fill_origin``), files its buyers' units, and
        is routed the requests of their buyers (``rma.order._rma_route_distributor``).
        Anybody else who sold a unit on (a company or a person) is a former owner,
        not a distributor."""
        self.ensure_one()
        return bool(self.commercial_partner_id.rma_reseller)
