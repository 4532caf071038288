# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """A repair quote paid online releases the shipping instructions of its RMA
        (pay before shipping), also when the quote was accepted before it was paid."""
        res = super()._post_process()
        self._rma_release_shipping()
        return res

    def _rma_release_shipping(self):
        orders = self.filtered(lambda tx: tx.state in ("authorized", "done"))
        # sudo: the customer paying online is a portal or public user; the payment
        # provider has just confirmed this transaction, whose orders are the ones
        # to release.
        rmas = orders.sale_order_ids.sudo().rma_line_id.order_id
        rmas.filtered("shipping_hold")._rma_release_shipping_if_paid()
        # Paid swap (issue 15): a paid replacement quote ships its replacement.
        orders.sale_order_ids.sudo().filtered("rma_swap")._rma_ship_paid_swaps()
