# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

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
        # A section added by another module gets its tile: here a service-level
        # section as the dashboard expects it ({hit_rate (%), met, missed}).
        Dashboard = type(self.env["rma.report.dashboard"])
        sections = Dashboard._dashboard_sections

        def with_sla(dashboard):
            return {
                **sections(dashboard),
                "sla": lambda params: {"hit_rate": 87.5, "met": 7, "missed": 1},
            }

        with patch.object(Dashboard, "_dashboard_sections", with_sla):
            self.start_tour(
                "/odoo", "rma_analytics_dashboard_tour", login=self.rma_user.login
            )
