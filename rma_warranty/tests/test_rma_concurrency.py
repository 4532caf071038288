# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestRmaConcurrency(CommittedCase):
    """Two workers act on one RMA at the same time: exactly one of them acts.

    Real, separately committed transactions are needed for that, so this case
    commits its own data and removes it afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # Not storable: what is received leaves no stock to clean up.
            product = env["product.product"].create(
                {"name": "Concurrency Gadget", "type": "consu", "list_price": 10}
            )
            partner = env["res.partner"].create({"name": "Concurrent Customer"})
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
            self.ids = {"rma": rma.id, "product": product.id, "partner": partner.id}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            rma = env["rma.order"].browse(self.ids["rma"]).exists()
            if rma:
                rma.refund_ids.filtered(lambda m: m.state == "draft").unlink()
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def test_two_workers_approve_once(self):
        with self._two_workers() as (cr1, cr2):
            rma1 = self._env(cr1)["rma.order"].browse(self.ids["rma"])
            rma2 = self._env(cr2)["rma.order"].browse(self.ids["rma"])
            # Both workers loaded the submitted RMA before either acted.
            self.assertEqual(rma1.state, "submitted")
            self.assertEqual(rma2.state, "submitted")
            rma1.action_approve()
            # The second worker's approval is refused while the first holds the row...
            with self.assertRaisesRegex(UserError, "being processed"):
                rma2.action_approve()
            cr1.commit()
            # ...and after the first committed: its snapshot is stale.
            with self.assertRaisesRegex(UserError, "being processed"):
                rma2.action_approve()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            rma3 = self._env(cr3)["rma.order"].browse(self.ids["rma"])
            # A retry (new transaction) sees the approval and refuses a second one.
            with self.assertRaisesRegex(UserError, "Cannot approve"):
                rma3.action_approve()
            self.assertEqual(rma3.state, "approved")
            self.assertEqual(len(rma3.picking_ids), 1)
            self.assertEqual(len(rma3.picking_ids.move_ids), 1)

    def test_double_click_process_refunds_once(self):
        with self.registry.cursor() as cr:
            rma = self._env(cr)["rma.order"].browse(self.ids["rma"])
            rma.line_ids.resolution = "refund"
            rma.action_approve()
            receipt = rma.picking_ids
            receipt.move_ids.quantity = 1
            receipt.move_ids.picked = True
            receipt.button_validate()
        with self._two_workers() as (cr1, cr2):
            rma1 = self._env(cr1)["rma.order"].browse(self.ids["rma"])
            rma2 = self._env(cr2)["rma.order"].browse(self.ids["rma"])
            rma1.action_process()
            with self.assertRaisesRegex(UserError, "being processed"):
                rma2.action_process()
            cr1.commit()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            rma3 = self._env(cr3)["rma.order"].browse(self.ids["rma"])
            # The draft credit note holds the unit (refunded once posted).
            with self.assertRaisesRegex(UserError, "Nothing to process"):
                rma3.action_process()
            self.assertEqual(len(rma3.refund_ids), 1)
            self.assertEqual(rma3.line_ids.qty_refund_draft, 1.0)
