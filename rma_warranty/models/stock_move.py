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

    def _push_apply(self):
        """Look push rules up once per product and destination for RMA receipts.

        Odoo searches the rules of each move; a receipt of a hundred units of one
        product into the RMA location then costs a hundred identical searches. A
        configured rule (e.g. on to a quality location) still applies as usual.
        """
        rma_in = self.filtered(
            lambda m: (
                m.rma_line_id
                and not m.move_dest_ids
                and m.location_dest_id == m.rma_line_id.order_id.warehouse_id.rma_loc_id
            )
        )
        if not rma_in:
            return super()._push_apply()
        to_push = self - rma_in
        groups = rma_in.grouped(
            lambda m: (
                m.product_id,
                m.location_dest_id,
                m.warehouse_id or m.picking_id.picking_type_id.warehouse_id,
                m.route_ids,
                m.product_packaging_id,
            )
        )
        ProcurementGroup = self.env["procurement.group"]
        for (product, dest, warehouse, routes, packaging), moves in groups.items():
            values = {
                "route_ids": routes,
                "product_packaging_id": packaging,
                "warehouse_id": warehouse,
            }
            if ProcurementGroup._get_push_rule(product, dest, values):
                to_push |= moves
        return super(StockMove, to_push)._push_apply()

    def _trigger_scheduler(self):
        # Units coming back from customers never trigger a replenishment: there is
        # no orderpoint on a customer location. Skip the search per move.
        rma_moves = self.filtered("rma_line_id")
        incoming_rma = rma_moves.filtered(lambda m: m.location_id.usage == "customer")
        # Other RMA moves (replacements from stock, units going back) search their
        # rule one by one only if their product has an automatic reordering rule
        # in their company at all: one search for the batch (issue 16).
        others = rma_moves - incoming_rma
        without_rule = others.browse()
        if others:
            ruled = (
                self.env["stock.warehouse.orderpoint"]
                .search(
                    [
                        ("product_id", "in", others.product_id.ids),
                        ("trigger", "=", "auto"),
                        ("company_id", "in", others.company_id.ids),
                    ]
                )
                .mapped(lambda rule: (rule.product_id, rule.company_id))
            )
            without_rule = others.filtered(
                lambda m: (m.product_id, m.company_id) not in ruled
            )
        return super(StockMove, self - incoming_rma - without_rule)._trigger_scheduler()

    def _prepare_move_split_vals(self, qty):
        # A backorder of a partial receipt still belongs to the same RMA unit.
        vals = super()._prepare_move_split_vals(qty)
        if self.rma_line_id:
            vals["rma_line_id"] = self.rma_line_id.id
        return vals

    def _action_done(self, cancel_backorder=False):
        rma_moves = self.filtered("rma_line_id")
        rma_moves._rma_check_lots()
        rma_moves.filtered(
            lambda m: (
                m.location_dest_id.usage == "customer"
                and m.rma_line_id.resolution == "repair"
            )
        ).rma_line_id._rma_check_qc_before_shipping()
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        lines = rma_moves.rma_line_id
        if lines:
            lines._check_received_quantity()
            lines._rma_sla_moves_done(rma_moves)  # service levels (issue 14)
            lines._rma_advance_moves_done(rma_moves)  # advance replacement (issue 15)
            # Paid swap (issue 15): shipped replacements get their service report.
            rma_moves.filtered(
                lambda m: (
                    m.state == "done"
                    and m.location_dest_id.usage == "customer"
                    and m.rma_line_id.resolution == "replace"
                )
            ).rma_line_id.order_id._rma_send_swap_report()
            lines.order_id._update_state_from_lines()
        moves._warranty_after_delivery()
        return moves

    def _warranty_after_delivery(self):
        """Units delivered to customers get their standard warranty; replacement
        units shipped by an RMA take over the coverage of the unit they replace."""
        delivered = self.filtered(
            lambda m: (
                m.state == "done"
                and m.location_dest_id.usage == "customer"
                and m.location_id.usage == "internal"
                and m.has_tracking != "none"
            )
        )
        if not delivered:
            return
        delivered.filtered(
            lambda m: not m.rma_line_id
        ).move_line_ids.lot_id._warranty_recompute_standard()
        replacements = delivered.filtered(
            lambda m: m.rma_line_id.resolution == "replace" and m.rma_line_id.lot_id
        )
        for move in replacements:
            new_lots = move.move_line_ids.lot_id - move.rma_line_id.lot_id
            move.rma_line_id._warranty_transfer_coverage(new_lots)
        repaired = delivered.filtered(
            lambda m: m.rma_line_id.resolution == "repair" and m.rma_line_id.repair_id
        )
        repaired.rma_line_id._rma_after_redelivery(repaired)

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

    def _rma_reserve_lots(self, just_confirmed=False):
        """Bind moves of units with a known serial to that serial; assign the rest.

        A receipt from the customer is prefilled with the expected serial; a unit
        going back from the RMA location is reserved by serial, never another
        customer's unit of the same product. ``just_confirmed``: the moves were
        confirmed in this transaction, so the moves Odoo's confirmation already
        tried to reserve are not tried again (issue 16: a replacement out of stock
        searched its quants twice).
        """
        bound = self.filtered(
            lambda m: m._rma_carries_unit() and m.state not in ("done", "cancel")
        )
        to_assign = self - bound
        if just_confirmed:
            to_assign -= to_assign._rma_assigned_by_confirmation()
        to_assign._action_assign()
        # Rebind the line the confirmation prepared rather than delete and create
        # (deleting costs an analytic recomputation per move).
        to_create = []
        for move in bound:
            lot = move.rma_line_id.lot_id
            first, extra = move.move_line_ids[:1], move.move_line_ids[1:]
            extra.unlink()
            if first:
                first.write({"lot_id": lot.id, "quantity": move.product_uom_qty})
            else:
                to_create.append(move._prepare_rma_move_line_vals(lot))
        self.env["stock.move.line"].create(to_create)
        bound._recompute_state()

    def _rma_assigned_by_confirmation(self):
        """The moves ``_action_confirm`` reserves (or tries to) as it confirms
        them: the same condition as Odoo's, at the end of ``_action_confirm``."""
        today = fields.Date.today()
        return self.filtered(
            lambda m: (
                m.state in ("confirmed", "partially_available", "assigned")
                and (
                    m._should_bypass_reservation()
                    or m.picking_type_id.reservation_method == "at_confirm"
                    or (m.reservation_date and m.reservation_date <= today)
                )
            )
        )

    def _prepare_rma_move_line_vals(self, lot):
        """Values of the move line that binds this move, its whole quantity, to the
        serial ``lot`` of its RMA unit (Odoo's ``_prepare_move_line_vals``). Called
        by ``_rma_reserve_lots``; may be overridden."""
        self.ensure_one()
        return dict(
            self._prepare_move_line_vals(quantity=self.product_uom_qty),
            lot_id=lot.id,
        )
