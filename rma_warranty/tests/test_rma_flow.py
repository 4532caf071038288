# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestRmaFlow(RmaCommon):
    """Request → approval → real receipt → resolution, for each resolution."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, [f"SN-FLOW-{i}" for i in range(6)])
        cls.sale = cls._sell(cls.end_user, cls.product, lots=cls.lots, price=480.0)
        cls.invoice = cls.sale.invoice_ids

    def _approved_rma(self, lots, resolution=None):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": resolution,
                }
                for lot in lots
            ],
        )
        rma.action_submit()
        rma.action_approve()
        return rma

    # ---- Setup and origin -----------------------------------------------------------

    def test_warehouses_are_service_centres(self):
        self.assertTrue(self.warehouse.rma_loc_id)
        self.assertEqual(self.warehouse.rma_loc_id.usage, "internal")
        self.assertEqual(self.warehouse.rma_in_type_id.code, "incoming")
        self.assertEqual(self.warehouse.rma_out_type_id.code, "outgoing")
        new_wh = self.env["stock.warehouse"].create(
            {"name": "Repair Hub", "code": "RHB"}
        )
        self.assertTrue(new_wh.rma_loc_id)
        self.assertEqual(
            new_wh.rma_in_type_id.default_location_dest_id, new_wh.rma_loc_id
        )
        self.assertEqual(
            new_wh.rma_out_type_id.default_location_src_id, new_wh.rma_loc_id
        )

    def test_origin_found_from_serial(self):
        rma = self._new_rma(lines=[(self.product, self.lots[0], 1)])
        line = rma.line_ids
        self.assertEqual(line.origin_move_id.picking_id, self.sale.picking_ids)
        self.assertEqual(line.origin_sale_line_id, self.sale.order_line)
        self.assertEqual(line.origin_invoice_line_id.move_id, self.invoice)
        self.assertEqual(line.origin_partner_id, self.end_user)
        # No customer given: the buyer is taken.
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertFalse(rma.has_unknown_origin)

    def test_distributor_found_when_end_user_files(self):
        lots = self._create_lots(self.product, ["SN-DIST-1"])
        self._sell(self.distributor, self.product, lots=lots)
        rma = self._new_rma(self.end_user, [(self.product, lots, 1)])
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertEqual(rma.distributor_id, self.distributor)

    def test_unknown_origin_is_allowed_and_flagged(self):
        lot = self._create_lots(self.product, ["SN-ELSEWHERE"])
        rma = self._new_rma(self.end_user, [(self.product, lot, 1)])
        self.assertFalse(rma.line_ids.origin_move_id)
        self.assertTrue(rma.has_unknown_origin)
        rma.action_submit()
        rma.action_approve()
        self.assertEqual(rma.state, "approved")

    # ---- Approval -------------------------------------------------------------------

    def test_approval_issues_number_and_receipt(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lots[0], 1)])
        self.assertTrue(rma.name.startswith("REQ/"))
        rma.action_submit()
        rma.action_approve()
        self.assertEqual(rma.state, "approved")
        self.assertTrue(rma.name.startswith("RMA/"))
        # The instructions quote the number just issued, not the request's.
        self.assertIn(rma.name, rma.shipping_instructions)
        self.assertNotIn("REQ/", rma.shipping_instructions)
        self.assertNotIn("<br/><br/>", rma.shipping_instructions)
        receipt = rma.picking_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.picking_type_id, self.warehouse.rma_in_type_id)
        self.assertEqual(receipt.location_dest_id, self.warehouse.rma_loc_id)
        move = receipt.move_ids
        self.assertEqual(move.rma_line_id, rma.line_ids)
        self.assertEqual(move.origin_returned_move_id, rma.line_ids.origin_move_id)
        self.assertEqual(move.move_line_ids.lot_id, self.lots[0])
        with self.assertRaisesRegex(UserError, "Cannot approve"):
            rma.action_approve()
        self.assertEqual(len(rma.picking_ids), 1)

    def test_reject_needs_reason(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lots[0], 1)])
        rma.action_submit()
        wizard = self.env["rma.order.reject"].create(
            {"order_ids": [(6, 0, rma.ids)], "reason": "  "}
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_reject()
        wizard.reason = "Housing damage: not covered."
        wizard.action_reject()
        self.assertEqual(rma.state, "rejected")
        self.assertEqual(rma.reject_reason, "Housing damage: not covered.")
        self.assertFalse(rma.picking_ids)

    # ---- Bad input ------------------------------------------------------------------

    def test_bad_input_is_refused_without_partial_write(self):
        other_product = self.product_untracked
        with self.assertRaises(UserError):
            rma = self._new_rma(self.end_user, [(other_product, self.lots[0], 1)])
            rma.action_submit()
        rma = self._new_rma(self.end_user)
        with self.assertRaisesRegex(UserError, "no unit"):
            rma.action_submit()
        self.assertEqual(rma.state, "draft")
        with (
            self.assertRaises(psycopg2.errors.CheckViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self._new_rma(self.end_user, [(self.product_untracked, None, 0)])
        rma = self._new_rma(self.end_user, [(self.product, self.lots[0], 2)])
        with self.assertRaisesRegex(UserError, "one serial number is one unit"):
            rma.action_submit()
        with self.assertRaisesRegex(UserError, "Cannot process"):
            rma.action_process()

    def test_over_return_refused(self):
        first = self._approved_rma(self.lots[:1])
        self.assertEqual(first.state, "approved")
        second = self._new_rma(self.end_user, [(self.product, self.lots[0], 1)])
        second.action_submit()
        with self.assertRaisesRegex(UserError, "only 1.0 delivered"):
            second.action_approve()
        self.assertEqual(second.state, "submitted")
        self.assertFalse(second.picking_ids)

    def test_wrong_serial_received_is_refused(self):
        rma = self._approved_rma(self.lots[:1])
        receipt = rma.picking_ids
        receipt.move_ids.move_line_ids.lot_id = self.lots[1]
        receipt.move_ids.picked = True
        with self.assertRaisesRegex(UserError, "expects serial number SN-FLOW-0"):
            receipt.button_validate()

    # ---- Receipt --------------------------------------------------------------------

    def test_partial_receipt(self):
        rma = self._approved_rma(self.lots[:2])
        line_a, line_b = rma.line_ids
        self._receive(rma, {line_a: 1.0, line_b: 0.0})
        self.assertEqual(line_a.qty_received, 1.0)
        self.assertEqual(line_b.qty_received, 0.0)
        self.assertEqual(rma.state, "approved")
        backorder = rma.picking_ids.filtered(lambda p: p.state != "done")
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.move_ids.rma_line_id, line_b)
        self._receive(rma)
        self.assertEqual(line_b.qty_received, 1.0)
        self.assertEqual(rma.state, "received")
        quants = self.env["stock.quant"].search(
            [
                ("location_id", "=", self.warehouse.rma_loc_id.id),
                ("lot_id", "in", self.lots[:2].ids),
            ]
        )
        self.assertEqual(sum(quants.mapped("quantity")), 2.0)

    # ---- Resolutions ----------------------------------------------------------------

    def test_refund_from_original_invoice_line(self):
        rma = self._approved_rma(self.lots[:2], resolution="refund")
        self._receive(rma)
        rma.action_process()
        refund = rma.refund_ids
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.reversed_entry_id, self.invoice)
        self.assertEqual(refund.journal_id, self.invoice.journal_id)
        self.assertEqual(refund.fiscal_position_id, self.invoice.fiscal_position_id)
        origin_line = self.invoice.invoice_line_ids
        self.assertEqual(len(refund.invoice_line_ids), 2)
        for line in refund.invoice_line_ids:
            self.assertEqual(line.price_unit, 480.0)
            self.assertEqual(line.tax_ids, origin_line.tax_ids)
            self.assertEqual(line.quantity, 1.0)
        # Refunded once the credit note is posted (issue 11): a draft one only
        # keeps the units from being credited twice.
        self.assertEqual(rma.line_ids.mapped("qty_refund_draft"), [1.0, 1.0])
        self.assertEqual(rma.line_ids.mapped("qty_refunded"), [0.0, 0.0])
        self.assertEqual(rma.state, "in_progress")
        # Processing again refunds nothing more.
        with self.assertRaisesRegex(UserError, "Nothing to process"):
            rma.action_process()
        # Deleting the draft credit note releases the units.
        refund.unlink()
        self.assertEqual(rma.state, "in_progress")
        self.assertEqual(rma.line_ids.mapped("qty_refund_draft"), [0.0, 0.0])
        rma.action_process()
        self.assertEqual(len(rma.refund_ids), 1)
        rma.refund_ids.action_post()
        self.assertEqual(rma.line_ids.mapped("qty_refunded"), [1.0, 1.0])
        self.assertEqual(rma.state, "done")
        with self.assertRaisesRegex(UserError, "Cannot process"):
            rma.action_process()

    def test_refund_without_invoice_uses_product_price(self):
        lot = self._create_lots(self.product, ["SN-NOINV"])
        rma = self._approved_rma(lot, resolution="refund")
        self._receive(rma)
        rma.action_process()
        line = rma.refund_ids.invoice_line_ids
        self.assertEqual(line.price_unit, 500.0)
        self.assertTrue(
            rma.message_ids.filtered(lambda m: "sale price" in (m.body or ""))
        )

    def test_refund_without_any_price_is_refused(self):
        product = self.env["product.product"].create(
            {"name": "Free Sample", "is_storable": True, "list_price": 0.0}
        )
        rma = self._new_rma(self.end_user, [(product, None, 1)])
        rma.line_ids.resolution = "refund"
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        with self.assertRaisesRegex(UserError, "no sale price"):
            rma.action_process()
        self.assertFalse(rma.refund_ids)

    def test_grouped_credit_note_for_one_invoice_partner(self):
        first = self._approved_rma(self.lots[:1], resolution="refund")
        second = self._approved_rma(self.lots[1:2], resolution="refund")
        self._receive(first)
        self._receive(second)
        (first | second).action_process()
        self.assertEqual(first.refund_ids, second.refund_ids)
        self.assertEqual(len(first.refund_ids.invoice_line_ids), 2)

    def test_replace(self):
        spare = self._create_lots(self.product, ["SN-SPARE-1"])
        self._put_in_stock(self.product, lots=spare)
        rma = self._approved_rma(self.lots[:1], resolution="replace")
        self._receive(rma)
        rma.action_process()
        delivery = rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.location_id, self.stock_location)
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, spare)
        self.assertEqual(rma.state, "in_progress")
        self._validate(delivery)
        self.assertEqual(rma.line_ids.qty_delivered, 1.0)
        self.assertEqual(rma.state, "done")

    def test_return_as_is_ships_the_same_serial(self):
        # Another unit of the same product sits in the RMA location: never ship it.
        other = self._create_lots(self.product, ["SN-OTHER-RMA"])
        self._put_in_stock(self.product, lots=other, location=self.warehouse.rma_loc_id)
        rma = self._approved_rma(self.lots[:1], resolution="return")
        self._receive(rma)
        rma.action_process()
        delivery = rma.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(delivery.location_id, self.warehouse.rma_loc_id)
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, self.lots[0])
        self._validate(delivery)
        self.assertEqual(rma.state, "done")

    def test_scrap(self):
        rma = self._approved_rma(self.lots[:1], resolution="scrap")
        self._receive(rma)
        rma.action_process()
        scrap = rma.line_ids.scrap_ids
        self.assertEqual(scrap.state, "done")
        self.assertEqual(scrap.lot_id, self.lots[0])
        self.assertEqual(scrap.location_id, self.warehouse.rma_loc_id)
        self.assertEqual(rma.state, "done")

    def test_reject_line_and_mixed_resolutions(self):
        rma = self._approved_rma(self.lots[:2])
        rma.line_ids[0].resolution = "refund"
        rma.line_ids[1].resolution = "reject"
        self._receive(rma)
        rma.action_process()
        rma.refund_ids.action_post()  # refunded once posted (issue 11)
        self.assertEqual(rma.state, "done")

    def test_untracked_quantities(self):
        sale = self._sell(self.end_user, self.product_untracked, qty=5)
        rma = self._new_rma(
            self.end_user, [(self.product_untracked, None, 3)], sale_order_id=sale.id
        )
        rma.line_ids.write(
            {"origin_move_id": sale.picking_ids.move_ids.id, "resolution": "refund"}
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        rma.action_process()
        self.assertEqual(rma.refund_ids.invoice_line_ids.quantity, 3.0)
        too_many = self._new_rma(self.end_user, [(self.product_untracked, None, 3)])
        too_many.line_ids.origin_move_id = sale.picking_ids.move_ids
        too_many.action_submit()
        with self.assertRaisesRegex(UserError, "delivered"):
            too_many.action_approve()

    def test_receiving_more_than_authorised_is_refused(self):
        sale = self._sell(self.end_user, self.product_untracked, qty=5)
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 2)])
        rma.line_ids.origin_move_id = sale.picking_ids.move_ids
        rma.action_submit()
        rma.action_approve()
        receipt = rma.picking_ids
        receipt.move_ids.quantity = 3
        receipt.move_ids.picked = True
        # As a request would, roll back what the refused validation did.
        with (
            self.assertRaisesRegex(UserError, "3.0 received but only 2.0"),
            self.cr.savepoint(),
        ):
            receipt.button_validate()
        self.env.invalidate_all()
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(rma.line_ids.qty_received, 0.0)

    def test_create_rma_from_delivery_and_sale(self):
        picking = self.sale.picking_ids
        action = picking.action_create_rma()
        lines = action["context"]["default_line_ids"]
        self.assertEqual(len(lines), 6)
        self.assertEqual({cmd[2]["lot_id"] for cmd in lines}, set(self.lots.ids))
        action = self.sale.action_create_rma()
        self.assertEqual(action["context"]["default_sale_order_id"], self.sale.id)
        self.assertEqual(action["context"]["default_partner_id"], self.end_user.id)

    def test_cancel(self):
        rma = self._approved_rma(self.lots[:1])
        rma.action_cancel()
        self.assertEqual(rma.state, "cancelled")
        self.assertEqual(rma.picking_ids.state, "cancel")
