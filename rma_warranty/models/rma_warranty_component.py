# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaWarrantyComponent(models.Model):
    """A part of a unit that has its own warranty length (chassis, LCD, board)."""

    _name = "rma.warranty.component"
    _description = "Warranty Component"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("name_unique", "UNIQUE(name)", "A component with this name already exists."),
    ]
