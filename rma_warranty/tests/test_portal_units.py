# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12, My units: the portal pages of a customer's and a distributor's serials."""

import datetime
import socket
from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.rma_warranty_registration import PORTAL_REGISTER_LIMITS
from .common import RmaCommon, customer_today

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
    b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
    b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


class PortalUnitsCommon(RmaCommon, HttpCase):
    """Units of an end user (one bought directly, one bought from the
    distributor and registered), of the distributor (sold, not registered yet) and
    of another customer, with portal users for each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lcd = cls.env["rma.warranty.component"].create({"name": "Units LCD"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Units policy",
                "warranty_months": 24,
                "max_total_months": 60,
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 12})
                ],
            }
        )
        cls.product.warranty_policy_id = cls.policy
        cls.other_partner = cls.env["res.partner"].create(
            {"name": "Olga Other Customer", "email": "olga@example.com"}
        )
        cls.dist_contact = cls.env["res.partner"].create(
            {"name": "Dina Dist", "parent_id": cls.distributor.id}
        )
        cls.end_login = new_test_user(
            cls.env,
            "units_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
            name=cls.end_user.name,
        )
        cls.dist_login = new_test_user(
            cls.env,
            "units_dist",
            groups="base.group_portal",
            partner_id=cls.dist_contact.id,
            name=cls.dist_contact.name,
        )
        cls.other_login = new_test_user(
            cls.env,
            "units_other",
            groups="base.group_portal",
            partner_id=cls.other_partner.id,
            name=cls.other_partner.name,
        )
        cls.lot_direct, cls.lot_resold, cls.lot_stock_dist, cls.lot_other = (
            cls._create_lots(
                cls.product,
                ["UNITS-DIRECT", "UNITS-RESOLD", "UNITS-DIST", "UNITS-OTHER"],
            )
        )
        cls._sell(cls.end_user, cls.product, lots=cls.lot_direct)
        cls._sell(
            cls.distributor, cls.product, lots=cls.lot_resold | cls.lot_stock_dist
        )
        cls._sell(cls.other_partner, cls.product, lots=cls.lot_other)
        cls.proof = cls.env["ir.attachment"].create({"name": "r.pdf", "raw": PDF})
        cls.env["rma.warranty.registration"]._register_unit(
            cls.lot_resold,
            cls.end_user,
            customer_today(cls.lot_resold, cls.end_user),
            cls.proof,
        )
        cls.lot_resold.invalidate_recordset()

    def _get(self, url, **kw):
        return self.url_open(url, allow_redirects=False, **kw)

    def _assert_login_redirect(self, response):
        self.assertIn(response.status_code, (301, 302, 303), response.text[:500])
        self.assertIn("/web/login", response.headers["Location"])


@tagged("post_install", "-at_install")
class TestPortalUnits(PortalUnitsCommon):
    def test_list_isolation(self):
        """Each user sees the units of their own commercial entity and, for a
        distributor, those it sold; nobody sees another customer's."""
        serials = {
            lot: lot.name
            for lot in (
                self.lot_direct,
                self.lot_resold,
                self.lot_stock_dist,
                self.lot_other,
            )
        }
        expected = {
            "units_end": self.lot_direct | self.lot_resold,
            "units_dist": self.lot_resold | self.lot_stock_dist,
            "units_other": self.lot_other,
        }
        for login, lots in expected.items():
            with self.subTest(login=login):
                self.authenticate(login, login)
                response = self._get("/my/units")
                self.assertEqual(response.status_code, 200)
                for lot, serial in serials.items():
                    if lot in lots:
                        self.assertIn(serial, response.text)
                    else:
                        self.assertNotIn(serial, response.text)
        self.authenticate(None, None)
        self._assert_login_redirect(self._get("/my/units"))

    def test_other_company(self):
        """A unit of the end user in a company the portal user is not of: not
        listed, not counted, not found."""
        company = self.env["res.company"].create({"name": "Units Other Company"})
        lot = self.env["stock.lot"].create(
            {
                "name": "UNITS-ELSEWHERE",
                "product_id": self.product.id,
                "company_id": company.id,
            }
        )
        lot.sudo()._write_decision(  # sudo: the test sets the owner as a delivery would
            {
                "warranty_owner_id": self.end_user.id,
                "warranty_sold_to_id": self.end_user.id,
            }
        )
        self.authenticate("units_end", "units_end")
        self.assertNotIn("UNITS-ELSEWHERE", self._get("/my/units").text)
        self.assertEqual(self._get(f"/my/units/{lot.id}").status_code, 404)
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["unit_count"]})
        self.assertEqual(result["unit_count"], 2)

    def test_list_columns_search_sort(self):
        self.authenticate("units_end", "units_end")
        response = self._get("/my/units")
        today = self.lot_direct._warranty_today()[self.lot_direct]
        self.assertIn("Warranty", response.text)
        self.assertIn("NAS TS-464", response.text)
        self.assertIn("Erik End User", response.text)
        end = self.lot_direct.warranty_date_end
        self.assertTrue(end and end > today)
        self.assertIn(
            self.env["ir.qweb.field.date"].value_to_html(end, {}), response.text
        )
        response = self._get("/my/units?search=resold&search_in=serial")
        self.assertIn("UNITS-RESOLD", response.text)
        self.assertNotIn("UNITS-DIRECT", response.text)
        response = self._get("/my/units?search=TS-464&search_in=product")
        self.assertIn("UNITS-RESOLD", response.text)
        self.assertIn("UNITS-DIRECT", response.text)
        response = self._get("/my/units?search=nothing-like-it")
        self.assertIn("No unit matches your search.", response.text)
        response = self._get("/my/units?sortby=newest")
        self.assertLess(
            response.text.index("UNITS-RESOLD"), response.text.index("UNITS-DIRECT")
        )
        response = self._get("/my/units?filterby=uncovered")
        self.assertNotIn("UNITS-DIRECT", response.text)

    def test_home_counter(self):
        for login, count in (("units_end", 2), ("units_dist", 2), ("units_other", 1)):
            with self.subTest(login=login):
                self.authenticate(login, login)
                result = self.make_jsonrpc_request(
                    "/my/counters", {"counters": ["unit_count"]}
                )
                self.assertEqual(result["unit_count"], count)
        self.authenticate("units_end", "units_end")
        self.assertIn("/my/units", self._get("/my").text)

    def test_detail(self):
        self.authenticate("units_end", "units_end")
        response = self._get(f"/my/units/{self.lot_resold.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("UNITS-RESOLD", response.text)
        self.assertIn("Units LCD", response.text)
        lcd = self.lot_resold.warranty_coverage_ids.filtered("component_id")
        self.assertIn(
            self.env["ir.qweb.field.date"].value_to_html(lcd.date_end, {}),
            response.text,
        )
        self.assertIn("o_rma_unit_registrations", response.text)
        self.assertIn("Erik End User", response.text)
        self.assertIn("/certificate", response.text)
        # The distributor that sold it sees it, not the owner's certificate link
        # nor, on the registrations, who registered it.
        self.authenticate("units_dist", "units_dist")
        response = self._get(f"/my/units/{self.lot_resold.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("UNITS-RESOLD", response.text)
        self.assertNotIn("/certificate", response.text)
        # Another customer, an unknown id, an id out of range: not found.
        self.authenticate("units_other", "units_other")
        for lot_id in (self.lot_resold.id, self.lot_direct.id, 0, 99999999, 2**40):
            with self.subTest(lot_id=lot_id):
                response = self._get(f"/my/units/{lot_id}")
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("UNITS-RESOLD", response.text)
        self.authenticate(None, None)
        self._assert_login_redirect(self._get(f"/my/units/{self.lot_direct.id}"))

    @contextmanager
    def _pdf_without_web_server(self):
        """wkhtmltopdf fetches the report styles from ``report.url``, which the
        test server cannot serve while it answers this request: a port that
        refuses connections renders the PDF without them, quickly."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.env["ir.config_parameter"].set_param(
                "report.url", f"http://127.0.0.1:{sock.getsockname()[1]}"
            )
            yield

    # wkhtmltopdf warns that it could not fetch the styles (_pdf_without_web_server).
    @mute_logger("odoo.addons.base.models.ir_actions_report", "odoo.http")
    def test_certificate(self):
        url = f"/my/units/{self.lot_resold.id}/certificate"
        self.authenticate("units_end", "units_end")
        with self._pdf_without_web_server():
            response = self._get(url)
        self.assertEqual(response.status_code, 200, response.text[:3000])
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        # Under tests Odoo renders PDF reports as HTML (unless a context key says
        # otherwise, which a route does not get): the certificate of this unit.
        self.assertIn("Warranty Certificate", response.text)
        self.assertIn("UNITS-RESOLD", response.text)
        self.assertIn("Warranty_Certificate", response.headers["Content-Disposition"])
        # The distributor that sold it is not its owner; another customer does not
        # see it at all; the public is sent to log in.
        self.authenticate("units_dist", "units_dist")
        response = self._get(url)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("Warranty Certificate", response.text)
        self.authenticate("units_other", "units_other")
        response = self._get(url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("UNITS-RESOLD", response.text)
        # The report URL itself stays closed to portal users.
        response = self._get(
            f"/report/pdf/rma_warranty.report_warranty_certificate/{self.lot_resold.id}"
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("UNITS-RESOLD", response.text)
        self.authenticate(None, None)
        self._assert_login_redirect(self._get(url))


@tagged("post_install", "-at_install")
class TestPortalUnitsRegister(PortalUnitsCommon):
    def _post(self, files=None, **data):
        data.setdefault("csrf_token", self.csrf_token())
        return self.url_open(
            "/my/units/register",
            data=data,
            files=files if files is not None else {"proof": ("receipt.pdf", PDF)},
            allow_redirects=False,
        )

    def csrf_token(self):
        response = self.url_open("/my/units/register")
        self.assertEqual(response.status_code, 200)
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def _counts(self):
        return (
            self.env["rma.warranty.registration"].search_count([]),
            self.env["ir.attachment"].search_count(
                [("res_model", "in", (False, "rma.warranty.registration"))]
            ),
        )

    def test_register(self):
        self.authenticate("units_other", "units_other")
        today = fields.Date.context_today(self.other_login)
        # The distributor's unsold-on unit: its buyer registers it.
        response = self._post(serial=" UNITS-DIST ", purchase_date=str(today))
        self.assertEqual(response.status_code, 303, response.text[:2000])
        self.assertIn(
            f"/my/units/{self.lot_stock_dist.id}", response.headers["Location"]
        )
        registration = self.lot_stock_dist.warranty_registration_ids
        self.assertEqual(len(registration), 1)
        self.assertEqual(registration.partner_id, self.other_partner)
        self.assertEqual(registration.purchase_date, today)
        self.assertEqual(registration.proof_attachment_ids.raw, PDF)
        self.assertEqual(registration.proof_attachment_ids.res_id, registration.id)
        self.lot_stock_dist.invalidate_recordset()
        self.assertEqual(self.lot_stock_dist.warranty_owner_id, self.other_partner)
        response = self.url_open(response.headers["Location"])
        self.assertIn("Your unit is registered", response.text)
        self.assertIn("/certificate", response.text)

    def test_register_refused(self):
        self.authenticate("units_other", "units_other")
        today = fields.Date.context_today(self.other_login)
        tomorrow = str(today + datetime.timedelta(days=1))
        cases = [
            ("future date", {"purchase_date": tomorrow}, None, "in the future"),
            ("garbage date", {"purchase_date": "2024-13-45"}, None, "date the unit"),
            ("empty date", {"purchase_date": ""}, None, "date the unit"),
            (
                "date before delivery",
                {"purchase_date": "2001-01-01"},
                None,
                "before we",
            ),
            ("no proof", {}, {}, "proof of purchase"),
            (
                "wrong type",
                {},
                {"proof": ("receipt.pdf", b"just text, not a PDF at all")},
                "not a PDF or an image",
            ),
            (
                "oversized",
                {},
                {"proof": ("big.png", PNG + b"\0" * (5 * 1024 * 1024))},
                "larger than",
            ),
            (
                "unknown serial",
                {"serial": "NO-SUCH-SERIAL"},
                None,
                "cannot be registered",
            ),
            # Registered by the end user: someone else's.
            (
                "someone else's",
                {"serial": "UNITS-RESOLD"},
                None,
                "cannot be registered",
            ),
            ("empty serial", {"serial": ""}, None, "Type the serial"),
        ]
        before = self._counts()
        for name, data, files, message in cases:
            with self.subTest(name):
                data = dict(
                    {"serial": "UNITS-DIST", "purchase_date": str(today)}, **data
                )
                response = self._post(files=files, **data)
                self.assertEqual(response.status_code, 400, response.text[:1000])
                self.assertIn(message, response.text)
                self.assertIn("o_rma_register_error", response.text)
                self.assertEqual(self._counts(), before)
        self.assertFalse(self.lot_stock_dist.warranty_registration_ids)
        self.assertEqual(self.lot_resold.warranty_owner_id, self.end_user)

    @mute_logger("odoo.http")
    def test_register_csrf_and_public(self):
        self.authenticate("units_other", "units_other")
        before = self._counts()
        response = self._post(
            csrf_token="wrong", serial="UNITS-DIST", purchase_date="2025-01-01"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), before)
        self.authenticate(None, None)
        self._assert_login_redirect(self._get("/my/units/register"))


@tagged("post_install", "-at_install")
class TestPortalUnitsRedeem(PortalUnitsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.code = cls.env["rma.warranty.code"].create({"months": 12})

    def _csrf(self, lot):
        response = self.url_open(f"/my/units/{lot.id}")
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def _redeem(self, lot, code, csrf_lot=None):
        return self.url_open(
            f"/my/units/{lot.id}/redeem",
            data={"code": code, "csrf_token": self._csrf(csrf_lot or lot)},
            allow_redirects=False,
        )

    def _extended(self, lot):
        lot.invalidate_recordset()
        return lot.warranty_coverage_ids.filtered(lambda p: p.kind == "extended")

    def test_redeem(self):
        self.authenticate("units_end", "units_end")
        response = self._redeem(self.lot_direct, f"  {self.code.code.lower()} ")
        self.assertEqual(response.status_code, 303, response.text[:2000])
        extended = self._extended(self.lot_direct)
        self.assertEqual(len(extended), 1)
        self.assertEqual(self.code.redeemed_lot_id, self.lot_direct)
        self.assertEqual(self.code.redeemed_partner_id, self.end_user)
        response = self.url_open(response.headers["Location"])
        self.assertIn("The code is redeemed", response.text)
        self.assertIn("Extended", response.text)
        # Used: refused, nothing more given.
        response = self._redeem(self.lot_resold, self.code.code)
        self.assertEqual(response.status_code, 400)
        self.assertIn("has already been used", response.text)
        self.assertFalse(self._extended(self.lot_resold))

    def test_redeem_refused(self):
        self.authenticate("units_end", "units_end")
        for code in ("AAAA-BBBB-CCCC", "", "x" * 5000):
            with self.subTest(code=code[:20]):
                response = self._redeem(self.lot_direct, code)
                self.assertEqual(response.status_code, 400)
                self.assertIn("o_rma_unit_error", response.text)
        self.assertFalse(self._extended(self.lot_direct))
        # Someone else's unit, an unknown one: not found, the code untouched.
        self.authenticate("units_other", "units_other")
        for lot in (self.lot_direct, self.env["stock.lot"].browse(99999999)):
            with self.subTest(lot=lot.id):
                response = self._redeem(lot, self.code.code, csrf_lot=self.lot_other)
                self.assertEqual(response.status_code, 404)
        self.assertFalse(self.code.redeemed_date)
        self.assertFalse(self._extended(self.lot_direct))

    @mute_logger("odoo.http")
    def test_redeem_csrf_and_public(self):
        self.authenticate("units_end", "units_end")
        response = self.url_open(
            f"/my/units/{self.lot_direct.id}/redeem",
            data={"code": self.code.code, "csrf_token": "wrong"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/units/{self.lot_direct.id}/redeem",
            data={"code": self.code.code},
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(self.code.redeemed_date)

    def test_redeem_rate_limit(self):
        """Ten attempts an hour per user: the eleventh is refused with 429, even
        with a good code, and the refused attempts stay counted."""
        self.authenticate("units_end", "units_end")
        for attempt in range(10):
            response = self._redeem(self.lot_direct, f"WRNG-CODE-{attempt:04d}")
            self.assertEqual(response.status_code, 400, attempt)
        response = self._redeem(self.lot_direct, self.code.code)
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many codes", response.text)
        self.assertFalse(self.code.redeemed_date)
        self.assertFalse(self._extended(self.lot_direct))
        # Another user of the same address still has tries of their own.
        self.authenticate("units_dist", "units_dist")
        response = self._redeem(self.lot_stock_dist, self.code.code)
        self.assertEqual(response.status_code, 303, response.text[:2000])


@tagged("post_install", "-at_install")
class TestPortalUnitsQueries(PortalUnitsCommon):
    """The units list costs the same queries with 10 or 1,000 serials."""

    # Queries of one request of the units list (session, user, page, counts,
    # serials, products, owners, coverage): measured, constant in the serials.
    BUDGET = 14

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = cls.env["res.partner"].create({"name": "Mona Many Units"})
        new_test_user(
            cls.env,
            "units_many",
            groups="base.group_portal",
            partner_id=cls.many.id,
            name=cls.many.name,
        )

    def _add_units(self, count, offset):
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"MANY-{offset + i:05d}",
                    "product_id": self.product.id,
                    "company_id": self.company.id,
                }
                for i in range(count)
            ]
        )
        lots.sudo()._write_decision(  # sudo: the test sets owners as deliveries would
            {"warranty_owner_id": self.many.id, "warranty_sold_to_id": self.many.id}
        )
        today = fields.Date.context_today(self.env.user)
        self.env["rma.warranty.coverage"].create(
            [
                vals
                for lot in lots
                for vals in lot._warranty_period_vals(
                    self.policy,
                    today,
                    {"origin": "delivery", "partner_id": self.many.id},
                )
            ]
        )
        self.env.invalidate_all()
        return lots

    def _count_list_queries(self):
        self.url_open("/my/units")  # warm-up: caches, device log
        self.env.flush_all()
        count0 = self.cr.sql_log_count
        with self.assertQueryCount(self.BUDGET):
            response = self.url_open("/my/units")
        self.assertEqual(response.status_code, 200)
        return self.cr.sql_log_count - count0, response

    def test_list_queries(self):
        self._add_units(10, 0)
        self.authenticate("units_many", "units_many")
        count_10, response = self._count_list_queries()
        self.assertEqual(response.text.count("o_rma_unit_row"), 10)
        self._add_units(990, 10)
        count_1000, response = self._count_list_queries()
        self.assertEqual(response.text.count("o_rma_unit_row"), 80)
        self.assertTrue('href="/my/units/page/2' in response.text)
        self.assertEqual(count_10, count_1000)


@tagged("post_install", "-at_install")
class TestPortalUnitsFuzz(PortalUnitsCommon):
    """Odd parameters on every route: a page, a 4xx or a redirect, never a 500;
    the read-only pages never fall back to a read-write cursor."""

    def test_fuzz_get(self):
        lot = self.lot_direct
        urls = [
            "/my/units?page=abc",
            # A digit Python's int() refuses (was a 500 in the portal's pager).
            "/my/units?page=%C2%B2",
            "/my/units/page/0",
            "/my/units/page/99999",
            "/my/units/page/99999999999999999999",
            "/my/units?sortby=name%20desc;drop",
            "/my/units?sortby=&filterby=",
            "/my/units?filterby=../../etc",
            "/my/units?search_in=id&search=1",
            "/my/units?search=%00%27%22%3C",
            "/my/units?search=" + "x" * 5000,
            "/my/units?search=a&search=b&sortby=serial&sortby=product",
            "/my/units?date_begin=yesterday",
            f"/my/units/{lot.id}?registered=%00",
            f"/my/units/{lot.id}?access_token=wrong",
            "/my/units/-1",
            "/my/units/abc",
            "/my/units/99999999999999999999",
            f"/my/units/{lot.id}/certificate?download=maybe&report_type=xml",
            "/my/units/2147483648/certificate",
            "/my/units/register?serial=" + "y" * 5000,
            "/my/units/register?serial=a&serial=b",
            f"/my/units/{lot.id}/redeem",
            f"/my/units/{lot.id}/extend",
            f"/my/units/{lot.id}/extend?offer=1",
        ]
        for login in ("units_end", None):
            self.authenticate(login, login)
            for url in urls:
                with self.subTest(login=login, url=url[:80]):
                    with self.assertNoLogs("odoo.http", "WARNING"):
                        response = self.url_open(url, allow_redirects=False)
                    self.assertLess(response.status_code, 500, response.text[:500])

    @mute_logger("odoo.http")
    def test_fuzz_post(self):
        self.authenticate("units_other", "units_other")
        page = self.url_open("/my/units/register").text
        marker = 'name="csrf_token" value="'
        start = page.index(marker) + len(marker)
        csrf = page[start : page.index('"', start)]
        before = self.env["rma.warranty.registration"].search_count([])
        posts = [
            ("/my/units/register", {"serial": ["a", "b"]}, None),
            ("/my/units/register", {"purchase_date": "0000-00-00"}, None),
            ("/my/units/register", {"purchase_date": "9999-12-31"}, None),
            ("/my/units/register", {"purchase_date": "1-1-1"}, None),
            ("/my/units/register", {"lot_id": self.lot_stock_dist.id}, None),
            ("/my/units/register", {}, {"serial": ("s.txt", b"UNITS-DIST")}),
            (
                "/my/units/register",
                {"serial": "UNITS-DIST", "purchase_date": "2020-01-01"},
                [("proof", ("a.pdf", PDF))] * 5,
            ),
            (
                "/my/units/register",
                {"serial": "UNITS-DIST", "purchase_date": "2020-01-01"},
                {"proof": ("", b"")},
            ),
            (
                "/my/units/register",
                {"serial": "UNITS-DIST", "purchase_date": "2020-01-01\x00"},
                {"proof": ("a\x00.pdf", b"\x00" * 10)},
            ),
            (f"/my/units/{self.lot_other.id}/redeem", {"code": ["a", "b"]}, None),
            (f"/my/units/{self.lot_other.id}/redeem", {}, {"code": ("c", b"X")}),
            ("/my/units/2147483648/redeem", {"code": "X"}, None),
            ("/my/units/0/redeem", {"code": "X"}, None),
            (f"/my/units/{self.lot_other.id}/extend", {"offer": ["a", "b"]}, None),
            (f"/my/units/{self.lot_other.id}/extend", {}, {"offer": ("o", b"1")}),
            (f"/my/units/{self.lot_direct.id}/extend", {"offer": "1"}, None),
            ("/my/units/2147483648/extend", {"offer": "1"}, None),
        ]
        for url, data, files in posts:
            with self.subTest(url=url, data=str(data)[:60]):
                response = self.url_open(
                    url,
                    data=dict(data, csrf_token=csrf),
                    files=files,
                    allow_redirects=False,
                )
                self.assertLess(response.status_code, 500, response.text[:500])
                self.assertNotEqual(response.status_code, 303)
        self.assertEqual(self.env["rma.warranty.registration"].search_count([]), before)
        self.assertFalse(
            self.env["sale.order.line"].search_count([("warranty_lot_id", "!=", False)])
        )


@tagged("post_install", "-at_install")
class TestPortalUnitsTour(PortalUnitsCommon):
    def test_register_and_redeem_tour(self):
        code = self.env["rma.warranty.code"].create(
            {"code": "TOUR-ABCD-EFGH-JKLM", "months": 12}
        )
        self.start_tour(
            "/my/units/register", "rma_warranty_portal_units_tour", login="units_other"
        )
        registration = self.lot_stock_dist.warranty_registration_ids
        self.assertEqual(registration.partner_id, self.other_partner)
        self.assertEqual(registration.proof_attachment_ids.name, "receipt.pdf")
        self.assertEqual(code.redeemed_lot_id, self.lot_stock_dist)
        self.assertTrue(
            self.lot_stock_dist.warranty_coverage_ids.filtered(
                lambda p: p.kind == "extended"
            )
        )


@tagged("post_install", "-at_install")
class TestPortalUnitsRegisterRateLimit(PortalUnitsCommon):
    """Registering a unit is rate limited per user and per client address: serial
    numbers are printed on boxes and follow one another, and a unit we delivered
    that is not registered yet may be registered by whoever types its serial."""

    def _post(self, serial):
        page = self.url_open("/my/units/register").text
        marker = 'name="csrf_token" value="'
        start = page.index(marker) + len(marker)
        return self.url_open(
            "/my/units/register",
            data={
                "csrf_token": page[start : page.index('"', start)],
                "serial": serial,
                "purchase_date": str(fields.Date.context_today(self.env.user)),
            },
            files={"proof": ("receipt.pdf", PDF)},
            allow_redirects=False,
        )

    def test_register_rate_limit_per_user(self):
        """Ten attempts an hour per user: the eleventh is refused with 429, even
        for a serial that could be registered, and the refused ones stay counted."""
        self.authenticate("units_other", "units_other")
        for attempt in range(10):
            response = self._post(f"GUESS-{attempt:04d}")
            self.assertEqual(response.status_code, 400, attempt)
        response = self._post("UNITS-DIST")
        self.assertEqual(response.status_code, 429, response.text[:1000])
        self.assertIn("Too many units were registered", response.text)
        self.assertFalse(self.lot_stock_dist.warranty_registration_ids)
        # Another user of the same address still has tries of their own.
        self.authenticate("units_dist", "units_dist")
        response = self._post("UNITS-DIST")
        self.assertEqual(response.status_code, 303, response.text[:1000])

    def test_register_rate_limit_per_address(self):
        """Users of one client address share its limit: the attempt over it is
        refused whoever makes it."""
        limits = dict(PORTAL_REGISTER_LIMITS, unit_register_ip=(4, 3600))
        with patch.dict(PORTAL_REGISTER_LIMITS, limits):
            for login in ("units_end", "units_end", "units_other", "units_other"):
                self.authenticate(login, login)
                self.assertEqual(self._post("GUESS-0000").status_code, 400, login)
            self.authenticate("units_dist", "units_dist")
            response = self._post("UNITS-DIST")
        self.assertEqual(response.status_code, 429, response.text[:1000])
        self.assertFalse(self.lot_stock_dist.warranty_registration_ids)
