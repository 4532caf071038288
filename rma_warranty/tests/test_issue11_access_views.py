# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 14: the buttons opening an RMA's documents check access to the
RMA first, as any user may call them over RPC on any id."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue11ViewActions(RmaCommon):
    """Item 14: the buttons that open an RMA's documents tell nothing to who may
    not read the RMA (credit notes are counted in sudo)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env, "issue11_portal", groups="base.group_portal"
        )
        cls.employee = new_test_user(
            cls.env, "issue11_view_employee", groups="base.group_user"
        )
        lot = cls._create_lots(cls.product, ["SN-I11-VIEW-1"])
        cls.sale = cls._sell(cls.end_user, cls.product, lots=lot, price=420.0)
        cls.rma = cls.env["rma.order"].create(
            {
                "partner_id": cls.end_user.id,
                "warehouse_id": cls.warehouse.id,
                "sale_order_id": cls.sale.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": lot.id,
                            "quantity": 1,
                            "resolution": "refund",
                        }
                    )
                ],
            }
        )
        cls.rma.action_submit()
        cls.rma.action_approve()

    def test_view_actions_check_access(self):
        self._receive(self.rma)
        self.rma.action_process()
        refund = self.rma.refund_ids
        self.assertEqual(len(refund), 1)
        actions = (
            "action_view_refunds",
            "action_view_pickings",
            "action_view_quotes",
            "action_view_repairs",
            "action_view_sale_order",
        )
        for user in (self.portal, self.employee):
            for action in actions:
                with (
                    self.subTest(user=user.login, action=action),
                    self.assertRaises(AccessError),
                ):
                    getattr(self.rma.with_user(user), action)()
        # Service staff without accounting rights still get the button's action.
        action = self.rma.with_user(self.rma_user).action_view_refunds()
        self.assertEqual(action["res_id"], refund.id)
        self.assertEqual(self.rma.with_user(self.rma_user).refund_count, 1)
