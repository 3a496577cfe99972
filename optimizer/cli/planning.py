"""``interdict sweep``, ``frontier``, ``target``, ``marginal``, ``priorities`` and ``runs``
(list, show, compare, report, resume): budget planning sessions (a thin layer over
``optimizer.planning``).

Every command checks its output paths and opens its run store (and executor) before any
solve; it stores each certified piece the moment it is found, so Ctrl-C or SIGTERM stops
it within moments (workers terminated), says what was kept and how to resume, and exits
130 (143 for SIGTERM)."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from ..errors import InstanceError, SetupError
from ..instance.units import Units
from ..report.files import OutputSet
from . import main
from .common import (
    EXIT_INPUT,
    SHIPPED,
    Emit,
    examples,
    fail,
    interruptible,
    json_option,
    load_with_budgets,
    parse_budgets,
    user_errors,
)
from .progress import Progress, progress_option

# ---------------------------------------------------------------------------- shared options
STORE_HELP = ("SQLite run store (default: $INTERDICT_STORE, else runs.sqlite in the user "
              "data directory, e.g. ~/.local/share/interdict; 'interdict runs' prints it).")


def executor_options(fn: Callable) -> Callable:
    """--executor, --workers, --address, --quiet, --progress."""
    decorators: list[Callable[[Callable], Callable]] = [
        click.option("--executor", type=click.Choice(["pool", "serial", "dask"]), default="pool",
                     show_default=True, help="Where independent solves run."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Processes of the local pool (default: one per core)."),
        click.option("--address", default=None, metavar="tcp://HOST:PORT",
                     help="Dask scheduler (with --executor dask)."),
        click.option("--quiet", "-q", is_flag=True, help="No table, no progress."),
        progress_option,
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def session_options(fn: Callable) -> Callable:
    """--budget, --time-limit, --gap, --store, --no-store, --fresh and the executor options."""
    decorators = [
        click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT",
                     help="Fix a budget that is not swept (repeatable)."),
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Seconds per MILP solve."),
        click.option("--gap", "rel_gap", type=click.FloatRange(min=0), default=1e-6,
                     show_default=True, help="Relative MIP gap at which a plan counts as optimal."),
        click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
                     help=STORE_HELP),
        click.option("--no-store", is_flag=True, help="Do not record the run."),
        click.option("--fresh", is_flag=True,
                     help="Solve everything again in a new run (do not resume a stored one)."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return executor_options(fn)


class Ctx:
    """What the shared options resolve to; ``open`` opens the store and the executor (before
    any solve), ``close`` stops the executor's workers and closes the store."""

    def __init__(self, *, executor: str, workers: int | None, address: str | None,
                 quiet: bool, force_progress: bool = False, store_path: str | None = None,
                 no_store: bool = False,
                 fresh: bool = False, file: str | None = None, budget: tuple[str, ...] = (),
                 time_limit: float | None = None, rel_gap: float = 1e-6):
        from ..options import SolveOptions

        if executor == "dask" and not address:
            raise click.BadParameter("--executor dask needs --address tcp://HOST:PORT",
                                     param_hint="--address")
        self.file = file
        self.budgets = parse_budgets(budget)
        self.options = SolveOptions(time_limit=time_limit, rel_gap=rel_gap)
        self.executor_kind, self.workers, self.address = executor, workers, address
        self.store_path, self.no_store, self.fresh, self.quiet = store_path, no_store, fresh, quiet
        self.store: Any = None
        self.executor: Any = None
        self.progress = Progress.choose(quiet, force_progress)

    def instance(self):
        if self.file is None:
            raise click.UsageError("this command needs an instance FILE")
        return load_with_budgets(self.file, self.budgets, zero_sum="planning sessions")

    def open(self) -> None:
        from ..parallel import make_executor
        from ..planning.store import RunStore

        if not self.no_store and self.store is None:
            self.store = RunStore(self.store_path)
        if self.executor is None:
            self.executor = make_executor(self.executor_kind, workers=self.workers,
                                          address=self.address)

    def close(self) -> None:
        self.progress.close()
        if self.executor is not None:
            self.executor.close()
            self.executor = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def interrupted(self) -> str:
        """Stop the workers; say what the store keeps and how to resume."""
        self.progress.close()
        store = self.store
        if self.executor is not None:
            self.executor.close()
            self.executor = None
        if self.no_store:
            return "nothing kept (--no-store)"
        if store is None or not store.opened:
            return "nothing was stored yet"
        run = store.opened[-1]
        where = "" if self.store_path is None else f" --store {self.store_path}"
        return (f"run {run.id} keeps {len(run.pieces)} certified piece(s) in {store.path}; "
                f"resume with: interdict runs{where} resume {run.id} "
                "(or run the same command again)")


