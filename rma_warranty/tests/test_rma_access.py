# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestRmaAccess(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Service Co"})
        cls.other_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )
        cls.employee = new_test_user(cls.env, "rma_no_access", groups="base.group_user")
        cls.portal = new_test_user(cls.env, "rma_portal", groups="base.group_portal")
        cls.both_companies_user = new_test_user(
            cls.env,
            "rma_two_companies",
            groups="rma_warranty.group_rma_user",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
            company_id=cls.company.id,
        )
        cls.rma_here = cls.env["rma.order"].create(
            {
                "partner_id": cls.end_user.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [(0, 0, {"product_id": cls.product_untracked.id})],
            }
        )
        cls.rma_there = (
            cls.env["rma.order"]
            .with_company(cls.other_company)
            .create(
                {
                    "partner_id": cls.end_user.id,
                    "company_id": cls.other_company.id,
                    "warehouse_id": cls.other_warehouse.id,
                    "line_ids": [(0, 0, {"product_id": cls.product_untracked.id})],
                }
            )
        )

    def test_rma_user_works_on_rmas_of_own_company(self):
        Rma = self.env["rma.order"].with_user(self.rma_user)
        rma = Rma.create(
            {
                "partner_id": self.end_user.id,
                "line_ids": [(0, 0, {"product_id": self.product_untracked.id})],
            }
        )
        self.assertEqual(rma.warehouse_id.company_id, self.company)
        rma.action_submit()
        rma.action_approve()
        self.assertEqual(rma.state, "approved")
        self.assertTrue(rma.picking_ids)
        self.assertEqual(Rma.search([("id", "in", self.rma_there.ids)]), Rma)
        with self.assertRaises(AccessError):
            self.rma_there.with_user(self.rma_user).read(["name"])
        with self.assertRaises(AccessError):
            self.rma_there.with_user(self.rma_user).action_submit()

    def test_allowed_companies_decide(self):
        Rma = self.env["rma.order"].with_user(self.both_companies_user)
        both = self.rma_here | self.rma_there
        only_here = Rma.with_context(allowed_company_ids=[self.company.id])
        self.assertEqual(only_here.search([("id", "in", both.ids)]), self.rma_here)
        everywhere = Rma.with_context(
            allowed_company_ids=[self.company.id, self.other_company.id]
        )
        self.assertEqual(everywhere.search([("id", "in", both.ids)]), both)

    def test_service_centre_of_another_company_refused(self):
        with self.assertRaises(UserError):
            self.env["rma.order"].create(
                {
                    "partner_id": self.end_user.id,
                    "company_id": self.company.id,
                    "warehouse_id": self.other_warehouse.id,
                }
            )

    def test_manager_is_a_user_too(self):
        rma = self.rma_here.with_user(self.rma_manager)
        rma.action_submit()
        self.assertEqual(rma.state, "submitted")

    def test_others_have_no_access(self):
        with self.assertRaises(AccessError):
            self.env["rma.order"].with_user(self.employee).search([])
        # Portal users read the RMAs of their own parties (issue 12): none here.
        self.assertFalse(self.env["rma.order"].with_user(self.portal).search([]))
        for user in (self.employee, self.portal):
            with self.assertRaises(AccessError):
                self.rma_here.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                self.rma_here.with_user(user).action_submit()

    def test_only_draft_or_cancelled_rmas_can_be_deleted(self):
        rma = self.rma_here.with_user(self.rma_user)
        rma.action_submit()
        with self.assertRaises(UserError):
            rma.unlink()
        rma.action_open_reject()
        rma._reject("Duplicate of another request.")
        rma.action_draft()
        rma.unlink()
        self.assertFalse(self.rma_here.exists())

    def test_rma_user_handles_invoiced_serial_without_accounting_rights(self):
        """Service staff file, approve and receive an RMA whose origin is an invoice
        they cannot open; the credit note needs a user with invoicing rights."""
        lot = self._create_lots(self.product, ["SN-ACCESS-1"])
        sale = self._sell(self.end_user, self.product, lots=lot, price=420.0)
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "refund",
                }
            ],
            user=self.rma_user,
        )
        line = rma.line_ids
        self.assertEqual(line.origin_sale_line_id, sale.order_line)
        self.assertEqual(line.origin_invoice_line_id.move_id, sale.invoice_ids)
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        self.assertEqual(rma.state, "received")
        # No raw access error: the accounting team is asked for it (issue 11).
        result = rma.action_process()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(rma.refund_count, 0)
        self.assertEqual(len(rma.activity_ids), 1)
        rma.with_user(self.rma_manager).action_process()
        rma.refund_ids.with_user(self.rma_manager).action_post()
        self.assertEqual(rma.state, "done")
        self.assertEqual(rma.refund_count, 1, "visible without accounting rights")
