# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14: two workers resolve one complaint, or close one request as solved
without return, at the same time: exactly one of them acts."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase, flush_rma_mails


@tagged("post_install", "-at_install")
class TestIssue14ComplaintConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "Complaint Concurrency Gadget", "type": "consu"}
            )
            partner = env["res.partner"].create(
                {"name": "Concurrent Complainer", "email": "cc@example.com"}
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rma = env["rma.order"].create(
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "line_ids": [Command.create({"product_id": product.id})],
                }
            )
            rma.action_submit()
            complaint = env["rma.complaint"].create(
                {
                    "partner_id": partner.id,
                    "description": "Twice at once.",
                    "resolution": "A voucher.",
                }
            )
            self.ids = {
                "rma": rma.id,
                "complaint": complaint.id,
                "product": product.id,
                "partner": partner.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["rma.complaint"].browse(self.ids["complaint"]).exists().unlink()
            rma = env["rma.order"].browse(self.ids["rma"]).exists()
            if rma:
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def test_two_workers_resolve_once(self):
        with self._two_workers() as (cr1, cr2):
            first = self._env(cr1)["rma.complaint"].browse(self.ids["complaint"])
            second = self._env(cr2)["rma.complaint"].browse(self.ids["complaint"])
            self.assertEqual(first.state, "new")
            self.assertEqual(second.state, "new")
            first.action_resolve()
            with self.assertRaisesRegex(UserError, "being handled"):
                second.action_resolve()
            cr1.commit()
            with self.assertRaisesRegex(UserError, "being handled"):
                second.action_resolve()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            third = self._env(cr3)["rma.complaint"].browse(self.ids["complaint"])
            with self.assertRaisesRegex(UserError, "Cannot resolve"):
                third.action_resolve()
            self.assertEqual(third.state, "resolved")
            tracked = third.message_ids.tracking_value_ids.filtered(
                lambda value: value.field_id.name == "state"
            )
            self.assertEqual(len(tracked), 1)

    def test_two_workers_solve_once(self):
        with self._two_workers() as (cr1, cr2):
            first = self._env(cr1)["rma.order"].browse(self.ids["rma"])
            second = self._env(cr2)["rma.order"].browse(self.ids["rma"])
            first._solve_remotely("Reset the device.")
            with self.assertRaisesRegex(UserError, "being processed"):
                second._solve_remotely("Reset it again.")
            cr1.commit()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            rma = self._env(cr3)["rma.order"].browse(self.ids["rma"])
            self.assertEqual(rma.state, "solved")
            self.assertEqual(rma.remote_solution, "Reset the device.")
            # One email queued (issue 16), sent once by the queue's cron.
            solved = self._env(cr3).ref("rma_warranty.mail_template_rma_solved")
            queued = self._env(cr3)["rma.mail.queue"].search(
                [("order_id", "=", rma.id), ("template_id", "=", solved.id)]
            )
            self.assertEqual(len(queued), 1)
            flush_rma_mails(self._env(cr3))
            mails = rma.message_ids.filtered(
                lambda message: "no return needed" in (message.subject or "")
            )
            self.assertEqual(len(mails), 1)
