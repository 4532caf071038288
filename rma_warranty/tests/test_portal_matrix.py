# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: who sees what, over every route of the addon, its reports, the
attachments of an RMA and the models' public methods over RPC; a parameter fuzz
over every route; and the register of routes that makes a new route without
them fail."""

import json
import re

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import customer_today
from .test_issue14_complaint_matrix import ComplaintMatrixMixin
from .test_issue15_spares_matrix import SparePartsMatrixMixin  # issue 15
from .test_issue17_matrix import Issue17MatrixMixin  # issue 17
from .test_portal_rma import PortalRmaWorld

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Every HTTP route of rma_warranty: (rule, endpoint) -> the matrix check of this
# file that covers it (a method of TestPortalMatrix). A route missing here fails
# test_every_route_is_registered; the fuzz (TestPortalMatrixFuzz) builds its URLs
# from the routing map itself, so it reaches every route listed. Whoever adds a
# route adds its line and its check.
ROUTES = {
    ("/my/rmas", "portal_my_rmas"): "_matrix_rma_list",
    ("/my/rmas/page/<int:page>", "portal_my_rmas"): "_matrix_rma_list",
    ("/my/rmas/<int:rma_id>", "portal_rma_page"): "_matrix_rma_page",
    (
        "/my/rmas/<int:rma_id>/authorisation",
        "portal_rma_authorisation",
    ): "_matrix_rma_authorisation",
    (
        "/my/rmas/<int:rma_id>/service-report",
        "portal_rma_service_report",
    ): "_matrix_rma_service_report",
    (
        "/my/rmas/<int:rma_id>/<any(quote,invoice,refund):kind>/<int:document_id>",
        "portal_rma_document",
    ): "_matrix_rma_document",
    ("/my/rmas/new", "portal_rma_request_form"): "_matrix_request_form",
    ("/my/rmas/new", "portal_rma_request_submit"): "_matrix_request_submit",
    ("/my/rmas/new/lookup", "portal_rma_request_lookup"): "_matrix_request_lookup",
    ("/my/units", "portal_my_units"): "_matrix_units_list",
    ("/my/units/page/<int:page>", "portal_my_units"): "_matrix_units_list",
    ("/my/units/<int:lot_id>", "portal_my_unit"): "_matrix_unit_page",
    (
        "/my/units/<int:lot_id>/certificate",
        "portal_my_unit_certificate",
    ): "_matrix_unit_certificate",
    ("/my/units/register", "portal_my_unit_register"): "_matrix_unit_register",
    ("/my/units/register", "portal_my_unit_register_post"): "_matrix_unit_register",
    ("/my/units/<int:lot_id>/redeem", "portal_my_unit_redeem"): "_matrix_unit_redeem",
    ("/my/units/<int:lot_id>/extend", "portal_my_unit_extend"): "_matrix_unit_extend",
    ("/rate/<string:token>/<int:rate>", "action_open_rating"): "_matrix_rating",
    (
        "/rate/<string:token>/submit_feedback",
        "action_submit_rating",
    ): "_matrix_rating",
    ("/warranty/check", "warranty_check"): "_matrix_warranty_check",
    ("/warranty/check/json", "warranty_check_json"): "_matrix_warranty_check",
    # Complaints and disputes (issue 14): checks in test_issue14_complaint_matrix.py.
    ("/my/complaints", "portal_my_complaints"): "_matrix_complaint_list",
    (
        "/my/complaints/page/<int:page>",
        "portal_my_complaints",
    ): "_matrix_complaint_list",
    (
        "/my/complaints/<int:complaint_id>",
        "portal_complaint_page",
    ): "_matrix_complaint_page",
    ("/my/complaints/new", "portal_complaint_form"): "_matrix_complaint_form",
    ("/my/complaints/new", "portal_complaint_submit"): "_matrix_complaint_submit",
    # Distributor channel (issue 14)
    (
        "/my/rmas/<int:rma_id>/distributor/<any(handle,escalate):choice>",
        "portal_rma_distributor_choice",
    ): "_matrix_rma_distributor_choice",
    # Spare parts (issue 15): check in test_issue15_spares_matrix.py.
    (
        "/my/units/<int:lot_id>/parts",
        "portal_my_unit_order_parts",
    ): "_matrix_unit_order_parts",
    # Closing and follow-ups (issue 17): checks in test_issue17_matrix.py.
    ("/my/rmas/<int:rma_id>/close", "portal_rma_customer_close"): "_matrix_rma_close",
    (
        "/my/rmas/<int:rma_id>/followup",
        "portal_rma_followup_form",
    ): "_matrix_rma_followup",
}
# Our three reports, reached by the backend's report URLs.
REPORTS = {
    "rma_warranty.report_rma_order": "rma.order",
    "rma_warranty.report_rma_service": "rma.order",
    "rma_warranty.report_warranty_certificate": "stock.lot",
}
MODULE = "odoo.addons.rma_warranty."


def addon_routes(env):
    """{(rule, endpoint name): werkzeug rule} of the routes whose endpoint is
    defined (or overridden) by rma_warranty."""
    routes = {}
    for rule in env["ir.http"].routing_map().iter_rules():
        method = rule.endpoint.func
        name = method.__name__
        owners = type(method.__self__).mro()
        if any(
            cls.__module__.startswith(MODULE) and name in cls.__dict__ for cls in owners
        ):
            routes[rule.rule, name] = rule
    return routes


class PortalMatrixWorld(PortalRmaWorld):
    """The world of the RMA portal tests, plus: units each persona owns or sold,
    a unit that the end user of A bought from us directly and sold on to another
    end user (who registered it and filed an RMA for it), an attachment on every
    RMA, and a unit of the other company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.partner"].browse(
            [cls.end_user.id, cls.other_end_user.id]
        ).is_company = False
        proof = cls.env["ir.attachment"].create({"name": "p.pdf", "raw": PDF})
        Registration = cls.env["rma.warranty.registration"]
        # A unit of A registered by its customer, the end user of A.
        Registration._register_unit(
            cls.lots_a[1],
            cls.end_user,
            customer_today(cls.lots_a[1], cls.end_user),
            proof,
        )
        # Bought from us by the end user of A, sold on to the other end user.
        cls.lot_resold = cls._create_lots(cls.product, ["SN-PORTAL-RESOLD"])
        cls._sell(cls.end_user, cls.product, lots=cls.lot_resold)
        Registration._register_unit(
            cls.lot_resold,
            cls.other_end_user,
            customer_today(cls.lot_resold, cls.other_end_user),
            proof,
        )
        cls.rma_resold = cls._portal_rma(
            cls.other_end_user, [(cls.product, cls.lot_resold, 1.0)], approve=True
        )
        cls.lot_company_b = cls.env["stock.lot"].create(
            {
                "name": "SN-PORTAL-COMPB",
                "product_id": cls.product.id,
                "company_id": cls.company_b.id,
            }
        )
        # sudo: the owner as a delivery of the other company would set it.
        cls.lot_company_b.sudo()._write_decision(
            {
                "warranty_owner_id": cls.company_b_customer.id,
                "warranty_sold_to_id": cls.company_b_customer.id,
            }
        )
        cls.rmas |= cls.rma_resold
        cls.visible[cls.user_other] |= cls.rma_resold
        cls.lots = cls.lots_a | cls.lots_b | cls.lot_resold | cls.lot_company_b
        # Who sees which unit in My units: owners, and distributors what they sold.
        cls.visible_lots = {
            cls.user_dist_a: cls.lots_a,
            cls.user_contact_a: cls.lots_a,
            cls.user_dist_b: cls.lots_b,
            cls.user_end_a: cls.lots_a[1],
            cls.user_other: cls.lot_resold,
            cls.user_company_b: cls.lot_company_b,
        }
        # Who owns which unit: owners get its certificate.
        cls.owned_lots = {
            cls.user_dist_a: cls.lots_a[0],
            cls.user_contact_a: cls.lots_a[0],
            cls.user_dist_b: cls.lots_b,
            cls.user_end_a: cls.lots_a[1],
            cls.user_other: cls.lot_resold,
            cls.user_company_b: cls.lot_company_b,
        }
        cls.attachments = cls.env["ir.attachment"].create(
            [
                {
                    "name": f"secret-{rma.id}.pdf",
                    "raw": PDF + f"SECRET-{rma.id}".encode(),
                    "res_model": "rma.order",
                    "res_id": rma.id,
                }
                for rma in cls.rmas
            ]
        )
        for rma in cls.rmas:
            rma._portal_ensure_token()
        cls.personas = [*cls.visible, None]
        # Names that none but their own entity (and its distributor) may be shown.
        cls.secret_names = {
            cls.distributor: "Nordic Distribution Test AB",
            cls.distributor_b: "Baltic Resellers Test OY",
            cls.end_user: "Erik End User",
            cls.other_end_user: "Olga Other",
            cls.company_b_customer: "Bruno Company B",
        }