def _guarded(ctx: Ctx, body: Callable[[], Any]) -> Any:
    """Run a command's body: engine errors become messages and exit codes, Ctrl-C and
    SIGTERM stop it cleanly (``interruptible``), the store and workers are closed."""
    try:
        # user_errors outside: Ctrl-C/SIGTERM reach interruptible first, which says what
        # the store keeps (user_errors would say "nothing was written")
        with user_errors(), interruptible(ctx.interrupted):
            try:
                return body()
            except sqlite3.Error as exc:
                where = ctx.store.path if ctx.store is not None else ctx.store_path
                fail(f"run store {where}: {exc}", EXIT_INPUT)
    finally:
        ctx.close()


def with_ctx(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(file, budget, time_limit, rel_gap, store_path, no_store, fresh, executor,
                workers, address, quiet, force_progress, **kw):
        ctx = Ctx(executor=executor, workers=workers, address=address, quiet=quiet,
                  force_progress=force_progress, store_path=store_path, no_store=no_store,
                  fresh=fresh, file=file, budget=budget, time_limit=time_limit, rel_gap=rel_gap)
        return _guarded(ctx, lambda: fn(ctx, **kw))
    return wrapper


def _units_at(path: str | None) -> Units:
    """The units of the instance at ``path`` (a stored run's), or the defaults when it
    cannot be read any more (the tables still print, with bare units)."""
    from ..instance.reader import load_instance

    try:
        return Units.of(load_instance(path)) if path else Units()
    except (InstanceError, OSError):
        return Units()


def console():
    from rich.console import Console

    return Console(markup=False, highlight=False, emoji=False, soft_wrap=False, width=140)


def _sweep_outputs(out: OutputSet, result, inst, json_path, csv_path, png_path, html_path) -> None:
    """Stage a sweep's files (JSON, CSV, PNG, HTML) in ``out``."""
    from ..report.planning import json_with_units

    out.text(json_path, json_with_units(result.to_json(), Units.of(inst)))
    out.text(csv_path, result.to_csv(Units.of(inst)))
    if png_path:
        from ..report.plots import sweep_png

        sweep_png(result, out.file(png_path), inst)
    if html_path:
        from ..report.html import sweep_html

        out.text(html_path, sweep_html(result, inst))


def _frontier_outputs(out: OutputSet, result, inst, json_path, csv_path, png_path,
                      html_path) -> None:
    """Stage a frontier's files (JSON, CSV, PNG, HTML) in ``out``."""
    from ..report.planning import json_with_units

    out.text(json_path, json_with_units(result.to_json(), Units.of(inst)))
    out.text(csv_path, result.to_csv(Units.of(inst)))
    if png_path:
        from ..report.plots import frontier_png

        frontier_png(result, out.file(png_path), inst)
    if html_path:
        from ..report.html import frontier_html

        out.text(html_path, frontier_html(result, inst))


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


def _check_resource(inst, resource: str, hint: str = "--resource") -> None:
    known = [r.id for r in inst.resources]
    if resource not in known:
        raise click.BadParameter(f"unknown resource '{resource}'; this instance has {known}",
                                 param_hint=hint)


@main.command(epilog=examples(
    f"interdict sweep {SHIPPED} -r usd_m --from 0 --to 200 --step 50",
    f"interdict sweep {SHIPPED} -r usd_m --values 0,50,100 --html sweep.html --png sweep.png",
    f"interdict sweep {SHIPPED} -r usd_m --values 0,100 --resource2 mx_capacity --values2 0,10",
    f"interdict sweep {SHIPPED} -r usd_m --values 0,100 --json - -q | python -m json.tool"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--resource", "-r", required=True, help="The resource to sweep, e.g. usd_m.")
@click.option("--from", "start", type=float, default=None, help="First budget of the range.")
@click.option("--to", "stop", type=float, default=None, help="Last budget of the range.")
@click.option("--step", type=float, default=None, help="Step of the range.")
@click.option("--values", default=None, help="Explicit budgets instead of a range: 0,10,50.")
@click.option("--resource2", default=None, help="A second resource: sweep the grid of both.")
@click.option("--values2", default=None, help="Budgets of the second resource: 0,5,10.")
@click.option("--chain", type=click.IntRange(min=1), default=3, show_default=True,
              help="Points per warm-started chain (fixed by the sweep, not the executor).")
@click.option("--cold", is_flag=True, help="No starting solutions (every point solved cold).")
@click.option("--backend", type=click.Choice(["highs", "pyomo"]), default="highs",
              show_default=True, help="highs: arrays in HiGHS; pyomo: Pyomo persistent model "
              "with mutable budget Params (serial only).")
@json_option()
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None,
              help="Picture of value and delivered units against the budget.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None,
              help="Self-contained report with the map and a budget slider.")
@click.option("--horizon", is_flag=True,
              help="Sweep the optimal schedule over the instance's horizon: -r RESOURCE "
                   "(every period), RESOURCE@PERIOD or RESOURCE@total; solved one point after "
                   "another (no store, warm starts or grid).")
@session_options
@with_ctx
def sweep(ctx: Ctx, resource: str, start, stop, step, values, resource2, values2, chain: int,
          cold: bool, backend: str, json_path, csv_path, png_path, html_path,
          horizon: bool) -> None:
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
    axes: tuple[Axis, ...] = (axis,)
    if resource2 is not None or values2 is not None:
        if not (resource2 and values2):
            raise click.UsageError("a grid needs both --resource2 and --values2")
        axes = (axis, Axis.of(resource2, parse_values(values2, "--values2")))
    if horizon:
        _sweep_horizon(ctx, axes, backend, json_path, csv_path, png_path, html_path)
        return
    spec = SweepSpec(axes, chain=chain, warm=not cold)
    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file, csv_path, png_path, html_path)
    ctx.open()
    inst = ctx.instance()
    for a in axes:
        _check_resource(inst, a.resource)
    with ctx.progress.counted("sweep", unit="points") as update, \
            ctx.progress.solving("point", Units.of(inst).value):
        if backend == "pyomo":
            from ..planning.pyomo_session import run_sweep_pyomo

            result = run_sweep_pyomo(inst, spec, options=ctx.options,
                                     progress=lambda d, t, _p: update(d, t))
            if ctx.store is not None:
                from ..planning.session import planning_options
                from ..planning.tasks import SessionSpec

                sp = SessionSpec(inst, inst.budgets(), planning_options(ctx.options))
                result.run_id = ctx.store.record("sweep-pyomo", "", inst, sp, spec.to_dict(),
                                                 result.to_dict())
        else:
            result = run_sweep(inst, spec, options=ctx.options, executor=ctx.executor,
                               store=ctx.store, fresh=ctx.fresh,
                               progress=lambda d, t, _p: update(d, t))
    from ..report.planning import json_with_units, render_sweep

    with outputs:
        _sweep_outputs(outputs, result, inst, emit.file, csv_path, png_path, html_path)
    ctx.progress.close()
    emit.json(json_with_units(result.to_json(), Units.of(inst)))
    emit.summary(render_sweep(result, Units.of(inst)))


def _sweep_horizon(ctx: Ctx, axes, backend: str, json_path, csv_path, png_path,
                   html_path) -> None:
    """``sweep --horizon``: the schedule at every budget (``planning.horizon_sweep``)."""
    from ..planning.horizon_sweep import horizon_sweep_png, render_horizon_sweep, sweep_horizon
    from ..results.horizon import summed_unit

    if len(axes) > 1 or backend != "highs" or html_path:
        raise click.UsageError("a horizon sweep takes one resource, the highs backend and "
                               "no --html")
    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file, csv_path, png_path)
    inst = ctx.instance()  # no executor or store: points are solved here, one by one
    if inst.horizon is None:
        raise click.UsageError(f"{inst.path} has no 'horizon' section")
    with ctx.progress.counted("horizon sweep", unit="points") as update, \
            ctx.progress.solving("point", summed_unit(Units.of(inst).value, inst.horizon.unit)):
        result = sweep_horizon(inst, axes[0].resource, axes[0].values, ctx.options,
                               progress=update)
    with outputs:
        outputs.text(emit.file, result.to_json())
        outputs.text(csv_path, result.to_csv())
        if png_path:
            horizon_sweep_png(result, outputs.file(png_path))
    ctx.progress.close()
    emit.json(result.to_json())
    emit.summary(render_horizon_sweep(result))


