# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import datetime
import io
import re

from freezegun import freeze_time
from psycopg2.errors import CheckViolation, UniqueViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from ..models.rma_warranty_code import CODE_ALPHABET
from ..models.rma_warranty_coverage import period_end
from .common import RmaCommon

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestWarrantyCode(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Inverter: 2 years, up to 3 with extensions",
                "warranty_months": 24,
                "max_total_months": 36,
            }
        )
        cls.categ_parent = cls.env["product.category"].create({"name": "Inverters"})
        cls.categ_child = cls.env["product.category"].create(
            {"name": "Hybrid", "parent_id": cls.categ_parent.id}
        )
        cls.product.product_tmpl_id.warranty_policy_id = cls.policy
        cls.inverter = cls.env["product.product"].create(
            {
                "name": "Hybrid Inverter X3",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": cls.categ_child.id,
                "warranty_policy_id": cls.policy.id,
                "invoice_policy": "delivery",
            }
        )
        # The owner lives far east of UTC: their "today" starts 12-13 hours early.
        cls.end_user.tz = "Pacific/Auckland"
        cls.distributor.tz = "UTC"
        cls.lot, cls.lot_2 = cls._create_lots(cls.product, ["SX-CODE-1", "SX-CODE-2"])
        cls._sell(cls.end_user, cls.product, lots=cls.lot | cls.lot_2)
        cls.lot_utc = cls._create_lots(cls.product, ["SX-CODE-UTC"])
        cls._sell(cls.distributor, cls.product, lots=cls.lot_utc)
        cls.lot_inverter = cls._create_lots(cls.inverter, ["SX-INV-1"])
        cls._sell(cls.end_user, cls.inverter, lots=cls.lot_inverter)
        cls.Code = cls.env["rma.warranty.code"]

    def _code(self, **vals):
        return self.Code._generate(1, vals=dict({"months": 6}, **vals))

    def _standard(self, lot):
        return lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        )

    def _assert_refused(self, code_text, lot, message, partner=None):
        """The redemption is refused with ``message`` and writes nothing.
        ``partner`` None: the end user."""
        codes = self.Code.with_context(active_test=False).search([])
        before = (
            lot.warranty_coverage_ids,
            codes.mapped("redeemed_date"),
            len(lot.message_ids),
        )
        with self.assertRaisesRegex(UserError, message):
            self.Code._redeem(
                code_text, lot, self.end_user if partner is None else partner
            )
        self.env.invalidate_all()
        after = (
            lot.warranty_coverage_ids,
            codes.mapped("redeemed_date"),
            len(lot.message_ids),
        )
        self.assertEqual(before, after)

    # ---- Generation -----------------------------------------------------------------

    def test_generate_codes_and_csv(self):
        valid_until = fields.Date.today() + datetime.timedelta(days=90)
        with Form(
            self.env["rma.warranty.code.generate"].with_user(self.rma_manager)
        ) as form:
            form.count = 150
            form.kind = "promo"
            form.months = 12
            form.prefix = " sx "
            form.batch_name = "Installer fair 2025"
            form.valid_until = valid_until
            form.product_tmpl_ids.add(self.inverter.product_tmpl_id)
            form.categ_ids.add(self.categ_parent)
        action = form.record.action_generate()

        codes = self.Code.search([("batch_name", "=", "Installer fair 2025")])
        self.assertEqual(len(codes), 150)
        self.assertEqual(len(set(codes.mapped("code"))), 150)
        pattern = re.compile(r"^SX(-[%s]{4}){3}$" % CODE_ALPHABET)
        self.assertTrue(all(pattern.match(code) for code in codes.mapped("code")))
        self.assertEqual(set(codes.mapped("kind")), {"promo"})
        self.assertEqual(set(codes.mapped("months")), {12})
        self.assertEqual(codes.product_tmpl_ids, self.inverter.product_tmpl_id)
        self.assertEqual(codes.categ_ids, self.categ_parent)
        self.assertEqual(set(codes.mapped("state")), {"available"})

        self.assertEqual(action["type"], "ir.actions.act_url")
        match = re.fullmatch(r"/web/content/(\d+)\?download=true", action["url"])
        self.assertTrue(match)
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.rma_manager)
            .browse(int(match.group(1)))
        )
        self.assertEqual(attachment.mimetype, "text/csv")
        rows = list(csv.reader(io.StringIO(attachment.raw.decode())))
        self.assertEqual(
            rows[0],
            ["Code", "Kind", "Months", "Valid Until", "Eligible Products", "Batch"],
        )
        self.assertEqual(len(rows), 151)
        self.assertEqual({row[0] for row in rows[1:]}, set(codes.mapped("code")))
        self.assertEqual(
            rows[1][1:],
            [
                "Promotion",
                "12",
                fields.Date.to_string(valid_until),
                "Hybrid Inverter X3; Inverters (category)",
                "Installer fair 2025",
            ],
        )
        # A list of codes is worth money: other users cannot download it.
        with self.assertRaises(AccessError):
            attachment.with_user(self.rma_user).raw  # noqa: B018

    def test_generate_is_batched(self):
        """Generating codes costs the same queries for 10 as for 100 (one insert
        batch of the ORM)."""
        Code = self.Code.with_user(self.rma_manager)
        vals = {
            "months": 6,
            "product_tmpl_ids": [Command.set(self.product.product_tmpl_id.ids)],
        }
        Code._generate(1, vals=vals)  # warm the caches
        self.env.flush_all()
        counts = []
        for count in (10, 100):
            start = self.env.cr.sql_log_count
            Code._generate(count, vals=vals)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
        self.assertEqual(counts[0], counts[1])

    def test_generate_limits(self):
        with self.assertRaisesRegex(UserError, "between 1 and 10000"):
            self.Code._generate(0)
        with self.assertRaisesRegex(UserError, "between 1 and 10000"):
            self.Code._generate(10001)
        with self.assertRaisesRegex(UserError, "letters and digits"):
            self.Code._generate(5, prefix="SX-1")
        with (
            self.assertRaises(CheckViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Code._generate(1, vals={"months": 0})

    def test_generate_skips_existing_codes(self):
        existing = self._code()
        drawn = iter([existing.code, existing.code, "FRESH-AAAA-BBBB-CCCC"])
        original = type(self.Code)._random_code

        def fake_random_code(model, prefix=""):
            return next(drawn, None) or original(model, prefix)

        self.patch(type(self.Code), "_random_code", fake_random_code)
        codes = self.Code._generate(1, vals={"months": 3})
        self.assertEqual(codes.code, "FRESH-AAAA-BBBB-CCCC")

    # ---- Uniqueness -----------------------------------------------------------------

    def test_db_refuses_duplicate_in_another_case(self):
        code = self.Code.create({"code": "  dup-aaaa-bbbb-cccc ", "months": 3})
        self.assertEqual(code.code, "DUP-AAAA-BBBB-CCCC")
        # Through the ORM...
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Code.create({"code": "Dup-Aaaa-Bbbb-Cccc", "months": 3})
        other = self._code()
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            other.write({"code": "dup-aaaa-bbbb-cccc"})
            other.flush_recordset()
        self.env.invalidate_all()
        # ...and by hand, bypassing the ORM's normalisation.
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                SQL(
                    "INSERT INTO rma_warranty_code "
                    "(code, kind, months, company_id, active) "
                    "VALUES ('dup-aaaa-bbbb-cccc', 'promo', 1, %s, true)",
                    self.company.id,
                )
            )
        self.assertEqual(
            self.Code.search_count([("code", "=ilike", "dup-aaaa-bbbb-cccc")]), 1
        )

    # ---- Redemption -----------------------------------------------------------------

    def test_redeem_extends_after_current_coverage(self):
        standard = self._standard(self.lot)
        self.assertTrue(standard)
        first, second = self._code(), self._code(kind="promo")
        # Typed in lower case with spaces around: still the code.
        coverage = self.Code._redeem(f"  {first.code.lower()} ", self.lot, None)

        self.assertRecordValues(
            coverage,
            [
                {
                    "lot_id": self.lot.id,
                    "kind": "extended",
                    "origin": "code",
                    "code_id": first.id,
                    "partner_id": self.end_user.id,
                    "date_start": standard.date_end + DAY,
                    "date_end": period_end(standard.date_end + DAY, 6),
                    "policy_id": self.policy.id,
                }
            ],
        )
        self.assertRecordValues(
            first,
            [
                {
                    "state": "redeemed",
                    "redeemed_lot_id": self.lot.id,
                    "redeemed_partner_id": self.end_user.id,
                    "coverage_id": coverage.id,
                }
            ],
        )
        self.assertTrue(first.redeemed_date)
        self.assertIn(
            f"Extension code {first.code} redeemed by {self.end_user.name}",
            self.lot.message_ids[0].body,
        )
        # A second code continues where the first ends; promo codes give the
        # same extended coverage, labelled as a promotion.
        coverage_2 = self.Code._redeem(second.code, self.lot, self.end_user)
        self.assertEqual(coverage_2.kind, "extended")
        self.assertEqual(coverage_2.date_start, coverage.date_end + DAY)
        self.assertEqual(coverage_2.date_end, period_end(coverage.date_end + DAY, 6))
        self.assertIn(f"Promo code {second.code}", self.lot.message_ids[0].body)
        answer = self.lot._get_warranty_entitlement(on_date=coverage.date_end)
        self.assertEqual(answer[self.lot].date_end, coverage_2.date_end)
        # 24 + 6 + 6 months: the policy's 36 are reached.
        third = self._code(months=1)
        self._assert_refused(third.code, self.lot, "cannot be covered beyond")

    def test_redeem_for_another_partner(self):
        code = self._code()
        coverage = self.Code._redeem(code.code, self.lot_2, self.distributor)
        self.assertEqual(coverage.partner_id, self.distributor)
        self.assertEqual(code.redeemed_partner_id, self.distributor)

    def test_refusals_write_nothing(self):
        self._assert_refused("NOPE-AAAA-BBBB-CCCC", self.lot, "is not valid")
        self._assert_refused("   ", self.lot, "Type the code")

        used = self._code()
        self.Code._redeem(used.code, self.lot_2, self.end_user)
        self._assert_refused(used.code.lower(), self.lot, "already been used")
        self._assert_refused(used.code, self.lot_2, "already been used")

        expired = self._code(valid_until=fields.Date.today() - 2 * DAY)
        self.assertEqual(expired.state, "expired")
        self._assert_refused(expired.code, self.lot, "expired on")

        other_product = self._code(
            product_tmpl_ids=[Command.set(self.inverter.product_tmpl_id.ids)]
        )
        self._assert_refused(other_product.code, self.lot, "is not valid for NAS")
        other_category = self._code(categ_ids=[Command.set(self.categ_parent.ids)])
        self._assert_refused(other_category.code, self.lot, "is not valid for NAS")

        too_long = self._code(months=24)  # 24 + 24 > 36
        self._assert_refused(too_long.code, self.lot, "cannot be covered beyond")

        archived = self._code()
        archived.active = False
        self._assert_refused(archived.code, self.lot, "is not valid")

        unsold = self._create_lots(self.product, ["SX-NEVER-SOLD"])
        self._assert_refused(
            self._code().code,
            unsold,
            "has no known owner",
            partner=self.env["res.partner"],
        )
        self._assert_refused(self._code().code, unsold, "no standard warranty")
        for code in (other_product, other_category, too_long, archived):
            self.assertFalse(code.redeemed_date)
            self.assertFalse(code.coverage_id)

    def test_category_covers_sub_categories(self):
        code = self._code(
            categ_ids=[Command.set(self.categ_parent.ids)],
            product_tmpl_ids=[Command.set(self.product.product_tmpl_id.ids)],
        )
        self.assertTrue(code._is_eligible(self.inverter))  # child category
        self.assertTrue(code._is_eligible(self.product))  # listed product
        self.assertFalse(code._is_eligible(self.product_untracked))
        coverage = self.Code._redeem(code.code, self.lot_inverter, self.end_user)
        self.assertEqual(coverage.lot_id, self.lot_inverter)

    def test_expiry_is_the_customers_local_day(self):
        today = fields.Date.today()
        code_far, code_utc = (
            self._code(valid_until=today),
            self._code(valid_until=today),
        )
        # 20:00 UTC on the last valid day: already the next morning in Auckland.
        with freeze_time(f"{today} 20:00:00"):
            self._assert_refused(code_far.code, self.lot, "expired on")
            coverage = self.Code._redeem(code_utc.code, self.lot_utc, self.distributor)
        self.assertEqual(coverage.code_id, code_utc)

    def test_state_search(self):
        today = fields.Date.today()
        available = self._code() | self._code(valid_until=today)
        expired = self._code(valid_until=today - DAY)
        redeemed = self._code()
        self.Code._redeem(redeemed.code, self.lot, self.end_user)
        mine = available | expired | redeemed
        Code = self.Code.with_context(tz="UTC")
        for domain, expected in [
            ([("state", "=", "available")], available),
            ([("state", "=", "expired")], expired),
            ([("state", "=", "redeemed")], redeemed),
            ([("state", "!=", "available")], expired | redeemed),
            ([("state", "in", ["expired", "redeemed"])], expired | redeemed),
            ([("state", "not in", ["redeemed"])], available | expired),
        ]:
            self.assertEqual(
                Code.search(domain + [("id", "in", mine.ids)]), expected, domain
            )

    def test_redeemed_code_is_kept(self):
        code = self._code()
        coverage = self.Code._redeem(code.code, self.lot, self.end_user)
        with self.assertRaisesRegex(UserError, "archive it"):
            code.unlink()
        with self.assertRaisesRegex(UserError, "cannot be renamed"):
            code.code = "OTHER-AAAA-BBBB-CCCC"
        code.action_archive()
        self.assertEqual(coverage.code_id, code)

    # ---- Staff and access -----------------------------------------------------------

    def test_staff_redeem_wizard(self):
        code = self._code()
        Redeem = self.env["rma.warranty.code.redeem"].with_user(self.rma_user)
        with Form(Redeem) as form:
            form.code = code.code.lower()
            form.lot_id = self.lot_2
            self.assertEqual(form.partner_id, self.end_user)  # the unit's owner
        action = form.record.action_redeem()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(code.redeemed_lot_id, self.lot_2)
        self.assertEqual(code.coverage_id.create_uid, self.rma_user)
        self.assertEqual(self.lot_2.message_ids[0].author_id, self.rma_user.partner_id)

    def test_access(self):
        code = self._code()
        Code = self.Code.with_user(self.rma_user)
        # Codes are secrets: staff redeem one by its text and read none (issue 11).
        with self.assertRaises(AccessError):
            Code.browse(code.id).read(["code"])
        with self.assertRaises(AccessError):
            Code.create({"months": 3})
        with self.assertRaises(AccessError):
            Code.browse(code.id).write({"months": 24})
        with self.assertRaises(AccessError):
            self.env["rma.warranty.code.generate"].with_user(self.rma_user).create({})

        other_company = self.env["res.company"].create({"name": "Other Codes Co"})
        foreign = self._code(company_id=other_company.id)
        with self.assertRaises(AccessError):
            Code.browse(foreign.id).read(["code"])
        # Another company's code is unknown to the user, and to its units.
        with self.assertRaisesRegex(UserError, "is not valid"):
            Code._redeem(foreign.code, self.lot, self.end_user)
        with self.assertRaisesRegex(UserError, "cannot be used on serial"):
            self.Code._redeem(foreign.code, self.lot, self.end_user)
        self.assertFalse(foreign.redeemed_date)

    def test_menus(self):
        menu = self.env.ref("rma_warranty.rma_warranty_code_menu")
        self.assertEqual(
            menu.parent_id, self.env.ref("rma_warranty.rma_warranty_menu_warranty")
        )
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.rma_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.rma_user)._visible_menu_ids())
        redeem_menu = self.env.ref("rma_warranty.rma_warranty_code_redeem_menu")
        self.assertIn(redeem_menu.id, Menu.with_user(self.rma_user)._visible_menu_ids())
