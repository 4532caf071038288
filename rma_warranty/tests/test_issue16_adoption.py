# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 16, adoption at scale: the install backfill computed in the database
gives what the ORM path gives."""

from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..bulk import foreign_keys_deferred
from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestAdoptionBackfill(RmaCommon):
    """``stock.lot._warranty_backfill_sql`` (one statement per batch) against the
    ORM path (``_warranty_standard_vals``, COPY, ``_warranty_write_parties``) on
    the same serials: every column of every period and the owners equal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Component = cls.env["rma.warranty.component"]
        lcd = Component.create({"name": "Adoption LCD"})
        board = Component.create({"name": "Adoption Board"})
        Policy = cls.env["rma.warranty.policy"]
        policy_aio = Policy.create(
            {
                "name": "Adoption AIO",
                "warranty_months": 36,
                "swap_days": 30,
                "max_total_months": 60,
                "component_ids": [
                    Command.create({"component_id": lcd.id, "months": 24}),
                    Command.create({"component_id": board.id, "months": 1}),
                ],
            }
        )
        policy_invoice = Policy.create(
            {"name": "Adoption Invoice", "warranty_months": 1, "start_basis": "invoice"}
        )
        policy_registration = Policy.create(
            {
                "name": "Adoption Registration",
                "warranty_months": 13,
                "start_basis": "registration",
            }
        )
        cls.company.rma_warranty_policy_id = Policy.create(
            {"name": "Adoption Default", "warranty_months": 6, "swap_days": 1}
        )
        category = cls.env["product.category"].create(
            {
                "name": "Adoption Parent",
                "warranty_policy_id": Policy.create(
                    {"name": "Adoption Category", "warranty_months": 18}
                ).id,
            }
        )

        def product(name, **vals):
            return cls.env["product.product"].create(
                dict(
                    name=name,
                    is_storable=True,
                    tracking="serial",
                    invoice_policy="delivery",
                    **vals,
                )
            )

        cls.aio = product("Adoption AIO", warranty_policy_id=policy_aio.id)
        cls.by_invoice = product(
            "Adoption Invoiced", warranty_policy_id=policy_invoice.id
        )
        cls.by_registration = product(
            "Adoption Registered", warranty_policy_id=policy_registration.id
        )
        cls.in_category = product(
            "Adoption In Category",
            categ_id=cls.env["product.category"]
            .create({"name": "Adoption Child", "parent_id": category.id})
            .id,
        )
        cls.plain = product("Adoption Plain")
        Partner = cls.env["res.partner"]
        cls.auckland = Partner.create({"name": "Adoption NZ", "tz": "Pacific/Auckland"})
        cls.los_angeles = Partner.create(
            {"name": "Adoption LA", "tz": "America/Los_Angeles"}
        )
        contact_company = Partner.create({"name": "Adoption Corp", "is_company": True})
        cls.contact = Partner.create(
            {"name": "Adoption Buyer", "parent_id": contact_company.id}
        )
        cls.odd_zones = Partner.create(
            [{"name": "Adoption Mars"}, {"name": "Adoption Lower Case"}]
        )
        # Zones the selection refuses but a database may hold: unknown (dated in
        # UTC) and in the wrong case (pytz finds it all the same).
        cls.env.flush_all()
        for partner, zone in zip(
            cls.odd_zones, ("Mars/Olympus_Mons", "europe/paris"), strict=True
        ):
            cls.env.cr.execute(
                "UPDATE res_partner SET tz = %s WHERE id = %s", (zone, partner.id)
            )
        cls.env.invalidate_all()

    def _sell_at(self, when, partner, product, names, invoice=False):
        lots = self._create_lots(product, names)
        with freeze_time(when):
            self._sell(partner, product, lots=lots, invoice=invoice)
        return lots

    def _world(self):
        lots = self._sell_at(
            "2024-02-28 23:30:00", self.auckland, self.aio, ["AD-LEAP-1", "AD-LEAP-2"]
        )
        lots |= self._sell_at(
            "2025-07-01 03:00:00", self.los_angeles, self.aio, ["AD-LA-1"]
        )
        lots |= self._sell_at("2024-01-31 12:00:00", self.contact, self.aio, ["AD-31"])
        lots |= self._sell_at(
            "2024-03-31 22:00:00", self.odd_zones[0], self.in_category, ["AD-MARS"]
        )
        lots |= self._sell_at(
            "2024-03-31 22:30:00", self.odd_zones[1], self.plain, ["AD-PARIS"]
        )
        lots |= self._sell_at(
            "2024-05-31 10:00:00",
            self.end_user,
            self.by_invoice,
            ["AD-INV-1"],
            invoice=True,
        )
        lots |= self._sell_at(
            "2024-05-31 10:00:00", self.end_user, self.by_invoice, ["AD-INV-0"]
        )
        lots |= self._sell_at(
            "2024-08-30 10:00:00", self.distributor, self.by_registration, ["AD-REG"]
        )
        # Sold twice: the newest delivery counts.
        again = self._sell_at(
            "2023-12-31 23:59:00", self.distributor, self.plain, ["AD-TWICE"]
        )
        # Back from the customer (a core return) before it is sold again.
        self.env["stock.quant"].with_context(
            inventory_mode=True
        )._update_available_quantity(
            self.plain, self.customer_location, -1.0, lot_id=again
        )
        with freeze_time("2025-02-28 09:00:00"):
            self._sell(self.auckland, self.plain, lots=again, invoice=False)
        return lots | again

    def _as_before_install(self, lots):
        """No coverage, no owners: as before rma_warranty was installed."""
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM rma_warranty_coverage WHERE lot_id IN %s", [tuple(lots.ids)]
        )
        self.env.cr.execute(
            "UPDATE stock_lot SET warranty_sold_to_id = NULL, warranty_owner_id = NULL"
            " WHERE id IN %s",
            [tuple(lots.ids)],
        )
        self.env.invalidate_all()

    def _state(self, lots):
        """Every column of the periods (ids aside) and the owners of ``lots``."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT * FROM rma_warranty_coverage WHERE lot_id IN %s "
                "ORDER BY lot_id, component_id NULLS FIRST, id",
                tuple(lots.ids),
            )
        )
        periods = [
            {column: cell for column, cell in row.items() if column != "id"}
            for row in self.env.cr.dictfetchall()
        ]
        self.env.cr.execute(
            SQL(
                "SELECT id, warranty_sold_to_id, warranty_owner_id FROM stock_lot "
                "WHERE id IN %s ORDER BY id",
                tuple(lots.ids),
            )
        )
        return periods, self.env.cr.fetchall()

    def _orm_path(self, lots):
        vals_list, parties = lots._warranty_standard_vals()
        self.env["rma.warranty.coverage"]._backfill_copy_rows(vals_list)
        lots._warranty_write_parties(parties)
        return len({vals["lot_id"] for vals in vals_list})

    def test_sql_backfill_equals_orm_path(self):
        lots = self._world()
        self._as_before_install(lots)
        orm_covered = self._orm_path(lots)
        expected = self._state(lots)
        self._as_before_install(lots)
        covered = self.env["stock.lot"]._warranty_backfill_sql(lots.ids)
        self.assertEqual(covered, orm_covered)
        periods, parties = self._state(lots)
        self.assertEqual(len(periods), len(expected[0]))
        self.assertEqual(periods, expected[0])
        self.assertEqual(parties, expected[1])
        # The edges the world was built for are in it.
        by_name = {lot.name: lot for lot in lots}
        leap = by_name["AD-LEAP-1"].warranty_coverage_ids.filtered(
            lambda p: not p.component_id
        )
        self.assertEqual(str(leap.date_start), "2024-02-29")  # Auckland's date
        self.assertEqual(str(leap.swap_date_end), "2024-03-29")
        invoiced = by_name["AD-INV-1"].warranty_coverage_ids
        self.assertEqual(str(invoiced.date_start), "2024-05-31")
        self.assertEqual(str(invoiced.date_end), "2024-06-30")
        twice = by_name["AD-TWICE"]
        self.assertEqual(twice.warranty_owner_id, self.auckland)
        self.assertEqual(str(twice.warranty_coverage_ids.date_start), "2025-02-28")
        self.assertEqual(
            by_name["AD-31"].warranty_owner_id, self.contact.commercial_partner_id
        )

    def test_backfill_splits_registered_serials_to_the_orm(self):
        lots = self._world()
        registered = lots.filtered(lambda lot: lot.name == "AD-REG")
        self.env["rma.warranty.registration"].create(
            {
                "lot_id": registered.id,
                "partner_id": self.end_user.id,
                "purchase_date": "2024-09-10",
                "date": "2024-09-20",
                "proof_attachment_ids": [
                    Command.create({"name": "receipt.pdf", "raw": b"%PDF-1.4 proof"})
                ],
            }
        )
        self._as_before_install(lots)
        orm_covered = self._orm_path(lots)
        expected = self._state(lots)
        self._as_before_install(lots)
        Lot = self.env["stock.lot"]
        sql_ids, orm_ids = Lot._warranty_backfill_split(lots.ids)
        self.assertEqual(orm_ids, registered.ids)
        self.assertEqual(set(sql_ids), set((lots - registered).ids))
        # Other serials of the database may be waiting too.
        self.assertGreaterEqual(Lot._warranty_backfill(sql_batch_size=3), orm_covered)
        self.assertEqual(self._state(lots), expected)
        # The registration moved the start to the purchase date.
        self.assertEqual(str(registered.warranty_coverage_ids.date_start), "2024-09-10")
        self.assertEqual(registered.warranty_owner_id, self.end_user)
        self.assertEqual(Lot._warranty_backfill(), 0)

    def test_backfill_takes_the_orm_path_when_it_cannot_mirror_it(self):
        lots = self._world()
        Lot = self.env["stock.lot"]
        # A module that overrides how a period is built: the database cannot know.
        with patch.object(
            type(Lot), "_prepare_warranty_coverage_vals", lambda self, *a, **kw: {}
        ):
            self.assertEqual(Lot._warranty_backfill_split(lots.ids), ([], lots.ids))
        # A zone pytz knows and PostgreSQL does not.
        with patch.object(type(Lot), "_warranty_backfill_zones", lambda self: None):
            self.assertEqual(Lot._warranty_backfill_split(lots.ids), ([], lots.ids))
        self.assertEqual(Lot._warranty_backfill_split(lots.ids), (lots.ids, []))

    def _foreign_keys(self, table):
        self.env.cr.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        return self.env.cr.fetchall()

    def test_foreign_keys_come_back_the_same(self):
        """A backfill large enough to defer the foreign keys leaves the keys
        exactly as they were, and the same periods as the ORM path."""
        lots = self._world()
        self._as_before_install(lots)
        self._orm_path(lots)
        expected = self._state(lots)
        self._as_before_install(lots)
        tables = ("rma_warranty_coverage", "stock_lot")
        keys = {table: self._foreign_keys(table) for table in tables}
        self.assertEqual(len(keys["rma_warranty_coverage"]), 12)
        Lot = self.env["stock.lot"]
        with (
            patch.object(type(Lot), "_WARRANTY_BACKFILL_BULK", 1),
            patch(
                "odoo.addons.rma_warranty.models.stock_lot.foreign_keys_deferred",
                wraps=foreign_keys_deferred,
            ) as deferred,
        ):
            Lot._warranty_backfill()
        self.assertEqual(deferred.call_count, 2)
        self.assertEqual({table: self._foreign_keys(table) for table in tables}, keys)
        self.assertEqual(self._state(lots), expected)
        # Only the keys of the columns named are dropped meanwhile.
        with foreign_keys_deferred(
            self.env.cr, "stock_lot", ("warranty_sold_to_id", "warranty_owner_id")
        ):
            names = {name for name, _d in self._foreign_keys("stock_lot")}
            self.assertNotIn("stock_lot_warranty_owner_id_fkey", names)
            self.assertNotIn("stock_lot_warranty_sold_to_id_fkey", names)
            self.assertIn("stock_lot_product_id_fkey", names)
        self.assertEqual(self._foreign_keys("stock_lot"), keys["stock_lot"])
