"""``interdict evaluate``, ``interdict vss`` and ``interdict saa``: plans under uncertainty."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from ..errors import PlanError
from ..instance.plans import read_plan
from ..instance.units import Units
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
            with progress.solving("solve (the optimal plan)", Units.of(inst).value):
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
        payload = _json_with_units(mc.to_dict(), inst)
        outputs.text(emit.file, payload)
    from ..report.uncertainty import render_monte_carlo

    emit.json(payload)
    emit.summary(render_monte_carlo(mc, Units.of(inst), origin=origin,
                                    uncertain=len(inst.uncertain)))


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
        payload = _json_with_units(vu.to_dict(), inst)
        outputs.text(emit.file, payload)
    from ..report.uncertainty import render_vss

    emit.json(payload)
    emit.summary(render_vss(vu, Units.of(inst)))


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
        payload = _json_with_units(res.to_dict(), inst)
        outputs.text(emit.file, payload)
    from ..report.uncertainty import render_saa

    emit.json(payload)
    emit.summary(render_saa(res, Units.of(inst)))


def _json_with_units(data: dict, inst) -> str:
    """A study's JSON with the instance's ``units`` block beside its figures."""
    return json.dumps({**data, "units": Units.of(inst).to_dict()}, indent=2,
                      sort_keys=True) + "\n"
