"""Side-by-side benchmark: rma_warranty, OCA rma 18.0 and core Odoo on one machine.

Run by ``./dev bench`` (which prepares the two databases): one process loads both
registries and runs the flows of bench_flows.py in interleaved rounds (a warm-up
round on a few units, then ``--rounds`` measured ones; every flow in its own
rolled-back transaction), for each size of ``--units``, then prints the medians,
queries per unit and ratios, writes them as Markdown and JSON, and shows where
rma_warranty's queries go (call sites recorded during round 1).
Timings are medians; ratios are medians of the per-round ratios (each round measures
both sides back to back, so slow spells of a noisy machine hit both).

Work a flow defers to after its commit is not hidden: the cron jobs it triggered
(``ir.cron.trigger`` rows created in its transaction) are run after the flow, as
``ir.cron.method_direct_trigger`` runs them, and measured as the step "after commit".

``--smoke`` (run by ``./dev test``'s pytest step, tests/test_bench_smoke.py): the
flows of the databases given on a few units, one round, no timings judged; it fails
when a flow breaks.
"""

import argparse
import contextlib
import datetime
import io
import json
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

# (key, label, database ("rmaw" or "oca"), flow function name in bench_flows).
# Core Odoo has no replacement flow (a return, then a new delivery by hand): its
# flow is the refund one only.
FLOWS = [
    ("core", "core Odoo (return + credit note)", "rmaw", "flow_core"),
    ("rmaw_one", "rma_warranty refund, 1 RMA x N lines", "rmaw", "flow_rmaw_one"),
    ("rmaw_many", "rma_warranty refund, N RMAs x 1 line", "rmaw", "flow_rmaw_many"),
    (
        "rmaw_one_replace",
        "rma_warranty replace, 1 RMA x N lines",
        "rmaw",
        "flow_rmaw_one_replace",
    ),
    (
        "rmaw_many_replace",
        "rma_warranty replace, N RMAs x 1 line",
        "rmaw",
        "flow_rmaw_many_replace",
    ),
    ("core_oca", "core Odoo, in the OCA database", "oca", "flow_core"),
    ("oca_one", "OCA rma refund, 1 RMA x qty N", "oca", "flow_oca_one"),
    ("oca_many", "OCA rma refund, N RMAs x qty 1", "oca", "flow_oca_many"),
    (
        "oca_one_replace",
        "OCA rma replace, 1 RMA x qty N",
        "oca",
        "flow_oca_one_replace",
    ),
    (
        "oca_many_replace",
        "OCA rma replace, N RMAs x qty 1",
        "oca",
        "flow_oca_many_replace",
    ),
]
# Steps that make "receive + validate" (receipt created by approval / confirmation /
# the return wizard, then validated).
RECEIVE = ("receipt", "validate")
# The resolution step of a flow (the credit note, or the replacement delivery).
RESOLVE = ("refund", "replace")
# The cron jobs a flow triggered, run after it (see the module's docstring).
AFTER = "after commit"
# (ours, reference, what): ratios reported.
COMPARE = [
    ("rmaw_one", "core", "rma_warranty 1xN / core"),
    ("rmaw_many", "core", "rma_warranty Nx1 / core"),
    ("rmaw_one", "oca_one", "rma_warranty refund 1xN / OCA 1xN"),
    ("rmaw_many", "oca_many", "rma_warranty refund Nx1 / OCA Nx1"),
    ("rmaw_one_replace", "oca_one_replace", "rma_warranty replace 1xN / OCA 1xN"),
    ("rmaw_many_replace", "oca_many_replace", "rma_warranty replace Nx1 / OCA Nx1"),
    ("oca_one", "core_oca", "OCA 1xN / core (OCA db)"),
    ("oca_many", "core_oca", "OCA Nx1 / core (OCA db)"),
]
# Ratios against OCA that DESIGN.md section 6 sets as the target.
TARGET_RATIO = 0.5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-src", required=True, help="Odoo 18.0 source tree")
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db", required=True, help="database with rma_warranty")
    parser.add_argument("--oca-db", default="", help="database with OCA rma")
    parser.add_argument(
        "--units",
        default="100",
        help="sizes, comma-separated, each N or N:ROUNDS (e.g. 1,100,1000:1)",
    )
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
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a check that every flow runs: 2 units, one round, no warm-up, "
        "no call sites (timings not judged)",
    )
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="skip the query call-site breakdown of rma_warranty's flows",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.units, args.rounds, args.warm_up_units = "2", 1, 0
        args.no_explain = True
    args.sizes = parse_sizes(args.units, args.rounds)
    return args


