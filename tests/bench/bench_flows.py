"""The benchmark's world and flows, run inside Odoo by bench_rma.py.

The world (one customer, a serial-tracked product, N serials sold, delivered and
invoiced to that customer) is built once per database and committed; every flow then
runs in its own transaction that is rolled back, so rounds are independent and the
world stays as built.

A flow is a function ``flow(env, world, step)``, ``world`` being World.bind(env).
Each ``with step(name):`` block is one user action (one request): its cache starts
cold, and it ends with what a commit would run (flush and pre-commit hooks: tracking,
followers), so its SQL count is what the request costs. Mails are queued, never sent
(post-commit hooks do not run).
"""

import types

from odoo import Command

# Customers are notified by mail in both addons: rma_warranty always does, OCA rma when
# these company options are on (option: its template).
OCA_NOTIFY_OPTIONS = {
    "send_rma_confirmation": (
        "rma_mail_confirmation_template_id",
        "rma.mail_template_rma_notification",
    ),
    "send_rma_receipt_confirmation": (
        "rma_mail_receipt_confirmation_template_id",
        "rma.mail_template_rma_receipt_notification",
    ),
}


class World:
    """What every flow of one database starts from, as ids (valid in any cursor)."""

    def __init__(self, env, units):
        self.units = units
        self.marker = f"RMAW-BENCH-{units}"
        sale = env["sale.order"].search(
            [("client_order_ref", "=", self.marker), ("state", "=", "sale")], limit=1
        )
        delivery = sale.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        )
        invoice = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        self.ids = {
            "sale": sale.ids,
            "partner": sale.partner_id.ids,
            "product": sale.order_line.product_id.ids,
            "delivery": delivery.ids,
            "delivery_move": delivery.move_ids.ids,
            "lots": delivery.move_ids.move_line_ids.lot_id.sorted("name").ids,
            "invoice": invoice.ids,
        }

    def ok(self):
        ids = self.ids
        return bool(
            len(ids["product"]) == 1
            and len(ids["delivery"]) == 1
            and len(ids["lots"]) == self.units
            and len(ids["invoice"]) == 1
        )

    def bind(self, env, units=None):
        """The world's records in ``env``; ``units``: only the first serials (the
        core flow still returns the whole delivery)."""
        units = min(units or self.units, self.units)
        models = {
            "sale": "sale.order",
            "partner": "res.partner",
            "product": "product.product",
            "delivery": "stock.picking",
            "delivery_move": "stock.move",
            "lots": "stock.lot",
            "invoice": "account.move",
        }
        bound = types.SimpleNamespace(units=units)
        for key, model in models.items():
            setattr(bound, key, env[model].browse(self.ids[key]))
        bound.lots = bound.lots[:units]
        return bound


def ensure_world(env, units):
    """Find the world for ``units`` serials, or build it (caller commits)."""
    world = World(env, units)
    if world.ok():
        return world, False
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company=company)
    marker = f"RMAW-BENCH-{units}"
    partner = env["res.partner"].create(
        {"name": f"Bench Customer {units}", "email": "bench.customer@example.com"}
    )
    product = env["product.product"].create(
        {
            "name": f"Bench NAS ({units})",
            "default_code": marker,
            "is_storable": True,
            "tracking": "serial",
            "list_price": 500.0,
            "standard_price": 300.0,
            "invoice_policy": "delivery",
        }
    )
    lots = env["stock.lot"].create(
        [
            {"name": f"B{units}-SN-{i:05d}", "product_id": product.id}
            for i in range(units)
        ]
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    stock = warehouse.lot_stock_id
    quant = env["stock.quant"].with_context(inventory_mode=True)
    for lot in lots:
        quant._update_available_quantity(product, stock, 1.0, lot_id=lot)
    sale = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "client_order_ref": marker,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": units,
                        "price_unit": 480.0,
                    }
                )
            ],
        }
    )
    sale.action_confirm()
    move = sale.picking_ids.move_ids
    move.move_line_ids.unlink()
    env["stock.move.line"].create(
        [
            dict(
                move._prepare_move_line_vals(quantity=1.0),
                lot_id=lot.id,
                location_id=stock.id,
            )
            for lot in lots
        ]
    )
    move.picked = True
    sale.picking_ids._action_done()
    sale._create_invoices().action_post()
    env["stock.quant"]._quant_tasks()  # as configure() does: see there
    world = World(env, units)
    if not world.ok():
        raise RuntimeError(f"could not build the benchmark world ({marker})")
    return world, True


