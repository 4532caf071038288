# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .test_issue14_analytics import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestIssue14AnalyticsTour(AnalyticsCommon, HttpCase):
    """An RMA user opens the dashboard from the menu, filters a service centre and
    clicks a product's failure rate through to the pivot."""

    _hub_name = "Analytics Tour Hub"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nas = cls.env["product.product"].create(
            {
                "name": "Analytics Tour NAS",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 400.0,
            }
        )
        cls.fan = cls.env["rma.warranty.component"].create({"name": "Tour Fan"})
        cls.tour_lots = cls._create_lots(cls.nas, [f"AN-TOUR-{i}" for i in range(4)])
        cls._deliver(cls.nas, lots=cls.tour_lots)

    def test_dashboard_tour(self):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.nas.id,
                    "lot_id": self.tour_lots[0].id,
                    "quantity": 1,
                    "failed_component_id": self.fan.id,
                }
            ],
        )
        rma.action_submit()
        self.start_tour(
            "/odoo", "rma_analytics_dashboard_tour", login=self.rma_user.login
        )
