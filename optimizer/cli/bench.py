"""``interdict bench``: run benchmark families, write JSON and markdown, compare with a
baseline."""

from __future__ import annotations

import json
import sys

import click

from ..report.files import OutputSet
from . import main
from .common import (
    EXIT_INPUT,
    EXIT_REGRESSION,
    Emit,
    examples,
    interruptible,
    json_option,
    user_errors,
)
from .progress import Progress, progress_option


@main.command(epilog=examples(
    "interdict bench --list",
    "interdict bench -f grid --size tiny --json bench.json --markdown bench.md",
    "interdict bench --size small --baseline benches/results/small.json --fail-on-regression",
    "interdict bench -f grid --size tiny -s highs -s highs-mps --json - -q"))
@click.option("--family", "-f", "family_names", multiple=True,
              help="Benchmark family (repeatable; default: all). See --list.")
@click.option("--size", type=click.Choice(["tiny", "small", "medium", "large"]), default="small",
              show_default=True)
@click.option("--method", "-m", "methods", multiple=True,
              type=click.Choice(["dual", "benders", "benders-basic", "auto", "textbook",
                                 "dual+highs-defaults"]),
              help="Engine methods, or textbook: the hand-dualised MILP in Pyomo solved by "
                   "HiGHS, the peer of the grid families; dual+highs-defaults: the dual "
                   "MILP with HiGHS's own settings instead of the engine's (repeatable; "
                   "default: each family's own list).")
@click.option("--solver", "-s", "solvers", multiple=True,
              type=click.Choice(["highs", "highs-mps", "cbc", "glpk", "scip"]),
              help="highs = the engine; highs-mps / cbc / glpk / scip solve the exported MPS "
                   "(repeatable; default: highs). Absent solvers are skipped.")
@click.option("--case", "case_filter", default=None,
              help="Only cases whose key contains this text.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds per run.")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--gap", "rel_gap", type=click.FloatRange(min=0, max=1), default=1e-6,
              show_default=True, help="Relative MIP gap at which a run counts as optimal.")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True,
              help="Run each case and engine method this many times, the methods in turn, "
                   "and record the median run (a shared machine's load varies).")
@json_option("the results")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False), default=None,
              help="Write the results as a markdown table.")
@click.option("--baseline", type=click.Path(dir_okay=False), default=None,
              help="Compare with this earlier JSON; regressions are listed (exit 5 with "
                   "--fail-on-regression).")
@click.option("--fail-on-regression", is_flag=True,
              help="Exit 5 when a run regressed (or disagrees) against --baseline.")
@click.option("--list", "list_only", is_flag=True, help="List families and cases, run nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print no table and no progress.")
@progress_option
def bench(family_names: tuple[str, ...], size: str, methods: tuple[str, ...],
          solvers: tuple[str, ...], case_filter: str | None, time_limit: float, threads: int,
          rel_gap: float, repeat: int, json_path: str | None, md_path: str | None,
          baseline: str | None, fail_on_regression: bool, list_only: bool, quiet: bool,
          force_progress: bool) -> None:
    """Measure build, solve and check time, bound, gap, nodes, objective and peak memory
    per family, method and solver, under a time limit. Each run's result shows in the
    progress on stderr; the table goes to stdout (to stderr with --json -)."""
    from ..bench import report
    from ..bench.registry import cases, families
    from ..bench.runner import BenchPlan, run_plan

    fams = families()
    try:
        selected = [c for c in cases(family_names, size)
                    if case_filter is None or case_filter in c.key]
    except KeyError as exc:
        click.echo(f"error: {exc.args[0]}", err=True)
        sys.exit(EXIT_INPUT)
    if list_only:
        for name, fam in fams.items():
            click.echo(f"{name}: {fam.description} (methods: {', '.join(fam.methods)})")
        for c in selected:
            click.echo(f"  {c.key} [{c.size}] {json.dumps(c.params, sort_keys=True)}")
        return
    if not selected:
        click.echo("error: no benchmark case matches", err=True)
        sys.exit(EXIT_INPUT)
    base = None
    if baseline:
        try:
            base = report.records_of(report.load(baseline))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            click.echo(f"error: baseline {baseline}: {exc}", err=True)
            sys.exit(EXIT_INPUT)
    emit = Emit(json_path, quiet)
    with user_errors():
        outputs = OutputSet(emit.file, md_path)
    solvers = solvers or ("highs",)
    records: list = []
    by_family: dict[str, list] = {}
    for c in selected:
        by_family.setdefault(c.family, []).append(c)
    def line(r) -> str:
        t = "–" if r.total_s is None else f"{r.total_s:.2f}s"
        obj = "" if r.objective is None else f" objective {r.objective:.10g}"
        return (f"{r.case} {r.method}/{r.solver}: {r.status} {t}{obj}"
                + (f" ({r.message.splitlines()[0]})" if r.message else ""))

    plans = [BenchPlan(fam_cases, methods or fams[fam_name].methods, solvers,
                       time_limit=time_limit, threads=threads, rel_gap=rel_gap, repeat=repeat)
             for fam_name, fam_cases in by_family.items()]
    # Ctrl-C or SIGTERM: the running worker is stopped, exit 130/143
    with interruptible(), Progress.choose(quiet, force_progress) as progress, \
            progress.counted("bench", sum(p.runs for p in plans), "runs", every=0) as update:
        def show(r) -> None:
            done.append(r)
            update(len(done), note=line(r))

        done: list = []
        for plan in plans:
            records.extend(run_plan(plan, show))
    findings = report.compare(records, base) if base is not None else None
    settings = {"size": size, "families": sorted(by_family), "time_limit": time_limit,
                "threads": threads, "rel_gap": rel_gap, "repeat": repeat,
                "solvers": list(solvers),
                "methods": list(methods) or "per family"}
    doc = report.document(records, settings)
    table = report.markdown(records, findings)
    lit = report.literature(records)
    if lit:
        table += "\nAgainst the published optima:\n\n" + lit
    peer = report.against_textbook(records)
    if peer:
        table += "\nAgainst the textbook peer (engine total ÷ textbook total):\n\n" + peer
    payload = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    with outputs:
        outputs.text(emit.file, payload)
        outputs.text(md_path, table)
    emit.json(payload)
    emit.summary(table)
    if findings and fail_on_regression and any(f.kind in ("regression", "mismatch")
                                               for f in findings):
        sys.exit(EXIT_REGRESSION)
