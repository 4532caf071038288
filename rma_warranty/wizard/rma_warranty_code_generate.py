# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import Command, fields, models

from ..models.rma_warranty_code import KINDS, MAX_GENERATE


class RmaWarrantyCodeGenerate(models.TransientModel):
    """Generate a batch of random codes and download them as CSV."""

    _name = "rma.warranty.code.generate"
    _description = "Generate Warranty Codes"
    _check_company_auto = True

    count = fields.Integer(
        string="Number of Codes",
        required=True,
        default=100,
        help=f"From 1 to {MAX_GENERATE}.",
    )
    kind = fields.Selection(selection=KINDS, required=True, default="extension")
    months = fields.Integer(required=True, default=12)
    product_tmpl_ids = fields.Many2many(
        comodel_name="product.template",
        string="Eligible Products",
        check_company=True,
    )
    categ_ids = fields.Many2many(
        comodel_name="product.category", string="Eligible Categories"
    )
    valid_until = fields.Date()
    prefix = fields.Char(help="Letters and digits starting every code, e.g. SOLAX.")
    batch_name = fields.Char(string="Batch")
    note = fields.Text()
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )

    def action_generate(self):
        self.ensure_one()
        codes = self.env["rma.warranty.code"]._generate(
            self.count,
            prefix=self.prefix or "",
            vals=self._prepare_code_vals(),
        )
        # No res_id: such an attachment is readable by its creator (and admins)
        # only, which suits a list of codes worth money.
        attachment = self.env["ir.attachment"].create(
            self._prepare_export_attachment_vals(codes)
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _prepare_code_vals(self):
        """Values every code of the batch shares (``rma.warranty.code._generate``
        adds each one's code). Called by ``action_generate``; may be
        overridden."""
        self.ensure_one()
        return {
            "kind": self.kind,
            "months": self.months,
            "product_tmpl_ids": [Command.set(self.product_tmpl_ids.ids)],
            "categ_ids": [Command.set(self.categ_ids.ids)],
            "valid_until": self.valid_until,
            "batch_name": self.batch_name,
            "note": self.note,
            "company_id": self.company_id.id,
        }

    def _prepare_export_attachment_vals(self, codes):
        """Values of the CSV file of the ``codes`` generated, downloaded at once
        (no ``res_id``: only its creator and administrators read it). Called by
        ``action_generate``; may be overridden."""
        self.ensure_one()
        return {
            "name": "warranty-codes-%s.csv"
            % (self.batch_name or fields.Date.context_today(self)),
            "res_model": "rma.warranty.code",
            "mimetype": "text/csv",
            "datas": base64.b64encode(codes._export_csv()),
        }
