# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from datetime import timedelta

from freezegun import freeze_time

from odoo import api, fields, sql_db
from odoo.tests import HttpCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger

from .common import CommittedCase


def _count(cr, scope, key):
    cr.execute(
        SQL(
            "SELECT COALESCE(SUM(count), 0) FROM rma_rate_limit"
            " WHERE scope = %s AND key = %s",
            scope,
            key,
        )
    )
    return cr.fetchone()[0]


@tagged("post_install", "-at_install")
class TestPortalCheckRateLimit(HttpCase):
    """The counter on a read-write cursor (the caller's transaction) and on a
    read-only one (a ``readonly=True`` route): HttpCase puts the registry in test
    mode, where read-only cursors really refuse writes."""

    def test_read_write_cursor_counts_in_the_transaction(self):
        RateLimit = self.env["rma.rate.limit"]
        self.assertFalse(self.env.cr.readonly)
        results = [RateLimit._hit("test_rw", "10.0.0.1", 2, 60) for _i in range(3)]
        self.assertEqual(results, [True, True, False])
        self.assertEqual(_count(self.env.cr, "test_rw", "10.0.0.1"), 3)
        # Another key and another scope have their own counters.
        self.assertTrue(RateLimit._hit("test_rw", "10.0.0.2", 2, 60))
        self.assertTrue(RateLimit._hit("test_rw_other", "10.0.0.1", 2, 60))

    def test_read_only_cursor_counts_through_its_own_cursor(self):
        with self.env.registry.cursor(readonly=True) as ro_cr:
            self.assertTrue(ro_cr.readonly)
            ro_env = api.Environment(ro_cr, self.env.uid, {})
            # The request cursor itself refuses writes, the counter does not.
            results = [
                ro_env["rma.rate.limit"]._hit("test_ro", "10.0.0.3", 2, 60)
                for _i in range(3)
            ]
            self.assertEqual(results, [True, True, False])
            # The page goes on reading on its read-only cursor.
            self.assertEqual(_count(ro_cr, "test_ro", "10.0.0.3"), 3)
        # Committed by its own cursor: the hits survive the read-only transaction.
        self.assertEqual(_count(self.env.cr, "test_ro", "10.0.0.3"), 3)

    def test_windows_and_autovacuum(self):
        RateLimit = self.env["rma.rate.limit"]
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        with freeze_time(now + timedelta(seconds=5)):
            self.assertTrue(RateLimit._hit("test_window", "k", 1, 60))
            self.assertFalse(RateLimit._hit("test_window", "k", 1, 60))
        with freeze_time(now + timedelta(seconds=65)):
            # A new window starts from zero.
            self.assertTrue(RateLimit._hit("test_window", "k", 1, 60))
        rows = RateLimit.search([("scope", "=", "test_window")])
        self.assertEqual(sorted(rows.mapped("count")), [1, 2])
        self.assertEqual(
            set(rows.mapped("window_start")), {now, now + timedelta(seconds=60)}
        )
        with freeze_time(now + timedelta(seconds=130)):
            RateLimit._gc_ended_windows()
        self.assertEqual(RateLimit.search_count([("scope", "=", "test_window")]), 0)


@tagged("post_install", "-at_install")
class TestPortalCheckRateLimitWorkers(CommittedCase):
    """Two workers, two real committed transactions, one counter row."""

    def setUp(self):
        super().setUp()
        self._cleanup()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL("DELETE FROM rma_rate_limit WHERE scope LIKE %s", "test_workers%")
            )

    def test_two_workers_count_on_one_row(self):
        with self._two_workers() as (cr1, cr2):
            env1, env2 = self._env(cr1), self._env(cr2)
            self.assertTrue(env1["rma.rate.limit"]._hit("test_workers", "ip", 2, 3600))
            cr1.commit()
            self.assertTrue(env2["rma.rate.limit"]._hit("test_workers", "ip", 2, 3600))
            cr2.commit()
            self.assertFalse(env1["rma.rate.limit"]._hit("test_workers", "ip", 2, 3600))
            cr1.commit()
        with self.registry.cursor() as cr:
            self.assertEqual(_count(cr, "test_workers", "ip"), 3)
            cr.execute(
                SQL(
                    "SELECT COUNT(*) FROM rma_rate_limit WHERE scope = %s",
                    "test_workers",
                )
            )
            self.assertEqual(cr.fetchone()[0], 1)

    def _replica_cursor(self):
        # A read-only connection, as Odoo opens on --db_replica_host (which
        # defaults to the primary's parameters).
        return sql_db.db_connect(get_db_name(), readonly=True).cursor()

    def test_replica_worker_waits_for_a_concurrent_hit(self):
        """A worker on a read-only replica cursor hits while another holds the
        row: it waits and counts the second hit (READ COMMITTED: it does not fail
        to serialise, see test_issue16_load)."""
        results = {}
        with self.registry.cursor() as cr1, self._replica_cursor() as ro_cr:
            env1 = self._env(cr1)
            # Built here: the test runner holds the registry lock that a new
            # environment takes in another thread.
            ro_env = self._env(ro_cr)
            # Worker 1 holds the new row, uncommitted.
            results[1] = env1["rma.rate.limit"]._hit("test_workers_ro", "ip", 2, 3600)

            def replica_worker():
                results["readonly"] = ro_cr.readonly
                results[2] = ro_env["rma.rate.limit"]._hit(
                    "test_workers_ro", "ip", 2, 3600
                )
                results["count_seen"] = _count(ro_cr, "test_workers_ro", "ip")

            thread = threading.Thread(target=replica_worker)
            with mute_logger("odoo.sql_db"):
                thread.start()
                thread.join(1)
                self.assertTrue(thread.is_alive(), "worker 2 waits for worker 1")
                cr1.commit()
                thread.join(30)
        self.assertFalse(thread.is_alive())
        self.assertEqual(
            results,
            {1: True, "readonly": True, 2: True, "count_seen": 2},
        )
        with self.registry.cursor() as cr:
            self.assertEqual(_count(cr, "test_workers_ro", "ip"), 2)
