# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class RmaRateLimit(models.Model):
    """Rate limits that hold across Odoo workers: hits per scope, key and window.

    The counters live in PostgreSQL, so every worker (and every server) of the
    database shares them; a check is one statement. Use it from any model method or
    controller::

        if not env["rma.rate.limit"]._hit("warranty_check", ip, 30, 60):
            ...  # answer HTTP 429

    - ``scope``: what is limited (``"warranty_check"``, ``"code_redeem_user"``,
      ``"code_redeem_ip"``, ``"rma_request"``...). Use one scope per limit: a scope
      always counted with the same ``window_seconds``.
    - ``key``: who is limited (client address, user id...), any value, stored as text.
    - ``limit``: hits allowed per window; ``window_seconds``: length of a window.
      Windows are fixed (aligned on the epoch), not sliding.

    Rows of ended windows are removed by the daily autovacuum.
    """

    _name = "rma.rate.limit"
    _description = "Rate Limit Counter"
    _log_access = False

    scope = fields.Char(required=True, readonly=True)
    key = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(required=True, readonly=True)
    window_end = fields.Datetime(required=True, readonly=True, index=True)
    count = fields.Integer(readonly=True)

    _sql_constraints = [
        (
            "scope_key_window_unique",
            "UNIQUE(scope, key, window_start)",
            "One counter per scope, key and window.",
        ),
    ]

    # ---- Business methods ----

    @api.model
    def _hit(self, scope, key, limit, window_seconds, own_cursor=False):
        """Count one hit of ``key`` in ``scope`` for the current window and
        return True while it is allowed (at most ``limit`` hits in the window,
        this one included), False when it is over the limit. Every hit is
        counted, refused ones too.

        One statement per check (``INSERT ... ON CONFLICT ... DO UPDATE ...
        RETURNING count``) on a unique index, so concurrent workers never lose a
        hit:

        - on a read-write cursor (the default) the hit belongs to the caller's
          transaction: a concurrent hit on the same counter waits for it and
          then fails to serialise, and Odoo retries that request. A caller that
          raises after a refusal or a failure rolls its hit back (a refused
          request form is not a request).
        - with ``own_cursor``, and always on a read-only cursor (a
          ``readonly=True`` route served by a replica, DESIGN §7), the hit is
          written through its own short read-write cursor, committed at once, as
          Odoo's own request dispatch does for its device log: it counts
          whatever the request does next, and holds the counter's row for one
          statement, not for the whole request. That transaction is READ
          COMMITTED, so that hits on one counter (many visitors behind one
          address) wait for each other and never fail to serialise, as they do
          at Odoo's REPEATABLE READ (an ERROR logged and the whole request
          retried, each time). On a read-only cursor the current transaction is
          rolled back first (so call this before reading anything) and the page
          goes on reading.

        Called by the public warranty check (``/warranty/check``) and, through
        ``_hit_all``, code redemption (own cursor: the counter of one address is
        hot); by the portal's requests, serial lookups and extension orders, and
        unit registration (in the transaction).
        The counter rows are written by this statement, not by ``create``: an
        insert-or-increment that the ORM has no call for.
        """
        window_seconds = max(int(window_seconds), 1)
        epoch = int(time.time())
        window_start = datetime.fromtimestamp(
            epoch - epoch % window_seconds, UTC
        ).replace(tzinfo=None)
        query = SQL(
            """
            INSERT INTO rma_rate_limit (scope, key, window_start, window_end, count)
            VALUES (%(scope)s, %(key)s, %(start)s, %(end)s, 1)
            ON CONFLICT (scope, key, window_start)
            DO UPDATE SET count = rma_rate_limit.count + 1
            RETURNING count
            """,
            scope=scope,
            key=str(key),
            start=window_start,
            end=window_start + timedelta(seconds=window_seconds),
        )
        if not (own_cursor or self.env.cr.readonly):
            return self._hit_execute(nullcontext(self.env.cr), query) <= limit
        if self.env.cr.readonly:
            # A test cursor may not open a read-write cursor while a read-only
            # one holds a transaction (odoo.sql_db.TestCursor), nor should a
            # worker.
            self.env.cr.rollback()
        with self.env.registry.cursor(readonly=False) as cr:
            if not self.env.registry.in_test_mode():
                # The first statement of the new transaction; transaction-scoped,
                # so it works behind pgbouncer in transaction pooling. (A test
                # cursor is a savepoint in the test's transaction: no level to
                # set there.)
                cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            return self._hit_execute(nullcontext(cr), query) <= limit

    @api.model
    def _hit_all(self, hits, own_cursor=False):
        """Count every hit of ``hits`` ([(scope, key, limit, window_seconds)], see
        _hit) and return True when all of them are allowed: a refused hit does
        not spare the others their count (per user and per address, say)."""
        allowed = [self._hit(*hit, own_cursor=own_cursor) for hit in hits]
        return all(allowed)

    def _hit_execute(self, cursor_manager, query):
        with cursor_manager as cr:
            cr.execute(query)
            return cr.fetchone()[0]

    @api.autovacuum
    def _gc_ended_windows(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM rma_rate_limit WHERE window_end < %s",
                fields.Datetime.now(),
            )
        )
