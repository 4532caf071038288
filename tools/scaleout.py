"""Scale-out on PostgreSQL's own engine: a streaming replica and pgbouncer (issue 16).

Standard library only (used by tools/dev.py before anything else exists). Two
context managers, each leaving nothing running when its block ends:

- ``replica(params)``: a hot standby of the local primary, made by
  ``pg_basebackup -R`` into ``.run/replica/`` and started on its own port
  (5433 or the next free one); yields ``(host, port)`` once it is in recovery and
  streaming. Odoo uses it with ``--db_replica_host/--db_replica_port``.
- ``pgbouncer(params, host, port)``: Debian's pgbouncer in transaction pooling in
  front of ``host:port``, configured in ``.run/pgbouncer/pgbouncer.ini``, on its
  own port (6432 or the next free one); yields ``(host, port)``. The database
  ``postgres``, which Odoo uses for its ``LISTEN`` (the bus's ``imbus``, the
  cron workers' ``cron_trigger``) and their ``NOTIFY``, is pooled per session:
  a ``LISTEN`` needs its own server connection, which transaction pooling
  cannot give it.

``params`` are tools/dev.py's connection parameters (``db_params()``). As root,
the PostgreSQL processes run as the ``postgres`` OS user (neither postgres nor
pgbouncer runs as root), the replication role is created with the local
superuser and allowed in pg_hba.conf; without root, what is missing is named.
Anything that cannot be done raises ``ScaleoutError`` with a one-line message
that tools/dev.py prints as ``error: ...``.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".run"
# The role the replica streams as (REPLICATION, no other right).
REPLICATION_ROLE = os.environ.get("RMAW_REPLICATION_ROLE") or "rmaw_replicator"
REPLICA_PORT = 5433
PGBOUNCER_PORT = 6432
# Marks the pg_hba.conf line this module adds, so that it is added once.
HBA_MARK = "# rma_warranty tools/scaleout.py: the replica streams as this role"
# Standby settings that must be at least the primary's, or it refuses to start.
STANDBY_MINIMA = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
# Session settings copied from the primary, so that both answer alike.
COPIED_SETTINGS = ("TimeZone", "DateStyle", "lc_messages", "lc_monetary")
COPIED_SETTINGS += ("lc_numeric", "lc_time", "default_text_search_config")


class ScaleoutError(Exception):
    """Something the replica or pgbouncer needs is missing: says what and how."""


# ---- Helpers -------------------------------------------------------------------------


def _is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _port_open(host, port):
    with (
        contextlib.suppress(OSError),
        socket.create_connection((host, int(port)), timeout=2),
    ):
        return True
    return False


def _free_port(start):
    for port in range(start, start + 50):
        if not _port_open("127.0.0.1", port):
            return port
    raise ScaleoutError(f"no free port in {start}-{start + 49}")


def _as_owner(cmd):
    """``cmd`` run as the OS user owning the PostgreSQL processes: ``postgres``
    when root (PostgreSQL and pgbouncer refuse to run as root), else oneself."""
    return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else list(cmd)


def _own(path):
    """Give ``path`` to the OS user the PostgreSQL processes run as."""
    if _is_root():
        shutil.chown(path, "postgres", "postgres")


def _run(cmd, what, timeout=None, env=None):
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
        timeout=timeout,
        env=env,
    )
    if proc.returncode:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit {proc.returncode}"
        raise ScaleoutError(f"{what} failed: {last}")
    return proc.stdout


def pg_bin(params, name):
    """The binary ``name`` of the primary's major version (Debian's layout)."""
    major = sql(params, "SHOW server_version_num")[0][0][:-4]
    path = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise ScaleoutError(
            f"{name} of PostgreSQL {major} is missing: install postgresql-{major}"
        )
    return found


def sql(params, query, host=None, port=None, dbname="postgres", user=None):
    """Rows of ``query`` (a list of tuples of strings) through ``psql`` as the
    role of ``params`` (or ``user``), on the primary unless ``host``/``port``."""
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    env = dict(os.environ, PGCONNECT_TIMEOUT="5")
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    cmd = [psql, "-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    cmd += ["-h", host or params["host"] or "127.0.0.1"]
    cmd += ["-p", str(port or params["port"] or 5432)]
    cmd += ["-U", user or params["user"], "-d", dbname, "-c", query]
    out = _run(cmd, f"psql ({query.split()[0]})", timeout=60, env=env)
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def superuser_sql(query, dbname="postgres"):
    """Run ``query`` as the local superuser (root only: Debian's ``postgres`` OS
    user, logged in by peer authentication on the local socket)."""
    if not _is_root():
        raise ScaleoutError(
            "not root: cannot act as the local PostgreSQL superuser "
            f"(needed for: {query.split(' (')[0][:60]})"
        )
    cmd = ["runuser", "-u", "postgres", "--", "psql", "-X", "-Atq"]
    cmd += ["-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", query]
    return _run(cmd, f"superuser psql ({query.split()[0]})", timeout=60)


def _check_local(params):
    host = params["host"] or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ScaleoutError(
            f"the replica is made of the local primary; PGHOST={host} is not "
            "local: unset PGHOST/PGPORT or make the replica on that server"
        )


# ---- Replica -------------------------------------------------------------------------


def _replication_works(params):
    """Can ``REPLICATION_ROLE`` open a replication connection to the primary?"""
    try:
        sql(params, "IDENTIFY_SYSTEM", dbname="replication=true", user=REPLICATION_ROLE)
    except ScaleoutError:
        return False
    return True


def ensure_replication_role(params):
    """A role with REPLICATION that pg_hba.conf lets in over 127.0.0.1 (made
    with the local superuser when root; otherwise say what is missing)."""
    if _replication_works(params):
        return
    if not _is_root():
        raise ScaleoutError(
            f"the primary refuses a replication connection as {REPLICATION_ROLE}: "
            f"create it (CREATE ROLE {REPLICATION_ROLE} LOGIN REPLICATION) and "
            f"allow it in pg_hba.conf (host replication {REPLICATION_ROLE} "
            "127.0.0.1/32 trust), reload, or run as root"
        )
    superuser_sql(
        f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        f"'{REPLICATION_ROLE}') THEN CREATE ROLE {REPLICATION_ROLE} LOGIN "
        "REPLICATION; END IF; END$$"
    )
    hba = Path(superuser_sql("SHOW hba_file").strip())
    text = hba.read_text()
    if HBA_MARK not in text:
        # Trust on the loopback only, as the local cluster's own lines do.
        line = f"host replication {REPLICATION_ROLE} 127.0.0.1/32 trust"
        hba.write_text(f"{text.rstrip()}\n{HBA_MARK}\n{line}\n")
    superuser_sql("SELECT pg_reload_conf()")
    for _ in range(20):
        if _replication_works(params):
            return
        time.sleep(0.5)
    raise ScaleoutError(
        f"the primary still refuses a replication connection as {REPLICATION_ROLE} "
        f"after adding it to {hba}: check that file and the server's log"
    )


def _replica_conf(params, port, sock_dir):
    """postgresql.conf of the standby: its port, a hot standby, the primary's
    limits and locale, pg_stat_statements (when installed) to show what ran."""
    names = STANDBY_MINIMA + COPIED_SETTINGS
    rows = sql(
        params,
        "SELECT name, setting FROM pg_settings WHERE name IN ("
        + ", ".join(f"'{n}'" for n in names)
        + ")",
    )
    lines = [
        "# Written by tools/scaleout.py: a hot standby of the local primary.",
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{sock_dir}'",
        "hot_standby = on",
        # Long reads on the standby are not cancelled by the primary's vacuum.
        "hot_standby_feedback = on",
        # The base backup is written without fsync (--no-sync); one syncfs at
        # start instead of a walk over every file.
        "recovery_init_sync_method = syncfs",
        "shared_buffers = 128MB",
        "log_line_prefix = '%m [%p] %q%u@%d '",
    ]
    lines += [f"{name} = '{value}'" for name, value in rows]
    major = sql(params, "SHOW server_version_num")[0][0][:-4]
    if Path(f"/usr/lib/postgresql/{major}/lib/pg_stat_statements.so").is_file():
        lines += [
            "shared_preload_libraries = 'pg_stat_statements'",
            "pg_stat_statements.track = top",
        ]
    return "\n".join(lines) + "\n"


def _replica_hba(params):
    """The standby's pg_hba.conf: the primary's when readable, else the loopback
    with passwords and the local socket by peer."""
    with contextlib.suppress(ScaleoutError, OSError):
        return Path(superuser_sql("SHOW hba_file").strip()).read_text()
    return "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n"


def replica_status(params, port):
    """(in recovery, streaming) of the standby on ``port``: streaming when its
    WAL receiver runs and has received WAL (both readable by any role, unlike
    pg_stat_wal_receiver's status)."""
    rows = sql(
        params,
        "SELECT pg_is_in_recovery(), "
        "EXISTS (SELECT FROM pg_stat_wal_receiver WHERE pid IS NOT NULL) "
        "AND pg_last_wal_receive_lsn() IS NOT NULL",
        port=port,
    )
    return rows[0][0] == "t", rows[0][1] == "t"


def wait_caught_up(params, host, port, timeout=600):
    """Wait until the standby has replayed everything the primary wrote so far."""
    target = sql(params, "SELECT pg_current_wal_lsn()")[0][0]
    deadline = time.time() + timeout
    while time.time() < deadline:
        behind = sql(
            params,
            f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())",
            host=host,
            port=port,
        )[0][0]
        if float(behind) <= 0:
            return
        time.sleep(0.5)
    raise ScaleoutError(f"the replica did not replay up to {target} in {timeout}s")


