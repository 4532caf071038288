# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: the portal's RMA pages (My RMAs, an RMA, its authorisation) and who
sees what, through the URLs people and attackers fetch."""

import json

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import RmaCommon, flush_rma_mails


class PortalRmaWorld(RmaCommon):
    """Distributor A (its company login and a contact of it), distributor B, an end
    user who bought from A, another end user, and a customer of another company,
    each with a portal login and RMAs of their own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.distributor_b = Partner.create(
            {"name": "Baltic Resellers Test OY", "is_company": True}
        )
        cls.other_end_user = Partner.create(
            {"name": "Olga Other", "email": "olga@example.com"}
        )
        cls.customer_of_a = Partner.create(
            {"name": "Carla Customer Of A", "email": "carla@example.com"}
        )
        cls.company_b = cls.env["res.company"].create({"name": "Other Company Test"})
        cls.company_b_customer = Partner.create(
            {"name": "Bruno Company B", "email": "bruno@example.com"}
        )
        portal = "base.group_portal"
        cls.user_dist_a = new_test_user(
            cls.env, "portal_dist_a", groups=portal, partner_id=cls.distributor.id
        )
        cls.user_contact_a = new_test_user(
            cls.env,
            "portal_contact_a",
            groups=portal,
            name="Anna Contact Of A",
            parent_id=cls.distributor.id,
        )
        cls.user_dist_b = new_test_user(
            cls.env, "portal_dist_b", groups=portal, partner_id=cls.distributor_b.id
        )
        cls.user_end_a = new_test_user(
            cls.env, "portal_end_a", groups=portal, partner_id=cls.end_user.id
        )
        cls.user_other = new_test_user(
            cls.env, "portal_other", groups=portal, partner_id=cls.other_end_user.id
        )
        cls.user_company_b = new_test_user(
            cls.env,
            "portal_company_b",
            groups=portal,
            partner_id=cls.company_b_customer.id,
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.lots_a = cls._create_lots(cls.product, ["SN-PORTAL-A1", "SN-PORTAL-A2"])
        cls.lots_b = cls._create_lots(cls.product, ["SN-PORTAL-B1"])
        cls._sell(cls.distributor, cls.product, lots=cls.lots_a)
        cls._sell(cls.distributor_b, cls.product, lots=cls.lots_b)
        # Filed by A for a customer of its own (no login).
        cls.rma_filed_by_a = cls._portal_rma(
            cls.customer_of_a,
            [(cls.product_untracked, None, 1.0)],
            distributor_id=cls.distributor.id,
        )
        # Filed by the end user for a unit A sold: approved, its label printable.
        cls.rma_end_a = cls._portal_rma(
            cls.end_user, [(cls.product, cls.lots_a[0], 1.0)], approve=True
        )
        cls.rma_other = cls._portal_rma(
            cls.other_end_user, [(cls.product_untracked, None, 2.0)]
        )
        cls.rma_b = cls._portal_rma(
            cls.distributor_b, [(cls.product, cls.lots_b[0], 1.0)], approve=True
        )
        warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        cls.rma_company_b = cls._portal_rma(
            cls.company_b_customer,
            [(cls.product_untracked, None, 1.0)],
            company_id=cls.company_b.id,
            warehouse_id=warehouse_b.id,
        )
        cls.rmas = (
            cls.rma_filed_by_a
            | cls.rma_end_a
            | cls.rma_other
            | cls.rma_b
            | cls.rma_company_b
        )
        # Who reads which RMA: the isolation matrix.
        cls.visible = {
            cls.user_dist_a: cls.rma_filed_by_a | cls.rma_end_a,
            cls.user_contact_a: cls.rma_filed_by_a | cls.rma_end_a,
            cls.user_dist_b: cls.rma_b,
            cls.user_end_a: cls.rma_end_a,
            cls.user_other: cls.rma_other,
            cls.user_company_b: cls.rma_company_b,
        }

    @classmethod
    def _portal_rma(cls, partner, lines, approve=False, **vals):
        rma = cls.env["rma.order"].create(
            dict(
                {
                    "partner_id": partner.id,
                    "warehouse_id": cls.warehouse.id,
                    "channel": "portal",
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "lot_id": lot.id if lot else False,
                                "quantity": qty,
                            }
                        )
                        for product, lot, qty in lines
                    ],
                },
                **vals,
            )
        )
        rma.action_submit()
        if approve:
            rma.action_approve()
        flush_rma_mails(cls.env)  # issue 16: the emails are deferred
        return rma

    def _login(self, user):
        if user:
            self.authenticate(user.login, user.login)
        else:
            self.authenticate(None, None)

    def _get(self, url, **kwargs):
        return self.url_open(url, allow_redirects=False, **kwargs)

    def assertRedirectedAway(self, response, msg=None):
        self.assertIn(response.status_code, (301, 302, 303), msg)
        location = response.headers.get("Location", "")
        self.assertTrue(
            location.endswith("/my") or "/web/login" in location,
            f"{msg}: redirected to {location}",
        )


