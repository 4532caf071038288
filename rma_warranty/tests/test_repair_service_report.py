# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import socket
from contextlib import contextmanager

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from ..models.rma_warranty_coverage import ENTITLEMENTS
from .common import RmaCommon

REPORT = "rma_warranty.action_report_rma_service"


@tagged("post_install", "-at_install")
class TestRepairServiceReport(RmaCommon, MailCase):
    """The service report (repair tracking sheet) of repaired units, and its email
    when they are shipped back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.level_minor = cls.env.ref("rma_warranty.damage_level_minor")
        cls.part = cls.env["product.product"].create(
            {
                "name": "Power Board PB-2",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 90.0,
            }
        )
        cls.part_lots = cls._create_lots(cls.part, ["PB2-0001", "PB2-0002"])
        cls._put_in_stock(cls.part, lots=cls.part_lots)
        cls.labour = cls.env["product.product"].create(
            {
                "name": "Bench Labour",
                "type": "service",
                "list_price": 60.0,
                "uom_id": cls.env.ref("uom.product_uom_hour").id,
                "uom_po_id": cls.env.ref("uom.product_uom_hour").id,
            }
        )
        cls.shipping = cls.env["product.product"].create(
            {"name": "Return Courier", "type": "service", "list_price": 20.0}
        )
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "Nordic Express",
                "delivery_type": "fixed",
                "product_id": cls.shipping.id,
            }
        )
        cls.env["rma.repair.tariff"].create(
            [
                {
                    "name": "NAS TS-464 moderate",
                    "product_id": cls.product.id,
                    "damage_level_id": cls.level.id,
                    "line_ids": [
                        (0, 0, {"kind": "part", "product_id": cls.part.id}),
                        (
                            0,
                            0,
                            {
                                "kind": "labour",
                                "product_id": cls.labour.id,
                                "quantity": 1.5,
                            },
                        ),
                        (0, 0, {"kind": "shipping", "product_id": cls.shipping.id}),
                    ],
                },
                {
                    "name": "NAS TS-464 minor: parts only",
                    "product_id": cls.product.id,
                    "damage_level_id": cls.level_minor.id,
                    "line_ids": [(0, 0, {"kind": "part", "product_id": cls.part.id})],
                },
            ]
        )
        cls.lots = cls._create_lots(cls.product, ["SN-SRV-0", "SN-SRV-1", "SN-SRV-2"])
        cls._sell(cls.end_user, cls.product, lots=cls.lots, price=480.0)

    # ---- Helpers --------------------------------------------------------------------

    def _received_repair(self, lot, level):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": "repair",
                    "damage_level_id": level.id,
                    "fault_description": "Does not boot after a power cut",
                }
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        rma.line_ids.write(
            {
                "diagnosis": "Power board burnt: capacitor C12 blown",
                "damage_class": "defect",
            }
        )
        return rma

    def _repaired(self, rma):
        line = rma.line_ids
        line.action_rma_repair_start()
        line.action_rma_repair_end()
        line._rma_qc("pass", "All tests OK: 48 h burn-in")
        rma.action_process()
        return rma.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
        )

    def _render(self, rmas, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        content, _format = Report._render_qweb_html(REPORT, rmas.ids)
        return html.fromstring(content)

    @contextmanager
    def _pdf_without_web_server(self):
        """wkhtmltopdf fetches the report styles from ``report.url``: a port that
        refuses connections makes the PDF render without them, quickly and the same
        way every time (see test_rma_mail_report)."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))  # bound, never listening: refused
            self.env["ir.config_parameter"].set_param(
                "report.url", f"http://127.0.0.1:{sock.getsockname()[1]}"
            )
            yield

    # ---- Tests ----------------------------------------------------------------------

    # wkhtmltopdf warns that it could not fetch the styles (_pdf_without_web_server).
    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_paid_repair_shipped_report_and_mail(self):
        rma = self._received_repair(self.lots[0], self.level)
        line = rma.line_ids
        line.action_rma_quote()
        quote = line.quote_id
        self.assertTrue(quote)
        quote.action_confirm()
        self.assertEqual(line.repair_status, "to_repair")
        picking = self._repaired(rma)
        self.assertEqual(len(picking), 1)
        picking.write(
            {"carrier_id": self.carrier.id, "carrier_tracking_ref": "NX-7781-2290"}
        )
        subject = (
            f"{self.company.name}: your repaired units are on their way "
            f"(Ref {rma.name})"
        )
        with self.mock_mail_gateway(), self._pdf_without_web_server():
            picking.move_ids.picked = True
            picking.with_context(force_report_rendering=True).button_validate()
            self.flush_rma_mails(force_report_rendering=True)  # issue 16
        self.assertEqual(picking.state, "done")
        self.assertEqual(rma.state, "done")

        # The customer got the service report by email; it stays on the RMA.
        message = rma.message_ids.filtered(lambda m: m.subject == subject)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(message.partner_ids, self.end_user)
        self.assertIn("SN-SRV-0", message.body)
        self.assertIn("NX-7781-2290", message.body)
        attachment = message.attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertEqual(
            attachment.name, "Service Report - %s.pdf" % rma.name.replace("/", "_")
        )
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        self.assertEqual(attachment.res_model, "rma.order")
        self.assertEqual(attachment.res_id, rma.id)
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == message)
        self.assertEqual(mail.recipient_ids, self.end_user)
        self.assertEqual(mail.attachment_ids, attachment)

        # The sheet, printed by an RMA user (another user's quote).
        quote.user_id = self.rma_manager
        self.env.invalidate_all()  # what the test read stays out of the check
        part_lot = self.part_lots.filtered(
            lambda lot: lot in line.repair_id.move_ids.move_line_ids.lot_id
        )
        self.assertEqual(len(part_lot), 1)
        entitlement = dict(ENTITLEMENTS)[line.entitlement_kind]
        doc = self._render(rma, user=self.rma_user)
        units = doc.xpath("//div[hasclass('o_rma_service_unit')]")
        self.assertEqual(len(units), 1)
        text = units[0].text_content()
        for expected in (
            "NAS TS-464",
            "SN-SRV-0",
            "Does not boot after a power cut",
            "Power board burnt: capacitor C12 blown",
            "Quality defect",
            "Level 2: moderate",
            entitlement,
            line.repair_id.name,
            "Power Board PB-2",
            part_lot.name,
            "Bench Labour",
            "1.50",
            "Return Courier",
            quote.name,
            "Passed",
            "All tests OK: 48 h burn-in",
            "Nordic Express",
            "NX-7781-2290",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("coverage voided", text)
        self.assertNotIn("Not shipped yet", text)
        part_row = units[0].xpath(".//tr[hasclass('o_rma_service_part')]")
        self.assertEqual(len(part_row), 1)
        self.assertIn(part_lot.name, part_row[0].text_content())
        quote_cell = units[0].xpath(".//td[hasclass('o_rma_service_quote')]")[0]
        self.assertIn(quote.name, quote_cell.text_content())
        tracking_cell = units[0].xpath(".//td[hasclass('o_rma_service_tracking')]")[0]
        self.assertIn("Nordic Express", tracking_cell.text_content())
        self.assertIn("NX-7781-2290", tracking_cell.text_content())

    def test_free_repair_not_shipped(self):
        """A unit repaired in warranty has no quote; before shipping, the sheet says
        so instead of failing."""
        rma = self._received_repair(self.lots[1], self.level_minor)
        line = rma.line_ids
        line._override_entitlement("warranty", "Bought last month")
        line.action_rma_quote()
        self.assertFalse(line.quote_id)
        self.assertEqual(line.repair_id.state, "confirmed")
        # Under repair: no part consumed yet, no quality check.
        line.action_rma_repair_start()
        text = self._render(rma).text_content()
        self.assertIn("Power board burnt: capacitor C12 blown", text)
        self.assertIn("Warranty", text)
        self.assertIn("Free of charge", text)
        self.assertIn("No part replaced.", text)
        self.assertIn("Pending", text)
        self.assertIn("Not shipped yet", text)
        # Repaired and checked, not shipped yet: the part now shows.
        line.action_rma_repair_end()
        line._rma_qc("pass", "Fan noise within spec")
        text = self._render(rma).text_content()
        self.assertIn("Power Board PB-2", text)
        self.assertIn("Fan noise within spec", text)
        self.assertIn("Not shipped yet", text)

    def test_batch_and_rma_without_repair(self):
        """Several RMAs print at once, each on its own page; an RMA without any
        repaired unit prints an empty sheet."""
        repaired = self._received_repair(self.lots[2], self.level)
        repaired.line_ids.action_rma_quote()  # quoted, not accepted yet
        other = self._new_rma(self.end_user, [(self.product_untracked, None, 1.0)])
        doc = self._render(repaired | other)
        pages = doc.xpath("//div[hasclass('page')]")
        self.assertEqual(len(pages), 2)
        self.assertEqual(len(doc.xpath("//div[hasclass('o_rma_service_unit')]")), 1)
        self.assertIn("SN-SRV-2", doc.text_content())
        self.assertIn(repaired.line_ids.quote_id.name, doc.text_content())
        self.assertEqual(len(doc.xpath("//p[hasclass('o_rma_service_empty')]")), 1)
        # The Print menu offers the sheet only to RMAs with repair orders.
        report = self.env.ref(REPORT)
        self.assertEqual(
            report.get_valid_action_reports("rma.order", repaired.ids), report.ids
        )
        self.assertEqual(report.get_valid_action_reports("rma.order", other.ids), [])
