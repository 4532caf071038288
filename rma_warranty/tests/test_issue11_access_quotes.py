# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 13: after-sales staff without sales rights change repair quotes
only, and sell no warranty extension."""

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue11RepairQuoteRule(RmaCommon):
    """Item 13: after-sales staff without sales rights change repair quotes only,
    and never sell a warranty extension."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["rma.warranty.policy"].create(
            {"name": "Quote rule: 1 year, 5 in all", "warranty_months": 12}
        )
        cls.policy.max_total_months = 60
        cls.product.warranty_policy_id = cls.policy
        cls.labour = cls.env["product.product"].create(
            {"name": "Labour I11", "type": "service", "list_price": 60.0}
        )
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.env["rma.repair.tariff"].create(
            {
                "name": "NAS I11",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "line_ids": [
                    Command.create({"kind": "labour", "product_id": cls.labour.id})
                ],
            }
        )
        cls.extension = cls.env["product.product"].create(
            {
                "name": "Extended Warranty I11",
                "type": "service",
                "list_price": 99.0,
                "is_warranty_extension": True,
                "warranty_extension_months": 24,
            }
        )
        cls.lot = cls._create_lots(cls.product, ["SN-I11-QUOTE-1"])
        with freeze_time(fields.Datetime.now() - relativedelta(months=20)):
            cls._sell(cls.end_user, cls.product, lots=cls.lot)
        cls.salesman = new_test_user(
            cls.env,
            "issue11_salesman",
            groups="sales_team.group_sale_salesman",
        )

    def _quoted_unit(self):
        """An out-of-warranty repair of ``self.lot``, quoted by the RMA user."""
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.lot.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "damage_level_id": self.level.id,
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        line = rma.line_ids.with_user(self.rma_user)
        line.action_rma_quote()
        self.assertTrue(line.quote_id)
        return line

    def _extended(self):
        return self.lot.warranty_coverage_ids.filtered(lambda p: p.kind == "extended")

    def _extension_line(self):
        return {
            "product_id": self.extension.id,
            "warranty_lot_id": self.lot.id,
            "price_unit": 0.0,
        }

    def test_forged_repair_quote_refused(self):
        line = self._quoted_unit()
        Order = self.env["sale.order"].with_user(self.rma_user)
        with self.assertRaises(AccessError):
            order = Order.create(
                {
                    "partner_id": self.end_user.id,
                    "rma_line_id": line.id,
                    "order_line": [Command.create(self._extension_line())],
                }
            )
            order.action_confirm()
        self.assertFalse(self._extended())

    def test_extension_line_on_repair_quote_refused(self):
        line = self._quoted_unit()
        quote = line.quote_id.with_user(self.rma_user)
        with self.assertRaises(AccessError):
            quote.write({"order_line": [Command.create(self._extension_line())]})
            quote.action_confirm()
        self.assertFalse(self._extended())
        # Nor by turning a line of the quote into an extension.
        labour = quote.order_line.filtered(lambda sol: sol.product_id == self.labour)
        with self.assertRaises(AccessError):
            labour.write(self._extension_line())
            quote.action_confirm()
        self.assertFalse(self._extended())
        # The quote itself stays theirs: they change its prices and confirm it.
        quote.order_line.write({"price_unit": 50.0})
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")

    def test_context_default_links_no_order(self):
        """The RPC caller sets the context: a default unit makes no repair quote."""
        line = self._quoted_unit()
        Order = (
            self.env["sale.order"]
            .with_user(self.rma_user)
            .with_context(default_rma_line_id=line.id)
        )
        with self.assertRaises(AccessError):
            Order.create({"partner_id": self.end_user.id})
        self.assertEqual(line.quote_ids, line.quote_id)

    def test_only_the_quoting_code_links_an_order_to_a_unit(self):
        line = self._quoted_unit()
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create({"partner_id": self.end_user.id})
        )
        with self.assertRaises(AccessError):
            order.write({"rma_line_id": line.id})
        with self.assertRaises(AccessError):
            order.write({"rma_fee": True})
        order.invalidate_recordset()
        self.assertFalse(order.rma_line_id)
        self.assertEqual(line.quote_ids, line.quote_id)
        # A salesperson still sells the extension.
        order.write({"order_line": [Command.create(self._extension_line())]})
        order.action_confirm()
        self.assertEqual(len(self._extended()), 1)
