"""Portal lists at scale: My RMAs and My units of one distributor.

Run by ``./dev bench --suite portal``, in a scratch copy of the database
rma_warranty is installed in without demo data (dropped at the end):

1. For ONE distributor, ``--sizes`` RMAs (10,000 then 90,000 by default) are
   written with SQL (copies of one RMA of one unit made through the ORM): a third
   filed by the distributor itself, a third filed by it for customers of its own,
   a third filed by end users for units sold to it (found by the serial's buyer
   only); plus ``--noise`` times as many RMAs of other customers and distributors,
   so that the distributor's are a minority. Every RMA is followed by its
   customer, and the distributor follows those it sees (what a follower rule
   needs). The data is committed and analysed as in a real database.
2. As the distributor's portal user, pages are fetched through Odoo's own WSGI
   application, in this process, on one transaction that is rolled back (Odoo's
   test mode, as HttpCase does): My RMAs (first page, a middle page, a search, a
   sort) and My units (first and middle page). Each page: its queries and its server
   time (median and p95 of ``--rounds`` interleaved rounds, after a warm-up),
   under our record rules (explicit partner and distributor fields) and under the
   classic follower rule (``message_partner_ids child_of`` the user's entity, as
   Sale's portal does) written over ours inside the same rolled-back transaction.
3. The plan of the list's main query under both rules (EXPLAIN ANALYZE).

Targets (issue 12): at most 15 queries per page, and at most 1/3 of the time of
the follower-rule list on the same data.
"""

import argparse
import contextlib
import cProfile
import datetime
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path
from unittest.mock import patch

HERE = Path(__file__).resolve().parent
TARGET_QUERIES = 15
TARGET_RATIO = 1 / 3
LOGIN = "bench_portal_dist"
FOLLOWER_RMA_RULE = (
    "[('message_partner_ids', 'child_of', [user.commercial_partner_id.id])]"
)
FOLLOWER_LINE_RULE = (
    "[('order_id.message_partner_ids', 'child_of', [user.commercial_partner_id.id])]"
)
STATES = ("submitted", "approved", "received", "in_progress", "done", "rejected")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db", required=True, help="database with rma_warranty")
    parser.add_argument("--out", help="write the results as Markdown here")
    parser.add_argument(
        "--sizes",
        default="10000,90000",
        help="RMAs of the distributor, comma-separated, growing (10000,90000)",
    )
    parser.add_argument(
        "--noise", type=int, default=3, help="other RMAs per RMA of the distributor"
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a profile of the first page of My RMAs under our rule",
    )
    parser.add_argument(
        "--dump-html",
        metavar="DIR",
        help="write the HTML of every page (both rules) into DIR, to compare runs",
    )
    return parser.parse_args(argv)


def maintenance(odoo, db, statement):
    """Run a statement outside any transaction (CREATE DATABASE, VACUUM)."""
    with contextlib.closing(odoo.sql_db.db_connect(db).cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(statement)


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    )
    return [name for (name,) in cr.fetchall()]


def args_profile_dir():
    """Where the profile of the first page is written (``.run`` of the checkout)."""
    path = HERE.parent.parent / ".run"
    path.mkdir(exist_ok=True)
    return path


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


# ---- The world ----------------------------------------------------------------------


