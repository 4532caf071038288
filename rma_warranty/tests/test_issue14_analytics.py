# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RmaCommon

FEB = datetime.datetime(2026, 2, 2, 9, 0)
MARCH = datetime.datetime(2026, 3, 2, 8, 0)
HOUR = datetime.timedelta(hours=1)
# Queries of the dashboard, whatever the number of RMAs.
QUERIES = 26  # 24 + the service levels' grouped query + return reasons (issue 17)


class AnalyticsCommon(RmaCommon):
    """A service centre of its own (so that the demo data stays out of the numbers)
    with known deliveries and RMAs."""

    _hub_name = "Analytics Hub"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].create(
            {"name": cls._hub_name, "code": "ANH"}
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.lcd = cls.env["rma.warranty.component"].create({"name": "Analytics LCD"})
        cls.adapter = cls.env["product.product"].create(
            {
                "name": "Analytics Adapter",
                "is_storable": True,
                "list_price": 30.0,
                "standard_price": 10.0,
                "invoice_policy": "delivery",
            }
        )

    @classmethod
    def _deliver(cls, product, lots=None, qty=0.0, when=None, price=None):
        """Sell and deliver from the analytics hub (at ``when``), and invoice."""
        with freeze_time(when or fields.Datetime.now()):
            quantity = len(lots) if lots else qty
            cls._put_in_stock(product, lots=lots, qty=0.0 if lots else qty)
            line_vals = {"product_id": product.id, "product_uom_qty": quantity}
            if price is not None:
                line_vals["price_unit"] = price
            order = cls.env["sale.order"].create(
                {
                    "partner_id": cls.end_user.id,
                    "warehouse_id": cls.warehouse.id,
                    "order_line": [Command.create(line_vals)],
                }
            )
            order.action_confirm()
            move = order.picking_ids.move_ids
            if lots:
                move.move_line_ids.unlink()
                cls.env["stock.move.line"].create(
                    [
                        dict(
                            move._prepare_move_line_vals(quantity=1.0),
                            lot_id=lot.id,
                            location_id=cls.stock_location.id,
                        )
                        for lot in lots
                    ]
                )
            else:
                move.quantity = quantity
            move.picked = True
            order.picking_ids._action_done()
            order._create_invoices().action_post()
        return order

    def _rma_at(self, when, lines, approve_after=None, receive_after=None):
        """An RMA submitted at ``when``, approved ``approve_after`` and received
        ``receive_after`` later (timedeltas)."""
        with freeze_time(when):
            rma = self._new_rma(self.end_user, lines)
            rma.action_submit()
        if approve_after is not None:
            with freeze_time(when + approve_after):
                rma.action_approve()
        if receive_after is not None:
            with freeze_time(when + receive_after):
                self._receive(rma)
        return rma

    def _dashboard(self, user=None, **kwargs):
        env = self.env(user=user) if user else self.env
        return env["rma.report.dashboard"].get_dashboard_data(
            warehouse_id=self.warehouse.id, **kwargs
        )


@tagged("post_install", "-at_install")
class TestIssue14AnalyticsFailure(AnalyticsCommon):
    """Failure rates: RMA units against units delivered, per product, serial,
    component and month; turnaround per step from known dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, [f"AN-FAIL-{i}" for i in range(10)])
        cls._deliver(cls.product, lots=cls.lots, when=FEB, price=480.0)
        cls._deliver(cls.adapter, qty=20, when=FEB)

    def _failure_setup(self):
        spare = self._create_lots(self.product, ["AN-SPARE-1"])
        self._put_in_stock(self.product, lots=spare)
        refund = self._rma_at(
            MARCH,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.lots[0].id,
                    "quantity": 1,
                    "resolution": "refund",
                    "failed_component_id": self.lcd.id,
                    "damage_class": "defect",
                }
            ],
            approve_after=4 * HOUR,
            receive_after=28 * HOUR,
        )
        swap = self._rma_at(
            MARCH,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.lots[1].id,
                    "quantity": 1,
                    "resolution": "replace",
                    "damage_class": "housing",
                }
            ],
            approve_after=2 * HOUR,
            receive_after=26 * HOUR,
        )
        with freeze_time(MARCH + 50 * HOUR):
            (refund | swap).action_process()
            refund.refund_ids.action_post()
            self._validate(
                swap.picking_ids.filtered(
                    lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
                )
            )
        adapters = self._rma_at(MARCH, [(self.adapter, None, 3)])
        return refund, swap, adapters

    def test_failure_rates_per_product_month_lot_component(self):
        refund, swap, _adapters = self._failure_setup()
        self.assertEqual(refund.state, "done")
        self.assertEqual(swap.state, "done")
        data = self._dashboard(date_from="2026-02-01", date_to="2026-03-31")
        failure = data["sections"]["failure"]
        self.assertEqual(failure["delivered"], 30.0)
        self.assertEqual(failure["rma"], 5.0)
        self.assertEqual(failure["rate"], 16.67)
        self.assertEqual(
            [
                (p["name"], p["delivered"], p["rma"], p["rate"])
                for p in failure["products"]
            ],
            [
                (self.product.display_name, 10.0, 2.0, 20.0),
                (self.adapter.display_name, 20.0, 3.0, 15.0),
            ],
        )
        self.assertEqual(
            [
                (m["month"], m["delivered"], m["rma"], m["rate"])
                for m in failure["months"]
            ],
            [("2026-02-01", 30.0, 0.0, 0.0), ("2026-03-01", 0.0, 5.0, 16.67)],
        )
        # March alone: its RMA units against the units delivered up to its end.
        march = self._dashboard(date_from="2026-03-01", date_to="2026-03-31")
        failure = march["sections"]["failure"]
        self.assertEqual((failure["delivered"], failure["rma"]), (30.0, 5.0))
        self.assertEqual(failure["rate"], 16.67)
        self.assertEqual(
            [(m["month"], m["installed"], m["rma"]) for m in failure["months"]],
            [("2026-03-01", 30.0, 5.0)],
        )
        # Before the deliveries: nothing delivered yet.
        february = self._dashboard(date_from="2026-01-01", date_to="2026-01-31")
        self.assertEqual(february["sections"]["failure"]["delivered"], 0.0)
        # The replacement shipped is not a sale: still 10 units of the NAS delivered.
        Report = self.env["rma.report.failure"]
        domain = [("warehouse_id", "=", self.warehouse.id)]
        by_lot = {
            lot: (delivered, rma)
            for lot, delivered, rma in Report._read_group(
                [*domain, ("product_id", "=", self.product.id)],
                ["lot_id"],
                ["qty_delivered:sum", "qty_rma:sum"],
            )
        }
        self.assertEqual(by_lot[self.lots[0]], (1.0, 1.0))
        self.assertEqual(by_lot[self.lots[2]], (1.0, 0.0))
        self.assertNotIn(
            self.env["stock.lot"].search([("name", "=", "AN-SPARE-1")]), by_lot
        )
        # The LCD failed on 1 of the 10 NAS delivered.
        self.assertEqual(failure["component_rates"], {self.lcd.id: 10.0})
        by_component = dict(
            Report._read_group(domain, ["component_id"], ["qty_rma:sum"])
        )
        self.assertEqual(by_component[self.lcd], 1.0)
        # Another period: nothing.
        empty = self._dashboard(date_from="2025-01-01", date_to="2025-12-31")
        self.assertEqual(empty["sections"]["failure"]["delivered"], 0.0)
        self.assertIsNone(empty["sections"]["failure"]["rate"])
        self.assertEqual(empty["sections"]["failure"]["products"], [])

    def test_turnaround_per_step_and_faults(self):
        refund, swap, adapters = self._failure_setup()
        units = self.env["rma.report.unit"].search(
            [("order_id", "in", (refund | swap).ids)]
        )
        hours = {
            u.line_id: (u.hours_to_approve, u.hours_to_receive, u.hours_to_ship)
            for u in units
        }
        self.assertEqual(hours[refund.line_ids], (4.0, 24.0, 0.0))
        self.assertEqual(hours[swap.line_ids], (2.0, 24.0, 24.0))
        shipped = units.filtered(lambda u: u.line_id == swap.line_ids)
        self.assertEqual(shipped.hours_total, 50.0)
        self.assertEqual(shipped.date_shipped, MARCH + 50 * HOUR)
        data = self._dashboard(date_from="2026-03-01", date_to="2026-03-31")
        sections = data["sections"]
        # Averages over the units that went through the step (the adapters'
        # RMA is only submitted).
        self.assertEqual(
            sections["turnaround"],
            {
                "hours_to_approve": 3.0,
                "hours_to_receive": 24.0,
                "hours_to_ship": 24.0,
                "hours_total": 50.0,
            },
        )
        faults = sections["faults"]
        self.assertEqual(
            [(c["name"], c["units"]) for c in faults["components"]],
            [(self.lcd.name, 1.0)],
        )
        self.assertEqual(
            {(c["id"], c["units"]) for c in faults["damage_classes"]},
            {("defect", 1.0), ("housing", 1.0)},
        )
        overview = sections["overview"]
        self.assertEqual(overview["submitted"], 3)
        self.assertEqual(overview["done"], 2)
        self.assertEqual(overview["open"], 1)  # the adapters, submitted
        # Late is the service levels' late: the adapters' review, due in March,
        # is still running.
        self.assertEqual(overview["late"], 1)
        self.assertEqual(
            self.env["rma.order"].search(overview["late_domain"]), adapters
        )


@tagged("post_install", "-at_install")
class TestIssue14AnalyticsMoney(AnalyticsCommon):
    """Warranty cost (free repairs' parts and labour at cost, swaps, credit notes)
    against paid-repair revenue, and ratings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Analytics Policy",
                "warranty_months": 36,
                "shipping_in_warranty": "vendor",
                "shipping_out_warranty": "customer",
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.lcd_part = cls.env["product.product"].create(
            {
                "name": "AN LCD Panel",
                "is_storable": True,
                "list_price": 120.0,
                "standard_price": 40.0,
            }
        )
        cls.board_part = cls.env["product.product"].create(
            {
                "name": "AN Main Board",
                "is_storable": True,
                "list_price": 200.0,
                "standard_price": 70.0,
            }
        )
        cls.labour = cls.env["product.product"].create(
            {
                "name": "AN Repair Labour",
                "type": "service",
                "list_price": 60.0,
                "standard_price": 25.0,
                "invoice_policy": "order",
            }
        )
        cls.shipping = cls.env["product.product"].create(
            {
                "name": "AN Return Shipping",
                "type": "service",
                "list_price": 20.0,
                "invoice_policy": "order",
            }
        )
        cls._put_in_stock(cls.lcd_part, qty=10)
        cls._put_in_stock(cls.board_part, qty=10)
        cls.env["rma.repair.tariff"].create(
            {
                "name": "AN NAS level 2",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "line_ids": [
                    Command.create({"kind": "part", "product_id": cls.lcd_part.id}),
                    Command.create({"kind": "part", "product_id": cls.board_part.id}),
                    Command.create(
                        {"kind": "labour", "product_id": cls.labour.id, "quantity": 2}
                    ),
                    Command.create({"kind": "shipping", "product_id": cls.shipping.id}),
                ],
            }
        )
        now = fields.Datetime.now()
        cls.lots = cls._create_lots(cls.product, [f"AN-CASH-{i}" for i in range(5)])
        cls._deliver(
            cls.product,
            lots=cls.lots[:4],
            when=now - relativedelta(months=2),
            price=480,
        )
        cls._deliver(
            cls.product, lots=cls.lots[4:], when=now - relativedelta(months=40)
        )

    def _unit_rma(self, lot, resolution):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": resolution,
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        return rma, rma.line_ids

    def _repair(self, rma, line):
        line.write(
            {
                "damage_level_id": self.level.id,
                "damage_class": "defect",
                "diagnosis": "x",
            }
        )
        line.action_rma_quote()
        if line.quote_id:
            line.quote_id.action_confirm()
        line.action_rma_repair_start()
        line.action_rma_repair_end()
        line._rma_qc("pass", "OK")
        rma.action_process()
        self._validate(
            rma.picking_ids.filtered(
                lambda p: (
                    p.picking_type_id == self.warehouse.rma_out_type_id
                    and p.state not in ("done", "cancel")
                )
            )
        )
        if line.quote_id:
            action = rma.with_user(self.rma_manager).action_invoice_repairs()
            self.env["account.move"].browse(action.get("res_id")).action_post()

    def _money_setup(self):
        spare = self._create_lots(self.product, ["AN-CASH-SPARE"])
        self._put_in_stock(self.product, lots=spare)
        refund, _line = self._unit_rma(self.lots[0], "refund")
        swap, _line = self._unit_rma(self.lots[1], "replace")
        (refund | swap).action_process()
        refund.refund_ids.action_post()
        self._validate(
            swap.picking_ids.filtered(
                lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
            )
        )
        # Free repair, nothing to pay: parts at cost.
        free, free_line = self._unit_rma(self.lots[2], "repair")
        self._repair(free, free_line)
        self.assertFalse(free_line.quote_id)
        # In warranty, the customer pays half the return shipping: a quote whose
        # covered parts and labour are our cost, the shipping our revenue.
        self.policy.shipping_in_warranty = "split"
        split, split_line = self._unit_rma(self.lots[3], "repair")
        self._repair(split, split_line)
        self.assertEqual(split_line.quote_id.amount_untaxed, 10.0)
        # Out of warranty: paid repair.
        paid, paid_line = self._unit_rma(self.lots[4], "repair")
        self._repair(paid, paid_line)
        self.assertEqual(paid_line.quote_id.amount_untaxed, 120 + 200 + 2 * 60 + 20)
        return refund, swap, free, split, paid

    def test_warranty_cost_against_repair_revenue(self):
        refund, swap, free, split, paid = self._money_setup()
        Report = self.env["rma.report.unit"]
        by_rma = {
            unit.order_id: (
                unit.cost_parts,
                unit.cost_labour,
                unit.cost_swap,
                unit.cost_refund,
                unit.warranty_cost,
                unit.repair_revenue,
            )
            for unit in Report.search([("warehouse_id", "=", self.warehouse.id)])
        }
        self.assertEqual(by_rma[refund], (0.0, 0.0, 0.0, 480.0, 480.0, 0.0))
        self.assertEqual(by_rma[swap], (0.0, 0.0, 300.0, 0.0, 300.0, 0.0))
        self.assertEqual(by_rma[free], (110.0, 0.0, 0.0, 0.0, 110.0, 0.0))
        self.assertEqual(by_rma[split], (110.0, 50.0, 0.0, 0.0, 160.0, 10.0))
        self.assertEqual(by_rma[paid], (0.0, 0.0, 0.0, 0.0, 0.0, 460.0))
        cost = self._dashboard()["sections"]["cost"]
        self.assertEqual(
            cost,
            {
                "cost_parts": 220.0,
                "cost_labour": 50.0,
                "cost_swap": 300.0,
                "cost_refund": 480.0,
                "cost_goodwill": 0.0,  # goodwill coupons (issue 17)
                "warranty_cost": 1050.0,
                "repair_revenue": 470.0,
            },
        )

    def test_ratings(self):
        rma, _line = self._unit_rma(self.lots[0], "refund")
        rma.action_process()
        rma.refund_ids.action_post()
        other, _line = self._unit_rma(self.lots[1], "refund")
        other.action_process()
        other.refund_ids.action_post()
        self.assertEqual(
            self._dashboard()["sections"]["rating"], {"average": None, "count": 0}
        )
        rma.rating_apply(5, token=rma._rating_get_access_token())
        other.rating_apply(2, token=other._rating_get_access_token())
        rating = self._dashboard()["sections"]["rating"]
        self.assertEqual(rating, {"average": 3.5, "count": 2})


@tagged("post_install", "-at_install")
class TestIssue14AnalyticsAccess(AnalyticsCommon):
    """Who may read the analytics, bad arguments, and the query budget."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(cls.env, "an_employee", groups="base.group_user")
        cls.portal = new_test_user(cls.env, "an_portal", groups="base.group_portal")
        cls.lots = cls._create_lots(cls.product, [f"AN-ACC-{i}" for i in range(22)])
        cls._deliver(cls.product, lots=cls.lots, when=FEB)

    def _submitted(self, lots):
        rmas = self.env["rma.order"].create(
            [
                {
                    "partner_id": self.end_user.id,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "lot_id": lot.id,
                                "quantity": 1,
                                "failed_component_id": self.lcd.id,
                            }
                        )
                    ],
                }
                for lot in lots
            ]
        )
        rmas.action_submit()
        return rmas

    def test_access(self):
        self._submitted(self.lots[:1])
        for user in (self.employee, self.portal):
            with self.assertRaises(AccessError):
                self._dashboard(user=user)
            with self.assertRaises(AccessError):
                self.env["rma.report.unit"].with_user(user).search([])
        data = self._dashboard(user=self.rma_user)
        self.assertEqual(data["sections"]["failure"]["rma"], 1.0)
        self.assertEqual(data["sections"]["overview"]["open"], 1)
        # Steps still running: no hit rate yet (closed steps: TestIssue14Wiring).
        self.assertEqual(
            data["sections"]["sla"],
            {"hit_rate": None, "met": 0, "missed": 0, "steps": []},
        )

    def test_other_company_excluded(self):
        other = self.env["res.company"].create({"name": "Analytics Other Co"})
        wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)])
        product = self.adapter.with_company(other)
        rma = (
            self.env["rma.order"]
            .with_company(other)
            .create(
                {
                    "company_id": other.id,
                    "partner_id": self.end_user.id,
                    "warehouse_id": wh.id,
                    "line_ids": [
                        Command.create({"product_id": product.id, "quantity": 2})
                    ],
                }
            )
        )
        rma.action_submit()
        self.rma_user.company_ids = self.company
        for model in ("rma.report.unit", "rma.report.failure"):
            Report = self.env[model]
            self.assertTrue(Report.search_count([("company_id", "=", other.id)]))
            self.assertFalse(
                Report.with_user(self.rma_user).search_count(
                    [("company_id", "=", other.id)]
                )
            )
        # Its service centre is not one the user may pick.
        with self.assertRaises(UserError):
            self.env(user=self.rma_user)["rma.report.dashboard"].get_dashboard_data(
                warehouse_id=wh.id
            )

    def test_pending_writes_are_read(self):
        rma = self._submitted(self.lots[:1])
        self.env.flush_all()
        rma.line_ids.damage_class = "self_repair"  # not flushed yet
        rows = self.env["rma.report.unit"]._read_group(
            [("warehouse_id", "=", self.warehouse.id)],
            ["damage_class"],
            ["quantity:sum"],
        )
        self.assertEqual(rows, [("self_repair", 1.0)])

    def test_menus(self):
        reporting = self.env.ref("rma_warranty.rma_warranty_menu_reporting")
        dashboard = self.env.ref("rma_warranty.rma_report_dashboard_menu")
        self.assertEqual(reporting.child_id.sorted("sequence")[0], dashboard)
        Menu = self.env["ir.ui.menu"]
        user_menus = Menu.with_user(self.rma_user)._visible_menu_ids()
        for xmlid in (
            "rma_warranty_menu_reporting",
            "rma_report_dashboard_menu",
            "rma_report_failure_menu",
            "rma_report_unit_menu",
            "rma_order_menu_analysis",
            "rma_order_line_menu",
        ):
            self.assertIn(self.env.ref(f"rma_warranty.{xmlid}").id, user_menus)
        # Configuration stays with the managers.
        configuration = self.env.ref("rma_warranty.rma_warranty_menu_configuration")
        self.assertNotIn(configuration.id, user_menus)
        self.assertNotIn(
            reporting.id, Menu.with_user(self.employee)._visible_menu_ids()
        )

    def test_wrong_arguments(self):
        Dashboard = self.env(user=self.rma_user)["rma.report.dashboard"]
        for kwargs in (
            {"date_from": 12},
            {"date_from": "yesterday"},
            {"date_to": ["2026-01-01"]},
            {"date_from": "2026-03-01", "date_to": "2026-02-01"},
            {"warehouse_id": "1"},
            {"warehouse_id": True},
            {"warehouse_id": [1]},
            {"warehouse_id": 999999999},
        ):
            with (
                self.subTest(**{k: repr(v) for k, v in kwargs.items()}),
                self.assertRaises(UserError),
            ):
                Dashboard.get_dashboard_data(**kwargs)
        data = Dashboard.get_dashboard_data(
            date_from="2026-01-01", date_to=datetime.date(2026, 12, 31)
        )
        self.assertEqual(data["filters"]["date_from"], "2026-01-01")

    def _count_dashboard_queries(self, Dashboard):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        data = Dashboard.get_dashboard_data(warehouse_id=self.warehouse.id)
        return data, self.cr.sql_log_count - before

    def test_query_count_does_not_grow(self):
        Dashboard = self.env(user=self.rma_user)["rma.report.dashboard"]
        self._submitted(self.lots[:2])
        self._count_dashboard_queries(Dashboard)  # warm the caches
        few, few_count = self._count_dashboard_queries(Dashboard)
        self._submitted(self.lots[2:20])
        self._count_dashboard_queries(Dashboard)
        many, many_count = self._count_dashboard_queries(Dashboard)
        self.assertEqual(few_count, many_count)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES):
            Dashboard.get_dashboard_data(warehouse_id=self.warehouse.id)
        self.assertEqual(few["sections"]["failure"]["rma"], 2.0)
        self.assertEqual(many["sections"]["failure"]["rma"], 20.0)
        self.assertEqual(many["sections"]["faults"]["components"][0]["units"], 20.0)


@tagged("post_install", "-at_install")
class TestIssue14AnalyticsDemo(RmaCommon):
    """The demo data gives the dashboard content."""

    def test_demo_dashboard_has_content(self):
        rma = self.env.ref(
            "rma_warranty.demo_rma_done_refund", raise_if_not_found=False
        )
        if not rma:
            self.skipTest("needs the demo data")
        data = self.env(user=self.rma_user)["rma.report.dashboard"].get_dashboard_data()
        sections = data["sections"]
        self.assertTrue(sections["overview"]["open"])
        self.assertTrue(sections["failure"]["delivered"])
        self.assertTrue(sections["failure"]["products"])
        self.assertTrue(sections["faults"]["components"])
        self.assertGreater(sections["cost"]["warranty_cost"], 0)
        self.assertGreater(sections["cost"]["cost_refund"], 0)
        self.assertGreaterEqual(sections["rating"]["count"], 2)
        self.assertEqual(rma.rating_last_value, 5)
