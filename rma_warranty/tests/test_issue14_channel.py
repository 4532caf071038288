# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, distributor channel (P10): the distributor of an end user's request
found by the serial it sold or by the customer's region, assigned, notified,
handling or escalating it, and getting the copies of what it handles."""

import logging

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import CommittedCase, RmaCommon

_logger = logging.getLogger(__name__)


class ChannelCommon(RmaCommon):
    """The distributor of common.py (with an email) sold two units; a region
    distributor takes Belgium, another one Flanders, a third one the zip codes
    10xx of Belgium; a company that bought a unit but resells nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.distributor.email = "rma@nordic-test.example.com"
        cls.be = cls.env.ref("base.be")
        cls.flanders = cls.env["res.country.state"].create(
            {"name": "Flanders Test", "code": "VLT", "country_id": cls.be.id}
        )
        cls.dist_country, cls.dist_state, cls.dist_zip = Partner.create(
            [
                {
                    "name": f"Region Distributor {key}",
                    "is_company": True,
                    "rma_reseller": True,
                    "email": f"rma@region-{key}.example.com",
                }
                for key in ("country", "state", "zip")
            ]
        )
        Rule = cls.env["rma.distributor.rule"]
        cls.rule_country = Rule.create(
            {"country_id": cls.be.id, "distributor_id": cls.dist_country.id}
        )
        cls.rule_state = Rule.create(
            {
                "country_id": cls.be.id,
                "state_ids": [Command.set(cls.flanders.ids)],
                "distributor_id": cls.dist_state.id,
            }
        )
        cls.rule_zip = Rule.create(
            {
                "country_id": cls.be.id,
                "zip_prefix": "10",
                "distributor_id": cls.dist_zip.id,
            }
        )
        cls.end_user.write({"country_id": cls.env.ref("base.se").id})
        cls.belgian = Partner.create(
            {
                "name": "Bea Belgian",
                "email": "bea@example.com",
                "country_id": cls.be.id,
                "zip": "4000",
            }
        )
        cls.lots = cls._create_lots(cls.product, ["CH-SN-1", "CH-SN-2"])
        cls._sell(cls.distributor, cls.product, lots=cls.lots)
        cls.office = Partner.create(
            {"name": "Office Buyer Test NV", "is_company": True}
        )
        cls.lot_office = cls._create_lots(cls.product, ["CH-SN-OFFICE"])
        cls._sell(cls.office, cls.product, lots=cls.lot_office)

    def _submitted(self, partner, lot=None, **vals):
        spec = (self.product, lot, 1.0) if lot else (self.product_untracked, None, 1.0)
        rma = self._new_rma(partner, [spec], **vals)
        rma.action_submit()
        return rma

    def _mails_to(self, rma, partner):
        self.flush_rma_mails()  # issue 16: the emails are deferred
        return rma.message_ids.filtered(
            lambda m: m.message_type == "notification" and partner in m.partner_ids
        )


