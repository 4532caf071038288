# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    rma_order_id = fields.Many2one(
        comodel_name="rma.order",
        string="RMA",
        index="btree_not_null",
        copy=True,  # backorders of a partial receipt stay on their RMA
        check_company=True,
    )
    rma_count = fields.Integer(compute="_compute_rma_count")

    def _compute_rma_count(self):
        groups = dict(
            self.env["rma.order.line"]._read_group(
                [("origin_move_id.picking_id", "in", self.ids)],
                ["order_id"],
                ["__count"],
            )
        )
        counts = dict.fromkeys(self.ids, 0)
        if groups:
            for order in groups:
                for picking in order.line_ids.origin_move_id.picking_id:
                    if picking.id in counts:
                        counts[picking.id] += 1
        for picking in self:
            picking.rma_count = counts.get(picking.id, 0) + bool(picking.rma_order_id)

    def _create_backorder(self, backorder_moves=None):
        # The rest of a partial RMA receipt still expects the approved serials.
        backorders = super()._create_backorder(backorder_moves=backorder_moves)
        backorders.move_ids.filtered("rma_line_id")._rma_reserve_lots()
        return backorders

    def action_create_rma(self):
        """Open a new RMA prefilled with the units of this delivery."""
        self.ensure_one()
        return self.env["rma.order"]._action_new_from_moves(
            self.move_ids.filtered(lambda m: m.state == "done"),
            partner=self.partner_id,
        )

    def action_view_rma(self):
        self.ensure_one()
        orders = (
            self.rma_order_id
            | self.env["rma.order.line"]
            .search([("origin_move_id.picking_id", "=", self.id)])
            .order_id
        )
        return self.env["rma.order"]._action_view_records_of(orders)
