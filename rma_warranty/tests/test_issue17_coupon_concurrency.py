# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17: two workers give a goodwill coupon for one RMA unit at the same time
(a double click): exactly one coupon."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue17GoodwillCouponConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "Goodwill Concurrency Gadget", "type": "consu"}
            )
            partner = env["res.partner"].create(
                {"name": "Concurrent Goodwill", "email": "cg@example.com"}
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rma = env["rma.order"].create(
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "line_ids": [Command.create({"product_id": product.id})],
                }
            )
            rma.action_submit()
            self.ids = {
                "rma": rma.id,
                "line": rma.line_ids.id,
                "product": product.id,
                "partner": partner.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["loyalty.card"].search([("rma_id", "=", self.ids["rma"])]).unlink()
            rma = env["rma.order"].browse(self.ids["rma"]).exists()
            if rma:
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _give(self, cr):
        env = self._env(cr)
        program = env.ref("rma_warranty.loyalty_program_rma_goodwill")
        line = env["rma.order.line"].browse(self.ids["line"])
        return line._rma_give_goodwill_coupon(program, 10.0, "Twice at once.")

    def test_two_workers_give_one_coupon(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            self.assertEqual(len(self._give(cr1)), 1)
            with self.assertRaisesRegex(UserError, "Someone else"):
                self._give(cr2)
            cr1.commit()
            # The lock is free now, the first coupon not in this snapshot: the
            # database refuses the second coupon, a clear message says why.
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "already got a goodwill coupon"),
            ):
                self._give(cr2)
            cr2.rollback()
        with self.registry.cursor() as cr3:
            with self.assertRaisesRegex(UserError, "already got a goodwill coupon"):
                self._give(cr3)
            coupons = self._env(cr3)["loyalty.card"].search(
                [("rma_line_id", "=", self.ids["line"])]
            )
            self.assertEqual(len(coupons), 1)
            cr3.rollback()
