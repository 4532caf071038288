# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models.rma_warranty_coverage import ENTITLEMENTS


class RmaEntitlementOverride(models.TransientModel):
    """Staff set a unit's entitlement themselves, with the reason."""

    _name = "rma.entitlement.override"
    _description = "Override RMA Entitlement"

    line_id = fields.Many2one(
        comodel_name="rma.order.line", required=True, ondelete="cascade"
    )
    current_kind = fields.Selection(
        related="line_id.entitlement_kind", string="Current Entitlement"
    )
    kind = fields.Selection(selection=ENTITLEMENTS, string="Entitlement", required=True)
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.line_id._override_entitlement(self.kind, self.reason)
        return {"type": "ir.actions.act_window_close"}
