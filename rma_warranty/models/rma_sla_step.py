# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from markupsafe import Markup

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

    @api.depends("status", "date_deadline")
    def _compute_is_late(self):
        now = fields.Datetime.now()
        for step in self:
            step.is_late = step.status == "running" and step.date_deadline < now

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        late = [
            ("status", "=", "running"),
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
        self.flush_model(["status", "date_deadline", "overdue_notified"])
        only = SQL("AND id IN %s", tuple(self.ids)) if self else SQL()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM rma_sla_step
                    WHERE status = 'running' AND date_deadline < %s
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
