# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
from unittest import SkipTest

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from ..models.rma_warranty_coverage import local_date

# Demo RMA unit → the repair status its story leaves it in (False: no longer a repair).
DEMO_REPAIRS = {
    "demo_rma_repair_prepaid_line": "quoted",
    "demo_rma_repair_diagnose_line": "to_diagnose",
    "demo_rma_repair_quoted_line_lcd": "quoted",
    "demo_rma_repair_quoted_line_board": "quoted",
    "demo_rma_repair_accepted_line": "to_repair",
    "demo_rma_repair_repairing_line": "repairing",
    "demo_rma_repair_check_line": "to_check",
    "demo_rma_repair_rework_line": "to_repair",
    "demo_rma_repair_ready_line": "ready",
    "demo_rma_repair_shipped_line": "ready",
    "demo_rma_repair_refused_line": "refused",
    "demo_rma_repair_returned_line": False,
}


@tagged("post_install", "-at_install")
class TestDemoRepairs(TransactionCase):
    """The repair demo shows one repair in every step, with real documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref(
            "rma_warranty.demo_rma_repair_shipped", raise_if_not_found=False
        ):
            raise SkipTest("rma_warranty demo data is not installed")
        cls.today = fields.Date.context_today(cls.env.user)
        cls.nas_policy = cls.env.ref("rma_warranty.demo_policy_nas")

    def _ref(self, xmlid):
        return self.env.ref(f"rma_warranty.{xmlid}")

    def _line(self, name):
        return self._ref(f"demo_rma_repair_{name}_line")

    def _quote_line(self, quote, product_xmlid):
        line = quote.order_line.filtered(
            lambda sol: sol.product_id == self._ref(product_xmlid)
        )
        self.assertEqual(len(line), 1, product_xmlid)
        return line

    def test_a_repair_in_every_status(self):
        for xmlid, status in DEMO_REPAIRS.items():
            with self.subTest(unit=xmlid):
                self.assertEqual(self._ref(xmlid).repair_status, status)
        statuses = dict(self.env["rma.order.line"]._fields["repair_status"].selection)
        self.assertEqual(set(DEMO_REPAIRS.values()) - {False}, set(statuses))
        # The seed vendors' flows: QNAP quotes before shipping, Hibertek after.
        self.assertEqual(self.nas_policy.repair_quote_flow, "prepaid")
        self.assertEqual(
            self._ref("demo_policy_panel_pc").repair_quote_flow, "after_diagnosis"
        )
        self.assertEqual(
            self._ref("demo_policy_inverter").repair_quote_flow, "after_diagnosis"
        )
        self.assertEqual(self._line("prepaid").repair_flow, "prepaid")
        self.assertEqual(self._line("diagnose").repair_flow, "after_diagnosis")

    def test_tariffs_by_damage_level(self):
        Tariff = self.env["rma.repair.tariff"]
        nas = self._ref("demo_product_nas")
        panel = self._ref("demo_product_panel_pc")
        minor = self._ref("damage_level_minor")
        moderate = self._ref("damage_level_moderate")
        severe = self._ref("damage_level_severe")
        found = Tariff._find_for(
            {(nas, minor), (nas, moderate), (nas, severe), (panel, moderate)}
        )
        self.assertEqual(found[(nas, minor)], self._ref("demo_tariff_nas_minor"))
        self.assertEqual(found[(nas, severe)], self._ref("demo_tariff_nas_severe"))
        self.assertEqual(
            found[(panel, moderate)], self._ref("demo_tariff_panel_pc_moderate")
        )
        for xmlid, component in (
            ("demo_tariff_panel_pc_moderate", "demo_component_lcd"),
            ("demo_tariff_panel_pc_severe", "demo_component_motherboard"),
        ):
            with self.subTest(tariff=xmlid):
                part = self._ref(xmlid).line_ids.filtered(lambda t: t.kind == "part")
                self.assertEqual(part.component_id, self._ref(component))
                self.assertTrue(part.product_id.is_storable)
                self.assertGreater(part.product_id.qty_available, 0)

    def test_prepaid_quote_holds_the_shipping(self):
        line = self._line("prepaid")
        rma = line.order_id
        self.assertEqual(rma.state, "approved")
        self.assertTrue(rma.shipping_hold)
        self.assertFalse(line.entitlement_free_repair)
        quote = line.quote_id
        self.assertEqual(quote.state, "sent")
        self.assertTrue(quote.require_payment)
        self.assertFalse(line.quote_paid)
        self.assertEqual(line.repair_id.state, "draft")
        self.assertEqual(line.repair_id.sale_order_id, quote)
        # What the customer reported prices the quote: level 2, the power board.
        tariff = self._ref("demo_tariff_nas_moderate")
        self.assertEqual(
            set(quote.order_line.product_id.ids), set(tariff.line_ids.product_id.ids)
        )
        self.assertTrue(all(sol.price_unit > 0 for sol in quote.order_line))
        receipt = rma.picking_ids
        self.assertEqual(receipt.picking_type_code, "incoming")
        self.assertNotEqual(receipt.state, "done")
        with self.assertRaises(UserError):
            rma.action_print_authorisation()
        # Paid ones were released and their units received.
        for name in ("accepted", "shipped", "check"):
            with self.subTest(rma=name):
                other = self._line(name)
                self.assertFalse(other.order_id.shipping_hold)
                self.assertEqual(other.quote_id.state, "sale")
                self.assertEqual(other.qty_received, 1.0)

    def test_to_diagnose_has_no_quote_yet(self):
        line = self._line("diagnose")
        self.assertEqual(line.order_id.state, "received")
        self.assertEqual(line.qty_received, 1.0)
        self.assertFalse(line.damage_level_id)
        self.assertFalse(line.quote_ids)
        self.assertFalse(line.repair_ids)

    def test_component_coverage_prices_the_parts(self):
        """Hibertek, 14 months: the LCD (2 years) is repaired free, the customer pays
        half of the return shipping; the motherboard (1 year) is paid in full."""
        lcd = self._ref("demo_rma_repair_quoted_line_lcd")
        board = self._ref("demo_rma_repair_quoted_line_board")
        self.assertEqual(lcd.order_id, board.order_id)
        self.assertEqual(lcd.entitlement_kind, "warranty")
        self.assertEqual(board.entitlement_kind, "none")
        self.assertEqual((lcd | board).quote_id.mapped("state"), ["sent", "sent"])
        self.assertTrue(lcd.quote_id.require_signature)
        self.assertEqual(
            self._quote_line(lcd.quote_id, "demo_product_lcd_module").price_unit, 0.0
        )
        self.assertEqual(
            self._quote_line(lcd.quote_id, "demo_product_repair_labour").price_unit,
            0.0,
        )
        shipping = self._quote_line(lcd.quote_id, "demo_product_return_shipping")
        self.assertEqual(shipping.discount, 50.0)
        self.assertGreater(shipping.price_unit, 0.0)
        mainboard = self._ref("demo_product_part_panel_pc_mainboard")
        self.assertEqual(
            self._quote_line(
                board.quote_id, "demo_product_part_panel_pc_mainboard"
            ).price_unit,
            mainboard.lst_price,
        )
        self.assertGreater(
            self._quote_line(board.quote_id, "demo_product_repair_labour").price_unit,
            0.0,
        )
        self.assertEqual(
            self._quote_line(board.quote_id, "demo_product_return_shipping").discount,
            0.0,
        )
        self.assertTrue(lcd.repair_id.under_warranty)
        self.assertFalse(board.repair_id.under_warranty)
        self.assertEqual((lcd | board).repair_id.mapped("state"), ["draft", "draft"])

    def test_repair_orders_follow_the_quotes(self):
        accepted = self._line("accepted")
        self.assertEqual(accepted.order_id.state, "received")
        self.assertEqual(accepted.repair_id.state, "confirmed")
        self.assertEqual(accepted.repair_id.lot_id, accepted.lot_id)
        self.assertEqual(
            accepted.repair_id.move_ids.product_id,
            self._ref("demo_product_part_nas_power_board"),
        )
        self.assertEqual(self._line("repairing").repair_id.state, "under_repair")
        check = self._line("check")
        self.assertEqual(check.repair_id.state, "done")
        self.assertFalse(check.qc_result)
        # In warranty: labour is free, half the return shipping is not.
        self.assertEqual(check.entitlement_kind, "warranty")
        self.assertTrue(check.repair_id.under_warranty)
        self.assertEqual(
            self._quote_line(check.quote_id, "demo_product_repair_labour").price_unit,
            0.0,
        )
        ready = self._line("ready")
        self.assertEqual(ready.repair_id.state, "done")
        self.assertEqual(ready.qc_result, "pass")
        self.assertEqual(ready.order_id.state, "in_progress")
        part = ready.repair_id.move_ids
        self.assertEqual(part.state, "done")
        self.assertEqual(
            part.product_id, self._ref("demo_product_part_panel_pc_mainboard")
        )
        warehouse = ready.order_id.warehouse_id
        delivery = ready.move_ids.filtered(
            lambda m: m.location_dest_id.usage == "customer"
        )
        self.assertEqual(delivery.state, "assigned")
        self.assertEqual(delivery.location_id, warehouse.rma_loc_id)
        self.assertEqual(delivery.move_line_ids.lot_id, ready.lot_id)
        self.assertEqual(ready.qty_delivered, 0.0)

    def test_failed_quality_check_reworks_at_our_cost(self):
        line = self._line("rework")
        self.assertEqual(line.qc_result, "fail")
        self.assertIn("pinched", line.qc_note)
        first, rework = line.repair_ids.sorted("id")
        self.assertEqual(first.state, "done")
        self.assertEqual(first.sale_order_id, line.quote_id)
        self.assertEqual(rework.state, "confirmed")
        self.assertEqual(line.repair_id, rework)
        self.assertTrue(rework.under_warranty)
        self.assertFalse(rework.sale_order_id)
        self.assertEqual(rework.lot_id, line.lot_id)
        self.assertFalse(rework.move_ids)  # no part is quoted again
        self.assertEqual(line.qty_delivered, 0.0)

    def test_shipped_repair_gets_post_repair_coverage(self):
        line = self._line("shipped")
        rma = line.order_id
        self.assertEqual(rma.state, "done")
        self.assertEqual(line.repair_id.state, "done")
        self.assertEqual(line.qc_result, "pass")
        self.assertEqual(line.qty_delivered, 1.0)
        self.assertEqual(line.entitlement_kind, "none")
        lot = line.lot_id
        standard = lot.warranty_coverage_ids.filtered(
            lambda c: c.kind == "standard" and not c.component_id
        )
        self.assertLess(max(standard.mapped("date_end")), self.today)
        post = lot.warranty_coverage_ids.filtered(lambda c: c.kind == "post_repair")
        self.assertEqual(len(post), 1)
        delivery = line.move_ids.filtered(
            lambda m: m.location_dest_id.usage == "customer"
        )
        self.assertEqual(delivery.state, "done")
        self.assertEqual(post.move_id, delivery)
        # The day of the delivery where the customer lives (the demo was loaded
        # on that day, maybe not today).
        self.assertEqual(post.date_start, local_date(delivery.date, lot._warranty_tz()))
        self.assertEqual(
            post.date_end,
            post.date_start
            + datetime.timedelta(days=self.nas_policy.post_repair_days - 1),
        )
        self.assertEqual(self.nas_policy.post_repair_days, 180)
        self.assertEqual(
            lot._get_warranty_entitlement(on_date=self.today)[lot].kind, "post_repair"
        )
        # The paid repair was invoiced through the quote.
        self.assertEqual(line.quote_id.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(line.quote_id.invoice_status, "invoiced")

    def test_customer_damage_voids_the_coverage(self):
        line = self._line("repairing")
        self.assertEqual(line.damage_class, "housing")
        self.assertTrue(line.damage_void)
        self.assertEqual(line.entitlement_kind, "none")
        self.assertTrue(line.entitlement_override_reason)
        # Without the damage the unit would be covered: 10 months old, 2 years...
        self.assertEqual(line.entitlement_auto_kind, "warranty")
        # ...but the void is kept on the serial: it is no longer covered at all.
        lot = line.lot_id
        self.assertEqual(lot.warranty_void_ids.rma_line_id, line)
        self.assertEqual(
            lot._get_warranty_entitlement(on_date=self.today)[lot].kind, "none"
        )
        self.assertEqual(line.quote_id.state, "sale")
        self.assertTrue(all(sol.price_unit > 0 for sol in line.quote_id.order_line))
        self.assertFalse(line.repair_id.under_warranty)

    def test_refused_quotes(self):
        refused = self._line("refused")
        self.assertTrue(refused.repair_refused)
        self.assertEqual(refused.resolution, "repair")
        self.assertEqual(refused.quote_id.state, "cancel")
        self.assertEqual(refused.repair_id.state, "cancel")
        self.assertEqual(refused.order_id.state, "received")
        self.assertEqual(refused.qty_delivered, 0.0)
        # Declined, then returned as-is with QNAP's inspection fee.
        returned = self._line("returned")
        self.assertFalse(returned.repair_refused)
        self.assertEqual(returned.resolution, "return")
        self.assertEqual(returned.order_id.state, "done")
        self.assertEqual(returned.qty_delivered, 1.0)
        self.assertEqual(returned.repair_ids.state, "cancel")
        # The fee order is not one of the unit's quotes.
        self.assertEqual(returned.quote_ids.mapped("state"), ["cancel"])
        fee = self.env["sale.order"].search(
            [("rma_line_id", "=", returned.id), ("rma_fee", "=", True)]
        )
        self.assertEqual(fee.state, "sale")
        self.assertEqual(
            fee.order_line.product_id, self.nas_policy.refusal_fee_product_id
        )
        self.assertEqual(fee.invoice_ids.mapped("state"), ["posted"])
