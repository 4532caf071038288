# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 12: warranty codes are secrets that managers read; staff redeem
one by its exact text."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue11CodeSecrets(RmaCommon):
    """Item 12: warranty codes are secrets: managers read them; staff redeem a code
    by its exact text and never list the unredeemed ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.warranty_policy_id = cls.env["rma.warranty.policy"].create(
            {"name": "Codes: 2 years, 3 in all", "warranty_months": 24}
        )
        cls.product.warranty_policy_id.max_total_months = 36
        cls.lot = cls._create_lots(cls.product, ["SN-I11-CODE-1"])
        cls._sell(cls.end_user, cls.product, lots=cls.lot)
        cls.Code = cls.env["rma.warranty.code"]
        cls.codes = cls.Code._generate(3, vals={"months": 6})
        cls.employee = new_test_user(
            cls.env, "issue11_employee", groups="base.group_user"
        )

    def test_rma_user_cannot_list_or_read_codes(self):
        Code = self.Code.with_user(self.rma_user)
        with self.assertRaises(AccessError):
            Code.search([("state", "=", "available")])
        with self.assertRaises(AccessError):
            Code.search_read([], ["code"])
        with self.assertRaises(AccessError):
            Code.browse(self.codes.ids).read(["code"])
        with self.assertRaises(AccessError):
            Code.read_group([], ["code"], ["batch_name"])
        # Managers administer them.
        manager_codes = self.Code.with_user(self.rma_manager).search(
            [("id", "in", self.codes.ids)]
        )
        self.assertEqual(
            set(manager_codes.mapped("code")), set(self.codes.mapped("code"))
        )

    def test_rma_user_redeems_by_exact_text(self):
        code = self.codes[0]
        Redeem = self.env["rma.warranty.code.redeem"].with_user(self.rma_user)
        with Form(Redeem) as form:
            form.code = f"  {code.code.lower()} "
            form.lot_id = self.lot
        form.record.action_redeem()
        self.assertEqual(code.redeemed_lot_id, self.lot)
        self.assertEqual(code.redeemed_partner_id, self.end_user)
        # A code that is not typed exactly is not found, not suggested.
        with self.assertRaisesRegex(UserError, "is not valid"):
            self.Code.with_user(self.rma_user)._redeem(
                self.codes[1].code[:-1], self.lot, self.end_user
            )
        self.assertFalse(self.codes[1].redeemed_date)

    def test_other_company_code_unknown_to_staff(self):
        other = self.env["res.company"].create({"name": "Issue 11 Codes Co"})
        foreign = self.Code._generate(1, vals={"months": 6, "company_id": other.id})
        with self.assertRaisesRegex(UserError, "is not valid"):
            self.Code.with_user(self.rma_user)._redeem(
                foreign.code, self.lot, self.end_user
            )
        self.assertFalse(foreign.redeemed_date)

    def test_employee_without_rma_rights_cannot_redeem(self):
        with self.assertRaises(AccessError):
            self.Code.with_user(self.employee)._redeem(
                self.codes[0].code, self.lot, self.end_user
            )
        self.assertFalse(self.codes[0].redeemed_date)
