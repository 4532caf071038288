# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestRepairFlow(RmaCommon):
    """Repairs: tariffs → quotes (sale quotations) → repair orders with parts moves
    → quality check → redelivery → invoice → post-repair coverage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.level_minor = cls.env.ref("rma_warranty.damage_level_minor")
        Component = cls.env["rma.warranty.component"]
        cls.lcd = Component.create({"name": "Repair Test LCD"})
        cls.board = Component.create({"name": "Repair Test Board"})
        cls.fee = cls.env["product.product"].create(
            {"name": "Inspection Fee", "type": "service", "list_price": 25.0}
        )
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Repair Test Policy",
                "warranty_months": 36,
                "post_repair_days": 180,
                "shipping_in_warranty": "split",
                "shipping_out_warranty": "customer",
                "refusal_fee_product_id": cls.fee.id,
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 24}),
                    Command.create({"component_id": cls.board.id, "months": 12}),
                ],
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.lcd_part = cls.env["product.product"].create(
            {"name": "LCD Panel 15in", "is_storable": True, "list_price": 120.0}
        )
        cls.board_part = cls.env["product.product"].create(
            {"name": "Main Board", "is_storable": True, "list_price": 200.0}
        )
        cls.labour = cls.env["product.product"].create(
            {
                "name": "Repair Labour",
                "type": "service",
                "list_price": 60.0,
                "invoice_policy": "order",
            }
        )
        cls.shipping = cls.env["product.product"].create(
            {
                "name": "Return Shipping",
                "type": "service",
                "list_price": 20.0,
                "invoice_policy": "order",
            }
        )
        cls._put_in_stock(cls.lcd_part, qty=10)
        cls._put_in_stock(cls.board_part, qty=10)
        cls.tariff = cls.env["rma.repair.tariff"].create(
            {
                "name": "NAS level 2",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "validity_days": 15,
                "line_ids": [
                    Command.create(
                        {
                            "kind": "part",
                            "product_id": cls.lcd_part.id,
                            "component_id": cls.lcd.id,
                        }
                    ),
                    Command.create(
                        {
                            "kind": "part",
                            "product_id": cls.board_part.id,
                            "component_id": cls.board.id,
                            "price_unit": 180.0,
                        }
                    ),
                    Command.create(
                        {"kind": "labour", "product_id": cls.labour.id, "quantity": 2}
                    ),
                    Command.create({"kind": "shipping", "product_id": cls.shipping.id}),
                ],
            }
        )
        cls.end_user.tz = "Europe/Brussels"

    # ---- Helpers --------------------------------------------------------------------

    def _unit(self, name, months_ago=0):
        """A unit of ``self.product`` delivered ``months_ago`` months ago."""
        lots = self._create_lots(self.product, [name])
        when = fields.Datetime.now() - relativedelta(months=months_ago)
        with freeze_time(when):
            self._sell(self.end_user, self.product, lots=lots)
        return lots

    def _received_repair(self, lot, component=None, **line_vals):
        rma = self._new_rma(
            self.end_user,
            [
                dict(
                    {
                        "product_id": self.product.id,
                        "lot_id": lot.id,
                        "quantity": 1,
                        "resolution": "repair",
                        "failed_component_id": component.id if component else False,
                    },
                    **line_vals,
                )
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        return rma, rma.line_ids

    def _diagnose(self, line, level=None, **vals):
        line.write(
            dict(
                {
                    "damage_level_id": (level or self.level).id,
                    "damage_class": "defect",
                    "diagnosis": "Backlight inverter burnt; board corroded.",
                },
                **vals,
            )
        )

    def _quote_lines(self, quote):
        return {
            sol.product_id: (sol.price_unit, sol.discount, sol.rma_repair_kind)
            for sol in quote.order_line
        }

    def _repair_and_ship(self, rma, line, tracking="TRK-1"):
        line.action_rma_repair_start()
        line.action_rma_repair_end()
        self.assertEqual(line.repair_status, "to_check")
        line._rma_qc("pass", "Burn-in 4 h OK")
        rma.action_process()
        delivery = rma.picking_ids.filtered(
            lambda p: (
                p.picking_type_id == self.warehouse.rma_out_type_id
                and p.state not in ("done", "cancel")
            )
        )
        delivery.carrier_tracking_ref = tracking
        self._validate(delivery)
        return delivery

    # ---- Quote after diagnosis, out of warranty -------------------------------------

    def test_quote_after_diagnosis_end_to_end(self):
        lot = self._unit("RF-OUT-1", months_ago=40)  # 36-month warranty is over
        rma, line = self._received_repair(lot)
        self.assertEqual(line.entitlement_kind, "none")
        self.assertEqual(line.repair_status, "to_diagnose")
        with self.assertRaisesRegex(UserError, "damage level"):
            line.action_rma_quote()
        self._diagnose(line)
        line.action_rma_quote()
        quote, repair = line.quote_id, line.repair_id
        self.assertEqual(line.repair_status, "quoted")
        self.assertEqual(quote.state, "sent")
        self.assertEqual(quote.rma_line_id, line)
        self.assertEqual(
            quote.validity_date,
            fields.Date.context_today(quote) + datetime.timedelta(15),
        )
        self.assertEqual(repair.sale_order_id, quote)
        self.assertFalse(repair.under_warranty)
        self.assertEqual(repair.lot_id, lot)
        self.assertEqual(repair.product_location_src_id, self.warehouse.rma_loc_id)
        # Out of warranty: everything is paid; tariff price wins over list price.
        self.assertEqual(
            self._quote_lines(quote),
            {
                self.lcd_part: (120.0, 0.0, "part"),
                self.board_part: (180.0, 0.0, "part"),
                self.labour: (60.0, 0.0, "labour"),
                self.shipping: (20.0, 0.0, "shipping"),
            },
        )
        self.assertEqual(quote.amount_untaxed, 120 + 180 + 2 * 60 + 20)
        # Parts are the repair order's lines, linked to the quote's lines.
        parts = repair.move_ids
        self.assertEqual(parts.product_id, self.lcd_part | self.board_part)
        self.assertEqual(parts.sale_line_id.order_id, quote)
        # Double submit: the second click is refused, one quote exists.
        with self.assertRaisesRegex(UserError, "already open"):
            line.action_rma_quote()
        self.assertEqual(len(line.quote_ids), 1)
        # Accepting confirms the repair order; a second acceptance is refused.
        quote.action_confirm()
        self.assertEqual(repair.state, "confirmed")
        self.assertEqual(line.repair_status, "to_repair")
        with self.assertRaises(UserError):
            quote.action_confirm()
        # The unit may not leave before it is repaired and checked.
        with self.assertRaisesRegex(UserError, "Nothing to process"):
            rma.action_process()
        stock_before = self.lcd_part.qty_available
        line.action_rma_repair_start()
        self.assertEqual(line.repair_status, "repairing")
        line.action_rma_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(set(parts.mapped("state")), {"done"})
        self.assertEqual(self.lcd_part.qty_available, stock_before - 1)
        self.assertEqual(line.repair_status, "to_check")
        rma.action_process()
        delivery = rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )
        self.assertEqual(len(delivery), 1)
        with self.assertRaisesRegex(UserError, "quality check"):
            self._validate(delivery)
        line._rma_qc("pass", "Burn-in 4 h OK")
        self.assertEqual(line.repair_status, "ready")
        delivery.carrier_tracking_ref = "TRK-42"
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")
        self.assertEqual(rma.state, "done")
        # Post-repair warranty: 180 days from the redelivery, customer's date.
        period = lot.warranty_coverage_ids.filtered(lambda p: p.kind == "post_repair")
        self.assertEqual(len(period), 1)
        today = fields.Date.context_today(
            self.env.user.with_context(tz="Europe/Brussels")
        )
        self.assertEqual(period.origin, "repair")
        self.assertEqual(period.date_start, today)
        self.assertEqual(period.date_end, today + datetime.timedelta(days=179))
        self.assertEqual(period.move_id, delivery.move_ids)
        entitlement = lot._get_warranty_entitlement()[lot]
        self.assertEqual(entitlement.kind, "post_repair")
        # Invoicing through the quote, exactly once.
        self.assertEqual(quote.invoice_status, "to invoice")
        action = rma.with_user(self.rma_manager).action_invoice_repairs()
        invoice = (
            self.env["account.move"].browse(action.get("res_id")) or quote.invoice_ids
        )
        self.assertEqual(invoice, quote.invoice_ids)
        self.assertEqual(invoice.amount_untaxed, quote.amount_untaxed)
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            rma.with_user(self.rma_manager).action_invoice_repairs()
        self.assertEqual(len(quote.invoice_ids), 1)

    def test_revision_keeps_history_and_expired_quote_refused(self):
        lot = self._unit("RF-REV-1", months_ago=40)
        _rma, line = self._received_repair(lot)
        self._diagnose(line, level=self.level)
        line.action_rma_quote()
        first_quote, first_repair = line.quote_id, line.repair_id
        # The diagnosis finds less: revise at the minor level.
        self.env["rma.repair.tariff"].create(
            {
                "name": "NAS level 1",
                "damage_level_id": self.level_minor.id,
                "product_id": self.product.id,
                "line_ids": [
                    Command.create({"kind": "labour", "product_id": self.labour.id})
                ],
            }
        )
        line.damage_level_id = self.level_minor
        line.action_rma_revise_quote()
        self.assertEqual(first_quote.state, "cancel")
        self.assertEqual(first_repair.state, "cancel")
        self.assertEqual(len(line.quote_ids), 2)
        self.assertNotEqual(line.quote_id, first_quote)
        self.assertEqual(line.repair_status, "quoted")  # not a refusal
        self.assertFalse(line.repair_refused)
        self.assertEqual(line.quote_id.amount_untaxed, 60.0)
        # Expired: can't be accepted.
        line.quote_id.validity_date = fields.Date.today() - datetime.timedelta(days=1)
        with self.assertRaisesRegex(UserError, "expired"):
            line.quote_id.action_confirm()
        self.assertEqual(line.repair_id.state, "draft")

    # ---- In warranty -----------------------------------------------------------------

    def test_in_warranty_free_repair_no_quote_no_post_repair(self):
        self.policy.shipping_in_warranty = "vendor"
        lot = self._unit("RF-IN-1", months_ago=2)
        rma, line = self._received_repair(lot)
        self.assertTrue(line.entitlement_free_repair)
        self._diagnose(line)
        line.action_rma_quote()
        self.assertFalse(line.quote_ids)
        repair = line.repair_id
        self.assertTrue(repair.under_warranty)
        self.assertEqual(repair.state, "confirmed")
        self.assertEqual(line.repair_status, "to_repair")
        self._repair_and_ship(rma, line)
        self.assertEqual(rma.state, "done")
        self.assertFalse(
            lot.warranty_coverage_ids.filtered(lambda p: p.kind == "post_repair")
        )

    def test_in_warranty_shipping_split_50_50(self):
        lot = self._unit("RF-IN-2", months_ago=2)
        _rma, line = self._received_repair(lot)
        self._diagnose(line)
        line.action_rma_quote()
        quote = line.quote_id
        self.assertTrue(line.repair_id.under_warranty)
        self.assertEqual(
            self._quote_lines(quote),
            {
                self.lcd_part: (0.0, 0.0, "part"),
                self.board_part: (0.0, 0.0, "part"),
                self.labour: (0.0, 0.0, "labour"),
                self.shipping: (20.0, 50.0, "shipping"),
            },
        )
        self.assertEqual(quote.amount_untaxed, 10.0)

    def test_component_coverage_lcd_covered_board_not(self):
        # Delivered 18 months ago: LCD (24 months) covered, board (12) not.
        lot = self._unit("RF-COMP-1", months_ago=18)
        _rma, line = self._received_repair(lot, component=self.board)
        self.assertEqual(line.entitlement_kind, "none")
        self._diagnose(line)
        line.action_rma_quote()
        self.assertEqual(
            self._quote_lines(line.quote_id),
            {
                self.lcd_part: (0.0, 0.0, "part"),
                self.board_part: (180.0, 0.0, "part"),
                self.labour: (60.0, 0.0, "labour"),
                self.shipping: (20.0, 0.0, "shipping"),
            },
        )

    def test_customer_damage_voids_coverage(self):
        lot = self._unit("RF-VOID-1", months_ago=2)
        rma, line = self._received_repair(lot)
        self.assertTrue(line.entitlement_free_repair)
        self._diagnose(line, damage_class="housing")
        self.assertTrue(line.damage_void)
        self.assertEqual(line.entitlement_kind, "none")
        self.assertFalse(line.entitlement_free_repair)
        told = rma.message_ids.filtered(
            lambda m: self.end_user in m.partner_ids and "voids" in m.body
        )
        self.assertTrue(told, "the customer is told why")
        line.action_rma_quote()
        self.assertFalse(line.repair_id.under_warranty)
        self.assertEqual(self._quote_lines(line.quote_id)[self.lcd_part][0], 120.0)
        # A policy that doesn't void keeps the coverage.
        self.policy.damage_voids = False
        lot2 = self._unit("RF-VOID-2", months_ago=2)
        _rma2, line2 = self._received_repair(lot2)
        self._diagnose(line2, damage_class="self_repair")
        self.assertFalse(line2.damage_void)
        self.assertTrue(line2.entitlement_free_repair)

    def test_onsite_repair_parts_only(self):
        lot = self._unit("RF-SITE-1", months_ago=40)
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "repair_onsite": True,
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        # On site (issue 15): nothing comes in, the quote follows the approval.
        self.assertFalse(rma.picking_ids)
        line = rma.line_ids
        self._diagnose(line)
        line.action_rma_quote()
        self.assertEqual(
            set(line.quote_id.order_line.mapped("rma_repair_kind")), {"part"}
        )

    # ---- Quality check --------------------------------------------------------------

    def test_qc_fail_sends_back_to_repair(self):
        lot = self._unit("RF-QC-1", months_ago=2)
        self.policy.shipping_in_warranty = "vendor"
        _rma, line = self._received_repair(lot)
        self._diagnose(line)
        line.action_rma_quote()
        first = line.repair_id
        line.action_rma_repair_start()
        line.action_rma_repair_end()
        with self.assertRaisesRegex(UserError, "what failed"):
            line._rma_qc("fail")
        line._rma_qc("fail", "Fan noise")
        rework = line.repair_id
        self.assertNotEqual(rework, first)
        self.assertEqual(rework.state, "confirmed")
        self.assertEqual(line.repair_status, "to_repair")
        self.assertEqual(line.qc_result, "fail")
        with self.assertRaisesRegex(UserError, "quality check"):
            line._rma_qc("pass")
        line.action_rma_repair_start()
        line.action_rma_repair_end()
        self.assertEqual(line.repair_status, "to_check")
        self.assertFalse(line.qc_result)
        line._rma_qc("pass", "OK now")
        self.assertEqual(line.repair_status, "ready")
        self.assertEqual(len(line.repair_ids), 2)

    # ---- Refusal --------------------------------------------------------------------

    def test_refused_quote_returned_as_is_with_fee(self):
        lot = self._unit("RF-REF-1", months_ago=40)
        rma, line = self._received_repair(lot)
        self._diagnose(line)
        line.action_rma_quote()
        quote, repair = line.quote_id, line.repair_id
        quote._action_cancel()  # what the portal's Decline does
        self.assertEqual(line.repair_status, "refused")
        self.assertEqual(repair.state, "cancel")
        with self.assertRaisesRegex(UserError, "not approved|refused|open"):
            line.action_rma_quote()
        line.action_rma_refused_return()
        self.assertEqual(line.resolution, "return")
        fee_order = self.env["sale.order"].search(
            [("rma_line_id", "=", line.id), ("rma_fee", "=", True)]
        )
        self.assertEqual(fee_order.state, "sale")
        self.assertEqual(fee_order.order_line.product_id, self.fee)
        self.assertEqual(fee_order.amount_untaxed, 25.0)
        rma.action_process()
        out = rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )
        self._validate(out)  # no repair, no quality check needed
        self.assertEqual(rma.state, "done")
        self.assertFalse(
            lot.warranty_coverage_ids.filtered(lambda p: p.kind == "post_repair")
        )

    def test_refused_quote_scrapped_with_consent(self):
        lot = self._unit("RF-REF-2", months_ago=40)
        rma, line = self._received_repair(lot)
        self._diagnose(line)
        line.action_rma_quote()
        line.quote_id._action_cancel()
        line.action_rma_refused_scrap()
        self.assertEqual(line.resolution, "scrap")
        self.assertIn("agreed", rma.message_ids[0].body)
        rma.action_process()
        self.assertEqual(line.qty_scrapped, 1.0)

    def test_refusal_fee_ignores_the_form_defaults(self):
        """The unit form opened from an RMA form inherits its action context: its
        ``default_*`` keys do not ride along on the fee order made for it."""
        lot = self._unit("RF-REF-3", months_ago=40)
        _rma, line = self._received_repair(lot)
        self._diagnose(line)
        line.action_rma_quote()
        line.quote_id._action_cancel()
        line.with_context(default_note="FORM-DEFAULT").action_rma_refused_return()
        fee_order = self.env["sale.order"].search(
            [("rma_line_id", "=", line.id), ("rma_fee", "=", True)]
        )
        self.assertEqual(fee_order.state, "sale")
        self.assertNotIn("FORM-DEFAULT", str(fee_order.note or ""))

    # ---- Pay before shipping --------------------------------------------------------

    def _prepaid_rma(self, name):
        self.policy.repair_quote_flow = "prepaid"
        lot = self._unit(name, months_ago=40)
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "damage_level_id": self.level.id,
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        return rma, rma.line_ids

    def _pay_online(self, quote):
        provider = self.env["payment.provider"].create(
            {"name": "Test Provider", "code": "none", "state": "test"}
        )
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": quote.amount_total,
                "currency_id": quote.currency_id.id,
                "partner_id": quote.partner_id.id,
                "reference": f"{quote.name}-pay",
                "sale_order_ids": [Command.set(quote.ids)],
            }
        )
        tx._set_done()
        # What Sale's post-processing of a done transaction does first (the rest
        # books the payment in the provider's journal).
        tx._check_amount_and_confirm_order()
        tx._rma_release_shipping()
        return tx

    def test_pay_before_shipping(self):
        rma, line = self._prepaid_rma("RF-PRE-1")
        self.assertEqual(line.repair_flow, "prepaid")
        quote = line.quote_id
        self.assertTrue(rma.shipping_hold)
        self.assertTrue(quote.require_payment)
        self.assertEqual(quote.state, "sent")
        self.assertEqual(line.repair_status, "quoted")
        self.assertFalse(
            rma.message_ids.filtered(lambda m: "Ship the units" in (m.body or "")),
            "no shipping instructions before payment",
        )
        with self.assertRaisesRegex(UserError, "paid"):
            rma.action_print_authorisation()
        self._pay_online(quote)
        self.assertEqual(quote.state, "sale")
        self.assertTrue(line.quote_paid)
        self.assertFalse(rma.shipping_hold)
        self.assertEqual(line.repair_status, "to_repair")
        rma.action_print_authorisation()
        # Then the unit comes, is repaired, checked and sent back.
        self._receive(rma)
        self._repair_and_ship(rma, line)
        self.assertEqual(rma.state, "done")

    def test_pay_before_shipping_confirmed_unpaid_stays_held(self):
        rma, line = self._prepaid_rma("RF-PRE-2")
        line.quote_id.action_confirm()  # signed, not paid
        self.assertFalse(line.quote_paid)
        self.assertTrue(rma.shipping_hold)
        # Paid by bank transfer, not yet seen in the books: a manager's override.
        self.env["rma.order.release"].create(
            {"order_ids": [Command.set(rma.ids)], "reason": "Bank transfer seen"}
        ).action_release()
        self.assertFalse(rma.shipping_hold)
        with self.assertRaisesRegex(UserError, "already sent"):
            rma.action_release_shipping()

    def test_pay_after_acceptance_releases_shipping(self):
        rma, line = self._prepaid_rma("RF-PRE-4")
        line.quote_id.action_confirm()  # signed first
        self.assertTrue(rma.shipping_hold)
        self._pay_online(line.quote_id)  # paid later
        self.assertTrue(line.quote_paid)
        self.assertFalse(rma.shipping_hold)

    def test_pay_before_shipping_refused_before_sending(self):
        rma, line = self._prepaid_rma("RF-PRE-3")
        line.quote_id._action_cancel()
        line.action_rma_refused_return()
        self.assertEqual(line.resolution, "reject")
        receipt = rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_in_type_id
        )
        self.assertEqual(receipt.state, "cancel")
        self.assertFalse(
            self.env["sale.order"].search(
                [("rma_line_id", "=", line.id), ("rma_fee", "=", True)]
            ),
            "no fee for a unit that never came",
        )

    # ---- Batch ----------------------------------------------------------------------

    def test_quote_100_units_query_budget(self):
        lots = self._create_lots(self.product, [f"RF-B-{i:03d}" for i in range(100)])
        with freeze_time(fields.Datetime.now() - relativedelta(months=40)):
            self._sell(self.end_user, self.product, lots=lots)
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "damage_level_id": self.level.id,
                }
                for lot in lots
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        lines = rma.line_ids
        self.env.invalidate_all()
        # 100 units: 100 quotations (400 lines), 100 repair orders (200 part
        # moves). Most of the cost is Odoo's own per record: a sequence number and a
        # procurement group per repair order, the analytic model search and the tax
        # relation of each quotation line; the tariffs, the coverage of components
        # and the prices are read and written once per batch.
        with self.assertQueryCount(__system__=1800):  # measured 1780
            quotes = lines._rma_create_quotes()
        self.assertEqual(len(quotes), 100)
        self.assertEqual(len(quotes.order_line), 400)
        self.assertEqual(len(lines.repair_id), 100)

    # ---- Shortcut around core -------------------------------------------------------

    def test_repair_name_and_group_shortcut_equals_core(self):
        """repair.order._rma_prefill_name_and_group gives what repair.order.create
        gives on its own: the next name of the operation type's sequence and a
        procurement group like core's (an upgrade changing core fails here)."""
        Repair = self.env["repair.order"]
        picking_type = self.warehouse.repair_type_id
        sequence = picking_type.sequence_id
        vals = {
            "picking_type_id": picking_type.id,
            "product_id": self.product.id,
            "partner_id": self.end_user.id,
        }
        number = sequence.number_next_actual
        core = Repair.create(dict(vals))
        sequence.number_next_actual = number
        (prefilled,) = Repair._rma_prefill_name_and_group([dict(vals)])
        self.assertEqual(set(prefilled) - set(vals), {"name", "procurement_group_id"})
        self.assertEqual(prefilled["name"], core.name)
        group = self.env["procurement.group"].browse(prefilled["procurement_group_id"])
        fnames = [
            fname
            for fname, field in group._fields.items()
            if field.column_type and fname not in models.MAGIC_COLUMNS
        ]
        self.assertEqual(
            group.read(fnames, load=None)[0] | {"id": False},
            core.procurement_group_id.read(fnames, load=None)[0] | {"id": False},
        )
        # Given values are kept, as core keeps them.
        given = Repair._rma_prefill_name_and_group(
            [dict(vals, name="R-GIVEN", procurement_group_id=group.id)]
        )
        self.assertEqual(given[0]["name"], "R-GIVEN")
        self.assertEqual(given[0]["procurement_group_id"], group.id)
        # The shortcut's orders are what core makes of those values.
        repair = Repair._rma_create_repairs([dict(vals)])
        self.assertEqual(repair.procurement_group_id.name, repair.name)
        self.assertTrue(repair.name.startswith(sequence.prefix or ""))
