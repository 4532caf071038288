"""Set up, run and test rma_warranty on Odoo 18.0 (``./dev run``, ``./dev test``).

Standard library only: this runs on the system's Python before the virtualenv exists.
Every missing prerequisite ends in one line on stderr saying what is missing and how to
fix it (exit code 2), never in a bare traceback.
"""

import argparse
import ast
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import junit  # tools/junit.py, beside this file
import readme  # tools/readme.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
ADDON = "rma_warranty"
# Installed beside the addon in the demo and test databases only (not a dependency):
# Odoo's demo payment provider, so that quotes and extensions can really be paid.
DEMO_EXTRA_MODULES = ("payment_demo",)
ODOO_BRANCH = "18.0"
ODOO_GIT_URL = "https://github.com/odoo/odoo.git"
# One fixed place outside the repository, so that every clone on the machine shares it.
DEFAULT_ODOO_SRC = Path.home() / ".cache" / "rma_warranty" / f"odoo-{ODOO_BRANCH}"
VENV = ROOT / ".venv"
STATE = ROOT / ".run"  # generated config and logs, ignored by git
REQUIREMENTS = [ROOT / "requirements" / "odoo.txt", ROOT / "requirements" / "dev.txt"]
# Odoo addons from PyPI: installed with --no-deps, as each declares a dependency on the
# "odoo" distribution, which the Odoo checkout (made importable by a .pth) is not.
ODOO_ADDON_REQUIREMENTS = ROOT / "requirements" / "odoo-addons.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
# OCA's server-wide module that makes Odoo's runner write JUnit XML (odoo-addons.txt).
JUNIT_MODULE = "odoo_test_xmlrunner"
# Role used on the local server when no PG* variable is set (Odoo refuses "postgres").
LOCAL_DB_ROLE = "rma_warranty"
LOCAL_DB_PASSWORD = "rma_warranty"
DEMO_DB = "rma_warranty"
TEST_DB = "rma_warranty_test"
# ./dev bench: its two databases (never installed together: both addons define
# stock.warehouse.rma_loc_id...) and where OCA's rma 18.0 is found or downloaded.
# The benchmark's databases; RMAW_BENCH_DB names others (two checkouts benchmarking
# on one machine each keep their own).
BENCH_DB = os.environ.get("RMAW_BENCH_DB") or "rmaw_bench"
BENCH_OCA_DB = f"{BENCH_DB}_oca"
OCA_CACHE = Path.home() / ".cache" / "rma_warranty" / "oca"
OCA_REQUIREMENT = "odoo-addon-rma>=18.0,<18.1"
# ./dev bench --suite load: the base database (rma_warranty, demo data, the load
# world) and the copy each run works on; locust in a virtualenv of its own.
LOAD_DB = os.environ.get("RMAW_LOAD_DB") or f"{BENCH_DB}_load"
LOAD_REQUIREMENTS = ROOT / "requirements" / "load.txt"
LOAD_CONSTRAINTS = ROOT / "requirements" / "load-constraints.txt"
LOAD_VENVS = Path.home() / ".cache" / "rma_warranty"
CHROME_NAMES = ["google-chrome", "chromium", "chromium-browser", "google-chrome-stable"]
# Logins created by the addon's demo data (rma_warranty/demo/res_users_demo.xml).
DEMO_LOGINS = [
    ("administrator", "admin", "admin"),
    ("service user (RMA user)", "service", "service"),
    ("distributor (portal)", "distributor", "distributor"),
    ("end user (portal)", "enduser", "enduser"),
]


class Fail(Exception):
    """A prerequisite is missing: the message says what and how to fix it."""


def say(msg):
    print(f"[dev] {msg}", flush=True)


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def run(cmd, check=True, quiet=False, **kw):
    """Run a command; quiet=True captures its output and shows it only on failure."""
    if quiet:
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.STDOUT)
        kw.setdefault("text", True)
    proc = subprocess.run(cmd, check=False, **kw)
    if check and proc.returncode:
        if quiet and proc.stdout:
            sys.stderr.write(proc.stdout[-4000:])
        raise Fail(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}")
    return proc


# ---- Odoo source ---------------------------------------------------------------------


def _odoo_version(path):
    release = path / "odoo" / "release.py"
    if not (path / "odoo-bin").is_file() or not release.is_file():
        return None
    match = re.search(r"version_info\s*=\s*\((\d+),\s*(\d+)", release.read_text())
    return f"{match[1]}.{match[2]}" if match else None


