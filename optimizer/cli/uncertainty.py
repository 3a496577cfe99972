"""``interdict evaluate``, ``interdict vss`` and ``interdict saa``: plans under uncertainty."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import click
from rich.console import Console
from rich.table import Table

from ..errors import PlanError
from ..instance.plans import read_plan
from ..report.files import OutputSet
from . import main
from .common import (
    Emit,
    examples,
    interruptible,
    json_option,
    load_with_budgets,
    parse_budgets,
    user_errors,
)
from .progress import Progress, progress_option


def _console(buf: io.StringIO) -> Console:
    return Console(file=buf, markup=False, width=110, force_terminal=False, color_system=None,
                   highlight=False)


def quiet_option(fn: Callable) -> Callable:
    return click.option("--quiet", "-q", is_flag=True,
                        help="Print no summary and no progress (use with --json).")(fn)


@main.command(epilog=examples(
    "interdict evaluate instances/mexico_us.yaml -n 200",
    "interdict solve instances/mexico_us.yaml --json plan.json -q && "
    "interdict evaluate instances/mexico_us.yaml --plan plan.json --json - -q"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False), default=None,
              help="Plan JSON ({action: level} or a solve result); default: the optimal plan.")
@click.option("--samples", "-n", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes (default: up to 4).")
@click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT")
@json_option()
@quiet_option
@progress_option
def evaluate(file: str, plan_path: str | None, samples: int, seed: int, workers: int | None,
             budget: tuple[str, ...], json_path: str | None, quiet: bool,
             force_progress: bool) -> None:
    """Monte Carlo evaluation of a plan: sample the uncertain numbers (and scenarios),
    re-solve the smuggler's LP per sample, report means, quantiles and 95% intervals."""
    from ..pipeline import solve
    from ..studies.uncertainty import monte_carlo

    budgets = parse_budgets(budget)
    emit = Emit(json_path, quiet)
    with interruptible(), user_errors(), OutputSet(emit.file) as outputs, \
            Progress.choose(quiet, force_progress) as progress:
        inst = load_with_budgets(file, budgets, zero_sum="the uncertainty studies")
        if plan_path is None:
            with progress.solving("solve (the optimal plan)"):
                plan = solve(inst).plan
            origin = "the optimal plan"
        else:
            plan = read_plan(plan_path, inst)
            origin = plan_path
        try:
            with progress.counted("Monte Carlo", samples, "samples") as update:
                mc = monte_carlo(inst, plan, samples, seed=seed, workers=workers,
                                 progress=update)
        except PlanError as exc:
            raise PlanError(f"{plan_path}: {exc}") from None
        payload = json.dumps(mc.to_dict(), indent=2, sort_keys=True) + "\n"
        outputs.text(emit.file, payload)
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"Plan      {plan} (from {origin})")
    drawn = ", ".join(f"{k} {v}" for k, v in sorted(mc.scenario_counts.items()))
    con.print(f"Samples   {samples} (seed {seed}); uncertain numbers: {len(inst.uncertain)}; "
              f"scenarios drawn: {drawn}")
    t = Table(title="Smuggler's value and units delivered under the plan", title_justify="left")
    for col in ("measure", "mean", "95% CI of mean", "5%", "50%", "95%"):
        t.add_column(col, justify="left" if col == "measure" else "right")
    from ..report.text import _fmt

    rows = [("value", mc.value)] + [(k, s) for k, s in sorted(mc.delivered.items())
                                    if s.quantiles.get("q95", 0.0) > 0 or s.mean > 0]
    for name, s in rows:
        t.add_row((name if name == "value" else f"{name} delivered"), _fmt(s.mean),
                  f"[{_fmt(s.ci95[0])}, {_fmt(s.ci95[1])}]", _fmt(s.quantiles.get("q05", 0.0)),
                  _fmt(s.quantiles.get("q50", 0.0)), _fmt(s.quantiles.get("q95", 0.0)))
    con.print(t)
    emit.json(payload)
    emit.summary(buf.getvalue())


