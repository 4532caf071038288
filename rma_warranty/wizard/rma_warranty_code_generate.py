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
            vals={
                "kind": self.kind,
                "months": self.months,
                "product_tmpl_ids": [Command.set(self.product_tmpl_ids.ids)],
                "categ_ids": [Command.set(self.categ_ids.ids)],
                "valid_until": self.valid_until,
                "batch_name": self.batch_name,
                "note": self.note,
                "company_id": self.company_id.id,
            },
        )
        # No res_id: such an attachment is readable by its creator (and admins)
        # only, which suits a list of codes worth money.
        attachment = self.env["ir.attachment"].create(
            {
                "name": "warranty-codes-%s.csv"
                % (self.batch_name or fields.Date.context_today(self)),
                "res_model": "rma.warranty.code",
                "mimetype": "text/csv",
                "datas": base64.b64encode(codes._export_csv()),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
