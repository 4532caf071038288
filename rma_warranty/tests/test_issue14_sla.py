# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, service levels (P8): deadlines from the service centre's calendar,
met or missed at the transitions, expected dates with the regional transit time,
the overdue flag and its cron."""

from datetime import datetime
from unittest import SkipTest

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools import file_path

from .common import RmaCommon


class SlaCommon(RmaCommon):
    """A service centre working Monday to Friday 8-12 and 13-17 (UTC), with a
    public holiday on Monday 15 March 2027."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._sla_calendar("SLA Test Centre Hours")
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "resource_id": False,
                "date_from": datetime(2027, 3, 15, 0, 0),
                "date_to": datetime(2027, 3, 15, 23, 59, 59),
            }
        )
        cls.warehouse.rma_resource_calendar_id = cls.calendar
        cls.policy = cls.env["rma.warranty.policy"].create(
            {"name": "SLA Test Policy", "warranty_months": 24}
        )
        cls.product.warranty_policy_id = cls.policy
        cls.product_untracked.warranty_policy_id = cls.policy
        cls.end_user.write(
            {
                "country_id": cls.env.ref("base.be").id,
                "zip": "1000",
                "tz": "UTC",
            }
        )

    @classmethod
    def _sla_calendar(cls, name):
        return cls.env["resource.calendar"].create(
            {
                "name": name,
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

    def _submitted(self, resolution=None, qty=1.0, **vals):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product_untracked.id,
                    "quantity": qty,
                    "resolution": resolution,
                }
            ],
            **vals,
        )
        rma.action_submit()
        return rma

    def _step(self, rma, key):
        steps = rma.sla_step_ids.filtered(lambda s: s.step == key)
        self.assertEqual(len(steps), 1, f"one {key} step")
        return steps


@tagged("post_install", "-at_install")
class TestIssue14SlaDeadlines(SlaCommon):
    """Deadlines in working time: weekends, public holidays, the last hour."""

    def test_warehouse_calendar_and_company_fallback(self):
        self.assertEqual(self.warehouse._get_rma_calendar(), self.calendar)
        other = self.env["stock.warehouse"].create(
            {"name": "SLA Fallback Centre", "code": "SLAF"}
        )
        self.assertEqual(other._get_rma_calendar(), self.company._get_rma_calendar())
        self.assertTrue(other._get_rma_calendar())

    def test_deadlines_across_a_weekend(self):
        with freeze_time("2027-03-05 16:30:00"):  # Friday, 30 min before closing
            rma = self._submitted()
        response, review = self._step(rma, "response"), self._step(rma, "review")
        # 2 working hours: 30 minutes on Friday, 90 on Monday.
        self.assertEqual(response.date_deadline, datetime(2027, 3, 8, 9, 30))
        # 1 working day (8 hours): Monday at the same hour.
        self.assertEqual(review.date_deadline, datetime(2027, 3, 8, 16, 30))
        self.assertEqual(response.date_start, datetime(2027, 3, 5, 16, 30))
        self.assertEqual((response | review).mapped("status"), ["running", "running"])
        self.assertEqual(response.warehouse_id, self.warehouse)
        self.assertEqual(response.user_id, rma.user_id)
        self.assertEqual(rma.sla_deadline, response.date_deadline)

    def test_deadlines_across_a_public_holiday(self):
        with freeze_time("2027-03-12 16:30:00"):  # Friday before the holiday Monday
            rma = self._submitted()
        self.assertEqual(
            self._step(rma, "response").date_deadline, datetime(2027, 3, 16, 9, 30)
        )
        self.assertEqual(
            self._step(rma, "review").date_deadline, datetime(2027, 3, 16, 16, 30)
        )

    def test_deadline_on_the_last_working_hour(self):
        with freeze_time("2027-03-03 15:00:00"):  # Wednesday, two hours left
            rma = self._submitted()
        # Due at closing time the same day, not the next morning.
        self.assertEqual(
            self._step(rma, "response").date_deadline, datetime(2027, 3, 3, 17, 0)
        )
        with freeze_time("2027-03-03 17:00:00"):  # closing time: the next day
            late = self._submitted()
        self.assertEqual(
            self._step(late, "response").date_deadline, datetime(2027, 3, 4, 10, 0)
        )
        with freeze_time("2027-03-06 11:00:00"):  # Saturday: from Monday morning
            weekend = self._submitted()
        self.assertEqual(
            self._step(weekend, "review").date_deadline, datetime(2027, 3, 8, 17, 0)
        )

    def test_targets_come_from_the_policy(self):
        self.policy.write({"sla_response_hours": 4, "sla_review_days": 2})
        with freeze_time("2027-03-01 09:00:00"):  # Monday
            rma = self._submitted()
        self.assertEqual(
            self._step(rma, "response").date_deadline, datetime(2027, 3, 1, 14, 0)
        )
        self.assertEqual(
            self._step(rma, "review").date_deadline, datetime(2027, 3, 3, 9, 0)
        )
        # A target of 0: no step.
        self.policy.sla_response_hours = 0
        with freeze_time("2027-03-01 09:00:00"):
            other = self._submitted()
        self.assertEqual(other.sla_step_ids.mapped("step"), ["review"])


