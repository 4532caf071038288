# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaDamageLevel(models.Model):
    """How bad the damage of a unit is (QNAP: three tiers). Repair tariffs are
    priced per level; managers rename the levels to their own words."""

    _name = "rma.damage.level"
    _description = "Damage Level"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
