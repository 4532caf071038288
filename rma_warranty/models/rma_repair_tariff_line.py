# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaRepairTariffLine(models.Model):
    """One line of a repair tariff: a part, labour hours or the return shipping."""

    _name = "rma.repair.tariff.line"
    _description = "Repair Tariff Line"
    _order = "tariff_id, sequence, id"

    tariff_id = fields.Many2one(
        comodel_name="rma.repair.tariff",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        selection=[
            ("part", "Part"),
            ("labour", "Labour"),
            ("shipping", "Return Shipping"),
        ],
        required=True,
        default="part",
        help="Part: consumed from stock by the repair order. Labour: a service, "
        "quantity in hours. Return shipping: split by the warranty policy.",
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        required=True,
        ondelete="restrict",
    )
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    price_unit = fields.Float(
        string="Unit Price",
        digits="Product Price",
        help="Leave 0 to take the price the quote's pricelist gives the product.",
    )
    component_id = fields.Many2one(
        comodel_name="rma.warranty.component",
        string="Covered by",
        help="The part is free when the warranty still covers this component of the "
        "unit (e.g. an LCD panel under the LCD's own warranty). Empty: free when "
        "the unit's failed component is covered.",
    )

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "A tariff line needs a positive quantity.",
        ),
    ]
