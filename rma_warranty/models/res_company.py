# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.tools import SQL


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
    rma_alias_id = fields.Many2one(
        comodel_name="mail.alias",
        string="RMA Email Alias",
        copy=False,
        ondelete="restrict",
        help="Emails sent to this address become submitted RMA requests of this "
        "company.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._rma_create_sequences()
        companies._rma_create_aliases()
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
        }

    def _rma_create_sequences(self):
        # Sequences are technical records every RMA user draws numbers from;
        # only administrators may create them, hence sudo.
        Sequence = self.env["ir.sequence"].sudo()
        existing = {
            (seq.company_id.id, seq.code)
            for seq in Sequence.search(
                [
                    ("code", "in", ("rma.order", "rma.order.request")),
                    ("company_id", "in", self.ids),
                ]
            )
        }
        Sequence.create(
            [
                dict(vals, code=code, company_id=company.id, padding=5)
                for company in self
                for code, vals in company._rma_sequence_values().items()
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
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence.next_by_id() for _i in range(count)]
        # One round trip for a whole batch of approvals or requests.
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        return [sequence.get_next_char(number) for (number,) in self.env.cr.fetchall()]

    # ---- Email alias ----------------------------------------------------------------

    def _rma_create_aliases(self):
        """Give every company of ``self`` that has none its RMA request alias.

        One alias per company, owned by the company, whose defaults file the new
        request in that company; see ``rma.order.message_new``. It is named ``rma``
        (then ``rma-<company>``) when that name is free in the company's alias
        domain, and left without a name (inactive) otherwise, for the manager to
        choose one in the settings.
        """
        companies = self.filtered(lambda company: not company.rma_alias_id)
        if not companies:
            return self.env["mail.alias"]
        companies.check_access("write")
        # sudo: aliases are technical records only administrators create; the
        # caller may write these companies, whose after-sales set-up this is.
        Alias = self.env["mail.alias"].sudo()
        domains = companies.alias_domain_id
        taken = {
            (alias.alias_domain_id.id, alias.alias_name)
            for alias in Alias.search(
                [
                    ("alias_name", "=like", "rma%"),
                    ("alias_domain_id", "in", domains.ids + [False]),
                ]
            )
        }
        taken |= {
            (domain.id, name)
            for domain in domains
            for name in (domain.bounce_alias, domain.catchall_alias)
        }
        model_id = self.env["ir.model"]._get_id("rma.order")
        company_model_id = self.env["ir.model"]._get_id("res.company")
        vals_list = []
        companies = companies.sorted("id")
        for company in companies:
            domain_id = company.alias_domain_id.id
            slug = re.sub(
                "-+", "-", Alias._sanitize_alias_name(company.name) or ""
            ).strip("-")
            name = next(
                (
                    candidate
                    for candidate in ("rma", slug and f"rma-{slug}")
                    if candidate and (domain_id, candidate) not in taken
                ),
                False,
            )
            taken.add((domain_id, name))
            vals_list.append(
                {
                    "alias_name": name,
                    "alias_domain_id": domain_id,
                    "alias_model_id": model_id,
                    "alias_defaults": repr(
                        {"company_id": company.id, "channel": "email"}
                    ),
                    "alias_parent_model_id": company_model_id,
                    "alias_parent_thread_id": company.id,
                }
            )
        aliases = Alias.create(vals_list)
        for company, alias in zip(companies, aliases, strict=True):
            company.rma_alias_id = alias
        return aliases
