"""The load run in small (issue 16): 3 portal users of the load world, a few seconds
of locust against the server ``./dev test`` started, every page at least once.

It fails on errors only, never on timings: a failed request (5xx, a lost session, a
page without its content, a refused request form, a code guess answered otherwise
than "not valid" or "throttled") or a submission not filed exactly once. The full
run is ``./dev bench --suite load`` (tests/bench/bench_load.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "bench"
sys.path.insert(0, str(BENCH))

import bench_load
import load_world

USERS = 3
SECONDS = 5


@pytest.fixture
def load_params(client, demo_logins):
    """The load run's system parameters, set as the administrator for the smoke
    and put back afterwards (other suites see the addon's defaults)."""
    client.login("admin", dict(demo_logins)["admin"])

    def call(method, *args):
        result = client.jsonrpc(
            "/web/dataset/call_kw",
            {
                "model": "ir.config_parameter",
                "method": method,
                "args": list(args),
                "kwargs": {},
            },
        )
        assert "error" not in result, result["error"]
        return result["result"]

    before = {key: call("get_param", key) for key in load_world.LOAD_PARAMS}
    for key, value in load_world.LOAD_PARAMS.items():
        call("set_param", key, value)
    yield
    for key, value in before.items():
        call("set_param", key, value)


def test_load_smoke(base_url, db, load_params, tmp_path):
    locust = os.environ.get("RMAW_LOCUST")
    config = os.environ.get("RMAW_ODOO_CONF")
    if not (locust and config):
        pytest.fail("RMAW_LOCUST and RMAW_ODOO_CONF are set by ./dev test")
    users_file = tmp_path / "users.json"
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "load_world.py"),
            "--config",
            config,
            "--db",
            db,
            "--users",
            str(USERS),
            "--prefix",
            "load_smoke_",
            "--out",
            str(users_file),
            "--no-params",
        ],
        check=True,
    )
    last_rma = bench_load.query(
        config, db, "SELECT coalesce(max(id), 0) FROM rma_order"
    )[0][0]
    out = tmp_path / "locust.json"
    subprocess.run(
        [
            locust,
            "-f",
            str(BENCH / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            f"{SECONDS}s",
            "--host",
            base_url,
            "--stop-timeout",
            "60",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        env=dict(
            os.environ,
            RMAW_LOAD_USERS=str(users_file),
            RMAW_LOAD_OUT=str(out),
            RMAW_LOAD_WAIT="0.2,1",
            RMAW_LOAD_TOUR="1",  # every page once first: each is exercised
        ),
        check=True,
        cwd=BENCH,
    )
    run = json.loads(out.read_text())
    failed = [sample for sample in run["samples"] if sample[2]]
    assert not failed, failed[:10]
    assert {name for name, _pattern in bench_load.PAGES} <= {
        sample[0] for sample in run["samples"]
    }
    assert run["guesses"].get("other", 0) == 0
    logins = [user["login"] for user in json.loads(users_file.read_text())["users"]]
    rows = bench_load.filed_rmas(config, db, last_rma, logins)
    once, detail = bench_load.exactly_once(run, rows)
    assert once, detail
    assert detail["submissions_seen"] >= USERS, detail


@pytest.fixture(autouse=True)
def _forget_counters(db):
    """The server committed the smoke's rate-limit counters (127.0.0.1 and its
    users): removed afterwards, so that a test database kept for the next run
    (--reuse-db) starts without them (TestPortalCheck counts on an empty table)."""
    yield
    config = os.environ.get("RMAW_ODOO_CONF")
    if config:
        bench_load.query(
            config,
            db,
            """
            DELETE FROM rma_rate_limit
             WHERE key = '127.0.0.1'
                OR key IN (SELECT id::text FROM res_users WHERE login LIKE %s)
            """,
            ("load\\_smoke\\_%",),
        )