@tagged("post_install", "-at_install")
class TestChannelRouting(ChannelCommon):
    def test_route_by_serial(self):
        rma = self._submitted(self.end_user, self.lots[0], user_id=self.rma_user.id)
        self.assertEqual(rma.distributor_route, "serial")
        self.assertEqual(rma.handling, "distributor_pending")
        self.assertEqual(rma.distributor_id, self.distributor)
        notified = self._mails_to(rma, self.distributor)
        self.assertEqual(len(notified), 1)
        self.assertIn("to handle", notified.subject)
        # The customer's acknowledgement is no copy of the distributor's (yet).
        ack = self._mails_to(rma, self.end_user)
        self.assertEqual(len(ack), 1)
        self.assertNotIn(self.distributor, ack.partner_ids)

    def test_route_by_region_most_specific_wins(self):
        Partner = self.env["res.partner"]
        found = self.env["rma.distributor.rule"]._find_for_partners(
            self.belgian
            | Partner.create(
                {
                    "name": "In Flanders",
                    "country_id": self.be.id,
                    "state_id": self.flanders.id,
                }
            )
            | Partner.create(
                {
                    "name": "In Brussels",
                    "country_id": self.be.id,
                    "state_id": self.flanders.id,
                    "zip": "1050",
                }
            )
            | Partner.create(
                {"name": "Elsewhere", "country_id": self.env.ref("base.fr").id}
            )
        )
        self.assertEqual(
            {partner.name: distributor for partner, distributor in found.items()},
            {
                "Bea Belgian": self.dist_country,
                "In Flanders": self.dist_state,
                "In Brussels": self.dist_zip,
            },
        )
        rma = self._submitted(self.belgian)
        self.assertEqual(rma.distributor_route, "region")
        self.assertEqual(rma.handling, "distributor_pending")
        self.assertEqual(rma.distributor_id, self.dist_country)
        self.assertTrue(self._mails_to(rma, self.dist_country))

    def test_serial_wins_over_region(self):
        rma = self._submitted(self.belgian, self.lots[1])
        self.assertEqual(rma.distributor_route, "serial")
        self.assertEqual(rma.distributor_id, self.distributor)

    def test_rules_of_other_companies_and_archived_do_not_count(self):
        self.rule_country.active = False
        self.assertEqual(
            self.env["rma.distributor.rule"]._find_for_partners(self.belgian), {}
        )
        other = self.env["res.company"].create({"name": "Other Co Channel"})
        self.assertEqual(
            self.env["rma.distributor.rule"]._find_for_partners(self.belgian, other), {}
        )

    def test_no_distributor_we_handle_it(self):
        rma = self._submitted(self.end_user)
        self.assertEqual(rma.distributor_route, "none")
        self.assertEqual(rma.handling, "vendor")
        self.assertFalse(rma.distributor_id)
        self.assertFalse(
            rma.message_ids.filtered(lambda m: "to handle" in (m.subject or ""))
        )

    def test_filed_by_distributor(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Carl Customer",
                "country_id": self.be.id,
                "email": "c@example.com",
            }
        )
        rma = self._submitted(
            customer, channel="distributor", distributor_id=self.distributor.id
        )
        self.assertEqual(rma.distributor_route, "filed")
        self.assertEqual(rma.handling, "vendor")
        self.assertEqual(rma.distributor_id, self.distributor)
        # The distributor itself files for its own units: we handle it.
        own = self._submitted(self.distributor, self.lots[0])
        self.assertEqual((own.distributor_route, own.handling), ("filed", "vendor"))

    def test_one_notion_of_distributor(self):
        """A company that bought a unit but resells nothing is no distributor: it
        does not read the RMAs of later owners, nor is it routed their requests."""
        self.assertTrue(self.distributor._rma_is_distributor())
        contact = self.env["res.partner"].create(
            {"name": "Dist Contact", "parent_id": self.distributor.id}
        )
        self.assertTrue(contact._rma_is_distributor())
        self.assertFalse(self.office._rma_is_distributor())
        self.assertFalse(self.end_user._rma_is_distributor())
        rma = self._submitted(self.end_user, self.lot_office)
        self.assertFalse(rma.sold_by_commercial_id)
        self.assertFalse(rma.distributor_id)
        self.assertEqual(rma.distributor_route, "none")
        # Flagged, it becomes one, and reads the RMA of the unit it sold.
        self.office.rma_reseller = True
        self.assertEqual(rma.sold_by_commercial_id, self.office)

    def test_demo_request_awaits_its_distributor(self):
        rma = self.env.ref(
            "rma_warranty.demo_rma_distributor_pending", raise_if_not_found=False
        )
        if not rma:
            self.skipTest("no demo data")
        if rma.state == "draft":
            # A database updated since: demo functions run at install only.
            rma.action_submit()
        distributor = self.env.ref("rma_warranty.demo_partner_distributor")
        self.assertEqual(rma.distributor_route, "region")
        self.assertEqual(rma.handling, "distributor_pending")
        self.assertEqual(rma.distributor_id, distributor)
        portal_user = self.env.ref("rma_warranty.demo_user_distributor")
        self.assertTrue(
            rma.sudo()._portal_distributor_choice_available(portal_user.partner_id)
        )

    def test_form_names_only_a_distributor(self):
        """The backend form fills the distributor from the serial's buyer only
        when that buyer is a distributor."""
        for lot, expected in ((self.lot_office, False), (self.lots[1], True)):
            with self.subTest(lot=lot.name):
                form = Form(self.env["rma.order"].with_user(self.rma_user))
                form.partner_id = self.end_user
                with form.line_ids.new() as unit:
                    unit.lot_id = lot
                self.assertEqual(
                    form.distributor_id == self.distributor, expected, lot.name
                )
                self.assertEqual(bool(form.distributor_id), expected, lot.name)

    def test_rule_needs_a_distributor(self):
        with self.assertRaises(UserError):
            self.env["rma.distributor.rule"].create(
                {"country_id": self.be.id, "distributor_id": self.office.id}
            )

    def test_routing_query_count_does_not_grow(self):
        """Routing costs queries per batch, not per RMA: 5 and 50 RMAs of the same
        mix (serial, region, none) cost the same."""
        counts = []
        for size in (5, 50):
            rmas = self.env["rma.order"]
            vals_list = []
            for index in range(size):
                kind = index % 3
                lot = self.lots[0] if kind == 0 else None
                partner = (self.end_user, self.belgian, self.end_user)[kind]
                spec = (
                    (self.product, lot, 1.0)
                    if lot
                    else (self.product_untracked, None, 1.0)
                )
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "warehouse_id": self.warehouse.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "product_id": spec[0].id,
                                    "lot_id": lot.id if lot else False,
                                    "quantity": 1.0,
                                }
                            )
                        ],
                    }
                )
            rmas = self.env["rma.order"].create(vals_list)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            pending = rmas._rma_route_distributor()
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
            # Serial and region routes await their distributor; "none" does not.
            self.assertEqual(len(pending), len(rmas) - len(range(2, size, 3)))
        _logger.info("Routing queries for 5 and 50 RMAs: %s", counts)
        self.assertEqual(counts[0], counts[1], counts)


