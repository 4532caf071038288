# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class RmaRepairTariff(models.Model):
    """What a repair costs by damage level, for a product or a product category:
    the default parts, labour and return shipping of a quote."""

    _name = "rma.repair.tariff"
    _description = "Repair Tariff"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company", default=lambda self: self.env.company
    )
    damage_level_id = fields.Many2one(
        comodel_name="rma.damage.level", required=True, ondelete="restrict"
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        check_company=True,
        help="Repaired product this tariff prices. Leave empty to price a category.",
    )
    categ_id = fields.Many2one(
        comodel_name="product.category",
        string="Product Category",
        help="Products of this category (and of its sub-categories) without a tariff "
        "of their own use this one.",
    )
    validity_days = fields.Integer(
        string="Quote Validity (days)",
        default=30,
        help="A quote built from this tariff can be accepted for this many days.",
    )
    line_ids = fields.One2many(
        comodel_name="rma.repair.tariff.line", inverse_name="tariff_id", copy=True
    )
    note = fields.Html(translate=True, help="Printed on the quote.")

    _sql_constraints = [
        (
            "validity_days_positive",
            "CHECK(validity_days > 0)",
            "A quote must be valid for at least one day.",
        ),
    ]

    @api.constrains("product_id", "categ_id")
    def _check_target(self):
        for tariff in self:
            if bool(tariff.product_id) == bool(tariff.categ_id):
                raise ValidationError(
                    self.env._(
                        "Tariff %(name)s prices either a product or a product "
                        "category.",
                        name=tariff.name,
                    )
                )

    @api.model
    def _find_for(self, keys):
        """{(product, damage level): tariff} for the given pairs, in one search.

        A product's own tariff for the level wins, else the tariff of its nearest
        category (or parent category). Pairs without any tariff are absent.
        """
        keys = set(keys)
        if not keys:
            return {}
        products = self.env["product.product"].union(*(p for p, _level in keys))
        levels = self.env["rma.damage.level"].union(*(lv for _p, lv in keys))
        categories = products.categ_id
        ancestors = self.env["product.category"].browse(
            {
                int(cid)
                for categ in categories
                for cid in categ.parent_path.split("/")[:-1]
            }
        )
        tariffs = self.search(
            [
                ("damage_level_id", "in", levels.ids),
                ("company_id", "in", [False, *self.env.companies.ids]),
                "|",
                ("product_id", "in", products.ids),
                ("categ_id", "in", ancestors.ids),
            ],
            order="sequence, id",
        )
        by_product, by_category = {}, {}
        for tariff in tariffs:
            key = tariff.damage_level_id
            if tariff.product_id:
                by_product.setdefault((tariff.product_id, key), tariff)
            else:
                by_category.setdefault((tariff.categ_id, key), tariff)
        result = {}
        for product, level in keys:
            tariff = by_product.get((product, level))
            category = product.categ_id
            while not tariff and category:
                tariff = by_category.get((category, level))
                category = category.parent_id
            if tariff:
                result[(product, level)] = tariff
        return result

    @api.model
    def _find_for_units(self, units):
        """{unit: tariff} of RMA ``units``, by their product and damage level (see
        ``_find_for``); a unit without a tariff is refused. Invoked by
        ``sale.order._rma_quote_plan``."""
        tariffs = self._find_for(
            {(unit.product_id, unit.damage_level_id) for unit in units}
        )
        missing = units.filtered(
            lambda unit: (unit.product_id, unit.damage_level_id) not in tariffs
        )
        if missing:
            raise UserError(
                self.env._(
                    "No repair tariff for %(units)s: add one for the product (or its "
                    "category) and damage level.",
                    units=", ".join(
                        f"{unit.display_name} ({unit.damage_level_id.name})"
                        for unit in missing
                    ),
                )
            )
        return {
            unit: tariffs[(unit.product_id, unit.damage_level_id)] for unit in units
        }
