# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RmaSparePart(models.Model):
    """One row of a product's spare-parts list (issue 15): a part product that
    serves a component of the product, and how many of it one unit holds.

    Staff see the list when diagnosing and quoting (the parts of the list are
    offered first when choosing a part, see ``product.product._name_search``),
    and customers order these parts for their units from the portal's unit page
    (``stock.lot._portal_order_spare_parts``)."""

    _name = "rma.spare.part"
    _description = "Spare Part"
    _order = "product_tmpl_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    product_tmpl_id = fields.Many2one(
        comodel_name="product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        help="The product whose units use this part.",
    )
    component_id = fields.Many2one(
        comodel_name="rma.warranty.component",
        help="The component of the unit this part serves (empty: the whole unit).",
    )
    part_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Part",
        required=True,
        index=True,
        check_company=True,
        domain="[('type', '=', 'consu')]",
    )
    qty_per_unit = fields.Float(
        string="Quantity per Unit",
        default=1.0,
        required=True,
        digits="Product Unit of Measure",
        help="How many of this part one unit holds: the most a customer orders for "
        "one unit from the portal.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="product_tmpl_id.company_id",
        store=True,
        index=True,
    )
    portal_published = fields.Boolean(
        string="Sold in the Portal",
        default=True,
        help="Customers see this part on the page of their units and may order it.",
    )

    _sql_constraints = [
        (
            "part_unique",
            "UNIQUE(product_tmpl_id, part_product_id, component_id)",
            "This part is already listed for this component of the product.",
        ),
        (
            "qty_positive",
            "CHECK(qty_per_unit > 0)",
            "The quantity of a part per unit must be positive.",
        ),
    ]

    @api.constrains("product_tmpl_id", "part_product_id")
    def _check_not_itself(self):
        for part in self:
            if part.part_product_id.product_tmpl_id == part.product_tmpl_id:
                raise ValidationError(
                    self.env._(
                        "Product %(product)s cannot be a spare part of itself.",
                        product=part.product_tmpl_id.display_name,
                    )
                )

    @api.model
    def _get_parts_domain(self, templates, company):
        """Domain of the spare parts of product ``templates`` usable in
        ``company`` (parts of no company or of that one)."""
        return [
            ("product_tmpl_id", "in", templates.ids),
            ("part_product_id.company_id", "in", [False, company.id]),
            ("part_product_id.active", "=", True),
        ]