def parse_sizes(text, rounds):
    """ "1,100,1000:1" -> [(1, rounds), (100, rounds), (1000, 1)]."""
    sizes = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        units, _sep, count = item.partition(":")
        sizes.append((int(units), int(count) if count else rounds))
    if not sizes or any(units < 1 or count < 1 for units, count in sizes):
        raise SystemExit(f"error: --units {text!r}: sizes and rounds must be >= 1")
    return sizes


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
    stub_smtp(odoo)
    return odoo


PDFS = Counter()
EMAILS = Counter()


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


def stub_smtp(odoo):
    """Never reach an SMTP server (a cron run after a flow may send the mail queue):
    the message is built as for sending, then counted instead of sent."""
    from odoo.addons.base.models.ir_mail_server import IrMailServer

    class Session:
        def quit(self):
            pass

    def connect(self, *args, **kwargs):
        return Session()

    def send_email(self, message, *args, **kwargs):
        EMAILS["sent"] += 1
        return message["Message-Id"]

    IrMailServer.connect = connect
    IrMailServer.send_email = send_email


class Target:
    """One database: its registry, worlds (one per size) and admin user."""

    def __init__(self, odoo, key, db):
        from bench_flows import configure

        self.odoo = odoo
        self.key = key
        self.db = db
        self.registry = odoo.modules.registry.Registry(db)
        self.worlds = {}
        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            configure(env)
            self.uid = env.ref("base.user_admin").id
            modules = env["ir.module.module"].search(
                [("name", "in", ("rma", "rma_warranty")), ("state", "=", "installed")]
            )
            self.modules = {m.name: m.latest_version for m in modules}

    def world(self, units):
        """The world of ``units`` serials, built (and committed) the first time."""
        from bench_flows import ensure_world

        if units not in self.worlds:
            with self.registry.cursor() as cr:  # commits the world when it is built
                env = self.odoo.api.Environment(cr, self.odoo.SUPERUSER_ID, {})
                self.worlds[units], built = ensure_world(env, units)
            if built:
                print(
                    f"[bench] {self.db}: built the world ({units} serials sold)",
                    flush=True,
                )
        return self.worlds[units]

    def run(self, flow, units, on_query=None, limit=None):
        """Run ``flow`` on the world of ``units`` (its first ``limit`` serials) in a
        rolled-back transaction, then the cron jobs it triggered (step "after
        commit"): {step: (s, queries, PDFs, emails)}."""
        api = self.odoo.api
        steps = {}
        cr = self.registry.cursor()
        try:
            env = api.Environment(cr, self.uid, {})
            env = env(context=env["res.users"].context_get())
            world = self.world(units).bind(env, limit)
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
            last_trigger = cr.fetchone()[0]
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
                emails = EMAILS.total()
                started = time.perf_counter()
                yield
                cr.flush()
                env.flush_all()
                steps[name] = (
                    time.perf_counter() - started,
                    cr.sql_log_count - queries,
                    PDFS.total() - pdfs,
                    EMAILS.total() - emails,
                )
                current[0] = None

            flow(env, world, step)
            self._run_triggered(env, step, last_trigger)
        finally:
            cr.rollback()
            cr.close()
        return steps

    def _run_triggered(self, env, step, last_trigger):
        """Run, as one step, the cron jobs whose triggers the flow created, each
        once, as ``method_direct_trigger`` (the button "Run Manually") runs it;
        a commit in them only flushes (the flow's transaction is rolled back)."""
        cr = env.cr
        cr.execute(
            "SELECT DISTINCT cron_id FROM ir_cron_trigger WHERE id > %s ORDER BY 1",
            [last_trigger],
        )
        cron_ids = [row[0] for row in cr.fetchall()]
        commit = cr.commit
        cr.commit = env.flush_all
        try:
            with step(AFTER):
                for cron in env["ir.cron"].sudo().browse(cron_ids):
                    cron.method_direct_trigger()
        finally:
            cr.commit = commit


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
    for step, (_secs, queries, _pdfs, _emails) in steps.items():
        if step not in (*RECEIVE, *RESOLVE, AFTER) or not queries:
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


def summarise(results):
    """results[flow][round] = {step: (s, q, pdfs, emails)} -> per flow and step
    (and the sums receive+validate, whole flow, whole flow + after commit):
    {"times": [...], "s": median, "q": median, "pdfs": median, "emails": median}."""
    table = {}
    for key, rounds in results.items():
        steps = {}
        names = list(rounds[0]) if rounds else []
        groups = {name: (name,) for name in names}
        groups["receive+validate"] = RECEIVE
        groups["whole flow"] = tuple(name for name in names if name != AFTER)
        groups["whole flow + after commit"] = tuple(names)
        for name, parts in groups.items():
            if not all(p in names for p in parts):
                continue
            cols = [[sum(r[p][i] for p in parts) for r in rounds] for i in range(4)]
            steps[name] = {
                "times": cols[0],
                "queries_per_round": cols[1],
                "s": _median(cols[0]),
                "q": _median(cols[1]),
                "pdfs": _median(cols[2]),
                "emails": _median(cols[3]),
            }
        table[key] = steps
    return table


