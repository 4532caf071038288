# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rma_reseller = fields.Boolean(
        string="Resells Our Products",
        help="A distributor or a reseller: the units we deliver to it are sold on, "
        "and their buyers may register them in the portal. A unit delivered to "
        "anyone else is registered only by that customer.",
    )

    def _commercial_fields(self):
        # Set on the company, shared by its contacts.
        return [*super()._commercial_fields(), "rma_reseller"]
