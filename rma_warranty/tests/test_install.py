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

    # ---- Sequences ------------------------------------------------------------------

    def _sequence(self, **vals):
        return self.env["ir.sequence"].create(
            dict(
                {"name": "RMA batch test", "prefix": "T/%(year)s/", "padding": 4},
                **vals,
            )
        )

    def test_sequence_batch_equals_core_path(self):
        """The batch of _rma_sequence_next_batch is what the core gives: the
        formatted numbers of get_next_char, then next_by_id goes on after them."""
        sequence = self._sequence(number_next=7)
        first = sequence.number_next_actual
        Company = self.env["res.company"]
        refs = Company._rma_sequence_next_batch(sequence, 3)
        self.assertEqual(refs, [sequence.get_next_char(first + i) for i in range(3)])
        self.assertEqual(sequence.next_by_id(), sequence.get_next_char(first + 3))
        self.assertEqual(
            Company._rma_sequence_next_batch(sequence, 1),
            [sequence.get_next_char(first + 4)],
        )

    def test_sequence_batch_core_path_for_no_gap_and_date_ranges(self):
        """Sequences without gaps or with date ranges are drawn by next_by_id:
        their own counters move (number_next, the date range's)."""
        Company = self.env["res.company"]
        no_gap = self._sequence(implementation="no_gap", number_next=3)
        self.assertEqual(
            Company._rma_sequence_next_batch(no_gap, 2),
            [no_gap.get_next_char(3), no_gap.get_next_char(4)],
        )
        self.assertEqual(no_gap.number_next, 5)
        dated = self._sequence(use_date_range=True)
        refs = Company._rma_sequence_next_batch(dated, 2)
        date_range = dated.date_range_ids
        self.assertEqual(len(date_range), 1)
        date_range.invalidate_recordset(["number_next_actual"])
        self.assertEqual(date_range.number_next_actual, 3)
        self.assertEqual(
            refs,
            [
                dated.with_context(
                    ir_sequence_date_range=date_range.date_from
                ).get_next_char(number)
                for number in (1, 2)
            ],
        )
