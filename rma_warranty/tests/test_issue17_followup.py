# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17: a unit that fails again after its RMA gets a follow-up RMA linked to
the previous one, in one click (backend and portal); the serial's history shows
the chain; the analytics count repeat failures."""

import re

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RmaCommon
from .test_portal_request import PortalRequestCommon


class FollowupCommon:
    def _close(self, rma, resolution="return"):
        """Bring ``rma`` (draft or submitted) to done with ``resolution``."""
        rma.line_ids.resolution = resolution
        if rma.state == "draft":
            rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        rma.action_process()
        delivery = rma.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self._validate(delivery)
        self.assertEqual(rma.state, "done")
        return rma

    def _closed_rma(self, lot, resolution="return", partner=None):
        rma = self._new_rma(
            partner or self.end_user,
            [{"product_id": lot.product_id.id, "lot_id": lot.id, "quantity": 1}],
        )
        return self._close(rma, resolution)


@tagged("post_install", "-at_install")
class TestIssue17Followup(FollowupCommon, RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot = cls._create_lots(cls.product, ["FUP-0001"])
        cls._sell(cls.end_user, cls.product, lots=cls.lot)

    def test_chain_of_three(self):
        first = self._closed_rma(self.lot)
        # One click on the unit, as an RMA user: a draft RMA for the same serial.
        action = first.line_ids.with_user(self.rma_user).action_rma_followup()
        second = self.env["rma.order"].browse(action["res_id"])
        self.assertEqual(second.state, "draft")
        self.assertEqual(second.partner_id, self.end_user)
        self.assertEqual(second.line_ids.lot_id, self.lot)
        self._close(second)
        # One click on the RMA this time.
        action = second.with_user(self.rma_user).action_rma_followup()
        third = self.env["rma.order"].browse(action["res_id"])
        # Both directions, per RMA and per unit.
        self.assertEqual(second.previous_rma_id, first)
        self.assertEqual(third.previous_rma_id, second)
        self.assertEqual(first.followup_ids, second)
        self.assertEqual(second.followup_ids, third)
        self.assertEqual(first.followup_count, 1)
        self.assertEqual(third.line_ids.previous_line_id, second.line_ids)
        self.assertEqual(second.line_ids.previous_line_id, first.line_ids)
        self.assertEqual(first.line_ids.followup_line_ids, second.line_ids)
        self.assertEqual(
            [rma.line_ids.is_repeat for rma in (first, second, third)],
            [False, True, True],
        )
        self.assertEqual(
            third.line_ids._rma_followup_chain(),
            (first | second | third).line_ids,
        )
        # The open follow-up is the one: no second follow-up of a unit.
        self.assertFalse(second.followup_available)
        with self.assertRaisesRegex(UserError, "once"):
            second.line_ids.with_user(self.rma_user).action_rma_followup()

    def test_after_a_swap_the_replacement_serial(self):
        spare = self._create_lots(self.product, ["FUP-SPARE"])
        self._put_in_stock(self.product, lots=spare)
        first = self._closed_rma(self.lot, resolution="replace")
        action = first.with_user(self.rma_user).action_rma_followup()
        second = self.env["rma.order"].browse(action["res_id"])
        # The customer holds the replacement now: it is the unit that failed.
        self.assertEqual(second.line_ids.lot_id, spare)
        self.assertEqual(second.line_ids.previous_line_id, first.line_ids)
        # The replacement's history shows where it comes from.
        self.assertEqual(spare.rma_line_ids, second.line_ids)
        self.assertEqual(spare.rma_line_ids.previous_line_id.lot_id, self.lot)

    def test_only_after_a_closed_rma_with_the_unit_back(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lot, 1)])
        rma.action_submit()
        self.assertFalse(rma.followup_available)
        with self.assertRaisesRegex(UserError, "No unit"):
            rma.with_user(self.rma_user).action_rma_followup()
        with self.assertRaisesRegex(UserError, "back with the customer"):
            rma.line_ids.with_user(self.rma_user).action_rma_followup()
        rma.action_cancel()
        scrapped = self._new_rma(self.end_user, [(self.product, self.lot, 1)])
        scrapped.line_ids.resolution = "scrap"
        scrapped.action_submit()
        scrapped.action_approve()
        self._receive(scrapped)
        scrapped.action_process()
        self.assertEqual(scrapped.state, "done")
        # Scrapped: the customer has no unit to fail again.
        self.assertFalse(scrapped.followup_available)

    def test_the_link_changes_only_through_the_action(self):
        first = self._closed_rma(self.lot)
        other = self._new_rma(self.end_user, [(self.product, self.lot, 1)])
        as_user = other.with_user(self.rma_user)
        with self.assertRaises(AccessError):
            as_user.write({"previous_rma_id": first.id})
        with self.assertRaises(AccessError):
            as_user.line_ids.write({"previous_line_id": first.line_ids.id})
        with self.assertRaises(AccessError):
            self.env["rma.order"].with_user(self.rma_user).create(
                {
                    "partner_id": self.end_user.id,
                    "previous_rma_id": first.id,
                }
            )
        self.assertFalse(other.previous_rma_id)
        # A portal user calling the action over RPC: refused, nothing created.
        portal = new_test_user(self.env, "fup_portal", groups="base.group_portal")
        count = self.env["rma.order"].search_count([])
        with self.assertRaises(AccessError):
            first.line_ids.with_user(portal).action_rma_followup()
        with self.assertRaises(AccessError):
            first.with_user(portal).action_rma_followup()
        self.assertEqual(self.env["rma.order"].search_count([]), count)

    def test_history_and_analytics(self):
        first = self._closed_rma(self.lot)
        second = self.env["rma.order"].browse(first.action_rma_followup()["res_id"])
        self._close(second)
        third = self.env["rma.order"].browse(second.action_rma_followup()["res_id"])
        third.action_submit()
        # The serial's service history: the three units, each with its link.
        history = self.lot.rma_line_ids
        self.assertEqual(history, (first | second | third).line_ids)
        self.assertEqual(
            {line: line.previous_line_id for line in history},
            {
                first.line_ids: self.env["rma.order.line"],
                second.line_ids: first.line_ids,
                third.line_ids: second.line_ids,
            },
        )
        arch = self.env["stock.lot"].get_view(
            self.env.ref("stock.view_production_lot_form").id, "form"
        )["arch"]
        self.assertIn('name="previous_line_id"', arch)
        # The analytics: two repeat failures of the serial, stored and grouped.
        self.env.flush_all()
        groups = self.env["rma.report.unit"]._read_group(
            [("lot_id", "=", self.lot.id)],
            ["is_repeat"],
            ["repeat_count:sum", "__count"],
        )
        self.assertEqual(
            {repeat: (count, units) for repeat, count, units in groups},
            {False: (0, 1), True: (2, 2)},
        )


@tagged("post_install", "-at_install")
class TestIssue17FollowupPortal(FollowupCommon, PortalRequestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger_user = cls.env["res.users"].create(
            {
                "name": "Sven Stranger",
                "login": "fup_stranger",
                "password": "fup_stranger",
                "partner_id": cls.stranger.id,
                "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])],
            }
        )

    def setUp(self):
        super().setUp()
        self.previous = self._closed_rma(self.end_lots[:1])

    def test_owner_reports_a_new_failure(self):
        self.authenticate("prq_enduser", "prq_enduser")
        page = self.url_open(f"/my/rmas/{self.previous.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="/my/rmas/{self.previous.id}/followup"', page.text)
        response, csrf, token = self._form(f"/my/rmas/{self.previous.id}/followup")
        # Prefilled: the serial and the link.
        self.assertIn('value="PRQ-E1"', response.text)
        self.assertRegex(
            response.text,
            rf'name="previous_rma_id" value="{self.previous.id}"',
        )
        before = self._rmas()
        response = self._post(
            [{"serial": "PRQ-E1", "fault_description": "Dead again"}],
            csrf=csrf,
            token=token,
            previous_rma_id=str(self.previous.id),
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        new = self._rmas() - before
        self.assertEqual(new.state, "submitted")
        self.assertEqual(new.previous_rma_id, self.previous)
        self.assertEqual(new.line_ids.previous_line_id, self.previous.line_ids)
        self.assertTrue(new.line_ids.is_repeat)
        # Followed up once: no button any more; the new page names the old RMA.
        page = self.url_open(f"/my/rmas/{self.previous.id}")
        self.assertNotIn("/followup", page.text)
        page = self.url_open(f"/my/rmas/{new.id}")
        self.assertIn("A new failure after RMA", page.text)

    def test_another_partner_is_refused(self):
        self.authenticate("fup_stranger", "fup_stranger")
        response = self.url_open(f"/my/rmas/{self.previous.id}/followup")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("PRQ-E1", response.text)
        # With the RMA's access token, the page shows no button either.
        self.previous._portal_ensure_token()
        page = self.url_open(
            f"/my/rmas/{self.previous.id}?access_token={self.previous.access_token}"
        )
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("/followup", page.text)
        # Posting the link of another partner's RMA: refused, nothing filed.
        before = self._rmas()
        response = self._post(
            [{"serial": "PRQ-S1", "fault_description": "Broken"}],
            previous_rma_id=str(self.previous.id),
        )
        self.assertRefused(response, "no unit to follow up")
        self.assertEqual(self._rmas(), before)
        self.assertFalse(self.previous.followup_ids)

    def test_wrong_ids_are_no_500(self):
        self.authenticate("prq_enduser", "prq_enduser")
        for rma_id in ("0", "99999999", str(2**40)):
            with self.subTest(rma_id=rma_id):
                response = self.url_open(f"/my/rmas/{rma_id}/followup")
                self.assertEqual(response.status_code, 404)
        before = self._rmas()
        for value in ("abc", "-1", str(2**40), "1e3"):
            with self.subTest(value=value):
                response = self._post(
                    [{"serial": "PRQ-E2", "fault_description": "Broken"}],
                    previous_rma_id=value,
                )
                self.assertRefused(response, "no unit to follow up")
        self.assertEqual(self._rmas(), before)
        # Logged out: the login page, not the form.
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/rmas/{self.previous.id}/followup", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(re.search("/web/login", response.headers["Location"]))


@tagged("post_install", "-at_install")
class TestIssue17FollowupDemo(RmaCommon):
    def test_demo_chain(self):
        followup = self.env.ref(
            "rma_warranty.demo_rma_followup", raise_if_not_found=False
        )
        if not followup:
            self.skipTest("the demo data is not loaded")
        previous = self.env.ref("rma_warranty.demo_rma_done_return")
        self.assertEqual(followup.state, "submitted")
        self.assertEqual(followup.previous_rma_id, previous)
        self.assertEqual(previous.followup_ids, followup)
        lot = self.env.ref("rma_warranty.demo_lot_panel_pc_2101")
        self.assertEqual(
            lot.rma_line_ids.filtered("is_repeat").previous_line_id,
            previous.line_ids,
        )
