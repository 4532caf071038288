# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    warranty_policy_id = fields.Many2one(
        comodel_name="rma.warranty.policy",
        help="Policy of the products of this category (and of its sub-categories) "
        "that have none of their own.",
    )

    # ---- Intake checklist (issue 17) ----
    intake_question_ids = fields.One2many(
        comodel_name="rma.intake.question",
        inverse_name="category_id",
        string="Intake Checklist",
        help="Questions the customer answers for each unit of this category (and "
        "of its sub-categories) when filing a return request.",
    )
