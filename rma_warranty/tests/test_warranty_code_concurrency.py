# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.rma_warranty_coverage import period_end
from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestWarrantyCodeConcurrency(CommittedCase):
    """Two customers redeem one code at the same time: exactly one succeeds.

    Real, separately committed transactions are needed for that, so this case
    commits its own data and removes it afterwards.
    """

    def setUp(self):
        super().setUp()
        self.ids = {}
        self.addCleanup(self._cleanup)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = self._create_extendable_product(env, "Concurrency Inverter", 12)
            policy = product.warranty_policy_id
            partners = env["res.partner"].create(
                [{"name": "First Customer"}, {"name": "Second Customer"}]
            )
            lots = env["stock.lot"].create(
                [
                    {"name": name, "product_id": product.id}
                    for name in ("CONC-CODE-1", "CONC-CODE-2")
                ]
            )
            start = fields.Date.today()
            env["rma.warranty.coverage"].create(
                [
                    {
                        "lot_id": lot.id,
                        "product_id": product.id,
                        "company_id": env.company.id,
                        "policy_id": policy.id,
                        "kind": "standard",
                        "origin": "registration",
                        "date_start": start,
                        "date_end": period_end(start, 12),
                    }
                    for lot in lots
                ]
            )
            code = env["rma.warranty.code"]._generate(1, vals={"months": 12})
            self.ids = {
                "policy": policy.id,
                "product": product.id,
                "partners": partners.ids,
                "lots": lots.ids,
                "code": code.id,
                "code_text": code.code,
            }

    def _cleanup(self):
        if not self.ids:
            return
        with self.registry.cursor() as cr:
            # A redeemed code and the coverage it gave cannot be deleted through
            # the ORM, by design.
            cr.execute(
                SQL(
                    "DELETE FROM rma_warranty_coverage WHERE lot_id IN %s",
                    tuple(self.ids["lots"]),
                )
            )
            cr.execute(
                SQL("DELETE FROM rma_warranty_code WHERE id = %s", self.ids["code"])
            )
            env = self._env(cr)
            env["stock.lot"].browse(self.ids["lots"]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["rma.warranty.policy"].browse(self.ids["policy"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def _args(self, env, index):
        return (
            self.ids["code_text"].lower(),
            env["stock.lot"].browse(self.ids["lots"][index]),
            env["res.partner"].browse(self.ids["partners"][index]),
        )

    def test_two_customers_redeem_once(self):
        with self._two_workers() as (cr1, cr2):
            env1, env2 = self._env(cr1), self._env(cr2)
            # Both customers loaded the available code before either redeemed it.
            code1 = env1["rma.warranty.code"].browse(self.ids["code"])
            code2 = env2["rma.warranty.code"].browse(self.ids["code"])
            self.assertEqual(code1.state, "available")
            self.assertEqual(code2.state, "available")
            coverage = env1["rma.warranty.code"]._redeem(*self._args(env1, 0))
            self.assertTrue(coverage)
            # The second is refused while the first holds the code...
            with self.assertRaisesRegex(UserError, "being redeemed right now"):
                env2["rma.warranty.code"]._redeem(*self._args(env2, 1))
            cr1.commit()
            # ...and after the first committed: its snapshot is stale.
            with self.assertRaisesRegex(UserError, "being redeemed right now"):
                env2["rma.warranty.code"]._redeem(*self._args(env2, 1))
            cr2.rollback()
        with self.registry.cursor() as cr3:
            env3 = self._env(cr3)
            # A retry in a new transaction sees the redemption.
            with self.assertRaisesRegex(UserError, "already been used"):
                env3["rma.warranty.code"]._redeem(*self._args(env3, 1))
            coverage = env3["rma.warranty.coverage"].search(
                [("code_id", "=", self.ids["code"])]
            )
            self.assertEqual(len(coverage), 1)
            self.assertEqual(coverage.lot_id.id, self.ids["lots"][0])
            self.assertEqual(
                env3["rma.warranty.coverage"].search_count(
                    [("lot_id", "=", self.ids["lots"][1]), ("kind", "=", "extended")]
                ),
                0,
            )
            code = env3["rma.warranty.code"].browse(self.ids["code"])
            self.assertEqual(code.redeemed_partner_id.id, self.ids["partners"][0])
