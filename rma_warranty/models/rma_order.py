# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import logging
import secrets
from collections import defaultdict

import psycopg2
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.osv import expression
from odoo.tools import (
    SQL,
    consteq,
    email_normalize,
    format_amount,
    format_date,
    format_datetime,
    html2plaintext,
)
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.misc import clean_context, hmac

from .. import service_sheet
from ..chatter import log_notes
from ..exceptions import RmaTooManyRequests
from ..locking import lock_rows_nowait
from .rma_sla_step import SLA_SHIPPING_STEPS
from .rma_sla_step import SLA_TARGETS as SLA_STEPS

_logger = logging.getLogger(__name__)

MAIL_REQUESTS_PER_HOUR = 5
# States of an RMA with nothing left to do.
CLOSED_STATES = ("done", "solved", "rejected", "cancelled")
# The steps of the portal's timeline, in the order an RMA goes through them.
PORTAL_STEPS = ("submitted", "approved", "received", "in_progress", "done")


class RmaOrder(models.Model):
    """An after-sales case: one customer, one service centre, several units.

    The state follows the physical flow: a request is *submitted*, *approved* (RMA
    number issued, receipt created), *received* when every expected unit is in,
    *in progress* while resolutions run, and *done* when every line is resolved.
    """

    _name = "rma.order"
    _description = "RMA"
    _inherit = [
        "portal.mixin",
        # Odoo's mail.thread with the customer's rating (after-sales service).
        "rating.mixin",
        "mail.activity.mixin",
        "rma.decision.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"
    _rma_decision_fields = frozenset(
        {"state", "name", "is_request_ref", "shipping_hold"}
    )

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        index="trigram",
        default=lambda self: self.env._("New"),
        help="Provisional request reference until approval issues the RMA number.",
    )
    is_request_ref = fields.Boolean(
        string="Provisional Reference",
        copy=False,
        default=True,
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("received", "Received"),
            ("in_progress", "In Progress"),
            ("done", "Done"),
            # Issue 14: closed without a return, the problem solved remotely.
            ("solved", "Solved Without Return"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        copy=False,
        readonly=True,
        index=True,
        tracking=True,
        group_expand=True,  # kanban columns in workflow order
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
    distributor_id = fields.Many2one(
        comodel_name="res.partner",
        index=True,
        tracking=True,
        check_company=True,
        help="Reseller that filed this request or that sold the units to the customer.",
    )
    distributor_commercial_id = fields.Many2one(
        related="distributor_id.commercial_partner_id",
        store=True,
        index="btree_not_null",
        string="Distributor Entity",
        help="Commercial entity of the distributor: its portal users read the RMA.",
    )
    # Issue 12, portal visibility: the distributor of the units, stored on the RMA
    # so that the portal's rule is three indexed columns of this table (a bitmap
    # OR), not a join through the units and their serials on every list.
    sold_by_commercial_id = fields.Many2one(
        comodel_name="res.partner",
        string="Units Sold To",
        compute="_compute_sold_by_commercial_id",
        store=True,
        index="btree_not_null",
        help="Distributor (a company other than the customer) whom we sold the "
        "units of this RMA to: its portal users read the RMA.",
    )
    channel = fields.Selection(
        selection=[
            ("backend", "Backend"),
            ("portal", "Portal"),
            ("email", "Email"),
            ("distributor", "Distributor"),
        ],
        default="backend",
        required=True,
    )
    warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        string="Service Centre",
        required=True,
        check_company=True,
        tracking=True,
        default=lambda self: self._default_warehouse_id(),
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        index="btree_not_null",
        check_company=True,
        compute="_compute_sale_order_id",
        store=True,
        readonly=False,
        help="Order the units were sold on: the order of their original sale line "
        "unless one is chosen.",
    )
    description = fields.Html(string="Problem Description")
    troubleshooting = fields.Text(
        string="Troubleshooting Notes",
        help="First troubleshooting done with the customer before authorising "
        "a return.",
    )
    shipping_instructions = fields.Html(
        help="Sent to the customer with the approval: where and how to ship the units.",
    )
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    date_submitted = fields.Datetime(readonly=True, copy=False)
    date_approved = fields.Datetime(readonly=True, copy=False)
    date_received = fields.Datetime(readonly=True, copy=False)
    date_done = fields.Datetime(readonly=True, copy=False)
    line_ids = fields.One2many(
        comodel_name="rma.order.line",
        inverse_name="order_id",
        string="Units",
        copy=True,
    )
    picking_ids = fields.One2many(
        comodel_name="stock.picking",
        inverse_name="rma_order_id",
        string="Transfers",
        readonly=True,
    )
    picking_count = fields.Integer(compute="_compute_picking_count")
    refund_ids = fields.Many2many(
        comodel_name="account.move",
        string="Credit Notes",
        compute="_compute_refund_ids",
    )
    refund_count = fields.Integer(compute="_compute_refund_ids")
    is_resolved = fields.Boolean(
        string="All Units Resolved",
        compute="_compute_is_resolved",
        help="Every unit has its resolution carried out: the RMA can be closed.",
    )
    has_received = fields.Boolean(
        string="Units Received",
        compute="_compute_is_resolved",
        help="Some units are in: the RMA can no longer be cancelled.",
    )
    has_unknown_origin = fields.Boolean(
        compute="_compute_has_unknown_origin",
        help="Some units were not found in our deliveries (bought elsewhere?).",
    )
    shipping_hold = fields.Boolean(
        string="Awaiting Quote Payment",
        readonly=True,
        copy=False,
        tracking=True,
        help="Pay before shipping: the shipping instructions and the RMA label are "
        "released once the repair quotes are paid.",
    )
    quote_ids = fields.One2many(
        comodel_name="sale.order",
        compute="_compute_repair_documents",
        string="Repair Quotes",
    )
    quote_count = fields.Integer(compute="_compute_repair_documents")
    repair_ids = fields.One2many(
        comodel_name="repair.order",
        inverse_name="rma_order_id",
        string="Repair Orders",
        readonly=True,
    )
    repair_count = fields.Integer(compute="_compute_repair_documents")
    portal_request_token = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="One-time token of the portal form that filed this request: the same "
        "form sent twice files one request.",
    )
    # ---- Service levels (issue 14) ----
    sla_step_ids = fields.One2many(
        comodel_name="rma.sla.step",
        inverse_name="order_id",
        string="Service Levels",
        readonly=True,
    )
    sla_deadline = fields.Datetime(
        string="Next Deadline",
        compute="_compute_sla_deadline",
        store=True,
        index="btree_not_null",
        help="Earliest deadline of the service-level steps still running.",
    )
    sla_is_late = fields.Boolean(
        string="Late",
        compute="_compute_sla_is_late",
        search="_search_sla_is_late",
        help="A service-level step is running past its deadline.",
    )
    date_expected = fields.Date(
        string="Expected Back",
        compute="_compute_date_expected",
        # compute_sudo: the portal page and mails show the date to customers who
        # may not read the steps and transit rules it is computed from.
        compute_sudo=True,
        help="When the customer can expect the unit back: the deadline of the "
        "running shipping step plus the longest transit time to their region.",
    )
    transit_days_min = fields.Integer(
        compute="_compute_date_expected", compute_sudo=True
    )
    transit_days_max = fields.Integer(
        compute="_compute_date_expected", compute_sudo=True
    )

    # ---- Complaints and remote solution (issue 14) ----
    remote_solution = fields.Text(
        readonly=True,
        copy=False,
        tracking=True,
        help="How the problem was solved without a return (Solve Remotely).",
    )
    complaint_ids = fields.One2many(
        comodel_name="rma.complaint",
        inverse_name="rma_id",
        string="Complaints",
        readonly=True,
    )
    complaint_count = fields.Integer(compute="_compute_complaint_count")
    # ---- Distributor channel (issue 14): fields ----
    _rma_decision_fields = _rma_decision_fields | {
        "distributor_route",
        "handling",
        "mail_unmatched_serials",
    }
    distributor_route = fields.Selection(
        selection=[
            ("serial", "Sold Through the Distributor"),
            ("region", "Region of the Customer"),
            ("filed", "Filed by a Distributor"),
            ("manual", "Assigned by Staff"),
            ("none", "No Distributor"),
        ],
        string="Distributor Found By",
        readonly=True,
        copy=False,
        tracking=True,
        help="How the distributor of this request was found when it was submitted: "
        "the distributor we sold its units to, the region rule of the customer's "
        "address, the distributor that filed it, staff, or none (we handle it).",
    )
    handling = fields.Selection(
        selection=[
            ("vendor", "By Us"),
            ("distributor_pending", "Awaiting the Distributor"),
            ("distributor", "By the Distributor"),
            ("escalated", "Escalated to Us"),
        ],
        string="Handled By",
        default="vendor",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Who handles this request: the distributor it was assigned to chooses "
        "to handle it itself or to escalate it to us; without a distributor, we do.",
    )
    mail_unmatched_serials = fields.Text(
        string="Serials Not Matched",
        readonly=True,
        copy=False,
        groups="rma_warranty.group_rma_user",
        help="Serial numbers of the service form mailed that did not become units: "
        "unknown, or not among the units the sender or its customers received.",
    )

    _sql_constraints = [
        (
            "portal_request_token_unique",
            "UNIQUE(portal_request_token)",
            "This portal form was already sent.",
        ),
    ]

    # ---- Defaults -------------------------------------------------------------------

    @api.model
    def _default_warehouse_id(self):
        return self.env.company._rma_get_warehouse()

    # ---- Compute --------------------------------------------------------------------

    def _compute_access_url(self):
        for order in self:
            order.access_url = f"/my/rmas/{order.id}"

    @api.depends("line_ids.origin_sale_line_id")
    def _compute_sale_order_id(self):
        """The order the units were sold on, once their origin is known; an order
        given (Create RMA on a sale order) or chosen by hand stays."""
        for order in self:
            if order.sale_order_id:
                continue
            # sudo: service staff need not read sales; only the order's id is
            # taken, the link is read with the user's own rights.
            sale_lines_sudo = order.line_ids.origin_sale_line_id.sudo()
            order.sale_order_id = sale_lines_sudo.order_id[:1].id

    @api.depends("line_ids.quote_ids", "repair_ids")
    def _compute_repair_documents(self):
        for order in self:
            order.quote_ids = order.line_ids.quote_ids
            order.quote_count = len(order.quote_ids)
            order.repair_count = len(order.repair_ids)

    @api.depends("picking_ids")
    def _compute_picking_count(self):
        counts = dict(
            self.env["stock.picking"]._read_group(
                [("rma_order_id", "in", self.ids)], ["rma_order_id"], ["__count"]
            )
        )
        for order in self:
            order.picking_count = counts.get(order, 0)

    @api.depends("line_ids.refund_line_ids.move_id")
    def _compute_refund_ids(self):
        for order in self:
            # sudo: service staff without accounting rights still see how many
            # credit notes their RMA produced; opening them needs those rights.
            refunds = order.sudo().line_ids.refund_line_ids.move_id
            order.refund_ids = refunds.with_env(self.env)
            order.refund_count = len(refunds)

    @api.depends("line_ids.is_resolved", "line_ids.qty_received")
    def _compute_is_resolved(self):
        for order in self:
            order.is_resolved = bool(order.line_ids) and all(
                order.line_ids.mapped("is_resolved")
            )
            order.has_received = any(order.line_ids.mapped("qty_received"))

    @api.depends("line_ids.origin_move_id", "line_ids.product_id")
    def _compute_has_unknown_origin(self):
        for order in self:
            order.has_unknown_origin = any(
                line.product_id and not line.origin_move_id for line in order.line_ids
            )

    @api.depends(
        "commercial_partner_id",
        "line_ids.lot_id.warranty_sold_to_id.commercial_partner_id",
        "line_ids.lot_id.warranty_sold_to_id.commercial_partner_id.rma_reseller",
    )
    def _compute_sold_by_commercial_id(self):
        """The distributor we sold the units to (``res.partner._rma_is_distributor``),
        when it is not the customer's entity (anybody else who sold a unit on is
        no distributor: it does not read the RMAs of later owners). Units sold to
        several distributors: the first unit's."""
        # sudo: who bought a unit decides who reads the RMA; whoever files or
        # changes it (a portal user, staff without stock rights) may not read it.
        for rma, rma_sudo in zip(self, self.sudo(), strict=True):
            sellers = rma_sudo.line_ids.lot_id.warranty_sold_to_id.commercial_partner_id
            rma.sold_by_commercial_id = sellers.filtered(
                lambda seller, rma_sudo=rma_sudo: (
                    seller._rma_is_distributor()
                    and seller != rma_sudo.commercial_partner_id
                )
            )[:1]

    # ---- Constraints and onchanges --------------------------------------------------

    @api.onchange("line_ids")
    def _onchange_line_ids(self):
        """Units identified by serial tell who bought them: the customer when none
        is set, the distributor when a distributor (``res.partner.
        _rma_is_distributor``) other than the customer bought them."""
        buyers = self.line_ids.origin_partner_id
        if not buyers:
            return
        if not self.partner_id:
            self.partner_id = buyers[0]
        elif not self.distributor_id:
            resellers = (buyers - self.partner_id.commercial_partner_id).filtered(
                lambda buyer: buyer._rma_is_distributor()
            )
            if resellers:
                self.distributor_id = resellers[0]

    @api.onchange("company_id")
    def _onchange_company_id(self):
        if self.warehouse_id.company_id != self.company_id:
            self.warehouse_id = self.with_company(
                self.company_id
            )._default_warehouse_id()

    # ---- CRUD -----------------------------------------------------------------------

    def _prepare_create_values(self, vals_list):
        """Draw the request references of the new RMAs, per company in one go.

        Here rather than in ``create()``: the reference is a decision field, which
        ``create()`` refuses from the caller (see rma.decision.mixin) before Odoo
        completes the values with this method.
        """
        vals_list = super()._prepare_create_values(vals_list)
        new = self.env._("New")
        by_company = defaultdict(list)
        for vals in vals_list:
            if vals.get("name", new) == new:
                by_company[vals.get("company_id") or self.env.company.id].append(vals)
        for company_id, company_vals in by_company.items():
            company = self.env["res.company"].browse(company_id)
            refs = company._rma_next_references("rma.order.request", len(company_vals))
            for vals, ref in zip(company_vals, refs, strict=True):
                vals.update(name=ref, is_request_ref=True)
        return vals_list

    def _rma_decision_message(self, fname):
        if fname == "state":
            return self.env._(
                "The state of an RMA changes only with its buttons: Submit, "
                "Approve, Reject, Solve Remotely, Process Resolutions, Mark as Done, "
                "Cancel and Reset to Draft."
            )
        if fname in ("name", "is_request_ref"):
            return self.env._(
                "An RMA gets its request reference when it is created and its RMA "
                "number only from Approve."
            )
        if fname == "shipping_hold":
            return self.env._(
                "An RMA awaits the payment of its repair quotes only from Approve; "
                "the payment or Release Shipping lifts the hold."
            )
        if fname in ("distributor_route", "handling", "mail_unmatched_serials"):
            return self._rma_distributor_decision_message(fname)
        return super()._rma_decision_message(fname)

    @api.model
    def _web_read_group(self, domain, fields_, groupby, *args, **kwargs):
        """Kanban columns of closed RMAs (done, rejected, cancelled) are folded:
        the board shows the work still to do."""
        groups = super()._web_read_group(domain, fields_, groupby, *args, **kwargs)
        groupby = [groupby] if isinstance(groupby, str) else groupby
        if groupby and groupby[0] == "state":
            for group in groups:
                group["__fold"] = group.get("state") in CLOSED_STATES
        return groups

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancelled(self):
        if any(order.state not in ("draft", "cancelled") for order in self):
            raise UserError(self.env._("Only draft or cancelled RMAs can be deleted."))

    # ---- Actions --------------------------------------------------------------------

    def action_submit(self):
        orders = self._lock_in_state(
            ["draft"], self.env._("Cannot submit %(refs)s in state %(states)s.")
        )
        orders._check_submittable()
        orders._write_decision(
            {"state": "submitted", "date_submitted": fields.Datetime.now()}
        )
        orders._rma_sla_start(("response", "review", "resolution"))
        orders.line_ids._freeze_entitlement()
        orders._rma_route_team()  # Teams (issue 17)
        # Distributor channel (issue 14): assign and notify the distributor.
        orders._rma_route_distributor()._rma_notify_distributor()
        orders._rma_send_mail("rma_warranty.mail_template_rma_submitted")
        return True

    def action_approve(self):
        """Issue the RMA number and the receipt of the units, exactly once."""
        orders = self._lock_in_state(
            ["submitted"], self.env._("Cannot approve %(refs)s in state %(states)s.")
        )
        orders._check_submittable()
        orders.line_ids._check_returnable_quantity()
        numbers = orders._rma_next_numbers()
        now = fields.Datetime.now()
        for order in orders:
            order._write_decision(order._approval_vals(numbers[order], now))
        orders._rma_sla_stop(("response", "review"))
        # Distributor channel: approving a request its distributor has not taken
        # up yet means we handle it (tracked, like the distributor's own choice).
        orders.filtered(lambda o: o.handling == "distributor_pending")._write_decision(
            {"handling": "vendor"}
        )
        orders._create_receipts()
        held = orders._rma_quote_before_shipping()
        (orders - held)._rma_send_mail("rma_warranty.mail_template_rma_approved")
        orders._rma_sla_sync_pauses()  # issue 17: the units are awaited
        return True

    def _reject(self, reason):
        """Refuse the request for ``reason`` (text). Invoked by the rma.order.reject
        wizard; private, so that RPC reaches it only through the wizard."""
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason of the rejection."))
        orders = self._lock_in_state(
            ["draft", "submitted"],
            self.env._("Cannot reject %(refs)s in state %(states)s."),
        )
        orders._write_decision({"state": "rejected", "reject_reason": reason.strip()})
        orders._rma_sla_stop(("response", "review", "resolution"))
        orders._rma_send_mail("rma_warranty.mail_template_rma_rejected")
        return True

    def action_open_reject(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject RMA"),
            "res_model": "rma.order.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids},
        }

    # ---- Complaints and remote solution (issue 14) ----

    @api.depends("complaint_ids")
    def _compute_complaint_count(self):
        counts = dict(
            self.env["rma.complaint"]._read_group(
                [("rma_id", "in", self.ids)], ["rma_id"], ["__count"]
            )
        )
        for order in self:
            order.complaint_count = counts.get(order, 0)

    def action_solve_remotely(self):
        """Open the wizard that asks how the problem was solved without a return."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Solved Without Return"),
            "res_model": "rma.order.solve",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids},
        }

    def _solve_remotely(self, solution):
        """Close these requests as solved without a return, the problem solved as
        ``solution`` (text) says: their own outcome, with its own email to the
        customer, not a rejection. Invoked by the rma.order.solve wizard; private,
        so that RPC reaches it only through the wizard."""
        if not (solution or "").strip():
            raise UserError(self.env._("Say how the problem was solved."))
        orders = self._lock_in_state(
            ["draft", "submitted", "approved"],
            self.env._("Cannot close %(refs)s as solved in state %(states)s."),
        )
        received = orders.filtered("has_received")
        if received:
            raise UserError(
                self.env._(
                    "Units of %(refs)s were already received: process or return "
                    "them instead.",
                    refs=", ".join(received.mapped("name")),
                )
            )
        orders.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).action_cancel()
        orders._write_decision(
            {
                "state": "solved",
                "remote_solution": solution.strip(),
                "date_done": fields.Datetime.now(),
            }
        )
        # Solving the problem is the response, the review and the resolution of
        # the request.
        orders._rma_sla_stop(("response", "review", "resolution"))
        orders._rma_send_mail("rma_warranty.mail_template_rma_solved")
        return True

    def action_view_complaints(self):
        self.check_access("read")
        return self._action_view_records(
            self.complaint_ids,
            "rma_warranty.rma_complaint_action",
            "rma_warranty.rma_complaint_view_form",
        )

    def action_new_complaint(self):
        """A new complaint form about this RMA (its customer, its company)."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rma_warranty.rma_complaint_action"
        )
        action.update(
            views=[(False, "form")],
            target="current",
            context={
                "default_rma_id": self.id,
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_complaint_type": "service",
            },
        )
        return action

    def action_process(self):
        """Run the resolution of every received line that has one and is not done."""
        orders = self._lock_in_state(
            ["approved", "received", "in_progress"],
            self.env._("Cannot process %(refs)s in state %(states)s."),
        )
        lines = orders.line_ids.filtered(lambda line: line._is_processable())
        if not lines:
            raise UserError(
                self.env._(
                    "Nothing to process: set a resolution on received units first."
                )
            )
        waiting = lines._run_resolutions()
        if waiting:
            return self._refunds_waiting_notification(waiting)
        return True

    def action_done(self):
        orders = self._lock_in_state(
            ["approved", "received", "in_progress"],
            self.env._("Cannot close %(refs)s in state %(states)s."),
        )
        unresolved = orders.line_ids.filtered(lambda line: not line.is_resolved)
        if unresolved:
            raise UserError(
                self.env._(
                    "These units are not resolved yet: %(units)s",
                    units=", ".join(unresolved.mapped("display_name")),
                )
            )
        orders._set_done()
        return True

    def action_cancel(self):
        orders = self._lock_in_state(
            ["draft", "submitted", "approved"],
            self.env._("Cannot cancel %(refs)s in state %(states)s."),
        )
        if orders.line_ids.filtered(lambda line: line.qty_received):
            raise UserError(
                self.env._("Units were already received: return them instead.")
            )
        orders.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).action_cancel()
        orders._write_decision({"state": "cancelled"})
        orders._rma_sla_stop(SLA_STEPS, drop=True)
        return True

    def action_draft(self):
        orders = self._lock_in_state(
            ["rejected", "cancelled"],
            self.env._("Cannot reset %(refs)s in state %(states)s."),
        )
        orders._write_decision({"state": "draft", "reject_reason": False})
        return True

    def action_view_pickings(self):
        return self._action_view_field(
            "picking_ids", "stock.action_picking_tree_all", "stock.view_picking_form"
        )

    def action_view_refunds(self):
        return self._action_view_field(
            "refund_ids",
            "account.action_move_out_refund_type",
            "account.view_move_form",
        )

    def action_print_authorisation(self):
        self._check_authorisation_printable()
        return self.env.ref("rma_warranty.action_report_rma_order").report_action(self)

    def action_view_quotes(self):
        self.ensure_one()
        return self._action_view_field(
            "quote_ids",
            "sale.action_quotations_with_onboarding",
            "sale.view_order_form",
        )

    def action_view_repairs(self):
        self.ensure_one()
        return self._action_view_field(
            "repair_ids",
            "repair.action_repair_order_tree",
            "repair.view_repair_order_form",
        )

    def action_release_shipping(self):
        """Release the shipping instructions before the repair quote is paid: an
        RMA manager's override, with its reason (wizard rma.order.release). A paid
        quote (online) or a paid repair invoice releases them by itself."""
        self._check_release_shipping()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release Shipping"),
            "res_model": "rma.order.release",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids},
        }

    def action_invoice_repairs(self):
        """Invoice the accepted repair quotes (and refused-quote fees) of these RMAs
        through Sale's own invoicing, exactly once."""
        orders = self._lock_in_state(
            ["approved", "received", "in_progress", "done"],
            self.env._("Cannot invoice %(refs)s in state %(states)s."),
        )
        quotes = orders.env["sale.order"].search(
            [("rma_line_id", "in", orders.line_ids.ids), ("state", "=", "sale")]
        )
        lock_rows_nowait(
            quotes, lambda: self.env._("These quotes are being invoiced right now.")
        )
        quotes.invalidate_recordset()
        quotes.order_line.invalidate_recordset()
        to_invoice = quotes.filtered(lambda q: q.invoice_status == "to invoice")
        if not to_invoice:
            raise UserError(self.env._("Nothing to invoice on these repair quotes."))
        invoices = to_invoice._create_invoices()
        return self._action_view_records(
            invoices, "account.action_move_out_invoice_type", "account.view_move_form"
        )

    def action_view_sale_order(self):
        self.ensure_one()
        return self._action_view_field(
            "sale_order_id", "sale.action_orders", "sale.view_order_form"
        )

    # ---- Business methods -----------------------------------------------------------

    def _rma_lock_busy_message(self):
        """The sentence of ``_lock_in_state`` when another transaction holds
        these RMAs."""
        return self.env._(
            "This RMA is being processed by someone else right now. "
            "Reload it and try again."
        )

    def _check_authorisation_printable(self):
        """The RMA authorisation (and its label) tells the customer to ship: only
        an RMA with its number, neither rejected nor cancelled, and not waiting for
        the payment of its repair quote (pay before shipping) has one.

        Called by the Print Authorisation button and by the report itself, so that
        every way in (Print menu, report URL, mail template) is refused alike.
        """
        no_number = self.filtered(
            lambda order: (
                order.is_request_ref or order.state in ("rejected", "cancelled")
            )
        )
        if no_number:
            raise UserError(
                self.env._(
                    "No RMA authorisation can be printed for %(refs)s: only approved "
                    "RMAs that have an RMA number and are not cancelled have one.",
                    refs=", ".join(no_number.mapped("name")),
                )
            )
        held = self.filtered("shipping_hold")
        if held:
            raise UserError(
                self.env._(
                    "No RMA authorisation can be printed for %(refs)s yet: the RMA "
                    "label is released once the repair quote is paid.",
                    refs=", ".join(held.mapped("name")),
                )
            )

    def _check_submittable(self):
        for order in self:
            if not order.partner_id:
                raise UserError(self.env._("%(ref)s has no customer.", ref=order.name))
            if not order.line_ids:
                raise UserError(
                    self.env._("%(ref)s has no unit to return.", ref=order.name)
                )
        self.line_ids._check_line_values()
        self.line_ids._rma_check_reason_required()  # return reasons (issue 17)

    def _rma_next_numbers(self):
        """``{rma: RMA number}``: the numbers of these RMAs being approved, drawn
        per company in one go. Called by ``action_approve``."""
        numbers = {}
        for company, company_orders in self.grouped("company_id").items():
            refs = company._rma_next_references("rma.order", len(company_orders))
            numbers.update(zip(company_orders, refs, strict=True))
        return numbers

    def _approval_vals(self, number, now):
        """The values this RMA takes on approval with its RMA ``number`` at
        ``now``; shipping instructions by default when it has none. Called by
        ``action_approve``."""
        self.ensure_one()
        vals = {
            "state": "approved",
            "date_approved": now,
            "name": number,
            "is_request_ref": False,
        }
        if not html2plaintext(self.shipping_instructions or "").strip():
            vals["shipping_instructions"] = self._default_shipping_instructions(number)
        return vals

    def _refunds_waiting_notification(self, waiting):
        """The warning that the credit notes of ``waiting`` (units) were asked of
        the accounting team instead of issued. Called by ``action_process``."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "message": self.env._(
                    "Credit notes need invoicing rights: the accounting team was "
                    "asked to issue those of %(units)s (an activity on the RMA). "
                    "The other resolutions were processed.",
                    units=", ".join(waiting.mapped("display_name")),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _default_shipping_instructions(self, reference=None):
        """Where and how to send the units; ``reference`` is the RMA number being
        issued when the record does not carry it yet."""
        self.ensure_one()
        address = self.warehouse_id.partner_id or self.company_id.partner_id
        lines = [
            self.env._("Ship the units to our service centre:"),
            address._display_address(),
            self.env._(
                "Write the RMA number %(ref)s on the parcel and enclose the printed "
                "RMA authorisation.",
                ref=reference or self.name,
            ),
        ]
        return Markup("<p>%s</p>") % Markup("</p><p>").join(
            Markup("<br/>").join(row for row in part.splitlines() if row.strip())
            for part in lines
        )

    def _create_receipts(self):
        """One receipt per RMA for its returnable lines, in a handful of queries."""
        picking_vals = []
        orders = self.env["rma.order"]
        for order in self:
            lines = order.line_ids.filtered(lambda line: line._needs_receipt())
            if not lines:
                continue
            orders |= order
            picking_vals.append(order._prepare_receipt_vals(lines))
        if not picking_vals:
            return self.env["stock.picking"]
        pickings = self.env["stock.picking"].create(picking_vals)
        pickings.action_confirm()
        pickings.move_ids._rma_reserve_lots(just_confirmed=True)
        return pickings

    def _rma_customer_location(self):
        """Odoo's Customers location. ``env.ref`` checks with a query, at every
        call, that the record exists; the lookup of its xmlid is cached (issue 16:
        one query less per RMA of an approved or processed batch)."""
        return self.env["stock.location"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id("stock.stock_location_customers")
        )

    def _prepare_receipt_vals(self, lines):
        """Values of the receipt of ``lines`` (units of this RMA) from the customer
        into the RMA location of its service centre. Called by
        ``_create_receipts``; may be overridden."""
        self.ensure_one()
        warehouse = self.warehouse_id
        picking_type = warehouse._rma_get_picking_types()[0]
        customer_location = self._rma_customer_location()
        return {
            "picking_type_id": picking_type.id,
            "partner_id": self.partner_id.id,
            "origin": self.name,
            "location_id": customer_location.id,
            "location_dest_id": warehouse.rma_loc_id.id,
            "company_id": self.company_id.id,
            "rma_order_id": self.id,
            "move_ids": [
                Command.create(
                    line._prepare_receipt_move_vals(picking_type, customer_location)
                )
                for line in lines
            ],
        }

    def _prepare_delivery_vals(self, lines, source):
        """Values of the outgoing transfer of ``lines`` (units of this RMA): from
        stock (``source`` ``stock``: replacements) or from the RMA location
        (``rma``: received units going back). Called by
        ``rma.order.line._create_deliveries``; may be overridden."""
        self.ensure_one()
        warehouse = self.warehouse_id
        picking_type = warehouse._rma_get_picking_types()[1]
        location = warehouse.lot_stock_id if source == "stock" else warehouse.rma_loc_id
        customer_location = self._rma_customer_location()
        return {
            "picking_type_id": picking_type.id,
            "partner_id": self.partner_id.id,
            "origin": self.name,
            "location_id": location.id,
            "location_dest_id": customer_location.id,
            "company_id": self.company_id.id,
            "rma_order_id": self.id,
            "move_ids": [
                Command.create(
                    line._prepare_delivery_move_vals(
                        picking_type, location, source, customer_location
                    )
                )
                for line in lines
            ],
        }

    def _rma_quote_before_shipping(self):
        """Pay before shipping: quote the repair units of these just-approved RMAs
        from the damage level the customer reported, and hold their shipping
        instructions until the quotes are paid. Returns the RMAs put on hold."""
        lines = self.line_ids.filtered(
            lambda line: (
                line.resolution == "repair"
                and line.repair_flow == "prepaid"
                and line.damage_level_id
            )
        )
        if not lines:
            return self.browse()
        quotes = lines._rma_create_quotes()
        held = quotes.rma_line_id.order_id
        held._write_decision({"shipping_hold": True})
        quotes._rma_send_quote()
        return held

    def _check_release_shipping(self):
        if not self.env.user.has_group("rma_warranty.group_rma_manager"):
            raise AccessError(
                self.env._(
                    "Only an RMA manager can release the shipping instructions of an "
                    "RMA whose repair quote is not paid."
                )
            )
        if not all(self.mapped("shipping_hold")):
            raise UserError(self.env._("The shipping instructions were already sent."))

    def _rma_release_shipping_override(self, reason):
        """Send the shipping instructions and the RMA label although the repair
        quote is not (known to be) paid. Called by the rma.order.release wizard;
        the reason stays in the chatter."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                self.env._("Give the reason for releasing the shipping before payment.")
            )
        orders = self._lock_in_state(
            ["approved"],
            self.env._("Cannot release the shipping of %(refs)s in state %(states)s."),
        )
        orders._check_release_shipping()
        orders._write_decision({"shipping_hold": False})
        orders._rma_sla_sync_pauses()  # issue 17: the quote no longer holds us
        body = Markup("<p>%s</p>") % self.env._(
            "Shipping instructions released before the repair quote was paid. "
            "Reason: %(reason)s",
            reason=reason,
        )
        orders._message_log_batch(bodies=dict.fromkeys(orders.ids, body))
        orders._rma_send_mail("rma_warranty.mail_template_rma_approved")
        return orders

    @api.model
    def _rma_refund_accountant(self, company, activity_type):
        """Who issues the credit notes of ``company``'s RMAs for staff without
        invoicing rights: the activity type's default user (Settings > Activity
        Types), else the first user with invoicing rights who can open RMAs."""
        if activity_type.default_user_id:
            return activity_type.default_user_id
        # sudo: the service user may not read groups and users; only the accountant
        # to name on the activity is looked up, nothing else is read.
        accountant_sudo = (
            self.env["res.users"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    ("share", "=", False),
                    ("company_ids", "in", company.id),
                    (
                        "groups_id",
                        "in",
                        self.env.ref("account.group_account_invoice").id,
                    ),
                    ("groups_id", "in", self.env.ref("rma_warranty.group_rma_user").id),
                ],
                order="id",
                limit=1,
            )
        )
        return accountant_sudo.with_env(self.env)

    def _rma_release_shipping_if_paid(self):
        """Release the shipping instructions of RMAs whose repair quotes are all
        confirmed and paid: online (a payment confirms a quotation) or by the
        payment of their invoice (``account.move._invoice_paid_hook``)."""
        released = self.filtered(
            lambda order: (
                order.shipping_hold
                and all(
                    line.quote_id.state == "sale" and line.quote_paid
                    for line in order.line_ids
                    if line.repair_flow == "prepaid" and line.quote_id
                )
            )
        )
        if released:
            released._write_decision({"shipping_hold": False})
            released._rma_sla_sync_pauses()  # issue 17: the quote is paid
            released._rma_send_mail("rma_warranty.mail_template_rma_approved")
        return released

    def _update_state_from_lines(self):
        """Move RMAs along when their units arrive or their resolutions finish."""
        received = self.filtered(
            lambda order: (
                order.state == "approved"
                and order.line_ids.filtered(
                    lambda line: line._needs_receipt() or line.qty_received
                )
                and all(line._is_fully_received() for line in order.line_ids)
            )
        )
        if received:
            received._write_decision(
                {"state": "received", "date_received": fields.Datetime.now()}
            )
            received._rma_send_mail("rma_warranty.mail_template_rma_received")
        resolved = self.filtered(
            lambda order: all(order.line_ids.mapped("is_resolved"))
        )
        resolved.filtered(lambda o: o.state in ("received", "in_progress"))._set_done()
        # A resolution was undone (e.g. its draft credit note deleted).
        (self - resolved).filtered(lambda o: o.state == "done")._write_decision(
            {"state": "in_progress", "date_done": False}
        )

    def _set_done(self):
        self._write_decision({"state": "done", "date_done": fields.Datetime.now()})
        self._rma_sla_stop("resolution")  # issue 17
        self._rma_rating_request()
        # Two emails: the customer's carries its rating links, the distributor's
        # copy must not (whoever opens them rates in the customer's name).
        self._rma_send_mail(
            "rma_warranty.mail_template_rma_done", sides=("customer", "copy")
        )

    # ---- Service levels (issue 14) ----

    @api.depends(
        "sla_step_ids.status", "sla_step_ids.date_deadline", "sla_step_ids.date_paused"
    )
    def _compute_sla_deadline(self):
        for order in self:
            # Issue 17: a paused clock has no deadline to meet while paused.
            running = order.sla_step_ids.filtered(
                lambda s: s.status == "running" and not s.date_paused
            )
            order.sla_deadline = min(running.mapped("date_deadline"), default=False)

    @api.depends("sla_deadline")
    def _compute_sla_is_late(self):
        now = fields.Datetime.now()
        for order in self:
            order.sla_is_late = bool(order.sla_deadline and order.sla_deadline < now)

    def _search_sla_is_late(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        late = [("sla_deadline", "<", fields.Datetime.now())]
        if (operator == "=") == bool(value):
            return late
        return [
            "|",
            ("sla_deadline", "=", False),
            ("sla_deadline", ">=", fields.Datetime.now()),
        ]

    @api.depends(
        "sla_step_ids.status",
        "sla_step_ids.date_deadline",
        "partner_id.country_id",
        "partner_id.state_id",
        "partner_id.zip",
        "warehouse_id",
    )
    def _compute_date_expected(self):
        rules = {}
        for warehouse, orders in self.grouped("warehouse_id").items():
            rules[warehouse] = self.env["rma.transit.rule"]._find_for_partner(
                orders.partner_id, warehouse
            )
        for order in self:
            rule = rules.get(order.warehouse_id, {}).get(order.partner_id)
            order.transit_days_min = rule.days_min if rule else 0
            order.transit_days_max = rule.days_max if rule else 0
            running = order.sla_step_ids.filtered(
                lambda s: s.status == "running" and s.step in SLA_SHIPPING_STEPS
            )
            deadline = max(running.mapped("date_deadline"), default=False)
            order.date_expected = (
                fields.Date.add(
                    fields.Date.context_today(order, deadline),
                    days=order.transit_days_max,
                )
                if deadline
                else False
            )

    def _rma_expected_label(self):
        """ "12/05/2026 (shipping 7-8 days)": the expected return date for people,
        with the transit range to the customer's region; empty without a date."""
        self.ensure_one()
        if not self.date_expected:
            return ""
        date = format_date(self.env, self.date_expected)
        if not self.transit_days_max:
            return date
        if self.transit_days_min == self.transit_days_max:
            return self.env._(
                "%(date)s (shipping %(days)s days)",
                date=date,
                days=self.transit_days_max,
            )
        return self.env._(
            "%(date)s (shipping %(min)s-%(max)s days)",
            date=date,
            min=self.transit_days_min,
            max=self.transit_days_max,
        )

    def _message_post_after_hook(self, message, msg_values):
        """A reply of the staff to the customer (a message, not an internal note
        nor one of the automatic mails, which are notifications) is the first
        response of the request."""
        res = super()._message_post_after_hook(message, msg_values)
        if (
            msg_values.get("message_type") == "comment"
            and msg_values.get("subtype_id")
            == self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
            and self.env.user._is_internal()
            and message.author_id == self.env.user.partner_id
        ):
            self._rma_sla_stop("response")
        return res

    def _rma_sla_customer_sentences(self):
        """What the customer (or distributor) may expect, as whole sentences: when
        the request is reviewed, the quote sent, the units back. Shown on the
        portal page of the RMA (the request's confirmation too) and in its mails;
        called on the RMA in sudo there, after the page's access check."""
        self.ensure_one()
        # sudo: the customer reads their RMA's dates, not its steps (see above).
        running = self.sudo().sla_step_ids.filtered(lambda s: s.status == "running")
        deadlines = {}
        for step in running:
            deadlines[step.step] = max(
                deadlines.get(step.step, step.date_deadline), step.date_deadline
            )
        sentences = []
        if "review" in deadlines:
            sentences.append(
                self.env._(
                    "We will review your request by %(date)s.",
                    date=format_datetime(self.env, deadlines["review"]),
                )
            )
        if "quote" in deadlines:
            sentences.append(
                self.env._(
                    "You will receive the repair quote by %(date)s.",
                    date=format_date(self.env, deadlines["quote"]),
                )
            )
        if self.date_expected:
            sentences.append(
                self.env._(
                    "Expected back with you by %(date)s.",
                    date=self._rma_expected_label(),
                )
            )
        return sentences

    def _rma_sla_policies(self, lines=None):
        """``{line or order: policy}``: the warranty policy giving the targets of
        each unit of ``lines``, and of each RMA of ``self`` (its first unit's, else
        the company default), read in one go."""
        lines = lines if lines is not None else self.env["rma.order.line"]
        products = lines.product_id | self.line_ids.product_id
        by_product = products._get_warranty_policies()
        policies = {}
        for line in lines:
            policies[line] = by_product.get(line.product_id)
        for order in self:
            first = order.line_ids[:1].product_id
            policies[order] = (
                by_product.get(first) or order.company_id.rma_warranty_policy_id
            )
        return policies

    def _rma_sla_start(self, step, lines=None, start=None):
        """Open the service-level ``step`` (a key of ``rma.sla.step.step``, or a
        tuple of keys) of these RMAs, or of ``lines`` (their units) for the unit
        steps, at ``start`` (now).

        Called by the transitions (submit, receipt, quote accepted...); a step that
        an RMA or unit already has (running or closed) is not opened again, nor one
        whose target is 0. Deadlines are planned once per calendar, start and
        target; the steps are created in one batch.
        """
        start = start or fields.Datetime.now()
        keys = (step,) if isinstance(step, str) else tuple(step)
        targets = self.env["rma.sla.step"]._rma_sla_targets()
        owners = lines if lines is not None else self
        # sudo: the steps are records of the transition the caller was allowed to
        # run (its own access checks); users do not create or edit them directly.
        existing = {(s.order_id, s.line_id, s.step) for s in self.sudo().sla_step_ids}
        policies = self._rma_sla_policies(lines)
        defaults = None
        pending = []
        for key in keys:
            unit, fname = targets[key]
            for owner in owners:
                order = owner if owner._name == "rma.order" else owner.order_id
                line = (
                    owner
                    if owner._name == "rma.order.line"
                    else self.env["rma.order.line"]
                )
                if (order, line, key) in existing:
                    continue
                policy = policies.get(owner)
                if not policy and defaults is None:
                    defaults = self.env["rma.warranty.policy"].default_get(
                        [target[1] for target in targets.values()]
                    )
                amount = policy[fname] if policy else defaults.get(fname, 0)
                if amount <= 0:
                    continue
                # Issue 17: a higher priority shortens the target.
                amount = amount * order._rma_sla_priority_percent(policy) / 100
                calendar = order.warehouse_id._get_rma_calendar()
                pending.append((order, line, key, (calendar, start, unit, amount)))
        if not pending:
            return self.env["rma.sla.step"]
        deadlines = self.env["rma.sla.step"]._rma_sla_compute_deadlines(
            plan for __, __, __, plan in pending
        )
        vals_list = [
            {
                **order._prepare_rma_sla_step_vals(key, line, start, deadlines[plan]),
                # Issue 17: the target in working hours, for later replanning.
                "target_hours": plan[3]
                * (1 if plan[2] == "hours" else (plan[0].hours_per_day or 8)),
            }
            for order, line, key, plan in pending
        ]
        # sudo: see _rma_sla_start's comment: the steps are the system's.
        return self.env["rma.sla.step"].sudo().create(vals_list).with_env(self.env)

    def _prepare_rma_sla_step_vals(self, step, line, start, deadline):
        """Values of the service-level ``step`` of this RMA (of its unit ``line``
        if any) started at ``start`` and due at ``deadline``. Called by
        ``_rma_sla_start``; may be overridden."""
        self.ensure_one()
        return {
            "order_id": self.id,
            "line_id": line.id or False,
            "step": step,
            "user_id": self.user_id.id or False,
            "date_start": start,
            "date_deadline": deadline,
        }

    def _rma_sla_stop(self, steps, lines=None, drop=False):
        """Close the running ``steps`` (keys) of these RMAs, or only those of
        ``lines`` (their units): met or missed as of now. ``drop`` removes them
        instead (an RMA cancelled has no service level to keep). Called by the
        transitions (approve, reject, quote sent, unit shipped, cancel)."""
        steps = (steps,) if isinstance(steps, str) else tuple(steps)
        # sudo: see _rma_sla_start; the caller ran the transition.
        running = self.sudo().sla_step_ids.filtered(
            lambda s: (
                s.status == "running"
                and s.step in steps
                and (lines is None or s.line_id in lines)
            )
        )
        if drop:
            running.unlink()
            return running.browse()
        return running._rma_sla_close().with_env(self.env)

    def _rma_send_mail(self, template_xmlid, sides=None):
        """Send the customer email ``template_xmlid`` of this step of these RMAs.

        Deferred (issue 16): the transition only records the emails to send, one
        ``rma.mail.queue`` row per RMA and email in one INSERT, and starts the
        queue's scheduled action right after its commit; the cron renders and posts
        them a batch at a time (``_rma_post_template``), with their PDFs. Even a
        single RMA's email is deferred: the user does not wait for the render of
        its PDF, the customer gets it seconds later, and every email goes the one
        way that is sent exactly once and shows its failures.

        :param sides: the ``rma_mail_recipients`` of each email to send (see
            ``_rma_mail_partners``); default: the one of the context.
        """
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self:
            return self.env["rma.mail.queue"]
        if sides is None:
            sides = (self.env.context.get("rma_mail_recipients") or False,)
        # Who has no email gets none (checked again when it is sent).
        vals_list = [
            order._prepare_rma_mail_queue_vals(template, side)
            for side in sides
            for order in self
            if order.with_context(rma_mail_recipients=side)._rma_mail_partners()
        ]
        return self.env["rma.mail.queue"]._rma_enqueue(vals_list)

    def _prepare_rma_mail_queue_vals(self, template, side):
        """Values of the queued email ``template`` of this RMA to the recipients
        ``side`` (a ``rma_mail_recipients`` key or False). Called by
        ``_rma_send_mail``; may be overridden."""
        self.ensure_one()
        return {
            "order_id": self.id,
            "company_id": self.company_id.id,
            "template_id": template.id,
            "recipients": side,
        }

    def _rma_post_template(self, template):
        """Post ``template`` in the chatter of these RMAs, to their customers.

        One composer renders the template for the whole batch, where
        ``message_post_with_source`` makes one per record. The emails of a batch
        wait in the mail queue, the email of a single RMA goes at once. Called by
        the queue (``rma.mail.queue._rma_post``), with the author of the transition
        as user.
        """
        # The templates' partner_to is _rma_mail_partner_to(): who has an email.
        orders = self.filtered(lambda order: order._rma_mail_partners())
        if not orders:
            return
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                # Also called from other models' actions: none of their defaults.
                clean_context(self.env.context),
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=orders.ids,
                default_template_id=template.id,
                mail_notify_force_send=len(orders) == 1,
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

    def _action_view_field(self, fname, action_xmlid, form_xmlid):
        """The window action of the documents in ``fname`` of these RMAs.

        Invoked by the ``action_view_*`` buttons, which any user may call over RPC
        on any id: access to the RMAs is checked before anything is read, as some
        of these fields are computed in sudo (the credit notes).
        """
        self.check_access("read")
        return self._action_view_records(self.mapped(fname), action_xmlid, form_xmlid)

    @api.model
    def _action_view_records(
        self,
        records,
        action_xmlid="rma_warranty.rma_order_action",
        form_xmlid=None,
        create=False,
    ):
        """The window action that opens ``records``: the form of the one record, or
        the list of them. The one helper of every ``action_view_*`` button: the
        documents of an RMA (``_action_view_field``, ratings, invoices) and the RMAs
        of a sale, serial, picking or invoice (the default action, its own form).

        :param form_xmlid: the form view to open a single record in (default: the
            action's own form view).
        :param create: keep the action's New button (the RMA lists do); the
            documents of an RMA are made by its actions, never from their list.
        """
        action = self.env["ir.actions.act_window"]._for_xml_id(action_xmlid)
        if len(records) == 1:
            form_id = self.env.ref(form_xmlid).id if form_xmlid else False
            action.update(views=[(form_id, "form")], res_id=records.id)
        else:
            action["domain"] = [("id", "in", records.ids)]
        if not create:
            action["context"] = {"create": False}
        return action

    @api.model
    def _action_new_from_moves(self, moves, partner, sale_order=None):
        """A new RMA form prefilled with the units that left on ``moves``: one line
        per serial number, or per move for untracked products."""
        line_values = self.env["rma.order.line"]._prepare_line_vals_from_moves(moves)
        if not line_values:
            raise UserError(self.env._("Nothing was delivered here to return."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rma_warranty.rma_order_action"
        )
        action.update(
            views=[(False, "form")],
            target="current",
            context={
                "default_partner_id": partner.id,
                "default_sale_order_id": sale_order.id if sale_order else False,
                "default_company_id": moves.company_id[:1].id or self.env.company.id,
                "default_line_ids": [Command.create(vals) for vals in line_values],
            },
        )
        return action

    # ---- Mail gateway ---------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An email to the RMA alias becomes a submitted request of its sender.

        It starts from the defaults of the alias it was sent to, never from values
        of the caller (see ``_rma_mail_request_values``). An unknown sender gets a
        contact made from the address, as Odoo does for tasks sent by email, so that
        every request has a customer who receives its acknowledgement and later
        steps. The contact is named after the address alone: the display name of a
        mail is whatever its sender wrote, and the acknowledgement would send it to
        that address, from us. The user running the gateway does not become
        responsible for the request.
        """
        address = email_normalize(msg_dict.get("email_from") or "")
        if not msg_dict.get("author_id") and address:
            # Also authors the incoming message posted after this method returns.
            msg_dict["author_id"] = (
                self.env["mail.thread"]
                ._mail_find_partner_from_emails([address], force_create=True)[0]
                .id
            )
        values = self._prepare_mail_request_vals(msg_dict, custom_values)
        order = super().message_new(msg_dict, custom_values=values)
        if order.partner_id:
            order._write_decision(
                {"state": "submitted", "date_submitted": fields.Datetime.now()}
            )
            order._rma_sla_start(("response", "review", "resolution"))
        # Distributor channel (issue 14): units of the service form, routing.
        order._rma_mail_service_sheet(msg_dict)
        if order.partner_id:
            # Teams (issue 17): the team of the alias, else found by its rules.
            order._rma_route_team()
            order._rma_route_distributor()._rma_notify_distributor()
            order._rma_send_mail("rma_warranty.mail_template_rma_submitted")
        return order

    @api.model
    def _prepare_mail_request_vals(self, msg_dict, custom_values):
        """Values of the RMA that the email ``msg_dict`` files: those of the alias
        it was sent to (``_rma_mail_request_values``), completed with the email's
        channel, subject, body and author (its customer). Called by
        ``message_new``, which ``mail.thread`` completes with these values; may be
        overridden."""
        values = self._rma_mail_request_values(custom_values)
        company = self.env["res.company"].browse(values["company_id"])
        body = msg_dict.get("body") or ""
        values.setdefault("channel", "email")
        values.setdefault("company_id", company.id)
        values.setdefault(
            "warehouse_id", self.with_company(company)._default_warehouse_id().id
        )
        values.setdefault("user_id", False)
        # mail.thread would take the subject as the reference: draw a number instead.
        values["name"] = self.env._("New")
        values.setdefault(
            "description",
            Markup("<p><b>%s</b></p>%s")
            % (msg_dict.get("subject") or "", Markup(body)),
        )
        if msg_dict.get("author_id"):
            values.setdefault("partner_id", msg_dict["author_id"])
        return values

    @api.model
    def _rma_mail_request_values(self, custom_values):
        """The values a request by email starts from: the defaults of the RMA alias
        it was sent to, with a company. Invoked by ``_prepare_mail_request_vals``.

        The gateway passes the alias's defaults (``alias_defaults``) as
        ``custom_values``. A caller may pass anything there: ``message_process``
        hands a caller's values to its fallback route as they are, and runs
        ``message_new`` with administrative rights. So they count only when they
        are exactly the defaults of an RMA alias, which anybody reaches by writing
        to that alias (a team's, issue 17). Otherwise the request gets the defaults
        of the alias of the default team of the user's company (a company the user
        is in, whatever the context says).
        """
        # sudo: aliases are technical records; only their defaults are read, to
        # recognise them, and those are what any sender gets by mail.
        alias_model_sudo = self.env["mail.alias"].sudo()
        aliases_sudo = alias_model_sudo.search(
            [
                ("alias_model_id.model", "=", self._name),
                ("alias_force_thread_id", "=", False),
            ]
        )
        defaults = {
            alias_sudo: ast.literal_eval(alias_sudo.alias_defaults or "{}")
            for alias_sudo in aliases_sudo
        }
        user = self.env.user
        if custom_values and custom_values in defaults.values():
            values = dict(custom_values)
        else:
            company = self.env.company
            if company not in user.company_ids:
                company = user.company_id
            # sudo: the user's own company; its alias is read as above.
            # Teams (issue 17): the alias of the company's default team.
            values = dict(defaults.get(company.sudo().rma_team_id.alias_id) or {})
            values.setdefault("company_id", company.id)
        values.setdefault("company_id", user.company_id.id)
        return values

    @api.model
    def _rma_mail_request_allowed(self, email_from):
        """Whether a new request mailed by ``email_from`` is accepted: at most
        ``rma_warranty.mail_requests_per_hour`` (system parameter, 5 by default,
        0 for no limit) per sender address and hour, counted in the database by
        ``rma.mail.throttle``; addresses allowed on the mail gateway are not
        counted. Over the limit the mail is dropped without a reply,
        which would be sent to whoever the sender claims to be, and logged.
        Invoked by the mail gateway (``mail.thread._detect_loop_sender``).
        """
        # sudo: a technical setting that the gateway reads for any sender.
        params_sudo = self.env["ir.config_parameter"].sudo()
        limit = params_sudo.get_param(
            "rma_warranty.mail_requests_per_hour", MAIL_REQUESTS_PER_HOUR
        )
        try:
            limit = int(limit)
        except ValueError:
            limit = MAIL_REQUESTS_PER_HOUR
        if limit <= 0:
            return True
        sender = email_normalize(email_from or "") or (email_from or "").strip().lower()
        count = self.env["rma.mail.throttle"]._hit(sender)
        if count is None or count <= limit:
            return True
        _logger.info(
            "RMA request by email from %s ignored, without reply: %s requests this "
            "hour, the limit is %s (rma_warranty.mail_requests_per_hour).",
            sender,
            count,
            limit,
        )
        return False

    # ---- Service report -------------------------------------------------------------

    def _rma_send_service_report(self):
        """Mail the service report of these RMAs to their customers: repaired units
        of theirs were just shipped back. Posted in the chatter, the report stays in
        the RMA's attachments."""
        shipped = self._rma_repairs_shipped()
        shipped._rma_send_mail("rma_warranty.mail_template_rma_repaired_shipped")

    def _rma_send_swap_report(self):
        """Mail the service report of these RMAs to their customers: replacement
        units of theirs were just shipped (a swap, free or paid; issue 15).
        Invoked by ``stock.move._action_done``."""
        self.filtered(
            lambda order: any(
                line.resolution == "replace" and line.qty_delivered
                for line in order.line_ids
            )
        )._rma_send_mail("rma_warranty.mail_template_rma_swap_shipped")

    def _rma_repairs_shipped(self):
        """These RMAs that have a repaired unit shipped back, or a replacement
        shipped (a swap, issue 15): they have a service report."""
        return self.filtered(
            lambda order: any(
                (
                    line.resolution == "repair"
                    and line.repair_id
                    # On-site repair (issue 15): repaired where it is.
                    and (line.qty_delivered or line._rma_onsite_repaired())
                )
                or (line.resolution == "replace" and line.qty_delivered)
                for line in order.line_ids
            )
        )

    def _check_service_report_printable(self):
        """The service report tells what was done to the repaired units: it exists
        once one of them is shipped back (it is mailed then). Called by the portal
        route of the report."""
        missing = self - self._rma_repairs_shipped()
        if missing:
            raise UserError(
                self.env._(
                    "No service report is available for %(refs)s yet: it is issued "
                    "once a repaired unit is shipped back.",
                    refs=", ".join(missing.mapped("name")),
                )
            )

    # ---- On-site repair (issue 15) ----

    def _rma_onsite_only(self):
        """Every unit of this RMA is repaired at the customer's: nothing is shipped
        to us (no receipt, no shipping instructions to follow)."""
        self.ensure_one()
        return bool(self.line_ids) and all(
            line._rma_is_onsite() for line in self.line_ids
        )

    def _portal_onsite_next_step(self):
        """The next step of an approved RMA whose units are all repaired on site
        (for ``_portal_next_step``), else False."""
        self.ensure_one()
        if self.state != "approved" or not self._rma_onsite_only():
            return False
        if self.line_ids._rma_onsite_portal_visits():
            return self.env._(
                "Our technician will repair your units at your site on the planned "
                "visit below: please keep them available. Nothing needs to be "
                "shipped."
            )
        return self.env._(
            "Your units will be repaired at your site: we will plan the technician's "
            "visit and let you know. Nothing needs to be shipped."
        )

    # ---- Portal ---------------------------------------------------------------------

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.name

    @api.model
    def _get_portal_domain(self, partner):
        """The RMAs on the portal pages of ``partner``: those of its commercial
        entity, those its entity filed as distributor, and, for a distributor (a
        company), those of the units sold to its entity (sold_by_commercial_id).
        The same parties as the portal record rules (``rma_order_rule_portal``),
        by explicit fields of the RMA, never by followers."""
        entity = partner.commercial_partner_id
        return [
            "|",
            "|",
            ("commercial_partner_id", "=", entity.id),
            ("distributor_commercial_id", "=", entity.id),
            ("sold_by_commercial_id", "=", entity.id),
        ]

    @api.model
    def _get_portal_sortings(self):
        """The ``sortby`` choices of My RMAs: key -> label and order."""
        return {
            "date": {
                "label": self.env._("Newest"),
                "order": "create_date desc, id desc",
            },
            "reference": {"label": self.env._("Reference"), "order": "name, id desc"},
            "state": {"label": self.env._("Status"), "order": "state, id desc"},
        }

    @api.model
    def _get_portal_filters(self):
        """The ``filterby`` choices of My RMAs: key -> label and domain."""
        return {
            "all": {"label": self.env._("All"), "domain": []},
            "open": {
                "label": self.env._("Open"),
                "domain": [("state", "not in", CLOSED_STATES)],
            },
            "to_ship": {
                "label": self.env._("To Ship"),
                "domain": [("state", "=", "approved"), ("shipping_hold", "=", False)],
            },
            "done": {"label": self.env._("Done"), "domain": [("state", "=", "done")]},
            "closed": {
                "label": self.env._("Rejected or Cancelled"),
                "domain": [("state", "in", ("rejected", "cancelled"))],
            },
        }

    @api.model
    def _get_portal_search_inputs(self):
        """The ``search_in`` choices of the search bar of My RMAs."""
        return {
            "all": {"input": "all", "label": self.env._("Search in All")},
            "reference": {
                "input": "reference",
                "label": self.env._("Search in Reference"),
            },
            "serial": {"input": "serial", "label": self.env._("Search in Serial")},
            "product": {"input": "product", "label": self.env._("Search in Product")},
        }

    @api.model
    def _get_portal_search_domain(self, search_in, search):
        """The RMAs whose reference, serial or product (``search_in``: a key of
        ``_get_portal_search_inputs``, else all three) contains ``search``."""
        search = (search or "").replace("\x00", "").strip()
        if not search:
            return []
        # sudo: portal users read neither serials nor products; only the ids of
        # those matching the text are taken, as subqueries of the RMAs that are
        # then searched with the user's rights and rules.
        lots = self.env["stock.lot"].sudo()._search([("name", "ilike", search)])
        products = (
            self.env["product.product"]
            .sudo()  # sudo: see the comment above
            .with_context(active_test=False)
            ._search(
                ["|", ("name", "ilike", search), ("default_code", "ilike", search)]
            )
        )
        # sudo: only the ids of the RMAs whose units match are taken; the RMAs
        # are searched with the user's rules (a search through line_ids would
        # apply the units' rule to every unit again: a join per unit at scale).
        Line = self.env["rma.order.line"].sudo()
        domains = {
            "reference": [("name", "ilike", search)],
            "serial": [
                (
                    "id",
                    "in",
                    Line._search([("lot_id", "in", lots)]).subselect("order_id"),
                )
            ],
            "product": [
                (
                    "id",
                    "in",
                    Line._search([("product_id", "in", products)]).subselect(
                        "order_id"
                    ),
                )
            ],
        }
        if search_in in domains:
            return domains[search_in]
        return expression.OR(domains.values())

    @api.model
    def _get_portal_list_domain(
        self, partner, filterby=None, search_in=None, search=None
    ):
        """The domain of My RMAs for ``partner``, filtered and searched (unknown
        keys mean no filter). Invoked by the portal's list route."""
        filters = self._get_portal_filters()
        return expression.AND(
            [
                self._get_portal_domain(partner),
                filters.get(filterby, filters["all"])["domain"],
                self._get_portal_search_domain(search_in, search),
            ]
        )

    # The columns My RMAs shows of an RMA (fetched with the page's search).
    _PORTAL_LIST_FIELDS = ("name", "date_submitted", "state")

    def _portal_list_rows(self):
        """The rows of My RMAs for these RMAs, in their order, in one batch: dicts
        of ``url``, ``name``, ``units`` (pairs of the product's name and the
        serial's or False, in the units' order), ``date`` (of submission, in the
        user's timezone and language) and ``state`` (its label). The same text the
        fields' widgets would render row by row, at a few queries and one date
        formatting per day for the page. Invoked in sudo by the list route on the
        RMAs the user's rules selected."""
        lines = self.env["rma.order.line"].search_fetch(
            [("order_id", "in", self.ids)],
            ["order_id", "product_id", "lot_id"],
            order="sequence, id",
        )
        lines.lot_id.fetch(["name"])
        units = defaultdict(list)
        for line in lines:
            units[line.order_id.id].append(
                (line.product_id.display_name, line.lot_id.name)
            )
        states = dict(self._fields["state"]._description_selection(self.env))
        days = {
            rma.id: fields.Datetime.context_timestamp(self, rma.date_submitted).date()
            for rma in self
            if rma.date_submitted
        }
        dates = {day: format_date(self.env, day) for day in set(days.values())}
        return [
            {
                "url": rma.access_url,
                "name": rma.name,
                "units": units[rma.id],
                "date": dates.get(days.get(rma.id), ""),
                "state": states.get(rma.state, ""),
            }
            for rma in self
        ]

    def _portal_next_step(self):
        """What happens next, or what the customer is expected to do, as a
        sentence for the portal page of the RMA."""
        self.ensure_one()
        state = self.state
        if state == "draft":
            return self.env._("Your request is not submitted yet.")
        if state == "submitted" and self._portal_distributor_next_step():
            # Distributor channel (issue 14)
            return self._portal_distributor_next_step()
        if state == "submitted":
            return self.env._(
                "Our after-sales team is reviewing your request: you will receive "
                "the RMA number and the shipping instructions once your return is "
                "authorised. Please do not ship anything before that."
            )
        if state == "approved" and self.shipping_hold:
            return self.env._(
                "Accept and pay the repair quote: the shipping instructions and the "
                "RMA label are released once it is paid."
            )
        if self._portal_onsite_next_step():
            # On-site repair (issue 15)
            return self._portal_onsite_next_step()
        if state == "approved":
            return self.env._(
                "Ship the units to our service centre with the printed RMA "
                "authorisation, and write the RMA number %(ref)s on the parcel.",
                ref=self.name,
            )
        if state in ("received", "in_progress") and any(
            quote.state == "sent" for quote in self.line_ids.quote_id
        ):
            return self.env._(
                "A repair quote awaits your decision: the repair starts once you "
                "accept it."
            )
        if state == "received":
            return self.env._(
                "Our service centre has received your units and is checking them: "
                "you will be informed of the outcome."
            )
        if state == "in_progress":
            return self.env._(
                "Your units are being processed: repaired, replaced or refunded, as "
                "decided for each of them."
            )
        if state == "done":
            return self.env._(
                "Your RMA is complete: nothing more is expected from you."
            )
        if state == "solved":
            return self.env._(
                "Your request was solved without a return, nothing is to be "
                "shipped to us. How it was solved: %(solution)s",
                solution=self.remote_solution or "",
            )
        if state == "rejected" and self.reject_reason:
            return self.env._(
                "Your request was not accepted: %(reason)s", reason=self.reject_reason
            )
        if state == "rejected":
            return self.env._("Your request was not accepted.")
        return self.env._("This RMA was cancelled: nothing more is expected from you.")

    def _portal_timeline(self):
        """The steps of the RMA for its portal page: dicts of ``label``, ``date``
        (formatted, or empty), ``done`` and ``current``."""
        self.ensure_one()
        labels = dict(self._fields["state"]._description_selection(self.env))
        dates = {
            "submitted": self.date_submitted,
            "approved": self.date_approved,
            "received": self.date_received,
            "done": self.date_done,
        }
        if self.state in ("solved", "rejected", "cancelled"):
            steps = [step for step in PORTAL_STEPS if dates.get(step)]
            steps.append(self.state)
            reached = len(steps) - 1
        else:
            steps = list(PORTAL_STEPS)
            reached = steps.index(self.state) if self.state in steps else -1
        timeline = []
        for index, step in enumerate(steps):
            when = dates.get(step)
            timeline.append(
                {
                    "label": labels[step],
                    "date": format_date(
                        self.env, fields.Datetime.context_timestamp(self, when)
                    )
                    if when
                    else "",
                    "done": index <= reached,
                    "current": index == reached,
                }
            )
        return timeline

    def _portal_authorisation_available(self):
        """Whether the portal page offers the authorisation (the RMA label)."""
        self.ensure_one()
        try:
            self._check_authorisation_printable()
        except UserError:
            return False
        return True

    def _portal_documents(self):
        """The documents of this RMA its customer sees: {kind: records} of the sent
        or confirmed repair ``quote`` s, the posted ``invoice`` s of its quotes and
        fees, the posted ``refund`` s (credit notes) of its units; all found from
        the RMA's own units. Called in sudo, after the portal's access check."""
        self.ensure_one()
        orders = self.env["sale.order"].search(
            [
                ("rma_line_id", "in", self.line_ids.ids),
                ("state", "in", ("sent", "sale")),
            ]
        )
        return {
            "quote": orders.filtered(lambda order: not order.rma_fee),
            "invoice": orders.invoice_ids.filtered(
                lambda move: move.state == "posted" and move.move_type == "out_invoice"
            ),
            "refund": self.refund_ids.filtered(lambda move: move.state == "posted"),
        }

    def _portal_document(self, kind, document_id):
        """The document ``document_id`` of ``kind`` (see ``_portal_documents``) if
        it belongs to this RMA, else an empty recordset."""
        documents = self._portal_documents().get(kind)
        if documents is None:
            return self.env["sale.order"]
        return documents.filtered(lambda document: document.id == document_id)

    def _portal_page_values(self, partner=None):
        """The values of the portal page of this RMA: its timeline and next step,
        its reports and documents, and for ``partner`` (who reads the page) the
        rating link when it is the customer's. Invoked in sudo by the portal route,
        after its access check: the customer sees these as part of the RMA."""
        self.ensure_one()
        documents = self._portal_documents()
        return {
            "rma": self,
            "page_name": "rma",
            "timeline": self._portal_timeline(),
            "next_step": self._portal_next_step(),
            "authorisation_available": self._portal_authorisation_available(),
            "service_report_available": bool(self._rma_repairs_shipped()),
            "quotes": documents["quote"],
            "invoices": documents["invoice"],
            "refunds": documents["refund"],
            "rating_token": self._portal_rating_token(
                partner or self.env["res.partner"]
            ),
            # Distributor channel (issue 14): Handle / Escalate buttons.
            "distributor_choice": self._portal_distributor_choice_available(
                partner or self.env["res.partner"]
            ),
        }

    # ---- Rating and mail recipients -------------------------------------------------

    def _rating_get_partner(self):
        """The customer rates the service of their RMA (Odoo's rating mixin: the
        partner of the rating links in the done email)."""
        return self.partner_id

    def _rating_refusal(self):
        """Why this RMA cannot be rated now, or an empty string. Only a done RMA is
        rated: its done email carries the rating links. Called by the rating
        routes (see controllers/rating.py) and by rating_apply."""
        self.ensure_one()
        if self.state != "done":
            return self.env._(
                "RMA %(ref)s is not completed yet: it can be rated once it is done.",
                ref=self.name,
            )
        return ""

    def rating_apply(
        self,
        rate,
        token=None,
        rating=None,
        feedback=None,
        subtype_xmlid=None,
        notify_delay_send=False,
    ):
        """Refuse to rate an RMA that is not done (a link of an RMA reopened since
        its done email, or a rating by code)."""
        refusal = self._rating_refusal()
        if refusal:
            raise UserError(refusal)
        return super().rating_apply(
            rate,
            token=token,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )

    def _rma_rating_request(self):
        """Create, in one batch, the pending rating request of the customer of each
        of these RMAs that has none (and an email): the rating links of the done
        email carry its token (``_rating_get_access_token`` in the template finds
        it, where it would create one rating per RMA). Invoked by _set_done."""
        vals_list = [
            order._prepare_rating_request_vals()
            for order in self
            # Only the customer rates, through their done email.
            if order.partner_id.email
            and not order.rating_ids.filtered(
                lambda rating, order=order: (
                    rating.partner_id == order.partner_id and not rating.consumed
                )
            )
        ]
        if vals_list:
            # sudo: the user just closed these RMAs (_write_decision checked their
            # right to write them); the request is Odoo's rating, created in sudo as
            # _rating_get_access_token creates it.
            self.env["rating.rating"].sudo().create(vals_list)
            self.invalidate_recordset(["rating_ids"])

    def _prepare_rating_request_vals(self):
        """Values of the pending rating request of this RMA's customer (those of
        Odoo's ``_rating_get_access_token``). Invoked by _rma_rating_request; may
        be overridden."""
        self.ensure_one()
        return {
            "partner_id": self._rating_get_partner().id,
            "rated_partner_id": self._rating_get_operator().id,
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            # Given, as Odoo's compute would read each RMA's name one by one.
            "res_name": self.display_name,
            "is_internal": False,
        }

    def action_view_ratings(self):
        """The ratings the customer gave (the pending rating requests aside)."""
        self.check_access("read")
        return self._action_view_records(
            self.rating_ids.filtered("consumed"),
            "rating.rating_rating_action",
            "rating.rating_rating_view_form",
        )

    def _get_allowed_message_post_params(self):
        """A rating is given through the rating links only (token, done RMA):
        never with the chatter's ``rating_value`` (portal_rating allows it on every
        thread), which would let anyone who reads the RMA rate it in any state."""
        return super()._get_allowed_message_post_params() - {"rating_value"}

    def _portal_rating_token(self, partner):
        """The token of the pending rating request of this RMA when ``partner``
        belongs to the customer's entity (the done email created it), else False:
        the portal page offers "Rate this service" to the customer only, never to
        a distributor or to a visitor with the RMA's link. Reads only (the page is
        a read-only route). Called in sudo by the portal page."""
        self.ensure_one()
        if (
            self._rating_refusal()
            or not partner.commercial_partner_id
            or partner.commercial_partner_id != self.commercial_partner_id
        ):
            return False
        rating = self.rating_ids.filtered(
            lambda r: r.partner_id == self.partner_id and not r.consumed
        )[:1]
        return rating.access_token or False

    def _rma_mail_copies_distributor(self):
        """Whether the customer emails of this RMA also go to its distributor: when
        the distributor filed it (channel Distributor) or handles it (``handling``,
        issue 14) for a customer of another commercial entity. A reseller recorded
        only because it sold the units gets no copy (it filed nothing and handles
        nothing; it still reads the RMA on its portal)."""
        self.ensure_one()
        return bool(
            (self.channel == "distributor" or self.handling == "distributor")
            and self.distributor_id
            and self.distributor_id.commercial_partner_id != self.commercial_partner_id
        )

    def _rma_mail_partners(self):
        """Who the customer emails of this RMA go to: the customer and, as a copy,
        the distributor that filed it (see _rma_mail_copies_distributor); those
        with an email address. Recipients of the message, not followers: access to
        the RMA comes from the partner fields, never from following it.

        The context key ``rma_mail_recipients`` sends an email to one side only:
        ``customer`` or ``copy`` (the done email, whose rating links are the
        customer's), or ``distributor`` (the distributor assigned, issue 14)."""
        self.ensure_one()
        side = self.env.context.get("rma_mail_recipients")
        if side == "distributor":
            return self.distributor_id.filtered("email")
        partners = self.env["res.partner"]
        if side != "copy":
            partners |= self.partner_id
        if side != "customer":
            partners |= self._rma_mail_copy_partners()
        return partners.filtered("email")

    def _rma_mail_copy_partners(self):
        """The partners that get a copy of the customer emails of these RMAs (and
        of their repair quotes): the distributors that filed them for a customer
        (see _rma_mail_copies_distributor) and have an email address."""
        return self.filtered(
            lambda order: order._rma_mail_copies_distributor()
        ).distributor_id.filtered("email")

    def _rma_mail_partner_to(self):
        """The ``partner_to`` of the RMA's mail templates (ids, comma-separated)."""
        self.ensure_one()
        return ",".join(str(pid) for pid in self._rma_mail_partners().ids)

    # ---- Distributor channel (issue 14) ----
    #
    # SINNEN: an end user goes to its distributor first; when it comes to us, we
    # find the distributor by the serial (whom we sold the unit to) or by the
    # region it bought in, and the distributor handles the case or escalates it
    # to us. The distributor of a request is routed once, when it is submitted
    # (``action_submit``, ``message_new``): every channel. ``handling`` and
    # ``distributor_route`` are decisions, changed by the actions below only.

    def _rma_distributor_decision_message(self, fname):
        """The sentence naming the action that decides ``fname``, a field of the
        distributor channel. Called by ``_rma_decision_message``."""
        if fname == "handling":
            return self.env._(
                "Who handles an RMA changes only with its actions: the distributor "
                "assigned handles it or escalates it, and staff reassign it with "
                "Assign to Distributor."
            )
        if fname == "distributor_route":
            return self.env._(
                "How the distributor of an RMA was found is recorded when it is "
                "submitted or assigned to a distributor."
            )
        return self.env._(
            "The serial numbers not matched are those of the service form mailed: "
            "they are recorded when the email is received."
        )

    def _rma_route_address(self):
        """The partner whose address places the customer in a region: the contact
        when it has a country, else its commercial entity."""
        self.ensure_one()
        if self.partner_id.country_id:
            return self.partner_id
        return self.commercial_partner_id

    def _rma_route_decide(self, regions):
        """``(route, distributor)`` of this RMA (sudo) being submitted, in this
        order: filed by a distributor (or for a distributor's own entity: we
        handle it), sold through a distributor (the serial), a distributor set by
        staff (kept; we handle the request until staff assign it to the
        distributor), the region rule of the customer's address (``regions``: the
        ``rma.distributor.rule._find_for_partners`` answer), else none. Called by
        ``_rma_route_distributor``; may be overridden."""
        self.ensure_one()
        entity = self.commercial_partner_id
        no_one = self.env["res.partner"]
        if (self.channel == "distributor" and self.distributor_id) or (
            entity and entity._rma_is_distributor()
        ):
            return "filed", no_one
        if self.sold_by_commercial_id:
            if self.distributor_commercial_id == self.sold_by_commercial_id:
                return "serial", self.distributor_id
            return "serial", self.sold_by_commercial_id
        distributor = self.distributor_commercial_id
        if distributor and distributor != entity and distributor._rma_is_distributor():
            return "manual", self.distributor_id
        region = regions.get(self._rma_route_address()) if entity else None
        if region and region.commercial_partner_id != entity:
            return "region", region
        return "none", no_one

    def _rma_route_distributor(self):
        """Find and assign the distributor of these submitted requests, in batch
        (one search of region rules per company, one write per outcome). Those
        routed already (``distributor_route`` set) stay as they are: staff
        reassign with ``action_distributor_assign``. Returns the RMAs now awaiting
        their distributor's choice, for ``_rma_notify_distributor``. Called by
        ``action_submit`` and ``message_new``."""
        orders = self.filtered(lambda order: not order.distributor_route)
        if not orders:
            return self.browse()
        # sudo: whom we sold the units to and the region rules decide the route;
        # whoever submits (a portal user, staff without stock rights) may read
        # neither. Only the route and the distributor are taken.
        orders_sudo = orders.sudo()
        Rule = self.env["rma.distributor.rule"].sudo()  # sudo: see the comment above
        regions = {}
        for company, company_orders in orders_sudo.grouped("company_id").items():
            addresses = self.env["res.partner"].union(
                *(order._rma_route_address() for order in company_orders)
            )
            regions.update(Rule._find_for_partners(addresses, company))
        groups = defaultdict(list)
        for order, order_sudo in zip(orders, orders_sudo, strict=True):
            route, distributor = order_sudo._rma_route_decide(regions)
            groups[route, distributor.id].append(order.id)
        for (route, distributor_id), order_ids in groups.items():
            vals = {
                "distributor_route": route,
                # A distributor staff set by hand is recorded; staff hand the
                # request over with Assign to Distributor.
                "handling": "distributor_pending"
                if route in ("serial", "region")
                else "vendor",
            }
            if distributor_id:
                vals["distributor_id"] = distributor_id
            self.browse(order_ids)._write_decision(vals)
        return orders.filtered(lambda order: order.handling == "distributor_pending")

    def _rma_notify_distributor(self):
        """Mail the distributor assigned to each of these RMAs the request, with
        the choice to handle it or to escalate it to us (its portal page).
        Invoked after ``_rma_route_distributor`` and by
        ``action_distributor_assign``."""
        self.with_context(rma_mail_recipients="distributor")._rma_send_mail(
            "rma_warranty.mail_template_rma_distributor_assigned"
        )

    def _rma_lock_handling(self, handlings, message, states=None):
        """Lock these open RMAs (in ``states`` when given) and check that their
        ``handling`` is one of ``handlings``, for the exactly-once actions below:
        a double click or a second worker is refused. ``message``: the caller's
        whole sentence with ``%(refs)s``. Returns the RMAs without the caller's
        ``default_*`` keys."""
        if not self:
            return self
        self.check_access("write")
        lock_rows_nowait(
            self,
            lambda: self.env._(
                "This RMA is being processed by someone else right now. "
                "Reload it and try again."
            ),
        )
        self.invalidate_recordset(["handling", "state"])
        wrong = self.filtered(
            lambda order: (
                order.handling not in handlings
                or order.state in CLOSED_STATES
                or (states is not None and order.state not in states)
            )
        )
        if wrong:
            raise UserError(message % {"refs": ", ".join(wrong.mapped("name"))})
        # A new context on purpose: keys are removed, which kwargs cannot do.
        return self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden

    def action_distributor_handle(self):
        """The distributor assigned handles these requests itself (before we
        approve them): it gets the copies of their customer emails from now on."""
        orders = self._rma_lock_handling(
            ("distributor_pending",),
            self.env._(
                "%(refs)s no longer await the distributor's choice: reload the page."
            ),
            states=("draft", "submitted"),
        )
        orders._write_decision({"handling": "distributor"})
        log_notes(
            (
                order,
                Markup("<p>%s</p>")
                % self.env._(
                    "%(distributor)s handles this request.",
                    distributor=order.distributor_id.display_name,
                ),
            )
            for order in orders
        )
        return True

    def action_distributor_escalate(self):
        """The distributor assigned escalates these requests to us: we handle
        them, and their responsible gets a to-do."""
        orders = self._rma_lock_handling(
            ("distributor_pending", "distributor"),
            self.env._("%(refs)s are not handled by a distributor: reload the page."),
        )
        orders._write_decision({"handling": "escalated"})
        log_notes(
            (
                order,
                Markup("<p>%s</p>")
                % self.env._(
                    "%(distributor)s escalated this request to us.",
                    distributor=order.distributor_id.display_name,
                ),
            )
            for order in orders
        )
        for order in orders.filtered("user_id"):
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Escalated by the distributor"),
                user_id=order.user_id.id,
            )
        return True

    def action_distributor_assign(self):
        """Staff hand these requests to the distributor set on them (or reassign
        them to another one) and notify it, whatever routing found."""
        if not self.env.user.has_group("rma_warranty.group_rma_user"):
            raise AccessError(
                self.env._("Only after-sales staff assign requests to distributors.")
            )
        orders = self._rma_lock_handling(
            ("vendor", "distributor_pending", "distributor", "escalated"),
            self.env._("%(refs)s are closed: they cannot be assigned any more."),
        )
        missing = orders.filtered(
            lambda order: (
                not order.distributor_id
                or not order.distributor_id._rma_is_distributor()
                or order.distributor_commercial_id == order.commercial_partner_id
            )
        )
        if missing:
            raise UserError(
                self.env._(
                    "Choose, as the distributor of %(refs)s, a distributor that "
                    "resells our products and is not the customer.",
                    refs=", ".join(missing.mapped("name")),
                )
            )
        orders._write_decision(
            {"distributor_route": "manual", "handling": "distributor_pending"}
        )
        orders._rma_notify_distributor()
        return True

    def _portal_distributor_is_assigned(self, partner):
        """Whether ``partner`` (the logged-in user's, given by the portal: the
        environment of a record checked by the portal is the superuser's)
        belongs to the distributor assigned to this RMA."""
        self.ensure_one()
        entity = partner.commercial_partner_id
        return bool(entity and entity == self.distributor_commercial_id)

    def _portal_distributor_choice_available(self, partner):
        """What the portal page offers ``partner`` to decide on this request:
        ``both`` (handle it or escalate it: it awaits its distributor's choice),
        ``escalate`` (its distributor handles it and may still hand it to us),
        or False. Called in sudo by ``_portal_page_values``."""
        self.ensure_one()
        if not self._portal_distributor_is_assigned(partner):
            return False
        if self.handling == "distributor_pending" and self.state == "submitted":
            return "both"
        if self.handling == "distributor" and self.state not in CLOSED_STATES:
            return "escalate"
        return False

    def _portal_distributor_next_step(self):
        """The next step of this submitted request while a distributor has it
        (for its portal page), or an empty string. Called by
        ``_portal_next_step``."""
        self.ensure_one()
        name = self.distributor_id.commercial_partner_id.name
        if self.handling == "distributor_pending":
            return self.env._(
                "Your request was passed to your distributor %(distributor)s, who "
                "handles it or hands it to our after-sales team.",
                distributor=name,
            )
        if self.handling == "distributor":
            return self.env._(
                "Your distributor %(distributor)s handles your request and will "
                "contact you. Please do not ship anything before that.",
                distributor=name,
            )
        return ""

    def _portal_distributor_decide(self, choice, partner):
        """The choice (``handle`` or ``escalate``) of ``partner``, a portal user
        of the distributor assigned. Invoked in sudo by POST
        /my/rmas/<id>/distributor/<choice> once the route checked that the user
        reads the RMA: the customer (or anyone with the RMA's link) is refused
        here."""
        self.ensure_one()
        if not self._portal_distributor_is_assigned(partner):
            raise AccessError(
                self.env._(
                    "Only the distributor this request was assigned to chooses "
                    "whether to handle it."
                )
            )
        if choice == "handle":
            return self.action_distributor_handle()
        if choice == "escalate":
            return self.action_distributor_escalate()
        raise UserError(self.env._("Choose to handle the request or to escalate it."))

    # Service form by email: how many of its serial numbers the chatter lists.
    _SERVICE_SHEET_NOTE_MAX = 50

    def _rma_mail_service_sheet(self, msg_dict):
        """Units from the service form of the email ``msg_dict`` that filed this
        request: the serial numbers in its text and in its CSV or XLSX
        attachments (``rma_warranty.service_sheet``) become units when the
        sender's commercial entity (or, for a distributor, its customers)
        received them; the others, unknown or received by someone else, are
        listed for staff (``mail_unmatched_serials`` and an internal note),
        without saying whose they are. Called by ``message_new``."""
        self.ensure_one()
        attachments = [
            (attachment[0], attachment[1], None)
            for attachment in msg_dict.get("attachments") or ()
        ]
        sheet = service_sheet.read_mail(
            html2plaintext(msg_dict.get("body") or ""), attachments
        )
        if not sheet.serials and not sheet.problems:
            return
        lots_by_serial = self._rma_service_sheet_lots(list(sheet.serials))
        vals_list, unknown, foreign = [], [], []
        for serial, fault in sheet.serials.items():
            lots = lots_by_serial.get(serial)
            if not lots:
                if serial in sheet.labelled:
                    unknown.append(serial)
                continue
            mine = lots.filtered(self._rma_service_sheet_may_file)
            if len(mine) != 1:  # someone else's, or several products: staff choose
                (unknown if mine else foreign).append(serial)
                continue
            vals_list.append(self._prepare_service_sheet_line_vals(mine, fault))
        lines = self.env["rma.order.line"].create(vals_list)
        self._rma_service_sheet_report(lines, unknown, foreign, sheet.problems)

    def _rma_service_sheet_lots(self, serials):
        """``{serial: lots}`` of our serials named exactly ``serials`` (sudo), of
        this RMA's company or of none: one search. Called by
        ``_rma_mail_service_sheet``."""
        if not serials:
            return {}
        # sudo: the mail gateway's user need not read serials; the units are
        # checked to be the sender's (_rma_service_sheet_may_file) before any of
        # them is filed, and nothing of the others is told to the sender.
        lots_sudo = (
            self.env["stock.lot"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    ("name", "in", serials),
                    ("company_id", "in", [False, self.company_id.id]),
                ]
            )
        )
        return lots_sudo.grouped("name")

    def _rma_service_sheet_may_file(self, lot):
        """Whether the sender of this RMA's service form (its customer) may file
        ``lot``: we delivered it to the customer's entity (a distributor: the
        units it sold on to its customers too), or it is registered to it."""
        entity = self.commercial_partner_id
        return bool(
            entity
            and entity
            in (
                lot.warranty_sold_to_id.commercial_partner_id
                | lot.warranty_owner_id.commercial_partner_id
            )
        )

    def _prepare_service_sheet_line_vals(self, lot, fault):
        """Values of the unit ``lot`` (sudo) of the service form mailed, with the
        ``fault`` its row describes. Called by ``_rma_mail_service_sheet``; may be
        overridden."""
        self.ensure_one()
        return {
            "order_id": self.id,
            "product_id": lot.product_id.id,
            "lot_id": lot.id,
            "quantity": 1.0,
            "fault_description": fault or False,
        }

    def _rma_service_sheet_report(self, lines, unknown, foreign, problems):
        """Say in the chatter what the service form gave: the units added, the
        serial numbers ``unknown`` and ``foreign`` (received by someone else),
        kept in ``mail_unmatched_serials``, and the attachments that could not be
        read (``problems``). Called by ``_rma_mail_service_sheet``."""
        self.ensure_one()
        shown = self._SERVICE_SHEET_NOTE_MAX
        paragraphs = []
        if lines:
            paragraphs.append(
                self.env._(
                    "Units added from the service form: %(serials)s.",
                    serials=", ".join(lines.lot_id.mapped("name")[:shown]),
                )
            )
        unmatched = []
        if unknown:
            unmatched.append(
                self.env._(
                    "Not found among our serial numbers: %(serials)s.",
                    serials=", ".join(unknown[:shown]),
                )
            )
        if foreign:
            unmatched.append(
                self.env._(
                    "Not among the units the sender or its customers received: "
                    "%(serials)s.",
                    serials=", ".join(foreign[:shown]),
                )
            )
        paragraphs += unmatched
        sizes = f"{service_sheet.MAX_FILE_BYTES / 1024 / 1024:g}"
        messages = {
            "too_large": lambda name: self.env._(
                "The attachment %(name)s was not read: it is larger than %(size)s MB.",
                name=name,
                size=sizes,
            ),
            "broken": lambda name: self.env._(
                "The attachment %(name)s could not be read as a CSV or XLSX sheet.",
                name=name,
            ),
            "no_reader": lambda name: self.env._(
                "The attachment %(name)s is an XLSX sheet, which this server cannot "
                "read: ask for it as CSV.",
                name=name,
            ),
            "too_many": lambda name: self.env._(
                "The email names more than %(count)s serial numbers: only the "
                "first %(count)s were read.",
                count=service_sheet.MAX_SERIALS,
            ),
        }
        paragraphs += [messages[kind](name) for name, kind in problems]
        if unmatched:
            self._write_decision({"mail_unmatched_serials": "\n".join(unmatched)})
        if paragraphs:
            log_notes(
                [
                    (
                        self,
                        Markup("").join(
                            Markup("<p>%s</p>") % text for text in paragraphs
                        ),
                    )
                ]
            )

    # ---- Portal requests ------------------------------------------------------------

    # What one request filed on the portal may carry (see _portal_create_request).
    _PORTAL_MAX_UNITS = 20
    _PORTAL_MAX_FILES = 10
    # Default of the system parameter rma_warranty.portal_upload_max_mb.
    _PORTAL_UPLOAD_MAX_MB = 10
    # Photos and documents, recognised from their content, not from what the
    # browser says they are.
    _PORTAL_UPLOAD_TYPES = frozenset(
        {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}
    )
    _PORTAL_TOKEN_SCOPE = "rma_warranty.portal_request"
    # Defaults of rma_warranty.portal_requests_per_hour and
    # rma_warranty.portal_lookups_per_minute (system parameters, 0: no limit).
    _PORTAL_REQUESTS_PER_HOUR = 10
    _PORTAL_LOOKUPS_PER_MINUTE = 30

    @api.model
    def _portal_check_filer(self, partner):
        """Only a logged-in user files a request, and as their own partner: the
        one access check before the portal methods below work in sudo."""
        user = self.env.user
        if user._is_public() or partner != user.partner_id:
            raise AccessError(
                self.env._("Log in to file a return request for your own units.")
            )

    @api.model
    def _portal_rate_limit(self, scope, param, default, window_seconds):
        """Count one hit of the user in ``scope`` (rma.rate.limit, shared by every
        worker) and refuse it over the limit the system parameter ``param`` sets
        (``default`` when unset, 0 for no limit)."""
        # sudo: a technical setting that portal users are counted against.
        value = self.env["ir.config_parameter"].sudo().get_param(param, default)
        try:
            limit = int(value)
        except ValueError:
            limit = default
        if limit <= 0:
            return
        if not self.env["rma.rate.limit"]._hit(
            scope, self.env.uid, limit, window_seconds
        ):
            if scope == "rma_request_lookup":
                raise RmaTooManyRequests(
                    self.env._(
                        "Too many serial numbers checked in a short time: wait a "
                        "minute and try again."
                    )
                )
            raise RmaTooManyRequests(
                self.env._(
                    "You filed many requests in a short time: wait an hour before "
                    "filing another one, or contact us."
                )
            )

    @api.model
    def _portal_request_form_values(self, partner, serial=None):
        """What the new-request form offers ``partner`` (the user's own partner):
        the failed components to choose from, the contacts it may file for (a
        company's customers; None when the user is an individual), a one-time
        token and the serial to prefill. Invoked by GET /my/rmas/new."""
        self._portal_check_filer(partner)
        # sudo: portal users do not read components; only their names are offered.
        components_sudo = self.env["rma.warranty.component"].sudo().search([])
        contacts = None
        if partner.commercial_partner_id.is_company:
            contacts = [
                (contact_sudo.id, contact_sudo.name)
                for contact_sudo in self._portal_request_contacts(partner)
            ]
        if not isinstance(serial, str) or len(serial) > 64:
            serial = ""
        return {
            "components": [(c.id, c.name) for c in components_sudo],
            "contacts": contacts,
            "token": self._portal_request_new_token(),
            "serial": serial.strip(),
            "max_mb": self._portal_upload_max_mb_label(),
            # Return reasons (issue 17).
            "reasons": self._portal_request_reason_choices(),
            "reason_required": self.env.company.rma_reason_required,
        }

    @api.model
    def _portal_request_contacts(self, partner, contact_ids=None):
        """The contacts of ``partner``'s commercial entity it may file for (its
        customers, as a distributor records them), in sudo; only ``contact_ids``
        when given."""
        commercial = partner.commercial_partner_id
        domain = [
            ("id", "child_of", commercial.id),
            ("id", "not in", (commercial | partner).ids),
            ("type", "in", ("contact", "other")),
        ]
        if contact_ids is not None:
            domain.append(("id", "in", contact_ids))
        # sudo: portal users read only their own partner; the contacts are searched
        # under their own commercial entity, checked by the domain itself.
        return self.env["res.partner"].sudo().search(domain, order="name, id")

    @api.model
    def _portal_request_new_token(self):
        """A one-time token for the form: random, signed for this user, so that the
        same form sent twice (double click, replay) files one request only."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._portal_request_token_signature(nonce)}"

    @api.model
    def _portal_request_token_signature(self, nonce):
        # su: the database secret signs the token; the secret itself is never shown.
        return hmac(self.env(su=True), self._PORTAL_TOKEN_SCOPE, (self.env.uid, nonce))

    @api.model
    def _portal_request_check_token(self, token):
        nonce, _sep, signature = (token if isinstance(token, str) else "").partition(
            "."
        )
        if not (
            nonce
            and signature
            and consteq(signature, self._portal_request_token_signature(nonce))
        ):
            raise UserError(
                self.env._("This form has expired: reload the page and fill it in.")
            )
        # sudo: the token field is technical; only whether it was used is read.
        used_sudo = self.sudo().search([("portal_request_token", "=", token)], limit=1)
        if used_sudo:
            raise UserError(
                self.env._(
                    "This form was already sent: it filed request %(ref)s. Open a "
                    "new form to file another request.",
                    ref=used_sudo.name,
                )
            )

    @api.model
    def _portal_int(self, value):
        """An id posted by the portal, or None when nothing was chosen; False when
        it is not a number at all."""
        if value in (None, "", False):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return False

    @api.model
    def _portal_text(self, value, size=None):
        text = value.strip() if isinstance(value, str) else ""
        return text[:size] if size else text

    @api.model
    def _portal_request_customer(self, partner, customer):
        """Who the request is for: ``partner`` itself (no ``customer``), one of its
        contacts (``{"partner_id": id}``) or a new contact under its commercial
        entity (``{"name": ..., "email": ...}``). Returns the customer (sudo) and
        the values of the contact to create, or None."""
        if not customer:
            return partner, None
        if not partner.commercial_partner_id.is_company:
            raise UserError(
                self.env._(
                    "Only a company files requests for its customers: file this "
                    "one for yourself."
                )
            )
        contact_id = self._portal_int(customer.get("partner_id"))
        if contact_id is not None:
            contact_sudo = (
                self._portal_request_contacts(partner, [contact_id])
                if contact_id
                else None
            )
            if not contact_sudo:
                raise UserError(
                    self.env._("Choose the customer among your own contacts.")
                )
            return contact_sudo, None
        name = self._portal_text(customer.get("name"), 128)
        email = email_normalize(self._portal_text(customer.get("email"), 256))
        if not name:
            raise UserError(self.env._("Give the name of your customer."))
        if not email:
            raise UserError(self.env._("Give a valid email address of your customer."))
        return None, self._prepare_portal_customer_vals(partner, name, email)

    @api.model
    def _prepare_portal_customer_vals(self, partner, name, email):
        """Values of the new contact a company files a request for, under its
        commercial entity. Called by ``_portal_request_customer`` (created by
        ``_portal_request_file``); may be overridden."""
        return {
            "name": name,
            "email": email,
            "parent_id": partner.commercial_partner_id.id,
            "type": "contact",
        }

    @api.model
    def _portal_request_units(self, partner, customer, units):
        """Check the units posted and find their serials: ``[(lot_sudo, component,
        unit)]``. Raises a clear message on the first problem: first in what was
        typed (``_portal_request_unit_inputs``), then unit by unit in what was
        found (``_portal_request_unit_lot``, ``_portal_request_check_unit_filer``,
        ``_portal_request_unit_component``). Called by ``_portal_create_request``."""
        checked = self._portal_request_unit_inputs(units)
        lots_by_serial = self._portal_request_lots_by_serial(
            [unit["serial"] for unit in checked]
        )
        questions = self._portal_request_intake_questions(lots_by_serial)  # issue 17
        components_sudo = self._portal_request_components(
            [unit["failed_component_id"] for unit in checked]
        )
        reasons_sudo = self._portal_request_reasons(
            [unit["reason_id"] for unit in checked]
        )
        result = []
        for unit in checked:
            lot_sudo = self._portal_request_unit_lot(unit, lots_by_serial)
            self._portal_request_check_unit_filer(unit, lot_sudo, partner, customer)
            component = self._portal_request_unit_component(unit, components_sudo)
            # Return reasons (issue 17): the unit carries its checked reason.
            unit["reason_id"] = self._portal_request_unit_reason(unit, reasons_sudo).id
            # Intake checklist (issue 17): the answers to the unit's questions.
            unit["intake_answer_vals"] = questions[
                lot_sudo.product_id.categ_id
            ]._portal_answer_vals(unit["serial"], unit["answers"], unit["photos"])
            result.append((lot_sudo, component, unit))
        return result

    @api.model
    def _portal_request_unit_inputs(self, units):
        """The units posted, read and checked before anything is looked up:
        ``[{"serial", "fault_description", "product_id", "failed_component_id"}]``
        (ids None when nothing was chosen), empty rows left out. Called by
        ``_portal_request_units``."""
        units = [unit for unit in units if any(unit.values())]
        if not units:
            raise UserError(
                self.env._(
                    "Add at least one unit: its serial number and what is wrong "
                    "with it."
                )
            )
        if len(units) > self._PORTAL_MAX_UNITS:
            raise UserError(
                self.env._(
                    "A request holds at most %(count)s units: file the others in "
                    "another request.",
                    count=self._PORTAL_MAX_UNITS,
                )
            )
        checked = []
        for index, unit in enumerate(units, 1):
            serial = self._portal_text(unit.get("serial"), 64)
            fault = self._portal_text(unit.get("fault_description"), 4000)
            product_id = self._portal_int(unit.get("product_id"))
            component_id = self._portal_int(unit.get("failed_component_id"))
            reason_id = self._portal_int(unit.get("reason_id"))  # issue 17
            if not serial:
                raise UserError(
                    self.env._("Unit %(index)s: type its serial number.", index=index)
                )
            if not fault:
                raise UserError(
                    self.env._(
                        "Serial number %(serial)s: describe what is wrong with it.",
                        serial=serial,
                    )
                )
            if serial in (c["serial"] for c in checked):
                raise UserError(
                    self.env._(
                        "Serial number %(serial)s is listed twice.", serial=serial
                    )
                )
            if product_id is False or component_id is False:
                raise UserError(
                    self.env._(
                        "Serial number %(serial)s: choose the product and the failed "
                        "component from the lists.",
                        serial=serial,
                    )
                )
            if reason_id is False:  # return reasons (issue 17)
                raise UserError(
                    self.env._(
                        "Serial number %(serial)s: choose the reason of the return "
                        "from the list.",
                        serial=serial,
                    )
                )
            checked.append(
                {
                    "serial": serial,
                    "fault_description": fault,
                    "product_id": product_id,
                    "failed_component_id": component_id,
                    "reason_id": reason_id,  # return reasons (issue 17)
                    # Intake checklist (issue 17): answers and photos posted.
                    **self._portal_request_unit_answer_inputs(unit),
                }
            )
        return checked

    @api.model
    def _portal_request_lots_by_serial(self, serials):
        """The serials of the current company (or of none) named exactly
        ``serials``, in sudo, grouped by name: one search for the whole request.
        Called by ``_portal_request_units``."""
        # sudo: portal users do not read serial numbers; the units are found by
        # their exact serial in the user's company and checked to be theirs by
        # _portal_request_check_unit_filer before anything is filed.
        lots_sudo = (
            self.env["stock.lot"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    ("name", "in", serials),
                    ("company_id", "in", [False, self.env.company.id]),
                ]
            )
        )
        return lots_sudo.grouped("name")

    @api.model
    def _portal_request_components(self, component_ids):
        """The failed components chosen (ids, None for none), in sudo. Called by
        ``_portal_request_units``."""
        # sudo: components are technical names every customer may choose from.
        return (
            self.env["rma.warranty.component"]
            .sudo()  # sudo: see the comment above
            .search([("id", "in", [c for c in component_ids if c])])
        )

    @api.model
    def _portal_request_unit_lot(self, unit, lots_by_serial):
        """The one serial (sudo) a checked ``unit`` names, among ``lots_by_serial``
        (``_portal_request_lots_by_serial``): refused when there is none, none of
        the product chosen, or several and no product chosen. Called by
        ``_portal_request_units``."""
        serial = unit["serial"]
        lots = lots_by_serial.get(serial, self.env["stock.lot"])
        if not lots:
            raise UserError(
                self.env._(
                    "Serial number %(serial)s is not one of our units: check it "
                    "on the label of the unit.",
                    serial=serial,
                )
            )
        if unit["product_id"]:
            lots = lots.filtered_domain([("product_id", "=", unit["product_id"])])
            if not lots:
                raise UserError(
                    self.env._(
                        "Serial number %(serial)s is not a unit of the product chosen.",
                        serial=serial,
                    )
                )
        if len(lots) > 1:
            raise UserError(
                self.env._(
                    "Several products carry serial number %(serial)s: choose "
                    "the product.",
                    serial=serial,
                )
            )
        return lots

    @api.model
    def _portal_request_may_file_unit(self, lot, partner, customer):
        """Whether ``partner`` may file the unit ``lot`` for ``customer`` (None:
        for itself). A unit may be filed when it has no owner yet or belongs to
        the customer's or the filer's commercial entity, or (a company filing)
        was sold to the filer, or (a person filing) was sold to a reseller and
        is not registered yet. Called by ``_portal_request_check_unit_filer``."""
        filer = partner.commercial_partner_id
        owners = filer | (customer.commercial_partner_id if customer else filer)
        owner = lot.warranty_owner_id.commercial_partner_id
        sold_to = lot.warranty_sold_to_id.commercial_partner_id
        # A unit a reseller sold on and nobody registered yet is its buyer's,
        # who may register it (rma.warranty.registration) or file it first.
        bought_from_reseller = (
            not filer.is_company
            and sold_to
            and sold_to._rma_is_distributor()
            and not lot.warranty_registration_ids
        )
        return bool(
            not owner
            or owner in owners
            or (filer._rma_is_distributor() and sold_to == filer)
            or bought_from_reseller
        )

    @api.model
    def _portal_request_check_unit_filer(self, unit, lot, partner, customer):
        """Refuse the serial ``lot`` of a checked ``unit`` when ``partner`` may
        not file it (see ``_portal_request_may_file_unit``). Called by
        ``_portal_request_units``."""
        if not self._portal_request_may_file_unit(lot, partner, customer):
            raise UserError(
                self.env._(
                    "Serial number %(serial)s is registered to someone else. If "
                    "the unit is yours, contact us.",
                    serial=unit["serial"],
                )
            )

    @api.model
    def _portal_request_unit_component(self, unit, components_sudo):
        """The failed component a checked ``unit`` names, among
        ``components_sudo`` (empty when none was chosen); refused when the id
        chosen is not one of them. Called by ``_portal_request_units``."""
        component = components_sudo & components_sudo.browse(
            unit["failed_component_id"] or []
        )
        if unit["failed_component_id"] and not component:
            raise UserError(
                self.env._(
                    "Serial number %(serial)s: choose the failed component from "
                    "the list.",
                    serial=unit["serial"],
                )
            )
        return component

    @api.model
    def _portal_upload_max_bytes(self):
        # sudo: a technical setting that portal uploads are checked against.
        value = (
            self.env["ir.config_parameter"]
            .sudo()  # sudo: see the comment above
            .get_param("rma_warranty.portal_upload_max_mb", self._PORTAL_UPLOAD_MAX_MB)
        )
        try:
            megabytes = float(value)
        except ValueError:
            megabytes = self._PORTAL_UPLOAD_MAX_MB
        return int(megabytes * 1024 * 1024)

    @api.model
    def _portal_upload_max_mb_label(self):
        return f"{self._portal_upload_max_bytes() / 1024 / 1024:g}"

    @api.model
    def _portal_request_files(self, attachments):
        """Check the photos and documents posted: ``[{"name", "content"}]`` ->
        ``[(name, content, mimetype)]``. Images and PDFs only, recognised from
        their content; each at most ``rma_warranty.portal_upload_max_mb`` MB."""
        attachments = list(attachments or ())
        if len(attachments) > self._PORTAL_MAX_FILES:
            raise UserError(
                self.env._(
                    "Attach at most %(count)s files to a request.",
                    count=self._PORTAL_MAX_FILES,
                )
            )
        max_bytes = self._portal_upload_max_bytes()
        files = []
        for attachment in attachments:
            name = self._portal_text(attachment.get("name"))
            name = name.replace("\\", "/").rsplit("/", 1)[-1][-128:] or "file"
            content = attachment.get("content")
            if not isinstance(content, bytes) or not content:
                raise UserError(self.env._("The file %(name)s is empty.", name=name))
            if len(content) > max_bytes:
                raise UserError(
                    self.env._(
                        "The file %(name)s is larger than %(size)s MB: attach a "
                        "smaller one.",
                        name=name,
                        size=self._portal_upload_max_mb_label(),
                    )
                )
            mimetype = guess_mimetype(content)
            if mimetype not in self._PORTAL_UPLOAD_TYPES:
                raise UserError(
                    self.env._(
                        "The file %(name)s is neither a photo (JPEG, PNG, GIF, WebP) "
                        "nor a PDF document.",
                        name=name,
                    )
                )
            files.append((name, content, mimetype))
        return files

    @api.model
    def _portal_create_request(
        self,
        partner,
        units,
        attachments=(),
        customer=None,
        token=None,
        priority=None,
        previous=None,
    ):
        """File and submit a return request from the portal; return it (sudo).

        ``partner`` is the user's own partner; ``units`` a list of ``{"serial",
        "product_id", "fault_description", "failed_component_id"}``;
        ``attachments`` a list of ``{"name", "content"}`` (bytes); ``customer``
        None (for itself), ``{"partner_id"}`` (one of its contacts) or ``{"name",
        "email"}`` (a new contact under its commercial entity): a company filing
        for a customer is recorded as the distributor. ``token`` is the form's
        one-time token; ``priority`` the one chosen (issue 17: normal or high,
        ``_portal_request_priority``); ``previous`` the id of the user's own closed
        RMA whose units failed again (a follow-up, issue 17). Only these values are
        read, and all of them are checked before anything is created: bad input
        raises a clear message and leaves nothing behind. Invoked by POST /my/rmas/new.
        """
        self._portal_check_filer(partner)
        self._portal_request_check_token(token)
        priority = self._portal_request_priority(priority)
        customer, customer_vals = self._portal_request_customer(partner, customer)
        units = self._portal_request_units(partner, customer, units)
        files = self._portal_request_files(attachments)
        # Follow-up RMA (issue 17): the earlier RMA, the user's own.
        previous_sudo = (
            self._portal_followup_previous(partner, previous)
            if previous not in (None, "")
            else None
        )
        # Counted once the request is valid: a refused form is not a request.
        self._portal_rate_limit(
            "rma_request",
            "rma_warranty.portal_requests_per_hour",
            self._PORTAL_REQUESTS_PER_HOUR,
            3600,
        )
        # Everything is checked: the records are made from here on, and anything
        # refused later on (the submission) takes them all back.
        try:
            with self.env.cr.savepoint():
                order_sudo = self._portal_request_file(
                    partner, customer, customer_vals, units, files, token, priority
                )
                if previous_sudo:
                    order_sudo._rma_followup_link(previous_sudo)
                return order_sudo
        except psycopg2.errors.UniqueViolation:
            # The same form sent twice at once: the other request won.
            raise UserError(
                self.env._("This form was already sent: see your requests.")
            ) from None

    @api.model
    def _portal_request_file(
        self, partner, customer, customer_vals, units, files, token, priority="0"
    ):
        """Create the request checked by ``_portal_create_request`` and submit it:
        the new customer contact (``customer_vals``, when ``customer`` is None),
        the RMA and its units, its attachments. Returns the RMA (sudo). Called by
        ``_portal_create_request``, inside its savepoint."""
        if customer_vals:
            # sudo: a new contact under the user's own commercial entity, from the
            # name and email checked by _portal_request_customer.
            customer = self.env["res.partner"].sudo().create(customer_vals)
        # sudo: portal users have no rights on RMAs; the values are the ones
        # checked by _portal_create_request, the user (env.uid) stays the author.
        order_sudo = self.sudo().create(
            self._prepare_portal_request_vals(
                partner, customer, units, token, priority=priority
            )
        )
        # sudo: the RMA is the user's own, just created; attachments of RMAs are
        # created by their readers, which portal users are not.
        self.env["ir.attachment"].sudo().create(
            [
                order_sudo._prepare_portal_attachment_vals(name, content, mime)
                for name, content, mime in files
            ]
        )
        order_sudo.action_submit()
        return order_sudo

    @api.model
    def _prepare_portal_request_vals(
        self, partner, customer, units, token, priority="0"
    ):
        """Values of the RMA filed on the portal by ``partner`` for ``customer``,
        with its units (``_prepare_portal_request_line_vals``). Called by
        ``_portal_request_file``; may be overridden."""
        distributor = (
            partner.commercial_partner_id if customer != partner else self.browse()
        )
        return {
            "partner_id": customer.id,
            "distributor_id": distributor.id,
            "channel": "distributor" if distributor else "portal",
            "company_id": self.env.company.id,
            "user_id": False,
            "portal_request_token": token,
            "priority": priority,
            "line_ids": [
                Command.create(
                    self._prepare_portal_request_line_vals(lot, component, unit)
                )
                for lot, component, unit in units
            ],
        }

    @api.model
    def _prepare_portal_request_line_vals(self, lot, component, unit):
        """Values of one unit (``lot``, sudo) of a portal request. Called by
        ``_prepare_portal_request_vals``; may be overridden."""
        return {
            "product_id": lot.product_id.id,
            "lot_id": lot.id,
            "quantity": 1.0,
            "fault_description": unit["fault_description"],
            "failed_component_id": component.id,
            "reason_id": unit.get("reason_id") or False,  # return reasons (issue 17)
            # Intake checklist (issue 17), checked by _portal_request_units.
            "intake_answer_ids": [
                Command.create(vals) for vals in unit.get("intake_answer_vals", ())
            ],
        }

    def _prepare_portal_attachment_vals(self, name, content, mimetype):
        """Values of a photo or document attached to the RMA by the portal.
        Called by ``_portal_request_file``; may be overridden."""
        self.ensure_one()
        return {
            "name": name,
            "raw": content,
            "mimetype": mimetype,
            "res_model": self._name,
            "res_id": self.id,
        }

    def _portal_request_url(self):
        """The RMA's portal page, where the form leads once the request is filed."""
        self.ensure_one()
        if "access_url" in self._fields:
            return self.access_url
        return f"/my/rmas/{self.id}"

    @api.model
    def _portal_lookup_serial(self, serial):
        """The units a portal user types the serial of, for the live check of the
        new-request form: product and entitlement today, nothing personal (no
        owner, no RMA). ``[{"product_id", "product", "kind", "kind_label",
        "date_end"}]``."""
        self._portal_check_filer(self.env.user.partner_id)
        # First: on a read-only cursor, the hit ends the current transaction.
        self._portal_rate_limit(
            "rma_request_lookup",
            "rma_warranty.portal_lookups_per_minute",
            self._PORTAL_LOOKUPS_PER_MINUTE,
            60,
        )
        serial = self._portal_text(serial)
        if not serial or len(serial) > 64:
            return []
        # sudo: serials are looked up by their exact text, as on the public
        # warranty check; only the product and the coverage are answered.
        lots_sudo = (
            self.env["stock.lot"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    ("name", "=", serial),
                    ("company_id", "in", [False, self.env.company.id]),
                ],
                limit=10,
            )
        )
        answers = lots_sudo._get_warranty_entitlement()
        # Intake checklist (issue 17): the questions asked for each unit.
        questions = self.env["rma.intake.question"]._get_by_category(
            lots_sudo.product_id.categ_id
        )
        labels = dict(
            self.env["rma.order.line"]
            ._fields["entitlement_kind"]
            ._description_selection(self.env)
        )
        return [
            {
                "product_id": lot_sudo.product_id.id,
                "product": lot_sudo.product_id.display_name,
                "kind": answers[lot_sudo].kind,
                "kind_label": labels.get(answers[lot_sudo].kind, ""),
                "date_end": format_date(self.env, answers[lot_sudo].date_end)
                if answers[lot_sudo].date_end
                else "",
                "questions": questions[lot_sudo.product_id.categ_id]._portal_values(),
            }
            for lot_sudo in lots_sudo
        ]

    # ---- Return reasons (issue 17) ----

    @api.model
    def _portal_request_reason_domain(self):
        """The reasons a portal request may choose: those of the current company
        (the user's). May be overridden."""
        return [("company_id", "=", self.env.company.id)]

    @api.model
    def _portal_request_reason_choices(self):
        """``[(id, name)]`` of the reasons the new-request form offers. Called by
        ``_portal_request_form_values``."""
        # sudo: portal users do not read the catalogue; only the names of the
        # current company's active reasons are offered.
        reasons_sudo = (
            self.env["rma.reason"]
            .sudo()  # sudo: see the comment above
            .search(self._portal_request_reason_domain())
        )
        return [(reason.id, reason.name) for reason in reasons_sudo]

    @api.model
    def _portal_request_reasons(self, reason_ids):
        """The reasons chosen (ids, None for none) among those offered, in sudo.
        Called by ``_portal_request_units``."""
        # sudo: as _portal_request_reason_choices; another company's or an
        # archived reason is not found, so refused.
        return (
            self.env["rma.reason"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    *self._portal_request_reason_domain(),
                    ("id", "in", [r for r in reason_ids if r]),
                ]
            )
        )

    @api.model
    def _portal_request_unit_reason(self, unit, reasons_sudo):
        """The reason a checked ``unit`` names, among ``reasons_sudo`` (empty when
        none was chosen); refused when the id is not one of them, or when none was
        chosen and the company requires one. Called by ``_portal_request_units``."""
        reason = reasons_sudo & reasons_sudo.browse(unit["reason_id"] or [])
        if unit["reason_id"] and not reason:
            raise UserError(
                self.env._(
                    "Serial number %(serial)s: choose the reason of the return "
                    "from the list.",
                    serial=unit["serial"],
                )
            )
        if not reason and self.env.company.rma_reason_required:
            raise UserError(
                self.env._(
                    "Serial number %(serial)s: choose the reason of the return.",
                    serial=unit["serial"],
                )
            )
        return reason

    # ---- Priority and paused clocks (issue 17) ----
    priority = fields.Selection(
        selection=[("0", "Normal"), ("1", "High"), ("2", "Urgent")],
        default="0",
        required=True,
        index=True,
        tracking=True,
        help="Chosen at filing (customers choose normal or high; urgent is given "
        "by staff). Where the warranty policy says so, a higher priority shortens "
        "the service-level targets.",
    )
    # The priorities a customer may choose on the portal: urgent is staff's call.
    _RMA_PORTAL_PRIORITIES = ("0", "1")

    def _rma_sla_priority_percent(self, policy):
        """Percentage of the normal service-level targets this RMA's priority gets
        from ``policy`` (100 without a policy or at normal priority)."""
        self.ensure_one()
        fname = {"1": "sla_high_percent", "2": "sla_urgent_percent"}.get(self.priority)
        if not fname or not policy:
            return 100
        return policy[fname] or 100

    def _rma_sla_apply_priority(self):
        """The priority of these RMAs changed: the targets of their running steps
        follow it (the policy's percentage of the normal target) and their
        deadlines move, paused time kept. Invoked by ``write``."""
        # sudo: the steps are the system's; the caller changed the priority, which
        # its access rights allowed.
        running = self.sudo().sla_step_ids.filtered(lambda s: s.status == "running")
        if not running:
            return running
        policies = self._rma_sla_policies(running.line_id)
        targets = self.env["rma.sla.step"]._rma_sla_targets()
        defaults = self.env["rma.warranty.policy"].default_get(
            [fname for __, fname in targets.values()]
        )
        for step in running.filtered(lambda s: s.step in targets):
            unit, fname = targets[step.step]
            order = step.order_id
            policy = policies.get(step.line_id or order)
            amount = policy[fname] if policy else defaults.get(fname, 0)
            calendar = order.warehouse_id._get_rma_calendar()
            hours = amount * (1 if unit == "hours" else (calendar.hours_per_day or 8))
            step.target_hours = hours * order._rma_sla_priority_percent(policy) / 100
        return running._rma_sla_replan()

    def _rma_sla_paused_reason(self):
        """Why the customer has the ball on this RMA as a whole, False when we
        have it: every unit still open waits on the customer, for its repair quote
        (``quote``: awaiting acceptance or payment) or to be sent to us (``unit``:
        approved, its return receipt not done yet). The clocks of the RMA stop
        meanwhile (``_rma_sla_sync_pauses``). May be overridden."""
        self.ensure_one()
        reasons = [
            line._rma_sla_paused_reason()
            for line in self.line_ids
            if not line.is_resolved
        ]
        if not reasons or not all(reasons):
            return False
        return "quote" if "quote" in reasons else "unit"

    def _rma_sla_sync_pauses(self, now=None):
        """Stop or start again the clocks of these RMAs' running steps after a
        transition: a step of the RMA follows ``_rma_sla_paused_reason``, a unit's
        step its unit's (``rma.order.line._rma_sla_paused_reason``). Invoked by
        the transitions that hand the ball over: approval, receipt, quote sent,
        accepted or refused, shipping released."""
        now = now or fields.Datetime.now()
        # sudo: the steps are the system's; the caller ran the transition.
        running = self.sudo().sla_step_ids.filtered(lambda s: s.status == "running")
        if not running:
            return running
        reasons = {order: order._rma_sla_paused_reason() for order in running.order_id}
        reasons.update(
            (line, line._rma_sla_paused_reason()) for line in running.line_id
        )
        by_reason = running.grouped(lambda s: reasons[s.line_id or s.order_id])
        for reason, steps in by_reason.items():
            if reason:
                steps._rma_sla_pause(reason, now)
        by_reason.get(False, running.browse())._rma_sla_resume(now)
        return running

    @api.model
    def _portal_request_priority(self, priority):
        """The priority a customer chose on the request form, checked: normal
        (also when none is sent) or high; urgent is given by staff only. Called by
        ``_portal_create_request``."""
        if priority in (None, ""):
            return "0"
        if not isinstance(priority, str) or priority not in self._RMA_PORTAL_PRIORITIES:
            raise UserError(
                self.env._("Choose a priority of the list: normal or high.")
            )
        return priority

    # ---- Follow-up RMA (issue 17) ----
    _rma_decision_fields = _rma_decision_fields | {"previous_rma_id"}

    previous_rma_id = fields.Many2one(
        comodel_name="rma.order",
        string="Follow-up Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="The earlier RMA of the unit that failed again.",
    )
    followup_ids = fields.One2many(
        comodel_name="rma.order",
        inverse_name="previous_rma_id",
        string="Follow-up RMAs",
        readonly=True,
    )
    followup_count = fields.Integer(compute="_compute_followup_count")
    followup_available = fields.Boolean(compute="_compute_followup_count")

    @api.depends("followup_ids", "state", "line_ids.followup_line_ids")
    def _compute_followup_count(self):
        for rma in self:
            rma.followup_count = len(rma.followup_ids)
            rma.followup_available = bool(rma.line_ids._rma_followup_eligible())

    def _prepare_rma_followup_vals(self, lines):
        """Values of the follow-up RMA (a draft) of ``lines``, units of this RMA
        that failed again: same customer, distributor, channel and service centre,
        each unit from ``_prepare_rma_followup_line_vals``. Called by
        ``rma.order.line._rma_followup_create``; may be overridden."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "distributor_id": self.distributor_id.id,
            "channel": self.channel,
            "company_id": self.company_id.id,
            "warehouse_id": self.warehouse_id.id,
            "previous_rma_id": self.id,
            "line_ids": [
                Command.create(line._prepare_rma_followup_line_vals()) for line in lines
            ],
        }

    def action_rma_followup(self):
        """Report a new failure of the units of this closed RMA that are back
        with the customer: one draft RMA linked to this one."""
        self.ensure_one()
        lines = self.line_ids._rma_followup_eligible()
        if not lines:
            raise UserError(
                self.env._(
                    "No unit of %(rma)s is back with the customer after a closed "
                    "RMA without a follow-up yet.",
                    rma=self.display_name,
                )
            )
        return lines._rma_followup_create()._rma_followup_action()

    def _rma_followup_action(self):
        """The window showing these follow-up RMAs (the form when one)."""
        return self._action_view_records(self)

    def action_view_followups(self):
        self.ensure_one()
        return self.followup_ids._rma_followup_action()

    def _portal_followup_available(self, partner):
        """Whether ``partner`` (the reader, a logged-in user's partner) may report
        a new failure of this RMA from its portal page: one of its own RMAs with
        units back with the customer. Invoked in sudo by the page."""
        self.ensure_one()
        if self.env.user._is_public() or not partner:
            return False
        return bool(
            self.filtered_domain(self._get_portal_domain(partner))
            and self.followup_available
        )

    @api.model
    def _portal_followup_form_values(self, partner, rma_id):
        """The request form prefilled for a new failure of the units of RMA
        ``rma_id``: their serials (the replacement's after a swap) and the link to
        that RMA. Only one of ``partner``'s own RMAs with units to follow up is
        accepted (a MissingError otherwise, whoever's RMA it is). Invoked by GET
        /my/rmas/<id>/followup."""
        self._portal_check_filer(partner)
        rma_sudo = self._portal_followup_previous(partner, rma_id)
        lines = rma_sudo.line_ids._rma_followup_eligible()
        return {
            "units": [{"serial": line._rma_followup_lot().name} for line in lines],
            "previous_rma_id": rma_sudo.id,
            "previous_rma_name": rma_sudo.name,
        }

    @api.model
    def _portal_followup_previous(self, partner, previous):
        """The RMA (sudo) ``previous`` names, once it is one of ``partner``'s own
        with units to follow up; a MissingError otherwise (another partner's RMA
        is not told apart from one that does not exist)."""
        previous_id = self._portal_int(previous)
        if not previous_id or previous_id > 2**31 - 1:
            previous_id = None
        # sudo: portal users do not read RMAs; the one found is kept only when it
        # is in the user's own portal domain (the record rules' parties).
        rma_sudo = (
            self.sudo().search(
                expression.AND(
                    [[("id", "=", previous_id or 0)], self._get_portal_domain(partner)]
                ),
                limit=1,
            )
            if previous_id
            else self.sudo()
        )
        if not rma_sudo or not rma_sudo.followup_available:
            raise MissingError(
                self.env._("This RMA does not exist or has no unit to follow up.")
            )
        return rma_sudo

    def _rma_followup_link(self, previous_sudo):
        """Link this new request (filed on the portal, sudo) to ``previous_sudo``,
        the RMA checked by ``_portal_followup_previous``: each unit to the unit of
        it whose serial the customer now holds."""
        self.ensure_one()
        by_lot = {
            line._rma_followup_lot(): line
            for line in previous_sudo.line_ids._rma_followup_eligible()
        }
        # decision field: only its action writes it (see _write_decision)
        self._write_decision({"previous_rma_id": previous_sudo.id})
        for line in self.line_ids:
            if line.lot_id in by_lot:
                line._write_decision({"previous_line_id": by_lot[line.lot_id].id})

    # ---- Closing by the customer and on inactivity (issue 17) ----
    _rma_decision_fields = _rma_decision_fields | {"inactivity_reminded_on"}

    scrap_consent = fields.Boolean(
        string="Customer Consents to Scrapping",
        copy=False,
        tracking=True,
        help="The customer agreed that we scrap the unit if they do not answer: "
        "the inactivity closing of a policy set to 'Scrap with consent' scraps it "
        "only then (else it is returned as-is).",
    )
    inactivity_reminded_on = fields.Datetime(
        string="Inactivity Reminder Sent On",
        readonly=True,
        copy=False,
        help="When the customer was last reminded that this case waits for them "
        "(an unanswered quote, a unit never sent). The case closes the company's "
        "number of days after it unless the customer answers.",
    )

    def _rma_inactivity_sql(self, extra=None):
        """The SQL of the cases waiting on the customer: ``id``, ``company_id``,
        ``since`` (when they started waiting: the approval, or the latest repair
        quote, made or accepted, whichever is later: an answer starts the waiting
        again), ``reason`` (``quote``: a repair quote sent and not answered;
        ``unit``: approved, nothing received yet), ``reminded_on``.

        One definition, used by ``_rma_inactivity_waiting`` and the cron. ``extra``:
        more conditions (an SQL) on ``o`` (the RMA) and ``w`` (the waiting)."""
        return SQL(
            """SELECT o.id, o.company_id, w.since, w.reason,
                      o.inactivity_reminded_on AS reminded_on
                 FROM rma_order o
                 JOIN res_company c ON c.id = o.company_id
                 CROSS JOIN LATERAL (
                     SELECT GREATEST(o.date_approved, MAX(so.date_order)) AS since,
                            CASE WHEN bool_or(so.state = 'sent') THEN 'quote'
                                 ELSE 'unit' END AS reason,
                            bool_or(so.state = 'sent') AS quote_open
                       FROM rma_order_line l
                       LEFT JOIN sale_order so
                         ON so.rma_line_id = l.id AND so.state != 'cancel'
                        AND so.rma_fee IS NOT TRUE
                      WHERE l.order_id = o.id
                 ) w
                WHERE o.state IN ('approved', 'received', 'in_progress')
                  AND o.date_approved IS NOT NULL
                  AND (w.quote_open OR (
                        o.state = 'approved' AND NOT EXISTS (
                            SELECT 1 FROM rma_order_line r
                             WHERE r.order_id = o.id AND r.qty_received > 0)))
                  %s""",
            extra or SQL(),
        )

    def _rma_inactivity_waiting(self):
        """What these RMAs wait for from the customer: {rma: (reason, since)},
        ``reason`` ``quote`` (a repair quote sent, not answered) or ``unit``
        (approved, the unit never sent), ``since`` the datetime the waiting
        started. RMAs waiting on nobody are left out. May be overridden (and read
        by other features: what the customer has the ball for)."""
        if not self:
            return {}
        self.flush_model()
        self.env["rma.order.line"].flush_model(["order_id", "qty_received"])
        self.env["sale.order"].flush_model(
            ["state", "date_order", "rma_line_id", "rma_fee"]
        )
        self.env.cr.execute(
            self._rma_inactivity_sql(SQL("AND o.id IN %s", tuple(self.ids)))
        )
        return {self.browse(row[0]): (row[3], row[2]) for row in self.env.cr.fetchall()}

    def _cron_rma_inactivity(self, limit=200):
        """Remind the customers of cases waiting on them for the company's number
        of days (once per waiting: an answer starts a new one), and close those
        still waiting the company's second number of days after the reminder,
        with the outcome their policy sets (``_rma_inactivity_close``).

        The cases are selected ``FOR UPDATE SKIP LOCKED`` and their reminder date
        (or their state) written in the same transaction: two runs at once share
        them out, a later run finds them done. Called by the scheduled action; on
        a recordset, only those RMAs are considered."""
        now = fields.Datetime.now()
        only = SQL("AND o.id IN %s", tuple(self.ids)) if self else SQL()
        self.flush_model()
        self.env["rma.order.line"].flush_model(["order_id", "qty_received"])
        self.env["sale.order"].flush_model(
            ["state", "date_order", "rma_line_id", "rma_fee"]
        )
        self.env["res.company"].flush_model(
            ["rma_inactivity_remind_days", "rma_inactivity_close_days"]
        )
        due_close = SQL(
            """o.inactivity_reminded_on >= w.since
               AND o.inactivity_reminded_on
                   <= %s - make_interval(days => c.rma_inactivity_close_days)""",
            now,
        )
        due_remind = SQL(
            """(o.inactivity_reminded_on IS NULL
                OR o.inactivity_reminded_on < w.since)
               AND w.since
                   <= %s - make_interval(days => c.rma_inactivity_remind_days)""",
            now,
        )
        found = {}
        for kind, condition in (("close", due_close), ("remind", due_remind)):
            self.env.cr.execute(
                self._rma_inactivity_sql(
                    SQL(
                        """AND c.rma_inactivity_remind_days > 0 AND %s %s
                         ORDER BY o.id LIMIT %s
                           FOR UPDATE OF o SKIP LOCKED""",
                        condition,
                        only,
                        limit,
                    )
                )
            )
            found[kind] = self.browse(row[0] for row in self.env.cr.fetchall())
        remind, close = found["remind"], found["close"]
        if remind:
            remind._rma_inactivity_remind(now)
        if close:
            close._rma_inactivity_close()
        return remind | close

    def _rma_inactivity_remind(self, now):
        """Remind the customers of these (locked) waiting cases, once: the
        reminder date says so. Called by ``_cron_rma_inactivity``."""
        self._write_decision({"inactivity_reminded_on": now})
        self._rma_send_mail("rma_warranty.mail_template_rma_inactivity_reminder")
        log_notes(
            (
                order,
                self.env._(
                    "The customer was reminded that this case waits for them; it "
                    "closes on %(date)s without an answer.",
                    date=format_date(self.env, order._rma_inactivity_close_date()),
                ),
            )
            for order in self
        )

    def _rma_inactivity_close_date(self):
        """The day this reminded case closes without an answer (for the reminder
        email and the chatter)."""
        self.ensure_one()
        if not self.inactivity_reminded_on:
            return False
        return fields.Date.add(
            fields.Datetime.context_timestamp(self, self.inactivity_reminded_on).date(),
            days=self.company_id.rma_inactivity_close_days,
        )

    def _rma_inactivity_outcomes(self, lines):
        """The outcome of the inactivity closing of each of ``lines`` (units of
        these RMAs): {line: ``return_asis``, ``scrap`` or ``cancel``}, its warranty
        policy's, else its company's. May be overridden."""
        policies = lines.product_id._get_warranty_policies()
        outcomes = {}
        for line in lines:
            policy = policies.get(line.product_id)
            outcomes[line] = (
                policy and policy.inactivity_outcome
            ) or line.company_id.rma_inactivity_outcome
        return outcomes

    def _rma_inactivity_close(self):
        """Close these (locked) cases the customer left unanswered after the
        reminder.

        Nothing of ours reached us (the unit never sent, or a quote to pay before
        shipping): the request is cancelled, its open quote too. A unit we hold
        with an unanswered quote: the quote is cancelled (declined, as by the
        customer) and the unit follows its outcome: ``scrap`` when the customer
        consented (``scrap_consent``), else returned as-is (``cancel`` cannot
        keep a unit of the customer's: it is returned too), its return delivery
        made at once. Called by ``_cron_rma_inactivity``."""
        open_quotes = self.line_ids.quote_ids.filtered(lambda q: q.state == "sent")
        open_quotes._action_cancel()
        held = self.filtered("has_received")
        (self - held).action_cancel()
        refused = held.line_ids.filtered(lambda line: line.repair_status == "refused")
        outcomes = self._rma_inactivity_outcomes(refused)
        scrap = refused.filtered(
            lambda line: (
                outcomes[line] == "scrap"
                and line.order_id.scrap_consent
                and line.qty_received
            )
        )
        scrap.action_rma_refused_scrap()
        (refused - scrap).action_rma_refused_return()
        processable = refused.filtered(lambda line: line._is_processable())
        processable._run_resolutions()
        labels = {
            "return": self.env._("the unit is returned as-is"),
            "scrap": self.env._("the unit is scrapped, as the customer consented"),
            "reject": self.env._("nothing was received"),
        }
        notes = [
            (
                order,
                self.env._(
                    "Closed without an answer from the customer after the reminder: "
                    "the request is cancelled."
                ),
            )
            for order in self - held
        ]
        notes += [
            (
                line.order_id,
                self.env._(
                    "%(unit)s: the repair quote was left unanswered after the "
                    "reminder; %(outcome)s.",
                    unit=line.display_name,
                    outcome=labels.get(line.resolution, line.resolution),
                ),
            )
            for line in refused
        ]
        log_notes(notes)
        return True

    def _portal_customer_close_refusal(self, partner):
        """Why ``partner`` (the portal user's) may not close this request as
        solved from the portal, or an empty string. Only the customer (a contact
        of its commercial entity) closes, and only a request that still waits:
        not closed, nothing received."""
        self.ensure_one()
        entity = partner.commercial_partner_id
        if not entity or entity != self.commercial_partner_id:
            return self.env._("Only the customer of this request may close it.")
        if self.state not in ("draft", "submitted", "approved"):
            return self.env._(
                "This request can no longer be closed from the portal: it is "
                "%(state)s.",
                state=dict(self._fields["state"]._description_selection(self.env)).get(
                    self.state
                ),
            )
        if self.has_received:
            return self.env._(
                "Your units already reached us: this request can no longer be closed "
                "from the portal. Contact us to have them returned."
            )
        return ""

    def _portal_close_by_customer(self, partner, comment=None):
        """The customer (``partner``, the portal user's) closes this request:
        solved, no return needed; ``comment`` their optional words. The issue 14
        outcome "Solved Without Return" (``_solve_remotely``), exactly once (its
        row lock; a second click finds it solved). Invoked in sudo by POST
        /my/rmas/<id>/close after the route checked the user reads the RMA; the
        customer is checked here."""
        self.ensure_one()
        refusal = self._portal_customer_close_refusal(partner)
        if refusal:
            if partner.commercial_partner_id != self.commercial_partner_id:
                raise AccessError(refusal)
            raise UserError(refusal)
        comment = self._portal_text(comment, 2000)
        solution = self.env._(
            "Solved, no return needed: closed by %(partner)s from the portal.",
            partner=partner.name,
        )
        if comment:
            solution = f"{solution}\n{comment}"
        self._solve_remotely(solution)
        log_notes(
            [
                (
                    self,
                    self.env._(
                        "%(partner)s closed this request from the portal: solved, "
                        "no return needed.",
                        partner=partner.name,
                    ),
                )
            ]
        )
        return True

    # ---- Intake checklist (issue 17) ----
    intake_answer_ids = fields.One2many(
        comodel_name="rma.intake.answer",
        inverse_name="order_id",
        string="Checklist Answers",
        readonly=True,
    )
    intake_answer_search = fields.Char(
        string="Checklist Answer",
        compute="_compute_intake_answer_search",
        search="_search_intake_answer_search",
        help="Find RMAs by an answer of their intake checklist: every word typed "
        'in the question or the answer of one unit ("firmware 2.1").',
    )

    def _compute_intake_answer_search(self):
        self.intake_answer_search = False

    def _search_intake_answer_search(self, operator, value):
        """RMAs with one answer whose question or answer holds each word of
        ``value`` (``firmware 2.1``: the answer "2.1" to "Firmware version")."""
        if operator not in ("ilike", "=") or not isinstance(value, str):
            return NotImplemented
        words = value.split()
        if not words:
            return []
        answer_domain = expression.AND(
            [
                [
                    "|",
                    ("question_id.name", "ilike", word),
                    ("value_display", "ilike", word),
                ]
                for word in words
            ]
        )
        return [("intake_answer_ids", "any", answer_domain)]

    @api.model
    def _portal_request_unit_answer_inputs(self, unit):
        """The checklist answers posted with one unit, read before anything is
        looked up: ``{"answers": {question_id: text}, "photos": {question_id:
        (name, content, mimetype)}}``. ``unit["answers"]`` maps question ids to
        texts, ``unit["photos"]`` question ids to ``{"name", "content"}``
        (checked as the form's other uploads, ``_portal_request_files``);
        anything else is left out. Which questions the unit answers is checked
        once its serial is found (``rma.intake.question._portal_answer_vals``).
        Called by ``_portal_request_unit_inputs``."""
        answers = {}
        raw_answers = unit.get("answers")
        for key, text in (raw_answers if isinstance(raw_answers, dict) else {}).items():
            question_id = self._portal_int(key)
            if question_id and isinstance(text, str):
                answers[question_id] = text
        photos = {}
        raw_photos = unit.get("photos")
        raw_photos = raw_photos if isinstance(raw_photos, dict) else {}
        keys = []
        uploads = []
        for key, upload in raw_photos.items():
            question_id = self._portal_int(key)
            if question_id and isinstance(upload, dict):
                keys.append(question_id)
                uploads.append(upload)
        for question_id, checked in zip(
            keys, self._portal_request_files(uploads), strict=True
        ):
            photos[question_id] = checked
        return {"answers": answers, "photos": photos}

    @api.model
    def _portal_request_intake_questions(self, lots_by_serial):
        """The checklist of each product category of the serials found (sudo),
        one search for the request. Called by ``_portal_request_units``."""
        categories = self.env["product.category"]
        for lots in lots_by_serial.values():
            categories |= lots.product_id.categ_id
        return self.env["rma.intake.question"]._get_by_category(categories)

    # ---- Goodwill coupons (issue 17) ----
    goodwill_coupon_ids = fields.One2many(
        comodel_name="loyalty.card",
        inverse_name="rma_id",
        string="Goodwill Coupons",
        readonly=True,
    )
    goodwill_coupon_count = fields.Integer(compute="_compute_goodwill_coupon_count")

    @api.depends("goodwill_coupon_ids")
    def _compute_goodwill_coupon_count(self):
        counts = dict(
            self.env["loyalty.card"]._read_group(
                [("rma_id", "in", self.ids)], ["rma_id"], ["__count"]
            )
        )
        for order in self:
            order.goodwill_coupon_count = counts.get(order, 0)

    def action_open_goodwill_coupon(self):
        """Open the Give Goodwill Coupon wizard on this RMA (RMA managers)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Give Goodwill Coupon"),
            "res_model": "rma.order.goodwill",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _portal_goodwill_coupons(self):
        """The goodwill coupons of this RMA for its portal page: [{"code", "value",
        "expiration", "used"}] (amounts and dates in the reader's language).
        Invoked in sudo by the page, after its access check: the coupons are part of
        the RMA, given to its customer."""
        self.ensure_one()
        return [
            {
                "code": coupon.code,
                "value": format_amount(
                    self.env, coupon.rma_goodwill_amount, coupon.currency_id
                ),
                "expiration": format_date(self.env, coupon.expiration_date)
                if coupon.expiration_date
                else "",
                "used": coupon.points <= 0,
            }
            for coupon in self.goodwill_coupon_ids
        ]

    # ---- Teams (issue 17) ----
    team_id = fields.Many2one(
        comodel_name="rma.team",
        check_company=True,
        tracking=True,
        index="btree_not_null",
        help="The after-sales team handling this RMA; its members follow it. "
        "Found when the request is submitted (the team's criteria, else the "
        "company's default team), or the team whose address the email was sent "
        "to.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders.filtered("team_id")._rma_team_subscribe()
        return orders

    def write(self, vals):
        # Priority (issue 17): the running service-level steps follow a change.
        reprioritised = self.browse()
        if "priority" in vals:
            reprioritised = self.filtered(lambda o: o.priority != vals["priority"])
        res = super().write(vals)
        if reprioritised:
            reprioritised._rma_sla_apply_priority()
        # Teams (issue 17): the members of a new team follow its RMAs.
        if vals.get("team_id"):
            self._rma_team_subscribe()
        return res

    def _rma_route_team(self):
        """Give these RMAs being submitted that have no team theirs, in batch
        (one search of teams, one write per team): the first team of their
        company, by sequence, whose criteria they meet (``rma.team.
        _rma_route_matches``), else the company's default team. Called by
        ``action_submit`` and ``message_new``; returns the RMAs routed."""
        orders = self.filtered(lambda order: not order.team_id)
        if not orders:
            return orders
        # sudo: the teams, the customer's address and the products decide; whoever
        # submits (a portal user, staff of the service desk) may read none of
        # them. Only the team is taken, and written in the caller's environment.
        orders_sudo = orders.sudo()
        companies_sudo = orders_sudo.company_id
        teams_sudo = (
            self.env["rma.team"]
            .sudo()  # sudo: see the comment above
            .search_fetch(
                [
                    ("company_id", "in", companies_sudo.ids),
                    # Only teams with criteria route (see _rma_route_matches);
                    # the default teams are fetched with them, for their members.
                    "|",
                    ("id", "in", companies_sudo.rma_team_id.ids),
                    "|",
                    "|",
                    ("route_channel", "!=", False),
                    ("route_country_ids", "!=", False),
                    ("route_categ_ids", "!=", False),
                ],
                ["company_id", "sequence", "route_channel", "user_id"],
            )
        )
        teams_by_company = teams_sudo.grouped("company_id")
        groups = defaultdict(list)
        for order, order_sudo in zip(orders, orders_sudo, strict=True):
            team = order_sudo._rma_team_decide(
                teams_by_company.get(order_sudo.company_id, teams_sudo.browse())
            )
            if team:
                groups[team.id].append(order.id)
        for team_id, order_ids in groups.items():
            self.browse(order_ids).write({"team_id": team_id})
        return orders

    def _rma_team_decide(self, teams):
        """The team of this RMA (sudo) among ``teams`` (its company's, by
        sequence): the first whose criteria it meets, else the company's default
        team. Called by ``_rma_route_team``; may be overridden."""
        self.ensure_one()
        return next(
            (team for team in teams if team._rma_route_matches(self)),
            self.company_id.rma_team_id,
        )

    def _rma_team_subscribe(self):
        """Make the members and the responsible of each RMA's team its followers,
        as helpdesk does with its team members: they are notified of the request
        and of what the customer writes. Called on assignment of the team."""
        for team, orders in self.grouped("team_id").items():
            # sudo: the team's members (users the caller may not read) follow
            # RMAs the caller just gave to their team: the write or create that
            # called this checked the caller's right to write them.
            partners = team.sudo()._rma_team_partners()  # sudo: see the comment above
            if partners:
                orders.sudo().message_subscribe(partner_ids=partners.ids)
