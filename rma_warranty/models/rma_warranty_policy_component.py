# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaWarrantyPolicyComponent(models.Model):
    """Warranty length of one component under a policy (Hibertek: LCD 24 months)."""

    _name = "rma.warranty.policy.component"
    _description = "Warranty Policy Component"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one(
        comodel_name="rma.warranty.policy",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    component_id = fields.Many2one(
        comodel_name="rma.warranty.component", required=True, ondelete="restrict"
    )
    months = fields.Integer(
        string="Warranty (months)",
        required=True,
        help="Standard warranty of this component, counted from the unit's start.",
    )
    # Issue 15, upgrade on registration.
    upgrade_months = fields.Integer(
        string="Upgrade on Registration (months)",
        default=0,
        help="Months added to this component's warranty, right after it, when the "
        "unit is registered within the policy's grace period. 0: no upgrade (the "
        "whole unit's upgrade does not cover a component with its own length).",
    )

    _sql_constraints = [
        (
            "component_unique",
            "UNIQUE(policy_id, component_id)",
            "A component appears once per policy.",
        ),
        ("months_positive", "CHECK(months > 0)", "Give a positive number of months."),
        (
            "upgrade_months_positive",
            "CHECK(upgrade_months >= 0)",
            "The upgrade on registration cannot be negative.",
        ),
    ]