def make_world(env, odoo):
    """The distributor and its portal user, its customers and end users, other
    partners, a serial-tracked product under a policy, and one submitted RMA of
    one unit (with its coverage) whose rows are copied."""
    Partner = env["res.partner"]
    company = env.company
    dist = Partner.create({"name": "Bench Distributor AB", "is_company": True})
    user = env["res.users"].create(
        {
            "login": LOGIN,
            "password": LOGIN,
            "partner_id": dist.id,
            "groups_id": [odoo.Command.set([env.ref("base.group_portal").id])],
        }
    )
    customers = Partner.create(
        [{"name": f"Bench customer of the distributor {i}"} for i in range(50)]
    )
    end_users = Partner.create([{"name": f"Bench end user {i}"} for i in range(200)])
    others = Partner.create([{"name": f"Bench other customer {i}"} for i in range(400)])
    other_dists = Partner.create(
        [
            {"name": f"Bench other distributor {i}", "is_company": True}
            for i in range(20)
        ]
    )
    component = env["rma.warranty.component"].create({"name": "Bench LCD"})
    policy = env["rma.warranty.policy"].create(
        {
            "name": "Bench portal policy",
            "warranty_months": 36,
            "max_total_months": 60,
            "component_ids": [
                odoo.Command.create({"component_id": component.id, "months": 24})
            ],
        }
    )
    product = env["product.product"].create(
        {
            "name": "Bench Panel PC",
            "default_code": "BENCH-PPC",
            "is_storable": True,
            "tracking": "serial",
            "warranty_policy_id": policy.id,
        }
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    lot = env["stock.lot"].create(
        {"name": "BENCH-TEMPLATE", "product_id": product.id, "company_id": company.id}
    )
    # decision fields: set as a delivery to the distributor would set them.
    lot._write_decision({"warranty_sold_to_id": dist.id, "warranty_owner_id": dist.id})
    env["rma.warranty.coverage"].create(
        lot._warranty_period_vals(
            policy,
            datetime.date.today() - datetime.timedelta(days=200),
            {"origin": "delivery", "partner_id": dist.id},
        )
    )
    rma = env["rma.order"].create(
        {
            "partner_id": dist.id,
            "warehouse_id": warehouse.id,
            "channel": "portal",
            "line_ids": [
                odoo.Command.create(
                    {"product_id": product.id, "lot_id": lot.id, "quantity": 1}
                )
            ],
        }
    )
    rma.action_submit()
    env.flush_all()
    env.cr.execute(
        "INSERT INTO mail_followers (res_model, res_id, partner_id) "
        "VALUES ('rma.order', %s, %s) ON CONFLICT DO NOTHING",
        (rma.id, dist.id),
    )
    return {
        "dist": dist.id,
        "user": user.id,
        "customers": customers.ids,
        "end_users": end_users.ids,
        "others": others.ids,
        "other_dists": other_dists.ids,
        "lot": lot.id,
        "rma": rma.id,
        "line": rma.line_ids.id,
        "made": {"dist": 0, "noise": 0},
    }


def _next_ids(cr, table, count):
    """``count`` fresh ids of ``table``, consecutive (the sequence moved past)."""
    cr.execute(
        f"SELECT setval('{table}_id_seq', "
        f"GREATEST((SELECT max(id) FROM {table}), nextval('{table}_id_seq')) + %s)",
        (count,),
    )
    last = cr.fetchone()[0]
    return last - count


def _copy(cr, table, template_id, count, base, overrides, extra=""):
    """Insert ``count`` copies of row ``template_id`` of ``table`` with ids
    base+1..base+count; ``overrides``: {column: SQL expression of g (1..count)}."""
    cols = [c for c in columns(cr, table) if c != "id"]
    select = [overrides.get(c, f"t.{c}") for c in cols]
    cr.execute(
        f"""
        INSERT INTO {table} (id, {", ".join(cols)})
        SELECT %(base)s + g, {", ".join(select)}
          FROM {table} t, generate_series(1, %(count)s) g {extra}
         WHERE t.id = %(template)s
        """,
        {"base": base, "count": count, "template": template_id},
    )


def grow(env, world, dist_count, noise_count):
    """Add ``dist_count`` RMAs the distributor sees and ``noise_count`` it does
    not, each of one unit (a serial of its own, with its coverage), with their
    followers."""
    cr = env.cr
    total = dist_count + noise_count
    made = world["made"]
    lot_base = _next_ids(cr, "stock_lot", total)
    rma_base = _next_ids(cr, "rma_order", total)
    line_base = _next_ids(cr, "rma_order_line", total)
    seq = made["dist"] + made["noise"]
    dist = world["dist"]
    arr = {
        k: "ARRAY[%s]::int[]" % ",".join(map(str, world[k]))
        for k in ("customers", "end_users", "others", "other_dists")
    }

    def pick(name, expr):
        return f"({arr[name]})[1 + ({expr}) %% {len(world[name])}]"

    # g <= dist_count: the distributor's; kind = g % 3: 0 filed by the distributor,
    # 1 filed by it for a customer, 2 filed by an end user for a unit it sold.
    mine = f"g <= {dist_count}"
    kind = "(g %% 3)"
    customer = (
        f"CASE WHEN {mine} THEN CASE {kind} WHEN 0 THEN {dist} "
        f"WHEN 1 THEN {pick('customers', 'g / 3')} "
        f"ELSE {pick('end_users', 'g / 3')} END "
        f"ELSE CASE WHEN g %% 4 = 0 THEN {pick('other_dists', 'g')} "
        f"ELSE {pick('others', 'g')} END END"
    )
    distributor = (
        f"CASE WHEN {mine} THEN CASE WHEN {kind} = 1 THEN {dist} ELSE NULL END "
        f"ELSE CASE WHEN g %% 4 = 1 THEN {pick('other_dists', 'g / 4')} "
        "ELSE NULL END END"
    )
    sold_to = f"CASE WHEN {mine} THEN {dist} ELSE {pick('other_dists', 'g / 4')} END"
    _copy(
        cr,
        "stock_lot",
        world["lot"],
        total,
        lot_base,
        {
            "name": f"'BSN-' || lpad(({seq} + g)::text, 9, '0')",
            "warranty_sold_to_id": sold_to,
            # The distributor's stock (filed by itself) or its customer's unit.
            "warranty_owner_id": customer,
        },
    )
    cr.execute(
        "SELECT id FROM rma_warranty_coverage WHERE lot_id = %s", (world["lot"],)
    )
    for (coverage_id,) in cr.fetchall():
        base = _next_ids(cr, "rma_warranty_coverage", total)
        _copy(
            cr,
            "rma_warranty_coverage",
            coverage_id,
            total,
            base,
            {"lot_id": f"{lot_base} + g", "partner_id": sold_to},
        )
    minutes_before = f"t.create_date - make_interval(mins => ({seq} + g)::int)"
    _copy(
        cr,
        "rma_order",
        world["rma"],
        total,
        rma_base,
        {
            "name": f"'BRMA/' || lpad(({seq} + g)::text, 9, '0')",
            "partner_id": customer,
            "commercial_partner_id": customer,
            "distributor_id": distributor,
            "distributor_commercial_id": distributor,
            "state": "(ARRAY['{}'])[1 + (g * 7) %% {}]".format(
                "','".join(STATES), len(STATES)
            ),
            "create_date": minutes_before,
            "date_submitted": minutes_before,
            "access_token": "NULL",
            "portal_request_token": "NULL",
        },
    )
    _copy(
        cr,
        "rma_order_line",
        world["line"],
        total,
        line_base,
        {"order_id": f"{rma_base} + g", "lot_id": f"{lot_base} + g"},
    )
    # What the ORM's compute of rma.order.sold_by_commercial_id would store.
    cr.execute(
        """
        UPDATE rma_order o
           SET sold_by_commercial_id = p.commercial_partner_id
          FROM rma_order_line l
          JOIN stock_lot lot ON lot.id = l.lot_id
          JOIN res_partner p ON p.id = lot.warranty_sold_to_id
         WHERE l.order_id = o.id
           AND o.id > %(base)s AND o.id <= %(base)s + %(count)s
           AND p.is_company AND p.commercial_partner_id != o.commercial_partner_id
        """,
        {"base": rma_base, "count": total},
    )
    # Followers: every RMA's customer, and the distributor on those it sees.
    cr.execute(
        """
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'rma.order', id, partner_id FROM rma_order
         WHERE id > %(base)s AND id <= %(base)s + %(count)s
        UNION
        SELECT 'rma.order', id, %(dist)s FROM rma_order
         WHERE id > %(base)s AND id <= %(base)s + %(mine)s AND partner_id != %(dist)s
        """,
        {"base": rma_base, "count": total, "mine": dist_count, "dist": dist},
    )
    made["dist"] += dist_count
    made["noise"] += noise_count


# ---- Fetching pages -----------------------------------------------------------------


class Portal:
    """Pages fetched through Odoo's WSGI application as the portal user, on the
    registry's test cursor (one transaction, rolled back by the caller)."""

    def __init__(self, odoo, cr):
        from werkzeug.test import Client

        self.odoo, self.cr = odoo, cr
        # Logged in as a person is: the login form, its CSRF token, a session cookie.
        self.client = Client(odoo.http.root)
        page = self.client.get(
            "/web/login", environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.client.post(
            "/web/login",
            data={"login": LOGIN, "password": LOGIN, "csrf_token": csrf},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        if response.status_code not in (302, 303):
            raise SystemExit(f"error: the portal user could not log in: {response}")

    def get(self, path):
        """(status, text, queries, ms) of one request."""
        self.cr.flush()
        self.cr.clear()
        before = self.cr.sql_log_count
        started = time.perf_counter()
        response = self.client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        ms = (time.perf_counter() - started) * 1000
        text = response.get_data(as_text=True)
        if response.status_code != 200:
            text = f"{response.headers.get('Location')} {text[:300]}"
        return response.status_code, text, self.cr.sql_log_count - before, ms


def pages(dist_count):
    per_page = 80
    middle = max(1, (dist_count // per_page) // 2)
    return [
        ("rmas_first", "My RMAs, first page", "/my/rmas", "o_portal_rma_row"),
        (
            "rmas_middle",
            f"My RMAs, page {middle}",
            f"/my/rmas/page/{middle}",
            "o_portal_rma_row",
        ),
        (
            "rmas_search",
            "My RMAs, search a serial (all fields)",
            "/my/rmas?search=BSN-0000012&search_in=all",
            "o_portal_rma_row",
        ),
        (
            "rmas_sort",
            "My RMAs, sorted by reference, page 2",
            "/my/rmas/page/2?sortby=reference",
            "o_portal_rma_row",
        ),
        ("units_first", "My units, first page", "/my/units", "o_rma_unit_row"),
        (
            "units_middle",
            f"My units, page {middle}",
            f"/my/units/page/{middle}",
            "o_rma_unit_row",
        ),
    ]


@contextlib.contextmanager
def follower_rules(env):
    """The classic follower rule over ours (RMAs and their units), and the
    portal list's domain on followers too, as Sale's portal lists orders."""
    rule = env.ref("rma_warranty.rma_order_rule_portal")
    line_rule = env.ref("rma_warranty.rma_order_line_rule_portal")
    saved = rule.domain_force, line_rule.domain_force
    rule.domain_force = FOLLOWER_RMA_RULE
    line_rule.domain_force = FOLLOWER_LINE_RULE
    env.flush_all()
    Rma = type(env["rma.order"])

    def follower_domain(self, partner):
        return [("message_partner_ids", "child_of", [partner.commercial_partner_id.id])]

    try:
        with patch.object(Rma, "_get_portal_domain", follower_domain):
            yield
    finally:
        rule.domain_force, line_rule.domain_force = saved
        env.flush_all()


def measure(odoo, registry, world, dist_count, rounds, profile=False, dump=None):
    """{(page key, variant): {"queries", "samples", "rows"}} for both rules."""
    cr = registry.cursor()
    registry.enter_test_mode(cr)
    results = {}
    explains = {}
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        portal = Portal(odoo, cr)
        page_list = pages(dist_count)
        variants = ("ours", "followers")

        def run(variant, measured):
            for key, _label, path, row in page_list:
                if variant == "followers" and key.startswith("units"):
                    continue  # the units list has no follower variant
                status, text, queries, ms = portal.get(path)
                if status != 200:
                    raise SystemExit(
                        f"error: {path} answered {status} ({variant}): {text}"
                    )
                if measured:
                    entry = results.setdefault(
                        (key, variant), {"queries": [], "samples": [], "rows": None}
                    )
                    entry["queries"].append(queries)
                    entry["samples"].append(ms)
                    entry["rows"] = text.count(f'class="{row}')
                    if dump:
                        # Without the per-request tokens (CSRF, session info).
                        stable = re.sub(r'csrf_token[^,"]*[,"][^,"]*"[^"]*"', "", text)
                        Path(dump, f"{dist_count}-{key}-{variant}.html").write_text(
                            stable
                        )

        for round_no in range(rounds + 1):
            order = variants if round_no % 2 else tuple(reversed(variants))
            for variant in order:
                ctx = (
                    follower_rules(env)
                    if variant == "followers"
                    else (contextlib.nullcontext())
                )
                with ctx:
                    run(variant, measured=False)  # caches refilled after a switch
                    run(variant, measured=round_no > 0)
            print(f"[bench] {dist_count}: round {round_no} done", flush=True)
        if profile:
            portal.get("/my/rmas")  # warm: templates compiled, caches filled
            profiler = cProfile.Profile()
            profiler.enable()
            portal.get("/my/rmas")
            profiler.disable()
            profiler.dump_stats(str(Path(args_profile_dir(), "bench-portal.prof")))
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
        for variant in variants:
            ctx = (
                follower_rules(env)
                if variant == "followers"
                else (contextlib.nullcontext())
            )
            with ctx:
                explains[variant] = explain_list(env, world)
                for key, spec in list_specs(dist_count).items():
                    results[key, variant]["sql"] = list_sql_ms(env, world, *spec)
    finally:
        registry.leave_test_mode()
        cr.rollback()
        cr.close()
    return results, explains


def explain_list(env, world):
    """EXPLAIN ANALYZE of the first page's search of My RMAs as the user."""
    user = env["res.users"].browse(world["user"])
    Rma = env["rma.order"].with_user(user)
    env.invalidate_all()
    domain = Rma._get_portal_list_domain(user.partner_id)
    query = Rma._search(domain, order="create_date desc, id desc", limit=80)
    from odoo.tools import SQL

    env.cr.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) %s", query.select()))
    plan = env.cr.fetchone()[0][0]
    return plan["Planning Time"] + plan["Execution Time"], plan["Plan"]


def list_specs(dist_count):
    """{page key: (search, order, offset)} of the RMA pages, as the list route
    searches them."""
    middle = max(1, (dist_count // 80) // 2)
    return {
        "rmas_first": ("", "create_date desc, id desc", 0),
        "rmas_middle": ("", "create_date desc, id desc", (middle - 1) * 80),
        "rmas_search": ("BSN-0000012", "create_date desc, id desc", 0),
        "rmas_sort": ("", "name, id desc", 80),
    }


def list_sql_ms(env, world, search, order, offset):
    """Median planning + execution time (EXPLAIN ANALYZE, 3 runs) of the page's
    two list queries, its count and its page of RMAs, as the user."""
    from odoo.tools import SQL

    user = env["res.users"].browse(world["user"])
    Rma = env["rma.order"].with_user(user)
    samples = []
    for _run in range(3):
        env.invalidate_all()
        domain = Rma._get_portal_list_domain(user.partner_id, None, "all", search)
        total = 0.0
        for query in (
            SQL("SELECT count(*) FROM %s t", Rma._search(domain).subselect()),
            Rma._search(domain, order=order, limit=80, offset=offset).select(),
        ):
            env.cr.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) %s", query))
            plan = env.cr.fetchone()[0][0]
            total += plan["Planning Time"] + plan["Execution Time"]
        samples.append(total)
    return statistics.median(samples)


def plan_lines(node, depth=0):
    label = node["Node Type"]
    if node.get("Index Name"):
        label += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        label += f" on {node['Relation Name']}"
    lines = [
        (
            f"{'  ' * depth}{label} (rows {node.get('Actual Rows')}, "
            f"{node.get('Actual Total Time', 0):.1f} ms)"
        )
    ]
    for child in node.get("Plans", []):
        lines += plan_lines(child, depth + 1)
    return lines


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, str(HERE))
    from bench_rma import bootstrap

    odoo = bootstrap(args)
    sizes = [int(s) for s in args.sizes.split(",")]
    scale_db = f"{args.db}_portal"
    maintenance(odoo, "postgres", f'DROP DATABASE IF EXISTS "{scale_db}"')
    odoo.sql_db.close_db(args.db)
    maintenance(odoo, "postgres", f'CREATE DATABASE "{scale_db}" TEMPLATE "{args.db}"')
    random.seed(20261201)
    tables = []
    try:
        registry = odoo.modules.registry.Registry(scale_db)
        # Requests pick the database of their session among the configured ones.
        odoo.tools.config["db_name"] = scale_db
        with registry.cursor() as cr:
            env = odoo.api.Environment(
                cr, odoo.SUPERUSER_ID, {"tracking_disable": True}
            )
            world = make_world(env, odoo)
            cr.commit()
            for size in sizes:
                started = time.perf_counter()
                add = size - world["made"]["dist"]
                grow(env, world, add, add * args.noise)
                cr.commit()
                maintenance(
                    odoo,
                    scale_db,
                    "VACUUM ANALYZE stock_lot, rma_order, rma_order_line, "
                    "mail_followers, rma_warranty_coverage",
                )
                cr.execute("SELECT count(*) FROM rma_order")
                total = cr.fetchone()[0]
                print(
                    f"[bench] {size} RMAs of the distributor, {total} in all, "
                    f"written in {time.perf_counter() - started:.1f}s",
                    flush=True,
                )
                results, explains = measure(
                    odoo,
                    registry,
                    world,
                    size,
                    args.rounds,
                    args.profile,
                    args.dump_html,
                )
                tables.append((size, total, results, explains))
    finally:
        odoo.modules.registry.Registry.delete(scale_db)
        odoo.sql_db.close_db(scale_db)
        maintenance(odoo, "postgres", f'DROP DATABASE IF EXISTS "{scale_db}"')
    text = render(tables, args)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    missed = [line for line in text.splitlines() if "MISSED" in line]
    return 1 if missed else 0


def render(tables, args):
    lines = [
        f"# rma_warranty portal benchmark ({datetime.datetime.now():%Y-%m-%d %H:%M})",
        "",
        (
            "One distributor's portal user; pages fetched through Odoo's WSGI "
            "application in one rolled-back transaction (test mode), warm; "
            f"{args.rounds} interleaved rounds; {args.noise}x as many RMAs of others. "
            "Queries as Odoo's cursor counts them (`sql_log_count`). "
            "Follower rule: `message_partner_ids child_of user.commercial_partner_id` "
            "on the same records (the distributor follows what it sees)."
        ),
        "",
        (
            f"Targets: ≤ {TARGET_QUERIES} queries per page; ours ≤ 1/3 of the follower "
            "rule's time (ratio = p50 ours / p50 followers)."
        ),
        "",
    ]
    for size, total, results, explains in tables:
        lines += [
            f"## {size:,} RMAs of the distributor ({total:,} RMAs in all)",
            "",
            (
                "| page | rows | queries ours | p50 ms ours | p95 ms ours "
                "| queries followers | p50 ms followers | p95 ms followers "
                "| ratio | list SQL ms ours / followers (ratio) | target |"
            ),
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for key, label, _path, _row in pages(size):
            ours = results[key, "ours"]
            queries = max(ours["queries"])
            p50, p95 = statistics.median(ours["samples"]), pct(ours["samples"], 0.95)
            q_met = queries <= TARGET_QUERIES
            theirs = results.get((key, "followers"))
            if theirs:
                f50 = statistics.median(theirs["samples"])
                ratio = p50 / f50
                cells = (
                    f"{max(theirs['queries'])} | {f50:.1f} | "
                    f"{pct(theirs['samples'], 0.95):.1f} | {ratio:.2f}"
                )
                met = q_met and ratio <= TARGET_RATIO
                if theirs["rows"] != ours["rows"]:
                    cells += " (rows differ!)"
                sql_ours, sql_theirs = ours.get("sql"), theirs.get("sql")
                cells += (
                    f" | {sql_ours:.1f} / {sql_theirs:.1f} "
                    f"({sql_ours / sql_theirs:.2f})"
                    if sql_ours is not None
                    else " | -"
                )
            else:
                cells = "- | - | - | - | -"
                met = q_met
            lines.append(
                f"| {label} | {ours['rows']} | {queries} | {p50:.1f} | {p95:.1f} | "
                f"{cells} | {'met' if met else 'MISSED'} |"
            )
        lines.append("")
        for variant, (ms, plan) in explains.items():
            lines += [
                (
                    f"Plan of the first page's search under the {variant} rule "
                    f"({ms:.1f} ms planning + execution):"
                ),
                "",
                "```",
                *plan_lines(plan),
                "```",
                "",
            ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
