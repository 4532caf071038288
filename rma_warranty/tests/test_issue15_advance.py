# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15, advance replacement (SINNEN): the replacement ships before the faulty
unit arrives; the faulty unit is due within the policy's working days of the service
calendar, the customer is reminded once, an overdue unit is invoiced once, a late
arrival credits that invoice, customer-caused damage is charged once."""

from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RmaCommon


class AdvanceCommon(RmaCommon):
    """A service centre working Monday to Friday (UTC), closed on Monday 15 March
    2027; a policy with a 3-working-day return, a reminder 1 working day before and
    a damage charge."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Advance Test Centre Hours",
                "tz": "UTC",
                "hours_per_day": 8.0,
                "company_id": cls.company.id,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for start, end, period in (
                        (8, 12, "morning"),
                        (13, 17, "afternoon"),
                    )
                ],
            }
        )
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "resource_id": False,
                "date_from": datetime(2027, 3, 15, 0, 0),
                "date_to": datetime(2027, 3, 15, 23, 59, 59),
            }
        )
        cls.warehouse.rma_resource_calendar_id = cls.calendar
        cls.damage_product = cls.env["product.product"].create(
            {"name": "Damage Charge", "type": "service", "list_price": 120.0}
        )
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Advance Test Policy",
                "warranty_months": 24,
                "advance_due_days": 3,
                "advance_reminder_days": 1,
                "advance_damage_product_id": cls.damage_product.id,
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.end_user.tz = "UTC"
        cls.distributor.email = "rma@nordic-distribution.example.com"
        cls.lots = cls._create_lots(cls.product, [f"SN-ADV-{i}" for i in range(3)])
        with freeze_time("2027-03-01 10:00:00"):
            cls._sell(cls.end_user, cls.product, lots=cls.lots, price=480.0)
        cls.spares = cls._create_lots(
            cls.product, [f"SN-ADV-SPARE-{i}" for i in range(3)]
        )
        cls._put_in_stock(cls.product, lots=cls.spares)

    def _advance_rma(self, lot, **vals):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "replace",
                    "advance_replacement": True,
                }
            ],
            **vals,
        )
        rma.action_submit()
        rma.action_approve()
        return rma

    def _deliveries(self, rma):
        return rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )

    def _shipped(self, lot, **vals):
        """An advance replacement whose replacement was delivered on Thursday 11
        March 2027."""
        with freeze_time("2027-03-11 10:00:00"):
            rma = self._advance_rma(lot, **vals)
            rma.action_process()
            self._validate(self._deliveries(rma))
        return rma

    def _messages(self, rma, words):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.filtered(lambda m: words in (m.subject or ""))


