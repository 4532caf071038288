# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import quote_plus

from lxml import html

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import format_date
from odoo.tools.safe_eval import safe_eval

from ..models.rma_warranty_coverage import period_end
from .common import RmaCommon

REPORT = "rma_warranty.action_report_warranty_certificate"


@tagged("post_install", "-at_install")
class TestWarrantyCertificate(RmaCommon):
    """The warranty certificate of a serial: unit, owner, coverage per component
    and a QR code of the public check page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Component = cls.env["rma.warranty.component"]
        cls.lcd = Component.create({"name": "Cert LCD"})
        cls.board = Component.create({"name": "Cert Motherboard"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Cert Panel PC",
                "warranty_months": 36,
                "swap_days": 30,
                "note": "<p>Cert terms: keep the proof of purchase.</p>",
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 24}),
                    Command.create({"component_id": cls.board.id, "months": 12}),
                ],
            }
        )
        cls.product.warranty_policy_id = cls.policy
        # sudo: test set-up of a system parameter (the base URL the QR code uses).
        cls.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://service.example.com"
        )
        # A serial with characters that must be encoded in the check URL.
        cls.lots = cls._create_lots(cls.product, ["CERT/0001 A&B", "CERT-0002"])
        cls._sell(cls.end_user, cls.product, lots=cls.lots)
        cls.lot = cls.lots[0]

    def _render(self, lots, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        content, report_type = Report._render_qweb_html(REPORT, lots.ids)
        self.assertEqual(report_type, "html")
        return html.fromstring(content)

    def test_check_url(self):
        self.assertEqual(
            self.lot._warranty_check_url(),
            "https://service.example.com/warranty/check?serial=CERT%2F0001+A%26B",
        )

    def test_certificate_content(self):
        today = self.lot._warranty_today()[self.lot]
        self.assertEqual(len(self.lot.warranty_coverage_ids), 3)
        doc = self._render(self.lot, user=self.rma_user)
        text = " ".join(doc.text_content().split())
        self.assertIn("Warranty Certificate", text)
        self.assertEqual(
            doc.xpath("//*[hasclass('o_warranty_serial')]")[0].text_content().strip(),
            "CERT/0001 A&B",
        )
        self.assertIn(
            "NAS TS-464",
            doc.xpath("//*[hasclass('o_warranty_product')]")[0].text_content(),
        )
        self.assertIn(
            "Erik End User",
            doc.xpath("//*[hasclass('o_warranty_owner')]")[0].text_content(),
        )
        # Coverage today: the replacement window of a unit delivered today.
        today_text = " ".join(
            doc.xpath("//*[hasclass('o_warranty_today')]")[0].text_content().split()
        )
        self.assertIn("Replacement Window", today_text)
        self.assertIn(format_date(self.env, period_end(today, 36)), today_text)
        # One row per period, oldest first: whole unit and each component.
        rows = [
            [" ".join(td.text_content().split()) for td in tr.xpath("td")]
            for tr in doc.xpath("//table[hasclass('o_warranty_periods')]/tbody/tr")
        ]
        expected = [
            ["Standard", "Whole unit", today, period_end(today, 36)],
            ["Standard", "Cert LCD", today, period_end(today, 24)],
            ["Standard", "Cert Motherboard", today, period_end(today, 12)],
        ]
        self.assertEqual(
            rows,
            [
                [kind, part, format_date(self.env, start), format_date(self.env, end)]
                for kind, part, start, end in expected
            ],
        )
        self.assertIn("Cert terms: keep the proof of purchase.", text)
        # The QR code is drawn by Odoo's barcode route from the check URL.
        src = doc.xpath("//img[hasclass('o_warranty_qr')]")[0].get("src")
        self.assertTrue(src.startswith("/report/barcode/?barcode_type=QR&"), src)
        self.assertIn(f"value={quote_plus(self.lot._warranty_check_url())}&", src)
        self.assertIn("serial%3DCERT%252F0001%2BA%2526B", src)

    def test_certificate_goodwill_and_batch(self):
        today = self.lot._warranty_today()[self.lot]
        self.env["rma.warranty.coverage"].create(
            {
                "lot_id": self.lots[1].id,
                "product_id": self.product.id,
                "kind": "goodwill",
                "origin": "manual",
                "component_id": self.lcd.id,
                "date_start": period_end(today, 24),
                "date_end": period_end(today, 30),
                "reason": "Cert goodwill",
            }
        )
        doc = self._render(self.lots)
        serials = [
            el.text_content().strip()
            for el in doc.xpath("//*[hasclass('o_warranty_serial')]")
        ]
        self.assertEqual(serials, ["CERT/0001 A&B", "CERT-0002"])
        second = doc.xpath("//table[hasclass('o_warranty_periods')]")[1]
        last_row = [
            " ".join(td.text_content().split())
            for td in second.xpath("tbody/tr")[-1].xpath("td")
        ]
        self.assertEqual(
            last_row,
            [
                "Goodwill",
                "Cert LCD",
                format_date(self.env, period_end(today, 24)),
                format_date(self.env, period_end(today, 30)),
            ],
        )

    def test_certificate_print_menu(self):
        report = self.env.ref(REPORT)
        # In the Print menu of serials for after-sales staff, who read coverage.
        stock_user = new_test_user(
            self.env, "cert_stock_user", groups="stock.group_stock_user"
        )
        Actions = self.env["ir.actions.actions"]
        self.assertIn(
            report.id,
            [
                a["id"]
                for a in Actions.with_user(self.rma_user).get_bindings("stock.lot")[
                    "report"
                ]
            ],
        )
        self.assertNotIn(
            report.id,
            [
                a["id"]
                for a in Actions.with_user(stock_user)
                .get_bindings("stock.lot")
                .get("report", [])
            ],
        )
        # Only serials with coverage offer it.
        in_stock = self._create_lots(self.product, ["CERT-STOCK"])
        Lot = self.env["stock.lot"].with_user(self.rma_user)
        scope = [("id", "in", (self.lots | in_stock).ids)]
        self.assertEqual(Lot.search(scope + safe_eval(report.domain)), self.lots)

    def test_certificate_pdf(self):
        content, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.lot.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
