"""``interdict sweep``, ``frontier``, ``target``, ``marginal``, ``priorities`` and ``runs``
(list, show, compare, report): budget planning sessions (a thin layer over
``optimizer.planning``)."""

from __future__ import annotations

import functools
import json
import sys
from typing import Callable

import click

from ..report.files import atomic_write_text
from . import main
from .common import EXIT_INPUT, fail, load_with_budgets, parse_budgets, staged_output, user_errors


# ---------------------------------------------------------------------------- shared options
def session_options(fn: Callable) -> Callable:
    """--budget, --time-limit, --gap, --executor, --workers, --address, --store, --fresh."""
    decorators = [
        click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT",
                     help="Fix a budget that is not swept (repeatable)."),
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Seconds per MILP solve."),
        click.option("--gap", "rel_gap", type=click.FloatRange(min=0), default=1e-6,
                     show_default=True, help="Relative MIP gap at which a plan counts as optimal."),
        click.option("--executor", type=click.Choice(["pool", "serial", "dask"]), default="pool",
                     show_default=True, help="Where independent solves run."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Processes of the local pool (default: one per core)."),
        click.option("--address", default=None, metavar="tcp://HOST:PORT",
                     help="Dask scheduler (with --executor dask)."),
        click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
                     help="SQLite run store (default .interdict/runs.sqlite or $INTERDICT_STORE)."),
        click.option("--no-store", is_flag=True, help="Do not record the run."),
        click.option("--quiet", "-q", is_flag=True, help="No table, no progress bar."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


class Ctx:
    """What the shared options resolve to."""

    def __init__(self, file: str, budget: tuple[str, ...], time_limit, rel_gap, executor,
                 workers, address, store_path, no_store, quiet):
        from ..options import SolveOptions

        self.file = file
        self.budgets = parse_budgets(budget)
        self.options = SolveOptions(time_limit=time_limit, rel_gap=rel_gap)
        if executor == "dask" and not address:
            raise click.BadParameter("--executor dask needs --address tcp://HOST:PORT",
                                     param_hint="--address")
        self.executor_kind = executor
        self.workers = workers
        self.address = address
        self.store_path = store_path
        self.no_store = no_store
        self.quiet = quiet
        self._executor = None
        self._store = None

    def instance(self):
        return load_with_budgets(self.file, self.budgets)

    def executor(self):
        from ..planning.executors import make_executor

        if self._executor is None:
            self._executor = make_executor(self.executor_kind, workers=self.workers,
                                           address=self.address)
        return self._executor

    def store(self):
        from ..planning.store import RunStore

        if self.no_store:
            return None
        if self._store is None:
            self._store = RunStore(self.store_path)
        return self._store

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
        if self._store is not None:
            self._store.close()


def with_ctx(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(file, budget, time_limit, rel_gap, executor, workers, address, store_path,
                no_store, quiet, **kw):
        ctx = Ctx(file, budget, time_limit, rel_gap, executor, workers, address, store_path,
                  no_store, quiet)
        try:
            with user_errors():
                try:
                    return fn(ctx, **kw)
                except ValueError as exc:
                    fail(str(exc), EXIT_INPUT)
                except KeyboardInterrupt:
                    fail("interrupted: every point certified so far is in the run store; run "
                         "the same command again to resume", 130)
        finally:
            ctx.close()
    return wrapper


def write_outputs(pairs: list[tuple[str | None, Callable[[], str]]]) -> None:
    """Write each (path, text producer) atomically; nothing is written if a producer fails."""
    texts = [(p, make()) for p, make in pairs if p]
    for path, text in texts:
        atomic_write_text(path, text)


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "0"
    if abs(v) >= 1e6 or abs(v) < 1e-3:
        return f"{v:.4g}"
    return f"{v:,.6g}"


def console():
    from rich.console import Console

    return Console(highlight=False, emoji=False, soft_wrap=False, width=140)


def progress_bar(quiet: bool, label: str):
    """A rich progress bar on stderr (a no-op when quiet or not a terminal is fine)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if quiet:
        return None
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(file=sys.stderr), transient=False)


# ---------------------------------------------------------------------------- sweep
def parse_values(text: str, hint: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: write numbers separated by commas, e.g. 0,10,50",
                                 param_hint=hint) from None
    if not vals:
        raise click.BadParameter("no values given", param_hint=hint)
    return vals


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--resource", "-r", required=True, help="The resource to sweep, e.g. usd_m.")
@click.option("--from", "start", type=float, default=None, help="First budget of the range.")
@click.option("--to", "stop", type=float, default=None, help="Last budget of the range.")
@click.option("--step", type=float, default=None, help="Step of the range.")
@click.option("--values", default=None, help="Explicit budgets instead of a range: 0,10,50.")
@click.option("--resource2", default=None, help="A second resource: sweep the grid of both.")
@click.option("--values2", default=None, help="Budgets of the second resource: 0,5,10.")
@click.option("--chain", type=click.IntRange(min=1), default=5, show_default=True,
              help="Points per warm-started chain (fixed by the sweep, not the executor).")
@click.option("--cold", is_flag=True, help="No starting solutions (every point solved cold).")
@click.option("--backend", type=click.Choice(["highs", "pyomo"]), default="highs",
              show_default=True, help="highs: arrays in HiGHS; pyomo: Pyomo persistent model "
              "with mutable budget Params (serial only).")
@click.option("--fresh", is_flag=True, help="Solve every point again (do not resume).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None,
              help="Picture of value and delivered units against the budget.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None,
              help="Self-contained report with the map and a budget slider.")
@session_options
@with_ctx
def sweep(ctx: Ctx, resource: str, start, stop, step, values, resource2, values2, chain: int,
          cold: bool, backend: str, fresh: bool, json_path, csv_path, png_path, html_path) -> None:
    """Solve FILE at every budget of a range (--from/--to/--step) or list (--values) of one
    resource, or a grid of two; every plan certified. Resumes an interrupted run."""
    from ..planning.sweep import Axis, SweepSpec, run_sweep

    if values is not None:
        if any(v is not None for v in (start, stop, step)):
            raise click.UsageError("give either --values or --from/--to/--step, not both")
        axis = Axis.of(resource, parse_values(values, "--values"))
    else:
        if any(v is None for v in (start, stop, step)):
            raise click.UsageError("give --from, --to and --step (or --values)")
        axis = Axis.range(resource, start, stop, step)
    axes = (axis,)
    if resource2 is not None or values2 is not None:
        if not (resource2 and values2):
            raise click.UsageError("a grid needs both --resource2 and --values2")
        axes = (axis, Axis.of(resource2, parse_values(values2, "--values2")))
    spec = SweepSpec(axes, chain=chain, warm=not cold)
    inst = ctx.instance()
    known = [r.id for r in inst.resources]
    for a in axes:
        if a.resource not in known:
            raise click.BadParameter(f"unknown resource '{a.resource}'; this instance has "
                                     f"{known}", param_hint="--resource")
    bar = progress_bar(ctx.quiet, "sweep")
    task = None

    def progress(done, total, point):
        if bar is not None:
            nonlocal task
            if task is None:
                task = bar.add_task("sweep", total=total)
            bar.update(task, completed=done)

    if backend == "pyomo":
        from ..planning.pyomo_session import run_sweep_pyomo

        if bar:
            bar.start()
        try:
            result = run_sweep_pyomo(inst, spec, options=ctx.options, progress=progress)
        finally:
            if bar:
                bar.stop()
        if ctx.store() is not None:
            from ..planning.executors import SessionSpec
            from ..planning.session import planning_options

            sp = SessionSpec(inst, inst.budgets(), planning_options(ctx.options))
            result.run_id = ctx.store().record("sweep-pyomo", "", inst, sp, spec.to_dict(),
                                               result.to_dict())
    else:
        if bar:
            bar.start()
        try:
            result = run_sweep(inst, spec, options=ctx.options, executor=ctx.executor(),
                               store=ctx.store(), fresh=fresh, progress=progress)
        finally:
            if bar:
                bar.stop()
    from ..report.planning import render_sweep

    outputs: list[tuple[str | None, Callable[[], str]]] = [
        (json_path, result.to_json), (csv_path, result.to_csv)]
    with staged_output(png_path, ".png") as png_tmp, staged_output(html_path, ".html") as html_tmp:
        if png_tmp:
            from ..report.plots import sweep_png

            sweep_png(result, png_tmp)
        if html_tmp:
            from ..report.html import sweep_html

            atomic_write_text(html_tmp, sweep_html(result, inst))
        write_outputs(outputs)
    if not ctx.quiet:
        click.echo(render_sweep(result), nl=False)


# ---------------------------------------------------------------------------- runs
@main.group(invoke_without_command=True)
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite run store (default .interdict/runs.sqlite or $INTERDICT_STORE).")
@click.pass_context
def runs(cx: click.Context, store_path: str | None) -> None:
    """List the runs in the store (or: runs show ID, runs compare A B)."""
    cx.obj = store_path
    if cx.invoked_subcommand is None:
        from ..report.planning import render_runs
        from ..planning.store import RunStore, default_store_path

        path = store_path or default_store_path()
        from pathlib import Path

        if not Path(path).exists():
            click.echo(f"no run store at {path}")
            return
        with RunStore(path) as store:
            click.echo(render_runs(store.runs()), nl=False)


@runs.command("show")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
@click.pass_obj
def runs_show(store_path, run_id: int, as_json: bool) -> None:
    """Show one stored run."""
    from ..report.planning import render_run
    from ..planning.store import RunStore

    with RunStore(store_path) as store:
        try:
            info = store.run(run_id)
        except KeyError:
            fail(f"no run {run_id} in {store.path}", EXIT_INPUT)
        result = store.result(run_id)
        if as_json:
            click.echo(json.dumps(result, indent=2, sort_keys=True))
            return
        points = store.points(run_id)
        click.echo(render_run(info, result, points), nl=False)


@runs.command("compare")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.pass_obj
def runs_compare(store_path, run_a: int, run_b: int) -> None:
    """Compare two sweeps point by point (same budgets): values and plans."""
    from ..report.planning import render_compare
    from ..planning.store import RunStore

    with RunStore(store_path) as store:
        try:
            a, b = store.run(run_a), store.run(run_b)
        except KeyError as exc:
            fail(f"no run {exc.args[0]} in {store.path}", EXIT_INPUT)
        pa = _run_points(store, a)
        pb = _run_points(store, b)
        click.echo(render_compare(a, b, pa, pb), nl=False)


@runs.command("report")
@click.argument("run_id", type=int)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None)
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None)
@click.option("--instance", "instance_path", type=click.Path(dir_okay=True), default=None,
              help="The instance file, if it moved since the run (its content must match).")
@click.pass_obj
def runs_report(store_path, run_id: int, html_path, png_path, instance_path) -> None:
    """Draw a stored sweep or frontier again (HTML report, PNG) without solving."""
    from ..instance.reader import load_instance
    from ..planning.frontier import Frontier, Step
    from ..planning.session import instance_digest
    from ..planning.store import RunStore
    from ..planning.sweep import SweepResult, SweepSpec

    if not (html_path or png_path):
        raise click.UsageError("give --html and/or --png")
    with RunStore(store_path) as store, user_errors():
        try:
            info = store.run(run_id)
        except KeyError:
            fail(f"no run {run_id} in {store.path}", EXIT_INPUT)
        res = store.result(run_id)
        if info.kind not in ("sweep", "sweep-pyomo", "frontier") or res is None:
            fail(f"run {run_id} is a {info.kind} run ({info.status}); only finished sweeps and "
                 "frontiers have pictures", EXIT_INPUT)
        inst = load_instance(instance_path or info.instance_path)
        base = inst.with_budgets(res["base_budgets"])
        if instance_digest(base) != info.instance_hash:
            fail(f"{instance_path or info.instance_path} is not the instance of run {run_id} "
                 "(its content changed); pass the right file with --instance", EXIT_INPUT)
        if info.kind == "frontier":
            result = Frontier(res["instance"], res["instance_path"], res["resource"], res["lo"],
                              res["hi"], res["base_budgets"], res["value_before"],
                              res["delivered_before"], [Step.from_dict(s) for s in res["steps"]],
                              res["tolerance"], res["delta"], res["pieces"], res["solves"],
                              res["seconds"], run_id, res["executor"])
        else:
            from ..planning.points import PointResult

            result = SweepResult(res["instance"], res["instance_path"],
                                 SweepSpec.from_dict(res["spec"]), res["base_budgets"],
                                 res["value_before"], res["delivered_before"],
                                 [PointResult.from_dict(p) for p in res["points"]], run_id)
        with staged_output(png_path, ".png") as png_tmp, \
                staged_output(html_path, ".html") as html_tmp:
            from ..report import html as H
            from ..report import plots as P

            if png_tmp:
                (P.frontier_png if info.kind == "frontier" else P.sweep_png)(result, png_tmp)
            if html_tmp:
                page = (H.frontier_html if info.kind == "frontier" else H.sweep_html)(result, inst)
                atomic_write_text(html_tmp, page)


def _run_points(store, info) -> list:
    from ..planning.points import PointResult

    pts = store.points(info.id)
    if pts:
        return pts
    res = store.result(info.id) or {}
    return [PointResult.from_dict(p) for p in res.get("points", [])]


# ---------------------------------------------------------------------------- frontier
@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--resource", "-r", required=True, help="The resource whose budget varies.")
@click.option("--from", "start", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option("--to", "stop", type=click.FloatRange(min=0), default=None,
              help="Top of the range (default: the most any plan can spend).")
@click.option("--pieces", type=click.IntRange(min=1), default=4, show_default=True,
              help="Cut the range into this many independent pieces, solved on the executor "
              "(the result depends on the pieces, never on the executor).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None)
@session_options
@with_ctx
def frontier(ctx: Ctx, resource: str, start: float, stop, pieces: int, json_path, csv_path,
             png_path, html_path) -> None:
    """Every breakpoint of the optimal smuggler value as the budget of one resource grows,
    with the plan on each segment (exact, certified)."""
    from ..planning.frontier import exact_frontier
    from ..report.planning import render_frontier
    from ..planning.session import PlanningSession

    inst = ctx.instance()
    if resource not in [r.id for r in inst.resources]:
        raise click.BadParameter(f"unknown resource '{resource}'; this instance has "
                                 f"{[r.id for r in inst.resources]}", param_hint="--resource")
    session = PlanningSession(inst, ctx.options)
    top = session.max_spend(resource) if stop is None else stop
    if top <= start:
        raise click.BadParameter(f"--to ({top:g}) must exceed --from ({start:g})",
                                 param_hint="--to")
    ex = ctx.executor() if pieces > 1 and ctx.executor_kind != "serial" else None
    bar = progress_bar(ctx.quiet, "frontier pieces")
    task = None

    def progress(done, total):
        nonlocal task
        if bar is not None:
            if task is None:
                task = bar.add_task("frontier", total=total)
            bar.update(task, completed=done)

    if bar:
        bar.start()
    try:
        result = exact_frontier(session, resource, start, top, executor=ex, pieces=pieces,
                                progress=progress)
    finally:
        if bar:
            bar.stop()
    _record(ctx, "frontier", inst, session, {"resource": resource, "from": start, "to": top,
                                             "pieces": pieces}, result)
    with staged_output(png_path, ".png") as png_tmp, staged_output(html_path, ".html") as html_tmp:
        if png_tmp:
            from ..report.plots import frontier_png

            frontier_png(result, png_tmp)
        if html_tmp:
            from ..report.html import frontier_html

            atomic_write_text(html_tmp, frontier_html(result, inst))
        write_outputs([(json_path, result.to_json), (csv_path, result.to_csv)])
    if not ctx.quiet:
        click.echo(render_frontier(result), nl=False)


def _record(ctx: Ctx, kind: str, inst, session, spec: dict, result) -> None:
    """Put a finished non-sweep run in the store."""
    store = ctx.store()
    if store is None:
        return
    from ..planning.executors import SessionSpec

    sp = SessionSpec(inst, session.base_budgets, session.options)
    key = json.dumps({"session": sp.key, "spec": spec}, sort_keys=True, default=str)
    result.run_id = store.record(kind, key, inst, sp, spec, result.to_dict())


# ---------------------------------------------------------------------------- target
@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--reduce", "reduce_", nargs=2, multiple=True, required=True,
              metavar="WHAT PCT", help="'value 50%' (the smuggler's value) or "
              "'<commodity> 50%' (units of it delivered, counted in the smuggler's most "
              "delivering optimal response). Repeatable.")
@click.option("--resource", "-r", required=True, help="The resource to spend as little of.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@session_options
@with_ctx
def target(ctx: Ctx, reduce_: tuple[tuple[str, str], ...], resource: str, json_path) -> None:
    """The cheapest plan in one resource (other budgets fixed) that cuts the smuggler's
    value, or the units of a commodity delivered, by the given share; says so when the
    target cannot be reached."""
    from ..planning.executors import SessionSpec, run_all
    from ..report.planning import render_target
    from ..planning.session import PlanningSession
    from ..planning.target import TargetNotSupported, TargetTask, make_target, parse_reduction

    inst = ctx.instance()
    if resource not in [r.id for r in inst.resources]:
        raise click.BadParameter(f"unknown resource '{resource}'; this instance has "
                                 f"{[r.id for r in inst.resources]}", param_hint="--resource")
    comms = [c.id for c in inst.commodities]
    tasks = []
    for what, pct in reduce_:
        try:
            red = parse_reduction(pct)
            make_target(what, red, comms)  # validates (a commodity target raises here)
        except TargetNotSupported as exc:
            fail(str(exc), EXIT_INPUT)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--reduce") from None
        tasks.append(TargetTask(what, red, resource))
    session = PlanningSession(inst, ctx.options)
    if len(tasks) > 1:
        spec = SessionSpec(inst, session.base_budgets, session.options)
        results = run_all(ctx.executor(), spec, tasks)
    else:
        results = [tasks[0].run(session)]
    for t, r in zip(tasks, results):
        _record(ctx, "target", inst, session, {"target": t.kind, "reduction": t.reduction,
                                               "resource": resource}, r)
    if json_path:
        payload = [r.to_dict() for r in results]
        from ..results.types import _clean

        write_outputs([(json_path, lambda: json.dumps(_clean(payload if len(payload) > 1
                                                              else payload[0]),
                                                      indent=2, sort_keys=True) + "\n")])
    if not ctx.quiet:
        for r in results:
            click.echo(render_target(r), nl=False)


# ---------------------------------------------------------------------------- marginal
@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--step", "steps", multiple=True, metavar="RESOURCE=AMOUNT",
              help="How much more of a resource to price (repeatable; default 10% of each "
              "budget, at least 1).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@session_options
@with_ctx
def marginal(ctx: Ctx, steps: tuple[str, ...], json_path) -> None:
    """What one more step of each resource buys at the given budgets, and the next action
    to fund with it."""
    from ..planning.marginal import marginal_gains
    from ..report.planning import render_marginal
    from ..planning.session import PlanningSession

    inst = ctx.instance()
    given = parse_budgets(steps) if steps else {}
    known = [r.id for r in inst.resources]
    bad = sorted(set(given) - set(known))
    if bad:
        raise click.BadParameter(f"unknown resource(s) {bad}; this instance has {known}",
                                 param_hint="--step")
    if any(v <= 0 for v in given.values()):
        raise click.BadParameter("a step must be > 0", param_hint="--step")
    step_map = given or {r.id: max(1.0, 0.1 * r.budget) for r in inst.resources}
    session = PlanningSession(inst, ctx.options)
    result = marginal_gains(session, step_map, executor=ctx.executor()
                            if ctx.executor_kind != "serial" else None)
    _record(ctx, "marginal", inst, session, {"steps": step_map}, result)
    write_outputs([(json_path, result.to_json)])
    if not ctx.quiet:
        click.echo(render_marginal(result), nl=False)


# ---------------------------------------------------------------------------- priorities
@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--resource", "-r", required=True)
@click.option("--values", default=None,
              help="Budgets the nested plans are built for: 0,25,50,100 (default: the "
              "resource's budget at its quarter points, b/4, b/2, 3b/4, b).")
@click.option("--method", type=click.Choice(["exact", "greedy"]), default="exact",
              show_default=True, help="exact: nested plans of least total value over the "
              "budgets (one MILP started from greedy); greedy: each budget's best plan "
              "containing the previous one.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@session_options
@with_ctx
def priorities(ctx: Ctx, resource: str, values: str | None, method: str, json_path) -> None:
    """An order of actions whose prefixes are good plans across budgets (nested plans),
    with each prefix's regret against the optimal plan at its spend. Without --values the
    budgets are the resource's budget at its quarter points."""
    from ..planning.marginal import priority_list, quarter_points
    from ..report.planning import render_priorities
    from ..planning.session import PlanningSession

    inst = ctx.instance()
    if resource not in [r.id for r in inst.resources]:
        raise click.BadParameter(f"unknown resource '{resource}'", param_hint="--resource")
    if values is None:
        budget = next(r.budget for r in inst.resources if r.id == resource)
        try:
            grid = quarter_points(budget)
        except ValueError as exc:
            raise click.BadParameter(f"the default is the budget of '{resource}' at its "
                                     f"quarter points, but {exc}: give the budgets, e.g. "
                                     "--values 0,25,50", param_hint="--values") from None
    else:
        grid = parse_values(values, "--values")
    if any(v < 0 for v in grid):
        raise click.BadParameter("budgets must be ≥ 0", param_hint="--values")
    session = PlanningSession(inst, ctx.options)
    result = priority_list(session, resource, grid, executor=ctx.executor()
                           if ctx.executor_kind != "serial" else None, method=method,
                           time_limit=ctx.options.time_limit)
    _record(ctx, "priorities", inst, session, {"resource": resource, "values": grid}, result)
    write_outputs([(json_path, result.to_json)])
    if not ctx.quiet:
        click.echo(render_priorities(result), nl=False)
