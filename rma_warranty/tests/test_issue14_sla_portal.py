# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, service levels on the portal: the customer sees when the request is
reviewed and when the unit is expected back (with the transit time); nobody else
reads those dates."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .test_issue14_sla import SlaCommon


@tagged("post_install", "-at_install")
class TestIssue14SlaPortal(SlaCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_end = new_test_user(
            cls.env,
            "sla_portal_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
        )
        cls.other_partner = cls.env["res.partner"].create(
            {"name": "SLA Other Customer", "email": "sla-other@example.com"}
        )
        cls.user_other = new_test_user(
            cls.env,
            "sla_portal_other",
            groups="base.group_portal",
            partner_id=cls.other_partner.id,
        )
        cls.env["rma.transit.rule"].create(
            {
                "name": "Belgium",
                "country_id": cls.env.ref("base.be").id,
                "days_min": 10,
                "days_max": 15,
            }
        )
        cls._put_in_stock(cls.product_untracked, qty=5)

    def _page(self, rma, user=None, token=None):
        if user:
            self.authenticate(user.login, user.login)
        else:
            self.authenticate(None, None)
        url = rma.access_url + (f"?access_token={token}" if token else "")
        return self.url_open(url, allow_redirects=False)

    def test_customer_sees_the_expected_dates(self):
        with freeze_time("2027-03-05 16:30:00"):  # Friday
            rma = self._submitted(resolution="replace", channel="portal")
        page = self._page(rma, self.user_end)
        self.assertEqual(page.status_code, 200)
        # Review due Monday 8 March 16:30 UTC (a working day after Friday 16:30).
        self.assertIn("We will review your request by Mar 8, 2027", page.text)
        with freeze_time("2027-03-08 10:00:00"):
            rma.action_approve()
            self._receive(rma)
        page = self._page(rma, self.user_end)
        self.assertNotIn("We will review your request by", page.text)
        # Swap due Thursday 11 March 10:00, plus 15 days of transit at most.
        self.assertIn(
            "Expected back with you by 03/26/2027 (shipping 10-15 days)", page.text
        )

    def test_other_partner_and_wrong_token_see_nothing(self):
        with freeze_time("2027-03-05 16:30:00"):
            rma = self._submitted(resolution="replace", channel="portal")
        page = self._page(rma, self.user_other)
        self.assertNotEqual(page.status_code, 200)
        self.assertNotIn("We will review your request by", page.text)
        page = self._page(rma, None, token="not-the-token")
        self.assertNotEqual(page.status_code, 200)
        self.assertNotIn("We will review your request by", page.text)
        # The RMA's own token shows the dates, as the mails' links do.
        rma._portal_ensure_token()
        page = self._page(rma, None, token=rma.access_token)
        self.assertEqual(page.status_code, 200)
        self.assertIn("We will review your request by", page.text)


@tagged("post_install", "-at_install")
class TestIssue14SlaTour(SlaCommon, HttpCase):
    """What the staff clicks: the late filter, the steps of an RMA, the report."""

    def test_sla_backend_tour(self):
        manager = new_test_user(
            self.env,
            "sla_tour_manager",
            groups="rma_warranty.group_rma_manager,stock.group_stock_user",
        )
        late_customer = self.env["res.partner"].create({"name": "SLA Tour Customer"})
        on_time = self.env["res.partner"].create({"name": "SLA Tour On Time"})
        late = self._new_rma(
            late_customer, [(self.product_untracked, None, 1.0)], user_id=manager.id
        )
        fresh = self._new_rma(on_time, [(self.product_untracked, None, 1.0)])
        with freeze_time(fields.Datetime.now() - timedelta(days=10)):
            late.action_submit()
            # A closed step too, for the report.
            closed = self._submitted()
            closed.action_approve()
        fresh.action_submit()
        self.assertTrue(late.sla_is_late)
        self.assertFalse(fresh.sla_is_late)
        self.start_tour("/odoo", "rma_sla_tour", login=manager.login)
