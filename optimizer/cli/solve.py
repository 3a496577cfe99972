"""``interdict validate``, ``interdict solve`` and ``interdict export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InstanceError
from ..instance.units import Unit
from ..options import Termination
from ..report.files import OutputSet
from ..results.types import _clean
from . import main
from .common import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    Emit,
    examples,
    json_option,
    load_with_budgets,
    one_scenario,
    parse_budgets,
    user_errors,
)
from .progress import Progress, progress_option


@main.command(epilog=examples("interdict validate instances/mexico_us.yaml",
                              "interdict validate observed.yaml --strict"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--strict", is_flag=True,
              help="Exit 1 when an observation is not met by the no-action baseline.")
def validate(file: str, strict: bool) -> None:
    """Check an instance file and list every problem (exit 1 if any); then every
    observation against the no-action baseline (a miss exits 1 only with --strict)."""
    from ..instance.reader import load_instance

    try:
        inst = load_instance(file)
    except InstanceError as exc:
        for p in exc.problems:
            click.echo(str(p))
        click.echo(f"{len(exc.problems)} problem(s) found in {file}", err=True)
        sys.exit(EXIT_INPUT)
    levels = sum(len(a.levels) for a in inst.actions)
    click.echo(f"{file}: valid — {len(inst.nodes)} nodes, {len(inst.arcs)} arcs, "
               f"{len(inst.commodities)} commodities, {len(inst.recipes)} recipes, "
               f"{len(inst.actions)} actions ({levels} levels), "
               f"budgets {_budgets(inst)}")
    if inst.observations:
        _observations(inst, file, strict)


def _budgets(inst) -> str:
    """``usd_m = US$ 200 million per year, …`` (each with its unit)."""
    from ..instance.units import Units
    from ..report.planning import budgets_text

    return budgets_text(inst.budgets(), Units.of(inst))


def _observations(inst, file: str, strict: bool) -> None:
    """The table of observations against the no-action baseline."""
    from ..report.observations import render_readings
    from ..studies.observe import baseline_quantities, readings

    with user_errors():
        rows = readings(inst, baseline_quantities(inst))
    click.echo(render_readings(rows), nl=False)
    missed = [r.observation.id for r in rows if not r.met]
    if missed:
        click.echo(f"{len(missed)} observation(s) not met: {', '.join(missed)} — the file "
                   f"itself is valid" + (": exit 1 (--strict)" if strict else
                                         " (exit 0; --strict exits 1 on a miss)"))
        if strict:
            sys.exit(EXIT_INPUT)


def model_options(fn):
    """The options that state the model: budgets, scenario, risk, objective and backend
    (shared by ``solve`` and ``export``)."""
    decorators = [
        click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT",
                     help="Override a budget (repeatable)."),
        click.option("--backend", type=click.Choice(["highs", "pyomo"]), default="highs",
                     show_default=True, help="Arrays straight to HiGHS, or through Pyomo."),
        click.option("--risk", type=click.Choice(["expected", "worst", "cvar"]), default=None,
                     help="How scenario values combine (default: the instance's, else "
                          "expected)."),
        click.option("--alpha", type=click.FloatRange(min=0, max=1, max_open=True),
                     default=None, help="CVaR level α (default: the instance's, else 0.9)."),
        click.option("--scenario", "scenario_id", default=None, metavar="ID",
                     help="Solve one scenario alone, as an ordinary instance."),
        click.option("--objective", type=click.Choice(["value", "harm"]), default="value",
                     show_default=True,
                     help="value: minimise the smuggler's value (zero-sum; its true value "
                          "when it plans with perceived data); harm: minimise the planner's "
                          "harm while the smuggler maximises its value."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def _model_suffix(path: str, hint: str) -> None:
    if Path(path).suffix.lower() not in (".mps", ".lp"):
        raise click.BadParameter(f"{path!r}: the suffix must be .mps or .lp", param_hint=hint)


def _instance(file: str, budget: tuple[str, ...], scenario_id: str | None):
    """The instance with the budgets given, as one scenario sees it if asked."""
    inst = load_with_budgets(file, parse_budgets(budget))
    return one_scenario(inst, scenario_id) if scenario_id is not None else inst


@main.command(epilog=examples(
    "interdict solve instances/mexico_us.yaml",
    "interdict solve instances/mexico_us.yaml --budget usd_m=150 --time-limit 60",
    "interdict solve instances/mexico_us.yaml --json - -q | python -m json.tool",
    "interdict solve instances/mexico_us.yaml --scenario border_closed_private",
    "interdict solve instances/mexico_us.yaml --objective harm --tie optimistic"))
@click.argument("file", type=click.Path(dir_okay=True))
@model_options
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for the whole run (reading, baseline, solve, tidying, "
                   "certificate; shared evenly by the solves of --objective harm and "
                   "--tie both); the best plan found is returned, certified, with its gap.")
@click.option("--gap", "rel_gap", type=click.FloatRange(min=0), default=1e-6, show_default=True,
              help="Relative MIP gap at which the plan counts as optimal.")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="HiGHS threads.")
@click.option("--method", type=click.Choice(["dual", "benders", "benders-basic", "auto"]),
              default="dual", show_default=True,
              help="Monolithic dual MILP, Israeli-Wood covering decomposition, plain Benders, "
                   "or auto (decomposition on shortest-path structure).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Also write the summary to this file.")
@json_option()
@click.option("--write-model", type=click.Path(dir_okay=False), default=None,
              help="Also export the MILP (.mps or .lp) once solved; 'interdict export' "
                   "writes it without solving.")
@click.option("--tie", type=click.Choice(["optimistic", "pessimistic", "both"]), default="both",
              show_default=True, help="Harm objective, or a smuggler with perceived data: "
                                      "which of its optimal responses counts (the least or "
                                      "the most favourable to the planner).")
@click.option("--focus", multiple=True, metavar="COMMODITY",
              help="Harm objective: also compare the plan that minimises deliveries of this "
                   "commodity alone (e.g. a heroin-focused campaign). Repeatable.")
@click.option("--routes", type=click.IntRange(min=0), default=10, show_default=True,
              help="Routes to show.")
@click.option("--horizon", "horizon", is_flag=True,
              help="Plan over the instance's horizon: which action starts when, with "
                   "effects that fade, lag or regenerate; budgets per period (--budget "
                   "RESOURCE=X for every period, RESOURCE@PERIOD=X, RESOURCE@total=X).")
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None,
              help="With --horizon: the schedule as a Gantt chart above the value per period.")
@click.option("--versus-repeated", is_flag=True,
              help="With --horizon: also certify the best first-period plan repeated every "
                   "period, and compare.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print no summary and no progress (use with --json).")
@progress_option
@click.option("--verbose", is_flag=True, help="Show the HiGHS log (on stderr).")
def solve(file: str, budget: tuple[str, ...], time_limit: float | None, rel_gap: float,
          threads: int | None, backend: str, method: str, output: str | None,
          json_path: str | None, write_model: str | None, risk: str | None,
          alpha: float | None, scenario_id: str | None, objective: str, tie: str,
          focus: tuple[str, ...], routes: int, horizon: bool, png_path: str | None,
          versus_repeated: bool, quiet: bool, force_progress: bool, verbose: bool) -> None:
    """Solve FILE: the optimal plan under the budgets, the smuggler's best response, and
    the certificate that both are right (with --horizon: the optimal schedule over the
    instance's periods, each period certified). While a MILP runs, a live line on stderr
    shows the incumbent, the bound and the gap."""
    from ..options import Backend, Method, SolveOptions
    from ..pipeline import clock
    from ..pipeline import solve as run

    started = clock()  # --time-limit counts from here: reading the file is part of the run
    from ..report.text import render_solve

    if write_model is not None:
        _model_suffix(write_model, "--write-model")
    budgets = parse_budgets(budget)
    emit = Emit(json_path, quiet)
    progress = Progress.choose(quiet or verbose, force_progress)
    if not horizon and (png_path or versus_repeated):
        raise click.UsageError("--png and --versus-repeated need --horizon")
    if horizon and objective == "harm":
        raise click.UsageError("--horizon minimises the smuggler's value; the harm objective "
                               "is single-period")
    with user_errors():
        # every output path is checked before any work; all are written together at the
        # end, or none (a failure, Ctrl-C or SIGTERM leaves no file behind)
        outputs = OutputSet(emit.file, output, write_model, png_path)
        options = SolveOptions(time_limit=time_limit, rel_gap=rel_gap, threads=threads,
                               backend=Backend.parse(backend, "backend"),
                               method=Method.parse(method, "method"), verbose=verbose)
        if horizon:
            from ..instance.reader import load_instance

            inst = load_instance(file)
            if scenario_id is not None:
                inst = one_scenario(inst, scenario_id)
            model_file = (lambda: outputs.file(write_model)) if write_model else None
            with outputs, progress, progress.solving("solve (horizon)",
                                                     _objective_unit(inst, "horizon")):
                text, payload, interrupted = _solve_horizon(
                    inst, options, budgets, model_file, risk, alpha,
                    (lambda: outputs.file(png_path)) if png_path else None, versus_repeated)
                outputs.text(emit.file, payload)
                outputs.text(output, text)
            _finish(emit, text, payload, interrupted)
            return
        inst = load_with_budgets(file, budgets)
        if scenario_id is not None:
            inst = one_scenario(inst, scenario_id)
        # the model file is staged only once the model has been solved
        model_tmp = (lambda: outputs.file(write_model)) if write_model else None
        with outputs, progress, progress.solving(f"solve ({objective})",
                                                 _objective_unit(inst, objective)):
            if inst.has_beliefs:
                text, payload, interrupted = _solve_beliefs(
                    inst, options, objective, tie, focus, routes, model_tmp, risk, alpha)
            elif objective == "harm":
                from ..report.text import render_harm
                from ..studies.compare import compare_harm

                modes = ("optimistic", "pessimistic") if tie == "both" else (tie,)
                comp = compare_harm(inst, _shared(options, len(modes) + 1 + len(focus)),
                                    modes=modes, risk=risk, alpha=alpha, focus=focus,
                                    write_model=model_tmp, explain=True)
                text = render_harm(comp, routes=routes)
                interrupted = False
                payload = json.dumps(_clean(comp.to_dict()), indent=2, sort_keys=True,
                                     allow_nan=False) + "\n"
            else:
                result = run(inst, options, write_model=model_tmp, risk=risk, alpha=alpha,
                             started=started, explain=True)
                text = render_solve(result, routes=routes)
                payload = result.to_json()
                interrupted = result.termination == Termination.INTERRUPTED
            outputs.text(emit.file, payload)
            outputs.text(output, text)
    _finish(emit, text, payload, interrupted)


def _objective_unit(inst, objective: str) -> Unit:
    """The unit of the MILP's objective (the progress line's incumbent and bound): the
    smuggler's value, the harm, or the value summed over a horizon's periods."""
    from ..instance.units import Units
    from ..results.horizon import summed_unit

    units = Units.of(inst)
    if objective == "horizon":
        return summed_unit(units.value, inst.horizon.unit) if inst.horizon else units.value
    return units.harm if objective == "harm" else units.value


def _solve_horizon(inst, options, budgets, model_file, risk, alpha, png_file, versus):
    """(summary, JSON, interrupted) of a horizon solve; the PNG staged if asked."""
    from ..pipeline import solve_horizon
    from ..report.horizon import horizon_png, render_horizon

    result = solve_horizon(inst, options, budgets=budgets, write_model=model_file, risk=risk,
                           alpha=alpha)
    static = None
    data = result.to_dict()
    if versus:
        from ..studies.horizon import repeat_one_period

        rep = repeat_one_period(inst, options, budgets=budgets, risk=risk, alpha=alpha)
        static = rep.repeated
        data["versus_repeated"] = {"one_period_plan": rep.one_period.plan.as_dict(),
                                   "repeated": rep.repeated.to_dict()}
    if png_file is not None:
        horizon_png(result, png_file(), inst)
    payload = json.dumps(_clean(data), indent=2, sort_keys=True, allow_nan=False) + "\n"
    return (render_horizon(result, static=static), payload,
            result.termination == Termination.INTERRUPTED)


def _finish(emit: Emit, text: str, payload: str, interrupted: bool) -> None:
    """The JSON (on stdout with --json -), the summary, and exit 130 after Ctrl-C."""
    emit.json(payload)
    emit.summary(text)
    if interrupted:
        click.echo("interrupted: the plan above is the best found before Ctrl-C, certified",
                   err=True)
        sys.exit(EXIT_INTERRUPTED)


@main.command(epilog=examples(
    "interdict export instances/mexico_us.yaml model.mps",
    "interdict export instances/mexico_us.yaml model.lp --budget usd_m=150",
    "interdict export instances/mexico_us.yaml harm.mps --objective harm --tie pessimistic",
    "highs model.mps   # any MILP solver reads the file"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.argument("model", type=click.Path(dir_okay=False))
@model_options
@click.option("--tie", type=click.Choice(["optimistic", "pessimistic"]), default="optimistic",
              show_default=True, help="Harm objective, or a smuggler with perceived data: "
                                      "which of its optimal responses the MILP counts.")
def export(file: str, model: str, budget: tuple[str, ...], backend: str, risk: str | None,
           alpha: float | None, scenario_id: str | None, objective: str, tie: str) -> None:
    """Write the defender's MILP for FILE to MODEL (.mps or .lp, with readable names)
    without solving it: the model 'interdict solve' would solve with the same options.
    Its optimum equals the smuggler's value under the optimal plan (objective value); the
    pessimistic tie-break is stated with its default ε (solve may re-solve with another)."""
    from ..formulation import DualValue, HarmBilevel, PerceivedOutcome
    from ..options import Backend, Objective, SolveOptions, Tie
    from ..pipeline import _check_objective_data, as_problem, build_milp
    from ..solvers.base import open_session

    _model_suffix(model, "MODEL")
    with user_errors():
        outputs = OutputSet(model)
        inst = _instance(file, budget, scenario_id)
        if inst.has_beliefs:
            formulation: object = PerceivedOutcome(Objective(objective), Tie(tie))
        elif objective == "harm":
            formulation = HarmBilevel(Tie(tie))
        else:
            formulation = DualValue()
        problem = as_problem(inst, risk=risk, alpha=alpha)
        _check_objective_data(problem, formulation)  # type: ignore[arg-type]
        milp = build_milp(problem, formulation)  # type: ignore[arg-type]
        session = open_session(milp.model, SolveOptions(backend=Backend.parse(backend,
                                                                              "backend")))
        with outputs:
            session.write(outputs.file(model))
    size = milp.model.summary()
    click.echo(f"wrote {model}: {size.get('columns', 0):,} columns "
               f"({size.get('integer_columns', 0):,} integer), {size.get('rows', 0):,} rows; "
               f"objective: {objective}" + (f", tie {tie}" if objective == "harm" or
                                            inst.has_beliefs else ""), err=True)


def _solve_beliefs(inst, options, objective: str, tie: str, focus: tuple[str, ...],
                   routes: int, model_tmp, risk: str | None, alpha: float | None
                   ) -> tuple[str, str, bool]:
    """An instance whose smuggler plans with perceived data: the bilevel MILP over the
    perceived network (``formulation.PerceivedOutcome``), the outcome counted with the true
    data, once per tie-break. Returns the summary, the JSON and whether Ctrl-C stopped a
    solve."""
    from ..errors import UsageError
    from ..formulation import PerceivedOutcome
    from ..options import Objective, Tie
    from ..pipeline import solve as run
    from ..report.text import render_solve

    if focus:
        raise UsageError("--focus compares harm plans for a smuggler that knows the true "
                         "data; this instance gives it perceived data (solve without --focus)")
    modes = ("optimistic", "pessimistic") if tie == "both" else (tie,)
    results: dict[str, Any] = {}
    options = _shared(options, len(modes))
    for i, mode in enumerate(modes):
        formulation = PerceivedOutcome(Objective(objective), Tie(mode))
        known = results.get("optimistic")  # its bound is the pessimistic solve's bound
        results[mode] = run(inst, options, formulation=formulation,
                            write_model=model_tmp if i == 0 else None, risk=risk, alpha=alpha,
                            explain=True,
                            optimistic_bound=None if known is None else known.bound)
        if results[mode].termination == Termination.INTERRUPTED:
            break
    text = "".join(render_solve(r, routes=routes) + "\n" for r in results.values())
    payload = json.dumps(_clean({"beliefs": {m: r.to_dict() for m, r in results.items()}}),
                         indent=2, sort_keys=True, allow_nan=False) + "\n"
    interrupted = any(r.termination == Termination.INTERRUPTED for r in results.values())
    return text, payload, interrupted


def _shared(options, solves: int):
    """``options`` for one of ``solves`` solves that share the time limit evenly."""
    if options.time_limit is None or solves <= 1:
        return options
    return options.replace(time_limit=options.time_limit / solves)
