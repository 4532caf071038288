# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17: the customer's double click on "Solved, no return needed" (two
workers at once) closes the request once; two runs of the inactivity cron at once
share the cases out (each reminded once)."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue17ClosingConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "Closing Concurrency Gadget", "type": "consu"}
            )
            partner = env["res.partner"].create(
                {"name": "Concurrent Closer", "email": "closer@example.com"}
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
            rma.action_approve()
            self.ids = {"rma": rma.id, "product": product.id, "partner": partner.id}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            rma = env["rma.order"].browse(self.ids["rma"]).exists()
            if rma:
                env["rma.mail.queue"].search([("order_id", "=", rma.id)]).unlink()
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _rma(self, cr):
        return self._env(cr)["rma.order"].browse(self.ids["rma"])

    def _lock_timeout(self, cr):
        # A missing lock makes the second worker fail in seconds, not hang.
        cr.execute("SET LOCAL lock_timeout = '5s'")

    def test_double_click_closes_once(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self._lock_timeout(cr2)
            first = self._env(cr1)["rma.order"].browse(self.ids["rma"])
            second = self._env(cr2)["rma.order"].browse(self.ids["rma"])
            partner1 = self._env(cr1)["res.partner"].browse(self.ids["partner"])
            partner2 = self._env(cr2)["res.partner"].browse(self.ids["partner"])
            self.assertEqual(second.state, "approved")
            first._portal_close_by_customer(partner1, "Fixed.")
            with self.assertRaisesRegex(UserError, "being processed"):
                second._portal_close_by_customer(partner2, "Fixed twice.")
            cr1.commit()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            rma = self._env(cr3)["rma.order"].browse(self.ids["rma"])
            self.assertEqual(rma.state, "solved")
            self.assertIn("Fixed.", rma.remote_solution)
            partner = self._env(cr3)["res.partner"].browse(self.ids["partner"])
            with self.assertRaisesRegex(UserError, "can no longer be closed"):
                rma._portal_close_by_customer(partner)

    def test_two_cron_runs_at_once_remind_once(self):
        with self.registry.cursor() as cr:
            rma = self._env(cr)["rma.order"].browse(self.ids["rma"])
            days = rma.company_id.rma_inactivity_remind_days
            when = rma.date_approved + timedelta(days=days, hours=1)
        with (
            freeze_time(when),
            self.registry.cursor() as cr1,
            self.registry.cursor() as cr2,
        ):
            self._lock_timeout(cr2)
            first = self._rma(cr1)._cron_rma_inactivity()
            second = self._rma(cr2)._cron_rma_inactivity()
            self.assertIn(self.ids["rma"], first.ids)
            self.assertNotIn(self.ids["rma"], second.ids)  # skipped, locked
            cr1.commit()
            cr2.commit()
        with freeze_time(when), self.registry.cursor() as cr3:
            env = self._env(cr3)
            self.assertFalse(self._rma(cr3)._cron_rma_inactivity())
            reminder = env.ref("rma_warranty.mail_template_rma_inactivity_reminder")
            queued = env["rma.mail.queue"].search_count(
                [("order_id", "=", self.ids["rma"]), ("template_id", "=", reminder.id)]
            )
            self.assertEqual(queued, 1)
            cr3.rollback()
