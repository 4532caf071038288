# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, items 6-10: the warranty engine as service users, managers and the
public check reach it (extensions that follow a re-dated warranty, damage voids
kept on the serial, overrides, dates shown, registration dates)."""

import base64
import datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import RmaCommon

D = datetime.date
DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestIssue11Engine(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Component = cls.env["rma.warranty.component"]
        cls.lcd = Component.create({"name": "Issue11 LCD"})
        cls.fan = Component.create({"name": "Issue11 Fan"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Issue11 Policy",
                "warranty_months": 36,
                "swap_days": 30,
                "post_repair_days": 180,
                "max_total_months": 60,
                "registration_grace_days": 30,
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 24})
                ],
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.level = cls.env.ref("rma_warranty.damage_level_moderate")
        cls.lcd_part = cls.env["product.product"].create(
            {"name": "Issue11 LCD Panel", "is_storable": True, "list_price": 120.0}
        )
        cls.labour = cls.env["product.product"].create(
            {
                "name": "Issue11 Labour",
                "type": "service",
                "list_price": 60.0,
                "invoice_policy": "order",
            }
        )
        cls._put_in_stock(cls.lcd_part, qty=10)
        cls.env["rma.repair.tariff"].create(
            {
                "name": "Issue11 tariff",
                "damage_level_id": cls.level.id,
                "product_id": cls.product.id,
                "line_ids": [
                    Command.create(
                        {
                            "kind": "part",
                            "product_id": cls.lcd_part.id,
                            "component_id": cls.lcd.id,
                        }
                    ),
                    Command.create({"kind": "labour", "product_id": cls.labour.id}),
                ],
            }
        )
        cls.end_user.tz = "UTC"
        cls.distributor.tz = "UTC"
        cls.Code = cls.env["rma.warranty.code"]

    # ---- Helpers --------------------------------------------------------------------

    def _sold(self, name, when, partner=None, invoice=False):
        lot = self._create_lots(self.product, [name])
        with freeze_time(when):
            self._sell(
                partner or self.end_user, self.product, lots=lot, invoice=invoice
            )
        return lot

    def _unit(self, name, days_ago=60):
        return self._sold(name, fields.Datetime.now() - relativedelta(days=days_ago))

    def _proof(self):
        return (
            self.env["ir.attachment"]
            .with_user(self.rma_user)
            .create(
                {
                    "name": "receipt.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 receipt"),
                    "res_model": "rma.warranty.registration",
                    "res_id": 0,
                }
            )
        )

    def _register(self, lot, purchase, when, partner=None):
        with freeze_time(when):
            return (
                self.env["rma.warranty.registration"]
                .with_user(self.rma_user)
                ._register_unit(lot, partner or self.end_user, purchase, self._proof())
            )

    def _whole(self, lot, kind):
        return lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == kind and not p.component_id
        ).sorted("date_start")

    def _redeem(self, lot, months, when):
        code = self.Code._generate(1, vals={"months": months})
        with freeze_time(when):
            return self.Code._redeem(code.code, lot, lot.warranty_owner_id)

    def _submitted(self, lot, user=None, **line_vals):
        rma = self._new_rma(
            self.end_user,
            [dict({"product_id": self.product.id, "lot_id": lot.id}, **line_vals)],
            user=user,
        )
        rma.action_submit()
        return rma, rma.line_ids

    def _received_repair(self, lot, **line_vals):
        rma, line = self._submitted(lot, resolution="repair", **line_vals)
        rma.action_approve()
        self._receive(rma)
        return rma, line

    def _diagnose(self, line, damage_class="defect"):
        line.with_user(self.rma_user).write(
            {
                "damage_level_id": self.level.id,
                "damage_class": damage_class,
                "diagnosis": "Housing cracked, board wet.",
            }
        )

    def _override(self, line, kind, reason, user=None):
        """The unit's Override button, then the wizard, as the web client does."""
        line = line.with_user(user or self.rma_user)
        action = line.action_open_entitlement_override()
        form = Form(
            self.env["rma.entitlement.override"]
            .with_user(user or self.rma_user)
            .with_context(**action["context"])
        )
        form.kind = kind
        form.reason = reason
        return form.save().action_confirm()

    def _lift(self, action, reason, user=None):
        form = Form(
            self.env["rma.warranty.void.lift"]
            .with_user(user or self.rma_manager)
            .with_context(**action["context"])
        )
        form.reason = reason
        return form.save().action_confirm()

    # ---- Item 6: chained periods follow the standard period -------------------------

    def test_code_redeemed_before_registration_moves_with_it(self):
        self.policy.start_basis = "registration"
        lot = self._sold("I11-CHAIN-1", "2025-01-05 10:00:00", self.distributor)
        extension = self._redeem(lot, 12, "2025-02-01 10:00:00")
        self.assertEqual(
            (extension.date_start, extension.date_end), (D(2028, 1, 5), D(2029, 1, 4))
        )
        # Dated periods: goodwill given by hand, post-repair from a redelivery.
        Coverage = self.env["rma.warranty.coverage"]
        goodwill = Coverage.create(
            {
                "lot_id": lot.id,
                "product_id": self.product.id,
                "kind": "goodwill",
                "date_start": D(2029, 3, 1),
                "date_end": D(2029, 3, 31),
                "reason": "Trade fair promise",
            }
        )
        post = Coverage.create(
            {
                "lot_id": lot.id,
                "product_id": self.product.id,
                "kind": "post_repair",
                "origin": "repair",
                "date_start": D(2025, 3, 1),
                "date_end": D(2025, 8, 27),
            }
        )
        self._register(lot, D(2025, 6, 1), "2025-06-20 10:00:00")
        standard = self._whole(lot, "standard")
        self.assertEqual(
            (standard.date_start, standard.date_end), (D(2025, 6, 1), D(2028, 5, 31))
        )
        # The extension follows the re-dated standard period and keeps its 12
        # months: no overlap, the registration gain is kept.
        self.assertEqual(
            (extension.date_start, extension.date_end), (D(2028, 6, 1), D(2029, 5, 31))
        )
        self.assertEqual(
            (goodwill.date_start, goodwill.date_end), (D(2029, 3, 1), D(2029, 3, 31))
        )
        self.assertEqual(
            (post.date_start, post.date_end), (D(2025, 3, 1), D(2025, 8, 27))
        )
        answer = lot._get_warranty_entitlement(on_date=D(2029, 5, 15))[lot]
        self.assertEqual((answer.kind, answer.date_end), ("extended", D(2029, 5, 31)))
        self.assertIn("moved to", "".join(lot.message_ids.mapped("body")))

    def test_invoice_posted_after_extensions_moves_them(self):
        self.policy.start_basis = "invoice"
        lot = self._create_lots(self.product, ["I11-CHAIN-INV"])
        with freeze_time("2025-05-02 09:00:00"):
            order = self._sell(self.end_user, self.product, lots=lot, invoice=False)
        first = self._redeem(lot, 12, "2025-05-05 10:00:00")
        second = self._redeem(lot, 6, "2025-05-06 10:00:00")
        self.assertEqual(second.date_start, first.date_end + DAY)
        with freeze_time("2025-05-20 09:00:00"):
            invoice = order._create_invoices()
            invoice.invoice_date = D(2025, 5, 15)
            invoice.action_post()
        self.assertEqual(self._whole(lot, "standard").date_end, D(2028, 5, 14))
        self.assertEqual(
            [(p.date_start, p.date_end) for p in (first | second)],
            [(D(2028, 5, 15), D(2029, 5, 14)), (D(2029, 5, 15), D(2029, 11, 14))],
        )

    # ---- Items 7 and 8: damage voids kept on the serial, overrides, lifting ---------

    def test_damage_void_is_kept_on_the_serial(self):
        lot = self._unit("I11-VOID-1")
        _rma, line = self._received_repair(lot)
        self.assertTrue(line.entitlement_free_repair)
        self._diagnose(line, "housing")
        self.assertTrue(line.damage_void)
        # The next RMA of the serial is no free repair any more.
        _rma2, line2 = self._submitted(lot, user=self.rma_user)
        self.assertEqual(line2.entitlement_kind, "none")
        self.assertFalse(line2.entitlement_free_repair)
        void = lot.warranty_void_ids
        self.assertRecordValues(
            void,
            [
                {
                    "date": line.entitlement_date,
                    "component_id": False,
                    "rma_line_id": line.id,
                    "lifted": False,
                }
            ],
        )
        self.assertIn("housing damage", void.reason)
        self.assertIn("Warranty voided", lot.message_ids[0].body)
        # The serial no longer answers "warranty": its page, its search, the
        # public check.
        self.env.invalidate_all()
        Lots = self.env["stock.lot"].with_user(self.rma_user)
        self.assertEqual(lot.with_user(self.rma_user).warranty_kind, "none")
        self.assertEqual(
            Lots.search([("id", "=", lot.id), ("warranty_kind", "=", "none")]), lot
        )
        Lot = self.env["stock.lot"]
        Lot._warranty_lookup(lot.name)  # prepares the statement on this connection
        with self.assertQueryCount(1):
            (result,) = Lot._warranty_lookup(lot.name)
        self.assertEqual(result["kind"], "none")
        self.assertTrue(
            all(p["date_end"] < void.date for p in result["periods"]), result
        )
        # No extension on a voided unit.
        with self.assertRaisesRegex(UserError, "voided"):
            lot._warranty_extension_vals(12)
        # Nobody writes voids directly, not even a manager.
        with self.assertRaises(AccessError):
            void.with_user(self.rma_manager).write({"lifted": True})
        with self.assertRaises(AccessError):
            self.env["rma.warranty.void"].with_user(self.rma_user).create(
                {"lot_id": lot.id, "date": D(2025, 1, 1), "reason": "x"}
            )
        # An RMA user cannot lift it; a manager can, with a reason, from the page.
        with self.assertRaises(AccessError):
            void.with_user(self.rma_user)._lift("Mistake")
        with self.assertRaisesRegex(UserError, "Say why"):
            void.with_user(self.rma_manager)._lift(" ")
        self._lift(void.with_user(self.rma_manager).action_open_lift(), "Not ours")
        self.assertRecordValues(void, [{"lifted": True, "lift_reason": "Not ours"}])
        self.assertEqual(void.lift_user_id, self.rma_manager)
        self.assertIn("lifted", lot.message_ids[0].body)
        self.env.invalidate_all()
        self.assertNotEqual(lot.warranty_kind, "none")
        (result,) = Lot._warranty_lookup(lot.name)
        self.assertNotEqual(result["kind"], "none")

    def test_public_lookup_on_a_new_cursor_each_request(self):
        # Each request borrows a connection from the pool, which resets it (and
        # so discards its prepared statements): the lookup must still answer.
        for _request in range(3):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                self.assertEqual(env["stock.lot"]._warranty_lookup("I11-NO-SUCH"), [])

    def test_component_void_voids_that_component_only(self):
        lot = self._unit("I11-VOID-LCD")
        _rma, line = self._received_repair(lot, failed_component_id=self.lcd.id)
        self._diagnose(line, "self_repair")
        self.assertEqual(lot.warranty_void_ids.component_id, self.lcd)
        on = line.entitlement_date + DAY
        answers = {
            c: lot._get_warranty_entitlement(on_date=on, component=c)[lot].kind
            for c in (self.lcd, self.fan)
        }
        self.assertEqual(answers[self.lcd], "none")
        self.assertIn(answers[self.fan], ("swap", "warranty"))

    def test_entitlements_stay_one_query_with_voids(self):
        lots = self._create_lots(self.product, [f"I11-Q-{i:02d}" for i in range(20)])
        with freeze_time("2025-03-10 10:00:00"):
            self._sell(self.end_user, self.product, lots=lots)
        self.env["rma.warranty.void"].create(
            [
                {"lot_id": lot.id, "date": D(2025, 6, 1), "reason": "Dropped"}
                for lot in lots[:10]
            ]
        )
        keys = [(lot, D(2026, 1, 1), self.fan) for lot in lots]
        self.env.invalidate_all()
        with self.assertQueryCount(2):
            answers = self.env["rma.warranty.coverage"]._get_entitlements(keys)
        kinds = [answers[key].kind for key in keys]
        self.assertEqual(kinds, ["none"] * 10 + ["warranty"] * 10)
        # Before the void the unit was covered, until the day before it.
        answer = lots[0]._get_warranty_entitlement(on_date=D(2025, 5, 1))[lots[0]]
        self.assertEqual((answer.kind, answer.date_end), ("warranty", D(2025, 5, 31)))

    def test_override_after_void_wins_and_quote_follows(self):
        lot = self._unit("I11-VOID-GW")
        _rma, line = self._received_repair(lot)
        self._diagnose(line, "housing")
        line.with_user(self.rma_user).action_rma_quote()
        paid = line.quote_id
        self.assertTrue(paid, "the voided unit's repair is quoted")
        self._override(line, "goodwill", "Long-standing customer")
        self.assertEqual(line.entitlement_kind, "goodwill")
        self.assertTrue(line.entitlement_free_repair)
        # The open quote follows: cancelled, the repair is free now.
        self.assertEqual(paid.state, "cancel")
        self.assertFalse(line.quote_id.filtered(lambda q: q.state != "cancel"))
        self.assertTrue(line.repair_id.under_warranty)
        self.assertEqual(line.repair_status, "to_repair")

    def test_void_undone_on_the_unit(self):
        lot = self._unit("I11-VOID-UNDO")
        _rma, line = self._received_repair(lot)
        before = (line.entitlement_kind, line.entitlement_date_end)
        self._diagnose(line, "housing")
        self.assertEqual(line.entitlement_kind, "none")
        with self.assertRaises(AccessError):
            self._lift(
                line.with_user(self.rma_user).action_open_void_lift(),
                "Mistake",
                user=self.rma_user,
            )
        self._lift(
            line.with_user(self.rma_manager).action_open_void_lift(),
            "Crack was there at delivery",
        )
        self.assertFalse(line.damage_void)
        self.assertFalse(line.entitlement_override_reason)
        self.assertEqual((line.entitlement_kind, line.entitlement_date_end), before)
        self.assertTrue(line.entitlement_free_repair)
        self.assertIn("void was lifted", line.order_id.message_ids[0].body)

    def test_override_checks_the_unit_not_the_rma(self):
        lot_a, lot_b = self._unit("I11-OVR-A"), self._unit("I11-OVR-B")
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": lot_a.id,
                    "resolution": "refund",
                },
                {
                    "product_id": self.product.id,
                    "lot_id": lot_b.id,
                    "resolution": "repair",
                },
            ],
        )
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        rma.action_process()
        self.assertEqual(rma.state, "in_progress")
        line_a, line_b = rma.line_ids.sorted(lambda ln: ln.lot_id.name)
        self.assertTrue(line_a.refund_line_ids)
        # The unit not processed yet may still be overridden...
        self._override(line_b, "goodwill", "Known fan batch")
        self.assertEqual(line_b.entitlement_kind, "goodwill")
        # ...the refunded one not.
        with self.assertRaisesRegex(UserError, "already processed"):
            self._override(line_a, "none", "Changed my mind")

    def test_override_of_several_units_notes_each_in_its_rma(self):
        """Units of two RMAs overridden at once: each RMA's chatter gets one note
        per unit, in the units' order, and nobody is notified."""
        lots = [self._unit(f"I11-OVR-BATCH-{i}") for i in range(3)]
        rma_1 = self._new_rma(
            self.end_user,
            [{"product_id": self.product.id, "lot_id": lot.id} for lot in lots[:2]],
        )
        rma_2 = self._new_rma(
            self.end_user, [{"product_id": self.product.id, "lot_id": lots[2].id}]
        )
        rmas = rma_1 | rma_2
        rmas.action_submit()
        before = {rma: rma.message_ids for rma in rmas}
        lines = rmas.line_ids.with_user(self.rma_user)
        lines._override_entitlement("goodwill", "Known fan batch")
        self.assertEqual(set(lines.mapped("entitlement_kind")), {"goodwill"})
        for rma in rmas:
            notes = (rma.message_ids - before[rma]).filtered(
                lambda m: "overridden" in (m.body or "")
            )
            self.assertEqual(
                notes.sorted("id").mapped("body"),
                [
                    f"<p>Entitlement of {line.display_name} overridden: Warranty → "
                    "Goodwill. Reason: Known fan batch</p>"
                    for line in lines.filtered(lambda ln, rma=rma: ln.order_id == rma)
                ],
            )
            self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
            self.assertEqual(notes.author_id, self.rma_user.partner_id)
            self.assertFalse(notes.notification_ids)

    def test_override_refuses_wrong_values(self):
        lot = self._unit("I11-OVR-TYPES")
        _rma, line = self._submitted(lot)
        line = line.with_user(self.rma_user)
        self.assertFalse(hasattr(line, "action_override_entitlement"))
        for kind, reason in (
            (["x"], "r"),
            ({"a": 1}, "r"),
            ("bogus", "r"),
            ("warranty", ["r"]),
            ("warranty", 5),
            ("warranty", "  "),
        ):
            with self.subTest(kind=kind, reason=reason), self.assertRaises(UserError):
                line._override_entitlement(kind, reason)
        self.assertFalse(line.entitlement_override_reason)

    # ---- Item 9: dates shown, registrations moved to another serial -----------------

    def test_override_to_out_of_warranty_clears_the_dates(self):
        lot = self._unit("I11-NONE")
        _rma, line = self._submitted(lot, user=self.rma_user)
        self.assertEqual(line.entitlement_kind, "warranty")
        self.assertTrue(line.entitlement_date_end)
        self._override(line, "none", "Bought second-hand abroad")
        self.assertRecordValues(
            line,
            [
                {
                    "entitlement_kind": "none",
                    "entitlement_date_end": False,
                    "entitlement_days_left": 0,
                }
            ],
        )
        # Back to warranty: covered until the unit's coverage ends.
        self._override(line, "warranty", "Proof found after all")
        self.assertEqual(
            line.entitlement_date_end, self._whole(lot, "standard").date_end
        )

    def test_swap_window_end_is_shown(self):
        lot = self._unit("I11-SWAP", days_ago=5)
        start = self._whole(lot, "standard").date_start
        self.assertEqual(lot.with_user(self.rma_user).warranty_kind, "swap")
        self.assertEqual(lot.warranty_swap_date_end, start + 29 * DAY)
        _rma, line = self._submitted(lot, user=self.rma_user)
        self.assertEqual(line.entitlement_kind, "swap")
        self.assertEqual(line.entitlement_swap_date_end, start + 29 * DAY)
        for model, name in (
            ("stock.lot", "warranty_swap_date_end"),
            ("rma.order.line", "entitlement_swap_date_end"),
        ):
            arch = self.env[model].with_user(self.rma_user).get_views([(False, "form")])
            form = etree.fromstring(arch["views"]["form"]["arch"])
            self.assertTrue(form.xpath(f"//field[@name='{name}']"), model)
        # Out of the window: no date.
        with freeze_time(fields.Datetime.now() + relativedelta(days=40)):
            self.env.invalidate_all()
            self.assertFalse(lot.warranty_swap_date_end)

    def test_registration_moved_to_another_serial(self):
        lot_a, lot_b = self._create_lots(self.product, ["I11-REG-A", "I11-REG-B"])
        registration = self._register(
            lot_a, fields.Date.today() - 10 * DAY, fields.Datetime.now()
        )
        self.assertEqual(lot_a.warranty_owner_id, self.end_user)
        self.assertTrue(self._whole(lot_a, "standard"))
        form = Form(registration.with_user(self.rma_user))
        form.lot_id = lot_b
        form.save()
        self.env.invalidate_all()
        self.assertFalse(lot_a.warranty_coverage_ids)
        self.assertFalse(lot_a.warranty_owner_id)
        self.assertEqual(self._whole(lot_b, "standard").registration_id, registration)
        self.assertEqual(lot_b.warranty_owner_id, self.end_user)

    # ---- Item 10: purchase dates that cannot be --------------------------------------

    def test_purchase_date_in_the_future_refused(self):
        lot = self._create_lots(self.product, ["I11-FUTURE"])
        with freeze_time("2026-03-10 20:00:00"):
            form = Form(
                self.env["rma.warranty.registration"]
                .with_user(self.rma_user)
                .with_context(default_lot_id=lot.id)
            )
            form.partner_id = self.end_user
            form.purchase_date = D(2029, 1, 1)
            form.date = D(2029, 1, 15)
            form.proof_attachment_ids.add(self._proof())
            with self.assertRaises(ValidationError) as refused:
                form.save()
            self.assertIn("in the future", str(refused.exception))
            # The customer's today: already 11 March in Auckland.
            kiwi = self.env["res.partner"].create(
                {"name": "Issue11 Kiwi", "tz": "Pacific/Auckland"}
            )
            with self.assertRaises(ValidationError) as refused:
                self._register(lot, D(2026, 3, 11), "2026-03-10 20:00:00")
            self.assertIn("in the future", str(refused.exception))
            self._register(lot, D(2026, 3, 11), "2026-03-10 20:00:00", partner=kiwi)
        self.assertEqual(self._whole(lot, "standard").date_start, D(2026, 3, 11))

    def test_purchase_before_our_delivery_refused(self):
        lot = self._sold("I11-EARLY", "2025-03-10 10:00:00", self.distributor)
        with self.assertRaises(ValidationError) as refused:
            self._register(lot, D(2025, 3, 1), "2025-03-20 10:00:00")
        self.assertIn("before we delivered it", str(refused.exception))
        self._register(lot, D(2025, 3, 10), "2025-03-20 10:00:00")
        self.assertEqual(lot.warranty_owner_id, self.end_user)
