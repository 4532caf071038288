# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    rma_order_ids = fields.Many2many(
        comodel_name="rma.order",
        string="RMAs",
        compute="_compute_rma_order_ids",
    )
    rma_count = fields.Integer(compute="_compute_rma_order_ids")

    def _compute_rma_order_ids(self):
        """RMAs credited by this move, and RMAs about units it invoiced."""
        returned = self.env["rma.order.line"].search(
            [("origin_invoice_line_id.move_id", "in", self.ids)]
        )
        by_invoice = {}
        for line in returned:
            key = line.origin_invoice_line_id.move_id
            by_invoice[key] = by_invoice.get(key, line.order_id) | line.order_id
        for move in self:
            orders = move.invoice_line_ids.rma_line_id.order_id | by_invoice.get(
                move, self.env["rma.order"]
            )
            move.rma_order_ids = orders
            move.rma_count = len(orders)

    def unlink(self):
        # Deleting a draft credit note releases its RMA units for a new refund.
        orders = self.line_ids.rma_line_id.order_id
        res = super().unlink()
        orders.exists()._update_state_from_lines()
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self.line_ids.rma_line_id.order_id._update_state_from_lines()
        return res

    def button_draft(self):
        res = super().button_draft()
        self._rma_update_refunded_orders()
        return res

    def _rma_update_refunded_orders(self):
        """RMA units count as refunded while their credit note is posted: posting
        completes their RMA (and tells the customer), resetting it reopens it."""
        refunds = self.filtered(lambda move: move.move_type == "out_refund")
        if refunds:
            # sudo: the accountant posting the credit note may not work RMAs; only
            # the RMAs of its own lines move on (their state is a decision field
            # that only this follow-up of the posting writes).
            refunds.sudo().line_ids.rma_line_id.order_id._update_state_from_lines()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._rma_update_refunded_orders()
        # Warranties that start at the invoice date start now for delivered units.
        invoices = posted.filtered(lambda m: m.move_type == "out_invoice")
        if invoices:
            # sudo: an accountant posting the invoice may not read deliveries; only
            # the serials are looked up, to date their warranty from this invoice.
            invoices_sudo = invoices.sudo()  # sudo: see the comment above
            lots = invoices_sudo.invoice_line_ids.sale_line_ids.move_ids.filtered(
                lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
            ).move_line_ids.lot_id
            policies = lots.product_id._get_warranty_policies()
            lots.filtered(
                lambda lot: (
                    policies.get(lot.product_id)
                    and policies[lot.product_id].start_basis == "invoice"
                )
            )._warranty_recompute_standard()
        return posted

    def _invoice_paid_hook(self):
        """A paid repair invoice releases the shipping instructions of its RMA (pay
        before shipping) once all the RMA's repair quotes are paid, whatever the
        payment: registered, reconciled with a bank statement, or online."""
        res = super()._invoice_paid_hook()
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            # sudo: the accountant registering the payment may not read RMAs; only
            # the RMAs of the quotes this invoice was paid for are released (their
            # shipping_hold is a decision field that only this release writes).
            rmas_sudo = (
                invoices.sudo()  # sudo: see the comment above
                .invoice_line_ids.sale_line_ids.order_id.filtered("rma_line_id")
                .rma_line_id.order_id
            )
            rmas_sudo.filtered("shipping_hold")._rma_release_shipping_if_paid()
            # Paid swap (issue 15): a paid replacement quote ships its replacement.
            invoices.sudo().invoice_line_ids.sale_line_ids.order_id.filtered(
                "rma_swap"
            )._rma_ship_paid_swaps()
        return res

    def action_view_rma(self):
        self.ensure_one()
        return self.env["rma.order"]._action_view_records(
            self.rma_order_ids, create=True
        )
