# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 5: links both ways between RMAs, sale orders, repair quotes,
repair orders and serial numbers."""

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RmaCommon


def visible(node, record):
    """Whether the web client shows ``node`` (a button or field of a form) for
    ``record``: its ``invisible`` expression evaluated on the record's values."""
    expression = node.get("invisible")
    if not expression:
        return True
    values = {}
    for name, field in record._fields.items():
        if name in expression:
            value = record[name]
            if field.type == "many2one":
                value = value.id
            elif field.type in ("one2many", "many2many"):
                value = value.ids
            values[name] = value
    return not safe_eval(expression, values)


class LinksCommon(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman_rma = new_test_user(
            cls.env,
            "links_sales_rma",
            groups="rma_warranty.group_rma_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.lot_a, cls.lot_b = cls._create_lots(cls.product, ["LNK-0001", "LNK-0002"])
        cls.sale = cls._sell(cls.end_user, cls.product, lots=cls.lot_a | cls.lot_b)

    def _arch(self, model, mode, user):
        result = self.env[model].with_user(user).get_views([(False, mode)])
        return etree.fromstring(result["views"][mode]["arch"])


@tagged("post_install", "-at_install")
class TestIssue11Links(LinksCommon):
    """Item 5: the RMA names its sale order, the sale order and the serial show
    their RMAs."""

    def test_rma_sale_order_from_origin_sale_line(self):
        # A service user types the serial in a new RMA, as in the web client.
        form = Form(self.env["rma.order"].with_user(self.rma_user))
        form.partner_id = self.end_user
        with form.line_ids.new() as unit:
            unit.lot_id = self.lot_a
        self.assertEqual(form.sale_order_id, self.sale, "filled in the form")
        rma = form.save()
        self.assertEqual(rma.line_ids.origin_sale_line_id, self.sale.order_line)
        self.assertEqual(rma.sale_order_id, self.sale)
        # Created over RPC (portal, mail, import): the same.
        rma_rpc = (
            self.env["rma.order"]
            .with_user(self.rma_user)
            .create(
                {
                    "partner_id": self.end_user.id,
                    "line_ids": [
                        Command.create(
                            {"product_id": self.product.id, "lot_id": self.lot_b.id}
                        )
                    ],
                }
            )
        )
        self.assertEqual(rma_rpc.sale_order_id, self.sale)
        # A sale order chosen by hand is kept; a unit bought elsewhere names none.
        other = self.env["sale.order"].create({"partner_id": self.end_user.id})
        stray = self._create_lots(self.product, ["LNK-STRAY"])
        rma_kept = self._new_rma(
            self.end_user, [(self.product, self.lot_a, 1)], sale_order_id=other.id
        )
        self.assertEqual(rma_kept.sale_order_id, other)
        self.assertFalse(
            self._new_rma(self.end_user, [(self.product, stray, 1)]).sale_order_id
        )

    def test_sale_order_rma_button(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lot_a, 1)])
        sale = self.sale.with_user(self.salesman_rma)
        self.assertEqual(sale.rma_count, 1)
        arch = self._arch("sale.order", "form", self.salesman_rma)
        button = arch.xpath("//div[@name='button_box']/button[@name='action_view_rma']")
        self.assertTrue(button)
        self.assertTrue(visible(button[0], sale))
        action = sale.action_view_rma()
        self.assertEqual(action["res_model"], "rma.order")
        self.assertEqual(action["res_id"], rma.id)

    def test_serial_rmas_button_and_service_history(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lot_a, 1)])
        rma.line_ids.fault_description = "No boot"
        lot = self.lot_a.with_user(self.rma_user)
        self.assertEqual(lot.rma_count, 1)
        self.assertEqual(lot.rma_line_ids, rma.line_ids)
        arch = self._arch("stock.lot", "form", self.rma_user)
        button = arch.xpath("//div[@name='button_box']/button[@name='action_view_rma']")
        self.assertTrue(button)
        self.assertTrue(visible(button[0], lot))
        self.assertFalse(visible(button[0], self.lot_b.with_user(self.rma_user)))
        history = arch.xpath(
            "//page[@name='service_history']//field[@name='rma_line_ids']"
        )
        self.assertTrue(history)
        action = lot.action_view_rma()
        self.assertEqual(action["res_model"], "rma.order")
        self.assertEqual(action["res_id"], rma.id)
        # A stock user without after-sales rights still opens the serial.
        stock_user = new_test_user(
            self.env, "links_stock_user", groups="stock.group_stock_user"
        )
        arch = self._arch("stock.lot", "form", stock_user)
        self.assertFalse(arch.xpath("//button[@name='action_view_rma']"))
        self.assertFalse(arch.xpath("//field[@name='rma_line_ids']"))


