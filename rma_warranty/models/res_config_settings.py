# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rma_warehouse_id = fields.Many2one(
        related="company_id.rma_warehouse_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    rma_resource_calendar_id = fields.Many2one(
        related="company_id.rma_resource_calendar_id",
        readonly=False,
        domain="[('company_id', 'in', [company_id, False])]",
    )
