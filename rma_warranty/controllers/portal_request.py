# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..exceptions import RmaTooManyRequests

# The fields of one unit the form posts, as unit-<index>-<field>.
UNIT_FIELDS = (
    "serial",
    "product_id",
    "fault_description",
    "failed_component_id",
    "reason_id",  # return reasons (issue 17)
)
# Intake checklist (issue 17): the answer of a unit to a question, as
# unit-<index>-answer-<question id> (a text, or a file for a photo).
ANSWER_FIELD = re.compile(r"^unit-(\d{1,3})-answer-(\d{1,9})$")


class RmaPortalRequest(CustomerPortal):
    """The portal's new-request form: a customer (or a distributor for one of its
    customers) files units with their faults, photos and documents."""

    def _rma_request_page(self, values, error=None, status=200):
        partner = request.env.user.partner_id
        form = request.env["rma.order"]._portal_request_form_values(
            partner, values.get("serial")
        )
        qcontext = self._prepare_portal_layout_values()
        qcontext.update(form, page_name="rma_request", error=error, posted=values)
        return request.render(
            "rma_warranty.portal_rma_request", qcontext, status=status
        )

    @http.route(
        "/my/rmas/new",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        readonly=True,
    )
    def portal_rma_request_form(self, serial=None, **kw):
        return self._rma_request_page({"serial": serial})

    @http.route(
        "/my/rmas/new",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=False,
    )
    def portal_rma_request_submit(self, **post):
        units = self._rma_request_posted_units(post)
        attachments = [
            # One byte over the limit is enough for the model to refuse the file.
            {"name": upload.filename, "content": upload.read(self._rma_upload_cap())}
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
        customer = None
        if post.get("customer_mode") == "contact":
            customer = {"partner_id": post.get("customer_id")}
        elif post.get("customer_mode") == "new":
            customer = {
                "name": post.get("customer_name"),
                "email": post.get("customer_email"),
            }
        try:
            order_sudo = request.env["rma.order"]._portal_create_request(
                request.env.user.partner_id,
                units,
                attachments=attachments,
                customer=customer,
                token=post.get("request_token"),
                priority=post.get("priority"),
                previous=post.get("previous_rma_id"),  # follow-up (issue 17)
            )
        except RmaTooManyRequests:
            return request.render(
                "rma_warranty.portal_rma_request_too_many",
                self._prepare_portal_layout_values(),
                status=429,
            )
        except (UserError, ValidationError, AccessError, MissingError) as error:
            values = {key: post.get(key) for key in self._rma_request_echo_keys()}
            values["units"] = units
            return self._rma_request_page(values, error=error.args[0], status=400)
        return request.redirect(order_sudo._portal_request_url())

    def _rma_upload_cap(self):
        return request.env["rma.order"]._portal_upload_max_bytes() + 1

    def _rma_request_echo_keys(self):
        """The fields the form shows again when it is refused."""
        return (
            "customer_mode",
            "customer_id",
            "customer_name",
            "customer_email",
            "priority",  # issue 17
            "previous_rma_id",  # follow-up (issue 17)
        )

    def _rma_request_posted_units(self, post):
        """The units of the form, whitelisted: ``unit-<i>-<field>`` for the
        fields of UNIT_FIELDS only, at most one more than a request may hold (the
        model refuses too many); with their checklist answers (issue 17)."""
        limit = request.env["rma.order"]._PORTAL_MAX_UNITS + 1
        answers = self._rma_request_posted_answers(post, limit)
        units = []
        for index in range(limit):
            unit = {
                field: post.get(f"unit-{index}-{field}") or "" for field in UNIT_FIELDS
            }
            if any(unit.values()):
                unit["answers"], unit["photos"] = answers.get(index, ({}, {}))
                units.append(unit)
        return units

    # ---- Intake checklist (issue 17) ----

    def _rma_request_posted_answers(self, post, limit):
        """The checklist answers posted, by unit index: ``{index: (answers,
        photos)}``, ``answers`` question id -> text, ``photos`` question id ->
        ``{"name", "content"}`` (read up to one byte over the upload limit, at
        most as many as a request's files). Which questions a unit answers and
        what a valid answer is, the model checks."""
        result = {}
        for key, value in post.items():
            match = ANSWER_FIELD.match(key)
            if match and int(match[1]) < limit and isinstance(value, str):
                result.setdefault(int(match[1]), ({}, {}))[0][match[2]] = value
        cap = self._rma_upload_cap()
        max_files = request.env["rma.order"]._PORTAL_MAX_FILES
        for key, upload in request.httprequest.files.items():
            match = ANSWER_FIELD.match(key)
            if match and int(match[1]) < limit and upload.filename:
                photos = result.setdefault(int(match[1]), ({}, {}))[1]
                if len(photos) < max_files:
                    photos[match[2]] = {
                        "name": upload.filename,
                        "content": upload.read(cap),
                    }
        return result

    @http.route(
        "/my/rmas/new/lookup",
        type="json",
        auth="user",
        methods=["POST"],
        readonly=True,
    )
    def portal_rma_request_lookup(self, serial=None, **kw):
        """Product and entitlement of a typed serial, for the form's live check."""
        try:
            return {"units": request.env["rma.order"]._portal_lookup_serial(serial)}
        except RmaTooManyRequests as error:
            return {"units": [], "error": error.args[0]}
