# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 15: a request by email is filed with its alias's defaults, never
with values of whoever calls the mail gateway."""

from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCase

from .common import RmaCommon

INCOMING_EMAIL = """Return-Path: <bounce-42@example.org>
To: {to}
Received: by mail1.example.org (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 10 Jan 2025 16:16:39 +0200 (CEST)
Message-ID: {msg_id}
Date: Fri, 10 Jan 2025 14:16:26 +0000
From: {email_from}
MIME-Version: 1.0
Subject: {subject}
Content-Type: text/plain; charset=utf-8

Hello,

My NAS TS-464 does not boot any more since yesterday.

Regards"""


class IntakeMailCommon(RmaCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.company.alias_domain_id = cls.mail_alias_domain
        cls.company.rma_team_id.alias_id.write(
            {"alias_name": "rma-test", "alias_domain_id": cls.mail_alias_domain.id}
        )
        cls.alias_email = "rma-test@test.mycompany.com"
        cls.company_2 = cls.env["res.company"].create({"name": "Other Service Co"})
        cls.company_2.rma_team_id.alias_id.alias_name = "rma-other"
        cls.sent = 0

    def _raw(self, to, email_from, subject="NAS does not boot"):
        type(self).sent += 1
        return self.format(
            INCOMING_EMAIL,
            to=to,
            email_from=email_from,
            subject=subject,
            msg_id=f"<intake.{self.sent}.{id(self)}@example.org>",
        )

    def _process(self, raw, model=False, custom_values=None, user=None, **context):
        # On failure the gateway marks the alias invalid in a separate transaction,
        # which would wait on the alias this test transaction wrote.
        self.patch(
            self.registry["mail.alias"],
            "_alias_bounce_incoming_email",
            lambda alias, *args, **kwargs: None,
        )
        thread = self.env["mail.thread"].with_context(**context)
        if user:
            # An internal user calls the gateway over RPC.
            thread = thread.with_user(user)
        else:
            # sudo: incoming mail is fetched and processed with administrative rights.
            thread = thread.sudo()
        thread_id = thread.message_process(model, raw, custom_values)
        # The acknowledgement goes once the gateway's transaction is committed
        # (issue 16): the queue's cron, run here as it would then.
        self.flush_rma_mails()
        return self.env["rma.order"].browse(thread_id or [])


@tagged("post_install", "-at_install")
class TestIntakeMailCompany(IntakeMailCommon):
    """Item 15: a caller of the gateway cannot choose the request's company."""

    def test_caller_custom_values_do_not_choose_company(self):
        self.assertNotIn(self.company_2, self.rma_user.company_ids)
        raw = self._raw("nobody@elsewhere.example.org", "Erik <erik@example.com>")
        with self.mock_mail_gateway():
            rma = self._process(
                raw,
                model="rma.order",
                custom_values={
                    "company_id": self.company_2.id,
                    "user_id": self.rma_manager.id,
                    "reject_reason": "planted",
                },
                user=self.rma_user,
            )
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.company_id, self.company)
        self.assertEqual(rma.warehouse_id.company_id, self.company)
        self.assertFalse(rma.user_id)
        self.assertFalse(rma.reject_reason)
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.channel, "email")

    def test_gateway_company_is_one_of_the_users(self):
        # The gateway runs message_new as the sender's user (or its own) with
        # administrative rights, where a context's company goes unchecked.
        gateway = (
            self.env["rma.order"]
            .with_user(self.rma_user)
            .sudo()  # sudo: as mail.thread._message_route_process runs it
            .with_context(allowed_company_ids=[self.company_2.id])
        )
        with self.mock_mail_gateway():
            rma = gateway.message_new(
                {"subject": "Broken", "author_id": self.end_user.id},
                {"company_id": self.company_2.id, "channel": "portal"},
            )
        self.assertEqual(rma.company_id, self.company)
        self.assertEqual(rma.channel, "email")

    def test_direct_message_new_ignores_custom_values(self):
        with self.mock_mail_gateway():
            rma = (
                self.env["rma.order"]
                .with_user(self.rma_user)
                .message_new(
                    {"subject": "Broken", "author_id": self.end_user.id},
                    {"company_id": self.company_2.id},
                )
            )
        self.assertEqual(rma.company_id, self.company)

    def test_alias_defaults_still_file_in_alias_company(self):
        with self.mock_mail_gateway():
            rma = self._process(
                self._raw("rma-other@test.mycompany.com", "Erik <erik@example.com>"),
                # A caller's values never beat the alias's own.
                custom_values={"company_id": self.company.id},
            )
        self.assertEqual(rma.company_id, self.company_2)
        self.assertEqual(rma.warehouse_id.company_id, self.company_2)
        self.assertEqual(rma.channel, "email")
