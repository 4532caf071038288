# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 15: warranty upgrade on registration (SolaX: 5 -> 10 years once the
device is registered within the grace period)."""

import datetime
from unittest.mock import patch
from urllib.parse import urlencode

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import format_date

from ..models.rma_warranty_coverage import Period, Void, period_end
from .common import RmaCommon

D = datetime.date
DAY = datetime.timedelta(days=1)
REPORT = "rma_warranty.action_report_warranty_certificate"


class UpgradeCommon(RmaCommon):
    """A SolaX-like inverter policy: 5 years, 10 when registered within 90 days
    of the purchase; the relay 2 years, 3 when registered; the display 1 year,
    with no upgrade of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Component = cls.env["rma.warranty.component"]
        cls.relay = Component.create({"name": "Upg Relay"})
        cls.display = Component.create({"name": "Upg Display"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Upg Inverter",
                "warranty_months": 60,
                "registration_upgrade_months": 60,
                "registration_grace_days": 90,
                "max_total_months": 120,
                "component_ids": [
                    Command.create(
                        {
                            "component_id": cls.relay.id,
                            "months": 24,
                            "upgrade_months": 12,
                        }
                    ),
                    Command.create({"component_id": cls.display.id, "months": 12}),
                ],
            }
        )
        cls.product.write(
            {"name": "Upg Hybrid Inverter", "warranty_policy_id": cls.policy.id}
        )

    @classmethod
    def _sell_at(cls, when, partner, names):
        lots = cls._create_lots(cls.product, names)
        with freeze_time(when):
            cls._sell(partner, cls.product, lots=lots, invoice=False)
        return lots

    def _register(self, lots, purchase, registered, partner=None):
        proof = self.env["ir.attachment"].create(
            {"name": "receipt.pdf", "raw": b"%PDF-1.4 receipt"}
        )
        Registration = self.env["rma.warranty.registration"]
        with freeze_time(registered):
            return Registration.create(
                [
                    Registration._prepare_register_vals(
                        lot, partner or self.end_user, purchase, proof
                    )
                    for lot in lots
                ]
            )

    def _periods(self, lot):
        return {
            (p.kind, p.component_id.name or None): (p.date_start, p.date_end)
            for p in lot.warranty_coverage_ids
        }


