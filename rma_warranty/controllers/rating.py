# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.rating.controllers.main import Rating

# The scores of Odoo's rating links (rating.controllers.main).
RATING_SCORES = (1, 3, 5)


class RmaRating(Rating):
    """Odoo's rating pages (``/rate/<token>/...``), with a clear refusal for an RMA
    that cannot be rated (not done) or a score that is none of the smileys.
    Ratings of other documents are left to Odoo as they are."""

    def _rma_rating_refusal(self, token):
        """A page saying why the rating of token ``token`` is refused, when it is
        the rating of an RMA; None otherwise (Odoo's route goes on)."""
        # sudo: the token is the credential, as in Odoo's own route: only the
        # rating of that exact token is read.
        rating_sudo = (
            request.env["rating.rating"]
            .sudo()  # sudo: see the comment above
            .search(
                [("access_token", "=", token), ("res_model", "=", "rma.order")],
                limit=1,
            )
        )
        if not rating_sudo:
            return None
        # sudo: the RMA of that rating, to tell whether it may be rated yet; only
        # its state and name are read.
        rma_sudo = (
            request.env["rma.order"]
            .sudo()  # sudo: see the comment above
            .browse(rating_sudo.res_id)
            .exists()
        )
        if not rma_sudo:
            return None  # Odoo's route answers 404
        message = rma_sudo._rating_refusal()
        if not message:
            return None
        return request.render(
            "rma_warranty.portal_rma_rating_refused",
            {"message": message, "rma_name": rma_sudo.name},
            status=409,
        )

    def _rating_bad_score(self, rate):
        """A page saying the score is none of the smileys (HTTP 400), whatever the
        token (Odoo's route raises a ValueError: HTTP 500); None for a good one."""
        try:
            rate = int(rate)
        except (TypeError, ValueError):
            rate = None
        if rate in RATING_SCORES:
            return None
        return request.render(
            "rma_warranty.portal_rma_rating_refused",
            {
                "message": request.env._(
                    "Choose one of the smileys to rate the service."
                ),
                "rma_name": False,
            },
            status=400,
        )

    @http.route()
    def action_open_rating(self, token, rate, **kwargs):
        refusal = self._rating_bad_score(rate) or self._rma_rating_refusal(token)
        return refusal or super().action_open_rating(token, rate, **kwargs)

    @http.route()
    def action_submit_rating(self, token, rate=0, **kwargs):
        if request.httprequest.method == "POST":
            refusal = self._rating_bad_score(rate) or self._rma_rating_refusal(token)
            if refusal:
                return refusal
        return super().action_submit_rating(token, rate=rate, **kwargs)