def configure(env):
    """Settings the flows expect (idempotent; caller commits): a sender address
    for the mails (a database without demo data has none), OCA's mail options,
    the daily clean-up of empty quants."""
    company = env.company
    admin = env.ref("base.user_admin")
    if not admin.email:
        admin.email = "admin@example.com"
    if not company.email:
        company.email = "service@example.com"
    # What Odoo's scheduler does every day (procurement.group._run_scheduler_tasks):
    # the quants of the serials sold, at zero in stock, are removed. Left in place,
    # every reservation of the product in stock walks all of them (a replacement
    # per unit: N x N).
    env["stock.quant"]._quant_tasks()
    if "send_rma_confirmation" in company._fields:
        vals = {}
        for option, (field, xmlid) in OCA_NOTIFY_OPTIONS.items():
            vals[option] = True
            vals[field] = env.ref(xmlid).id
        company.write(vals)


# ---- Flows ---------------------------------------------------------------------------


def _check(cond, what):
    if not cond:
        raise AssertionError(f"flow went wrong: {what}")


def _validate(pickings, step):
    # Validate as the button does with nothing ticked: every reserved unit is done.
    with step("validate"):
        res = pickings.button_validate()
    _check(res is True, f"validation asked for a wizard: {res}")
    _check(set(pickings.mapped("state")) == {"done"}, "receipt not done")


def flow_core(env, world, step):
    """Core Odoo: return every serial of the delivery, validate, credit the invoice."""
    delivery = world.delivery
    with step("receipt"):
        wizard = (
            env["stock.return.picking"]
            .with_context(
                active_id=delivery.id,
                active_ids=delivery.ids,
                active_model="stock.picking",
            )
            .create({})
        )
        res = wizard.action_create_returns_all()
        receipt = env["stock.picking"].browse(res["res_id"])
    delivered = world.delivery_move.move_line_ids.lot_id
    _check(receipt.move_line_ids.lot_id == delivered, "serials not prefilled")
    _validate(receipt, step)
    invoice = world.invoice
    with step("refund"):
        reversal = (
            env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Returned units"})
        )
        reversal.refund_moves()
    _check(invoice.reversal_move_ids, "no credit note")


def _rmaw_flow(env, world, step, per_rma, resolution="refund"):
    lines = [
        {
            "product_id": world.product.id,
            "lot_id": lot.id,
            "quantity": 1.0,
            "resolution": resolution,
        }
        for lot in world.lots
    ]
    chunks = [lines[i : i + per_rma] for i in range(0, len(lines), per_rma)]
    with step("create"):
        orders = env["rma.order"].create(
            [
                {
                    "partner_id": world.partner.id,
                    "line_ids": [Command.create(vals) for vals in chunk],
                }
                for chunk in chunks
            ]
        )
    _check(all(orders.line_ids.mapped("origin_move_id")), "origin not found")
    with step("submit"):
        orders.action_submit()
    with step("receipt"):
        orders.action_approve()
    pickings = orders.picking_ids
    _check(len(pickings) == len(orders), "one receipt per RMA expected")
    _validate(pickings, step)
    _check(set(orders.mapped("state")) == {"received"}, "RMAs not received")
    with step(resolution):
        orders.action_process()
    if resolution == "refund":
        _check(len(orders.line_ids.refund_line_ids) == world.units, "refund lines")
    else:
        # One replacement delivery per RMA, from stock, a unit per line.
        out = orders.line_ids.move_ids.filtered(
            lambda m: m.location_dest_id.usage == "customer"
        )
        _check(len(out.picking_id) == len(orders), "one delivery per RMA expected")
        _check(sum(out.mapped("product_uom_qty")) == world.units, "replaced units")
    # Like core's reversal and OCA's refund, a draft credit note: the RMAs are done
    # once it is posted (a replacement: once it is delivered).
    _check(set(orders.mapped("state")) == {"in_progress"}, "RMAs not in progress")


