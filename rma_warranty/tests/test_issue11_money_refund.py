# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 4: refunded means a posted credit note; no raw access error."""

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue11PostedRefund(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.end_user.email = "erik@example.com"
        cls.lots = cls._create_lots(cls.product, [f"SN-MONEY-R{i}" for i in range(3)])
        cls._sell(cls.end_user, cls.product, lots=cls.lots, price=450.0)
        cls.accountant = new_test_user(
            cls.env,
            "rma_money_accountant",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.rma_accountant = new_test_user(
            cls.env,
            "rma_money_rma_accountant",
            groups="rma_warranty.group_rma_user,account.group_account_invoice",
        )

    def _received_refund(self, lots, user=None):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "refund",
                }
                for lot in lots
            ],
            user=user,
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        return rma

    def _done_mails(self, rma):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.filtered(
            lambda m: "return completed" in (m.subject or "")
        )

    def test_done_when_credit_note_posted(self):
        rma = self._received_refund(self.lots[:1])
        rma.with_user(self.rma_manager).action_process()
        refund = rma.refund_ids
        self.assertEqual(refund.state, "draft")
        line = rma.line_ids
        self.assertEqual(line.qty_refunded, 0.0)
        self.assertFalse(line.is_resolved)
        self.assertEqual(rma.state, "in_progress")
        self.assertFalse(self._done_mails(rma), "no 'credit note issued' for a draft")
        # Processing again makes no second credit note for the draft one.
        with self.assertRaisesRegex(UserError, "Nothing to process"):
            rma.with_user(self.rma_manager).action_process()
        # The accountant posts it later (no RMA rights needed): the RMA completes.
        refund.with_user(self.accountant).action_post()
        self.assertEqual(line.qty_refunded, 1.0)
        self.assertTrue(line.is_resolved)
        self.assertEqual(rma.state, "done")
        done = self._done_mails(rma)
        self.assertEqual(len(done), 1)
        self.assertIn("a credit note was issued", done.body)
        # Reset to draft: not refunded any more.
        refund.with_user(self.accountant).button_draft()
        self.assertEqual(line.qty_refunded, 0.0)
        self.assertEqual(rma.state, "in_progress")

    def test_service_user_without_invoicing_rights(self):
        rma = self._received_refund(self.lots[1:2], user=self.rma_user)
        rma = rma.with_user(self.rma_user)
        self.assertFalse(self.rma_user.has_group("account.group_account_invoice"))
        result = rma.action_process()
        # A clear message, no credit note, the unit still waits.
        self.assertEqual(result["type"], "ir.actions.client")
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("invoicing rights", result["params"]["message"])
        self.assertEqual(rma.refund_count, 0)
        self.assertFalse(rma.line_ids.is_resolved)
        self.assertEqual(rma.state, "received")
        activity = rma.activity_ids
        self.assertEqual(len(activity), 1)
        # For the accounting team: someone who may issue it and can open the RMA.
        self.assertTrue(activity.user_id.has_group("account.group_account_invoice"))
        self.assertTrue(activity.user_id.has_group("rma_warranty.group_rma_user"))
        self.assertIn(rma.line_ids.lot_id.name, activity.note)
        self.assertTrue(
            rma.message_ids.filtered(lambda m: "invoicing rights" in (m.body or ""))
        )
        # Pressing again adds no second activity.
        rma.action_process()
        self.assertEqual(len(rma.activity_ids), 1)
        # The accountant processes it: the credit note is made.
        rma.with_user(self.rma_accountant).action_process()
        self.assertEqual(rma.refund_count, 1)
        self.assertFalse(rma.activity_ids, "the accounting activity is done")

    def test_refund_activity_goes_to_configured_responsible(self):
        # The accounting team's responsible is the activity type's default user.
        activity_type = self.env.ref("rma_warranty.mail_activity_type_rma_refund")
        activity_type.default_user_id = self.rma_accountant
        rma = self._received_refund(self.lots[2:3], user=self.rma_user)
        rma.with_user(self.rma_user).action_process()
        self.assertEqual(rma.activity_ids.user_id, self.rma_accountant)
        self.assertEqual(rma.activity_ids.activity_type_id, activity_type)
