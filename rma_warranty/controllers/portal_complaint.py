# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..exceptions import RmaTooManyRequests
from .portal import MAX_ID, RmaPortal

# The fields the complaint form posts (and shows again when refused).
FORM_FIELDS = ("complaint_type", "description", "rma_id", "line_id", "sale_order_id")


class RmaComplaintPortal(RmaPortal):
    """My complaints, the page of a complaint and the form that files one (issue
    14): the routes check access and call one method of rma.complaint."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "rma_complaint_count" in counters:
            Complaint = request.env["rma.complaint"]
            values["rma_complaint_count"] = (
                Complaint.search_count(
                    Complaint._get_portal_domain(request.env.user.partner_id)
                )
                if Complaint.has_access("read")
                else 0
            )
        return values

    # ---- My complaints --------------------------------------------------------------

    @http.route(
        ["/my/complaints", "/my/complaints/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_complaints(self, page=1, **kw):
        Complaint = request.env["rma.complaint"]
        partner = request.env.user.partner_id
        domain = Complaint._get_portal_domain(partner)
        try:
            page = max(1, min(int(page), MAX_ID))
        except (TypeError, ValueError):
            page = 1
        pager = portal_pager(
            url="/my/complaints",
            total=Complaint.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        complaints = Complaint.search(
            domain,
            order="id desc",
            limit=self._items_per_page,
            offset=max(pager["offset"], 0),
        )
        # sudo: the complaints were searched with the user's rules; their RMA and
        # serial are shown as part of them.
        complaints_sudo = complaints.sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            pager=pager,
            complaints_sudo=complaints_sudo,
            complaint_rows=complaints_sudo._portal_list_rows(),
            page_name="complaint",
            default_url="/my/complaints",
        )
        return request.render("rma_warranty.portal_my_complaints", values)

    # ---- One complaint --------------------------------------------------------------

    @http.route(
        ["/my/complaints/<int:complaint_id>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_complaint_page(self, complaint_id, access_token=None, **kw):
        try:
            if not 0 < complaint_id <= MAX_ID:
                raise MissingError(request.env._("This document does not exist."))
            complaint_sudo = self._document_check_access(
                "rma.complaint", complaint_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            complaint_sudo,
            self._rma_token(access_token),
            complaint_sudo._portal_page_values(),
            None,
            False,
            **kw,
        )
        return request.render("rma_warranty.portal_complaint_page", values)

    # ---- File a complaint -----------------------------------------------------------

    def _rma_complaint_form(self, params, error=None, status=200):
        Complaint = request.env["rma.complaint"]
        partner = request.env.user.partner_id
        try:
            form = Complaint._portal_form_values(partner, params)
        except (AccessError, UserError) as link_error:
            # A link to someone else's RMA, unit or quote (or no link at all):
            # the form without it, and why.
            form = Complaint._portal_form_values(partner, {})
            error = error or link_error.args[0]
            status = 403 if isinstance(link_error, AccessError) else 400
        qcontext = self._prepare_portal_layout_values()
        qcontext.update(form, page_name="complaint", error=error, posted=params)
        return request.render(
            "rma_warranty.portal_complaint_form", qcontext, status=status
        )

    @http.route(
        "/my/complaints/new",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        readonly=True,
    )
    def portal_complaint_form(self, **kw):
        return self._rma_complaint_form(self._rma_complaint_params(kw))

    @http.route(
        "/my/complaints/new",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=False,
    )
    def portal_complaint_submit(self, **post):
        values = self._rma_complaint_params(post)
        try:
            complaint_sudo = request.env["rma.complaint"]._portal_create_complaint(
                request.env.user.partner_id, values, post.get("complaint_token")
            )
        except RmaTooManyRequests as error:
            return self._rma_complaint_form(values, error=error.args[0], status=429)
        except AccessError as error:
            return self._rma_complaint_form(values, error=error.args[0], status=403)
        except (UserError, ValidationError) as error:
            return self._rma_complaint_form(values, error=error.args[0], status=400)
        return request.redirect(complaint_sudo.access_url)

    @staticmethod
    def _rma_complaint_params(params):
        """The form's fields only, as texts (a field sent twice: its first value);
        the model checks them."""
        return {
            key: value if isinstance(value, str) else None
            for key in FORM_FIELDS
            if (value := params.get(key)) is not None
        }