# ---------------------------------------------------------------------------- runs
@main.group(invoke_without_command=True, epilog=examples(
    "interdict runs", "interdict runs show 3", "interdict runs compare 3 4",
    "interdict runs report 3 --html sweep.html", "interdict runs resume 3",
    "INTERDICT_STORE=./runs.sqlite interdict runs"))
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
              help=STORE_HELP)
@click.pass_context
def runs(cx: click.Context, store_path: str | None) -> None:
    """List the runs in the store (or: runs show ID, compare A B, report ID, resume ID).
    A run whose process is gone without finishing shows as interrupted."""
    cx.obj = store_path
    if cx.invoked_subcommand is None:
        from pathlib import Path

        from ..planning.store import RunStore, default_store_path
        from ..report.planning import render_runs

        path = store_path or default_store_path()
        if not Path(path).exists():
            click.echo(f"no run store at {path}")
            return
        with user_errors(), RunStore(path) as store:
            click.echo(f"Run store {store.path}")
            click.echo(render_runs(store.runs()), nl=False)


@contextmanager
def _stored_run(store_path: str | None, run_id: int) -> Iterator[tuple[Any, Any]]:
    """(store, run info) for a ``runs`` subcommand; unknown runs and unusable stores are
    clean errors (exit 1)."""
    from ..planning.store import RunStore

    with user_errors(), RunStore(store_path) as store:
        try:
            info = store.run(run_id)
        except KeyError:
            fail(f"no run {run_id} in {store.path}", EXIT_INPUT)
        yield store, info


