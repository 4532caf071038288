# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 16, deferred customer emails: the transitions queue them, the queue's
scheduled action posts them once, in order, a batch at a time, and a failure
stays visible."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import CommittedCase, RmaCommon, flush_rma_mails

SUBMITTED = "rma_warranty.mail_template_rma_submitted"
APPROVED = "rma_warranty.mail_template_rma_approved"


@tagged("post_install", "-at_install")
class TestIssue16MailQueue(RmaCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, [f"SN-Q16-{i}" for i in range(6)])
        cls._sell(cls.end_user, cls.product, lots=cls.lots, price=450.0)
        cls.cron = cls.env.ref("rma_warranty.ir_cron_rma_mail_queue")
        cls.Queue = cls.env["rma.mail.queue"]
        # Nothing queued before (e.g. by the demo data) is counted here.
        flush_rma_mails(cls.env)

    def _rmas(self, lots):
        return self.env["rma.order"].create(
            [
                {
                    "partner_id": self.end_user.id,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "lot_id": lot.id,
                                "quantity": 1,
                                "resolution": "refund",
                            }
                        )
                    ],
                }
                for lot in lots
            ]
        )

    def _messages(self, rmas, xmlid):
        template = self.env.ref(xmlid)
        subjects = {
            rma.id: subject
            for rma, subject in zip(
                rmas,
                (template._render_field("subject", rmas.ids)[rid] for rid in rmas.ids),
                strict=True,
            )
        }
        return rmas.message_ids.filtered(lambda m: m.subject == subjects[m.res_id])

    def _fake_pdf(self):
        """Count the renders of the authorisation PDF (wkhtmltopdf is not needed
        to tell where and how often it is rendered)."""
        calls = []
        Report = self.registry["ir.actions.report"]

        def render(report_self, report_ref, res_ids=None, data=None):
            calls.append(list(res_ids))
            return b"%PDF-1.4 test " + str(res_ids).encode(), "pdf"

        return calls, patch.object(Report, "_render_qweb_pdf", render)

    # ---- The transition only queues -------------------------------------------------

    def test_action_queues_and_triggers_cron(self):
        rmas = self._rmas(self.lots[:4])
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        with self.mock_mail_gateway():
            rmas.with_user(self.rma_user).action_submit()
            self.assertFalse(self._messages(rmas, SUBMITTED), "nothing posted yet")
            self.assertFalse(self._new_mails)
        rows = self.Queue.search([("order_id", "in", rmas.ids)])
        self.assertEqual(rows.order_id, rmas)
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        self.assertEqual(rows.template_id, self.env.ref(SUBMITTED))
        self.assertEqual(rows.create_uid, self.rma_user)
        new_triggers = (
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
            - triggers
        )
        self.assertEqual(len(new_triggers), 1, "one trigger per action")
        self.assertLessEqual(new_triggers.call_at, fields.Datetime.now())

        with self.mock_mail_gateway():
            self.flush_rma_mails()
            messages = self._messages(rmas, SUBMITTED)
            self.assertEqual(len(messages), 4)
            self.assertEqual(len(self._new_mails), 4)
        self.assertEqual(
            set(messages.mapped("res_id")), set(rmas.ids), "one message per RMA"
        )
        # Posted as the user who submitted, to the customer, as before.
        self.assertEqual(messages.author_id, self.rma_user.partner_id)
        self.assertEqual(messages.partner_ids, self.end_user)
        self.assertFalse(rows.exists(), "a sent email leaves the queue")

    def test_one_insert_per_action(self):
        rmas = self._rmas(self.lots[:2]) + self._rmas(self.lots[2:6])
        rmas.action_submit()
        self.flush_rma_mails()
        # Queueing the approval email of 2 or of 4 RMAs costs the same queries:
        # the RMAs' recipients, one insert, the trigger of the cron.
        for batch in (rmas[:2], rmas[2:]):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(8):
                rows = batch._rma_send_mail(APPROVED)
            self.assertEqual(rows.order_id, batch)

    # ---- Exactly once, in order ----------------------------------------------------

    def test_run_twice_sends_once(self):
        rmas = self._rmas(self.lots[:3])
        rmas.action_submit()
        with self.mock_mail_gateway():
            self.flush_rma_mails()
            self.flush_rma_mails()
            self.assertEqual(len(self._new_mails), 3)
        self.assertEqual(len(self._messages(rmas, SUBMITTED)), 3)
        self.assertFalse(self.Queue._cron_rma_send(), "nothing left to take")

    def test_order_of_one_rma_kept(self):
        """Submitted then approved in one run: the submitted email goes first, and
        each email goes once; an RMA with one email waits for nobody."""
        first, second = self._rmas(self.lots[:2])
        calls, fake_pdf = self._fake_pdf()
        with fake_pdf:
            first.action_submit()
            second.action_submit()
            first.action_approve()
            second.action_approve()
            self.assertFalse(calls, "no PDF rendered in the approval")
            self.flush_rma_mails()
        self.assertEqual(sorted(calls), sorted([[first.id], [second.id]]))
        for rma in first + second:
            submitted = self._messages(rma, SUBMITTED)
            approved = self._messages(rma, APPROVED)
            self.assertEqual(len(submitted), 1)
            self.assertEqual(len(approved), 1)
            self.assertLess(submitted.id, approved.id, "submitted before approved")
            # The authorisation PDF, rendered by the report engine, is attached.
            self.assertEqual(len(approved.attachment_ids), 1)
            self.assertTrue(approved.attachment_ids.raw.startswith(b"%PDF"))
            self.assertFalse(submitted.attachment_ids)

    def test_same_email_as_before(self):
        """The queued email is the one the step posted at once before (issue 16):
        the template rendered by one composer, to the same recipients, with the
        authorisation PDF."""
        rma = self._rmas(self.lots[:1])
        rma.action_submit()
        self.flush_rma_mails()
        _calls, fake_pdf = self._fake_pdf()
        template = self.env.ref(APPROVED)
        with fake_pdf, self.mock_mail_gateway():
            rma.with_user(self.rma_user).action_approve()
            self.flush_rma_mails()
            queued = self._messages(rma, APPROVED)
            # The way the step sent it before: at once, in the user's request.
            rma.with_user(self.rma_user)._rma_post_template(template)
            direct = self._messages(rma, APPROVED) - queued
            mails = {
                message: self._new_mails.filtered(
                    lambda m, message=message: m.mail_message_id == message
                )
                for message in queued + direct
            }
        self.assertEqual(len(queued), 1)
        self.assertEqual(len(direct), 1)
        for fname in ("subject", "body", "partner_ids", "author_id", "subtype_id"):
            self.assertEqual(queued[fname], direct[fname], fname)
        self.assertEqual(
            queued.attachment_ids.mapped("name"), direct.attachment_ids.mapped("name")
        )
        self.assertEqual(len(queued.attachment_ids), 1)
        self.assertEqual(
            queued.attachment_ids.raw, direct.attachment_ids.raw, "same PDF"
        )
        self.assertEqual(mails[queued].recipient_ids, self.end_user)
        self.assertEqual(mails[queued].recipient_ids, mails[direct].recipient_ids)
        self.assertEqual(mails[queued].email_from, mails[direct].email_from)
        self.assertEqual(mails[queued].attachment_ids, queued.attachment_ids)

    # ---- Failures -------------------------------------------------------------------

    @mute_logger("odoo.addons.rma_warranty.models.rma_mail_queue")
    def test_failure_retried_then_visible(self):
        good, bad = self._rmas(self.lots[:2])
        good.action_submit()
        bad.action_submit()
        Order = self.registry["rma.order"]
        post = Order._rma_post_template

        def failing(orders, template):
            if bad.id in orders.ids:
                raise ValueError("SMTP says no")
            return post(orders, template)

        with patch.object(Order, "_rma_post_template", failing):
            self.flush_rma_mails()
            # The batch failed: each RMA was tried on its own, the good one sent.
            self.assertEqual(len(self._messages(good, SUBMITTED)), 1)
            row = self.Queue.search([("order_id", "=", bad.id)])
            self.assertEqual(row.state, "pending")
            self.assertEqual(row.attempts, 1)
            self.assertIn("SMTP says no", row.error)
            self.assertGreater(row.date_next_try, fields.Datetime.now())
            # Not due yet: a run leaves it.
            self.flush_rma_mails()
            self.assertEqual(row.attempts, 1)
            for _attempt in range(2):
                row.date_next_try = fields.Datetime.now() - timedelta(seconds=1)
                self.flush_rma_mails()
        self.assertEqual(row.state, "failed")
        self.assertEqual(row.attempts, 3, "bounded attempts")
        self.assertFalse(self._messages(bad, SUBMITTED))
        note = bad.message_ids.filtered(lambda m: "could not be sent" in m.body)
        self.assertEqual(len(note), 1, "the failure is noted on the RMA")
        # Failed rows are no longer taken.
        self.assertFalse(self.Queue._cron_rma_send())

        # Managers see it and retry it; RMA users do not see the queue.
        with self.assertRaises(AccessError):
            self.Queue.with_user(self.rma_user).search([]).mapped("error")
        failed = self.Queue.with_user(self.rma_manager).search(
            [("state", "=", "failed")]
        )
        self.assertEqual(failed, row)
        failed.action_retry()
        self.assertEqual(row.state, "pending")
        self.flush_rma_mails()
        self.assertEqual(len(self._messages(bad, SUBMITTED)), 1)
        self.assertFalse(row.exists())

    @mute_logger("odoo.addons.rma_warranty.models.rma_mail_queue")
    def test_later_email_waits_for_the_failed_one(self):
        rma = self._rmas(self.lots[:1])
        rma.action_submit()
        rma.action_approve()
        Order = self.registry["rma.order"]
        post = Order._rma_post_template
        submitted = self.env.ref(SUBMITTED)

        def failing(orders, template):
            if template == submitted:
                raise ValueError("template broken")
            return post(orders, template)

        _calls, fake_pdf = self._fake_pdf()
        with patch.object(Order, "_rma_post_template", failing), fake_pdf:
            self.flush_rma_mails()
            self.assertFalse(self._messages(rma, APPROVED), "approved waits")
            rows = self.Queue.search([("order_id", "=", rma.id)])
            self.assertEqual(len(rows), 2)
        with fake_pdf:
            rows.filtered("attempts").date_next_try = False
            self.flush_rma_mails()
        self.assertLess(
            self._messages(rma, SUBMITTED).id, self._messages(rma, APPROVED).id
        )