def ratios(table):
    """[(what, step, time ratio, query ratio)] of COMPARE, per comparable step."""
    rows = []
    for ours, ref, what in COMPARE:
        a, b = table.get(ours), table.get(ref)
        if not a or not b:
            continue
        for step in (
            "receive+validate",
            *RESOLVE,
            AFTER,
            "whole flow",
            "whole flow + after commit",
        ):
            if step not in a or step not in b:
                continue
            if step == AFTER and not (a[step]["q"] or b[step]["q"]):
                continue  # neither triggered a cron job
            per_round = [
                x / y
                for x, y in zip(a[step]["times"], b[step]["times"], strict=True)
                if y
            ]
            time_ratio = _median(per_round)
            query_ratio = a[step]["q"] / b[step]["q"] if b[step]["q"] else math.nan
            rows.append((what, step, time_ratio, query_ratio))
    return rows


def _fmt_ratio(value):
    return "-" if math.isnan(value) else f"{value:.2f}"


def work_tree():
    """The commit of the code measured (read at the start: the run takes long)."""
    return subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def describe(args, targets, started, commit):
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "modules": {
            name: version
            for target in targets.values()
            for name, version in sorted(target.modules.items())
        },
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "load": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.time() - started),
        "sizes": [{"units": units, "rounds": rounds} for units, rounds in args.sizes],
        "warm_up_units": args.warm_up_units,
    }


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def render_header(machine):
    versions = ", ".join(f"{n} {v}" for n, v in machine["modules"].items())
    sizes = ", ".join(
        f"N = {s['units']} ({s['rounds']} rounds)" for s in machine["sizes"]
    )
    head = f"# rma_warranty benchmark ({machine['date']})\n"
    setup = (
        f"Sizes: {sizes} serial-tracked units, measured rounds after a warm-up "
        f"round of {machine['warm_up_units']} units, interleaved (the order rotates "
        "every round); each flow in its own rolled-back transaction. "
        f"Work tree {machine['commit']}; {versions}; Python {machine['python']}, "
        f"{machine['cpus']} CPUs ({machine['cpu']}), load average at the end "
        f"{' '.join(map(str, machine['load']))}; {machine['seconds']}s.\n"
    )
    steps = (
        "Steps: *create* the RMAs, *submit*, *receipt* (rma_warranty: approve, which "
        "creates the receipt with the serials; OCA: confirm; core: the return wizard "
        "on the delivery, all units), *validate* the receipt(s) in one "
        "`button_validate`, then the resolution: *refund* (rma_warranty: process the "
        "refund resolution; OCA: refund; core: credit note of the invoice, one line) "
        "or *replace* (rma_warranty: process the replace resolution, a delivery from "
        "stock per RMA; OCA: its replace wizard on all the RMAs; core Odoo has no "
        "replacement flow). *after commit*: the cron jobs the flow triggered "
        "(`ir.cron._trigger()`), run once after it as Odoo's cron worker would. Each "
        "step is one request: cold cache, ends with the commit's flush and "
        "pre-commit hooks. Customers get the mails of both addons (OCA's "
        "confirmation and receipt options on); the PDFs attached to them are "
        "rendered in QWeb, but wkhtmltopdf is stubbed (blank page): column PDFs "
        "counts them; SMTP is stubbed too (column emails: messages a cron handed "
        "to it).\n"
    )
    return [head, setup, steps]


