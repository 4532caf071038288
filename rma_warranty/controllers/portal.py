# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# Ids above PostgreSQL's integer range name no record (and must not reach SQL).
MAX_ID = 2**31 - 1


class RmaPortal(CustomerPortal):
    """My RMAs and the page of an RMA, built like Sale's portal: the routes check
    access and call the RMA's methods; the records rendered in sudo were checked
    readable (by the record rules or the RMA's access token) first."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "rma_count" in counters:
            Rma = request.env["rma.order"]
            values["rma_count"] = (
                Rma.search_count(Rma._get_portal_domain(request.env.user.partner_id))
                if Rma.has_access("read")
                else 0
            )
        return values

    def _rma_check_access(self, rma_id, access_token=None):
        """The RMA ``rma_id`` in sudo, once the user may read it or gave its token;
        AccessError or MissingError otherwise."""
        if not 0 < rma_id <= MAX_ID:
            raise MissingError(request.env._("This document does not exist."))
        return self._document_check_access("rma.order", rma_id, access_token)

    def _document_check_access(self, model_name, document_id, access_token=None):
        # Every portal document's check (RMAs, Sale's quotes, invoices...): a token
        # that cannot be one is no token, instead of the constant-time
        # comparison's exception (HTTP 500).
        return super()._document_check_access(
            model_name, document_id, access_token=self._rma_token(access_token)
        )

    @staticmethod
    def _rma_token(access_token):
        """The access token given, or None when there is none or it cannot be one:
        tokens are ASCII text, and the constant-time comparison refuses others."""
        if access_token and isinstance(access_token, str) and access_token.isascii():
            return access_token
        return None

    def _rma_document_unavailable(self, rma_sudo, access_token, error):
        """A page saying why a document of the RMA is not available (HTTP 403)."""
        values = self._prepare_portal_layout_values()
        values.update(
            rma=rma_sudo,
            page_name="rma",
            message=error.args[0],
            access_token=access_token,
        )
        return request.render(
            "rma_warranty.portal_rma_document_unavailable", values, status=403
        )

    def _rma_portal_list(
        self,
        url,
        *,
        page,
        searchbar,
        sortby,
        filterby,
        search_in,
        search,
        get_domain,
        count,
        fetch,
    ):
        """The scaffolding of a portal list (My RMAs, My units): the options
        chosen, the domain, the pager and one page of records.

        ``searchbar``: ``(sortings, filters, inputs, default sortby)``; unknown
        options fall back to the defaults rather than failing. ``search``: the
        text searched, already cleaned by the route. ``get_domain(filterby,
        search_in, search)``, ``count(domain)`` and ``fetch(domain, order, limit,
        offset)`` are the list's own. Returns the records and the searchbar and
        pager values of the page."""
        sortings, filters, inputs, default_sortby = searchbar
        sortby = sortby if sortby in sortings else default_sortby
        filterby = filterby if filterby in filters else "all"
        search_in = search_in if search_in in inputs else "all"
        try:
            page = max(1, min(int(page), MAX_ID))
        except (TypeError, ValueError):
            page = 1
        domain = get_domain(filterby, search_in, search)
        url_args = {"sortby": sortby, "filterby": filterby}
        if search:
            url_args.update(search=search, search_in=search_in)
        pager = portal_pager(
            url=url,
            total=count(domain),
            page=page,
            step=self._items_per_page,
            url_args=url_args,
        )
        records = fetch(
            domain,
            sortings[sortby]["order"],
            self._items_per_page,
            max(pager["offset"], 0),
        )
        return records, {
            "pager": pager,
            "default_url": url,
            "searchbar_sortings": sortings,
            "sortby": sortby,
            "searchbar_filters": filters,
            "filterby": filterby,
            "searchbar_inputs": inputs,
            "search_in": search_in,
            "search": search,
        }

    # ---- My RMAs --------------------------------------------------------------------

    @http.route(
        ["/my/rmas", "/my/rmas/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_rmas(
        self, page=1, sortby=None, filterby=None, search=None, search_in="all", **kw
    ):
        Rma = request.env["rma.order"]
        partner = request.env.user.partner_id
        # The page's RMAs and the columns shown, in one query.
        rmas, list_values = self._rma_portal_list(
            "/my/rmas",
            page=page,
            searchbar=(
                Rma._get_portal_sortings(),
                Rma._get_portal_filters(),
                Rma._get_portal_search_inputs(),
                "date",
            ),
            sortby=sortby,
            filterby=filterby,
            search_in=search_in,
            search=(search or "").replace("\x00", "")[:200],
            get_domain=lambda filterby, search_in, search: Rma._get_portal_list_domain(
                partner, filterby, search_in, search
            ),
            count=Rma.search_count,
            fetch=lambda domain, order, limit, offset: Rma.search_fetch(
                domain,
                Rma._PORTAL_LIST_FIELDS,
                order=order,
                limit=limit,
                offset=offset,
            ),
        )
        # sudo: the RMAs were searched with the user's rules; their units'
        # serials and products are shown as part of them.
        rmas_sudo = rmas.sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            list_values,
            rmas_sudo=rmas_sudo,
            rma_rows=rmas_sudo._portal_list_rows(),
            page_name="rma",
        )
        return request.render("rma_warranty.portal_my_rmas", values)

    # ---- One RMA --------------------------------------------------------------------

    @http.route(
        ["/my/rmas/<int:rma_id>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_rma_page(self, rma_id, access_token=None, **kw):
        try:
            rma_sudo = self._rma_check_access(rma_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            rma_sudo,
            self._rma_token(access_token),
            rma_sudo._portal_page_values(request.env.user.partner_id),
            None,
            False,
            **kw,
        )
        return request.render("rma_warranty.portal_rma_page", values)

    @http.route(
        ["/my/rmas/<int:rma_id>/authorisation"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_rma_authorisation(self, rma_id, access_token=None, download=None, **kw):
        """The RMA authorisation and its label: only once released (approved, with
        its number, not held until the repair quote is paid)."""
        try:
            rma_sudo = self._rma_check_access(rma_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        try:
            rma_sudo._check_authorisation_printable()
        except UserError as error:
            return self._rma_document_unavailable(rma_sudo, access_token, error)
        return self._show_report(
            rma_sudo,
            "pdf",
            "rma_warranty.action_report_rma_order",
            download=download == "true",
        )

    @http.route(
        ["/my/rmas/<int:rma_id>/service-report"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_rma_service_report(self, rma_id, access_token=None, download=None, **kw):
        """The service report: once a repaired unit of the RMA is shipped back."""
        try:
            rma_sudo = self._rma_check_access(rma_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        try:
            rma_sudo._check_service_report_printable()
        except UserError as error:
            return self._rma_document_unavailable(rma_sudo, access_token, error)
        return self._show_report(
            rma_sudo,
            "pdf",
            "rma_warranty.action_report_rma_service",
            download=download == "true",
        )

    @http.route(
        ["/my/rmas/<int:rma_id>/<any(quote,invoice,refund):kind>/<int:document_id>"],
        type="http",
        auth="public",
        website=True,
        readonly=False,  # gives the document its access token the first time
    )
    def portal_rma_document(self, rma_id, kind, document_id, access_token=None, **kw):
        """A repair quote, invoice or credit note of the RMA, on its own portal
        page (Sale's, Invoicing's) with its own token: only a document of this
        RMA."""
        try:
            rma_sudo = self._rma_check_access(rma_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        document_sudo = rma_sudo._portal_document(kind, document_id)
        if not document_sudo:
            return request.redirect(rma_sudo.get_portal_url())
        return request.redirect(document_sudo.get_portal_url())
