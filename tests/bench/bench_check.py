"""Scale-out: the public warranty check at 1M serials, direct, through pgbouncer and
on a streaming replica, in one interleaved run (issue 16).

Run by ``./dev bench --suite scaleout``:

1. A database ``<db>_check`` (kept; ``--reset`` remakes it) copied from the
   benchmark's database: ``--serials`` serials with their coverage, made with the
   functions of bench_warranty.py (``--deliveries`` of them really delivered and
   backfilled), a portal user owning the delivered ones, the check's rate limit
   lifted (one client address sends every request).
2. A streaming replica of the primary (``pg_basebackup -R``) and pgbouncer in
   transaction pooling (tools/scaleout.py), then three Odoo servers, each
   ``--workers 2`` with memory and time limits: **direct** (primary),
   **pgbouncer** (every connection through it) and **replica**
   (``--db_replica_host/--db_replica_port``).
3. Where the readonly routes ran: per server in turn, ``--attribution`` checks,
   with the statistics of both clusters and of pgbouncer before and after
   (scans of the serial index, transactions, pg_stat_statements on the replica).
4. Timing: ``--requests`` random serials, each asked of the three servers in a
   shuffled order, on keep-alive connections: client time on the loopback and the
   server's own time per request (Odoo's request log: SQL time + the rest),
   p50/p95 per server.
5. A portal user logs in and files an RMA request (a write) through each server,
   the pgbouncer one included: exactly one RMA each.
6. LISTEN/NOTIFY through pgbouncer: lost on a transaction-pooled database, kept
   on ``postgres`` (session-pooled, where Odoo's bus and cron listen).

Results: ``--json`` and ``--out`` (Markdown, with the machine).
"""

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import random
import re
import select
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(HERE))

import scaleout

PORTAL_LOGIN = "bench-check-portal"
PORTAL_PASSWORD = "bench-check-portal"
# Marks a prepared database: the number of serials it holds.
READY_PARAM = "rma_warranty.bench_check_serials"
INDEX = "stock_lot_rma_warranty_name_index"
LABELS = ("direct", "pgbouncer", "replica")
RAISED_LIMITS = (
    "rma_warranty.warranty_check_rate_limit",
    "rma_warranty.portal_requests_per_hour",
)
# Odoo's request log: "GET /path HTTP/1.1" status - queries sql_time other_time.
LOG_LINE = re.compile(
    r'"GET (?P<path>\S+) HTTP/1\.[01]" (?P<status>\d+) - (?P<queries>\d+) '
    r"(?P<sql>[\d.]+) (?P<other>[\d.]+)(?: (?P<mode>ro->rw|ro|rw))?"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db", required=True, help="database with rma_warranty")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument("--db-user", required=True)
    parser.add_argument("--db-password", default="")
    parser.add_argument("--serials", type=int, default=1_000_000)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--attribution", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument(
        "--db-filter",
        action="store_true",
        help="run the servers with --db-filter (a connection to postgres per request)",
    )
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--out", help="write the results as Markdown here")
    return parser.parse_args(argv)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


# ---- 1. The database -----------------------------------------------------------------