def _pg_ctl(params, data, *args, what):
    cmd = _as_owner([pg_bin(params, "pg_ctl"), "-D", str(data), *args])
    return _run(cmd, what, timeout=300)


@contextlib.contextmanager
def replica(params, port=None, state=STATE, keep=False):
    """A streaming hot standby of the local primary for the block; yields
    ``(host, port)``. Made afresh by ``pg_basebackup -R`` (a copy of the whole
    cluster) into ``state/replica/data``, stopped and removed (unless ``keep``)
    at the end, also when the block fails."""
    _check_local(params)
    ensure_replication_role(params)
    base = state / "replica"
    data, sock, log = base / "data", base / "sock", base / "replica.log"
    if (data / "postmaster.pid").is_file():  # left running by an interrupted run
        with contextlib.suppress(ScaleoutError):
            _pg_ctl(params, data, "-m", "immediate", "stop", what="stopping it")
    shutil.rmtree(base, ignore_errors=True)
    state.mkdir(exist_ok=True)
    base.mkdir()
    sock.mkdir()
    for path in (base, sock):
        _own(path)
    port = port or _free_port(REPLICA_PORT)
    started = time.time()
    cmd = [pg_bin(params, "pg_basebackup"), "-h", params["host"] or "127.0.0.1"]
    cmd += ["-p", str(params["port"] or 5432), "-U", REPLICATION_ROLE]
    # -R: standby.signal and primary_conninfo; fast checkpoint; WAL streamed.
    cmd += ["-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync"]
    try:
        _run(_as_owner(cmd), "pg_basebackup of the primary", timeout=1800)
        (data / "postgresql.conf").write_text(_replica_conf(params, port, sock))
        (data / "pg_hba.conf").write_text(_replica_hba(params))
        (data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            _own(data / name)
        copied = time.time() - started
        _pg_ctl(
            params, data, "-l", str(log), "-w", "-t", "300", "start",
            what=f"starting the replica (log: {log})",
        )  # fmt: skip
        deadline = time.time() + 120
        status = (False, False)
        while time.time() < deadline:
            with contextlib.suppress(ScaleoutError):
                status = replica_status(params, port)
                if status == (True, True):
                    break
            time.sleep(0.5)
        else:
            raise ScaleoutError(
                f"the replica on port {port} is not streaming (in recovery, "
                f"streaming: {status}): see {log}"
            )
        print(
            f"[scaleout] replica streaming on 127.0.0.1:{port} "
            f"(base backup {copied:.0f}s, log {log})",
            flush=True,
        )
        yield "127.0.0.1", port
    finally:
        if (data / "postmaster.pid").is_file():
            with contextlib.suppress(ScaleoutError):
                _pg_ctl(params, data, "-m", "fast", "-w", "stop", what="stopping")
        if not keep:
            shutil.rmtree(data, ignore_errors=True)


# ---- pgbouncer -----------------------------------------------------------------------


def ensure_pgbouncer():
    """Debian's pgbouncer: installed with apt-get when missing and root."""
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").is_file() else None
    )
    if found:
        return found
    if not (_is_root() and shutil.which("apt-get")):
        raise ScaleoutError(
            "pgbouncer is not installed: sudo apt-get install pgbouncer, then run again"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("[scaleout] installing pgbouncer", flush=True)
    _run(["apt-get", "update", "-q"], "apt-get update", env=env)
    _run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "pgbouncer"],
        "apt-get install pgbouncer",
        env=env,
    )
    # Debian's package may start its own service on 6432: ours has its own port.
    return shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def pgbouncer_ini(params, target_host, target_port, port, base):
    """The configuration: transaction pooling for every database but
    ``postgres`` (Odoo's LISTEN connections: per session), trust on the
    loopback as the local cluster, the role's password in the auth file for
    the server's own authentication, the admin console for its statistics."""
    target = f"host={target_host} port={target_port}"
    user = params["user"]
    return "\n".join(
        [
            "; Written by tools/scaleout.py (issue 16).",
            "[databases]",
            f"postgres = {target} pool_mode=session",
            f"* = {target}",
            "",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            f"unix_socket_dir = {base}",
            "pool_mode = transaction",
            "auth_type = trust",
            f"auth_file = {base / 'userlist.txt'}",
            f"admin_users = {user}",
            f"stats_users = {user}",
            "max_client_conn = 1000",
            "default_pool_size = 20",
            # Odoo's workers keep their connections: let the pool give them back.
            "server_idle_timeout = 60",
            # Odoo connects to "postgres" on every request (its database list):
            # a log line per login and logout would be most of the log.
            "log_connections = 0",
            "log_disconnections = 0",
            f"logfile = {base / 'pgbouncer.log'}",
            f"pidfile = {base / 'pgbouncer.pid'}",
            "",
        ]
    )


