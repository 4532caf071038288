# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    warranty_policy_id = fields.Many2one(
        comodel_name="rma.warranty.policy",
        help="Empty: the policy of the category, else the company's default.",
    )
