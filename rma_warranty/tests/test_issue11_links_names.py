# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, items 18 and 19: the unit's name follows its RMA, a redemption locks
the serial once, serials are not made from an RMA, coverage removals are kept."""

from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import format_date
from odoo.tools.safe_eval import safe_eval

from ..locking import lock_rows_nowait
from .common import customer_today
from .test_issue11_links import LinksCommon


@tagged("post_install", "-at_install")
class TestIssue11LinksNames(LinksCommon):
    """Items 18 and 19: names, locks, serials and coverage."""

    def test_unit_name_follows_the_rma_number(self):
        self.end_user.email = False  # no mail step in between
        rma = self._new_rma(self.end_user, [(self.product, self.lot_a, 1)])
        rma.action_submit()
        line = rma.line_ids
        self.assertEqual(line.display_name, f"{rma.name}: NAS TS-464 (LNK-0001)")
        rma.action_approve()
        self.assertTrue(rma.name.startswith("RMA/"))
        self.assertEqual(line.display_name, f"{rma.name}: NAS TS-464 (LNK-0001)")
        self.assertEqual(line.move_ids.name, line.display_name)

    def test_redemption_locks_the_serial_once(self):
        policy = self.env["rma.warranty.policy"].create(
            {"name": "Links policy", "warranty_months": 12, "max_total_months": 36}
        )
        self.product.warranty_policy_id = policy
        self.lot_a._warranty_recompute_standard()
        code = self.env["rma.warranty.code"]._generate(1, vals={"months": 6})
        with patch(
            "odoo.addons.rma_warranty.models.stock_lot.lock_rows_nowait",
            wraps=lock_rows_nowait,
        ) as lock:
            self.env["rma.warranty.code"]._redeem(code.code, self.lot_a)
        lot_locks = [c for c in lock.call_args_list if c.args[0]._name == "stock.lot"]
        self.assertEqual(len(lot_locks), 1)
        self.assertEqual(code.redeemed_lot_id, self.lot_a)

    def test_unit_serial_cannot_be_created_from_the_rma(self):
        arch = self._arch("rma.order", "form", self.rma_user)
        lot = arch.xpath("//field[@name='line_ids']/list/field[@name='lot_id']")[0]
        options = lot.get("options") or "{}"
        self.assertIn("'no_create': True", options)
        # As the web client reads it: no "Create ..." and no quick create either.
        self.assertTrue(safe_eval(options).get("no_create"))

    def test_delivery_coverage_removed_only_by_recompute_and_logged(self):
        policy = self.env["rma.warranty.policy"].create(
            {"name": "Links policy", "warranty_months": 12}
        )
        self.product.warranty_policy_id = policy
        lot = self.lot_a
        lot._warranty_recompute_standard()
        standard = lot.warranty_coverage_ids
        self.assertEqual(standard.mapped("origin"), ["delivery"])
        manager = self.rma_manager
        with self.assertRaisesRegex(UserError, "Recompute"):
            standard.with_user(manager).unlink()
        self.assertTrue(standard.exists())
        # The serial's page: removing the row from the list is the same write.
        with self.assertRaisesRegex(UserError, "Recompute"):
            lot.with_user(manager).write(
                {"warranty_coverage_ids": [Command.delete(standard.id)]}
            )
        # A period given by hand may go; its removal is kept on the serial.
        goodwill = (
            self.env["rma.warranty.coverage"]
            .with_user(manager)
            .create(
                {
                    "lot_id": lot.id,
                    "product_id": self.product.id,
                    "kind": "goodwill",
                    "date_start": fields.Date.today(),
                    "date_end": fields.Date.today() + relativedelta(months=3),
                    "reason": "Links goodwill",
                }
            )
        )
        before = lot.message_ids
        goodwill.unlink()
        notes = lot.message_ids - before
        self.assertEqual(len(notes), 1)
        self.assertIn("Coverage removed", notes.body)
        self.assertIn("Goodwill", notes.body)
        end = fields.Date.today() + relativedelta(months=3)
        self.assertIn(format_date(self.env, end), notes.body)
        # Recompute (managers) rebuilds the standard period and logs the removal.
        before = lot.message_ids
        lot.with_user(manager).action_warranty_recompute()
        self.assertFalse(standard.exists())
        self.assertEqual(lot.warranty_coverage_ids.mapped("origin"), ["delivery"])
        notes = lot.message_ids - before
        self.assertEqual(len(notes), 1)
        self.assertIn("Coverage removed", notes.body)
        self.assertIn("Standard", notes.body)

    def test_removals_logged_in_one_batch(self):
        policy = self.env["rma.warranty.policy"].create(
            {"name": "Links policy", "warranty_months": 12}
        )
        self.product.warranty_policy_id = policy
        lots = self.lot_a | self.lot_b
        lots._warranty_recompute_standard()
        before = self.env["mail.message"].search([("model", "=", "stock.lot")])
        # Both units' standard periods are rebuilt: one note on each serial.
        lots._warranty_recompute_standard()
        notes = self.env["mail.message"].search([("model", "=", "stock.lot")]) - before
        self.assertEqual(sorted(notes.mapped("res_id")), sorted(lots.ids))

    def test_registration_removed_its_periods_logged(self):
        policy = self.env["rma.warranty.policy"].create(
            {"name": "Links policy", "warranty_months": 12}
        )
        self.product.warranty_policy_id = policy
        # Bought elsewhere: only its registration covers it.
        lot = self._create_lots(self.product, ["LNK-REGISTERED"])
        proof = self.env["ir.attachment"].create(
            {"name": "receipt.pdf", "raw": b"%PDF-1.4 receipt"}
        )
        registration = self.env["rma.warranty.registration"]._register_unit(
            lot, self.end_user, customer_today(lot, self.end_user), proof
        )
        self.assertEqual(lot.warranty_coverage_ids.mapped("origin"), ["registration"])
        before = lot.message_ids
        registration.with_user(self.rma_manager).unlink()
        self.assertFalse(lot.warranty_coverage_ids)
        notes = lot.message_ids - before
        self.assertEqual(len(notes), 1)
        self.assertIn("Coverage removed", notes.body)
        self.assertIn("Registration", notes.body)
