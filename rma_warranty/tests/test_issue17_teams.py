# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Teams (issue 17): after-sales teams, their routing rules, their email alias
(which took over the company's RMA alias) and their members following."""

import importlib.util
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.sql import column_exists

from odoo.addons.mail.tests.common import MailCase

from .common import RmaCommon

INCOMING_EMAIL = """Return-Path: <bounce-42@example.org>
To: {to}
Received: by mail1.example.org (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 10 Jan 2025 16:16:39 +0200 (CEST)
Message-ID: {msg_id}
Date: Fri, 10 Jan 2025 14:16:26 +0000
From: {email_from}
MIME-Version: 1.0
Subject: {subject}
Content-Type: text/plain; charset=utf-8

Hello,

My inverter shows error 1032 since yesterday.

Regards"""


class TeamCommon(RmaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_solar = Category.create({"name": "Solar (test)"})
        cls.categ_inverters = Category.create(
            {"name": "Inverters (test)", "parent_id": cls.categ_solar.id}
        )
        cls.categ_storage = Category.create({"name": "Storage (test)"})
        cls.inverter = cls.env["product.product"].create(
            {"name": "Inverter (test)", "categ_id": cls.categ_inverters.id}
        )
        cls.nas_part = cls.env["product.product"].create(
            {"name": "NAS fan (test)", "categ_id": cls.categ_storage.id}
        )
        cls.member = new_test_user(
            cls.env, "rma_team_member", groups="rma_warranty.group_rma_user"
        )
        cls.lead = new_test_user(
            cls.env, "rma_team_lead", groups="rma_warranty.group_rma_user"
        )
        cls.default_team = cls.company.rma_team_id
        Team = cls.env["rma.team"]
        cls.team_inverters = Team.create(
            {
                "name": "Inverters (test)",
                "sequence": 1,
                "route_categ_ids": [cls.categ_solar.id],
                "member_ids": [cls.member.id],
                "user_id": cls.lead.id,
            }
        )
        cls.team_nordic = Team.create(
            {
                "name": "Nordic distributors (test)",
                "sequence": 2,
                "route_channel": "distributor",
                "route_country_ids": [cls.env.ref("base.se").id],
            }
        )
        cls.team_portal = Team.create(
            {"name": "Portal desk (test)", "sequence": 3, "route_channel": "portal"}
        )
        cls.team_manual = Team.create({"name": "Escalations (test)", "sequence": 0})
        cls.swede = cls.env["res.partner"].create(
            {"name": "Sven (test)", "country_id": cls.env.ref("base.se").id}
        )

    def _submitted(self, partner=None, product=None, **vals):
        rma = self._new_rma(
            partner or self.end_user, [(product or self.nas_part, None, 1)], **vals
        )
        rma.action_submit()
        return rma


@tagged("post_install", "-at_install")
class TestIssue17TeamRouting(TeamCommon):
    """A request submitted without a team gets the first team (by sequence) whose
    criteria it all meets, else the company's default team."""

    def test_default_team_when_nothing_matches(self):
        self.assertTrue(self.default_team)
        rma = self._submitted()
        self.assertEqual(rma.team_id, self.default_team)
        self.assertFalse(rma.team_id.route_channel)

    def test_draft_has_no_team_until_submitted(self):
        rma = self._new_rma(self.end_user, [(self.inverter, None, 1)])
        self.assertFalse(rma.team_id)
        rma.action_submit()
        self.assertEqual(rma.team_id, self.team_inverters)

    def test_by_category_and_subcategory(self):
        rma = self._submitted(product=self.inverter)
        # The team names the parent category: its subcategories match too.
        self.assertEqual(rma.team_id, self.team_inverters)
        self.assertEqual(self._submitted().team_id, self.default_team)

    def test_by_channel(self):
        rma = self._submitted(channel="portal")
        self.assertEqual(rma.team_id, self.team_portal)
        self.assertEqual(self._submitted(channel="backend").team_id, self.default_team)

    def test_channel_and_country_must_both_match(self):
        rma = self._submitted(partner=self.swede, channel="distributor")
        self.assertEqual(rma.team_id, self.team_nordic)
        # The right channel from elsewhere, the right country by another channel.
        self.assertEqual(
            self._submitted(channel="distributor").team_id, self.default_team
        )
        self.assertEqual(
            self._submitted(partner=self.swede, channel="backend").team_id,
            self.default_team,
        )

    def test_country_of_commercial_entity(self):
        company = self.env["res.partner"].create(
            {
                "name": "Svensk AB (test)",
                "is_company": True,
                "country_id": self.env.ref("base.se").id,
            }
        )
        contact = self.env["res.partner"].create(
            {"name": "Contact (test)", "parent_id": company.id}
        )
        contact.country_id = False
        rma = self._submitted(partner=contact, channel="distributor")
        self.assertEqual(rma.team_id, self.team_nordic)

    def test_first_team_by_sequence(self):
        # A request meeting two teams' criteria goes to the first by sequence.
        rma = self._submitted(product=self.inverter, channel="portal")
        self.assertEqual(rma.team_id, self.team_inverters)
        self.team_portal.sequence = 0
        rma = self._submitted(product=self.inverter, channel="portal")
        self.assertEqual(rma.team_id, self.team_portal)

    def test_team_without_criteria_gets_nothing_by_routing(self):
        self.assertLess(self.team_manual.sequence, self.team_inverters.sequence)
        rma = self._submitted()
        self.assertNotEqual(rma.team_id, self.team_manual)

    def test_archived_team_is_skipped(self):
        self.team_inverters.active = False
        rma = self._submitted(product=self.inverter)
        self.assertEqual(rma.team_id, self.default_team)

    def test_team_given_by_hand_is_kept(self):
        rma = self._new_rma(
            self.end_user, [(self.inverter, None, 1)], team_id=self.team_manual.id
        )
        rma.action_submit()
        self.assertEqual(rma.team_id, self.team_manual)

    def test_batch_submit(self):
        rmas = self._new_rma(self.end_user, [(self.inverter, None, 1)])
        rmas |= self._new_rma(self.end_user, [(self.nas_part, None, 1)])
        rmas |= self._new_rma(self.swede, [(self.nas_part, None, 1)])
        rmas[2].channel = "distributor"
        rmas.action_submit()
        self.assertEqual(
            rmas.mapped("team_id"),
            self.team_inverters | self.default_team | self.team_nordic,
        )
        self.assertEqual(rmas[1].team_id, self.default_team)

    def test_other_company_teams_never_match(self):
        company_2 = self.env["res.company"].create({"name": "Teams Co Two (test)"})
        self.team_inverters.company_id = company_2
        self.team_inverters.member_ids = False
        self.team_inverters.user_id = False
        rma = self._submitted(product=self.inverter)
        self.assertEqual(rma.team_id, self.default_team)
        self.assertEqual(company_2.rma_team_id.company_id, company_2)

    def test_members_and_responsible_follow(self):
        rma = self._submitted(product=self.inverter)
        self.assertIn(self.member.partner_id, rma.message_partner_ids)
        self.assertIn(self.lead.partner_id, rma.message_partner_ids)
        # A member added later follows the open requests of the team.
        newcomer = new_test_user(
            self.env, "rma_team_newcomer", groups="rma_warranty.group_rma_user"
        )
        self.team_inverters.member_ids += newcomer
        self.assertIn(newcomer.partner_id, rma.message_partner_ids)
        other = self._submitted()
        self.assertNotIn(self.member.partner_id, other.message_partner_ids)

    def test_open_count(self):
        self._submitted(product=self.inverter)
        self._submitted(product=self.inverter)
        # A draft given to the team by hand is not open work yet.
        self._new_rma(
            self.end_user, [(self.inverter, None, 1)], team_id=self.team_inverters.id
        )
        self.team_inverters.invalidate_recordset(["rma_open_count"])
        self.assertEqual(self.team_inverters.rma_open_count, 2)
        self.assertEqual(self.team_manual.rma_open_count, 0)


@tagged("post_install", "-at_install")
class TestIssue17TeamAccess(TeamCommon):
    """team_id is an assignment, not a decision: RMA staff reassign requests (as
    they set the responsible); the team must be of the RMA's company; only
    managers write teams; the teams of other companies stay unseen."""

    def test_rma_user_reassigns_team_over_rpc(self):
        rma = self._submitted()
        self.assertEqual(rma.team_id, self.default_team)
        rma.with_user(self.rma_user).write({"team_id": self.team_inverters.id})
        self.assertEqual(rma.team_id, self.team_inverters)
        self.assertIn(self.member.partner_id, rma.message_partner_ids)

    def test_team_of_other_company_refused(self):
        company_2 = self.env["res.company"].create({"name": "Teams Co Three (test)"})
        rma = self._submitted()
        with self.assertRaises(UserError):
            rma.write({"team_id": company_2.rma_team_id.id})

    def test_portal_user_cannot_write_team(self):
        portal = new_test_user(self.env, "rma_team_portal", groups="base.group_portal")
        rma = self._submitted()
        with self.assertRaises(AccessError):
            rma.with_user(portal).write({"team_id": self.team_manual.id})

    def test_only_managers_write_teams(self):
        with self.assertRaises(AccessError):
            self.team_manual.with_user(self.rma_user).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.env["rma.team"].with_user(self.rma_user).create({"name": "Mine"})
        self.team_manual.with_user(self.rma_manager).write({"name": "Renamed"})
        self.assertEqual(self.team_manual.name, "Renamed")

    def test_teams_of_other_companies_unseen(self):
        company_2 = self.env["res.company"].create({"name": "Teams Co Four (test)"})
        teams = self.env["rma.team"].with_user(self.rma_user).search([])
        self.assertIn(self.team_inverters, teams)
        self.assertNotIn(company_2.rma_team_id, teams)


@tagged("post_install", "-at_install")
class TestIssue17TeamMail(TeamCommon, MailCase):
    """An email to a team's alias becomes a request of the team and its company;
    to the company's address, a request of its default team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.company.alias_domain_id = cls.mail_alias_domain
        cls.default_team.alias_id.write(
            {"alias_name": "rma-test", "alias_domain_id": cls.mail_alias_domain.id}
        )
        cls.team_inverters.write(
            {
                "alias_name": "inverters-test",
                "alias_domain_id": cls.mail_alias_domain.id,
            }
        )

    def _process_email(self, to, subject="Inverter error 1032"):
        mail = self.format(
            INCOMING_EMAIL,
            to=to,
            email_from="Erik End User <erik@example.com>",
            subject=subject,
            msg_id=f"<{subject.replace(' ', '.')}.{to}@example.org>",
        )
        self.patch(
            self.registry["mail.alias"],
            "_alias_bounce_incoming_email",
            lambda alias, *args, **kwargs: None,
        )
        # Incoming mail is fetched and processed with administrative rights.
        thread_id = self.env["mail.thread"].sudo().message_process(False, mail)
        self.flush_rma_mails()
        return self.env["rma.order"].browse(thread_id)

    def test_team_alias(self):
        alias = self.team_inverters.alias_id
        self.assertEqual(alias.alias_model_id.model, "rma.order")
        self.assertEqual(alias.alias_domain_id, self.mail_alias_domain)
        self.assertEqual(alias.alias_parent_model_id.model, "rma.team")
        with self.mock_mail_gateway():
            rma = self._process_email("inverters-test@test.mycompany.com")
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.team_id, self.team_inverters)
        self.assertEqual(rma.company_id, self.company)
        self.assertEqual(rma.channel, "email")
        self.assertEqual(rma.state, "submitted")
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertIn(self.member.partner_id, rma.message_partner_ids)

    def test_company_address_goes_to_default_team(self):
        with self.mock_mail_gateway():
            rma = self._process_email("rma-test@test.mycompany.com")
        self.assertEqual(rma.team_id, self.default_team)
        self.assertEqual(rma.company_id, self.company)

    def test_team_alias_of_other_company(self):
        company_2 = self.env["res.company"].create({"name": "Teams Mail Co (test)"})
        team_2 = self.env["rma.team"].create(
            {
                "name": "Second desk (test)",
                "company_id": company_2.id,
                "alias_name": "desk-two",
                "alias_domain_id": self.mail_alias_domain.id,
            }
        )
        self.assertEqual(
            team_2.alias_defaults,
            repr(
                {"team_id": team_2.id, "company_id": company_2.id, "channel": "email"}
            ),
        )
        with self.mock_mail_gateway():
            rma = self._process_email("desk-two@test.mycompany.com")
        self.assertEqual(rma.team_id, team_2)
        self.assertEqual(rma.company_id, company_2)
        self.assertEqual(rma.warehouse_id.company_id, company_2)

    def test_team_moved_to_other_company_moves_its_alias_defaults(self):
        company_2 = self.env["res.company"].create({"name": "Teams Move Co (test)"})
        self.team_manual.company_id = company_2
        self.assertEqual(
            self.team_manual.alias_defaults,
            repr(
                {
                    "team_id": self.team_manual.id,
                    "company_id": company_2.id,
                    "channel": "email",
                }
            ),
        )

    def test_caller_cannot_plant_a_team(self):
        # Values of a caller that are no alias's defaults are ignored: the request
        # gets the defaults of the user's company's default team.
        raw = self.format(
            INCOMING_EMAIL,
            to="nobody@elsewhere.example.org",
            email_from="Erik <erik@example.com>",
            subject="Planted team",
            msg_id="<planted.team@example.org>",
        )
        with self.mock_mail_gateway():
            thread_id = (
                self.env["mail.thread"]
                .with_user(self.rma_user)
                .sudo()  # sudo: as the gateway runs
                .message_process(
                    "rma.order",
                    raw,
                    {"team_id": self.team_manual.id, "company_id": self.company.id},
                )
            )
        rma = self.env["rma.order"].browse(thread_id)
        self.assertEqual(rma.team_id, self.default_team)


@tagged("post_install", "-at_install")
class TestIssue17TeamSetup(RmaCommon):
    """Every company has its default team, whose alias is the company's RMA
    address; an upgrade from 18.0.1.1.0 hands the company's alias to it."""

    def test_new_company_gets_default_team(self):
        company = self.env["res.company"].create({"name": "Teams Setup Co (test)"})
        team = company.rma_team_id
        self.assertTrue(team)
        self.assertEqual(team.company_id, company)
        self.assertTrue(team.is_default)
        self.assertEqual(team.alias_id.alias_model_id.model, "rma.order")
        self.assertTrue(team.alias_name)
        self.assertEqual(team.alias_domain_id, company.alias_domain_id)
        # Creating the teams again (post_init_hook, migration) leaves it alone.
        company._rma_create_teams()
        self.assertEqual(company.rma_team_id, team)

    def _load_migration(self):
        path = (
            Path(__file__).resolve().parent.parent
            / "migrations"
            / "18.0.1.2.0"
            / "post-migrate.py"
        )
        spec = importlib.util.spec_from_file_location("rma_teams_migration", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_upgrade_hands_the_company_alias_to_its_team(self):
        company = self.env["res.company"].create({"name": "Legacy Co (test)"})
        # The company as 18.0.1.1.0 left it: an alias of its own, no team.
        company.rma_team_id = False
        legacy = self.env["mail.alias"].create(
            {
                "alias_name": "rma-legacy-co",
                "alias_model_id": self.env["ir.model"]._get_id("rma.order"),
                "alias_defaults": repr({"company_id": company.id, "channel": "email"}),
                "alias_parent_model_id": self.env["ir.model"]._get_id("res.company"),
                "alias_parent_thread_id": company.id,
            }
        )
        cr = self.env.cr
        cr.execute("ALTER TABLE res_company ADD COLUMN rma_alias_id int4")
        cr.execute(
            "UPDATE res_company SET rma_alias_id = %s WHERE id = %s",
            (legacy.id, company.id),
        )
        before = self.env["rma.team"].search_count([])
        self._load_migration().migrate(cr, "18.0.1.1.0")
        self.assertFalse(column_exists(cr, "res_company", "rma_alias_id"))
        self.env.invalidate_all()
        team = company.rma_team_id
        self.assertEqual(self.env["rma.team"].search_count([]), before + 1)
        self.assertEqual(team.alias_id, legacy, "the same alias record")
        self.assertEqual(legacy.alias_name, "rma-legacy-co", "the same address")
        self.assertEqual(legacy.alias_parent_model_id.model, "rma.team")
        self.assertEqual(legacy.alias_parent_thread_id, team.id)
        self.assertEqual(
            legacy.alias_defaults,
            repr({"company_id": company.id, "channel": "email", "team_id": team.id}),
        )
        # The companies that have their team keep it.
        self.assertEqual(self.company.rma_team_id.company_id, self.company)


@tagged("post_install", "-at_install")
class TestIssue17TeamDemo(RmaCommon):
    """The demo shows the teams: the default team owns the company's address,
    Inverters its own and the inverter requests, which its member follows."""

    def test_demo_teams(self):
        inverters = self.env.ref(
            "rma_warranty.demo_rma_team_inverters", raise_if_not_found=False
        )
        if not inverters:
            self.skipTest("needs the demo data")
        company = self.env.ref("base.main_company")
        self.assertEqual(
            company.rma_team_id.alias_id.alias_full_name,
            "rma@after-sales.example.com",
        )
        self.assertEqual(inverters.alias_email, "inverters@after-sales.example.com")
        self.assertTrue(
            self.env.ref("rma_warranty.demo_rma_team_eu_distributors").route_channel
        )
        inverter_rmas = self.env["rma.order"].search(
            [
                (
                    "line_ids.product_id",
                    "=",
                    self.env.ref("rma_warranty.demo_product_inverter").id,
                )
            ]
        )
        self.assertTrue(inverter_rmas)
        self.assertEqual(inverter_rmas.team_id, inverters)
        member = self.env.ref("rma_warranty.demo_user_service").partner_id
        self.assertIn(member, inverter_rmas[0].message_partner_ids)
        others = self.env["rma.order"].search(
            [("id", "not in", inverter_rmas.ids), ("team_id", "!=", False)]
        )
        self.assertIn(company.rma_team_id, others.team_id)
