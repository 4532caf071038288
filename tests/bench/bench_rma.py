"""Side-by-side benchmark: rma_warranty, OCA rma 18.0 and core Odoo on one machine.

Run by ``./dev bench`` (which prepares the two databases): one process loads both
registries and runs the flows of bench_flows.py in interleaved rounds (a warm-up
round on a few units, then ``--rounds`` measured ones; every flow in its own
rolled-back transaction), then prints the medians, queries per unit and ratios,
writes them as Markdown, and shows where rma_warranty's queries go (call sites
recorded during round 1).
Timings are medians; ratios are medians of the per-round ratios (each round measures
both sides back to back, so slow spells of a noisy machine hit both).
"""

import argparse
import contextlib
import datetime
import io
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# The receive+validate target of DESIGN.md section 6.
TARGET_QPU = 7.0

# (key, label, database ("rmaw" or "oca"), flow function name in bench_flows)
FLOWS = [
    ("core", "core Odoo (return + credit note)", "rmaw", "flow_core"),
    ("rmaw_one", "rma_warranty, 1 RMA x N lines", "rmaw", "flow_rmaw_one"),
    ("rmaw_many", "rma_warranty, N RMAs x 1 line", "rmaw", "flow_rmaw_many"),
    ("core_oca", "core Odoo, in the OCA database", "oca", "flow_core"),
    ("oca_one", "OCA rma, 1 RMA x qty N", "oca", "flow_oca_one"),
    ("oca_many", "OCA rma, N RMAs x qty 1", "oca", "flow_oca_many"),
]
# Steps that make "receive + validate" (receipt created by approval / confirmation /
# the return wizard, then validated).
RECEIVE = ("receipt", "validate")
# (ours, reference, what): ratios reported.
COMPARE = [
    ("rmaw_one", "core", "rma_warranty 1xN / core"),
    ("rmaw_many", "core", "rma_warranty Nx1 / core"),
    ("rmaw_one", "oca_one", "rma_warranty 1xN / OCA 1xN"),
    ("rmaw_many", "oca_many", "rma_warranty Nx1 / OCA Nx1"),
    ("oca_one", "core_oca", "OCA 1xN / core (OCA db)"),
    ("oca_many", "core_oca", "OCA Nx1 / core (OCA db)"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-src", required=True, help="Odoo 18.0 source tree")
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db", required=True, help="database with rma_warranty")
    parser.add_argument("--oca-db", default="", help="database with OCA rma")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--warm-up-units",
        type=int,
        default=5,
        help="units of the warm-up round (fills the caches, not measured)",
    )
    parser.add_argument(
        "--flows",
        default=",".join(key for key, _l, _d, _f in FLOWS),
        help="comma-separated flows to run (default: all): "
        + ", ".join(key for key, _l, _d, _f in FLOWS),
    )
    parser.add_argument("--out", help="write the Markdown report here")
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="skip the query call-site breakdown of rma_warranty's flows",
    )
    return parser.parse_args(argv)


def bootstrap(args):
    sys.path.insert(0, str(args.odoo_src))
    sys.path.insert(0, str(HERE))
    import odoo
    from odoo.tools import config

    config.parse_config(
        [
            "-c",
            str(args.config),
            "--addons-path",
            args.addons_path,
            "--log-level",
            "warn",
        ],
        setup_logging=True,
    )
    odoo.service.server.load_server_wide_modules()
    stub_wkhtmltopdf(odoo)
    return odoo


PDFS = Counter()


def stub_wkhtmltopdf(odoo):
    """Replace wkhtmltopdf (an external process, a second or more per document) by
    a blank PDF: both addons attach a PDF to their mails, and that process's time is
    not what is compared here. The QWeb rendering before it still runs and counts."""
    from odoo.tools.pdf import PdfFileWriter

    from odoo.addons.base.models.ir_actions_report import IrActionsReport

    def run_wkhtmltopdf(self, bodies, report_ref=False, *args, **kwargs):
        PDFS[report_ref] += 1
        writer = PdfFileWriter()
        for _body in bodies:
            writer.addBlankPage(595, 842)
        stream = io.BytesIO()
        writer.write(stream)
        return stream.getvalue()

    IrActionsReport._run_wkhtmltopdf = run_wkhtmltopdf


