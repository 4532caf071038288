# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 16: the RMA alias answers a sender a few times an hour, and
never with the name the sender wrote."""

import sys
import threading
import traceback
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..models import rma_order as rma_order_module
from .common import CommittedCase
from .test_issue11_intake_mail import IntakeMailCommon


@tagged("post_install", "-at_install")
class TestIntakeMailThrottle(IntakeMailCommon):
    """Item 16: per sender and hour, then no request and no reply; no raw name."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.mail_requests_per_hour", "2"
        )

    def _requests_from(self, address):
        return self.env["rma.order"].search(
            [("partner_id.email_normalized", "=", address)]
        )

    def test_sender_over_limit_gets_no_request_and_no_reply(self):
        senders = [
            "Nina <nina@example.org>",
            "nina@example.org",
            "Someone Else <NINA@Example.org>",
        ]
        with self.mock_mail_gateway():
            first = self._process(self._raw(self.alias_email, senders[0]))
            second = self._process(self._raw(self.alias_email, senders[1]))
        self.assertTrue(first)
        self.assertTrue(second)
        self.assertEqual(len(self._new_mails), 2, "one acknowledgement each")
        with (
            self.mock_mail_gateway(),
            patch.object(rma_order_module, "_logger", create=True) as logger,
        ):
            third = self._process(self._raw(self.alias_email, senders[2]))
        self.assertFalse(third)
        self.assertFalse(self._new_mails, "no reply over the limit")
        self.assertEqual(len(self._requests_from("nina@example.org")), 2)
        logger.info.assert_called_once()
        self.assertEqual(logger.info.call_args.args[1:], ("nina@example.org", 3, 2))
        # Another sender is not held back.
        with self.mock_mail_gateway():
            other = self._process(self._raw(self.alias_email, "olga@example.org"))
        self.assertTrue(other)
        # Next hour, the sender is heard again.
        with (
            freeze_time(fields.Datetime.now() + timedelta(hours=1)),
            self.mock_mail_gateway(),
        ):
            later = self._process(self._raw(self.alias_email, senders[1]))
        self.assertTrue(later)

    def test_limit_zero_means_no_limit(self):
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.mail_requests_per_hour", "0"
        )
        for _i in range(4):
            self._process(self._raw(self.alias_email, "bulk@example.org"))
        self.assertEqual(len(self._requests_from("bulk@example.org")), 4)

    def test_sender_allowed_on_gateway_is_not_limited(self):
        self.env["mail.gateway.allowed"].create({"email": "Partner@Example.org"})
        for _i in range(3):
            self._process(self._raw(self.alias_email, "partner@example.org"))
        self.assertEqual(len(self._requests_from("partner@example.org")), 3)

    def test_reply_does_not_echo_sender_display_name(self):
        spam = "Cheap watches at http://spam.example.net"
        with self.mock_mail_gateway():
            rma = self._process(
                self._raw(self.alias_email, f'"{spam}" <target@example.org>')
            )
        self.assertEqual(rma.partner_id.email, "target@example.org")
        self.assertNotIn("spam.example", rma.partner_id.name)
        self.assertEqual(len(self._new_mails), 1)
        mail = self._new_mails
        self.assertEqual(mail.recipient_ids, rma.partner_id)
        for text in (mail.subject, mail.body_html, mail.email_to or ""):
            self.assertNotIn("spam.example", text)
            self.assertNotIn("watches", text)


@tagged("post_install", "-at_install")
class TestIntakeThrottleConcurrency(CommittedCase):
    """Item 16: the count lives in PostgreSQL, so two workers share it."""

    SENDER = "two-workers@example.org"

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL("DELETE FROM rma_mail_throttle WHERE email = %s", self.SENDER)
            )

    def test_two_workers_count_on_one_row(self):
        self.addCleanup(self._cleanup)
        counts = {}

        # Environments are made here: the test runner holds the registry's lock.
        with self.registry.cursor() as cr_1, self.registry.cursor() as cr_2:
            env_1, env_2 = self._env(cr_1), self._env(cr_2)

            def second_worker():
                try:
                    counts[2] = env_2["rma.mail.throttle"]._hit(self.SENDER)
                except SerializationFailure:
                    # Odoo retries the request (XML-RPC, mailgate, cron) in a new
                    # transaction, as odoo.service.model.retrying does.
                    counts["retried"] = True
                    cr_2.rollback()
                    counts[2] = env_2["rma.mail.throttle"]._hit(self.SENDER)
                cr_2.commit()

            worker = threading.Thread(target=second_worker)
            counts[1] = env_1["rma.mail.throttle"]._hit(self.SENDER)
            with mute_logger("odoo.sql_db"):  # the failed statement, retried
                worker.start()
                worker.join(timeout=1)
                # The second worker waits for the first one's row...
                self.assertTrue(worker.is_alive())
                self.assertNotIn(2, counts)
                cr_1.commit()
                # ... and counts on it once the first committed.
                worker.join(timeout=60)
            self.assertFalse(
                worker.is_alive(),
                "".join(
                    traceback.format_stack(sys._current_frames().get(worker.ident))
                ),
            )
        # Under REPEATABLE READ the second transaction cannot count on a row
        # committed after it started: it fails and is retried, never loses a hit.
        self.assertEqual(counts, {1: 1, 2: 2, "retried": True})