@runs.command("show", epilog=examples("interdict runs show 3",
                                      "interdict runs show 3 --json | python -m json.tool"))
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
@click.pass_obj
def runs_show(store_path, run_id: int, as_json: bool) -> None:
    """Show one stored run."""
    from ..report.planning import render_run

    with _stored_run(store_path, run_id) as (store, info):
        result = store.result(run_id)
        if as_json:
            click.echo(json.dumps(result, indent=2, sort_keys=True))
            return
        click.echo(render_run(info, result, _run_points(store, info),
                              _units_at(info.instance_path)), nl=False)


@runs.command("compare", epilog=examples("interdict runs compare 3 4"))
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.pass_obj
def runs_compare(store_path, run_a: int, run_b: int) -> None:
    """Compare two runs point by point at the same budgets of the swept resource(s):
    values and plans, after a list of what else differs (fixed budgets, options, instance
    data record by record). Runs on different data or with other fixed budgets compare
    too."""
    from ..planning.store import compare_runs
    from ..report.planning import render_compare

    with _stored_run(store_path, run_a) as (store, a):
        try:
            b = store.run(run_b)
        except KeyError:
            fail(f"no run {run_b} in {store.path}", EXIT_INPUT)
        insts = _run_instances(a, b)
        comparison = compare_runs(store, a, b, _run_points(store, a), _run_points(store, b),
                                  instances=insts)
        click.echo(render_compare(comparison, _units_at(a.instance_path)), nl=False)


