# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
import re
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RmaCommon

# The smallest PNG: a 1x1 pixel.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class PortalRequestCommon(RmaCommon, HttpCase):
    """Portal users filing requests: an end user who bought two units, a
    distributor (a company with a login, a customer contact and units it sold), a
    second distributor and another end user whose unit is theirs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.component = cls.env["rma.warranty.component"].create(
            {"name": "Portal request test board"}
        )
        cls.other_product = cls.env["product.product"].create(
            {"name": "Switch GS-108", "is_storable": True, "tracking": "serial"}
        )
        cls.end_lots = cls._create_lots(cls.product, ["PRQ-E1", "PRQ-E2"])
        cls._sell(cls.end_user, cls.product, lots=cls.end_lots)
        cls.dist_lots = cls._create_lots(cls.product, ["PRQ-D1", "PRQ-D2"])
        cls._sell(cls.distributor, cls.product, lots=cls.dist_lots)
        cls.free_lot = cls._create_lots(cls.product, ["PRQ-FREE"])
        cls.other_product_lot = cls._create_lots(cls.other_product, ["PRQ-SW1"])
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Sven Stranger", "email": "sven@example.com"}
        )
        cls.stranger_lot = cls._create_lots(cls.product, ["PRQ-S1"])
        cls._sell(cls.stranger, cls.product, lots=cls.stranger_lot)
        cls.portal_end_user = new_test_user(
            cls.env,
            "prq_enduser",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
            password="prq_enduser",
        )
        cls.dana = cls.env["res.partner"].create(
            {"name": "Dana Dist", "parent_id": cls.distributor.id, "email": "d@x.com"}
        )
        cls.portal_distributor = new_test_user(
            cls.env,
            "prq_distributor",
            groups="base.group_portal",
            partner_id=cls.dana.id,
            password="prq_distributor",
        )
        cls.dist_customer = cls.env["res.partner"].create(
            {"name": "Carl Customer", "parent_id": cls.distributor.id}
        )
        cls.distributor_b = cls.env["res.partner"].create(
            {"name": "Other Distribution Oy", "is_company": True}
        )
        cls.foreign_contact = cls.env["res.partner"].create(
            {"name": "Fiona Foreign", "parent_id": cls.distributor_b.id}
        )

    # ---- Helpers --------------------------------------------------------------------

    def _form(self, url="/my/rmas/new"):
        """GET the form as a browser does: its CSRF token and one-time token."""
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        token = re.search(r'name="request_token" value="([^"]+)"', response.text)
        return response, csrf.group(1), token.group(1)

    def _post(self, units, files=None, token=None, csrf=None, **fields):
        if csrf is None or token is None:
            _response, form_csrf, form_token = self._form()
            csrf = form_csrf if csrf is None else csrf
            token = form_token if token is None else token
        data = {"csrf_token": csrf, "request_token": token, **fields}
        for index, unit in enumerate(units):
            for key, value in unit.items():
                data[f"unit-{index}-{key}"] = value
        return self.url_open(
            "/my/rmas/new",
            data=data,
            files=files or None,
            allow_redirects=False,
        )

    def _rmas(self):
        return self.env["rma.order"].search(
            [("channel", "in", ("portal", "distributor"))]
        )

    def assertRefused(self, response, message):
        self.assertEqual(response.status_code, 400, response.text[-800:])
        self.assertIn(message, response.text)


@tagged("post_install", "-at_install")
class TestPortalRequest(PortalRequestCommon):
    def test_end_user_files_two_units_with_photo(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._post(
            [
                {
                    "serial": "PRQ-E1",
                    "fault_description": "Does not boot",
                    "failed_component_id": str(self.component.id),
                },
                {"serial": " PRQ-E2 ", "fault_description": "Fan noise"},
            ],
            files=[
                ("attachments", ("photo.png", PNG, "image/png")),
                ("attachments", ("invoice.pdf", PDF, "application/pdf")),
            ],
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(len(rma), 1)
        self.assertTrue(response.headers["Location"].endswith(f"/my/rmas/{rma.id}"))
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertEqual(rma.channel, "portal")
        self.assertFalse(rma.distributor_id)
        self.assertFalse(rma.user_id)
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.create_uid, self.portal_end_user)
        self.assertEqual(rma.line_ids.lot_id, self.end_lots)
        line_e1 = rma.line_ids.filtered(lambda line: line.lot_id.name == "PRQ-E1")
        self.assertEqual(line_e1.fault_description, "Does not boot")
        self.assertEqual(line_e1.failed_component_id, self.component)
        self.assertTrue(all(rma.line_ids.mapped("entitlement_kind")))
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "rma.order"), ("res_id", "=", rma.id)]
        )
        self.assertEqual(
            sorted(attachments.mapped("mimetype")), ["application/pdf", "image/png"]
        )
        self.assertEqual(attachments.filtered(lambda a: a.name == "photo.png").raw, PNG)

    def test_form_prefills_serial(self):
        self.authenticate("prq_enduser", "prq_enduser")
        response, _csrf, _token = self._form("/my/rmas/new?serial=PRQ-E1")
        self.assertIn('value="PRQ-E1"', response.text)
        self.assertNotIn(
            "customer_mode", response.text, "an individual files for itself"
        )

    def test_distributor_files_for_existing_contact(self):
        self.authenticate("prq_distributor", "prq_distributor")
        response, _csrf, _token = self._form()
        self.assertIn("Carl Customer", response.text)
        self.assertNotIn("Fiona Foreign", response.text)
        before = self._rmas()
        response = self._post(
            [{"serial": "PRQ-D1", "fault_description": "Dead on arrival"}],
            files=[("attachments", ("unit.png", PNG, "image/png"))],
            customer_mode="contact",
            customer_id=str(self.dist_customer.id),
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(len(rma), 1)
        self.assertTrue(response.headers["Location"].endswith(f"/my/rmas/{rma.id}"))
        self.assertEqual(rma.partner_id, self.dist_customer)
        self.assertEqual(rma.distributor_id, self.distributor)
        self.assertEqual(rma.channel, "distributor")
        self.assertEqual(rma.line_ids.lot_id, self.dist_lots[0])
        self.assertEqual(rma.state, "submitted")

    def test_distributor_files_for_new_contact(self):
        self.authenticate("prq_distributor", "prq_distributor")
        before = self._rmas()
        response = self._post(
            [
                {"serial": "PRQ-D1", "fault_description": "No picture"},
                {"serial": "PRQ-FREE", "fault_description": "Rattles"},
            ],
            customer_mode="new",
            customer_name="Nina New",
            customer_email="Nina.New@Example.com",
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.partner_id.name, "Nina New")
        self.assertEqual(rma.partner_id.email, "nina.new@example.com")
        self.assertEqual(rma.partner_id.parent_id, self.distributor)
        self.assertEqual(rma.distributor_id, self.distributor)
        self.assertEqual(rma.channel, "distributor")
        self.assertEqual(len(rma.line_ids), 2)

    def test_bad_inputs_leave_nothing(self):
        unit = {"serial": "PRQ-E1", "fault_description": "Broken"}
        cases = [
            (
                "prq_enduser",
                [{"serial": "NO-SUCH-SERIAL", "fault_description": "x"}],
                {},
                "is not one of our units",
            ),
            (
                "prq_enduser",
                [dict(unit, product_id=str(self.other_product.id))],
                {},
                "is not a unit of the product chosen",
            ),
            (
                "prq_enduser",
                [unit, dict(unit, fault_description="again")],
                {},
                "is listed twice",
            ),
            (
                "prq_enduser",
                [{"serial": "PRQ-E1", "fault_description": "  "}],
                {},
                "describe what is wrong",
            ),
            (
                "prq_enduser",
                [{"fault_description": "no serial"}],
                {},
                "type its serial number",
            ),
            ("prq_enduser", [], {}, "Add at least one unit"),
            (
                "prq_enduser",
                [{"serial": "PRQ-S1", "fault_description": "x"}],
                {},
                "is registered to someone else",
            ),
            (
                "prq_enduser",
                [dict(unit, failed_component_id="999999")],
                {},
                "choose the failed component",
            ),
            (
                "prq_enduser",
                [dict(unit, failed_component_id="abc")],
                {},
                "from the lists",
            ),
            ("prq_enduser", [dict(unit, product_id="1 OR 1=1")], {}, "from the lists"),
            (
                "prq_enduser",
                [unit],
                {
                    "customer_mode": "new",
                    "customer_name": "A",
                    "customer_email": "a@b.c",
                },
                "Only a company files",
            ),
            (
                "prq_distributor",
                [{"serial": "PRQ-D1", "fault_description": "x"}],
                {
                    "customer_mode": "contact",
                    "customer_id": str(self.foreign_contact.id),
                },
                "among your own contacts",
            ),
            (
                "prq_distributor",
                [{"serial": "PRQ-D1", "fault_description": "x"}],
                {"customer_mode": "contact", "customer_id": str(self.distributor.id)},
                "among your own contacts",
            ),
            (
                "prq_distributor",
                [{"serial": "PRQ-D1", "fault_description": "x"}],
                {"customer_mode": "contact", "customer_id": "x"},
                "among your own contacts",
            ),
            (
                "prq_distributor",
                [{"serial": "PRQ-D1", "fault_description": "x"}],
                {
                    "customer_mode": "new",
                    "customer_name": "",
                    "customer_email": "n@x.com",
                },
                "Give the name",
            ),
            (
                "prq_distributor",
                [{"serial": "PRQ-D1", "fault_description": "x"}],
                {
                    "customer_mode": "new",
                    "customer_name": "N",
                    "customer_email": "not an email",
                },
                "valid email",
            ),
            (
                "prq_distributor",
                [{"serial": "PRQ-S1", "fault_description": "x"}],
                {"customer_mode": "contact", "customer_id": str(self.dist_customer.id)},
                "is registered to someone else",
            ),
        ]
        partners = self.env["res.partner"].search_count([])
        before = self._rmas()
        for login, units, fields, message in cases:
            with self.subTest(login=login, message=message, units=units):
                self.authenticate(login, login)
                self.assertRefused(self._post(units, **fields), message)
        self.assertEqual(self._rmas(), before)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_failure_while_submitting_leaves_nothing(self):
        """Anything refused after the records are made (here the submission)
        takes them all back: no draft RMA, no attachment, no new contact."""
        self.authenticate("prq_distributor", "prq_distributor")
        before = self._rmas()
        attachments = self.env["ir.attachment"].search_count([])
        partners = self.env["res.partner"].search_count([])
        refusal = UserError("The service centre refuses requests today.")
        with patch.object(
            self.registry["rma.order"], "action_submit", side_effect=refusal
        ):
            response = self._post(
                [{"serial": "PRQ-D1", "fault_description": "x"}],
                files=[("attachments", ("photo.png", PNG, "image/png"))],
                customer_mode="new",
                customer_name="Nina New",
                customer_email="nina@example.com",
            )
        self.assertRefused(response, "The service centre refuses requests today.")
        self.assertEqual(self._rmas(), before)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_refused_form_keeps_its_values(self):
        self.authenticate("prq_enduser", "prq_enduser")
        response = self._post(
            [{"serial": "NO-SUCH-SERIAL", "fault_description": "Flickers"}]
        )
        self.assertRefused(response, "is not one of our units")
        self.assertIn('value="NO-SUCH-SERIAL"', response.text)
        self.assertIn("Flickers", response.text)

    def test_replayed_form_files_once(self):
        self.authenticate("prq_enduser", "prq_enduser")
        _response, csrf, token = self._form()
        before = self._rmas()
        units = [{"serial": "PRQ-E1", "fault_description": "Broken"}]
        first = self._post(units, csrf=csrf, token=token)
        self.assertEqual(first.status_code, 303, first.text[-800:])
        replay = self._post(units, csrf=csrf, token=token)
        self.assertRefused(replay, "This form was already sent")
        self.assertEqual(len(self._rmas() - before), 1)

    def test_wrong_or_no_token(self):
        self.authenticate("prq_enduser", "prq_enduser")
        _response, _csrf, token = self._form()
        nonce = token.split(".")[0]
        units = [{"serial": "PRQ-E1", "fault_description": "Broken"}]
        before = self._rmas()
        for bad in ("", "nonsense", f"{nonce}.{'0' * 64}", f"{nonce}."):
            with self.subTest(token=bad):
                self.assertRefused(
                    self._post(units, token=bad), "This form has expired"
                )
        # A token signed for another user is refused too.
        self.authenticate("prq_distributor", "prq_distributor")
        self.assertRefused(
            self._post([{"serial": "PRQ-D1", "fault_description": "x"}], token=token),
            "This form has expired",
        )
        self.assertEqual(self._rmas(), before)

    def test_oversized_and_wrong_type_files(self):
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.portal_upload_max_mb", "0.0001"
        )
        self.authenticate("prq_enduser", "prq_enduser")
        units = [{"serial": "PRQ-E1", "fault_description": "Broken"}]
        before = self._rmas()
        attachments = self.env["ir.attachment"].search_count([])
        big = PNG + b"\0" * 200
        cases = [
            (("big.png", big, "image/png"), "is larger than"),
            (
                ("script.png", b"<script>alert(1)</script>", "image/png"),
                "neither a photo",
            ),
            (
                ("page.html", b"<html><body>x</body></html>", "text/html"),
                "neither a photo",
            ),
            (("empty.pdf", b"", "application/pdf"), "is empty"),
        ]
        for upload, message in cases:
            with self.subTest(file=upload[0]):
                self.assertRefused(
                    self._post(units, files=[("attachments", upload)]), message
                )
        self.assertEqual(self._rmas(), before)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_public_user_goes_to_login(self):
        self.authenticate(None, None)
        response = self.url_open("/my/rmas/new", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        before = self._rmas()
        response = self.url_open(
            "/my/rmas/new",
            data={"unit-0-serial": "PRQ-FREE", "unit-0-fault_description": "x"},
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(self._rmas(), before)

    def test_parameter_fuzz_no_server_error(self):
        self.authenticate("prq_distributor", "prq_distributor")
        weird = [
            "",
            "0",
            "-1",
            "999999999999999999999",
            "1e9",
            "[1]",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "x" * 5000,
            "\u0000",
            "%00",
            "PRQ-D1\nPRQ-D2",
            "ÅÄÖ-日本",
        ]
        gets = ["/my/rmas/new?serial=" + value for value in weird]
        gets += ["/my/rmas/new?serial=a&serial=b", "/my/rmas/new?page=-1&sortby=x"]
        for url in gets:
            with self.subTest(url=url[:60]):
                self.assertLess(self.url_open(url).status_code, 500)
        before = self._rmas()
        keys = [
            "unit-0-serial",
            "unit-0-product_id",
            "unit-0-fault_description",
            "unit-0-failed_component_id",
            "customer_mode",
            "customer_id",
            "customer_name",
            "customer_email",
            "unit-999-serial",
            "unit--1-serial",
            "state",
            "partner_id",
        ]
        for key in keys:
            for value in weird:
                with self.subTest(key=key, value=value[:20]):
                    response = self._post(
                        [{"serial": "PRQ-D1", "fault_description": "x"}],
                        **{key: value},
                    )
                    self.assertLess(response.status_code, 500, response.text[-500:])
        # Nothing the fuzz sent decided anything: whatever was filed is a plain
        # submitted request of the distributor's own.
        for rma in self._rmas() - before:
            self.assertEqual(rma.state, "submitted")
            self.assertEqual(rma.partner_id.commercial_partner_id, self.distributor)
        # Too many units, and a wrong CSRF token.
        response = self._post(
            [{"serial": f"PRQ-X{i}", "fault_description": "x"} for i in range(21)]
        )
        self.assertRefused(response, "at most")
        response = self._post(
            [{"serial": "PRQ-D2", "fault_description": "x"}], csrf="wrong"
        )
        self.assertEqual(response.status_code, 400)


@tagged("post_install", "-at_install")
class TestPortalRequestLookup(PortalRequestCommon):
    def _lookup(self, serial):
        return self.make_jsonrpc_request("/my/rmas/new/lookup", {"serial": serial})

    def _raw_lookup(self, serial):
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"serial": serial}}
        return self.url_open(
            "/my/rmas/new/lookup",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )

    def test_lookup_as_portal_user(self):
        self.authenticate("prq_enduser", "prq_enduser")
        lot = self.end_lots[0]
        expected = lot._get_warranty_entitlement()[lot]
        answer = self._lookup("PRQ-E1")
        self.assertEqual(len(answer["units"]), 1)
        unit = answer["units"][0]
        self.assertEqual(unit["product_id"], self.product.id)
        self.assertEqual(unit["product"], self.product.display_name)
        self.assertEqual(unit["kind"], expected.kind)
        self.assertEqual(bool(unit["date_end"]), bool(expected.date_end))
        self.assertEqual(
            set(unit),
            {"product_id", "product", "kind", "kind_label", "date_end", "questions"},
        )
        # Nothing personal, even for a serial owned by someone else.
        response = self._raw_lookup("PRQ-S1")
        self.assertIn(self.product.name, response.text)
        self.assertNotIn("Stranger", response.text)
        self.assertNotIn("sven", response.text)

    def test_lookup_unknown_serial_and_bad_input(self):
        self.authenticate("prq_enduser", "prq_enduser")
        self.assertEqual(self._lookup("NO-SUCH-SERIAL"), {"units": []})
        for value in ("", None, 42, ["PRQ-E1"], {"a": 1}, "x" * 1000):
            with self.subTest(value=str(value)[:20]):
                self.assertEqual(self._lookup(value), {"units": []})

    def test_lookup_as_public_is_refused(self):
        self.authenticate(None, None)
        response = self._raw_lookup("PRQ-E1")
        self.assertLess(response.status_code, 500)
        body = response.json()
        self.assertNotIn("result", body)
        self.assertEqual(
            body["error"]["data"]["name"], "odoo.http.SessionExpiredException"
        )
        self.assertNotIn(self.product.name, response.text)


@tagged("post_install", "-at_install")
class TestPortalRequestTour(PortalRequestCommon):
    def test_distributor_files_for_its_customer_in_browser(self):
        before = self._rmas()
        self.start_tour(
            "/my/rmas/new", "rma_portal_request_tour", login="prq_distributor"
        )
        rma = self._rmas() - before
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.partner_id, self.dist_customer)
        self.assertEqual(rma.distributor_id, self.distributor)
        self.assertEqual(rma.channel, "distributor")
        self.assertEqual(
            sorted(rma.line_ids.lot_id.mapped("name")), ["PRQ-D1", "PRQ-FREE"]
        )
        self.assertEqual(
            sorted(rma.line_ids.mapped("fault_description")),
            ["Dead on arrival", "Rattles when shaken"],
        )
        photo = self.env["ir.attachment"].search(
            [("res_model", "=", "rma.order"), ("res_id", "=", rma.id)]
        )
        self.assertEqual(photo.mapped("name"), ["photo.png"])
        self.assertEqual(photo.mimetype, "image/png")


@tagged("post_install", "-at_install")
class TestPortalRequestRateLimit(PortalRequestCommon):
    def test_new_requests_per_user_and_hour(self):
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.portal_requests_per_hour", "2"
        )
        self.authenticate("prq_distributor", "prq_distributor")
        before = self._rmas()
        for serial in ("PRQ-D1", "PRQ-D2"):
            response = self._post([{"serial": serial, "fault_description": "x"}])
            self.assertEqual(response.status_code, 303, response.text[-800:])
        response = self._post([{"serial": "PRQ-FREE", "fault_description": "x"}])
        self.assertEqual(response.status_code, 429, response.text[-800:])
        self.assertIn("You filed many requests in a short time", response.text)
        self.assertEqual(len(self._rmas() - before), 2)
        # Per user: the end user still files.
        self.authenticate("prq_enduser", "prq_enduser")
        response = self._post([{"serial": "PRQ-E1", "fault_description": "x"}])
        self.assertEqual(response.status_code, 303, response.text[-800:])

    def test_lookups_per_user_and_minute(self):
        self.env["ir.config_parameter"].set_param(
            "rma_warranty.portal_lookups_per_minute", "3"
        )
        self.authenticate("prq_enduser", "prq_enduser")
        lookup = "/my/rmas/new/lookup"
        for _i in range(3):
            answer = self.make_jsonrpc_request(lookup, {"serial": "PRQ-E1"})
            self.assertEqual(len(answer["units"]), 1)
        answer = self.make_jsonrpc_request(lookup, {"serial": "PRQ-E1"})
        self.assertEqual(answer["units"], [])
        self.assertIn("wait a minute", answer["error"])


@tagged("post_install", "-at_install")
class TestPortalRequestQueries(PortalRequestCommon):
    def test_queries_do_not_grow_with_units(self):
        """The model method costs the same queries for 1 unit or 6: one search of
        the serials, one of the components, one RMA created with its lines."""
        lots = self._create_lots(self.product, [f"PRQ-Q{i}" for i in range(8)])
        self._sell(self.end_user, self.product, lots=lots)
        Rma = self.env(user=self.portal_end_user)["rma.order"]
        partner = self.portal_end_user.partner_id
        counts = []
        # A first request warms the caches (templates, sequences) up.
        for chunk in (lots[:1], lots[1:2], lots[2:8]):
            units = [
                {
                    "serial": lot.name,
                    "fault_description": "Broken",
                    "failed_component_id": self.component.id,
                }
                for lot in chunk
            ]
            token = Rma._portal_request_new_token()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            order = Rma._portal_create_request(partner, units, token=token)
            counts.append(self.env.cr.sql_log_count - start)
            self.assertEqual(len(order.line_ids), len(chunk))
        self.assertLessEqual(counts[2], counts[1] + 2, counts)
