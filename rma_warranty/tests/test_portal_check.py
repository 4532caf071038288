# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch
from urllib.parse import quote, urlencode, urlparse

from lxml import html

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config, format_date, mute_logger

from .common import RmaCommon

NEUTRAL = "No warranty information is available for this serial number."


@tagged("post_install", "-at_install")
class TestPortalCheck(HttpCase, RmaCommon):
    """The public warranty check, as a visitor, a portal user and an integrator
    reach it: product and coverage dates per component, nothing personal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Component = cls.env["rma.warranty.component"]
        cls.lcd = Component.create({"name": "Chk LCD"})
        cls.board = Component.create({"name": "Chk Board"})
        cls.policy = cls.env["rma.warranty.policy"].create(
            {
                "name": "Chk Panel PC policy",
                "warranty_months": 36,
                "component_ids": [
                    Command.create({"component_id": cls.lcd.id, "months": 24}),
                    Command.create({"component_id": cls.board.id, "months": 12}),
                ],
            }
        )
        cls.product.write(
            {
                "name": "Check Panel PC",
                "default_code": "CPC-15",
                "warranty_policy_id": cls.policy.id,
            }
        )
        cls.end_user.write(
            {
                "street": "Storgatan 12",
                "city": "Uppsala",
                "zip": "75320",
                "phone": "+46 70 123 45 67",
            }
        )
        cls.lots = cls._create_lots(cls.product, ["CHK-0001", "CHK/0002 A&B"])
        cls._sell(cls.end_user, cls.product, lots=cls.lots)
        cls.lot = cls.lots[0]
        # Plenty of checks by default: the limit itself is tested on its own.
        # sudo: test set-up of a system parameter.
        cls.env["ir.config_parameter"].sudo().set_param(
            "rma_warranty.warranty_check_rate_limit", "10000"
        )

    def _get(self, serial=None, json_variant=False, **params):
        if serial is not None:
            params["serial"] = serial
        path = "/warranty/check/json" if json_variant else "/warranty/check"
        return self.url_open(f"{path}?{urlencode(params)}" if params else path)

    def _text(self, response):
        return " ".join(html.fromstring(response.content).text_content().split())

    def _assert_nothing_personal(self, body, rma=None):
        personal = [
            self.end_user.name,
            "Erik",
            self.end_user.email,
            self.end_user.street,
            self.end_user.city,
            self.end_user.zip,
            self.end_user.phone,
            self.distributor.name,
        ]
        if rma:
            personal.append(rma.name)
        for value in personal:
            self.assertNotIn(value, body)

    # ---- The page ---------------------------------------------------------------

    def test_known_serial_shows_product_and_coverage_per_component(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lot, 1)])
        self.assertTrue(rma.name)
        response = self._get("CHK-0001")
        self.assertEqual(response.status_code, 200)
        doc = html.fromstring(response.content)
        (unit,) = doc.xpath("//*[hasclass('o_warranty_check_unit')]")
        self.assertEqual(
            unit.xpath(".//*[hasclass('o_warranty_check_product')]")[0].text_content(),
            "[CPC-15] Check Panel PC",
        )
        periods = {
            period.component_id.name or "Whole unit": period
            for period in self.lot.warranty_coverage_ids
        }
        self.assertEqual(set(periods), {"Whole unit", "Chk LCD", "Chk Board"})
        rows = unit.xpath(".//table[hasclass('o_warranty_check_periods')]/tbody/tr")
        shown = {
            row.xpath("./td[1]")[0].text_content().strip(): (
                row.xpath("./td[3]")[0].text_content().strip(),
                row.xpath("./td[4]")[0].text_content().strip(),
            )
            for row in rows
        }
        self.assertEqual(
            shown,
            {
                name: (
                    format_date(self.env, period.date_start),
                    format_date(self.env, period.date_end),
                )
                for name, period in periods.items()
            },
        )
        until = self.lot.warranty_date_end
        self.assertTrue(until)
        self.assertIn(
            f"Coverage today: Warranty until {format_date(self.env, until)}",
            self._text(response),
        )
        (link,) = unit.xpath(".//a[hasclass('o_warranty_check_request')]")
        self.assertEqual(
            link.get("href"),
            "/web/login?redirect=%2Fmy%2Frmas%2Fnew%3Fserial%3DCHK-0001",
        )
        self.assertNotIn(NEUTRAL, response.text)
        self._assert_nothing_personal(response.text, rma)

    def test_unknown_and_empty_serials(self):
        for serial in ("CHK-9999", "chk-0001", "CHK-000"):
            response = self._get(serial)
            self.assertEqual(response.status_code, 200, serial)
            self.assertIn(NEUTRAL, self._text(response), serial)
            self.assertFalse(
                html.fromstring(response.content).xpath(
                    "//*[hasclass('o_warranty_check_unit')]"
                )
            )
        for response in (self._get(), self._get(""), self._get("   ")):
            self.assertEqual(response.status_code, 200)
            self.assertNotIn(NEUTRAL, self._text(response))
            self.assertTrue(
                html.fromstring(response.content).xpath(
                    "//input[@id='warranty_check_serial']"
                )
            )

    def test_odd_and_oversized_serials(self):
        # Characters that must travel encoded find their unit, spaces around
        # are ignored.
        response = self._get(" CHK/0002 A&B ")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Serial number: CHK/0002 A&B", self._text(response))
        for serial in ("<script>alert(1)</script>", "' OR 1=1 --", "序列号-ü", "%00"):
            response = self._get(serial)
            self.assertEqual(response.status_code, 200, serial)
            self.assertIn(NEUTRAL, self._text(response))
            self.assertNotIn("<script>alert(1)", response.text)
        for serial in ("X" * 101, "CHK-\x000001", "CHK-0001\x1b", "A\nB"):
            response = self._get(serial)
            self.assertEqual(response.status_code, 400, repr(serial))
            self.assertIn(
                "A serial number has at most 100 characters", self._text(response)
            )
            self.assertNotIn(NEUTRAL, self._text(response))
        # At the size limit it is looked up.
        self.assertEqual(self._get("X" * 100).status_code, 200)

    def test_portal_user_requests_a_repair_directly(self):
        new_test_user(
            self.env,
            "check_portal_user",
            groups="base.group_portal",
            partner_id=self.end_user.id,
        )
        self.authenticate("check_portal_user", "check_portal_user")
        response = self._get("CHK/0002 A&B")
        self.assertEqual(response.status_code, 200)
        (link,) = html.fromstring(response.content).xpath(
            "//a[hasclass('o_warranty_check_request')]"
        )
        self.assertEqual(link.get("href"), "/my/rmas/new?serial=CHK%2F0002+A%26B")
        # Logged in as the owner, the public page still shows nothing personal
        # of the unit (the user menu aside).
        body = "".join(
            html.tostring(el, encoding="unicode")
            for el in html.fromstring(response.content).xpath("//div[@id='wrap']")
        )
        self._assert_nothing_personal(body)

    # ---- The JSON variant ---------------------------------------------------------

    def test_json_shape(self):
        response = self._get("CHK-0001", json_variant=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.headers["Content-Type"], "application/json; charset=utf-8"
        )
        data = response.json()
        self.assertEqual(set(data), {"serial", "units"})
        self.assertEqual(data["serial"], "CHK-0001")
        (unit,) = data["units"]
        self.assertEqual(
            set(unit),
            {
                "serial",
                "product",
                "coverage",
                "coverage_label",
                "covered_until",
                "periods",
            },
        )
        self.assertEqual(unit["serial"], "CHK-0001")
        self.assertEqual(unit["product"], "[CPC-15] Check Panel PC")
        self.assertEqual(unit["coverage"], "warranty")
        self.assertEqual(unit["coverage_label"], "Warranty")
        self.assertEqual(unit["covered_until"], self.lot.warranty_date_end.isoformat())
        # component None is the whole unit.
        self.assertEqual(
            {
                (
                    p["component"],
                    p["kind"],
                    p["kind_label"],
                    p["date_start"],
                    p["date_end"],
                )
                for p in unit["periods"]
            },
            {
                (
                    p.component_id.name or None,
                    "standard",
                    "Standard",
                    p.date_start.isoformat(),
                    p.date_end.isoformat(),
                )
                for p in self.lot.warranty_coverage_ids
            },
        )
        self.assertEqual(len(unit["periods"]), 3)
        rma = self._new_rma(self.end_user, [(self.product, self.lot, 1)])
        self._assert_nothing_personal(
            self._get("CHK-0001", json_variant=True).text, rma
        )

    def test_json_errors(self):
        cases = [
            ("CHK-9999", 404, "not_found"),
            ("", 400, "missing_serial"),
            (None, 400, "missing_serial"),
            ("X" * 101, 400, "invalid_serial"),
            ("A\x00B", 400, "invalid_serial"),
        ]
        for serial, status, code in cases:
            response = self._get(serial, json_variant=True)
            self.assertEqual(response.status_code, status, repr(serial))
            data = response.json()
            self.assertEqual(set(data), {"error", "message"})
            self.assertEqual(data["error"], code)
        self.assertEqual(
            self._get("CHK-9999", json_variant=True).json()["message"], NEUTRAL
        )

    # ---- Abuse ----------------------------------------------------------------------

    def test_rate_limit_per_address(self):
        # sudo: test set-up of system parameters.
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("rma_warranty.warranty_check_rate_limit", "3")
        params.set_param("rma_warranty.warranty_check_rate_window", "3600")
        for _i in range(2):
            self.assertEqual(self._get("CHK-0001").status_code, 200)
        self.assertEqual(self._get("CHK-0001", json_variant=True).status_code, 200)
        response = self._get("CHK-0001")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers["Retry-After"], "3600")
        self.assertIn(
            "Too many warranty checks from your address. Please try again in 3600"
            " seconds.",
            self._text(response),
        )
        self.assertNotIn("Check Panel PC", response.text)
        response = self._get("CHK-0001", json_variant=True)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"], "rate_limited")
        self.assertEqual(response.json()["retry_after"], 3600)
        # Counted in PostgreSQL, refused checks too, on one row of this address.
        self.env.cr.execute(
            "SELECT key, count FROM rma_rate_limit WHERE scope = 'warranty_check'"
        )
        self.assertEqual(self.env.cr.fetchall(), [("127.0.0.1", 5)])

    def test_rate_limit_per_forwarded_address(self):
        """Behind a reverse proxy (``--proxy-mode``) each client address has its
        own counter."""
        # sudo: test set-up of system parameters.
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("rma_warranty.warranty_check_rate_limit", "1")
        params.set_param("rma_warranty.warranty_check_rate_window", "3600")

        def get(address):
            return self.url_open(
                "/warranty/check/json?serial=CHK-0001",
                headers={
                    "X-Forwarded-For": address,
                    "X-Forwarded-Host": urlparse(self.base_url()).netloc,
                },
            ).status_code

        with patch.dict(config.options, {"proxy_mode": True}):
            self.assertEqual(get("203.0.113.7"), 200)
            self.assertEqual(get("203.0.113.7"), 429)
            self.assertEqual(get("198.51.100.20"), 200)
        self.env.cr.execute(
            "SELECT key, count FROM rma_rate_limit WHERE scope = 'warranty_check'"
            " ORDER BY key"
        )
        self.assertEqual(
            self.env.cr.fetchall(), [("198.51.100.20", 1), ("203.0.113.7", 2)]
        )

    def test_parameter_fuzz_gives_no_server_error(self):
        serials = [
            "CHK-0001",
            "",
            "X" * 5000,
            "\x00",
            "%",
            "%%00",
            "../../etc/passwd",
            "{{ 7*7 }}",
            "${7*7}",
            "<img src=x onerror=alert(1)>",
            "\u202e\u0000",
            "NULL",
            "[]",
            "1e309",
        ]
        paths = ["/warranty/check", "/warranty/check/json"]
        queries = [f"serial={quote(s, safe='')}" for s in serials]
        queries += [
            "serial=CHK-0001&serial=CHK-9999",
            "serial[]=CHK-0001",
            "serial=%ZZ",
            "serial=%C3%28",
            "serial=%ED%A0%80",
            "page=-1&sortby=x&filterby=y&serial=CHK-0001",
            "debug=assets&serial=CHK-0001",
            "",
        ]
        statuses = set()
        with mute_logger("odoo.http", "werkzeug"):
            for path in paths:
                for query in queries:
                    response = self.url_open(f"{path}?{query}")
                    statuses.add(response.status_code)
                    self.assertLess(response.status_code, 500, f"{path}?{query}")
                for method in ("POST", "PUT", "DELETE"):
                    response = self.opener.request(
                        method, self.base_url() + path, data={"serial": "CHK-0001"}
                    )
                    self.assertLess(response.status_code, 500, f"{method} {path}")
                    statuses.add(response.status_code)
        self.assertTrue(statuses >= {200, 400, 404})

    def test_routes_are_readonly_and_public(self):
        rules = {
            rule.rule: rule
            for rule in self.env["ir.http"].routing_map().iter_rules()
            if rule.rule in ("/warranty/check", "/warranty/check/json")
        }
        self.assertEqual(set(rules), {"/warranty/check", "/warranty/check/json"})
        for path, rule in rules.items():
            routing = rule.endpoint.routing
            self.assertIs(routing["readonly"], True, path)
            self.assertEqual(routing["auth"], "public", path)
            self.assertEqual(routing["methods"], ["GET"], path)

    def test_served_read_only_counter_committed(self):
        """The page answers on its read-only cursor (no retry on the primary) and
        its counter outlives that read-only transaction."""
        with self.assertNoLogs("odoo.http", "WARNING"):
            self.assertEqual(self._get("CHK-0001").status_code, 200)
            self.assertEqual(self._get("CHK-9999", json_variant=True).status_code, 404)
        self.env.cr.execute(
            "SELECT count FROM rma_rate_limit WHERE scope = 'warranty_check'"
        )
        self.assertEqual(self.env.cr.fetchall(), [(2,)])

    # ---- In a browser ---------------------------------------------------------------

    def test_visitor_checks_a_serial_tour(self):
        self.start_tour("/warranty/check", "rma_warranty_check_tour")