def prepare_db(args, params, check_db):
    """``check_db`` with ``--serials`` covered serials; reused when it has them."""
    if not args.reset:
        with contextlib.suppress(scaleout.ScaleoutError):
            rows = scaleout.sql(
                params,
                f"SELECT value FROM ir_config_parameter WHERE key = '{READY_PARAM}'",
                dbname=check_db,
            )
            if rows and int(rows[0][0]) >= args.serials:
                print(f"[bench] reusing {check_db} ({rows[0][0]} serials)", flush=True)
                return
    from bench_rma import bootstrap
    from bench_warranty import (
        add_covered_serials,
        copy_deliveries,
        maintenance,
        make_world,
    )

    odoo = bootstrap(args)
    started = time.perf_counter()
    maintenance(odoo, "postgres", f'DROP DATABASE IF EXISTS "{check_db}" WITH (FORCE)')
    odoo.sql_db.close_db(args.db)
    maintenance(odoo, "postgres", f'CREATE DATABASE "{check_db}" TEMPLATE "{args.db}"')
    registry = odoo.modules.registry.Registry(check_db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        product, move, _lot = make_world(env)
        env.flush_all()
        lot_ids = copy_deliveries(env, product, move, args.deliveries, "BF")
        env["stock.lot"].invalidate_model()
        env["stock.lot"]._warranty_backfill()
        env.flush_all()
        more = max(args.serials - args.deliveries - 1, 0)
        add_covered_serials(env, product, more, lot_ids[0])
        customer = move.picking_id.partner_id
        env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": customer.name,
                "login": PORTAL_LOGIN,
                "password": PORTAL_PASSWORD,
                "partner_id": customer.id,
                "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
            }
        )
        # sudo: the benchmark's set-up marks the database as prepared.
        env["ir.config_parameter"].sudo().set_param(READY_PARAM, args.serials)
    registry.delete(check_db)
    odoo.sql_db.close_all()
    maintenance_sql(params, check_db, "VACUUM ANALYZE")
    print(
        f"[bench] {check_db}: {args.serials} serials in "
        f"{time.perf_counter() - started:.0f}s",
        flush=True,
    )


def maintenance_sql(params, dbname, statement):
    scaleout.sql(params, statement, dbname=dbname)


def sample_serials(params, check_db, count):
    rows = scaleout.sql(
        params,
        "SELECT name FROM stock_lot TABLESAMPLE SYSTEM (2) "
        f"WHERE name LIKE 'LK%' OR name LIKE 'BF%' LIMIT {count * 4}",
        dbname=check_db,
    )
    names = [name for (name,) in rows]
    random.shuffle(names)
    return names[:count]


# ---- 2. The servers ------------------------------------------------------------------


class Server:
    """An Odoo multi-worker server on ``check_db`` with ``db_args``."""

    def __init__(self, args, label, check_db, db_args):
        self.label = label
        self.port = free_port()
        self.log = ROOT / ".run" / f"bench-scaleout-{label}.log"
        self.log.unlink(missing_ok=True)
        cmd = [sys.executable, str(Path(args.odoo_src) / "odoo-bin")]
        cmd += ["-c", args.config, "--addons-path", args.addons_path]
        # No --db-filter unless asked: with one, Odoo lists the databases on every
        # request through a connection to "postgres" that it never pools.
        cmd += ["-d", check_db, "--no-database-list"]
        if args.db_filter:
            cmd += ["--db-filter", f"^{check_db}$"]
        cmd += ["--workers", str(args.workers), "--max-cron-threads", "0"]
        cmd += ["--limit-memory-soft", str(2 * 1024**3)]
        cmd += ["--limit-memory-hard", str(3 * 1024**3)]
        cmd += ["--limit-time-cpu", "60", "--limit-time-real", "120"]
        cmd += ["--http-port", str(self.port), "--gevent-port", str(free_port())]
        cmd += ["--log-level", "info", "--logfile", str(self.log), *db_args]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, cwd=ROOT)
        self.conn = None

    def wait(self, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"error: the {self.label} server exited: {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _body, _h = self.get("/web/login")
                if status == 200:
                    return
            time.sleep(1)
        raise SystemExit(f"error: the {self.label} server did not answer: {self.log}")

    def get(self, path, headers=None):
        """GET on a kept-alive connection (opened again when the server closed
        it); (status, body, headers)."""
        return self.request("GET", path, headers=headers)

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=60
                )
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, data, resp
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return None

    def stop(self):
        if self.conn:
            self.conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT: Odoo's graceful shutdown
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def server_times(self):
        """{request path: (queries, sql ms, other ms, cursor mode)} of Odoo's
        request log (the mode, ro, rw or ro->rw, when a replica is set)."""
        times = {}
        for line in self.log.read_text(errors="replace").splitlines():
            match = LOG_LINE.search(line)
            if match:
                times[match["path"]] = (
                    int(match["queries"]),
                    float(match["sql"]) * 1000,
                    float(match["other"]) * 1000,
                    match["mode"] or "",
                )
        return times


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- 3. Where the readonly routes ran ------------------------------------------------


