# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 3: Release Shipping is a manager override; a paid invoice releases."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_issue11_money import PrepaidRepairMixin


@tagged("post_install", "-at_install")
class TestIssue11ReleaseShipping(PrepaidRepairMixin):
    def _open_release(self, rma, user):
        """The Release Shipping button as the web client presses it."""
        return (
            rma.with_user(user).with_context(active_id=rma.id).action_release_shipping()
        )

    def test_release_is_a_manager_override_with_reason(self):
        rma = self._held_rma(self.prepaid_lots[0])
        # A service user cannot release an unpaid, unaccepted quote's hold.
        with self.assertRaises(UserError):
            self._open_release(rma, self.rma_user)
        with self.assertRaises(UserError):
            self.env["rma.order.release"].with_user(self.rma_user).create(
                {"order_ids": [Command.set(rma.ids)], "reason": "Trust me"}
            )
        self.assertTrue(rma.shipping_hold)
        action = self._open_release(rma, self.rma_manager)
        self.assertEqual(action["res_model"], "rma.order.release")
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.rma_manager)
            .with_context(**action["context"])
        )
        # The reason is required.
        with self.assertRaises(AssertionError):
            wizard_form.save()
        wizard_form.reason = "Paid in cash at the counter, receipt 4711."
        wizard = wizard_form.save()
        wizard.action_release()
        self.assertFalse(rma.shipping_hold)
        note = rma.message_ids.filtered(lambda m: "receipt 4711" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.rma_manager.partner_id)
        self.assertEqual(len(self._approved_mails(rma)), 1, "label sent once")
        # Released: nothing more to release.
        with self.assertRaisesRegex(UserError, "already sent"):
            self._open_release(rma, self.rma_manager)

    def test_blank_reason_refused(self):
        rma = self._held_rma(self.prepaid_lots[1])
        wizard = (
            self.env["rma.order.release"]
            .with_user(self.rma_manager)
            .create({"order_ids": [Command.set(rma.ids)], "reason": "   "})
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_release()
        self.assertTrue(rma.shipping_hold)

    def test_registered_payment_of_repair_invoice_releases(self):
        rma = self._held_rma(self.prepaid_lots[2])
        quote = rma.line_ids.quote_id
        quote.action_confirm()  # accepted, not paid
        self.assertTrue(rma.shipping_hold)
        action = rma.with_user(self.rma_manager).action_invoice_repairs()
        invoice = self.env["account.move"].browse(action["res_id"])
        invoice.action_post()
        self.assertTrue(rma.shipping_hold, "an unpaid invoice releases nothing")
        self.assertFalse(self._approved_mails(rma))
        self.env["account.payment.register"].with_user(self.rma_manager).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(rma.shipping_hold)
        self.assertEqual(len(self._approved_mails(rma)), 1)
