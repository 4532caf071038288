# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15, advance replacement: the overdue check run by two workers at once
invoices each overdue faulty unit once."""

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue15AdvanceCronConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            policy = env["rma.warranty.policy"].create(
                {"name": "Advance Concurrency Policy", "warranty_months": 12}
            )
            product = env["product.product"].create(
                {
                    "name": "Advance Concurrency Gadget",
                    "type": "consu",
                    "list_price": 210.0,
                    "warranty_policy_id": policy.id,
                }
            )
            partner = env["res.partner"].create({"name": "Advance Concurrent Customer"})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rmas = env["rma.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "warehouse_id": warehouse.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "resolution": "replace",
                                    "advance_replacement": True,
                                }
                            )
                        ],
                    }
                    for __ in range(2)
                ]
            )
            # The replacements left long ago: both faulty units are overdue (the
            # superuser stands for the delivery that set them).
            rmas.line_ids.write(
                {
                    "advance_state": "awaiting",
                    "advance_due_date": "2020-01-10",
                    "advance_remind_date": "2020-01-09",
                    "advance_reminded": True,
                }
            )
            self.ids = {
                "rmas": rmas.ids,
                "lines": rmas.line_ids.ids,
                "product": product.id,
                "partner": partner.id,
                "policy": policy.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            lines = env["rma.order.line"].browse(self.ids["lines"]).exists()
            moves = (lines.advance_charge_move_id | lines.advance_credit_move_id).ids
            if moves:
                cr.execute(SQL("DELETE FROM account_move WHERE id IN %s", tuple(moves)))
            for rma in env["rma.order"].browse(self.ids["rmas"]).exists():
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["rma.warranty.policy"].browse(self.ids["policy"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _run(self, env):
        return env["rma.order.line"].browse(self.ids["lines"])._cron_rma_advance()

    def _charges(self, env):
        return env["rma.order.line"].browse(self.ids["lines"]).advance_charge_move_id

    def test_two_workers_at_once_one_invoice_per_unit(self):
        with self._two_workers() as (cr1, cr2):
            env1, env2 = self._env(cr1), self._env(cr2)
            first = self._run(env1)
            # The second worker skips the units the first one holds.
            second = self._run(env2)
            self.assertEqual(len(first), 2)
            self.assertFalse(second)
            cr1.commit()
            cr2.rollback()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            charges = self._charges(env)
            self.assertEqual(len(charges), 2)
            self.assertEqual(set(charges.mapped("state")), {"posted"})
            self.assertEqual(
                set(
                    env["rma.order.line"]
                    .browse(self.ids["lines"])
                    .mapped("advance_state")
                ),
                {"charged"},
            )
            # A later run finds them charged.
            self.assertFalse(self._run(env))
            self.assertEqual(
                env["account.move"].search_count(
                    [("partner_id", "=", self.ids["partner"])]
                ),
                2,
            )
