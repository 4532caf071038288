# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, service levels: the overdue cron run by two workers at once gives
each late step one activity."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue14SlaCronConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "SLA Concurrency Gadget", "type": "consu"}
            )
            partner = env["res.partner"].create({"name": "SLA Concurrent Customer"})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rmas = env["rma.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "warehouse_id": warehouse.id,
                        "user_id": env.ref("base.user_admin").id,
                        "line_ids": [Command.create({"product_id": product.id})],
                    }
                    for __ in range(2)
                ]
            )
            # Submitted long ago: both steps of both RMAs are late.
            with freeze_time("2020-01-06 09:00:00"):
                rmas.action_submit()
            self.ids = {
                "rmas": rmas.ids,
                "steps": rmas.sla_step_ids.ids,
                "product": product.id,
                "partner": partner.id,
            }
        self.assertEqual(len(self.ids["steps"]), 4)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            rmas = env["rma.order"].browse(self.ids["rmas"]).exists()
            rmas.activity_ids.unlink()
            for rma in rmas:
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _run(self, env):
        return env["rma.sla.step"].browse(self.ids["steps"])._cron_rma_sla_overdue()

    def _activities(self, env):
        activity_type = env.ref("rma_warranty.mail_activity_type_rma_sla_overdue")
        return env["mail.activity"].search(
            [
                ("res_model", "=", "rma.order"),
                ("res_id", "in", self.ids["rmas"]),
                ("activity_type_id", "=", activity_type.id),
            ]
        )

    def test_two_workers_at_once_one_activity_per_step(self):
        with self._two_workers() as (cr1, cr2):
            env1, env2 = self._env(cr1), self._env(cr2)
            first = self._run(env1)
            # The second worker skips the steps the first one holds.
            second = self._run(env2)
            self.assertEqual(len(first), 4)
            self.assertFalse(second)
            cr1.commit()
            cr2.commit()
        with self.registry.cursor() as cr3:
            env3 = self._env(cr3)
            activities = self._activities(env3)
            self.assertEqual(len(activities), 4)
            steps = env3["rma.sla.step"].browse(self.ids["steps"])
            self.assertEqual(steps.activity_id, activities)
            self.assertTrue(all(steps.mapped("overdue_notified")))
            # Run again later: nothing more.
            self.assertFalse(self._run(env3))
            self.assertEqual(len(self._activities(env3)), 4)

    def test_second_worker_after_the_first_committed(self):
        with self.registry.cursor() as cr1:
            self.assertEqual(len(self._run(self._env(cr1))), 4)
        with self.registry.cursor() as cr2:
            env2 = self._env(cr2)
            self.assertFalse(self._run(env2))
            self.assertEqual(len(self._activities(env2)), 4)