def db_stats(params, check_db, port):
    """Scans of the serial index and transactions of ``check_db`` on the
    cluster at ``port``."""
    rows = scaleout.sql(
        params,
        "SELECT (SELECT idx_scan FROM pg_stat_user_indexes "
        f"WHERE indexrelname = '{INDEX}'), "
        "(SELECT xact_commit + xact_rollback FROM pg_stat_database "
        "WHERE datname = current_database())",
        port=port,
        dbname=check_db,
    )
    return {"index_scans": int(rows[0][0] or 0), "transactions": int(rows[0][1])}


def lookup_calls(params, check_db, port):
    """Calls of the lookup's query in pg_stat_statements on the replica (None
    when the extension is not there)."""
    try:
        rows = scaleout.sql(
            params,
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
            "WHERE query LIKE '%FROM stock_lot lot%' "
            "AND query LIKE '%LEFT JOIN LATERAL%'",
            port=port,
            dbname=check_db,
        )
    except scaleout.ScaleoutError:
        return None
    return int(rows[0][0])


def bouncer_xacts(params, host, port, check_db):
    rows = scaleout.pgbouncer_sql(params, host, port, "SHOW STATS")
    return sum(int(r["total_xact_count"]) for r in rows if r["database"] == check_db)


def snapshot(params, check_db, replica_port, bouncer):
    return {
        "primary": db_stats(params, check_db, params["port"]),
        "replica": db_stats(params, check_db, replica_port),
        "replica_lookup_calls": lookup_calls(params, check_db, replica_port),
        "pgbouncer_transactions": bouncer_xacts(params, *bouncer, check_db),
    }


def delta(after, before):
    if isinstance(after, dict):
        return {k: delta(after[k], before[k]) for k in after}
    return None if after is None or before is None else after - before


def check_path(serial, tag):
    return "/warranty/check?" + urllib.parse.urlencode({"serial": serial, "r": tag})


def attribution(params, check_db, replica_port, bouncer, servers, serials, count):
    """Per server in turn: ``count`` checks, and what each cluster counted."""
    result = {}
    for server in servers:
        before = snapshot(params, check_db, replica_port, bouncer)
        for i, serial in enumerate(serials[:count]):
            status, _body, _resp = server.get(check_path(serial, f"a-{i}"))
            if status != 200:
                raise SystemExit(f"error: {server.label}: check answered {status}")
        # Backends report their statistics when idle, at most every 10 s.
        time.sleep(12)
        after = snapshot(params, check_db, replica_port, bouncer)
        result[server.label] = delta(after, before)
        print(f"[bench] {server.label}: {result[server.label]}", flush=True)
    return result


# ---- 4. Timing -----------------------------------------------------------------------


def timing(servers, serials):
    """Each serial asked of every server, in a shuffled order; client ms and
    the server's own ms per request."""
    client = {s.label: [] for s in servers}
    paths = {s.label: [] for s in servers}
    statuses = {s.label: {} for s in servers}
    warm = serials[:20]
    for i, serial in enumerate(warm):  # warm-up: workers, caches, pages
        for server in servers:
            server.get(check_path(serial, f"w-{i}"))
    for i, serial in enumerate(serials):
        order = list(servers)
        random.shuffle(order)
        for server in order:
            path = check_path(serial, f"t-{i}")
            started = time.perf_counter()
            status, _body, _resp = server.get(path)
            client[server.label].append((time.perf_counter() - started) * 1000)
            paths[server.label].append(path)
            statuses[server.label][status] = statuses[server.label].get(status, 0) + 1
    time.sleep(1)  # the last log lines
    result = {}
    for server in servers:
        logged = server.server_times()
        own = [logged[p] for p in paths[server.label] if p in logged]
        total = [sql_ms + other for _q, sql_ms, other, _m in own]
        modes = {}
        for *_rest, mode in own:
            modes[mode or "-"] = modes.get(mode or "-", 0) + 1
        result[server.label] = {
            "requests": len(client[server.label]),
            "statuses": statuses[server.label],
            "client_p50_ms": statistics.median(client[server.label]),
            "client_p95_ms": pct(client[server.label], 0.95),
            "server_logged": len(own),
            "server_p50_ms": statistics.median(total) if total else None,
            "server_p95_ms": pct(total, 0.95) if total else None,
            "sql_p50_ms": statistics.median(s for _q, s, _o, _m in own)
            if own
            else None,
            "queries_p50": statistics.median(q for q, _s, _o, _m in own)
            if own
            else None,
            "cursor_modes": modes,
        }
    return result


