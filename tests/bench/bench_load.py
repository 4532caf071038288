"""Portal and public pages under load: Odoo in multi-worker mode, driven by locust.

Run by ``./dev bench --suite load`` (with the virtualenv's Python; it does not import
Odoo itself):

1. The load world (``load_world.py``: 50 portal users with delivered units and
   RMAs, the run's rate-limit parameters) is written once into ``--base-db``, a
   database with rma_warranty and its demo data; every run works on a fresh copy of
   it, ``--db`` (``CREATE DATABASE ... TEMPLATE`` and its filestore), kept after
   the run for inspection.
2. ``run_load()`` starts Odoo on that copy with ``--workers`` and memory and time
   limits on free loopback ports (HTTP and gevent), with its mail going to an
   SMTP sink of this process; warms every worker up, runs ``locust --headless``
   (``--users``, ``--spawn-rate``, ``--duration``) against it, and stops it.
   Extra Odoo options and another database host and port (a replica, pgbouncer)
   are its arguments, so that the same run can be repeated through them.
3. Exactly once: the RMAs created during the run, per user (read in the database),
   must be the ones locust saw filed (the RMA each submission was redirected to),
   none more, none less.

Results: ``.run/bench-load.json`` and ``.run/bench-load.md``: p50/p95/max and
count per page (locust's response times, on the client), failures per page, the
server's own time and queries per page (its request log), code guessing outcomes,
the machine (cores, memory, load, Python, PostgreSQL). Exit status: 1 on any
error (a failed request, an ERROR in the server log, a submission not filed exactly
once), and, with ``--targets``, when a page's p95 is 300 ms or more.
"""

import argparse
import concurrent.futures
import configparser
import contextlib
import http.cookiejar
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import scaleout
from scaleout import ScaleoutError

TARGET_P95_MS = 300.0
# Pages of the run (locust's names) and how their URL looks in the server's log.
PAGES = [
    ("My RMAs", r"GET /my/rmas "),
    ("RMA page", r"GET /my/rmas/\d+ "),
    ("My units", r"GET /my/units "),
    ("Unit page", r"GET /my/units/\d+ "),
    ("Check a known serial", r"GET /warranty/check\?serial=(?!NOPE-)"),
    ("Check an unknown serial", r"GET /warranty/check\?serial=NOPE-"),
    ("New request form", r"GET /my/rmas/new "),
    ("New request with a photo", r"POST /my/rmas/new "),
    ("Guess a code", r"POST /my/units/\d+/redeem "),
    ("login form", r"GET /web/login "),
    ("login", r"POST /web/login "),
]
# Odoo's request log: '"GET /path HTTP/1.1" 200 - <queries> <sql s> <other s> [mode]'.
REQUEST_LOG = re.compile(
    r'werkzeug: \S+ - - \[[^\]]+\] "(?P<request>[A-Z]+ \S+) HTTP/[\d.]+" '
    r"(?P<status>\d{3}) \S+ (?P<queries>\d+) (?P<sql>[\d.]+) (?P<other>[\d.]+)"
    r"(?: (?P<mode>\S+))?"
)
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
IDLE_TIMEOUT = "Request timed out: TimeoutError"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--base-db", required=True, help="rma_warranty + demo data")
    parser.add_argument("--db", required=True, help="the run's copy of --base-db")
    parser.add_argument("--locust", required=True, help="locust executable")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out-dir", default=str(ROOT / ".run"))
    parser.add_argument("--name", default="bench-load", help="results file names")
    parser.add_argument(
        "--targets",
        action="store_true",
        help=f"also fail when a page's p95 is {TARGET_P95_MS:.0f} ms or more",
    )
    parser.add_argument(
        "--odoo-arg",
        action="append",
        default=[],
        help="one more Odoo option for the server (repeat it)",
    )
    parser.add_argument("--db-host", help="database host of the server")
    parser.add_argument("--db-port", help="database port of the server")
    parser.add_argument(
        "--ways",
        default="direct",
        help="the runs, one after the other, comma-separated: direct, pgbouncer "
        "(a transaction-pooling pgbouncer in front of the primary), replica (Odoo "
        "with --db_replica_host on a streaming replica): tools/scaleout.py starts "
        "them for the run and stops them after (direct)",
    )
    return parser.parse_args(argv)


