# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scale-out on Odoo's own engine (issue 16, DESIGN §7): the pages a replica serves
are ``readonly=True`` routes and really run on a read-only cursor; the writes do
not; a readonly route that writes is retried on the primary and still answers;
nothing of ours keeps session state that a transaction pooler (pgbouncer) loses."""

import ast
import re
import threading
from pathlib import Path
from unittest.mock import patch

from odoo.http import request
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RmaCommon

ADDON_DIR = Path(__file__).resolve().parent.parent
CONTROLLERS = "odoo.addons.rma_warranty.controllers."

# Every route of the addon, (path, methods) -> readonly. A replica serves the
# readonly ones (--db_replica_host); a new route must be placed here.
ROUTES = {
    ("/warranty/check", ("GET",)): True,
    ("/warranty/check/json", ("GET",)): True,
    ("/my/rmas", None): True,
    ("/my/rmas/page/<int:page>", None): True,
    ("/my/rmas/<int:rma_id>", None): True,
    ("/my/rmas/<int:rma_id>/authorisation", None): True,
    ("/my/rmas/<int:rma_id>/service-report", None): True,
    # Gives the document its access token the first time it is shown.
    (
        "/my/rmas/<int:rma_id>/<any(quote,invoice,refund):kind>/<int:document_id>",
        None,
    ): False,
    (
        "/my/rmas/<int:rma_id>/distributor/<any(handle,escalate):choice>",
        ("POST",),
    ): False,
    ("/my/rmas/new", ("GET",)): True,
    ("/my/rmas/new", ("POST",)): False,
    ("/my/rmas/new/lookup", ("POST",)): True,
    # Follow-up RMA (issue 17): the request form, prefilled.
    ("/my/rmas/<int:rma_id>/followup", ("GET",)): True,
    ("/my/units", None): True,
    ("/my/units/page/<int:page>", None): True,
    ("/my/units/<int:lot_id>", None): True,
    ("/my/units/<int:lot_id>/certificate", None): True,
    ("/my/units/register", ("GET",)): True,
    ("/my/units/register", ("POST",)): False,
    ("/my/units/<int:lot_id>/redeem", ("POST",)): False,
    ("/my/units/<int:lot_id>/extend", ("POST",)): False,
    ("/my/units/<int:lot_id>/parts", ("POST",)): False,
    ("/my/complaints", None): True,
    ("/my/complaints/page/<int:page>", None): True,
    ("/my/complaints/<int:complaint_id>", None): True,
    ("/my/complaints/new", ("GET",)): True,
    ("/my/complaints/new", ("POST",)): False,
    # Core's rating pages, extended: they write the rating.
    ("/rate/<string:token>/<int:rate>", None): False,
    ("/rate/<string:token>/submit_feedback", ("post", "get")): False,
    # Closing by the customer (issue 17).
    ("/my/rmas/<int:rma_id>/close", ("POST",)): False,
}


class _CursorSpy:
    """Records, for every request dispatched while active, the path, the method,
    Odoo's cursor mode (``ro``, ``rw``, or ``ro->rw`` after a retry on the
    primary: odoo.http ``_transactioning``) and whether the cursor is read-only."""

    def __init__(self, env):
        self.env = env
        self.seen = []

    def __enter__(self):
        IrHttp = type(self.env["ir.http"])
        original = IrHttp._post_dispatch
        seen = self.seen

        def spy(cls, response):
            seen.append(
                (
                    request.httprequest.path,
                    request.httprequest.method,
                    getattr(threading.current_thread(), "cursor_mode", None),
                    request.env.cr.readonly,
                )
            )
            return original(response)

        self._patch = patch.object(IrHttp, "_post_dispatch", classmethod(spy))
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()

    def modes(self):
        return {(path, method): (mode, ro) for path, method, mode, ro in self.seen}


@tagged("post_install", "-at_install")
class TestScaleoutReadonlyRoutes(HttpCase, RmaCommon):
    """What a replica may serve: HttpCase runs read-only cursors that really refuse
    writes (SET TRANSACTION READ ONLY), as a hot standby does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._create_lots(cls.product, ["SCO-0001", "SCO-0002"])
        cls._sell(cls.end_user, cls.product, lots=cls.lots)
        cls.portal_user = new_test_user(
            cls.env,
            "scaleout_enduser",
            groups="base.group_portal",
            partner_id=cls.end_user.id,
            password="scaleout_enduser",
        )
        # sudo: test set-up of a system parameter (many checks in one test).
        cls.env["ir.config_parameter"].sudo().set_param(
            "rma_warranty.warranty_check_rate_limit", "10000"
        )

    def test_every_route_declares_where_it_runs(self):
        found = {}
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if not rule.endpoint.func.__module__.startswith(CONTROLLERS):
                continue
            methods = rule.endpoint.routing.get("methods")
            key = (rule.rule, tuple(methods) if methods else None)
            found[key] = rule.endpoint.routing["readonly"]
        self.maxDiff = None
        self.assertEqual(found, ROUTES)

    def test_pages_run_on_a_read_only_cursor(self):
        rma = self._new_rma(self.end_user, [(self.product, self.lots[0], 1.0)])
        rma.action_submit()
        visitor_pages = [
            "/warranty/check?serial=SCO-0001",
            "/warranty/check/json?serial=SCO-0001",
        ]
        portal_pages = [
            "/my/rmas",
            f"/my/rmas/{rma.id}",
            "/my/units",
            f"/my/units/{self.lots[0].id}",
            "/my/rmas/new",
            "/my/complaints",
        ]
        with _CursorSpy(self.env) as spy, self.assertNoLogs("odoo.http", "WARNING"):
            for url in visitor_pages:
                self.assertEqual(self.url_open(url).status_code, 200, url)
            self.authenticate("scaleout_enduser", "scaleout_enduser")
            for url in portal_pages:
                self.assertEqual(self.url_open(url).status_code, 200, url)
        modes = spy.modes()
        for url in visitor_pages + portal_pages:
            path = url.split("?")[0]
            # Served as is on the read-only cursor: no retry on the primary.
            self.assertEqual(modes[(path, "GET")], ("ro", True), url)

    def test_a_write_runs_on_the_primary(self):
        self.authenticate("scaleout_enduser", "scaleout_enduser")
        form = self.url_open("/my/rmas/new")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
        token = re.search(r'name="request_token" value="([^"]+)"', form.text)[1]
        before = self.env["rma.order"].search_count([])
        with _CursorSpy(self.env) as spy:
            response = self.url_open(
                "/my/rmas/new",
                data={
                    "csrf_token": csrf,
                    "request_token": token,
                    "unit-0-serial": "SCO-0002",
                    "unit-0-fault_description": "Does not boot",
                },
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 303, response.text[-500:])
        self.assertEqual(self.env["rma.order"].search_count([]), before + 1)
        self.assertEqual(spy.modes()[("/my/rmas/new", "POST")], ("rw", False))

    def test_a_readonly_route_that_writes_is_retried_on_the_primary(self):
        """Odoo 18 rolls back a readonly route that writes and runs it again on
        a read-write cursor (``ro->rw``): the page still answers, on the
        primary, with what it wrote."""
        Lot = type(self.env["stock.lot"])
        original = Lot._warranty_check_public
        cursors = []

        def writing_check(lot_self, serial):
            cursors.append(lot_self.env.cr.readonly)
            # A write a replica refuses (SQLSTATE 25006).
            lot_self.env["res.partner"].browse(self.end_user.id).sudo().write(
                {"comment": "written by a readonly route"}
            )
            lot_self.env.flush_all()
            return original(lot_self, serial)

        with (
            patch.object(Lot, "_warranty_check_public", writing_check),
            _CursorSpy(self.env) as spy,
            mute_logger("odoo.sql_db"),
            self.assertLogs("odoo.http", "WARNING") as logs,
        ):
            response = self.url_open("/warranty/check?serial=SCO-0001")
        self.assertEqual(response.status_code, 200)
        self.assertIn("SCO-0001", response.text)
        self.assertEqual(cursors, [True, False])
        self.assertEqual(spy.modes()[("/warranty/check", "GET")], ("ro->rw", False))
        self.assertIn("retrying with a read/write cursor", "\n".join(logs.output))
        self.end_user.invalidate_recordset(["comment"])
        self.assertIn("written by a readonly route", str(self.end_user.comment))


