# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: a repair quote accepted and paid in Sale's portal, as its customer
does it: the quote's page, Sign & Pay (``/my/orders/<id>/accept``), the payment
with Odoo's demo provider (``/my/orders/<id>/transaction``, then the provider's
notification and the payment status page), and the RMA page afterwards."""

import json
import re
from unittest import SkipTest

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_issue11_money import PrepaidRepairMixin

# A 1x1 PNG: what the signature pad sends, as base64.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6"
    "kgAAAABJRU5ErkJggg=="
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
        # The return shipping is on us: a line of the quote that costs nothing.
        cls.shipping = cls.env["product.product"].create(
            {
                "name": "Quote Test Return Shipping",
                "type": "service",
                "list_price": 20.0,
                "invoice_policy": "order",
            }
        )
        cls.policy.shipping_out_warranty = "vendor"
        cls.env["rma.repair.tariff"].search(
            [("name", "=", "Money Test Tariff")]
        ).line_ids = [
            Command.create({"kind": "shipping", "product_id": cls.shipping.id})
        ]

    def setUp(self):
        super().setUp()
        module = self.env["ir.module.module"].search([("name", "=", "payment_demo")])
        if module.state != "installed" or not self.provider:
            self.skipTest("Odoo's demo payment provider (payment_demo) is missing")

    # ---- Helpers --------------------------------------------------------------------

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

    def _transaction(self, quote, token, amount=None, **params):
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
                "landing_route": f"/my/orders/{quote.id}",
                **params,
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
        rma = self._held_rma(self.prepaid_lots[0])
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
        self.assertEqual(self._get(f"/my/rmas/{rma.id}/authorisation").status_code, 403)
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
        # Nothing more to pay, and nothing to sign again.
        page = self.url_open(quote.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("Sign &amp; Pay", page.text)
        self.assertNotIn('id="o_sale_portal_paynow"', page.text)

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_partial_payment_neither_confirms_nor_releases(self):
        """A company that confirms quotations on a down payment: a repair quote
        paid before shipping still needs its whole amount."""
        self.company.prepayment_percent = 0.5
        rma = self._held_rma(self.prepaid_lots[1])
        quote = rma.line_ids.quote_id
        self.assertEqual(quote.prepayment_percent, 1.0)
        self.authenticate(self.portal_user.login, self.portal_user.login)
        token = quote._portal_ensure_token()
        self.assertNotIn("error", self._accept(quote, token)["result"])
        answer = self._transaction(quote, token, amount=quote.amount_total / 2)
        reference = answer["result"]["reference"]
        self._json(
            "/payment/demo/simulate_payment",
            {
                "reference": reference,
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        self._json("/payment/status/poll", {})
        self.assertEqual(quote.state, "sent")
        self.assertFalse(rma.line_ids.quote_paid)
        self.assertTrue(rma.shipping_hold)
        self.assertEqual(self._get(f"/my/rmas/{rma.id}/authorisation").status_code, 403)


@tagged("post_install", "-at_install")
class TestPortalQuotePage(PortalQuoteMixin, HttpCase):
    """The quote's page shows the unit it repairs and why a line is free, and
    links back to the RMA for those who may open it; others are refused by Sale
    as for any quotation, without a word of the RMA."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The distributor filed it for its customer; the quote is the customer's.
        cls.rma = cls.env["rma.order"].create(
            {
                "partner_id": cls.end_user.id,
                "distributor_id": cls.distributor.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": cls.prepaid_lots[2].id,
                            "quantity": 1,
                            "resolution": "repair",
                            "damage_level_id": cls.level.id,
                        }
                    )
                ],
            }
        )
        cls.rma.action_submit()
        cls.rma.action_approve()
        cls.quote = cls.rma.line_ids.quote_id
        cls.token = cls.quote._portal_ensure_token()

    def _back_href(self, page):
        found = re.search(r'id="o_rma_quote_back"[^>]*href="([^"]*)"', page.text)
        return found and found.group(1).replace("&amp;", "&")

    def _quote_page(self, token=None):
        url = f"/my/orders/{self.quote.id}"
        if token is not None:
            url += f"?access_token={token}"
        return self._get(url)

    def _assert_no_rma_data(self, response):
        for secret in (
            self.rma.name,
            self.prepaid_lots[2].name,
            'id="rma_quote_unit"',
            'id="o_rma_quote_back"',
        ):
            self.assertNotIn(secret, response.text)

    def test_unit_and_covered_line(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self._quote_page(self.token)
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="rma_quote_unit"', page.text)
        self.assertIn(
            f'<strong class="o_rma_quote_serial">{self.prepaid_lots[2].name}</strong>',
            page.text,
        )
        self.assertIn(self.rma.name, page.text)
        shipping = self.quote.order_line.filtered(
            lambda sol: sol.product_id == self.shipping
        )
        self.assertEqual(shipping.price_total, 0.0)
        self.assertEqual(
            shipping.rma_covered_note, "Covered: the return shipping is on us."
        )
        self.assertEqual(page.text.count("o_rma_covered_badge"), 1)
        self.assertIn("Covered: the return shipping is on us.", page.text)
        # Every line names the serial (its description carries it).
        self.assertEqual(
            page.text.count(f"Serial number: {self.prepaid_lots[2].name}"),
            len(self.quote.order_line),
        )
        # A description rewritten by staff still says why the line is free.
        shipping.name = "Return shipping"
        page = self._quote_page(self.token)
        self.assertIn('class="d-block text-success o_rma_covered_note"', page.text)
        self.assertIn("Covered: the return shipping is on us.", page.text)

    def test_back_link(self):
        rma_url = f"/my/rmas/{self.rma.id}"
        # The customer and the distributor may open the RMA: its plain page.
        for user in (self.portal_user, self.distributor_user):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                response = self._get(f"{rma_url}/quote/{self.quote.id}")
                page = self.url_open(response.headers["Location"])
                self.assertEqual(page.status_code, 200)
                self.assertEqual(self._back_href(page), rma_url)
                self.assertEqual(self.url_open(rma_url).status_code, 200)
        # Another partner reaches neither the RMA nor, through it, the quote.
        self.authenticate(self.other_user.login, self.other_user.login)
        response = self._get(f"{rma_url}/quote/{self.quote.id}")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        # Without a login, by the quote's token: the RMA's page with its token.
        self.authenticate(None, None)
        page = self._quote_page(self.token)
        self.assertEqual(page.status_code, 200)
        self.rma.invalidate_recordset(["access_token"])
        self.assertTrue(self.rma.access_token)
        back = f"{rma_url}?access_token={self.rma.access_token}"
        self.assertEqual(self._back_href(page), back)
        response = self._get(back)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.prepaid_lots[2].name, response.text)

    def test_follower_gets_no_link(self):
        """Another partner who follows the quotation reads it by Sale's rules, but
        followers never open RMAs: no way back, no RMA token."""
        self.quote.message_subscribe(partner_ids=self.other_user.partner_id.ids)
        self.authenticate(self.other_user.login, self.other_user.login)
        page = self._quote_page()
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('id="o_rma_quote_back"', page.text)
        self.assertNotIn(f"/my/rmas/{self.rma.id}", page.text)
        self.assertEqual(self._get(f"/my/rmas/{self.rma.id}").status_code, 303)

    def test_other_quotation_unchanged(self):
        """A quotation that quotes no RMA unit shows nothing of ours."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.end_user.id,
                "order_line": [Command.create({"product_id": self.labour.id})],
            }
        )
        order.action_quotation_sent()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self._get(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn(order.name, page.text)
        self.assertNotIn("rma_quote_unit", page.text)
        self.assertNotIn("o_rma_quote_back", page.text)
        self.assertNotIn("o_rma_covered_badge", page.text)

    @mute_logger("odoo.http", "odoo.addons.payment.models.payment_transaction")
    def test_refusals(self):
        """Another partner, the public, a wrong or empty or odd token: Sale's
        refusal (a redirect, an error answer), never a 500, nothing of the RMA,
        and the quote untouched."""
        actors = [
            ("other", self.other_user),
            ("public", None),
        ]
        tokens = [None, "", "wrong", "é" * 36, self.token[:-1], 42]
        for name, user in actors:
            if user:
                self.authenticate(user.login, user.login)
            else:
                self.authenticate(None, None)
            for token in tokens:
                with self.subTest(actor=name, token=token):
                    response = self._quote_page(token)
                    self.assertEqual(response.status_code, 303)
                    self.assertNotIn("/my/orders", response.headers["Location"])
                    self._assert_no_rma_data(response)
                    answer = self._accept(self.quote, token)
                    self.assertEqual(answer["result"], {"error": "Invalid order."})
                    answer = self._transaction(self.quote, token)
                    self.assertIn("error", answer)
                    self.assertNotIn(self.rma.name, json.dumps(answer))
        # Garbage from the right customer: refused, nothing written.
        self.authenticate(self.portal_user.login, self.portal_user.login)
        for signature in ("not an image", "", None, 42):
            with self.subTest(signature=signature):
                answer = self._json(
                    f"/my/orders/{self.quote.id}/accept",
                    {"access_token": self.token, "name": "X", "signature": signature},
                )
                self.assertTrue(
                    "error" in answer or "error" in answer.get("result", {}), answer
                )
        for params in ({"amount": "abc"}, {"flow": "nope"}, {"partner_id": 1}):
            with self.subTest(params=params):
                answer = self._transaction(self.quote, self.token, **params)
                self.assertIn("error", answer)
        for url in (f"/my/orders/{self.quote.id}x", "/my/orders/abc"):
            with self.subTest(url=url):
                self.assertEqual(self._get(url).status_code, 404)
        self.assertFalse(self.quote.signature)
        self.assertEqual(self.quote.state, "sent")
        self.assertFalse(self.quote.transaction_ids)
        self.assertTrue(self.rma.shipping_hold)


@tagged("post_install", "-at_install")
class TestPortalQuoteTour(PortalQuoteMixin, HttpCase):
    """In a browser: the customer accepts and pays a repair quote, then finds the
    released label on the RMA's page."""

    def test_accept_pay_then_label(self):
        self.portal_user.name = "Erik End User"
        rma = self._held_rma(self.prepaid_lots[0])
        quote = rma.line_ids.quote_id
        self.start_tour("/my", "rma_portal_quote_tour", login=self.portal_user.login)
        self.assertEqual(quote.signed_by, "Erik End User")
        self.assertEqual(quote.state, "sale")
        self.assertTrue(rma.line_ids.quote_paid)
        self.assertFalse(rma.shipping_hold)
        # The label the tour found answers.
        self.authenticate(self.portal_user.login, self.portal_user.login)
        label = self.url_open(f"/my/rmas/{rma.id}/authorisation")
        self.assertEqual(label.status_code, 200)
        self.assertIn(rma.name, label.text)


