# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17, goodwill coupons: a coupon of Odoo's own loyalty programs given from
an RMA unit, mailed to the customer, redeemed on a sale order by sale_loyalty,
counted in the warranty cost, shown on the RMA's portal page."""

from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RmaCommon


class GoodwillCommon(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env.ref("rma_warranty.loyalty_program_rma_goodwill")
        # The installed program belongs to the main company: the tests' company.
        cls.program.company_id = cls.company
        cls.salesman = new_test_user(
            cls.env,
            "goodwill_salesman",
            groups="sales_team.group_sale_manager,rma_warranty.group_rma_user",
        )
        cls.sale_product = cls.env["product.product"].create(
            {"name": "Goodwill Test Router", "type": "consu", "list_price": 200.0}
        )

    def _submitted_rma(self, qty_units=1):
        rma = self._new_rma(
            self.end_user,
            [(self.product_untracked, None, 1.0) for _unit in range(qty_units)],
        )
        rma.action_submit()
        return rma

    def _give(self, rma, amount=25.0, line=None, user=None):
        """Give a coupon through the wizard, as the manager clicks it."""
        user = user or self.rma_manager
        action = rma.with_user(user).action_open_goodwill_coupon()
        form = Form(
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
        )
        if line:
            form.line_id = line
        form.amount = amount
        form.reason = "Waited too long for an answer."
        wizard = form.save()
        wizard.action_give()
        return wizard

    def _order(self, partner=None):
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.end_user).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.sale_product.id,
                            "product_uom_qty": 1,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )

    def _apply_code(self, order, code):
        """Apply a coupon code on ``order`` as sale_loyalty's own tests do
        (``_try_apply_code`` then ``_apply_program_reward``); returns the error,
        if any."""
        status = order._try_apply_code(code)
        if "error" in status:
            return status["error"]
        [(coupon, rewards)] = status.items()
        status = order._apply_program_reward(rewards, coupon)
        return status.get("error")


