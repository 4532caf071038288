# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import secrets
from collections import defaultdict
from datetime import timedelta

import psycopg2
import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq, email_normalize, format_date, html2plaintext
from odoo.tools.misc import clean_context, hmac

# Default of the company setting rma_complaint_response_days.
RESPONSE_DAYS = 2
# States of a complaint with nothing left to do.
CLOSED_STATES = ("closed", "refused")


class RmaComplaint(models.Model):
    """A complaint or dispute of a customer (P9): about the service, the quality,
    a delay, a price or the diagnosis of a unit; optionally about one RMA, one of
    its units or its repair quote.

    *New* when filed (backend, email or portal), with a first-response deadline
    counted in working days of the service calendar and an activity for its owner;
    *in progress* once someone works on it; *resolved* once a resolution is agreed
    with the customer; *closed* when nothing is left to do. A complaint found
    groundless is *refused*, with the explanation given to the customer.
    """

    _name = "rma.complaint"
    _description = "Complaint"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "rma.decision.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"
    _rma_decision_fields = frozenset({"state", "name", "date_deadline"})

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    state = fields.Selection(
        selection=[
            ("new", "New"),
            ("in_progress", "In Progress"),
            ("resolved", "Resolved"),
            ("closed", "Closed"),
            ("refused", "Refused"),
        ],
        default="new",
        required=True,
        copy=False,
        readonly=True,
        index=True,
        tracking=True,
        group_expand=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
        string="Customer Entity",
    )
    rma_id = fields.Many2one(
        comodel_name="rma.order",
        string="RMA",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Unit",
        index="btree_not_null",
        check_company=True,
        domain="[('order_id', '=', rma_id)]",
        help="The unit of the RMA the complaint is about.",
    )
    lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Serial Number",
        index="btree_not_null",
        compute="_compute_lot_id",
        store=True,
        readonly=False,
        check_company=True,
    )
    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Repair Quote",
        index="btree_not_null",
        check_company=True,
        help="The repair quote the customer disputes.",
    )
    complaint_type = fields.Selection(
        selection=[
            ("service", "Service"),
            ("quality", "Quality"),
            ("delay", "Delay"),
            ("price", "Price"),
            ("diagnosis", "Diagnosis Dispute"),
        ],
        string="Type",
        required=True,
        default="service",
        tracking=True,
    )
    channel = fields.Selection(
        selection=[("backend", "Backend"), ("portal", "Portal"), ("email", "Email")],
        default="backend",
        required=True,
        readonly=True,
    )
    description = fields.Text(string="Complaint", required=True)
    # Internal: the customer reads the agreed resolution, not our analysis.
    cause = fields.Text(
        string="Root Cause",
        groups="rma_warranty.group_rma_user",
        help="What caused the complaint, found by the owner (internal).",
    )
    resolution = fields.Text(
        string="Agreed Resolution",
        tracking=True,
        help="What was agreed with the customer (or, when refused, why).",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Owner",
        index=True,
        tracking=True,
        compute="_compute_user_id",
        store=True,
        readonly=False,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    date_deadline = fields.Datetime(
        string="Response Deadline",
        readonly=True,
        copy=False,
        help="The first response is due by then: working days of the service "
        "calendar after the complaint was filed.",
    )
    date_resolved = fields.Datetime(readonly=True, copy=False)
    is_overdue = fields.Boolean(
        compute="_compute_is_overdue", search="_search_is_overdue"
    )
    portal_request_token = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="One-time token of the portal form that filed this complaint.",
    )

    _sql_constraints = [
        (
            "portal_request_token_unique",
            "UNIQUE(portal_request_token)",
            "This portal form was already sent.",
        ),
    ]

    # ---- Compute --------------------------------------------------------------------

    def _compute_access_url(self):
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"

    @api.depends("line_id")
    def _compute_lot_id(self):
        for complaint in self:
            if complaint.line_id:
                complaint.lot_id = complaint.line_id.lot_id

    @api.depends("rma_id", "company_id")
    def _compute_user_id(self):
        """The owner: the RMA's responsible, else the company's complaint owner."""
        for complaint in self:
            if complaint.user_id:
                continue
            # sudo: the owner setting of the company is read for whoever files.
            complaint.user_id = (
                complaint.rma_id.user_id
                # sudo: the company's owner setting (see above).
                or complaint.company_id.sudo().rma_complaint_user_id
            )

    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for complaint in self:
            complaint.is_overdue = bool(
                complaint.state == "new"
                and complaint.date_deadline
                and complaint.date_deadline < now
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue complaints."))
        domain = [
            ("state", "=", "new"),
            ("date_deadline", "<", fields.Datetime.now()),
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    # ---- Constraints ----------------------------------------------------------------

    @api.constrains("rma_id", "line_id", "partner_id")
    def _check_rma_unit(self):
        for complaint in self:
            if complaint.line_id and complaint.line_id.order_id != complaint.rma_id:
                raise UserError(
                    self.env._(
                        "The unit %(unit)s is not one of RMA %(rma)s.",
                        unit=complaint.line_id.display_name,
                        rma=complaint.rma_id.name or "-",
                    )
                )

    # ---- CRUD -----------------------------------------------------------------------

    def _prepare_create_values(self, vals_list):
        """Draw the references and count the response deadlines of the new
        complaints, per company in one go. Here rather than in ``create()``: both
        are decision fields, refused from the caller (see rma.decision.mixin)."""
        vals_list = super()._prepare_create_values(vals_list)
        new = self.env._("New")
        now = fields.Datetime.now()
        by_company = defaultdict(list)
        for vals in vals_list:
            by_company[vals.get("company_id") or self.env.company.id].append(vals)
        for company_id, company_vals in by_company.items():
            company = self.env["res.company"].browse(company_id)
            numbered = [vals for vals in company_vals if vals.get("name", new) == new]
            refs = company._rma_next_references("rma.complaint", len(numbered))
            for vals, ref in zip(numbered, refs, strict=True):
                vals["name"] = ref
            # One count per calendar (the RMA's service centre may have its own).
            Complaint = self.with_company(company)
            deadlines = {}
            for vals in company_vals:
                if "date_deadline" in vals:
                    continue
                rma = self.env["rma.order"].browse(vals.get("rma_id"))
                calendar = Complaint._rma_calendar(rma)
                if calendar not in deadlines:
                    deadlines[calendar] = Complaint._rma_response_deadline(
                        now, calendar
                    )
                vals["date_deadline"] = deadlines[calendar]
        return vals_list

    @api.model_create_multi
    def create(self, vals_list):
        complaints = super().create(vals_list)
        complaints._rma_schedule_response()
        complaints._rma_complaint_send_mail(
            "rma_warranty.mail_template_rma_complaint_received"
        )
        return complaints

    def _rma_decision_message(self, fname):
        if fname == "state":
            return self.env._(
                "The state of a complaint changes only with its buttons: Start, "
                "Resolve, Close, Refuse and Reopen."
            )
        if fname == "name":
            return self.env._("A complaint gets its reference when it is created.")
        if fname == "date_deadline":
            return self.env._(
                "The response deadline of a complaint is counted on the service "
                "calendar when it is filed."
            )
        return super()._rma_decision_message(fname)

    # ---- Actions --------------------------------------------------------------------

    def action_start(self):
        complaints = self._lock_in_state(
            ["new"], self.env._("Cannot start %(refs)s in state %(states)s.")
        )
        complaints._write_decision({"state": "in_progress"})
        complaints._rma_response_given()
        return True

    def action_resolve(self):
        complaints = self._lock_in_state(
            ["new", "in_progress"],
            self.env._("Cannot resolve %(refs)s in state %(states)s."),
        )
        missing = complaints.filtered(lambda c: not (c.resolution or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Write the resolution agreed with the customer of %(refs)s first.",
                    refs=", ".join(missing.mapped("name")),
                )
            )
        complaints._write_decision(
            {"state": "resolved", "date_resolved": fields.Datetime.now()}
        )
        complaints._rma_response_given()
        complaints._rma_complaint_send_mail(
            "rma_warranty.mail_template_rma_complaint_answered"
        )
        return True

    def action_close(self):
        complaints = self._lock_in_state(
            ["resolved"], self.env._("Cannot close %(refs)s in state %(states)s.")
        )
        complaints._write_decision({"state": "closed"})
        return True

    def action_refuse(self):
        complaints = self._lock_in_state(
            ["new", "in_progress"],
            self.env._("Cannot refuse %(refs)s in state %(states)s."),
        )
        missing = complaints.filtered(lambda c: not (c.resolution or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Explain to the customer why %(refs)s is refused, in the "
                    "resolution, first.",
                    refs=", ".join(missing.mapped("name")),
                )
            )
        complaints._write_decision(
            {"state": "refused", "date_resolved": fields.Datetime.now()}
        )
        complaints._rma_response_given()
        complaints._rma_complaint_send_mail(
            "rma_warranty.mail_template_rma_complaint_answered"
        )
        return True

    def action_reopen(self):
        complaints = self._lock_in_state(
            ["resolved", "closed", "refused"],
            self.env._("Cannot reopen %(refs)s in state %(states)s."),
        )
        complaints._write_decision({"state": "in_progress", "date_resolved": False})
        return True

    # ---- Business methods -----------------------------------------------------------

    def _rma_lock_busy_message(self):
        """The sentence of ``_lock_in_state`` when another transaction holds
        these complaints."""
        return self.env._(
            "This complaint is being handled by someone else right now. "
            "Reload it and try again."
        )

    @api.model
    def _rma_calendar(self, rma=None):
        """The calendar the response deadline of a complaint of the environment's
        company, about ``rma`` (an rma.order, possibly empty), is counted on: the
        one place that chooses it (the RMA's service centre may have a calendar
        of its own). Called by ``_prepare_create_values``; may be overridden."""
        if rma:
            return rma.warehouse_id._get_rma_calendar()
        return self.env.company._get_rma_calendar()

    @api.model
    def _rma_response_deadline(self, start, calendar=None):
        """When the first response to a complaint filed at ``start`` (UTC) is
        due: the end of the N-th working day (``rma_complaint_response_days`` of
        the company, 2 by default) of ``calendar`` (default ``_rma_calendar()``),
        public holidays and closures (its leaves) excluded; the day of filing
        counts when work is left in it. False without a calendar."""
        company = self.env.company
        calendar = calendar if calendar is not None else self._rma_calendar()
        if not calendar:
            return False
        days = company.rma_complaint_response_days
        if days <= 0:
            days = RESPONSE_DAYS
        found = calendar.plan_days(days, start, compute_leaves=True)
        return found and self._rma_end_of_working_day(calendar, found)

    @api.model
    def _rma_end_of_working_day(self, calendar, moment):
        """The end of the working day of ``calendar`` that ends a work period at
        ``moment`` (naive UTC). ``resource.calendar.plan_days`` returns the end of
        the first period of the day it finds (noon, for a day with a lunch
        break): the day's later periods end it. The one use of the calendar's
        ``_work_intervals_batch`` (holidays and closures excluded, as
        ``plan_days(compute_leaves=True)`` does); the test
        ``test_end_of_day_equals_plan_days`` holds it to ``plan_days``."""
        start = pytz.utc.localize(moment)
        tz = pytz.timezone(calendar.tz or "UTC")
        day = start.astimezone(tz).date()
        intervals = calendar._work_intervals_batch(start, start + timedelta(days=1))
        ends = [
            stop
            for begin, stop, _meta in intervals[False]
            if begin.astimezone(tz).date() == day
        ]
        end = max(ends, default=start)
        return end.astimezone(pytz.utc).replace(tzinfo=None)

    def _rma_schedule_response(self):
        """One activity per new complaint for its owner, due on its deadline.
        Called by ``create``."""
        activity_type = self.env.ref(
            "rma_warranty.mail_activity_type_rma_complaint", raise_if_not_found=False
        )
        complaints = self.filtered("user_id")
        if not activity_type or not complaints:
            return
        # sudo: the activity of a complaint that its filer (a portal user, the mail
        # gateway) just created; its owner is the one who reads it.
        self.env["mail.activity"].sudo().create(
            [
                complaint._prepare_rma_complaint_activity_vals(activity_type)
                for complaint in complaints
            ]
        )

    def _prepare_rma_complaint_activity_vals(self, activity_type):
        """Values of the response activity of this complaint. Called by
        ``_rma_schedule_response``; may be overridden."""
        self.ensure_one()
        deadline = self.date_deadline or fields.Datetime.now()
        tz_deadline = fields.Datetime.context_timestamp(
            self.with_context(tz=self.user_id.tz or self.env.context.get("tz")),
            deadline,
        )
        return {
            "activity_type_id": activity_type.id,
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "user_id": self.user_id.id,
            "date_deadline": tz_deadline.date(),
            "summary": self.env._(
                "Answer complaint %(ref)s by %(date)s",
                ref=self.name,
                date=format_date(self.env, tz_deadline.date()),
            ),
        }

    def _rma_complaint_send_mail(self, template_xmlid):
        """Post the template of this step in the chatter, to the customer, for the
        whole batch in one composer (as ``rma.order._rma_send_mail``); the emails
        of a batch wait in the mail queue."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        complaints = self.filtered(lambda complaint: complaint.partner_id.email)
        if not template or not complaints:
            return
        # sudo: the filer may be a portal user or the mail gateway, who may not
        # post on the complaint it just filed; the message is the template's.
        composer = (
            self.env["mail.compose.message"]
            # sudo: see the comment above (posts the template's message).
            .sudo()
            .with_context(
                clean_context(self.env.context),
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=complaints.ids,
                default_template_id=template.id,
                mail_notify_force_send=len(complaints) == 1,
            )
            .create(
                {
                    "message_type": "notification",
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                        "mail.mt_comment"
                    ),
                }
            )
        )
        composer._action_send_mail()

    def _rma_deadline_label(self):
        """The response deadline as the customer reads it (a date in their
        language), or an empty text once answered."""
        self.ensure_one()
        if not self.date_deadline or self.state != "new":
            return ""
        return format_date(
            self.env,
            fields.Datetime.context_timestamp(
                self.with_context(tz=self.partner_id.tz or self.env.context.get("tz")),
                self.date_deadline,
            ),
            lang_code=self.partner_id.lang or None,
        )

    def _rma_response_given(self):
        """The first response was given: the response activity is done."""
        activity_type = self.env.ref(
            "rma_warranty.mail_activity_type_rma_complaint", raise_if_not_found=False
        )
        if not activity_type:
            return
        activities = self.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )
        if activities:
            # sudo: the owner of the complaint's activity may be another user than
            # the one handling it (checked by _lock_in_state).
            activities.sudo().action_feedback(
                feedback=self.env._("The customer was answered.")
            )

    # ---- Filing ---------------------------------------------------------------------

    @api.model
    def _prepare_rma_complaint_vals(
        self, partner, complaint_type, description, channel="backend", **links
    ):
        """Values of a complaint of ``partner`` (a res.partner): its type, text,
        channel, and its ``links``: ``rma`` (rma.order), ``line`` (its unit),
        ``sale_order`` (the disputed quote), ``company`` (else the RMA's or the
        environment's). Called by every path that files a complaint (the RMA's
        button, the mail gateway, the portal); may be overridden."""
        rma = links.get("rma") or self.env["rma.order"]
        line = links.get("line") or self.env["rma.order.line"]
        sale_order = links.get("sale_order") or self.env["sale.order"]
        company = links.get("company") or rma.company_id or self.env.company
        return {
            "partner_id": partner.id,
            "company_id": company.id,
            "complaint_type": complaint_type,
            "description": description,
            "channel": channel,
            "rma_id": rma.id,
            "line_id": line.id,
            "lot_id": line.lot_id.id,
            "sale_order_id": sale_order.id,
        }

    # ---- Mail gateway ---------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An email to the complaints alias becomes a new complaint of its sender,
        filed in the alias's company (never in a company the caller chooses: see
        ``rma.order._rma_mail_request_values``). An unknown sender gets a contact
        made from the address alone, as for requests by email."""
        address = email_normalize(msg_dict.get("email_from") or "")
        if not msg_dict.get("author_id") and address:
            msg_dict["author_id"] = (
                self.env["mail.thread"]
                ._mail_find_partner_from_emails([address], force_create=True)[0]
                .id
            )
        values = self._prepare_mail_complaint_vals(msg_dict, custom_values)
        return super().message_new(msg_dict, custom_values=values)

    @api.model
    def _prepare_mail_complaint_vals(self, msg_dict, custom_values):
        """Values of the complaint that the email ``msg_dict`` files (see
        ``_prepare_rma_complaint_vals``). Called by ``message_new``."""
        company_id = self._rma_mail_company_id(custom_values)
        partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
        body = Markup(msg_dict.get("body") or "")
        text = "\n\n".join(
            part for part in (msg_dict.get("subject"), html2plaintext(body)) if part
        )
        values = self._prepare_rma_complaint_vals(
            partner,
            "service",
            text or self.env._("(empty email)"),
            channel="email",
            company=self.env["res.company"].browse(company_id),
        )
        values["name"] = self.env._("New")
        return values

    @api.model
    def _rma_mail_company_id(self, custom_values):
        """The company of a complaint by email: that of the complaints alias whose
        defaults ``custom_values`` are exactly, else the user's."""
        # sudo: aliases are technical records; only their defaults are read, to
        # recognise them, and those are what any sender gets by mail.
        aliases_sudo = (
            self.env["mail.alias"]
            # sudo: see the comment above (alias defaults only).
            .sudo()
            .search(
                [
                    ("alias_model_id.model", "=", self._name),
                    ("alias_force_thread_id", "=", False),
                ]
            )
        )
        for alias_sudo in aliases_sudo:
            defaults = ast.literal_eval(alias_sudo.alias_defaults or "{}")
            if custom_values and custom_values == defaults:
                return defaults.get("company_id") or self.env.user.company_id.id
        company = self.env.company
        if company not in self.env.user.company_ids:
            company = self.env.user.company_id
        return company.id

    # ---- Portal ---------------------------------------------------------------------

    # What one complaint filed on the portal may say.
    _PORTAL_MAX_TEXT = 5000
    _PORTAL_TOKEN_SCOPE = "rma_warranty.portal_complaint"
    _PORTAL_COMPLAINTS_PER_HOUR = 10
    _PORTAL_TYPES = ("service", "quality", "delay", "price", "diagnosis")

    @api.model
    def _get_portal_domain(self, partner):
        """The complaints on the portal pages of ``partner``: those of its
        commercial entity, as the record rule ``rma_complaint_rule_portal``."""
        return [("commercial_partner_id", "=", partner.commercial_partner_id.id)]

    def _portal_list_rows(self):
        """The rows of My complaints, in one batch: dicts of ``url``, ``name``,
        ``type``, ``subject`` (the RMA or serial, if any), ``date`` and
        ``state`` (labels). Invoked in sudo by the list route on the complaints
        the user's rules selected."""
        self.fetch(["name", "complaint_type", "state", "create_date", "rma_id"])
        self.rma_id.fetch(["name"])
        self.lot_id.fetch(["name"])
        types = dict(self._fields["complaint_type"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        days = {
            c.id: fields.Datetime.context_timestamp(self, c.create_date).date()
            for c in self
        }
        dates = {day: format_date(self.env, day) for day in set(days.values())}
        return [
            {
                "url": complaint.access_url,
                "name": complaint.name,
                "type": types.get(complaint.complaint_type, ""),
                "subject": " ".join(
                    part
                    for part in (complaint.rma_id.name, complaint.lot_id.name)
                    if part
                ),
                "date": dates.get(days.get(complaint.id), ""),
                "state": states.get(complaint.state, ""),
            }
            for complaint in self
        ]

    @api.model
    def _portal_new_token(self):
        """A one-time token for the complaint form, signed for this user: the same
        form sent twice files one complaint."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._portal_token_signature(nonce)}"

    @api.model
    def _portal_token_signature(self, nonce):
        # su: the database secret signs the token; the secret itself is never shown.
        return hmac(self.env(su=True), self._PORTAL_TOKEN_SCOPE, (self.env.uid, nonce))

    @api.model
    def _portal_check_token(self, token):
        nonce, _sep, signature = (token if isinstance(token, str) else "").partition(
            "."
        )
        if not (
            nonce
            and signature
            and len(token) <= 200
            and token.isascii()
            and consteq(signature, self._portal_token_signature(nonce))
        ):
            raise UserError(
                self.env._("This form has expired: reload the page and fill it in.")
            )
        # sudo: the token field is technical; only whether it was used is read.
        used_sudo = self.sudo().search([("portal_request_token", "=", token)], limit=1)
        if used_sudo:
            raise UserError(
                self.env._(
                    "This form was already sent: it filed complaint %(ref)s.",
                    ref=used_sudo.name,
                )
            )

    @api.model
    def _portal_check_filer(self, partner):
        user = self.env.user
        if user._is_public() or partner != user.partner_id:
            raise AccessError(self.env._("Log in to file a complaint."))

    @api.model
    def _portal_links(self, partner, rma_id=None, line_id=None, sale_order_id=None):
        """The RMA, unit and repair quote a complaint of ``partner`` is about, from
        the ids the portal posted (None: not given), in sudo: only those of the
        RMAs ``partner``'s entity may read on the portal (the unit of that RMA, a
        quote of one of its units). Anything else raises AccessError; an id that
        is no number, UserError."""
        Rma = self.env["rma.order"]
        ids = {
            key: Rma._portal_int(value)
            for key, value in (
                ("rma", rma_id),
                ("line", line_id),
                ("sale_order", sale_order_id),
            )
        }
        if any(value is False for value in ids.values()):
            raise UserError(self.env._("This link is not valid."))
        refused = AccessError(
            self.env._("You can only complain about your own RMAs and quotes.")
        )
        # sudo: the ids are checked against the partner's own RMAs below.
        rma_sudo = Rma.sudo().browse()
        # sudo: empty, filled below only with the partner's own RMA.
        line_sudo = self.env["rma.order.line"].sudo().browse()
        # sudo: empty, filled below only after the same check.
        quote_sudo = self.env["sale.order"].sudo().browse()
        if ids["sale_order"]:
            quote_sudo = quote_sudo.browse(ids["sale_order"]).exists()
            if not quote_sudo.rma_line_id:
                raise refused
            line_sudo = quote_sudo.rma_line_id
            rma_sudo = line_sudo.order_id
        if ids["line"]:
            line_sudo = line_sudo.browse(ids["line"]).exists()
            if not line_sudo or (rma_sudo and line_sudo.order_id != rma_sudo):
                raise refused
            rma_sudo = line_sudo.order_id
        if ids["rma"]:
            given_sudo = rma_sudo.browse(ids["rma"]).exists()
            if not given_sudo or (rma_sudo and given_sudo != rma_sudo):
                raise refused
            rma_sudo = given_sudo
        # sudo: a count of this RMA among the partner's own (its portal domain).
        if rma_sudo and not Rma.sudo().search_count(
            [("id", "=", rma_sudo.id), *Rma._get_portal_domain(partner)], limit=1
        ):
            raise refused
        return rma_sudo, line_sudo, quote_sudo

    @api.model
    def _portal_form_values(self, partner, params):
        """What the complaint form shows ``partner``: the types, a one-time token,
        and the RMA, unit and quote it is about when ``params`` (the query string)
        name them (``rma_id``, ``line_id``, ``sale_order_id``, ``complaint_type``);
        links that are not the partner's raise AccessError. Invoked by GET
        /my/complaints/new."""
        self._portal_check_filer(partner)
        rma_sudo, line_sudo, quote_sudo = self._portal_links(
            partner,
            params.get("rma_id"),
            params.get("line_id"),
            params.get("sale_order_id"),
        )
        complaint_type = params.get("complaint_type")
        if complaint_type not in self._PORTAL_TYPES:
            complaint_type = (
                "price" if quote_sudo else "diagnosis" if line_sudo else "service"
            )
        return {
            "complaint_types": self._fields["complaint_type"]._description_selection(
                self.env
            ),
            "complaint_type": complaint_type,
            "token": self._portal_new_token(),
            "rma_sudo": rma_sudo,
            "line_sudo": line_sudo,
            "quote_sudo": quote_sudo,
        }

    @api.model
    def _portal_create_complaint(self, partner, values, token):
        """File a complaint from the portal; return it (sudo).

        ``partner`` is the user's own partner; ``values`` the posted form:
        ``complaint_type``, ``description`` and optionally ``rma_id``,
        ``line_id``, ``sale_order_id``; ``token`` the form's one-time token. Every
        value is checked before anything is created. Invoked by POST
        /my/complaints/new.
        """
        self._portal_check_filer(partner)
        self._portal_check_token(token)
        rma_sudo, line_sudo, quote_sudo = self._portal_links(
            partner,
            values.get("rma_id"),
            values.get("line_id"),
            values.get("sale_order_id"),
        )
        complaint_type = values.get("complaint_type")
        if complaint_type not in self._PORTAL_TYPES:
            raise UserError(self.env._("Choose what your complaint is about."))
        description = values.get("description")
        description = description.strip() if isinstance(description, str) else ""
        if not description:
            raise UserError(self.env._("Describe your complaint."))
        if len(description) > self._PORTAL_MAX_TEXT:
            raise UserError(
                self.env._(
                    "Your complaint is too long: at most %(max)s characters.",
                    max=self._PORTAL_MAX_TEXT,
                )
            )
        self.env["rma.order"]._portal_rate_limit(
            "rma_complaint",
            "rma_warranty.portal_complaints_per_hour",
            self._PORTAL_COMPLAINTS_PER_HOUR,
            3600,
        )
        vals = self._prepare_rma_complaint_vals(
            partner,
            complaint_type,
            description,
            channel="portal",
            rma=rma_sudo,
            line=line_sudo,
            sale_order=quote_sudo,
        )
        vals["portal_request_token"] = token
        try:
            with self.env.cr.savepoint():
                # sudo: portal users have no rights on complaints; the values are
                # the ones checked above, the user (env.uid) stays the author.
                complaint_sudo = self.sudo().create(vals)
                complaint_sudo.message_subscribe(partner_ids=partner.ids)
        except psycopg2.errors.UniqueViolation:
            raise UserError(
                self.env._("This form was already sent: see your complaints.")
            ) from None
        return complaint_sudo

    def _portal_page_values(self):
        """The values of the portal page of this complaint (in sudo, after the
        route's access check)."""
        self.ensure_one()
        return {
            "complaint": self,
            "page_name": "complaint",
            "deadline": self._rma_deadline_label(),
        }
