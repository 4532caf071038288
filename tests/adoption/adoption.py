"""Adoption checks of rma_warranty in scratch databases: upgrade and uninstall.

Run by ``./dev test`` (``run_adoption`` in tools/dev.py, which makes the
databases and runs Odoo's install, upgrade and uninstall around these steps);
pytest does not collect it. Each step is one command run inside Odoo:

- ``flows``: more records through the addon's flows, as a company using it
  makes them (sold, delivered, invoiced and paid units; RMAs refunded, replaced
  and repaired on a confirmed and invoiced repair quote; a code redeemed; an
  extension sold), committed. The same code runs on the previous release
  (``git archive`` of it) and on the working tree.
- ``snapshot --scope addon``: every row of the addon's tables and of its
  many2many tables, and our columns on core tables (ids and values), as JSON;
  ``--scope core``: every row of core's stock, sales and accounting tables.
- ``uninstall``: ``button_immediate_uninstall`` of rma_warranty, as the Apps
  menu does it.
- ``compare BEFORE AFTER --scope addon|core``: what differs (needs no Odoo);
  exits 1 listing the differences.
"""

import argparse
import datetime
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADDON = "rma_warranty"

# Core tables an uninstall must leave as they were: stock, sales, accounting.
CORE_TABLES = (
    "stock_lot",
    "stock_picking",
    "stock_move",
    "stock_move_line",
    "stock_quant",
    "sale_order",
    "sale_order_line",
    "account_move",
    "account_move_line",
    "account_payment",
)
# What a migration script of the working tree says it changes:
# {table: {column, ...}} (18.0.1.0.0 -> 18.0.1.1.0 needed none). 18.0.1.2.0 (issue
# 17, teams): the company's RMA alias moves to its default team, whose alias it
# becomes (the same mail.alias record, so the same address); the company's column
# is dropped. ``alias_handover`` checks that every alias did move.
MIGRATION_CHANGES = {"res_company": {"rma_alias_id"}}
# Most differences listed in a failure.
SHOWN = 40


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("flows", "snapshot", "uninstall", "compare"))
    parser.add_argument("files", nargs="*", help="compare: BEFORE AFTER")
    parser.add_argument("--odoo-src")
    parser.add_argument("--config")
    parser.add_argument("--addons-path")
    parser.add_argument("--db")
    parser.add_argument("--scope", choices=("addon", "core"), default="addon")
    parser.add_argument("--out", help="snapshot: write it here")
    return parser.parse_args(argv)


def bootstrap(args):
    sys.path.insert(0, str(HERE.parent / "bench"))
    from bench_rma import bootstrap as bench_bootstrap  # wkhtmltopdf stubbed

    return bench_bootstrap(args)


# ---- Flows ---------------------------------------------------------------------------


