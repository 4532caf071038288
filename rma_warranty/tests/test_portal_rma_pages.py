# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: the documents of an RMA on its portal page, the query count of My
RMAs, and an end user's visit in a browser."""

import logging

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RmaCommon
from .test_issue11_money import PrepaidRepairMixin

_logger = logging.getLogger(__name__)

# Queries of one My RMAs page (a page of 80 RMAs at most), whatever their number.
# Measured: 13 for 10 and for 1,000 RMAs (14 before the rows were prepared in
# one batch by rma.order._portal_list_rows).
LIST_QUERY_BUDGET = 13


@tagged("post_install", "-at_install")
class TestPortalRmaDocuments(PrepaidRepairMixin, HttpCase):
    """A pay-before-shipping RMA: its repair quote is linked, its label is not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            "portal_docs_end",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
        )
        cls.other_user = new_test_user(
            cls.env, "portal_docs_other", groups="base.group_portal"
        )

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    @mute_logger("odoo.http")
    def test_held_rma_quote_link_and_no_label(self):
        held = self._held_rma(self.prepaid_lots[0])
        quote = held.line_ids.quote_id
        self.assertTrue(quote)
        other_rma = self._new_rma(
            self.end_user, [(self.product, self.prepaid_lots[1], 1.0)]
        )
        other_rma.action_submit()
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self._get(f"/my/rmas/{held.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/rmas/{held.id}/quote/{quote.id}", page.text)
        self.assertIn(quote.name, page.text)
        self.assertIn(held._portal_next_step(), page.text)
        self.assertIn("Accept and pay the repair quote", page.text)
        self.assertNotIn(f"/my/rmas/{held.id}/authorisation", page.text)
        # The label of a held RMA is refused, with the reason.
        label = self._get(f"/my/rmas/{held.id}/authorisation")
        self.assertEqual(label.status_code, 403)
        self.assertIn(
            "the RMA label is released once the repair quote is paid", label.text
        )
        # The quote opens on Sale's portal page, with its own token.
        response = self._get(f"/my/rmas/{held.id}/quote/{quote.id}")
        self.assertEqual(response.status_code, 303)
        self.assertIn(
            f"/my/orders/{quote.id}?access_token={quote.access_token}",
            response.headers["Location"],
        )
        self.assertEqual(self.url_open(response.headers["Location"]).status_code, 200)
        # Through another RMA, or as another kind of document, it is not reached.
        for url in (
            f"/my/rmas/{other_rma.id}/quote/{quote.id}",
            f"/my/rmas/{held.id}/invoice/{quote.id}",
            f"/my/rmas/{held.id}/refund/{quote.id}",
        ):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertEqual(response.status_code, 303)
                self.assertNotIn("/my/orders/", response.headers["Location"])
        # Another partner reaches neither the RMA nor its quote.
        self.authenticate(self.other_user.login, self.other_user.login)
        response = self._get(f"/my/rmas/{held.id}/quote/{quote.id}")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        # With the RMA's token (the link of its emails), the quote is reached.
        self.authenticate(None, None)
        token = held._portal_ensure_token()
        response = self._get(
            f"/my/rmas/{held.id}/quote/{quote.id}?access_token={token}"
        )
        self.assertIn(f"/my/orders/{quote.id}", response.headers["Location"])
        response = self._get(f"/my/rmas/{held.id}/quote/{quote.id}?access_token=bad")
        self.assertNotIn("/my/orders/", response.headers["Location"])


@tagged("post_install", "-at_install")
class TestPortalRmaListQueries(RmaCommon, HttpCase):
    """My RMAs costs the same queries for 10 and for 1,000 RMAs of a distributor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            "portal_perf_dist",
            groups="base.group_portal",
            partner_id=cls.distributor.id,
        )
        cls.customer = cls.env["res.partner"].create({"name": "Perf Customer"})

    def _create_rmas(self, count, start):
        lots = self._create_lots(
            self.product, [f"SN-PERF-{start + i:05d}" for i in range(count)]
        )
        # decision field: the serials' buyer is set as a delivery would set it.
        lots.sudo().write({"warranty_sold_to_id": self.distributor.id})
        vals_list = []
        for index, lot in enumerate(lots):
            # Half filed by the distributor, half by its customer for units it sold.
            vals_list.append(
                {
                    "partner_id": self.customer.id,
                    "distributor_id": self.distributor.id if index % 2 else False,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "lot_id": lot.id,
                                "quantity": 1,
                            }
                        ),
                        Command.create(
                            {"product_id": self.product_untracked.id, "quantity": 1}
                        ),
                    ],
                }
            )
        return self.env["rma.order"].create(vals_list)

    def _list_queries(self, expected_rows):
        self.url_open("/my/rmas")  # warm the caches
        self.env.flush_all()
        before = self.cr.sql_log_count
        with self.assertQueryCount(LIST_QUERY_BUDGET):
            response = self.url_open("/my/rmas")
        count = self.cr.sql_log_count - before
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count('class="o_portal_rma_row"'), expected_rows)
        return count

    def test_list_query_count(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self._create_rmas(10, 0)
        small = self._list_queries(10)
        self._create_rmas(990, 10)
        large = self._list_queries(80)
        _logger.info("My RMAs: %s queries for 10 RMAs, %s for 1,000", small, large)
        self.assertEqual(small, large)


@tagged("post_install", "-at_install")
class TestPortalRmaTour(RmaCommon, HttpCase):
    """In a browser: the end user opens My RMAs, its RMA, and writes in its chatter."""

    def test_end_user_follows_rma(self):
        user = new_test_user(
            self.env,
            "portal_tour_end",
            groups="base.group_portal",
            partner_id=self.end_user.id,
        )
        lot = self._create_lots(self.product, ["SN-PORTAL-TOUR"])
        rma = self._new_rma(self.end_user, [(self.product, lot, 1.0)], channel="portal")
        rma.action_submit()
        self.start_tour("/my", "rma_portal_tour", login=user.login)
        message = rma.message_ids.filtered(
            lambda m: "The unit still beeps at start-up." in (m.body or "")
        )
        self.assertEqual(message.author_id, self.end_user)
        self.assertEqual(message.message_type, "comment")