class LinksRepairCommon(LinksCommon):
    """A unit sold 18 months ago under a 36-month warranty whose LCD is covered
    24 months and its board 12: a board failure is quoted, the LCD is free."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        Component = cls.env["rma.warranty.component"]
        cls.lcd = Component.create({"name": "Links LCD"})
        cls.board = Component.create({"name": "Links Board"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Links Repair Policy",
                "warranty_months": 36,
                "shipping_out_warranty": "customer",
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 24}),
                    Command.create({"component_id": cls.board.id, "months": 12}),
                ],
            }
        )
        cls.product.warranty_policy_id = cls.policy
        Product = cls.env["product.product"]
        cls.lcd_part = Product.create(
            {"name": "Links LCD Panel", "is_storable": True, "list_price": 120.0}
        )
        cls.board_part = Product.create(
            {"name": "Links Main Board", "is_storable": True, "list_price": 200.0}
        )
        cls.labour = Product.create(
            {"name": "Links Labour", "type": "service", "list_price": 60.0}
        )
        cls._put_in_stock(cls.lcd_part, qty=5)
        cls._put_in_stock(cls.board_part, qty=5)
        cls.env["rma.repair.tariff"].create(
            {
                "name": "Links tariff",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
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
                        }
                    ),
                    Command.create({"kind": "labour", "product_id": cls.labour.id}),
                ],
            }
        )
        cls.unit = cls._create_lots(cls.product, ["LNK-REPAIR-01"])
        with freeze_time(fields.Datetime.now() - relativedelta(months=18)):
            cls._sell(cls.end_user, cls.product, lots=cls.unit)

    def _quoted(self):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.unit.id,
                    "resolution": "repair",
                    "failed_component_id": self.board.id,
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        line = rma.line_ids
        line.write({"damage_level_id": self.level.id, "damage_class": "defect"})
        line.with_user(self.rma_user).action_rma_quote()
        self.assertTrue(line.quote_id)
        return rma, line


@tagged("post_install", "-at_install")
class TestIssue11LinksRepair(LinksRepairCommon):
    """Item 5: the repair quote and the repair order show their RMA and unit."""

    def test_quote_and_repair_order_link_back(self):
        rma, line = self._quoted()
        quote, repair = line.quote_id, line.repair_id
        for model, record, user in (
            ("sale.order", quote, self.salesman_rma),
            ("repair.order", repair, self.rma_user),
        ):
            arch = self._arch(model, "form", user)
            for name in ("rma_order_id", "rma_line_id"):
                nodes = arch.xpath(f"//sheet//field[@name='{name}']")
                self.assertTrue(nodes, f"{model} shows {name}")
                self.assertTrue(visible(nodes[0], record.with_user(user)))
            form = Form(record.with_user(user))
            self.assertEqual(form.rma_order_id, rma)
            self.assertEqual(form.rma_line_id, line)
        # A salesperson without after-sales rights opens the quote all the same.
        salesman = new_test_user(
            self.env, "links_salesman", groups="sales_team.group_sale_salesman"
        )
        arch = self._arch("sale.order", "form", salesman)
        self.assertFalse(arch.xpath("//field[@name='rma_order_id']"))
        Form(quote.with_user(salesman))