@tagged("post_install", "-at_install")
class TestPortalRmaRoutes(PortalRmaWorld, HttpCase):
    """Each route with the right partner, another partner, the public, a wrong
    and no token."""

    def test_home_counter(self):
        self._login(self.user_dist_a)
        home = self.url_open("/my")
        self.assertIn('data-placeholder_count="rma_count"', home.text)
        self.assertIn('href="/my/rmas"', home.text)
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"jsonrpc": "2.0", "params": {"counters": ["rma_count"]}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        count = response.json()["result"]["rma_count"]
        expected = self.env["rma.order"].search_count(
            self.env["rma.order"]._get_portal_domain(self.distributor)
        )
        self.assertEqual(count, expected)
        self.assertGreaterEqual(count, 2)

    def test_list_end_user(self):
        self._login(self.user_end_a)
        response = self._get("/my/rmas")
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'href="/my/rmas/{self.rma_end_a.id}"', response.text)
        self.assertIn("SN-PORTAL-A1", response.text)
        for rma in self.rmas - self.rma_end_a:
            self.assertNotIn(f'href="/my/rmas/{rma.id}"', response.text)

    def test_list_public_redirected_to_login(self):
        self._login(None)
        response = self._get("/my/rmas")
        self.assertRedirectedAway(response, "public list")

    def test_detail_end_user(self):
        self._login(self.user_end_a)
        response = self._get(f"/my/rmas/{self.rma_end_a.id}")
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn(self.rma_end_a.name, text)
        self.assertIn("SN-PORTAL-A1", text)
        self.assertIn(self.product.name, text)
        # The expected next step, as a sentence.
        self.assertIn(self.rma_end_a._portal_next_step(), text)
        self.assertIn(f"/my/rmas/{self.rma_end_a.id}/authorisation", text)
        self.assertIn('id="discussion"', text)

    def test_detail_distributor_of_sold_unit(self):
        self._login(self.user_dist_a)
        response = self._get(f"/my/rmas/{self.rma_end_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.rma_end_a.name, response.text)

    @mute_logger("odoo.http")
    def test_detail_other_partner_public_tokens(self):
        rma = self.rma_end_a
        token = rma._portal_ensure_token()
        url = f"/my/rmas/{rma.id}"
        for user in (self.user_other, self.user_dist_b, None):
            with self.subTest(user=user and user.login):
                self._login(user)
                self.assertRedirectedAway(self._get(url), "no token")
                self.assertRedirectedAway(
                    self._get(f"{url}?access_token="), "empty token"
                )
                self.assertRedirectedAway(
                    self._get(f"{url}?access_token={token[:-1]}x"), "wrong token"
                )
                response = self._get(f"{url}?access_token={token}")
                self.assertEqual(response.status_code, 200)
                self.assertIn(rma.name, response.text)
        # A token opens its own RMA only.
        self._login(self.user_other)
        self.assertRedirectedAway(
            self._get(f"/my/rmas/{self.rma_b.id}?access_token={token}"), "other RMA"
        )

    def test_email_link_opens_portal_page(self):
        """The button of a customer email (/mail/view with the token) leads the
        customer to the portal page of the RMA, logged in or not."""
        rma = self.rma_end_a
        token = rma._portal_ensure_token()
        for user in (None, self.user_end_a):
            with self.subTest(user=user and user.login):
                self._login(user)
                response = self.url_open(
                    f"/mail/view?model=rma.order&res_id={rma.id}&access_token={token}"
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn(f"/my/rmas/{rma.id}", response.url)
                self.assertIn(rma.name, response.text)

    def test_authorisation_pdf(self):
        self._login(self.user_end_a)
        response = self._get(f"/my/rmas/{self.rma_end_a.id}/authorisation")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.rma_end_a.name, response.text)

    @mute_logger("odoo.http")
    def test_authorisation_refused_before_approval(self):
        self._login(self.user_other)
        response = self._get(f"/my/rmas/{self.rma_other.id}/authorisation")
        self.assertEqual(response.status_code, 403)
        self.assertIn("No RMA authorisation can be printed", response.text)
        # The page offers no link to it.
        page = self._get(f"/my/rmas/{self.rma_other.id}")
        self.assertNotIn("/authorisation", page.text)

    @mute_logger("odoo.http")
    def test_authorisation_other_partner_tokens(self):
        rma = self.rma_end_a
        token = rma._portal_ensure_token()
        url = f"/my/rmas/{rma.id}/authorisation"
        for user in (self.user_other, None):
            with self.subTest(user=user and user.login):
                self._login(user)
                self.assertRedirectedAway(self._get(url), "no token")
                self.assertRedirectedAway(
                    self._get(f"{url}?access_token=nope"), "wrong token"
                )
                self.assertEqual(
                    self._get(f"{url}?access_token={token}").status_code, 200
                )

    @mute_logger("odoo.http")
    def test_service_report_refused_before_repair(self):
        self._login(self.user_end_a)
        response = self._get(f"/my/rmas/{self.rma_end_a.id}/service-report")
        self.assertEqual(response.status_code, 403)
        self.assertIn("No service report is available", response.text)

    def _upload(self, rma, name):
        return self.url_open(
            "/mail/attachment/upload",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "thread_id": rma.id,
                "thread_model": "rma.order",
                "is_pending": "true",
            },
            files={"ufile": (name, b"%PDF-1.4 proof", "application/pdf")},
        )

    @mute_logger("odoo.http")
    def test_chatter_message_with_attachment(self):
        """The customer writes in the RMA's chatter with a file; another partner
        can neither upload to it nor post in it."""
        rma = self.rma_end_a
        self._login(self.user_end_a)
        upload = self._upload(rma, "proof.pdf")
        self.assertEqual(upload.status_code, 200)
        attachment = upload.json()["data"]["ir.attachment"][0]
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "rma.order",
                "thread_id": rma.id,
                "post_data": {
                    "body": "Here is the proof of purchase.",
                    "attachment_ids": [attachment["id"]],
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
                "attachment_tokens": [attachment["access_token"]],
            },
        )
        message = rma.message_ids.filtered(
            lambda m: "Here is the proof of purchase." in (m.body or "")
        )
        self.assertEqual(message.author_id, self.end_user)
        self.assertEqual(message.attachment_ids.name, "proof.pdf")
        self.assertEqual(message.attachment_ids.res_id, rma.id)
        self._login(self.user_other)
        self.assertEqual(self._upload(rma, "intruder.pdf").status_code, 404)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "rma.order",
                    "thread_id": rma.id,
                    "post_data": {"body": "Intruder", "message_type": "comment"},
                },
            )
        self.assertFalse(
            rma.message_ids.filtered(lambda m: "Intruder" in (m.body or ""))
        )

    def test_emails_link_to_portal_page(self):
        """Every customer email of an RMA carries its "View online" link."""
        rma = self.rma_end_a
        url = rma.get_portal_url()
        templates = self.env["mail.template"].search(
            [("model", "=", "rma.order"), ("partner_to", "!=", False)]
        )
        self.assertGreaterEqual(len(templates), 6)
        for template in templates:
            with self.subTest(template=template.name):
                body = template._render_field("body_html", rma.ids)[rma.id]
                self.assertIn(url.replace("&", "&amp;"), body)
                self.assertIn("View online", body)
        message = rma.message_ids.filtered(lambda m: "/my/rmas/" in (m.body or ""))[:1]
        self.assertIn(
            f"/my/rmas/{rma.id}?access_token={rma.access_token}", message.body
        )


