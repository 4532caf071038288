# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 20: the screens say what they should, where people read them."""

import os

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.misc import format_date

from .test_issue11_links import LinksRepairCommon, visible

SERIAL = "Serial number: %s"


def shown_columns(list_node):
    """The fields a list shows by default (not hidden, not optional-hidden)."""
    return [
        node.get("name")
        for node in list_node.iterchildren("field")
        if node.get("optional") != "hide"
        and node.get("column_invisible") not in ("1", "True")
        and node.get("widget") != "handle"
    ]


@tagged("post_install", "-at_install")
class TestIssue11LinksScreens(LinksRepairCommon):
    # ---- Units lists ----------------------------------------------------------------

    def test_units_lists_read_the_serial_in_full(self):
        form = self._arch("rma.order", "form", self.rma_user)
        analysis = self._arch("rma.order.line", "list", self.rma_user)
        for units in (form.xpath("//field[@name='line_ids']/list")[0], analysis):
            columns = shown_columns(units)
            self.assertIn("lot_id", columns)
            self.assertLessEqual(len(columns), 8, columns)
            lot = units.xpath("field[@name='lot_id']")[0]
            self.assertTrue(lot.get("width"), "the serial column keeps its width")

    # ---- Repair quotes and credit notes name the serial -----------------------------

    def test_quote_lines_name_the_serial_and_why_free(self):
        _rma, line = self._quoted()
        quote = line.quote_id
        self.assertTrue(quote.order_line)
        for sol in quote.order_line:
            self.assertIn(SERIAL % "LNK-REPAIR-01", sol.name)
        lcd, board = (
            quote.order_line.filtered(lambda sol, p=part: sol.product_id == p)
            for part in (self.lcd_part, self.board_part)
        )
        self.assertEqual(lcd.price_unit, 0.0)
        lcd_end = self.unit.warranty_coverage_ids.filtered(
            lambda p: p.component_id == self.lcd
        ).date_end
        self.assertIn(
            f"Covered: Links LCD warranty until {format_date(self.env, lcd_end)}.",
            lcd.name,
        )
        self.assertEqual(board.price_unit, 200.0)
        self.assertNotIn("Covered", board.name)
        # The invoice of the accepted quote carries the same descriptions.
        quote.action_confirm()
        self.assertIn(SERIAL % "LNK-REPAIR-01", quote.order_line[:1].name)

    def test_credit_note_lines_name_the_serial(self):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.lot_a.id,
                    "resolution": "refund",
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        rma.action_process()
        refund_line = rma.line_ids.refund_line_ids
        self.assertEqual(len(refund_line), 1)
        self.assertIn(SERIAL % "LNK-0001", refund_line.name)
        self.assertIn("NAS TS-464", refund_line.name)

    # ---- Buttons fit the state ------------------------------------------------------

    def _buttons(self, rma, name):
        arch = self._arch("rma.order", "form", self.rma_user)
        return {
            "primary" if "btn-primary" in (node.get("class") or "") else "other": (
                visible(node, rma)
            )
            for node in arch.xpath(f"//header/button[@name='{name}']")
        }

    def test_buttons_fit_the_state(self):
        rma = self._new_rma(
            self.end_user,
            [{"product_id": self.product.id, "lot_id": self.lot_a.id}],
            user=self.rma_user,
        )
        rma.action_submit()
        rma.action_approve()
        self.assertEqual(rma.state, "approved")
        # Units awaited: the receipt comes next, not a primary Process button.
        self.assertFalse(self._buttons(rma, "action_process").get("primary"))
        self.assertFalse(any(self._buttons(rma, "action_done").values()))
        self.assertTrue(all(self._buttons(rma, "action_cancel").values()))
        self._receive(rma)
        self.assertEqual(rma.state, "received")
        self.assertTrue(self._buttons(rma, "action_process").get("primary"))
        # No resolution yet: Mark as Done could only fail.
        self.assertFalse(any(self._buttons(rma, "action_done").values()))
        # Every unit resolved (here refused before it came): Mark as Done closes.
        rejected = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.lot_b.id,
                    "resolution": "reject",
                }
            ],
            user=self.rma_user,
        )
        rejected.action_submit()
        rejected.action_approve()
        self.assertEqual(rejected.state, "approved")
        self.assertTrue(any(self._buttons(rejected, "action_done").values()))
        rejected.action_done()
        self.assertEqual(rejected.state, "done")
        # Pay before shipping: the label is held, so is its button.
        held = self.env["rma.order"].new(
            {"state": "approved", "is_request_ref": False, "shipping_hold": True}
        )
        self.assertFalse(
            any(self._buttons(held, "action_print_authorisation").values())
        )
        held.shipping_hold = False
        self.assertTrue(all(self._buttons(held, "action_print_authorisation").values()))

    def test_no_cancel_once_a_unit_is_in(self):
        rma = self._new_rma(
            self.end_user,
            [(self.product, self.lot_a, 1), (self.product, self.lot_b, 1)],
            user=self.rma_user,
        )
        rma.action_submit()
        rma.action_approve()
        first, second = rma.line_ids
        self._receive(rma, {first: 1.0, second: 0.0})
        self.assertEqual(rma.state, "approved", "one unit still awaited")
        self.assertEqual(first.qty_received, 1.0)
        # Cancelling could only fail ("return them instead").
        self.assertFalse(any(self._buttons(rma, "action_cancel").values()))
        with self.assertRaisesRegex(UserError, "return them instead"):
            rma.with_user(self.rma_user).action_cancel()

    def test_closed_kanban_columns_folded(self):
        groups = (
            self.env["rma.order"]
            .with_user(self.rma_user)
            .web_read_group([], ["__count"], ["state"])["groups"]
        )
        folded = {group["state"]: group.get("__fold") for group in groups}
        self.assertEqual(
            folded,
            {
                "draft": False,
                "submitted": False,
                "approved": False,
                "received": False,
                "in_progress": False,
                "done": True,
                # Issue 14: solved without return, a closed state too.
                "solved": True,
                "rejected": True,
                "cancelled": True,
            },
        )

    # ---- Settings and menus ---------------------------------------------------------

    def test_settings_show_the_service_centre_rmas_get(self):
        admin = new_test_user(
            self.env,
            "links_settings_admin",
            groups="rma_warranty.group_rma_manager,base.group_system",
        )
        self.company.rma_warehouse_id = False
        given = self.env["rma.order"].with_user(admin).new({}).warehouse_id
        self.assertTrue(given)
        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertEqual(settings.rma_warehouse_id, given)
        # Choosing another one: new RMAs get it, and the settings show it.
        other = self.env["stock.warehouse"].create(
            {"name": "Links Service Centre", "code": "LNKSC"}
        )
        settings.rma_warehouse_id = other
        settings.save().execute()
        self.assertEqual(self.company.rma_warehouse_id, other)
        self.assertEqual(
            self.env["rma.order"].with_user(admin).new({}).warehouse_id, other
        )
        self.assertEqual(
            Form(self.env["res.config.settings"].with_user(admin)).rma_warehouse_id,
            other,
        )

    def test_one_serial_numbers_menu(self):
        root = self.env.ref("rma_warranty.rma_warranty_menu_root")
        menus = (
            self.env["ir.ui.menu"]
            .with_user(self.rma_user)
            .search([("id", "child_of", root.id), ("name", "=", "Serial Numbers")])
        )
        self.assertEqual(len(menus), 1, menus.mapped("complete_name"))
        self.assertEqual(menus.action.res_model, "stock.lot")

    # ---- Demo and README ------------------------------------------------------------

    def test_demo_alias_takes_requests(self):
        if not self.env.ref(
            "rma_warranty.demo_lot_panel_pc_2401", raise_if_not_found=False
        ):
            self.skipTest("needs the demo data")
        company = self.env.ref("base.main_company")
        alias = company.rma_team_id.alias_id
        # The address the README gives.
        self.assertEqual(alias.alias_full_name, "rma@after-sales.example.com")
        self.patch(
            self.registry["mail.alias"],
            "_alias_bounce_incoming_email",
            lambda alias, *args, **kwargs: None,
        )
        mail = (
            f"From: Nina Demo <nina@example.org>\r\nTo: {alias.alias_full_name}\r\n"
            "Subject: Panel PC does not boot\r\n"
            "Message-ID: <links-demo-alias@example.org>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "My panel PC HBT156-2401 does not boot.\r\n"
        )
        # sudo: the mail gateway runs as the superuser (fetchmail, mailgate).
        thread_id = self.env["mail.thread"].sudo().message_process(False, mail)
        rma = self.env["rma.order"].browse(thread_id)
        self.assertEqual(rma.channel, "email")
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.company_id, company)

    def test_readme_describes_the_design(self):
        path = os.path.join(
            os.path.dirname(get_module_path("rma_warranty")), "README.md"
        )
        if not os.path.exists(path):
            self.skipTest("the repository's README is not next to the addon")
        with open(path, encoding="utf-8") as readme:
            text = readme.read()
        self.assertNotIn("DESIGN.md", text)
        for heading in ("## Processes", "## Domain model", "## Security model"):
            self.assertIn(heading, text)


