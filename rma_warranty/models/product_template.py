# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .product_product import name_search_first


class ProductTemplate(models.Model):
    _inherit = "product.template"

    warranty_policy_id = fields.Many2one(
        comodel_name="rma.warranty.policy",
        help="Empty: the policy of the category, else the company's default.",
    )
    is_warranty_extension = fields.Boolean(
        string="Warranty Extension",
        help="Selling this service extends the warranty of the serial number given "
        "on the sale order line, once the order is confirmed.",
    )
    warranty_extension_months = fields.Integer(
        string="Extension (months)",
        help="Months of coverage added after the unit's current coverage.",
    )
    warranty_extension_product_tmpl_ids = fields.Many2many(
        comodel_name="product.template",
        relation="product_template_warranty_extension_rel",
        column1="extension_tmpl_id",
        column2="product_tmpl_id",
        string="Eligible Products",
        help="Products this extension applies to. With no product and no category, "
        "it applies to every product whose warranty policy allows extensions.",
    )
    warranty_extension_categ_ids = fields.Many2many(
        comodel_name="product.category",
        relation="product_template_warranty_extension_categ_rel",
        column1="extension_tmpl_id",
        column2="categ_id",
        string="Eligible Categories",
        help="Product categories (with their sub-categories) this extension applies "
        "to.",
    )
    # ---- Spare parts (issue 15) ----
    rma_spare_part_ids = fields.One2many(
        comodel_name="rma.spare.part",
        inverse_name="product_tmpl_id",
        string="Spare Parts",
        help="Parts of this product staff are offered first when repairing or "
        "quoting its units, and customers may order from the portal.",
    )

    @api.constrains("is_warranty_extension", "type", "warranty_extension_months")
    def _check_warranty_extension(self):
        for template in self:
            if template.is_warranty_extension and (
                template.type != "service" or template.warranty_extension_months <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(product)s: a warranty extension is a service that adds at "
                        "least one month.",
                        product=template.display_name,
                    )
                )

    # ---- Spare parts (issue 15) ----

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """As ``product.product.name_search``: the templates of the spare parts
        of the product in the context key ``rma_spare_parts_product_id`` (the
        repair quote's unit product) come first."""
        parts = self.env["product.product"]._rma_spare_parts_offered()
        if not parts:
            return super().name_search(name, args, operator, limit)
        return name_search_first(
            super().name_search, parts.product_tmpl_id.ids, name, args, operator, limit
        )

    # ---- Business methods -----------------------------------------------------------

    def _get_warranty_extension_eligible(self, products):
        """Those of ``products`` (``product.product``) this extension may extend.

        A product is eligible when its warranty policy allows extensions and it is
        one of the eligible products or in one of the eligible categories (or a
        sub-category); with neither set, every such product is. No query per
        product: policies are resolved for the whole batch.
        """
        self.ensure_one()
        if not self.is_warranty_extension or not products:
            return products.browse()
        policies = products._get_warranty_policies()
        templates = self.warranty_extension_product_tmpl_ids
        categ_paths = tuple(self.warranty_extension_categ_ids.mapped("parent_path"))
        unrestricted = not templates and not categ_paths

        def listed(product):
            return (
                unrestricted
                or product.product_tmpl_id in templates
                or bool(
                    categ_paths and product.categ_id.parent_path.startswith(categ_paths)
                )
            )

        return products.filtered(
            lambda p: p in policies and policies[p].max_total_months > 0 and listed(p)
        )