@main.command(epilog=examples("interdict vss instances/mexico_us.yaml",
                              "interdict vss instances/mexico_us.yaml --json vss.json"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for the independent solves (default: up to 4).")
@click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT")
@json_option()
@quiet_option
@progress_option
def vss(file: str, workers: int | None, budget: tuple[str, ...], json_path: str | None,
        quiet: bool, force_progress: bool) -> None:
    """Value of modelling uncertainty over the instance's scenarios: RP, EEV, WS, the value
    of the stochastic solution (VSS = EEV − RP) and of perfect information (EVPI = RP − WS)."""
    from ..studies.uncertainty import value_of_uncertainty

    budgets = parse_budgets(budget)
    emit = Emit(json_path, quiet)
    with interruptible(), user_errors(), OutputSet(emit.file) as outputs, \
            Progress.choose(quiet, force_progress) as progress:
        inst = load_with_budgets(file, budgets, zero_sum="the uncertainty studies")
        with progress.counted("vss", unit="solves") as update:
            vu = value_of_uncertainty(inst, workers=workers, progress=update)
        payload = json.dumps(vu.to_dict(), indent=2, sort_keys=True) + "\n"
        outputs.text(emit.file, payload)
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"RP   (stochastic plan, expected value)        {vu.rp:,.6g}   plan "
              f"{vu.rp_plan}")
    con.print(f"EEV  (mean-scenario plan, over the scenarios)  {vu.eev:,.6g}   plan "
              f"{(str(vu.mean_value_plan))}")
    con.print(f"WS   (each scenario's own optimum, averaged)   {vu.ws:,.6g}")
    con.print(f"VSS = EEV − RP = {vu.vss:,.6g}     EVPI = RP − WS = {vu.evpi:,.6g}")
    t = Table(title="Each scenario alone", title_justify="left")
    t.add_column("scenario")
    t.add_column("optimal value", justify="right")
    t.add_column("its plan")
    for sid in sorted(vu.scenario_plans):
        t.add_row((sid), f"{vu.scenario_values[sid]:,.6g}", (str(vu.scenario_plans[sid])))
    con.print(t)
    emit.json(payload)
    emit.summary(buf.getvalue())


@main.command(epilog=examples("interdict saa instances/mexico_us.yaml -n 20 -m 3",
                              "interdict saa instances/mexico_us.yaml --json - -q | "
                              "python -m json.tool"))
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--samples", "-n", type=click.IntRange(min=1), default=50, show_default=True,
              help="Samples per SAA problem (N).")
@click.option("--replications", "-m", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--eval-samples", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for replications and evaluation samples (default: up to 4); "
              "the result does not depend on it.")
@click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT")
@json_option()
@quiet_option
@progress_option
def saa(file: str, samples: int, replications: int, eval_samples: int, seed: int,
        time_limit: float | None, workers: int | None, budget: tuple[str, ...],
        json_path: str | None, quiet: bool, force_progress: bool) -> None:
    """Sample average approximation: choose a plan from N-sample problems and estimate its
    optimality gap (lower bound over replications, upper bound on fresh samples)."""
    from ..options import SolveOptions
    from ..studies.uncertainty import sample_average_approximation

    budgets = parse_budgets(budget)
    emit = Emit(json_path, quiet)
    with interruptible(), user_errors(), OutputSet(emit.file) as outputs, \
            Progress.choose(quiet, force_progress) as progress, \
            progress.counted("SAA replications", replications, "problems") as reps, \
            progress.counted("SAA evaluation", unit="samples") as evals:
        inst = load_with_budgets(file, budgets, zero_sum="the uncertainty studies")

        def update(stage: str, done: int, total: int) -> None:
            (reps if stage == "replications" else evals)(done, total)

        res = sample_average_approximation(inst, samples, replications, eval_samples, seed=seed,
                                           options=SolveOptions(time_limit=time_limit),
                                           workers=workers, progress=update)
        payload = json.dumps(res.to_dict(), indent=2, sort_keys=True) + "\n"
        outputs.text(emit.file, payload)
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"Chosen plan   {res.plan}")
    lb, ub = res.lower_bound, res.upper_bound
    con.print(f"Lower bound   {lb.mean:,.6g}  (95% CI [{lb.ci95[0]:,.6g}, {lb.ci95[1]:,.6g}], "
              f"{replications} replications of N = {samples})")
    con.print(f"Upper bound   {ub.mean:,.6g}  (95% CI [{ub.ci95[0]:,.6g}, {ub.ci95[1]:,.6g}], "
              f"{eval_samples} fresh samples)")
    con.print(f"Gap estimate  {res.gap:,.6g}  (95% upper bound {res.gap_ci95_upper:,.6g})")
    t = Table(title="Candidates", title_justify="left")
    t.add_column("plan")
    t.add_column("SAA optimum", justify="right")
    t.add_column("evaluated", justify="right")
    for plan, v, e in res.candidates:
        t.add_row((str(plan)), f"{v:,.6g}", f"{e:,.6g}")
    con.print(t)
    emit.json(payload)
    emit.summary(buf.getvalue())