class Target:
    """One database: its registry, world and admin user."""

    def __init__(self, odoo, key, db, units):
        from bench_flows import configure, ensure_world

        self.odoo = odoo
        self.key = key
        self.db = db
        self.registry = odoo.modules.registry.Registry(db)
        with self.registry.cursor() as cr:  # commits the world when it is built
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            self.world, built = ensure_world(env, units)
            configure(env)
            self.uid = env.ref("base.user_admin").id
            modules = env["ir.module.module"].search(
                [("name", "in", ("rma", "rma_warranty")), ("state", "=", "installed")]
            )
            self.modules = {m.name: m.latest_version for m in modules}
        if built:
            print(f"[bench] {db}: built the world ({units} serials sold)", flush=True)

    def run(self, flow, on_query=None, units=None):
        """Run ``flow`` in a rolled-back transaction: {step: (s, queries, PDFs)}."""
        api = self.odoo.api
        steps = {}
        cr = self.registry.cursor()
        try:
            env = api.Environment(cr, self.uid, {})
            env = env(context=env["res.users"].context_get())
            world = self.world.bind(env, units)
            current = [None]
            if on_query:
                execute = cr.execute

                def counted(query, params=None, log_exceptions=True):
                    if current[0]:
                        on_query(current[0], query)
                    return execute(query, params, log_exceptions)

                cr.execute = counted

            @contextlib.contextmanager
            def step(name):
                # One user action = one request: cold cache, ends with a commit's
                # flush and pre-commit hooks (mail tracking, followers).
                env.flush_all()
                env.invalidate_all()
                current[0] = name
                queries = cr.sql_log_count
                pdfs = PDFS.total()
                started = time.perf_counter()
                yield
                cr.flush()
                env.flush_all()
                steps[name] = (
                    time.perf_counter() - started,
                    cr.sql_log_count - queries,
                    PDFS.total() - pdfs,
                )
                current[0] = None

            flow(env, world, step)
        finally:
            cr.rollback()
            cr.close()
        return steps


# ---- Query call sites -------------------------------------------------------------

# Frames of the ORM and the database layer: a query is charged to the first frame
# outside these, and to the innermost frame of rma_warranty's own code.
PLUMBING = (
    "/odoo/models.py",
    "/odoo/fields.py",
    "/odoo/api.py",
    "/odoo/sql_db.py",
    "/odoo/tools/",
    "/odoo/osv/",
    "/odoo/addons/base/models/ir_model.py",
    "/odoo/addons/base/models/ir_rule.py",
    "/odoo/addons/base/models/ir_sequence.py",
    "contextlib.py",
    "/bench/bench_",
)


def _site(frame, root):
    path = frame.f_code.co_filename
    for marker in ("/addons/", "/odoo/"):
        if marker in path:
            path = path[path.rindex(marker) + 1 :]
            break
    if root and path.startswith(str(root)):
        path = os.path.relpath(path, root)
    return f"{path}:{frame.f_code.co_name}"


class CallSites:
    """Charge each query to the innermost frame of rma_warranty's code and to the
    innermost frame outside the ORM plumbing (the method that issued it)."""

    ours_prefix = str(ROOT / "rma_warranty") + os.sep

    def __init__(self):
        self.by_pair = defaultdict(Counter)
        self.sample = {}

    def __call__(self, step, query):
        frame = sys._getframe(2)
        ours = issuer = None
        while frame and not (ours and issuer):
            path = frame.f_code.co_filename
            if ours is None and path.startswith(self.ours_prefix):
                ours = _site(frame, ROOT)
            if (
                issuer is None
                and not path.startswith("<")
                and not any(p in path for p in PLUMBING)
            ):
                issuer = _site(frame, ROOT)
            frame = frame.f_back
        key = (ours or "(outside rma_warranty)", issuer or "?")
        self.by_pair[step][key] += 1
        if key not in self.sample:
            text = " ".join(str(getattr(query, "code", query)).split())
            self.sample[key] = text[:90].replace("|", "/")


