# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="RMA Unit",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )
