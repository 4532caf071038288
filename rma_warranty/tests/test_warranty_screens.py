# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import datetime

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RmaCommon

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestWarrantyScreens(RmaCommon):
    """Backend warranty screens: serials by coverage today, the serial's warranty
    page, registration from the serial, goodwill by hand, settings and RMA units."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lcd = cls.env["rma.warranty.component"].create({"name": "Screens LCD"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Screens Policy",
                "warranty_months": 12,
                "swap_days": 30,
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 6})
                ],
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.stock_user = new_test_user(
            cls.env, "screens_stock_user", groups="stock.group_stock_user"
        )
        names = [
            "SCR-SWAP",
            "SCR-WARRANTY",
            "SCR-EXTENDED",
            "SCR-POSTREPAIR",
            "SCR-GOODWILL",
            "SCR-COMPONENT",
            "SCR-ENDED",
            "SCR-STOCK",
        ]
        lots = cls._create_lots(cls.product, names)
        cls.lots = dict(zip(names, lots, strict=True))
        cls._sell(cls.end_user, cls.product, lots=cls.lots["SCR-SWAP"])
        now = fields.Datetime.now()
        with freeze_time(now - datetime.timedelta(days=60)):
            cls._sell(cls.end_user, cls.product, lots=cls.lots["SCR-WARRANTY"])
        with freeze_time(now - datetime.timedelta(days=430)):
            cls._sell(cls.distributor, cls.product, lots=lots[2:7])
        cls.today = fields.Date.context_today(cls.env.user)
        by_hand = {
            "SCR-EXTENDED": ("extended", False),
            "SCR-POSTREPAIR": ("post_repair", False),
            "SCR-GOODWILL": ("goodwill", False),
            # A component's period does not cover the whole unit.
            "SCR-COMPONENT": ("goodwill", cls.lcd.id),
        }
        cls.env["rma.warranty.coverage"].create(
            [
                {
                    "lot_id": cls.lots[name].id,
                    "product_id": cls.product.id,
                    "kind": kind,
                    "component_id": component_id,
                    "origin": "manual",
                    "date_start": cls.today - 10 * DAY,
                    "date_end": cls.today + 100 * DAY,
                    "reason": "Screens test",
                }
                for name, (kind, component_id) in by_hand.items()
            ]
        )
        cls.all_lots = lots
        cls.expected_kinds = {
            "SCR-SWAP": "swap",
            "SCR-WARRANTY": "warranty",
            "SCR-EXTENDED": "extended",
            "SCR-POSTREPAIR": "post_repair",
            "SCR-GOODWILL": "goodwill",
            "SCR-COMPONENT": "none",
            "SCR-ENDED": "none",
            "SCR-STOCK": "none",
        }

    def _lots(self, *names):
        return self.env["stock.lot"].union(*(self.lots[name] for name in names))

    def _views(self, model, modes, user):
        result = self.env[model].with_user(user).get_views([(False, m) for m in modes])
        return {m: etree.fromstring(result["views"][m]["arch"]) for m in modes}

    # ---- Serials by coverage today --------------------------------------------------

    def test_search_warranty_kind(self):
        Lot = self.env["stock.lot"].with_user(self.rma_user)
        scope = [("id", "in", self.all_lots.ids)]
        computed = {
            lot.name: lot.warranty_kind for lot in Lot.browse(self.all_lots.ids)
        }
        self.assertEqual(computed, self.expected_kinds)
        for kind in ("swap", "warranty", "extended", "post_repair", "goodwill", "none"):
            expected = self.all_lots.filtered(
                lambda lot, kind=kind: self.expected_kinds[lot.name] == kind
            )
            self.assertEqual(
                Lot.search(scope + [("warranty_kind", "=", kind)]), expected, kind
            )
            self.assertEqual(
                Lot.search(scope + [("warranty_kind", "!=", kind)]),
                self.all_lots - expected,
                kind,
            )
        self.assertEqual(
            Lot.search(scope + [("warranty_kind", "in", ["swap", "goodwill"])]),
            self._lots("SCR-SWAP", "SCR-GOODWILL"),
        )
        self.assertEqual(
            Lot.search(
                scope + [("warranty_kind", "not in", ["none", "warranty", "extended"])]
            ),
            self._lots("SCR-SWAP", "SCR-POSTREPAIR", "SCR-GOODWILL"),
        )
        # One query whatever the number of serials (once the user's time zone,
        # which gives today's date, is known).
        Lot.search(scope + [("warranty_kind", "=", "none")])
        for lots in (self.all_lots[:1], self.all_lots):
            with self.assertQueryCount(1):
                # sudo: no record rules, to count the search method's own queries.
                Lot.sudo().search(
                    [("id", "in", lots.ids), ("warranty_kind", "=", "none")]
                )

    def test_search_filters(self):
        search = self._views("stock.lot", ["search"], self.rma_user)["search"]
        Lot = self.env["stock.lot"].with_user(self.rma_user)
        scope = [("id", "in", self.all_lots.ids)]

        def found(name):
            node = search.xpath(f"//filter[@name='{name}']")
            self.assertTrue(node, name)
            return Lot.search(scope + safe_eval(node[0].get("domain")))

        self.assertEqual(
            found("warranty_covered"),
            self._lots(
                "SCR-SWAP",
                "SCR-WARRANTY",
                "SCR-EXTENDED",
                "SCR-POSTREPAIR",
                "SCR-GOODWILL",
            ),
        )
        # Out of warranty: coverage that has ended; never covered units are apart.
        self.assertEqual(
            found("warranty_out"), self._lots("SCR-COMPONENT", "SCR-ENDED")
        )
        stock_search = self._views("stock.lot", ["search"], self.stock_user)["search"]
        self.assertFalse(stock_search.xpath("//filter[@name='warranty_covered']"))
        # The owner and the buyer are searched as partners with their contacts.
        contact = self.env["res.partner"].create(
            {"name": "Screens Contact", "parent_id": self.distributor.id}
        )
        node = search.xpath("//field[@name='warranty_sold_to_id']")[0]
        self.assertEqual(
            Lot.search(
                scope + safe_eval(node.get("filter_domain"), {"raw_value": contact.id})
            ),
            self.env["stock.lot"],
        )
        self.assertEqual(
            Lot.search(
                scope
                + safe_eval(
                    node.get("filter_domain"), {"raw_value": self.distributor.id}
                )
            ),
            self.all_lots[2:7],
        )

    def test_serial_numbers_action(self):
        action = self.env.ref("rma_warranty.stock_lot_action_warranty")
        menu = self.env.ref("rma_warranty.stock_lot_menu_warranty")
        self.assertEqual(menu.action, action)
        self.assertEqual(
            menu.parent_id, self.env.ref("rma_warranty.rma_warranty_menu_warranty")
        )
        untracked_lot = self.env["stock.lot"].create(
            {
                "name": "SCR-LOT-TRACKED",
                "product_id": self.env["product.product"]
                .create(
                    {"name": "Screens Cable", "is_storable": True, "tracking": "lot"}
                )
                .id,
            }
        )
        domain = safe_eval(action.domain)
        lots = self.env["stock.lot"].with_user(self.rma_user).search(domain)
        self.assertIn(self.lots["SCR-STOCK"], lots)
        self.assertNotIn(untracked_lot, lots)
        context = safe_eval(action.context, {"allowed_company_ids": [self.company.id]})
        self.assertTrue(context["display_complete"])

    # ---- The serial's warranty page -------------------------------------------------

    def test_lot_views_per_role(self):
        form = self._views("stock.lot", ["form"], self.rma_user)["form"]
        page = form.xpath("//page[@name='warranty']")
        self.assertTrue(page)
        coverage_list = page[0].xpath(".//field[@name='warranty_coverage_ids']/list")[0]
        # RMA users read coverage; managers edit it.
        self.assertEqual(coverage_list.get("create"), "False")
        self.assertEqual(coverage_list.get("edit"), "False")
        self.assertFalse(form.xpath("//button[@name='action_warranty_recompute']"))
        self.assertTrue(form.xpath("//button[@name='action_warranty_register']"))
        form = self._views("stock.lot", ["form"], self.rma_manager)["form"]
        coverage_list = form.xpath("//field[@name='warranty_coverage_ids']/list")[0]
        self.assertIsNone(coverage_list.get("create"))
        self.assertTrue(form.xpath("//button[@name='action_warranty_recompute']"))
        # Stock users without after-sales rights see the serial as before.
        archs = self._views("stock.lot", ["form", "list"], self.stock_user)
        self.assertFalse(archs["form"].xpath("//page[@name='warranty']"))
        self.assertFalse(archs["list"].xpath("//field[@name='warranty_kind']"))
        self.env["stock.lot"].with_user(self.stock_user).browse(self.all_lots.ids).read(
            ["name", "product_id"]
        )
        lst = self._views("stock.lot", ["list"], self.rma_user)["list"]
        for fname in ("warranty_owner_id", "warranty_kind", "warranty_date_end"):
            self.assertEqual(
                lst.xpath(f"//field[@name='{fname}']")[0].get("optional"), "show"
            )

    def test_goodwill_from_serial_page(self):
        lot = self.lots["SCR-ENDED"]
        self.assertEqual(lot.warranty_kind, "none")
        form = Form(lot.with_user(self.rma_manager).with_context(display_complete=True))
        with form.warranty_coverage_ids.new() as period:
            self.assertEqual(period.kind, "goodwill")
            self.assertEqual(period.origin, "manual")
            self.assertEqual(period.date_start, datetime.date.today())
            self.assertEqual(period.product_id, self.product)
            period.date_end = datetime.date.today() + 90 * DAY
            period.reason = "Loyal customer, second failure"
        form.save()
        goodwill = lot.warranty_coverage_ids.filtered(lambda p: p.kind == "goodwill")
        self.assertEqual(len(goodwill), 1)
        self.assertEqual(goodwill.company_id, lot.company_id)
        lot.invalidate_recordset(["warranty_kind"])
        self.assertEqual(lot.warranty_kind, "goodwill")
        self.assertIn("Loyal customer, second failure", lot.message_ids[:1].body)
        # From the Coverage Periods list, picking the serial fills in the product.
        with Form(
            self.env["rma.warranty.coverage"].with_user(self.rma_manager)
        ) as period:
            period.lot_id = self.lots["SCR-STOCK"]
            self.assertEqual(period.product_id, self.product)
            period.date_start = datetime.date.today()
            period.date_end = datetime.date.today() + 30 * DAY
            period.reason = "Demo unit lent to a customer"
        # RMA users read coverage only.
        with self.assertRaises(AccessError):
            self.env["rma.warranty.coverage"].with_user(self.rma_user).create(
                {
                    "lot_id": lot.id,
                    "product_id": self.product.id,
                    "date_start": datetime.date.today(),
                    "date_end": datetime.date.today(),
                    "reason": "Not allowed",
                }
            )

    def test_register_from_serial(self):
        lot = self.lots["SCR-ENDED"].with_user(self.rma_user)
        self.assertEqual(lot.warranty_owner_id, self.distributor)
        action = lot.action_warranty_register()
        self.assertEqual(action["res_model"], "rma.warranty.registration")
        buyer = self.env["res.partner"].create({"name": "Screens Buyer"})
        proof = (
            self.env["ir.attachment"]
            .with_user(self.rma_user)
            .create(
                {
                    "name": "receipt.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 receipt"),
                    "res_model": "rma.warranty.registration",
                    "res_id": 0,
                }
            )
        )
        form = Form(
            self.env["rma.warranty.registration"]
            .with_user(self.rma_user)
            .with_context(**action["context"])
        )
        self.assertEqual(form.lot_id, self.lots["SCR-ENDED"])
        self.assertEqual(form.partner_id, self.distributor)
        form.partner_id = buyer
        form.purchase_date = datetime.date.today() - 20 * DAY
        form.proof_attachment_ids.add(proof)
        registration = form.save()
        self.assertEqual(registration.proof_attachment_ids.res_id, registration.id)
        self.assertEqual(lot.warranty_owner_id, buyer)
        self.assertEqual(lot.warranty_registration_ids, registration)

    def test_recompute_for_managers_only(self):
        lot = self.lots["SCR-WARRANTY"]
        with self.assertRaises(AccessError):
            lot.with_user(self.rma_user).action_warranty_recompute()
        # sudo: the test removes system-made periods, which no user may delete.
        lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard"
        ).sudo().unlink()  # sudo: see the comment above
        self.assertFalse(lot.warranty_coverage_ids)
        lot.with_user(self.rma_manager).action_warranty_recompute()
        self.assertEqual(len(lot.warranty_coverage_ids), 2)
        self.assertEqual(
            set(lot.warranty_coverage_ids.component_id.mapped("name")), {"Screens LCD"}
        )

    # ---- Configuration --------------------------------------------------------------

    def test_configuration_screens(self):
        archs = self._views(
            "rma.warranty.policy", ["list", "form", "search"], self.rma_manager
        )
        form = archs["form"]
        for group in ("lengths", "start", "extensions", "costs", "service_levels"):
            self.assertTrue(form.xpath(f"//group[@name='{group}']"), group)
        self.assertTrue(form.xpath("//field[@name='component_ids']/list"))
        # Managers configure; RMA users read policies but do not change them.
        user_form = self._views("rma.warranty.policy", ["form"], self.rma_user)["form"]
        self.assertEqual(user_form.get("edit"), "False")
        with Form(
            self.env["rma.warranty.policy"].with_user(self.rma_manager)
        ) as policy:
            policy.name = "Screens Form Policy"
            policy.warranty_months = 24
            with policy.component_ids.new() as row:
                row.component_id = self.lcd
                row.months = 12
        self.assertEqual(
            self.env["rma.warranty.policy"]
            .search([("name", "=", "Screens Form Policy")])
            .component_ids.months,
            12,
        )
        components = self._views("rma.warranty.component", ["list"], self.rma_manager)
        self.assertEqual(components["list"].get("editable"), "bottom")
        for xmlid in (
            "rma_warranty.rma_warranty_policy_menu",
            "rma_warranty.rma_warranty_component_menu",
        ):
            menu = self.env.ref(xmlid)
            self.assertEqual(
                menu.parent_id,
                self.env.ref("rma_warranty.rma_warranty_menu_configuration"),
            )
            self.assertEqual(
                menu.groups_id,
                self.env.ref("rma_warranty.group_rma_manager"),
            )
        category = self._views("product.category", ["form"], self.rma_manager)["form"]
        self.assertTrue(category.xpath("//field[@name='warranty_policy_id']"))

    def test_default_policy_in_settings(self):
        admin = new_test_user(
            self.env,
            "screens_settings_admin",
            groups="rma_warranty.group_rma_manager,base.group_system",
        )
        settings = Form(self.env["res.config.settings"].with_user(admin))
        settings.rma_warranty_policy_id = self.policy
        settings.save().execute()
        self.assertEqual(admin.company_id.rma_warranty_policy_id, self.policy)

    # ---- RMA units ------------------------------------------------------------------

    def test_rma_unit_entitlement_and_override(self):
        rma = self._new_rma(
            self.end_user,
            [(self.product, self.lots["SCR-WARRANTY"], 1)],
            user=self.rma_user,
        )
        rma.action_submit()
        line = rma.line_ids
        self.assertEqual(line.entitlement_kind, "warranty")
        archs = self._views("rma.order", ["form"], self.rma_user)
        units = archs["form"].xpath("//field[@name='line_ids']/list")[0]
        self.assertTrue(units.xpath("field[@name='entitlement_kind'][@widget='badge']"))
        self.assertTrue(units.xpath("field[@name='entitlement_date_end']"))
        self.assertTrue(units.xpath("button[@name='action_open_entitlement_override']"))
        line_form = self._views("rma.order.line", ["form"], self.rma_user)["form"]
        self.assertTrue(
            line_form.xpath("//header/button[@name='action_open_entitlement_override']")
        )
        action = line.with_user(self.rma_user).action_open_entitlement_override()
        self.assertEqual(action["res_model"], "rma.entitlement.override")
        self.assertEqual(action["target"], "new")
        wizard = Form(
            self.env["rma.entitlement.override"]
            .with_user(self.rma_user)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard.line_id, line)
        self.assertEqual(wizard.current_kind, "warranty")
        wizard.kind = "goodwill"
        wizard.reason = "Known LCD batch defect"
        wizard.save().action_confirm()
        self.assertEqual(line.entitlement_kind, "goodwill")
        self.assertEqual(line.entitlement_override_reason, "Known LCD batch defect")


@tagged("post_install", "-at_install")
class TestWarrantyScreensTour(HttpCase):
    """An RMA manager gives a demo panel PC's LCD goodwill coverage from its page."""

    def test_warranty_screens_tour(self):
        lot = self.env.ref(
            "rma_warranty.demo_lot_panel_pc_2401", raise_if_not_found=False
        )
        if not lot:
            self.skipTest("needs the demo data")
        manager = new_test_user(
            self.env, "screens_tour_manager", groups="rma_warranty.group_rma_manager"
        )
        self.assertEqual(
            {p.component_id.name for p in lot.warranty_coverage_ids},
            {False, "LCD", "Motherboard"},
        )
        self.start_tour("/odoo", "rma_warranty_screens_tour", login=manager.login)
        goodwill = lot.warranty_coverage_ids.filtered(lambda p: p.kind == "goodwill")
        self.assertEqual(len(goodwill), 1)
        self.assertEqual(goodwill.origin, "manual")
        self.assertEqual(goodwill.component_id.name, "LCD")
        self.assertEqual(goodwill.product_id, lot.product_id)
        self.assertEqual(
            goodwill.reason, "Dead pixels two months after the LCD warranty"
        )
        # The date the form offered: the browser's today (``current_date``); the
        # test browser runs in the server's time zone, UTC.
        self.assertEqual(goodwill.date_start, fields.Date.today())
        self.assertGreater(goodwill.date_end, goodwill.date_start)
        self.assertIn("Coverage given", lot.message_ids[:1].body)
        self.assertEqual(lot.message_ids[:1].author_id, manager.partner_id)
