# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero


class LoyaltyProgram(models.Model):
    """Goodwill coupons (issue 17): the coupon programs staff give coupons of from
    an RMA. A goodwill program is one of Odoo's own ``coupons`` programs whose
    reward is a fixed amount per point, so that a coupon's points say its value."""

    _inherit = "loyalty.program"

    # ---- Goodwill coupons (issue 17) ----
    rma_goodwill = fields.Boolean(
        string="After-Sales Goodwill",
        help="Staff may give coupons of this program to customers from their RMAs, "
        "as a goodwill gesture; their value counts in the warranty cost.",
    )

    def _rma_goodwill_reward(self):
        """The reward of this goodwill program: a discount of a fixed amount per
        point. Raises a UserError naming the program when it has none."""
        self.ensure_one()
        rewards = self.reward_ids.filtered(
            lambda reward: (
                reward.reward_type == "discount"
                and reward.discount_mode == "per_point"
                and reward.discount > 0
            )
        )
        if (
            not self.rma_goodwill
            or self.program_type != "coupons"
            or len(rewards) != 1
            or len(self.reward_ids) != 1
        ):
            raise UserError(
                self.env._(
                    "Program %(program)s cannot give goodwill coupons: it must be a "
                    "coupon program marked for after-sales goodwill whose only reward "
                    "is a discount of a fixed amount per point.",
                    program=self.display_name,
                )
            )
        return rewards

    def _rma_goodwill_points(self, amount):
        """The points of a coupon of this program worth ``amount`` (in the
        program's currency). Raises a UserError when no number of points is worth
        exactly that amount (the reward is used by steps of its required points)."""
        self.ensure_one()
        reward = self._rma_goodwill_reward()
        currency = self.currency_id
        if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(self.env._("A goodwill coupon must have a positive value."))
        points = amount / reward.discount
        steps = points / reward.required_points
        if not float_is_zero(steps - round(steps), precision_digits=6):
            raise UserError(
                self.env._(
                    "Program %(program)s gives coupons by steps of %(step)s: enter a "
                    "multiple of it.",
                    program=self.display_name,
                    step=reward.discount * reward.required_points,
                )
            )
        return points
