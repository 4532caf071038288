# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ReportRmaService(models.AbstractModel):
    """Rendering context of the service report (repair tracking sheet).

    What was done to a repaired unit is spread over documents that not everyone
    who prints or mails the report reads: the quote is a salesperson's own
    quotation, the delivery that mails the report is validated in the warehouse.
    Once the RMAs themselves are readable, their repair orders, quotes and
    deliveries are read as part of them, in a few queries for any number of RMAs.
    """

    _name = "report.rma_warranty.report_rma_service"
    _description = "RMA Service Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["rma.order"].browse(docids)
        docs.check_access("read")
        return {
            "doc_ids": docs.ids,
            "doc_model": "rma.order",
            "docs": docs,
            "units": self._get_repaired_units(docs),
        }

    @api.model
    def _get_repaired_units(self, orders):
        """{rma id: [unit]} of the repaired units (resolution repair, with a repair
        order) of ``orders``. A unit is a dict: ``line``, ``repairs``, ``parts``
        (done repair moves adding a part), ``labour`` and ``shipping`` (lines of its
        quote), ``quote`` (False when none or cancelled) and ``deliveries`` (done
        pickings that took it back to the customer); ``visit``: the on-site
        repair order of a unit repaired at the customer's (issue 15: its visit
        date, technician and result), else False. Swapped units (resolution
        replace, shipped; issue 15) are listed too, with ``swap`` True and
        ``replacements`` (the done moves that shipped the new unit)."""
        # sudo: the RMAs were checked readable above; the repair orders, quotes and
        # deliveries of their units are shown as part of them.
        lines_sudo = orders.sudo().line_ids.filtered(
            lambda line: (
                (line.resolution == "repair" and line.repair_ids)
                or (line.resolution == "replace" and line.qty_delivered)
            )
        )
        parts = lines_sudo.repair_ids.move_ids.filtered(
            lambda m: m.repair_line_type == "add" and m.state == "done"
        ).grouped(lambda m: m.repair_id.rma_line_id)
        quotes = lines_sudo.quote_id.filtered(lambda q: q.state != "cancel")
        quote_lines = quotes.order_line.grouped(
            lambda sol: (sol.order_id, sol.rma_repair_kind)
        )
        deliveries = lines_sudo.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        ).grouped("rma_line_id")
        # sudo: an empty recordset of quote lines for the units without a quote,
        # of the same (sudo) environment as the lines read above.
        SaleLine = self.env["sale.order.line"].sudo()
        units = {order.id: [] for order in orders}
        for line in lines_sudo:
            quote = line.quote_id if line.quote_id in quotes else quotes.browse()
            shipped = deliveries.get(line, self.env["stock.move"])
            units[line.order_id.id].append(
                {
                    "line": line,
                    "repairs": line.repair_ids.sorted("id"),
                    "parts": parts.get(line, self.env["stock.move"]),
                    "labour": quote_lines.get((quote, "labour"), SaleLine),
                    "shipping": quote_lines.get((quote, "shipping"), SaleLine),
                    "quote": quote,
                    "deliveries": shipped.picking_id.sorted("id"),
                    "visit": line.repair_id if line.repair_id.rma_onsite else False,
                    "swap": line.resolution == "replace",
                    "replacements": shipped
                    if line.resolution == "replace"
                    else (self.env["stock.move"]),
                }
            )
        return units
