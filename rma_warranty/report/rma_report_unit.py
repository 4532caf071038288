# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools

from ..models.rma_order_line import DAMAGE_CLASSES
from ..models.rma_warranty_coverage import ENTITLEMENTS

# RMAs whose units are analysed: every one that was submitted and not withdrawn.
ANALYSED_STATES = (
    "submitted",
    "approved",
    "received",
    "in_progress",
    "done",
    "rejected",
)


class RmaReportUnit(models.Model):
    """After-sales analysis per RMA unit: faults, turnaround and money.

    A SQL view with one row per unit of a submitted RMA:

    - what failed: product, serial, failed component, damage class and level,
      entitlement and resolution;
    - turnaround in hours per step: submitted -> approved (the RMA's dates),
      approved -> received (the unit's last done move from the customer, else the
      RMA's receipt date), received -> shipped (the unit's last done move to the
      customer), and submitted -> shipped;
    - warranty cost at cost, in the company's currency: parts consumed by the
      unit's repair orders that the customer did not pay (free repair, rework,
      covered quote lines), covered labour lines of its accepted quote (at the
      labour product's cost), the replacement unit shipped (swap), and its posted
      credit notes, and the goodwill coupons given for it (their value when
      given, issue 17); against the paid-repair revenue (posted invoices of its repair
      quotes, refusal fees excluded).

    Parts and swaps are valued by their stock valuation layers (what stock
    accounting booked), so the figures match the inventory valuation.
    """

    _name = "rma.report.unit"
    _description = "RMA Unit Analysis"
    _auto = False
    _rec_name = "line_id"
    _order = "date desc"
    # Pending writes of these fields are flushed before the view is read.
    _depends = {
        "rma.order": [
            "state",
            "date_submitted",
            "date_approved",
            "date_received",
            "company_id",
            "warehouse_id",
            "partner_id",
        ],
        "rma.order.line": [
            "order_id",
            "product_id",
            "lot_id",
            "failed_component_id",
            "damage_class",
            "damage_level_id",
            "entitlement_kind",
            "resolution",
            "quantity",
            "reason_id",  # return reasons (issue 17)
            "is_repeat",  # follow-up RMA (issue 17)
        ],
        "stock.move": [
            "rma_line_id",
            "state",
            "date",
            "location_id",
            "location_dest_id",
            "repair_id",
            "repair_line_type",
            "sale_line_id",
        ],
        "stock.location": ["usage"],
        "stock.valuation.layer": ["stock_move_id", "value"],
        "repair.order": ["rma_line_id"],
        "sale.order": ["rma_line_id", "rma_fee", "state", "company_id"],
        "sale.order.line": [
            "order_id",
            "product_id",
            "product_uom_qty",
            "price_subtotal",
            "rma_repair_kind",
            "invoice_lines",
        ],
        "account.move.line": ["rma_line_id", "move_id", "balance", "display_type"],
        "account.move": ["state", "move_type"],
        "product.product": ["product_tmpl_id", "standard_price"],
        "product.template": ["categ_id"],
        "res.company": ["currency_id"],
        # Goodwill coupons (issue 17)
        "loyalty.card": ["rma_line_id", "rma_goodwill_amount"],
    }

    line_id = fields.Many2one("rma.order.line", string="RMA Unit", readonly=True)
    order_id = fields.Many2one("rma.order", string="RMA", readonly=True)
    state = fields.Selection(
        selection=lambda self: self.env["rma.order"]._fields["state"].selection,
        string="RMA State",
        readonly=True,
    )
    date = fields.Datetime(string="Submitted On", readonly=True)
    date_approved = fields.Datetime(string="Approved On", readonly=True)
    date_received = fields.Datetime(string="Received On", readonly=True)
    date_shipped = fields.Datetime(string="Shipped On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Service Centre", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    component_id = fields.Many2one(
        "rma.warranty.component", string="Failed Component", readonly=True
    )
    damage_class = fields.Selection(selection=DAMAGE_CLASSES, readonly=True)
    damage_level_id = fields.Many2one("rma.damage.level", readonly=True)
    entitlement_kind = fields.Selection(
        selection=ENTITLEMENTS, string="Entitlement", readonly=True
    )
    resolution = fields.Selection(
        selection=lambda self: (
            self.env["rma.order.line"]._fields["resolution"].selection
        ),
        readonly=True,
    )
    quantity = fields.Float(
        string="Units", readonly=True, digits="Product Unit of Measure"
    )
    hours_to_approve = fields.Float(
        string="Hours to Approve", readonly=True, aggregator="avg"
    )
    hours_to_receive = fields.Float(
        string="Hours to Receive", readonly=True, aggregator="avg"
    )
    hours_to_ship = fields.Float(
        string="Hours to Ship", readonly=True, aggregator="avg"
    )
    hours_total = fields.Float(
        string="Hours Submitted to Shipped", readonly=True, aggregator="avg"
    )
    cost_parts = fields.Monetary(string="Parts at Cost", readonly=True)
    cost_labour = fields.Monetary(string="Labour at Cost", readonly=True)
    cost_swap = fields.Monetary(string="Swapped Units at Cost", readonly=True)
    cost_refund = fields.Monetary(string="Credit Notes", readonly=True)
    cost_goodwill = fields.Monetary(string="Goodwill Coupons", readonly=True)
    warranty_cost = fields.Monetary(readonly=True)
    repair_revenue = fields.Monetary(string="Paid-Repair Revenue", readonly=True)
    # ---- Return reasons (issue 17) ----
    reason_id = fields.Many2one("rma.reason", string="Return Reason", readonly=True)
    # ---- Follow-up RMA (issue 17) ----
    is_repeat = fields.Boolean(
        string="Repeat Failure",
        readonly=True,
        help="The unit failed again after an earlier RMA (a follow-up RMA).",
    )
    repeat_count = fields.Integer(
        string="Repeat Failures",
        readonly=True,
        help="Units that failed again after an earlier RMA.",
    )

    def _query(self):
        """The view's SELECT (one row per analysed RMA unit). May be extended."""
        return f"""
            WITH moves AS (
                SELECT sm.rma_line_id,
                       MAX(sm.date) FILTER (WHERE src.usage = 'customer')
                           AS date_received,
                       MAX(sm.date) FILTER (WHERE dest.usage = 'customer')
                           AS date_shipped,
                       -SUM(svl.value) FILTER (
                           WHERE dest.usage = 'customer' AND l.resolution = 'replace'
                       ) AS cost_swap
                  FROM stock_move sm
                  JOIN rma_order_line l ON l.id = sm.rma_line_id
                  JOIN stock_location src ON src.id = sm.location_id
                  JOIN stock_location dest ON dest.id = sm.location_dest_id
                  LEFT JOIN stock_valuation_layer svl ON svl.stock_move_id = sm.id
                 WHERE sm.state = 'done'
                 GROUP BY sm.rma_line_id
            ), parts AS (
                SELECT ro.rma_line_id, -SUM(svl.value) AS cost_parts
                  FROM repair_order ro
                  JOIN stock_move sm ON sm.repair_id = ro.id
                  JOIN stock_valuation_layer svl ON svl.stock_move_id = sm.id
                  LEFT JOIN sale_order_line sol ON sol.id = sm.sale_line_id
                 WHERE ro.rma_line_id IS NOT NULL
                   AND sm.state = 'done'
                   AND sm.repair_line_type = 'add'
                   AND (sol.id IS NULL OR sol.price_subtotal = 0)
                 GROUP BY ro.rma_line_id
            ), labour AS (
                SELECT so.rma_line_id,
                       SUM(sol.product_uom_qty * COALESCE(
                           (pp.standard_price ->> so.company_id::text)::numeric, 0
                       )) AS cost_labour
                  FROM sale_order so
                  JOIN sale_order_line sol ON sol.order_id = so.id
                  JOIN product_product pp ON pp.id = sol.product_id
                 WHERE so.rma_line_id IS NOT NULL
                   AND so.state = 'sale'
                   AND sol.rma_repair_kind = 'labour'
                   AND sol.price_subtotal = 0
                 GROUP BY so.rma_line_id
            ), refunds AS (
                SELECT aml.rma_line_id, SUM(aml.balance) AS cost_refund
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.rma_line_id IS NOT NULL
                   AND am.state = 'posted'
                   AND am.move_type = 'out_refund'
                   AND aml.display_type = 'product'
                 GROUP BY aml.rma_line_id
            ), goodwill AS (
                SELECT lc.rma_line_id, SUM(lc.rma_goodwill_amount) AS cost_goodwill
                  FROM loyalty_card lc
                 WHERE lc.rma_line_id IS NOT NULL
                 GROUP BY lc.rma_line_id
            ), revenue AS (
                SELECT so.rma_line_id, -SUM(aml.balance) AS repair_revenue
                  FROM sale_order so
                  JOIN sale_order_line sol ON sol.order_id = so.id
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                  JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE so.rma_line_id IS NOT NULL
                   AND NOT COALESCE(so.rma_fee, FALSE)
                   AND am.state = 'posted'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND aml.display_type = 'product'
                 GROUP BY so.rma_line_id
            ), units AS (
                SELECT l.id,
                       l.id AS line_id,
                       l.order_id,
                       o.state,
                       COALESCE(o.date_submitted, o.create_date) AS date,
                       o.date_approved,
                       COALESCE(moves.date_received, o.date_received) AS date_received,
                       moves.date_shipped,
                       o.company_id,
                       company.currency_id,
                       o.warehouse_id,
                       o.partner_id,
                       l.product_id,
                       pp.product_tmpl_id,
                       pt.categ_id,
                       l.lot_id,
                       l.failed_component_id AS component_id,
                       l.damage_class,
                       l.damage_level_id,
                       l.entitlement_kind,
                       l.resolution,
                       l.quantity,
                       COALESCE(parts.cost_parts, 0) AS cost_parts,
                       COALESCE(labour.cost_labour, 0) AS cost_labour,
                       COALESCE(moves.cost_swap, 0) AS cost_swap,
                       COALESCE(refunds.cost_refund, 0) AS cost_refund,
                       COALESCE(goodwill.cost_goodwill, 0) AS cost_goodwill,
                       COALESCE(revenue.repair_revenue, 0) AS repair_revenue,
                       l.reason_id,
                       -- Follow-up RMA (issue 17): the unit failed again.
                       COALESCE(l.is_repeat, FALSE) AS is_repeat,
                       CASE WHEN l.is_repeat THEN 1 ELSE 0 END AS repeat_count
                  FROM rma_order_line l
                  JOIN rma_order o ON o.id = l.order_id
                  JOIN res_company company ON company.id = o.company_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN moves ON moves.rma_line_id = l.id
                  LEFT JOIN parts ON parts.rma_line_id = l.id
                  LEFT JOIN labour ON labour.rma_line_id = l.id
                  LEFT JOIN refunds ON refunds.rma_line_id = l.id
                  LEFT JOIN goodwill ON goodwill.rma_line_id = l.id
                  LEFT JOIN revenue ON revenue.rma_line_id = l.id
                 WHERE o.state IN {ANALYSED_STATES}
            )
            SELECT units.*,
                   EXTRACT(EPOCH FROM date_approved - date) / 3600.0
                       AS hours_to_approve,
                   EXTRACT(EPOCH FROM date_received - date_approved) / 3600.0
                       AS hours_to_receive,
                   EXTRACT(EPOCH FROM date_shipped - date_received) / 3600.0
                       AS hours_to_ship,
                   EXTRACT(EPOCH FROM date_shipped - date) / 3600.0 AS hours_total,
                   cost_parts + cost_labour + cost_swap + cost_refund + cost_goodwill
                       AS warranty_cost
              FROM units
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})"
        )