def explain(sites, steps, units, top=12):
    """Markdown tables of where the queries of ``steps`` went."""
    lines = []
    for step, (_secs, queries, _pdfs) in steps.items():
        if step not in (*RECEIVE, "refund"):
            continue
        by_ours = Counter()
        for (ours, _issuer), count in sites.by_pair[step].items():
            by_ours[ours] += count
        lines.append(
            f"\n**{step}**: {queries} queries ({queries / units:.2f} per unit); "
            "by innermost rma_warranty frame:\n"
        )
        lines.append("| queries | per unit | rma_warranty frame |")
        lines.append("|---:|---:|---|")
        for ours, count in by_ours.most_common(top):
            lines.append(f"| {count} | {count / units:.2f} | `{ours}` |")
        lines.append("\nand by the method that issued them:\n")
        lines.append(
            "| queries | per unit | rma_warranty frame | issued from | first query |"
        )
        lines.append("|---:|---:|---|---|---|")
        for (ours, issuer), count in sites.by_pair[step].most_common(top):
            sample = sites.sample[ours, issuer]
            lines.append(
                f"| {count} | {count / units:.2f} | `{ours}` | `{issuer}` "
                f"| `{sample}` |"
            )
    return lines


# ---- Report -----------------------------------------------------------------------


def _median(values):
    return statistics.median(values) if values else float("nan")


def _fmt_s(value):
    return "-" if math.isnan(value) else f"{value:.2f}"


def summarise(results, units):
    """results[flow][round] = {step: (s, q, pdfs)} -> per flow and step (and the
    sums receive+validate, whole flow): (times, median s, median q, median pdfs)."""
    table = {}
    for key, rounds in results.items():
        steps = {}
        names = list(rounds[0]) if rounds else []
        groups = {name: (name,) for name in names}
        groups["receive+validate"] = RECEIVE
        groups["whole flow"] = tuple(names)
        for name, parts in groups.items():
            if not all(p in names for p in parts):
                continue
            times = [sum(r[p][0] for p in parts) for r in rounds]
            queries = [sum(r[p][1] for p in parts) for r in rounds]
            pdfs = [sum(r[p][2] for p in parts) for r in rounds]
            steps[name] = (times, _median(times), _median(queries), _median(pdfs))
        table[key] = steps
    return table


