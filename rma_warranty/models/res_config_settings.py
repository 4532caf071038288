# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # What RMAs actually get (the company's first warehouse until one is chosen),
    # not only the value chosen so far.
    rma_warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        string="Default Service Centre",
        compute="_compute_rma_warehouse_id",
        inverse="_inverse_rma_warehouse_id",
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
        related="company_id.rma_team_id.alias_name",
        readonly=False,
    )
    rma_alias_domain_id = fields.Many2one(
        string="RMA Alias Domain",
        related="company_id.rma_team_id.alias_domain_id",
        readonly=False,
    )
    rma_warranty_policy_id = fields.Many2one(
        related="company_id.rma_warranty_policy_id",
        readonly=False,
        domain="[('company_id', 'in', [company_id, False])]",
    )

    # ---- Complaints (issue 14) ----
    rma_complaint_response_days = fields.Integer(
        related="company_id.rma_complaint_response_days", readonly=False
    )
    rma_complaint_user_id = fields.Many2one(
        related="company_id.rma_complaint_user_id",
        readonly=False,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    rma_complaint_alias_name = fields.Char(
        string="Complaints Alias Name",
        related="company_id.rma_complaint_alias_id.alias_name",
        readonly=False,
    )
    rma_complaint_alias_domain_id = fields.Many2one(
        string="Complaints Alias Domain",
        related="company_id.rma_complaint_alias_id.alias_domain_id",
        readonly=False,
    )

    @api.depends("company_id")
    def _compute_rma_warehouse_id(self):
        for settings in self:
            settings.rma_warehouse_id = settings.company_id._rma_get_warehouse()

    def _inverse_rma_warehouse_id(self):
        for settings in self:
            if settings.company_id.rma_warehouse_id != settings.rma_warehouse_id:
                settings.company_id.rma_warehouse_id = settings.rma_warehouse_id

    # ---- Return reasons (issue 17) ----
    rma_reason_required = fields.Boolean(
        related="company_id.rma_reason_required", readonly=False
    )

    # ---- Closing on inactivity (issue 17) ----
    rma_inactivity_remind_days = fields.Integer(
        related="company_id.rma_inactivity_remind_days", readonly=False
    )
    rma_inactivity_close_days = fields.Integer(
        related="company_id.rma_inactivity_close_days", readonly=False
    )
    rma_inactivity_outcome = fields.Selection(
        related="company_id.rma_inactivity_outcome", readonly=False
    )