@tagged("post_install", "-at_install")
class TestPortalSoldUnitOwners(PortalMatrixWorld, HttpCase):
    """An end user who bought a unit from us and sold it on sees neither the unit
    nor the RMAs of its later owner; a distributor sees the RMAs of the units it
    sold, whoever files them."""

    def test_buyer_does_not_see_later_owner(self):
        rma, lot = self.rma_resold, self.lot_resold
        self.assertEqual(lot.warranty_sold_to_id, self.end_user)
        self.assertEqual(lot.warranty_owner_id, self.other_end_user)
        Rma = self.env["rma.order"].with_user(self.user_end_a)
        self.assertFalse(Rma.search([("id", "=", rma.id)]), "rule: RMA of later owner")
        self.assertFalse(
            self.env["rma.order.line"]
            .with_user(self.user_end_a)
            .search([("order_id", "=", rma.id)]),
            "rule: unit of the RMA of the later owner",
        )
        self.assertNotIn(
            rma, Rma.search(Rma._get_portal_domain(self.end_user)), "portal domain"
        )
        self.assertNotIn(
            lot,
            self.env["stock.lot"].with_user(self.user_end_a)._portal_units_search(),
            "My units",
        )
        self._login(self.user_end_a)
        self.assertNotIn(f'href="/my/rmas/{rma.id}"', self._get("/my/rmas").text)
        self.assertRedirectedAway(self._get(f"/my/rmas/{rma.id}"), "page")
        self.assertEqual(self._get(f"/my/units/{lot.id}").status_code, 404)
        # The later owner sees both.
        self._login(self.user_other)
        self.assertIn(f'href="/my/rmas/{rma.id}"', self._get("/my/rmas").text)
        self.assertEqual(self._get(f"/my/units/{lot.id}").status_code, 200)

    def test_distributor_sees_rmas_of_units_it_sold(self):
        """Filed by a later owner, without naming the distributor: still the
        distributor's through the unit it sold."""
        rma = self._portal_rma(
            self.other_end_user, [(self.product, self.lots_a[1], 1.0)]
        )
        rma.distributor_id = False
        for user in (self.user_dist_a, self.user_contact_a):
            with self.subTest(user=user.login):
                Rma = self.env["rma.order"].with_user(user)
                self.assertEqual(Rma.search([("id", "=", rma.id)]), rma)
                self.assertIn(rma, Rma.search(Rma._get_portal_domain(user.partner_id)))
        self.assertFalse(
            self.env["rma.order"]
            .with_user(self.user_dist_b)
            .search([("id", "=", rma.id)])
        )


