# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestIssue16Indexes(TransactionCase):
    """Lookups the lifecycle makes on every delivery and unit stay indexed."""

    def test_move_line_serial_is_indexed(self):
        self.env.cr.execute(
            """
            SELECT indexdef FROM pg_indexes
             WHERE tablename = 'stock_move_line' AND indexdef ~ '\\(lot_id\\)'
            """
        )
        self.assertTrue(
            self.env.cr.fetchall(),
            "stock_move_line.lot_id has no index: the newest delivery of a serial "
            "scans every move line",
        )

    def test_last_delivery_uses_the_index(self):
        """The plan of the newest-delivery lookup of one serial scans the index,
        not the table (sequential scans disabled so that a tiny table still
        shows which access paths exist)."""
        lot = self.env["stock.lot"].search([], limit=1)
        self.assertTrue(lot, "demo data has serials")
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM stock_move_line WHERE lot_id = %s", (lot.id,)
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertRegex(plan, r"Index Cond: \(lot_id = ", plan)
        self.assertRegex(plan, r"stock_move_line__lot_id_index", plan)
