# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import functools
import io
from collections import defaultdict
from typing import NamedTuple

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, split_every
from odoo.tools.misc import format_date

from ..chatter import log_notes

KINDS = [
    ("standard", "Standard"),
    ("extended", "Extended"),
    ("post_repair", "Post-Repair"),
    ("goodwill", "Goodwill"),
    # Issue 15, upgrade on registration: the upgraded terms a registration within
    # the grace period adds right after the standard period (SolaX).
    ("upgrade", "Registration Upgrade"),
]
ORIGINS = [
    ("delivery", "Delivery"),
    ("registration", "Registration"),
    ("sale", "Extension Sale"),
    ("code", "Code"),
    ("repair", "Repair"),
    ("replacement", "Replacement of"),
    ("manual", "Manual"),
]
# What an RMA unit is entitled to, best first.
ENTITLEMENTS = [
    ("swap", "Replacement Window"),
    ("warranty", "Warranty"),
    ("extended", "Extended Warranty"),
    ("post_repair", "Post-Repair Warranty"),
    ("goodwill", "Goodwill"),
    ("none", "Out of Warranty"),
]
KIND_ENTITLEMENT = {
    "standard": "warranty",
    "extended": "extended",
    "post_repair": "post_repair",
    "goodwill": "goodwill",
    "upgrade": "warranty",
}
# Kinds that make the warranty terms of a unit or of a component: a component with
# its own period of these kinds is covered by it, not by the whole unit's.
TERMS_KINDS = ("standard", "upgrade")
ENTITLEMENT_RANK = {key: rank for rank, (key, _label) in enumerate(ENTITLEMENTS)}


@functools.lru_cache(maxsize=65536)
def period_end(start, months):
    """Last covered day (inclusive) of a period of ``months`` from ``start``.

    The period ends the day before its anniversary. When the anniversary does not
    exist (a warranty from 29 February, or from the 31st into a shorter month) the
    anniversary falls on the 1st of the next month, so the period ends on the last
    day of the month that lacks it.
    """
    anniversary = start + relativedelta(months=months)
    if anniversary.day != start.day:  # clamped to the end of a shorter month
        return anniversary
    return anniversary - datetime.timedelta(days=1)


def local_date(timestamp, tz_name):
    """The calendar date of a UTC ``timestamp`` where the customer lives."""
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    return pytz.utc.localize(timestamp).astimezone(tz).date()


class Period(NamedTuple):
    """The values of a coverage period the entitlement is decided from."""

    id: int
    kind: str
    component_id: int  # 0 / False: the whole unit
    date_start: datetime.date
    date_end: datetime.date
    swap_date_end: datetime.date | None


class Void(NamedTuple):
    """A warranty void of a serial (see ``rma.warranty.void``), as the engine
    reads it."""

    id: int
    component_id: int  # 0 / False: the whole unit
    date: datetime.date  # first day no longer covered


# Kinds of coverage a void takes away whenever they run: the warranty the unit was
# sold with and its extensions. Post-repair and goodwill periods that start after
# the void are new decisions (a paid repair, staff's goodwill) and still count.
VOIDED_KINDS = ("standard", "upgrade", "extended")


class Entitlement(NamedTuple):
    """The answer of the warranty engine for one unit, date and component."""

    kind: str  # a key of ENTITLEMENTS
    coverage: models.BaseModel  # rma.warranty.coverage periods that contain the date
    date_end: datetime.date | None  # last covered day of the uninterrupted coverage
    days_left: int  # covered days from the date on, the date included
    swap: bool  # a new unit instead of a repair
    free_repair: bool
    swap_date_end: datetime.date | None = None  # last day of the replacement window