@tagged("post_install", "-at_install")
class TestPortalMatrix(
    Issue17MatrixMixin,
    SparePartsMatrixMixin,
    ComplaintMatrixMixin,
    PortalMatrixWorld,
    HttpCase,
):
    """Distributor A, a contact of A, distributor B, the end user of A, another
    end user, a user of another company and the public, against every route,
    report, attachment and public model method: each reaches exactly its own."""

    def _leaks(self, text, records, allowed):
        """The names of ``records`` not in ``allowed`` found in ``text``."""
        return [rec.name for rec in records - allowed if rec.name in text]

    def _assert_refused(self, response, label, *secrets):
        self.assertLess(response.status_code, 500, label)
        self.assertNotEqual(response.status_code, 200, label)
        for secret in secrets:
            self.assertNotIn(secret, response.text, label)

    # ---- The register -----------------------------------------------------------

    def test_every_route_is_registered(self):
        routes = addon_routes(self.env)
        self.assertTrue(routes)
        unlisted = sorted(set(routes) - set(ROUTES))
        self.assertFalse(
            unlisted,
            "Routes of rma_warranty missing from the isolation matrix (ROUTES in "
            f"test_portal_matrix.py): {unlisted}",
        )
        self.assertFalse(sorted(set(ROUTES) - set(routes)), "routes that are gone")
        for key, check in ROUTES.items():
            self.assertTrue(callable(getattr(self, check, None)), f"{key}: {check}")

    def test_matrix(self):
        """Every check of the register, for every persona."""
        for check in dict.fromkeys(ROUTES.values()):
            for user in self.personas:
                with self.subTest(check=check, user=user and user.login):
                    self._login(user)
                    getattr(self, check)(user)

    # ---- RMAs ---------------------------------------------------------------------

    def _visible(self, user):
        return self.visible.get(user, self.env["rma.order"])

    def _matrix_rma_list(self, user):
        for path in ("/my/rmas", "/my/rmas/page/1", "/my/rmas?search=SN-PORTAL"):
            response = self._get(path)
            if not user:
                self.assertRedirectedAway(response, path)
                continue
            self.assertEqual(response.status_code, 200, path)
            for rma in self.rmas:
                listed = f'href="/my/rmas/{rma.id}"' in response.text
                if "search" in path:  # the RMAs of a unit with a serial only
                    self.assertLessEqual(listed, rma in self._visible(user), path)
                else:
                    self.assertEqual(listed, rma in self._visible(user), path)
            self.assertFalse(
                self._leaks(response.text, self.rmas, self._visible(user)), path
            )

    def _matrix_rma_page(self, user):
        for rma in self.rmas:
            url = f"/my/rmas/{rma.id}"
            response = self._get(url)
            if rma in self._visible(user):
                self.assertEqual(response.status_code, 200, url)
                self.assertIn(rma.name, response.text)
            else:
                self.assertRedirectedAway(response, url)
                self.assertRedirectedAway(self._get(f"{url}?access_token="), url)
                self.assertRedirectedAway(
                    self._get(f"{url}?access_token={rma.access_token[:-2]}xx"), url
                )
                # Another RMA's token opens nothing but that RMA.
                other = (self.rmas - rma)[:1]
                self.assertRedirectedAway(
                    self._get(f"{url}?access_token={other.access_token}"), url
                )
            # The RMA's own token (its emails' link) opens it to anyone.
            response = self._get(f"{url}?access_token={rma.access_token}")
            self.assertEqual(response.status_code, 200, url)

    def _matrix_rma_distributor_choice(self, user):
        """Issue 14: the choice to handle or escalate a request is offered to the
        users of the distributor it awaits, and anyone else's POST (by id, with
        the RMA's token) is refused without changing it."""
        page = self._get("/warranty/check")
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        for rma in self.rmas:
            assigned = bool(
                user
                and user.partner_id.commercial_partner_id
                == rma.distributor_id.commercial_partner_id
                and rma.handling in ("distributor_pending", "distributor")
            )
            offered = assigned and (
                rma.state == "submitted"
                if rma.handling == "distributor_pending"
                else rma.state not in ("done", "rejected", "cancelled")
            )
            if rma in self._visible(user):
                response = self._get(f"/my/rmas/{rma.id}")
                self.assertEqual(
                    'id="rma_distributor_choice"' in response.text, offered, rma.name
                )
            if assigned:  # its choice to make (TestChannelPortal makes it)
                continue
            for query in ("", f"?access_token={rma.access_token}"):
                url = f"/my/rmas/{rma.id}/distributor/escalate{query}"
                response = self.opener.post(
                    self.base_url() + url,
                    data={"csrf_token": csrf},
                    allow_redirects=False,
                )
                if user:
                    self.assertIn(response.status_code, (403, 404, 409), url)
                else:
                    self.assertRedirectedAway(response, url)
                self.assertNotEqual(rma.handling, "escalated", url)

    def _matrix_rma_authorisation(self, user):
        for rma in self.rmas:
            url = f"/my/rmas/{rma.id}/authorisation"
            response = self._get(url)
            if rma in self._visible(user):
                released = rma.state == "approved" and not rma.shipping_hold
                self.assertEqual(response.status_code, 200 if released else 403, url)
            else:
                self.assertRedirectedAway(response, url)
                self.assertRedirectedAway(self._get(f"{url}?access_token=x"), url)

    def _matrix_rma_service_report(self, user):
        for rma in self.rmas:
            url = f"/my/rmas/{rma.id}/service-report"
            response = self._get(url)
            if rma in self._visible(user):
                # None of these RMAs has a repaired unit shipped back.
                self.assertEqual(response.status_code, 403, url)
            else:
                self.assertRedirectedAway(response, url)
                self.assertNotIn(rma.name, response.text)

    def _matrix_rma_document(self, user):
        """The invoices of the world's sales are documents of no RMA: no RMA page
        leads to them, whoever asks."""
        invoices = self.env["account.move"].search(
            [("partner_id", "in", [self.distributor.id, self.distributor_b.id])]
        )
        orders = self.env["sale.order"].search(
            [("partner_id", "in", [self.distributor.id, self.distributor_b.id])]
        )
        self.assertTrue(invoices and orders)
        for rma in self.rmas:
            for kind, documents in (
                ("invoice", invoices),
                ("refund", invoices),
                ("quote", orders),
            ):
                for document in documents:
                    url = f"/my/rmas/{rma.id}/{kind}/{document.id}"
                    response = self._get(url)
                    self.assertIn(response.status_code, (302, 303), url)
                    location = response.headers.get("Location", "")
                    for target in ("/my/invoices/", "/my/orders/", "access_token"):
                        if target == "access_token" and rma in self._visible(user):
                            continue
                        self.assertNotIn(target, location, f"{url} -> {location}")

    # ---- New request ----------------------------------------------------------------

    def _form_fields(self, text):
        return dict(
            re.findall(r'name="(csrf_token|request_token)" value="([^"]*)"', text)
        )

    def _matrix_request_form(self, user):
        response = self._get("/my/rmas/new")
        if not user:
            self.assertRedirectedAway(response, "form")
            return
        self.assertEqual(response.status_code, 200)
        own = user.partner_id.commercial_partner_id
        for partner, name in self.secret_names.items():
            if partner != own:
                self.assertNotIn(name, response.text, f"form shows {name}")

    def _matrix_request_submit(self, user):
        """A unit of someone else cannot be filed, and a distributor cannot file
        for another's customer: refused, nothing created."""
        before = self.env["rma.order"].search_count([])
        if not user:
            response = self.url_open(
                "/my/rmas/new",
                data={"unit-0-serial": "SN-PORTAL-A1"},
                allow_redirects=False,
            )
            self.assertLess(response.status_code, 500)
            self.assertNotEqual(response.status_code, 200)
            self.assertNotIn("/my/rmas/", response.headers.get("Location", ""))
            self.assertEqual(self.env["rma.order"].search_count([]), before)
            return
        entity = user.partner_id.commercial_partner_id
        foreign = self.lots_a[0] if entity == self.distributor_b else self.lots_b[0]
        for data in (
            {"unit-0-serial": foreign.name, "unit-0-fault_description": "Dead."},
            {
                "unit-0-serial": "SN-NOT-A-SERIAL-OF-OURS",
                "unit-0-fault_description": "Dead.",
                "customer_mode": "contact",
                "customer_id": str(self.other_end_user.id),
            },
        ):
            page = self._get("/my/rmas/new")
            response = self.url_open(
                "/my/rmas/new",
                data=dict(data, **self._form_fields(page.text)),
                allow_redirects=False,
            )
            self.assertIn(response.status_code, (400, 403), str(data))
        self.assertEqual(self.env["rma.order"].search_count([]), before)

    def _matrix_request_lookup(self, user):
        """The live lookup answers product and coverage, never who owns it."""
        for lot in self.lots:
            payload = {"jsonrpc": "2.0", "params": {"serial": lot.name}}
            response = self.url_open(
                "/my/rmas/new/lookup",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
            self.assertEqual(response.status_code, 200)
            body = response.json()
            if not user:
                self.assertIn("error", body)
                self.assertIn("SessionExpired", body["error"]["data"]["name"])
                continue
            for name in self.secret_names.values():
                self.assertNotIn(name, response.text)
            for rma in self.rmas:
                self.assertNotIn(rma.name, response.text)
            if lot.company_id not in user.company_ids:
                self.assertEqual(body["result"]["units"], [], lot.name)

    # ---- Units ----------------------------------------------------------------------

    def _visible_lots(self, user):
        return self.visible_lots.get(user, self.env["stock.lot"])

    def _matrix_units_list(self, user):
        for path in ("/my/units", "/my/units/page/1", "/my/units?search=SN-PORTAL"):
            response = self._get(path)
            if not user:
                self.assertIn(response.status_code, (302, 303), path)
                self.assertIn("/web/login", response.headers["Location"])
                continue
            self.assertEqual(response.status_code, 200, path)
            self.assertFalse(
                self._leaks(response.text, self.lots, self._visible_lots(user)), path
            )
            for lot in self._visible_lots(user):
                self.assertIn(lot.name, response.text, path)

    def _matrix_unit_page(self, user):
        for lot in self.lots:
            response = self._get(f"/my/units/{lot.id}")
            if lot in self._visible_lots(user):
                self.assertEqual(response.status_code, 200, lot.name)
                self.assertIn(lot.name, response.text)
            else:
                self._assert_refused(response, f"{user} {lot.name}", lot.name)

    def _matrix_unit_certificate(self, user):
        for lot in self.lots:
            response = self._get(f"/my/units/{lot.id}/certificate")
            if lot in self.owned_lots.get(user, self.env["stock.lot"]):
                self.assertEqual(response.status_code, 200, lot.name)
            else:
                self._assert_refused(response, f"{user} {lot.name}", lot.name)

    def _matrix_unit_register(self, user):
        """Registering a unit that someone else registered is refused."""
        response = self._get("/my/units/register")
        if not user:
            self.assertIn("/web/login", response.headers.get("Location", ""))
            return
        self.assertEqual(response.status_code, 200)
        before = self.env["rma.warranty.registration"].search_count([])
        csrf = self._form_fields(response.text).get("csrf_token")
        for lot in (self.lots_a[1], self.lot_resold):
            if lot in self.owned_lots[user]:
                continue
            response = self.url_open(
                "/my/units/register",
                data={
                    "serial": lot.name,
                    "purchase_date": "2025-01-01",
                    "csrf_token": csrf,
                },
                files={"proof": ("p.pdf", PDF, "application/pdf")},
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 400, lot.name)
            for partner, name in self.secret_names.items():
                if partner != user.partner_id.commercial_partner_id:
                    self.assertNotIn(name, response.text)
        self.assertEqual(self.env["rma.warranty.registration"].search_count([]), before)

    def _matrix_unit_redeem(self, user):
        """A code is redeemed on one's own units only: on another's, not found and
        the code stays unused."""
        code = self.env["rma.warranty.code"].create(
            {"code": f"MATRIX-{user.id if user else 0}-ABCD-EFGH", "months": 12}
        )
        page = self._get("/my/units/register")
        csrf = self._form_fields(page.text).get("csrf_token", "")
        for lot in self.lots - self._visible_lots(user):
            response = self.url_open(
                f"/my/units/{lot.id}/redeem",
                data={"code": code.code, "csrf_token": csrf},
                allow_redirects=False,
            )
            self._assert_refused(response, f"{user} {lot.name}", lot.name)
        self.assertFalse(code.redeemed_lot_id)

    def _matrix_unit_extend(self, user):
        """An extension is bought for one's own units only: for another's, not
        found and no quotation."""
        offer = self.env["product.product"].create(
            {
                "name": f"Matrix Care {user.id if user else 0}",
                "type": "service",
                "list_price": 49.0,
                "is_warranty_extension": True,
                "warranty_extension_months": 12,
                "warranty_extension_product_tmpl_ids": [
                    Command.set(self.product.product_tmpl_id.ids)
                ],
            }
        )
        page = self._get("/my/units/register")
        csrf = self._form_fields(page.text).get("csrf_token", "")
        for lot in self.lots - self._visible_lots(user):
            response = self.url_open(
                f"/my/units/{lot.id}/extend",
                data={"offer": offer.id, "csrf_token": csrf},
                allow_redirects=False,
            )
            self._assert_refused(response, f"{user} {lot.name}", lot.name)
        self.assertFalse(
            self.env["sale.order.line"].search([("product_id", "=", offer.id)])
        )

    def _matrix_rating(self, user):
        """The rating pages open by their token only, and an RMA that is not done
        is rated by nobody (none of the world's RMAs is done)."""
        rma = self.rma_end_a
        # sudo: test set-up, the rating request Odoo's mixin would create.
        token = rma.sudo()._rating_get_access_token()
        for url in (f"/rate/{token}/5", f"/rate/{token[:-2]}xx/5", "/rate/x/3"):
            response = self._get(url)
            self.assertLess(response.status_code, 500, url)
            self.assertNotEqual(response.status_code, 200, url)
            for name in self.secret_names.values():
                self.assertNotIn(name, response.text, url)
        page = self._get("/my/units/register")
        csrf = self._form_fields(page.text).get("csrf_token", "")
        response = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"rate": 5, "feedback": "matrix", "csrf_token": csrf},
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        self.assertNotEqual(response.status_code, 200)
        # sudo: the test reads what was recorded, whoever the request was.
        self.assertFalse(rma.sudo().rating_ids.filtered("consumed"))

    # ---- Public warranty check ------------------------------------------------------

    def _matrix_warranty_check(self, user):
        """Product and coverage only: no names, no RMAs, whoever asks."""
        for lot in self.lots:
            for path in ("/warranty/check", "/warranty/check/json"):
                response = self.url_open(f"{path}?serial={lot.name}")
                self.assertLess(response.status_code, 500)
                for name in self.secret_names.values():
                    self.assertNotIn(name, response.text, f"{path} {lot.name}")
                for rma in self.rmas:
                    self.assertNotIn(rma.name, response.text, f"{path} {lot.name}")

    # ---- Reports, attachments, RPC --------------------------------------------------

    @mute_logger("odoo.http")
    def test_matrix_backend_reports(self):
        """Our three reports by the backend's URLs: never another's record."""
        for user in self.personas:
            self._login(user)
            for report, model in REPORTS.items():
                records = self.rmas if model == "rma.order" else self.lots
                visible = (
                    self._visible(user) if model == "rma.order" else self.env[model]
                )
                for record in records:
                    for kind in ("pdf", "html"):
                        url = f"/report/{kind}/{report}/{record.id}"
                        with self.subTest(user=user and user.login, url=url):
                            response = self._get(url)
                            self.assertLess(response.status_code, 500)
                            if record not in visible:
                                self._assert_refused(response, url, record.name)

    @mute_logger("odoo.http")
    def test_matrix_attachments(self):
        """An RMA's attachment: to those who read the RMA; neither another RMA's
        token nor its own RMA's token opens it to anyone else."""
        for user in self.personas:
            self._login(user)
            for attachment in self.attachments:
                rma = self.env["rma.order"].browse(attachment.res_id)
                secret = f"SECRET-{rma.id}"
                url = f"/web/content/{attachment.id}"
                with self.subTest(user=user and user.login, rma=rma.name):
                    response = self._get(url)
                    if rma in self._visible(user):
                        # Portal users get the files of their RMAs through its
                        # chatter (with the files' own tokens), not by their id.
                        self.assertIn(response.status_code, (200, 403, 404))
                    else:
                        self._assert_refused(response, url, secret)
                        for token in (rma.access_token, "", "x"):
                            self._assert_refused(
                                self._get(f"{url}?access_token={token}"), url, secret
                            )

    def _call_kw(self, model, method, args=(), kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs or {},
            },
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _assert_rpc_refused(self, body, label):
        self.assertIn("error", body, label)
        self.assertIn(
            body["error"]["data"]["name"],
            (
                "odoo.exceptions.AccessError",
                "odoo.http.SessionExpiredException",
                "odoo.exceptions.UserError",
                "odoo.exceptions.MissingError",
            ),
            label,
        )

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_matrix_rpc(self):
        """Over /web/dataset/call_kw: RMAs and their units exactly as the rules
        say, read only; serials, coverage, registrations and codes not at all."""
        for user in self.personas:
            self._login(user)
            label = user and user.login
            with self.subTest(user=label):
                for model, ids in (
                    ("rma.order", self.rmas.ids),
                    ("rma.order.line", self.rmas.line_ids.ids),
                ):
                    body = self._call_kw(
                        model,
                        "search_read",
                        [[("id", "in", ids)]],
                        {"fields": ["id"]},
                    )
                    if not user:
                        self._assert_rpc_refused(body, f"{label} {model}")
                        continue
                    seen = {row["id"] for row in body["result"]}
                    expected = self._visible(user)
                    if model == "rma.order.line":
                        expected = expected.line_ids
                    self.assertEqual(seen, set(expected.ids), f"{label} {model}")
                for model in (
                    "stock.lot",
                    "rma.warranty.coverage",
                    "rma.warranty.registration",
                    "rma.warranty.code",
                    "rma.warranty.void",
                ):
                    body = self._call_kw(
                        model, "search_read", [[]], {"fields": ["display_name"]}
                    )
                    self._assert_rpc_refused(body, f"{label} {model}")
                for rma in self.rmas:
                    for method in (
                        "action_submit",
                        "action_approve",
                        "action_cancel",
                        "action_done",
                        "action_process",
                        "action_release_shipping",
                    ):
                        body = self._call_kw("rma.order", method, [[rma.id]])
                        self._assert_rpc_refused(body, f"{label} {rma.name} {method}")
                    body = self._call_kw(
                        "rma.order", "write", [[rma.id], {"description": "<p>x</p>"}]
                    )
                    self._assert_rpc_refused(body, f"{label} write {rma.name}")
                    body = self._call_kw(
                        "rma.order",
                        "message_post",
                        [[rma.id]],
                        {"body": "intruder", "message_type": "comment"},
                    )
                    if rma not in self._visible(user):
                        self._assert_rpc_refused(body, f"{label} post {rma.name}")
        self.assertFalse(
            self.rmas.message_ids.filtered(lambda m: "intruder" in (m.body or ""))
            - self.rmas.filtered(lambda r: r in self._visible_any()).message_ids
        )
        self.assertFalse(self.rmas.filtered(lambda r: r.description == "<p>x</p>"))

    def _visible_any(self):
        return self.env["rma.order"].union(*self.visible.values())


