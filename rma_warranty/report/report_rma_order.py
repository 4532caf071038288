# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError


class ReportRmaOrder(models.AbstractModel):
    """Rendering context of the RMA authorisation.

    The authorisation tells the customer to ship: it must not exist for a request
    that has no RMA number yet, nor for a cancelled RMA. The Print menu already
    hides it there (domain of the report action); this refuses the other ways in
    (URL, mail template, code).
    """

    _name = "report.rma_warranty.report_rma_order"
    _description = "RMA Authorisation Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["rma.order"].browse(docids)
        refused = docs.filtered(
            lambda order: order.is_request_ref or order.state == "cancelled"
        )
        if refused:
            raise UserError(
                self.env._(
                    "No RMA authorisation can be printed for %(refs)s: only approved "
                    "RMAs that have an RMA number and are not cancelled have one.",
                    refs=", ".join(refused.mapped("name")),
                )
            )
        return {
            "doc_ids": docs.ids,
            "doc_model": "rma.order",
            "docs": docs,
        }