def _run_instances(*infos) -> tuple | None:
    """Each run's instance as it was (its file with the run's budgets), when every file
    still reads and still has the content the run recorded; else None."""
    from ..errors import InterdictError
    from ..instance.reader import load_instance
    from ..planning.session import instance_digest

    out = []
    for info in infos:
        try:
            inst = load_instance(info.instance_path)
            budgets = {r.id: info.options.get("budgets", {}).get(r.id, r.budget)
                       for r in inst.resources}
            inst = inst.with_budgets(budgets)
        except (InterdictError, OSError):
            return None
        if instance_digest(inst) != info.instance_hash:
            return None
        out.append(inst)
    return tuple(out)


@runs.command("report", epilog=examples(
    "interdict runs report 3 --html sweep.html --png sweep.png",
    "interdict runs report 3 --html sweep.html --instance moved/mexico_us.yaml"))
@click.argument("run_id", type=int)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None)
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None)
@click.option("--instance", "instance_path", type=click.Path(dir_okay=True), default=None,
              help="The instance file, if it moved since the run (its content must match).")
@click.pass_obj
def runs_report(store_path, run_id: int, html_path, png_path, instance_path) -> None:
    """Draw a stored sweep or frontier again (HTML report, PNG) without solving."""
    from ..planning.frontier import Frontier, Step
    from ..planning.points import PointResult
    from ..planning.resume import stored_instance
    from ..planning.sweep import SweepResult, SweepSpec

    if not (html_path or png_path):
        raise click.UsageError("give --html and/or --png")
    outputs = OutputSet(html_path, png_path)
    with _stored_run(store_path, run_id) as (store, info):
        res = store.result(run_id)
        if info.kind not in ("sweep", "sweep-pyomo", "frontier") or res is None:
            fail(f"run {run_id} is a {info.kind} run ({info.status}); only finished sweeps and "
                 "frontiers have pictures", EXIT_INPUT)
        try:
            inst = stored_instance(instance_path or info.instance_path, res["base_budgets"],
                                   info.instance_hash, run_id)
        except SetupError as err:
            fail(str(err), EXIT_INPUT)
        with outputs:
            if info.kind == "frontier":
                front = Frontier(res["instance"], res["instance_path"], res["resource"],
                                 res["lo"], res["hi"], res["base_budgets"], res["value_before"],
                                 res["delivered_before"],
                                 [Step.from_dict(s) for s in res["steps"]], res["tolerance"],
                                 res["delta"], res["pieces"], res["solves"], res["seconds"],
                                 run_id, res["executor"])
                _frontier_outputs(outputs, front, inst, None, None, png_path, html_path)
            else:
                swept = SweepResult(res["instance"], res["instance_path"],
                                    SweepSpec.from_dict(res["spec"]), res["base_budgets"],
                                    res["value_before"], res["delivered_before"],
                                    [PointResult.from_dict(p) for p in res["points"]], run_id)
                _sweep_outputs(outputs, swept, inst, None, None, png_path, html_path)


@runs.command("resume", epilog=examples("interdict runs resume 3",
                                        "interdict runs resume 3 --executor serial"))
@click.argument("run_id", type=int)
@click.option("--instance", "instance_path", type=click.Path(dir_okay=True), default=None,
              help="The instance file, if it moved since the run (its content must match).")
@executor_options
@click.pass_obj
def runs_resume(store_path, run_id: int, instance_path, executor, workers, address,
                quiet, force_progress) -> None:
    """Finish an interrupted run: only the pieces it lacks are solved; prints the result as
    the command that started it would."""
    from ..planning.resume import resume_run
    from ..report import planning as R

    ctx = Ctx(executor=executor, workers=workers, address=address, quiet=quiet,
              force_progress=force_progress, store_path=store_path)

    def body() -> None:
        ctx.open()
        with ctx.progress.counted(f"run {run_id}") as update, ctx.progress.solving("solve"):
            kind, result = resume_run(ctx.store, run_id, executor=ctx.executor,
                                      instance_path=instance_path, progress=update)
        ctx.progress.close()
        if ctx.quiet:
            return
        units = _units_at(instance_path or ctx.store.run(run_id).instance_path)
        if kind == "target":
            for r in result:
                click.echo(R.render_target(r, units), nl=False)
            return
        render = {"sweep": R.render_sweep, "frontier": R.render_frontier,
                  "marginal": R.render_marginal, "priorities": R.render_priorities}[kind]
        click.echo(render(result, units), nl=False)

    _guarded(ctx, body)