@tagged("post_install", "-at_install")
class TestIssue15Upgrade(UpgradeCommon):
    """The periods a registration gives, their origin, the entitlement they make
    and their removal."""

    def test_registration_within_grace_upgrades_unit_and_components(self):
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-1"])
        # Not registered: the standard terms only.
        self.assertEqual(
            set(self._periods(lot)),
            {
                ("standard", None),
                ("standard", "Upg Relay"),
                ("standard", "Upg Display"),
            },
        )
        registration = self._register(lot, D(2025, 2, 1), "2025-04-15")
        start = D(2025, 1, 6)  # delivery start basis: the registration upgrades only
        self.assertEqual(
            self._periods(lot),
            {
                ("standard", None): (start, period_end(start, 60)),
                ("standard", "Upg Relay"): (start, period_end(start, 24)),
                ("standard", "Upg Display"): (start, period_end(start, 12)),
                ("upgrade", None): (
                    period_end(start, 60) + DAY,
                    period_end(start, 120),
                ),
                ("upgrade", "Upg Relay"): (
                    period_end(start, 24) + DAY,
                    period_end(start, 36),
                ),
            },
        )
        upgrades = lot.warranty_coverage_ids.filtered(lambda p: p.kind == "upgrade")
        self.assertEqual(set(upgrades.mapped("origin")), {"registration"})
        self.assertEqual(upgrades.registration_id, registration)
        self.assertEqual(upgrades.partner_id, self.end_user)
        self.assertEqual(upgrades.policy_id, self.policy)
        self.assertEqual(registration.coverage_ids, upgrades)
        self.assertIn(
            "Warranty upgraded by this registration, within the grace period: "
            f"covered until {format_date(self.env, period_end(start, 120))}.",
            lot.message_ids.mapped("body")[0],
        )
        # Staff see them on the registration's form.
        form = Form(registration.with_user(self.rma_user))
        self.assertEqual(len(form.coverage_ids), 2)
        # Year 8: in warranty, free repair, covered to the end of the tenth year.
        answer = lot._get_warranty_entitlement(on_date=D(2032, 6, 1))[lot]
        self.assertEqual(answer.kind, "warranty")
        self.assertTrue(answer.free_repair)
        self.assertEqual(answer.date_end, period_end(start, 120))
        self.assertEqual(answer.coverage.kind, "upgrade")
        # The relay: its own upgrade (3 years), not the unit's ten.
        relay = lot._get_warranty_entitlement(
            on_date=D(2027, 6, 1), component=self.relay
        )
        self.assertEqual(relay[lot].kind, "warranty")
        self.assertEqual(relay[lot].date_end, period_end(start, 36))
        relay = lot._get_warranty_entitlement(
            on_date=D(2028, 6, 1), component=self.relay
        )
        self.assertEqual(relay[lot].kind, "none")
        # The display has no upgrade: one year, the unit's upgrade does not cover it.
        display = lot._get_warranty_entitlement(
            on_date=D(2026, 6, 1), component=self.display
        )
        self.assertEqual(display[lot].kind, "none")
        # Searching serials by today's warranty finds the upgraded unit in year 8.
        with freeze_time("2032-06-01"):
            found = self.env["stock.lot"].search(
                [("id", "=", lot.id), ("warranty_kind", "=", "warranty")]
            )
            self.assertEqual(found, lot)
            self.assertFalse(
                self.env["stock.lot"].search(
                    [("id", "=", lot.id), ("warranty_kind", "=", "none")]
                )
            )

    def test_registration_basis_upgrade_follows_purchase(self):
        """A registration-based policy starts at the purchase: the upgrade follows
        the re-dated standard period."""
        self.policy.start_basis = "registration"
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-2"])
        self._register(lot, D(2025, 3, 1), "2025-05-20")
        start = D(2025, 3, 1)
        periods = self._periods(lot)
        self.assertEqual(periods["standard", None], (start, period_end(start, 60)))
        self.assertEqual(
            periods["upgrade", None],
            (period_end(start, 60) + DAY, period_end(start, 120)),
        )

    def test_late_registration_gets_no_upgrade(self):
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-3"])
        # 91 days after the purchase: one day too late.
        self._register(lot, D(2025, 2, 1), D(2025, 2, 1) + datetime.timedelta(days=91))
        self.assertNotIn("upgrade", lot.warranty_coverage_ids.mapped("kind"))
        self.assertEqual(lot.warranty_owner_id, self.end_user)
        self.assertNotIn("Warranty upgraded", " ".join(lot.message_ids.mapped("body")))
        answer = lot._get_warranty_entitlement(on_date=D(2032, 6, 1))[lot]
        self.assertEqual(answer.kind, "none")
        # On the last day of the grace it is granted.
        lot_b = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-3B"])
        self._register(
            lot_b, D(2025, 2, 1), D(2025, 2, 1) + datetime.timedelta(days=90)
        )
        self.assertIn("upgrade", lot_b.warranty_coverage_ids.mapped("kind"))

    def test_policy_without_upgrade_keeps_standard(self):
        self.policy.write({"registration_upgrade_months": 0})
        self.policy.component_ids.write({"upgrade_months": 0})
        self.assertIsNone(self.policy._upgrade_lengths())
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-4"])
        self._register(lot, D(2025, 2, 1), "2025-02-10")
        self.assertEqual(set(lot.warranty_coverage_ids.mapped("kind")), {"standard"})

    def test_deleting_the_registration_removes_the_upgrade(self):
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-5"])
        registration = self._register(lot, D(2025, 2, 1), "2025-02-10")
        self.assertEqual(
            len(lot.warranty_coverage_ids.filtered(lambda p: p.kind == "upgrade")), 2
        )
        registration.unlink()
        self.assertEqual(set(lot.warranty_coverage_ids.mapped("kind")), {"standard"})
        self.assertEqual(lot.warranty_owner_id, self.distributor)
        # Its removal is kept in the serial's chatter.
        self.assertIn(
            "Registration Upgrade",
            " ".join(lot.message_ids.mapped("body")),
        )

    def test_registration_moved_and_later_owner(self):
        """A later owner registering the unit late keeps the upgrade the first,
        timely registration gave; moving that registration to another serial
        moves the upgrade with it."""
        lot, other = self._sell_at(
            "2025-01-06 10:00:00", self.distributor, ["UPG-6", "UPG-6B"]
        )
        first = self._register(lot, D(2025, 2, 1), "2025-02-10")
        second_owner = self.env["res.partner"].create({"name": "Upg Second Owner"})
        self._register(lot, D(2026, 3, 1), "2026-12-01", partner=second_owner)
        self.assertEqual(lot.warranty_owner_id, second_owner)
        upgrade = lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == "upgrade" and not p.component_id
        )
        self.assertEqual(upgrade.registration_id, first)
        # The first registration was on the wrong serial: corrected.
        first.lot_id = other
        self.assertEqual(
            lot.warranty_coverage_ids.filtered(lambda p: p.kind == "upgrade"),
            self.env["rma.warranty.coverage"],
        )
        self.assertEqual(
            other.warranty_coverage_ids.filtered(
                lambda p: p.kind == "upgrade"
            ).registration_id,
            first,
        )

    def test_void_takes_the_upgrade_away(self):
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-7"])
        self._register(lot, D(2025, 2, 1), "2025-02-10")
        Coverage = self.env["rma.warranty.coverage"]
        rows = [
            (p.id, p.kind, p.component_id.id, p.date_start, p.date_end, p.swap_date_end)
            for p in lot.warranty_coverage_ids
        ]
        periods = [Period(*row) for row in rows]
        void = Void(1, False, D(2026, 1, 1))
        answer = Coverage._entitlement_of(periods, D(2032, 6, 1), False, [void])
        self.assertEqual(answer.kind, "none")
        answer = Coverage._entitlement_of(periods, D(2032, 6, 1), False, [])
        self.assertEqual(answer.kind, "warranty")

    def test_upgrade_periods_are_not_removed_by_hand(self):
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-8"])
        self._register(lot, D(2025, 2, 1), "2025-02-10")
        upgrade = lot.warranty_coverage_ids.filtered(lambda p: p.kind == "upgrade")
        with self.assertRaisesRegex(UserError, "cannot be removed by hand"):
            upgrade.with_user(self.rma_manager).unlink()
        # An RMA user may not write or remove coverage at all.
        with self.assertRaises(AccessError):
            upgrade.with_user(self.rma_user).unlink()
        self.assertTrue(upgrade.exists())

    def test_extension_follows_the_upgrade(self):
        """An extension is measured after the whole coverage: with 10 years
        already, a policy limited to 10 years offers none; with 12 it starts
        after the upgrade."""
        lot = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPG-9"])
        self._register(lot, D(2025, 2, 1), "2025-02-10")
        start = D(2025, 1, 6)
        window = lot._warranty_extension_window(D(2026, 1, 1))
        self.assertEqual(window["start"], period_end(start, 120) + DAY)
        self.assertEqual(window["limit"], period_end(start, 120))

    def test_batch_registration_one_create(self):
        """Registering many units builds all their periods in one create, in a
        number of queries that does not grow with the units."""
        warm = self._sell_at("2025-01-06 10:00:00", self.distributor, ["UPB-0"])
        lots_small = self._sell_at(
            "2025-01-06 10:00:00", self.distributor, ["UPB-1", "UPB-2"]
        )
        names = [f"UPB-{i}" for i in range(3, 9)]
        lots_big = self._sell_at("2025-01-06 10:00:00", self.distributor, names)
        # Caches warmed by a first registration: only the batch size differs.
        self._register(warm, D(2025, 2, 1), "2025-02-10")
        Coverage = type(self.env["rma.warranty.coverage"])
        create = Coverage.create
        calls = []

        def spy(records, vals_list):
            calls.append(len(vals_list))
            return create(records, vals_list)

        counts = []
        for lots in (lots_small, lots_big):
            calls.clear()
            self.env.flush_all()
            self.env.invalidate_all()
            with patch.object(Coverage, "create", spy):
                queries = self.env.cr.sql_log_count
                self._register(lots, D(2025, 2, 1), "2025-02-10")
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - queries)
            self.assertEqual(calls, [len(lots) * 5])
        self.assertEqual(counts[0], counts[1], counts)


