# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bulk loads of the install backfill (issue 16)."""

import contextlib

from odoo.tools import SQL


@contextlib.contextmanager
def foreign_keys_deferred(cr, table, columns=None):
    """Drop the foreign keys of ``table`` (of ``columns`` only, when given) for
    the time of a bulk load, then add them back with their own names and
    definitions, each checked once over the whole table: what PostgreSQL advises
    for populating a table ("Remove Foreign Key Constraints"). Checked row by
    row, they take most of the time of writing millions of coverage periods.

    For the install backfill only (``stock.lot._warranty_backfill``): the drop
    takes an exclusive lock on ``table`` and adding the keys back a share lock
    on the tables they point at, both until the transaction ends. If anything
    fails in between, the rollback restores the keys as they were.
    ``TestAdoptionBackfill.test_foreign_keys_come_back_the_same`` checks that
    the keys afterwards are the keys before.
    """
    cr.execute(
        SQL(
            """
        SELECT con.conname, pg_get_constraintdef(con.oid)
          FROM pg_constraint con
         WHERE con.conrelid = %s::regclass AND con.contype = 'f'
           AND (%s::text[] IS NULL OR (
                SELECT array_agg(att.attname::text) FROM pg_attribute att
                 WHERE att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
               ) <@ %s::text[])
      ORDER BY con.conname
            """,
            table,
            list(columns) if columns else None,
            list(columns) if columns else None,
        )
    )
    keys = cr.fetchall()
    for name, _definition in keys:
        cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT %s",
                SQL.identifier(table),
                SQL.identifier(name),
            )
        )
    yield
    for name, definition in keys:
        # The definition is PostgreSQL's own text of the key it had.
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD CONSTRAINT %s %s",
                SQL.identifier(table),
                SQL.identifier(name),
                SQL(definition.replace("%", "%%")),
            )
        )
