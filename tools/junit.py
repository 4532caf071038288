"""Verdict of one Odoo test run from its JUnit XML reports and its log.

Odoo's runner writes JUnit XML through OCA's ``odoo_test_xmlrunner`` (loaded as a
server-wide module, reports in the directory of the ``test_result_directory``
option). Counting ``<testcase>`` elements instead of matching the wording of the
summary line Odoo logs means that a change of that wording cannot turn into a
silent pass.

Standard library only (``./dev`` runs on the system's Python).
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

# Lines Odoo logs at level ERROR or CRITICAL ("2026-01-01 10:00:00,000 42 ERROR db ..").
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


@dataclass
class Report:
    """What the JUnit files of one run say."""

    tests: int = 0  # <testcase> elements
    passed: int = 0
    failed: int = 0  # <failure> or <error>, and unreadable files
    skipped: int = 0
    problems: list = field(default_factory=list)  # one line per failed test


@dataclass
class Verdict:
    passed: int
    failed: int
    skipped: int
    problems: list  # lines to show, most useful first


def _first_line(text):
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def read(path):
    """Add up one JUnit file, or every ``*.xml`` file of a folder (none: no test)."""
    report = Report()
    path = Path(path)
    files = sorted(path.glob("*.xml")) if path.is_dir() else [path] * path.is_file()
    for path in files:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            report.failed += 1
            report.problems.append(f"{path.name}: unreadable JUnit XML ({exc})")
            continue
        for case in root.iter("testcase"):
            report.tests += 1
            name = f"{case.get('classname', '?')}.{case.get('name', '?')}"
            bad = case.find("failure")
            if bad is None:
                bad = case.find("error")
            if bad is not None:
                report.failed += 1
                kind = "FAIL" if bad.tag == "failure" else "ERROR"
                message = bad.get("message") or _first_line(bad.text)
                report.problems.append(f"{kind} {name}: {message}".rstrip(": "))
            elif case.find("skipped") is not None:
                report.skipped += 1
            else:
                report.passed += 1
    return report


def verdict(report, returncode, log_text):
    """Passed / failed / skipped of a run, failing it when no report says why.

    The run fails when a test failed, when none ran (no report at all: the
    install itself failed, or the tags matched nothing), when Odoo exited
    non-zero, and when an ERROR was logged outside the tests' own failures.
    """
    errors = [line for line in log_text.splitlines() if LOG_ERROR.match(line)]
    problems = list(report.problems)
    failed = report.failed
    if report.tests == 0:
        failed = max(failed, 1)
        problems.append("no test ran (did the install fail? do the tags match?)")
    if (returncode or errors) and not report.failed:
        failed = max(failed, 1)
        if returncode:
            problems.append(f"Odoo exited with status {returncode}")
        if errors:
            problems.append(f"{len(errors)} ERROR line(s) logged outside the tests:")
    problems += errors[-20:]
    return Verdict(report.passed, failed, report.skipped, problems)
