# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import socket
from contextlib import contextmanager

from lxml import html

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import RmaCommon

INCOMING_EMAIL = """Return-Path: <bounce-42@example.org>
To: {to}
cc: {cc}
Received: by mail1.example.org (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 10 Jan 2025 16:16:39 +0200 (CEST)
Message-ID: {msg_id}
Date: Fri, 10 Jan 2025 14:16:26 +0000
From: {email_from}
MIME-Version: 1.0
Subject: {subject}
Content-Type: text/plain; charset=utf-8
{extra}
Hello,

My NAS TS-464 (serial SN-MAIL-0) does not boot any more since yesterday.

Regards"""


@tagged("post_install", "-at_install")
class TestRmaMailReport(RmaCommon, MailCase):
    """Mail at each step of an RMA, requests by email, and the authorisation PDF."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.company.alias_domain_id = cls.mail_alias_domain
        cls.company.rma_team_id.alias_id.write(
            {"alias_name": "rma-test", "alias_domain_id": cls.mail_alias_domain.id}
        )
        cls.lots = cls._create_lots(cls.product, [f"SN-MAIL-{i}" for i in range(4)])
        cls._sell(cls.end_user, cls.product, lots=cls.lots, price=480.0)
        cls.service_address = cls.env["res.partner"].create(
            {
                "name": "Lund Service Centre",
                "street": "Reparationsgatan 7",
                "zip": "22100",
                "city": "Lund",
                "parent_id": cls.company.partner_id.id,
                "type": "delivery",
            }
        )
        cls.warehouse.partner_id = cls.service_address
        cls.mt_comment = cls.env.ref("mail.mt_comment")

    # ---- Helpers --------------------------------------------------------------------

    def _rma(self, lots, resolution=None, partner=None, **vals):
        return self._new_rma(
            partner or self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "resolution": resolution,
                }
                for lot in lots
            ],
            **vals,
        )

    def _assert_customer_mail(self, rma, subject, partner=None):
        """The step's template was posted once as a comment to the customer, and
        emailed to them. Return the message."""
        self.flush_rma_mails()  # the emails are deferred (issue 16)
        partner = partner or self.end_user
        message = rma.message_ids.filtered(lambda m: m.subject == subject)
        self.assertEqual(len(message), 1, f"one message {subject!r}")
        self.assertEqual(message.subtype_id, self.mt_comment)
        self.assertEqual(message.partner_ids, partner)
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == message)
        self.assertEqual(mail.recipient_ids, partner)
        self.assertEqual(mail.subject, subject)
        return message

    @contextmanager
    def _pdf_without_web_server(self):
        """wkhtmltopdf fetches the report styles from ``report.url``. During tests
        the server may be absent, or unable to answer while the test holds the
        registry: a port that refuses connections makes the PDF render without
        the styles, quickly and the same way every time."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))  # bound, never listening: refused
            self.env["ir.config_parameter"].set_param(
                "report.url", f"http://127.0.0.1:{sock.getsockname()[1]}"
            )
            yield

    def _process_email(self, to, email_from, subject="NAS does not boot"):
        mail = self.format(
            INCOMING_EMAIL,
            to=to,
            email_from=email_from,
            subject=subject,
            msg_id=f"<{subject.replace(' ', '.')}.{to}@example.org>",
        )
        # On failure the gateway marks the alias invalid in a separate transaction,
        # which would wait forever on the alias this test transaction wrote: let the
        # error reach the test instead.
        self.patch(
            self.registry["mail.alias"],
            "_alias_bounce_incoming_email",
            lambda alias, *args, **kwargs: None,
        )
        # Incoming mail is fetched and processed with administrative rights.
        thread_id = self.env["mail.thread"].sudo().message_process(False, mail)
        # The acknowledgement goes once the gateway's transaction is committed
        # (issue 16): the queue's cron, run here as it would then.
        self.flush_rma_mails()
        return self.env["rma.order"].browse(thread_id)

    # ---- One template per step ------------------------------------------------------

    # wkhtmltopdf warns that it could not fetch the styles (_pdf_without_web_server).
    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_each_step_mails_the_customer(self):
        rma = self._rma(self.lots[:2])
        rma.line_ids[0].resolution = "refund"
        rma.line_ids[1].resolution = "scrap"
        company = self.company.name
        with self.mock_mail_gateway():
            rma.with_user(self.rma_user).action_submit()
            request_ref = rma.name
            self._assert_customer_mail(
                rma, f"{company}: return request received (Ref {request_ref})"
            )

            with self._pdf_without_web_server():
                rma.with_user(self.rma_user).with_context(
                    force_report_rendering=True
                ).action_approve()
                self.flush_rma_mails(force_report_rendering=True)
            approved = self._assert_customer_mail(
                rma,
                f"{company}: return authorised, shipping instructions (Ref {rma.name})",
            )
            self.assertIn("Reparationsgatan 7", approved.body)
            self.assertIn(rma.name, approved.body)
            attachment = approved.attachment_ids
            self.assertEqual(len(attachment), 1)
            self.assertEqual(
                attachment.name,
                "RMA Authorisation - %s.pdf" % rma.name.replace("/", "_"),
            )
            self.assertEqual(attachment.mimetype, "application/pdf")
            self.assertTrue(attachment.raw.startswith(b"%PDF"))
            mail = self._new_mails.filtered(lambda m: m.mail_message_id == approved)
            self.assertEqual(mail.attachment_ids, attachment)

            line_a, line_b = rma.line_ids
            self._receive(rma, {line_a: 1.0, line_b: 0.0})
            self.assertEqual(rma.state, "approved")
            self.assertFalse(
                rma.message_ids.filtered(lambda m: "arrived" in (m.subject or "")),
                "no received mail while a unit is still expected",
            )
            self._receive(rma)
            self.assertEqual(rma.state, "received")
            received = self._assert_customer_mail(
                rma, f"{company}: your units have arrived (Ref {rma.name})"
            )
            self.assertIn("SN-MAIL-0", received.body)
            self.assertIn("SN-MAIL-1", received.body)

            # Credit notes need invoicing rights on top of the RMA ones; the RMA is
            # done (and the customer told) once the credit note is posted.
            rma.with_user(self.rma_manager).action_process()
            self.assertEqual(rma.state, "in_progress")
            rma.refund_ids.with_user(self.rma_manager).action_post()
            self.assertEqual(rma.state, "done")
            done = self._assert_customer_mail(
                rma, f"{company}: return completed (Ref {rma.name})"
            )
            self.assertIn("Refund", done.body)
            self.assertIn("credit note", done.body)
            self.assertIn("Scrap", done.body)

    def test_batch_posts_one_mail_per_rma(self):
        other = self.env["res.partner"].create(
            {"name": "Olga Other", "email": "olga@example.com"}
        )
        first = self._rma(self.lots[:1])
        second = self._rma(self.lots[1:2], partner=other)
        with self.mock_mail_gateway():
            (first | second).with_user(self.rma_user).action_submit()
            self.flush_rma_mails()  # issue 16: the emails are deferred
        company = self.company.name
        for rma, partner in ((first, self.end_user), (second, other)):
            message = self._assert_customer_mail(
                rma, f"{company}: return request received (Ref {rma.name})", partner
            )
            self.assertIn(partner.name, message.body)
            self.assertIn(rma.name, message.body)

    def test_rejection_mails_the_reason(self):
        rma = self._rma(self.lots[:1])
        with self.mock_mail_gateway():
            rma.with_user(self.rma_user).action_submit()
            wizard = Form(
                self.env["rma.order.reject"]
                .with_user(self.rma_user)
                .with_context(default_order_ids=rma.ids)
            )
            wizard.reason = "Housing damage caused by a fall: not covered."
            wizard.save().action_reject()
            self.flush_rma_mails()  # issue 16: the emails are deferred
        message = self._assert_customer_mail(
            rma, f"{self.company.name}: return request not accepted (Ref {rma.name})"
        )
        self.assertIn("Housing damage caused by a fall: not covered.", message.body)
        self.assertFalse(message.attachment_ids)

    def test_customer_without_email_gets_no_mail(self):
        partner = self.env["res.partner"].create({"name": "No Email Customer"})
        rma = self._rma(self.lots[2:3], partner=partner)
        with self.mock_mail_gateway():
            rma.action_submit()
        self.assertEqual(rma.state, "submitted")
        self.assertFalse(rma.message_ids.filtered("subject"))
        self.assertFalse(self._new_mails)

    # ---- Requests by email ----------------------------------------------------------

    def test_company_alias_created_with_company(self):
        # Teams (issue 17): the alias is the company's default team's.
        team = self.company.rma_team_id
        alias = team.alias_id
        self.assertEqual(team.company_id, self.company)
        self.assertEqual(alias.alias_model_id.model, "rma.order")
        self.assertEqual(
            alias.alias_defaults,
            repr(
                {"team_id": team.id, "company_id": self.company.id, "channel": "email"}
            ),
        )
        self.assertEqual(alias.alias_parent_model_id.model, "rma.team")
        self.assertEqual(alias.alias_parent_thread_id, team.id)
        domain = self.env["mail.alias.domain"].create({"name": "repairs.example.com"})
        companies = self.env["res.company"].create(
            [
                {"name": "Nordic Repairs AB", "alias_domain_id": domain.id},
                {"name": "Baltic Repairs (OÜ)", "alias_domain_id": domain.id},
            ]
        )
        self.assertEqual(len(companies.rma_team_id), 2)
        first, second = companies.rma_team_id.alias_id
        self.assertEqual(len(companies.rma_team_id.alias_id), 2)
        self.assertEqual(first.alias_domain_id, domain)
        self.assertEqual(second.alias_domain_id, domain)
        # One address per company in the shared domain: "rma", then a named one.
        self.assertEqual(first.alias_name, "rma")
        self.assertEqual(second.alias_name, "rma-baltic-repairs-ou")
        self.assertEqual(companies[0].rma_team_id.alias_id, first)
        self.assertEqual(companies[1].rma_team_id.company_id, companies[1])
        self.assertEqual(
            second.alias_defaults,
            repr(
                {
                    "team_id": companies[1].rma_team_id.id,
                    "company_id": companies[1].id,
                    "channel": "email",
                }
            ),
        )
        # Installing again (post_init_hook) leaves existing teams alone.
        teams = companies.rma_team_id
        companies._rma_create_teams()
        self.assertEqual(companies.rma_team_id, teams)
        self.assertEqual(companies.rma_team_id.alias_id, first | second)

    def test_alias_editable_in_settings(self):
        domain_2 = self.env["mail.alias.domain"].create({"name": "service.example.com"})
        settings = self.env["res.config.settings"].create(
            {"rma_alias_name": "Returns Desk", "rma_alias_domain_id": domain_2.id}
        )
        settings.execute()
        alias = self.company.rma_team_id.alias_id
        self.assertEqual(alias.alias_name, "returns-desk")
        self.assertEqual(alias.alias_domain_id, domain_2)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.rma_alias_name, "returns-desk")
        self.assertEqual(settings.rma_alias_domain_id, domain_2)

    def test_email_from_known_customer_is_submitted_request(self):
        with self.mock_mail_gateway():
            rma = self._process_email(
                "rma-test@test.mycompany.com", "Erik End User <erik@example.com>"
            )
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.channel, "email")
        self.assertEqual(rma.company_id, self.company)
        self.assertEqual(rma.warehouse_id.company_id, self.company)
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertTrue(rma.is_request_ref)
        self.assertTrue(rma.name.startswith("REQ/"), rma.name)
        self.assertTrue(rma.date_submitted)
        self.assertFalse(rma.user_id, "the gateway user is not made responsible")
        self.assertIn("NAS does not boot", rma.description)
        self.assertIn("does not boot any more", rma.description)
        incoming = rma.message_ids.filtered(lambda m: m.subject == "NAS does not boot")
        self.assertEqual(incoming.author_id, self.end_user)
        self._assert_customer_mail(
            rma, f"{self.company.name}: return request received (Ref {rma.name})"
        )

    def test_email_from_unknown_sender_creates_contact(self):
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "nina@example.org")])
        )
        with self.mock_mail_gateway():
            rma = self._process_email(
                "rma-test@test.mycompany.com", "Nina Newcomer <nina@example.org>"
            )
        partner = rma.partner_id
        # Named after the address: the display name is whatever the sender wrote,
        # and the acknowledgement would mail it back (issue 11, item 16).
        self.assertEqual(partner.name, "nina@example.org")
        self.assertEqual(partner.email, "nina@example.org")
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.channel, "email")
        incoming = rma.message_ids.filtered(lambda m: m.subject == "NAS does not boot")
        self.assertEqual(incoming.author_id, partner)
        self._assert_customer_mail(
            rma,
            f"{self.company.name}: return request received (Ref {rma.name})",
            partner,
        )

    def test_email_to_other_company_alias(self):
        company_2 = self.env["res.company"].create({"name": "Service Company Two"})
        company_2.rma_team_id.alias_id.alias_name = "rma-two"
        with self.mock_mail_gateway():
            rma = self._process_email(
                "rma-two@test.mycompany.com", "Erik End User <erik@example.com>"
            )
        self.assertEqual(rma.company_id, company_2)
        self.assertEqual(rma.warehouse_id.company_id, company_2)
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertEqual(rma.state, "submitted")
        self.assertTrue(rma.name.startswith("REQ/"), rma.name)

    # ---- Authorisation report -------------------------------------------------------

    def _approved(self, lots):
        rma = self._rma(lots)
        rma.line_ids.fault_description = "Does not boot"
        rma.with_user(self.rma_user).action_submit()
        rma.with_user(self.rma_user).action_approve()
        return rma

    # wkhtmltopdf warns that it could not fetch the styles (_pdf_without_web_server).
    @mute_logger("odoo.addons.base.models.ir_actions_report")
    def test_authorisation_pdf_renders(self):
        rma = self._approved(self.lots[:1])
        with self._pdf_without_web_server():
            content, report_format = (
                self.env["ir.actions.report"]
                .with_user(self.rma_user)
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("rma_warranty.action_report_rma_order", rma.ids)
            )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))

    def test_authorisation_content(self):
        rma = self._approved(self.lots[:2])
        content, _format = (
            self.env["ir.actions.report"]
            .with_user(self.rma_user)
            ._render_qweb_html("rma_warranty.action_report_rma_order", rma.ids)
        )
        doc = html.fromstring(content)
        number = doc.xpath("//div[hasclass('o_rma_number')]")
        self.assertEqual(number[0].text_content().strip(), rma.name)
        ship_to = doc.xpath("//div[hasclass('o_rma_service_centre')]")[0]
        self.assertIn("Reparationsgatan 7", ship_to.text_content())
        self.assertIn("Lund", ship_to.text_content())
        barcode = doc.xpath("//div[hasclass('o_rma_barcode')]//img")[0]
        self.assertTrue(barcode.get("src").startswith("data:image/png;base64,"))
        self.assertEqual(barcode.get("alt"), f"Barcode {rma.name}")
        text = doc.text_content()
        for expected in ("SN-MAIL-0", "SN-MAIL-1", "Does not boot", "NAS TS-464"):
            self.assertIn(expected, text)
        self.assertIn("Erik End User", text)

    def test_authorisation_falls_back_to_company_address(self):
        self.warehouse.partner_id = False
        self.company.partner_id.street = "Huvudvägen 1"
        rma = self._approved(self.lots[:1])
        content, _format = self.env["ir.actions.report"]._render_qweb_html(
            "rma_warranty.action_report_rma_order", rma.ids
        )
        ship_to = html.fromstring(content).xpath(
            "//div[hasclass('o_rma_service_centre')]"
        )[0]
        self.assertIn("Huvudvägen 1", ship_to.text_content())

    def test_request_without_number_is_not_printable(self):
        report = self.env.ref("rma_warranty.action_report_rma_order")
        request = self._rma(self.lots[:1])
        request.action_submit()
        with self.assertRaisesRegex(UserError, "No RMA authorisation can be printed"):
            self.env["ir.actions.report"].with_user(self.rma_user)._render_qweb_pdf(
                "rma_warranty.action_report_rma_order", request.ids
            )
        # The Print menu does not offer it either.
        self.assertEqual(report.get_valid_action_reports("rma.order", request.ids), [])
        rma = self._approved(self.lots[1:2])
        self.assertEqual(
            report.get_valid_action_reports("rma.order", rma.ids), report.ids
        )
        # A cancelled RMA's authorisation is void.
        rma.action_cancel()
        with self.assertRaisesRegex(UserError, "No RMA authorisation can be printed"):
            self.env["ir.actions.report"]._render_qweb_html(
                "rma_warranty.action_report_rma_order", rma.ids
            )