@tagged("post_install", "-at_install")
class TestPortalRmaIsolation(PortalRmaWorld, HttpCase):
    """Every kind of user against every RMA, over the list, the page, the
    authorisation and the model itself: what each sees is exactly its own."""

    @mute_logger("odoo.http")
    def test_matrix_routes(self):
        users = [*self.visible, None]
        for user in users:
            visible = self.visible.get(user, self.env["rma.order"])
            self._login(user)
            listing = self._get("/my/rmas")
            for rma in self.rmas:
                label = f"{user and user.login} / {rma.name}"
                with self.subTest(who=label):
                    seen = rma in visible
                    if user:
                        self.assertEqual(listing.status_code, 200)
                        self.assertEqual(
                            f'href="/my/rmas/{rma.id}"' in listing.text, seen, label
                        )
                    page = self._get(f"/my/rmas/{rma.id}")
                    label_pdf = self._get(f"/my/rmas/{rma.id}/authorisation")
                    if seen:
                        self.assertEqual(page.status_code, 200, label)
                        self.assertIn(rma.name, page.text)
                        self.assertEqual(
                            label_pdf.status_code,
                            200 if rma in (self.rma_end_a, self.rma_b) else 403,
                            label,
                        )
                    else:
                        self.assertRedirectedAway(page, label)
                        self.assertRedirectedAway(label_pdf, label)
                        self.assertNotIn(rma.name, page.text)
                    # The report URL of the backend neither.
                    report = self._get(
                        f"/report/html/rma_warranty.report_rma_order/{rma.id}"
                    )
                    self.assertLess(report.status_code, 500, label)
                    if not seen:
                        self.assertNotEqual(report.status_code, 200, label)
                        self.assertNotIn(rma.name, report.text)

    def test_matrix_model(self):
        for user, visible in self.visible.items():
            with self.subTest(user=user.login):
                Rma = self.env["rma.order"].with_user(user)
                self.assertEqual(Rma.search([("id", "in", self.rmas.ids)]), visible)
                Line = self.env["rma.order.line"].with_user(user)
                self.assertEqual(
                    Line.search([("order_id", "in", self.rmas.ids)]),
                    visible.line_ids,
                )
                visible.with_user(user).read(["name", "state", "line_ids"])
                for rma in self.rmas - visible:
                    with self.assertRaises(AccessError):
                        rma.with_user(user).read(["name"])
                    with self.assertRaises(AccessError):
                        rma.line_ids.with_user(user).read(["product_id"])
                # Portal users read; they never write.
                with self.assertRaises(AccessError):
                    visible[:1].with_user(user).write({"description": "<p>x</p>"})
        public = self.env.ref("base.public_user")
        with self.assertRaises(AccessError):
            self.env["rma.order"].with_user(public).search([])

    def test_rules_do_not_follow_followers(self):
        """A follower who is none of the RMA's parties reads nothing."""
        self.rma_b.message_subscribe(partner_ids=self.other_end_user.ids)
        self.assertFalse(
            self.env["rma.order"]
            .with_user(self.user_other)
            .search([("id", "=", self.rma_b.id)])
        )


