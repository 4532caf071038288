# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14: complaints on the portal: My complaints, a complaint's page, the form
that files one (with no unit at all, or "I disagree" on a unit of an RMA or on its
repair quote), as the owner, as another partner, with a wrong token, wrong types,
a replayed form; the list's query count; tours through the real pages."""

import logging
import re

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_portal_matrix import TestPortalMatrix
from .test_portal_quote import PortalQuoteMixin
from .test_portal_rma import PortalRmaWorld

_logger = logging.getLogger(__name__)

LIST_QUERY_BUDGET = 14


class ComplaintPortalWorld(PortalRmaWorld):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Complaint = cls.env["rma.complaint"]
        cls.complaint_end_a = Complaint.create(
            {
                "partner_id": cls.end_user.id,
                "description": "Secret complaint of Erik.",
                "rma_id": cls.rma_end_a.id,
            }
        )
        cls.complaint_other = Complaint.create(
            {
                "partner_id": cls.other_end_user.id,
                "description": "Secret complaint of Olga.",
            }
        )

    def _form(self, query=""):
        response = self._get(f"/my/complaints/new{query}")
        fields_ = dict(
            re.findall(
                r'name="(csrf_token|complaint_token)" value="([^"]*)"', response.text
            )
        )
        return response, fields_

    def _post(self, data):
        return self.url_open("/my/complaints/new", data=data, allow_redirects=False)

    def _count(self):
        return self.env["rma.complaint"].search_count([])


