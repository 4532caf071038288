# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaOrderRelease(models.TransientModel):
    """An RMA manager sends the shipping instructions of an RMA held for the payment
    of its repair quote before that payment is seen, and says why."""

    _name = "rma.order.release"
    _description = "Release the shipping of RMAs before payment"

    order_ids = fields.Many2many(comodel_name="rma.order", required=True)
    reason = fields.Text(required=True)

    def action_release(self):
        self.ensure_one()
        self.order_ids._rma_release_shipping_override(self.reason)
        return {"type": "ir.actions.act_window_close"}
