"""tools/scaleout.py's pgbouncer, for real, in a few seconds (no Odoo server):
transaction pooling for the databases, session pooling for ``postgres``, where Odoo's
bus and cron LISTEN. The replica is not smoked here: its base backup copies the
whole local cluster (tens of seconds at least); ``./dev bench --suite scaleout``
runs it."""

import os
import select
import shutil
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import dev  # tools/ is not a package
import scaleout

PARAMS = {"host": "127.0.0.1", "port": "5432", "user": "u", "password": "p"}


def test_pgbouncer_ini_pools_transactions_but_listen_sessions(tmp_path):
    ini = scaleout.pgbouncer_ini(PARAMS, "127.0.0.1", 5432, 6499, tmp_path)
    lines = ini.splitlines()
    assert "pool_mode = transaction" in lines
    assert "postgres = host=127.0.0.1 port=5432 pool_mode=session" in lines
    assert "* = host=127.0.0.1 port=5432" in lines
    assert "listen_addr = 127.0.0.1" in lines
    assert "listen_port = 6499" in lines


def test_odoo_db_args_of_the_three_ways():
    args = scaleout.odoo_db_args(PARAMS, ("127.0.0.1", 5433), ("127.0.0.1", 6432))
    assert args["direct"] == ["--db_host", "127.0.0.1", "--db_port", "5432"]
    assert args["pgbouncer"] == ["--db_host", "127.0.0.1", "--db_port", "6432"]
    assert args["replica"][-4:] == [
        "--db_replica_host",
        "127.0.0.1",
        "--db_replica_port",
        "5433",
    ]


def _heard(listener, sender):
    listener.cursor().execute("LISTEN rmaw_scaleout_test")
    sender.cursor().execute("NOTIFY rmaw_scaleout_test, 'x'")
    deadline = time.time() + 2
    while time.time() < deadline and not listener.notifies:
        if select.select([listener], [], [], 0.2)[0]:
            listener.poll()
    return bool(listener.notifies)


def test_through_pgbouncer():
    if not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").is_file()):
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    import psycopg2

    params = dev.db_params()
    auth = {"user": params["user"], "password": params["password"] or None}
    # Under .run/ (not pytest's tmp_path, private to its user): pgbouncer runs as
    # postgres when root; a folder of its own beside a benchmark's pgbouncer.
    state = dev.STATE / "test-scaleout"
    state.mkdir(parents=True, exist_ok=True)
    with scaleout.pgbouncer(
        params, params["host"] or "127.0.0.1", params["port"] or 5432, state=state
    ) as (host, port):
        assert scaleout.sql(params, "SELECT 41 + 1", host=host, port=port) == [("42",)]
        stats = scaleout.pgbouncer_sql(params, host, port, "SHOW STATS")
        assert "postgres" in {row["database"] for row in stats}
        connections = []
        try:
            for dbname, via in (("template1", host), ("postgres", host)):
                listener = psycopg2.connect(host=via, port=port, dbname=dbname, **auth)
                sender = psycopg2.connect(
                    host=params["host"], port=params["port"], dbname=dbname, **auth
                )
                connections += [listener, sender]
                listener.autocommit = sender.autocommit = True
                # A LISTEN in transaction pooling loses its server connection;
                # postgres is pooled per session: Odoo's bus and cron hear there.
                assert _heard(listener, sender) is (dbname == "postgres"), dbname
        finally:
            for connection in connections:
                connection.close()
    assert not scaleout._port_open("127.0.0.1", port)


def test_a_stale_pidfile_stops_nothing_else(tmp_path):
    """A pidfile left by a killed run may name another process by now."""
    pidfile = tmp_path / "pgbouncer.pid"
    pidfile.write_text(f"{os.getpid()}\n")  # this very process: not a pgbouncer
    assert scaleout._stop_pgbouncer(pidfile, tmp_path / "pgbouncer.ini") is False