@tagged("post_install", "-at_install")
class TestPortalMatrixFuzz(PortalMatrixWorld, HttpCase):
    """Every route of the addon (from the routing map), its path parameters and
    its query string replaced by garbage, by GET and by POST, as a portal user and
    as the public: never an HTTP 500 nor a server error in a JSON answer."""

    GARBAGE_IDS = ("0", "-1", "abc", "1.5", "2147483648", "99999999999999999999")
    GARBAGE_PARAMS = (
        "",
        "%00",
        "'",
        "é" * 200,
        "x" * 3000,
        "<script>",
        "1;DROP TABLE rma_order",
    )
    PARAM_NAMES = (
        "page",
        "sortby",
        "filterby",
        "search",
        "search_in",
        "serial",
        "code",
        "purchase_date",
        "access_token",
        "download",
        "report_type",
        "customer_mode",
        "customer_id",
        "unit-0-serial",
    )

    def _urls(self, rule):
        """The rule's URL with real ids, and with each garbage id."""
        real = str(self.rma_end_a.id)

        def fill(value):
            def sub(match):
                converter, options = match.group(1), match.group(2)
                if converter == "any":
                    return options.split(",")[0] if value == real else value
                return value

            return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>", sub, rule.rule)

        return [fill(real), *(fill(v) for v in self.GARBAGE_IDS)]

    def _check_response(self, response, label):
        self.assertLess(response.status_code, 500, label)
        if response.headers.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):  # a JSON-RPC error (not a page's message)
                name = error.get("data", {}).get("name", "")
                self.assertTrue(
                    name.startswith(("odoo.exceptions.", "odoo.http.", "werkzeug.")),
                    f"{label}: {name}",
                )

    def _send(self, url, json_route, params=None, body=None):
        if json_route:
            payload = {"jsonrpc": "2.0", "params": params or {}}
            return self.url_open(
                url,
                data=body if body is not None else json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return self.opener.get(
            self.base_url() + url, params=params or {}, allow_redirects=False
        )

    @mute_logger("odoo.http", "werkzeug")
    def test_fuzz_every_route(self):
        routes = addon_routes(self.env)
        self.assertTrue(set(routes) <= set(ROUTES))
        before = self.env["rma.order"].search_count([])
        for user in (self.user_dist_a, None):
            self._login(user)
            who = user and user.login
            for (_path, _name), rule in sorted(routes.items()):
                json_route = rule.endpoint.routing.get("type") in ("json", "jsonrpc")
                real, *garbage = dict.fromkeys(self._urls(rule))
                for url in garbage:
                    with self.subTest(label=f"{who} {url}"):
                        self._check_response(self._send(url, json_route), url)
                for value in self.GARBAGE_PARAMS:
                    params = dict.fromkeys(self.PARAM_NAMES, value)
                    label = f"{who} {real} ={value[:20]}"
                    with self.subTest(label=label):
                        response = self._send(real, json_route, params)
                        self._check_response(response, label)
                # Wrong types: lists where a text is expected.
                params = {name: ["1", "2"] for name in self.PARAM_NAMES}
                with self.subTest(label=f"{who} {real} lists"):
                    response = self.opener.get(
                        self.base_url() + real, params=params, allow_redirects=False
                    )
                    self._check_response(response, real)
                # Posted garbage: no CSRF token, a wrong one, wrong types.
                for data in ({"x": "1"}, {"csrf_token": "bad", "serial": ["a", "b"]}):
                    label = f"{who} POST {real} {data}"
                    with self.subTest(label=label):
                        response = self.opener.post(
                            self.base_url() + real, data=data, allow_redirects=False
                        )
                        self._check_response(response, label)
                if json_route:
                    # (Params that are no object, e.g. {"params": 5}, fail in
                    # Odoo's JSON-RPC dispatcher before any route: not ours.)
                    for body in (
                        "not json",
                        "[]",
                        "{}",
                        '{"params": {"serial": 5}}',
                        '{"params": {"serial": ["a"], "x": {"y": null}}}',
                    ):
                        label = f"{who} JSON {real} {body}"
                        with self.subTest(label=label):
                            response = self._send(real, True, body=body)
                            self._check_response(response, label)
        self.assertEqual(self.env["rma.order"].search_count([]), before)
