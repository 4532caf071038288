# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15, paid swap: two workers quoting one swap make one quote; two workers
shipping one paid swap (the payment's post-processing, an invoice paid) make one
delivery."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue15SwapConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # Not storable: what is received and shipped leaves no stock to clean up.
            product = env["product.product"].create(
                {"name": "Swap Concurrency Router", "type": "consu", "list_price": 10}
            )
            # Free of charge: a confirmed quote is paid without a payment to clean up.
            fee = env["product.product"].create(
                {"name": "Swap Concurrency Fee", "type": "service", "list_price": 0}
            )
            policy = env["rma.warranty.policy"].create(
                {
                    "name": "Swap Concurrency Policy",
                    "warranty_months": 12,
                    "swap_fee_product_id": fee.id,
                }
            )
            product.warranty_policy_id = policy
            partner = env["res.partner"].create({"name": "Concurrent Swap Customer"})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rma = env["rma.order"].create(
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "line_ids": [
                        Command.create(
                            {"product_id": product.id, "resolution": "replace"}
                        )
                    ],
                }
            )
            rma.action_submit()
            rma.action_approve()
            self.ids = {
                "rma": rma.id,
                "products": (product | fee).ids,
                "policy": policy.id,
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
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["products"]).write(
                {"warranty_policy_id": False}
            )
            env["rma.warranty.policy"].browse(self.ids["policy"]).unlink()
            env["product.product"].browse(self.ids["products"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _receive(self, env):
        receipt = env["rma.order"].browse(self.ids["rma"]).picking_ids
        receipt.move_ids.quantity = 1
        receipt.move_ids.picked = True
        receipt.button_validate()

    def _quote(self, env):
        return env["rma.order"].browse(self.ids["rma"]).line_ids.quote_id

    def _deliveries(self, env):
        rma = env["rma.order"].browse(self.ids["rma"])
        return rma.picking_ids.filtered(
            lambda p: p.picking_type_id == rma.warehouse_id.rma_out_type_id
        )

    def test_two_workers_quote_the_swap_once(self):
        with self._two_workers() as (cr1, cr2):
            line1 = self._env(cr1)["rma.order"].browse(self.ids["rma"]).line_ids
            line2 = self._env(cr2)["rma.order"].browse(self.ids["rma"]).line_ids
            line1.action_rma_quote()
            with self.assertRaisesRegex(UserError, "Someone else is quoting"):
                line2.action_rma_quote()
            cr1.commit()
            with self.assertRaisesRegex(UserError, "Someone else is quoting"):
                line2.action_rma_quote()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            line3 = self._env(cr3)["rma.order"].browse(self.ids["rma"]).line_ids
            with self.assertRaisesRegex(UserError, "already quoted"):
                line3.action_rma_quote()
            self.assertEqual(len(line3.quote_ids), 1)
            self.assertTrue(line3.quote_id.rma_swap)

    def test_two_workers_ship_the_paid_swap_once(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            line = env["rma.order"].browse(self.ids["rma"]).line_ids
            line.action_rma_quote()
            # Accepted and paid (nothing to pay) before the unit arrives: nothing
            # to ship yet.
            line.quote_id.action_confirm()
            self.assertTrue(line.quote_paid)
            self.assertFalse(self._deliveries(env))
            self._receive(env)
        with self._two_workers() as (cr1, cr2):
            quote1 = (
                self._env(cr1)["rma.order"].browse(self.ids["rma"]).line_ids.quote_id
            )
            quote2 = (
                self._env(cr2)["rma.order"].browse(self.ids["rma"]).line_ids.quote_id
            )
            self.assertTrue(quote1._rma_ship_paid_swaps())
            # The second worker finds the unit locked: it ships nothing...
            self.assertFalse(quote2._rma_ship_paid_swaps())
            cr1.commit()
            # ...nor after the first one committed (its snapshot is stale).
            self.assertFalse(quote2._rma_ship_paid_swaps())
            cr2.commit()
        with self.registry.cursor() as cr3:
            env = self._env(cr3)
            quote3 = env["rma.order"].browse(self.ids["rma"]).line_ids.quote_id
            # A retry finds the replacement on its way.
            self.assertFalse(quote3._rma_ship_paid_swaps())
            self.assertEqual(len(self._deliveries(env)), 1)
            self.assertEqual(len(self._deliveries(env).move_ids), 1)
