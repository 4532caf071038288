# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 1: the context of the form Create RMA opens (and a world for
the other items of the money side: a pay-before-shipping repair)."""

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import Form, tagged

from .common import RmaCommon


class PrepaidRepairMixin(RmaCommon):
    """RmaCommon's world, with a pay-before-shipping repair policy and tariff."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.labour = cls.env["product.product"].create(
            {
                "name": "Money Test Labour",
                "type": "service",
                "list_price": 80.0,
                "invoice_policy": "order",
            }
        )
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Money Test Policy",
                "warranty_months": 12,
                "repair_quote_flow": "prepaid",
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.env["rma.repair.tariff"].create(
            {
                "name": "Money Test Tariff",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "line_ids": [
                    Command.create({"kind": "labour", "product_id": cls.labour.id})
                ],
            }
        )
        cls.end_user.email = "erik@example.com"
        cls.prepaid_lots = cls._create_lots(
            cls.product, [f"SN-MONEY-P{i}" for i in range(3)]
        )
        # Sold long ago: out of warranty, their repair is paid.
        with freeze_time(fields.Datetime.now() - relativedelta(months=40)):
            cls._sell(cls.end_user, cls.product, lots=cls.prepaid_lots, price=450.0)

    def _held_rma(self, lot, **vals):
        """An approved RMA whose repair quote must be paid before shipping
        (``vals``: more values of the RMA)."""
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
            **vals,
        )
        rma.action_submit()
        rma.action_approve()
        self.assertTrue(rma.shipping_hold)
        return rma

    def _approved_mails(self, rma):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.filtered(
            lambda m: "return authorised" in (m.subject or "")
        )


# ---- Item 1: Create RMA's prefilled context on the form's buttons --------------------


@tagged("post_install", "-at_install")
class TestIssue11CreateRmaContext(RmaCommon):
    """The web client sends the action's context (default_line_ids, ...) with every
    button of the RMA form opened by Create RMA: no other model may take it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, ["SN-MONEY-C0", "SN-MONEY-C1"])
        cls.sale = cls._sell(cls.end_user, cls.product, lots=cls.lots, price=450.0)
        cls.spare = cls._create_lots(cls.product, ["SN-MONEY-SPARE"])
        cls._put_in_stock(cls.product, lots=cls.spare)

    def _run_form_buttons(self, action):
        """Save the prefilled form, then press its buttons as the web client does:
        with the action's context."""
        ctx = action["context"]
        Rma = self.env["rma.order"].with_user(self.rma_manager).with_context(**ctx)
        rma = Form(Rma).save()
        rma = rma.with_context(**ctx)
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        refund_line, replace_line = rma.line_ids.sorted("id")
        rma.line_ids.invalidate_recordset()
        with Form(rma) as rma_form:
            with rma_form.line_ids.edit(0) as line:
                line.resolution = "refund"
            with rma_form.line_ids.edit(1) as line:
                line.resolution = "replace"
        rma.action_process()
        return rma, refund_line, replace_line

    def test_process_refund_and_replace_with_delivery_context(self):
        action = self.sale.picking_ids.with_user(self.rma_manager).action_create_rma()
        self.assertIn("default_line_ids", action["context"])
        rma, refund_line, replace_line = self._run_form_buttons(action)
        refund = rma.refund_ids
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.invoice_line_ids.rma_line_id, refund_line)
        self.assertEqual(refund.reversed_entry_id, self.sale.invoice_ids)
        replacement = replace_line.move_ids.filtered(
            lambda m: m.location_dest_id == self.customer_location
        )
        self.assertEqual(len(replacement), 1)
        self.assertEqual(replacement.picking_id.rma_order_id, rma)
        self.assertEqual(replacement.picking_id.partner_id, self.end_user)
        # The receipt took nothing from the form's defaults either.
        receipt = rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_in_type_id
        )
        self.assertEqual(receipt.move_ids.rma_line_id, rma.line_ids)

    def test_process_with_sale_order_context(self):
        action = self.sale.with_user(self.rma_manager).action_create_rma()
        self.assertEqual(action["context"]["default_sale_order_id"], self.sale.id)
        rma, refund_line, _replace_line = self._run_form_buttons(action)
        self.assertEqual(rma.sale_order_id, self.sale)
        self.assertEqual(rma.refund_ids.invoice_line_ids.rma_line_id, refund_line)
