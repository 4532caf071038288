# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15: on-site repair. The unit stays at the customer's (no receipt, no return
delivery); a technician's visit (date, technician: an activity on the repair order);
the parts issued from stock to the customer's site by the repair order's own moves;
the service report of the visit."""

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RmaCommon


class OnsiteRepairMixin(RmaCommon):
    """RmaCommon's world with a repair tariff of parts, labour and shipping."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "On-Site Test Policy",
                "warranty_months": 24,
                "shipping_out_warranty": "customer",
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.fan = cls.env["product.product"].create(
            {
                "name": "On-Site Fan",
                "is_storable": True,
                "list_price": 40.0,
                "standard_price": 15.0,
            }
        )
        cls.labour = cls.env["product.product"].create(
            {"name": "On-Site Labour", "type": "service", "list_price": 60.0}
        )
        cls.shipping = cls.env["product.product"].create(
            {"name": "On-Site Shipping", "type": "service", "list_price": 20.0}
        )
        cls._put_in_stock(cls.fan, qty=5)
        cls.env["rma.repair.tariff"].create(
            {
                "name": "On-site NAS level 2",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "line_ids": [
                    Command.create({"kind": "part", "product_id": cls.fan.id}),
                    Command.create(
                        {"kind": "labour", "product_id": cls.labour.id, "quantity": 2}
                    ),
                    Command.create({"kind": "shipping", "product_id": cls.shipping.id}),
                ],
            }
        )
        cls.technician = new_test_user(
            cls.env, "onsite_technician", groups="rma_warranty.group_rma_user"
        )

    def _unit(self, name, months_ago=0):
        lots = self._create_lots(self.product, [name])
        with freeze_time(fields.Datetime.now() - relativedelta(months=months_ago)):
            self._sell(self.end_user, self.product, lots=lots)
        return lots

    def _line_vals(self, lot, onsite=True, **vals):
        return dict(
            {
                "product_id": self.product.id,
                "lot_id": lot.id,
                "quantity": 1,
                "resolution": "repair",
                "repair_onsite": onsite,
                "damage_level_id": self.level.id,
                "damage_class": "defect",
                "diagnosis": "Fan blocked.",
            },
            **vals,
        )

    def _approved(self, *line_vals):
        rma = self._new_rma(self.end_user, list(line_vals))
        rma.action_submit()
        rma.action_approve()
        return rma

    def _planned(self, months_ago=40, name="OS-1"):
        """An approved on-site RMA, quoted (paid: out of warranty), the quote
        accepted, the visit planned for the technician."""
        rma = self._approved(self._line_vals(self._unit(name, months_ago)))
        line = rma.line_ids
        line.action_rma_quote()
        if line.quote_id:
            line.quote_id.action_confirm()
        line.repair_id.rma_visit_user_id = self.technician
        line.action_rma_plan_visit()
        return rma, line


