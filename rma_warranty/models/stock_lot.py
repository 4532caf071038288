# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import datetime
import logging
from collections import defaultdict
from urllib.parse import urlencode

import pytz
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, create_index, format_amount, format_date, split_every

from ..bulk import foreign_keys_deferred
from ..exceptions import RmaTooManyRequests
from ..locking import lock_rows_nowait
from ..search import searched_codes
from .rma_warranty_coverage import (
    ENTITLEMENTS,
    KIND_ENTITLEMENT,
    TERMS_KINDS,
    VOIDED_KINDS,
    Period,
    Void,
    local_date,
    period_end,
)

_logger = logging.getLogger(__name__)

DAY = datetime.timedelta(days=1)
# Extension quotations asked for in the portal: (hits, seconds) per user.
PORTAL_EXTENSION_LIMIT = (10, 3600)
# Spare-parts quotations asked for in the portal: (hits, seconds) per user
# (issue 15); and the most of one part ordered for one unit in one quotation.
PORTAL_SPARE_PARTS_LIMIT = (10, 3600)
PORTAL_SPARE_PARTS_MAX_QTY = 99


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "rma.decision.mixin"]
    # Extension eligibility trusts who owns a unit and whom it was sold to.
    _rma_decision_fields = frozenset({"warranty_owner_id", "warranty_sold_to_id"})

    warranty_coverage_ids = fields.One2many(
        comodel_name="rma.warranty.coverage",
        inverse_name="lot_id",
    )
    warranty_registration_ids = fields.One2many(
        comodel_name="rma.warranty.registration",
        inverse_name="lot_id",
        string="Registrations",
    )
    warranty_sold_to_id = fields.Many2one(
        comodel_name="res.partner",
        string="Sold To",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="Commercial partner our last delivery of this unit went to (a "
        "distributor or an end user).",
    )
    warranty_owner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Owner",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="Who the unit belongs to: the registered owner, else whom it was sold to.",
    )
    rma_line_ids = fields.One2many(
        comodel_name="rma.order.line",
        inverse_name="lot_id",
        string="Service History",
        groups="rma_warranty.group_rma_user",
        help="The RMA units of this serial number: every time it came back to us.",
    )
    rma_count = fields.Integer(
        string="RMAs",
        compute="_compute_rma_count",
        groups="rma_warranty.group_rma_user",
    )
    warranty_kind = fields.Selection(
        selection=ENTITLEMENTS,
        string="Warranty Today",
        compute="_compute_warranty_today",
        search="_search_warranty_kind",
    )
    warranty_date_end = fields.Date(
        string="Covered Until", compute="_compute_warranty_today"
    )
    warranty_days_left = fields.Integer(
        string="Days Left", compute="_compute_warranty_today"
    )
    warranty_swap_date_end = fields.Date(
        string="Replacement Until",
        compute="_compute_warranty_today",
        help="Last day of the replacement window, while the unit is in it.",
    )
    warranty_void_ids = fields.One2many(
        comodel_name="rma.warranty.void",
        inverse_name="lot_id",
        string="Warranty Voids",
    )

    # Spare parts (issue 15): the list of the unit's product, for staff.
    rma_spare_part_ids = fields.One2many(
        related="product_id.product_tmpl_id.rma_spare_part_ids",
        string="Spare Parts",
    )

    def _auto_init(self):
        res = super()._auto_init()
        # Core indexes the serial number with a trigram index only (or none at all
        # without pg_trgm): an exact lookup among millions of serials needs a btree.
        create_index(
            self.env.cr,
            "stock_lot_rma_warranty_name_index",
            self._table,
            ["name"],
        )
        return res

    def _compute_rma_count(self):
        counts = dict(
            self.env["rma.order.line"]._read_group(
                [("lot_id", "in", self.ids)], ["lot_id"], ["order_id:count_distinct"]
            )
        )
        for lot in self:
            lot.rma_count = counts.get(lot, 0)

    @api.depends_context("tz")
    def _compute_warranty_today(self):
        today = self._warranty_today()
        answers = self.env["rma.warranty.coverage"]._get_entitlements(
            [(lot, today[lot], self.env["rma.warranty.component"]) for lot in self]
        )
        for lot in self:
            answer = answers[lot, today[lot], self.env["rma.warranty.component"]]
            lot.warranty_kind = answer.kind
            lot.warranty_date_end = answer.date_end
            lot.warranty_days_left = answer.days_left
            lot.warranty_swap_date_end = answer.swap_date_end

    def _search_warranty_kind(self, operator, value):
        """Serials by what the whole unit is entitled to today, as computed above.

        A domain on the coverage periods (one query however many serials): a kind
        applies when a period of it covers today and no period of a better kind
        does. Today is the user's date, not each customer's: the two differ only
        around midnight. Empty means out of warranty.
        """
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._("Serials cannot be searched by warranty this way.")
            )
        today = fields.Date.context_today(self)
        domains = [
            domain
            for kind in {kind or "none" for kind in searched_codes(value)}
            if (domain := self._get_warranty_kind_domain(kind, today)) is not None
        ]
        domain = expression.OR(domains) if domains else expression.FALSE_DOMAIN
        if operator in ("!=", "not in"):
            return ["!", *expression.normalize_domain(domain)]
        return domain

    @api.model
    def _get_warranty_kind_domain(self, kind, today):
        """Domain of the serials whose whole unit is entitled to ``kind`` (a key of
        ENTITLEMENTS) on ``today``: a kind applies when a period of it covers
        today and no period of a better kind does. None for an unknown kind.
        Called by ``_search_warranty_kind``."""
        # Several kinds may give one entitlement (standard and upgrade: warranty).
        coverage_kind = defaultdict(tuple)
        for coverage, entitlement in KIND_ENTITLEMENT.items():
            coverage_kind[entitlement] += (coverage,)
        covered_at_all = self._get_warranty_covered_domain(
            tuple(KIND_ENTITLEMENT), today
        )
        in_swap_window = self._get_warranty_covered_domain(
            ("standard",), today, until="swap_date_end"
        )
        if kind == "none":
            return ["!", *covered_at_all]
        if kind == "swap":
            return expression.AND([in_swap_window, covered_at_all])
        if kind not in coverage_kind:
            return None
        ranked = [key for key, _label in ENTITLEMENTS if key in coverage_kind]
        better = tuple(
            coverage
            for k in ranked[: ranked.index(kind)]
            for coverage in coverage_kind[k]
        )
        domain = [
            *self._get_warranty_covered_domain(coverage_kind[kind], today),
            "!",
            *in_swap_window,
        ]
        if better:
            domain = expression.AND(
                [domain, ["!", *self._get_warranty_covered_domain(better, today)]]
            )
        return domain

    @api.model
    def _get_warranty_covered_domain(self, coverage_kinds, today, until="date_end"):
        """Domain of the serials with a whole-unit period of ``coverage_kinds``
        that covers ``today`` (up to its ``until`` date: ``swap_date_end`` for
        the replacement window). A standing void of the whole unit takes its
        standard and extended periods away (post-repair and goodwill periods are
        counted as given)."""
        return [
            (
                "warranty_coverage_ids",
                "any",
                [
                    ("component_id", "=", False),
                    ("kind", "in", coverage_kinds),
                    ("date_start", "<=", today),
                    (until, ">=", today),
                    "|",
                    ("kind", "not in", VOIDED_KINDS),
                    (
                        "lot_id.warranty_void_ids",
                        "not any",
                        [
                            ("lifted", "=", False),
                            ("component_id", "=", False),
                            ("date", "<=", today),
                        ],
                    ),
                ],
            )
        ]

    # ---- CRUD -----------------------------------------------------------------------

    def _rma_decision_message(self, fname):
        if fname in ("warranty_owner_id", "warranty_sold_to_id"):
            return self.env._(
                "The owner of a serial number follows our deliveries of it and its "
                "warranty registrations: register the unit for its new owner "
                "instead."
            )
        return super()._rma_decision_message(fname)

    # ---- Dates ----------------------------------------------------------------------

    def _warranty_tz(self):
        """Time zone of the unit's customer: its owner's, else its company's."""
        self.ensure_one()
        return (
            self.warranty_owner_id.tz
            or self.company_id.partner_id.tz
            or self.env.company.partner_id.tz
            or "UTC"
        )

    def _warranty_today(self, now=None):
        """{lot: today's date where its customer lives}."""
        now = now or fields.Datetime.now()
        return {lot: local_date(now, lot._warranty_tz()) for lot in self}

    # ---- Entitlement ----------------------------------------------------------------

    def _get_warranty_entitlement(self, on_date=None, component=None):
        """{lot: Entitlement} on ``on_date`` (default: the customer's today)."""
        today = self._warranty_today() if on_date is None else {}
        component = component or self.env["rma.warranty.component"]
        keys = [(lot, on_date or today[lot], component) for lot in self]
        answers = self.env["rma.warranty.coverage"]._get_entitlements(keys)
        return {key[0]: answers[key] for key in keys}

    # The public lookup's query: typed by anyone, on any page, it must answer in well
    # under a millisecond among millions of serials. It is planned on every call: a
    # prepared statement is session state, lost or wrong behind a transaction
    # pooler (pgbouncer) and never on a read replica's fresh connection (DESIGN §7).
    # %(serial)s is the serial, %(lang)s the language of product and component names.
    _WARRANTY_LOOKUP_SQL = """
        SELECT lot.id, lot.name,
               (SELECT product.default_code FROM product_product product
                 WHERE product.id = lot.product_id) AS default_code,
               (SELECT COALESCE(tmpl.name->>%(lang)s, tmpl.name->>'en_US')
                  FROM product_product product
                  JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                 WHERE product.id = lot.product_id) AS product,
               COALESCE(
                   (SELECT owner.tz FROM res_partner owner
                     WHERE owner.id = lot.warranty_owner_id),
                   (SELECT company_partner.tz FROM res_company company
                      JOIN res_partner company_partner
                        ON company_partner.id = company.partner_id
                     WHERE company.id = lot.company_id)
               ) AS tz,
               voids.voids,
               cov.id AS period_id, cov.kind, cov.component_id,
               COALESCE(comp.name->>%(lang)s, comp.name->>'en_US') AS component,
               cov.date_start, cov.date_end, cov.swap_date_end
          FROM stock_lot lot
          LEFT JOIN LATERAL (
                SELECT json_agg(json_build_array(v.id, v.component_id, v.date))
                       AS voids
                  FROM rma_warranty_void v
                 WHERE v.lot_id = lot.id AND v.lifted IS NOT TRUE
               ) voids ON TRUE
          LEFT JOIN rma_warranty_coverage cov ON cov.lot_id = lot.id
          LEFT JOIN rma_warranty_component comp ON comp.id = cov.component_id
         WHERE lot.name = %(serial)s
      ORDER BY lot.id, cov.date_start, cov.id
    """

    @api.model
    def _warranty_lookup_query(self, serial):
        """The one query of ``_warranty_lookup``: a unit by its exact serial, its
        product, its periods, its standing voids and the time zone that dates its
        today."""
        return SQL(
            self._WARRANTY_LOOKUP_SQL,
            serial=serial,
            lang=self.env.lang or "en_US",
        )

    @api.model
    def _warranty_lookup(self, serial):
        """Coverage of a serial number typed by someone: product and dates only.

        For the public warranty check (and the certificate's QR code): one indexed
        query, by the exact serial, that reads nothing but the product, the
        periods and the time zone that dates today. It returns no partner, address
        or RMA, which is why it needs no access rights.
        """
        serial = (serial or "").strip()
        if not serial:
            return []
        self.env.cr.execute(self._warranty_lookup_query(serial))
        units = self._warranty_lookup_units(self.env.cr.dictfetchall())
        now = fields.Datetime.now()
        return [self._warranty_lookup_answer(unit, now) for unit in units]

    @api.model
    def _warranty_lookup_units(self, rows):
        """The rows of ``_warranty_lookup_query`` grouped by unit: ``[{"row"`` (the
        unit's first row), ``"periods"`` (``Period``), ``"components"`` ({period
        id: component name}), ``"voids"`` (``Void``)``}]`` in the query's order."""
        units = {}
        for row in rows:
            unit = units.setdefault(
                row["id"],
                {
                    "row": row,
                    "periods": [],
                    "components": {},
                    "voids": [
                        Void(void_id, component_id, fields.Date.to_date(date))
                        for void_id, component_id, date in row["voids"] or ()
                    ],
                },
            )
            if row["period_id"]:
                unit["components"][row["period_id"]] = row["component"] or ""
                unit["periods"].append(
                    Period(
                        row["period_id"],
                        row["kind"],
                        row["component_id"],
                        row["date_start"],
                        row["date_end"],
                        row["swap_date_end"],
                    )
                )
        return list(units.values())

    @api.model
    def _warranty_lookup_answer(self, unit, now):
        """What ``_warranty_lookup`` answers of one unit of
        ``_warranty_lookup_units`` at the UTC time ``now``: its entitlement where
        its customer lives and its periods as their voids leave them."""
        Coverage = self.env["rma.warranty.coverage"]
        row = unit["row"]
        answer = Coverage._entitlement_of(
            unit["periods"], local_date(now, row["tz"]), False, unit["voids"]
        )
        # The periods as their voids leave them (a void ends the periods it
        # takes away, of the whole unit or of its component).
        periods = [
            voided
            for p in unit["periods"]
            for voided in Coverage._apply_voids(
                [p],
                [
                    v
                    for v in unit["voids"]
                    if not v.component_id or v.component_id == p.component_id
                ],
            )
        ]
        return {
            "serial": row["name"],
            "product": (
                f"[{row['default_code']}] {row['product']}"
                if row["default_code"]
                else row["product"]
            ),
            "kind": answer.kind,
            "date_end": answer.date_end,
            "periods": [
                {
                    "kind": p.kind,
                    "component": unit["components"][p.id],
                    "date_start": p.date_start,
                    "date_end": p.date_end,
                }
                for p in periods
            ],
        }

    # The longest serial number the public check looks up: longer input is refused
    # before it reaches the database.
    _WARRANTY_CHECK_SERIAL_SIZE = 100

    @api.model
    def _warranty_check_public(self, serial):
        """What the public warranty check shows of a typed serial number: product
        and coverage dates per component only, no partner, address or RMA
        (``_warranty_lookup``, which needs no access rights).

        Returns a dict: ``serial`` (as looked up, "" when not looked up),
        ``status`` ("found", "unknown", "empty", or "invalid" for input too long,
        not text or with control characters, which is never looked up) and
        ``units``: per unit ``serial``, ``product``, ``coverage`` (today's
        entitlement key), ``coverage_label``, ``covered_until`` and ``periods``
        (``component``, None for the whole unit, ``kind``, ``kind_label``,
        ``date_start``, ``date_end``); dates are ``datetime.date``.

        Invoked by ``/warranty/check`` and ``/warranty/check/json``
        (controllers/warranty_check.py); override it to show more or less.
        """
        if not isinstance(serial, str):
            return {"serial": "", "status": "invalid", "units": []}
        serial = serial.strip()
        if not serial:
            return {"serial": "", "status": "empty", "units": []}
        if len(serial) > self._WARRANTY_CHECK_SERIAL_SIZE or not serial.isprintable():
            return {"serial": "", "status": "invalid", "units": []}
        coverage_labels = dict(
            self._fields["warranty_kind"]._description_selection(self.env)
        )
        kind_labels = dict(
            self.env["rma.warranty.coverage"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        units = [
            {
                "serial": unit["serial"],
                "product": unit["product"],
                "coverage": unit["kind"],
                "coverage_label": coverage_labels.get(unit["kind"], unit["kind"]),
                "covered_until": unit["date_end"],
                "periods": [
                    {
                        "component": period["component"] or None,
                        "kind": period["kind"],
                        "kind_label": kind_labels.get(period["kind"], period["kind"]),
                        "date_start": period["date_start"],
                        "date_end": period["date_end"],
                    }
                    for period in unit["periods"]
                ],
            }
            for unit in self._warranty_lookup(serial)
        ]
        return {
            "serial": serial,
            "status": "found" if units else "unknown",
            "units": units,
        }

    def _warranty_check_url(self):
        """Address of the public warranty check page of this serial: the QR code
        of its certificate, the portal and the emails all point there."""
        self.ensure_one()
        return (
            f"{self.get_base_url()}/warranty/check?{urlencode({'serial': self.name})}"
        )

    # ---- Coverage periods -----------------------------------------------------------

    def _prepare_warranty_coverage_vals(
        self, kind, date_start, date_end, component=None, **values
    ):
        """Values of one coverage period of this unit: ``kind`` from
        ``date_start`` to ``date_end`` (its last covered day), of ``component``
        (an ``rma.warranty.component`` or its id; none: the whole unit).
        ``values``: the other fields, which say where the period comes from
        (``origin``, ``policy_id``, ``partner_id``, ``move_id``, ``reason``...) and
        may set another ``company_id`` than the unit's.

        The one place the addon builds a period: called by
        ``_warranty_period_vals`` (standard periods of deliveries and
        registrations, also for the install backfill), ``_warranty_upgrade_vals``
        (upgrade periods of registrations within the grace period),
        ``_warranty_extension_vals`` (extensions sold,
        ``sale.order.line._prepare_warranty_extension_vals``, and codes redeemed,
        ``rma.warranty.code._redeem``), ``_warranty_copy_to``
        (a replacement unit, ``rma.order.line._warranty_transfer_coverage``) and
        ``_warranty_grant_post_repair`` (a repaired unit delivered back,
        ``rma.order.line._rma_after_redelivery``). Override it to add to every
        period; keep to plain values (ids, dates, selection keys): the install
        backfill writes them as they are and refuses fields it has no column for
        (``rma.warranty.coverage._backfill_copy_rows``).
        """
        self.ensure_one()
        if isinstance(component, models.BaseModel):
            component = component.id
        return dict(
            {
                "lot_id": self.id,
                "product_id": self.product_id.id,
                "company_id": self.company_id.id or self.env.company.id,
                "component_id": component or False,
                "kind": kind,
                "date_start": date_start,
                "date_end": date_end,
            },
            **values,
        )

    def _warranty_copy_to(self, new_lots, from_date=None, reason=None):
        """``new_lots`` replace this unit: they carry on its coverage periods (those
        that still run on ``from_date``; all without it), as replacement periods
        with the same dates, and its owner. Returns the periods created, in one
        batch. Called by ``rma.order.line._warranty_transfer_coverage``, which
        calls it in sudo once the replacement was shipped."""
        self.ensure_one()
        periods = self.warranty_coverage_ids.filtered(
            lambda p: p.date_end >= from_date if from_date else True
        )
        vals_list = [
            lot._prepare_warranty_coverage_vals(
                period.kind,
                period.date_start,
                period.date_end,
                period.component_id,
                company_id=period.company_id.id,
                policy_id=period.policy_id.id,
                origin="replacement",
                partner_id=period.partner_id.id,
                reason=reason,
            )
            for lot in new_lots
            for period in periods
        ]
        coverage = self.env["rma.warranty.coverage"].create(vals_list)
        new_lots.with_env(self.env)._write_decision(
            {
                "warranty_sold_to_id": self.warranty_sold_to_id.id,
                "warranty_owner_id": self.warranty_owner_id.id,
            }
        )
        return coverage

    @api.model
    def _warranty_grant_post_repair(self, grants):
        """Post-repair periods of repaired units delivered back, in one batch.

        ``grants``: ``[(move, policy, partner, reason)]``, one per redelivery of
        units repaired out of warranty: every unit ``move`` delivered is covered
        for ``policy.post_repair_days`` from the day of the redelivery where its
        customer lives, for ``partner``. Returns the periods created. Called by
        ``rma.order.line._rma_after_redelivery`` (which decides who gets one), in
        sudo.
        """
        vals_list = []
        for move, policy, partner, reason in grants:
            for lot in move.move_line_ids.lot_id:
                start = local_date(move.date, lot._warranty_tz())
                vals_list.append(
                    lot._prepare_warranty_coverage_vals(
                        "post_repair",
                        start,
                        start + datetime.timedelta(days=policy.post_repair_days - 1),
                        company_id=move.company_id.id,
                        policy_id=policy.id,
                        origin="repair",
                        partner_id=partner.id,
                        move_id=move.id,
                        reason=reason,
                    )
                )
        return self.env["rma.warranty.coverage"].create(vals_list)

    # ---- Standard coverage ----------------------------------------------------------

    # What makes a move line ``sml`` a delivery of ours to a customer, whose newest
    # one starts a unit's standard warranty: _warranty_last_deliveries and the
    # install backfill's one statement (_WARRANTY_BACKFILL_SQL) must agree on it.
    # Deliveries of an RMA (a repaired or returned unit going back) are not sales.
    _WARRANTY_DELIVERY_JOINS = """
              JOIN stock_move sm ON sm.id = sml.move_id
              JOIN stock_location src ON src.id = sml.location_id
              JOIN stock_location dest ON dest.id = sml.location_dest_id
              LEFT JOIN stock_picking picking ON picking.id = sml.picking_id
              LEFT JOIN res_partner partner
                     ON partner.id = COALESCE(picking.partner_id, sm.partner_id)
              JOIN res_company company ON company.id = sml.company_id
              JOIN res_partner company_partner
                ON company_partner.id = company.partner_id
    """
    _WARRANTY_DELIVERY_WHERE = """
               sml.state = 'done'
               AND dest.usage = 'customer'
               AND src.usage = 'internal'
               AND sm.rma_line_id IS NULL
    """

    def _warranty_last_deliveries(self):
        """{lot id: values of our newest delivery of the unit to a customer}.

        Deliveries of an RMA (a repaired or returned unit going back) are not sales:
        they give no new standard warranty.
        """
        if not self:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT ON (sml.lot_id)
                   sml.lot_id, sml.move_id, sml.date, sm.sale_line_id,
                   partner.commercial_partner_id AS partner_id, partner.tz,
                   company_partner.tz AS company_tz,
                   (SELECT MIN(am.invoice_date)
                      FROM sale_order_line_invoice_rel rel
                      JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                      JOIN account_move am ON am.id = aml.move_id
                     WHERE rel.order_line_id = sm.sale_line_id
                       AND am.state = 'posted'
                       AND am.move_type = 'out_invoice') AS invoice_date
              FROM stock_move_line sml
              %s
             WHERE sml.lot_id IN %s AND %s
          ORDER BY sml.lot_id, sml.date DESC, sml.id DESC
                """,
                SQL(self._WARRANTY_DELIVERY_JOINS),
                tuple(self.ids),
                SQL(self._WARRANTY_DELIVERY_WHERE),
            )
        )
        return {row["lot_id"]: row for row in self.env.cr.dictfetchall()}

    def _warranty_standard_vals(self):
        """Standard periods of the units (and their owner) as the policy sets them.

        Returns ``(period vals list, {lot: (sold_to id, owner id)})``. Units with
        neither a delivery of ours nor a registration get nothing.
        """
        deliveries = self._warranty_last_deliveries()
        registrations, all_registrations = {}, defaultdict(list)
        for registration in self.env["rma.warranty.registration"].search(
            [("lot_id", "in", self.ids)], order="date desc, id desc"
        ):
            registrations.setdefault(registration.lot_id.id, registration)
            all_registrations[registration.lot_id.id].append(registration)
        policies = self.product_id._get_warranty_policies()
        vals_list, parties, lengths, upgrades = [], {}, {}, {}
        for lot in self:
            delivery = deliveries.get(lot.id)
            registration = registrations.get(lot.id)
            policy = policies.get(lot.product_id)
            sold_to = delivery["partner_id"] if delivery else False
            owner = registration.partner_id.id if registration else sold_to
            parties[lot.id] = (sold_to, owner)
            if not policy or not (delivery or registration):
                continue
            start, origin = lot._warranty_start(policy, delivery, registration)
            if policy not in lengths:
                lengths[policy] = policy._standard_lengths()
            vals_list += lot._warranty_period_vals(
                policy,
                start,
                {
                    "origin": origin,
                    "partner_id": owner,
                    "move_id": delivery["move_id"] if delivery else False,
                    "registration_id": (
                        registration.id if origin == "registration" else False
                    ),
                },
                lengths[policy],
            )
            # Issue 15: the upgraded terms a registration within the grace gives.
            if policy not in upgrades:
                upgrades[policy] = policy._upgrade_lengths()
            upgrader = upgrades[policy] and lot._warranty_upgrade_registration(
                policy, all_registrations[lot.id]
            )
            if upgrader:
                vals_list += lot._warranty_upgrade_vals(
                    policy,
                    start,
                    upgrader,
                    {"move_id": delivery["move_id"] if delivery else False},
                    lengths[policy],
                    upgrades[policy],
                )
        return vals_list, parties

    def _warranty_start(self, policy, delivery, registration):
        """(start date, origin) of the standard warranty; see policy.start_basis."""
        self.ensure_one()
        delivered = (
            local_date(delivery["date"], delivery["tz"] or delivery["company_tz"])
            if delivery
            else None
        )
        if registration and (not delivered or policy.start_basis == "registration"):
            purchased = registration.purchase_date
            on_time = (registration.date - purchased).days <= (
                policy.registration_grace_days
            )
            if not delivered:
                return purchased, "registration"
            if on_time and purchased >= delivered:
                return purchased, "registration"
        if policy.start_basis == "invoice" and delivery and delivery["invoice_date"]:
            return delivery["invoice_date"], "delivery"
        return delivered, "delivery"

    def _warranty_period_vals(self, policy, start, extra, lengths=None):
        """The unit's standard period and one per component with its own length.

        ``lengths``: ``policy._standard_lengths()``, when the caller has it already.
        """
        self.ensure_one()
        extra = dict(extra, policy_id=policy.id)
        months, swap_days, components = lengths or policy._standard_lengths()
        swap_date_end = (
            start + datetime.timedelta(days=swap_days - 1) if swap_days else False
        )
        return [
            self._prepare_warranty_coverage_vals(
                "standard",
                start,
                period_end(start, months),
                swap_date_end=swap_date_end,
                **extra,
            ),
            *(
                self._prepare_warranty_coverage_vals(
                    "standard",
                    start,
                    period_end(start, component_months),
                    component_id,
                    **extra,
                )
                for component_id, component_months in components
            ),
        ]

    # ---- Upgrade on registration (issue 15) ----

    def _warranty_upgrade_registration(self, policy, registrations):
        """The registration that gives this unit the upgraded terms of ``policy``
        (``registration_upgrade_months`` and the components' ``upgrade_months``),
        or None: the first of ``registrations`` (this unit's) made within the
        registration grace period after its purchase. The upgrade belongs to the
        unit: a later owner who registers it again keeps it; a unit registered
        late, or never, keeps the standard terms. Called by
        ``_warranty_standard_vals``; may be overridden (e.g. to require the
        device to be online)."""
        self.ensure_one()
        on_time = [
            registration
            for registration in registrations
            if (registration.date - registration.purchase_date).days
            <= policy.registration_grace_days
        ]
        return min(on_time, key=lambda r: (r.date, r.id), default=None)

    def _warranty_upgrade_vals(
        self, policy, start, registration, extra, lengths, upgrade_lengths
    ):
        """Upgrade periods of this unit given by ``registration``: one for the
        whole unit and one per component with an upgrade of its own, each right
        after the standard period of the same scope (which starts on ``start``),
        with the registration as their origin. ``lengths``:
        ``policy._standard_lengths()``; ``upgrade_lengths``:
        ``policy._upgrade_lengths()``. Built by ``_prepare_warranty_coverage_vals``
        like every period; called by ``_warranty_standard_vals``."""
        self.ensure_one()
        months = lengths[0]
        unit_upgrade, components = upgrade_lengths
        extra = dict(
            extra,
            origin="registration",
            registration_id=registration.id,
            partner_id=registration.partner_id.id,
            policy_id=policy.id,
        )
        scopes = [(False, months, unit_upgrade)] if unit_upgrade else []
        scopes += components
        return [
            self._prepare_warranty_coverage_vals(
                "upgrade",
                period_end(start, standard_months) + DAY,
                period_end(start, standard_months + upgrade_months),
                component_id,
                **extra,
            )
            for component_id, standard_months, upgrade_months in scopes
        ]

    def _warranty_recompute_standard(self):
        """Rebuild the standard coverage of these units from their delivery and
        registration (after a delivery, a registration, an invoice)."""
        lots = self.exists()
        if not lots:
            return
        vals_list, parties = lots._warranty_standard_vals()
        # sudo: coverage follows from a delivery, invoice or registration the
        # caller was allowed to make; stock and sales users have no rights on it.
        Coverage = self.env["rma.warranty.coverage"].sudo()
        Coverage.search(
            [
                ("lot_id", "in", lots.ids),
                ("kind", "in", TERMS_KINDS),
                ("origin", "in", ("delivery", "registration")),
            ]
        ).unlink()
        Coverage.create(vals_list)
        lots._warranty_rechain()
        by_parties = defaultdict(list)
        for lot in lots:
            sold_to, owner = parties[lot.id]
            if (lot.warranty_sold_to_id.id, lot.warranty_owner_id.id) != (
                sold_to or False,
                owner or False,
            ):
                by_parties[sold_to, owner].append(lot.id)
        for (sold_to, owner), lot_ids in by_parties.items():
            # sudo: see above; the owner follows the delivery or registration.
            self.browse(lot_ids).sudo()._write_decision(
                {"warranty_sold_to_id": sold_to, "warranty_owner_id": owner}
            )

    @api.model
    def _warranty_backfill(self, batch_size=20000, sql_batch_size=250000):
        """Standard coverage for every serial already delivered and not covered.

        Run at install on databases with history (post_init_hook). Serials the
        database can date alone (no registration, the methods below not
        overridden: ``_warranty_backfill_split``) are covered by one set-based
        statement per ``sql_batch_size`` serials (``_warranty_backfill_sql``),
        the others through ``_warranty_standard_vals`` in batches of
        ``batch_size``, their periods written with one COPY per batch
        (``rma.warranty.coverage._backfill_copy_rows``, its only caller). Both
        give the same periods and owners
        (``TestAdoptionBackfill.test_sql_backfill_equals_orm_path``).
        Returns the number of serials covered.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT sml.lot_id
              FROM stock_move_line sml
              JOIN stock_location dest ON dest.id = sml.location_dest_id
             WHERE sml.lot_id IS NOT NULL
               AND sml.state = 'done'
               AND dest.usage = 'customer'
               AND NOT EXISTS (
                   SELECT 1 FROM rma_warranty_coverage cov
                    WHERE cov.lot_id = sml.lot_id AND cov.kind = 'standard')
          ORDER BY sml.lot_id
                """
            )
        )
        lot_ids = [row[0] for row in self.env.cr.fetchall()]
        sql_ids, orm_ids = self._warranty_backfill_split(lot_ids)
        zones = self._warranty_backfill_zones() if sql_ids else None
        covered = 0
        with contextlib.ExitStack() as bulk:
            if len(sql_ids) >= self._WARRANTY_BACKFILL_BULK:
                # Millions of rows: their foreign keys checked once, not per row.
                bulk.enter_context(
                    foreign_keys_deferred(self.env.cr, "rma_warranty_coverage")
                )
                bulk.enter_context(
                    foreign_keys_deferred(
                        self.env.cr,
                        self._table,
                        ("warranty_sold_to_id", "warranty_owner_id"),
                    )
                )
            for batch_ids in split_every(sql_batch_size, sql_ids):
                covered += self._warranty_backfill_sql(batch_ids, zones)
                _logger.info(
                    "rma_warranty backfill: %s of %s serials", covered, len(lot_ids)
                )
        Coverage = self.env["rma.warranty.coverage"]
        for batch_ids in split_every(batch_size, orm_ids):
            lots = self.browse(batch_ids)
            vals_list, parties = lots._warranty_standard_vals()
            Coverage._backfill_copy_rows(vals_list)
            self._warranty_write_parties(parties)
            covered += len({vals["lot_id"] for vals in vals_list})
            self.env.invalidate_all()
        return covered

    # From this many serials on, the backfill defers the foreign keys of what it
    # writes (rma_warranty.bulk.foreign_keys_deferred).
    _WARRANTY_BACKFILL_BULK = 50000

    # What the set-based backfill computes in the database instead of calling
    # them: when another module overrides one, its serials go through them.
    _WARRANTY_BACKFILL_SQL_MIRRORS = (
        "_warranty_standard_vals",
        "_warranty_last_deliveries",
        "_warranty_start",
        "_warranty_period_vals",
        "_prepare_warranty_coverage_vals",
    )

    @api.model
    def _warranty_backfill_split(self, lot_ids):
        """(ids for ``_warranty_backfill_sql``, ids for the ORM path) of ``lot_ids``.

        The database dates a serial as ``_warranty_standard_vals`` does when it
        has no registration (none at install: the model is new), when none of
        ``_WARRANTY_BACKFILL_SQL_MIRRORS`` is overridden and when PostgreSQL
        knows every time zone of our customers that pytz knows. Otherwise the
        ORM path, which is the definition, does the work.
        """
        if not lot_ids:
            return [], []
        cls = type(self)
        overridden = [
            name
            for name in self._WARRANTY_BACKFILL_SQL_MIRRORS
            if getattr(cls, name) is not getattr(StockLot, name)
        ]
        zones = self._warranty_backfill_zones()
        if overridden or zones is None:
            _logger.info(
                "rma_warranty backfill through the ORM: %s",
                overridden or "a time zone PostgreSQL does not know",
            )
            return [], list(lot_ids)
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT reg.lot_id
              FROM rma_warranty_registration reg
              JOIN unnest(%s::int[]) AS c(id) ON c.id = reg.lot_id
                """,
                list(lot_ids),
            )
        )
        registered = {row[0] for row in self.env.cr.fetchall()}
        return (
            [lot_id for lot_id in lot_ids if lot_id not in registered],
            [lot_id for lot_id in lot_ids if lot_id in registered],
        )

    @api.model
    def _warranty_backfill_zones(self):
        """{time zone of a partner: the zone ``local_date`` dates it in} for the
        database to date deliveries as ``local_date`` does (an unknown zone:
        UTC); None when PostgreSQL lacks a zone pytz knows."""
        self.env.cr.execute(
            "SELECT DISTINCT tz FROM res_partner WHERE tz IS NOT NULL AND tz != ''"
        )
        zones = {}
        for (name,) in self.env.cr.fetchall():
            try:
                zones[name] = pytz.timezone(name).zone
            except pytz.UnknownTimeZoneError:
                zones[name] = "UTC"
        self.env.cr.execute(
            "SELECT name FROM pg_timezone_names WHERE name = ANY(%s)",
            [list(set(zones.values()) | {"UTC"})],
        )
        known = {row[0] for row in self.env.cr.fetchall()}
        if set(zones.values()) - known:
            return None
        return zones

    @api.model
    def _warranty_backfill_sql(self, lot_ids, zones=None):
        """Standard periods and owners of the serials ``lot_ids`` (none
        registered), computed and written by one statement: what
        ``_warranty_standard_vals`` builds and ``_warranty_backfill`` writes,
        without a row going through Python. The policies and their lengths
        come from the ORM (``product.product._get_warranty_policies``,
        ``rma.warranty.policy._standard_lengths``), once per product; the time
        zones from ``zones`` (``_warranty_backfill_zones``, read when not given).
        Called by ``_warranty_backfill`` only, on the serials
        ``_warranty_backfill_split`` gives it. Returns the number of serials
        covered.
        """
        if not lot_ids:
            return 0
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT lot.product_id
              FROM stock_lot lot JOIN unnest(%s::int[]) AS c(id) ON c.id = lot.id
                """,
                list(lot_ids),
            )
        )
        products = self.env["product.product"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )
        by_product, components, lengths = [], [], {}
        for product, policy in products._get_warranty_policies().items():
            if policy not in lengths:
                lengths[policy] = policy._standard_lengths()
                months, swap_days, policy_components = lengths[policy]
                components += [
                    (policy.id, seq, component_id, component_months)
                    for seq, (component_id, component_months) in enumerate(
                        policy_components, start=1
                    )
                ]
            months, swap_days, _components = lengths[policy]
            by_product.append(
                (product.id, policy.id, months, swap_days, policy.start_basis)
            )
        if zones is None:
            zones = self._warranty_backfill_zones()
        if zones is None:
            raise ValueError("PostgreSQL lacks a time zone of the customers")

        def column(rows, index):
            return [row[index] for row in rows]

        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                self._WARRANTY_BACKFILL_SQL,
                lot_ids=list(lot_ids),
                company=self.env.company.id,
                p_product=column(by_product, 0),
                p_policy=column(by_product, 1),
                p_months=column(by_product, 2),
                p_swap=column(by_product, 3),
                p_basis=column(by_product, 4),
                c_policy=column(components, 0),
                c_seq=column(components, 1),
                c_component=column(components, 2),
                c_months=column(components, 3),
                tz_name=list(zones),
                tz_zone=list(zones.values()),
                uid=self.env.uid,
                now=now,
            )
        )
        covered = self.env.cr.fetchone()[0]
        self.env.invalidate_all()
        return covered

    # The one statement of _warranty_backfill_sql: the newest delivery of each
    # serial as _warranty_last_deliveries finds it, its start as _warranty_start
    # dates it (no registration), one period for the unit and one per component
    # as _warranty_period_vals builds them (period_end: a missing anniversary
    # falls on the 1st of the next month, PostgreSQL clamps like relativedelta),
    # and the owners _warranty_write_parties writes (rows that change only).
    _WARRANTY_BACKFILL_SQL = (
        """
        WITH lot AS MATERIALIZED (
            SELECT lot.id, lot.product_id,
                   COALESCE(lot.company_id, %(company)s) AS company_id
              FROM unnest(%(lot_ids)s::int[]) AS c(id)
              JOIN stock_lot lot ON lot.id = c.id
        ), delivery AS MATERIALIZED (
            -- Every later step starts from this one (never joins it again to a
            -- large set): the planner cannot count its rows, and a nested loop over
            -- it would be quadratic.
            SELECT DISTINCT ON (sml.lot_id)
                   sml.lot_id, lot.product_id, lot.company_id, sml.move_id, sml.date,
                   sm.sale_line_id, partner.commercial_partner_id AS partner_id,
                   COALESCE(NULLIF(partner.tz, ''), NULLIF(company_partner.tz, ''))
                       AS tz
              FROM lot
              JOIN stock_move_line sml ON sml.lot_id = lot.id
"""
        + _WARRANTY_DELIVERY_JOINS
        + """
             WHERE """
        + _WARRANTY_DELIVERY_WHERE
        + """
          ORDER BY sml.lot_id, sml.date DESC, sml.id DESC
        ), policy AS (
            SELECT *
              FROM unnest(%(p_product)s::int[], %(p_policy)s::int[],
                          %(p_months)s::int[], %(p_swap)s::int[],
                          %(p_basis)s::varchar[])
                   AS p(product_id, policy_id, months, swap_days, start_basis)
        ), scope AS (
            SELECT DISTINCT policy_id, 0 AS seq, NULL::int AS component_id, months,
                   swap_days
              FROM policy
            UNION ALL
            SELECT policy_id, seq, component_id, months, 0
              FROM unnest(%(c_policy)s::int[], %(c_seq)s::int[],
                          %(c_component)s::int[], %(c_months)s::int[])
                   AS c(policy_id, seq, component_id, months)
        ), zone AS (
            SELECT *
              FROM unnest(%(tz_name)s::varchar[], %(tz_zone)s::varchar[])
                   AS z(name, zone)
        ), start AS MATERIALIZED (
            SELECT d.lot_id, d.product_id, d.company_id, d.move_id, d.partner_id,
                   policy.policy_id,
                   COALESCE(
                       CASE WHEN policy.start_basis = 'invoice' THEN (
                           SELECT MIN(am.invoice_date)
                             FROM sale_order_line_invoice_rel rel
                             JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                             JOIN account_move am ON am.id = aml.move_id
                            WHERE rel.order_line_id = d.sale_line_id
                              AND am.state = 'posted'
                              AND am.move_type = 'out_invoice')
                       END,
                       timezone(COALESCE(zone.zone, 'UTC'),
                                timezone('UTC', d.date))::date
                   ) AS date_start
              FROM delivery d
              JOIN policy ON policy.product_id = d.product_id
              LEFT JOIN zone ON zone.name = d.tz
        ), period AS (
            SELECT start.*, scope.seq, scope.component_id, scope.swap_days,
                   (start.date_start + make_interval(months => scope.months))::date
                       AS anniversary
              FROM start JOIN scope ON scope.policy_id = start.policy_id
        ), inserted AS (
            INSERT INTO rma_warranty_coverage
                   (lot_id, product_id, company_id, component_id, policy_id, kind,
                    origin, date_start, date_end, swap_date_end, partner_id, move_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT lot_id, product_id, company_id, component_id, policy_id,
                   'standard', 'delivery', date_start,
                   CASE WHEN extract(day FROM anniversary)
                             != extract(day FROM date_start)
                        THEN anniversary ELSE anniversary - 1 END,
                   CASE WHEN component_id IS NULL AND swap_days > 0
                        THEN date_start + swap_days - 1 END,
                   partner_id, move_id, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM period
          ORDER BY lot_id, seq
            RETURNING lot_id
        ), parties AS (
            UPDATE stock_lot target
               SET warranty_sold_to_id = d.partner_id,
                   warranty_owner_id = d.partner_id
              FROM delivery d
             WHERE target.id = d.lot_id
               AND (target.warranty_sold_to_id IS DISTINCT FROM d.partner_id
                    OR target.warranty_owner_id IS DISTINCT FROM d.partner_id)
        ), undelivered AS (
            -- Shipped to a customer, but not by a delivery of ours: nobody's.
            UPDATE stock_lot target
               SET warranty_sold_to_id = NULL, warranty_owner_id = NULL
              FROM lot
             WHERE target.id = lot.id
               AND lot.id NOT IN (SELECT lot_id FROM delivery)
               AND (target.warranty_sold_to_id IS NOT NULL
                    OR target.warranty_owner_id IS NOT NULL)
        )
        SELECT count(DISTINCT lot_id) FROM inserted
    """
    )

    @api.model
    def _warranty_write_parties(self, parties):
        rows = [
            SQL("(%s, %s::int, %s::int)", lot_id, sold_to or None, owner or None)
            for lot_id, (sold_to, owner) in parties.items()
        ]
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_lot lot
               SET warranty_sold_to_id = v.sold_to, warranty_owner_id = v.owner
              FROM (VALUES %s) AS v(id, sold_to, owner)
             WHERE lot.id = v.id
                """,
                SQL(", ").join(rows),
            )
        )

    # ---- Extensions -----------------------------------------------------------------

    def _warranty_lock(self):
        """Lock the unit before extending its coverage: two extensions (codes,
        sales) given at the same time would both start after its current coverage
        and could together pass the policy's limit.

        The row is also touched, so that a transaction which started before this
        one commits cannot lock it afterwards from its outdated snapshot.
        """
        self.ensure_one()
        lock_rows_nowait(
            self,
            lambda: self.env._(
                "Serial number %(lot)s is being updated by someone else right "
                "now. Try again in a moment.",
                lot=self.name,
            ),
        )
        self.env.cr.execute(
            SQL(
                "UPDATE stock_lot SET write_date = %s, write_uid = %s WHERE id = %s",
                fields.Datetime.now(),
                self.env.uid,
                self.id,
            )
        )
        self.invalidate_recordset(["write_date", "write_uid"])

    def _warranty_extension_vals(self, months, on_date=None, extra=None, chained=None):
        """A period extending the whole unit by ``months``, right after its current
        coverage (or from ``on_date`` if that has ended), within the policy's limit.
        Raises a UserError saying why the unit cannot be extended.

        A period that starts where the coverage chain of the standard period ends
        is chained (``chain_months``): it moves with the standard period when that
        is re-dated (see ``_warranty_rechain``). ``chained``: the caller knows
        (an extension following another one not written yet).
        """
        self.ensure_one()
        self._warranty_lock()
        on_date = on_date or self._warranty_today()[self]
        window = self._warranty_extension_window(on_date)
        start, limit = window["start"], window["limit"]
        end = period_end(start, months)
        if end > limit:
            raise UserError(
                self.env._(
                    "Serial number %(lot)s cannot be covered beyond %(limit)s "
                    "(%(max)s months in all): %(months)s more months would take it "
                    "to %(end)s.",
                    lot=self.name,
                    limit=limit,
                    max=window["policy"].max_total_months,
                    months=months,
                    end=end,
                )
            )
        if chained is None:
            chained = start == self._warranty_chain_end(window["standard"]) + DAY
        return self._prepare_warranty_coverage_vals(
            "extended",
            start,
            end,
            **dict(
                extra or {},
                policy_id=window["policy"].id,
                chain_months=months if chained else 0,
                partner_id=self.warranty_owner_id.id,
            ),
        )

    def _warranty_extension_window(self, on_date):
        """Where an extension of this unit would start and how far it may go:
        ``{"start", "limit", "policy", "standard"}``, the first day after its
        current coverage on ``on_date`` (or ``on_date`` once that has ended), the
        last day the policy lets it be covered, the policy and the unit's standard
        period. Raises a UserError saying why the unit cannot be extended at all.

        Reads only, takes no lock: invoked by ``_warranty_extension_vals`` (which
        locks the unit first) and by the portal's offers
        (``_warranty_extension_offers``), which must stay read-only.
        """
        self.ensure_one()
        standard, policy = self._warranty_extension_basis()
        answer = self._get_warranty_entitlement(on_date=on_date)[self]
        return {
            "start": (
                answer.date_end + datetime.timedelta(days=1)
                if answer.date_end
                else on_date
            ),
            "limit": period_end(standard.date_start, policy.max_total_months),
            "policy": policy,
            "standard": standard,
        }

    def _warranty_extension_basis(self):
        """``(standard period, policy)`` an extension of this unit is measured
        from: its standard period of the whole unit and the policy that sets the
        limit. Raises a UserError saying why the unit cannot be extended at all
        (voided, never delivered nor registered, a policy with no limit). Reads
        only: called by ``_warranty_extension_window``."""
        self.ensure_one()
        standard = self.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        )[:1]
        void = self.env["rma.warranty.void"]._void_for_lot(self)
        if void:
            raise UserError(
                self.env._(
                    "The warranty of serial number %(lot)s was voided on %(date)s "
                    "(%(reason)s): it cannot be extended.",
                    lot=self.name,
                    date=format_date(self.env, void.date),
                    reason=void.reason,
                )
            )
        if not standard:
            raise UserError(
                self.env._(
                    "Serial number %(lot)s has no standard warranty to extend: it was "
                    "not delivered by us and is not registered.",
                    lot=self.name,
                )
            )
        policy = standard.policy_id or self.product_id._get_warranty_policies().get(
            self.product_id
        )
        if not policy or not policy.max_total_months:
            raise UserError(
                self.env._(
                    "The warranty of %(product)s cannot be extended.",
                    product=self.product_id.display_name,
                )
            )
        return standard, policy

    def _warranty_chain_end(self, standard):
        """Last day of the coverage that runs on, without a gap, from the unit's
        ``standard`` period through its other whole-unit periods."""
        self.ensure_one()
        end = standard.date_end
        others = self.warranty_coverage_ids.filtered(
            lambda p: not p.component_id and p != standard
        )
        for period in others.sorted(lambda p: (p.date_start, p.id)):
            if period.date_start <= end + DAY:
                end = max(end, period.date_end)
        return end

    def _warranty_rechain(self):
        """Move the chained periods (extensions) of these units back to right after
        their standard coverage, in their order, each keeping its length: the
        standard period was re-dated (a registration, an invoice). Dated periods
        (post-repair, goodwill) stay where they are. Returns the moved periods."""
        # sudo: called by _warranty_recompute_standard after a delivery, invoice or
        # registration the caller was allowed to make; stock, sales and accounting
        # users have no rights on coverage. One query when nothing is chained.
        chained_sudo = (
            self.env["rma.warranty.coverage"]
            .sudo()  # sudo: see the comment above
            .search([("lot_id", "in", self.ids), ("chain_months", ">", 0)])
        )
        moved = self.env["rma.warranty.coverage"]
        kinds = dict(moved._fields["kind"]._description_selection(self.env))
        bodies = {}
        for lot in chained_sudo.lot_id:
            periods = lot.warranty_coverage_ids.filtered(lambda p: not p.component_id)
            standard = periods.filtered(lambda p: p.kind == "standard")[:1]
            chained = periods.filtered("chain_months").sorted(
                lambda p: (p.date_start, p.id)
            )
            if not standard or not chained:
                continue
            fixed = (periods - chained - standard).sorted(
                lambda p: (p.date_start, p.id)
            )
            end, lines = standard.date_end, []
            for period in chained:
                for other in fixed:
                    if other.date_start <= end + DAY:
                        end = max(end, other.date_end)
                start = end + DAY
                end = period_end(start, period.chain_months)
                if (period.date_start, period.date_end) != (start, end):
                    period.write({"date_start": start, "date_end": end})
                    moved |= period
                    lines.append(
                        self.env._(
                            "%(kind)s coverage moved to %(start)s - %(end)s to follow "
                            "the standard warranty, which now ends on %(standard)s.",
                            kind=kinds[period.kind],
                            start=format_date(self.env, start),
                            end=format_date(self.env, end),
                            standard=format_date(self.env, standard.date_end),
                        )
                    )
            if lines:
                bodies[lot.id] = Markup("<br/>").join(lines)
        if bodies:
            # The serial's chatter keeps what moved (as the system, see above).
            chained_sudo.lot_id._message_log_batch(bodies=bodies)
        return moved.with_env(self.env)

    # ---- Actions --------------------------------------------------------------------

    def action_warranty_recompute(self):
        # The recomputation writes coverage as superuser: only those who may edit
        # coverage themselves (RMA managers) may ask for it.
        self.env["rma.warranty.coverage"].check_access("create")
        self._warranty_recompute_standard()
        return True

    def action_view_rma(self):
        """The RMAs this serial number came back on."""
        self.ensure_one()
        return self.env["rma.order"]._action_view_records(
            self.rma_line_ids.order_id, create=True
        )

    def action_warranty_register(self):
        """Open a new registration of this serial, for its current owner."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Register %(lot)s", lot=self.name),
            "res_model": "rma.warranty.registration",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_lot_id": self.id,
                "default_partner_id": self.warranty_owner_id.id,
            },
        }

    # ---- Portal ---------------------------------------------------------------------
    #
    # Portal users get no access rights on serials, coverage or registrations, and
    # no record rules: stock.lot is Odoo's model, whose fields (notes, locations,
    # quants, orders), chatter (codes redeemed, registrations) and relations
    # (coverage names its code, its delivery, its registration) are not a
    # customer's to read over RPC, and rights given to the portal group would add
    # up with those other addons give it (mrp_subcontracting). The portal finds a
    # user's units here instead, in sudo, limited by the explicit owner and
    # sold-to fields below, and its templates get a whitelist of values
    # (_portal_unit_values), never the records.

    @api.model
    def _portal_units_domain(self):
        """Units the current user may see in the portal: owned by their commercial
        entity or, for a distributor (``res.partner._rma_is_distributor``), sold
        to it; of the user's companies. Anybody else who sold on a unit we sold
        it sees it no more."""
        user = self.env.user
        partner = user.partner_id.commercial_partner_id
        owned = [("warranty_owner_id.commercial_partner_id", "=", partner.id)]
        if partner._rma_is_distributor():
            owned = expression.OR(
                [
                    owned,
                    [("warranty_sold_to_id.commercial_partner_id", "=", partner.id)],
                ]
            )
        return expression.AND(
            [[("company_id", "in", [False, *user.company_ids.ids])], owned]
        )

    @api.model
    def _portal_units_search(self, domain=None, order=None, limit=None, offset=0):
        """The current user's units (in sudo) matching ``domain``, a domain the
        portal built from its whitelisted search inputs."""
        # sudo: portal users have no rights on serials (see above); the domain
        # limits the search to the user's own units.
        return self.sudo().search(
            expression.AND([self._portal_units_domain(), domain or []]),
            order=order or "name, id",
            limit=limit,
            offset=offset,
        )

    @api.model
    def _portal_units_count(self, domain=None):
        # sudo: as in _portal_units_search, limited to the user's own units.
        return self.sudo().search_count(
            expression.AND([self._portal_units_domain(), domain or []])
        )

    @api.model
    def _portal_unit_get(self, lot_id):
        """The unit ``lot_id`` in sudo if the current user may see it in the
        portal, else an empty recordset (unknown and foreign ids alike)."""
        # Ids out of PostgreSQL's integer range would fail the query itself.
        if not isinstance(lot_id, int) or not 0 < lot_id < 2**31:
            # sudo: an empty recordset, as _portal_units_search returns them.
            return self.sudo().browse()
        return self._portal_units_search([("id", "=", lot_id)], limit=1)

    def _portal_is_owner(self):
        """Whether the current user's commercial entity owns this unit (sudo
        record found by _portal_unit_get): owners get the certificate."""
        self.ensure_one()
        partner = self.env.user.partner_id.commercial_partner_id
        return self.warranty_owner_id.commercial_partner_id == partner

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Warranty Certificate - %(lot)s", lot=self.name)

    def _portal_unit_values(self, detail=False):
        """What the portal shows of these units (sudo records found by
        _portal_units_search): [{...}] in their order, batch-computed.

        ``detail``: also the coverage of each component today, every period and
        the registrations. Names of other parties are left out: a registration
        by someone else than the user's entity (a previous owner) shows no name.
        """
        partner = self.env.user.partner_id.commercial_partner_id
        entitlements = dict(
            self._fields["warranty_kind"]._description_selection(self.env)
        )
        details = self._portal_unit_details(partner, entitlements) if detail else {}
        values = []
        for lot in self:
            unit = {
                "id": lot.id,
                "serial": lot.name,
                "product": lot.product_id.display_name,
                "owner": lot.warranty_owner_id.display_name or "",
                "is_owner": lot.warranty_owner_id.commercial_partner_id == partner,
                "kind": lot.warranty_kind or "none",
                "kind_label": entitlements.get(lot.warranty_kind or "none", ""),
                "date_end": lot.warranty_date_end,
                "url": f"/my/units/{lot.id}",
            }
            if detail:
                unit.update(details[lot])
            values.append(unit)
        return values

    def _portal_unit_details(self, partner, entitlements):
        """The detail of ``_portal_unit_values`` (``detail=True``), batch-computed:
        {lot: {"components", "periods", "registrations"}}, the coverage of each
        component today, every period and the registrations, the name of their
        owner only when it is ``partner`` (the user's commercial entity).
        ``entitlements``: the labels of the entitlement keys."""
        today = self._warranty_today()
        keys = []
        for lot in self:
            components = lot.warranty_coverage_ids.component_id
            keys += [(lot, today[lot], c) for c in components.sorted("name")]
        component_answers = self.env["rma.warranty.coverage"]._get_entitlements(keys)
        kinds = dict(
            self.env["rma.warranty.coverage"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        return {
            lot: {
                "components": [
                    {
                        "component": component.name,
                        "kind": answer.kind,
                        "kind_label": entitlements.get(answer.kind, ""),
                        "date_end": answer.date_end,
                    }
                    for (key_lot, _day, component), answer in component_answers.items()
                    if key_lot == lot
                ],
                "periods": [
                    {
                        "kind_label": kinds.get(period.kind, ""),
                        "component": period.component_id.name or "",
                        "date_start": period.date_start,
                        "date_end": period.date_end,
                        "state": period.state,
                    }
                    for period in lot.warranty_coverage_ids.sorted(
                        lambda p: (p.date_start, p.id)
                    )
                ],
                "registrations": [
                    {
                        "date": registration.date,
                        "purchase_date": registration.purchase_date,
                        "owner": (
                            registration.partner_id.display_name
                            if registration.partner_id.commercial_partner_id == partner
                            else ""
                        ),
                    }
                    for registration in lot.warranty_registration_ids
                ],
            }
            for lot in self
        }

    # ---- Portal: extensions ---------------------------------------------------------

    def _warranty_extension_offers(self, on_date=None):
        """The extension products (``product.product``) that may extend this unit
        on ``on_date`` (default: its customer's today), by months then id.

        The rules the confirmation of a sale enforces
        (``sale.order.line._get_warranty_extension_errors`` and
        ``_warranty_extension_vals``): an extension of the unit's company (or of
        none) that applies to its product, a unit whose warranty can be extended
        (delivered or registered, not voided, under a policy with a limit), and
        months that fit within that limit after its current coverage. Whose unit
        it is the caller checks (the portal finds it with ``_portal_unit_get``).
        Reads only, whatever the number of offers in a fixed number of queries.
        """
        self.ensure_one()
        Product = self.env["product.product"]
        try:
            window = self._warranty_extension_window(
                on_date or self._warranty_today()[self]
            )
        except UserError:
            return Product
        products = Product.search(
            [
                ("is_warranty_extension", "=", True),
                ("sale_ok", "=", True),
                (
                    "company_id",
                    "in",
                    [False, self.company_id.id or self.env.company.id],
                ),
            ]
        )
        offers = Product
        for template, variants in products.grouped("product_tmpl_id").items():
            if template._get_warranty_extension_eligible(self.product_id):
                offers |= variants
        return offers.filtered(
            lambda p: (
                period_end(window["start"], p.warranty_extension_months)
                <= window["limit"]
            )
        ).sorted(lambda p: (p.warranty_extension_months, p.id))

    def _portal_extension_pricelist(self):
        """The pricelist the current portal user's commercial entity buys an
        extension of this unit with: its own in the unit's company, as a sale
        order of the unit's company would take it."""
        self.ensure_one()
        partner = self.env.user.partner_id.commercial_partner_id
        company = self.company_id or self.env.company
        return partner.with_company(company).property_product_pricelist

    def _portal_extension_offers(self):
        """What the unit page offers (sudo record found by ``_portal_unit_get``):
        ``[{"id", "name", "description", "months", "duration", "price"}]`` for
        the offers of ``_warranty_extension_offers``, priced by the customer's
        pricelist (Odoo's pricing, the price of the quotation's line) and
        formatted with its currency."""
        self.ensure_one()
        offers = self._warranty_extension_offers()
        if not offers:
            return []
        pricelist = self._portal_extension_pricelist()
        company = self.company_id or self.env.company
        currency = pricelist.currency_id or company.currency_id
        prices = pricelist._get_products_price(offers, 1.0, currency=currency)
        return [
            {
                "id": offer.id,
                "name": offer.name,
                "description": offer.description_sale or "",
                "months": offer.warranty_extension_months,
                "duration": (
                    self.env._("One more month")
                    if offer.warranty_extension_months == 1
                    else self.env._(
                        "%(months)s more months",
                        months=offer.warranty_extension_months,
                    )
                ),
                "price": format_amount(self.env, prices[offer.id], currency),
            }
            for offer in offers
        ]

    def _portal_order_extension(self, product_id):
        """Order the extension ``product_id`` (the id the portal's form posted) of
        this unit for the current portal user's commercial entity: the one method
        of the unit page's Buy button. ``self`` is a unit found by
        ``_portal_unit_get`` (the access check), in sudo.

        Returns the quotation to sign and pay in Sale's portal (in sudo): the open
        one of this unit and extension if there is one, else a new one from
        ``_prepare_portal_extension_order_vals``. Paying it confirms it, and
        the confirmation gives the coverage (``sale.order._action_confirm``).
        The unit is locked first, without waiting, so that a double click or a
        second worker gets one quotation. Every call counts against the user's
        limit (PORTAL_EXTENSION_LIMIT), refused ones too; raises
        RmaTooManyRequests over it, a UserError for any other refusal, leaving
        no record behind.
        """
        self.ensure_one()
        limit, window = PORTAL_EXTENSION_LIMIT
        if not self.env["rma.rate.limit"]._hit(
            "extension_quote_user", self.env.uid, limit, window
        ):
            raise RmaTooManyRequests(
                self.env._(
                    "You asked for many extension quotations in a short time: wait "
                    "an hour and try again, or contact us."
                )
            )
        self._warranty_lock()
        offer = self._warranty_extension_offers().filtered(lambda p: p.id == product_id)
        if not offer:
            raise UserError(
                self.env._(
                    "This extension is not offered for serial number %(lot)s: choose "
                    "one of those listed on its page.",
                    lot=self.name,
                )
            )
        partner = self.env.user.partner_id.commercial_partner_id
        order_sudo = self._portal_extension_open_quotation(offer, partner)
        if order_sudo:
            return order_sudo
        company = self.company_id or self.env.company
        with self.env.cr.savepoint():
            # sudo: the unit is the user's (checked by the caller) and the offer
            # is one of its own; portal users may not create sale orders.
            order_sudo = (
                self.env["sale.order"]
                .with_company(company)
                .sudo()  # sudo: see the comment above
                .create(self._prepare_portal_extension_order_vals(offer, partner))
            )
            order_sudo.action_quotation_sent()
        return order_sudo

    def _portal_extension_open_quotation(self, product, partner):
        """The newest quotation of ``partner`` (a commercial entity) still to be
        accepted that extends this unit with ``product``, in sudo, or none."""
        self.ensure_one()
        # sudo: invoked by _portal_order_extension once the unit is the user's.
        lines_sudo = (
            self.env["sale.order.line"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    ("warranty_lot_id", "=", self.id),
                    ("product_id", "=", product.id),
                    ("order_id.state", "in", ("draft", "sent")),
                    ("order_id.partner_id.commercial_partner_id", "=", partner.id),
                ],
                order="id desc",
            )
        )
        return lines_sudo.order_id.filtered(lambda order: not order.is_expired)[:1]

    def _prepare_portal_extension_order_vals(self, product, partner):
        """Values of the quotation of the extension ``product`` of this unit for
        ``partner`` (a commercial entity): one line bound to the serial, priced by
        the pricelist the unit page showed, to be signed and paid in full online.
        Invoked by ``_portal_order_extension``; override to add to it."""
        self.ensure_one()
        pricelist = self._portal_extension_pricelist()
        return {
            "partner_id": partner.id,
            "company_id": (self.company_id or self.env.company).id,
            "pricelist_id": pricelist.id,
            "require_signature": True,
            "require_payment": True,
            "prepayment_percent": 1.0,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": 1.0,
                        "warranty_lot_id": self.id,
                    }
                )
            ],
        }

    # ---- Spare parts (issue 15) -----------------------------------------------------

    def _portal_spare_parts_available(self):
        """The rows of the spare-parts list of this unit's product
        (``rma.spare.part``, in sudo) its owner may order from the portal: sold
        in the portal, of a saleable part of the unit's company or of none. In
        the list's order. ``self`` is a unit found by ``_portal_unit_get``."""
        self.ensure_one()
        company = self.company_id or self.env.company
        # sudo: the caller found the unit with _portal_unit_get (the access check);
        # portal users have no rights on the list or the products.
        return (
            self.env["rma.spare.part"]
            .sudo()  # sudo: see the comment above
            .search(
                expression.AND(
                    [
                        self.env["rma.spare.part"]._get_parts_domain(
                            self.product_id.product_tmpl_id, company
                        ),
                        [
                            ("portal_published", "=", True),
                            ("part_product_id.sale_ok", "=", True),
                        ],
                    ]
                )
            )
        )

    def _portal_spare_parts(self):
        """What the unit page shows of its spare parts (sudo record found by
        ``_portal_unit_get``): ``[{"id", "name", "component", "qty_max",
        "price"}]``, priced by the customer's pricelist as the quotation's lines
        will be. A fixed number of queries whatever the number of parts."""
        self.ensure_one()
        rows = self._portal_spare_parts_available()
        if not rows:
            return []
        pricelist = self._portal_extension_pricelist()
        company = self.company_id or self.env.company
        currency = pricelist.currency_id or company.currency_id
        prices = pricelist._get_products_price(
            rows.part_product_id, 1.0, currency=currency
        )
        return [
            {
                "id": row.id,
                "name": row.part_product_id.display_name,
                "component": row.component_id.name or "",
                "qty_max": self._portal_spare_part_max_qty(row),
                "price": format_amount(
                    self.env, prices[row.part_product_id.id], currency
                ),
            }
            for row in rows
        ]

    def _portal_spare_part_max_qty(self, row):
        """The most of spare part ``row`` one quotation orders for this unit: the
        quantity one unit holds, at least one, at most
        PORTAL_SPARE_PARTS_MAX_QTY."""
        return max(1, min(int(row.qty_per_unit), PORTAL_SPARE_PARTS_MAX_QTY))

    def _portal_order_spare_parts(self, quantities):
        """Order spare parts of this unit for the current portal user's commercial
        entity: the one method of the unit page's Order parts button. ``self`` is
        a unit found by ``_portal_unit_get`` (the access check), in sudo;
        ``quantities``: {rma.spare.part id: quantity} as the portal's form posted
        them (ids and quantities parsed to integers, None for what was not one).

        Creates a quotation from ``_prepare_portal_spare_parts_order_vals``, sent,
        to sign and pay in Sale's portal, and returns its portal URL. Every call
        counts against the user's limit (PORTAL_SPARE_PARTS_LIMIT), refused ones
        too; raises RmaTooManyRequests over it, a UserError for a part not on the
        unit's list, a wrong quantity or no part at all, leaving no record. The
        unit is locked first, without waiting, so that two workers taking one
        click do not make two quotations at once.
        """
        self.ensure_one()
        limit, window = PORTAL_SPARE_PARTS_LIMIT
        if not self.env["rma.rate.limit"]._hit(
            "spare_parts_quote_user", self.env.uid, limit, window
        ):
            raise RmaTooManyRequests(
                self.env._(
                    "You asked for many spare-parts quotations in a short time: wait "
                    "an hour and try again, or contact us."
                )
            )
        self._warranty_lock()
        rows = self._portal_spare_parts_available()
        by_id = {row.id: row for row in rows}
        ordered = []
        for part_id, quantity in quantities.items():
            row = by_id.get(part_id)
            if row is None:
                raise UserError(
                    self.env._(
                        "This part is not a spare part of serial number %(lot)s: "
                        "choose among those listed on its page.",
                        lot=self.name,
                    )
                )
            qty_max = self._portal_spare_part_max_qty(row)
            if quantity is None or not 0 <= quantity <= qty_max:
                raise UserError(
                    self.env._(
                        "Order between 0 and %(max)s of %(part)s for this unit.",
                        max=qty_max,
                        part=row.part_product_id.display_name,
                    )
                )
            if quantity:
                ordered.append((row, quantity))
        if not ordered:
            raise UserError(
                self.env._("Give the quantity of at least one part to order.")
            )
        partner = self.env.user.partner_id.commercial_partner_id
        company = self.company_id or self.env.company
        with self.env.cr.savepoint():
            # sudo: the unit is the user's (checked by the caller) and every part
            # is on its list; portal users may not create sale orders.
            order_sudo = (
                self.env["sale.order"]
                .with_company(company)
                .sudo()  # sudo: see the comment above
                .create(self._prepare_portal_spare_parts_order_vals(ordered, partner))
            )
            order_sudo.action_quotation_sent()
        return order_sudo.get_portal_url()

    def _prepare_portal_spare_parts_order_vals(self, ordered, partner):
        """Values of the quotation of spare parts of this unit for ``partner`` (a
        commercial entity): ``ordered`` is [(rma.spare.part, quantity)], one line
        each from ``_prepare_portal_spare_part_line_vals``, priced by the
        pricelist the unit page showed, to be signed and paid in full online.
        Invoked by ``_portal_order_spare_parts``; override to add to it."""
        self.ensure_one()
        return {
            "partner_id": partner.id,
            "company_id": (self.company_id or self.env.company).id,
            "pricelist_id": self._portal_extension_pricelist().id,
            "rma_spare_lot_id": self.id,
            "require_signature": True,
            "require_payment": True,
            "prepayment_percent": 1.0,
            "order_line": [
                Command.create(self._prepare_portal_spare_part_line_vals(row, qty))
                for row, qty in ordered
            ],
        }

    def _prepare_portal_spare_part_line_vals(self, row, quantity):
        """Values of the quotation line of ``quantity`` of spare part ``row`` for
        this unit, its description naming the unit's serial number. Invoked by
        ``_prepare_portal_spare_parts_order_vals``; override to add to it."""
        self.ensure_one()
        product = row.part_product_id
        return {
            "product_id": product.id,
            "product_uom_qty": quantity,
            "name": self.env._(
                "%(part)s (spare part for serial number %(lot)s)",
                part=product.display_name,
                lot=self.name,
            ),
        }
