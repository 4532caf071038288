# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._rma_create_sequences()
        return companies

    @api.constrains("rma_warehouse_id", "rma_resource_calendar_id")
    def _check_rma_settings_company(self):
        # res.company does not run the automatic check_company validation on write;
        # the base helper treats a res.company record as its own company.
        self._check_company(["rma_warehouse_id", "rma_resource_calendar_id"])

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