def _run_points(store, info) -> list:
    from ..planning.points import PointResult

    if info.kind not in ("sweep", "sweep-pyomo"):
        return []
    pts = store.points(info.id)
    if pts:
        return pts
    res = store.result(info.id) or {}
    return [PointResult.from_dict(p) for p in res.get("points", [])]


# ---------------------------------------------------------------------------- frontier
@main.command(epilog=examples(
    f"interdict frontier {SHIPPED} -r usd_m --to 100",
    f"interdict frontier {SHIPPED} -r usd_m --pieces 2 --csv frontier.csv"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--resource", "-r", required=True, help="The resource whose budget varies.")
@click.option("--from", "start", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option("--to", "stop", type=click.FloatRange(min=0), default=None,
              help="Top of the range (default: the most any plan can spend).")
@click.option("--pieces", type=click.IntRange(min=1), default=4, show_default=True,
              help="Cut the range into this many independent pieces, solved on the executor "
              "(the result depends on the pieces, never on the executor).")
@json_option()
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None)
@click.option("--horizon", is_flag=True,
              help="Over the instance's horizon: every step of the optimal discounted value as "
              "the budget of -r RESOURCE in every period (or RESOURCE@total) grows from --from "
              "to --to (required), with the certified optimal schedule of each step.")
@session_options
@with_ctx
def frontier(ctx: Ctx, resource: str, start: float, stop, pieces: int, json_path, csv_path,
             png_path, html_path, horizon: bool) -> None:
    """Every breakpoint of the optimal smuggler value as the budget of one resource grows,
    with the plan on each segment (exact, certified)."""
    if horizon:
        if csv_path or png_path or html_path:
            raise click.UsageError("a horizon frontier writes JSON (--json) and its table")
        _frontier_horizon(ctx, resource, start, stop, json_path)
        return
    from ..planning.frontier import exact_frontier
    from ..planning.session import PlanningSession
    from ..report.planning import json_with_units, render_frontier

    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file, csv_path, png_path, html_path)
    ctx.open()
    inst = ctx.instance()
    _check_resource(inst, resource)
    session = PlanningSession(inst, ctx.options)
    top = session.max_spend(resource) if stop is None else stop
    if top <= start:
        raise click.BadParameter(f"--to ({top:g}) must exceed --from ({start:g})",
                                 param_hint="--to")
    with ctx.progress.counted(f"frontier: {resource} budget covered") as update, \
            ctx.progress.solving("step"):
        result = exact_frontier(session, resource, start, top, executor=ctx.executor,
                                pieces=pieces, progress=_frontier_progress(update),
                                store=ctx.store, fresh=ctx.fresh)
    with outputs:
        _frontier_outputs(outputs, result, inst, emit.file, csv_path, png_path, html_path)
    ctx.progress.close()
    emit.json(json_with_units(result.to_json(), Units.of(inst)))
    emit.summary(render_frontier(result, Units.of(inst)))


def _horizon_instance(ctx: Ctx, resource: str):
    """The instance of a horizon target or frontier, checked: it has a horizon, and
    ``resource`` is a resource (its budget every period) or ``RESOURCE@total``."""
    ctx.open()
    inst = ctx.instance()
    if inst.horizon is None:
        raise click.UsageError(f"{inst.path} has no 'horizon' section")
    _check_resource(inst, resource.partition("@")[0])
    if resource.partition("@")[2] not in ("", "total"):
        raise click.BadParameter("give RESOURCE (every period) or RESOURCE@total",
                                 param_hint="--resource")
    return inst


def _frontier_horizon(ctx: Ctx, resource: str, start: float, stop, json_path) -> None:
    """``frontier --horizon`` (``planning.horizon_target.horizon_frontier``)."""
    from ..planning.horizon_target import horizon_frontier
    from ..report.horizon import render_horizon_frontier

    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file)
    inst = _horizon_instance(ctx, resource)
    if stop is None or stop <= start:
        raise click.BadParameter("a horizon frontier needs --to above --from",
                                 param_hint="--to")
    with ctx.progress.counted(f"frontier (horizon): {resource} budget covered") as update, \
            ctx.progress.solving("step"):
        result = horizon_frontier(inst, resource, start, stop, ctx.options,
                                  progress=lambda n, b: update(min(b, stop) - start,
                                                               stop - start,
                                                               note=f"{n} step(s) found"))
    text = result.to_json()
    with outputs:
        outputs.text(emit.file, text)
    ctx.progress.close()
    emit.json(text)
    emit.summary(render_horizon_frontier(result))


