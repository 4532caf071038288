"""The portal users of the load run (``./dev bench --suite load``, and its smoke in
``./dev test``), written into a database that holds rma_warranty.

Run with the virtualenv's Python, inside Odoo (its registry, in this process)::

    python tests/bench/load_world.py --config .run/odoo.conf --db DB \
        --users 50 --out .run/load-users.json

Each user is a portal login with a commercial partner of its own (every fifth one
a distributor: a company marked ``rma_reseller``), to which serial units of one
serial-tracked product under a warranty policy were really sold and delivered
(sale orders confirmed, deliveries validated with their serials: the coverage
comes from Odoo's own delivery, as in production), and which has RMAs already
submitted on some of them. Everything is written in batches (one ``create`` per
model, one confirmation and one validation for all orders); the users share one
password, hashed once.

Idempotent: users already there (same prefix) are kept; the file written
(``--out``) names the logins, the password, the serials each user may file a
request for, and serials known to the public check.
"""

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSWORD = "load-portal-pw"
UNITS_PER_USER = 4
RMAS_PER_USER = 2
DISTRIBUTOR_EVERY = 5
PRODUCT_CODE = "LOAD-NAS"

# System parameters the load run sets for itself (rma_warranty reads them; the
# defaults are in parentheses): 50 users come from one address, 127.0.0.1, so the
# per-address limit of the public check (30 a minute) would refuse them as one
# visitor; each user files more requests in a minute than a person does in an
# hour (10). The limits of code redemption (10 an hour per user, 30 an hour per
# address) are constants of the addon, not parameters: they stay as they are, and
# the locustfile counts their answer (HTTP 429 and its message) as the expected
# outcome of guessing, apart from the errors.
LOAD_PARAMS = {
    "rma_warranty.warranty_check_rate_limit": "1000000",
    "rma_warranty.portal_requests_per_hour": "1000000",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", help="overrides the configuration's")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--prefix", default="load_user_")
    parser.add_argument("--out", required=True, help="users file for the locustfile")
    parser.add_argument(
        "--no-params",
        action="store_true",
        help=f"leave the system parameters as they are (not {sorted(LOAD_PARAMS)})",
    )
    return parser.parse_args(argv)


def bootstrap(args):
    import odoo  # the venv's .pth makes the Odoo checkout importable
    from odoo.tools import config

    options = ["-c", args.config, "--log-level", "warn"]
    if args.addons_path:
        options += ["--addons-path", args.addons_path]
    config.parse_config(options, setup_logging=True)
    odoo.service.server.load_server_wide_modules()
    return odoo


def _product(env, Command):
    Product = env["product.product"]
    product = Product.search([("default_code", "=", PRODUCT_CODE)], limit=1)
    if product:
        return product
    component = env["rma.warranty.component"].create({"name": "Load test mainboard"})
    policy = env["rma.warranty.policy"].create(
        {
            "name": "Load test NAS policy",
            "warranty_months": 24,
            "max_total_months": 60,
            "component_ids": [
                Command.create({"component_id": component.id, "months": 12})
            ],
        }
    )
    return Product.create(
        {
            "name": "Load test NAS",
            "default_code": PRODUCT_CODE,
            "is_storable": True,
            "tracking": "serial",
            "list_price": 400.0,
            "warranty_policy_id": policy.id,
        }
    )


def _sell_and_deliver(env, Command, product, partners_lots):
    """One sale order per partner of ``partners_lots`` ([(partner, lots)]),
    confirmed, delivered with those serials and validated, all in batches."""
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    stock = warehouse.lot_stock_id
    Quant = env["stock.quant"].with_context(inventory_mode=True)
    for _partner, lots in partners_lots:
        for lot in lots:
            Quant._update_available_quantity(product, stock, 1.0, lot_id=lot)
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "warehouse_id": warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": len(lots)}
                    )
                ],
            }
            for partner, lots in partners_lots
        ]
    )
    orders.action_confirm()
    line_vals = []
    for order, (_partner, lots) in zip(orders, partners_lots, strict=True):
        move = order.picking_ids.move_ids
        move.move_line_ids.unlink()
        line_vals += [
            dict(
                move._prepare_move_line_vals(quantity=1.0),
                lot_id=lot.id,
                location_id=stock.id,
            )
            for lot in lots
        ]
    env["stock.move.line"].create(line_vals)
    pickings = orders.picking_ids
    pickings.move_ids.picked = True
    pickings._action_done()
    return orders


