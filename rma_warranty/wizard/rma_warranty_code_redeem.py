# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class RmaWarrantyCodeRedeem(models.TransientModel):
    """Staff redeem a code on behalf of a customer (phone, email, counter)."""

    _name = "rma.warranty.code.redeem"
    _description = "Redeem a Warranty Code"

    code = fields.Char(required=True)
    lot_id = fields.Many2one(
        comodel_name="stock.lot", string="Serial Number", required=True
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    warranty_date_end = fields.Date(related="lot_id.warranty_date_end")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
    )

    @api.depends("lot_id")
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard.lot_id.warranty_owner_id or wizard.partner_id

    def action_redeem(self):
        self.ensure_one()
        coverage = self.env["rma.warranty.code"]._redeem(
            self.code, self.lot_id, self.partner_id
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(lot)s is now covered until %(end)s.",
                    lot=self.lot_id.name,
                    end=coverage.date_end,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