def flow_rmaw_one(env, world, step):
    """rma_warranty: one RMA with one line per serial."""
    _rmaw_flow(env, world, step, per_rma=world.units)


def flow_rmaw_many(env, world, step):
    """rma_warranty: one RMA per serial."""
    _rmaw_flow(env, world, step, per_rma=1)


def flow_rmaw_one_replace(env, world, step):
    """rma_warranty: one RMA with one line per serial, each unit replaced."""
    _rmaw_flow(env, world, step, per_rma=world.units, resolution="replace")


def flow_rmaw_many_replace(env, world, step):
    """rma_warranty: one RMA per serial, replaced."""
    _rmaw_flow(env, world, step, per_rma=1, resolution="replace")


def _oca_flow(env, world, step, per_rma, resolution="refund"):
    operation = env.ref(f"rma.rma_operation_{resolution}")
    move = world.delivery_move
    uom = world.product.uom_id
    with step("create"):
        rmas = env["rma"].create(
            [
                {
                    "partner_id": world.partner.id,
                    "picking_id": world.delivery.id,
                    "move_id": move.id,
                    "product_id": world.product.id,
                    "product_uom_qty": per_rma,
                    "product_uom": uom.id,
                    "operation_id": operation.id,
                    # OCA's mails are sent from the responsible (no default).
                    "user_id": env.uid,
                }
                for _i in range(world.units // per_rma)
            ]
        )
    with step("receipt"):
        rmas.action_confirm()
    pickings = rmas.reception_move_id.picking_id
    _check(len(pickings.move_line_ids.lot_id) == world.units, "serials not prefilled")
    _validate(pickings, step)
    _check(set(rmas.mapped("state")) == {"received"}, "RMAs not received")
    if resolution == "replace":
        _oca_replace(env, world, step, rmas, per_rma)
        return
    with step("refund"):
        rmas.action_refund()
    _check(set(rmas.mapped("state")) == {"refunded"}, "RMAs not refunded")
    _check(sum(rmas.refund_line_id.mapped("quantity")) == world.units, "refund lines")


def _oca_replace(env, world, step, rmas, per_rma):
    # What the Replace button's wizard does (rma.action_replace opens it for one RMA;
    # the wizard itself takes several, as from the list): the same product, the
    # RMA's quantity, from the RMAs' warehouse.
    with step("replace"):
        wizard = (
            env["rma.delivery.wizard"]
            .with_context(
                active_model="rma",
                active_ids=rmas.ids,
                rma_delivery_type="replace",
            )
            .create(
                {
                    "type": "replace",
                    "product_id": world.product.id,
                    "product_uom_qty": per_rma,
                    "product_uom": world.product.uom_id.id,
                    "warehouse_id": rmas[0].warehouse_id.id,
                }
            )
        )
        wizard.action_deliver()
    _check(set(rmas.mapped("state")) == {"waiting_replacement"}, "RMAs not replacing")
    out = rmas.delivery_move_ids
    _check(sum(out.mapped("product_uom_qty")) == world.units, "replaced units")


def flow_oca_one(env, world, step):
    """OCA rma: one RMA for all the serials (OCA's RMA is one product, a quantity)."""
    _oca_flow(env, world, step, per_rma=world.units)


def flow_oca_many(env, world, step):
    """OCA rma: one RMA per serial."""
    _oca_flow(env, world, step, per_rma=1)


def flow_oca_one_replace(env, world, step):
    """OCA rma: one RMA for all the serials, replaced (OCA's replace wizard)."""
    _oca_flow(env, world, step, per_rma=world.units, resolution="replace")


def flow_oca_many_replace(env, world, step):
    """OCA rma: one RMA per serial, replaced."""
    _oca_flow(env, world, step, per_rma=1, resolution="replace")
