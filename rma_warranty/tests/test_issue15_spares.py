# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15, spare parts: a product's list of parts, seen by staff on the unit and
the repair order (offered first when choosing a part), and ordered by customers
from their unit's page as a quotation signed and paid in Sale's portal."""

import base64
import re
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount, mute_logger

from .common import CommittedCase
from .test_portal_units import PNG, PortalUnitsCommon


class SparePartsCommon(PortalUnitsCommon):
    """The units of PortalUnitsCommon; their product's list has an LCD (one per
    unit, for the LCD component) and fans (two per unit); a switch's list has a
    part of its own; a part of the list is not sold in the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.part_lcd_product = cls._create_part("Units LCD panel", 120.0)
        cls.part_fan_product = cls._create_part("Units fan", 9.5)
        cls.part_hidden_product = cls._create_part("Units mainboard", 300.0)
        cls.part_switch_product = cls._create_part("Switch PSU", 25.0)
        cls.switch = cls.env["product.product"].create(
            {"name": "Units switch", "is_storable": True, "tracking": "serial"}
        )
        nas = cls.product.product_tmpl_id
        SparePart = cls.env["rma.spare.part"]
        cls.part_lcd, cls.part_fan, cls.part_hidden, cls.part_switch = SparePart.create(
            [
                {
                    "product_tmpl_id": nas.id,
                    "component_id": cls.lcd.id,
                    "part_product_id": cls.part_lcd_product.id,
                    "qty_per_unit": 1,
                    "sequence": 1,
                },
                {
                    "product_tmpl_id": nas.id,
                    "part_product_id": cls.part_fan_product.id,
                    "qty_per_unit": 2,
                    "sequence": 2,
                },
                {
                    "product_tmpl_id": nas.id,
                    "part_product_id": cls.part_hidden_product.id,
                    "portal_published": False,
                    "sequence": 3,
                },
                {
                    "product_tmpl_id": cls.switch.product_tmpl_id.id,
                    "part_product_id": cls.part_switch_product.id,
                },
            ]
        )

    @classmethod
    def _create_part(cls, name, price):
        return cls.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "list_price": price,
                "taxes_id": [Command.clear()],
            }
        )

    def _csrf(self, lot):
        response = self.url_open(f"/my/units/{lot.id}")
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def _order(self, lot, quantities, csrf_lot=None, csrf=None):
        if csrf is None:
            csrf = self._csrf(csrf_lot or lot)
        data = {
            f"qty_{getattr(part, 'id', part)}": qty for part, qty in quantities.items()
        }
        return self.url_open(
            f"/my/units/{lot.id}/parts",
            data=dict(data, csrf_token=csrf),
            allow_redirects=False,
        )

    def _orders(self):
        return self.env["sale.order"].search([("rma_spare_lot_id", "!=", False)])

    def _part_rows(self, html):
        return re.findall(r'class="o_rma_unit_part" data-part-id="(\d+)"', html)