@tagged("post_install", "-at_install")
class TestPortalQuoteDemo(HttpCase):
    """The demo end user has a pay-before-shipping repair quote waiting in the
    portal, which it opens from its RMA; the demo distributor has one too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rma = cls.env.ref("rma_warranty.demo_rma_portal_quote", False)
        if not cls.rma:
            raise SkipTest("rma_warranty demo data is not installed")

    def test_enduser_quote_to_pay(self):
        enduser = self.env.ref("rma_warranty.demo_user_enduser")
        line = self.rma.line_ids
        quote = line.quote_id
        self.assertEqual(self.rma.partner_id, enduser.partner_id)
        self.assertEqual(self.rma.state, "approved")
        self.assertTrue(self.rma.shipping_hold)
        self.assertEqual(line.entitlement_kind, "none")
        self.assertEqual(quote.state, "sent")
        self.assertTrue(quote.require_signature)
        self.assertTrue(quote.require_payment)
        self.assertEqual(quote.prepayment_percent, 1.0)
        self.assertGreater(quote.amount_total, 0.0)
        self.assertFalse(quote.is_expired)
        self.assertTrue(quote._has_to_be_signed())
        self.assertTrue(quote._has_to_be_paid())
        self.authenticate("enduser", "enduser")
        page = self.url_open(f"/my/rmas/{self.rma.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/rmas/{self.rma.id}/quote/{quote.id}", page.text)
        page = self.url_open(f"/my/rmas/{self.rma.id}/quote/{quote.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Sign & Pay", page.text)
        self.assertIn("QN464-1801", page.text)

    def test_distributor_quote_to_pay(self):
        rma = self.env.ref("rma_warranty.demo_rma_repair_prepaid")
        quote = rma.line_ids.quote_id
        self.assertTrue(rma.shipping_hold)
        self.assertEqual(quote.state, "sent")
        self.authenticate("distributor", "distributor")
        page = self.url_open(f"/my/rmas/{rma.id}/quote/{quote.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="/my/rmas/{rma.id}"', page.text)