def ensure_odoo_src():
    env_src = os.environ.get("ODOO_SRC")
    path = Path(env_src).expanduser() if env_src else DEFAULT_ODOO_SRC
    version = _odoo_version(path)
    if version == ODOO_BRANCH:
        return path
    if version:
        raise Fail(
            f"{path} holds Odoo {version}, not {ODOO_BRANCH}: "
            f"point ODOO_SRC at an Odoo {ODOO_BRANCH} checkout"
        )
    if env_src:
        raise Fail(
            f"ODOO_SRC={env_src} is not an Odoo source tree "
            "(no odoo-bin / odoo/release.py): "
            f"fix it or unset ODOO_SRC to use {DEFAULT_ODOO_SRC}"
        )
    if path.exists() and any(path.iterdir()):
        raise Fail(
            f"{path} exists but is not an Odoo {ODOO_BRANCH} checkout: "
            "remove it or set ODOO_SRC"
        )
    how = (
        "provide a checkout with "
        f"`git clone --depth 1 --branch {ODOO_BRANCH} {ODOO_GIT_URL} {path}` "
        f"(or any Odoo {ODOO_BRANCH} tree, then `export ODOO_SRC=/path/to/it`)"
    )
    if not shutil.which("git"):
        raise Fail(
            f"Odoo {ODOO_BRANCH} source not found at {path} "
            f"and git is not installed: {how}"
        )
    say(
        f"Odoo {ODOO_BRANCH} source not found; "
        f"cloning {ODOO_GIT_URL} into {path} (shallow)"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    proc = run(
        [
            "git",
            "clone",
            "--depth",
            "1",
            "--branch",
            ODOO_BRANCH,
            ODOO_GIT_URL,
            str(partial),
        ],
        check=False,
        # Fail instead of asking for credentials.
        env=dict(os.environ, GIT_TERMINAL_PROMPT="0"),
    )
    if proc.returncode or _odoo_version(partial) != ODOO_BRANCH:
        shutil.rmtree(partial, ignore_errors=True)
        raise Fail(f"could not clone Odoo {ODOO_BRANCH} from GitHub into {path}: {how}")
    partial.rename(path)
    return path


# ---- Python environment --------------------------------------------------------------


def venv_python():
    return VENV / "bin" / "python"


def _write_odoo_pth(odoo_src):
    """Make ``import odoo`` work in the venv (click-odoo, pytest-odoo) the way
    site-packages supports: a .pth file naming the Odoo checkout."""
    minor = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    pth = VENV / "lib" / minor / "site-packages" / "odoo-src.pth"
    if not pth.exists() or pth.read_text() != f"{odoo_src}\n":
        pth.write_text(f"{odoo_src}\n")


def ensure_venv(odoo_src):
    if sys.version_info < (3, 11):
        raise Fail(
            f"Python 3.11+ is required, this is {sys.version.split()[0]}: "
            "run ./dev with python3.11 or newer"
        )
    digest = hashlib.sha256()
    for req in [*REQUIREMENTS, ODOO_ADDON_REQUIREMENTS, CONSTRAINTS]:
        digest.update(req.read_bytes())
    digest.update(sys.version.encode())
    digest.update(str(odoo_src).encode())
    stamp = VENV / ".requirements.sha256"
    if (
        venv_python().exists()
        and stamp.exists()
        and stamp.read_text() == digest.hexdigest()
    ):
        _write_odoo_pth(odoo_src)
        return
    if not venv_python().exists():
        say(f"creating the virtualenv {VENV.relative_to(ROOT)}")
        proc = run([sys.executable, "-m", "venv", str(VENV)], check=False, quiet=True)
        if proc.returncode:
            shutil.rmtree(VENV, ignore_errors=True)
            minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
            if is_root() and shutil.which("apt-get"):
                apt_install([f"python{minor}-venv"])
                run([sys.executable, "-m", "venv", str(VENV)], quiet=True)
            else:
                raise Fail(
                    "python3 cannot create a virtualenv: "
                    f"install it (sudo apt-get install python{minor}-venv)"
                )
    say("installing pinned Python requirements (Odoo runtime + dev tools)")
    cmd = [
        str(venv_python()),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
    ]
    _write_odoo_pth(odoo_src)
    pip_cmd = [*cmd, "-c", str(CONSTRAINTS)]
    run(
        [*pip_cmd, *(arg for req in REQUIREMENTS for arg in ("-r", str(req)))],
        quiet=True,
    )
    run([*pip_cmd, "--no-deps", "-r", str(ODOO_ADDON_REQUIREMENTS)], quiet=True)
    stamp.write_text(digest.hexdigest())


# ---- System packages -----------------------------------------------------------------

_apt_updated = False


def apt_install(packages):
    global _apt_updated
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        run(["apt-get", "update", "-q"], quiet=True, env=env)
        _apt_updated = True
    say(f"installing system packages: {' '.join(packages)}")
    run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        quiet=True,
        env=env,
    )


def find_chrome():
    return next(
        (shutil.which(name) for name in CHROME_NAMES if shutil.which(name)), None
    )


def ensure_system_packages():
    missing = []
    if not find_chrome():
        missing.append(("chromium", "Chromium (browser tests / tours)"))
    if not shutil.which("wkhtmltopdf"):
        missing.append(("wkhtmltopdf", "wkhtmltopdf (PDF reports)"))
    if not missing:
        return
    if is_root() and shutil.which("apt-get"):
        # Fonts keep wkhtmltopdf's output readable on a minimal machine.
        apt_install([pkg for pkg, _label in missing] + ["fonts-dejavu-core"])
        missing = [
            (p, label)
            for p, label in missing
            if not (find_chrome() if p == "chromium" else shutil.which(p))
        ]
    if missing:
        names = " ".join(p for p, _label in missing)
        labels = ", ".join(label for _p, label in missing)
        raise Fail(
            f"missing {labels}: "
            f"install with sudo apt-get install {names}, then run again"
        )


# ---- PostgreSQL ----------------------------------------------------------------------


def _port_open(host, port):
    with (
        contextlib.suppress(OSError),
        socket.create_connection((host, port), timeout=2),
    ):
        return True
    return False


def db_params():
    """Connection parameters: libpq variables when set, else the local server."""
    if any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")):
        user = os.environ.get("PGUSER") or os.environ.get("USER") or LOCAL_DB_ROLE
        return {
            "host": os.environ.get("PGHOST", ""),
            "port": os.environ.get("PGPORT", ""),
            "user": user,
            "password": os.environ.get("PGPASSWORD", ""),
            "from_env": True,
        }
    return {
        "host": "127.0.0.1",
        "port": "5432",
        "user": LOCAL_DB_ROLE,
        "password": LOCAL_DB_PASSWORD,
        "from_env": False,
    }


