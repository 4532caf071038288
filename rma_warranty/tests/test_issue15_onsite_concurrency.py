# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue15OnsiteConcurrency(CommittedCase):
    """Two workers close the visit of one on-site repair at once: one does."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # Not storable, no parts: nothing in stock to clean up.
            product = env["product.product"].create(
                {"name": "On-Site Concurrency Router", "type": "consu"}
            )
            labour = env["product.product"].create(
                {"name": "On-Site Concurrency Labour", "type": "service"}
            )
            level = env.ref("rma_warranty.damage_level_minor")
            tariff = env["rma.repair.tariff"].create(
                {
                    "name": "On-site concurrency tariff",
                    "product_id": product.id,
                    "damage_level_id": level.id,
                    "line_ids": [
                        Command.create({"kind": "labour", "product_id": labour.id})
                    ],
                }
            )
            partner = env["res.partner"].create({"name": "On-Site Concurrent Customer"})
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
                                "repair_onsite": True,
                                "damage_level_id": level.id,
                            }
                        )
                    ],
                }
            )
            rma.action_submit()
            rma.action_approve()
            # Labour is free on site: nothing to pay, the repair is confirmed.
            rma.line_ids.action_rma_quote()
            rma.line_ids.action_rma_plan_visit()
            rma.line_ids.repair_id.rma_visit_result = "Reset on site."
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
                repairs = rma.repair_ids
                repairs.filtered(lambda r: r.state != "cancel").action_repair_cancel()
                repairs.unlink()
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["rma.repair.tariff"].browse(self.ids["tariff"]).unlink()
            env["product.product"].browse(self.ids["products"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def test_two_workers_close_the_visit_once(self):
        with self._two_workers() as (cr1, cr2):
            repair1 = self._env(cr1)["rma.order"].browse(self.ids["rma"]).repair_ids
            repair2 = self._env(cr2)["rma.order"].browse(self.ids["rma"]).repair_ids
            self.assertEqual(repair1.state, "confirmed")
            self.assertEqual(repair2.state, "confirmed")
            repair1.action_rma_visit_done()
            self.assertEqual(repair1.state, "done")
            # Refused while the first worker holds the repair order.
            with self.assertRaisesRegex(UserError, "Someone else is closing"):
                repair2.action_rma_visit_done()
            cr2.rollback()
            # The first one's work is not kept: the cleanup can cancel the repair.
            cr1.rollback()
