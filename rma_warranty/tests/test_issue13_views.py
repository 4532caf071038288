# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue13PickingRmas(RmaCommon):
    """A picking's RMAs are found one way (``_rma_orders_by_picking``): the button's
    count and the records it opens agree, for a whole batch of pickings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_a, cls.lot_b, cls.lot_c = cls._create_lots(
            cls.product, ["I13-0001", "I13-0002", "I13-0003"]
        )
        cls.delivery_a = cls._sell(
            cls.end_user, cls.product, lots=cls.lot_a
        ).picking_ids
        cls.delivery_bc = cls._sell(
            cls.end_user, cls.product, lots=cls.lot_b | cls.lot_c
        ).picking_ids

    def test_count_and_action_agree_per_picking(self):
        rma_a = self._new_rma(self.end_user, [(self.product, self.lot_a, 1)])
        rma_b = self._new_rma(self.end_user, [(self.product, self.lot_b, 1)])
        rma_c = self._new_rma(self.end_user, [(self.product, self.lot_c, 1)])
        rma_a.action_submit()
        rma_a.action_approve()
        receipt = rma_a.picking_ids
        self.assertEqual(len(receipt), 1)
        pickings = (self.delivery_a | self.delivery_bc | receipt).with_user(
            self.rma_user
        )
        orders = pickings._rma_orders_by_picking()
        self.assertEqual(orders[self.delivery_a.id], rma_a)
        self.assertEqual(orders[self.delivery_bc.id], rma_b | rma_c)
        self.assertEqual(orders[receipt.id], rma_a)
        pickings.invalidate_recordset(["rma_count"])
        self.assertEqual(pickings.mapped("rma_count"), [1, 2, 1])
        for picking in pickings:
            action = picking.action_view_rma()
            self.assertEqual(action["res_model"], "rma.order")
            found = (
                self.env["rma.order"].browse(action["res_id"])
                if action.get("res_id")
                else self.env["rma.order"].search(action["domain"])
            )
            self.assertEqual(len(found), picking.rma_count)
            self.assertEqual(found, orders[picking.id])

    def test_count_is_one_search_for_the_batch(self):
        self._new_rma(self.end_user, [(self.product, self.lot_a, 1)])
        self._new_rma(self.end_user, [(self.product, self.lot_b, 1)])
        self._new_rma(self.end_user, [(self.product, self.lot_c, 1)])
        one = self.delivery_a.with_user(self.rma_user)
        both = (self.delivery_a | self.delivery_bc).with_user(self.rma_user)
        # warm-up: the user's groups and record rules are cached once
        self.delivery_bc.with_user(self.rma_user).mapped("rma_count")
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            self.assertEqual(one.mapped("rma_count"), [1])
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            self.assertEqual(both.mapped("rma_count"), [1, 2])

    def test_view_records_keeps_create_only_on_rma_lists(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lot_a, 1)])
        rma.action_submit()
        rma.action_approve()
        mine = self.delivery_a.with_user(self.rma_user).action_view_rma()
        self.assertEqual(mine["res_id"], rma.id)
        self.assertEqual(mine["views"], [(False, "form")])
        self.assertNotEqual(mine.get("context"), {"create": False})
        docs = rma.with_user(self.rma_user).action_view_pickings()
        self.assertEqual(docs["res_id"], rma.picking_ids.id)
        self.assertEqual(
            docs["views"], [(self.env.ref("stock.view_picking_form").id, "form")]
        )
        self.assertEqual(docs["context"], {"create": False})