@tagged("post_install", "-at_install")
class TestIssue14ComplaintPortal(ComplaintPortalWorld, HttpCase):
    def test_list_as_owner_and_other(self):
        self._login(self.user_end_a)
        response = self._get("/my/complaints")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.complaint_end_a.name, response.text)
        self.assertNotIn(self.complaint_other.name, response.text)
        self._login(self.user_other)
        response = self._get("/my/complaints")
        self.assertIn(self.complaint_other.name, response.text)
        self.assertNotIn(self.complaint_end_a.name, response.text)
        self._login(None)
        self.assertRedirectedAway(self._get("/my/complaints"), "public")

    def test_home_counter(self):
        self._login(self.user_end_a)
        response = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["rma_complaint_count"]}
        )
        self.assertEqual(response["rma_complaint_count"], 1)

    def test_page_as_owner_other_and_tokens(self):
        url = f"/my/complaints/{self.complaint_end_a.id}"
        self._login(self.user_end_a)
        response = self._get(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Secret complaint of Erik.", response.text)
        self.assertIn("o_portal_chatter", response.text)
        for user in (self.user_other, self.user_dist_b, None):
            self._login(user)
            for query in (
                "",
                "?access_token=",
                f"?access_token={self.complaint_other._portal_ensure_token()}",
                "?access_token=wrong",
            ):
                response = self._get(url + query)
                self.assertRedirectedAway(response, f"{user} {query}")
                self.assertNotIn("Secret complaint of Erik.", response.text)
        # The complaint's own token (its email link) opens it.
        self._login(None)
        token = self.complaint_end_a._portal_ensure_token()
        response = self._get(f"{url}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Secret complaint of Erik.", response.text)
        for bad in ("0", "-1", "2147483648", "abc"):
            response = self._get(f"/my/complaints/{bad}")
            self.assertLess(response.status_code, 500, bad)

    def test_page_shows_answer_not_cause(self):
        complaint = self.complaint_end_a
        complaint.write(
            {
                "cause": "Internal: the technician misread the log.",
                "resolution": "Free repair.",
            }
        )
        url = f"/my/complaints/{complaint.id}"
        self._login(self.user_end_a)
        response = self._get(url)
        self.assertIn("We will answer you by", response.text)
        self.assertNotIn("Free repair.", response.text)  # not agreed yet
        complaint.action_resolve()
        response = self._get(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Free repair.", response.text)
        self.assertIn("Resolved", response.text)
        self.assertNotIn("misread the log", response.text)
        self.assertNotIn("We will answer you by", response.text)

    def test_solved_rma_on_portal(self):
        """A request solved without return reads as solved on the portal: its
        badge in My RMAs and on its page, and how it was solved."""
        self.rma_other._solve_remotely("Reset the adapter.")
        self._login(self.user_other)
        listing = self._get("/my/rmas")
        self.assertIn("Solved Without Return", listing.text)
        page = self._get(f"/my/rmas/{self.rma_other.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Solved Without Return", page.text)
        self.assertIn("Reset the adapter.", page.text)
        self.assertNotIn("not accepted", page.text)
        self.assertNotIn("Rejected", page.text)

    def test_file_complaint_without_unit(self):
        self._login(self.user_other)
        response, fields_ = self._form()
        self.assertEqual(response.status_code, 200)
        before = self._count()
        response = self._post(
            dict(
                fields_,
                complaint_type="delay",
                description="Nobody answers the phone.",
            )
        )
        self.assertEqual(response.status_code, 303)
        complaint = self.env["rma.complaint"].search([], limit=1, order="id desc")
        self.assertEqual(self._count(), before + 1)
        self.assertIn(f"/my/complaints/{complaint.id}", response.headers["Location"])
        self.assertEqual(complaint.partner_id, self.other_end_user)
        self.assertEqual(complaint.channel, "portal")
        self.assertEqual(complaint.complaint_type, "delay")
        self.assertFalse(complaint.rma_id)
        self.assertIn(self.other_end_user, complaint.message_partner_ids)
        # The same form sent again files nothing more.
        response = self._post(
            dict(fields_, complaint_type="delay", description="Again.")
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("already sent", response.text)
        self.assertEqual(self._count(), before + 1)

    def test_wrong_token_and_public(self):
        before = self._count()
        self._login(self.user_other)
        _response, fields_ = self._form()
        for token in ("", "x.y", fields_["complaint_token"] + "x", "é" * 300):
            response = self._post(
                dict(
                    fields_,
                    complaint_token=token,
                    complaint_type="service",
                    description="Text.",
                )
            )
            self.assertEqual(response.status_code, 400, token)
        # Another user's form token is no token for this one.
        self._login(self.user_end_a)
        _response, own = self._form()
        response = self._post(
            dict(
                own,
                complaint_token=fields_["complaint_token"],
                complaint_type="service",
                description="Text.",
            )
        )
        self.assertEqual(response.status_code, 400)
        self._login(None)
        response = self._post({"complaint_type": "service", "description": "x"})
        self.assertLess(response.status_code, 500)
        self.assertIn("/web/login", response.headers.get("Location", ""))
        self.assertEqual(self._count(), before)

    @mute_logger("odoo.http")
    def test_wrong_types_and_bad_ids(self):
        before = self._count()
        self._login(self.user_end_a)
        cases = [
            ({"complaint_type": "nonsense", "description": "x"}, 400),
            ({"complaint_type": "service", "description": ""}, 400),
            ({"complaint_type": "service", "description": "x" * 5001}, 400),
            ({"complaint_type": "service", "description": "x", "rma_id": "abc"}, 400),
            ({"complaint_type": "service", "description": "x", "rma_id": "-5"}, 400),
            (
                {"complaint_type": "service", "description": "x", "rma_id": "99999999"},
                403,
            ),
            # Someone else's RMA, unit and quote ids.
            (
                {
                    "complaint_type": "service",
                    "description": "x",
                    "rma_id": str(self.rma_other.id),
                },
                403,
            ),
            (
                {
                    "complaint_type": "diagnosis",
                    "description": "x",
                    "line_id": str(self.rma_b.line_ids.id),
                },
                403,
            ),
            # Its own RMA with another RMA's unit.
            (
                {
                    "complaint_type": "diagnosis",
                    "description": "x",
                    "rma_id": str(self.rma_end_a.id),
                    "line_id": str(self.rma_b.line_ids.id),
                },
                403,
            ),
        ]
        for data, status in cases:
            _response, fields_ = self._form()
            with self.subTest(data=str(data)[:80]):
                response = self._post(dict(fields_, **data))
                self.assertEqual(response.status_code, status)
                self.assertNotIn(self.rma_other.name, response.text)
                self.assertNotIn(self.rma_b.name, response.text)
        # Lists where texts are expected.
        _response, fields_ = self._form()
        response = self.url_open(
            "/my/complaints/new",
            data=dict(
                fields_,
                complaint_type=["service", "price"],
                description=["a", "b"],
                rma_id=["1", "2"],
            ),
            allow_redirects=False,
        )
        self.assertLess(response.status_code, 500)
        # A form prefilled with someone else's RMA: refused, nothing shown of it.
        response, _fields = self._form(f"?rma_id={self.rma_other.id}")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(self.rma_other.name, response.text)
        self.assertEqual(self._count(), before)

    def test_i_disagree_on_rma_page(self):
        self._login(self.user_end_a)
        page = self._get(f"/my/rmas/{self.rma_end_a.id}")
        line = self.rma_end_a.line_ids
        link = re.search(
            r'class="[^"]*o_rma_disagree_unit[^"]*"\s+href="([^"]*)"', page.text
        )
        self.assertTrue(link, "an I disagree link on the unit")
        href = link.group(1).replace("&amp;", "&")
        self.assertIn(f"line_id={line.id}", href)
        response, fields_ = self._form(href[len("/my/complaints/new") :])
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.rma_end_a.name, response.text)
        self.assertIn(line.lot_id.name, response.text)
        self.assertRegex(response.text, r'<option value="diagnosis" selected')
        response = self._post(
            dict(
                fields_,
                complaint_type="diagnosis",
                description="It is not water damage.",
                rma_id=str(self.rma_end_a.id),
                line_id=str(line.id),
            )
        )
        self.assertEqual(response.status_code, 303)
        complaint = self.env["rma.complaint"].search([], limit=1, order="id desc")
        self.assertEqual(complaint.line_id, line)
        self.assertEqual(complaint.lot_id, line.lot_id)
        self.assertEqual(complaint.rma_id, self.rma_end_a)
        self.assertEqual(complaint.complaint_type, "diagnosis")
        # The owner is the RMA's responsible.
        self.assertEqual(complaint.user_id, self.rma_end_a.user_id)


@tagged("post_install", "-at_install")
class TestIssue14ComplaintPortalQueries(ComplaintPortalWorld, HttpCase):
    def _list_queries(self, expected_rows):
        self.url_open("/my/complaints")  # warm the caches
        self.env.flush_all()
        before = self.cr.sql_log_count
        with self.assertQueryCount(LIST_QUERY_BUDGET):
            response = self.url_open("/my/complaints")
        count = self.cr.sql_log_count - before
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.text.count('class="o_portal_complaint_row"'), expected_rows
        )
        return count

    def _create(self, count):
        lots = self._create_lots(
            self.product,
            [f"SN-CMP-Q-{self._count()}-{index}" for index in range(count)],
        )
        rma = self._portal_rma(
            self.end_user, [(self.product, lot, 1.0) for lot in lots]
        )
        self.env["rma.complaint"].create(
            [
                {
                    "partner_id": self.end_user.id,
                    "description": f"Complaint {index}",
                    "rma_id": rma.id,
                    "line_id": line.id,
                }
                for index, line in enumerate(rma.line_ids)
            ]
        )

    def test_list_query_count(self):
        self._login(self.user_end_a)
        self._create(2)
        small = self._list_queries(3)
        self._create(12)
        large = self._list_queries(15)
        _logger.info("My complaints: %s queries for 3, %s for 15", small, large)
        self.assertEqual(small, large)


@tagged("post_install", "-at_install")
class TestIssue14ComplaintQuote(PortalQuoteMixin, HttpCase):
    """ "I disagree" on the portal page of a repair quote: a price dispute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rma = cls.env["rma.order"].create(
            {
                "partner_id": cls.end_user.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": cls.prepaid_lots[2].id,
                            "quantity": 1,
                            "resolution": "repair",
                            "damage_level_id": cls.level.id,
                        }
                    )
                ],
            }
        )
        cls.rma.action_submit()
        cls.rma.action_approve()
        cls.quote = cls.rma.line_ids.quote_id

    def test_i_disagree_on_quote(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        token = self.quote._portal_ensure_token()
        page = self._get(f"/my/orders/{self.quote.id}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        link = re.search(
            r'class="[^"]*o_rma_disagree_quote[^"]*"\s+href="([^"]*)"', page.text
        )
        self.assertTrue(link, "an I disagree link on the quote")
        href = link.group(1).replace("&amp;", "&")
        form = self._get(href)
        self.assertEqual(form.status_code, 200)
        self.assertIn(self.quote.name, form.text)
        self.assertRegex(form.text, r'<option value="price" selected')
        fields_ = dict(
            re.findall(
                r'name="(csrf_token|complaint_token|rma_id|line_id|sale_order_id)" '
                r'value="([^"]*)"',
                form.text,
            )
        )
        response = self.url_open(
            "/my/complaints/new",
            data=dict(fields_, complaint_type="price", description="Too expensive."),
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        complaint = self.env["rma.complaint"].search([], limit=1, order="id desc")
        self.assertEqual(complaint.sale_order_id, self.quote)
        self.assertEqual(complaint.rma_id, self.rma)
        self.assertEqual(complaint.line_id, self.rma.line_ids)
        self.assertEqual(complaint.complaint_type, "price")
        # Another partner cannot dispute this quote.
        self.authenticate(self.other_user.login, self.other_user.login)
        response = self._get(f"/my/complaints/new?sale_order_id={self.quote.id}")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(self.quote.name, response.text)


@tagged("post_install", "-at_install")
class TestIssue14ComplaintRpc(TestPortalMatrix):
    """The matrix world (its own tests are not run again here: only this class's
    own), over RPC."""

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_matrix_rpc_complaints(self):
        """Over /web/dataset/call_kw: complaints exactly as the rules say, read
        only; their actions and decision fields refused."""
        for user in self.personas:
            self._login(user)
            label = user and user.login
            with self.subTest(user=label):
                body = self._call_kw(
                    "rma.complaint",
                    "search_read",
                    [[("id", "in", self.complaints.ids)]],
                    {"fields": ["id"]},
                )
                if not user:
                    self._assert_rpc_refused(body, label)
                    continue
                seen = {row["id"] for row in body["result"]}
                self.assertEqual(seen, set(self._visible_complaints(user).ids), label)
                # The root cause is internal, even on its own complaints.
                body = self._call_kw(
                    "rma.complaint",
                    "read",
                    [self._visible_complaints(user).ids, ["cause"]],
                )
                self._assert_rpc_refused(body, f"{label} cause")
                for complaint in self.complaints:
                    for method in ("action_start", "action_resolve", "action_close"):
                        body = self._call_kw("rma.complaint", method, [[complaint.id]])
                        self._assert_rpc_refused(body, f"{label} {method}")
                    body = self._call_kw(
                        "rma.complaint",
                        "write",
                        [[complaint.id], {"state": "closed", "resolution": "x"}],
                    )
                    self._assert_rpc_refused(body, f"{label} write")
                    body = self._call_kw(
                        "rma.order",
                        "_solve_remotely",
                        [complaint.rma_id.ids, "x"],
                    )
                    self._assert_rpc_refused(body, f"{label} solve")
        self.assertEqual(set(self.complaints.mapped("state")), {"new"})
        self.assertNotIn("solved", self.rmas.mapped("state"))


@tagged("post_install", "-at_install")
class TestIssue14ComplaintTour(ComplaintPortalWorld, HttpCase):
    """In a browser, through the real pages."""

    def _last(self):
        return self.env["rma.complaint"].search([], limit=1, order="id desc")

    def test_tour_i_disagree_from_rma_page(self):
        before = self._last()
        self.start_tour(
            f"/my/rmas/{self.rma_end_a.id}",
            "rma_complaint_disagree_tour",
            login=self.user_end_a.login,
        )
        complaint = self._last()
        self.assertNotEqual(complaint, before)
        self.assertEqual(complaint.partner_id, self.end_user)
        self.assertEqual(complaint.complaint_type, "diagnosis")
        self.assertEqual(complaint.line_id, self.rma_end_a.line_ids)
        self.assertIn("dent was there on delivery", complaint.description)

    def test_tour_complaint_without_unit(self):
        before = self._last()
        self.start_tour("/my", "rma_complaint_new_tour", login=self.user_other.login)
        complaint = self._last()
        self.assertNotEqual(complaint, before)
        self.assertEqual(complaint.partner_id, self.other_end_user)
        self.assertEqual(complaint.complaint_type, "delay")
        self.assertFalse(complaint.rma_id)
        self.assertFalse(complaint.lot_id)