@tagged("post_install", "-at_install")
class TestIssue15UpgradeShown(HttpCase, UpgradeCommon):
    """The public check page and the certificate show the upgraded dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # sudo: test set-up of a system parameter.
        cls.env["ir.config_parameter"].sudo().set_param(
            "rma_warranty.warranty_check_rate_limit", "10000"
        )
        cls.lot, cls.plain = cls._create_lots(cls.product, ["UPS-0001", "UPS-0002"])
        cls._sell(cls.distributor, cls.product, lots=cls.lot | cls.plain)
        today = cls.lot._warranty_today()[cls.lot]
        proof = cls.env["ir.attachment"].create(
            {"name": "receipt.pdf", "raw": b"%PDF-1.4 receipt"}
        )
        cls.env["rma.warranty.registration"]._register_unit(
            cls.lot, cls.end_user, today, proof
        )
        cls.start = today

    def _check_rows(self, serial):
        response = self.url_open(f"/warranty/check?{urlencode({'serial': serial})}")
        self.assertEqual(response.status_code, 200)
        doc = html.fromstring(response.content)
        rows = doc.xpath("//table[hasclass('o_warranty_check_periods')]/tbody/tr")
        return response, {
            (
                row.xpath("./td[2]")[0].text_content().strip(),
                row.xpath("./td[1]")[0].text_content().strip(),
            ): (
                row.xpath("./td[3]")[0].text_content().strip(),
                row.xpath("./td[4]")[0].text_content().strip(),
            )
            for row in rows
        }

    def _fmt(self, *dates):
        return tuple(format_date(self.env, d) for d in dates)

    def test_check_page_shows_upgrade(self):
        start = self.start
        response, rows = self._check_rows("UPS-0001")
        self.assertEqual(
            rows["Registration Upgrade", "Whole unit"],
            self._fmt(period_end(start, 60) + DAY, period_end(start, 120)),
        )
        self.assertEqual(
            rows["Registration Upgrade", "Upg Relay"],
            self._fmt(period_end(start, 24) + DAY, period_end(start, 36)),
        )
        self.assertNotIn(("Registration Upgrade", "Upg Display"), rows)
        text = " ".join(html.fromstring(response.content).text_content().split())
        self.assertIn(f"until {format_date(self.env, period_end(start, 120))}", text)
        self.assertNotIn(self.end_user.name, response.text)
        # The unit never registered: standard terms only.
        response, rows = self._check_rows("UPS-0002")
        self.assertEqual({kind for kind, _part in rows}, {"Standard"})
        self.assertIn(
            f"until {format_date(self.env, period_end(start, 60))}",
            " ".join(html.fromstring(response.content).text_content().split()),
        )

    def test_certificate_shows_upgrade(self):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, (self.lot | self.plain).ids
        )
        doc = html.fromstring(content)
        tables = doc.xpath("//table[hasclass('o_warranty_periods')]")
        self.assertEqual(len(tables), 2)
        upgraded, plain = (
            [
                [" ".join(td.text_content().split()) for td in tr.xpath("td")][:4]
                for tr in table.xpath("tbody/tr")
            ]
            for table in tables
        )
        start = self.start
        self.assertIn(
            [
                "Registration Upgrade",
                "Whole unit",
                *self._fmt(period_end(start, 60) + DAY, period_end(start, 120)),
            ],
            upgraded,
        )
        self.assertIn(
            [
                "Registration Upgrade",
                "Upg Relay",
                *self._fmt(period_end(start, 24) + DAY, period_end(start, 36)),
            ],
            upgraded,
        )
        self.assertNotIn("Registration Upgrade", [row[0] for row in plain])

    def test_visitor_checks_an_upgraded_serial_tour(self):
        self.start_tour("/warranty/check", "rma_warranty_upgrade_check_tour")


@tagged("post_install", "-at_install")
class TestIssue15UpgradeDemo(RmaCommon):
    """The demo's SolaX inverter, registered in time, is covered for ten years;
    those nobody registered keep five."""

    def test_demo_inverter_upgraded(self):
        inverter = self.env.ref("rma_warranty.demo_lot_inverter_2301")
        registration = self.env.ref("rma_warranty.demo_registration_inverter_2301")
        unit = inverter.warranty_coverage_ids.filtered(lambda p: not p.component_id)
        standard = unit.filtered(lambda p: p.kind == "standard")
        upgrade = unit.filtered(lambda p: p.kind == "upgrade")
        self.assertEqual(upgrade.origin, "registration")
        self.assertEqual(upgrade.registration_id, registration)
        self.assertEqual(upgrade.date_start, standard.date_end + DAY)
        self.assertEqual(upgrade.date_end, period_end(standard.date_start, 120))
        self.assertEqual(inverter.warranty_date_end, upgrade.date_end)
        relay = self.env.ref("rma_warranty.demo_component_relay")
        self.assertEqual(
            inverter.warranty_coverage_ids.filtered(
                lambda p: p.kind == "upgrade" and p.component_id == relay
            ).date_end,
            period_end(standard.date_start, 36),
        )
        plain = self.env.ref("rma_warranty.demo_lot_inverter_2302")
        self.assertNotIn("upgrade", plain.warranty_coverage_ids.mapped("kind"))
