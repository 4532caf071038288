# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    """The skeleton every later feature hangs on: groups, application menu, settings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_user = cls.env.ref("rma_warranty.group_rma_user")
        cls.group_manager = cls.env.ref("rma_warranty.group_rma_manager")
        cls.menu_root = cls.env.ref("rma_warranty.rma_warranty_menu_root")
        cls.menu_settings = cls.env.ref("rma_warranty.rma_warranty_menu_settings")
        cls.rma_user = new_test_user(
            cls.env, "rma_user", groups="rma_warranty.group_rma_user"
        )
        cls.rma_manager = new_test_user(
            cls.env, "rma_manager", groups="rma_warranty.group_rma_manager"
        )
        cls.rma_admin = new_test_user(
            cls.env,
            "rma_admin",
            groups="rma_warranty.group_rma_manager,base.group_system",
        )
        cls.employee = new_test_user(
            cls.env, "plain_employee", groups="base.group_user"
        )

    def _visible_menus(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_groups(self):
        self.assertEqual(self.group_user.category_id, self.group_manager.category_id)
        self.assertIn(self.group_user, self.group_manager.implied_ids)
        self.assertTrue(self.rma_manager.has_group("rma_warranty.group_rma_user"))
        self.assertFalse(self.rma_user.has_group("rma_warranty.group_rma_manager"))
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("rma_warranty.group_rma_manager")
        )
        self.assertFalse(self.employee.has_group("rma_warranty.group_rma_user"))
        # RMA staff receive and ship serial numbers through stock pickings.
        self.assertTrue(self.rma_user.has_group("stock.group_stock_user"))
        self.assertTrue(self.rma_user.has_group("stock.group_production_lot"))
        self.assertTrue(self.rma_user.has_group("base.group_user"))

    def test_application_menu(self):
        self.assertFalse(self.menu_root.parent_id)
        self.assertEqual(
            self.menu_root.web_icon, "rma_warranty,static/description/icon.png"
        )
        # The icon the menu points at ships with the module.
        self.assertTrue(self.menu_root.web_icon_data)
        self.assertEqual(self.menu_settings.action.res_model, "res.config.settings")
        self.assertEqual(
            self.menu_settings.action.context,
            "{'module': 'rma_warranty', 'bin_size': False}",
        )

    def test_menu_visibility(self):
        admin_menus = self._visible_menus(self.rma_admin)
        self.assertIn(self.menu_root.id, admin_menus)
        self.assertIn(self.menu_settings.id, admin_menus)
        # An RMA user sees the application and its serial numbers and repairs,
        # but not its configuration.
        user_menus = self._visible_menus(self.rma_user)
        self.assertIn(self.menu_root.id, user_menus)
        for xmlid in ("stock_lot_menu_warranty", "rma_warranty_menu_repairs"):
            self.assertIn(self.env.ref(f"rma_warranty.{xmlid}").id, user_menus)
        self.assertNotIn(self.menu_settings.parent_id.id, user_menus)
        # Settings are written by settings administrators only, as everywhere in Odoo.
        self.assertNotIn(self.menu_settings.id, self._visible_menus(self.rma_manager))
        self.assertNotIn(self.menu_root.id, self._visible_menus(self.employee))

    def test_settings_block_saves_on_company(self):
        company = self.env.company
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        calendar = self.env["resource.calendar"].create(
            {"name": "Service centre hours"}
        )
        settings = Form(self.env["res.config.settings"].with_user(self.rma_admin))
        settings.rma_warehouse_id = warehouse
        settings.rma_resource_calendar_id = calendar
        settings.save().execute()
        self.assertEqual(company.rma_warehouse_id, warehouse)
        self.assertEqual(company._get_rma_calendar(), calendar)
        # The block is part of the settings form the user is shown.
        arch = (
            self.env["res.config.settings"]
            .with_user(self.rma_admin)
            .get_views([(False, "form")])
        )
        self.assertIn('name="rma_warranty"', arch["views"]["form"]["arch"])

    def test_calendar_falls_back_to_company_hours(self):
        company = self.env.company
        company.rma_resource_calendar_id = False
        self.assertTrue(company.resource_calendar_id)
        self.assertEqual(company._get_rma_calendar(), company.resource_calendar_id)

    def test_service_centre_of_another_company_refused(self):
        other = self.env["res.company"].create({"name": "Other Service Co"})
        other_warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        self.assertTrue(other_warehouse)
        with self.assertRaises(UserError):
            self.env.company.rma_warehouse_id = other_warehouse
