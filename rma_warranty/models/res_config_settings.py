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
    rma_alias_name = fields.Char(
        string="RMA Alias Name",
        related="company_id.rma_alias_id.alias_name",
        readonly=False,
    )
    rma_alias_domain_id = fields.Many2one(
        string="RMA Alias Domain",
        related="company_id.rma_alias_id.alias_domain_id",
        readonly=False,
    )
    rma_warranty_policy_id = fields.Many2one(
        related="company_id.rma_warranty_policy_id",
        readonly=False,
        domain="[('company_id', 'in', [company_id, False])]",
    )