@tagged("post_install", "-at_install")
class TestIssue16MailQueueConcurrency(CommittedCase):
    """Two workers run the queue at once: each email is posted once."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "Queue Gadget", "type": "consu", "list_price": 10}
            )
            partner = env["res.partner"].create(
                {"name": "Queued Customer", "email": "queued@example.com"}
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rmas = env["rma.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "warehouse_id": warehouse.id,
                        "line_ids": [Command.create({"product_id": product.id})],
                    }
                    for _i in range(3)
                ]
            )
            rmas.action_submit()
            self.ids = {"rmas": rmas.ids, "product": product.id, "partner": partner.id}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["mail.message"].search(
                [("model", "=", "rma.order"), ("res_id", "in", self.ids["rmas"])]
            ).unlink()
            for rma in env["rma.order"].browse(self.ids["rmas"]).exists():
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _queue(self, env):
        return env["rma.mail.queue"].search([("order_id", "in", self.ids["rmas"])])

    def _submitted(self, env):
        return env["mail.message"].search(
            [
                ("model", "=", "rma.order"),
                ("res_id", "in", self.ids["rmas"]),
                ("subject", "ilike", "return request received"),
            ]
        )

    def test_two_workers_at_once_send_once(self):
        with self._two_workers() as (cr1, cr2):
            env1, env2 = self._env(cr1), self._env(cr2)
            first = self._queue(env1)._cron_rma_send()
            # The second worker skips the rows the first one holds.
            second = self._queue(env2)._cron_rma_send()
            self.assertEqual(len(first), 3)
            self.assertFalse(second)
            cr1.commit()
            cr2.commit()
        with self.registry.cursor() as cr3:
            env3 = self._env(cr3)
            self.assertEqual(len(self._submitted(env3)), 3)
            self.assertFalse(self._queue(env3))
            # Run again later: nothing more.
            self.assertFalse(env3["rma.mail.queue"]._cron_rma_send())
            self.assertEqual(len(self._submitted(env3)), 3)

    def test_second_worker_after_the_first_committed(self):
        with self.registry.cursor() as cr1:
            self.assertEqual(len(self._queue(self._env(cr1))._cron_rma_send()), 3)
        with self.registry.cursor() as cr2:
            env2 = self._env(cr2)
            flush_rma_mails(env2)
            self.assertEqual(len(self._submitted(env2)), 3)
