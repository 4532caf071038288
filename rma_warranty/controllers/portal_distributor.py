# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from .portal import RmaPortal


class RmaPortalDistributor(RmaPortal):
    """Distributor channel (issue 14): the distributor a request was assigned to
    handles it or escalates it to us from the RMA's portal page."""

    @http.route(
        ["/my/rmas/<int:rma_id>/distributor/<any(handle,escalate):choice>"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_rma_distributor_choice(self, rma_id, choice, access_token=None, **kw):
        """Check that the user reads the RMA, then let the RMA decide whether the
        user may choose (a user of the distributor assigned) and record it."""
        try:
            rma_sudo = self._rma_check_access(rma_id, access_token)
        except (AccessError, MissingError):
            return request.not_found()
        user = request.env.user
        try:
            # sudo: the route checked that the user reads the RMA; the RMA checks
            # that the user is its distributor's. As the user, for the tracking.
            rma_sudo.with_user(user).sudo()._portal_distributor_decide(
                choice, user.partner_id
            )
        except AccessError as error:
            return self._rma_document_unavailable(rma_sudo, access_token, error)
        except UserError as error:
            response = self._rma_document_unavailable(rma_sudo, access_token, error)
            response.status_code = 409
            return response
        return request.redirect(rma_sudo.access_url)
