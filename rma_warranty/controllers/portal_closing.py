# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from .portal import RmaPortal


class RmaPortalClosing(RmaPortal):
    """Closing by the customer (issue 17): the customer of a request that still
    waits closes it from its portal page, solved, no return needed."""

    def _get_page_view_values(
        self, document, access_token, values, session_history, no_breadcrumbs, **kwargs
    ):
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        # The RMA route checked access to the RMA (rules or its token) before this.
        if document._name == "rma.order" and not request.env.user._is_public():
            values["customer_close_available"] = not (
                document._portal_customer_close_refusal(request.env.user.partner_id)
            )
        return values

    @http.route(
        ["/my/rmas/<int:rma_id>/close"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_rma_customer_close(self, rma_id, access_token=None, comment=None, **kw):
        """Check that the user reads the RMA, then let the RMA check that the
        user is its customer and that it can still be closed, and close it."""
        try:
            rma_sudo = self._rma_check_access(rma_id, access_token)
        except (AccessError, MissingError):
            return request.not_found()
        user = request.env.user
        try:
            # sudo: the route checked that the user reads the RMA; the RMA checks
            # that the user is its customer's. As the user, for the tracking.
            rma_sudo.with_user(user).sudo()._portal_close_by_customer(
                user.partner_id, comment
            )
        except AccessError as error:
            return self._rma_document_unavailable(rma_sudo, access_token, error)
        except UserError as error:
            response = self._rma_document_unavailable(rma_sudo, access_token, error)
            response.status_code = 409
            return response
        return request.redirect(rma_sudo.access_url)