@tagged("post_install", "-at_install")
class TestPortalRmaFuzz(PortalRmaWorld, HttpCase):
    """Whatever the parameters of the list, the page answers: never a 500."""

    @mute_logger("odoo.http")
    def test_list_parameters(self):
        self._login(self.user_dist_a)
        junk = [
            "",
            "junk",
            "name desc; DROP TABLE rma_order",
            "__proto__",
            "%",
            "_",
            "'",
            "\\",
            "%00",
            "é" * 300,
            "x" * 5000,
            "<script>alert(1)</script>",
        ]
        queries = []
        for value in junk:
            for param in ("sortby", "filterby", "search_in", "search", "page"):
                queries.append({param: value})
        for page in ("0", "-1", "1", "2", "999999", "99999999999999999999", "1.5"):
            queries.append({"page": page})
        queries += [
            {"search": "SN-PORTAL", "search_in": "serial"},
            {"search": "NAS", "search_in": "product"},
            {"search": "REQ", "search_in": "reference"},
            {"search": "SN-PORTAL-A1", "search_in": "all", "sortby": "state"},
            {"filterby": "done", "sortby": "reference"},
            {"filterby": "open", "search": "\x00"},
        ]
        for params in queries:
            with self.subTest(params=params):
                response = self.opener.get(
                    self.base_url() + "/my/rmas", params=params, allow_redirects=False
                )
                self.assertLess(response.status_code, 500, response.text[:500])
        for path in (
            "/my/rmas/page/0",
            "/my/rmas/page/1",
            "/my/rmas/page/99999",
            "/my/rmas/page/99999999999999999999",
            "/my/rmas/page/abc",
            "/my/rmas/0",
            "/my/rmas/-1",
            "/my/rmas/99999999999",
            "/my/rmas/abc",
            f"/my/rmas/{self.rma_end_a.id}?access_token=%00",
            f"/my/rmas/{self.rma_end_a.id}?access_token=" + "x" * 3000,
            # Tokens of RMAs the user does not read, that are not even ASCII.
            f"/my/rmas/{self.rma_b.id}?access_token=%C3%A9",
            f"/my/rmas/{self.rma_b.id}/authorisation?access_token=%C3%A9",
            f"/my/rmas/{self.rma_b.id}/service-report?access_token=%E2%82%AC",
            f"/my/rmas/{self.rma_b.id}/quote/1?access_token=%C3%A9",
            "/my/rmas/0/authorisation",
            "/my/rmas/99999999999/authorisation",
            f"/my/rmas/{self.rma_b.id}/authorisation?download=true",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertLess(response.status_code, 500, response.text[:500])

    def test_search_finds_serial_product_reference(self):
        self._login(self.user_dist_a)
        for params in (
            {"search": "SN-PORTAL-A1", "search_in": "serial"},
            {"search": "SN-PORTAL-A1", "search_in": "all"},
            {"search": self.rma_end_a.name, "search_in": "reference"},
        ):
            with self.subTest(params=params):
                response = self.opener.get(
                    self.base_url() + "/my/rmas", params=params, allow_redirects=False
                )
                self.assertIn(f'href="/my/rmas/{self.rma_end_a.id}"', response.text)
                self.assertNotIn(
                    f'href="/my/rmas/{self.rma_filed_by_a.id}"', response.text
                )
        response = self.opener.get(
            self.base_url() + "/my/rmas",
            params={"search": "Power Adapter", "search_in": "product"},
        )
        self.assertIn(f'href="/my/rmas/{self.rma_filed_by_a.id}"', response.text)
        self.assertNotIn(f'href="/my/rmas/{self.rma_end_a.id}"', response.text)
        # A serial of another distributor is not found, not even by its exact name.
        response = self.opener.get(
            self.base_url() + "/my/rmas",
            params={"search": "SN-PORTAL-B1", "search_in": "serial"},
        )
        self.assertNotIn(f'href="/my/rmas/{self.rma_b.id}"', response.text)
