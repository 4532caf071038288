"""The benchmark cannot rot: its flows run on a few units in ./dev test.

A smoke run of tests/bench/bench_rma.py (``--smoke``: 2 units, one round, no
warm-up) against the test database, for rma_warranty's refund and replace flows
and core Odoo's: it fails when a flow breaks (an exception, a check of the flow,
a missing step), never on timings. OCA rma's flows need their own database and
run in the full benchmark only (``./dev bench``).
"""

import configparser
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# flow: the steps it must report (the last one is its resolution).
FLOWS = {
    "core": ("receipt", "validate", "refund"),
    "rmaw_one": ("create", "submit", "receipt", "validate", "refund"),
    "rmaw_many": ("create", "submit", "receipt", "validate", "refund"),
    "rmaw_one_replace": ("create", "submit", "receipt", "validate", "replace"),
    "rmaw_many_replace": ("create", "submit", "receipt", "validate", "replace"),
}


def _odoo_conf():
    return Path(os.environ.get("RMAW_ODOO_CONF") or ROOT / ".run" / "odoo.conf")


def test_bench_flows_run(db, tmp_path):
    conf = _odoo_conf()
    parser = configparser.ConfigParser()
    parser.read(conf)
    addons_path = parser["options"]["addons_path"]
    odoo_src = Path(importlib.util.find_spec("odoo").origin).parent.parent
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "tests" / "bench" / "bench_rma.py"), "--smoke"]
    cmd += ["--odoo-src", str(odoo_src), "--config", str(conf)]
    cmd += ["--addons-path", addons_path, "--db", db, "--json", str(out)]
    cmd += ["--flows", ",".join(FLOWS)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=900, check=False, cwd=ROOT
    )
    assert proc.returncode == 0, (proc.stdout[-4000:], proc.stderr[-4000:])
    steps = json.loads(out.read_text())["sizes"]["2"]["steps"]
    for flow, names in FLOWS.items():
        assert flow in steps, flow
        for name in names:
            assert name in steps[flow], (flow, name)
            # Every step of a flow that worked issued SQL (nothing was skipped).
            assert steps[flow][name]["q"] > 0, (flow, name)
        assert "after commit" in steps[flow], flow
