# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# Resolutions a reason may allow, each with its checkbox. A rejection (nothing is
# done for the unit) is always possible: a reason cannot oblige us to honour a
# claim.
REASON_RESOLUTION_FIELDS = {
    "refund": "allow_refund",
    "replace": "allow_replace",
    "repair": "allow_repair",
    "return": "allow_return",
    "scrap": "allow_scrap",
}


class RmaReason(models.Model):
    """Why a unit comes back (OCA ``rma_reason``): a catalogue per company, each
    reason allowing some resolutions of its units (none ticked: all of them)."""

    _name = "rma.reason"
    _description = "RMA Return Reason"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    description = fields.Text(
        translate=True, help="What the reason covers, for the staff and the customer."
    )
    allow_refund = fields.Boolean(string="Refund")
    allow_replace = fields.Boolean(string="Replace")
    allow_repair = fields.Boolean(string="Repair")
    allow_return = fields.Boolean(string="Return As-Is")
    allow_scrap = fields.Boolean(string="Scrap")
    allowed_resolutions_label = fields.Char(
        string="Allowed Resolutions", compute="_compute_allowed_resolutions_label"
    )

    # ---- Compute --------------------------------------------------------------------

    @api.depends(*REASON_RESOLUTION_FIELDS.values())
    def _compute_allowed_resolutions_label(self):
        labels = dict(
            self.env["rma.order.line"]
            ._fields["resolution"]
            ._description_selection(self.env)
        )
        for reason in self:
            allowed = reason._rma_allowed_resolutions()
            reason.allowed_resolutions_label = ", ".join(
                labels[key] for key in labels if key in allowed
            )

    # ---- Business methods -----------------------------------------------------------

    def _rma_allowed_resolutions(self):
        """The resolution keys of ``rma.order.line`` this reason allows: those
        ticked and a rejection, or every one when none is ticked. May be
        overridden (a module adding a resolution adds its checkbox)."""
        self.ensure_one()
        selection = self.env["rma.order.line"]._fields["resolution"].selection
        everything = {key for key, _label in selection}
        ticked = {key for key, fname in REASON_RESOLUTION_FIELDS.items() if self[fname]}
        return (ticked | {"reject"}) if ticked else everything

    def _rma_allows_resolution(self, resolution):
        """Whether this reason allows ``resolution`` (a key; False: none yet)."""
        self.ensure_one()
        return not resolution or resolution in self._rma_allowed_resolutions()
