# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14 (P9): the complaint and dispute register: numbering, the response
deadline on the service calendar (weekend, holiday), the owner and its activity,
the decision fields refused over RPC, companies, the backend form and the RMA's
button; and the RMA closed as solved without a return."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import RmaCommon

# Friday 27 November 2026, 10:00 UTC.
FRIDAY = datetime(2026, 11, 27, 10, 0)
SATURDAY = datetime(2026, 11, 28, 11, 0)


class ComplaintCommon(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Monday to Friday, 8-12 and 13-17, in UTC: the default 40 hours.
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Complaint Test Calendar", "tz": "UTC"}
        )
        cls.company.rma_resource_calendar_id = cls.calendar
        cls.company.rma_complaint_response_days = 2
        cls.rma_user.tz = "UTC"
        cls.company.rma_complaint_user_id = cls.rma_user

    def _complaint(self, user=None, **vals):
        env = self.env(user=user) if user else self.env
        return env["rma.complaint"].create(
            dict(
                {
                    "partner_id": self.end_user.id,
                    "description": "Nobody answered my phone calls.",
                },
                **vals,
            )
        )

    def _holiday(self, day):
        return self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime.combine(day, datetime.min.time()),
                "date_to": datetime.combine(day, datetime.max.time()).replace(
                    microsecond=0
                ),
                "time_type": "leave",
            }
        )


