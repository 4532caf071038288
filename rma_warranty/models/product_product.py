# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _get_warranty_policies(self):
        """{product: warranty policy}: the product's, else the nearest category's,
        else its company's (or the current company's) default. Products under no
        policy at all are absent."""
        result = {}
        for product in self:
            policy = product.warranty_policy_id
            category = product.categ_id
            while not policy and category:
                policy = category.warranty_policy_id
                category = category.parent_id
            policy = (
                policy
                or product.company_id.rma_warranty_policy_id
                or self.env.company.rma_warranty_policy_id
            )
            if policy:
                result[product] = policy
        return result
