# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="RMA Unit",
        index="btree_not_null",
        copy=False,
        check_company=True,
        readonly=True,
    )
    rma_order_id = fields.Many2one(
        related="rma_line_id.order_id", string="RMA", store=True, index=True
    )

    def action_repair_done(self):
        res = super().action_repair_done()
        self.rma_line_id._rma_after_repair_done()
        return res
