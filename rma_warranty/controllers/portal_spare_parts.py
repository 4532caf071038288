# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""My units: order spare parts of a unit from its page (issue 15), as a quotation
signed and paid in Sale's portal. The route finds the unit through
``stock.lot._portal_unit_get`` (the access check) and calls one model method,
``stock.lot._portal_order_spare_parts``."""

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..exceptions import RmaTooManyRequests
from .portal_units import RmaWarrantyUnitsPortal

QTY_PREFIX = "qty_"
# Most part fields read from one form (more are a wrong request).
MAX_PART_FIELDS = 100


class RmaSparePartsPortal(RmaWarrantyUnitsPortal):
    @staticmethod
    def _qty_arg(value):
        """A quantity from a form: a whole number (0 included), or None for
        anything else (not digits, too long)."""
        if not isinstance(value, str):
            return None
        value = value.strip() or "0"
        if not (value.isascii() and value.isdigit()) or len(value) > 6:
            return None
        return int(value)

    def _spare_parts_quantities(self, kw):
        """{part id (None when not one): quantity (None when not one)} of the
        ``qty_<id>`` fields of the form; other fields are ignored."""
        keys = [key for key in kw if key.startswith(QTY_PREFIX)]
        if len(keys) > MAX_PART_FIELDS:
            raise UserError(request.env._("Too many parts in one order."))
        return {
            self._id_arg(key[len(QTY_PREFIX) :]): self._qty_arg(kw[key]) for key in keys
        }

    @http.route(
        "/my/units/<int:lot_id>/parts",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=False,
    )
    def portal_my_unit_order_parts(self, lot_id, **kw):
        lot_sudo = request.env["stock.lot"]._portal_unit_get(lot_id)
        if not lot_sudo:
            raise request.not_found()
        try:
            url = lot_sudo._portal_order_spare_parts(self._spare_parts_quantities(kw))
        except RmaTooManyRequests as exc:
            # Answered, not raised: the request stays counted.
            return self._render_unit(lot_sudo, error=exc.args[0], status=429)
        except UserError as exc:
            return self._render_unit(lot_sudo, error=exc.args[0], status=400)
        return request.redirect(url)
