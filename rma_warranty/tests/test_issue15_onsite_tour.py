# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .test_issue15_onsite import OnsiteRepairMixin


@tagged("post_install", "-at_install")
class TestIssue15OnsiteTour(OnsiteRepairMixin, HttpCase):
    def test_technician_closes_the_visit(self):
        rma, line = self._planned()
        repair = line.repair_id
        self.assertEqual(repair.state, "confirmed")
        self.start_tour(
            f"/odoo/action-repair.action_repair_order_tree/{repair.id}",
            "rma_onsite_visit_tour",
            login=self.technician.login,
        )
        self.assertEqual(repair.state, "done")
        self.assertEqual(repair.rma_visit_result, "Fan replaced on site, all tests OK.")
        self.assertEqual(line.qc_result, "pass")
        self.assertEqual(
            repair.move_ids.filtered(lambda m: m.repair_line_type == "add").mapped(
                "location_dest_id"
            ),
            self.customer_location,
        )
        self.assertEqual(rma.state, "done")
        self.assertFalse(rma.picking_ids)
