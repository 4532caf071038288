# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 2: the authorisation refuses held RMAs, whatever the entry point."""

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_issue11_money import PrepaidRepairMixin


@tagged("post_install", "-at_install")
class TestIssue11AuthorisationReport(PrepaidRepairMixin, HttpCase):
    """The authorisation (the RMA label) is fetched by URL as a logged-in RMA user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.report_user = new_test_user(
            cls.env, "rma_money_report", groups="rma_warranty.group_rma_user"
        )

    def _fetch(self, converter, rma):
        return self.url_open(
            f"/report/{converter}/rma_warranty.report_rma_order/{rma.id}"
        )

    def _assert_refused(self, rma):
        for converter in ("pdf", "html"):
            with self.subTest(converter=converter, state=rma.state):
                response = self._fetch(converter, rma)
                self.assertGreaterEqual(response.status_code, 400, response.text)
                self.assertLess(response.status_code, 500)
                self.assertNotEqual(
                    response.headers.get("Content-Type"), "application/pdf"
                )
                self.assertFalse(response.content.startswith(b"%PDF"))
                self.assertIn("No RMA authorisation can be printed", response.text)

    @mute_logger("odoo.http")
    def test_held_request_cancelled_refused_by_url(self):
        held = self._held_rma(self.prepaid_lots[0])
        request = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        request.action_submit()
        cancelled = self._new_rma(
            self.end_user, [(self.product, self.prepaid_lots[1], 1.0)]
        )
        cancelled.action_submit()
        cancelled.action_approve()
        cancelled.action_cancel()
        self.authenticate(self.report_user.login, self.report_user.login)
        for rma in (held, request, cancelled):
            self._assert_refused(rma)
        # The Print menu does not offer it on a held RMA either.
        report = self.env.ref("rma_warranty.action_report_rma_order")
        self.assertEqual(report.get_valid_action_reports("rma.order", held.ids), [])

    def test_released_rma_prints(self):
        rma = self._new_rma(self.end_user, [(self.product, self.prepaid_lots[2], 1.0)])
        rma.action_submit()
        rma.action_approve()
        self.assertFalse(rma.shipping_hold)
        self.authenticate(self.report_user.login, self.report_user.login)
        response = self._fetch("html", rma)
        self.assertEqual(response.status_code, 200)
        self.assertIn(rma.name, response.text)
