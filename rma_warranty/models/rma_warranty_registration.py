# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from .rma_warranty_coverage import local_date


class RmaWarrantyRegistration(models.Model):
    """An owner registers a unit: serial, purchase date and proof of purchase.

    The owner of the serial becomes the registrant and its standard coverage is
    recomputed by its policy (registration-based policies start at the purchase).
    """

    _name = "rma.warranty.registration"
    _description = "Warranty Registration"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "lot_id"

    lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Serial Number",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        tracking=True,
    )
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    company_id = fields.Many2one(related="lot_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Owner",
        required=True,
        index=True,
        tracking=True,
    )
    purchase_date = fields.Date(required=True, tracking=True)
    date = fields.Date(
        string="Registered On",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    proof_attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        string="Proof of Purchase",
        help="Invoice or receipt of the purchase.",
    )
    note = fields.Text()

    @api.constrains("purchase_date", "date", "lot_id")
    def _check_dates(self):
        """A unit is bought on or before the customer's today, after we delivered
        it (when we did), and registered after it was bought."""
        deliveries = self.lot_id._warranty_last_deliveries()
        now = fields.Datetime.now()
        for registration in self:
            lot = registration.lot_id
            purchased = registration.purchase_date
            today = local_date(now, registration.partner_id.tz or lot._warranty_tz())
            if purchased > today:
                raise ValidationError(
                    self.env._(
                        "The purchase date of %(lot)s (%(date)s) is in the future: "
                        "a unit can only be registered once it is bought.",
                        lot=lot.name,
                        date=format_date(self.env, purchased),
                    )
                )
            delivery = deliveries.get(lot.id)
            delivered = delivery and local_date(
                delivery["date"], delivery["tz"] or delivery["company_tz"]
            )
            if delivered and purchased < delivered:
                raise ValidationError(
                    self.env._(
                        "The purchase date of %(lot)s (%(date)s) is before we "
                        "delivered it (%(delivered)s): check the proof of purchase.",
                        lot=lot.name,
                        date=format_date(self.env, purchased),
                        delivered=format_date(self.env, delivered),
                    )
                )
            if purchased > registration.date:
                raise ValidationError(
                    self.env._("The purchase date cannot be after the registration.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        registrations = super().create(vals_list)
        registrations._check_proof()
        registrations.lot_id._warranty_recompute_standard()
        for registration in registrations:
            registration.lot_id.message_post(
                body=self.env._(
                    "Registered by %(owner)s, bought on %(date)s.",
                    owner=registration.partner_id.display_name,
                    date=registration.purchase_date,
                ),
                subtype_xmlid="mail.mt_note",
            )
        # The proof belongs to the registration, not to whoever uploaded it.
        for registration in registrations:
            registration.proof_attachment_ids.filtered(lambda a: not a.res_id).write(
                {"res_model": self._name, "res_id": registration.id}
            )
        return registrations

    def write(self, vals):
        # A registration moved to another serial leaves the old one: its coverage
        # and owner are recomputed too.
        lots_before = self.lot_id if "lot_id" in vals else self.env["stock.lot"]
        res = super().write(vals)
        if {"purchase_date", "date", "partner_id", "lot_id"} & set(vals):
            self._check_proof()
            (lots_before | self.lot_id)._warranty_recompute_standard()
        return res

    def unlink(self):
        lots = self.lot_id
        self.check_access("unlink")
        # The periods given by these registrations go through the ORM, not the
        # database's cascade, so that the serials' history keeps their removal.
        # sudo: the user may delete these registrations (checked above); coverage
        # is kept by the system.
        self.env["rma.warranty.coverage"].sudo().search(
            [("registration_id", "in", self.ids)]
        ).unlink()
        res = super().unlink()
        lots._warranty_recompute_standard()
        return res

    def _check_proof(self):
        for registration in self:
            if not registration.proof_attachment_ids:
                raise UserError(
                    self.env._(
                        "Attach the proof of purchase of %(lot)s.",
                        lot=registration.lot_id.name,
                    )
                )

    @api.model
    def _register_unit(self, lot, partner, purchase_date, attachments):
        """Register ``lot`` for ``partner``: the one entry point of the backend
        form and of the portal. Returns the registration."""
        return self.create(
            {
                "lot_id": lot.id,
                "partner_id": partner.id,
                "purchase_date": purchase_date,
                # The customer's day, as the purchase date is.
                "date": local_date(
                    fields.Datetime.now(), partner.tz or lot._warranty_tz()
                ),
                "proof_attachment_ids": [Command.set(attachments.ids)],
            }
        )
