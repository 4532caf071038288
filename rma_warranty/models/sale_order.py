# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq, format_date

from ..locking import lock_rows_nowait


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "rma.decision.mixin"]
    # Only the quoting code links an order to an RMA unit: after-sales staff
    # without sales rights may change such orders, and no other (see
    # sale_order_rule_rma_quotes).
    _rma_decision_fields = frozenset({"rma_line_id", "rma_fee", "rma_swap"})

    rma_order_ids = fields.One2many(
        comodel_name="rma.order", inverse_name="sale_order_id", string="RMAs"
    )
    rma_count = fields.Integer(compute="_compute_rma_count")
    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Repair Quote of",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The RMA unit whose repair this order quotes (or whose refused quote "
        "this order charges a fee for).",
    )
    rma_order_id = fields.Many2one(
        related="rma_line_id.order_id",
        string="RMA",
        help="The RMA of the unit this order quotes (or charges a fee) for.",
    )
    rma_lot_id = fields.Many2one(
        related="rma_line_id.lot_id", string="RMA Serial Number"
    )
    rma_fee = fields.Boolean(string="Refused Quote Fee", readonly=True, copy=False)
    # ---- Spare parts (issue 15) ----
    rma_spare_lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Spare Parts For",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The serial number whose spare parts its customer ordered with this "
        "quotation from the portal.",
    )
    rma_spare_parts_product_id = fields.Many2one(
        related="rma_line_id.product_id",
        string="Repaired Product",
        help="The product of the RMA unit this repair quote is for: its spare "
        "parts come first when choosing the quote's products.",
    )
    rma_swap = fields.Boolean(
        string="Paid Swap Quote",
        readonly=True,
        copy=False,
        help="This order quotes the replacement of its RMA unit (a paid swap): the "
        "replacement ships once it is accepted and paid.",
    )

    def _compute_rma_count(self):
        counts = dict(
            self.env["rma.order"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
        for order in self:
            order.rma_count = counts.get(order, 0)

    # ---- CRUD ------------------------------------------------------------------------

    def _rma_decision_message(self, fname):
        if fname in ("rma_line_id", "rma_fee", "rma_swap"):
            return self.env._(
                "An order is linked to an RMA unit only by Quote Repair on the unit "
                "(or by the fee of a refused quote)."
            )
        return super()._rma_decision_message(fname)

    # ---- Confirmation and cancellation -----------------------------------------------

    def action_confirm(self):
        # Refuse extension lines that cannot extend their serial before anything of
        # the confirmation is written.
        self.filtered(
            lambda order: order.state in ("draft", "sent")
        ).order_line._prepare_warranty_extension_vals()
        expired = self.filtered(
            lambda order: order.rma_line_id and not order.rma_fee and order.is_expired
        )
        if expired:
            raise UserError(
                self.env._(
                    "Repair quote %(quotes)s has expired: it can no longer be "
                    "accepted. Ask for a new quote.",
                    quotes=", ".join(expired.mapped("name")),
                )
            )
        return super().action_confirm()

    def _action_confirm(self):
        """Extension lines extend the warranty of their serial.

        Every confirmation goes through here (a salesperson, a signed quotation, an
        online payment). Sale confirms an order only from a quotation state, and
        lines that already gave their period give none again: the periods are
        given once per confirmation. Two workers confirming one quotation at once
        cannot both succeed: the second one's write of the state fails on
        PostgreSQL's repeatable read (the server retries it, and the retry is
        refused by the state); see TestWarrantyExtensionSaleConcurrency.
        """
        vals_list = self.order_line._prepare_warranty_extension_vals()
        res = super()._action_confirm()
        self.env["sale.order.line"]._create_warranty_extension_periods(vals_list)
        self.filtered(
            lambda order: order.rma_line_id and not order.rma_fee
        )._rma_quote_accepted()
        # Issue 17: an accepted quote hands the ball back to us.
        self.rma_line_id.order_id._rma_sla_sync_pauses()
        return res

    def _action_cancel(self):
        """A cancelled order gives no extension: its periods go (and come back if
        the order is confirmed again)."""
        res = super()._action_cancel()
        self.order_line.filtered(
            "is_warranty_extension"
        )._unlink_warranty_extension_periods()
        # A repair quote cancelled by the customer (declined in the portal) or by
        # staff is a refusal; a revision replaces it with a new one.
        if not self.env.context.get("rma_quote_revision"):
            self.filtered(
                lambda order: order.rma_line_id and not order.rma_fee
            )._rma_quote_refused()
        # Issue 17: a quote declined or replaced is no longer the customer's.
        self.rma_line_id.order_id._rma_sla_sync_pauses()
        return res

    def _rma_send_quote(self):
        """Send the repair quotes to their customers (the quotation email of Sale),
        with a copy to the distributor that filed the RMA (see
        rma.order._rma_mail_copy_partners): a recipient, not a follower, as
        Sale's portal lets the followers of an order read it."""
        template = self.env.ref(
            "sale.email_template_edi_sale", raise_if_not_found=False
        )
        for quote in self.filtered(lambda q: q.partner_id.email):
            if not template:
                continue
            quote_ctx = quote.with_context(mark_so_as_sent=True, proforma=False)
            copies = quote.rma_line_id.order_id._rma_mail_copy_partners()
            if copies:
                quote_ctx._rma_send_quote_with_copies(template, copies)
            else:
                quote_ctx.message_post_with_source(
                    template, subtype_xmlid="mail.mt_comment"
                )
        self.filtered(lambda q: q.state == "draft").write({"state": "sent"})
        self.rma_line_id.order_id._rma_sla_stop("quote", lines=self.rma_line_id)
        # Issue 17: the customer has the ball until they accept (or pay).
        self.rma_line_id.order_id._rma_sla_sync_pauses()

    def _rma_send_quote_with_copies(self, template, copies):
        """Post ``template`` on this quote to its recipients and to ``copies``, as
        ``message_post_with_source`` would (whose recipients given replace the
        template's). The customer follows the quote, as Sale's autofollow makes
        them; the copies do not. Invoked by _rma_send_quote."""
        self.ensure_one()
        self.message_subscribe(partner_ids=self.partner_id.ids)
        composer = (
            self.env["mail.compose.message"]
            .with_context(mail_post_autofollow=False)
            .create(
                {
                    "composition_mode": "comment",
                    "model": self._name,
                    "res_ids": self.ids,
                    "template_id": template.id,
                    "message_type": "notification",
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                        "mail.mt_comment"
                    ),
                }
            )
        )
        composer.partner_ids |= copies
        composer._action_send_mail()

    def action_create_rma(self):
        """Open a new RMA prefilled with what this order delivered."""
        self.ensure_one()
        moves = self.order_line.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        )
        return self.env["rma.order"]._action_new_from_moves(
            moves, partner=self.partner_id, sale_order=self
        )

    def action_view_rma(self):
        self.ensure_one()
        return self.env["rma.order"]._action_view_records(
            self.rma_order_ids, create=True
        )

    # ---- Repair quotes: built, accepted, refused (P6) --------------------------------

    @api.model
    def _rma_create_repair_quotes(self, units):
        """The quotes (sale quotations) and repair orders of RMA ``units``, in a
        handful of queries for any number of units.

        A unit with nothing to pay gets no quotation: its repair order is confirmed
        at once (free repair). The others get a quotation linked to the unit and to
        its repair order; the parts are the repair order's own lines (Odoo adds them
        to the quotation, and consumes them from stock when the repair is done).
        An open quote of a unit is a revision: it is cancelled with its repair
        order, and kept. Invoked by ``rma.order.line._rma_create_quotes``, after the
        unit's own checks and lock.
        """
        if not units:
            return self.browse()
        units.fetch(["quote_id", "repair_id", "order_id", "product_id", "lot_id"])
        self._rma_cancel_revised_quotes(units)
        plans = self._rma_quote_plan(units)
        paid_units = units.filtered(lambda unit: self._rma_plan_is_paid(plans[unit]))
        quotes = self._create_decision(
            [
                self._prepare_rma_repair_quote_vals(unit, plans[unit])
                for unit in paid_units
            ]
        )
        quote_of = dict(zip(paid_units, quotes, strict=True))
        Repair = self.env["repair.order"]
        repairs = Repair._rma_create_repairs(
            [
                Repair._prepare_rma_repair_vals(
                    unit, quote_of.get(unit), plans[unit]["free"]
                )
                for unit in units
            ]
        )
        repair_of = dict(zip(units, repairs, strict=True))
        self._rma_add_quote_parts(repair_of, plans)
        # Labour and return shipping: lines of the quotation only.
        self.env["sale.order.line"].create(
            [
                self._prepare_rma_quote_line_vals(
                    unit, quote_of[unit], tline, covered, plans[unit]
                )
                for unit in paid_units
                for tline, covered in plans[unit]["rows"]
                if tline.kind != "part"
            ]
        )
        free_units = units - paid_units
        repairs.filtered(lambda r: not r.sale_order_id)._action_repair_confirm()
        free_units._rma_log_on_orders(
            {
                unit: self.env._(
                    "%(unit)s: repaired free of charge (%(repair)s).",
                    unit=unit.display_name,
                    repair=repair_of[unit].name,
                )
                for unit in free_units
            }
        )
        return quotes

    @api.model
    def _rma_cancel_revised_quotes(self, units):
        """A revision: the open quote of ``units`` and its repair order are
        cancelled, and kept as history (not a refusal)."""
        units.quote_id.filtered(lambda q: q.state in ("draft", "sent")).with_context(
            rma_quote_revision=True
        )._action_cancel()
        units.repair_id.filtered(lambda r: r.state == "draft").action_repair_cancel()

    @api.model
    def _rma_plan_is_paid(self, plan):
        """Whether the quote plan of a unit leaves anything to pay (a line not
        covered, with a price of the tariff or of the product)."""
        return any(
            not covered and (tline.price_unit or tline.product_id.lst_price)
            for tline, covered in plan["rows"]
        )

    @api.model
    def _rma_quote_plan(self, units):
        """{unit: plan} of the repair quotes of ``units``: ``tariff``, ``rows``
        [(tariff line, covered)], ``free`` (the unit's entitlement gives a free
        repair), ``share`` (who pays the return shipping) and ``notes`` {covered
        tariff line: why it is covered}.

        A part whose tariff line names a component is free while the warranty still
        covers that component of the unit; the other lines are free while the unit's
        frozen entitlement (its failed component) gives a free repair.
        """
        tariffs = self.env["rma.repair.tariff"]._find_for_units(units)
        answers = self._rma_component_entitlements(units, tariffs)
        policies = units.product_id._get_warranty_policies()
        return {
            unit: self._rma_unit_quote_plan(
                unit, tariffs[unit], policies.get(unit.product_id), answers
            )
            for unit in units
        }

    @api.model
    def _rma_component_entitlements(self, units, tariffs):
        """The warranty engine's answers for the components the tariffs of
        ``units`` name, in one call: {(serial, entitlement date, component):
        answer}."""
        keys = [
            (unit.lot_id, unit.entitlement_date or unit._entitlement_date(), component)
            for unit in units
            if unit.lot_id
            for component in tariffs[unit].line_ids.component_id
        ]
        if not keys:
            return {}
        return self.env["rma.warranty.coverage"]._get_entitlements(keys)

    @api.model
    def _rma_unit_quote_plan(self, unit, tariff, policy, answers):
        """The quote plan of one unit (see ``_rma_quote_plan``)."""
        free = unit.entitlement_free_repair
        share = (
            (policy.shipping_in_warranty if free else policy.shipping_out_warranty)
            if policy
            else ("split" if free else "customer")
        )
        rows, notes = [], {}
        for tline in tariff.line_ids:
            if unit.repair_onsite and tline.kind != "part":
                continue  # on site: parts only
            covered, note = self._rma_quote_line_coverage(unit, tline, share, answers)
            rows.append((tline, covered))
            if covered:
                notes[tline] = note
        return {
            "tariff": tariff,
            "rows": rows,
            "free": free,
            "share": share,
            "notes": notes,
        }

    @api.model
    def _rma_quote_line_coverage(self, unit, tline, share, answers):
        """(covered, why) of tariff line ``tline`` on the quote of ``unit``.

        The frozen entitlement decides; one decided by hand (an override, a damage
        void) decides for every line of the tariff. The return shipping is covered
        when the policy's ``share`` puts it on us.
        """
        if tline.kind == "shipping":
            return (
                share == "vendor",
                self.env._("Covered: the return shipping is on us."),
            )
        if tline.component_id and unit.lot_id and not unit.entitlement_override_reason:
            answer = answers.get(
                (
                    unit.lot_id,
                    unit.entitlement_date or unit._entitlement_date(),
                    tline.component_id,
                )
            )
            covered = bool(answer and answer.free_repair)
            return covered, covered and self._rma_covered_note(
                unit, answer.date_end, tline.component_id
            )
        covered = unit.entitlement_free_repair
        return covered, covered and self._rma_covered_note(
            unit, unit.entitlement_date_end
        )

    @api.model
    def _rma_covered_note(self, unit, date_end, component=None):
        """Why a line of the repair quote of ``unit`` costs nothing: what covers
        it, and until when. Printed under the line (quote, PDF, invoice)."""
        until = date_end and format_date(self.env, date_end)
        if component and until:
            return self.env._(
                "Covered: %(component)s warranty until %(date)s.",
                component=component.name,
                date=until,
            )
        labels = dict(unit._fields["entitlement_kind"]._description_selection(self.env))
        kind = labels.get(unit.entitlement_kind) or self.env._("Warranty")
        if until:
            return self.env._(
                "Covered: %(entitlement)s until %(date)s.", entitlement=kind, date=until
            )
        return self.env._("Covered: %(entitlement)s.", entitlement=kind)

    @api.model
    def _prepare_rma_repair_quote_vals(self, unit, plan):
        """Values of the repair quote (a quotation) of RMA ``unit``, from its quote
        ``plan``: valid for the tariff's days, accepted on the portal as
        ``_rma_prepare_quote_portal_vals`` says. Called by
        ``_rma_create_repair_quotes``; may be overridden."""
        return {
            **self._prepare_rma_quote_common_vals(
                unit, plan["tariff"].validity_days, unit.repair_flow == "prepaid"
            ),
            "note": plan["tariff"].note,
        }

    @api.model
    def _prepare_rma_quote_common_vals(self, unit, validity_days, prepaid):
        """Values every quote of RMA ``unit`` shares (repair quotes, paid swaps):
        its customer, company and service centre, the RMA as reference, valid for
        ``validity_days``, accepted on the portal as
        ``_rma_prepare_quote_portal_vals`` says (paid in the same step when
        ``prepaid``). Called by ``_prepare_rma_repair_quote_vals`` and
        ``_prepare_rma_swap_quote_vals``; may be overridden."""
        order = unit.order_id
        today = fields.Date.context_today(self)
        return {
            "partner_id": order.partner_id.id,
            "company_id": unit.company_id.id,
            "warehouse_id": order.warehouse_id.id,
            "origin": order.name,
            "client_order_ref": order.name,
            "rma_line_id": unit.id,
            "validity_date": today + datetime.timedelta(days=validity_days),
            **self._rma_prepare_quote_portal_vals(prepaid),
        }

    @api.model
    def _rma_add_quote_parts(self, repair_of, plans):
        """The parts of the repair orders ``repair_of`` {unit: repair order}:
        repair lines, which Odoo also writes on the quotation; those quotation lines
        then get their prices (free when covered, else the tariff's, or the
        pricelist's when the tariff gives none). One write per set of values."""
        part_rows = [
            (unit, tline, covered)
            for unit, repair in repair_of.items()
            for tline, covered in plans[unit]["rows"]
            if tline.kind == "part"
        ]
        moves = self.env["stock.move"].create(
            [
                repair_of[unit]._prepare_rma_part_move_vals(tline)
                for unit, tline, _covered in part_rows
            ]
        )
        by_vals = defaultdict(lambda: self.env["sale.order.line"])
        for (unit, tline, covered), move in zip(part_rows, moves, strict=True):
            if move.sale_line_id:
                vals = self._prepare_rma_part_line_vals(
                    unit, tline, covered, plans[unit]
                )
                by_vals[tuple(sorted(vals.items()))] |= move.sale_line_id
        for vals, sale_lines in by_vals.items():
            sale_lines.write(dict(vals))
        return moves

    @api.model
    def _prepare_rma_part_line_vals(self, unit, tline, covered, plan):
        """Values written on the quotation line Odoo makes for a part of the repair
        order of ``unit`` (tariff line ``tline`` of its quote ``plan``): free when
        ``covered``, saying
        why under its description, else the tariff's price when it gives one.
        Called by ``_rma_add_quote_parts``; may be overridden."""
        vals = {"rma_repair_kind": "part"}
        if covered:
            vals["price_unit"] = 0.0
            vals["rma_covered_note"] = plan["notes"][tline]
        elif tline.price_unit:
            vals["price_unit"] = tline.price_unit
        return vals

    @api.model
    def _prepare_rma_quote_line_vals(self, unit, quote, tline, covered, plan):
        """Values of a labour or return shipping line of ``quote``, the repair quote
        of ``unit``, from tariff line ``tline`` of its quote ``plan``: free when
        ``covered`` (saying why), else the tariff's price (or the pricelist's); the
        return shipping is half price when the policy splits it. Called by
        ``_rma_create_repair_quotes``; may be overridden."""
        vals = {
            "order_id": quote.id,
            "product_id": tline.product_id.id,
            "product_uom_qty": tline.quantity,
            "rma_repair_kind": tline.kind,
        }
        if covered:
            vals["price_unit"] = 0.0
            vals["rma_covered_note"] = plan["notes"][tline]
        elif tline.price_unit:
            vals["price_unit"] = tline.price_unit
        if tline.kind == "shipping" and plan["share"] == "split":
            vals["discount"] = 50.0
        return vals

    def _rma_quote_accepted(self):
        """The customer accepted (signed or paid) these repair quotes: their repair
        orders are confirmed, and RMAs waiting for payment release their shipping
        instructions. Invoked by ``_action_confirm``."""
        swaps = self.filtered("rma_swap")
        swaps._rma_swap_accepted()
        quotes = self - swaps
        if not quotes:
            return
        quotes.repair_order_ids.filtered(
            lambda r: r.state == "draft"
        )._action_repair_confirm()
        quotes.rma_line_id.order_id._rma_sla_start(
            "paid_repair", lines=quotes.rma_line_id
        )
        quotes.rma_line_id.order_id.filtered(
            "shipping_hold"
        )._rma_release_shipping_if_paid()

    def _rma_quote_refused(self):
        """The customer declined these repair quotes: the repair orders of their
        units are cancelled and staff choose between returning each unit as-is and
        scrapping it with consent. Invoked by ``_action_cancel``."""
        swaps = self.filtered("rma_swap")
        swaps._rma_swap_refused()
        units = (self - swaps).rma_line_id
        if not units:
            return
        units.repair_id.filtered(
            lambda r: r.state not in ("done", "cancel")
        ).action_repair_cancel()
        units.write({"repair_refused": True})
        units._rma_log_on_orders(
            {
                unit: self.env._(
                    "%(unit)s: the repair quote was declined; the unit is returned "
                    "as-is unless the customer agrees to its scrapping.",
                    unit=unit.display_name,
                )
                for unit in units
            }
        )

    @api.model
    def _rma_charge_refusal_fee(self, units):
        """The fee of the refused quotes of ``units`` (their policy's), as
        confirmed sale orders to invoice. Invoked by
        ``rma.order.line.action_rma_refused_return``."""
        policies = units.product_id._get_warranty_policies()
        fee_products = {
            unit: policies[unit.product_id].refusal_fee_product_id
            for unit in units
            if policies.get(unit.product_id)
            and policies[unit.product_id].refusal_fee_product_id
        }
        if not fee_products:
            return self.browse()
        orders = self._create_decision(
            [
                self._prepare_rma_refusal_fee_vals(unit, product)
                for unit, product in fee_products.items()
            ]
        )
        orders.action_confirm()
        return orders

    @api.model
    def _prepare_rma_refusal_fee_vals(self, unit, product):
        """Values of the sale order charging ``product``, the fee of the refused
        repair quote of ``unit``. Called by ``_rma_charge_refusal_fee``; may be
        overridden."""
        order = unit.order_id
        return {
            "partner_id": order.partner_id.id,
            "company_id": unit.company_id.id,
            "origin": order.name,
            "client_order_ref": order.name,
            "rma_line_id": unit.id,
            "rma_fee": True,
            "order_line": [
                Command.create(self._prepare_rma_refusal_fee_line_vals(unit, product))
            ],
        }

    @api.model
    def _prepare_rma_refusal_fee_line_vals(self, unit, product):
        """Values of the line of the refusal fee order of ``unit``. Called by
        ``_prepare_rma_refusal_fee_vals``; may be overridden."""
        return {"product_id": product.id, "product_uom_qty": 1.0}

    # ---- Paid swap (issue 15) --------------------------------------------------------

    @api.model
    def _rma_create_swap_quotes(self, units):
        """The quotes of the paid swaps of RMA ``units``: replacements outside the
        terms of their warranty (SINNEN: in the replacement period, outside its
        terms). One quotation per unit, of its policy's swap fee, signed and paid
        in full on Sale's portal page; its replacement ships once it is paid
        (``_rma_ship_paid_swaps``). Invoked by
        ``rma.order.line._rma_create_quotes``, after the unit's checks
        (``_rma_check_swap_quotable``) and lock."""
        if not units:
            return self.browse()
        policies = units.product_id._get_warranty_policies()
        quotes = self._create_decision(
            [
                self._prepare_rma_swap_quote_vals(unit, policies[unit.product_id])
                for unit in units
            ]
        )
        units._rma_log_on_orders(
            {
                quote.rma_line_id: self.env._(
                    "%(unit)s: the replacement is quoted (%(quote)s); it ships once "
                    "the customer has paid.",
                    unit=quote.rma_line_id.display_name,
                    quote=quote.name,
                )
                for quote in quotes
            }
        )
        return quotes

    @api.model
    def _prepare_rma_swap_quote_vals(self, unit, policy):
        """Values of the paid swap quote of RMA ``unit`` under its warranty
        ``policy``: always paid before the replacement ships. Called by
        ``_rma_create_swap_quotes``; may be overridden."""
        return {
            **self._prepare_rma_quote_common_vals(
                unit, policy.swap_quote_validity_days, True
            ),
            "rma_swap": True,
            "order_line": [
                Command.create(self._prepare_rma_swap_quote_line_vals(unit, policy))
            ],
        }

    @api.model
    def _prepare_rma_swap_quote_line_vals(self, unit, policy):
        """Values of the line of the paid swap quote of ``unit``: the policy's swap
        fee (a service, so that confirming the quote ships nothing by itself),
        priced by the policy: the fee's amount (else its sales price) or the sales
        price of the replacement. Called by ``_prepare_rma_swap_quote_vals``; may be
        overridden."""
        replacement = unit.replacement_product_id or unit.product_id
        vals = {
            "product_id": policy.swap_fee_product_id.id,
            "product_uom_qty": unit.quantity,
            "name": self.env._(
                "Replacement of %(unit)s by a new %(product)s",
                unit=unit.display_name,
                product=replacement.display_name,
            ),
        }
        if policy.swap_charge == "price":
            vals["price_unit"] = replacement.lst_price
        elif policy.swap_fee_amount:
            vals["price_unit"] = policy.swap_fee_amount
        return vals

    def _rma_swap_accepted(self):
        """The customer accepted these paid swap quotes: their replacements ship
        if paid. Invoked by ``_rma_quote_accepted``."""
        self._rma_ship_paid_swaps()

    def _rma_ship_paid_swaps(self):
        """Ship the replacements of these paid swap quotes that are confirmed and
        paid (online, or their invoices), for the units already received; a unit
        received later ships when staff process it. Invoked when a quote is
        confirmed, a payment is done (``payment.transaction``) or an invoice paid
        (``account.move``)."""
        units = self.filtered(
            lambda q: q.rma_swap and q.state == "sale"
        ).rma_line_id.filtered(lambda line: line.resolution == "replace")
        if not units:
            return units
        # Exactly once: a worker that finds the units locked (another one ships
        # them, or acts on them) or changed since it started ships nothing; the
        # payment it processes goes through, and a unit left waiting ships when
        # staff press Process.
        try:
            lock_rows_nowait(units, lambda: "")
        except UserError:
            return units.browse()
        units = units.filtered(
            lambda line: line.quote_id in self and line._is_processable()
        )
        if units:
            units._run_resolutions()
        return units

    def _rma_swap_refused(self):
        """The customer declined these paid swap quotes: staff choose another
        resolution for the units. Invoked by ``_rma_quote_refused``."""
        self.rma_line_id._rma_log_on_orders(
            {
                quote.rma_line_id: self.env._(
                    "%(unit)s: the replacement quote %(quote)s was declined; choose "
                    "another resolution for the unit.",
                    unit=quote.rma_line_id.display_name,
                    quote=quote.name,
                )
                for quote in self
            }
        )

    # ---- Repair quotes in the portal (issue 12) --------------------------------------

    @api.model
    def _rma_prepare_quote_portal_vals(self, prepaid):
        """How the customer accepts a repair quote on Sale's portal page: always
        signed (on behalf of their company); a pay-before-shipping quote is also
        paid in full in the same step (Sign & Pay), and that payment confirms it
        (``payment.transaction._check_amount_and_confirm_order``), which releases
        the RMA's shipping instructions. Invoked by
        ``_prepare_rma_repair_quote_vals``; may be overridden."""
        vals = {"require_signature": True, "require_payment": prepaid}
        if prepaid:
            # The whole amount, whatever the company's down payment setting: the
            # shipping is released only once the quote is fully paid.
            vals["prepayment_percent"] = 1.0
        return vals

    def _rma_portal_back_url(self, user, access_token=None):
        """The way back from this repair quote's (or fee's) portal page to the
        portal page of its RMA, or False.

        ``user`` is the viewer (the portal works on documents in sudo, as the
        superuser). A user who may read the RMA (its customer, its distributor)
        gets its page; a viewer who came by this order's own access token (the
        link of the quote email, or of the RMA page) and may not read the RMA,
        e.g. without a login, gets it with the RMA's token, as the RMA's emails
        give it. Anyone else (a follower of the order, say) gets no link:
        followers never open RMAs.
        Invoked by the quote's portal page (``RmaQuotePortal``)."""
        self.ensure_one()
        # sudo: the portal page shows the order in sudo after Sale's access check;
        # only its token and its RMA are read, to check the viewer's own access.
        order_sudo = self.sudo()
        rma_sudo = order_sudo.rma_line_id.order_id
        if not rma_sudo:
            return False
        if rma_sudo.with_user(user).has_access("read"):
            return rma_sudo.access_url
        if (
            isinstance(access_token, str)
            and access_token.isascii()
            and order_sudo.access_token
            and consteq(order_sudo.access_token, access_token)
        ):
            return rma_sudo.get_portal_url()
        return False