def db_call(params, dbname, sql, args=(), fetch=False, autocommit=True):
    """Run one SQL statement with the venv's psycopg2; return (ok, rows or error)."""
    code = (
        "import json, sys, psycopg2\n"
        "p = json.loads(sys.argv[1])\n"
        "kw = {k: v for k, v in p['conn'].items() if v}\n"
        "try:\n"
        "    cn = psycopg2.connect(dbname=p['db'], connect_timeout=5, **kw)\n"
        "    cn.autocommit = p['autocommit']\n"
        "    cr = cn.cursor(); cr.execute(p['sql'], p['args'] or None)\n"
        "    print(json.dumps(cr.fetchall() if p['fetch'] else []))\n"
        "except psycopg2.Error as e:\n"
        "    msg = str(e).strip() or type(e).__name__\n"
        "    print(msg.splitlines()[0], file=sys.stderr)\n"
        "    sys.exit(1)\n"
    )
    conn = {k: params[k] for k in ("host", "port", "user", "password")}
    payload = json.dumps(
        {
            "conn": conn,
            "db": dbname,
            "sql": sql,
            "args": list(args),
            "fetch": fetch,
            "autocommit": autocommit,
        }
    )
    proc = subprocess.run(
        [str(venv_python()), "-c", code, payload],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        return False, proc.stderr.strip()
    return True, json.loads(proc.stdout)


def _local_cluster_start():
    """Start stopped Debian/Ubuntu clusters; install the server when root and absent."""
    if not shutil.which("pg_lsclusters"):
        if not (is_root() and shutil.which("apt-get")):
            raise Fail(
                "PostgreSQL is not running on 127.0.0.1:5432 and no local server "
                "is installed: install it (sudo apt-get install postgresql) "
                "or set PGHOST/PGPORT/PGUSER/PGPASSWORD"
            )
        apt_install(["postgresql"])
    clusters = run(["pg_lsclusters", "--no-header"], quiet=True).stdout.split()
    rows = [clusters[i : i + 7] for i in range(0, len(clusters), 7)]
    if not rows:
        if not is_root():
            raise Fail(
                "PostgreSQL is installed but has no cluster: "
                "create one (sudo pg_createcluster --start 15 main)"
            )
        version = max(os.listdir("/usr/lib/postgresql"), key=float)
        run(["pg_createcluster", version, "main"], quiet=True)
        rows = [[version, "main", "5432", "down"]]
    for version, name, _port, status, *_rest in rows:
        if status.startswith("online"):
            continue
        say(f"starting PostgreSQL cluster {version}/{name}")
        cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"]
        proc = run(cmd, check=False, quiet=True)
        if proc.returncode:
            raise Fail(
                f"PostgreSQL cluster {version}/{name} is stopped and could not be "
                "started "
                f"(sudo pg_ctlcluster {version} {name} start)"
            )
    for _ in range(30):
        if _port_open("127.0.0.1", 5432):
            return
        time.sleep(1)
    raise Fail(
        "PostgreSQL was started but does not listen on 127.0.0.1:5432: "
        "check its port and listen_addresses"
    )


def _create_local_role():
    """Create the project's login role (CREATEDB) as any reachable superuser."""
    sql = f"CREATE ROLE {LOCAL_DB_ROLE} LOGIN CREATEDB PASSWORD '{LOCAL_DB_PASSWORD}'"
    if is_root() and shutil.which("runuser") and shutil.which("psql"):
        # Debian's default "peer" authentication lets the postgres OS user in.
        proc = run(
            ["runuser", "-u", "postgres", "--", "psql", "-qc", sql],
            check=False,
            quiet=True,
            cwd="/",
        )
        if proc.returncode == 0:
            return True
    for admin in ("postgres", os.environ.get("USER") or ""):
        if admin:
            ok, _err = db_call(
                {"host": "127.0.0.1", "port": "5432", "user": admin, "password": ""},
                "postgres",
                sql,
            )
            if ok:
                return True
    return False


def ensure_postgres():
    params = db_params()
    if params["user"] == "postgres":
        raise Fail(
            "Odoo refuses to run as the PostgreSQL role 'postgres': "
            "set PGUSER to another role"
        )
    if params["from_env"]:
        ok, err = db_call(params, "postgres", "SELECT 1")
        if not ok:
            where = f"{params['host'] or 'local socket'}:{params['port'] or 5432}"
            raise Fail(
                f"cannot connect to PostgreSQL at {where} as {params['user']} "
                f"(from PG* variables): {err}"
            )
        return params
    if not _port_open("127.0.0.1", 5432):
        _local_cluster_start()
    ok, err = db_call(
        params,
        "postgres",
        "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user",
        fetch=True,
    )
    if not ok:
        if not _create_local_role():
            raise Fail(
                f"cannot log in to the local PostgreSQL as '{LOCAL_DB_ROLE}' ({err}) "
                "nor create that role: create it (sudo -u postgres psql -c "
                f'"CREATE ROLE {LOCAL_DB_ROLE} LOGIN CREATEDB '
                f"PASSWORD '{LOCAL_DB_PASSWORD}'\") or set PGHOST/PGUSER/PGPASSWORD"
            )
        say(f"created the PostgreSQL role {LOCAL_DB_ROLE}")
        ok, err = db_call(params, "postgres", "SELECT 1")
        if not ok:
            raise Fail(
                f"the role {LOCAL_DB_ROLE} exists but cannot log in over TCP: {err} "
                "(check pg_hba.conf)"
            )
    return params


def db_exists(params, name):
    ok, rows = db_call(
        params,
        "postgres",
        "SELECT 1 FROM pg_database WHERE datname = %s",
        [name],
        fetch=True,
    )
    return ok and bool(rows)


def addon_state(params, name, module=ADDON):
    """State of ``module`` in the database ``name`` (None: not there)."""
    ok, rows = db_call(
        params,
        name,
        "SELECT state FROM ir_module_module WHERE name = %s",
        [module],
        fetch=True,
    )
    return rows[0][0] if ok and rows else None


def drop_db(params, name):
    if db_exists(params, name):
        ok, err = db_call(params, "postgres", f'DROP DATABASE "{name}" WITH (FORCE)')
        if not ok:
            raise Fail(f"cannot drop database {name}: {err}")
    filestore = Path.home() / ".local" / "share" / "Odoo" / "filestore" / name
    shutil.rmtree(filestore, ignore_errors=True)


# ---- Odoo ----------------------------------------------------------------------------


def write_config(odoo_src, params):
    STATE.mkdir(exist_ok=True)
    conf = STATE / "odoo.conf"
    addons = [str(odoo_src / "addons"), str(odoo_src / "odoo" / "addons"), str(ROOT)]
    lines = [
        "[options]",
        f"addons_path = {','.join(addons)}",
        f"db_host = {params['host'] or 'False'}",
        f"db_port = {params['port'] or 'False'}",
        f"db_user = {params['user']}",
        f"db_password = {params['password'] or 'False'}",
        "admin_passwd = admin",
        "list_db = False",
        "",
    ]
    conf.write_text("\n".join(lines))
    return conf


def odoo_cmd(odoo_src, conf, *args):
    return [str(venv_python()), str(odoo_src / "odoo-bin"), "-c", str(conf), *args]


def port_free(port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return not _port_open("127.0.0.1", port)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, proc, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def setup():
    """Everything both commands need; idempotent."""
    odoo_src = ensure_odoo_src()
    ensure_venv(odoo_src)
    ensure_system_packages()
    params = ensure_postgres()
    conf = write_config(odoo_src, params)
    return odoo_src, params, conf


# ---- Databases (click-odoo-contrib) --------------------------------------------------

# Templates kept by click-odoo-initdb per prefix (the most recently used ones).
TEMPLATE_CACHE_SIZE = 3


def cache_prefix(db):
    """click-odoo-initdb's template prefix (a letter, then letters, digits or "-",
    8 at most), derived from the database name, so that each ``--db`` family
    (rmaw_tooling, rmaw_tooling_x: "rmawtool") keeps templates of its own."""
    prefix = re.sub(r"[^A-Za-z0-9]", "", db)[:8]
    return prefix if prefix[:1].isalpha() else f"t{prefix[:7]}"


def template_modules():
    """What a template holds: the addon's dependencies (with their demo data) and
    the demo extras, not the addon itself, so that editing the addon keeps the
    template (its checksum covers these modules and theirs only)."""
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
    return [*manifest["depends"], *DEMO_EXTRA_MODULES]


def odoo_step(cmd, log, what):
    """Run an Odoo command with its output in ``log``; Fail if it exits non-zero
    or logs an ERROR."""
    with log.open("w") as out:
        proc = run(cmd, check=False, stdout=out, stderr=subprocess.STDOUT)
    text = log.read_text()
    errors = [line for line in text.splitlines() if junit.LOG_ERROR.match(line)]
    if proc.returncode or errors:
        sys.stderr.write("\n".join(errors[-20:]) + "\n")
        raise Fail(f"{what} failed: see {log}")
    return text


def create_db(params, conf, db):
    """Recreate ``db`` from click-odoo-initdb's cached template of
    template_modules() (seconds); on a cache miss it installs them (minutes) and
    caches the result for the next time."""
    drop_db(params, db)
    log = STATE / f"{db}-initdb.log"
    cmd = [str(VENV / "bin" / "click-odoo-initdb"), "-c", str(conf), "-n", db]
    cmd += ["-m", ",".join(template_modules()), "--cache-prefix", cache_prefix(db)]
    cmd += ["--cache-max-size", str(TEMPLATE_CACHE_SIZE), "--log-level", "info"]
    started = time.time()
    text = odoo_step(cmd, log, f"creating database {db} with click-odoo-initdb")
    how = "copied from the cached template" if "Found matching" in text else "installed"
    say(f"database {db}: dependencies {how} in {time.time() - started:.0f}s")


def update_changed(conf, db, addons_path=None):
    """click-odoo-update: update the addons of ``db`` whose source changed since
    they were installed or last updated (checksums kept in the database)."""
    log = STATE / f"{db}-update.log"
    cmd = [str(VENV / "bin" / "click-odoo-update"), "-c", str(conf), "-d", db]
    cmd += ["--ignore-core-addons", "--log-level", "info"]
    if addons_path:
        cmd += ["--addons-path", ",".join(map(str, addons_path))]
    odoo_step(cmd, log, f"updating the changed addons of {db}")


def refresh_db(odoo_src, params, conf, db):
    """Bring a database holding the addon up to date; False if it holds none."""
    if not (db_exists(params, db) and addon_state(params, db) == "installed"):
        return False
    say(f"reusing database {db}; updating the addons that changed")
    missing = [
        m for m in DEMO_EXTRA_MODULES if addon_state(params, db, m) != "installed"
    ]
    if missing:  # a database older than the demo extras gets them too
        cmd = odoo_cmd(odoo_src, conf, "-d", db, "-i", ",".join(missing))
        log = STATE / f"{db}-install.log"
        odoo_step(
            [*cmd, "--stop-after-init", "--no-http"], log, f"installing {missing}"
        )
    update_changed(conf, db)
    return True


def ensure_addon_db(odoo_src, params, conf, db):
    """``db`` with the addon and demo data installed and up to date."""
    if refresh_db(odoo_src, params, conf, db):
        return
    say(f"creating database {db} with {ADDON} and demo data")
    create_db(params, conf, db)
    log = STATE / f"{db}-install.log"
    say(f"installing {ADDON} into {db} (log: {log.relative_to(ROOT)})")
    cmd = odoo_cmd(odoo_src, conf, "-d", db, "-i", ADDON, "--stop-after-init")
    odoo_step([*cmd, "--no-http"], log, f"installing {ADDON} into {db}")


# ---- ./dev run -----------------------------------------------------------------------


def cmd_run(args):
    if not port_free(args.port):
        raise Fail(
            f"port {args.port} is already in use (another Odoo?): "
            "stop that process or use --port N"
        )
    started = time.time()
    odoo_src, params, conf = setup()
    db = args.db
    if args.reset:
        say(f"dropping database {db}")
        drop_db(params, db)
    # A database without the addon (or the demo extras) installed is recreated.
    ensure_addon_db(odoo_src, params, conf, db)
    say(
        f"database ready in {time.time() - started:.0f}s; starting Odoo on http://localhost:{args.port}"
    )
    server = subprocess.Popen(
        odoo_cmd(
            odoo_src,
            conf,
            "-d",
            db,
            "--db-filter",
            f"^{re.escape(db)}$",
            "--http-port",
            str(args.port),
        )
    )
    try:
        if not wait_http(f"http://127.0.0.1:{args.port}/web/login", server):
            stop(server)
            raise Fail(
                f"Odoo did not start serving on port {args.port}: see its output above"
            )
        print(
            f"\nOdoo 18 with {ADDON} is up: http://localhost:{args.port}  "
            f"(database {db})"
        )
        print("Demo logins (login / password):")
        for label, login, password in DEMO_LOGINS:
            print(f"  {label:26} {login} / {password}")
        print("Stop with Ctrl+C.\n", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        stop(server)
        return 0


# ---- ./dev test ----------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.suites = []  # (name, passed, failed, skipped, detail)

    def add(self, name, passed, failed, skipped=0, detail=""):
        self.suites.append((name, passed, failed, skipped, detail))
        status = "ok" if not failed else "FAILED"
        extra = f", {skipped} skipped" if skipped else ""
        say(
            f"{name}: {passed} passed, {failed} failed{extra} [{status}] "
            f"{detail}".rstrip()
        )

    def totals(self):
        return tuple(sum(s[i] for s in self.suites) for i in (1, 2, 3))


def run_lint(tally):
    venv_bin = VENV / "bin"
    checks = [
        ("ruff check", [str(venv_bin / "ruff"), "check", "--no-fix", "."]),
        ("ruff format", [str(venv_bin / "ruff"), "format", "--check", "."]),
        (
            "pylint-odoo (mandatory)",
            [
                str(venv_bin / "pylint"),
                "--rcfile=.pylintrc-mandatory",
                "--output-format=text",
                ADDON,
            ],
        ),
        # XML, CSV and manifest checks OCA moved out of pylint-odoo.
        ("oca-checks-odoo-module", [str(venv_bin / "oca-checks-odoo-module"), ADDON]),
    ]
    for name, cmd in checks:
        proc = run(cmd, check=False, quiet=True, cwd=ROOT)
        if proc.returncode:
            sys.stdout.write(proc.stdout)
        tally.add(f"lint: {name}", int(proc.returncode == 0), int(proc.returncode != 0))
    current = readme.build(ROOT / ADDON) == (ROOT / ADDON / "README.rst").read_text()
    if not current:
        print(f"{ADDON}/README.rst is not built from {ADDON}/readme/: run ./dev readme")
    tally.add("lint: README.rst from readme/", int(current), int(not current))


def cmd_readme(args):
    (ROOT / ADDON / "README.rst").write_text(readme.build(ROOT / ADDON))
    say(f"wrote {ADDON}/README.rst from {ADDON}/readme/")
    return 0


def run_odoo_tests(odoo_src, params, conf, tally, args):
    """Odoo's runner on a fresh database (dependencies from the cached template,
    then the addon installed: at_install tests run during that install), or with
    --reuse-db on the existing one once its changed addons are updated. The
    verdict comes from the JUnit XML that odoo_test_xmlrunner writes."""
    db = args.db
    started = time.time()
    action = []
    try:
        if not (args.reuse_db and refresh_db(odoo_src, params, conf, db)):
            create_db(params, conf, db)
            action = ["-i", ADDON]
    except Fail as exc:
        print(f"error: {exc}", flush=True)
        tally.add("Odoo runner", 0, 1, detail="(the test database could not be made)")
        return
    log = STATE / f"{db}-odoo-tests.log"
    reports = STATE / f"{db}-junit"
    shutil.rmtree(reports, ignore_errors=True)
    test_conf = STATE / f"{db}-tests.conf"
    test_conf.write_text(f"{conf.read_text()}test_result_directory = {reports}\n")
    verb = "installing" if action else "loading"
    say(f"Odoo runner: {verb} {ADDON} in {db} and running its tests (log: {log})")
    cmd = odoo_cmd(odoo_src, test_conf, "-d", db, *action, "--test-tags", args.tags)
    cmd += ["--load", f"base,web,{JUNIT_MODULE}", "--stop-after-init"]
    cmd += ["--http-port", str(free_port()), "--log-level", "test"]
    with log.open("w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    result = junit.verdict(junit.read(reports), proc.returncode, log.read_text())
    if result.failed:
        sys.stdout.write("\n".join(result.problems[:40]) + "\n")
    detail = f"({time.time() - started:.0f}s; JUnit XML in {reports.relative_to(ROOT)})"
    tally.add("Odoo runner", result.passed, result.failed, result.skipped, detail)


def run_pytest(odoo_src, conf, tally, db):
    port = free_port()
    log = STATE / f"{db}-pytest-server.log"
    say(
        f"pytest suites in tests/ against an Odoo server on port {port} "
        f"(server log: {log})"
    )
    with log.open("w") as out:
        server = subprocess.Popen(
            odoo_cmd(
                odoo_src,
                conf,
                "-d",
                db,
                "--db-filter",
                f"^{re.escape(db)}$",
                "--http-port",
                str(port),
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    report = STATE / f"{db}-pytest.xml"
    try:
        if not wait_http(f"http://127.0.0.1:{port}/web/login", server):
            tally.add("pytest", 0, 1, detail="(Odoo server did not start)")
            return
        env = dict(
            os.environ,
            RMAW_BASE_URL=f"http://127.0.0.1:{port}",
            RMAW_DB=db,
            # tests/test_bench_smoke.py runs the benchmark's flows in this database,
            # tests/test_load_smoke.py checks it.
            RMAW_ODOO_CONF=str(conf),
            RMAW_DEMO_LOGINS=json.dumps(
                [[login, pw] for _label, login, pw in DEMO_LOGINS]
            ),
            **_load_smoke_env(),
        )
        proc = run(
            [
                str(VENV / "bin" / "pytest"),
                "tests",
                "-p",
                "no:cacheprovider",
                # pytest-odoo (for --fast) would load a registry in this process.
                "-p",
                "no:odoo",
                f"--junitxml={report}",
                "-q",
            ],
            check=False,
            cwd=ROOT,
            env=env,
        )
    finally:
        stop(server)
    tally_pytest(tally, "pytest", proc.returncode, report)


def _load_smoke_env():
    """What tests/test_load_smoke.py needs beside the Odoo configuration (in
    RMAW_ODOO_CONF already): locust, in its own virtualenv. Left out when locust
    cannot be installed: the smoke then fails and says so."""
    try:
        locust = ensure_locust()
    except Fail as exc:
        print(f"error: {exc}", flush=True)
        return {}
    return {"RMAW_LOCUST": str(locust)}


def tally_pytest(tally, name, returncode, report):
    """Count a pytest run from its --junitxml report."""
    if returncode not in (0, 1) or not report.exists():
        tally.add(name, 0, 1, detail=f"(pytest exited {returncode})")
        return
    result = junit.read(report)
    failed = result.failed or int(returncode != 0)
    tally.add(name, result.passed, failed, result.skipped)


def run_fast(odoo_src, params, conf, tally, args):
    """The addon's tests but HttpCase through pytest-odoo, in ``args.db`` brought
    up to date (made from the cached template when it holds no addon)."""
    try:
        ensure_addon_db(odoo_src, params, conf, args.db)
    except Fail as exc:
        print(f"error: {exc}", flush=True)
        tally.add("pytest-odoo", 0, 1, detail="(the database could not be made)")
        return
    report = STATE / f"{args.db}-fast.xml"
    cmd = [str(VENV / "bin" / "pytest"), f"{ADDON}/tests", "-p", "pytest_fast"]
    cmd += [f"--odoo-config={conf}", f"--odoo-database={args.db}", "-q"]
    cmd += ["--odoo-log-level=warn", f"--junitxml={report}"]
    if args.k:
        cmd += ["-k", args.k]
    if args.lf:
        cmd.append("--lf")
    say(f"pytest-odoo: {ADDON}'s tests but HttpCase, in {args.db}")
    report.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    proc = run(cmd, check=False, cwd=ROOT, env=env)
    if proc.returncode == 5:  # pytest: nothing collected (-k matched nothing?)
        tally.add("pytest-odoo", 0, 1, detail="(no test collected)")
        return
    tally_pytest(tally, "pytest-odoo", proc.returncode, report)


def cmd_test(args):
    started = time.time()
    odoo_src, params, conf = setup()
    say(f"set-up done in {time.time() - started:.0f}s")
    tally = Tally()
    if args.fast:
        run_fast(odoo_src, params, conf, tally, args)
    else:
        run_suites(odoo_src, params, conf, tally, args)
    passed, failed, skipped = tally.totals()
    say(f"all suites done in {time.time() - started:.0f}s")
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}", flush=True)
    return 1 if failed else 0


def run_suites(odoo_src, params, conf, tally, args):
    if not args.no_lint:
        run_lint(tally)
    if not args.no_odoo:
        run_odoo_tests(odoo_src, params, conf, tally, args)
    if not args.no_pytest:
        if addon_state(params, args.db) != "installed":
            tally.add("pytest", 0, 1, detail=f"({ADDON} is not installed in {args.db})")
        else:
            run_pytest(odoo_src, conf, tally, args.db)
    if not args.no_adoption:
        run_adoption(odoo_src, params, conf, tally, args)


# ---- ./dev test: adoption (issue 16) ------------------------------------------------

# The previous release an upgrade starts from: its version and its commit (in main's
# history: any full clone has it).
PREVIOUS_RELEASE = ("18.0.1.0.0", "a0b41bc")
ADOPTION_SCRIPT = ROOT / "tests" / "adoption" / "adoption.py"


def run_adoption(odoo_src, params, conf, tally, args):
    """The upgrade from the previous release and the uninstall, each in a scratch
    database made from the cached template (``{db}_mig``, ``{db}_uninst``),
    dropped when it passes (kept to look at when it fails); first the warranty
    benchmark's smoke run."""
    warranty_bench_smoke(odoo_src, params, conf, tally, args.db)
    for name, check, db in (
        ("adoption: upgrade from " + PREVIOUS_RELEASE[0], adoption_migration, "mig"),
        ("adoption: uninstall", adoption_uninstall, "uninst"),
    ):
        db = f"{args.db}_{db}"
        started = time.time()
        try:
            check(odoo_src, params, conf, db)
        except Fail as exc:
            print(f"error: {exc}", flush=True)
            kept = f"(database {db} kept)" if db_exists(params, db) else ""
            tally.add(name, 0, 1, detail=kept)
            continue
        drop_db(params, db)
        tally.add(name, 1, 0, detail=f"({time.time() - started:.0f}s)")


def warranty_bench_smoke(odoo_src, params, conf, tally, db):
    """The warranty benchmark on a few thousand serials in a scratch copy of the
    test database (seconds), so that it cannot rot: it fails if the backfill
    does not cover every delivery or writes other rows than the ORM path."""
    if addon_state(params, db) != "installed":
        tally.add("warranty bench smoke", 0, 1, detail=f"({ADDON} not in {db})")
        return
    addons = [odoo_src / "addons", odoo_src / "odoo" / "addons", ROOT]
    cmd = [str(venv_python()), str(ROOT / "tests" / "bench" / "bench_warranty.py")]
    cmd += ["--odoo-src", str(odoo_src), "--config", str(conf), "--db", db]
    cmd += ["--addons-path", ",".join(map(str, addons))]
    cmd += ["--deliveries", "2000", "--serials", "6000", "--lookups", "100"]
    cmd += ["--orm-sample", "500", "--out", str(STATE / f"{db}-bench-smoke.md")]
    proc = run(cmd, check=False, quiet=True)
    if proc.returncode:
        sys.stdout.write(proc.stdout[-3000:])
    failed = int(proc.returncode != 0)
    tally.add("warranty bench smoke", 1 - failed, failed)


def adoption_step(odoo_src, conf, db, addons, step, *extra):
    """One step of tests/adoption/adoption.py on ``db`` with ``addons``; Fail
    (with its output) if it exits non-zero or logs an ERROR."""
    paths = [odoo_src / "addons", odoo_src / "odoo" / "addons", *addons]
    cmd = [str(venv_python()), str(ADOPTION_SCRIPT), step, "--db", db]
    cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
    cmd += ["--addons-path", ",".join(map(str, paths)), *extra]
    log = STATE / f"{db}-{step}.log"
    try:
        return odoo_step(cmd, log, f"{step} in {db}")
    except Fail:
        sys.stdout.write(log.read_text()[-3000:])
        raise


def adoption_odoo(odoo_src, conf, db, addons, action, what):
    """Install (``-i``) or upgrade (``-u``) the addon found in ``addons``."""
    paths = [odoo_src / "addons", odoo_src / "odoo" / "addons", *addons]
    cmd = odoo_cmd(odoo_src, conf, "-d", db, action, ADDON, "--stop-after-init")
    cmd += ["--no-http", "--addons-path", ",".join(map(str, paths))]
    odoo_step(cmd, STATE / f"{db}{action}.log", what)


def adoption_compare(odoo_src, conf, db, before, after, scope):
    cmd = [str(venv_python()), str(ADOPTION_SCRIPT), "compare", str(before)]
    cmd += [str(after), "--scope", scope]
    proc = run(cmd, check=False, quiet=True)
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        raise Fail(f"{db}: records differ ({scope} snapshots {before}, {after})")


def adoption_migration(odoo_src, params, conf, db):
    """Install the previous release with demo data, add records through the
    flows, upgrade to the working tree's addon: every record is kept."""
    version, commit = PREVIOUS_RELEASE
    found = run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],
        check=False,
        quiet=True,
    )
    if found.returncode:
        raise Fail(
            f"the previous release {version} (commit {commit}) is not in this "
            "clone (a shallow clone?): run git fetch --unshallow, or skip with "
            "--no-adoption"
        )
    old = STATE / "adoption" / version
    shutil.rmtree(old, ignore_errors=True)
    old.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, ADDON],
        capture_output=True,
        check=False,
    )
    if archive.returncode:
        raise Fail(f"git archive {commit} failed: {archive.stderr.decode()[-500:]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(old, filter="data")
    say(f"{db}: {ADDON} {version} ({commit}) with demo data, upgraded to this tree")
    create_db(params, conf, db)
    adoption_odoo(odoo_src, conf, db, [old], "-i", f"installing {version} in {db}")
    adoption_step(odoo_src, conf, db, [old], "flows")
    before, after = (STATE / "adoption" / f"{db}-{t}.json" for t in ("old", "new"))
    adoption_step(odoo_src, conf, db, [old], "snapshot", "--out", str(before))
    adoption_odoo(odoo_src, conf, db, [ROOT], "-u", f"upgrading {ADDON} in {db}")
    adoption_step(odoo_src, conf, db, [ROOT], "snapshot", "--out", str(after))
    adoption_compare(odoo_src, conf, db, before, after, "addon")


def adoption_uninstall(odoo_src, params, conf, db):
    """Install the addon with demo data, run the flows, uninstall it: stock,
    sales and accounting records are all kept as they were."""
    say(f"{db}: {ADDON} with demo data and flows, then uninstalled")
    create_db(params, conf, db)
    adoption_odoo(odoo_src, conf, db, [ROOT], "-i", f"installing {ADDON} in {db}")
    adoption_step(odoo_src, conf, db, [ROOT], "flows")
    before, after = (STATE / "adoption" / f"{db}-{t}.json" for t in ("in", "out"))
    adoption_step(
        odoo_src, conf, db, [ROOT], "snapshot", "--scope", "core", "--out", str(before)
    )
    adoption_step(odoo_src, conf, db, [ROOT], "uninstall")
    adoption_step(
        odoo_src, conf, db, [ROOT], "snapshot", "--scope", "core", "--out", str(after)
    )
    adoption_compare(odoo_src, conf, db, before, after, "core")


# ---- ./dev bench ---------------------------------------------------------------------


def ensure_oca_addons():
    """Addons folder holding OCA's rma 18.0: $OCA_ADDONS, else the PyPI wheel
    downloaded with the venv's pip and unpacked into the cache."""
    env_path = os.environ.get("OCA_ADDONS")
    if env_path:
        path = Path(env_path).expanduser()
        if not (path / "rma" / "__manifest__.py").is_file():
            raise Fail(
                f"OCA_ADDONS={env_path} has no rma/ addon: point it at the folder "
                "holding OCA's rma (e.g. <site-packages>/odoo/addons) or unset it"
            )
        return path
    path = OCA_CACHE / "odoo" / "addons"
    if (path / "rma" / "__manifest__.py").is_file():
        return path
    say(f"OCA rma not found; downloading {OCA_REQUIREMENT} into {OCA_CACHE}")
    OCA_CACHE.mkdir(parents=True, exist_ok=True)
    cmd = [str(venv_python()), "-m", "pip", "download", "--disable-pip-version-check"]
    cmd += ["-q", "--no-deps", "-d", str(OCA_CACHE), OCA_REQUIREMENT]
    proc = run(cmd, check=False, quiet=True)
    wheels = sorted(OCA_CACHE.glob("odoo_addon_rma-*.whl"), key=os.path.getmtime)
    if proc.returncode or not wheels:
        raise Fail(
            f'could not download "{OCA_REQUIREMENT}" from PyPI: unpack that wheel '
            "and set OCA_ADDONS to its odoo/addons folder"
        )
    with zipfile.ZipFile(wheels[-1]) as wheel:
        wheel.extractall(OCA_CACHE)
    path = OCA_CACHE / "odoo" / "addons"
    if not (path / "rma" / "__manifest__.py").is_file():
        raise Fail(f"{wheels[-1]} holds no odoo/addons/rma: set OCA_ADDONS")
    return path


def _prepare_bench_db(odoo_src, params, conf, addons_path, db, module, install):
    """Install ``install`` (without demo data) into ``db``, or reuse it when
    ``module`` is installed there, updating the addons whose source changed."""
    state = addon_state(params, db, module) if db_exists(params, db) else None
    if state == "installed":
        say(f"reusing database {db}; updating the addons that changed")
        update_changed(conf, db, addons_path)
        return
    drop_db(params, db)
    log = STATE / f"{db}-install.log"
    say(f"creating database {db} with {', '.join(install)} (log: {log})")
    cmd = odoo_cmd(odoo_src, conf, "-d", db, "-i", ",".join(install))
    cmd += ["--without-demo=all", "--stop-after-init", "--no-http"]
    cmd += ["--addons-path", ",".join(map(str, addons_path))]
    odoo_step(cmd, log, f"installing {module} into {db}")
    if addon_state(params, db, module) != "installed":
        raise Fail(f"installing {module} into {db} failed: see {log}")


def _bench_scaleout(args, odoo_src, params, conf, addons_path):
    """./dev bench --suite scaleout: the public check at 1M serials, direct,
    through pgbouncer and on a streaming replica (tests/bench/bench_check.py,
    tools/scaleout.py); results in .run/bench-scaleout.{json,md}."""
    out = STATE / "bench-scaleout.md"
    cmd = [str(venv_python()), str(ROOT / "tests" / "bench" / "bench_check.py")]
    cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
    cmd += ["--addons-path", ",".join(map(str, addons_path)), "--db", BENCH_DB]
    cmd += ["--db-host", params["host"] or "127.0.0.1"]
    cmd += ["--db-port", str(params["port"] or 5432), "--db-user", params["user"]]
    cmd += ["--db-password", params["password"] or "", "--serials", str(args.serials)]
    cmd += ["--json", str(STATE / "bench-scaleout.json"), "--out", str(out)]
    if args.reset:
        cmd.append("--reset")
    proc = run(cmd, check=False, cwd=ROOT)
    if proc.returncode:
        raise Fail(
            f"the scale-out benchmark failed (exit {proc.returncode}): see above"
        )
    return out


def ensure_locust():
    """locust (requirements/load.txt) in a virtualenv of its own, shared by the
    checkouts of the machine and named after the checksum of its pins: it cannot
    live in .venv beside Odoo's pins (see load.txt). Returns its executable."""
    digest = hashlib.sha256(sys.version.encode())
    for req in (LOAD_REQUIREMENTS, LOAD_CONSTRAINTS):
        digest.update(req.read_bytes())
    venv = LOAD_VENVS / f"locust-{digest.hexdigest()[:12]}"
    locust = venv / "bin" / "locust"
    done = venv / ".installed"  # written last: a half-made virtualenv is made again
    if done.exists():
        return locust
    say(f"installing locust into its own virtualenv {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "venv", str(venv)], quiet=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    pip += ["--disable-pip-version-check", "-c", str(LOAD_CONSTRAINTS)]
    run([*pip, "-r", str(LOAD_REQUIREMENTS)], quiet=True)
    done.write_text("")
    return locust


def _bench_load(odoo_src, params, conf, args):
    """./dev bench --suite load: LOAD_DB with the addon and demo data (made once,
    then kept up to date), then tests/bench/bench_load.py on a fresh copy of it."""
    locust = ensure_locust()
    ensure_addon_db(odoo_src, params, conf, LOAD_DB)
    out = STATE / "bench-load.md"
    cmd = [str(venv_python()), str(ROOT / "tests" / "bench" / "bench_load.py")]
    cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
    cmd += ["--base-db", LOAD_DB, "--db", f"{LOAD_DB}_run", "--locust", str(locust)]
    cmd += ["--users", str(args.users), "--duration", str(args.duration)]
    cmd += ["--out-dir", str(STATE), "--targets", "--ways", args.via]
    proc = run(cmd, check=False, cwd=ROOT)
    if proc.returncode:
        raise Fail(
            f"the load run had errors or missed a target (exit {proc.returncode}): "
            f"see {out}"
        )
    say(f"load run done; results in {out} and {out.with_suffix('.json')}")
    return 0


def cmd_bench(args):
    started = time.time()
    odoo_src, params, conf = setup()
    addons_path = [odoo_src / "addons", odoo_src / "odoo" / "addons", ROOT]
    if args.suite == "load":  # its own databases (with demo data)
        return _bench_load(odoo_src, params, conf, args)
    if args.reset:
        for db in (BENCH_DB, BENCH_OCA_DB):
            say(f"dropping database {db}")
            drop_db(params, db)
    _prepare_bench_db(odoo_src, params, conf, addons_path, BENCH_DB, ADDON, [ADDON])
    if args.suite == "scaleout":
        out = _bench_scaleout(args, odoo_src, params, conf, addons_path)
        say(f"benchmark done in {time.time() - started:.0f}s; results in {out}")
        return 0
    if args.suite in ("warranty", "all"):
        say("warranty suite: backfill and lookup by serial, in a scratch database")
        cmd = [str(venv_python()), str(ROOT / "tests" / "bench" / "bench_warranty.py")]
        cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
        cmd += ["--addons-path", ",".join(map(str, addons_path)), "--db", BENCH_DB]
        cmd += ["--out", str(STATE / "bench-warranty-results.md")]
        cmd += ["--deliveries", str(args.deliveries), "--serials", str(args.serials)]
        proc = run(cmd, check=False, cwd=ROOT)
        if proc.returncode:
            raise Fail(f"the warranty benchmark failed (exit {proc.returncode})")
        if args.suite == "warranty":
            say(f"benchmark done in {time.time() - started:.0f}s")
            return 0
    if args.suite in ("portal", "all"):
        say(
            "portal suite: My RMAs and My units of one distributor, in a scratch "
            "database"
        )
        out = STATE / "bench-portal.md"
        cmd = [str(venv_python()), str(ROOT / "tests" / "bench" / "bench_portal.py")]
        cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
        cmd += ["--addons-path", ",".join(map(str, addons_path)), "--db", BENCH_DB]
        cmd += ["--out", str(out), "--sizes", args.portal_sizes]
        cmd += ["--rounds", str(args.rounds)]
        proc = run(cmd, check=False, cwd=ROOT)
        if proc.returncode:
            raise Fail(
                f"the portal benchmark failed or missed a target (exit "
                f"{proc.returncode}): see {out}"
            )
        if args.suite == "portal":
            say(f"benchmark done in {time.time() - started:.0f}s; results in {out}")
            return 0
    oca_addons = ensure_oca_addons()
    # OCA's rma next to the same dependencies as ours, so that core Odoo measured in
    # either database runs the same code but for the RMA addon.
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
    _prepare_bench_db(
        odoo_src,
        params,
        conf,
        [*addons_path, oca_addons],
        BENCH_OCA_DB,
        "rma",
        ["rma", *manifest["depends"]],
    )
    say(f"databases ready in {time.time() - started:.0f}s; running the benchmark")
    out = STATE / "bench-results.md"
    cmd = [str(venv_python()), str(ROOT / "tests" / "bench" / "bench_rma.py")]
    cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
    cmd += ["--addons-path", ",".join(map(str, [*addons_path, oca_addons]))]
    cmd += ["--db", BENCH_DB, "--oca-db", BENCH_OCA_DB, "--out", str(out)]
    cmd += ["--json", str(STATE / "bench-results.json")]
    cmd += ["--units", str(args.units), "--rounds", str(args.rounds)]
    if args.flows:
        cmd += ["--flows", args.flows]
    if args.no_explain:
        cmd.append("--no-explain")
    proc = run(cmd, check=False, cwd=ROOT)
    if proc.returncode:
        raise Fail(f"the benchmark failed (exit {proc.returncode}): see above")
    say(
        f"benchmark done in {time.time() - started:.0f}s; results in {out} and "
        f"{STATE / 'bench-results.json'}"
    )
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./dev", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser(
        "run", help="set up and serve Odoo with rma_warranty and demo data"
    )
    p_run.add_argument(
        "--reset", action="store_true", help="drop and recreate the demo database"
    )
    p_run.add_argument("--port", type=int, default=8069)
    p_run.add_argument("--db", default=DEMO_DB)
    p_test = sub.add_parser(
        "test", help="run every suite: lint, Odoo runner (tours too), pytest"
    )
    p_test.add_argument("--no-lint", action="store_true", help="skip the lint step")
    p_test.add_argument("--no-odoo", action="store_true", help="skip Odoo's runner")
    p_test.add_argument("--no-pytest", action="store_true", help="skip tests/")
    p_test.add_argument(
        "--no-adoption",
        action="store_true",
        help="skip the upgrade from the previous release and the uninstall "
        "(scratch databases, ~10 min)",
    )
    p_test.add_argument(
        "--db",
        default=TEST_DB,
        help="test database (recreated from a cached template of the addon's "
        "dependencies; also names that template: see click-odoo-initdb)",
    )
    p_test.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep an existing test database, updating the addons that changed",
    )
    p_test.add_argument(
        "--fast",
        action="store_true",
        help="developer loop: only the addon's tests that need no HTTP server, "
        "through pytest-odoo, in the test database kept up to date",
    )
    p_test.add_argument("-k", metavar="EXPR", help="--fast: pytest -k EXPR")
    p_test.add_argument(
        "--lf", action="store_true", help="--fast: rerun the last failures only"
    )
    p_test.add_argument(
        "--tags",
        default=f"/{ADDON}",
        help="Odoo --test-tags (default: every test of the addon)",
    )
    p_bench = sub.add_parser(
        "bench",
        help="side-by-side benchmark: rma_warranty, OCA rma 18.0, core Odoo",
        description="Prepare the databases rmaw_bench (rma_warranty) and "
        "rmaw_bench_oca (OCA rma from $OCA_ADDONS or the PyPI wheel), then time "
        "and count the queries of the same RMA flows in interleaved rounds; "
        "results in .run/bench-results.md and .json.",
    )
    p_bench.add_argument(
        "--reset", action="store_true", help="drop and recreate both databases"
    )
    p_bench.add_argument(
        "--suite",
        choices=("rma", "warranty", "portal", "scaleout", "load", "all"),
        default="all",
        help="rma: RMA flows against OCA rma and core; warranty: install-time "
        "backfill and lookup by serial at scale; portal: My RMAs and My units of "
        "one distributor at scale, against a follower rule; scaleout: the public "
        "check direct, through pgbouncer and on a streaming replica; load: portal "
        "and public pages under locust, Odoo with --workers; all (default): rma, "
        "warranty and portal",
    )
    p_bench.add_argument(
        "--users", type=int, default=50, help="load suite: portal users (50)"
    )
    p_bench.add_argument(
        "--duration", type=int, default=60, help="load suite: seconds of load (60)"
    )
    p_bench.add_argument(
        "--via",
        default="direct",
        help="load suite: the runs, comma-separated: direct (default), pgbouncer "
        "(transaction pooling), replica (Odoo with --db_replica_host on a "
        "streaming replica)",
    )
    p_bench.add_argument(
        "--portal-sizes",
        default="10000,90000",
        help="portal suite: RMAs of the distributor, growing (10000,90000)",
    )
    p_bench.add_argument(
        "--deliveries",
        type=int,
        default=100_000,
        help="warranty suite: delivered serials to backfill (100000)",
    )
    p_bench.add_argument(
        "--serials",
        type=int,
        default=1_000_000,
        help="warranty and scaleout suites: serials to look up among (1000000)",
    )
    p_bench.add_argument(
        "--units",
        default="100",
        help="units returned per flow, a list of sizes, each N or N:ROUNDS "
        "(e.g. 1,100,1000:1; default 100)",
    )
    p_bench.add_argument(
        "--rounds", type=int, default=5, help="measured rounds after a warm-up (5)"
    )
    p_bench.add_argument(
        "--flows",
        help="only these flows, comma-separated: core, rmaw_one, rmaw_many, "
        "rmaw_one_replace, rmaw_many_replace, core_oca, oca_one, oca_many, "
        "oca_one_replace, oca_many_replace (default: all)",
    )
    p_bench.add_argument(
        "--no-explain",
        action="store_true",
        help="skip the query call-site breakdown of rma_warranty's flows",
    )
    sub.add_parser("readme", help=f"build {ADDON}/README.rst from {ADDON}/readme/")
    sub.add_parser(
        "setup",
        help="only prepare Odoo source, virtualenv, system packages and PostgreSQL",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "test":
            return cmd_test(args)
        if args.command == "bench":
            return cmd_bench(args)
        if args.command == "readme":
            return cmd_readme(args)
        setup()
        say("set-up complete")
        return 0
    except Fail as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
