# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15, paid swap (SINNEN: in the replacement period, outside its terms): a
replacement quoted (swap fee or the replacement's price, by policy), accepted and
paid, after which the replacement ships and the service report is mailed; the
entitled (free) swap goes on as before."""

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .common import RmaCommon

# Measured on the demo database: 62 queries for 1 unit, 62 for 3, 77 for 6; a
# unit more in a batch adds a few queries at most.
QUERIES_PER_EXTRA_UNIT = 10


class PaidSwapMixin(RmaCommon):
    """RmaCommon's world with a policy charging a swap fee: units sold long ago
    (out of warranty: their swap is paid), units just sold (in the replacement
    window: their swap is free) and new units in stock to replace them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swap_fee = cls.env["product.product"].create(
            {
                "name": "Swap Test Fee",
                "type": "service",
                "list_price": 99.0,
                "invoice_policy": "order",
            }
        )
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Swap Test Policy",
                "warranty_months": 12,
                "swap_days": 30,
                "swap_fee_product_id": cls.swap_fee.id,
                "swap_fee_amount": 79.0,
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.old_lots = cls._create_lots(
            cls.product, [f"SN-SWAP-O{i}" for i in range(4)]
        )
        with freeze_time(fields.Datetime.now() - relativedelta(months=40)):
            cls._sell(cls.end_user, cls.product, lots=cls.old_lots, price=450.0)
        cls.new_lots = cls._create_lots(cls.product, ["SN-SWAP-N0"])
        cls._sell(cls.end_user, cls.product, lots=cls.new_lots, price=450.0)
        cls.spares = cls._create_lots(cls.product, [f"SN-SWAP-S{i}" for i in range(4)])
        cls._put_in_stock(cls.product, lots=cls.spares)

    def _swap_rma(self, lots):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "replace",
                }
                for lot in lots
            ],
        )
        rma.action_submit()
        rma.action_approve()
        return rma

    def _deliveries(self, rma):
        return rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )

    def _swap_mails(self, rma):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.filtered(
            lambda m: "replacement units are on their way" in (m.subject or "")
        )


