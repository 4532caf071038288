"""pytest plugin of ``./dev test --fast`` (beside pytest-odoo): keep the tests that
need no HTTP server, i.e. leave out HttpCase (tours, controllers), which stay with
Odoo's runner in the full ``./dev test``; and run each test in the test mode of
Odoo's runner."""

import threading

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Odoo's runner (odoo.tests.suite, odoo.tests.loader.run_suite) makes the test
    # running odoo.modules.module.current_test, from its class set-up to its
    # tear-down, with threading.current_thread().testing set; pytest-odoo does
    # neither on 18.0 (current_test only from 19.0). Odoo checks them: without
    # current_test, ir.mail_server connects to SMTP and sends for real, so a mail
    # sent by a test fails instead of being sent and unlinked (auto_delete), whose
    # unlink invalidates the whole cache; a test then reads values cached before
    # (a sale.order's is_expired, an rma.order's repair_ids) that Odoo's runner
    # reads fresh.
    from odoo.modules import module
    from odoo.tests import BaseCase

    instance = getattr(item, "instance", None)
    if not isinstance(instance, BaseCase):
        return (yield)
    thread = threading.current_thread()
    saved = module.current_test, getattr(thread, "testing", False)
    module.current_test, thread.testing = instance, True
    try:
        return (yield)
    finally:
        module.current_test, thread.testing = saved
