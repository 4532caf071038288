# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest import SkipTest

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

# Demo RMA → the state its story leaves it in.
DEMO_STATES = {
    "demo_rma_draft": "draft",
    "demo_rma_submitted": "submitted",
    "demo_rma_approved": "approved",
    "demo_rma_received": "received",
    "demo_rma_in_progress": "in_progress",
    "demo_rma_done_refund": "done",
    "demo_rma_done_replace": "done",
    "demo_rma_done_return": "done",
    "demo_rma_rejected": "rejected",
    "demo_rma_cancelled": "cancelled",
    # Issue 14: solved without return (demo/rma_complaint_demo.xml).
    "demo_rma_solved": "solved",
}


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo data tells the seed stories with real documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref(
            "rma_warranty.demo_rma_done_refund", raise_if_not_found=False
        ):
            raise SkipTest("rma_warranty demo data is not installed")
        cls.warehouse = cls.env.ref("rma_warranty.demo_rma_received").warehouse_id
        cls.distributor = cls.env.ref("rma_warranty.demo_partner_distributor")
        cls.end_user = cls.env.ref("rma_warranty.demo_user_enduser").partner_id

    def _ref(self, xmlid):
        return self.env.ref(f"rma_warranty.{xmlid}")

    def _rma(self, name):
        return self._ref(f"demo_rma_{name}")

    def test_an_rma_in_every_state(self):
        for xmlid, state in DEMO_STATES.items():
            with self.subTest(rma=xmlid):
                self.assertEqual(self._ref(xmlid).state, state)
        states = dict(self.env["rma.order"]._fields["state"].selection)
        self.assertEqual(set(DEMO_STATES.values()), set(states))
        channels = {self._ref(xmlid).channel for xmlid in DEMO_STATES}
        self.assertEqual(channels, {"backend", "portal", "email", "distributor"})

    def test_sales_delivered_with_serials_in_and_out_of_warranty(self):
        """Deliveries carry the serials and date the units: 2 months old (replacement
        window), 14 months (past a 1-year warranty, inside 2 or 3 years), 4 years."""
        today = fields.Date.context_today(self.env["sale.order"])
        for sale, lots, older_than, younger_than in (
            (
                "demo_sale_distributor_old",
                {"QN464-2301", "QN464-2302", "QN464-2303"},
                relativedelta(years=1),
                relativedelta(years=2),
            ),
            (
                "demo_sale_distributor_new",
                {"QN464-2501", "QN464-2502"},
                relativedelta(days=30),
                relativedelta(months=6),
            ),
            (
                "demo_sale_enduser",
                {"QN464-2503"},
                relativedelta(days=30),
                relativedelta(months=6),
            ),
            (
                "demo_sale_factory_old",
                {"HBT156-2101", "HBT156-2102"},
                relativedelta(years=3, days=1),
                relativedelta(years=10),
            ),
        ):
            with self.subTest(sale=sale):
                order = self._ref(sale)
                picking = order.picking_ids
                self.assertEqual(picking.state, "done")
                self.assertEqual(set(picking.move_line_ids.lot_id.mapped("name")), lots)
                delivered = picking.date_done.date()
                self.assertEqual({m.date.date() for m in picking.move_ids}, {delivered})
                self.assertLess(delivered, today - older_than)
                self.assertGreater(delivered, today - younger_than)
                invoice = order.invoice_ids
                self.assertEqual(invoice.state, "posted")
                self.assertEqual(invoice.invoice_date, delivered)

    def test_origin_found_by_serial(self):
        approved = self._rma("approved").line_ids
        sale_line = self._ref("demo_sale_distributor_old").order_line
        self.assertEqual(approved.origin_sale_line_id, sale_line)
        self.assertEqual(approved.origin_move_id.sale_line_id, sale_line)
        self.assertEqual(approved.origin_invoice_line_id.sale_line_ids, sale_line)
        self.assertEqual(approved.origin_invoice_line_id.parent_state, "posted")
        self.assertEqual(approved.origin_partner_id, self.distributor)
        # Filed by the distributor for its end customer.
        self.assertEqual(approved.order_id.channel, "distributor")
        self.assertEqual(approved.order_id.distributor_id, self.distributor)
        self.assertNotEqual(approved.order_id.partner_id, self.distributor)
        draft = self._rma("draft")
        self.assertEqual(
            draft.line_ids.origin_partner_id, self.end_user.commercial_partner_id
        )
        self.assertTrue(draft.line_ids.origin_invoice_line_id)
        self.assertFalse(draft.distributor_id)
        self.assertFalse(draft.has_unknown_origin)

    def test_distributor_found_when_end_user_files(self):
        rma = self._rma("received")
        self.assertEqual(rma.channel, "portal")
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertEqual(rma.distributor_id, self.distributor)
        line = rma.line_ids
        self.assertEqual(line.origin_partner_id, self.distributor)
        self.assertEqual(
            line.origin_move_id.picking_id,
            self._ref("demo_sale_distributor_new").picking_ids,
        )
        self.assertTrue(line.origin_invoice_line_id)

    def test_bought_elsewhere_has_no_origin(self):
        rma = self._rma("submitted")
        self.assertFalse(rma.line_ids.origin_move_id)
        self.assertFalse(rma.line_ids.origin_invoice_line_id)
        self.assertTrue(rma.has_unknown_origin)

    def test_received_units_are_in_the_rma_location(self):
        rma = self._rma("received")
        self.assertTrue(rma.name.startswith("RMA/"))
        self.assertEqual(rma.line_ids.qty_received, 1.0)
        quants = self.env["stock.quant"].search(
            [
                ("location_id", "=", self.warehouse.rma_loc_id.id),
                ("lot_id", "in", rma.line_ids.lot_id.ids),
            ]
        )
        self.assertEqual(sum(quants.mapped("quantity")), 1.0)

    def test_done_refund_has_its_credit_note(self):
        rma = self._rma("done_refund")
        refund = rma.refund_ids
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.move_type, "out_refund")
        self.assertIn(refund.state, ("draft", "posted"))
        invoice = self._ref("demo_sale_distributor_new").invoice_ids
        self.assertEqual(refund.reversed_entry_id, invoice)
        for line in rma.line_ids:
            with self.subTest(unit=line.display_name):
                self.assertTrue(line.is_resolved)
                credit = line.refund_line_ids
                self.assertEqual(credit.move_id, refund)
                self.assertEqual(
                    credit.price_unit, line.origin_invoice_line_id.price_unit
                )
                self.assertEqual(credit.quantity, line.quantity)

    def test_replacements_and_returns_are_real_deliveries(self):
        out_type = self.warehouse.rma_out_type_id
        pending = self._rma("in_progress").picking_ids.filtered(
            lambda p: p.picking_type_id == out_type
        )
        self.assertEqual(pending.state, "assigned")
        self.assertEqual(pending.location_id, self.warehouse.lot_stock_id)
        self.assertEqual(
            pending.move_line_ids.lot_id, self._ref("demo_lot_panel_pc_2590")
        )
        for name, lot, source in (
            ("done_replace", "demo_lot_inverter_2590", self.warehouse.lot_stock_id),
            ("done_return", "demo_lot_panel_pc_2101", self.warehouse.rma_loc_id),
        ):
            with self.subTest(rma=name):
                rma = self._rma(name)
                delivery = rma.picking_ids.filtered(
                    lambda p: p.picking_type_id == out_type
                )
                self.assertEqual(delivery.state, "done")
                self.assertEqual(delivery.location_id, source)
                self.assertEqual(delivery.move_line_ids.lot_id, self._ref(lot))
                self.assertEqual(rma.line_ids.qty_delivered, 1.0)

    def test_rejected_and_cancelled(self):
        rejected = self._rma("rejected")
        self.assertIn("Housing damage", rejected.reject_reason)
        self.assertFalse(rejected.picking_ids)
        cancelled = self._rma("cancelled")
        self.assertEqual(cancelled.picking_ids.state, "cancel")

    def test_demo_warranty_stories(self):
        today = fields.Date.context_today(self.env.user)
        # Hibertek: panel PC delivered 14 months ago, LCD still covered (2 years),
        # motherboard not (1 year), chassis by the unit (3 years).
        panel = self._ref("demo_lot_panel_pc_2401")
        answers = {
            name: panel._get_warranty_entitlement(
                on_date=today, component=self._ref(f"demo_component_{name}")
            )[panel].kind
            for name in ("lcd", "motherboard", "chassis")
        }
        self.assertEqual(
            answers, {"lcd": "warranty", "motherboard": "none", "chassis": "warranty"}
        )
        # Four years ago: out of warranty altogether.
        old = self._ref("demo_lot_panel_pc_2101")
        self.assertEqual(old._get_warranty_entitlement(on_date=today)[old].kind, "none")
        # SolaX: registered within the grace period, the warranty starts at the
        # purchase, a month after our delivery; the homeowner owns the unit now.
        inverter = self._ref("demo_lot_inverter_2301")
        unit = inverter.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        )
        self.assertEqual(unit.origin, "registration")
        registration = self._ref("demo_registration_inverter_2301")
        self.assertEqual(unit.registration_id, registration)
        self.assertEqual(unit.date_start, registration.purchase_date)
        self.assertEqual(
            inverter.warranty_owner_id, self._ref("demo_partner_homeowner")
        )
        self.assertEqual(inverter.warranty_sold_to_id, self._ref("demo_partner_solar"))
        # Every demo RMA unit with a serial got its entitlement at submission.
        lines = self.env["rma.order.line"].search(
            [("lot_id", "!=", False), ("state", "not in", ("draft", "cancelled"))]
        )
        self.assertTrue(lines)
        self.assertTrue(all(line.entitlement_kind for line in lines))
