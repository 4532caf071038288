# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta
from math import ceil

from markupsafe import Markup
from pytz import utc

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

# Step key: (unit of the target, field of rma.warranty.policy holding it).
SLA_TARGETS = {
    "response": ("hours", "sla_response_hours"),
    "review": ("days", "sla_review_days"),
    "swap": ("days", "sla_swap_days"),
    "free_repair": ("days", "sla_repair_days"),
    "quote": ("days", "sla_quote_days"),
    "paid_repair": ("days", "sla_paid_repair_days"),
    # Issue 17: the whole request, submitted to closed, our time only.
    "resolution": ("days", "sla_resolution_days"),
}
# Steps that end with a unit shipped back: the expected return date follows them.
SLA_SHIPPING_STEPS = ("swap", "free_repair", "paid_repair")
# Late steps given an activity per cron run (the rest waits for the next run).
SLA_CRON_BATCH = 500


class RmaSlaStep(models.Model):
    """One service-level step of an RMA or of one of its units: when it started,
    by when it is due (working time of the service centre's calendar) and, once the
    transition that ends it happened, whether the target was met.

    Steps are opened and closed by the RMA's transitions only
    (``rma.order._rma_sla_start`` / ``_rma_sla_stop``); their dates and status are
    decisions nobody writes by hand.
    """

    _name = "rma.sla.step"
    _description = "RMA Service-Level Step"
    _inherit = ["rma.decision.mixin"]
    _order = "date_deadline, id"
    _check_company_auto = True
    _rma_decision_fields = frozenset(
        {
            "order_id",
            "line_id",
            "step",
            "date_start",
            "date_deadline",
            "date_done",
            "status",
            "hit",
            "overdue_notified",
            "activity_id",
        }
    )

    order_id = fields.Many2one(
        comodel_name="rma.order",
        string="RMA",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Unit",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    step = fields.Selection(
        selection=[
            ("response", "First Response"),
            ("review", "Review"),
            ("swap", "Swap Shipped"),
            ("free_repair", "Free Repair Shipped"),
            ("quote", "Quote Sent"),
            ("paid_repair", "Paid Repair Shipped"),
            ("resolution", "Resolved"),
        ],
        required=True,
        readonly=True,
    )
    warehouse_id = fields.Many2one(
        related="order_id.warehouse_id", store=True, index=True, string="Service Centre"
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        domain="[('share', '=', False)]",
        help="Who gets the activity when the step is late.",
    )
    date_start = fields.Datetime(string="Started", required=True, readonly=True)
    date_deadline = fields.Datetime(
        string="Deadline", required=True, readonly=True, index=True
    )
    date_done = fields.Datetime(string="Done", readonly=True)
    status = fields.Selection(
        selection=[("running", "Running"), ("met", "Met"), ("missed", "Missed")],
        default="running",
        required=True,
        readonly=True,
        index=True,
    )
    hit = fields.Integer(
        string="Hit Rate",
        readonly=True,
        aggregator="avg",
        help="1 for a step done by its deadline, 0 otherwise: its average over "
        "closed steps is the hit rate.",
    )
    is_late = fields.Boolean(
        compute="_compute_is_late",
        search="_search_is_late",
        help="Running and past its deadline.",
    )
    overdue_notified = fields.Boolean(
        readonly=True,
        help="The overdue cron gave this step its activity (once, even if the "
        "activity was deleted since).",
    )
    activity_id = fields.Many2one(
        comodel_name="mail.activity", readonly=True, ondelete="set null"
    )

    # ---- Compute --------------------------------------------------------------------

    @api.depends("status", "date_deadline", "date_paused")
    def _compute_is_late(self):
        now = fields.Datetime.now()
        for step in self:
            step.is_late = (
                step.status == "running"
                and not step.date_paused
                and step.date_deadline < now
            )

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        late = [
            ("status", "=", "running"),
            ("date_paused", "=", False),
            ("date_deadline", "<", fields.Datetime.now()),
        ]
        if (operator == "=") == bool(value):
            return late
        return ["!", "&", *late]

    def _compute_display_name(self):
        labels = dict(self._fields["step"]._description_selection(self.env))
        for step in self:
            step.display_name = self.env._(
                "%(rma)s: %(step)s", rma=step.order_id.name, step=labels[step.step]
            )

    # ---- CRUD -----------------------------------------------------------------------

    def _rma_decision_message(self, fname):
        return self.env._(
            "Service-level steps are opened and closed by the RMA's own actions "
            "(submit, approve, receipt, quote, shipping); only their responsible "
            "can be changed."
        )

    # ---- Business methods -----------------------------------------------------------

    def _rma_sla_close(self, now=None):
        """Close these running steps at ``now``: met when done by the deadline,
        missed otherwise; their open activity is marked done. Called by
        ``rma.order._rma_sla_stop`` (the transitions), never over RPC."""
        steps = self.filtered(lambda s: s.status == "running")
        if not steps:
            return steps
        now = now or fields.Datetime.now()
        # Issue 17: a clock paused until now counts that pause, then our time.
        steps._rma_sla_resume(now)
        steps._rma_sla_record_worked_hours(now)
        met = steps.filtered(lambda s: now <= s.date_deadline)
        missed = steps - met
        # sudo: the transition closing the steps was allowed to its user (checked
        # by the caller); the steps are its record, kept by the system.
        met.sudo().write({"status": "met", "hit": 1, "date_done": now})
        # sudo: as for the met steps above.
        missed.sudo().write({"status": "missed", "hit": 0, "date_done": now})
        activities_sudo = steps.sudo().activity_id  # sudo: see above
        if activities_sudo:
            activities_sudo.action_feedback(
                feedback=self.env._("The step was done; this reminder is closed.")
            )
        return steps

    @api.model
    def _rma_sla_targets(self):
        """``{step: (unit, policy field)}``: where each step finds its target
        (``hours`` or working ``days``). May be overridden to add steps."""
        return dict(SLA_TARGETS)

    @api.model
    def _rma_sla_compute_deadlines(self, requests):
        """``{(calendar, start, unit, amount): deadline}`` for ``requests``, an
        iterable of such keys: each distinct key is planned once on its calendar
        (public holidays, i.e. global leaves, count), so that a batch of RMAs
        opened at once costs a few plannings, not one per RMA. ``unit`` is
        ``hours`` or ``days`` (working days of ``calendar.hours_per_day`` hours, so
        that a day's target started at 15:00 ends at 15:00 of the working day
        after)."""
        deadlines = {}
        for key in set(requests):
            calendar, start, unit, amount = key
            hours = (
                amount if unit == "hours" else amount * (calendar.hours_per_day or 8)
            )
            deadline = calendar.plan_hours(hours, start, compute_leaves=True)
            deadlines[key] = deadline or start
        return deadlines

    @api.model
    def _cron_rma_sla_overdue(self, limit=SLA_CRON_BATCH):
        """Give each late running step one activity for its responsible.

        The late steps without one are selected ``FOR UPDATE SKIP LOCKED``: two
        runs at once (two workers, a manual run during the scheduled one) share the
        steps out instead of both taking them, and ``overdue_notified`` keeps a step
        from a second activity on a later run, even if its activity was deleted.
        Called by the scheduled action on the whole model; on a recordset, only
        those steps are considered.
        """
        self.flush_model(["status", "date_deadline", "overdue_notified", "date_paused"])
        only = SQL("AND id IN %s", tuple(self.ids)) if self else SQL()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM rma_sla_step
                    WHERE status = 'running' AND date_deadline < %s
                      AND date_paused IS NULL
                      AND overdue_notified IS NOT TRUE %s
                    ORDER BY date_deadline, id
                    LIMIT %s
                      FOR UPDATE SKIP LOCKED""",
                fields.Datetime.now(),
                only,
                limit,
            )
        )
        steps = self.browse(row[0] for row in self.env.cr.fetchall())
        if not steps:
            return steps
        activity_type = self.env.ref("rma_warranty.mail_activity_type_rma_sla_overdue")
        model_id = self.env["ir.model"]._get_id("rma.order")
        vals_list = [
            step._prepare_rma_sla_activity_vals(activity_type, model_id)
            for step in steps
        ]
        # Follow the RMAs first, once per responsible: mail.activity.create()
        # subscribes per activity and would insert one follower twice when an RMA
        # gets two activities for one user in the batch.
        orders_by_user = defaultdict(set)
        for vals in vals_list:
            if vals.get("user_id"):
                orders_by_user[vals["user_id"]].add(vals["res_id"])
        for user_id, order_ids in orders_by_user.items():
            self.env["rma.order"].browse(order_ids).message_subscribe(
                partner_ids=self.env["res.users"].browse(user_id).partner_id.ids
            )
        activities = self.env["mail.activity"].create(vals_list)
        for step, activity in zip(steps, activities, strict=True):
            step.activity_id = activity
        steps.write({"overdue_notified": True})
        return steps

    def _prepare_rma_sla_activity_vals(self, activity_type, model_id):
        """Values of the activity telling the responsible that this step is late.
        Called by ``_cron_rma_sla_overdue``; may be overridden."""
        self.ensure_one()
        order = self.order_id
        # Someone must act: the step's responsible, the RMA's, the activity type's
        # default user (Settings > Activity Types), else the administrator.
        user = (
            self.user_id
            or order.user_id
            or activity_type.default_user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        label = dict(self._fields["step"]._description_selection(self.env))[self.step]
        deadline = format_datetime(self.env, self.date_deadline)
        if self.line_id:
            note = self.env._(
                "%(step)s of %(unit)s (%(rma)s) was due on %(deadline)s.",
                step=label,
                unit=self.line_id.display_name,
                rma=order.name,
                deadline=deadline,
            )
        else:
            note = self.env._(
                "%(step)s of %(rma)s was due on %(deadline)s.",
                step=label,
                rma=order.name,
                deadline=deadline,
            )
        return {
            "activity_type_id": activity_type.id,
            "res_model_id": model_id,
            "res_id": order.id,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
            "summary": self.env._("Late: %(step)s", step=label),
            "note": Markup("<p>%s</p>") % note,
        }

    # ---- Priority and paused clocks (issue 17) ----
    _rma_decision_fields = _rma_decision_fields | {
        "target_hours",
        "paused_hours",
        "date_paused",
        "pause_reason",
        "worked_hours",
    }

    target_hours = fields.Float(
        string="Target (working hours)",
        readonly=True,
        help="Working time the step may take: the policy's target, shortened by "
        "the RMA's priority where the policy says so. The deadline is this much "
        "working time after the start, plus the paused time.",
    )
    paused_hours = fields.Float(
        string="Paused (working hours)",
        readonly=True,
        help="Working time during which the customer had the ball (a repair quote "
        "awaiting acceptance or payment, a unit awaited from them): not counted "
        "against us, the deadline moved by as much.",
    )
    date_paused = fields.Datetime(
        string="Paused Since",
        readonly=True,
        help="The clock is stopped since then: the customer has the ball.",
    )
    pause_reason = fields.Selection(
        selection=[
            ("quote", "Quote Awaiting the Customer"),
            ("unit", "Unit Awaited from the Customer"),
        ],
        string="Paused For",
        readonly=True,
    )
    worked_hours = fields.Float(
        string="Our Time (working hours)",
        readonly=True,
        aggregator="avg",
        help="Working time from the start to the step done, the pauses left out: "
        "the time the compliance report counts.",
    )

    @api.model
    def _rma_sla_work_intervals(self, calendar, start, end):
        """Working intervals of ``calendar`` (public holidays out) between the
        naive UTC datetimes ``start`` and ``end``, as naive UTC ``(start, stop)``
        pairs. The one shortcut around ``resource.calendar.plan_hours`` and
        ``get_work_hours_count``, which read the calendar once per date: a batch of
        steps reads it once (tests/test_issue17_sla.py checks both agree)."""
        if end <= start:
            return []
        intervals = calendar._work_intervals_batch(
            utc.localize(start), utc.localize(end), compute_leaves=True
        )[False]
        return [
            (
                begin.astimezone(utc).replace(tzinfo=None),
                stop.astimezone(utc).replace(tzinfo=None),
            )
            for begin, stop, __ in intervals
        ]

    @api.model
    def _rma_sla_work_seconds(self, spans):
        """``{(calendar, start, end): working seconds}`` for ``spans``, an iterable
        of such keys, reading each calendar once."""
        by_calendar = defaultdict(set)
        for calendar, start, end in spans:
            by_calendar[calendar].add((start, end))
        result = {}
        for calendar, pairs in by_calendar.items():
            intervals = self._rma_sla_work_intervals(
                calendar, min(p[0] for p in pairs), max(p[1] for p in pairs)
            )
            for start, end in pairs:
                seconds = 0
                for begin, stop in intervals:
                    if begin >= end:
                        break
                    if stop > start:
                        seconds += (min(stop, end) - max(begin, start)).total_seconds()
                result[calendar, start, end] = round(seconds)
        return result

    @api.model
    def _rma_sla_plan_seconds(self, requests):
        """``{(calendar, start, seconds): deadline}``: what
        ``calendar.plan_hours(seconds / 3600, start, compute_leaves=True)`` gives,
        for ``requests``, an iterable of such keys, reading each calendar once (the
        recomputation of many deadlines at once). A deadline beyond the intervals
        read falls back on ``plan_hours``."""
        by_calendar = defaultdict(set)
        for calendar, start, seconds in requests:
            by_calendar[calendar].add((start, seconds))
        result = {}
        for calendar, pairs in by_calendar.items():
            day = (calendar.hours_per_day or 8) * 3600
            horizon = max(
                start + timedelta(days=14 + 3 * ceil(seconds / day))
                for start, seconds in pairs
            )
            intervals = self._rma_sla_work_intervals(
                calendar, min(p[0] for p in pairs), horizon
            )
            for start, seconds in pairs:
                left, deadline = seconds, None
                for begin, stop in intervals:
                    if stop <= start:
                        continue
                    begin = max(begin, start)
                    length = (stop - begin).total_seconds()
                    if left <= length:
                        deadline = begin + timedelta(seconds=left)
                        break
                    left -= length
                if deadline is None:
                    deadline = (
                        calendar.plan_hours(seconds / 3600, start, compute_leaves=True)
                        or start
                    )
                result[calendar, start, seconds] = deadline
        return result

    def _rma_sla_calendars(self):
        """``{step: calendar}``: the working calendar of each step's service
        centre."""
        return {
            step: step.order_id.warehouse_id._get_rma_calendar()
            for step in self.sudo()  # sudo: the calendar of the step's own centre
        }

    def _rma_sla_replan(self):
        """Move the deadline of these running steps to their target plus their
        paused working time after their start (the priority changed, a pause
        ended). Called by ``_rma_sla_resume`` and
        ``rma.order._rma_sla_apply_priority``; steps opened before issue 17 (no
        target in hours) keep theirs, moved by the pauses."""
        steps = self.filtered(lambda s: s.status == "running" and s.target_hours)
        if not steps:
            return steps
        calendars = steps._rma_sla_calendars()
        keys = {
            step: (
                calendars[step],
                step.date_start,
                round((step.target_hours + step.paused_hours) * 3600),
            )
            for step in steps
        }
        deadlines = self._rma_sla_plan_seconds(keys.values())
        for step, key in keys.items():
            # sudo: the steps are the system's; their caller ran the transition.
            step.sudo().date_deadline = deadlines[key]
        return steps

    def _rma_sla_pause(self, reason, now):
        """Stop the clock of these running steps at ``now``: the customer has the
        ball, for ``reason`` (a ``pause_reason``). A paused step only takes the new
        reason. Called by ``rma.order._rma_sla_sync_pauses``."""
        steps = self.filtered(lambda s: s.status == "running")
        # sudo: the steps are the system's; the caller ran the transition.
        steps.filtered(lambda s: not s.date_paused).sudo().write(
            {"date_paused": now, "pause_reason": reason}
        )
        steps.filtered(lambda s: s.pause_reason != reason).sudo().write(
            {"pause_reason": reason}
        )
        return steps

    def _rma_sla_resume(self, now):
        """Start again the clock of these paused steps at ``now``: the pause's
        working time is added to ``paused_hours`` and the deadline moves by as
        much. Called by ``rma.order._rma_sla_sync_pauses`` and when a step closes
        (``_rma_sla_close``)."""
        paused = self.filtered(lambda s: s.status == "running" and s.date_paused)
        if not paused:
            return paused
        calendars = paused._rma_sla_calendars()
        keys = {
            step: (calendars[step], step.date_paused, max(now, step.date_paused))
            for step in paused
        }
        seconds = self._rma_sla_work_seconds(keys.values())
        old_deadlines = {}
        for step, key in keys.items():
            old_deadlines[step] = step.date_deadline
            # sudo: the steps are the system's; the caller ran the transition.
            step.sudo().write(
                {
                    "paused_hours": step.paused_hours + seconds[key] / 3600,
                    "date_paused": False,
                    "pause_reason": False,
                }
            )
        planned = paused._rma_sla_replan()
        # Steps without a target in hours (opened before issue 17): the old
        # deadline moved by the pause's working time.
        legacy = paused - planned
        if legacy:
            moved = self._rma_sla_plan_seconds(
                (calendars[s], old_deadlines[s], seconds[keys[s]]) for s in legacy
            )
            for step in legacy:
                key = (calendars[step], old_deadlines[step], seconds[keys[step]])
                # sudo: as above.
                step.sudo().date_deadline = moved[key]
        return paused

    def _rma_sla_record_worked_hours(self, now):
        """Record on these steps, closed at ``now``, our time: their working time
        from the start, the pauses left out. Called by ``_rma_sla_close``."""
        if not self:
            return
        calendars = self._rma_sla_calendars()
        keys = {
            step: (calendars[step], step.date_start, max(now, step.date_start))
            for step in self
        }
        seconds = self._rma_sla_work_seconds(keys.values())
        for step, key in keys.items():
            # sudo: the steps are the system's; the caller ran the transition.
            step.sudo().worked_hours = max(0.0, seconds[key] / 3600 - step.paused_hours)