class World:
    """The flows of a company using the addon, on the demo products."""

    def __init__(self, env):
        from odoo import Command

        self.Command = Command
        self.env = env
        self.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        self.stock = self.warehouse.lot_stock_id
        self.partner = env["res.partner"].create(
            {
                "name": "Adoption Customer",
                "email": "adoption@example.com",
                "tz": "Europe/Brussels",
            }
        )

    def ref(self, xmlid):
        return self.env.ref(f"{ADDON}.{xmlid}")

    def lots(self, product, names):
        return self.env["stock.lot"].create(
            [{"name": name, "product_id": product.id} for name in names]
        )

    def put_in_stock(self, product, lots=None, qty=0.0):
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        for lot in lots or ():
            Quant._update_available_quantity(product, self.stock, 1.0, lot_id=lot)
        if qty:
            Quant._update_available_quantity(product, self.stock, qty)

    def validate(self, pickings):
        for picking in pickings:
            picking.move_ids.picked = True
            res = picking.button_validate()
            if isinstance(res, dict) and res.get("res_model"):
                wizard = (
                    self.env[res["res_model"]].with_context(**res["context"]).create({})
                )
                wizard.process()

    def pay(self, invoices):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({})._create_payments()

    def sell(self, product, lots, when=None):
        """Sold, delivered (these serials), invoiced and paid; ``when``: that day."""
        from freezegun import freeze_time

        with freeze_time(when or datetime.datetime.now()):
            self.put_in_stock(product, lots=lots)
            order = self.env["sale.order"].create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [
                        self.Command.create(
                            {"product_id": product.id, "product_uom_qty": len(lots)}
                        )
                    ],
                }
            )
            order.action_confirm()
            move = order.picking_ids.move_ids
            move.move_line_ids.unlink()
            self.env["stock.move.line"].create(
                [
                    dict(
                        move._prepare_move_line_vals(quantity=1.0),
                        lot_id=lot.id,
                        location_id=self.stock.id,
                    )
                    for lot in lots
                ]
            )
            move.picked = True
            order.picking_ids._action_done()
            invoice = order._create_invoices()
            invoice.action_post()
            self.pay(invoice)
        return order

    def rma(self, product, lot, resolution):
        """An RMA of ``lot`` approved and received."""
        rma = self.env["rma.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.warehouse.id,
                "line_ids": [
                    self.Command.create(
                        {
                            "product_id": product.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "resolution": resolution,
                        }
                    )
                ],
            }
        )
        rma.action_submit()
        rma.action_approve()
        self.validate(
            rma.picking_ids.filtered(
                lambda p: (
                    p.picking_type_id == self.warehouse.rma_in_type_id
                    and p.state not in ("done", "cancel")
                )
            )
        )
        return rma

    def deliveries(self, rma):
        return rma.picking_ids.filtered(
            lambda p: (
                p.picking_type_id == self.warehouse.rma_out_type_id
                and p.state not in ("done", "cancel")
            )
        )

    def run(self):
        nas = self.ref("demo_product_nas")
        panel = self.ref("demo_product_panel_pc")
        lots = self.lots(nas, [f"ADOPT-NAS-{n}" for n in range(1, 5)])
        self.sell(nas, lots)
        # Refunded: the credit note posted and paid back.
        refunded = self.rma(nas, lots[0], "refund")
        refunded.action_process()
        refunded.refund_ids.action_post()
        self.pay(refunded.refund_ids)
        # Replaced by a unit from stock.
        spare = self.lots(nas, ["ADOPT-NAS-SPARE"])
        self.put_in_stock(nas, lots=spare)
        replaced = self.rma(nas, lots[1], "replace")
        replaced.action_process()
        self.validate(self.deliveries(replaced))
        # Repaired out of warranty on a quote, confirmed, invoiced and paid.
        old = self.lots(panel, ["ADOPT-PANEL-OLD"])
        self.sell(panel, old, when=datetime.datetime.now() - datetime.timedelta(1500))
        self.put_in_stock(self.ref("demo_product_lcd_module"), qty=5)
        repaired = self.rma(panel, old, "repair")
        line = repaired.line_ids
        line.write(
            {
                "damage_level_id": self.ref("damage_level_moderate").id,
                "damage_class": "defect",
                "diagnosis": "LCD module dead.",
            }
        )
        line.action_rma_quote()
        line.quote_id.action_confirm()
        line.action_rma_repair_start()
        line.action_rma_repair_end()
        line._rma_qc("pass", "Burn-in OK")
        repaired.action_process()
        self.validate(self.deliveries(repaired))
        repaired.action_invoice_repairs()
        invoices = line.quote_id.invoice_ids
        invoices.filtered(lambda m: m.state == "draft").action_post()
        self.pay(invoices)
        # A code redeemed and an extension sold, invoiced and paid.
        code = self.env["rma.warranty.code"]._generate(1, vals={"months": 6})
        self.env["rma.warranty.code"]._redeem(code.code, lots[2], self.partner)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    self.Command.create(
                        {
                            "product_id": self.ref("demo_product_extension_nas_1y").id,
                            "product_uom_qty": 1,
                            "warranty_lot_id": lots[3].id,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.pay(invoice)
        # A quote left open.
        self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    self.Command.create(
                        {
                            "product_id": self.ref("demo_product_extension_nas_3y").id,
                            "warranty_lot_id": lots[2].id,
                        }
                    )
                ],
            }
        )
        return {
            "rmas": (refunded | replaced | repaired).mapped("name"),
            "credit_notes": refunded.refund_ids.mapped("name"),
            "repair_quote": line.quote_id.name,
            "extension_sale": order.name,
        }


def step_flows(odoo, args):
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"}
        )
        made = World(env).run()
        cr.commit()
    print(json.dumps(made))


# ---- Snapshots -----------------------------------------------------------------------


