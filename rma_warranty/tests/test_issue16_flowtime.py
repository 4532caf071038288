# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestRmaOriginDelivered(RmaCommon):
    """What the origin delivery delivered of each unit, for many units at once.

    Approval and receipt check every unit against its origin delivery; they ask for
    all the units in one call, which reads the delivery's lines once (issue 16: a
    delivery of N serials claimed by N units cost N x N steps).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, ["SN-I16-A", "SN-I16-B", "SN-I16-C"])
        cls.sale = cls._sell(cls.end_user, cls.product, lots=cls.lots)
        cls.sale_untracked = cls._sell(cls.end_user, cls.product_untracked, qty=4)

    def test_each_unit_counts_its_own_serial(self):
        rma = self._new_rma(
            self.end_user,
            [(self.product, lot, 1) for lot in self.lots[:2]]
            + [(self.product_untracked, None, 2)],
        )
        serial_lines = rma.line_ids.filtered("lot_id")
        untracked = rma.line_ids - serial_lines
        untracked.origin_move_id = self.sale_untracked.picking_ids.move_ids
        self.assertEqual(serial_lines.origin_move_id, self.sale.picking_ids.move_ids)
        delivered = rma.line_ids._origin_delivered_qtys()
        self.assertEqual([delivered[line] for line in serial_lines], [1.0, 1.0])
        # Without a serial, a unit counts what the whole move delivered.
        self.assertEqual(delivered[untracked], 4.0)
        for line in rma.line_ids:
            self.assertEqual(line._origin_delivered_qty(), delivered[line])
        rma.action_submit()
        rma.action_approve()
        self.assertEqual(rma.state, "approved")

    def test_serial_claimed_twice_is_refused(self):
        first = self._new_rma(self.end_user, [(self.product, self.lots[2], 1)])
        first.action_submit()
        first.action_approve()
        second = self._new_rma(self.end_user, [(self.product, self.lots[2], 1)])
        with self.assertRaisesRegex(UserError, "claimed but only 1.0 delivered"):
            second.action_submit()
            second.action_approve()