def build(env, odoo, count, prefix):
    """Create the users of ``prefix`` up to ``count``; return the users file's
    content for all of them."""
    Command = odoo.Command
    Users = env["res.users"].with_context(no_reset_password=True)
    existing = Users.search([("login", "=like", f"{prefix}%")])
    product = _product(env, Command)
    todo = [
        i for i in range(count) if f"{prefix}{i:02d}" not in existing.mapped("login")
    ]
    if todo:
        partners = env["res.partner"].create(
            [
                {
                    "name": (
                        f"Load distributor {i:02d} Ltd"
                        if i % DISTRIBUTOR_EVERY == 0
                        else f"Load customer {i:02d}"
                    ),
                    "is_company": i % DISTRIBUTOR_EVERY == 0,
                    "rma_reseller": i % DISTRIBUTOR_EVERY == 0,
                    "email": f"{prefix}{i:02d}@load.example.com",
                }
                for i in todo
            ]
        )
        users = Users.create(
            [
                {
                    "login": f"{prefix}{i:02d}",
                    "partner_id": partner.id,
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                }
                for i, partner in zip(todo, partners, strict=True)
            ]
        )
        # One hash for all (Odoo's own context: hashing is what is slow here).
        digest = Users._crypt_context().hash(PASSWORD)
        env.cr.execute(
            "UPDATE res_users SET password = %s WHERE id = ANY(%s)",
            (digest, users.ids),
        )
        lots = env["stock.lot"].create(
            [
                {
                    "name": f"{prefix.upper()}{i:02d}-{n}",
                    "product_id": product.id,
                    "company_id": env.company.id,
                }
                for i in todo
                for n in range(UNITS_PER_USER)
            ]
        )
        per_partner = [
            (partner, lots[k * UNITS_PER_USER : (k + 1) * UNITS_PER_USER])
            for k, partner in enumerate(partners)
        ]
        _sell_and_deliver(env, Command, product, per_partner)
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        rmas = env["rma.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "channel": "portal",
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "lot_id": lot.id,
                                "quantity": 1,
                                "fault_description": "Does not boot (load data)",
                            }
                        )
                    ],
                }
                for partner, unit_lots in per_partner
                for lot in unit_lots[:RMAS_PER_USER]
            ]
        )
        rmas.action_submit()
        env.flush_all()
    users = Users.search([("login", "=like", f"{prefix}%")], order="login")
    lots = env["stock.lot"].search(
        [("product_id", "=", product.id), ("name", "=like", f"{prefix.upper()}%")]
    )
    # A user's serials are named after its login (see above).
    serials = {}
    for name in lots.mapped("name"):
        serials.setdefault(name.rpartition("-")[0].lower(), []).append(name)
    return {
        "password": PASSWORD,
        "users": [
            {
                "login": user.login,
                "serials": sorted(serials.get(user.login.lower(), [])),
                "distributor": user.partner_id.rma_reseller,
            }
            for user in users[:count]
        ],
        "known_serials": sorted(lots.mapped("name")),
    }


def set_params(env):
    """LOAD_PARAMS into the database; returns their values before."""
    Params = env["ir.config_parameter"]
    before = {key: Params.get_param(key) for key in LOAD_PARAMS}
    for key, value in LOAD_PARAMS.items():
        Params.set_param(key, value)
    return before


def main(argv=None):
    args = parse_args(argv)
    odoo = bootstrap(args)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr,
            odoo.SUPERUSER_ID,
            {"tracking_disable": True, "mail_notify_force_send": False},
        )
        world = build(env, odoo, args.users, args.prefix)
        if not args.no_params:
            set_params(env)
        cr.commit()
    missing = [user["login"] for user in world["users"] if not user["serials"]]
    if len(world["users"]) < args.users or missing:
        print(f"load world incomplete: {missing or 'users missing'}", file=sys.stderr)
        return 1
    Path(args.out).write_text(json.dumps(world, indent=1))
    print(
        f"[load] {len(world['users'])} portal users in {args.db} "
        f"({sum(u['distributor'] for u in world['users'])} distributors), "
        f"{len(world['known_serials'])} units: {args.out}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
