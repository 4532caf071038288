# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: a repair quote accepted and paid in Sale's portal, as its customer
does it: the quote's page, Sign & Pay (``/my/orders/<id>/accept``), the payment
with Odoo's demo provider (``/my/orders/<id>/transaction``, then the provider's
notification and the payment status page), and the RMA page afterwards."""

import json

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_issue11_money import PrepaidRepairMixin

# A 1x1 PNG: what the signature pad sends, as base64.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class PortalQuoteMixin(PrepaidRepairMixin):
    """The prepaid repair world, Odoo's demo payment provider and portal users:
    the RMA's customer, its distributor and another partner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env.ref("payment.payment_provider_demo", False)
        cls.portal_user = new_test_user(
            cls.env,
            "portal_quote_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
        )
        cls.distributor_user = new_test_user(
            cls.env,
            "portal_quote_dist",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Dana Test Distributor", "parent_id": cls.distributor.id})
            .id,
        )
        cls.other_user = new_test_user(
            cls.env, "portal_quote_other", groups="base.group_portal"
        )

    def setUp(self):
        super().setUp()
        module = self.env["ir.module.module"].search([("name", "=", "payment_demo")])
        if module.state != "installed" or not self.provider:
            self.skipTest("Odoo's demo payment provider (payment_demo) is not installed")

    # ---- Helpers --------------------------------------------------------------------

    def _held_rma_of(self, lot, **vals):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "damage_level_id": self.level.id,
                }
            ],
            **vals,
        )
        rma.action_submit()
        rma.action_approve()
        self.assertTrue(rma.shipping_hold)
        return rma

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def _json(self, url, params):
        """A JSON-RPC call, as the portal's scripts make it; its whole answer."""
        response = self.url_open(
            url,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _accept(self, quote, token, name="Erik End User", signature=SIGNATURE):
        return self._json(
            f"/my/orders/{quote.id}/accept",
            {"access_token": token, "name": name, "signature": signature},
        )

    def _transaction(self, quote, token, amount=None):
        return self._json(
            f"/my/orders/{quote.id}/transaction",
            {
                "access_token": token,
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "token_id": None,
                "amount": quote.amount_total if amount is None else amount,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": quote.get_portal_url(),
            },
        )

    def _pay(self, quote, token):
        """Pay the quote with the demo provider, as its payment form does: the
        transaction, the provider's notification, then the status page's poll
        (which post-processes the transaction)."""
        answer = self._transaction(quote, token)
        self.assertNotIn("error", answer)
        reference = answer["result"]["reference"]
        answer = self._json(
            "/payment/demo/simulate_payment",
            {
                "reference": reference,
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        self.assertNotIn("error", answer)
        answer = self._json("/payment/status/poll", {})
        self.assertNotIn("error", answer)
        self.assertEqual(answer["result"]["state"], "done")
        return self.env["payment.transaction"].search([("reference", "=", reference)])


@tagged("post_install", "-at_install")
class TestPortalQuoteAcceptPay(PortalQuoteMixin, HttpCase):
    """The customer signs and pays a pay-before-shipping repair quote on Sale's
    portal page; the payment confirms it and releases the RMA's label."""

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_sign_and_pay_releases_the_label(self):
        rma = self._held_rma_of(self.prepaid_lots[0])
        quote = rma.line_ids.quote_id
        self.authenticate(self.portal_user.login, self.portal_user.login)
        # The RMA page links to the quote, which opens on Sale's page with its token.
        response = self._get(f"/my/rmas/{rma.id}/quote/{quote.id}")
        self.assertEqual(response.status_code, 303)
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        token = quote.access_token
        # Sign: accepted, not confirmed before it is paid.
        answer = self._accept(quote, token)
        self.assertNotIn("error", answer.get("result", {}), answer)
        self.assertTrue("Sign & Pay" in page.text, "the page offers Sign & Pay")
        self.assertIn("allow_payment=yes", answer["result"]["redirect_url"])
        self.assertEqual(quote.signed_by, "Erik End User")
        self.assertEqual(quote.state, "sent")
        self.assertTrue(rma.shipping_hold)
        self.assertEqual(
            self._get(f"/my/rmas/{rma.id}/authorisation").status_code, 403
        )
        # Pay the whole amount with the demo provider: Sale confirms the order.
        tx = self._pay(quote, token)
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(quote.state, "sale")
        self.assertTrue(rma.line_ids.quote_paid)
        self.assertFalse(rma.shipping_hold)
        self.assertEqual(rma.line_ids.repair_id.state, "confirmed")
        # The RMA page shows the shipping instructions and the label, which answers.
        page = self._get(f"/my/rmas/{rma.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/rmas/{rma.id}/authorisation", page.text)
        self.assertIn('id="rma_shipping_instructions"', page.text)
        self.assertIn(rma._portal_next_step(), page.text)
        label = self._get(f"/my/rmas/{rma.id}/authorisation")
        self.assertEqual(label.status_code, 200)
        self.assertIn(rma.name, label.text)