def _frontier_progress(update: Callable[..., None]) -> Callable[[int, float, float], None]:
    """The frontier's ``progress(steps, covered, width)`` as a bar over the budget range
    (it moves with every step found, whatever the pieces)."""
    return lambda steps, covered, width: update(covered, width, note=f"{steps} step(s) found")


# ---------------------------------------------------------------------------- target
@main.command(epilog=examples(
    f"interdict target {SHIPPED} -r usd_m --reduce value 20%",
    f"interdict target {SHIPPED} -r usd_m --reduce fentanyl_kg 30% --json target.json"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--reduce", "reduce_", nargs=2, multiple=True, required=True,
              metavar="WHAT PCT", help="'value 50%' (the smuggler's value) or "
              "'<commodity> 50%' (units of it delivered, counted in the smuggler's most "
              "delivering optimal response). Repeatable.")
@click.option("--resource", "-r", required=True, help="The resource to spend as little of.")
@click.option("--horizon", is_flag=True,
              help="Over the instance's horizon: the cheapest budget of -r RESOURCE in every "
              "period (or RESOURCE@total over the horizon) whose optimal schedule cuts the "
              "discounted value by --reduce value PCT.")
@json_option()
@session_options
@with_ctx
def target(ctx: Ctx, reduce_: tuple[tuple[str, str], ...], resource: str, horizon: bool,
           json_path) -> None:
    """The cheapest plan in one resource (other budgets fixed) that cuts the smuggler's
    value, or the units of a commodity delivered, by the given share; says so when the
    target cannot be reached."""
    if horizon:
        _target_horizon(ctx, reduce_, resource, json_path)
        return
    from ..planning.session import PlanningSession
    from ..planning.target import (
        TargetNotSupported,
        cheapest_to_targets,
        make_target,
        parse_reduction,
    )
    from ..report.planning import render_target
    from ..results.types import _clean

    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file)
    ctx.open()
    inst = ctx.instance()
    _check_resource(inst, resource)
    comms = [c.id for c in inst.commodities]
    targets = []
    for what, pct in reduce_:
        try:
            red = parse_reduction(pct)
            make_target(what, red, comms)  # validates (a commodity target raises here)
        except TargetNotSupported as exc:
            fail(str(exc), EXIT_INPUT)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--reduce") from None
        targets.append((what, red))
    session = PlanningSession(inst, ctx.options)
    with ctx.progress.counted("target", len(targets), "targets") as update, \
            ctx.progress.solving("solve"):
        update(0)
        results = cheapest_to_targets(session, targets, resource,
                                      executor=ctx.executor,
                                      store=ctx.store, fresh=ctx.fresh, progress=update)
    units = Units.of(inst)
    payload = [{**r.to_dict(), "units": units.to_dict()} for r in results]
    text = json.dumps(_clean(payload if len(payload) > 1 else payload[0]), indent=2,
                      sort_keys=True) + "\n"
    with outputs:
        outputs.text(emit.file, text)
    ctx.progress.close()
    emit.json(text)
    emit.summary("".join(render_target(r, units) for r in results))


