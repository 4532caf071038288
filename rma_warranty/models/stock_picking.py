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

    def _rma_orders_by_picking(self):
        """The RMAs of each picking of ``self``: the RMA it belongs to and those
        whose units left on it, in one search for the batch. The one way to find a
        picking's RMAs: ``rma_count`` counts them, ``action_view_rma`` opens them.

        :return: ``{picking id: rma.order recordset}``
        """
        orders = {picking.id: picking.rma_order_id for picking in self}
        lines = self.env["rma.order.line"].search(
            [("origin_move_id.picking_id", "in", self.ids)]
        )
        for line in lines:
            picking_id = line.origin_move_id.picking_id.id
            if picking_id in orders:
                orders[picking_id] |= line.order_id
        return orders

    def _compute_rma_count(self):
        orders = self._rma_orders_by_picking()
        for picking in self:
            picking.rma_count = len(orders[picking.id])

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
        orders = self._rma_orders_by_picking()[self.id]
        return self.env["rma.order"]._action_view_records(orders, create=True)
