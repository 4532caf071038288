"""pytest plugin of ``./dev test --fast`` (beside pytest-odoo): keep the tests that
need no HTTP server, i.e. leave out HttpCase (tours, controllers), which stay with
Odoo's runner in the full ``./dev test``."""


def pytest_collection_modifyitems(config, items):
    from odoo.tests import HttpCase

    kept, dropped = [], []
    for item in items:
        cls = getattr(item, "cls", None)
        (dropped if cls and issubclass(cls, HttpCase) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