@tagged("post_install", "-at_install")
class TestIssue17GoodwillCoupon(GoodwillCommon):
    def test_coupon_given_from_rma_linked_and_mailed(self):
        rma = self._submitted_rma()
        self._give(rma)
        coupon = rma.goodwill_coupon_ids
        self.assertEqual(len(coupon), 1)
        self.assertEqual(coupon.program_id, self.program)
        self.assertEqual(coupon.partner_id, self.end_user)
        self.assertEqual(coupon.rma_line_id, rma.line_ids)
        self.assertEqual(coupon.points, 25.0)
        self.assertEqual(coupon.rma_goodwill_amount, 25.0)
        self.assertTrue(coupon.code)
        self.assertTrue(coupon.expiration_date)
        self.assertEqual(coupon.history_ids.issued, 25.0)
        self.assertEqual(rma.goodwill_coupon_count, 1)
        self.assertEqual(coupon.create_uid, self.rma_manager)
        # The staff note names the code and the reason.
        note = rma.message_ids.filtered(lambda m: coupon.code in (m.body or ""))
        self.assertTrue(note)
        self.assertIn("Waited too long", note[0].body)
        # The customer's email: queued with the RMA's emails, with the code.
        self.flush_rma_mails()
        mail = rma.message_ids.filtered(
            lambda m: "goodwill coupon for you" in (m.subject or "")
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(coupon.code, mail.body)
        self.assertIn(self.end_user, mail.partner_ids)
        # Not twice: loyalty's own creation email is not sent on top of it.
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "loyalty.card"), ("res_id", "=", coupon.id)]
            )
        )

    def test_coupon_redeemed_on_a_sale_order(self):
        rma = self._submitted_rma()
        self._give(rma)
        coupon = rma.goodwill_coupon_ids
        order = self._order()
        self.assertEqual(order.amount_total, 200.0)
        self.assertFalse(self._apply_code(order, coupon.code))
        self.assertEqual(order.amount_total, 175.0)
        reward_line = order.order_line.filtered("reward_id")
        self.assertEqual(reward_line.coupon_id, coupon)
        order.action_confirm()
        self.assertEqual(coupon.points, 0.0, "the coupon's value is used up")
        # A second use is refused.
        second = self._order()
        self.assertTrue(self._apply_code(second, coupon.code))
        self.assertEqual(second.amount_total, 200.0)
        # Still a warranty cost of 25: its value when given.
        self.assertEqual(coupon.rma_goodwill_amount, 25.0)

    def test_counted_in_warranty_cost(self):
        rma = self._submitted_rma(qty_units=2)
        self._give(rma, amount=40.0, line=rma.line_ids[1])
        Report = self.env["rma.report.unit"]
        units = Report.search([("order_id", "=", rma.id)])
        by_line = {unit.line_id: unit for unit in units}
        self.assertEqual(by_line[rma.line_ids[1]].cost_goodwill, 40.0)
        self.assertEqual(by_line[rma.line_ids[1]].warranty_cost, 40.0)
        self.assertEqual(by_line[rma.line_ids[0]].cost_goodwill, 0.0)
        cost = self.env["rma.report.dashboard"]._dashboard_cost(
            {"warehouse": self.warehouse, "date_from": False, "date_to": False}
        )
        self.assertGreaterEqual(cost["cost_goodwill"], 40.0)
        self.assertGreaterEqual(cost["warranty_cost"], cost["cost_goodwill"])

    def test_double_click_gives_one_coupon(self):
        rma = self._submitted_rma()
        wizard = self._give(rma)
        with self.assertRaisesRegex(UserError, "already got a goodwill coupon"):
            wizard.action_give()
        self.assertEqual(len(rma.goodwill_coupon_ids), 1)
        # The database refuses a second coupon of the unit whatever the path.
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env["loyalty.card"].create(
                {
                    "program_id": self.program.id,
                    "rma_line_id": rma.line_ids.id,
                    "points": 1,
                }
            )

    def test_managers_only(self):
        rma = self._submitted_rma()
        with self.assertRaises(AccessError):
            rma.line_ids.with_user(self.rma_user)._rma_give_goodwill_coupon(
                self.program, 25.0, "No."
            )
        self.assertFalse(rma.goodwill_coupon_ids)
        # The RMA user reads the coupons given on the RMA.
        self._give(rma)
        self.assertEqual(
            rma.with_user(self.rma_user).goodwill_coupon_ids.code,
            rma.goodwill_coupon_ids.code,
        )

    def test_link_and_value_written_by_the_action_only(self):
        rma = self._submitted_rma()
        other_rma = self._submitted_rma()
        self._give(rma)
        coupon = rma.goodwill_coupon_ids
        # A sales manager may write coupons, not their goodwill decision.
        for vals in (
            {"rma_line_id": other_rma.line_ids.id},
            {"rma_line_id": False},
            {"rma_goodwill_amount": 1.0},
        ):
            with self.assertRaises(AccessError):
                coupon.with_user(self.salesman).write(vals)
        with self.assertRaises(AccessError):
            self.env["loyalty.card"].with_user(self.salesman).create(
                {
                    "program_id": self.program.id,
                    "rma_line_id": other_rma.line_ids.id,
                    "points": 100,
                }
            )
        # The RMA user reads coupons only.
        with self.assertRaises(AccessError):
            coupon.with_user(self.rma_user).write({"points": 1000})
        self.assertEqual(coupon.rma_line_id, rma.line_ids)
        self.assertEqual(coupon.points, 25.0)
        # Other coupons are still the sales team's to write.
        coupon.with_user(self.salesman).write({"expiration_date": False})

    def test_refused_on_draft_rma_and_wrong_values(self):
        draft = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        with self.assertRaisesRegex(UserError, "submitted RMA"):
            draft.line_ids.with_user(self.rma_manager)._rma_give_goodwill_coupon(
                self.program, 25.0, "Draft."
            )
        rma = self._submitted_rma()
        line = rma.line_ids.with_user(self.rma_manager)
        with self.assertRaisesRegex(UserError, "positive value"):
            line._rma_give_goodwill_coupon(self.program, -5.0, "Negative.")
        percent = self.env["loyalty.program"].create(
            {
                "name": "Goodwill Percent",
                "program_type": "coupons",
                "rma_goodwill": True,
                "company_id": self.company.id,
                "reward_ids": [
                    Command.clear(),
                    Command.create({"discount_mode": "percent", "discount": 10}),
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "fixed amount per point"):
            line._rma_give_goodwill_coupon(percent, 25.0, "Percent.")
        not_goodwill = self.program.copy({"rma_goodwill": False})
        with self.assertRaisesRegex(UserError, "marked for after-sales goodwill"):
            line._rma_give_goodwill_coupon(not_goodwill, 25.0, "Not marked.")
        stepped = self.program.copy()
        stepped.reward_ids.required_points = 10
        with self.assertRaisesRegex(UserError, "multiple"):
            line._rma_give_goodwill_coupon(stepped, 25.0, "Steps.")
        self.assertFalse(rma.goodwill_coupon_ids)


@tagged("post_install", "-at_install")
class TestIssue17GoodwillCouponPortal(GoodwillCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            "goodwill_portal_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
        )
        cls.other_user = new_test_user(
            cls.env, "goodwill_portal_other", groups="base.group_portal"
        )

    def test_portal_page_shows_the_coupon_to_its_customer_only(self):
        rma = self._submitted_rma()
        self._give(rma)
        coupon = rma.goodwill_coupon_ids
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/rmas/{rma.id}", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn("rma_goodwill_coupons", page.text)
        self.assertIn(coupon.code, page.text)
        self.assertIn("25.00", page.text)
        # Another partner: sent away, the code nowhere.
        self.authenticate(self.other_user.login, self.other_user.login)
        page = self.url_open(f"/my/rmas/{rma.id}", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
        self.assertNotIn(coupon.code, page.text)
        page = self.url_open(f"/my/rmas/{rma.id}?access_token=wrong")
        self.assertNotIn(coupon.code, page.text)
        page = self.url_open("/my/rmas")
        self.assertNotIn(coupon.code, page.text)