@tagged("post_install", "-at_install")
class TestChannelHandling(ChannelCommon):
    def setUp(self):
        super().setUp()
        self.rma = self._submitted(
            self.end_user, self.lots[0], user_id=self.rma_user.id
        )

    def test_handle_gets_the_copies(self):
        self.assertNotIn(self.distributor, self.rma._rma_mail_partners())
        self.rma.with_user(self.rma_user).action_distributor_handle()
        self.assertEqual(self.rma.handling, "distributor")
        self.assertIn(self.distributor, self.rma._rma_mail_partners())
        self.assertIn(self.distributor, self.rma._rma_mail_copy_partners())
        self.rma.action_approve()
        approved = self._mails_to(self.rma, self.end_user).filtered(
            lambda m: "authorised" in (m.subject or "")
        )
        self.assertEqual(len(approved), 1)
        self.assertIn(self.distributor, approved.partner_ids)
        # The done email's rating links stay the customer's.
        self.assertEqual(
            self.rma.with_context(rma_mail_recipients="customer")._rma_mail_partners(),
            self.end_user,
        )

    def test_handle_twice_is_refused(self):
        self.rma.action_distributor_handle()
        with self.assertRaises(UserError):
            self.rma.action_distributor_handle()
        self.assertEqual(self.rma.handling, "distributor")

    def test_escalate(self):
        self.rma.action_distributor_escalate()
        self.assertEqual(self.rma.handling, "escalated")
        self.assertNotIn(self.distributor, self.rma._rma_mail_partners())
        self.assertEqual(self.rma.activity_ids.user_id, self.rma_user)
        with self.assertRaises(UserError):
            self.rma.action_distributor_escalate()

    def test_approving_a_pending_request_means_we_handle_it(self):
        self.assertEqual(self.rma.handling, "distributor_pending")
        self.rma.action_approve()
        self.assertEqual(self.rma.handling, "vendor")
        with self.assertRaises(UserError):
            self.rma.action_distributor_handle()
        handled = self._submitted(self.end_user, self.lots[1])
        handled.action_distributor_handle()
        handled.action_approve()
        self.assertEqual(handled.handling, "distributor")

    def test_escalate_after_handling(self):
        self.rma.action_distributor_handle()
        self.rma.action_distributor_escalate()
        self.assertEqual(self.rma.handling, "escalated")

    def test_distributor_set_by_hand_is_kept_until_assigned(self):
        rma = self._submitted(self.belgian, distributor_id=self.dist_state.id)
        self.assertEqual((rma.distributor_route, rma.handling), ("manual", "vendor"))
        self.assertEqual(rma.distributor_id, self.dist_state)
        self.assertFalse(self._mails_to(rma, self.dist_state))
        rma.action_distributor_assign()
        self.assertEqual(rma.handling, "distributor_pending")
        self.assertTrue(self._mails_to(rma, self.dist_state))

    def test_staff_reassign(self):
        rma = self._submitted(self.end_user)
        self.assertEqual(rma.handling, "vendor")
        with self.assertRaises(UserError):
            rma.with_user(self.rma_user).action_distributor_assign()
        rma.distributor_id = self.dist_state
        rma.with_user(self.rma_user).action_distributor_assign()
        self.assertEqual(
            (rma.distributor_route, rma.handling), ("manual", "distributor_pending")
        )
        self.assertTrue(self._mails_to(rma, self.dist_state))
        with self.assertRaises(UserError):  # the customer is no distributor of its own
            self._submitted(self.distributor).action_distributor_assign()

    def test_decision_fields_refused_over_rpc(self):
        rma = self.rma.with_user(self.rma_user)
        for vals in (
            {"handling": "distributor"},
            {"distributor_route": "region"},
            {"mail_unmatched_serials": "X"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                rma.write(vals)
        with self.assertRaises(AccessError):
            self.env["rma.order"].with_user(self.rma_user).create(
                {"partner_id": self.end_user.id, "handling": "escalated"}
            )
        self.assertEqual(self.rma.handling, "distributor_pending")

    def test_portal_user_cannot_call_the_actions(self):
        portal = new_test_user(
            self.env,
            "channel_portal_dist",
            groups="base.group_portal",
            partner_id=self.distributor.id,
        )
        for action in (
            "action_distributor_handle",
            "action_distributor_escalate",
            "action_distributor_assign",
        ):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(self.rma.with_user(portal), action)()
        self.assertEqual(self.rma.handling, "distributor_pending")
        # Through the portal's method, as the distributor: allowed.
        self.rma.with_user(portal).sudo()._portal_distributor_decide(
            "handle", portal.partner_id
        )
        self.assertEqual(self.rma.handling, "distributor")


@tagged("post_install", "-at_install")
class TestChannelConcurrency(CommittedCase):
    """The distributor's choice made twice at once (two tabs, two workers): one
    of them is made, the other refused."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = env["product.product"].create(
                {"name": "Channel Concurrency Gadget", "type": "consu"}
            )
            customer, distributor = env["res.partner"].create(
                [
                    {"name": "Channel Concurrent Customer"},
                    {
                        "name": "Channel Concurrent Distributor",
                        "is_company": True,
                        "rma_reseller": True,
                    },
                ]
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            rma = env["rma.order"].create(
                {
                    "partner_id": customer.id,
                    "distributor_id": distributor.id,
                    "warehouse_id": warehouse.id,
                    "line_ids": [Command.create({"product_id": product.id})],
                }
            )
            rma.action_submit()
            rma.action_distributor_assign()
            self.ids = {
                "rma": rma.id,
                "product": product.id,
                "partners": [customer.id, distributor.id],
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            rma = env["rma.order"].browse(self.ids["rma"]).exists()
            if rma:
                rma.activity_ids.unlink()
                self._delete_rma(cr, rma)
            env.invalidate_all()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def test_two_workers_choose_once(self):
        with self._two_workers() as (cr1, cr2):
            rma1 = self._env(cr1)["rma.order"].browse(self.ids["rma"])
            rma2 = self._env(cr2)["rma.order"].browse(self.ids["rma"])
            self.assertEqual(rma1.handling, "distributor_pending")
            self.assertEqual(rma2.handling, "distributor_pending")
            rma1.action_distributor_handle()
            with self.assertRaisesRegex(UserError, "being processed"):
                rma2.action_distributor_escalate()
            cr1.commit()
            with self.assertRaisesRegex(UserError, "being processed"):
                rma2.action_distributor_handle()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            rma3 = self._env(cr3)["rma.order"].browse(self.ids["rma"])
            self.assertEqual(rma3.handling, "distributor")
            with self.assertRaisesRegex(UserError, "no longer await"):
                rma3.action_distributor_handle()


@tagged("post_install", "-at_install")
class TestChannelAssignTour(ChannelCommon, HttpCase):
    def test_assign_tour(self):
        """Staff pick a distributor on a request we handle and click Assign to
        Distributor: it awaits the distributor's choice, which was notified."""
        rma = self._submitted(self.end_user)
        self.assertEqual(rma.handling, "vendor")
        self.start_tour(
            f"/odoo/action-rma_warranty.rma_order_action/{rma.id}",
            "rma_distributor_assign_tour",
            login=self.rma_user.login,
        )
        self.assertEqual(rma.distributor_id, self.dist_state)
        self.assertEqual(
            (rma.distributor_route, rma.handling), ("manual", "distributor_pending")
        )
        self.assertTrue(self._mails_to(rma, self.dist_state))

    def test_rule_tour(self):
        """A manager gives a region to a distributor in Configuration."""
        self.start_tour(
            "/odoo/action-rma_warranty.rma_distributor_rule_action",
            "rma_distributor_rule_tour",
            login=self.rma_manager.login,
        )
        rule = self.env["rma.distributor.rule"].search(
            [("country_id", "=", self.env.ref("base.lu").id)]
        )
        self.assertEqual(rule.distributor_id, self.dist_zip)
        self.assertEqual(rule.zip_prefix, "L-1")
        self.assertEqual(rule.company_id, self.company)
