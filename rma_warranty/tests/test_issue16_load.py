# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 16, the load run: what it found on the counters of one client address."""

import threading
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestIssue16RateLimitHotCounter(CommittedCase):
    """Many visitors behind one address (the load run's 127.0.0.1, a company's
    NAT, a proxy) count on one row. A hit through its own cursor (the public
    check, code redemption) waits for a concurrent one and counts after it: it
    never fails to serialise, which at Odoo's REPEATABLE READ logs an ERROR
    ("could not serialize access due to concurrent update") and makes the whole
    request start again, each time."""

    def setUp(self):
        super().setUp()
        self._cleanup()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL("DELETE FROM rma_rate_limit WHERE scope LIKE %s", "test_hot%")
            )

    def _count(self, scope):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT COALESCE(SUM(count), 0) FROM rma_rate_limit "
                    "WHERE scope = %s",
                    scope,
                )
            )
            return cr.fetchone()[0]

    def _race(self, scope, **kwargs):
        """Worker 1 holds a hit on the counter, uncommitted; worker 2 hits the
        same counter meanwhile: what worker 2's hit returned."""
        results = {}
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            self.assertTrue(env1["rma.rate.limit"]._hit(scope, "ip", 5, 3600))

            def worker_2():
                results["allowed"] = env2["rma.rate.limit"]._hit(
                    scope, "ip", 5, 3600, **kwargs
                )

            thread = threading.Thread(target=worker_2)
            with self.assertNoLogs("odoo.sql_db", level="ERROR"):
                thread.start()
                thread.join(1)
                self.assertTrue(thread.is_alive(), "worker 2 waits for the row")
                cr1.commit()
                thread.join(30)
            self.assertFalse(thread.is_alive())
        return results

    def test_own_cursor_waits_and_counts_without_failing(self):
        self.assertEqual(self._race("test_hot_own", own_cursor=True), {"allowed": True})
        self.assertEqual(self._count("test_hot_own"), 2)

    def test_hits_through_own_cursors_are_committed_at_once(self):
        """Committed before the transaction that made them ends (here: rolled
        back)."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["rma.rate.limit"]._hit_all(
                [("test_hot_all", "user", 5, 3600), ("test_hot_all", "ip", 5, 3600)],
                own_cursor=True,
            )
            cr.rollback()
        self.assertEqual(self._count("test_hot_all"), 2)


@tagged("post_install", "-at_install")
class TestIssue16HotCountersOwnCursor(HttpCase):
    """The public check and code redemption count on their own cursor."""

    def _spy(self):
        RateLimit = self.registry["rma.rate.limit"]
        original = RateLimit._hit
        calls = []

        def spy(model, scope, *args, **kwargs):
            calls.append((scope, kwargs.get("own_cursor")))
            return original(model, scope, *args, **kwargs)

        return calls, patch.object(RateLimit, "_hit", spy)

    def test_public_check(self):
        calls, spying = self._spy()
        with spying:
            response = self.url_open("/warranty/check?serial=NO-SUCH-SERIAL")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(calls, [("warranty_check", True)])

    def test_code_redemption(self):
        lot = self.env["stock.lot"].search([], limit=1)
        calls, spying = self._spy()
        with spying, self.assertRaises(UserError):
            self.env["rma.warranty.code"]._portal_redeem(
                lot.sudo(), "NO-SUCH-CODE", "192.0.2.1"
            )
        self.assertEqual(calls, [("code_redeem_user", True), ("code_redeem_ip", True)])