@tagged("post_install", "-at_install")
class TestIssue14SlaSteps(SlaCommon):
    """Each step is met or missed when its transition happens."""

    def test_review_met_and_missed(self):
        with freeze_time("2027-03-01 09:00:00"):
            quick, slow, refused = (self._submitted() for __ in range(3))
        with freeze_time("2027-03-01 10:00:00"):
            quick.action_approve()
        with freeze_time("2027-03-04 10:00:00"):
            slow.action_approve()
            self.env["rma.order.reject"].create(
                {"order_ids": [Command.set(refused.ids)], "reason": "Not ours."}
            ).action_reject()
        for step in quick.sla_step_ids:
            self.assertEqual((step.status, step.hit), ("met", 1), step.step)
            self.assertEqual(step.date_done, datetime(2027, 3, 1, 10, 0))
        for step in (slow | refused).sla_step_ids:
            self.assertEqual((step.status, step.hit), ("missed", 0), step.step)
        self.assertFalse(quick.sla_deadline)
        # Approving again (refused) closes nothing twice.
        self.assertEqual(len(quick.sla_step_ids), 2)

    def test_staff_reply_is_the_first_response(self):
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted()
        with freeze_time("2027-03-01 09:30:00"):
            # An internal note or a customer's message is no response.
            rma.with_user(self.rma_user).message_post(
                body="Checked the logs.",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            rma.message_post(
                body="Any news?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.end_user.id,
            )
            self.assertEqual(self._step(rma, "response").status, "running")
            rma.with_user(self.rma_user).message_post(
                body="We are looking into it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        response = self._step(rma, "response")
        self.assertEqual((response.status, response.hit), ("met", 1))
        self.assertEqual(response.date_done, datetime(2027, 3, 1, 9, 30))
        self.assertEqual(self._step(rma, "review").status, "running")

    def _swap_rma(self):
        self._put_in_stock(self.product_untracked, qty=10)
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted(resolution="replace")
            rma.action_approve()
        return rma

    def test_swap_met(self):
        rma = self._swap_rma()
        self.assertFalse(rma.sla_step_ids.filtered(lambda s: s.step == "swap"))
        with freeze_time("2027-03-05 15:00:00"):  # Friday
            self._receive(rma)
        swap = self._step(rma, "swap")
        self.assertEqual(swap.line_id, rma.line_ids)
        # 3 working days: Friday 15:00 -> Wednesday 15:00.
        self.assertEqual(swap.date_deadline, datetime(2027, 3, 10, 15, 0))
        self.assertEqual(swap.status, "running")
        with freeze_time("2027-03-09 11:00:00"):
            rma.action_process()
            self._validate(rma.picking_ids.filtered(lambda p: p.state != "done"))
        self.assertEqual(rma.state, "done")
        self.assertEqual((swap.status, swap.hit), ("met", 1))

    def test_swap_missed(self):
        rma = self._swap_rma()
        with freeze_time("2027-03-05 15:00:00"):
            self._receive(rma)
        swap = self._step(rma, "swap")
        with freeze_time("2027-03-12 11:00:00"):
            rma.action_process()
            self._validate(rma.picking_ids.filtered(lambda p: p.state != "done"))
        self.assertEqual((swap.status, swap.hit), ("missed", 0))

    def test_partial_receipt_starts_the_swap_when_complete(self):
        self._put_in_stock(self.product_untracked, qty=10)
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted(resolution="replace", qty=2.0)
            rma.action_approve()
        with freeze_time("2027-03-01 10:00:00"):
            self._receive(rma, {rma.line_ids: 1.0})
        self.assertFalse(rma.sla_step_ids.filtered(lambda s: s.step == "swap"))
        with freeze_time("2027-03-02 10:00:00"):
            self._receive(rma)
        swap = self._step(rma, "swap")
        self.assertEqual(swap.date_start, datetime(2027, 3, 2, 10, 0))

    def test_cancel_drops_running_steps(self):
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted()
        rma.action_cancel()
        self.assertFalse(rma.sla_step_ids)

    def test_decision_fields_refused_over_rpc(self):
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted()
        step = self._step(rma, "review").with_user(self.rma_manager)
        for vals in (
            {"status": "met"},
            {"hit": 1},
            {"date_deadline": "2030-01-01 00:00:00"},
            {"date_done": "2027-03-01 10:00:00"},
            {"overdue_notified": True},
        ):
            with self.assertRaises(AccessError):
                step.write(vals)
        with self.assertRaises(AccessError):
            step.env["rma.sla.step"].create(
                {
                    "order_id": rma.id,
                    "step": "review",
                    "date_start": "2027-03-01 09:00:00",
                    "date_deadline": "2027-03-02 09:00:00",
                    "status": "met",
                }
            )
        with self.assertRaises(AccessError):
            self._step(rma, "review").with_user(self.rma_user).write(
                {"user_id": self.rma_user.id}
            )
        # The manager may hand the step to someone else.
        step.user_id = self.rma_user
        self.assertEqual(step.user_id, self.rma_user)
        self.assertEqual(step.status, "running")
        # An RMA user reads the steps (SLA report).
        self.assertTrue(
            self.env["rma.sla.step"].with_user(self.rma_user).search_count([]) >= 2
        )

    def test_other_company_steps_are_hidden(self):
        company_b = self.env["res.company"].create({"name": "SLA Company B"})
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        partner_b = self.env["res.partner"].create(
            {"name": "SLA B Customer", "company_id": company_b.id}
        )
        rma_b = (
            self.env["rma.order"]
            .with_company(company_b)
            .create(
                {
                    "company_id": company_b.id,
                    "partner_id": partner_b.id,
                    "warehouse_id": warehouse_b.id,
                    "user_id": False,
                    "line_ids": [
                        Command.create(
                            {"product_id": self.product_untracked.id, "quantity": 1}
                        )
                    ],
                }
            )
        )
        rma_b.action_submit()
        self.assertEqual(rma_b.sla_step_ids.company_id, company_b)
        self.assertEqual(rma_b.sla_step_ids.warehouse_id, warehouse_b)
        visible = (
            self.env["rma.sla.step"]
            .with_user(self.rma_user)
            .search([("order_id", "=", rma_b.id)])
        )
        self.assertFalse(visible)


@tagged("post_install", "-at_install")
class TestIssue14SlaOverdue(SlaCommon):
    """The overdue flag, its filters and the cron's one activity per late step."""

    def _late_rma(self):
        with freeze_time("2027-03-01 09:00:00"):
            return self._submitted()

    def test_overdue_flag_and_filters(self):
        rma = self._late_rma()
        with freeze_time("2027-03-01 10:00:00"):
            on_time = self._submitted()
        with freeze_time("2027-03-01 12:00:00"):
            # The first response was due at 11:00, the second is due at 12:00.
            self.assertTrue(rma.sla_is_late)
            self.assertEqual(self._step(rma, "response").is_late, True)
            self.assertFalse(self._step(rma, "review").is_late)
            late = self.env["rma.order"].search(
                [("sla_is_late", "=", True), ("id", "in", (rma | on_time).ids)]
            )
            self.assertEqual(late, rma)
            not_late = self.env["rma.order"].search(
                [("sla_is_late", "=", False), ("id", "in", (rma | on_time).ids)]
            )
            self.assertEqual(not_late, on_time)
            steps = self.env["rma.sla.step"].search(
                [("is_late", "=", True), ("order_id", "in", (rma | on_time).ids)]
            )
            self.assertEqual(steps, self._step(rma, "response"))

    def test_cron_once_per_late_step(self):
        rma = self._late_rma()
        with freeze_time("2027-03-01 09:00:00"):
            unassigned = self._submitted(user_id=False)
        Step = self.env["rma.sla.step"]
        with freeze_time("2027-03-03 09:00:00"):  # both steps are late
            done = Step._cron_rma_sla_overdue()
            # Nobody responsible: the activity still has someone to act.
            self.assertEqual(
                unassigned.sla_step_ids.activity_id.user_id,
                self.env.ref("base.user_admin"),
            )
            self.assertEqual(done & rma.sla_step_ids, rma.sla_step_ids)
            activities = rma.sla_step_ids.activity_id
            self.assertEqual(len(activities), 2)
            self.assertEqual(activities.user_id, rma.user_id)
            self.assertEqual(set(activities.mapped("res_id")), {rma.id})
            self.assertEqual(
                activities.activity_type_id,
                self.env.ref("rma_warranty.mail_activity_type_rma_sla_overdue"),
            )
            # Twice: nothing more; nor after the activity was deleted.
            self.assertFalse(Step._cron_rma_sla_overdue() & rma.sla_step_ids)
            activity_type = activities.activity_type_id
            activities[:1].unlink()
            self.assertFalse(Step._cron_rma_sla_overdue() & rma.sla_step_ids)
            self.assertEqual(
                len(
                    rma.activity_ids.filtered(
                        lambda a: a.activity_type_id == activity_type
                    )
                ),
                1,
            )
            # The step done closes its reminder.
            rma.action_approve()
        self.assertFalse(rma.activity_ids)
        self.assertEqual(rma.sla_step_ids.mapped("status"), ["missed", "missed"])


@tagged("post_install", "-at_install")
class TestIssue14SlaTransit(SlaCommon):
    """Regional transit: the most specific rule, added to the expected date."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.be = cls.env.ref("base.be")
        cls.state = cls.env["res.country.state"].create(
            {"name": "SLA Test Province", "code": "SLATP", "country_id": cls.be.id}
        )
        Rule = cls.env["rma.transit.rule"]
        cls.rule_country = Rule.create(
            {"name": "Outside", "country_id": cls.be.id, "days_min": 10, "days_max": 15}
        )
        cls.rule_state = Rule.create(
            {
                "name": "In province",
                "country_id": cls.be.id,
                "state_ids": [Command.set(cls.state.ids)],
                "days_min": 7,
                "days_max": 8,
                "sequence": 20,
            }
        )
        cls.rule_zip = Rule.create(
            {
                "name": "Capital",
                "country_id": cls.be.id,
                "state_ids": [Command.set(cls.state.ids)],
                "zip_prefix": "10",
                "days_min": 2,
                "days_max": 3,
                "sequence": 30,
            }
        )

    def test_most_specific_rule(self):
        Partner = self.env["res.partner"]
        out, inside, capital, abroad = Partner.create(
            [
                {"name": "Out", "country_id": self.be.id, "zip": "9000"},
                {
                    "name": "In",
                    "country_id": self.be.id,
                    "state_id": self.state.id,
                    "zip": "4000",
                },
                {
                    "name": "Cap",
                    "country_id": self.be.id,
                    "state_id": self.state.id,
                    "zip": "1050",
                },
                {"name": "Abroad", "country_id": self.env.ref("base.fr").id},
            ]
        )
        found = self.env["rma.transit.rule"]._find_for_partner(
            out | inside | capital | abroad, self.warehouse
        )
        self.assertEqual(found[out], self.rule_country)
        self.assertEqual(found[inside], self.rule_state)
        self.assertEqual(found[capital], self.rule_zip)
        self.assertNotIn(abroad, found)
        # A rule of the service centre itself wins over the company-wide one.
        own = self.env["rma.transit.rule"].create(
            {
                "name": "From this centre",
                "country_id": self.be.id,
                "warehouse_id": self.warehouse.id,
                "days_min": 4,
                "days_max": 5,
            }
        )
        found = self.env["rma.transit.rule"]._find_for_partner(out, self.warehouse)
        self.assertEqual(found[out], own)

    def test_expected_date_adds_the_transit_time(self):
        self.end_user.write({"state_id": self.state.id, "zip": "4000"})
        self._put_in_stock(self.product_untracked, qty=5)
        with freeze_time("2027-03-01 09:00:00"):
            rma = self._submitted(resolution="replace")
            self.assertFalse(rma.date_expected)
            rma.action_approve()
            self._receive(rma)
            # Swap due Thursday 4 March 09:00, plus 8 days of transit at most.
            self.assertEqual(
                self._step(rma, "swap").date_deadline, datetime(2027, 3, 4, 9, 0)
            )
            rma.invalidate_recordset(["date_expected"])
            self.assertEqual(rma.date_expected, fields.Date.to_date("2027-03-12"))
            self.assertEqual((rma.transit_days_min, rma.transit_days_max), (7, 8))
            label = rma.with_context(lang="en_US")._rma_expected_label()
            self.assertIn("7-8 days", label)
            self.assertIn("03/12/2027", label)
            self.assertTrue(
                any("03/12/2027" in s for s in rma._rma_sla_customer_sentences())
            )


@tagged("post_install", "-at_install")
class TestIssue14SlaPerformance(SlaCommon):
    """Opening the steps of many RMAs at once: the same queries for 5 as for 50."""

    def _drafts(self, count):
        return self.env["rma.order"].create(
            [
                {
                    "partner_id": self.end_user.id,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {"product_id": self.product_untracked.id, "quantity": 1}
                        )
                    ],
                }
                for __ in range(count)
            ]
        )

    def _count_queries(self, orders):
        self.env.flush_all()
        self.env.invalidate_all()
        orders = orders.browse(orders.ids)
        start = self.env.cr.sql_log_count
        with freeze_time("2027-03-01 09:00:00"):
            orders._rma_sla_start(("response", "review"))
            self.env.flush_all()
        return self.env.cr.sql_log_count - start

    def test_open_steps_query_count_constant(self):
        few, many = self._drafts(5), self._drafts(50)
        self._count_queries(self._drafts(1))  # warm the caches of the calendar
        queries_few = self._count_queries(few)
        queries_many = self._count_queries(many)
        self.assertEqual(len(many.sla_step_ids), 100)
        self.assertEqual(queries_many, queries_few)
        self.assertLess(queries_few, 40)

    def test_close_steps_query_count_constant(self):
        counts = []
        for count in (5, 50):
            orders = self._drafts(count)
            self._count_queries(orders)
            self.env.flush_all()
            self.env.invalidate_all()
            orders = orders.browse(orders.ids)
            start = self.env.cr.sql_log_count
            with freeze_time("2027-03-01 10:00:00"):
                orders._rma_sla_stop(("response", "review"))
                self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
            self.assertEqual(set(orders.sla_step_ids.mapped("status")), {"met"})
        self.assertEqual(counts[0], counts[1])


@tagged("post_install", "-at_install")
class TestIssue14SlaMail(SlaCommon):
    """The request and receipt mails tell the customer the expected dates. The
    templates are read from the data file (they are noupdate: a database updated
    from an older version keeps its own)."""

    def _template_from_file(self, xmlid):
        path = file_path("rma_warranty/data/mail_template_data.xml")
        record = etree.parse(path).find(f".//record[@id='{xmlid}']")
        body = record.find("field[@name='body_html']")
        html = (body.text or "") + "".join(
            etree.tostring(child, encoding="unicode") for child in body
        )
        return self.env["mail.template"].create(
            {
                "name": f"SLA test {xmlid}",
                "model_id": self.env["ir.model"]._get_id("rma.order"),
                "body_html": html,
            }
        )

    def test_submitted_and_received_mails_show_the_dates(self):
        self._put_in_stock(self.product_untracked, qty=5)
        self.env["rma.transit.rule"].create(
            {
                "name": "Belgium",
                "country_id": self.env.ref("base.be").id,
                "days_min": 10,
                "days_max": 15,
            }
        )
        submitted = self._template_from_file("mail_template_rma_submitted")
        received = self._template_from_file("mail_template_rma_received")
        with freeze_time("2027-03-05 16:30:00"):
            rma = self._submitted(resolution="replace")
        body = submitted.with_context(lang="en_US", tz="UTC")._render_field(
            "body_html", rma.ids
        )[rma.id]
        self.assertIn("We will review your request by Mar 8, 2027", body)
        with freeze_time("2027-03-08 10:00:00"):
            rma.action_approve()
            self._receive(rma)
        body = received.with_context(lang="en_US", tz="UTC")._render_field(
            "body_html", rma.ids
        )[rma.id]
        self.assertNotIn("We will review", body)
        self.assertIn(
            "Expected back with you by 03/26/2027 (shipping 10-15 days)", body
        )


DEMO_STEPS = [
    f"rma_warranty.demo_rma_sla_{name}"
    for name in (
        "submitted_response",
        "submitted_review",
        "approved_response",
        "approved_review",
        "received_response",
        "received_review",
        "received_swap",
        "in_progress_review",
        "in_progress_swap",
        "done_replace_review",
        "done_replace_swap",
    )
]


@tagged("post_install", "-at_install")
class TestIssue14SlaDemo(TransactionCase):
    """The demo shows late and on-time RMAs, steps met, missed and running."""

    def test_demo_steps(self):
        rma = self.env.ref("rma_warranty.demo_rma_submitted", raise_if_not_found=False)
        if not rma or not rma.sla_step_ids:
            raise SkipTest("rma_warranty demo data is not installed")
        steps = self.env["rma.sla.step"].search(
            [("id", "in", [self.env.ref(xmlid).id for xmlid in DEMO_STEPS])]
        )
        self.assertEqual(len(steps), len(DEMO_STEPS))
        # One step of each kind per RMA or unit (the transitions' own are replaced).
        demo_orders = steps.order_id
        self.assertEqual(
            len(demo_orders.sla_step_ids),
            len({(s.order_id, s.line_id, s.step) for s in demo_orders.sla_step_ids}),
        )
        self.assertEqual(set(steps.mapped("status")), {"running", "met", "missed"})
        self.assertTrue(steps.filtered("is_late"))
        self.assertTrue(
            steps.filtered(lambda s: s.status == "running" and not s.is_late)
        )
        self.assertTrue(rma.sla_is_late)
        self.assertFalse(self.env.ref("rma_warranty.demo_rma_received").sla_is_late)
        warehouse = self.env.ref("stock.warehouse0")
        self.assertEqual(
            warehouse._get_rma_calendar(),
            self.env.ref("rma_warranty.demo_rma_sla_calendar"),
        )
        self.assertTrue(warehouse._get_rma_calendar().leave_ids)
        # The report reads the hit rate per step.
        groups = self.env["rma.sla.step"]._read_group(
            [("status", "!=", "running"), ("id", "in", steps.ids)],
            ["step"],
            ["hit:avg"],
        )
        self.assertEqual(dict(groups)["review"], 0.75)