# SQL that leaves state on the server connection beyond its transaction: a
# transaction pooler hands that connection to another client next (DESIGN §7).
SESSION_STATE = [
    (re.compile(r"^\s*(PREPARE|EXECUTE|DEALLOCATE|DISCARD)\b"), "prepared statement"),
    (re.compile(r"^\s*(LISTEN|UNLISTEN)\b"), "LISTEN outside Odoo's bus"),
    (re.compile(r"^\s*SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)"), "session SET"),
    (re.compile(r"^\s*RESET\b"), "session RESET"),
    (re.compile(r"pg_(try_)?advisory_lock", re.IGNORECASE), "session advisory lock"),
    (
        re.compile(r"set_config\s*\([^)]*,\s*false\s*\)", re.IGNORECASE),
        "session set_config",
    ),
    (
        re.compile(
            r"CREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE(?!.*ON COMMIT DROP)",
            re.DOTALL,
        ),
        "temporary table kept past the transaction",
    ),
]
# What reaches under Odoo's cursor to the connection itself.
CONNECTION_ATTRIBUTES = {"_cnx", "set_session", "set_isolation_level", "autocommit"}


@tagged("post_install", "-at_install")
class TestScaleoutNoSessionState(TransactionCase):
    """The addon's code keeps no state on its database connection: behind
    pgbouncer in transaction pooling each transaction may get another one."""

    def _sources(self):
        for path in sorted(ADDON_DIR.rglob("*.py")):
            if "tests" not in path.relative_to(ADDON_DIR).parts:
                yield path, ast.parse(path.read_text(), str(path))

    def _session_state(self, tree):
        found = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for statement in node.value.split(";"):
                    found += [
                        (node.lineno, what)
                        for pattern, what in SESSION_STATE
                        if pattern.search(statement)
                    ]
            elif isinstance(node, ast.Attribute) and node.attr in CONNECTION_ATTRIBUTES:
                found.append((node.lineno, f"connection attribute {node.attr}"))
        return sorted(found)

    def test_no_session_state_in_the_addon(self):
        found = {
            str(path.relative_to(ADDON_DIR)): hits
            for path, tree in self._sources()
            if (hits := self._session_state(tree))
        }
        self.assertEqual(found, {})

    def test_the_scan_finds_session_state(self):
        """The scan itself: each kind of session state is found, the
        transaction-scoped forms are not."""
        code = """
cr.execute("PREPARE lookup AS SELECT 1")
cr.execute("SET statement_timeout = 0")
cr.execute("SELECT pg_advisory_lock(42)")
cr.execute("CREATE TEMP TABLE t (id int)")
cr.execute("LISTEN channel")
cr._cnx.autocommit = True
cr.execute("SET LOCAL statement_timeout = 0")
cr.execute("SELECT pg_advisory_xact_lock(42)")
cr.execute("CREATE TEMP TABLE t (id int) ON COMMIT DROP")
cr.execute("UPDATE t SET a = 1")
"""
        kinds = [what for _line, what in self._session_state(ast.parse(code))]
        self.assertEqual(
            kinds,
            [
                "prepared statement",
                "session SET",
                "session advisory lock",
                "temporary table kept past the transaction",
                "LISTEN outside Odoo's bus",
                "connection attribute _cnx",
                "connection attribute autocommit",
            ],
        )
