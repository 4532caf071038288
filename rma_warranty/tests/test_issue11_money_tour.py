# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue11MoneyTour(RmaCommon, HttpCase):
    """Issue 11, item 1: from a delivered picking to a refund and a replacement,
    through the buttons of the RMA form that Create RMA opened."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Money Tour Buyer AB", "is_company": True}
        )
        cls.lots = cls._create_lots(cls.product, ["SN-MONEY-T0", "SN-MONEY-T1"])
        cls.sale = cls._sell(cls.buyer, cls.product, lots=cls.lots, price=450.0)
        cls.delivery = cls.sale.picking_ids
        spare = cls._create_lots(cls.product, ["SN-MONEY-T9"])
        cls._put_in_stock(cls.product, lots=spare)
        cls.tour_user = new_test_user(
            cls.env,
            "rma_money_tour",
            groups="rma_warranty.group_rma_user,account.group_account_invoice",
        )

    def test_create_rma_from_delivery_to_refund_and_replace(self):
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{self.delivery.id}",
            "rma_issue11_money_tour",
            login=self.tour_user.login,
        )
        rma = self.env["rma.order"].search([("line_ids.lot_id", "in", self.lots.ids)])
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.state, "in_progress")
        self.assertEqual(rma.partner_id, self.buyer)
        refund_line = rma.line_ids.filtered(lambda line: line.resolution == "refund")
        replace_line = rma.line_ids.filtered(lambda line: line.resolution == "replace")
        self.assertEqual(refund_line.lot_id.name, "SN-MONEY-T0")
        self.assertEqual(replace_line.lot_id.name, "SN-MONEY-T1")
        refund = rma.refund_ids
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.invoice_line_ids.rma_line_id, refund_line)
        self.assertEqual(refund.reversed_entry_id, self.sale.invoice_ids)
        delivery = replace_line.move_ids.filtered(
            lambda m: m.location_dest_id == self.customer_location
        ).picking_id
        self.assertEqual(delivery.rma_order_id, rma)
        self.assertEqual(delivery.partner_id, self.buyer)
