"""Suites that drive a running Odoo server with rma_warranty installed, and suites of
the tooling itself that need none (test_junit.py: ``pytest tests/test_junit.py``).

`./dev test` starts that server and sets RMAW_BASE_URL, RMAW_DB and RMAW_DEMO_LOGINS.
"""

import json
import os

import pytest
import requests

SERVER_FIXTURES = {"base_url", "db", "client", "demo_logins"}


def pytest_collection_modifyitems(config, items):
    # The suites that drive a server need one; the others (test_junit.py) do not.
    needs_server = any(SERVER_FIXTURES & set(item.fixturenames) for item in items)
    if needs_server and not os.environ.get("RMAW_BASE_URL"):
        raise pytest.UsageError(
            "these suites drive a running server: run them with ./dev test "
            "(or set RMAW_BASE_URL and RMAW_DB yourself)"
        )


@pytest.fixture(scope="session")
def base_url():
    return os.environ["RMAW_BASE_URL"].rstrip("/")


@pytest.fixture(scope="session")
def db():
    return os.environ["RMAW_DB"]


@pytest.fixture(scope="session")
def demo_logins():
    return [
        tuple(pair) for pair in json.loads(os.environ.get("RMAW_DEMO_LOGINS", "[]"))
    ]


class Client:
    """A browser-like session on the server (cookies kept between calls)."""

    def __init__(self, base_url, db):
        self.base_url = base_url
        self.db = db
        self.http = requests.Session()

    def get(self, path, **kw):
        kw.setdefault("timeout", 60)
        return self.http.get(self.base_url + path, **kw)

    def jsonrpc(self, path, params):
        resp = self.http.post(
            self.base_url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=60,
        )
        resp.raise_for_status()
        return resp.json()

    def login(self, login, password):
        return self.jsonrpc(
            "/web/session/authenticate",
            {"db": self.db, "login": login, "password": password},
        )


@pytest.fixture
def client(base_url, db):
    client = Client(base_url, db)
    yield client
    client.http.close()