def _target_horizon(ctx: Ctx, reduce_: tuple[tuple[str, str], ...], resource: str,
                    json_path) -> None:
    """``target --horizon`` (``planning.horizon_target``): one value target."""
    from ..planning.horizon_target import cheapest_horizon_budget
    from ..planning.target import parse_reduction
    from ..report.horizon import render_horizon_target

    if len(reduce_) != 1 or reduce_[0][0] != "value":
        raise click.BadParameter("over a horizon the target is one 'value PCT'",
                                 param_hint="--reduce")
    try:
        reduction = parse_reduction(reduce_[0][1])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--reduce") from None
    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file)
    inst = _horizon_instance(ctx, resource)
    with ctx.progress.solving("target (horizon)"):
        result = cheapest_horizon_budget(inst, resource, reduction, ctx.options)
    text = result.to_json()
    with outputs:
        outputs.text(emit.file, text)
    ctx.progress.close()
    emit.json(text)
    emit.summary(render_horizon_target(result))


# ---------------------------------------------------------------------------- marginal
@main.command(epilog=examples(
    f"interdict marginal {SHIPPED}",
    f"interdict marginal {SHIPPED} --step usd_m=25 --budget usd_m=100"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--step", "steps", multiple=True, metavar="RESOURCE=AMOUNT",
              help="How much more of a resource to price (repeatable; default 10% of each "
              "budget, at least 1).")
@json_option()
@session_options
@with_ctx
def marginal(ctx: Ctx, steps: tuple[str, ...], json_path) -> None:
    """What one more step of each resource buys at the given budgets, and the next action
    to fund with it."""
    from ..planning.marginal import marginal_gains
    from ..planning.session import PlanningSession
    from ..report.planning import json_with_units, render_marginal

    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file)
    ctx.open()
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
    with ctx.progress.counted("marginal", unit="solves") as update, \
            ctx.progress.solving("solve"):
        result = marginal_gains(session, step_map, executor=ctx.executor, store=ctx.store,
                                fresh=ctx.fresh, progress=update)
    payload = json_with_units(result.to_json(), Units.of(inst))
    with outputs:
        outputs.text(emit.file, payload)
    ctx.progress.close()
    emit.json(payload)
    emit.summary(render_marginal(result, Units.of(inst)))


# ---------------------------------------------------------------------------- priorities
@main.command(epilog=examples(
    f"interdict priorities {SHIPPED} -r usd_m",
    f"interdict priorities {SHIPPED} -r usd_m --values 0,50,100 --method greedy"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--resource", "-r", required=True)
@click.option("--values", default=None,
              help="Budgets the nested plans are built for: 0,25,50,100 (default: the "
              "resource's budget at its quarter points, b/4, b/2, 3b/4, b).")
@click.option("--method", type=click.Choice(["exact", "greedy"]), default="exact",
              show_default=True, help="exact: nested plans of least total value over the "
              "budgets (one MILP started from greedy); greedy: each budget's best plan "
              "containing the previous one.")
@json_option()
@session_options
@with_ctx
def priorities(ctx: Ctx, resource: str, values: str | None, method: str, json_path) -> None:
    """An order of actions whose prefixes are good plans across budgets (nested plans),
    with each prefix's regret against the optimal plan at its spend. Without --values the
    budgets are the resource's budget at its quarter points."""
    from ..planning.marginal import priority_list, quarter_points
    from ..planning.session import PlanningSession
    from ..report.planning import json_with_units, render_priorities

    emit = Emit(json_path, ctx.quiet)
    outputs = OutputSet(emit.file)
    ctx.open()
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
    with ctx.progress.counted("priorities", unit="steps") as update, \
            ctx.progress.solving("solve"):
        result = priority_list(session, resource, grid, executor=ctx.executor, method=method,
                               time_limit=ctx.options.time_limit, store=ctx.store,
                               fresh=ctx.fresh, progress=update)
    payload = json_with_units(result.to_json(), Units.of(inst))
    with outputs:
        outputs.text(emit.file, payload)
    ctx.progress.close()
    emit.json(payload)
    emit.summary(render_priorities(result, Units.of(inst)))