@tagged("post_install", "-at_install")
class TestIssue15Onsite(OnsiteRepairMixin):
    def test_no_receipt_at_approval(self):
        rma = self._approved(self._line_vals(self._unit("OS-NR")))
        self.assertEqual(rma.state, "approved")
        self.assertFalse(rma.picking_ids)
        self.assertFalse(
            self.env["stock.move"].search([("rma_line_id", "in", rma.line_ids.ids)])
        )
        self.assertTrue(rma._rma_onsite_only())
        self.assertIn("at your site", rma._portal_next_step())
        self.flush_rma_mails()  # issue 16: the emails are deferred
        approved = rma.message_ids.filtered(
            lambda m: "return authorised" in (m.subject or "")
        )
        self.assertEqual(len(approved), 1)
        self.assertIn("Nothing needs to be shipped", approved.body)
        self.assertNotIn("Shipping instructions", approved.body)

    def test_mixed_rma_receives_only_the_returned_unit(self):
        onsite_lot, returned_lot = self._unit("OS-MX-1"), self._unit("OS-MX-2")
        rma = self._approved(
            self._line_vals(onsite_lot), self._line_vals(returned_lot, onsite=False)
        )
        onsite, returned = rma.line_ids.sorted("id")
        receipt = rma.picking_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.move_ids.rma_line_id, returned)
        self.assertEqual(receipt.move_ids.lot_ids, returned_lot)
        self.assertFalse(rma._rma_onsite_only())
        self.flush_rma_mails()  # issue 16: the emails are deferred
        approved = rma.message_ids.filtered(
            lambda m: "return authorised" in (m.subject or "")
        )
        self.assertIn("Shipping instructions", approved.body)
        self.assertIn("repaired at your site", approved.body)
        self._receive(rma)
        # The on-site unit is not awaited: receiving the other one is all.
        self.assertEqual(rma.state, "received")
        self.assertFalse(onsite.qty_received)
        self.assertTrue(onsite._rma_is_onsite())
        self.assertFalse(returned._rma_is_onsite())
        # The on-site unit is repaired on site; the RMA waits for the other.
        onsite.action_rma_quote()
        onsite.quote_id.action_confirm()
        onsite.action_rma_plan_visit()
        onsite.repair_id.rma_visit_result = "Fan replaced on site."
        onsite.repair_id.action_rma_visit_done()
        self.assertTrue(onsite.is_resolved)
        self.assertFalse(returned.is_resolved)
        self.assertEqual(rma.state, "in_progress")
        self.assertEqual(rma.picking_ids, receipt)

    def test_quote_parts_only(self):
        rma = self._approved(self._line_vals(self._unit("OS-Q", months_ago=40)))
        line = rma.line_ids
        line.action_rma_quote()
        self.assertEqual(line.quote_id.order_line.mapped("rma_repair_kind"), ["part"])
        self.assertEqual(line.quote_id.amount_untaxed, 40.0)
        repair = line.repair_id
        self.assertTrue(repair.rma_onsite)
        self.assertEqual(repair.product_location_src_id, self.customer_location)
        self.assertEqual(repair.move_ids.location_dest_id, self.customer_location)

    def test_plan_visit_activity(self):
        _rma, line = self._planned()
        repair = line.repair_id
        self.assertTrue(repair.rma_visit_date)
        self.assertEqual(repair.rma_visit_user_id, self.technician)
        visit_type = self.env.ref("rma_warranty.mail_activity_type_rma_visit")
        activity = repair.activity_ids.filtered(
            lambda a: a.activity_type_id == visit_type
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.technician)
        # Planned again: one activity, on the new day.
        new_date = repair.rma_visit_date + relativedelta(days=3)
        repair.rma_visit_date = new_date
        repair.action_rma_plan_visit()
        activity = repair.activity_ids.filtered(
            lambda a: a.activity_type_id == visit_type
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.date_deadline,
            fields.Datetime.context_timestamp(
                repair.with_context(tz=self.technician.tz or "UTC"), new_date
            ).date(),
        )

    def test_default_visit_date_on_service_calendar(self):
        calendar = self.env["resource.calendar"].create(
            {"name": "On-site calendar", "tz": "UTC"}
        )
        self.warehouse.rma_resource_calendar_id = calendar
        # A Friday: the second working day counting today is Monday.
        with freeze_time("2026-01-09 08:00:00"):
            rma = self._approved(self._line_vals(self._unit("OS-CAL", months_ago=40)))
            line = rma.line_ids
            line.action_rma_quote()
            line.quote_id.action_confirm()
            line.action_rma_plan_visit()
        self.assertEqual(line.repair_id.rma_visit_date.date().isoformat(), "2026-01-12")
        # Nobody named: the RMA's responsible, else the user.
        self.assertEqual(line.repair_id.rma_visit_user_id, rma.user_id or self.env.user)

    def test_visit_parts_move_report_no_unit_picking(self):
        rma, line = self._planned()
        repair = line.repair_id
        with self.assertRaisesRegex(UserError, "write its result"):
            repair.action_rma_visit_done()
        repair.rma_visit_result = "Fan replaced, all tests OK."
        qty_before = self.fan.with_context(
            location=self.stock_location.id
        ).qty_available
        repair.action_rma_visit_done()
        self.assertEqual(repair.state, "done")
        part = repair.move_ids.filtered(lambda m: m.repair_line_type == "add")
        self.assertEqual(part.state, "done")
        self.assertEqual(part.location_id, self.stock_location)
        self.assertEqual(part.location_dest_id, self.customer_location)
        self.assertFalse(part.picking_id)
        self.assertEqual(
            self.fan.with_context(location=self.stock_location.id).qty_available,
            qty_before - 1,
        )
        # The unit itself never moved through a picking.
        self.assertFalse(rma.picking_ids)
        self.assertFalse(self.env["stock.move"].search([("rma_line_id", "=", line.id)]))
        self.assertFalse(repair.move_id.picking_id)
        self.assertEqual(line.qc_result, "pass")
        self.assertEqual(line.qc_note, "Fan replaced, all tests OK.")
        self.assertTrue(line.is_resolved)
        self.assertEqual(rma.state, "done")
        visit_type = self.env.ref("rma_warranty.mail_activity_type_rma_visit")
        self.assertFalse(
            repair.activity_ids.filtered(lambda a: a.activity_type_id == visit_type)
        )
        # The service report tells the visit.
        units = self.env["report.rma_warranty.report_rma_service"]._get_repaired_units(
            rma
        )[rma.id]
        self.assertEqual(units[0]["visit"], repair)
        self.assertEqual(units[0]["parts"], part)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rma_warranty.report_rma_service", rma.ids)[0]
            .decode()
        )
        self.assertIn("On-site visit", html)
        self.assertIn("Fan replaced, all tests OK.", html)
        self.assertIn(self.technician.name, html)
        self.assertIn("On-Site Fan", html)
        self.assertNotIn("Not shipped yet", html)
        # ... and is mailed with the visit's mail.
        self.flush_rma_mails()  # issue 16: the emails are deferred
        self.assertTrue(
            rma.message_ids.filtered(lambda m: "at your site" in (m.subject or ""))
        )
        self.assertTrue(rma._rma_repairs_shipped())
        # A second click is refused: the repair is done.
        with self.assertRaisesRegex(UserError, "only open on-site repairs"):
            repair.action_rma_visit_done()

    def test_free_onsite_repair_in_warranty(self):
        rma, line = self._planned(months_ago=2, name="OS-FREE")
        self.assertFalse(line.quote_id)
        self.assertEqual(line.repair_id.state, "confirmed")
        line.repair_id.rma_visit_result = "Fan replaced under warranty."
        line.repair_id.action_rma_visit_done()
        self.assertEqual(rma.state, "done")

    def _approval_queries(self, count):
        lots = self._create_lots(
            self.product, [f"OS-QC-{count}-{i}" for i in range(count)]
        )
        self._sell(self.end_user, self.product, lots=lots)
        rma = self._new_rma(self.end_user, [self._line_vals(lot) for lot in lots])
        rma.action_submit()
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        rma.action_approve()
        self.env.flush_all()
        self.assertFalse(rma.picking_ids)
        return self.env.cr.sql_log_count - before

    def test_approval_queries_do_not_grow_with_onsite_units(self):
        self._approval_queries(1)  # warm-up: caches of templates and references
        # Six units cost no more than two. (Not equal: once in a full run the later,
        # smaller approval made 4 queries more, 38 against 34: a one-off, not growth.)
        self.assertLessEqual(self._approval_queries(6), self._approval_queries(2))

    def test_demo_onsite_rma(self):
        rma = self.env.ref("rma_warranty.demo_rma_onsite")
        line = rma.line_ids
        self.assertEqual(rma.state, "approved")
        self.assertFalse(rma.picking_ids)
        self.assertTrue(line.repair_id.rma_onsite)
        self.assertIn(line.repair_id.state, ("confirmed", "draft"))
        self.assertTrue(line.repair_id.rma_visit_date)
        visit_type = self.env.ref("rma_warranty.mail_activity_type_rma_visit")
        self.assertTrue(
            line.repair_id.activity_ids.filtered(
                lambda a: a.activity_type_id == visit_type
            )
        )
        self.assertTrue(line.order_id.line_ids._rma_onsite_portal_visits())

    def test_plan_visit_refused_for_workshop_repair(self):
        rma = self._approved(
            self._line_vals(self._unit("OS-WS", months_ago=40), onsite=False)
        )
        self._receive(rma)
        line = rma.line_ids
        line.action_rma_quote()
        self.assertFalse(line.repair_id.rma_onsite)
        with self.assertRaisesRegex(UserError, "quote the on-site repair first"):
            line.action_rma_plan_visit()
        with self.assertRaisesRegex(UserError, "only open on-site repairs"):
            line.repair_id.action_rma_plan_visit()


@tagged("post_install", "-at_install")
class TestIssue15OnsitePortal(OnsiteRepairMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            "portal_onsite_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
        )

    @mute_logger("odoo.http")
    def test_page_shows_visit_not_shipping(self):
        rma, line = self._planned()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/rmas/{rma.id}", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="rma_onsite_visits"', page.text)
        self.assertIn(self.technician.name, page.text)
        self.assertNotIn('id="rma_shipping_instructions"', page.text)
        self.assertIn("Nothing needs to be shipped", page.text)
        # A workshop RMA keeps its shipping instructions and has no visit.
        other = self._approved(
            self._line_vals(self._unit("OS-P-2", months_ago=40), onsite=False)
        )
        page = self.url_open(f"/my/rmas/{other.id}", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('id="rma_onsite_visits"', page.text)
        self.assertEqual(
            'id="rma_shipping_instructions"' in page.text,
            bool(other._portal_authorisation_available()),
        )
        self.assertTrue(line.repair_id.rma_visit_date)
