# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaOrderReject(models.TransientModel):
    _name = "rma.order.reject"
    _description = "Reject RMA requests"

    order_ids = fields.Many2many(comodel_name="rma.order", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.order_ids._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
