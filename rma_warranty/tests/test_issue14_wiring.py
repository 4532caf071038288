# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, where its parts meet: a request solved remotely is its review, the
dashboard's service-level tile and late RMAs come from the steps."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .test_issue14_sla import SlaCommon


@tagged("post_install", "-at_install")
class TestIssue14Wiring(SlaCommon):
    def _solve(self, rmas, solution="Reset the adapter; it works again."):
        self.env["rma.order.solve"].create(
            {"order_ids": [Command.set(rmas.ids)], "solution": solution}
        ).action_solve()

    def test_solved_remotely_closes_response_and_review(self):
        with freeze_time("2027-03-01 09:00:00"):  # Monday
            quick, slow = self._submitted(), self._submitted()
        with freeze_time("2027-03-01 10:00:00"):
            self._solve(quick)
        with freeze_time("2027-03-04 10:00:00"):
            self._solve(slow)
        self.assertEqual(quick.state, "solved")
        for rma, status in ((quick, "met"), (slow, "missed")):
            self.assertEqual(
                sorted(rma.sla_step_ids.mapped("step")), ["response", "review"]
            )
            for step in rma.sla_step_ids:
                self.assertEqual(step.status, status, (rma.name, step.step))
            self.assertFalse(rma.sla_deadline)
            self.assertFalse(rma.sla_is_late)

    def test_dashboard_sla_hit_rate_and_late_rmas(self):
        Dashboard = self.env["rma.report.dashboard"]
        with freeze_time("2027-03-01 09:00:00"):
            # Late now (the demo's late RMAs among them), before these three.
            late_before = Dashboard.get_dashboard_data(warehouse_id=self.warehouse.id)[
                "sections"
            ]["overview"]["late"]
            quick, slow, waiting = (self._submitted() for __ in range(3))
        with freeze_time("2027-03-01 09:30:00"):
            quick.action_approve()  # response and review met
        with freeze_time("2027-03-04 10:00:00"):
            slow.action_approve()  # both missed
            self.assertTrue(waiting.sla_is_late)
            data = self.env["rma.report.dashboard"].get_dashboard_data(
                date_from="2027-03-01",
                date_to="2027-03-04",
                warehouse_id=self.warehouse.id,
            )
        sla = data["sections"]["sla"]
        self.assertEqual((sla["met"], sla["missed"], sla["hit_rate"]), (2, 2, 50.0))
        self.assertEqual(
            [(s["step"], s["met"], s["missed"], s["hit_rate"]) for s in sla["steps"]],
            [("response", 1, 1, 50.0), ("review", 1, 1, 50.0)],
        )
        overview = data["sections"]["overview"]
        self.assertEqual(overview["late"], late_before + 1)
        with freeze_time("2027-03-04 10:00:00"):
            late = self.env["rma.order"].search(overview["late_domain"])
        self.assertIn(waiting, late)
        self.assertFalse((quick | slow) & late)
        # The period counts the steps closed in it: none on 2 March.
        with freeze_time("2027-03-04 10:00:00"):
            data = self.env["rma.report.dashboard"].get_dashboard_data(
                date_from="2027-03-02",
                date_to="2027-03-02",
                warehouse_id=self.warehouse.id,
            )
        self.assertEqual(
            data["sections"]["sla"],
            {"hit_rate": None, "met": 0, "missed": 0, "steps": []},
        )
