# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rma_warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        string="Default Service Centre",
        check_company=True,
        help="Warehouse that receives returned units unless an RMA names another one.",
    )
    rma_resource_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Service Calendar",
        check_company=True,
        help="Working days and hours used to compute service-level deadlines. "
        "Empty: the company's working hours.",
    )

    @api.constrains("rma_warehouse_id", "rma_resource_calendar_id")
    def _check_rma_settings_company(self):
        # res.company does not run the automatic check_company validation on write;
        # the base helper treats a res.company record as its own company.
        self._check_company(["rma_warehouse_id", "rma_resource_calendar_id"])

    def _get_rma_calendar(self):
        """Calendar that counts working days for after-sales deadlines.

        The service centre may keep hours of its own; without them the company's
        working hours apply, as for any other Odoo deadline.
        """
        self.ensure_one()
        return self.rma_resource_calendar_id or self.resource_calendar_id