def pgbouncer_sql(params, host, port, query):
    """``query`` on pgbouncer's admin console (``SHOW STATS``, ``SHOW POOLS``):
    rows as dicts."""
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    env = dict(os.environ, PGCONNECT_TIMEOUT="5")
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    cmd = [psql, "-X", "-A", "-F", "\t", "-P", "footer=off", "-h", host]
    cmd += ["-p", str(port), "-U", params["user"], "-d", "pgbouncer", "-c", query]
    lines = _run(cmd, f"pgbouncer {query}", timeout=30, env=env).splitlines()
    header = lines[0].split("\t") if lines else []
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]


def _stop_pgbouncer(pidfile, ini):
    """SIGTERM (immediate shutdown) to the pgbouncer of ``pidfile``, only if that
    process is a pgbouncer run with ``ini`` (a stale pidfile's number may belong
    to another process by now); True if one was signalled."""
    with contextlib.suppress(ValueError, OSError):
        pid = int(pidfile.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if any(b"pgbouncer" in arg for arg in cmdline) and str(ini).encode() in cmdline:
            os.kill(pid, signal.SIGTERM)
            return True
    return False


@contextlib.contextmanager
def pgbouncer(params, target_host, target_port, port=None, state=STATE):
    """pgbouncer in transaction pooling in front of ``target_host:target_port``
    for the block; yields ``(host, port)``; stopped at the end."""
    binary = ensure_pgbouncer()
    base = state / "pgbouncer"
    state.mkdir(exist_ok=True)
    base.mkdir(exist_ok=True)
    _own(base)
    pidfile = base / "pgbouncer.pid"
    ini = base / "pgbouncer.ini"
    if _stop_pgbouncer(pidfile, ini):  # left running by an interrupted run
        time.sleep(1)
    pidfile.unlink(missing_ok=True)
    port = port or _free_port(PGBOUNCER_PORT)
    ini.write_text(pgbouncer_ini(params, target_host, target_port, port, base))
    users = base / "userlist.txt"
    users.write_text(f'"{params["user"]}" "{params.get("password") or ""}"\n')
    users.chmod(0o600)
    for path in (ini, users):
        _own(path)
    log = base / "pgbouncer.log"
    # Its output goes to a file: a pipe nobody reads fills up and blocks it.
    console = base / "pgbouncer.out"
    with console.open("w") as out:
        proc = subprocess.Popen(
            _as_owner([binary, str(ini)]),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd="/",
        )
    try:
        deadline = time.time() + 30
        while not _port_open("127.0.0.1", port):
            if proc.poll() is not None or time.time() > deadline:
                err = console.read_text(errors="replace").strip()
                raise ScaleoutError(
                    f"pgbouncer did not start on port {port}: "
                    f"{err.splitlines()[-1] if err else f'see {log}'}"
                )
            time.sleep(0.2)
        print(
            f"[scaleout] pgbouncer (transaction pooling) on 127.0.0.1:{port} -> "
            f"{target_host}:{target_port} (config {ini})",
            flush=True,
        )
        yield "127.0.0.1", port
    finally:
        if proc.poll() is None:
            # SIGTERM: immediate shutdown; to pgbouncer itself (its pidfile),
            # under runuser when root.
            _stop_pgbouncer(pidfile, ini)
            with contextlib.suppress(OSError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        pidfile.unlink(missing_ok=True)


# ---- Odoo ----------------------------------------------------------------------------


def odoo_db_args(params, replica_at, pgbouncer_at):
    """Odoo's command-line database options of the three ways to reach
    PostgreSQL: ``{"direct", "pgbouncer", "replica"}`` -> arguments, from the
    ``(host, port)`` of ``replica()`` and ``pgbouncer()``; for any server run
    beside the benchmark (a load run: ``run_load(args, label, host, port)``)."""
    host, port = params["host"] or "127.0.0.1", str(params["port"] or 5432)
    direct = ["--db_host", host, "--db_port", port]
    return {
        "direct": direct,
        "pgbouncer": ["--db_host", pgbouncer_at[0], "--db_port", str(pgbouncer_at[1])],
        "replica": [
            *direct,
            "--db_replica_host",
            replica_at[0],
            "--db_replica_port",
            str(replica_at[1]),
        ],
    }
