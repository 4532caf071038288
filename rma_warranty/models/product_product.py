# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.osv import expression


def name_search_first(search, first_ids, name, args, operator, limit):
    """``search`` (a model's ``name_search``) with the records of ``first_ids``
    first, then the other matches, ``limit`` in all. Used by the spare-parts
    lists of product.product and product.template."""
    first = search(
        name, expression.AND([args or [], [("id", "in", first_ids)]]), operator, limit
    )
    if limit and len(first) >= limit:
        return first
    rest = search(
        name,
        expression.AND([args or [], [("id", "not in", [rid for rid, _ in first])]]),
        operator,
        limit and limit - len(first),
    )
    return first + rest


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

    # ---- Spare parts (issue 15) ----

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """Parts of the spare-parts list of the product in the context key
        ``rma_spare_parts_product_id`` (a ``product.product`` id: the repaired
        unit's product, set by the repair order's part lines) come first, then
        the other matches: staff choosing a part are offered the list's first."""
        parts = self._rma_spare_parts_offered()
        if not parts:
            return super().name_search(name, args, operator, limit)
        return name_search_first(
            super().name_search, parts.ids, name, args, operator, limit
        )

    @api.model
    def _rma_spare_parts_offered(self):
        """The part products of the spare-parts list of the product named by the
        context key ``rma_spare_parts_product_id``, or none."""
        product_id = self.env.context.get("rma_spare_parts_product_id")
        if isinstance(product_id, (list, tuple)):  # (id, name) from a form
            product_id = product_id[0] if product_id else None
        if not isinstance(product_id, int) or not 0 < product_id < 2**31:
            return self.browse()
        product = self.browse(product_id).exists()
        return product.product_tmpl_id.rma_spare_part_ids.part_product_id