class RmaWarrantyCoverage(models.Model):
    """A dated period during which a serial (or one of its components) is covered.

    The single source of truth of warranty: entitlement on a date is made of the
    periods that contain it. Periods come from deliveries (standard), registrations,
    extension sales and codes (extended), repairs (post-repair) and staff (goodwill).
    """

    _name = "rma.warranty.coverage"
    _description = "Warranty Coverage Period"
    _order = "lot_id, date_start, id"
    _check_company_auto = True
    _rec_name = "lot_id"

    lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Serial Number",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    product_id = fields.Many2one(comodel_name="product.product", required=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    component_id = fields.Many2one(
        comodel_name="rma.warranty.component",
        ondelete="restrict",
        help="Empty: the whole unit.",
    )
    kind = fields.Selection(selection=KINDS, required=True, default="goodwill")
    origin = fields.Selection(selection=ORIGINS, required=True, default="manual")
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="To", required=True, help="Last covered day.")
    swap_date_end = fields.Date(
        string="Replacement Until",
        help="Last day of the replacement (swap) window, on standard periods.",
    )
    policy_id = fields.Many2one(comodel_name="rma.warranty.policy")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        help="Who the unit belonged to when the period was given.",
    )
    move_id = fields.Many2one(comodel_name="stock.move", string="Delivery")
    registration_id = fields.Many2one(
        comodel_name="rma.warranty.registration",
        ondelete="cascade",
        index="btree_not_null",
    )
    sale_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Extension Sale",
        ondelete="cascade",
        index="btree_not_null",
    )
    code_id = fields.Many2one(
        comodel_name="rma.warranty.code",
        # The code is the record of why the unit is covered: it cannot go while
        # the period it gave exists (codes are archived, not deleted).
        ondelete="restrict",
        index="btree_not_null",
    )
    reason = fields.Char(help="Why staff gave or changed this period.")
    chain_months = fields.Integer(
        string="Chained Months",
        help="Set on periods that follow the coverage before them (extensions): "
        "when the standard warranty is re-dated, they move with it and keep this "
        "length. Empty: a dated period, which stays where it is.",
    )
    state = fields.Selection(
        selection=[("past", "Ended"), ("current", "Current"), ("future", "Future")],
        compute="_compute_state",
    )

    _sql_constraints = [
        (
            "dates_ordered",
            "CHECK(date_end >= date_start)",
            "A coverage period cannot end before it starts.",
        ),
    ]

    @api.depends("date_start", "date_end")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for period in self:
            if period.date_end and period.date_end < today:
                period.state = "past"
            elif period.date_start and period.date_start > today:
                period.state = "future"
            else:
                period.state = "current"

    @api.constrains("origin", "reason")
    def _check_reason(self):
        for period in self:
            if period.origin == "manual" and not (period.reason or "").strip():
                raise ValidationError(
                    self.env._("Say why this coverage is given by hand.")
                )

    @api.onchange("lot_id")
    def _onchange_lot_id(self):
        # Staff pick the serial of a period given by hand; the rest follows from it.
        if self.lot_id:
            self.product_id = self.lot_id.product_id
            self.company_id = self.lot_id.company_id or self.company_id

    # ---- CRUD -----------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        periods = super().create(vals_list)
        periods.filtered(lambda p: p.origin == "manual")._log_on_lots(
            self.env._("Coverage given")
        )
        return periods

    def write(self, vals):
        res = super().write(vals)
        if {"date_start", "date_end", "kind", "component_id", "reason"} & set(vals):
            self.filtered(lambda p: p.origin == "manual")._log_on_lots(
                self.env._("Coverage changed")
            )
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_system_standard(self):
        """Standard (and upgrade) periods made by deliveries and registrations
        are rebuilt by Recompute (``stock.lot._warranty_recompute_standard``,
        which removes them as the system); nobody removes them by hand, RPC
        included."""
        if not self.env.su and self.filtered(
            lambda p: p.kind in TERMS_KINDS and p.origin in ("delivery", "registration")
        ):
            raise UserError(
                self.env._(
                    "The standard warranty given by a delivery or a registration "
                    "cannot be removed by hand: correct the delivery or the "
                    "registration, then use Recompute on the serial number."
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_log_on_lots(self):
        """Every removal of a period is kept in its serial's chatter: one note per
        serial for the whole batch."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        origins = dict(self._fields["origin"]._description_selection(self.env))
        bodies = defaultdict(list)
        for period in self:
            bodies[period.lot_id.id].append(
                self.env._(
                    "%(kind)s %(component)s from %(start)s to %(end)s (%(origin)s)",
                    kind=kinds[period.kind],
                    component=period.component_id.name or self.env._("whole unit"),
                    start=format_date(self.env, period.date_start),
                    end=format_date(self.env, period.date_end),
                    origin=origins[period.origin],
                )
            )
        if bodies:
            # Logged whoever removes them (unlink checked the access, or the system
            # removes them): _message_log_batch writes the notes as the system.
            self.env["stock.lot"].browse(list(bodies))._message_log_batch(
                bodies={
                    lot_id: self.env._(
                        "Coverage removed: %(periods)s.", periods="; ".join(rows)
                    )
                    for lot_id, rows in bodies.items()
                }
            )

    def _log_on_lots(self, title):
        """Staff changes of coverage are kept in the serial's chatter: one note per
        period (create and write checked the user's rights on them)."""
        log_notes(
            [
                (
                    period.lot_id,
                    self.env._(
                        "%(title)s: %(kind)s %(component)s%(start)s - %(end)s. "
                        "Reason: %(reason)s",
                        title=title,
                        kind=dict(KINDS)[period.kind],
                        component=(
                            f"({period.component_id.name}) "
                            if period.component_id
                            else ""
                        ),
                        start=period.date_start,
                        end=period.date_end,
                        reason=period.reason or "-",
                    ),
                )
                for period in self
            ]
        )

    # The columns the install backfill writes: every field of a period it builds
    # (stock.lot._prepare_warranty_coverage_vals for a standard period).
    _BACKFILL_COLUMNS = (
        "lot_id",
        "product_id",
        "company_id",
        "component_id",
        "policy_id",
        "kind",
        "origin",
        "date_start",
        "date_end",
        "swap_date_end",
        "partner_id",
        "move_id",
        "registration_id",
    )

    @api.model
    def _backfill_copy_rows(self, vals_list, batch_size=5000):
        """Write the standard periods of the install backfill
        (``stock.lot._warranty_backfill``, values from
        ``stock.lot._warranty_standard_vals``) with PostgreSQL's COPY, for the
        install backfill only: on a database with millions of delivered serials
        the ORM's create would take hours.

        It uses a private internal of Odoo: ``self.env.cr._obj``, the psycopg2
        cursor inside Odoo's cursor, whose ``copy_expert`` Odoo does not expose.
        It bypasses the ORM: no defaults, no ``create`` override, no Python
        constraint, no cache; so it takes only the plain values (ids, dates,
        selection keys) of ``_BACKFILL_COLUMNS`` and writes the log columns as
        ``create`` does. ``TestWarrantyEngine.test_backfill_copy_equals_orm_create``
        compares its rows, column by column, with those of ``create``: an
        upgrade of Odoo or a new field that makes them differ fails it.
        Everything else creates periods through the ORM, in batch.
        """
        columns = self._BACKFILL_COLUMNS
        unknown = {key for vals in vals_list for key in vals} - set(columns)
        if unknown:
            raise ValueError(f"COPY writes no column {sorted(unknown)}")
        uid, now = self.env.uid, self.env.cr.now()
        audit = f"\t{uid}\t{now}\t{uid}\t{now}\n"

        def cell(value):
            return r"\N" if value is None or value is False else str(value)

        self.env.flush_all()
        for batch in split_every(batch_size, vals_list):
            data = io.StringIO(
                "".join(
                    "\t".join(cell(vals.get(column)) for column in columns) + audit
                    for vals in batch
                )
            )
            # COPY: the fastest way in; values are ids, dates and selection keys.
            self.env.cr._obj.copy_expert(
                "COPY rma_warranty_coverage (%s, create_uid, create_date, write_uid, "
                "write_date) FROM STDIN" % ", ".join(columns),
                data,
            )
        self.invalidate_model()

    # ---- Entitlement ----------------------------------------------------------------

    @api.model
    def _get_entitlements(self, keys):
        """Answer, for each ``(lot, date, component)`` of ``keys``, what applies.

        ``date`` is the customer's local date (see ``stock.lot._warranty_today``);
        ``component`` may be empty (the whole unit). One query whatever the number
        of keys: the periods and the standing voids of the units, read together
        under the caller's access rights. Returns ``{key: Entitlement}``.
        """
        keys = list(keys)
        lots = self.env["stock.lot"].union(*(lot for lot, _d, _c in keys))
        by_lot, voids = defaultdict(list), defaultdict(list)
        if lots:
            for row in self.env.execute_query(self._entitlement_rows_sql(lots)):
                lot_id, row_id, kind, component_id, start, end, swap_end = row
                if kind == "void":
                    voids[lot_id].append(Void(row_id, component_id, start))
                else:
                    by_lot[lot_id].append(
                        Period(row_id, kind, component_id, start, end, swap_end)
                    )
        return {
            key: self._entitlement_of(
                by_lot[key[0].id], key[1], key[2].id, voids[key[0].id]
            )
            for key in keys
        }

    @api.model
    def _entitlement_rows_sql(self, lots):
        """The one query of ``_get_entitlements``: the periods of ``lots`` and
        their voids not lifted, each part searched with its own record rules."""
        Voids = self.env["rma.warranty.void"]
        periods = self._search([("lot_id", "in", lots.ids)])
        voids = Voids._search([("lot_id", "in", lots.ids), ("lifted", "=", False)])

        def columns(model, query, names):
            return [
                model._field_to_sql(query.table, name, query) if name else SQL("NULL")
                for name in names
            ]

        return SQL(
            "%s UNION ALL %s",
            periods.select(
                *columns(
                    self,
                    periods,
                    [
                        "lot_id",
                        "id",
                        "kind",
                        "component_id",
                        "date_start",
                        "date_end",
                        "swap_date_end",
                    ],
                )
            ),
            voids.select(
                *columns(Voids, voids, ["lot_id", "id"]),
                SQL("'void'"),
                *columns(Voids, voids, ["component_id", "date", "date", None]),
            ),
        )

    @api.model
    def _entitlement_of(self, periods, on_date, component_id, voids=()):
        """Entitlement on ``on_date`` from the ``Period`` rows of one unit.

        A component with its own standard period is covered by that period, not by
        the unit's; extended, post-repair and goodwill periods of the whole unit cover
        every component. The swap window belongs to the unit's standard period.
        ``voids``: the unit's standing ``Void`` rows; a void of the whole unit, or
        of ``component_id``, ends the periods it takes away the day before it.
        """
        periods = self._apply_voids(
            periods,
            [v for v in voids if not v.component_id or v.component_id == component_id],
        )
        applicable = self._applicable_periods(periods, component_id)
        covering = [p for p in applicable if p.date_start <= on_date <= p.date_end]
        if not covering:
            return Entitlement("none", self.browse(), None, 0, False, False)
        swap_date_end = self._swap_window_end(periods, on_date)
        swap = bool(swap_date_end)
        kind = (
            "swap"
            if swap
            else min(
                (KIND_ENTITLEMENT[p.kind] for p in covering),
                key=ENTITLEMENT_RANK.__getitem__,
            )
        )
        # Covered until: follow the periods that continue without a gap.
        date_end = max(p.date_end for p in covering)
        for period in sorted(applicable, key=lambda p: p.date_start):
            if period.date_start <= date_end + datetime.timedelta(days=1):
                date_end = max(date_end, period.date_end)
        return Entitlement(
            kind,
            self.browse([p.id for p in covering]),
            date_end,
            (date_end - on_date).days + 1,
            kind == "swap",
            True,
            swap_date_end,
        )

    @api.model
    def _applicable_periods(self, periods, component_id):
        """The ``Period`` rows of a unit that cover ``component_id`` (0 / False:
        the whole unit): a component with its own standard period is covered by
        that period (and its own upgrade), not by the unit's standard and upgrade
        periods (``TERMS_KINDS``); the other periods of the whole unit cover every
        component."""
        own_standard = component_id and any(
            p.kind == "standard" and p.component_id == component_id for p in periods
        )
        return [
            p
            for p in periods
            if (
                p.component_id == component_id
                if p.component_id
                else not (own_standard and p.kind in TERMS_KINDS)
            )
        ]

    @api.model
    def _swap_window_end(self, periods, on_date):
        """Last day of the replacement window that contains ``on_date``, from the
        unit's standard ``Period`` rows (the window belongs to the whole unit),
        or None."""
        return max(
            (
                p.swap_date_end
                for p in periods
                if p.kind == "standard"
                and not p.component_id
                and p.swap_date_end
                and p.date_start <= on_date <= p.swap_date_end
            ),
            default=None,
        )

    @api.model
    def _apply_voids(self, periods, voids):
        """The ``Period`` rows as the ``voids`` leave them: each period a void
        takes away (see ``VOIDED_KINDS``) ends the day before the first void."""
        if not voids:
            return periods
        void_from = min(v.date for v in voids)
        last = void_from - datetime.timedelta(days=1)
        result = []
        for period in periods:
            if period.kind not in VOIDED_KINDS and period.date_start > last:
                result.append(period)
            elif period.date_start <= last:
                result.append(
                    period._replace(
                        date_end=min(period.date_end, last),
                        swap_date_end=period.swap_date_end
                        and min(period.swap_date_end, last),
                    )
                )
        return result
