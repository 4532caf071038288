# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15, paid swap in the portal: the customer signs and pays the swap quote
on Sale's own portal page with Odoo's demo payment provider; the payment ships
the replacement, whose service report the customer then reads on the portal."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_portal_quote import PortalQuoteMixin


class PaidSwapPortalMixin(PortalQuoteMixin):
    """The portal quote world, with a policy that charges a swap fee and a new
    unit in stock to ship."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swap_fee = cls.env["product.product"].create(
            {
                "name": "Swap Portal Fee",
                "type": "service",
                "list_price": 99.0,
                "invoice_policy": "order",
            }
        )
        cls.policy.write(
            {"swap_fee_product_id": cls.swap_fee.id, "swap_fee_amount": 79.0}
        )
        cls.spares = cls._create_lots(cls.product, ["SN-SWAP-PORTAL-S0"])
        cls._put_in_stock(cls.product, lots=cls.spares)

    def _swap_rma(self, lot, quote=True):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "replace",
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self.assertFalse(rma.shipping_hold, "no repair to pay before shipping")
        self._receive(rma)
        if quote:
            rma.line_ids.with_user(self.rma_user).action_rma_quote()
        return rma

    def _deliveries(self, rma):
        return rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )


@tagged("post_install", "-at_install")
class TestIssue15PaidSwapPortal(PaidSwapPortalMixin, HttpCase):
    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_sign_and_pay_ships_the_replacement(self):
        rma = self._swap_rma(self.prepaid_lots[0])
        quote = rma.line_ids.quote_id
        self.assertTrue(quote.rma_swap)
        self.assertFalse(self._deliveries(rma))
        self.authenticate(self.portal_user.login, self.portal_user.login)
        # The RMA page lists the quote, which opens on Sale's page.
        page = self._get(f"/my/rmas/{rma.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/rmas/{rma.id}/quote/{quote.id}", page.text)
        response = self._get(f"/my/rmas/{rma.id}/quote/{quote.id}")
        self.assertEqual(response.status_code, 303)
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn("Sign & Pay", page.text)
        self.assertIn("The replacement of", page.text)
        token = quote.access_token
        answer = self._accept(quote, token)
        self.assertNotIn("error", answer.get("result", {}), answer)
        self.assertEqual(quote.state, "sent", "signed, not paid: not confirmed")
        self.assertFalse(self._deliveries(rma))
        tx = self._pay(quote, token)
        self.assertEqual(tx.state, "done")
        self.assertEqual(quote.state, "sale")
        self.assertTrue(rma.line_ids.quote_paid)
        delivery = self._deliveries(rma)
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, self.spares)
        # Shipped: the service report is mailed and opens on the portal.
        self._validate(delivery)
        self.assertEqual(rma.state, "done")
        self.flush_rma_mails()  # issue 16: the emails are deferred
        self.assertTrue(
            rma.message_ids.filtered(
                lambda m: "replacement units are on their way" in (m.subject or "")
            )
        )
        report = self._get(f"/my/rmas/{rma.id}/service-report")
        self.assertEqual(report.status_code, 200)

    def test_other_partner_cannot_open_the_swap_quote(self):
        rma = self._swap_rma(self.prepaid_lots[1])
        quote = rma.line_ids.quote_id
        self.authenticate(self.other_user.login, self.other_user.login)
        response = self._get(f"/my/rmas/{rma.id}/quote/{quote.id}")
        self.assertEqual(response.status_code, 303)
        self.assertNotIn(f"/my/orders/{quote.id}", response.headers["Location"])
        page = self._get(f"/my/orders/{quote.id}?access_token=wrong")
        self.assertNotEqual(page.status_code, 200)
        answer = self._accept(quote, "wrong")
        self.assertIn("error", answer.get("result", answer))
        self.assertEqual(quote.state, "sent")
        self.assertFalse(self._deliveries(rma))


@tagged("post_install", "-at_install")
class TestIssue15PaidSwapTour(PaidSwapPortalMixin, HttpCase):
    """In a browser: the customer signs and pays the swap quote; the replacement
    ships."""

    def test_sign_and_pay_tour(self):
        self.portal_user.name = "Erik End User"
        rma = self._swap_rma(self.prepaid_lots[2])
        quote = rma.line_ids.quote_id
        self.start_tour("/my", "rma_portal_swap_tour", login=self.portal_user.login)
        self.assertEqual(quote.signed_by, "Erik End User")
        self.assertEqual(quote.state, "sale")
        self.assertTrue(rma.line_ids.quote_paid)
        self.assertEqual(len(self._deliveries(rma)), 1)


@tagged("post_install", "-at_install")
class TestIssue15SwapBackendTour(PaidSwapPortalMixin, HttpCase):
    """In a browser: service staff quote the swap from the unit's form."""

    def test_quote_swap_button(self):
        rma = self._swap_rma(self.prepaid_lots[1], quote=False)
        line = rma.line_ids
        self.start_tour(
            f"/odoo/action-rma_warranty.rma_order_line_action/{line.id}",
            "rma_swap_backend_tour",
            login=self.rma_user.login,
        )
        self.assertTrue(line.quote_id.rma_swap)
        self.assertEqual(line.quote_id.state, "sent")
        self.assertEqual(len(line.quote_ids), 1)
