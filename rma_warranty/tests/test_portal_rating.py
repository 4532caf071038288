# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: the customer rates a done RMA through the links of its done email
(Odoo's rating mixin), staff see the rating; the distributor that filed an RMA
gets a copy of its customer emails."""

import json
import re

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RmaCommon, flush_rma_mails

RATE_LINK = re.compile(r'/rate/([A-Za-z0-9_-]+)/([135])"')
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


class PortalRatingWorld(RmaCommon, HttpCase):
    """An end user with a done RMA that distributor A filed for them, another
    RMA of theirs still approved, and logins for the end user, A and another
    customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distributor.email = "rma@nordic-test.example.com"
        cls.other_end_user = cls.env["res.partner"].create(
            {"name": "Olga Other", "email": "olga@example.com"}
        )
        portal = "base.group_portal"
        cls.user_end = new_test_user(
            cls.env, "rating_end", groups=portal, partner_id=cls.end_user.id
        )
        cls.user_dist = new_test_user(
            cls.env, "rating_dist", groups=portal, partner_id=cls.distributor.id
        )
        cls.user_other = new_test_user(
            cls.env, "rating_other", groups=portal, partner_id=cls.other_end_user.id
        )
        cls.rma_done = cls._rma_to_done(
            cls.end_user, distributor_id=cls.distributor.id, channel="distributor"
        )
        cls.rma_open = cls._rma_approved(cls.end_user, channel="portal")

    @classmethod
    def _rma_approved(cls, partner, **vals):
        rma = cls.env["rma.order"].create(
            dict(
                {
                    "partner_id": partner.id,
                    "warehouse_id": cls.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product_untracked.id,
                                "quantity": 1.0,
                                "resolution": "scrap",
                            }
                        )
                    ],
                },
                **vals,
            )
        )
        rma.action_submit()
        rma.action_approve()
        return rma

    @classmethod
    def _rma_to_done(cls, partner, **vals):
        """An RMA of one scrapped unit, received and processed: done, and its done
        email posted."""
        rma = cls._rma_approved(partner, **vals)
        receipt = rma.picking_ids
        receipt.move_ids.picked = True
        receipt.button_validate()
        rma.action_process()
        flush_rma_mails(cls.env)  # issue 16: the emails are deferred
        return rma

    def _done_messages(self, rma):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.filtered(
            lambda m: (m.subject or "").endswith(f"return completed (Ref {rma.name})")
        )

    def _done_message(self, rma, partner=None):
        """The done email of ``rma`` to ``partner`` (default: the customer's, or
        the only one)."""
        messages = self._done_messages(rma)
        if partner or len(messages) > 1:
            partner = partner or rma.partner_id
            messages = messages.filtered(lambda m: partner in m.partner_ids)
        self.assertEqual(len(messages), 1, "one done email")
        return messages

    def _rating_url(self, rma, score=5):
        """The rating link of ``score`` in the done email of ``rma``."""
        links = {
            int(score): token
            for token, score in RATE_LINK.findall(self._done_message(rma).body)
        }
        self.assertEqual(set(links), {1, 3, 5}, "the three smileys")
        self.assertEqual(len(set(links.values())), 1, "one token")
        return f"/rate/{links[score]}/{score}"

    def _token(self, rma):
        return self._rating_url(rma).split("/")[2]

    def _login(self, user):
        if user:
            self.authenticate(user.login, user.login)
        else:
            self.authenticate(None, None)

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def _submit(self, token, rate, feedback="", page=None):
        """Post the rating form of ``token`` (its CSRF token from ``page``)."""
        page = page or self._get(f"/rate/{token}/5")
        return self.url_open(
            f"/rate/{token}/submit_feedback",
            data={
                "rate": rate,
                "feedback": feedback,
                "csrf_token": CSRF.search(page.text).group(1),
            },
            allow_redirects=False,
        )


