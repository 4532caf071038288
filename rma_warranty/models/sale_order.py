# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rma_order_ids = fields.One2many(
        comodel_name="rma.order", inverse_name="sale_order_id", string="RMAs"
    )
    rma_count = fields.Integer(compute="_compute_rma_count")

    def _compute_rma_count(self):
        counts = dict(
            self.env["rma.order"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
        for order in self:
            order.rma_count = counts.get(order, 0)

    def action_create_rma(self):
        """Open a new RMA prefilled with what this order delivered."""
        self.ensure_one()
        moves = self.order_line.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        )
        return self.env["rma.order"]._action_new_from_moves(
            moves, partner=self.partner_id, sale_order=self
        )

    def action_view_rma(self):
        self.ensure_one()
        return self.env["rma.order"]._action_view_records_of(self.rma_order_ids)