def render_size(table, units, rounds):
    labels = {key: label.replace("N", str(units)) for key, label, _db, _fn in FLOWS}
    out = [f"\n## N = {units} ({rounds} rounds)\n", "### Medians per step\n"]
    out.append("| flow | step | median s | queries | queries/unit | PDFs | emails |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for key, _label, _db, _fn in FLOWS:
        for step, row in table.get(key, {}).items():
            out.append(
                f"| {labels[key]} | {step} | {_fmt_s(row['s'])} | {row['q']:.0f} "
                f"| {row['q'] / units:.2f} | {row['pdfs']:.0f} | {row['emails']:.0f} |"
            )
    out.append("\n### Ratios (time: median of per-round ratios; queries: medians)\n")
    out.append("| comparison | step | time ratio | query ratio |")
    out.append("|---|---|---:|---:|")
    for what, step, time_ratio, query_ratio in ratios(table):
        whole = step.startswith("whole")
        note = " (core: fewer steps)" if whole and "core" in what else ""
        flag = (
            " **>0.5**"
            if "OCA" in what
            and what.startswith("rma_warranty")
            and whole
            and max(time_ratio, query_ratio) > TARGET_RATIO
            else ""
        )
        out.append(
            f"| {what} | {step}{note} | {_fmt_ratio(time_ratio)} "
            f"| {_fmt_ratio(query_ratio)}{flag} |"
        )
    out.append(f"\n### Target: receive+validate <= {TARGET_QPU:g} queries per unit\n")
    for key in ("core", "rmaw_one", "rmaw_many", "oca_one", "oca_many"):
        if key in table and "receive+validate" in table[key]:
            qpu = table[key]["receive+validate"]["q"] / units
            mark = (
                ""
                if key.startswith(("core", "oca"))
                else (" - met" if qpu <= TARGET_QPU else " - NOT met")
            )
            out.append(f"- {labels[key]}: {qpu:.2f}{mark}")
    return out


def run_size(targets, flows, units, rounds, args, sites):
    """Interleaved rounds of ``flows`` on ``units``: results[flow] = [steps...]."""
    results = defaultdict(list)
    for rnd in range(1, rounds + 1):
        # Rotate the order every round so that no flow always runs first or last.
        shift = rnd % len(flows)
        order = flows[shift:] + flows[:shift]
        timings = []
        for key, target, fn in order:
            on_query = sites.get(key) if rnd == 1 else None
            steps = target.run(fn, units, on_query=on_query)
            results[key].append(steps)
            total = sum(v[0] for v in steps.values())
            timings.append(f"{key} {total:.1f}s")
        print(f"[bench] N={units} round {rnd}: {', '.join(timings)}", flush=True)
    return results


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    commit = work_tree()
    odoo = bootstrap(args)
    import bench_flows

    targets = {"rmaw": Target(odoo, "rmaw", args.db)}
    if args.oca_db:
        targets["oca"] = Target(odoo, "oca", args.oca_db)
    wanted = set(args.flows.split(","))
    unknown = wanted - {key for key, _l, _d, _f in FLOWS}
    if unknown:
        sys.exit(f"error: unknown flows {', '.join(sorted(unknown))}")
    flows = [
        (key, targets[db], getattr(bench_flows, fn))
        for key, _label, db, fn in FLOWS
        if db in targets and key in wanted
    ]
    explained = {"core"} | {key for key, *_r in FLOWS if key.startswith("rmaw")}
    explained &= wanted
    if args.no_explain:
        explained = set()
    for _units, _rounds in args.sizes:  # build every world before timing anything
        for target in targets.values():
            target.world(_units)
    if args.warm_up_units:
        # A few units through every code path (fills the caches, not measured).
        largest = max(units for units, _r in args.sizes)
        timings = []
        for key, target, fn in flows:
            steps = target.run(fn, largest, limit=args.warm_up_units)
            timings.append(f"{key} {sum(v[0] for v in steps.values()):.1f}s")
        print(
            f"[bench] warm-up ({args.warm_up_units} units): {', '.join(timings)}",
            flush=True,
        )
    tables = {}
    lines = []
    explains = []
    for units, rounds in args.sizes:
        sites = {key: CallSites() for key in explained}
        results = run_size(targets, flows, units, rounds, args, sites)
        tables[units] = table = summarise(results)
        lines += render_size(table, units, rounds)
        for key, label, _db, _fn in FLOWS:
            if key in sites:
                explains.append(f"\n### {label.replace('N', str(units))}")
                explains += explain(sites[key], results[key][0], units)
    machine = describe(args, targets, started, commit)
    lines = render_header(machine) + lines
    if explains:
        lines.append("\n## Where the receive, validate, resolution queries go\n")
        lines.append(
            "Round 1 charged every query to the innermost frame of rma_warranty's "
            "code and to the innermost caller outside the ORM (core Odoo's flow for "
            "comparison).\n"
        )
        lines += explains
    text = "\n".join(lines) + "\n"
    print("\n" + text, flush=True)
    if args.out:
        Path(args.out).write_text(text)
        print(f"[bench] results written to {args.out}", flush=True)
    if args.json:
        data = {
            "machine": machine,
            "flows": {key: label for key, label, _db, _fn in FLOWS},
            "sizes": {
                str(units): {
                    "steps": tables[units],
                    "ratios": [
                        {"comparison": w, "step": st, "time": t, "queries": q}
                        for w, st, t, q in ratios(tables[units])
                    ],
                }
                for units, _rounds in args.sizes
            },
        }
        Path(args.json).write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")
        print(f"[bench] results written to {args.json}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
