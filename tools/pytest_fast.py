"""pytest plugin of ``./dev test --fast`` (beside pytest-odoo): keep the tests that
need no HTTP server, i.e. leave out HttpCase (tours, controllers), which stay with
Odoo's runner in the full ``./dev test``."""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    # Importing the test modules imports odoo.tests, which logs an ERROR unless
    # test_enable is set; pytest-odoo sets it only around each test module (set for
    # good, loading the registry would run the tests of Odoo's runner too).
    from odoo.tools import config

    config["test_enable"] = True
    try:
        return (yield)
    finally:
        config["test_enable"] = False


def pytest_collection_modifyitems(config, items):
    from odoo.tests import HttpCase

    kept, dropped = [], []
    for item in items:
        cls = getattr(item, "cls", None)
        (dropped if cls and issubclass(cls, HttpCase) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