def addon_tables(cr):
    """{table: columns or None (all)} the addon owns: the tables of its models
    and of its many2many fields, and its columns on core tables."""
    cr.execute(
        """
        SELECT m.model, m.transient
          FROM ir_model m
          JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
         WHERE d.module = %(addon)s
           AND NOT EXISTS (SELECT 1 FROM ir_model_data o
                            WHERE o.model = 'ir.model' AND o.res_id = m.id
                              AND o.module != %(addon)s)
        """,
        {"addon": ADDON},
    )
    rows = cr.fetchall()
    ours = {model for model, transient in rows if not transient}
    tables = {model.replace(".", "_"): None for model in ours}
    # Wizards' rows are transient: the autovacuum deletes them.
    cr.execute("SELECT model FROM ir_model WHERE transient")
    wizards = {model for (model,) in cr.fetchall()}
    cr.execute(
        "SELECT r.name FROM ir_model_relation r "
        "JOIN ir_module_module m ON m.id = r.module "
        "JOIN ir_model model ON model.id = r.model "
        "WHERE m.name = %s AND NOT model.transient",
        [ADDON],
    )
    tables.update({name: None for (name,) in cr.fetchall()})
    cr.execute(
        """
        SELECT f.model, f.name
          FROM ir_model_fields f
          JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
         WHERE d.module = %s AND f.store AND f.ttype NOT IN ('one2many', 'many2many')
        """,
        [ADDON],
    )
    for model, name in cr.fetchall():
        if model not in ours and model not in wizards:
            tables.setdefault(model.replace(".", "_"), set()).add(name)
    # Only real tables (SQL views of reports are rebuilt, not kept).
    cr.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
        "AND table_name = ANY(%s)",
        [list(tables)],
    )
    real = {name for (name,) in cr.fetchall()}
    return {table: cols for table, cols in tables.items() if table in real}


