# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14: complaints by email to the company's complaints alias: a known
sender, an unknown one, the alias's company, and the per-sender limit shared with
requests by email."""

from odoo.tests import tagged

from .test_issue11_intake_mail import IntakeMailCommon


@tagged("post_install", "-at_install")
class TestIssue14ComplaintMail(IntakeMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.rma_complaint_alias_id.write(
            {
                "alias_name": "complaints-test",
                "alias_domain_id": cls.mail_alias_domain.id,
            }
        )
        cls.complaints_email = "complaints-test@test.mycompany.com"
        cls.company.rma_complaint_user_id = cls.rma_user

    def _complaints_from(self, address):
        return self.env["rma.complaint"].search(
            [("partner_id.email_normalized", "=", address)]
        )

    def test_known_sender(self):
        known = self.env["res.partner"].create(
            {"name": "Kim Known", "email": "kim@example.org"}
        )
        with self.mock_mail_gateway():
            self._process(
                self._raw(
                    self.complaints_email,
                    "Kim <kim@example.org>",
                    subject="Your courier broke my parcel",
                )
            )
        complaint = self._complaints_from("kim@example.org")
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, known)
        self.assertEqual(complaint.channel, "email")
        self.assertEqual(complaint.company_id, self.company)
        self.assertEqual(complaint.state, "new")
        self.assertIn("Your courier broke my parcel", complaint.description)
        self.assertIn("does not boot", complaint.description)
        self.assertTrue(complaint.name.startswith("CMP/"))
        self.assertEqual(complaint.user_id, self.rma_user)
        self.assertTrue(complaint.activity_ids)
        # Its acknowledgement, with the reference, to the sender.
        acks = [
            mail
            for mail in self._new_mails
            if mail.recipient_ids == known
            and "we received your complaint" in (mail.subject or "")
        ]
        self.assertEqual(len(acks), 1)
        self.assertIn(complaint.name, acks[0].subject)
        self.assertFalse(self.env["rma.order"].search([("partner_id", "=", known.id)]))

    def test_unknown_sender_gets_a_contact(self):
        with self.mock_mail_gateway():
            self._process(
                self._raw(self.complaints_email, "Mallory Boss <new.one@example.org>")
            )
        complaint = self._complaints_from("new.one@example.org")
        self.assertEqual(len(complaint), 1)
        # Named after the address alone, never after what the sender wrote.
        self.assertNotIn("Mallory", complaint.partner_id.name)

    def test_caller_cannot_choose_company(self):
        with self.mock_mail_gateway():
            self._process(
                self._raw(self.complaints_email, "olaf@example.org"),
                model="rma.complaint",
                custom_values={"company_id": self.company_2.id, "state": "closed"},
            )
        complaint = self._complaints_from("olaf@example.org")
        self.assertEqual(complaint.company_id, self.company)
        self.assertEqual(complaint.state, "new")

    def test_rate_limit_per_sender(self):
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.mail_requests_per_hour", "2"
        )
        with self.mock_mail_gateway():
            for _i in range(3):
                self._process(self._raw(self.complaints_email, "spam@example.org"))
        self.assertEqual(len(self._complaints_from("spam@example.org")), 2)
        # Another sender still files.
        with self.mock_mail_gateway():
            self._process(self._raw(self.complaints_email, "fine@example.org"))
        self.assertEqual(len(self._complaints_from("fine@example.org")), 1)
