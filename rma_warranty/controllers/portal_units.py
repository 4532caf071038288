# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""My units: the serials of a portal user, their coverage, their certificate, and
registering a unit.

Portal users have no rights on serials (see ``stock.lot._portal_units_domain``):
every route finds the unit through ``stock.lot._portal_unit_get``, which is the
access check, and renders the whitelisted values of ``_portal_unit_values``.
"""

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..exceptions import RmaTooManyRequests
from ..models.rma_warranty_code import RedeemRateLimited
from ..models.rma_warranty_registration import PROOF_MAX_BYTES, PROOF_MAX_FILES
from .portal import RmaPortal

CERTIFICATE_REPORT = "rma_warranty.action_report_warranty_certificate"
# Longest serial number and search text taken from a form or a URL.
MAX_TEXT = 200


class RmaWarrantyUnitsPortal(RmaPortal):
    # ---- Helpers --------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "unit_count" in counters:
            values["unit_count"] = request.env["stock.lot"]._portal_units_count()
        return values

    def _units_searchbar_sortings(self):
        return {
            "serial": {"label": request.env._("Serial Number"), "order": "name, id"},
            "product": {"label": request.env._("Product"), "order": "product_id, name"},
            "newest": {"label": request.env._("Newest"), "order": "id desc"},
        }

    def _units_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "covered": {
                "label": request.env._("Covered today"),
                "domain": [("warranty_kind", "!=", False)],
            },
            "uncovered": {
                "label": request.env._("Out of warranty"),
                "domain": [("warranty_kind", "=", False)],
            },
        }

    def _units_searchbar_inputs(self):
        return {
            "all": {"input": "all", "label": request.env._("Search in All")},
            "serial": {"input": "serial", "label": request.env._("Search in Serial")},
            "product": {
                "input": "product",
                "label": request.env._("Search in Product"),
            },
        }

    def _units_search_domain(self, search_in, search):
        if not search:
            return []
        serial = [("name", "ilike", search)]
        product = [("product_id", "ilike", search)]
        if search_in == "serial":
            return serial
        if search_in == "product":
            return product
        return ["|", *serial, *product]

    @staticmethod
    def _text_arg(value):
        """A text parameter, or '' for anything else; cut to MAX_TEXT, without
        NUL characters (PostgreSQL refuses them in any query)."""
        if not isinstance(value, str):
            return ""
        return value.replace("\x00", "").strip()[:MAX_TEXT]

    @staticmethod
    def _id_arg(value):
        """A record id from a form, or None for anything else (not digits, out of
        PostgreSQL's integer range)."""
        if not isinstance(value, str):
            return None
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return None
        number = int(value)
        return number if 0 < number < 2**31 else None

    # ---- Units ----------------------------------------------------------------------

    @http.route(
        ["/my/units", "/my/units/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_units(
        self, page=1, sortby=None, filterby=None, search=None, search_in="all", **kw
    ):
        Lot = request.env["stock.lot"]
        filters = self._units_searchbar_filters()
        lots_sudo, list_values = self._rma_portal_list(
            "/my/units",
            page=page,
            searchbar=(
                self._units_searchbar_sortings(),
                filters,
                self._units_searchbar_inputs(),
                "serial",
            ),
            sortby=sortby,
            filterby=filterby,
            search_in=search_in,
            search=self._text_arg(search),
            get_domain=lambda filterby, search_in, search: (
                filters[filterby]["domain"]
                + self._units_search_domain(search_in, search)
            ),
            count=Lot._portal_units_count,
            fetch=lambda domain, order, limit, offset: Lot._portal_units_search(
                domain, order=order, limit=limit, offset=offset
            ),
        )
        values = self._prepare_portal_layout_values()
        values.update(
            list_values,
            units=lots_sudo._portal_unit_values(),
            page_name="rma_units",
        )
        return request.render("rma_warranty.portal_my_units", values)

    @http.route(
        "/my/units/<int:lot_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_unit(self, lot_id, **kw):
        lot_sudo = request.env["stock.lot"]._portal_unit_get(lot_id)
        if not lot_sudo:
            raise request.not_found()
        success = None
        if kw.get("registered"):
            success = request.env._("Your unit is registered: its coverage is below.")
        elif kw.get("redeemed"):
            success = request.env._(
                "The code is redeemed: the extended coverage is below."
            )
        return self._render_unit(lot_sudo, success=success)

    def _render_unit(self, lot_sudo, error=None, success=None, status=200):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "unit": lot_sudo._portal_unit_values(detail=True)[0],
                "offers": lot_sudo._portal_extension_offers(),
                "spare_parts": lot_sudo._portal_spare_parts(),  # issue 15
                "page_name": "rma_unit",
                "error": error,
                "success": success,
            }
        )
        return request.render("rma_warranty.portal_my_unit", values, status=status)

    @http.route(
        "/my/units/<int:lot_id>/certificate",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_unit_certificate(self, lot_id, download=False, **kw):
        lot_sudo = request.env["stock.lot"]._portal_unit_get(lot_id)
        if not lot_sudo:
            raise request.not_found()
        # The certificate names the owner and is the owner's document: a
        # distributor that sold the unit sees its coverage, not its certificate.
        if not lot_sudo._portal_is_owner():
            return request.make_response(
                request.env._("Only the owner of the unit gets its certificate."),
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=403,
            )
        return self._show_report(
            model=lot_sudo,
            report_type="pdf",
            report_ref=CERTIFICATE_REPORT,
            download=download == "true",
        )

    # ---- Registration ---------------------------------------------------------------

    def _render_register(self, values=None, error=None, status=200):
        render_values = self._prepare_portal_layout_values()
        render_values.update(
            {
                "page_name": "rma_unit_register",
                "form": values or {},
                "error": error,
                "max_files": PROOF_MAX_FILES,
                "max_mb": PROOF_MAX_BYTES // (1024 * 1024),
                "today": fields.Date.context_today(request.env.user),
            }
        )
        return request.render(
            "rma_warranty.portal_my_unit_register", render_values, status=status
        )

    @http.route(
        "/my/units/register",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        readonly=True,
    )
    def portal_my_unit_register(self, serial=None, **kw):
        return self._render_register({"serial": self._text_arg(serial)})

    @http.route(
        "/my/units/register",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=False,
    )
    def portal_my_unit_register_post(self, serial=None, purchase_date=None, **kw):
        # Only these fields are read from the form; the files are read up to the
        # size limit and one byte more, so that an oversized file is refused
        # without holding it in memory.
        form = {
            "serial": self._text_arg(serial),
            "purchase_date": self._text_arg(purchase_date),
        }
        try:
            try:
                date = fields.Date.to_date(form["purchase_date"] or None)
            except ValueError:
                date = None
            if not date:
                raise UserError(
                    request.env._("Give the date the unit was bought, as on the proof.")
                )
            uploads = [
                upload
                for upload in request.httprequest.files.getlist("proof")
                if self._text_arg(upload.filename)
            ][: PROOF_MAX_FILES + 1]
            files = [
                (self._text_arg(upload.filename), upload.read(PROOF_MAX_BYTES + 1))
                for upload in uploads
            ]
            registration_sudo = request.env[
                "rma.warranty.registration"
            ]._portal_register(
                form["serial"], date, files, request.httprequest.remote_addr
            )
        except RmaTooManyRequests as exc:
            # Answered, not raised: the attempt stays counted (see _portal_register).
            return self._render_register(form, error=exc.args[0], status=429)
        except (UserError, ValidationError) as exc:
            return self._render_register(form, error=exc.args[0], status=400)
        return request.redirect(f"/my/units/{registration_sudo.lot_id.id}?registered=1")

    # ---- Codes ----------------------------------------------------------------------

    @http.route(
        "/my/units/<int:lot_id>/redeem",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=False,
    )
    def portal_my_unit_redeem(self, lot_id, code=None, **kw):
        lot_sudo = request.env["stock.lot"]._portal_unit_get(lot_id)
        if not lot_sudo:
            raise request.not_found()
        try:
            request.env["rma.warranty.code"]._portal_redeem(
                lot_sudo,
                self._text_arg(code),
                request.httprequest.remote_addr,
            )
        except RedeemRateLimited as exc:
            # Answered, not raised: the attempt stays counted (see _portal_redeem).
            return self._render_unit(lot_sudo, error=exc.args[0], status=429)
        except UserError as exc:
            return self._render_unit(lot_sudo, error=exc.args[0], status=400)
        return request.redirect(f"/my/units/{lot_sudo.id}?redeemed=1")

    # ---- Extensions -----------------------------------------------------------------

    @http.route(
        "/my/units/<int:lot_id>/extend",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=False,
    )
    def portal_my_unit_extend(self, lot_id, offer=None, **kw):
        lot_sudo = request.env["stock.lot"]._portal_unit_get(lot_id)
        if not lot_sudo:
            raise request.not_found()
        try:
            order_sudo = lot_sudo._portal_order_extension(self._id_arg(offer))
        except RmaTooManyRequests as exc:
            # Answered, not raised: the request stays counted.
            return self._render_unit(lot_sudo, error=exc.args[0], status=429)
        except UserError as exc:
            return self._render_unit(lot_sudo, error=exc.args[0], status=400)
        return request.redirect(order_sudo.get_portal_url())
