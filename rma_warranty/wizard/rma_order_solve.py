# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaOrderSolve(models.TransientModel):
    """How a request was solved without a return (issue 14): its own outcome,
    not a rejection."""

    _name = "rma.order.solve"
    _description = "Close RMA requests solved without return"

    order_ids = fields.Many2many(comodel_name="rma.order", required=True)
    solution = fields.Text(required=True)

    def action_solve(self):
        self.ensure_one()
        self.order_ids._solve_remotely(self.solution)
        return {"type": "ir.actions.act_window_close"}