def table_rows(cr, table, columns=None):
    """(columns, {key: [values]}) of every row of ``table``; key: its id, else
    (many2many tables) the whole row."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY column_name",
        [table],
    )
    existing = [name for (name,) in cr.fetchall()]
    keyed = "id" in existing
    names = [
        c for c in existing if columns is None or c in columns or c == "id"
    ] or existing
    quoted = ", ".join(f'"{c}"' for c in names)
    cr.execute(f'SELECT {quoted} FROM "{table}"')
    rows = {}
    for row in cr.fetchall():
        values = [json.loads(json.dumps(v, default=str)) for v in row]
        key = str(row[names.index("id")]) if keyed else json.dumps(values)
        rows[key] = values
    return names, rows


def our_data_records(cr):
    """{table: {id}} of the records the addon's data files define (an xml id of
    the addon, not noupdate): an upgrade may change or remove them."""
    cr.execute(
        "SELECT model, res_id FROM ir_model_data WHERE module = %s AND NOT noupdate",
        [ADDON],
    )
    found = {}
    for model, res_id in cr.fetchall():
        found.setdefault(model.replace(".", "_"), set()).add(str(res_id))
    return {table: sorted(ids) for table, ids in found.items()}


def xmlid_records(cr):
    """{table: {id: xml id}} of records with an xml id of the addon (its data and
    demo records, which an uninstall deletes where it can)."""
    cr.execute(
        "SELECT model, res_id, name FROM ir_model_data WHERE module = %s", [ADDON]
    )
    found = {}
    for model, res_id, name in cr.fetchall():
        found.setdefault(model.replace(".", "_"), {})[str(res_id)] = name
    return found


def step_snapshot(odoo, args):
    with odoo.sql_db.db_connect(args.db).cursor() as cr:
        if args.scope == "addon":
            tables = addon_tables(cr)
        else:
            tables = dict.fromkeys(CORE_TABLES)
        snapshot = {"tables": {}, "data": our_data_records(cr)}
        snapshot["xmlids"] = xmlid_records(cr)
        for table, columns in sorted(tables.items()):
            names, rows = table_rows(cr, table, columns)
            snapshot["tables"][table] = {"columns": names, "rows": rows}
    Path(args.out).write_text(json.dumps(snapshot, sort_keys=True))
    counts = {t: len(v["rows"]) for t, v in snapshot["tables"].items()}
    print(
        f"snapshot ({args.scope}): {sum(counts.values())} rows in {len(counts)} tables"
    )


# ---- Uninstall -----------------------------------------------------------------------


def step_uninstall(odoo, args):
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        module = env["ir.module.module"].search([("name", "=", ADDON)])
        module.button_immediate_uninstall()
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [ADDON])
        state = cr.fetchone()[0]
    print(f"{ADDON}: {state}")
    if state != "uninstalled":
        sys.exit(f"error: {ADDON} is {state} after the uninstall")


# ---- Compare -------------------------------------------------------------------------


def compare(before, after, scope):
    """Differences (lines) between two snapshots, and notes (lines)."""
    problems, notes = [], []
    skipped = {t: set(ids) for t, ids in before.get("data", {}).items()}
    ours_before = before.get("xmlids", {})
    for table, old in sorted(before["tables"].items()):
        new = after["tables"].get(table)
        if new is None:
            problems.append(f"{table}: the table is gone")
            continue
        changes = MIGRATION_CHANGES.get(table, set()) if scope == "addon" else set()
        dropped = [c for c in old["columns"] if c not in new["columns"]]
        if scope == "addon":
            problems += [
                f"{table}.{c}: the column is gone" for c in dropped if c not in changes
            ]
        shared = [c for c in old["columns"] if c in new["columns"] and c not in changes]
        old_at = [old["columns"].index(c) for c in shared]
        new_at = [new["columns"].index(c) for c in shared]
        gone, deleted_ours = [], []
        for key, values in old["rows"].items():
            if scope == "addon" and key in skipped.get(table, ()):
                continue  # defined by the addon's data files: theirs to change
            row = new["rows"].get(key)
            if row is None:
                if scope == "core" and key in ours_before.get(table, {}):
                    deleted_ours.append(key)
                else:
                    gone.append(key)
                continue
            for column, i, j in zip(shared, old_at, new_at, strict=True):
                if values[i] != row[j]:
                    problems.append(
                        f"{table} id {key}: {column} {values[i]!r} -> {row[j]!r}"
                    )
        if gone:
            problems.append(
                f"{table}: {len(gone)} records gone (ids {', '.join(gone[:10])})"
            )
        if deleted_ours:
            names = [ours_before[table][key] for key in deleted_ours[:5]]
            notes.append(
                f"{table}: {len(deleted_ours)} records of the addon's own data/demo "
                f"removed with it ({', '.join(names)})"
            )
        notes.append(f"{table}: {len(old['rows'])} rows compared")
    if scope == "addon":
        problems += alias_handover(before, after)
    return problems, notes


def alias_handover(before, after):
    """Differences of the 18.0.1.2.0 migration (teams, issue 17): the RMA alias of
    each company before must be the alias of a team of that company after."""
    old = before["tables"].get("res_company")
    if not old or "rma_alias_id" not in old["columns"]:
        return []
    teams = after["tables"].get("rma_team")
    if not teams:
        return ["rma_team: no teams took over the companies' RMA aliases"]
    alias_at = old["columns"].index("rma_alias_id")
    team_alias_at = teams["columns"].index("alias_id")
    team_company_at = teams["columns"].index("company_id")
    owners = {
        row[team_alias_at]: row[team_company_at] for row in teams["rows"].values()
    }
    return [
        f"res_company id {key}: its RMA alias {values[alias_at]!r} is no team's "
        "of the company"
        for key, values in old["rows"].items()
        if values[alias_at] and str(owners.get(values[alias_at])) != str(key)
    ]


def step_compare(args):
    before, after = (json.loads(Path(f).read_text()) for f in args.files)
    problems, notes = compare(before, after, args.scope)
    rows = sum(len(t["rows"]) for t in before["tables"].values())
    print(
        f"compare ({args.scope}): {rows} rows in {len(before['tables'])} tables; "
        f"{len(problems)} differences"
    )
    for note in notes:
        if "removed" in note:
            print(f"  note: {note}")
    for problem in problems[:SHOWN]:
        print(f"  DIFFERS: {problem}")
    if len(problems) > SHOWN:
        print(f"  ... and {len(problems) - SHOWN} more")
    return 1 if problems else 0


def main(argv=None):
    args = parse_args(argv)
    if args.step == "compare":
        return step_compare(args)
    odoo = bootstrap(args)
    {"flows": step_flows, "snapshot": step_snapshot, "uninstall": step_uninstall}[
        args.step
    ](odoo, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