# ---- 5. A portal write ---------------------------------------------------------------


def field(html, name):
    match = re.search(rf'name="{name}"\s+value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"\s+name="{name}"', html
    )
    return match[1] if match else ""


def portal_write(params, check_db, server, serial):
    """Log in as the portal user and file one RMA request for ``serial``;
    {"status", "created"}."""
    count_sql = (
        "SELECT count(*) FROM rma_order o JOIN res_users u ON u.partner_id = "
        f"o.partner_id WHERE u.login = '{PORTAL_LOGIN}'"
    )
    before = int(scaleout.sql(params, count_sql, dbname=check_db)[0][0])
    server.conn = None  # a fresh connection: its own session cookie
    _status, body, resp = server.get("/web/login")
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    form = {
        "csrf_token": field(body.decode(), "csrf_token"),
        "login": PORTAL_LOGIN,
        "password": PORTAL_PASSWORD,
        "redirect": "/my",
    }
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    status, _body, resp = server.request(
        "POST", "/web/login", urllib.parse.urlencode(form), headers
    )
    cookie = (resp.getheader("Set-Cookie") or cookie).split(";")[0]
    headers["Cookie"] = cookie
    status, body, _resp = server.get("/my/rmas/new", headers={"Cookie": cookie})
    html = body.decode()
    form = {
        "csrf_token": field(html, "csrf_token"),
        "request_token": field(html, "request_token"),
        "unit-0-serial": serial,
        "unit-0-fault_description": f"Does not boot ({server.label})",
    }
    status, body, resp = server.request(
        "POST", "/my/rmas/new", urllib.parse.urlencode(form), headers
    )
    after = int(scaleout.sql(params, count_sql, dbname=check_db)[0][0])
    result = {
        "status": status,
        "location": resp.getheader("Location"),
        "created": after - before,
    }
    if status >= 400:
        result["error"] = re.sub(r"\s+", " ", body.decode(errors="replace"))[-300:]
    print(f"[bench] portal request through {server.label}: {result}", flush=True)
    return result


# ---- 6. LISTEN/NOTIFY through pgbouncer ----------------------------------------------


def notify_through(params, bouncer, dbname):
    """Does a LISTEN through pgbouncer on ``dbname`` hear a NOTIFY sent
    directly to the primary?"""
    import psycopg2

    auth = {"user": params["user"], "password": params["password"] or None}
    listener = psycopg2.connect(host=bouncer[0], port=bouncer[1], dbname=dbname, **auth)
    sender = psycopg2.connect(
        host=params["host"], port=params["port"], dbname=dbname, **auth
    )
    try:
        listener.autocommit = sender.autocommit = True
        listener.cursor().execute("LISTEN rmaw_scaleout")
        sender.cursor().execute("NOTIFY rmaw_scaleout, 'hello'")
        heard = False
        deadline = time.time() + 2
        while time.time() < deadline and not heard:
            if select.select([listener], [], [], 0.5)[0]:
                listener.poll()
            heard = bool(listener.notifies)
        return heard
    finally:
        listener.close()
        sender.close()


# ---- Report --------------------------------------------------------------------------


