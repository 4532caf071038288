# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = "stock.move"

    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="RMA Unit",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )

    def _prepare_merge_moves_distinct_fields(self):
        # Two units of the same product on one RMA keep their own moves (and serial).
        return [*super()._prepare_merge_moves_distinct_fields(), "rma_line_id"]

    def _prepare_move_split_vals(self, qty):
        # A backorder of a partial receipt still belongs to the same RMA unit.
        vals = super()._prepare_move_split_vals(qty)
        if self.rma_line_id:
            vals["rma_line_id"] = self.rma_line_id.id
        return vals

    def _action_done(self, cancel_backorder=False):
        rma_moves = self.filtered("rma_line_id")
        rma_moves._rma_check_lots()
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        lines = rma_moves.rma_line_id
        if lines:
            lines._check_received_quantity()
            lines.order_id._update_state_from_lines()
        return moves

    def _rma_check_lots(self):
        """The serial that arrives must be the one the RMA was approved for."""
        for move in self.filtered(lambda m: m._rma_carries_unit()):
            line = move.rma_line_id
            wrong = move.move_line_ids.filtered(
                lambda ml, lot=line.lot_id: ml.quantity and ml.lot_id != lot
            )
            if wrong:
                raise UserError(
                    self.env._(
                        "%(ref)s expects serial number %(lot)s, not %(wrong)s.",
                        ref=line.order_id.name,
                        lot=line.lot_id.name,
                        wrong=", ".join(ml.lot_id.name or "-" for ml in wrong),
                    )
                )

    def _rma_carries_unit(self):
        """Whether this move carries the RMA unit itself (its serial): coming from
        the customer or leaving the RMA location; not a replacement from stock."""
        self.ensure_one()
        line = self.rma_line_id
        return bool(
            line.lot_id
            and self.product_id == line.product_id
            and (
                self.location_id.usage != "internal"
                or self.location_id == line.order_id.warehouse_id.rma_loc_id
            )
        )

    def _rma_reserve_lots(self):
        """Bind moves of units with a known serial to that serial; assign the rest.

        A receipt from the customer is prefilled with the expected serial; a unit
        going back from the RMA location is reserved by serial, never another
        customer's unit of the same product.
        """
        bound = self.filtered(
            lambda m: m._rma_carries_unit() and m.state not in ("done", "cancel")
        )
        (self - bound)._action_assign()
        bound.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            [
                dict(
                    move._prepare_move_line_vals(quantity=move.product_uom_qty),
                    lot_id=move.rma_line_id.lot_id.id,
                )
                for move in bound
            ]
        )
        bound._recompute_state()
