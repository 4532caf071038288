# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestRepairConcurrency(CommittedCase):
    """Two workers quote the repair of one unit at once: one quote is made."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # Not storable: what is received leaves no stock to clean up.
            product = env["product.product"].create(
                {"name": "Concurrency Router", "type": "consu", "list_price": 10}
            )
            labour = env["product.product"].create(
                {"name": "Concurrency Labour", "type": "service", "list_price": 50}
            )
            tariff = env["rma.repair.tariff"].create(
                {
                    "name": "Concurrency tariff",
                    "product_id": product.id,
                    "damage_level_id": env.ref("rma_warranty.damage_level_minor").id,
                    "line_ids": [
                        Command.create({"kind": "labour", "product_id": labour.id})
                    ],
                }
            )
            partner = env["res.partner"].create({"name": "Concurrent Repair Customer"})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rma = env["rma.order"].create(
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "resolution": "repair",
                                "damage_level_id": env.ref(
                                    "rma_warranty.damage_level_minor"
                                ).id,
                            }
                        )
                    ],
                }
            )
            rma.action_submit()
            rma.action_approve()
            receipt = rma.picking_ids
            receipt.move_ids.quantity = 1
            receipt.move_ids.picked = True
            receipt.button_validate()
            self.ids = {
                "rma": rma.id,
                "products": (product | labour).ids,
                "tariff": tariff.id,
                "partner": partner.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            rma = env["rma.order"].browse(self.ids["rma"]).exists()
            if rma:
                quotes = rma.line_ids.quote_ids
                quotes._action_cancel()
                quotes.unlink()
                repairs = rma.repair_ids
                repairs.filtered(lambda r: r.state != "cancel").action_repair_cancel()
                repairs.unlink()
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["rma.repair.tariff"].browse(self.ids["tariff"]).unlink()
            env["product.product"].browse(self.ids["products"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def test_two_workers_quote_once(self):
        with self._two_workers() as (cr1, cr2):
            line1 = self._env(cr1)["rma.order"].browse(self.ids["rma"]).line_ids
            line2 = self._env(cr2)["rma.order"].browse(self.ids["rma"]).line_ids
            self.assertEqual(line1.repair_status, "to_diagnose")
            self.assertEqual(line2.repair_status, "to_diagnose")
            line1.action_rma_quote()
            # Refused while the first worker holds the unit...
            with self.assertRaisesRegex(UserError, "Someone else is quoting"):
                line2.action_rma_quote()
            cr1.commit()
            # ...and after it committed: the second one's snapshot is stale.
            with self.assertRaisesRegex(UserError, "Someone else is quoting"):
                line2.action_rma_quote()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            line3 = self._env(cr3)["rma.order"].browse(self.ids["rma"]).line_ids
            # A retry sees the quote and refuses a second one.
            with self.assertRaisesRegex(UserError, "already open"):
                line3.action_rma_quote()
            self.assertEqual(len(line3.quote_ids), 1)
            self.assertEqual(len(line3.repair_ids), 1)
            self.assertEqual(line3.quote_id.amount_untaxed, 50.0)
