# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSettingsTour(HttpCase):
    def test_settings_tour(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Tour Service Centre", "code": "TSC"}
        )
        manager = new_test_user(
            self.env,
            "rma_settings_manager",
            groups="rma_warranty.group_rma_manager,base.group_system,stock.group_stock_manager",
        )
        self.start_tour("/odoo", "rma_warranty_settings_tour", login=manager.login)
        self.assertEqual(manager.company_id.rma_warehouse_id, warehouse)
