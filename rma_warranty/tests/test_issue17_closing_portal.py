# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17, closing by the customer: the customer closes a request that still
waits from its portal page ("Solved, no return needed"); nobody else can, by id,
token, a wrong CSRF token or garbage; a second click is refused clearly."""

import re

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_portal_rma import PortalRmaWorld


@tagged("post_install", "-at_install")
class TestIssue17ClosingPortal(PortalRmaWorld, HttpCase):
    def _url(self, rma):
        return f"/my/rmas/{rma.id}/close"

    def _csrf(self, rma):
        page = self.url_open(f"/my/rmas/{rma.id}")
        self.assertEqual(page.status_code, 200)
        return re.search(r'csrf_token: "([^"]+)"', page.text).group(1)

    def _post(self, url, csrf, **data):
        return self.opener.post(
            self.base_url() + url,
            data=dict(data, csrf_token=csrf),
            allow_redirects=False,
        )

    def test_owner_closes_once(self):
        rma = self.rma_end_a
        self.assertEqual(rma.state, "approved")
        self._login(self.user_end_a)
        page = self._get(f"/my/rmas/{rma.id}")
        self.assertIn('id="rma_customer_close"', page.text)
        csrf = self._csrf(rma)
        response = self._post(self._url(rma), csrf, comment="It works after a reset.")
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertTrue(response.headers["Location"].endswith(f"/my/rmas/{rma.id}"))
        self.assertEqual(rma.state, "solved")
        self.assertIn("It works after a reset.", rma.remote_solution)
        self.assertIn(f"closed by {self.end_user.name}", rma.remote_solution)
        self.assertIn(
            "closed this request from the portal",
            "\n".join(rma.message_ids.mapped("body")),
        )
        self.assertFalse(
            rma.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        )
        # The second click: refused, clearly, nothing written again.
        response = self._post(self._url(rma), csrf)
        self.assertEqual(response.status_code, 409)
        self.assertIn("can no longer be closed", response.text)
        page = self._get(f"/my/rmas/{rma.id}")
        self.assertNotIn('id="rma_customer_close"', page.text)

    def test_a_unit_received_cannot_be_closed(self):
        rma = self._portal_rma(
            self.end_user, [(self.product, self.lots_a[1], 1.0)], approve=True
        )
        self._receive(rma)
        self._login(self.user_end_a)
        page = self._get(f"/my/rmas/{rma.id}")
        self.assertNotIn('id="rma_customer_close"', page.text)
        response = self._post(self._url(rma), self._csrf(rma))
        self.assertEqual(response.status_code, 409)
        self.assertIn("can no longer be closed", response.text)
        self.assertEqual(rma.state, "received")

    @mute_logger("odoo.http")
    def test_others_are_refused(self):
        rma = self.rma_end_a
        # Another customer: not even found.
        self._login(self.user_other)
        csrf = self._csrf(self.rma_other)
        for url in (self._url(rma), f"{self._url(rma)}?access_token=wrong"):
            response = self._post(url, csrf)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(self.end_user.name, response.text)
        # With the RMA's link (its token) it reads the RMA but is not its customer.
        token = rma._portal_ensure_token()
        response = self._post(f"{self._url(rma)}?access_token={token}", csrf)
        self.assertEqual(response.status_code, 403)
        # The distributor that sold the unit reads the RMA: not its customer either.
        self._login(self.user_dist_a)
        page = self._get(f"/my/rmas/{rma.id}")
        self.assertNotIn('id="rma_customer_close"', page.text)
        response = self._post(self._url(rma), self._csrf(rma))
        self.assertEqual(response.status_code, 403)
        self.assertIn("Only the customer", response.text)
        self.assertEqual(rma.state, "approved")

    @mute_logger("odoo.http", "werkzeug")
    def test_bad_requests(self):
        rma = self.rma_end_a
        self._login(self.user_end_a)
        csrf = self._csrf(rma)
        for url in (
            "/my/rmas/0/close",
            "/my/rmas/2147483648/close",
            "/my/rmas/abc/close",
            f"/my/rmas/{self.rma_company_b.id}/close",
        ):
            with self.subTest(url=url):
                self.assertEqual(self._post(url, csrf).status_code, 404)
        # A wrong CSRF token, a GET, a comment that is not text.
        self.assertEqual(self._post(self._url(rma), "bad").status_code, 400)
        self.assertEqual(self._get(self._url(rma)).status_code, 405)
        response = self.opener.post(
            self.base_url() + self._url(rma),
            data={"csrf_token": csrf},
            files={"comment": ("c.txt", b"binary", "text/plain")},
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        self.assertEqual(rma.state, "solved")
        # The public is sent to log in, even with the token.
        rma2 = self.rma_other
        self._login(None)
        response = self._post(
            f"{self._url(rma2)}?access_token={rma2._portal_ensure_token()}", csrf
        )
        self.assertIn(response.status_code, (303, 400))
        self.assertEqual(rma2.state, "submitted")
