# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal


class RmaQuotePortal(CustomerPortal):
    """Sale's portal page of a repair quote links back to its RMA's page."""

    def _get_page_view_values(
        self, document, access_token, values, session_history, no_breadcrumbs, **kwargs
    ):
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        # Sale checked access to the order (rules or its token) before this.
        if document._name == "sale.order" and document.rma_line_id:
            values["rma_back_url"] = document._rma_portal_back_url(
                request.env.user, access_token
            )
        return values
