# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .test_issue17_reasons import ReasonCommon


@tagged("post_install", "-at_install")
class TestIssue17ReasonTour(ReasonCommon, HttpCase):
    """An RMA user reads the top return reasons on the dashboard and clicks one
    through to its units."""

    def test_dashboard_reasons_tour(self):
        reason = self.env["rma.reason"].create({"name": "RSN Tour reason"})
        rma = self._rma(
            self._unit(self.lots[0], reason), self._unit(self.lots[1], reason)
        )
        rma.action_submit()
        self.start_tour(
            "/odoo/action-rma_warranty.rma_report_dashboard_action",
            "rma_reason_dashboard_tour",
            login=self.rma_user.login,
        )