@tagged("post_install", "-at_install")
class TestIssue14Complaint(ComplaintCommon):
    # ---- Deadline on the calendar ---------------------------------------------------

    def test_deadline_across_weekend(self):
        """Filed on Friday morning: Friday and Monday are its two working days."""
        with freeze_time(FRIDAY):
            complaint = self._complaint()
        self.assertEqual(complaint.date_deadline, datetime(2026, 11, 30, 17, 0))
        with freeze_time(SATURDAY):
            complaint = self._complaint()
        self.assertEqual(complaint.date_deadline, datetime(2026, 12, 1, 17, 0))

    def test_deadline_across_holiday(self):
        """The Monday is a public holiday of the calendar: Tuesday instead."""
        self._holiday(date(2026, 11, 30))
        with freeze_time(FRIDAY):
            complaint = self._complaint()
        self.assertEqual(complaint.date_deadline, datetime(2026, 12, 1, 17, 0))

    def test_end_of_day_equals_plan_days(self):
        """The end of the day is where plan_days would end the next day's count
        started at the day's last period: the same calendar, the same hours."""
        Complaint = self.env["rma.complaint"]
        noon = datetime(2026, 11, 30, 12, 0)
        end = Complaint._rma_end_of_working_day(self.calendar, noon)
        self.assertEqual(end, datetime(2026, 11, 30, 17, 0))
        self.assertEqual(self.calendar.plan_days(1, datetime(2026, 11, 30, 13, 0)), end)
        # Already the end of the day: unchanged.
        self.assertEqual(Complaint._rma_end_of_working_day(self.calendar, end), end)

    def test_deadline_days_setting(self):
        self.company.rma_complaint_response_days = 4
        with freeze_time(FRIDAY):
            complaint = self._complaint()
        # Friday, Monday, Tuesday, Wednesday.
        self.assertEqual(complaint.date_deadline, datetime(2026, 12, 2, 17, 0))

    def test_calendar_is_chosen_by_one_method(self):
        other = self.env["resource.calendar"].create(
            {"name": "Seven Days", "tz": "UTC"}
        )
        other.attendance_ids = [
            Command.create(
                {
                    "name": "Saturday",
                    "dayofweek": "5",
                    "hour_from": 8,
                    "hour_to": 12,
                }
            )
        ]
        self.assertEqual(self.env["rma.complaint"]._rma_calendar(), self.calendar)
        self.company.rma_resource_calendar_id = other
        self.assertEqual(self.env["rma.complaint"]._rma_calendar(), other)
        with freeze_time(FRIDAY):
            complaint = self._complaint()
        # Friday (still working) then Saturday morning, the new calendar's hours.
        self.assertEqual(complaint.date_deadline, datetime(2026, 11, 28, 12, 0))

    def test_calendar_of_the_rmas_service_centre(self):
        """A complaint about an RMA counts its deadline on the calendar of that
        RMA's service centre; one without an RMA on the company's."""
        self.company.rma_resource_calendar_id = self.calendar
        saturday_centre = self.env["resource.calendar"].create(
            {"name": "Saturday Centre", "tz": "UTC"}
        )
        saturday_centre.attendance_ids = [
            Command.create(
                {"name": "Sat", "dayofweek": "5", "hour_from": 8, "hour_to": 12}
            )
        ]
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.warehouse_id.rma_resource_calendar_id = saturday_centre
        self.assertEqual(self.env["rma.complaint"]._rma_calendar(rma), saturday_centre)
        with freeze_time(FRIDAY):
            with_rma, without = self.env["rma.complaint"].create(
                [
                    {
                        "partner_id": self.end_user.id,
                        "description": "a",
                        "rma_id": rma.id,
                    },
                    {"partner_id": self.end_user.id, "description": "b"},
                ]
            )
        self.assertEqual(with_rma.date_deadline, datetime(2026, 11, 28, 12, 0))
        self.assertEqual(without.date_deadline, datetime(2026, 11, 30, 17, 0))

    def test_owner_and_activity_due_on_deadline(self):
        with freeze_time(FRIDAY):
            complaint = self._complaint()
        self.assertEqual(complaint.user_id, self.rma_user)
        activity = complaint.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.rma_user)
        self.assertEqual(activity.date_deadline, date(2026, 11, 30))
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("rma_warranty.mail_activity_type_rma_complaint"),
        )
        # The first answer closes the activity.
        complaint.with_user(self.rma_user).action_start()
        self.assertFalse(complaint.activity_ids)
        self.assertEqual(complaint.state, "in_progress")

    def test_owner_is_the_rmas_responsible(self):
        rma = self._new_rma(
            self.end_user,
            [(self.product_untracked, None, 1.0)],
            user_id=self.rma_manager.id,
        )
        complaint = self._complaint(rma_id=rma.id)
        self.assertEqual(complaint.user_id, self.rma_manager)
        self.assertEqual(rma.complaint_count, 1)

    def test_batch_creation(self):
        with freeze_time(FRIDAY):
            complaints = self.env["rma.complaint"].create(
                [
                    {"partner_id": self.end_user.id, "description": f"Text {i}"}
                    for i in range(3)
                ]
            )
        self.assertEqual(len(set(complaints.mapped("name"))), 3)
        self.assertEqual(len(complaints.activity_ids), 3)
        self.assertEqual(
            set(complaints.mapped("date_deadline")), {datetime(2026, 11, 30, 17, 0)}
        )

    def test_mails_received_and_answered(self):
        with freeze_time(FRIDAY):
            complaint = self._complaint(user=self.rma_user)
        received = complaint.message_ids.filtered(
            lambda m: "we received your complaint" in (m.subject or "")
        )
        self.assertEqual(len(received), 1)
        self.assertIn(self.end_user, received.partner_ids)
        self.assertIn("11/30/2026", received.body)
        complaint = complaint.with_user(self.rma_user)
        complaint.resolution = "A voucher of 20 EUR."
        complaint.action_resolve()
        answered = complaint.message_ids.filtered(
            lambda m: "our answer to your complaint" in (m.subject or "")
        )
        self.assertEqual(len(answered), 1)
        self.assertIn("A voucher of 20 EUR.", answered.body)
        self.assertIn("resolved as agreed", answered.body)

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {
                "rma_complaint_response_days": 3,
                "rma_complaint_user_id": self.rma_manager.id,
                "rma_complaint_alias_name": "grievances",
            }
        )
        settings.execute()
        self.assertEqual(self.company.rma_complaint_response_days, 3)
        self.assertEqual(self.company.rma_complaint_user_id, self.rma_manager)
        self.assertEqual(self.company.rma_complaint_alias_id.alias_name, "grievances")
        with freeze_time(FRIDAY):
            complaint = self._complaint()
        self.assertEqual(complaint.user_id, self.rma_manager)
        self.assertEqual(complaint.date_deadline, datetime(2026, 12, 1, 17, 0))

    # ---- Numbering and companies ----------------------------------------------------

    def test_sequence_per_company(self):
        first = self._complaint()
        second = self._complaint()
        self.assertTrue(first.name.startswith("CMP/"))
        prefix, number = second.name.rsplit("/", 1)
        self.assertEqual(first.name, f"{prefix}/{int(number) - 1:05d}")
        company_b = self.env["res.company"].create({"name": "Complaint Company B"})
        other = self.env["rma.complaint"].create(
            {
                "partner_id": self.end_user.id,
                "description": "x",
                "company_id": company_b.id,
            }
        )
        self.assertTrue(other.name.endswith("/00001"))
        self.assertTrue(company_b.rma_complaint_alias_id)

    def test_multi_company_rule(self):
        company_b = self.env["res.company"].create({"name": "Complaint Company B"})
        other = self.env["rma.complaint"].create(
            {
                "partner_id": self.end_user.id,
                "description": "x",
                "company_id": company_b.id,
            }
        )
        own = self._complaint()
        Complaint = self.env["rma.complaint"].with_user(self.rma_user)
        found = Complaint.search([("id", "in", (own | other).ids)])
        self.assertEqual(found, own)
        with self.assertRaises(AccessError):
            other.with_user(self.rma_user).read(["name"])

    # ---- Decisions only through their actions ----------------------------------------

    def test_decision_fields_refused_over_rpc(self):
        complaint = self._complaint(user=self.rma_user)
        for vals in (
            {"state": "closed"},
            {"name": "CMP/FAKE"},
            {"date_deadline": "2030-01-01 00:00:00"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                complaint.with_user(self.rma_user).write(vals)
        with self.assertRaises(AccessError):
            self._complaint(user=self.rma_user, state="resolved")
        with self.assertRaises(AccessError):
            self.env["rma.complaint"].with_user(self.rma_user).with_context(
                default_state="closed"
            ).create({"partner_id": self.end_user.id, "description": "x"}).write(
                {"state": "closed"}
            )
        self.assertEqual(complaint.state, "new")

    def test_actions_and_their_guards(self):
        complaint = self._complaint(user=self.rma_user).with_user(self.rma_user)
        with self.assertRaises(UserError):
            complaint.action_resolve()  # no resolution agreed yet
        with self.assertRaises(UserError):
            complaint.action_close()  # not resolved
        complaint.resolution = "A voucher of 20 EUR."
        complaint.action_resolve()
        self.assertEqual(complaint.state, "resolved")
        self.assertTrue(complaint.date_resolved)
        with self.assertRaises(UserError):
            complaint.action_resolve()  # double click
        complaint.action_close()
        self.assertEqual(complaint.state, "closed")
        complaint.action_reopen()
        self.assertEqual(complaint.state, "in_progress")
        complaint.action_refuse()
        self.assertEqual(complaint.state, "refused")

    def test_unit_must_belong_to_the_rma(self):
        lots = self._create_lots(self.product, ["SN-CMP-1", "SN-CMP-2"])
        rma_1 = self._new_rma(self.end_user, [(self.product, lots[0], 1.0)])
        rma_2 = self._new_rma(self.end_user, [(self.product, lots[1], 1.0)])
        complaint = self._complaint(rma_id=rma_1.id, line_id=rma_1.line_ids.id)
        self.assertEqual(complaint.lot_id, lots[0])
        with self.assertRaises(UserError):
            self._complaint(rma_id=rma_1.id, line_id=rma_2.line_ids.id)

    # ---- Backend --------------------------------------------------------------------

    def test_backend_form(self):
        form = Form(self.env["rma.complaint"].with_user(self.rma_user))
        form.partner_id = self.end_user
        form.complaint_type = "quality"
        form.description = "The second unit failed too."
        complaint = form.save()
        self.assertEqual(complaint.state, "new")
        self.assertEqual(complaint.channel, "backend")
        self.assertEqual(complaint.user_id, self.rma_user)
        self.assertTrue(complaint.name.startswith("CMP/"))

    def test_rma_button_files_a_complaint(self):
        rma = self._new_rma(
            self.end_user, [(self.product_untracked, None, 1.0)], user=self.rma_user
        )
        rma.action_submit()
        action = rma.action_new_complaint()
        self.assertEqual(action["res_model"], "rma.complaint")
        form = Form(
            self.env["rma.complaint"]
            .with_user(self.rma_user)
            .with_context(**action["context"])
        )
        self.assertEqual(form.partner_id, self.end_user)
        form.description = "The courier was rude."
        complaint = form.save()
        self.assertEqual(complaint.rma_id, rma)
        self.assertEqual(rma.complaint_count, 1)
        view = rma.action_view_complaints()
        self.assertEqual(view["res_id"], complaint.id)


@tagged("post_install", "-at_install")
class TestIssue14SolvedWithoutReturn(ComplaintCommon):
    """A request solved remotely is its own outcome, with its own email."""

    def _solve(self, rma, solution="A firmware update fixed it.", user=None):
        wizard_model = self.env["rma.order.solve"].with_user(user or self.rma_user)
        action = rma.with_user(user or self.rma_user).action_solve_remotely()
        form = Form(wizard_model.with_context(**action["context"]))
        form.solution = solution
        return form.save().action_solve()

    def _subjects(self, rma):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.mapped("subject")

    def test_solved_mail_not_rejection(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        self._solve(rma)
        self.assertEqual(rma.state, "solved")
        self.assertEqual(rma.remote_solution, "A firmware update fixed it.")
        subjects = [s or "" for s in self._subjects(rma)]
        self.assertTrue(
            any("solved, no return needed" in s for s in subjects), subjects
        )
        self.assertFalse(any("not accepted" in s for s in subjects), subjects)
        bodies = "".join(rma.message_ids.mapped("body"))
        self.assertIn("A firmware update fixed it.", bodies)
        self.assertNotIn("we cannot accept your return request", bodies)
        self.assertFalse(rma.reject_reason)

    def test_approved_request_solved_cancels_its_receipt(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        rma.action_approve()
        self.assertTrue(rma.picking_ids)
        self._solve(rma)
        self.assertEqual(rma.state, "solved")
        self.assertEqual(set(rma.picking_ids.mapped("state")), {"cancel"})

    def test_guards(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        with self.assertRaises(UserError):
            rma._solve_remotely("  ")
        self._solve(rma)
        with self.assertRaises(UserError):
            self._solve(rma)  # already solved: a double click solves once
        solved_messages = [
            s for s in self._subjects(rma) if s and "no return needed" in s
        ]
        self.assertEqual(len(solved_messages), 1)
        with self.assertRaises(AccessError):
            rma.with_user(self.rma_user).write({"state": "submitted"})

    def test_received_units_are_not_solved_remotely(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        with self.assertRaises(UserError):
            self._solve(rma)

    def test_portal_label_and_next_step(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        self._solve(rma, "Reset the router.")
        row = rma._portal_list_rows()[0]
        self.assertEqual(row["state"], "Solved Without Return")
        self.assertIn("Reset the router.", rma._portal_next_step())
        self.assertNotIn("not accepted", rma._portal_next_step())
        timeline = rma._portal_timeline()
        self.assertEqual(timeline[-1]["label"], "Solved Without Return")
        self.assertTrue(timeline[-1]["current"])
        # A closed state: not among the open RMAs of the portal filter.
        Rma = self.env["rma.order"]
        open_domain = Rma._get_portal_filters()["open"]["domain"]
        self.assertFalse(Rma.search([("id", "=", rma.id), *open_domain]))

    def test_manager_group_not_needed_but_user_group_is(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        outsider = new_test_user(self.env, "cmp_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self._solve(rma, user=outsider)
        self.assertEqual(rma.state, "submitted")


@tagged("post_install", "-at_install")
class TestIssue14ComplaintBackendTour(ComplaintCommon, HttpCase):
    """In the backend, through the real forms and buttons."""

    def test_solve_then_file_complaint(self):
        user = new_test_user(
            self.env, "cmp_backend_tour", groups="rma_warranty.group_rma_user"
        )
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        rma.action_submit()
        self.start_tour(
            f"/odoo/action-rma_warranty.rma_order_action/{rma.id}",
            "rma_complaint_backend_tour",
            login=user.login,
        )
        self.assertEqual(rma.state, "solved")
        self.assertEqual(rma.remote_solution, "A firmware update fixed the boot loop.")
        complaint = rma.complaint_ids
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, self.end_user)
        self.assertEqual(complaint.state, "in_progress")
        self.assertIn("two weeks", complaint.description)
