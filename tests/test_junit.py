"""How ./dev judges a run of Odoo's test runner (tools/junit.py); no server needed."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import junit  # tools/ is not a package

A = 'classname="odoo.addons.rma_warranty.tests.test_a.TestA"'
B = 'classname="odoo.addons.rma_warranty.tests.test_b.TestB"'
PASSED = f'<testcase {A} name="test_ok"/>'
FAILED = (
    f'<testcase {A} name="test_bad">'
    '<failure type="AssertionError" message="1 != 2">Traceback ...</failure></testcase>'
)
ERRORED = (
    f'<testcase {B} name="test_boom">'
    '<error type="ValueError" message="">Traceback\nValueError: boom</error></testcase>'
)
SKIPPED = (
    f'<testcase {B} name="test_later">'
    '<skipped type="skip" message="not today"/></testcase>'
)
CLEAN_LOG = "2026-12-01 10:00:00,000 42 INFO rmaw odoo.modules.loading: done\n"
ERROR_LOG = (
    CLEAN_LOG
    + "2026-12-01 10:00:01,000 42 ERROR rmaw odoo.modules.registry: "
    + "Failed to load registry\n"
)


def _write(folder, name, *cases, root="testsuites"):
    body = f'<testsuite name="s" tests="{len(cases)}">{"".join(cases)}</testsuite>'
    if root == "testsuites":
        body = f"<testsuites>{body}</testsuites>"
    (folder / name).write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}')


def test_every_report_is_added_up(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED, PASSED, FAILED)
    _write(tmp_path, "TEST-b.xml", ERRORED, SKIPPED, PASSED, root="testsuite")
    result = junit.verdict(junit.read(tmp_path), 0, CLEAN_LOG)
    assert (result.passed, result.failed, result.skipped) == (3, 2, 1)
    assert result.problems == [
        "FAIL odoo.addons.rma_warranty.tests.test_a.TestA.test_bad: 1 != 2",
        "ERROR odoo.addons.rma_warranty.tests.test_b.TestB.test_boom: Traceback",
    ]


def test_a_failure_is_counted_failed_even_if_odoo_exits_zero(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED, FAILED)
    result = junit.verdict(junit.read(tmp_path), 0, CLEAN_LOG)
    assert (result.passed, result.failed) == (1, 1)


def test_a_clean_run_passes(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED, SKIPPED)
    result = junit.verdict(junit.read(tmp_path), 0, CLEAN_LOG)
    assert (result.passed, result.failed, result.skipped) == (1, 0, 1)
    assert result.problems == []


@pytest.mark.parametrize("make", ["no folder", "empty folder", "empty suite"])
def test_no_test_at_all_is_a_failure(tmp_path, make):
    folder = tmp_path / "junit"
    if make != "no folder":
        folder.mkdir()
    if make == "empty suite":
        _write(folder, "TEST-empty.xml")
    result = junit.verdict(junit.read(folder), 0, CLEAN_LOG)
    assert (result.passed, result.failed) == (0, 1)
    assert "no test ran" in result.problems[0]


def test_an_error_logged_outside_the_tests_is_a_failure(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED, PASSED)
    result = junit.verdict(junit.read(tmp_path), 0, ERROR_LOG)
    assert (result.passed, result.failed) == (2, 1)
    assert result.problems[-1].endswith("Failed to load registry")


def test_a_failed_install_is_a_failure(tmp_path):
    # The install stopped before any test: Odoo exits non-zero, no report is written.
    result = junit.verdict(junit.read(tmp_path), 255, ERROR_LOG)
    assert result.failed == 1
    assert "Odoo exited with status 255" in result.problems


def test_an_odoo_exit_status_alone_is_a_failure(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED)
    result = junit.verdict(junit.read(tmp_path), 1, CLEAN_LOG)
    assert (result.passed, result.failed) == (1, 1)


def test_an_unreadable_report_is_a_failure(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED)
    (tmp_path / "TEST-cut.xml").write_text("<testsuites><testsuite><testcase")
    result = junit.verdict(junit.read(tmp_path), 0, CLEAN_LOG)
    assert (result.passed, result.failed) == (1, 1)
    assert "unreadable JUnit XML" in result.problems[0]


def test_an_error_word_inside_a_message_is_not_an_error_line(tmp_path):
    _write(tmp_path, "TEST-a.xml", PASSED)
    log = "2026-12-01 10:00:00,000 42 INFO rmaw x: the ERROR state is shown\n"
    assert junit.verdict(junit.read(tmp_path), 0, log).failed == 0
