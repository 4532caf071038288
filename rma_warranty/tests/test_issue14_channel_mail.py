# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, distributor channel: a service form sent by email (SINNEN's "service
sheet"). The serial numbers in its text and in its CSV or XLSX attachments become
units when the sender (or its customers) received them; the others are listed for
staff, never silently dropped, and never said whose they are."""

import io
from email.message import EmailMessage

from odoo.tests import BaseCase, tagged

from .. import service_sheet
from .test_issue11_intake_mail import IntakeMailCommon

try:
    import openpyxl
except ImportError:  # pragma: no cover
    openpyxl = None


@tagged("post_install", "-at_install")
class TestChannelServiceSheet(IntakeMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.distributor.email = "service@nordic-test.example.com"
        cls.rival = Partner.create(
            {
                "name": "Rival Distribution Secret Oy",
                "is_company": True,
                "rma_reseller": True,
            }
        )
        cls.own_lots = cls._create_lots(
            cls.product, ["SHEET-001", "SHEET-002", "SHEET-003"]
        )
        cls._sell(cls.distributor, cls.product, lots=cls.own_lots)
        cls.rival_lot = cls._create_lots(cls.product, ["SHEET-RIVAL-9"])
        cls._sell(cls.rival, cls.product, lots=cls.rival_lot)
        cls.seq = 0

    def _mail(self, body, attachments=(), email_from=None):
        type(self).seq += 1
        message = EmailMessage()
        message["From"] = (
            email_from or "Nordic Service <service@nordic-test.example.com>"
        )
        message["To"] = self.alias_email
        message["Subject"] = "Service sheet"
        message["Message-ID"] = f"<sheet.{self.seq}.{id(self)}@example.org>"
        message.set_content(body)
        for name, content, maintype, subtype in attachments:
            if isinstance(content, str):  # text/<subtype>
                message.add_attachment(content, subtype=subtype, filename=name)
            else:
                message.add_attachment(
                    content, maintype=maintype, subtype=subtype, filename=name
                )
        with self.mock_mail_gateway():
            rma = self._process(message.as_string())
        self.assertEqual(len(rma), 1)
        return rma

    def _xlsx(self, rows):
        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()

    def _notes(self, rma):
        return "\n".join(
            rma.message_ids.filtered(lambda m: m.subtype_id.internal).mapped("body")
        )

    def test_serials_in_the_text(self):
        rma = self._mail(
            "Hello,\nplease repair these units of our customers.\n"
            "Serial: SHEET-001, SHEET-NOPE-42\n"
            "S/N SHEET-RIVAL-9\n"
            "Model TS-464, bought 2025-01-10.\nRegards"
        )
        self.assertEqual(rma.partner_id, self.distributor)
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.line_ids.lot_id, self.own_lots[0])
        self.assertTrue(rma.line_ids.entitlement_kind)  # frozen on submission
        # Unknown and someone else's are listed for staff, without whose.
        unmatched = rma.mail_unmatched_serials
        self.assertIn("SHEET-NOPE-42", unmatched)
        self.assertIn("SHEET-RIVAL-9", unmatched)
        self.assertNotIn("Rival", unmatched)
        self.assertNotIn("TS-464", unmatched)  # not named a serial, matches nothing
        notes = self._notes(rma)
        self.assertIn("SHEET-NOPE-42", notes)
        self.assertIn("SHEET-RIVAL-9", notes)
        self.assertNotIn("Rival", notes)
        # The sender's acknowledgement lists its own unit only.
        ack = rma.message_ids.filtered(
            lambda m: (
                m.message_type == "notification" and "received" in (m.subject or "")
            )
        )
        self.assertEqual(len(ack), 1)
        self.assertIn("SHEET-001", ack.body)
        self.assertNotIn("SHEET-RIVAL-9", ack.body)
        # A distributor sending for its own units: we handle it.
        self.assertEqual((rma.distributor_route, rma.handling), ("filed", "vendor"))

    def test_serials_in_a_csv(self):
        rma = self._mail(
            "Our service sheet is attached.",
            [
                (
                    "service_sheet.csv",
                    (
                        "Product;Serial number;Fault\n"
                        "NAS;SHEET-002;Fan noise\n"
                        "NAS;SHEET-RIVAL-9;Dead\n"
                        "NAS;SHEET-CSV-404;No boot\n"
                    ),
                    "text",
                    "csv",
                ),
            ],
        )
        self.assertEqual(rma.line_ids.lot_id, self.own_lots[1])
        self.assertEqual(rma.line_ids.fault_description, "Fan noise")
        self.assertIn("SHEET-RIVAL-9", rma.mail_unmatched_serials)
        self.assertIn("SHEET-CSV-404", rma.mail_unmatched_serials)

    def test_serials_in_an_xlsx(self):
        if openpyxl is None:
            self.skipTest("openpyxl is not installed: XLSX sheets are not read")
        content = self._xlsx(
            [
                ["S/N", "Problem"],
                ["SHEET-003", "LCD flickers"],
                ["SHEET-001", ""],
                ["SHEET-XLSX-404", "Dead"],
                ["SHEET-RIVAL-9", "Dead"],
            ]
        )
        rma = self._mail(
            "See the sheet.",
            [
                (
                    "sheet.xlsx",
                    content,
                    "application",
                    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            ],
        )
        self.assertEqual(
            set(rma.line_ids.lot_id.mapped("name")), {"SHEET-003", "SHEET-001"}
        )
        line = rma.line_ids.filtered(lambda line: line.lot_id.name == "SHEET-003")
        self.assertEqual(line.fault_description, "LCD flickers")
        self.assertIn("SHEET-XLSX-404", rma.mail_unmatched_serials)
        self.assertIn("SHEET-RIVAL-9", rma.mail_unmatched_serials)

    def test_broken_and_oversized_files_are_said(self):
        big = "Serial\n" + "SHEET-X\n" * (service_sheet.MAX_FILE_BYTES // 8 + 1)
        rma = self._mail(
            "Serial: SHEET-001",
            [
                (
                    "broken.xlsx",
                    b"PK\x03\x04 not a workbook",
                    "application",
                    "octet-stream",
                ),
                ("big.csv", big, "text", "csv"),
            ],
        )
        self.assertEqual(rma.line_ids.lot_id, self.own_lots[0])
        notes = self._notes(rma)
        self.assertIn("broken.xlsx could not be read", notes)
        self.assertIn("big.csv was not read", notes)
        self.assertFalse(rma.mail_unmatched_serials)

    def test_end_user_mails_a_unit_of_its_distributor(self):
        """An end user mailing the serial of a unit a distributor sold: not the
        end user's own (it did not register it), so listed, and the request is
        routed to nobody by the serial."""
        rma = self._mail(
            "My NAS is dead. Serial number: SHEET-002",
            email_from="Erik <erik@example.com>",
        )
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertFalse(rma.line_ids)
        self.assertIn("SHEET-002", rma.mail_unmatched_serials)

    def test_no_serial_no_note(self):
        rma = self._mail("Hello, how do I reset my NAS?")
        self.assertFalse(rma.line_ids)
        self.assertFalse(rma.mail_unmatched_serials)
        self.assertNotIn("serial", self._notes(rma).lower())


@tagged("post_install", "-at_install")
class TestServiceSheetReader(BaseCase):
    """What the reader takes for a serial number, without the database."""

    def test_labelled_and_unlabelled_words(self):
        sheet = service_sheet.read_mail(
            "Order SO0042 of 2025-01-10, 3 units, invoice 123456.\n"
            "Serial: 98765432, AB-12-CD\n"
            "序列号：SN2024X1\n",
            [],
        )
        # Words with letters and digits are candidates (matched, never listed);
        # numbers are serials only where the text names them so.
        self.assertIn("SO0042", sheet.serials)
        self.assertNotIn("2025-01-10", sheet.serials)
        self.assertNotIn("123456", sheet.serials)
        self.assertEqual(sheet.labelled, {"98765432", "AB-12-CD", "SN2024X1"})

    def test_sheet_without_a_serial_header(self):
        sheet = service_sheet.read_mail(
            "", [("units.csv", b"NAS,QN464-1801\nNAS,QN464-1802\n", None)]
        )
        self.assertEqual(list(sheet.serials), ["QN464-1801", "QN464-1802"])
        self.assertFalse(sheet.labelled)

    def test_other_files_are_no_sheets(self):
        sheet = service_sheet.read_mail(
            "", [("photo.jpg", b"\xff\xd8\xff QN464-1801", None)]
        )
        self.assertFalse(sheet.serials)
        self.assertFalse(sheet.problems)

    def test_too_many_serials(self):
        rows = "Serial\n" + "".join(
            f"SN-{index:05d}\n" for index in range(service_sheet.MAX_SERIALS + 10)
        )
        sheet = service_sheet.read_mail("", [("many.csv", rows, None)])
        self.assertEqual(len(sheet.serials), service_sheet.MAX_SERIALS)
        self.assertIn(("", "too_many"), sheet.problems)