@tagged("post_install", "-at_install")
class TestIssue11LinksQuotePdf(LinksRepairCommon, HttpCase):
    """The quote's PDF (its report URL) names the serial and why a line is free."""

    def test_quote_report_names_the_serial(self):
        _rma, line = self._quoted()
        quote = line.quote_id
        self.authenticate(self.salesman_rma.login, self.salesman_rma.login)
        response = self.url_open(f"/report/html/sale.report_saleorder/{quote.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(SERIAL % "LNK-REPAIR-01", response.text)
        self.assertIn("Covered: Links LCD warranty until", response.text)


@tagged("post_install", "-at_install")
class TestIssue11LinksUnitsTour(HttpCase):
    """Item 20: the units list of an RMA, in a browser, reads the serial in full."""

    def test_units_tour(self):
        rma = self.env.ref(
            "rma_warranty.demo_rma_in_progress", raise_if_not_found=False
        )
        if not rma:
            self.skipTest("needs the demo data")
        user = new_test_user(
            self.env, "links_units_tour", groups="rma_warranty.group_rma_user"
        )
        self.assertEqual(rma.line_ids.lot_id.name, "HBT156-2401")
        self.start_tour(
            f"/odoo/rma/{rma.id}", "rma_warranty_units_tour", login=user.login
        )