@tagged("post_install", "-at_install")
class TestPortalRating(PortalRatingWorld):
    def test_done_email_carries_rating_links(self):
        self.assertEqual(self.rma_done.state, "done")
        message = self._done_message(self.rma_done)
        token = self._token(self.rma_done)
        rating = self.rma_done.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.access_token, token)
        self.assertEqual(rating.partner_id, self.end_user, "the customer rates")
        self.assertFalse(rating.consumed)
        self.assertIn(self.rma_done.get_portal_url(), message.body, "View online")
        # To the customer alone: the rating links are the customer's.
        self.assertEqual(message.partner_ids, self.end_user)
        # Filed by the distributor: its copy, a message of its own, as a
        # recipient, not a follower, without the customer's rating links (anyone
        # opening them logged out would rate in the customer's name).
        copy = self._done_message(self.rma_done, self.distributor)
        self.assertEqual(copy.partner_ids, self.distributor)
        self.assertNotIn("/rate/", copy.body)
        self.assertNotIn(token, copy.body)
        self.assertIn(self.rma_done.get_portal_url(), copy.body, "View online")
        self.assertNotIn(self.distributor, self.rma_done.message_partner_ids)
        # Only the done email asks for a rating.
        self.assertFalse(self.rma_open.rating_ids)
        for other in self.rma_done.message_ids - message:
            self.assertNotIn("/rate/", other.body or "")

    def test_no_rating_links_in_a_copy_alone(self):
        """A customer without email address gets no email: the distributor's copy
        carries no rating links (the rating is the customer's)."""
        customer = self.env["res.partner"].create({"name": "Nils No Email"})
        rma = self._rma_to_done(
            customer, distributor_id=self.distributor.id, channel="distributor"
        )
        message = self._done_message(rma)
        self.assertEqual(message.partner_ids, self.distributor)
        self.assertNotIn("/rate/", message.body)
        self.assertFalse(rma.rating_ids)

    def test_customer_rates_with_the_link(self):
        self._login(None)
        url = self._rating_url(self.rma_done, 3)
        page = self._get(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("submit_feedback", page.text)
        response = self._submit(
            self._token(self.rma_done), 3, "Quick, but the box was dented.", page
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you for your feedback", response.text)
        # Staff see it on the RMA.
        rma = self.rma_done.with_user(self.rma_user)
        rma.invalidate_recordset()
        self.assertEqual(rma.rating_last_value, 3)
        self.assertEqual(rma.rating_count, 1)
        self.assertEqual(rma.rating_last_feedback, "Quick, but the box was dented.")
        self.assertEqual(rma.rating_last_text, "ok")
        self.assertEqual(
            rma.search([("rating_last_value", ">=", 1), ("id", "=", rma.id)]), rma
        )
        self.assertTrue(rma.rating_ids.consumed)
        message = rma.message_ids.filtered(lambda m: m.rating_ids)
        self.assertEqual(message.author_id, self.end_user)
        self.assertIn("the box was dented", message.body)
        action = rma.action_view_ratings()
        self.assertEqual(action["res_id"], rma.rating_ids.id)

    def test_logged_in_customer_rates(self):
        self._login(self.user_end)
        response = self._submit(self._token(self.rma_done), 5, "Great")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.rma_done.rating_last_value, 5)

    def test_other_partner_cannot_rate(self):
        for user in (self.user_other, self.user_dist):
            self._login(user)
            page = self._get(self._rating_url(self.rma_done))
            self.assertEqual(page.status_code, 200)
            self.assertIn("You cannot rate this", page.text, user.login)
            self.assertNotIn("submit_feedback", page.text, user.login)
        self.assertFalse(self.rma_done.rating_ids.consumed)

    def test_wrong_or_empty_token(self):
        self._login(None)
        token = self._token(self.rma_done)
        for url in (
            "/rate/not-a-token/5",
            f"/rate/{token[:-1]}/5",
            f"/rate/{token}x/5",
            "/rate/%C3%A9%C3%A9/5",
            "/rate/not-a-token/submit_feedback",
        ):
            with self.subTest(url=url), mute_logger("odoo.http"):
                self.assertEqual(self._get(url).status_code, 404, url)
        # No token at all: werkzeug's redirect to /rate/5, which is no page.
        self.assertEqual(self._get("/rate//5").status_code, 301)
        with mute_logger("odoo.http"):
            self.assertEqual(self._get("/rate/5").status_code, 404)
        self.assertFalse(self.rma_done.rating_ids.consumed)

    def test_rma_not_done_cannot_be_rated(self):
        """A rating request of an RMA that is not done (e.g. reopened since its
        done email): the page says why; nothing is rated."""
        token = self.rma_open._rating_get_access_token()
        self._login(None)
        page = self._get(f"/rate/{token}/5")
        self.assertEqual(page.status_code, 409)
        self.assertIn("is not completed yet", page.text)
        self.assertIn(self.rma_open.name, page.text)
        # The form of the done RMA gives a CSRF token for the same session.
        done_page = self._get(self._rating_url(self.rma_done))
        response = self._submit(token, 5, "", done_page)
        self.assertEqual(response.status_code, 409)
        self.assertIn("is not completed yet", response.text)
        self.assertFalse(self.rma_open.rating_ids.consumed)
        with self.assertRaisesRegex(UserError, "is not completed yet"):
            self.rma_open.rating_apply(5, token=token)
        self.assertEqual(self.rma_open.rating_count, 0)

    def test_chatter_cannot_rate(self):
        """portal_rating lets a chatter message carry a rating: not on an RMA,
        where anyone who reads it (its distributor) could rate it in any state."""
        self._login(self.user_end)
        response = self.url_open(
            "/mail/message/post",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "params": {
                        "thread_model": "rma.order",
                        "thread_id": self.rma_open.id,
                        "post_data": {"body": "Five stars!", "rating_value": 5},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("error", response.json())
        self.assertTrue(
            self.rma_open.message_ids.filtered(lambda m: "Five stars" in m.body)
        )
        self.assertFalse(
            self.env["rating.rating"].search(
                [("res_model", "=", "rma.order"), ("res_id", "=", self.rma_open.id)]
            )
        )
        self.assertEqual(self.rma_open.rating_count, 0)

    def test_portal_isolation(self):
        """The rating is the staff's: no portal user reads it through the model,
        and another customer does not reach the RMA's page."""
        self._submit(self._token(self.rma_done), 1, "Slow.")
        for user in (self.user_end, self.user_dist, self.user_other):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["rating.rating"].with_user(user).search(
                        [("res_model", "=", "rma.order")]
                    )
                with self.assertRaises(AccessError):
                    self.rma_done.with_user(user).read(["rating_last_feedback"])
        self._login(self.user_other)
        response = self._get(f"/my/rmas/{self.rma_done.id}")
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn(self.rma_done.name, response.text)

    def test_portal_page_offers_rating_to_the_customer_only(self):
        token = self._token(self.rma_done)
        page_url = f"/my/rmas/{self.rma_done.id}"
        self._login(self.user_end)
        page = self._get(page_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="/rate/{token}/5"', page.text)
        self.assertIn("Rate this service", page.text)
        open_page = self._get(f"/my/rmas/{self.rma_open.id}")
        self.assertNotIn("Rate this service", open_page.text)
        # The distributor reads the RMA, not the customer's rating link; nor does a
        # visitor with the RMA's own link.
        self._login(self.user_dist)
        page = self._get(page_url)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(token, page.text)
        self._login(None)
        page = self._get(self.rma_done.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(token, page.text)
        # Once rated, the page no longer asks.
        self._submit(token, 5)
        self._login(self.user_end)
        self.assertNotIn("Rate this service", self._get(page_url).text)

    def test_parameter_fuzz_no_server_error(self):
        """Odd scores and form values on the rating of an RMA: a 4xx, never a 500,
        and nothing rated. (Odoo's own route answers 500 to a score other than
        1, 3 or 5 on a token that is no RMA's: Odoo's, left as it is.)"""
        token = self._token(self.rma_done)
        self._login(None)
        for score in ("0", "-1", "2", "4", "6", "10", "99999999999999999999"):
            with self.subTest(score=score):
                response = self._get(f"/rate/{token}/{score}")
                self.assertEqual(response.status_code, 400, score)
                self.assertIn("Choose one of the smileys", response.text)
        # Not a number: no route. (A NUL in any URL that no route takes is Odoo's
        # HTTP 500, its fallback searching attachments by that URL: not ours.)
        for score in ("abc", "5.0", "5%20", "%C3%A9"):
            with self.subTest(score=score), mute_logger("odoo.http"):
                self.assertEqual(self._get(f"/rate/{token}/{score}").status_code, 404)
        page = self._get(f"/rate/{token}/5")
        for rate in ("", "abc", "2", "-1", "5.5", "9" * 30, "\x00"):
            with self.subTest(rate=rate):
                response = self._submit(token, rate, "x", page)
                self.assertEqual(response.status_code, 400, repr(rate))
        self.assertFalse(self.rma_done.rating_ids.consumed)
        # Feedback is text: whatever it holds is kept as text.
        response = self._submit(token, "5", "<script>alert(1)</script>" * 50, page)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.rma_done.rating_last_value, 5)
        message = self.rma_done.message_ids.filtered(lambda m: m.rating_ids)
        self.assertNotIn("<script>", message.body)


@tagged("post_install", "-at_install")
class TestRmaMailDistributorCopy(RmaCommon):
    """The distributor that filed an RMA for a customer gets a copy of each of its
    customer emails, as a recipient and never as a follower."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distributor.email = "rma@nordic-test.example.com"
        cls.customer_contact = cls.env["res.partner"].create(
            {
                "name": "Ada Colleague",
                "email": "ada@example.com",
                "parent_id": cls.distributor.id,
            }
        )

    def _submitted(self, partner, **vals):
        rma = self.env["rma.order"].create(
            dict(
                {
                    "partner_id": partner.id,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_untracked.id,
                                "quantity": 1.0,
                                "resolution": "scrap",
                            }
                        )
                    ],
                },
                **vals,
            )
        )
        rma.action_submit()
        return rma

    def _recipients(self, rma):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        messages = rma.message_ids.filtered(lambda m: "(Ref " in (m.subject or ""))
        self.assertTrue(messages)
        return [m.partner_ids for m in messages]

    def test_filed_by_distributor_for_a_customer(self):
        rma = self._submitted(
            self.end_user, distributor_id=self.distributor.id, channel="distributor"
        )
        rma.action_approve()
        for partners in self._recipients(rma):
            self.assertEqual(partners, self.end_user | self.distributor)
        self.assertNotIn(self.distributor, rma.message_partner_ids, "no follower")
        self.assertEqual(
            rma._rma_mail_partner_to(), f"{self.end_user.id},{self.distributor.id}"
        )

    def test_rejected_copy(self):
        rma = self._submitted(
            self.end_user, distributor_id=self.distributor.id, channel="distributor"
        )
        rma._reject("The warranty has expired.")
        self.flush_rma_mails()  # issue 16: the emails are deferred
        rejected = rma.message_ids.filtered(
            lambda m: "not accepted" in (m.subject or "")
        )
        self.assertEqual(rejected.partner_ids, self.end_user | self.distributor)
        self.assertNotIn(self.distributor, rma.message_partner_ids)

    def test_customer_without_email_still_copies_distributor(self):
        self.end_user.email = False
        rma = self._submitted(
            self.end_user, distributor_id=self.distributor.id, channel="distributor"
        )
        self.assertEqual(self._recipients(rma), [self.distributor])

    def test_filed_by_the_customer(self):
        rma = self._submitted(self.end_user, channel="portal")
        self.assertEqual(self._recipients(rma), [self.end_user])

    def test_distributor_that_only_sold_the_units(self):
        """A reseller recorded because it sold the units filed nothing: no copy."""
        rma = self._submitted(
            self.end_user, distributor_id=self.distributor.id, channel="backend"
        )
        self.assertEqual(self._recipients(rma), [self.end_user])

    def _quote_sent(self, rma):
        quote = self.env["sale.order"].create(
            {
                "partner_id": rma.partner_id.id,
                "rma_line_id": rma.line_ids.id,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        quote._rma_send_quote()
        self.assertEqual(quote.state, "sent")
        message = quote.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
        )
        self.assertEqual(len(message), 1)
        return quote, message

    def test_repair_quote_copy(self):
        """Sale's portal lets the followers of an order read it: the copy of the
        quote goes to a recipient, not a follower."""
        rma = self._submitted(
            self.end_user, distributor_id=self.distributor.id, channel="distributor"
        )
        quote, message = self._quote_sent(rma)
        self.assertEqual(message.partner_ids, self.end_user | self.distributor)
        self.assertIn(quote.name, message.subject)
        self.assertIn(self.end_user, quote.message_partner_ids)
        self.assertNotIn(self.distributor, quote.message_partner_ids)

    def test_repair_quote_of_the_customers_own_rma(self):
        rma = self._submitted(self.end_user, channel="portal")
        quote, message = self._quote_sent(rma)
        self.assertEqual(message.partner_ids, self.end_user)
        self.assertIn(self.end_user, quote.message_partner_ids)

    def test_distributor_of_the_customers_own_entity(self):
        rma = self._submitted(
            self.customer_contact,
            distributor_id=self.distributor.id,
            channel="distributor",
        )
        self.assertEqual(self._recipients(rma), [self.customer_contact])


@tagged("post_install", "-at_install")
class TestPortalRatingTour(PortalRatingWorld):
    def test_rating_is_left(self):
        """The customer opens the Satisfied link of the done email, changes their
        mind to Okay, writes feedback and sends it."""
        self.start_tour(
            self._rating_url(self.rma_done, 5), "rma_portal_rating_tour", login=None
        )
        rma = self.rma_done.with_user(self.rma_user)
        self.assertEqual(rma.rating_last_value, 3)
        self.assertEqual(
            rma.rating_last_feedback, "Fast service, but nobody called me back."
        )
        self.assertEqual(rma.rating_ids.partner_id, self.end_user)
