# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.rma_warranty_coverage import period_end
from .common import RmaCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestWarrantyEngine(RmaCommon):
    """Policies, standard coverage from deliveries, invoices and registrations,
    entitlement per component and kind, time-zone and calendar edges."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Component = cls.env["rma.warranty.component"]
        cls.lcd = Component.create({"name": "Test LCD"})
        cls.board = Component.create({"name": "Test Motherboard"})
        cls.fan = Component.create({"name": "Test Fan"})
        Policy = cls.env["rma.warranty.policy"]
        cls.policy_aio = Policy.create(
            {
                "name": "Test AIO",
                "warranty_months": 36,
                "swap_days": 30,
                "post_repair_days": 180,
                "max_total_months": 60,
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 24}),
                    Command.create({"component_id": cls.board.id, "months": 12}),
                ],
            }
        )
        cls.policy_category = Policy.create(
            {"name": "Test Category", "warranty_months": 18}
        )
        cls.policy_company = Policy.create(
            {"name": "Test Company Default", "warranty_months": 6}
        )
        cls.company.rma_warranty_policy_id = cls.policy_company
        cls.parent_categ = cls.env["product.category"].create(
            {"name": "Test Hardware", "warranty_policy_id": cls.policy_category.id}
        )
        cls.child_categ = cls.env["product.category"].create(
            {"name": "Test Panels", "parent_id": cls.parent_categ.id}
        )
        cls.aio = cls.env["product.product"].create(
            {
                "name": "Test Panel PC",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 1000.0,
                "invoice_policy": "delivery",
                "categ_id": cls.child_categ.id,
                "warranty_policy_id": cls.policy_aio.id,
            }
        )
        cls.auckland = cls.env["res.partner"].create(
            {"name": "Kiwi Customer", "tz": "Pacific/Auckland"}
        )
        cls.los_angeles = cls.env["res.partner"].create(
            {"name": "LA Customer", "tz": "America/Los_Angeles"}
        )

    by_phone = {"origin": "manual", "reason": "Extension sold by phone"}

    # ---- Helpers --------------------------------------------------------------------

    def _sell_at(self, when, partner, product, names, invoice=False):
        lots = self._create_lots(product, names)
        with freeze_time(when):
            self._sell(partner, product, lots=lots, invoice=invoice)
        return lots

    def _periods(self, lot):
        return {
            (p.kind, p.component_id.name or None): (p.date_start, p.date_end)
            for p in lot.warranty_coverage_ids
        }

    def _kind(self, lot, on_date, component=None):
        return lot._get_warranty_entitlement(on_date=on_date, component=component)[lot]

    # ---- Policies -------------------------------------------------------------------

    def test_policy_fallback_product_category_company(self):
        in_category = self.env["product.product"].create(
            {"name": "Test Sub-Category Unit", "categ_id": self.child_categ.id}
        )
        plain = self.env["product.product"].create({"name": "Test Plain Unit"})
        policies = (self.aio | in_category | plain)._get_warranty_policies()
        self.assertEqual(policies[self.aio], self.policy_aio)
        # Nearest category up the tree.
        self.assertEqual(policies[in_category], self.policy_category)
        self.assertEqual(policies[plain], self.policy_company)
        self.company.rma_warranty_policy_id = False
        self.env.company.rma_warranty_policy_id = False
        self.assertNotIn(plain, plain._get_warranty_policies())

    def test_policy_limits(self):
        with self.assertRaises(ValidationError):
            self.env["rma.warranty.policy"].create(
                {"name": "Too short", "warranty_months": 24, "max_total_months": 12}
            )

    # ---- Standard coverage ----------------------------------------------------------

    def test_delivery_gives_unit_and_component_periods(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["AIO-1"])
        self.assertEqual(
            self._periods(lot),
            {
                ("standard", None): (D(2025, 3, 10), D(2028, 3, 9)),
                ("standard", "Test LCD"): (D(2025, 3, 10), D(2027, 3, 9)),
                ("standard", "Test Motherboard"): (D(2025, 3, 10), D(2026, 3, 9)),
            },
        )
        unit = lot.warranty_coverage_ids.filtered(lambda p: not p.component_id)
        self.assertEqual(unit.swap_date_end, D(2025, 4, 8))
        self.assertEqual(unit.origin, "delivery")
        self.assertEqual(unit.move_id.picking_id.partner_id, self.end_user)
        self.assertEqual(lot.warranty_sold_to_id, self.end_user)
        self.assertEqual(lot.warranty_owner_id, self.end_user)

    def test_untracked_and_unknown_units_have_no_coverage(self):
        lot = self._create_lots(self.aio, ["AIO-NEVER-SOLD"])
        self.assertFalse(lot.warranty_coverage_ids)
        answer = self._kind(lot, D(2025, 1, 1))
        self.assertEqual(
            (answer.kind, answer.date_end, answer.days_left, answer.free_repair),
            ("none", None, 0, False),
        )

    def test_resale_replaces_standard_coverage(self):
        lot = self._sell_at("2024-01-10 10:00:00", self.distributor, self.aio, ["R-1"])
        # Comes back (a plain return into stock), is sold again a year later.
        self.env["stock.quant"]._update_available_quantity(
            self.aio, self.customer_location, -1.0, lot_id=lot
        )
        with freeze_time("2025-01-20 10:00:00"):
            self._sell(self.end_user, self.aio, lots=lot, invoice=False)
        unit = lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        )
        self.assertEqual(len(unit), 1)
        self.assertEqual(unit.date_start, D(2025, 1, 20))
        self.assertEqual(lot.warranty_sold_to_id, self.end_user)

    def test_invoice_basis_starts_at_invoice_date(self):
        self.policy_aio.start_basis = "invoice"
        lot = self._create_lots(self.aio, ["INV-1"])
        with freeze_time("2025-05-02 09:00:00"):
            order = self._sell(self.end_user, self.aio, lots=lot, invoice=False)
        # Not invoiced yet: delivery date.
        self.assertEqual(self._periods(lot)["standard", None][0], D(2025, 5, 2))
        with freeze_time("2025-05-20 09:00:00"):
            invoice = order._create_invoices()
            invoice.invoice_date = D(2025, 5, 15)
            invoice.action_post()
        self.assertEqual(
            self._periods(lot)["standard", None], (D(2025, 5, 15), D(2028, 5, 14))
        )

    # ---- Registration ---------------------------------------------------------------

    def _register(self, lot, partner, purchase, registered):
        proof = self.env["ir.attachment"].create(
            {"name": "receipt.pdf", "raw": b"%PDF-1.4 receipt"}
        )
        with freeze_time(registered):
            return self.env["rma.warranty.registration"]._register_unit(
                lot, partner, purchase, proof
            )

    def test_registration_within_grace_starts_at_purchase(self):
        self.policy_aio.write(
            {"start_basis": "registration", "registration_grace_days": 30}
        )
        lot = self._sell_at("2025-01-05 10:00:00", self.distributor, self.aio, ["G-1"])
        self.assertEqual(self._periods(lot)["standard", None][0], D(2025, 1, 5))
        registration = self._register(lot, self.end_user, D(2025, 6, 1), "2025-06-20")
        unit = lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        )
        self.assertEqual(
            (unit.date_start, unit.date_end), (D(2025, 6, 1), D(2028, 5, 31))
        )
        self.assertEqual(unit.origin, "registration")
        self.assertEqual(unit.registration_id, registration)
        self.assertEqual(lot.warranty_owner_id, self.end_user)
        self.assertEqual(lot.warranty_sold_to_id, self.distributor)
        # The registration is removed: back to the delivery date.
        registration.unlink()
        self.assertEqual(self._periods(lot)["standard", None][0], D(2025, 1, 5))
        self.assertEqual(lot.warranty_owner_id, self.distributor)

    def test_late_registration_keeps_delivery_start(self):
        self.policy_aio.write(
            {"start_basis": "registration", "registration_grace_days": 30}
        )
        lot = self._sell_at("2025-01-05 10:00:00", self.distributor, self.aio, ["G-2"])
        self._register(lot, self.end_user, D(2025, 6, 1), "2025-07-15")
        self.assertEqual(self._periods(lot)["standard", None][0], D(2025, 1, 5))
        # ...but the owner is known now.
        self.assertEqual(lot.warranty_owner_id, self.end_user)

    def test_registration_of_a_unit_we_never_delivered(self):
        lot = self._create_lots(self.aio, ["ELSEWHERE-1"])
        self._register(lot, self.end_user, D(2025, 2, 1), "2025-02-10")
        self.assertEqual(
            self._periods(lot)["standard", None], (D(2025, 2, 1), D(2028, 1, 31))
        )

    def test_registration_needs_proof_and_sane_dates(self):
        lot = self._create_lots(self.aio, ["PROOF-1"])
        Registration = self.env["rma.warranty.registration"]
        with self.assertRaisesRegex(UserError, "proof of purchase"):
            Registration._register_unit(
                lot, self.end_user, D(2025, 2, 1), self.env["ir.attachment"]
            )
        with self.assertRaises(ValidationError):
            self._register(lot, self.end_user, D(2025, 3, 1), "2025-02-10")
        self.assertFalse(lot.warranty_coverage_ids)

    def _note(self, partner, day):
        return f"<p>Registered by {partner.display_name}, bought on {day}.</p>"

    def test_registration_notes_one_per_registration(self):
        """Each registration of a batch notes its owner and purchase on its
        serial's chatter, two registrations of one serial included."""
        lot_a, lot_b = self._create_lots(self.aio, ["NOTE-A", "NOTE-B"])
        Registration = self.env["rma.warranty.registration"]
        proofs = self.env["ir.attachment"].create(
            [{"name": f"receipt-{i}.pdf", "raw": b"%PDF-1.4 receipt"} for i in range(3)]
        )
        with freeze_time("2025-02-10"):
            Registration.create(
                [
                    Registration._prepare_register_vals(lot, partner, day, proof)
                    for lot, partner, day, proof in (
                        (lot_a, self.end_user, D(2025, 2, 1), proofs[0]),
                        (lot_b, self.distributor, D(2025, 2, 3), proofs[1]),
                        (lot_a, self.distributor, D(2025, 2, 5), proofs[2]),
                    )
                ]
            )

        def notes(lot):
            messages = lot.message_ids.filtered(
                lambda m: "Registered by" in (m.body or "")
            )
            self.assertEqual(
                messages.subtype_id, self.env.ref("mail.mt_note"), lot.name
            )
            return sorted(str(body) for body in messages.mapped("body"))

        self.assertEqual(
            notes(lot_a),
            sorted(
                [
                    self._note(self.distributor, "2025-02-05"),
                    self._note(self.end_user, "2025-02-01"),
                ]
            ),
        )
        self.assertEqual(
            notes(lot_b),
            [self._note(self.distributor, "2025-02-03")],
        )

    # ---- Entitlement ----------------------------------------------------------------

    def test_entitlement_per_component_and_kind(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["E-1"])
        # In the swap window, for the unit and any component.
        answer = self._kind(lot, D(2025, 4, 8))
        self.assertEqual((answer.kind, answer.swap), ("swap", True))
        self.assertEqual(self._kind(lot, D(2025, 4, 8), self.board).kind, "swap")
        self.assertEqual(self._kind(lot, D(2025, 4, 9)).kind, "warranty")
        # 18 months in: LCD covered (24), motherboard not (12), fan by the unit (36).
        on = D(2026, 9, 10)
        lcd = self._kind(lot, on, self.lcd)
        self.assertEqual((lcd.kind, lcd.date_end), ("warranty", D(2027, 3, 9)))
        board = self._kind(lot, on, self.board)
        self.assertEqual((board.kind, board.free_repair), ("none", False))
        fan = self._kind(lot, on, self.fan)
        self.assertEqual((fan.kind, fan.date_end), ("warranty", D(2028, 3, 9)))
        self.assertEqual(fan.days_left, (D(2028, 3, 9) - on).days + 1)

    def test_entitlement_extended_post_repair_goodwill(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["E-2"])
        Coverage = self.env["rma.warranty.coverage"]
        extension = Coverage.create(
            lot._warranty_extension_vals(12, on_date=D(2025, 6, 1), extra=self.by_phone)
        )
        self.assertEqual(
            (extension.date_start, extension.date_end), (D(2028, 3, 10), D(2029, 3, 9))
        )
        # Covered until the end of the extension, seen from the standard period.
        self.assertEqual(self._kind(lot, D(2026, 1, 1)).date_end, D(2029, 3, 9))
        self.assertEqual(self._kind(lot, D(2028, 6, 1)).kind, "extended")
        # The motherboard, out of its own warranty, is covered again by the
        # extension of the whole unit.
        self.assertEqual(self._kind(lot, D(2028, 6, 1), self.board).kind, "extended")
        post = Coverage.create(
            {
                "lot_id": lot.id,
                "product_id": self.aio.id,
                "kind": "post_repair",
                "origin": "repair",
                "date_start": D(2029, 5, 1),
                "date_end": D(2029, 10, 27),
            }
        )
        answer = self._kind(lot, D(2029, 6, 1))
        self.assertEqual((answer.kind, answer.coverage), ("post_repair", post))
        goodwill = Coverage.create(
            {
                "lot_id": lot.id,
                "product_id": self.aio.id,
                "kind": "goodwill",
                "date_start": D(2030, 1, 1),
                "date_end": D(2030, 1, 31),
                "reason": "Long-standing customer",
            }
        )
        self.assertEqual(self._kind(lot, D(2030, 1, 15)).kind, "goodwill")
        self.assertIn("Long-standing customer", lot.message_ids[0].body)
        self.assertEqual(self._kind(lot, D(2030, 2, 1)).kind, "none")
        with self.assertRaises(ValidationError):
            goodwill.reason = " "

    def test_extension_limits(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["X-1"])
        vals = lot._warranty_extension_vals(
            24, on_date=D(2025, 6, 1), extra=self.by_phone
        )
        # 36 + 24 = 60 months: exactly the limit.
        self.assertEqual(vals["date_end"], D(2030, 3, 9))
        self.env["rma.warranty.coverage"].create(vals)
        with self.assertRaisesRegex(UserError, "cannot be covered beyond 2030-03-09"):
            lot._warranty_extension_vals(1, on_date=D(2025, 6, 1))
        stranger = self._create_lots(self.aio, ["X-NONE"])
        with self.assertRaisesRegex(UserError, "no standard warranty"):
            stranger._warranty_extension_vals(12)
        self.policy_aio.max_total_months = 0
        with self.assertRaisesRegex(UserError, "cannot be extended"):
            lot._warranty_extension_vals(12)

    def test_entitlement_batch_is_constant_in_queries(self):
        names = [f"Q-{i:03d}" for i in range(100)]
        lots = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, names)
        keys = [(lot, D(2026, 9, 1), self.lcd) for lot in lots]
        self.env.invalidate_all()
        with self.assertQueryCount(2):
            answers = self.env["rma.warranty.coverage"]._get_entitlements(keys)
        self.assertEqual({a.kind for a in answers.values()}, {"warranty"})

    def test_public_lookup_shows_product_and_dates_only(self):
        self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["PUB-1"])
        (result,) = self.env["stock.lot"]._warranty_lookup(" PUB-1 ")
        self.assertEqual(result["serial"], "PUB-1")
        self.assertEqual(result["product"], "Test Panel PC")
        self.assertEqual(len(result["periods"]), 3)
        self.assertNotIn("Erik", str(result))
        self.assertEqual(self.env["stock.lot"]._warranty_lookup("pub-1"), [])
        self.assertEqual(self.env["stock.lot"]._warranty_lookup(""), [])

    # ---- Dates at the edges ---------------------------------------------------------

    def test_period_end_calendar_edges(self):
        self.assertEqual(period_end(D(2025, 3, 10), 12), D(2026, 3, 9))
        # From 29 February: the anniversary does not exist, the last day of
        # February is covered.
        self.assertEqual(period_end(D(2024, 2, 29), 12), D(2025, 2, 28))
        self.assertEqual(period_end(D(2024, 2, 29), 48), D(2028, 2, 28))
        # The day before 1 March in a leap year is 29 February.
        self.assertEqual(period_end(D(2023, 3, 1), 12), D(2024, 2, 29))
        self.assertEqual(period_end(D(2025, 1, 31), 1), D(2025, 2, 28))
        self.assertEqual(period_end(D(2025, 1, 30), 1), D(2025, 2, 28))

    def test_delivery_date_is_the_customer_local_date(self):
        # 23:30 UTC on 28 February 2024 is already 29 February in Auckland...
        kiwi = self._sell_at("2024-02-28 23:30:00", self.auckland, self.aio, ["TZ-NZ"])
        self.assertEqual(
            self._periods(kiwi)["standard", None], (D(2024, 2, 29), D(2027, 2, 28))
        )
        self.assertEqual(
            self._periods(kiwi)["standard", "Test Motherboard"],
            (D(2024, 2, 29), D(2025, 2, 28)),
        )
        # ...and still 28 February in Los Angeles.
        la = self._sell_at("2024-02-28 23:30:00", self.los_angeles, self.aio, ["TZ-LA"])
        self.assertEqual(
            self._periods(la)["standard", None], (D(2024, 2, 28), D(2027, 2, 27))
        )

    def test_today_is_the_customer_local_today(self):
        kiwi = self._sell_at("2024-02-28 23:30:00", self.auckland, self.aio, ["T-NZ"])
        la = self._sell_at("2024-02-28 23:30:00", self.los_angeles, self.aio, ["T-LA"])
        board = self.board
        # 23:30 UTC on 27 Feb 2025: 28 Feb in Auckland (its last covered motherboard
        # day), 27 Feb in Los Angeles (its last covered motherboard day).
        with freeze_time("2025-02-27 23:30:00"):
            answers = (kiwi | la)._get_warranty_entitlement(component=board)
            self.assertEqual(answers[kiwi].kind, "warranty")
            self.assertEqual(answers[kiwi].days_left, 1)
            self.assertEqual(answers[la].kind, "warranty")
            self.assertEqual(answers[la].days_left, 1)
        # 08:30 UTC on the 28th: 28 Feb 00:30 in Los Angeles, the day after its
        # last covered day; still the 28th (21:30) in Auckland.
        with freeze_time("2025-02-28 08:30:00"):
            answers = (kiwi | la)._get_warranty_entitlement(component=board)
            self.assertEqual(answers[la].kind, "none")
            self.assertEqual(answers[la].days_left, 0)
            self.assertEqual(answers[kiwi].kind, "warranty")
        # 11:30 UTC: 1 March in Auckland, the day after.
        with freeze_time("2025-02-28 11:30:00"):
            answers = (kiwi | la)._get_warranty_entitlement(component=board)
            self.assertEqual(answers[kiwi].kind, "none")

    # ---- RMA units ------------------------------------------------------------------

    def test_rma_freezes_entitlement_at_submission(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["F-1"])
        rma = self._new_rma(self.end_user, [(self.aio, lot, 1.0)])
        line = rma.line_ids
        line.failed_component_id = self.board
        self.assertFalse(line.entitlement_kind)
        with freeze_time("2026-09-10 10:00:00"):
            rma.action_submit()
        self.assertEqual(line.entitlement_kind, "none")
        self.assertEqual(line.entitlement_date, D(2026, 9, 10))
        self.assertFalse(line.entitlement_free_repair)
        # Another component on the same unit: decided again for the submission date.
        line.failed_component_id = self.lcd
        self.assertEqual(
            (line.entitlement_kind, line.entitlement_date_end),
            ("warranty", D(2027, 3, 9)),
        )
        self.assertEqual(
            line.entitlement_days_left, (D(2027, 3, 9) - D(2026, 9, 10)).days + 1
        )
        self.assertTrue(line.entitlement_free_repair)
        # Frozen: later coverage changes don't move it.
        line.lot_id.warranty_coverage_ids.unlink()
        rma.invalidate_recordset()
        self.assertEqual(line.entitlement_kind, "warranty")

    def test_override_entitlement_with_reason(self):
        lot = self._sell_at("2021-03-10 10:00:00", self.end_user, self.aio, ["O-1"])
        rma = self._new_rma(self.end_user, [(self.aio, lot, 1.0)])
        rma.action_submit()
        line = rma.line_ids
        self.assertEqual(line.entitlement_kind, "none")
        with self.assertRaisesRegex(UserError, "Say why"):
            line._override_entitlement("warranty", "  ")
        wizard = self.env["rma.entitlement.override"].create(
            {"line_id": line.id, "kind": "warranty", "reason": "Known batch defect"}
        )
        wizard.action_confirm()
        self.assertEqual(line.entitlement_kind, "warranty")
        self.assertEqual(line.entitlement_auto_kind, "none")
        self.assertTrue(line.entitlement_free_repair)
        self.assertIn("Known batch defect", rma.message_ids[0].body)
        # Kept when the RMA moves on; decided afresh if the unit changes.
        rma.action_approve()
        self.assertEqual(line.entitlement_kind, "warranty")

    def _process(self, lot, resolution):
        with freeze_time("2025-06-01 10:00:00"):
            rma = self._new_rma(self.end_user, [(self.aio, lot, 1.0)])
            rma.line_ids.resolution = resolution
            rma.action_submit()
            rma.action_approve()
            self._receive(rma)
            rma.action_process()
            delivery = rma.picking_ids.filtered(
                lambda p: p.picking_type_id == self.warehouse.rma_out_type_id
            )
            self._validate(delivery)
        return rma, delivery

    def test_replacement_unit_takes_over_coverage(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["RP-1"])
        spare = self._create_lots(self.aio, ["RP-SPARE"])
        self._put_in_stock(self.aio, lots=spare)
        _rma, delivery = self._process(lot, "replace")
        self.assertEqual(delivery.move_ids.move_line_ids.lot_id, spare)
        # Same periods as the unit it replaces, not a new warranty from today.
        self.assertEqual(self._periods(spare), self._periods(lot))
        self.assertEqual(
            set(spare.warranty_coverage_ids.mapped("origin")), {"replacement"}
        )
        self.assertEqual(spare.warranty_owner_id, self.end_user)

    def test_unit_shipped_back_keeps_its_warranty(self):
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["RT-1"])
        before = self._periods(lot)
        self._process(lot, "return")
        self.assertEqual(self._periods(lot), before)

    # ---- Install on a database with history -----------------------------------------

    def test_backfill_matches_delivery_hook(self):
        lots = self._sell_at(
            "2024-02-28 23:30:00", self.auckland, self.aio, ["B-1", "B-2"]
        )
        lots |= self._sell_at("2025-07-01 12:00:00", self.end_user, self.aio, ["B-3"])
        expected = {lot: self._periods(lot) for lot in lots}
        parties = {
            lot: (lot.warranty_sold_to_id, lot.warranty_owner_id) for lot in lots
        }
        # As before the addon was installed: no coverage, no owners.
        lots.warranty_coverage_ids.unlink()
        lots.write({"warranty_sold_to_id": False, "warranty_owner_id": False})
        covered = self.env["stock.lot"]._warranty_backfill(batch_size=2)
        self.assertGreaterEqual(covered, 3)
        self.env.invalidate_all()
        for lot in lots:
            self.assertEqual(self._periods(lot), expected[lot])
            self.assertEqual(
                (lot.warranty_sold_to_id, lot.warranty_owner_id), parties[lot]
            )
        # Run again: nothing left to do, nothing doubled.
        self.assertEqual(self.env["stock.lot"]._warranty_backfill(), 0)
        self.assertEqual(len(lots.warranty_coverage_ids), 9)

    def test_backfill_copy_equals_orm_create(self):
        """The backfill's COPY (a private internal of Odoo's cursor) writes the
        rows the ORM's create writes for the same values, every stored column
        compared: an upgrade that makes them differ fails here."""
        lot = self._sell_at("2025-03-10 10:00:00", self.end_user, self.aio, ["CP-1"])
        vals_list, _parties = lot._warranty_standard_vals()
        # The unit, its two components with their own length, a swap window.
        self.assertEqual(len(vals_list), 3)
        self.assertTrue(any(vals.get("swap_date_end") for vals in vals_list))
        Coverage = self.env["rma.warranty.coverage"]
        created = Coverage.create(vals_list)
        self.env.flush_all()
        self.env.cr.execute("SELECT max(id) FROM rma_warranty_coverage")
        last_id = self.env.cr.fetchone()[0]
        Coverage._backfill_copy_rows(vals_list)

        def rows(condition):
            self.env.cr.execute(
                SQL(
                    "SELECT * FROM rma_warranty_coverage WHERE %s ORDER BY id",
                    condition,
                )
            )
            return [
                {column: cell for column, cell in row.items() if column != "id"}
                for row in self.env.cr.dictfetchall()
            ]

        orm_rows = rows(SQL("id IN %s", tuple(created.ids)))
        copy_rows = rows(SQL("id > %s", last_id))
        self.assertEqual(len(copy_rows), 3)
        self.assertEqual(copy_rows, orm_rows)
        # Every stored field of a period is a column of both.
        stored = {name for name, field in Coverage._fields.items() if field.store} - {
            "id"
        }
        self.assertEqual(set(orm_rows[0]), stored)
        with self.assertRaises(ValueError):
            Coverage._backfill_copy_rows([dict(vals_list[0], reason="Not a column")])