def render(table, args, targets, started):
    units = args.units
    labels = {key: label.replace("N", str(units)) for key, label, _db, _fn in FLOWS}
    out = []
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    versions = ", ".join(
        f"{name} {version}"
        for target in targets.values()
        for name, version in sorted(target.modules.items())
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out.append(f"# rma_warranty benchmark ({now})\n")
    out.append(
        f"N = {units} serial-tracked units, {args.rounds} measured rounds after a "
        f"warm-up round of {args.warm_up_units} units, interleaved (the order "
        "rotates every round); each flow in its own rolled-back transaction. "
        f"Work tree {commit}; {versions}; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average at the end {load}; "
        f"{time.time() - started:.0f}s.\n"
    )
    out.append(
        "Steps: *create* the RMAs, *submit*, *receipt* (rma_warranty: approve, which "
        "creates the receipt with the serials; OCA: confirm; core: the return wizard "
        "on the delivery, all units), *validate* the receipt(s) in one "
        "`button_validate`, *refund* (rma_warranty: process the refund resolution; "
        "OCA: refund; core: credit note of the invoice, one line). Each step is one "
        "request: cold cache, ends with the commit's flush and pre-commit hooks. "
        "Customers get the mails of both addons (OCA's confirmation and receipt "
        "options on); the PDFs attached to them are rendered in QWeb, but "
        "wkhtmltopdf is stubbed (blank page): column PDFs counts them.\n"
    )
    out.append("## Medians per step\n")
    out.append("| flow | step | median s | queries | queries/unit | PDFs |")
    out.append("|---|---|---:|---:|---:|---:|")
    for key, _label, _db, _fn in FLOWS:
        for step, (_times, secs, queries, pdfs) in table.get(key, {}).items():
            out.append(
                f"| {labels[key]} | {step} | {_fmt_s(secs)} | {queries:.0f} "
                f"| {queries / units:.2f} | {pdfs:.0f} |"
            )
    out.append("\n## Ratios (time: median of per-round ratios; queries: medians)\n")
    out.append("| comparison | step | time ratio | query ratio |")
    out.append("|---|---|---:|---:|")
    for ours, ref, what in COMPARE:
        a, b = table.get(ours), table.get(ref)
        if not a or not b:
            continue
        for step in ("receive+validate", "refund", "whole flow"):
            if step not in a or step not in b:
                continue
            ratios = [x / y for x, y in zip(a[step][0], b[step][0], strict=True) if y]
            query_ratio = a[step][2] / b[step][2] if b[step][2] else float("nan")
            note = (
                " (core: fewer steps)" if step == "whole flow" and "core" in ref else ""
            )
            out.append(
                f"| {what} | {step}{note} | {_median(ratios):.2f} | {query_ratio:.2f} |"
            )
    out.append(f"\n## Target: receive+validate <= {TARGET_QPU:g} queries per unit\n")
    for key in ("core", "rmaw_one", "rmaw_many", "oca_one", "oca_many"):
        if key in table and "receive+validate" in table[key]:
            qpu = table[key]["receive+validate"][2] / units
            mark = (
                ""
                if key.startswith(("core", "oca"))
                else (" - met" if qpu <= TARGET_QPU else " - NOT met")
            )
            out.append(f"- {labels[key]}: {qpu:.2f}{mark}")
    return out


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    odoo = bootstrap(args)
    import bench_flows

    targets = {"rmaw": Target(odoo, "rmaw", args.db, args.units)}
    if args.oca_db:
        targets["oca"] = Target(odoo, "oca", args.oca_db, args.units)
    wanted = set(args.flows.split(","))
    unknown = wanted - {key for key, _l, _d, _f in FLOWS}
    if unknown:
        sys.exit(f"error: unknown flows {', '.join(sorted(unknown))}")
    flows = [
        (key, targets[db], getattr(bench_flows, fn))
        for key, _label, db, fn in FLOWS
        if db in targets and key in wanted
    ]
    explained = {"core", "rmaw_one", "rmaw_many"} & wanted
    if args.no_explain:
        explained = set()
    sites = {key: CallSites() for key in explained}
    results = defaultdict(list)
    for rnd in range(args.rounds + 1):
        # Rotate the order every round so that no flow always runs first or last.
        shift = rnd % len(flows)
        order = flows[shift:] + flows[:shift]
        timings = []
        for key, target, fn in order:
            if not rnd:  # warm-up: a few units through every code path
                steps = target.run(fn, units=args.warm_up_units)
            else:
                steps = target.run(fn, on_query=rnd == 1 and sites.get(key))
                results[key].append(steps)
            timings.append(f"{key} {sum(v[0] for v in steps.values()):.1f}s")
        name = f"round {rnd}" if rnd else f"warm-up ({args.warm_up_units} units)"
        print(f"[bench] {name}: {', '.join(timings)}", flush=True)
    table = summarise(results, args.units)
    lines = render(table, args, targets, started)
    if explained:
        lines.append("\n## Where the receive, validate and refund queries go\n")
        lines.append(
            "Round 1 charged every query to the innermost frame of rma_warranty's "
            "code and to the innermost caller outside the ORM (core Odoo's flow for "
            "comparison).\n"
        )
        for key, label, _db, _fn in FLOWS:
            if key in explained:
                lines.append(f"\n### {label.replace('N', str(args.units))}")
                lines += explain(sites[key], results[key][0], args.units)
    text = "\n".join(lines) + "\n"
    print("\n" + text, flush=True)
    if args.out:
        Path(args.out).write_text(text)
        print(f"[bench] results written to {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
