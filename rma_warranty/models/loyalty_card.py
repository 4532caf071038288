# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class LoyaltyCard(models.Model):
    """Goodwill coupons (issue 17): a coupon given from an RMA unit is one of
    Odoo's own ``loyalty.card``, with its code, points and expiry, redeemed on a sale
    order by ``sale_loyalty``. The unit it was given for, its value when given and
    the reason are decisions of ``rma.order.line._rma_give_goodwill_coupon`` only."""

    _name = "loyalty.card"
    _inherit = ["loyalty.card", "rma.decision.mixin"]

    _rma_decision_fields = frozenset(
        {"rma_line_id", "rma_id", "rma_goodwill_amount", "rma_goodwill_reason"}
    )

    # ---- Goodwill coupons (issue 17) ----
    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="RMA Unit",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        copy=False,
        help="The RMA unit this coupon was given for, as a goodwill gesture.",
    )
    rma_id = fields.Many2one(
        comodel_name="rma.order",
        string="RMA",
        related="rma_line_id.order_id",
        store=True,
        index="btree_not_null",
    )
    rma_goodwill_amount = fields.Monetary(
        string="Goodwill Value",
        readonly=True,
        copy=False,
        help="The coupon's value when it was given (a warranty cost), whatever is "
        "used of it later.",
    )
    rma_goodwill_reason = fields.Text(
        string="Goodwill Reason", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "rma_line_goodwill_unique",
            "UNIQUE(rma_line_id)",
            "An RMA unit gets one goodwill coupon at most.",
        )
    ]

    def _rma_decision_message(self, fname):
        return self.env._(
            "A goodwill coupon's RMA unit, value and reason are set only by Give "
            "Goodwill Coupon on the RMA."
        )
