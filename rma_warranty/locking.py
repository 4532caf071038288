# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Row locks of the exactly-once actions (approvals, quotes, invoices, extensions)."""

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.tools import SQL


def lock_rows_nowait(records, message):
    """Lock the rows of ``records`` for this transaction, or fail at once.

    A concurrent transaction holding the lock, or having changed a row since this
    one started (repeatable read), makes this one raise ``UserError(message())``
    instead of acting a second time on a state it did not see. The lock is taken in
    a savepoint so that a refused lock leaves the transaction usable.
    ``message`` is a callable: the text is only built when the lock is refused.
    """
    if not records:
        return records
    try:
        with records.env.cr.savepoint(flush=False):
            records.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                ),
                log_exceptions=False,  # contention is expected, not an error
            )
    except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure) as exc:
        raise UserError(message()) from exc
    return records
