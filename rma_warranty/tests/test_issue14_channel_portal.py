# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, distributor channel: the distributor a request was routed to handles
it or escalates it from the RMA's portal page; nobody else can, by id, token or
garbage."""

import re

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_portal_rma import PortalRmaWorld


class ChannelPortalWorld(PortalRmaWorld):
    """The portal world of test_portal_rma, plus a request of the end user for a
    unit distributor A sold: routed to A, awaiting its choice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pending = cls._portal_rma(cls.end_user, [(cls.product, cls.lots_a[1], 1.0)])
        cls.pending._portal_ensure_token()


@tagged("post_install", "-at_install")
class TestChannelPortal(ChannelPortalWorld, HttpCase):
    def _url(self, rma, choice="handle"):
        return f"/my/rmas/{rma.id}/distributor/{choice}"

    def _csrf(self, rma=None):
        """The CSRF token of the session, as every page of the layout gives it."""
        page = self.url_open(f"/my/rmas/{rma.id}" if rma else "/warranty/check")
        self.assertEqual(page.status_code, 200)
        return re.search(r'csrf_token: "([^"]+)"', page.text).group(1)

    def _post(self, url, csrf):
        return self.opener.post(
            self.base_url() + url, data={"csrf_token": csrf}, allow_redirects=False
        )

    def test_routed_to_the_distributor(self):
        self.assertEqual(self.pending.distributor_route, "serial")
        self.assertEqual(self.pending.handling, "distributor_pending")
        self.assertEqual(self.pending.distributor_id, self.distributor)

    def test_distributor_handles_it(self):
        self._login(self.user_contact_a)
        page = self._get(f"/my/rmas/{self.pending.id}")
        self.assertIn('id="rma_distributor_choice"', page.text)
        csrf = self._csrf(self.pending)
        response = self._post(self._url(self.pending), csrf)
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(
            response.headers["Location"].endswith(f"/my/rmas/{self.pending.id}")
        )
        self.assertEqual(self.pending.handling, "distributor")
        # Handling it, the distributor may still escalate it.
        page = self._get(f"/my/rmas/{self.pending.id}")
        self.assertIn('id="rma_distributor_escalate"', page.text)
        self.assertNotIn('id="rma_distributor_handle"', page.text)
        # A second click (or a second tab) is refused, clearly.
        response = self._post(self._url(self.pending, "escalate"), csrf)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.pending.handling, "escalated")
        response = self._post(self._url(self.pending), csrf)
        self.assertEqual(response.status_code, 409)
        self.assertIn("no longer await", response.text)
        self.assertEqual(self.pending.handling, "escalated")

    def test_the_customer_sees_no_choice_and_cannot_make_it(self):
        self._login(self.user_end_a)
        page = self._get(f"/my/rmas/{self.pending.id}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('id="rma_distributor_choice"', page.text)
        self.assertIn("passed to your distributor", page.text)
        response = self._post(self._url(self.pending), self._csrf(self.pending))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.pending.handling, "distributor_pending")

    @mute_logger("odoo.http")
    def test_another_distributor_is_refused(self):
        self._login(self.user_dist_b)
        csrf = self._csrf(self.rma_b)
        for url in (
            self._url(self.pending),
            f"{self._url(self.pending)}?access_token=wrong",
        ):
            with self.subTest(url=url):
                response = self._post(url, csrf)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(self.end_user.name, response.text)
        # With the RMA's own token (its link), still not its distributor.
        response = self._post(
            f"{self._url(self.pending)}?access_token={self.pending.access_token}", csrf
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.pending.handling, "distributor_pending")

    @mute_logger("odoo.http", "werkzeug")
    def test_bad_requests(self):
        self._login(self.user_dist_a)
        csrf = self._csrf(self.pending)
        for url in (
            "/my/rmas/0/distributor/handle",
            "/my/rmas/2147483648/distributor/handle",
            "/my/rmas/abc/distributor/handle",
            f"/my/rmas/{self.pending.id}/distributor/approve",
            f"/my/rmas/{self.rma_company_b.id}/distributor/handle",
        ):
            with self.subTest(url=url):
                self.assertEqual(self._post(url, csrf).status_code, 404)
        # No CSRF token, a wrong one; a GET.
        self.assertEqual(self._post(self._url(self.pending), "bad").status_code, 400)
        self.assertEqual(self._get(self._url(self.pending)).status_code, 405)
        # The public, even with the token: log in first.
        self._login(None)
        response = self._post(
            f"{self._url(self.pending)}?access_token={self.pending.access_token}", csrf
        )
        self.assertIn(response.status_code, (303, 400))
        self.assertEqual(self.pending.handling, "distributor_pending")

    def test_escalate_tour(self):
        """The distributor's user opens the request and clicks Escalate to the
        vendor on the RMA page."""
        self.start_tour(
            f"/my/rmas/{self.pending.id}",
            "rma_distributor_choice_tour",
            login=self.user_dist_a.login,
        )
        self.assertEqual(self.pending.handling, "escalated")