@tagged("post_install", "-at_install")
class TestIssue15PaidSwap(PaidSwapMixin):
    def test_quote_charges_the_swap_fee_and_waits_for_payment(self):
        rma = self._swap_rma(self.old_lots[:1])
        line = rma.line_ids
        self.assertFalse(line.entitlement_swap)
        line.with_user(self.rma_user).action_rma_quote()
        quote = line.quote_id
        self.assertTrue(quote.rma_swap)
        self.assertEqual(quote.state, "sent")
        self.assertEqual(quote.partner_id, self.end_user)
        self.assertTrue(quote.require_payment)
        self.assertEqual(quote.prepayment_percent, 1.0)
        self.assertEqual(quote.order_line.product_id, self.swap_fee)
        self.assertEqual(quote.order_line.price_unit, 79.0)
        self.assertIn("SN-SWAP-O0", quote.order_line.name)
        # Received, not paid: the replacement does not ship.
        self._receive(rma)
        with self.assertRaisesRegex(UserError, "Nothing to process"):
            rma.action_process()
        self.assertFalse(self._deliveries(rma))
        # A second click is refused: one quote.
        with self.assertRaisesRegex(UserError, "already quoted"):
            line.with_user(self.rma_user).action_rma_quote()
        self.assertEqual(len(line.quote_ids), 1)

    def test_quote_of_the_replacement_price(self):
        self.policy.swap_charge = "price"
        other = self.env["product.product"].create(
            {"name": "NAS TS-464 Pro", "is_storable": True, "list_price": 640.0}
        )
        rma = self._swap_rma(self.old_lots[:2])
        rma.line_ids[1].replacement_product_id = other
        rma.line_ids.action_rma_quote()
        prices = rma.line_ids.mapped("quote_id.order_line.price_unit")
        self.assertEqual(prices, [500.0, 640.0])
        # The quote sells a service: confirming it ships nothing by itself.
        self.assertEqual(rma.line_ids.quote_id.order_line.product_id, self.swap_fee)

    def test_fee_product_price_without_amount(self):
        self.policy.swap_fee_amount = 0.0
        rma = self._swap_rma(self.old_lots[:1])
        rma.line_ids.action_rma_quote()
        self.assertEqual(rma.line_ids.quote_id.order_line.price_unit, 99.0)

    def test_paid_invoice_ships_the_replacement_and_mails_the_report(self):
        rma = self._swap_rma(self.old_lots[:1])
        line = rma.line_ids
        line.action_rma_quote()
        self._receive(rma)
        quote = line.quote_id
        quote.action_confirm()  # accepted (signed), not paid yet
        self.assertFalse(line.quote_paid)
        self.assertFalse(self._deliveries(rma))
        invoice = quote._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertTrue(line.quote_paid)
        delivery = self._deliveries(rma)
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.location_id, self.stock_location)
        self.assertFalse(self._swap_mails(rma))
        self._validate(delivery)
        self.assertEqual(line.qty_delivered, 1.0)
        self.assertEqual(rma.state, "done")
        mail = self._swap_mails(rma)
        self.assertEqual(len(mail), 1)
        self.assertTrue(mail.attachment_ids, "the service report goes along")
        self.assertTrue(rma._rma_repairs_shipped())
        # The service report lists the swapped unit and its replacement.
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "rma_warranty.action_report_rma_service", rma.ids
            )[0]
        )
        self.assertIn("o_rma_service_swap", html)
        self.assertIn(delivery.move_ids.move_line_ids.lot_id.name, html)
        self.assertNotIn("No unit of this RMA has been repaired yet", html)

    def test_unit_received_after_payment_ships_when_processed(self):
        rma = self._swap_rma(self.old_lots[:1])
        rma.line_ids.action_rma_quote()
        quote = rma.line_ids.quote_id
        quote.action_confirm()
        invoice = quote._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertFalse(self._deliveries(rma), "nothing received yet")
        self._receive(rma)
        rma.action_process()
        self.assertEqual(len(self._deliveries(rma)), 1)

    def test_entitled_swap_is_free_and_unchanged(self):
        rma = self._swap_rma(self.new_lots)
        line = rma.line_ids
        self.assertTrue(line.entitlement_swap)
        with self.assertRaisesRegex(UserError, "free swap"):
            line.action_rma_quote()
        self.assertFalse(line.quote_ids)
        self._receive(rma)
        rma.action_process()
        delivery = self._deliveries(rma)
        self.assertEqual(len(delivery), 1)
        self._validate(delivery)
        self.assertEqual(rma.state, "done")
        self.assertFalse(line.quote_ids)
        # Swapped units get their service report too.
        self.assertEqual(len(self._swap_mails(rma)), 1)

    def test_not_quotable_without_fee_or_approval(self):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.old_lots[0].id,
                    "quantity": 1,
                    "resolution": "replace",
                }
            ],
        )
        rma.action_submit()
        with self.assertRaisesRegex(UserError, "not approved"):
            rma.line_ids.action_rma_quote()
        rma.action_approve()
        self.policy.swap_fee_product_id = False
        with self.assertRaisesRegex(UserError, "no swap fee"):
            rma.line_ids.action_rma_quote()
        self.assertFalse(rma.line_ids.quote_ids)

    def test_declined_swap_quote(self):
        rma = self._swap_rma(self.old_lots[:1])
        line = rma.line_ids
        line.action_rma_quote()
        line.quote_id._action_cancel()
        self.assertFalse(line.repair_refused)
        self.assertFalse(line.repair_status)
        self.assertIn("was declined", rma.message_ids[0].body)
        self._receive(rma)
        with self.assertRaisesRegex(UserError, "Nothing to process"):
            rma.action_process()
        # Staff choose another resolution: returned as-is.
        line.resolution = "return"
        rma.action_process()
        self.assertEqual(self._deliveries(rma).location_id, self.warehouse.rma_loc_id)

    def test_swap_flag_refused_over_rpc(self):
        rma = self._swap_rma(self.old_lots[:1])
        rma.line_ids.action_rma_quote()
        quote = rma.line_ids.quote_id.with_user(self.rma_user)
        with self.assertRaises(AccessError):
            quote.write({"rma_swap": False})
        other = self.env["sale.order"].create({"partner_id": self.end_user.id})
        with self.assertRaises(AccessError):
            other.with_user(self.rma_user).write({"rma_swap": True})
        self.assertTrue(quote.rma_swap)

    def test_batch_quote_query_count(self):
        """The swap quotes of many units are made in one batch: three units cost
        about what one costs."""
        counts = []
        rmas = (self._swap_rma(self.old_lots[:1]), self._swap_rma(self.old_lots[1:4]))
        for rma in rmas:
            lines = rma.line_ids
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.env["sale.order"]._rma_create_swap_quotes(lines)
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(len(rma.line_ids.quote_id), 3)
        self.assertLess(counts[1], 3 * counts[0], counts)
        self.assertLessEqual(counts[1] - counts[0], 2 * QUERIES_PER_EXTRA_UNIT, counts)


@tagged("post_install", "-at_install")
class TestIssue15PaidSwapDemo(TransactionCase):
    """The demo end user has a paid swap quote waiting in the portal."""

    def test_demo_swap_quote_to_pay(self):
        rma = self.env.ref("rma_warranty.demo_rma_paid_swap", False)
        if not rma:
            self.skipTest("rma_warranty demo data is not installed")
        enduser = self.env.ref("rma_warranty.demo_user_enduser")
        line = rma.line_ids
        quote = line.quote_id
        self.assertEqual(rma.partner_id, enduser.partner_id)
        self.assertEqual(rma.state, "approved")
        self.assertFalse(line.entitlement_swap)
        self.assertTrue(quote.rma_swap)
        self.assertEqual(quote.state, "sent")
        self.assertTrue(quote.require_payment)
        self.assertEqual(
            quote.order_line.product_id,
            self.env.ref("rma_warranty.demo_product_swap_fee"),
        )
        self.assertEqual(quote.order_line.price_unit, 79.0)
        self.assertFalse(quote.is_expired)
        self.assertIn(quote, rma.sudo()._portal_documents()["quote"])