@tagged("post_install", "-at_install")
class TestSpareParts(SparePartsCommon):
    def test_parts_on_the_unit_page(self):
        """The unit's published parts in the list's order, with their component,
        price and a quantity each; not another product's, not unpublished ones."""
        self.authenticate("units_end", "units_end")
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open(f"/my/units/{self.lot_direct.id}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertEqual(
            self._part_rows(html), [str(self.part_lcd.id), str(self.part_fan.id)]
        )
        currency = self.env.company.currency_id
        for amount in (120.0, 9.5):
            self.assertIn(format_amount(self.env, amount, currency), html)
        self.assertIn("Units LCD", html)
        self.assertIn(f'name="qty_{self.part_fan.id}"', html)
        self.assertIn('max="2"', html)
        self.assertIn(f'action="/my/units/{self.lot_direct.id}/parts"', html)
        for name in ("Units mainboard", "Switch PSU"):
            self.assertNotIn(name, html)
        # The distributor that sold a unit sees its parts too.
        self.authenticate("units_dist", "units_dist")
        html = self.url_open(f"/my/units/{self.lot_resold.id}").text
        self.assertEqual(len(self._part_rows(html)), 2)

    def test_no_list_no_section(self):
        self.part_lcd.portal_published = False
        self.part_fan.portal_published = False
        self.authenticate("units_end", "units_end")
        html = self.url_open(f"/my/units/{self.lot_direct.id}").text
        self.assertNotIn("o_rma_unit_parts_form", html)

    def test_order_opens_a_quotation_to_sign_and_pay(self):
        self.authenticate("units_end", "units_end")
        response = self._order(
            self.lot_direct, {self.part_lcd: "1", self.part_fan: "2"}
        )
        self.assertEqual(response.status_code, 303, response.text[:1000])
        order = self._orders()
        self.assertEqual(len(order), 1)
        self.assertIn(order.get_portal_url(), response.headers["Location"])
        self.assertRecordValues(
            order,
            [
                {
                    "partner_id": self.end_user.id,
                    "rma_spare_lot_id": self.lot_direct.id,
                    "state": "sent",
                    "require_signature": True,
                    "require_payment": True,
                    "prepayment_percent": 1.0,
                    "amount_total": 139.0,
                }
            ],
        )
        self.assertEqual(
            [(line.product_id, line.product_uom_qty) for line in order.order_line],
            [(self.part_lcd_product, 1.0), (self.part_fan_product, 2.0)],
        )
        self.assertIn("UNITS-DIRECT", order.order_line[0].name)
        # Sale's portal page of it: to sign and pay.
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn("UNITS-DIRECT", page.text)
        # Zero of a part leaves it out.
        response = self._order(
            self.lot_direct, {self.part_lcd: "0", self.part_fan: "1"}
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            (self._orders() - order).order_line.product_id, self.part_fan_product
        )

    @mute_logger("odoo.http")
    def test_refused_orders(self):
        """A part not on the unit's list (another product's, unpublished, unknown,
        not an id), a quantity that is not a whole number from 0 to the quantity
        per unit, nothing at all: 400 with a message, no quotation."""
        self.authenticate("units_end", "units_end")
        csrf = self._csrf(self.lot_direct)
        cases = [
            ({self.part_switch: "1"}, "not a spare part"),
            ({self.part_hidden: "1"}, "not a spare part"),
            ({99999999: "1"}, "not a spare part"),
            ({"abc": "1"}, "not a spare part"),
            ({"2147483648": "1"}, "not a spare part"),
            ({self.part_fan: "3"}, "between 0 and 2"),
            ({self.part_fan: "-1"}, "between 0 and 2"),
            ({self.part_fan: "1.5"}, "between 0 and 2"),
            ({self.part_fan: "x"}, "between 0 and 2"),
            ({self.part_fan: "9" * 30}, "between 0 and 2"),
            ({self.part_lcd: "1", self.part_switch: "1"}, "not a spare part"),
            ({self.part_lcd: "0", self.part_fan: ""}, "at least one part"),
            ({}, "at least one part"),
        ]
        for quantities, message in cases:
            # Refused requests count against the limit (test_rate_limit): each
            # case starts afresh.
            self.env["rma.rate.limit"].search(
                [("scope", "=", "spare_parts_quote_user")]
            ).unlink()
            with self.subTest(quantities=str(quantities)):
                response = self._order(self.lot_direct, quantities, csrf=csrf)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("o_rma_unit_error", response.text)
        self.assertFalse(self._orders())

    @mute_logger("odoo.http")
    def test_access(self):
        """Another customer's unit, an unknown one: not found; no or a wrong CSRF
        token: refused; GET is no way to order; the public: sent to log in."""
        self.authenticate("units_other", "units_other")
        for lot_id in (self.lot_direct.id, self.lot_resold.id, 99999999):
            with self.subTest(lot_id=lot_id):
                response = self._order(
                    self.env["stock.lot"].browse(lot_id),
                    {self.part_lcd: "1"},
                    csrf_lot=self.lot_other,
                )
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("UNITS-DIRECT", response.text)
                self.assertNotIn("Units LCD panel", response.text)
        self.authenticate("units_end", "units_end")
        response = self._order(self.lot_direct, {self.part_lcd: "1"}, csrf="wrong")
        self.assertEqual(response.status_code, 400)
        response = self.url_open(
            f"/my/units/{self.lot_direct.id}/parts",
            data={f"qty_{self.part_lcd.id}": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(
            f"/my/units/{self.lot_direct.id}/parts?qty_{self.part_lcd.id}=1",
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        self.assertNotIn(response.status_code, (200, 303))
        for url in ("/my/units/0/parts", "/my/units/abc/parts", "/my/units/-1/parts"):
            with self.subTest(url=url):
                response = self.url_open(
                    url,
                    data={
                        f"qty_{self.part_lcd.id}": "1",
                        "csrf_token": self._csrf(self.lot_direct),
                    },
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/units/{self.lot_direct.id}/parts",
            data={f"qty_{self.part_lcd.id}": "1"},
            allow_redirects=False,
        )
        self._assert_login_redirect(response)
        self.assertFalse(self._orders())

    def test_rate_limit(self):
        """Ten quotations an hour per user (refused requests count too): the
        eleventh is refused with 429 and makes nothing; another user has tries of
        their own."""
        self.authenticate("units_end", "units_end")
        csrf = self._csrf(self.lot_direct)
        self.assertEqual(
            self._order(self.lot_direct, {self.part_fan: "5"}, csrf=csrf).status_code,
            400,
        )
        for attempt in range(9):
            response = self._order(self.lot_direct, {self.part_lcd: "1"}, csrf=csrf)
            self.assertEqual(response.status_code, 303, attempt)
        response = self._order(self.lot_direct, {self.part_fan: "1"}, csrf=csrf)
        self.assertEqual(response.status_code, 429)
        self.assertIn("many spare-parts quotations", response.text)
        self.assertEqual(len(self._orders()), 9)
        self.assertEqual(self._orders().order_line.product_id, self.part_lcd_product)
        self.authenticate("units_dist", "units_dist")
        self.assertEqual(
            self._order(self.lot_resold, {self.part_fan: "1"}).status_code, 303
        )

    @mute_logger("odoo.http")
    def test_fuzz(self):
        """Odd parameters: never an HTTP 500; unknown fields are ignored (the
        quotation is the user's)."""
        self.authenticate("units_end", "units_end")
        csrf = self._csrf(self.lot_direct)
        url = f"/my/units/{self.lot_direct.id}/parts"
        posts = [
            ({f"qty_{self.part_lcd.id}": ["1", "2"]}, None),
            ({}, {f"qty_{self.part_lcd.id}": ("q", b"1")}),
            ({f"qty_{self.part_lcd.id}": "\x00"}, None),
            ({f"qty_{self.part_lcd.id}": "１"}, None),  # a full-width digit
            ({"qty_": "1"}, None),
            ({f"qty_{i}": "1" for i in range(1, 150)}, None),
            (
                {
                    f"qty_{self.part_lcd.id}": "1",
                    "partner_id": str(self.other_partner.id),
                    "price_unit": "0",
                },
                None,
            ),
        ]
        for data, files in posts:
            with self.subTest(data=str(data)[:60]):
                response = self.url_open(
                    url,
                    data=dict(data, csrf_token=csrf),
                    files=files,
                    allow_redirects=False,
                )
                self.assertLess(response.status_code, 500, response.text[:500])
        self.assertEqual(self._orders().partner_id, self.end_user)
        self.assertEqual(
            self._orders().order_line.mapped("price_unit"),
            [120.0] * len(self._orders()),
        )


@tagged("post_install", "-at_install")
class TestSparePartsPayment(SparePartsCommon):
    """Paid with Odoo's demo provider through the routes the browser calls: Sale's
    own post-processing confirms the order."""

    def setUp(self):
        super().setUp()
        module = self.env["ir.module.module"]._get("payment_demo")
        if module.state != "installed":
            self.skipTest("payment_demo is not installed")

    def test_order_sign_and_pay(self):
        self.authenticate("units_end", "units_end")
        response = self._order(
            self.lot_direct, {self.part_lcd: "1", self.part_fan: "1"}
        )
        self.assertEqual(response.status_code, 303, response.text[:1000])
        order = self._orders()
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order.access_token,
                "name": self.end_user.name,
                "signature": base64.b64encode(PNG).decode(),
            },
        )
        self.assertIn("allow_payment=yes", result["redirect_url"], result)
        self.assertEqual(order.state, "sent")
        provider = self.env.ref("payment.payment_provider_demo")
        method = self.env.ref("payment_demo.payment_method_demo")
        values = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/transaction",
            {
                "access_token": order.access_token,
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "token_id": None,
                "amount": order.amount_total,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": order.get_portal_url(),
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": values["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        status = self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertEqual(status["state"], "done", status)
        self.assertEqual(order.state, "sale")
        # The parts go out as an ordinary delivery of the sale.
        self.assertEqual(
            order.picking_ids.move_ids.product_id,
            self.part_lcd_product | self.part_fan_product,
        )

    def test_order_sign_and_pay_tour(self):
        """An end user orders a part from a unit's page, signs and pays the
        quotation with the demo provider."""
        self.start_tour("/my/units", "rma_portal_spare_parts_tour", login="units_end")
        order = self._orders()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.signature)
        self.assertEqual(order.order_line.product_id, self.part_fan_product)
        self.assertEqual(order.order_line.product_uom_qty, 2.0)


@tagged("post_install", "-at_install")
class TestSparePartsQueries(SparePartsCommon):
    """The unit page costs the same queries with 2 parts as with 8."""

    # Queries of one request of a unit's page with spare parts and no extension
    # offer (session, user, unit, coverage, components, registrations, offers,
    # parts, their products and prices, rules): measured.
    BUDGET = 38

    def _count(self):
        url = f"/my/units/{self.lot_direct.id}"
        self.url_open(url)  # warm-up: caches, device log
        self.env.flush_all()
        self.env.invalidate_all()
        count0 = self.cr.sql_log_count
        with self.assertQueryCount(self.BUDGET):
            response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - count0, response.text

    def test_unit_page_queries(self):
        self.authenticate("units_end", "units_end")
        count_few, html = self._count()
        self.assertEqual(len(self._part_rows(html)), 2)
        nas = self.product.product_tmpl_id
        self.env["rma.spare.part"].create(
            [
                {
                    "product_tmpl_id": nas.id,
                    "part_product_id": self._create_part(f"Units screw {i}", 1.0).id,
                    "qty_per_unit": 4,
                }
                for i in range(6)
            ]
        )
        count_many, html = self._count()
        self.assertEqual(len(self._part_rows(html)), 8)
        self.assertEqual(count_few, count_many)

    def test_order_queries(self):
        """Ordering 2 parts or 8 costs the same queries, lines included."""
        nas = self.product.product_tmpl_id
        more = self.env["rma.spare.part"].create(
            [
                {
                    "product_tmpl_id": nas.id,
                    "part_product_id": self._create_part(f"Units screw {i}", 1.0).id,
                    "qty_per_unit": 4,
                }
                for i in range(6)
            ]
        )
        lot_sudo = self.lot_direct.with_user(self.end_login).sudo()
        lot_sudo._portal_order_spare_parts({self.part_fan.id: 1})  # warm-up
        counts = []
        for rows in (
            self.part_lcd | self.part_fan,
            self.part_lcd | self.part_fan | more,
        ):
            self.env.flush_all()
            self.env.invalidate_all()
            count0 = self.cr.sql_log_count
            lot_sudo._portal_order_spare_parts(dict.fromkeys(rows.ids, 1))
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - count0)
        self.assertEqual(len(self._orders().order_line), 11)
        # Measured: 55 queries for 2 parts, 67 for 8. Sale's own create of the
        # lines costs 2 queries a line (its per-line computes); finding,
        # checking and pricing the parts costs none per part.
        self.assertLessEqual(counts[1] - counts[0], 2 * 6, counts)


