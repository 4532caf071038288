# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17, priority and paused clocks: a higher priority shortens the targets
where the policy says so; a service-level clock stops while the customer has the
ball (a unit awaited from them, a repair quote awaiting acceptance) and starts
again after, the deadline moved by the paused working time; the compliance report
counts our time only."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from . import test_repair_flow
from .test_issue14_sla import SlaCommon


class SlaPriorityCommon(SlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write(
            {
                "sla_review_days": 2,
                "sla_resolution_days": 5,
                "sla_high_percent": 50,
                "sla_urgent_percent": 25,
            }
        )


@tagged("post_install", "-at_install")
class TestIssue17SlaPriority(SlaPriorityCommon):
    """Priority at filing, shown and tracked; a shorter target where the policy
    says so."""

    def test_priority_shortens_the_targets(self):
        with freeze_time("2027-03-01 09:00:00"):  # Monday
            normal = self._submitted()
            high = self._submitted(priority="1")
            urgent = self._submitted(priority="2")
        self.assertEqual(normal.priority, "0")
        # Review: 2 working days (16 h), 8 h at high priority, 4 h when urgent.
        self.assertEqual(
            self._step(normal, "review").date_deadline, datetime(2027, 3, 3, 9, 0)
        )
        self.assertEqual(
            self._step(high, "review").date_deadline, datetime(2027, 3, 2, 9, 0)
        )
        self.assertEqual(
            self._step(urgent, "review").date_deadline, datetime(2027, 3, 1, 14, 0)
        )
        self.assertEqual(self._step(normal, "review").target_hours, 16.0)
        self.assertEqual(self._step(urgent, "review").target_hours, 4.0)
        # Resolution: 5 working days, 2.5 at high priority.
        self.assertEqual(
            self._step(high, "resolution").date_deadline,
            datetime(2027, 3, 3, 14, 0),
        )

    def test_no_shorter_target_unless_the_policy_says_so(self):
        self.policy.sla_high_percent = 100
        with freeze_time("2027-03-01 09:00:00"):
            normal = self._submitted()
            high = self._submitted(priority="1")
        self.assertEqual(
            self._step(normal, "review").date_deadline,
            self._step(high, "review").date_deadline,
        )

    def test_staff_change_moves_the_running_deadlines(self):
        with freeze_time("2027-03-01 09:00:00"):
            rmas = self._submitted() | self._submitted()
        with freeze_time("2027-03-01 11:00:00"):
            form = Form(rmas[0].with_user(self.rma_user))
            form.priority = "2"
            form.save()
            rmas[1].with_user(self.rma_user).priority = "1"
        self.assertEqual(
            self._step(rmas[0], "review").date_deadline, datetime(2027, 3, 1, 14, 0)
        )
        self.assertEqual(
            self._step(rmas[1], "review").date_deadline, datetime(2027, 3, 2, 9, 0)
        )
        # First response: 2 working hours, a quarter of them when urgent.
        self.assertEqual(rmas[0].sla_deadline, datetime(2027, 3, 1, 9, 30))
        # Tracked in the chatter (the suite runs with tracking disabled).
        self.assertTrue(rmas._fields["priority"].tracking)
        # Back to normal: the normal targets again.
        rmas[0].priority = "0"
        self.assertEqual(
            self._step(rmas[0], "review").date_deadline, datetime(2027, 3, 3, 9, 0)
        )

    def test_portal_user_cannot_write_the_priority(self):
        portal = new_test_user(
            self.env,
            "sla17_portal",
            groups="base.group_portal",
            partner_id=self.end_user.id,
        )
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted()
        with self.assertRaises(AccessError):
            rma.with_user(portal).write({"priority": "2"})
        self.assertEqual(rma.priority, "0")

    def test_priority_widget_in_the_views(self):
        for view_type in ("list", "kanban", "form"):
            arch = self.env["rma.order"].get_view(view_type=view_type)["arch"]
            self.assertIn('name="priority"', arch, view_type)
            self.assertIn('widget="priority"', arch, view_type)

    def test_target_fields_refused_over_rpc(self):
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted()
        step = self._step(rma, "review").with_user(self.rma_manager)
        for vals in (
            {"target_hours": 1.0},
            {"paused_hours": 100.0},
            {"date_paused": datetime(2027, 3, 1, 9, 0)},
            {"worked_hours": 1.0},
        ):
            with self.assertRaises(AccessError):
                step.write(vals)


@tagged("post_install", "-at_install")
class TestIssue17SlaPause(SlaPriorityCommon):
    """While the unit is awaited from the customer, the clock stops."""

    def test_unit_awaited_pauses_receipt_restarts(self):
        with freeze_time("2027-03-01 09:00:00"):  # Monday
            rma = self._submitted(resolution="replace")
        resolution = self._step(rma, "resolution")
        # 5 working days from Monday 09:00.
        self.assertEqual(resolution.date_deadline, datetime(2027, 3, 8, 9, 0))
        self.assertFalse(rma._rma_sla_paused_reason())
        with freeze_time("2027-03-01 10:00:00"):
            rma.action_approve()
        self.assertEqual(rma._rma_sla_paused_reason(), "unit")
        self.assertEqual(resolution.date_paused, datetime(2027, 3, 1, 10, 0))
        self.assertEqual(resolution.pause_reason, "unit")
        self.assertEqual(resolution.status, "running")
        # A paused clock is not late, nor the RMA's next deadline.
        with freeze_time("2027-03-20 10:00:00"):
            self.assertFalse(resolution.is_late)
            self.assertFalse(rma.sla_deadline)
            self.assertFalse(
                self.env["rma.sla.step"]._cron_rma_sla_overdue() & resolution
            )
        self._put_in_stock(self.product_untracked, qty=5)
        with freeze_time("2027-03-03 10:00:00"):  # Wednesday: two working days later
            self._receive(rma)
        self.assertFalse(resolution.date_paused)
        self.assertFalse(resolution.pause_reason)
        self.assertEqual(resolution.paused_hours, 16.0)
        # The deadline moved by the paused working time: two working days.
        self.assertEqual(resolution.date_deadline, datetime(2027, 3, 10, 9, 0))
        self.assertEqual(rma.sla_deadline, self._step(rma, "swap").date_deadline)

    def test_a_unit_with_us_restarts_the_clock(self):
        """Two units, one received: we have the ball for that one."""
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._new_rma(
                self.end_user,
                [
                    {
                        "product_id": self.product_untracked.id,
                        "quantity": 1.0,
                        "resolution": "replace",
                    }
                    for __ in range(2)
                ],
            )
            rma.action_submit()
            rma.action_approve()
        resolution = self._step(rma, "resolution")
        self.assertTrue(resolution.date_paused)
        first, second = rma.line_ids
        with freeze_time("2027-03-02 09:00:00"):
            self._receive(rma, {first: 1.0, second: 0.0})
        self.assertEqual(first._rma_sla_paused_reason(), False)
        self.assertEqual(second._rma_sla_paused_reason(), "unit")
        self.assertFalse(resolution.date_paused)
        self.assertEqual(resolution.paused_hours, 8.0)

    def test_closed_while_paused_counts_the_pause(self):
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted(resolution="replace")
        with freeze_time("2027-03-01 10:00:00"):
            rma.action_approve()
        with freeze_time("2027-03-02 10:00:00"):
            rma._solve_remotely("A firmware reset solved it.")
        resolution = self._step(rma, "resolution")
        self.assertEqual((resolution.status, resolution.hit), ("met", 1))
        self.assertFalse(resolution.date_paused)
        self.assertEqual(resolution.paused_hours, 8.0)
        self.assertEqual(resolution.worked_hours, 1.0)

    def test_cancel_drops_a_paused_clock(self):
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted(resolution="replace")
            rma.action_approve()
            rma.action_cancel()
        # The running clock goes; the steps closed at the approval stay.
        self.assertEqual(
            sorted(rma.sla_step_ids.mapped("step")), ["response", "review"]
        )


@tagged("post_install", "-at_install")
class TestIssue17SlaQuotePause(test_repair_flow.TestRepairFlow):
    """A repair quote sent on Friday and accepted on Monday: the resolution clock
    stops over the weekend's working time on either side, and the compliance
    report counts only our time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "SLA 17 Centre Hours",
                "tz": "UTC",
                "hours_per_day": 8.0,
                "company_id": cls.company.id,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for start, end, period in (
                        (8, 12, "morning"),
                        (13, 17, "afternoon"),
                    )
                ],
            }
        )
        cls.warehouse.rma_resource_calendar_id = cls.calendar
        cls.policy.write({"sla_resolution_days": 10})

    def _step(self, rma, key):
        steps = rma.sla_step_ids.filtered(lambda s: s.step == key)
        self.assertEqual(len(steps), 1, f"one {key} step")
        return steps

    def _quoted(self, name):
        lot = self._unit(name, months_ago=40)
        with freeze_time("2027-03-05 15:00:00"):  # Friday, 2 working hours left
            rma, line = self._received_repair(lot)
            self._diagnose(line)
            line.action_rma_quote()
        self.assertEqual(line.quote_id.state, "sent")
        return rma, line

    def test_quote_across_a_weekend(self):
        rma, line = self._quoted("SLA17-Q1")
        resolution = self._step(rma, "resolution")
        self.assertEqual(resolution.pause_reason, "quote")
        self.assertEqual(resolution.date_paused, datetime(2027, 3, 5, 15, 0))
        # 10 working days from Friday 15:00.
        before = resolution.date_deadline
        self.assertEqual(before, datetime(2027, 3, 19, 15, 0))
        with freeze_time("2027-03-08 10:00:00"):  # Monday 10:00
            line.quote_id.action_confirm()
        self.assertFalse(resolution.date_paused)
        # Friday 15-17 and Monday 8-10: four working hours, not the weekend.
        self.assertEqual(resolution.paused_hours, 4.0)
        # Moved by as much: Friday 19 at 17:00, then Monday 22 at 10:00.
        self.assertEqual(resolution.date_deadline, datetime(2027, 3, 22, 10, 0))
        self.assertEqual(self._step(rma, "paid_repair").status, "running")
        # Shipped after the deadline first planned, within our time: met.
        with freeze_time("2027-03-22 09:00:00"):
            self._repair_and_ship(rma, line)
        self.assertEqual(rma.state, "done")
        self.assertEqual((resolution.status, resolution.hit), ("met", 1))
        # Our time: Friday 15:00 to Monday 22 09:00 (2 h, two weeks of 40 h, 1 h),
        # less the 4 paused hours.
        self.assertEqual(resolution.worked_hours, 83.0 - 4.0)
        # The compliance report's measure.
        [(worked,)] = self.env["rma.sla.step"]._read_group(
            [("id", "=", resolution.id)], [], ["worked_hours:avg"]
        )
        self.assertEqual(worked, 79.0)

    def test_quote_unanswered_keeps_the_clock_paused(self):
        rma, line = self._quoted("SLA17-Q2")
        resolution = self._step(rma, "resolution")
        with freeze_time("2027-04-30 10:00:00"):  # long after the deadline
            self.assertFalse(resolution.is_late)
            self.assertFalse(
                self.env["rma.sla.step"].search(
                    [("id", "=", resolution.id), ("is_late", "=", True)]
                )
            )
        # Declined: the ball is ours again (return or scrap).
        with freeze_time("2027-03-09 09:00:00"):  # Tuesday
            line.quote_id._action_cancel()
        self.assertFalse(resolution.date_paused)
        # Friday 15-17, Monday 8 hours, Tuesday 8-9.
        self.assertEqual(resolution.paused_hours, 11.0)


@tagged("post_install", "-at_install")
class TestIssue17SlaPerformance(SlaPriorityCommon):
    """The deadlines of 100 RMAs recomputed at once cost a constant number of
    queries; the batch planner agrees with resource.calendar's own."""

    def test_batch_planner_equals_plan_hours(self):
        Step = self.env["rma.sla.step"]
        starts = [
            datetime(2027, 3, 5, 16, 30),  # Friday before closing
            datetime(2027, 3, 12, 16, 30),  # before the public holiday
            datetime(2027, 3, 3, 15, 0),
            datetime(2027, 3, 3, 17, 0),  # closing time
            datetime(2027, 3, 6, 11, 0),  # Saturday
            datetime(2027, 3, 3, 12, 30),  # lunch break
        ]
        requests = [
            (self.calendar, start, int(hours * 3600))
            for start in starts
            for hours in (0, 0.5, 2, 8, 16, 24.25, 80, 400)
        ]
        planned = Step._rma_sla_plan_seconds(requests)
        for key in requests:
            __, start, seconds = key
            self.assertEqual(
                planned[key],
                self.calendar.plan_hours(seconds / 3600, start, compute_leaves=True),
                key,
            )
        spans = [
            (self.calendar, start, start + timedelta(hours=hours))
            for start in starts
            for hours in (0, 1, 30, 100, 500)
        ]
        worked = Step._rma_sla_work_seconds(spans)
        for key in spans:
            __, start, end = key
            self.assertAlmostEqual(
                worked[key] / 3600,
                self.calendar.get_work_hours_count(start, end, compute_leaves=True),
                places=4,
                msg=key,
            )

    def _rmas(self, count):
        with freeze_time("2027-03-01 09:00:00"):
            rmas = self.env["rma.order"].create(
                [
                    {
                        "partner_id": self.end_user.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "product_id": self.product_untracked.id,
                                    "quantity": 1.0,
                                    "resolution": "replace",
                                }
                            )
                        ],
                    }
                    for __ in range(count)
                ]
            )
            rmas.action_submit()
        # Starts one minute apart: as many distinct plannings.
        for index, step in enumerate(rmas.sla_step_ids):
            step.sudo().date_start = datetime(2027, 3, 1, 9, 0) + timedelta(
                minutes=index
            )
        self.env.flush_all()
        return rmas

    def _priority_queries(self, count):
        rmas = self._rmas(count)
        self.env.invalidate_all()
        with freeze_time("2027-03-01 10:00:00"):
            queries = self.env.cr.sql_log_count
            rmas.write({"priority": "1"})
            self.env.flush_all()
            return self.env.cr.sql_log_count - queries, rmas

    def test_priority_replan_of_100_rmas_query_budget(self):
        small, __ = self._priority_queries(2)
        large, rmas = self._priority_queries(100)
        # 300 steps replanned (response, review, resolution): a constant cost.
        self.assertLessEqual(large, small + 8, (small, large))
        with self.assertQueryCount(60), freeze_time("2027-03-01 11:00:00"):
            rmas.write({"priority": "2"})
            self.env.flush_all()
        review = rmas.sla_step_ids.filtered(lambda s: s.step == "review")
        self.assertEqual(len(review), 100)
        self.assertTrue(all(s.target_hours == 4.0 for s in review))

    def _resume_queries(self, count):
        rmas = self._rmas(count)
        with freeze_time("2027-03-01 10:00:00"):
            rmas.action_approve()
        resolution = rmas.sla_step_ids.filtered(lambda s: s.step == "resolution")
        self.assertTrue(all(resolution.mapped("date_paused")))
        self.env.invalidate_all()
        with freeze_time("2027-03-02 10:00:00"):
            queries = self.env.cr.sql_log_count
            # Still awaited: nothing changes.
            rmas._rma_sla_sync_pauses()
            # Received (as the receipt's sync does once the units are in).
            resolution._rma_sla_resume(datetime(2027, 3, 2, 10, 0))
            self.env.flush_all()
            count = self.env.cr.sql_log_count - queries
        self.assertFalse(any(resolution.mapped("date_paused")))
        self.assertTrue(all(h == 8.0 for h in resolution.mapped("paused_hours")))
        return count

    def test_pause_and_resume_of_100_rmas_query_budget(self):
        small = self._resume_queries(2)
        large = self._resume_queries(100)
        self.assertLessEqual(large, small + 8, (small, large))
        self.assertLessEqual(large, 40)


@tagged("post_install", "-at_install")
class TestIssue17SlaDemo(TransactionCase):
    def test_demo_paused_clock_and_priorities(self):
        quoted = self.env.ref(
            "rma_warranty.demo_rma_repair_quoted", raise_if_not_found=False
        )
        if not quoted:
            self.skipTest("no demo data")
        resolution = quoted.sla_step_ids.filtered(lambda s: s.step == "resolution")
        self.assertEqual(len(resolution), 1)
        self.assertEqual(resolution.pause_reason, "quote")
        self.assertEqual(quoted.priority, "1")
        approved = self.env.ref("rma_warranty.demo_rma_approved")
        self.assertEqual(approved.priority, "2")
        self.assertEqual(
            approved.sla_step_ids.filtered(
                lambda s: s.step == "resolution"
            ).pause_reason,
            "unit",
        )
