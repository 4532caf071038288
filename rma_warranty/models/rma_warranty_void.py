# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date


class RmaWarrantyVoid(models.Model):
    """Customer-caused damage found on a serial voids its warranty.

    Kept on the serial, not only on the RMA unit that found it: from ``date`` on,
    the warranty engine no longer counts the unit's standard and extended periods
    (those of one component, or of the whole unit), for this RMA and every later
    one, until a manager lifts the void with a reason. Records are made by the
    diagnosis (``rma.order.line._rma_void_for_damage``) and changed only by
    ``_lift``: nobody writes them directly.
    """

    _name = "rma.warranty.void"
    _description = "Warranty Void"
    _order = "lot_id, date desc, id desc"
    _check_company_auto = True
    _rec_name = "lot_id"

    lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Serial Number",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    component_id = fields.Many2one(
        comodel_name="rma.warranty.component",
        readonly=True,
        ondelete="restrict",
        help="Empty: the whole unit.",
    )
    date = fields.Date(
        string="Void From",
        required=True,
        readonly=True,
        help="First day the warranty no longer covers (the customer's local date).",
    )
    reason = fields.Char(required=True, readonly=True)
    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Found On",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="The RMA unit whose diagnosis found the damage.",
    )
    lifted = fields.Boolean(readonly=True, copy=False)
    lift_reason = fields.Char(readonly=True, copy=False)
    lift_date = fields.Datetime(string="Lifted On", readonly=True, copy=False)
    lift_user_id = fields.Many2one(
        comodel_name="res.users", string="Lifted By", readonly=True, copy=False
    )

    # ---- Actions --------------------------------------------------------------------

    def action_open_lift(self):
        """The form in which a manager lifts this void, with the reason."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lift Warranty Void"),
            "res_model": "rma.warranty.void.lift",
            "view_mode": "form",
            "target": "new",
            "context": {"default_void_id": self.id},
        }

    # ---- Business methods -----------------------------------------------------------

    def _lift(self, reason):
        """A manager lifts these voids: the serial is covered again as its periods
        say, and an RMA unit that is not processed yet gets back its computed
        entitlement. Kept in the chatter of the serial and of the RMA."""
        if not self.env.user.has_group("rma_warranty.group_rma_manager"):
            raise AccessError(self.env._("Only RMA managers may lift a warranty void."))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Say why the warranty void is lifted."))
        reason = reason.strip()
        self.check_access("read")
        lifted = self.filtered("lifted")
        if lifted:
            raise UserError(
                self.env._(
                    "The warranty void of %(lot)s was already lifted.",
                    lot=lifted[0].lot_id.name,
                )
            )
        # sudo: managers only (checked above); void records have no write access
        # for anyone, so that they change through this method alone.
        self.sudo().write(
            {
                "lifted": True,
                "lift_reason": reason,
                "lift_date": fields.Datetime.now(),
                "lift_user_id": self.env.uid,
            }
        )
        self.lot_id._message_log_batch(
            bodies={
                void.lot_id.id: self.env._(
                    "Warranty void of %(date)s lifted (%(scope)s). Reason: %(reason)s",
                    date=format_date(self.env, void.date),
                    scope=void._scope_label(),
                    reason=reason,
                )
                for void in self
            }
        )
        self.rma_line_id._rma_void_lifted(reason)
        return True

    def _scope_label(self):
        self.ensure_one()
        return self.component_id.name or self.env._("whole unit")

    @api.model
    def _void_for_lot(self, lot, on_date=None):
        """The standing void of the whole ``lot`` on ``on_date`` (default: ever)."""
        return lot.warranty_void_ids.filtered(
            lambda v: (
                not v.lifted
                and not v.component_id
                and (on_date is None or v.date <= on_date)
            )
        )[:1]
