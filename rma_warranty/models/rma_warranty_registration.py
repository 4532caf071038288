# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date
from odoo.tools.mimetypes import guess_mimetype

from ..chatter import log_notes
from ..exceptions import RmaTooManyRequests
from .rma_warranty_coverage import local_date

# Proofs of purchase a customer may upload in the portal: a scan or a photo.
PROOF_MIMETYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/webp"}
)
PROOF_MAX_BYTES = 5 * 1024 * 1024
PROOF_MAX_FILES = 3
# Registrations tried in the portal: (hits, seconds) per user and per client
# address. A unit delivered and not registered yet goes to whoever registers it
# first, and serial numbers follow one another: guessing them must be slow.
PORTAL_REGISTER_LIMITS = {
    "unit_register_user": (10, 3600),
    "unit_register_ip": (30, 3600),
}


class RmaWarrantyRegistration(models.Model):
    """An owner registers a unit: serial, purchase date and proof of purchase.

    The owner of the serial becomes the registrant and its standard coverage is
    recomputed by its policy (registration-based policies start at the purchase;
    a registration within the grace period gets the policy's upgrade, issue 15).
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
    # Issue 15: the periods this registration gives (standard from the purchase,
    # upgrade within the grace period), rebuilt with the unit's standard coverage.
    coverage_ids = fields.One2many(
        comodel_name="rma.warranty.coverage",
        inverse_name="registration_id",
        string="Coverage Given",
        readonly=True,
    )

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
        registrations._log_registered()
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

    def _log_registered(self):
        """Note on each serial's chatter who registered it and when it was bought:
        one internal note per registration, logged in batches. Called by
        ``create``."""
        # log_notes logs in sudo: the user must be one who may post on these
        # serials, as message_post would require.
        self.lot_id.check_access(self.lot_id._mail_post_access)
        log_notes(
            (
                registration.lot_id,
                self.env._(
                    "Registered by %(owner)s, bought on %(date)s.",
                    owner=registration.partner_id.display_name,
                    date=registration.purchase_date,
                ),
            )
            for registration in self
        )
        self._log_upgraded()

    def _log_upgraded(self):
        """Issue 15: note on each serial a registration upgraded until when it is
        covered now (its upgrade periods, see ``stock.lot._warranty_upgrade_vals``),
        in one batch. Called by ``_log_registered``, whose access check covers it."""
        notes = []
        for registration in self:
            upgrades = registration.coverage_ids.filtered(lambda p: p.kind == "upgrade")
            if not upgrades:
                continue
            notes.append(
                (
                    registration.lot_id,
                    self.env._(
                        "Warranty upgraded by this registration, within the grace "
                        "period: covered until %(date)s.",
                        date=format_date(self.env, max(upgrades.mapped("date_end"))),
                    ),
                )
            )
        log_notes(notes)

    @api.model
    def _prepare_register_vals(self, lot, partner, purchase_date, attachments):
        """Values of the registration of ``lot`` for ``partner``. Called by
        ``_register_unit`` (the backend form and ``_portal_register``); may be
        overridden."""
        return {
            "lot_id": lot.id,
            "partner_id": partner.id,
            "purchase_date": purchase_date,
            # The customer's day, as the purchase date is.
            "date": local_date(fields.Datetime.now(), partner.tz or lot._warranty_tz()),
            "proof_attachment_ids": [Command.set(attachments.ids)],
        }

    @api.model
    def _register_unit(self, lot, partner, purchase_date, attachments):
        """Register ``lot`` for ``partner``: the one entry point of the backend
        form and of the portal. Returns the registration."""
        return self.create(
            self._prepare_register_vals(lot, partner, purchase_date, attachments)
        )

    # ---- Portal ---------------------------------------------------------------------

    @api.model
    def _portal_check_proof_files(self, files):
        """Refuse proofs of purchase that are missing, too many, too large or not
        a PDF or an image. ``files``: [(file name, content bytes)]. The type is
        read from the content, not from the name or what the browser said."""
        if not files:
            raise UserError(self.env._("Attach the proof of purchase of the unit."))
        if len(files) > PROOF_MAX_FILES:
            raise UserError(
                self.env._(
                    "Attach %(max)s files at most as proof of purchase.",
                    max=PROOF_MAX_FILES,
                )
            )
        for name, content in files:
            if not isinstance(content, bytes) or not content:
                raise UserError(
                    self.env._("The file %(name)s is empty.", name=name or "?")
                )
            if len(content) > PROOF_MAX_BYTES:
                raise UserError(
                    self.env._(
                        "The file %(name)s is larger than %(max)s MB.",
                        name=name,
                        max=PROOF_MAX_BYTES // (1024 * 1024),
                    )
                )
            if guess_mimetype(content) not in PROOF_MIMETYPES:
                raise UserError(
                    self.env._(
                        "The file %(name)s is not a PDF or an image (PNG, JPEG or "
                        "WebP).",
                        name=name,
                    )
                )

    @api.model
    def _portal_register(self, serial, purchase_date, files, remote_addr=None):
        """Register the unit ``serial`` for the current portal user's commercial
        entity, with ``purchase_date`` (a date) and the proof ``files``
        ([(file name, content bytes)]): the one method of the portal's form.

        Every attempt counts against the limits per user and per client address
        ``remote_addr`` (PORTAL_REGISTER_LIMITS), refused ones too: the counters
        are written in the request's transaction, which the portal commits with
        its refusal. Raises RmaTooManyRequests over a limit.

        A unit can be registered when it is the user's entity's already, or when
        we delivered it, it is not registered yet, and we delivered it to a
        reseller (its buyer registers it) or to the user's entity; a unit we sold
        to anyone else is theirs, and any other serial is answered as unknown.
        Every refusal is a UserError or a ValidationError and leaves nothing
        behind (the proof included). Returns the registration, in sudo.
        """
        self._portal_register_check_rate(remote_addr)
        serial = self._portal_register_check_input(serial, purchase_date, files)
        partner = self.env.user.partner_id.commercial_partner_id
        lot_sudo = self._portal_registrable_lot(serial, partner)
        with self.env.cr.savepoint():
            # sudo: the unit may be registered by this user (checked by
            # _portal_registrable_lot); the portal user has no rights on
            # attachments of registrations, nor on registrations and coverage
            # themselves.
            attachments_sudo = (
                self.env["ir.attachment"]
                .sudo()  # sudo: see the comment above
                .create(
                    [
                        self._prepare_portal_proof_attachment_vals(name, content)
                        for name, content in files
                    ]
                )
            )
            return self.sudo()._register_unit(  # sudo: see the comment above
                lot_sudo, partner, purchase_date, attachments_sudo
            )

    @api.model
    def _portal_register_check_rate(self, remote_addr):
        """Count the attempt against the limits per user and per client address
        ``remote_addr`` (PORTAL_REGISTER_LIMITS) and raise RmaTooManyRequests
        over one of them. Called by ``_portal_register``."""
        if not self.env["rma.rate.limit"]._hit_all(
            [
                (scope, key, *PORTAL_REGISTER_LIMITS[scope])
                for scope, key in (
                    ("unit_register_user", self.env.uid),
                    ("unit_register_ip", remote_addr or "-"),
                )
            ]
        ):
            raise RmaTooManyRequests(
                self.env._(
                    "Too many units were registered from your account or your "
                    "network: try again in an hour, or contact us."
                )
            )

    @api.model
    def _portal_register_check_input(self, serial, purchase_date, files):
        """Refuse a form without a serial, a purchase date or valid proof files;
        return the serial typed, stripped. Called by ``_portal_register``."""
        if not isinstance(serial, str) or not serial.strip():
            raise UserError(self.env._("Type the serial number of the unit."))
        if not isinstance(purchase_date, datetime.date):
            raise UserError(self.env._("Give the date the unit was bought."))
        self._portal_check_proof_files(files)
        return serial.strip()

    @api.model
    def _portal_registrable_lot_domain(self, serial, partner):
        """The serial ``serial`` when ``partner`` (a commercial entity) may
        register it: delivered by us, and already its own, or not registered yet
        and sold to a reseller or to ``partner``. Called by
        ``_portal_registrable_lot``."""
        return [
            ("name", "=", serial),
            ("company_id", "in", [False, *self.env.user.company_ids.ids]),
            ("warranty_sold_to_id", "!=", False),
            "|",
            ("warranty_owner_id.commercial_partner_id", "=", partner.id),
            "&",
            ("warranty_registration_ids", "=", False),
            "|",
            ("warranty_sold_to_id.rma_reseller", "=", True),
            ("warranty_sold_to_id", "=", partner.id),
        ]

    @api.model
    def _portal_registrable_lot(self, serial, partner):
        """The serial (sudo) ``partner`` may register as ``serial``; refused as
        unknown otherwise. Called by ``_portal_register``."""
        # sudo: portal users have no rights on serials; the domain is the access
        # check (delivered by us, and not registered yet or already theirs).
        lot_sudo = (
            self.env["stock.lot"]
            .sudo()  # sudo: see the comment above
            .search(
                self._portal_registrable_lot_domain(serial, partner),
                order="id",
                limit=1,
            )
        )
        if not lot_sudo:
            raise UserError(
                self.env._(
                    "Serial number %(serial)s cannot be registered for you: check "
                    "that it is typed as on the unit, or contact us.",
                    serial=serial[:100],
                )
            )
        return lot_sudo

    @api.model
    def _prepare_portal_proof_attachment_vals(self, name, content):
        """Values of a proof of purchase uploaded on the portal (``name``, the
        file's name; ``content``, its checked bytes): attached to the
        registration once it is created (see ``create``). Called by
        ``_portal_register``; may be overridden."""
        return {"name": name or "proof", "raw": content}
