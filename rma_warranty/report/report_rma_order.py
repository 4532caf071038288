# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ReportRmaOrder(models.AbstractModel):
    """Rendering context of the RMA authorisation.

    The authorisation tells the customer to ship: it must not exist for a request
    that has no RMA number yet, a cancelled RMA, nor an RMA whose shipping waits for
    the payment of its repair quote. The Print menu already hides it there (domain
    of the report action); ``rma.order._check_authorisation_printable`` refuses the
    other ways in (URL, mail template, code).
    """

    _name = "report.rma_warranty.report_rma_order"
    _description = "RMA Authorisation Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["rma.order"].browse(docids)
        docs._check_authorisation_printable()
        return {
            "doc_ids": docs.ids,
            "doc_model": "rma.order",
            "docs": docs,
        }