@tagged("post_install", "-at_install")
class TestIssue15Advance(AdvanceCommon):
    def test_ships_before_the_faulty_unit_arrives(self):
        with freeze_time("2027-03-11 10:00:00"):
            rma = self._advance_rma(self.lots[0])
            line = rma.line_ids
            self.assertFalse(line.qty_received)
            rma.action_process()
            delivery = self._deliveries(rma)
            self.assertEqual(len(delivery), 1)
            self.assertEqual(delivery.location_id, self.stock_location)
            self.assertIn(delivery.move_ids.move_line_ids.lot_id, self.spares)
            self._validate(delivery)
        self.assertEqual(line.qty_delivered, 1.0)
        self.assertEqual(line.advance_state, "awaiting")
        # Friday 12, (Monday 15 closed), Tuesday 16, Wednesday 17.
        self.assertEqual(line.advance_due_date, date(2027, 3, 17))
        self.assertEqual(line.advance_remind_date, date(2027, 3, 16))
        # Shipped is not resolved: the faulty unit is still awaited.
        self.assertFalse(line.is_resolved)
        self.assertEqual(rma.state, "in_progress")
        shipped = self._messages(rma, "return the faulty unit")
        self.assertEqual(len(shipped), 1)
        self.assertIn(self.end_user, shipped.partner_ids)
        self.assertIn("03/17/2027", shipped.body)

    def test_returned_in_time_closes_without_charge(self):
        rma = self._shipped(self.lots[0])
        with freeze_time("2027-03-16 10:00:00"):
            self._receive(rma)
        line = rma.line_ids
        self.assertEqual(line.advance_state, "returned")
        self.assertEqual(rma.state, "done")
        # The replacement left before: its arrival starts no swap step.
        self.assertFalse(rma.sla_step_ids.filtered(lambda s: s.status == "running"))
        with freeze_time("2027-03-25 10:00:00"):
            self.assertFalse(line._cron_rma_advance())
        self.assertFalse(line.advance_charge_move_id)
        self.assertFalse(line.advance_damage_move_id)

    def test_normal_replace_still_waits_for_the_unit(self):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.lots[1].id,
                    "resolution": "replace",
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        with self.assertRaisesRegex(UserError, "Nothing to process"):
            rma.action_process()
        self.assertFalse(rma.line_ids.advance_state)

    def test_reminder_once_before_due(self):
        rma = self._shipped(self.lots[0])
        line = rma.line_ids
        Line = self.env["rma.order.line"]
        # The scheduled action runs on the whole model (the demo's units too).
        with freeze_time("2027-03-12 10:00:00"):
            self.assertFalse(Line._cron_rma_advance() & line)
        with freeze_time("2027-03-16 10:00:00"):
            self.assertIn(line, Line._cron_rma_advance())
            self.assertFalse(Line._cron_rma_advance() & line)
        self.assertTrue(line.advance_reminded)
        self.assertEqual(len(self._messages(rma, "reminder")), 1)
        self.assertEqual(line.advance_state, "awaiting")

    def test_overdue_invoiced_once_then_credited_on_late_arrival(self):
        rma = self._shipped(self.lots[0])
        line = rma.line_ids
        Line = self.env["rma.order.line"]
        with freeze_time("2027-03-17 16:00:00"):
            # Due today: not overdue yet.
            Line._cron_rma_advance()
            self.assertEqual(line.advance_state, "awaiting")
        with freeze_time("2027-03-18 09:00:00"):
            Line._cron_rma_advance()
            self.assertFalse(Line._cron_rma_advance() & line)
        charge = line.advance_charge_move_id
        self.assertEqual(line.advance_state, "charged")
        self.assertEqual(charge.move_type, "out_invoice")
        self.assertEqual(charge.state, "posted")
        self.assertEqual(charge.partner_id, self.end_user)
        self.assertEqual(charge.invoice_line_ids.product_id, self.product)
        # The policy has no price of its own: the product's sales price.
        self.assertEqual(charge.invoice_line_ids.price_unit, 500.0)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("id", "!=", charge.id), ("ref", "=", charge.ref)]
            ),
            0,
        )
        self.assertEqual(len(self._messages(rma, "replacement invoiced")), 1)
        # Charged: the unit is resolved and the RMA closed.
        self.assertEqual(rma.state, "done")
        # The faulty unit arrives after all: the charge is credited by reversal.
        with freeze_time("2027-03-22 10:00:00"):
            self._receive(rma)
        credit = line.advance_credit_move_id
        self.assertEqual(line.advance_state, "returned_late")
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertEqual(credit.reversed_entry_id, charge)
        self.assertEqual(charge.payment_state, "reversed")
        self.assertEqual(credit.amount_total, charge.amount_total)

    def test_overdue_at_policy_price(self):
        self.policy.advance_charge_price = 390.0
        rma = self._shipped(self.lots[0])
        with freeze_time("2027-03-25 09:00:00"):
            rma.line_ids._cron_rma_advance()
        self.assertEqual(
            rma.line_ids.advance_charge_move_id.invoice_line_ids.price_unit, 390.0
        )

    def test_damage_charge_once(self):
        rma = self._shipped(self.lots[0])
        line = rma.line_ids
        with freeze_time("2027-03-16 10:00:00"):
            self._receive(rma)
            line.damage_class = "housing"
        damage = line.advance_damage_move_id
        self.assertEqual(damage.state, "posted")
        self.assertEqual(damage.move_type, "out_invoice")
        self.assertEqual(damage.invoice_line_ids.product_id, self.damage_product)
        self.assertEqual(damage.invoice_line_ids.price_unit, 120.0)
        self.assertEqual(damage.invoice_line_ids.quantity, 1.0)
        # A second diagnosis does not charge again.
        line.damage_class = "self_repair"
        self.assertEqual(line.advance_damage_move_id, damage)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("invoice_line_ids.product_id", "=", self.damage_product.id)]
            ),
            1,
        )

    def test_damage_amount_from_policy_and_quality_defect_free(self):
        self.policy.advance_damage_amount = 75.0
        first = self._shipped(self.lots[0])
        second = self._shipped(self.lots[1])
        with freeze_time("2027-03-16 10:00:00"):
            self._receive(first)
            self._receive(second)
        first.line_ids.damage_class = "defect"
        second.line_ids.damage_class = "self_repair"
        self.assertFalse(first.line_ids.advance_damage_move_id)
        self.assertEqual(
            second.line_ids.advance_damage_move_id.invoice_line_ids.price_unit, 75.0
        )

    def test_damage_before_arrival_is_not_charged(self):
        rma = self._shipped(self.lots[0])
        rma.line_ids.damage_class = "housing"
        self.assertFalse(rma.line_ids.advance_damage_move_id)

    def test_decisions_refused_over_rpc(self):
        rma = self._shipped(self.lots[0])
        line = rma.line_ids.with_user(self.rma_manager)
        for vals in (
            {"advance_state": "returned"},
            {"advance_due_date": "2027-04-30"},
            {"advance_reminded": True},
        ):
            with self.assertRaises(AccessError):
                line.write(vals)
        self.assertEqual(rma.line_ids.advance_state, "awaiting")
        with self.assertRaisesRegex(UserError, "already left"):
            line.advance_replacement = False
        self.assertTrue(rma.line_ids.advance_replacement)

    def test_distributor_copy_of_the_due_date(self):
        rma = self._shipped(
            self.lots[0], channel="distributor", distributor_id=self.distributor.id
        )
        shipped = self._messages(rma, "return the faulty unit")
        self.assertEqual(len(shipped), 1)
        self.assertIn(self.distributor, shipped.partner_ids)
        self.assertIn(self.end_user, shipped.partner_ids)
        with freeze_time("2027-03-16 10:00:00"):
            rma.line_ids._cron_rma_advance()
        self.assertIn(self.distributor, self._messages(rma, "reminder").partner_ids)


