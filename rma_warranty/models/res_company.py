# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.tools import SQL

# Issue 17: what becomes of a unit whose case closes on inactivity.
INACTIVITY_OUTCOMES = [
    ("return_asis", "Return As-Is"),
    ("scrap", "Scrap with Consent"),
    ("cancel", "Cancel"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    rma_warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        string="Default Service Centre",
        check_company=True,
        help="Warehouse that receives returned units unless an RMA names another one.",
    )
    rma_resource_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Service Calendar",
        check_company=True,
        help="Working days and hours used to compute service-level deadlines. "
        "Empty: the company's working hours.",
    )
    rma_warranty_policy_id = fields.Many2one(
        comodel_name="rma.warranty.policy",
        string="Default Warranty Policy",
        check_company=True,
        help="Policy of products that have none, neither on them nor on their "
        "category.",
    )
    # Teams (issue 17): the default team owns the company's RMA request alias.
    rma_team_id = fields.Many2one(
        comodel_name="rma.team",
        string="Default RMA Team",
        copy=False,
        ondelete="restrict",
        help="Team of the requests that no team's criteria match; its alias is the "
        "company's RMA email address.",
    )
    # ---- Complaints (issue 14) ----
    rma_complaint_response_days = fields.Integer(
        string="Complaint Response Days",
        default=2,
        help="Working days of the service calendar within which a new complaint "
        "gets its first response.",
    )
    rma_complaint_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Complaint Owner",
        domain="[('share', '=', False)]",
        help="Owner of the complaints that concern no RMA (else the RMA's "
        "responsible).",
    )
    rma_complaint_alias_id = fields.Many2one(
        comodel_name="mail.alias",
        string="Complaints Email Alias",
        copy=False,
        ondelete="restrict",
        help="Emails sent to this address become complaints of this company.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._rma_create_sequences()
        companies._rma_create_teams()
        companies._rma_create_complaint_aliases()
        return companies

    @api.constrains("rma_warehouse_id", "rma_resource_calendar_id")
    def _check_rma_settings_company(self):
        # res.company does not run the automatic check_company validation on write;
        # the base helper treats a res.company record as its own company.
        self._check_company(["rma_warehouse_id", "rma_resource_calendar_id"])

    def _rma_get_warehouse(self):
        """The service centre RMAs of this company get unless they name another:
        the default chosen in the settings, else the company's first warehouse."""
        self.ensure_one()
        return self.rma_warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.id)], limit=1
        )

    def _get_rma_calendar(self):
        """Calendar that counts working days for after-sales deadlines.

        The service centre may keep hours of its own; without them the company's
        working hours apply, as for any other Odoo deadline.
        """
        self.ensure_one()
        return self.rma_resource_calendar_id or self.resource_calendar_id

    # ---- RMA references -------------------------------------------------------------

    def _rma_sequence_values(self):
        """Per-company numbering: provisional request references, then RMA numbers."""
        self.ensure_one()
        return {
            "rma.order.request": {
                "name": self.env._("RMA requests (%(company)s)", company=self.name),
                "prefix": "REQ/",
            },
            "rma.order": {
                "name": self.env._("RMA numbers (%(company)s)", company=self.name),
                "prefix": "RMA/%(year)s/",
            },
            # Complaints and disputes (issue 14).
            "rma.complaint": {
                "name": self.env._("Complaints (%(company)s)", company=self.name),
                "prefix": "CMP/%(year)s/",
            },
        }

    def _prepare_rma_sequence_vals(self, code):
        """Values of this company's sequence ``code`` (see
        ``_rma_sequence_values``). Called by ``_rma_create_sequences``; may be
        overridden."""
        self.ensure_one()
        return dict(
            self._rma_sequence_values()[code],
            code=code,
            company_id=self.id,
            padding=5,
        )

    def _rma_create_sequences(self):
        # Sequences are technical records every RMA user draws numbers from;
        # only administrators may create them, hence sudo.
        Sequence = self.env["ir.sequence"].sudo()
        existing = {
            (seq.company_id.id, seq.code)
            for seq in Sequence.search(
                [
                    (
                        "code",
                        "in",
                        list(
                            {
                                c
                                for company in self
                                for c in company._rma_sequence_values()
                            }
                        ),
                    ),
                    ("company_id", "in", self.ids),
                ]
            )
        }
        Sequence.create(
            [
                company._prepare_rma_sequence_vals(code)
                for company in self
                for code in company._rma_sequence_values()
                if (company.id, code) not in existing
            ]
        )

    def _rma_next_references(self, code, count):
        """``count`` new references of sequence ``code`` for this company."""
        self.ensure_one()
        # sudo: drawing a number is part of filing or approving an RMA, which the
        # caller's rights on rma.order already govern.
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [("code", "=", code), ("company_id", "=", self.id)], limit=1
        )
        if not sequence:
            self._rma_create_sequences()
            sequence = Sequence.search(
                [("code", "=", code), ("company_id", "=", self.id)], limit=1
            )
        return self._rma_sequence_next_batch(sequence, count)

    @api.model
    def _rma_sequence_next_batch(self, sequence, count):
        """``count`` references drawn from ``sequence`` at once: the one shortcut
        around ``ir.sequence``'s internals, for a whole batch of approvals or
        requests in one round trip.

        It mirrors ``ir.sequence._next_do`` for a standard sequence without date
        ranges: ``_select_nextval`` (``nextval`` of the PostgreSQL sequence
        ``ir_sequence_%03d``), then ``get_next_char``, here for ``count`` numbers
        in one query. Sequences with date ranges or without gaps (``no_gap``)
        take the core path, ``next_by_id``, once per reference. The test
        ``TestInstall.test_sequence_batch_equals_core_path`` holds it equal to
        the core."""
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence.next_by_id() for _i in range(count)]
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        return [sequence.get_next_char(number) for (number,) in self.env.cr.fetchall()]

    # ---- Email alias ----------------------------------------------------------------

    def _rma_create_teams(self, aliases=None):
        """Give every company of ``self`` that has none its default after-sales
        team (issue 17), whose alias (``rma.team``, ``mail.alias.mixin``) files
        the company's requests by email; see ``rma.order.message_new``.

        ``aliases`` (``{company id: mail.alias id}``) names an alias a team takes
        over (an upgrade from 18.0.1.1.0: the company's former RMA alias, so that
        its address keeps working). Otherwise the alias is named ``rma`` (then
        ``rma-<company>``) when that name is free in the company's alias domain,
        and left without a name (inactive) otherwise, for the manager to choose
        one in the settings or on the team.
        """
        aliases = aliases or {}
        companies = self.filtered(lambda company: not company.rma_team_id)
        if not companies:
            return self.env["rma.team"]
        companies.check_access("write")
        taken = companies._rma_alias_names_taken()
        companies = companies.sorted("id")
        vals_list = []
        for company in companies:
            vals = company._prepare_rma_team_vals()
            if aliases.get(company.id):
                vals["alias_id"] = aliases[company.id]
            else:
                vals["alias_name"] = company._rma_alias_name(taken, "rma")
                taken.add((company.alias_domain_id.id, vals["alias_name"]))
            vals_list.append(vals)
        # sudo: teams and their aliases are set-up records only administrators
        # create; the caller may write these companies (checked above), whose
        # after-sales set-up this is.
        teams = self.env["rma.team"].sudo().create(vals_list)
        for company, team in zip(companies, teams, strict=True):
            company.rma_team_id = team
        return teams

    def _prepare_rma_team_vals(self):
        """Values of this company's default after-sales team (issue 17), without
        its alias. Called by ``_rma_create_teams``; may be overridden."""
        self.ensure_one()
        return {
            "name": self.env._("After-Sales"),
            "company_id": self.id,
            "sequence": 100,
        }

    def _rma_create_aliases_of(self, field, base, prepare):
        """Give every company of ``self`` whose alias ``field`` is empty an alias
        named ``base`` (then ``base-<company>``) when free in its alias domain,
        else none yet, from ``prepare(company, name)`` (its values hook). Called
        by ``_rma_create_complaint_aliases``."""
        companies = self.filtered(lambda company: not company[field])
        if not companies:
            return self.env["mail.alias"]
        companies.check_access("write")
        taken = companies._rma_alias_names_taken()
        vals_list = []
        companies = companies.sorted("id")
        for company in companies:
            name = company._rma_alias_name(taken, base)
            taken.add((company.alias_domain_id.id, name))
            vals_list.append(prepare(company, name))
        # sudo: aliases are technical records only administrators create; the
        # caller may write these companies (checked above), whose after-sales
        # set-up this is.
        aliases = self.env["mail.alias"].sudo().create(vals_list)
        for company, alias in zip(companies, aliases, strict=True):
            company[field] = alias
        return aliases

    def _rma_alias_names_taken(self):
        """The alias names an RMA alias of these companies may not take, as
        ``{(alias domain id, name)}``: the aliases named ``rma...`` in their
        domains (or in none), and the domains' bounce and catch-all names.
        Called by ``_rma_create_teams`` and ``_rma_create_aliases_of``."""
        domains = self.alias_domain_id
        # sudo: aliases are technical records; only their names are read, by
        # the callers once the caller may write these companies.
        aliases_sudo = (
            self.env["mail.alias"]
            .sudo()  # sudo: see the comment above
            .search(
                [
                    ("alias_name", "=like", "rma%"),
                    ("alias_domain_id", "in", domains.ids + [False]),
                ]
            )
        )
        taken = {
            (alias_sudo.alias_domain_id.id, alias_sudo.alias_name)
            for alias_sudo in aliases_sudo
        }
        taken |= {
            (domain.id, name)
            for domain in domains
            for name in (domain.bounce_alias, domain.catchall_alias)
        }
        return taken

    def _rma_alias_name(self, taken, base="rma"):
        """The name of an alias of this company: ``base``, else ``base-<company>``,
        the first not in ``taken`` (``_rma_alias_names_taken``) for its alias
        domain; False when both are taken. Called by ``_rma_create_teams`` and
        ``_rma_create_aliases_of``."""
        self.ensure_one()
        domain_id = self.alias_domain_id.id
        slug = re.sub(
            "-+", "-", self.env["mail.alias"]._sanitize_alias_name(self.name) or ""
        ).strip("-")
        return next(
            (
                candidate
                for candidate in (base, slug and f"{base}-{slug}")
                if candidate and (domain_id, candidate) not in taken
            ),
            False,
        )

    # ---- Complaints (issue 14) ------------------------------------------------------

    @api.model
    def _rma_complaint_setup(self):
        """Every company gets its complaints alias (on install and update: the
        companies made before complaints existed). Called by the data file."""
        self.with_context(active_test=False).search([])._rma_create_complaint_aliases()

    def _rma_create_complaint_aliases(self):
        """Give every company of ``self`` that has none its complaints alias:
        ``rma-complaints`` (then ``rma-complaints-<company>``) when free in its
        alias domain, else none yet, for the manager to name it in the settings.
        Owned by the company (the RMA request alias is its default team's,
        ``_rma_create_teams``)."""
        return self._rma_create_aliases_of(
            "rma_complaint_alias_id",
            "rma-complaints",
            lambda company, name: company._prepare_rma_complaint_alias_vals(name),
        )

    def _prepare_rma_complaint_alias_vals(self, name):
        """Values of this company's complaints alias, named ``name`` (False: none
        yet). Called by ``_rma_create_complaint_aliases``; may be overridden."""
        self.ensure_one()
        return {
            "alias_name": name,
            "alias_domain_id": self.alias_domain_id.id,
            "alias_model_id": self.env["ir.model"]._get_id("rma.complaint"),
            "alias_defaults": repr({"company_id": self.id, "channel": "email"}),
            "alias_parent_model_id": self.env["ir.model"]._get_id("res.company"),
            "alias_parent_thread_id": self.id,
        }

    # ---- Return reasons (issue 17) ----
    rma_reason_required = fields.Boolean(
        string="Return Reason Required",
        help="Every unit of an RMA needs a return reason before the RMA is submitted "
        "or approved (backend and portal).",
    )

    # ---- Closing on inactivity (issue 17) ----
    rma_inactivity_remind_days = fields.Integer(
        string="Remind Waiting Customers after (days)",
        default=14,
        help="A case waiting on the customer (an unanswered repair quote, a unit "
        "never sent) gets a reminder this many days after the waiting started. "
        "0: no reminder and no closing on inactivity.",
    )
    rma_inactivity_close_days = fields.Integer(
        string="Close after the Reminder (days)",
        default=14,
        help="A case still waiting this many days after its reminder is closed "
        "with the outcome of its warranty policy (else the company's).",
    )
    rma_inactivity_outcome = fields.Selection(
        selection=INACTIVITY_OUTCOMES,
        string="Outcome of an Inactive Case",
        default="return_asis",
        required=True,
        help="What becomes of a unit we hold when its case closes on inactivity, "
        "unless its warranty policy says otherwise. A unit never sent: the request "
        "is cancelled whatever the outcome.",
    )