# ---- Database -----------------------------------------------------------------------


def db_options(config):
    parser = configparser.ConfigParser()
    parser.read(config)
    opts = parser["options"]

    def get(key):
        value = opts.get(key, "False")
        return None if value in ("False", "") else value

    return {
        "host": get("db_host"),
        "port": get("db_port"),
        "user": get("db_user"),
        "password": get("db_password"),
    }


def connect(config, db, host=None, port=None):
    import psycopg2  # the virtualenv's (Odoo's requirement)

    params = {k: v for k, v in db_options(config).items() if v}
    if host:
        params["host"] = host
    if port:
        params["port"] = port
    cnx = psycopg2.connect(dbname=db, **params)
    cnx.autocommit = True
    return cnx


def query(config, db, sql, args=None):
    with contextlib.closing(connect(config, db)) as cnx, cnx.cursor() as cr:
        cr.execute(sql, args)
        return cr.fetchall() if cr.description else []


def copy_db(config, source, target):
    """``target`` as a fresh copy of ``source``, its filestore too."""
    query(config, "postgres", f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    query(config, "postgres", f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    filestore = Path.home() / ".local" / "share" / "Odoo" / "filestore"
    shutil.rmtree(filestore / target, ignore_errors=True)
    if (filestore / source).is_dir():
        shutil.copytree(filestore / source, filestore / target)


# ---- Servers ------------------------------------------------------------------------


class _SmtpSink(socketserver.StreamRequestHandler):
    """Enough SMTP for Odoo to hand its mails over (and for them to count as sent)."""

    def handle(self):
        self.wfile.write(b"220 load-sink ESMTP\r\n")
        in_data = False
        for line in self.rfile:
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    self.server.mails += 1
                    self.wfile.write(b"250 OK\r\n")
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 load-sink\r\n")
            elif verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSink)
        self.mails = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def close(self):
        self.shutdown()
        self.server_close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, proc, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=5) as resp,
        ):
            if resp.status == 200:
                return True
        time.sleep(1)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def odoo_server_cmd(
    settings, db, port, gevent_port, smtp_port, odoo_args, host, dbport
):
    """The multi-worker server of the run: ``settings.workers`` HTTP workers, no
    cron worker (the run measures requests), memory and time limits set."""
    cmd = [sys.executable, str(Path(settings.odoo_src) / "odoo-bin")]
    cmd += ["-c", settings.config, "-d", db, "--db-filter", f"^{re.escape(db)}$"]
    cmd += ["--http-interface", "127.0.0.1", "--http-port", str(port)]
    cmd += ["--gevent-port", str(gevent_port), "--workers", str(settings.workers)]
    cmd += ["--max-cron-threads", "0"]
    cmd += ["--limit-memory-soft", str(1024 * 1024 * 1024)]
    cmd += ["--limit-memory-hard", str(1536 * 1024 * 1024)]
    cmd += ["--limit-time-cpu", "60", "--limit-time-real", "120"]
    cmd += ["--smtp", "127.0.0.1", "--smtp-port", str(smtp_port)]
    cmd += ["--log-level", "info"]
    if host:
        cmd += ["--db_host", host]
    if dbport:
        cmd += ["--db_port", str(dbport)]
    return [*cmd, *odoo_args]


