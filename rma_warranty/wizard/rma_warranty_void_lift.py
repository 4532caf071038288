# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RmaWarrantyVoidLift(models.TransientModel):
    """A manager lifts a warranty void of a serial, with the reason."""

    _name = "rma.warranty.void.lift"
    _description = "Lift Warranty Void"

    void_id = fields.Many2one(
        comodel_name="rma.warranty.void", required=True, ondelete="cascade"
    )
    lot_id = fields.Many2one(related="void_id.lot_id")
    void_reason = fields.Char(related="void_id.reason", string="Voided Because")
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.void_id._lift(self.reason)
        return {"type": "ir.actions.act_window_close"}
