# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools

# States of an RMA whose units count as returned (failed) units.
COUNTED_STATES = ("submitted", "approved", "received", "in_progress", "done")


class RmaReportFailure(models.Model):
    """Failure analysis: units delivered to customers against units returned.

    A SQL view with one row per source: a done move line of a delivery to a
    customer (``qty_delivered``: its serial or quantity) or a unit of an RMA that
    was accepted for handling (``qty_rma``), each with its product, serial or lot,
    failed component (RMA units only), service centre and date (delivery date, or
    the RMA's submission date). Grouped by product, serial, component or month,
    ``qty_rma / qty_delivered`` is the failure rate of that group (the dashboard
    computes it; a pivot shows both measures).

    Deliveries of RMAs (replacements, repaired units) are not sales: they are left
    out, as are units coming back from customers.
    """

    _name = "rma.report.failure"
    _description = "RMA Failure Analysis"
    _auto = False
    _rec_name = "product_id"
    _order = "date desc"
    # Pending writes of these fields are flushed before the view is read.
    _depends = {
        "stock.move.line": [
            "state",
            "date",
            "product_id",
            "lot_id",
            "quantity_product_uom",
            "location_id",
            "location_dest_id",
            "move_id",
            "picking_id",
            "company_id",
        ],
        "stock.move": ["rma_line_id", "picking_type_id", "partner_id"],
        "stock.location": ["usage"],
        "stock.picking": ["partner_id"],
        "stock.picking.type": ["warehouse_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "rma.order.line": [
            "order_id",
            "product_id",
            "lot_id",
            "failed_component_id",
            "quantity",
            "reason_id",  # return reasons (issue 17)
        ],
        "rma.order": [
            "state",
            "date_submitted",
            "warehouse_id",
            "company_id",
            "partner_id",
        ],
    }

    date = fields.Datetime(readonly=True, help="Delivery date, or RMA submission.")
    source = fields.Selection(
        selection=[("delivery", "Delivery"), ("rma", "RMA")], readonly=True
    )
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    component_id = fields.Many2one(
        "rma.warranty.component", string="Failed Component", readonly=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Service Centre / Warehouse", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    qty_delivered = fields.Float(
        string="Units Delivered", readonly=True, digits="Product Unit of Measure"
    )
    qty_rma = fields.Float(
        string="RMA Units", readonly=True, digits="Product Unit of Measure"
    )
    # ---- Return reasons (issue 17) ----
    reason_id = fields.Many2one("rma.reason", string="Return Reason", readonly=True)

    def _query(self):
        """The view's SELECT: delivered move lines (even ids) and RMA units (odd
        ids), so that a row's id stays the same between two reads. May be
        extended."""
        return f"""
            SELECT sml.id * 2 AS id,
                   'delivery' AS source,
                   sml.date AS date,
                   sml.product_id,
                   pp.product_tmpl_id,
                   pt.categ_id,
                   sml.lot_id,
                   NULL::integer AS component_id,
                   spt.warehouse_id,
                   sml.company_id,
                   COALESCE(sp.partner_id, sm.partner_id) AS partner_id,
                   sml.quantity_product_uom AS qty_delivered,
                   0.0 AS qty_rma,
                   NULL::integer AS reason_id
              FROM stock_move_line sml
              JOIN stock_move sm ON sm.id = sml.move_id
              JOIN stock_location src ON src.id = sml.location_id
              JOIN stock_location dest ON dest.id = sml.location_dest_id
              JOIN product_product pp ON pp.id = sml.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN stock_picking sp ON sp.id = sml.picking_id
              LEFT JOIN stock_picking_type spt ON spt.id = sm.picking_type_id
             WHERE sml.state = 'done'
               AND dest.usage = 'customer'
               AND src.usage != 'customer'
               AND sm.rma_line_id IS NULL
            UNION ALL
            SELECT l.id * 2 + 1 AS id,
                   'rma' AS source,
                   COALESCE(o.date_submitted, o.create_date) AS date,
                   l.product_id,
                   pp.product_tmpl_id,
                   pt.categ_id,
                   l.lot_id,
                   l.failed_component_id AS component_id,
                   o.warehouse_id,
                   o.company_id,
                   o.partner_id,
                   0.0 AS qty_delivered,
                   l.quantity AS qty_rma,
                   l.reason_id
              FROM rma_order_line l
              JOIN rma_order o ON o.id = l.order_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE o.state IN {COUNTED_STATES}
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})"
        )
