# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17, closing on inactivity: a case waiting on the customer (an unanswered
repair quote, a unit never sent) is reminded after N days and closed M days later
with its policy's outcome (return as-is, scrap with consent, cancel); the cron run
twice reminds once and closes once; a customer's answer ends the waiting."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import RmaCommon

REMIND_DAYS = 10
CLOSE_DAYS = 5


@tagged("post_install", "-at_install")
class TestIssue17Inactivity(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "rma_inactivity_remind_days": REMIND_DAYS,
                "rma_inactivity_close_days": CLOSE_DAYS,
                "rma_inactivity_outcome": "return_asis",
            }
        )
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.fee = cls.env["product.product"].create(
            {"name": "Inactivity Refusal Fee", "type": "service", "list_price": 0.0}
        )
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Inactivity Test Policy",
                "warranty_months": 12,
                "refusal_fee_product_id": cls.fee.id,
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.labour = cls.env["product.product"].create(
            {
                "name": "Inactivity Labour",
                "type": "service",
                "list_price": 60.0,
                "invoice_policy": "order",
            }
        )
        cls.env["rma.repair.tariff"].create(
            {
                "name": "Inactivity NAS tariff",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "validity_days": 60,
                "line_ids": [
                    Command.create({"kind": "labour", "product_id": cls.labour.id})
                ],
            }
        )
        cls.reminder = cls.env.ref("rma_warranty.mail_template_rma_inactivity_reminder")

    # ---- Helpers --------------------------------------------------------------------

    def _never_sent(self):
        """An approved request whose unit the customer never sent."""
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        rma.action_approve()
        return rma

    def _held_quoted(self, name, **vals):
        """A unit out of warranty we received, diagnosed and quoted: the quote is
        sent, unanswered."""
        lots = self._create_lots(self.product, [name])
        with freeze_time(fields.Datetime.now() - relativedelta(months=20)):
            self._sell(self.end_user, self.product, lots=lots)
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lots.id,
                    "quantity": 1,
                    "resolution": "repair",
                }
            ],
            **vals,
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        line = rma.line_ids
        line.write(
            {
                "damage_level_id": self.level.id,
                "damage_class": "defect",
                "diagnosis": "Fan bearing worn.",
            }
        )
        line.action_rma_quote()
        self.assertEqual(line.quote_id.state, "sent")
        return rma, line

    def _run(self, when, rmas):
        """The cron at ``when``, on ``rmas`` only (not the demo's)."""
        with freeze_time(when):
            found = rmas._cron_rma_inactivity()
        self.env.invalidate_all()
        return found

    def _queued(self, rma):
        return self.env["rma.mail.queue"].search_count(
            [("order_id", "=", rma.id), ("template_id", "=", self.reminder.id)]
        )

    def _reminders(self, rma):
        return rma.message_ids.filtered(lambda m: "waits for you" in (m.subject or ""))

    def _return_deliveries(self, rma):
        return rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )

    # ---- What waits on the customer -------------------------------------------------

    def test_waiting_detection(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        self.assertEqual(rma._rma_inactivity_waiting(), {})
        rma.action_submit()
        self.assertEqual(rma._rma_inactivity_waiting(), {})
        rma.action_approve()
        reason, since = rma._rma_inactivity_waiting()[rma]
        self.assertEqual(reason, "unit")
        self.assertEqual(since, rma.date_approved)
        self._receive(rma)
        self.assertEqual(rma._rma_inactivity_waiting(), {})  # we have the ball
        held, line = self._held_quoted("INA-DETECT")
        reason, since = held._rma_inactivity_waiting()[held]
        self.assertEqual(reason, "quote")
        self.assertEqual(since, line.quote_id.date_order)
        # Batch: both at once, one query.
        with self.assertQueryCount(1):
            self.assertEqual(set((rma | held)._rma_inactivity_waiting()), {held})

    # ---- The cron run twice ---------------------------------------------------------

    def test_unit_never_sent_reminded_once_then_cancelled_once(self):
        first, second = self._never_sent(), self._never_sent()
        both = first | second
        start = max(first.date_approved, second.date_approved)
        self.assertFalse(self._run(start + timedelta(days=REMIND_DAYS, hours=-1), both))
        reminded_at = start + timedelta(days=REMIND_DAYS, hours=1)
        self.assertEqual(self._run(reminded_at, both), both)
        self.assertEqual(first.inactivity_reminded_on, reminded_at)
        self.assertEqual(self._queued(first), 1)
        # The second run the same day (or the next) does nothing.
        self.assertFalse(self._run(reminded_at + timedelta(minutes=5), both))
        self.assertFalse(self._run(reminded_at + timedelta(days=1), both))
        self.assertEqual(self._queued(first), 1)
        self.assertEqual(first.state, "approved")
        self.flush_rma_mails()
        mails = self._reminders(first)
        self.assertEqual(len(mails), 1)
        self.assertIn("send us the units", mails.body)
        # Closed M days after the reminder, once.
        early = reminded_at + timedelta(days=CLOSE_DAYS, hours=-1)
        self.assertFalse(self._run(early, both))
        closed_at = reminded_at + timedelta(days=CLOSE_DAYS, hours=1)
        self.assertEqual(self._run(closed_at, both), both)
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(second.state, "cancelled")
        self.assertFalse(
            first.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        )
        self.assertFalse(self._run(closed_at + timedelta(days=1), both))
        self.flush_rma_mails()
        self.assertEqual(
            len(
                first.message_ids.filtered(
                    lambda m: "waits for you" in (m.subject or "")
                )
            ),
            1,
        )
        self.assertIn(
            "Closed without an answer",
            "\n".join(first.message_ids.mapped("body")),
        )

    def test_nothing_due_costs_two_queries(self):
        rmas = self._never_sent() | self._never_sent()
        self.env.flush_all()
        with self.assertQueryCount(2):  # one search per batch: to close, to remind
            self.assertFalse(rmas._cron_rma_inactivity())

    def test_disabled_by_zero_days(self):
        rma = self._never_sent()
        self.company.rma_inactivity_remind_days = 0
        self.assertFalse(self._run(rma.date_approved + timedelta(days=400), rma))
        self.assertFalse(rma.inactivity_reminded_on)

    # ---- Outcomes -------------------------------------------------------------------

    def _remind_and_close(self, rma, since):
        reminded_at = since + timedelta(days=REMIND_DAYS, hours=1)
        self.assertEqual(self._run(reminded_at, rma), rma)
        closed_at = reminded_at + timedelta(days=CLOSE_DAYS, hours=1)
        self.assertEqual(self._run(closed_at, rma), rma)
        self.assertFalse(self._run(closed_at + timedelta(days=1), rma))

    def test_quote_unanswered_unit_returned_as_is(self):
        rma, line = self._held_quoted("INA-RETURN")
        quote = line.quote_id
        self._remind_and_close(rma, quote.date_order)
        self.assertEqual(quote.state, "cancel")
        self.assertEqual(line.resolution, "return")
        delivery = self._return_deliveries(rma)
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.move_ids.product_id, self.product)
        self.assertEqual(rma.state, "in_progress")
        self.assertIn("returned as-is", "\n".join(rma.message_ids.mapped("body")))

    def test_quote_reminder_asks_for_an_answer(self):
        rma, line = self._held_quoted("INA-ASK")
        reminded_at = line.quote_id.date_order + timedelta(days=REMIND_DAYS, hours=1)
        self.assertEqual(self._run(reminded_at, rma), rma)
        self.flush_rma_mails()
        self.assertIn("accept or decline its repair quote", self._reminders(rma).body)

    def test_quote_to_pay_before_shipping_unanswered_cancelled(self):
        """Pay before shipping: the quote waits, the unit never came: cancelled."""
        self.policy.repair_quote_flow = "prepaid"
        lots = self._create_lots(self.product, ["INA-PREPAID"])
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lots.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "damage_level_id": self.level.id,
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        quote = rma.line_ids.quote_id
        self.assertTrue(rma.shipping_hold)
        self.assertEqual(quote.state, "sent")
        self.assertEqual(rma._rma_inactivity_waiting()[rma][0], "quote")
        self._remind_and_close(rma, max(quote.date_order, rma.date_approved))
        self.assertEqual(rma.state, "cancelled")
        self.assertEqual(quote.state, "cancel")

    def test_scrap_only_with_consent(self):
        self.policy.inactivity_outcome = "scrap"
        consented, line_c = self._held_quoted("INA-SCRAP-YES", scrap_consent=True)
        refused, line_r = self._held_quoted("INA-SCRAP-NO")
        since = max(line_c.quote_id.date_order, line_r.quote_id.date_order)
        reminded_at = since + timedelta(days=REMIND_DAYS, hours=1)
        both = consented | refused
        self.assertEqual(self._run(reminded_at, both), both)
        closed_at = reminded_at + timedelta(days=CLOSE_DAYS, hours=1)
        self.assertEqual(self._run(closed_at, both), both)
        self.assertEqual(line_c.resolution, "scrap")
        self.assertEqual(line_c.qty_scrapped, 1)
        self.assertFalse(self._return_deliveries(consented))
        # No consent: returned as-is instead.
        self.assertEqual(line_r.resolution, "return")
        self.assertFalse(line_r.scrap_ids)
        self.assertEqual(len(self._return_deliveries(refused)), 1)

    def test_cancel_outcome(self):
        self.company.rma_inactivity_outcome = "cancel"
        never = self._never_sent()
        self._remind_and_close(never, never.date_approved)
        self.assertEqual(never.state, "cancelled")
        # A unit we hold is never kept: cancel returns it.
        self.policy.inactivity_outcome = "cancel"
        held, line = self._held_quoted("INA-CANCEL")
        self._remind_and_close(held, line.quote_id.date_order)
        self.assertEqual(line.resolution, "return")
        self.assertEqual(len(self._return_deliveries(held)), 1)

    def test_customer_answer_resets_the_waiting(self):
        rma, line = self._held_quoted("INA-ANSWER")
        quote = line.quote_id
        reminded_at = quote.date_order + timedelta(days=REMIND_DAYS, hours=1)
        self.assertEqual(self._run(reminded_at, rma), rma)
        with freeze_time(reminded_at + timedelta(days=2)):
            quote.action_confirm()  # the customer accepts the quote
        self.env.invalidate_all()
        self.assertEqual(rma._rma_inactivity_waiting(), {})
        self.assertFalse(self._run(reminded_at + timedelta(days=CLOSE_DAYS + 1), rma))
        self.assertEqual(quote.state, "sale")
        self.assertEqual(line.resolution, "repair")
        self.assertNotIn(rma.state, ("cancelled", "done"))

    def test_reminder_date_written_only_by_the_cron(self):
        rma = self._never_sent()
        with self.assertRaises(AccessError):
            rma.with_user(self.rma_manager).write(
                {"inactivity_reminded_on": fields.Datetime.now()}
            )


@tagged("post_install", "-at_install")
class TestIssue17InactivityDemo(TransactionCase):
    """The demo shows a case waiting on the customer, reminded, not closed yet."""

    def test_demo_case_waits_on_the_customer(self):
        rma = self.env.ref("rma_warranty.demo_rma_inactive", raise_if_not_found=False)
        if not rma:
            self.skipTest("no demo data")
        self.assertEqual(rma.state, "approved")
        reason, since = rma._rma_inactivity_waiting()[rma]
        self.assertEqual(reason, "unit")
        self.assertLess(since, rma.inactivity_reminded_on)
        self.assertGreater(rma._rma_inactivity_close_date(), fields.Date.today())
        self.assertFalse(rma._cron_rma_inactivity())  # reminded, not due yet
