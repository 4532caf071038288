# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from .portal_request import RmaPortalRequest


class RmaPortalFollowup(RmaPortalRequest):
    """Follow-up RMA (issue 17): a unit of a closed RMA failed again; the request
    form, prefilled with its serial, files a new RMA linked to the closed one."""

    @http.route(
        "/my/rmas/<int:rma_id>/followup",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        readonly=True,
    )
    def portal_rma_followup_form(self, rma_id, **kw):
        try:
            values = request.env["rma.order"]._portal_followup_form_values(
                request.env.user.partner_id, rma_id
            )
        except (AccessError, MissingError) as error:
            # Another partner's RMA is not told apart from one that does not exist.
            raise NotFound() from error
        return self._rma_request_page(values)
