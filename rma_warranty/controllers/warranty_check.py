# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import urlencode

from odoo import http
from odoo.http import request

# Checks allowed per client address and window (seconds): system parameters.
RATE_LIMIT_PARAM = "rma_warranty.warranty_check_rate_limit"
RATE_WINDOW_PARAM = "rma_warranty.warranty_check_rate_window"
RATE_LIMIT_DEFAULT = 30
RATE_WINDOW_DEFAULT = 60


def _positive_int(value, default):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


class WarrantyCheck(http.Controller):
    """The public warranty check (DESIGN §5): the page a certificate's QR code
    opens, and its JSON variant for integrators. Product and coverage dates only,
    from ``stock.lot._warranty_check_public``. Both routes are ``readonly=True``:
    a replica serves them (DESIGN §7); the rate limit counts through its own
    cursor there."""

    def _warranty_check_rate_limit(self):
        """Count this request against the limit of its client address; return
        (allowed, window in seconds)."""
        # sudo: the public user may not read system parameters; only the two
        # limits of this page are read.
        params_sudo = request.env["ir.config_parameter"].sudo()
        limit = _positive_int(
            params_sudo.get_param(RATE_LIMIT_PARAM), RATE_LIMIT_DEFAULT
        )
        window = _positive_int(
            params_sudo.get_param(RATE_WINDOW_PARAM), RATE_WINDOW_DEFAULT
        )
        # Its own cursor: every check of one address counts on one row, which
        # the page must not hold while it renders (see _hit).
        allowed = request.env["rma.rate.limit"]._hit(
            "warranty_check",
            request.httprequest.remote_addr or "",
            limit,
            window,
            own_cursor=True,
        )
        return allowed, window

    def _warranty_check_repair_url(self, serial):
        """Where "Request a repair" leads: the portal's new request, through the
        login page for a visitor."""
        url = f"/my/rmas/new?{urlencode({'serial': serial})}"
        if request.env.user._is_public():
            url = f"/web/login?{urlencode({'redirect': url})}"
        return url

    @http.route(
        "/warranty/check",
        type="http",
        auth="public",
        methods=["GET"],
        readonly=True,
        # A frontend page (http_routing): the portal layout and its languages.
        website=True,
    )
    def warranty_check(self, serial="", **kwargs):
        allowed, window = self._warranty_check_rate_limit()
        if not allowed:
            return request.render(
                "rma_warranty.warranty_check_limited",
                {"window": window},
                status=429,
                headers={"Retry-After": str(window)},
            )
        result = request.env["stock.lot"]._warranty_check_public(serial)
        values = {
            "result": result,
            "serial_size": request.env["stock.lot"]._WARRANTY_CHECK_SERIAL_SIZE,
            "repair_urls": [
                self._warranty_check_repair_url(unit["serial"])
                for unit in result["units"]
            ],
        }
        return request.render(
            "rma_warranty.warranty_check_page",
            values,
            status=400 if result["status"] == "invalid" else 200,
        )

    @http.route(
        "/warranty/check/json",
        type="http",
        auth="public",
        methods=["GET"],
        readonly=True,
    )
    def warranty_check_json(self, serial="", **kwargs):
        """``{"serial", "units": [{"serial", "product", "coverage",
        "coverage_label", "covered_until", "periods": [{"component", "kind",
        "kind_label", "date_start", "date_end"}]}]}``, ISO dates; an error is
        ``{"error": code, "message": text}`` with HTTP 400, 404 or 429."""
        allowed, window = self._warranty_check_rate_limit()
        if not allowed:
            return request.make_json_response(
                {
                    "error": "rate_limited",
                    "message": request.env._(
                        "Too many warranty checks from your address. Please try "
                        "again in %(seconds)s seconds.",
                        seconds=window,
                    ),
                    "retry_after": window,
                },
                headers={"Retry-After": str(window)},
                status=429,
            )
        result = request.env["stock.lot"]._warranty_check_public(serial)
        if result["status"] == "found":
            return request.make_json_response(
                {"serial": result["serial"], "units": result["units"]}
            )
        errors = {
            "empty": (400, "missing_serial", request.env._("Give a serial number.")),
            "invalid": (
                400,
                "invalid_serial",
                request.env._(
                    "A serial number has at most %(size)s characters and no "
                    "control characters.",
                    size=request.env["stock.lot"]._WARRANTY_CHECK_SERIAL_SIZE,
                ),
            ),
            "unknown": (
                404,
                "not_found",
                request.env._(
                    "No warranty information is available for this serial number."
                ),
            ),
        }
        status, code, message = errors[result["status"]]
        return request.make_json_response(
            {"error": code, "message": message}, status=status
        )