def warm_up(base_url, db, world, rounds):
    """Every page once per round, as one user and as the public, so that each
    worker has loaded its registry and compiled its templates before the run
    (a server in production is warm)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    account = world["users"][0]
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "db": db,
                "login": account["login"],
                "password": world["password"],
            },
        }
    ).encode()
    request = urllib.request.Request(
        base_url + "/web/session/authenticate",
        body,
        {"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=120) as resp:
        resp.read()
    serial = world["known_serials"][0]
    for _ in range(rounds):
        for path in (
            "/my/rmas",
            "/my/units",
            "/my/rmas/new",
            f"/warranty/check?serial={serial}",
            "/warranty/check?serial=NOPE-WARMUP",
        ):
            with opener.open(base_url + path, timeout=120) as resp:
                page = resp.read().decode()
            if path == "/my/units":
                ids = re.findall(r'href="/my/units/(\d+)"', page)
                with opener.open(f"{base_url}/my/units/{ids[0]}", timeout=120) as r:
                    r.read()
            if path == "/my/rmas":
                ids = re.findall(r'href="/my/rmas/(\d+)[?"]', page)
                with opener.open(f"{base_url}/my/rmas/{ids[0]}", timeout=120) as r:
                    r.read()


def log_in(base_url, world, concurrency):
    """Every user logged in through Odoo's login form before the run, ``concurrency``
    at a time: ``(users with their session_id, login times in ms)``. A session
    lasts a week: the people browsing the portal mostly are logged in already,
    and a login (a password hash, Odoo's pbkdf2) costs the server more than any
    page of the run."""

    def one(account):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
        )
        with opener.open(base_url + "/web/login", timeout=300) as resp:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode())
        body = urllib.parse.urlencode(
            {
                "csrf_token": csrf.group(1),
                "login": account["login"],
                "password": world["password"],
                "redirect": "/my",
            }
        ).encode()
        started = time.perf_counter()
        try:
            opener.open(base_url + "/web/login", body, timeout=300).close()
            status = 200
        except urllib.error.HTTPError as redirect:
            status = redirect.code
        elapsed = (time.perf_counter() - started) * 1000
        session = next((c.value for c in jar if c.name == "session_id"), None)
        if status != 303 or not session:
            raise RuntimeError(f"{account['login']} could not log in (HTTP {status})")
        return dict(account, session_id=session), elapsed

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(one, world["users"]))
    return [user for user, _ms in done], [ms for _user, ms in done]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# ---- CPU accounting (Linux /proc): where the machine's time went ---------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid):
    """(parent pid, CPU seconds) of process ``pid``, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def server_cpu(master_pid):
    """CPU seconds of the Odoo master and its workers so far ({pid: seconds})."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and (int(entry.name) == master_pid or stat[0] == master_pid):
                found[int(entry.name)] = stat[1]
    return found


def postgres_cpu(config, db):
    """CPU seconds so far of the PostgreSQL backends serving ``db`` (same machine)."""
    pids = query(
        config,
        db,
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
        "pg_backend_pid()",
        (db,),
    )
    return {pid: stat[1] for (pid,) in pids if (stat := _proc_stat(pid))}


def machine_cpu():
    """Busy CPU seconds of the whole machine so far (/proc/stat)."""
    with contextlib.suppress(OSError):
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ticks = [int(x) for x in first]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        return (sum(ticks[:8]) - idle) / TICK
    return 0.0


def cpu_delta(before, after):
    """Seconds used between two snapshots ({pid: seconds}); a process born in
    between counts whole."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def run_load(settings, odoo_args, label, db_host=None, db_port=None):
    """One load run on ``settings.db``: Odoo (``odoo_args`` appended to its
    options; database at ``db_host``:``db_port`` when given), locust, the
    exactly-once check. Returns the run's results (see ``summarise``)."""
    out_dir = Path(settings.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-") or "run"
    log = out_dir / f"{settings.name}-{tag}-server.log"
    world = json.loads(Path(settings.users_file).read_text())
    logins = [u["login"] for u in world["users"]]
    last_rma = query(
        settings.config, settings.db, "SELECT coalesce(max(id), 0) FROM rma_order"
    )[0][0]
    port, gevent_port = free_port(), free_port()
    sink = SmtpSink()
    base_url = f"http://127.0.0.1:{port}"
    cmd = odoo_server_cmd(
        settings, settings.db, port, gevent_port, sink.port, odoo_args, db_host, db_port
    )
    print(
        f"[load] {label}: Odoo on {base_url} ({settings.workers} workers), log {log}",
        flush=True,
    )
    machine_before = os.getloadavg()
    with log.open("w") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    locust_out = out_dir / f"{settings.name}-{tag}-locust.json"
    locust_out.unlink(missing_ok=True)
    try:
        if not wait_http(base_url + "/web/login", server):
            raise RuntimeError(f"Odoo did not start: see {log}")
        warm_up(base_url, settings.db, world, rounds=2 * settings.workers)
        users, login_ms = log_in(base_url, world, settings.workers)
        sessions = out_dir / f"{settings.name}-{tag}-sessions.json"
        sessions.write_text(json.dumps(dict(world, users=users)))
        # Only what the run itself logs is read from the server's log.
        log_offset = log.stat().st_size
        env = dict(
            os.environ,
            RMAW_LOAD_USERS=str(sessions),
            RMAW_LOAD_OUT=str(locust_out),
        )
        cmd = [settings.locust, "-f", str(HERE / "locustfile.py"), "--headless"]
        cmd += ["-u", str(settings.users), "-r", str(settings.spawn_rate)]
        cmd += [
            "-t",
            f"{settings.duration}s",
            "--host",
            base_url,
            "--stop-timeout",
            "30",
        ]
        cmd += ["--csv", str(out_dir / f"{settings.name}-{tag}"), "--only-summary"]
        cmd += ["--loglevel", "WARNING", "--exit-code-on-error", "0"]
        cpu_before = (
            server_cpu(server.pid),
            postgres_cpu(settings.config, settings.db),
            machine_cpu(),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        started = time.time()
        proc = subprocess.run(cmd, env=env, check=False, cwd=HERE)
        elapsed = time.time() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {
            "odoo_s": cpu_delta(cpu_before[0], server_cpu(server.pid)),
            "postgresql_s": cpu_delta(
                cpu_before[1], postgres_cpu(settings.config, settings.db)
            ),
            "machine_s": machine_cpu() - cpu_before[2],
            "locust_s": (children.ru_utime + children.ru_stime)
            - (cpu_before[3].ru_utime + cpu_before[3].ru_stime),
            "capacity_s": elapsed * (os.cpu_count() or 1),
        }
        if proc.returncode or not locust_out.exists():
            raise RuntimeError(f"locust failed (exit {proc.returncode})")
    finally:
        stop(server)
        sink.close()
    machine_after = os.getloadavg()
    with log.open() as handle:
        handle.seek(log_offset)
        server_log = handle.read()
    run = json.loads(locust_out.read_text())
    rows = filed_rmas(settings.config, settings.db, last_rma, logins)
    return summarise(
        settings,
        label,
        run,
        rows,
        server_log,
        sink.mails,
        elapsed,
        (machine_before, machine_after),
        login_ms,
        cpu,
    )


# ---- Results ------------------------------------------------------------------------


def pct(values, q):
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


def filed_rmas(config, db, last_rma, logins):
    """``[(login, RMA id, request token)]``: the RMAs created after ``last_rma`` by
    the users of ``logins`` (the portal creates them as its user)."""
    return query(
        config,
        db,
        """
        SELECT u.login, r.id, r.portal_request_token
          FROM rma_order r JOIN res_users u ON u.id = r.create_uid
         WHERE r.id > %s AND u.login = ANY(%s)
        """,
        (last_rma, logins),
    )


def exactly_once(run, rows):
    """Compare the RMAs filed per login in the database with the submissions
    locust saw succeed: ``(ok, details)``."""
    in_db = {}
    for login, rma_id, _token in rows:
        in_db.setdefault(login, set()).add(rma_id)
    seen = {login: ids for login, ids in run["submissions"].items()}
    problems = []
    for login in sorted(set(in_db) | set(seen)):
        db_ids, ok_ids = in_db.get(login, set()), seen.get(login, [])
        if len(ok_ids) != len(set(ok_ids)) or db_ids != set(ok_ids):
            problems.append(
                f"{login}: {len(ok_ids)} submissions seen, {len(db_ids)} RMAs created"
                f" (only in the database: {sorted(db_ids - set(ok_ids))}; only seen: "
                f"{sorted(set(ok_ids) - db_ids)})"
            )
    tokens = [token for _login, _id, token in rows]
    if len(set(tokens)) != len(tokens) or None in tokens:
        problems.append("an RMA of the run has no request token or shares it")
    return not problems, {
        "submissions_seen": sum(len(ids) for ids in seen.values()),
        "rmas_created": len(rows),
        "users_filing": len(seen),
        "problems": problems,
    }


def server_pages(server_log):
    """Per page: the server's time (ms) and queries of each request it logged."""
    pages = {name: {"ms": [], "queries": [], "modes": {}} for name, _r in PAGES}
    patterns = [(name, re.compile(pattern)) for name, pattern in PAGES]
    for match in REQUEST_LOG.finditer(server_log):
        request = match["request"] + " "
        for name, pattern in patterns:
            if pattern.match(request):
                page = pages[name]
                page["ms"].append((float(match["sql"]) + float(match["other"])) * 1000)
                page["queries"].append(int(match["queries"]))
                if match["mode"]:
                    page["modes"][match["mode"]] = (
                        page["modes"].get(match["mode"], 0) + 1
                    )
                break
    return pages


def machine(settings):
    meminfo = Path("/proc/meminfo")
    mem = None
    if meminfo.exists():
        first = meminfo.read_text().split("\n", 1)[0]
        mem = f"{int(first.split()[1]) / 1024 / 1024:.1f} GiB"
    try:
        pg = query(settings.config, settings.db, "SHOW server_version")[0][0]
    except Exception:  # noqa: BLE001 - informational only
        pg = "?"
    return {
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "postgresql": pg,
        "platform": platform.platform(),
    }


def summarise(
    settings, label, run, rows, server_log, mails, elapsed, loads, login_ms, cpu
):
    samples = run["samples"]
    # Steady state: once every user has logged in (a password hash each, the
    # most expensive request of a session, made once).
    logins = [s[3] for s in samples if s[0] == "login"]
    ramp = max(logins) if logins else settings.users / settings.spawn_rate
    server = server_pages(server_log)
    pages = []
    for name, _pattern in PAGES:
        mine = [s for s in samples if s[0] == name]
        times = [s[1] for s in mine]
        failures = [s[2] for s in mine if s[2]]
        steady = [s[1] for s in mine if s[3] >= ramp]
        srv = server[name]
        pages.append(
            {
                "page": name,
                "count": len(mine),
                "failures": len(failures),
                "failure_examples": sorted(set(failures))[:3],
                "p50_ms": pct(times, 0.50),
                "p95_ms": pct(times, 0.95),
                "max_ms": max(times) if times else None,
                "steady_count": len(steady),
                "steady_p50_ms": pct(steady, 0.50),
                "steady_p95_ms": pct(steady, 0.95),
                "server_p50_ms": pct(srv["ms"], 0.50),
                "server_p95_ms": pct(srv["ms"], 0.95),
                "queries_median": (
                    statistics.median(srv["queries"]) if srv["queries"] else None
                ),
                "cursor_modes": srv["modes"],
            }
        )
    unknown = sorted({s[0] for s in samples} - {name for name, _p in PAGES})
    once_ok, once = exactly_once(run, rows)
    log_errors = [line for line in server_log.splitlines() if LOG_ERROR.match(line)]
    # Werkzeug's word for a connection a worker accepted and that sent nothing
    # within Odoo's socket timeout (2 s): the client's side (a locust process
    # starved of CPU on a loaded machine); the request, sent again, is counted
    # among the requests, failed or not. Shown, not counted as a server error.
    idle = [line for line in log_errors if IDLE_TIMEOUT in line]
    log_errors = [line for line in log_errors if IDLE_TIMEOUT not in line]
    failures = sum(page["failures"] for page in pages) + sum(
        1 for s in samples if s[0] in unknown and s[2]
    )
    # Target: p95 of every page but the login (a password hash, once per
    # session), once every user has logged in.
    slow = [
        page["page"]
        for page in pages
        if page["page"] not in ("login", "login form")
        and page["steady_p95_ms"] is not None
        and page["steady_p95_ms"] >= TARGET_P95_MS
    ]
    return {
        "label": label,
        "users": settings.users,
        "spawn_rate": settings.spawn_rate,
        "duration_s": settings.duration,
        "elapsed_s": round(elapsed, 1),
        "workers": settings.workers,
        "requests": len(samples),
        "requests_per_s": round(len(samples) / max(elapsed, 1), 1),
        "all_logged_in_s": round(ramp, 1),
        "pages": pages,
        "failures": failures,
        "server_log_errors": len(log_errors),
        "idle_connection_timeouts": len(idle),
        "cpu": {key: round(value, 1) for key, value in cpu.items()},
        "cpu_ms_per_request": {
            key[:-2]: round(cpu[key] * 1000 / max(len(samples), 1), 1)
            for key in ("odoo_s", "postgresql_s", "locust_s")
        },
        "logins_before": {
            "count": len(login_ms),
            "concurrency": settings.workers,
            "p50_ms": pct(login_ms, 0.50),
            "p95_ms": pct(login_ms, 0.95),
        },
        "server_log_error_lines": log_errors[:10],
        "exactly_once": once_ok,
        "exactly_once_detail": once,
        "guesses": run["guesses"],
        "mails_sent": mails,
        "load_average_before": [round(x, 2) for x in loads[0]],
        "load_average_after": [round(x, 2) for x in loads[1]],
        "slow_pages": slow,
        "errors": failures + len(log_errors) + (0 if once_ok else 1),
    }


def _ms(value):
    return "-" if value is None else f"{value:.0f}"


def _page_row(page):
    queries = page["queries_median"]
    cells = [
        page["page"],
        page["count"],
        page["failures"],
        *(
            _ms(page[key])
            for key in (
                "p50_ms",
                "p95_ms",
                "max_ms",
            )
        ),
        page["steady_count"],
        *(
            _ms(page[key])
            for key in (
                "steady_p50_ms",
                "steady_p95_ms",
                "server_p50_ms",
                "server_p95_ms",
            )
        ),
        "-" if queries is None else f"{queries:g}",
    ]
    return "| " + " | ".join(map(str, cells)) + " |"


def _cpu_line(res):
    cpu, per = res["cpu"], res["cpu_ms_per_request"]
    others = cpu["machine_s"] - cpu["odoo_s"] - cpu["postgresql_s"] - cpu["locust_s"]
    return (
        f"- CPU during the run ({cpu['capacity_s']:g} core-seconds on the machine): "
        f"busy {cpu['machine_s']:g}; Odoo's workers {cpu['odoo_s']:g} "
        f"({per['odoo']} ms a request), PostgreSQL {cpu['postgresql_s']:g} "
        f"({per['postgresql']} ms a request), locust {cpu['locust_s']:g}, "
        f"everything else on the machine {max(others, 0):.1f}."
    )


def render(results, info):
    machine_line = (
        f"Machine: {info['cores']} cores, {info['memory']} RAM, "
        f"Python {info['python']}, PostgreSQL {info['postgresql']} "
        f"({info['platform']})."
    )
    lines = ["# Portal and public pages under load", "", machine_line, ""]
    for res in results:
        once = res["exactly_once_detail"]
        guesses = res["guesses"]
        setup = (
            f"{res['users']} users (spawned {res['spawn_rate']:g}/s), "
            f"{res['duration_s']} s, Odoo with {res['workers']} workers; "
            f"{res['requests']} requests ({res['requests_per_s']}/s); machine load "
            f"average {res['load_average_before'][0]} before, "
            f"{res['load_average_after'][0]} after (1 min); every user logged in "
            f"after {res['all_logged_in_s']} s."
        )
        header = (
            "| page | requests | failures | p50 ms | p95 ms | max ms "
            "| after login: requests | p50 ms | p95 ms "
            "| server p50 ms | server p95 ms | queries |"
        )
        errors = (
            f"- Errors: {res['errors']} ({res['failures']} failed requests, "
            f"{res['server_log_errors']} ERROR lines in the server log)."
        )
        exactly = (
            f"- Exactly once: {'yes' if res['exactly_once'] else 'NO'}: "
            f"{once['submissions_seen']} submissions filed (locust), "
            f"{once['rmas_created']} RMAs created (database), by "
            f"{once['users_filing']} users."
        ) + "".join(f"\n  - {problem}" for problem in once["problems"])
        guessing = (
            f"- Code guessing: {guesses.get('invalid', 0)} refused as not valid "
            f"(400), {guesses.get('throttled', 0)} throttled (429), "
            f"{guesses.get('other', 0)} other answers."
        )
        target = (
            f"- p95 target (< {TARGET_P95_MS:.0f} ms, every page but the login, "
            "once every user has logged in): "
        )
        target += (
            "met."
            if not res["slow_pages"]
            else f"missed on {', '.join(res['slow_pages'])}."
        )
        lines += [f"## {res['label']}", "", setup, "", header]
        lines.append("|---|" + "---:|" * 11)
        lines += [_page_row(page) for page in res["pages"]]
        lines += ["", errors, exactly, guessing]
        logins = res["logins_before"]
        lines += [
            (
                f"- Logins before the run ({logins['count']}, "
                f"{logins['concurrency']} at "
                f"a time, Odoo's login form): p50 {_ms(logins['p50_ms'])} ms, p95 "
                f"{_ms(logins['p95_ms'])} ms."
            ),
            (
                f"- Idle connections closed by Odoo's 2 s socket timeout (client side, "
                f"not counted as errors): {res['idle_connection_timeouts']}."
            ),
            _cpu_line(res),
            f"- Mails handed to SMTP: {res['mails_sent']}.",
            target,
            "",
        ]
    return "\n".join(lines)


def prepare(settings):
    """The world in the base database (once), then the run's fresh copy."""
    settings.users_file = Path(settings.out_dir) / f"{settings.name}-users.json"
    cmd = [sys.executable, str(HERE / "load_world.py"), "--config", settings.config]
    cmd += ["--db", settings.base_db, "--users", str(settings.users)]
    cmd += ["--out", str(settings.users_file)]
    subprocess.run(cmd, check=True)
    copy_db(settings.config, settings.base_db, settings.db)


def main(argv=None):
    settings = parse_args(argv)
    ways = [way.strip() for way in settings.ways.split(",") if way.strip()]
    unknown = set(ways) - {"direct", "pgbouncer", "replica"}
    if unknown or not ways:
        print(f"[load] unknown ways: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        try:
            reach = scale_out(settings, ways, stack)
        except ScaleoutError as error:  # what is missing, in one line
            print(f"error: {error}", file=sys.stderr)
            return 2
        prepare(settings)
        results = []
        for way in ways:
            odoo_args, host, port = reach[way]
            label = "load" if ways == ["direct"] else way
            results.append(run_load(settings, odoo_args, label, host, port))
    return report(settings, results)


def scale_out(settings, ways, stack):
    """{way: (Odoo options, database host, database port)} of each run; the
    replica and pgbouncer (tools/scaleout.py) are started on ``stack`` before
    the run's database is copied (a streaming replica gets it through the WAL)."""
    direct = (settings.odoo_arg, settings.db_host, settings.db_port)
    reach = {"direct": direct}
    if ways == ["direct"]:
        return reach
    sys.path.insert(0, str(ROOT / "tools"))

    params = db_options(settings.config)
    host = settings.db_host or params["host"] or "127.0.0.1"
    port = settings.db_port or params["port"] or 5432
    if "replica" in ways:
        rep_host, rep_port = stack.enter_context(scaleout.replica(params))
        replica_args = [
            f"--db_replica_host={rep_host}",
            f"--db_replica_port={rep_port}",
        ]
        reach["replica"] = ([*settings.odoo_arg, *replica_args], host, port)
    if "pgbouncer" in ways:
        bnc_host, bnc_port = stack.enter_context(scaleout.pgbouncer(params, host, port))
        reach["pgbouncer"] = (settings.odoo_arg, bnc_host, bnc_port)
    return reach


def report(settings, results):
    """Write the results (JSON and Markdown); the exit status of the run."""
    info = machine(settings)
    out_dir = Path(settings.out_dir)
    (out_dir / f"{settings.name}.json").write_text(
        json.dumps({"machine": info, "runs": results}, indent=1)
    )
    text = render(results, info)
    (out_dir / f"{settings.name}.md").write_text(text)
    print(text, flush=True)
    errors = sum(res["errors"] for res in results)
    slow = [page for res in results for page in res["slow_pages"]]
    if errors:
        print(f"[load] {errors} errors", file=sys.stderr)
        return 1
    if settings.targets and slow:
        print(f"[load] p95 target missed: {', '.join(slow)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