@tagged("post_install", "-at_install")
class TestIssue15AdvancePortal(AdvanceCommon, HttpCase):
    """The customer reads the due date of the faulty unit on the RMA's portal page;
    another partner and a wrong token read nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_end = new_test_user(
            cls.env,
            "advance_portal_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
        )
        other = cls.env["res.partner"].create(
            {"name": "Advance Other Customer", "email": "adv-other@example.com"}
        )
        cls.user_other = new_test_user(
            cls.env,
            "advance_portal_other",
            groups="base.group_portal",
            partner_id=other.id,
        )

    def _page(self, rma, user=None, token=None):
        if user:
            self.authenticate(user.login, user.login)
        else:
            self.authenticate(None, None)
        url = rma.access_url + (f"?access_token={token}" if token else "")
        return self.url_open(url, allow_redirects=False)

    def test_customer_sees_the_due_date(self):
        rma = self._shipped(self.lots[0])
        page = self._page(rma, self.user_end)
        self.assertEqual(page.status_code, 200)
        self.assertIn("return the faulty unit by", page.text)
        self.assertIn("03/17/2027", page.text)
        with freeze_time("2027-03-16 10:00:00"):
            self._receive(rma)
        page = self._page(rma, self.user_end)
        self.assertNotIn("return the faulty unit by", page.text)
        self.assertIn("Faulty Unit Returned", page.text)

    def test_other_partner_and_wrong_token_see_nothing(self):
        rma = self._shipped(self.lots[0])
        for user, token in ((self.user_other, None), (None, "not-the-token")):
            page = self._page(rma, user, token=token)
            self.assertNotEqual(page.status_code, 200)
            self.assertNotIn("03/17/2027", page.text)
        rma._portal_ensure_token()
        page = self._page(rma, None, token=rma.access_token)
        self.assertEqual(page.status_code, 200)
        self.assertIn("03/17/2027", page.text)


@tagged("post_install", "-at_install")
class TestIssue15AdvanceTour(AdvanceCommon, HttpCase):
    """An RMA user ticks Advance Replacement on an approved RMA's unit and processes
    it: the replacement's delivery is made before the faulty unit arrives."""

    def test_advance_tour(self):
        with freeze_time("2027-03-11 10:00:00"):
            rma = self._new_rma(
                self.end_user,
                [
                    {
                        "product_id": self.product.id,
                        "lot_id": self.lots[0].id,
                        "resolution": "replace",
                    }
                ],
            )
            rma.action_submit()
            rma.action_approve()
        self.start_tour(
            f"/odoo/action-rma_warranty.rma_order_action/{rma.id}",
            "rma_advance_tour",
            login=self.rma_user.login,
        )
        line = rma.line_ids
        self.assertTrue(line.advance_replacement)
        self.assertFalse(line.qty_received)
        delivery = self._deliveries(rma)
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.location_id, self.stock_location)
        self.assertEqual(rma.state, "in_progress")


@tagged("post_install", "-at_install")
class TestIssue15AdvancePerformance(AdvanceCommon):
    """The reminder run of the scheduled action: the same queries for 3 units as
    for 9 (the emails, one composer for the batch, are Odoo's and left out)."""

    def _awaiting(self, count):
        rmas = self.env["rma.order"].create(
            [
                {
                    "partner_id": self.end_user.id,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_untracked.id,
                                "resolution": "replace",
                                "advance_replacement": True,
                            }
                        )
                    ],
                }
                for __ in range(count)
            ]
        )
        # The superuser stands for the deliveries that set them awaiting.
        rmas.line_ids.write(
            {
                "advance_state": "awaiting",
                "advance_due_date": "2027-03-17",
                "advance_remind_date": "2027-03-16",
            }
        )
        return rmas.line_ids

    def _count_queries(self, lines):
        self.env.flush_all()
        self.env.invalidate_all()
        lines = lines.browse(lines.ids)
        Order = type(self.env["rma.order"])
        with (
            patch.object(Order, "_rma_send_mail", lambda orders, xmlid: None),
            freeze_time("2027-03-16 10:00:00"),
        ):
            start = self.env.cr.sql_log_count
            done = lines._cron_rma_advance()
            self.env.flush_all()
            count = self.env.cr.sql_log_count - start
        self.assertEqual(done, lines)
        self.assertTrue(all(lines.mapped("advance_reminded")))
        return count

    def test_reminders_query_count_constant(self):
        self._count_queries(self._awaiting(1))  # warm the caches
        few = self._count_queries(self._awaiting(3))
        many = self._count_queries(self._awaiting(9))
        self.assertEqual(many, few)
        self.assertLess(few, 20)
