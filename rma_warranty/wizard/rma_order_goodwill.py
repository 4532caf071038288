# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class RmaOrderGoodwill(models.TransientModel):
    """Give Goodwill Coupon (issue 17): a coupon of an after-sales goodwill
    program for a unit of the RMA. Collects the choice and calls
    ``rma.order.line._rma_give_goodwill_coupon``."""

    _name = "rma.order.goodwill"
    _description = "Give a Goodwill Coupon"

    order_id = fields.Many2one(comodel_name="rma.order", required=True, readonly=True)
    company_id = fields.Many2one(related="order_id.company_id")
    line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Unit",
        required=True,
        domain="[('order_id', '=', order_id), ('goodwill_coupon_ids', '=', False)]",
        compute="_compute_line_id",
        store=True,
        readonly=False,
    )
    program_id = fields.Many2one(
        comodel_name="loyalty.program",
        required=True,
        domain="[('rma_goodwill', '=', True), ('program_type', '=', 'coupons'), "
        "('company_id', 'in', (company_id, False))]",
        compute="_compute_program_id",
        store=True,
        readonly=False,
    )
    currency_id = fields.Many2one(related="program_id.currency_id")
    amount = fields.Monetary(string="Value", required=True)
    expiration_date = fields.Date(
        string="Valid Until",
        default=lambda self: fields.Date.context_today(self) + relativedelta(years=1),
    )
    reason = fields.Text(required=True)

    @api.depends("order_id")
    def _compute_line_id(self):
        for wizard in self:
            lines = wizard.order_id.line_ids.filtered(
                lambda line: not line.goodwill_coupon_ids
            )
            wizard.line_id = lines[:1]

    @api.depends("company_id")
    def _compute_program_id(self):
        for wizard in self:
            wizard.program_id = self.env["loyalty.program"].search(
                [
                    ("rma_goodwill", "=", True),
                    ("program_type", "=", "coupons"),
                    ("company_id", "in", (wizard.company_id.id, False)),
                ],
                limit=1,
            )

    def action_give(self):
        self.ensure_one()
        self.line_id._rma_give_goodwill_coupon(
            self.program_id, self.amount, self.reason, self.expiration_date
        )
        return {"type": "ir.actions.act_window_close"}