@tagged("post_install", "-at_install")
class TestSparePartsStaff(SparePartsCommon):
    """Staff see the list on the unit and the repair order, where the list's parts
    come first when choosing a part; managers edit it."""

    def test_list_on_unit_and_repair(self):
        lot = self.lot_direct.with_user(self.rma_user)
        self.assertEqual(
            lot.rma_spare_part_ids,
            self.part_lcd | self.part_fan | self.part_hidden,
        )
        repair = self.env["repair.order"].create(
            {"product_id": self.product.id, "lot_id": self.lot_direct.id}
        )
        self.assertEqual(
            repair.with_user(self.rma_user).rma_spare_part_ids, lot.rma_spare_part_ids
        )

    def test_parts_offered_first(self):
        Product = self.env["product.product"].with_user(self.rma_user)
        for part in (self.part_lcd_product, self.part_fan_product):
            part.name = f"{part.name} Unitsmatch"
        other = self._create_part("Aaa Unitsmatch bolt", 1.0)
        plain = [pid for pid, _ in Product.name_search("Unitsmatch")]
        self.assertIn(other.id, plain)
        offered = [
            pid
            for pid, _ in Product.with_context(
                rma_spare_parts_product_id=self.product.id
            ).name_search("Unitsmatch")
        ]
        self.assertEqual(set(offered), set(plain))
        self.assertEqual(
            set(offered[:2]), {self.part_lcd_product.id, self.part_fan_product.id}
        )
        self.assertEqual(offered[2], other.id)
        limited = Product.with_context(
            rma_spare_parts_product_id=self.product.id
        ).name_search("Unitsmatch", limit=1)
        self.assertEqual(len(limited), 1)
        self.assertIn(
            limited[0][0], (self.part_lcd_product.id, self.part_fan_product.id)
        )
        # The same on the templates (the product of a quote's line).
        Template = self.env["product.template"].with_user(self.rma_user)
        offered = [
            tid
            for tid, _ in Template.with_context(
                rma_spare_parts_product_id=self.product.id
            ).name_search("Unitsmatch")
        ]
        self.assertEqual(
            set(offered[:2]),
            set((self.part_lcd_product | self.part_fan_product).product_tmpl_id.ids),
        )
        self.assertIn(other.product_tmpl_id.id, offered[2:])
        # A bad context value changes nothing.
        for value in ("x", -1, 2**40, [], [self.product.id, "NAS"]):
            with self.subTest(value=value):
                result = Product.with_context(
                    rma_spare_parts_product_id=value
                ).name_search("Unitsmatch")
                self.assertEqual({pid for pid, _ in result}, set(plain))

    def test_managers_edit_the_list(self):
        vals = {
            "product_tmpl_id": self.product.product_tmpl_id.id,
            "part_product_id": self._create_part("Units cable", 3.0).id,
        }
        with self.assertRaises(AccessError):
            self.env["rma.spare.part"].with_user(self.rma_user).create(vals)
        part = self.env["rma.spare.part"].with_user(self.rma_manager).create(vals)
        self.assertEqual(part.qty_per_unit, 1.0)
        with self.assertRaises(ValidationError):
            self.env["rma.spare.part"].create(
                {
                    "product_tmpl_id": self.product.product_tmpl_id.id,
                    "part_product_id": self.product.id,
                }
            )

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Spares Company B"})
        product_b = self.env["product.product"].create(
            {"name": "Units B product", "company_id": company_b.id}
        )
        part_b = self.env["product.product"].create(
            {"name": "Units B part", "company_id": company_b.id}
        )
        row = self.env["rma.spare.part"].create(
            {
                "product_tmpl_id": product_b.product_tmpl_id.id,
                "part_product_id": part_b.id,
            }
        )
        self.assertEqual(row.company_id, company_b)
        self.assertFalse(
            self.env["rma.spare.part"]
            .with_user(self.rma_manager)
            .search([("id", "=", row.id)])
        )

    def test_views(self):
        """The product form shows the list, editable by managers only; the
        serial and repair forms show it; the repair's part lines name the
        repaired product for the parts offered first."""
        for user, editable in ((self.rma_user, False), (self.rma_manager, True)):
            with self.subTest(user=user.login):
                arch = (
                    self.env["product.template"]
                    .with_user(user)
                    .get_views([(False, "form")])["views"]["form"]["arch"]
                )
                self.assertIn('name="rma_spare_parts"', arch)
                fields = re.findall(r'<field name="rma_spare_part_ids"[^>]*>', arch)
                self.assertEqual(len(fields), 1, fields)
                self.assertEqual('readonly="1"' not in fields[0], editable)
        arch = (
            self.env["stock.lot"]
            .with_user(self.rma_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="rma_spare_part_ids"', arch)
        arch = (
            self.env["repair.order"]
            .with_user(self.rma_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="rma_spare_part_ids"', arch)
        self.assertIn("rma_spare_parts_product_id", arch)
        arch = (
            self.env["sale.order"]
            .with_user(self.rma_manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="rma_spare_parts_product_id"', arch)
        self.assertEqual(
            arch.count(
                "'rma_spare_parts_product_id': parent.rma_spare_parts_product_id"
            ),
            2,
        )

    def test_demo_list(self):
        part = self.env.ref(
            "rma_warranty.demo_spare_part_panel_pc_lcd", raise_if_not_found=False
        )
        if not part:
            self.skipTest("the demo data is not loaded")
        panel_pc = self.env.ref("rma_warranty.demo_product_panel_pc")
        self.assertEqual(
            panel_pc.rma_spare_part_ids.mapped("part_product_id.default_code"),
            ["SP-LCD-156", "SP-MB-J6412", "SP-BRK-156"],
        )
        self.assertEqual(
            set(panel_pc.rma_spare_part_ids.component_id.mapped("name")),
            {"Chassis", "LCD", "Motherboard"},
        )

    def test_model_refuses_what_the_portal_would(self):
        """The model method itself (the route's one call) refuses a part of
        another list, whatever its caller."""
        lot_sudo = self.lot_direct.with_user(self.end_login).sudo()
        with self.assertRaisesRegex(UserError, "not a spare part"):
            lot_sudo._portal_order_spare_parts({self.part_switch.id: 1})
        self.assertFalse(self._orders())


@tagged("post_install", "-at_install")
class TestSparePartsConcurrency(CommittedCase):
    """Two workers take the same Order click at once: the second is refused while
    the first holds the unit, so one quotation. Commits its own data, removes
    it."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = self._create_extendable_product(env, "Spares Conc Unit", 24)
            part = env["product.product"].create(
                {"name": "Spares Conc Part", "is_storable": True, "list_price": 5.0}
            )
            row = env["rma.spare.part"].create(
                {
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "part_product_id": part.id,
                }
            )
            partner = env["res.partner"].create({"name": "Concurrent Parts Buyer"})
            user = new_test_user(
                env,
                "spares_concurrent",
                groups="base.group_portal",
                partner_id=partner.id,
            )
            lot = env["stock.lot"].create(
                {"name": "SN-SPARES-CONC", "product_id": product.id}
            )
            lot._write_decision(
                {"warranty_owner_id": partner.id, "warranty_sold_to_id": partner.id}
            )
            self.ids = {
                "product": product.id,
                "policy": product.warranty_policy_id.id,
                "part": part.id,
                "row": row.id,
                "partner": partner.id,
                "user": user.id,
                "lot": lot.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            orders = env["sale.order"].search(
                [("partner_id", "=", self.ids["partner"])]
            )
            orders._action_cancel()
            orders.unlink()
            env["rma.rate.limit"].search([("key", "=", str(self.ids["user"]))]).unlink()
            env["rma.spare.part"].browse(self.ids["row"]).unlink()
            lot = env["stock.lot"].browse(self.ids["lot"])
            lot.message_ids.unlink()
            lot.unlink()
            env["res.users"].browse(self.ids["user"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            env["product.product"].browse(
                [self.ids["part"], self.ids["product"]]
            ).unlink()
            env["rma.warranty.policy"].browse(self.ids["policy"]).unlink()

    def _order(self, cr):
        env = self._env(cr)(user=self.ids["user"])
        lot_sudo = env["stock.lot"]._portal_units_search([("id", "=", self.ids["lot"])])
        return lot_sudo._portal_order_spare_parts({self.ids["row"]: 1})

    # As in TestPortalExtensionConcurrency: both workers count the user's request
    # in one counter, whose second count would wait for the first transaction in
    # one thread. The lock of the unit is what this test is about.
    @patch("odoo.addons.rma_warranty.models.rma_rate_limit.RmaRateLimit._hit")
    def test_two_workers_one_quotation(self, hit):
        hit.return_value = True
        with self._two_workers(begun=True) as (cr1, cr2), mute_logger("odoo.sql_db"):
            self._order(cr1)
            # While the first one holds the unit: refused at once.
            with self.assertRaisesRegex(UserError, "being updated"):
                self._order(cr2)
            cr1.commit()
            # From its snapshot of before the commit: refused too.
            with self.assertRaisesRegex(UserError, "being updated"):
                self._order(cr2)
            cr2.rollback()
        with self.registry.cursor() as cr:
            orders = self._env(cr)["sale.order"].search(
                [("partner_id", "=", self.ids["partner"])]
            )
            self.assertEqual(len(orders), 1)
