# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import re
import secrets

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, index_exists

from ..chatter import log_notes
from ..search import searched_codes

# No I, O, 0 or 1: a code read aloud or copied from a card is typed right.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Three groups of four symbols of five bits: 60 bits, so that guessing one of a
# million outstanding codes takes about 10^12 tries.
CODE_GROUPS = 3
CODE_GROUP_SIZE = 4
PREFIX_RE = re.compile(r"^[A-Z0-9]{1,12}$")
MAX_GENERATE = 10000
KINDS = [("extension", "Extended Warranty"), ("promo", "Promotion")]
STATES = [("available", "Available"), ("redeemed", "Redeemed"), ("expired", "Expired")]
# Code attempts in the portal: (hits, seconds) per user and per client address.
# With 60-bit codes, ten tries an hour make guessing one hopeless.
PORTAL_REDEEM_LIMITS = {
    "code_redeem_user": (10, 3600),
    "code_redeem_ip": (30, 3600),
}


class RedeemRateLimited(UserError):
    """Too many code attempts: the portal answers HTTP 429."""


class RmaWarrantyCode(models.Model):
    """A single-use code that extends the warranty of one serial number.

    Extension codes are sold offline (a card in the box, a reseller's voucher);
    promo codes are given away. Both are redeemed the same way, by the owner in the
    portal or by staff on their behalf, through ``_redeem``: the unit gets an
    extended coverage period right after its current coverage.
    """

    _name = "rma.warranty.code"
    _description = "Warranty Code"
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "code"

    code = fields.Char(
        required=True,
        copy=False,
        default=lambda self: self._random_code(),
        help="Stored without surrounding spaces, in upper case; typed in any case.",
    )
    kind = fields.Selection(selection=KINDS, required=True, default="extension")
    months = fields.Integer(
        required=True, default=12, help="Months of coverage the code adds."
    )
    product_tmpl_ids = fields.Many2many(
        comodel_name="product.template",
        string="Eligible Products",
        check_company=True,
        help="With the eligible categories: empty both for any product.",
    )
    categ_ids = fields.Many2many(
        comodel_name="product.category",
        string="Eligible Categories",
        help="Products of these categories and of their sub-categories are eligible.",
    )
    valid_until = fields.Date(help="Last day the code can be redeemed. Empty: no end.")
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    batch_name = fields.Char(
        string="Batch",
        index="btree_not_null",
        help="Reference of the batch the code was generated in (offline sale, "
        "campaign).",
    )
    note = fields.Text()
    active = fields.Boolean(default=True)
    redeemed_lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Redeemed on Serial",
        readonly=True,
        copy=False,
        # A unit keeps the history of the codes it used.
        ondelete="restrict",
        index="btree_not_null",
        check_company=True,
    )
    redeemed_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Redeemed by",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    redeemed_date = fields.Datetime(string="Redeemed on", readonly=True, copy=False)
    coverage_id = fields.Many2one(
        comodel_name="rma.warranty.coverage",
        string="Coverage Given",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    # Not stored: "expired" follows from the date, which moves every day. The
    # search method keeps the filters exact without a nightly recomputation.
    state = fields.Selection(
        selection=STATES, compute="_compute_state", search="_search_state"
    )

    _sql_constraints = [
        (
            "months_positive",
            "CHECK(months > 0)",
            "A code adds at least one month of coverage.",
        ),
        # Case-insensitive uniqueness, by the unique index of _auto_init.
        ("code_unique", "", "This code exists already."),
    ]

    def _auto_init(self):
        res = super()._auto_init()
        # On upper(code), not on the column: a code written in lower case by a
        # script or an import still clashes with the same code in upper case. The
        # same index serves the lookup of _redeem.
        if not index_exists(self.env.cr, "rma_warranty_code_code_unique"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX rma_warranty_code_code_unique "
                    "ON rma_warranty_code (upper(code))"
                )
            )
        return res

    # ---- Compute --------------------------------------------------------------------

    @api.depends("redeemed_date", "valid_until")
    @api.depends_context("tz")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for code in self:
            if code.redeemed_date:
                code.state = "redeemed"
            elif code.valid_until and code.valid_until < today:
                code.state = "expired"
            else:
                code.state = "available"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the code state."))
        values = searched_codes(value)
        if operator in ("!=", "not in"):
            values = {key for key, _label in STATES} - values
        today = fields.Date.context_today(self)
        domains = {
            "redeemed": [("redeemed_date", "!=", False)],
            "expired": [("redeemed_date", "=", False), ("valid_until", "<", today)],
            "available": [
                ("redeemed_date", "=", False),
                "|",
                ("valid_until", "=", False),
                ("valid_until", ">=", today),
            ],
        }
        return expression.OR(
            [domains[state] for state in values if state in domains]
            or [expression.FALSE_DOMAIN]
        )

    # ---- CRUD -----------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "code" in vals:
                vals["code"] = self._normalize_code(vals["code"])
        return super().create(vals_list)

    def write(self, vals):
        if "code" in vals:
            vals = dict(vals, code=self._normalize_code(vals["code"]))
            if self.filtered("redeemed_date"):
                raise UserError(self.env._("A redeemed code cannot be renamed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_redeemed(self):
        if self.filtered("redeemed_date"):
            raise UserError(
                self.env._(
                    "A redeemed code is the record of a unit's extended warranty: "
                    "archive it instead of deleting it."
                )
            )

    # ---- Codes ----------------------------------------------------------------------

    @api.model
    def _normalize_code(self, code_text):
        """The stored form of a code typed, imported or sent over RPC: text only."""
        if code_text and not isinstance(code_text, str):
            raise UserError(
                self.env._(
                    "A warranty code is text, such as ABCD-EFGH-JKLM: %(value)s is "
                    "not one.",
                    value=repr(code_text)[:100],
                )
            )
        return (code_text or "").strip().upper()

    @api.model
    def _random_code(self, prefix=""):
        body = "-".join(
            "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_GROUP_SIZE))
            for _g in range(CODE_GROUPS)
        )
        return f"{prefix}-{body}" if prefix else body

    @api.model
    def _taken_codes(self, codes):
        """The ``codes`` (normalised) that exist already, in any company."""
        if not codes:
            return set()
        self.flush_model(["code"])
        self.env.cr.execute(
            SQL(
                "SELECT upper(code) FROM rma_warranty_code WHERE upper(code) IN %s",
                tuple(codes),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _generate(self, count, prefix="", vals=None):
        """Create ``count`` random codes with the common ``vals``, in one create.

        ``prefix`` (letters and digits) starts every code: PREFIX-XXXX-XXXX-XXXX.
        """
        if not 1 <= count <= MAX_GENERATE:
            raise UserError(
                self.env._(
                    "Generate between 1 and %(max)s codes at a time.",
                    max=MAX_GENERATE,
                )
            )
        prefix = self._normalize_code(prefix)
        if prefix and not PREFIX_RE.match(prefix):
            raise UserError(
                self.env._(
                    "The prefix %(prefix)s may only hold letters and digits, 12 at "
                    "most.",
                    prefix=prefix,
                )
            )
        codes = set()
        while len(codes) < count:
            codes.update(self._random_code(prefix) for _i in range(count - len(codes)))
            # A clash with an existing code is astronomically rare, but the
            # unique index would refuse the whole batch: draw again instead.
            codes -= self._taken_codes(codes)
        return self.create(
            [self._prepare_generated_code_vals(code, vals) for code in sorted(codes)]
        )

    @api.model
    def _prepare_generated_code_vals(self, code, vals=None):
        """Values of the generated code ``code`` (its text, drawn by
        ``_random_code``) with the ``vals`` common to its batch. Called by
        ``_generate`` (the generate wizard); override to add to every code."""
        return dict(vals or {}, code=code)

    def _export_csv(self):
        """The codes as CSV (UTF-8) for the printer of cards or the reseller."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                self.env._("Code"),
                self.env._("Kind"),
                self.env._("Months"),
                self.env._("Valid Until"),
                self.env._("Eligible Products"),
                self.env._("Batch"),
            ]
        )
        for code in self:
            eligible = code.product_tmpl_ids.mapped("display_name") + [
                self.env._("%(category)s (category)", category=name)
                for name in code.categ_ids.mapped("complete_name")
            ]
            writer.writerow(
                [
                    code.code,
                    kinds[code.kind],
                    code.months,
                    fields.Date.to_string(code.valid_until) or "",
                    "; ".join(eligible) or self.env._("Any product"),
                    code.batch_name or "",
                ]
            )
        return buffer.getvalue().encode()

    # ---- Redemption -----------------------------------------------------------------

    @api.model
    def _redeem(self, code_text, lot, partner=None):
        """Redeem the code ``code_text`` (typed in any case) on the serial ``lot``
        for ``partner`` (default: the unit's owner). Returns the coverage given.

        The one entry point of the portal (which calls it in sudo after checking
        that ``lot`` belongs to the customer) and of the backend redeem wizard.
        Codes are secrets that only managers read: the code is found by its exact
        text, for after-sales staff (or the portal's sudo) only. Exactly once: the
        code's row is locked without waiting, so that of two simultaneous
        redemptions one is refused. Every refusal is a UserError raised before
        anything is written.
        """
        lot.ensure_one()
        self._check_redeem_access()
        lot.check_access("read")
        partner = partner or lot.warranty_owner_id
        if not partner:
            raise UserError(
                self.env._(
                    "Serial number %(lot)s has no known owner: say who redeems the "
                    "code.",
                    lot=lot.name,
                )
            )
        code_sudo = self._lock_code(code_text)
        # sudo: the caller may redeem and read the unit (checked above), and typed
        # the code's exact text; they have no rights to write codes, coverage or
        # the unit's chatter themselves.
        lot_sudo = lot.sudo()
        today = lot._warranty_today()[lot]
        code_sudo._check_redeemable(lot_sudo, today)
        # The unit is locked by _warranty_extension_vals, once.
        vals = lot_sudo._warranty_extension_vals(
            code_sudo.months,
            on_date=today,
            extra={"origin": "code", "code_id": code_sudo.id},
        )
        vals["partner_id"] = partner.id
        # sudo: every check above passed (access, lock, code, unit, limit); the
        # portal user redeeming has no rights on coverage itself.
        coverage_sudo = self.env["rma.warranty.coverage"].sudo().create(vals)
        code_sudo.write(
            {
                "redeemed_lot_id": lot.id,
                "redeemed_partner_id": partner.id,
                "redeemed_date": fields.Datetime.now(),
                "coverage_id": coverage_sudo.id,
            }
        )
        log_notes([(lot_sudo, code_sudo._redeemed_message(partner, coverage_sudo))])
        return self.env["rma.warranty.coverage"].browse(coverage_sudo.id)

    @api.model
    def _portal_redeem(self, lot_sudo, code_text, remote_addr):
        """Redeem ``code_text`` on the unit ``lot_sudo`` for the current portal
        user: the one method of the portal's redeem form. ``lot_sudo`` is a unit
        found by ``stock.lot._portal_unit_get`` (the access check).

        Every attempt counts against the limits per user and per client address
        (PORTAL_REDEEM_LIMITS), refused ones too: the counters are written
        through their own cursor and committed at once (the counter of one
        address is shared by everyone behind it: it is not held for the whole
        request, see rma.rate.limit._hit), while the redemption itself runs in
        a savepoint, so that a refused code leaves nothing else behind. Raises
        RedeemRateLimited over a limit, a UserError for any other refusal;
        returns the coverage given (in sudo).
        """
        if not self.env["rma.rate.limit"]._hit_all(
            [
                (scope, key, *PORTAL_REDEEM_LIMITS[scope])
                for scope, key in (
                    ("code_redeem_user", self.env.uid),
                    ("code_redeem_ip", remote_addr or "-"),
                )
            ],
            own_cursor=True,
        ):
            raise RedeemRateLimited(
                self.env._(
                    "Too many codes were tried from your account or your network: "
                    "try again in an hour."
                )
            )
        if not isinstance(code_text, str):
            code_text = ""
        partner = self.env.user.partner_id.commercial_partner_id
        with self.env.cr.savepoint():
            # sudo: the unit is the user's (checked by the caller, see above) and
            # the code is found by its exact text; portal users have no rights on
            # codes or coverage (_check_redeem_access: the portal redeems in sudo).
            return self.sudo()._redeem(code_text[:100], lot_sudo, partner)

    @api.model
    def _check_redeem_access(self):
        """After-sales staff redeem codes on behalf of customers; the portal
        redeems in sudo, once it checked that the unit is the customer's."""
        if not (self.env.su or self.env.user.has_group("rma_warranty.group_rma_user")):
            raise AccessError(
                self.env._("Only after-sales staff may redeem a warranty code.")
            )

    @api.model
    def _lock_code(self, code_text):
        """The code typed as ``code_text``, its row locked for this transaction, in
        sudo: invoked by ``_redeem`` once it checked the caller may redeem."""
        normalized = self._normalize_code(code_text)
        if not normalized:
            raise UserError(self.env._("Type the code to redeem."))
        self.flush_model()
        try:
            # In a savepoint so that a refused lock leaves the transaction usable.
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM rma_warranty_code WHERE upper(code) = %s "
                        "FOR NO KEY UPDATE NOWAIT",
                        normalized,
                    ),
                    log_exceptions=False,  # contention is expected, not an error
                )
                row = self.env.cr.fetchone()
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure) as exc:
            raise UserError(
                self.env._(
                    "Code %(code)s is being redeemed right now. Reload and try again.",
                    code=normalized,
                )
            ) from exc
        # sudo: codes are read by managers only; the caller may redeem (see
        # _check_redeem_access) and typed this code's exact text.
        code_sudo = self.sudo().browse(row[0] if row else ())
        # Another company's code, an archived one or none at all: all unknown.
        if (
            not code_sudo
            or not code_sudo.active
            or (not self.env.su and code_sudo.company_id not in self.env.companies)
        ):
            raise UserError(
                self.env._(
                    "Code %(code)s is not valid. Check that it is typed correctly.",
                    code=normalized,
                )
            )
        code_sudo.invalidate_recordset()
        return code_sudo

    def _check_redeemable(self, lot, today):
        """Refuse, with the reason, a code that cannot be used on ``lot`` today."""
        self.ensure_one()
        if self.redeemed_date:
            raise UserError(
                self.env._(
                    "Code %(code)s has already been used.",
                    code=self.code,
                )
            )
        if self.valid_until and self.valid_until < today:
            raise UserError(
                self.env._(
                    "Code %(code)s expired on %(date)s.",
                    code=self.code,
                    date=self.valid_until,
                )
            )
        if lot.company_id and lot.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "Code %(code)s cannot be used on serial number %(lot)s.",
                    code=self.code,
                    lot=lot.name,
                )
            )
        if not self._is_eligible(lot.product_id):
            raise UserError(
                self.env._(
                    "Code %(code)s is not valid for %(product)s.",
                    code=self.code,
                    product=lot.product_id.display_name,
                )
            )

    def _is_eligible(self, product):
        """Eligible products and categories add up; none at all: any product."""
        self.ensure_one()
        if not (self.product_tmpl_ids or self.categ_ids):
            return True
        if product.product_tmpl_id in self.product_tmpl_ids:
            return True
        path = product.categ_id.parent_path or ""
        return any(path.startswith(categ.parent_path) for categ in self.categ_ids)

    def _redeemed_message(self, partner, coverage):
        self.ensure_one()
        values = {
            "code": self.code,
            "partner": partner.display_name,
            "start": coverage.date_start,
            "end": coverage.date_end,
        }
        if self.kind == "promo":
            return self.env._(
                "Promo code %(code)s redeemed by %(partner)s: extended warranty from "
                "%(start)s to %(end)s.",
                **values,
            )
        return self.env._(
            "Extension code %(code)s redeemed by %(partner)s: extended warranty from "
            "%(start)s to %(end)s.",
            **values,
        )