def machine(params):
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    pg = scaleout.sql(params, "SHOW server_version")[0][0]
    bouncer = subprocess.run(
        [scaleout.ensure_pgbouncer(), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "load_average": os.getloadavg(),
        "os": platform.platform(),
        "postgresql": pg,
        "pgbouncer": bouncer[0] if bouncer else "?",
        "python": platform.python_version(),
    }


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def overhead_lines(res):
    """Where the replica's and pgbouncer's time goes, against direct: the p50s of
    SQL and of the rest, the transactions per check on each cluster."""
    lines = []
    base = res["timing"]["direct"]
    count = res["attribution_requests"]
    direct = res["attribution"]["direct"]
    for label in ("pgbouncer", "replica"):
        t, a = res["timing"][label], res["attribution"][label]
        if t["server_p50_ms"] is None or base["server_p50_ms"] is None:
            continue
        other = (t["server_p50_ms"] - t["sql_p50_ms"]) - (
            base["server_p50_ms"] - base["sql_p50_ms"]
        )
        lines.append(
            f"- {label} against direct: server p50 "
            f"{t['server_p50_ms'] - base['server_p50_ms']:+.1f} ms (SQL "
            f"{t['sql_p50_ms'] - base['sql_p50_ms']:+.1f} ms, the rest {other:+.1f} "
            f"ms), {t['queries_p50']:.0f} queries either way; per check "
            f"{a['primary']['transactions'] / count:.1f} transactions on the primary "
            f"and {a['replica']['transactions'] / count:.1f} on the replica (direct: "
            f"{direct['primary']['transactions'] / count:.1f} and "
            f"{direct['replica']['transactions'] / count:.1f}; the statistics' own "
            "queries included)."
        )
    return lines


def markdown(res):
    m = res["machine"]
    load = ", ".join(f"{x:.1f}" for x in m["load_average"])
    lines = [
        f"# Scale-out: public warranty check ({res['date']})",
        "",
        (
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB, "
            f"load average at start {load}; "
            f"{m['os']}; PostgreSQL {m['postgresql']}, {m['pgbouncer']}. Odoo 18 "
            f"`--workers {res['workers']}`, memory/time limits set, no cron workers, "
            f"{'with' if res['db_filter'] else 'no'} `--db-filter`; "
            f"{res['serials']:,} serials with coverage in `{res['db']}`."
        ),
        "",
        f"## `/warranty/check` page, {res['requests']} random serials, interleaved",
        "",
        (
            "Client: loopback, keep-alive connection, one request at a time; server: "
            "Odoo's request log (SQL time + the rest)."
        ),
        "",
        (
            "| Odoo database access | client p50 ms | client p95 ms | server p50 ms "
            "| server p95 ms | SQL p50 ms | queries | statuses | cursor (Odoo log) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for label in LABELS:
        t = res["timing"][label]
        lines.append(
            f"| {label} | {fmt(t['client_p50_ms'])} | {fmt(t['client_p95_ms'])} | "
            f"{fmt(t['server_p50_ms'])} | {fmt(t['server_p95_ms'])} | "
            f"{fmt(t['sql_p50_ms'], 2)} | {fmt(t['queries_p50'], 0)} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(t['statuses'].items()))} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(t['cursor_modes'].items()))} |"
        )
    lines += ["", *overhead_lines(res)]
    lines += [
        "",
        f"## Where the checks ran: {res['attribution_requests']} checks per server",
        "",
        (
            "Deltas of the statistics of each cluster over the checks of one server "
            f"(scans of `{INDEX}`, the serial lookup's index; transactions of the "
            "database; the lookup's query in the replica's pg_stat_statements; "
            "pgbouncer's transactions)."
        ),
        "",
        (
            "| server | primary: index scans | primary: transactions | replica: index "
            "scans | replica: transactions | replica: lookup queries | pgbouncer: "
            "transactions |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in LABELS:
        a = res["attribution"][label]
        lines.append(
            f"| {label} | {a['primary']['index_scans']} | "
            f"{a['primary']['transactions']} | {a['replica']['index_scans']} | "
            f"{a['replica']['transactions']} | "
            f"{'-' if a['replica_lookup_calls'] is None else a['replica_lookup_calls']}"
            f" | {a['pgbouncer_transactions']} |"
        )
    lines += [
        "",
        (
            "The replica server still opens a read-write transaction on the primary "
            "per request: Odoo reads its registry signalling there "
            "(`_open_registry`) and the check's rate limit counts on its own "
            "short read-write cursor."
        ),
        "",
        "## A portal write through each server",
        "",
        "| server | POST /my/rmas/new | RMAs created |",
        "|---|---:|---:|",
    ]
    for label in LABELS:
        w = res["portal_write"][label]
        lines.append(f"| {label} | {w['status']} | {w['created']} |")
    n = res["notify"]
    lines += [
        "",
        "## LISTEN/NOTIFY through pgbouncer",
        "",
        f"- on `{res['db']}` (transaction pooling): heard = {n['transaction']}",
        (
            f"- on `postgres` (session pooling, where Odoo's bus and cron LISTEN): "
            f"heard = {n['session']}"
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    params = {
        "host": args.db_host,
        "port": args.db_port,
        "user": args.db_user,
        "password": args.db_password,
    }
    check_db = f"{args.db}_check"
    random.seed(20261201)
    mach = machine(params)
    prepare_db(args, params, check_db)
    # Every request comes from 127.0.0.1 and one portal user files 3 requests a
    # run: lift both limits (system parameters) before the servers start.
    for key in RAISED_LIMITS:
        scaleout.sql(
            params,
            "INSERT INTO ir_config_parameter (key, value, create_uid, create_date, "
            f"write_uid, write_date) VALUES ('{key}', '1000000000', 1, now(), 1, "
            "now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            dbname=check_db,
        )
    with contextlib.suppress(scaleout.ScaleoutError):
        # The replica's pg_stat_statements shows the lookup's query (root only).
        scaleout.superuser_sql(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", dbname=check_db
        )
    serials = sample_serials(params, check_db, args.requests + args.attribution + 20)
    servers = []
    with (
        scaleout.replica(params) as (replica_host, replica_port),
        scaleout.pgbouncer(params, params["host"], params["port"]) as bouncer,
    ):
        scaleout.wait_caught_up(params, replica_host, replica_port)
        db_args = scaleout.odoo_db_args(params, (replica_host, replica_port), bouncer)
        try:
            servers = [
                Server(args, label, check_db, db_args[label]) for label in LABELS
            ]
            for server in servers:
                server.wait()
            print("[bench] three servers up", flush=True)
            attributed = attribution(
                params,
                check_db,
                replica_port,
                bouncer,
                servers,
                serials[-args.attribution :],
                args.attribution,
            )
            timed = timing(servers, serials[: args.requests])
            delivered = scaleout.sql(
                params,
                "SELECT name FROM stock_lot WHERE name LIKE 'BF%' ORDER BY id LIMIT 3",
                dbname=check_db,
            )
            writes = {
                server.label: portal_write(params, check_db, server, serial)
                for server, (serial,) in zip(servers, delivered, strict=True)
            }
            notify = {
                "transaction": notify_through(params, bouncer, check_db),
                "session": notify_through(params, bouncer, "postgres"),
            }
        finally:
            for server in servers:
                server.stop()
    res = {
        "date": f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
        "machine": mach,
        "db": check_db,
        "serials": args.serials,
        "workers": args.workers,
        "db_filter": args.db_filter,
        "requests": args.requests,
        "attribution_requests": args.attribution,
        "attribution": attributed,
        "timing": timed,
        "portal_write": writes,
        "notify": notify,
        "db_args": db_args,
    }
    text = markdown(res)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str))
    if args.out:
        Path(args.out).write_text(text)
    failed = [
        label
        for label in LABELS
        if res["portal_write"][label]["created"] != 1
        or set(res["timing"][label]["statuses"]) != {200}
    ]
    replica_ran = (
        attributed["replica"]["replica"]["index_scans"] >= args.attribution
        and attributed["replica"]["primary"]["index_scans"] == 0
    )
    if failed or not replica_ran:
        print(
            f"error: failed: {failed or 'none'}; checks on the replica: {replica_ran}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
