"""``interdict evaluate``, ``interdict vss`` and ``interdict saa``: plans under uncertainty."""

from __future__ import annotations

import json

import click

from ..errors import PlanError
from ..instance.plans import read_plan
from ..instance.units import Units
from ..report.files import OutputSet
from . import main
from .common import interruptible, load_with_budgets, parse_budgets, user_errors


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False), default=None,
              help="Plan JSON ({action: level} or a solve result); default: the optimal plan.")
@click.option("--samples", "-n", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes (default: up to 4).")
@click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
def evaluate(file: str, plan_path: str | None, samples: int, seed: int, workers: int | None,
             budget: tuple[str, ...], json_path: str | None) -> None:
    """Monte Carlo evaluation of a plan: sample the uncertain numbers (and scenarios),
    re-solve the smuggler's LP per sample, report means, quantiles and 95% intervals."""
    from ..pipeline import solve
    from ..studies.uncertainty import monte_carlo

    budgets = parse_budgets(budget)
    with interruptible(), user_errors(), OutputSet(json_path) as outputs:
        inst = load_with_budgets(file, budgets, zero_sum="the uncertainty studies")
        if plan_path is None:
            plan = solve(inst).plan
            origin = "the optimal plan"
        else:
            plan = read_plan(plan_path, inst)
            origin = plan_path
        try:
            mc = monte_carlo(inst, plan, samples, seed=seed, workers=workers)
        except PlanError as exc:
            raise PlanError(f"{plan_path}: {exc}") from None
        outputs.text(json_path, json.dumps({**mc.to_dict(), "units": Units.of(inst).to_dict()},
                                              indent=2, sort_keys=True) + "\n")
    from ..report.uncertainty import render_monte_carlo

    click.echo(render_monte_carlo(mc, Units.of(inst), origin=origin,
                                  uncertain=len(inst.uncertain)), nl=False)


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for the independent solves (default: up to 4).")
@click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
def vss(file: str, workers: int | None, budget: tuple[str, ...], json_path: str | None) -> None:
    """Value of modelling uncertainty over the instance's scenarios: RP, EEV, WS, the value
    of the stochastic solution (VSS = EEV − RP) and of perfect information (EVPI = RP − WS)."""
    from ..studies.uncertainty import value_of_uncertainty

    budgets = parse_budgets(budget)
    with interruptible(), user_errors(), OutputSet(json_path) as outputs:
        inst = load_with_budgets(file, budgets, zero_sum="the uncertainty studies")
        vu = value_of_uncertainty(inst, workers=workers)
        outputs.text(json_path, json.dumps({**vu.to_dict(), "units": Units.of(inst).to_dict()},
                                              indent=2, sort_keys=True) + "\n")
    from ..report.uncertainty import render_vss

    click.echo(render_vss(vu, Units.of(inst)), nl=False)


@main.command()
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
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
def saa(file: str, samples: int, replications: int, eval_samples: int, seed: int,
        time_limit: float | None, workers: int | None, budget: tuple[str, ...],
        json_path: str | None) -> None:
    """Sample average approximation: choose a plan from N-sample problems and estimate its
    optimality gap (lower bound over replications, upper bound on fresh samples)."""
    from ..options import SolveOptions
    from ..studies.uncertainty import sample_average_approximation

    budgets = parse_budgets(budget)
    with interruptible(), user_errors(), OutputSet(json_path) as outputs:
        inst = load_with_budgets(file, budgets, zero_sum="the uncertainty studies")
        res = sample_average_approximation(inst, samples, replications, eval_samples, seed=seed,
                                           options=SolveOptions(time_limit=time_limit),
                                           workers=workers)
        outputs.text(json_path, json.dumps({**res.to_dict(), "units": Units.of(inst).to_dict()},
                                              indent=2, sort_keys=True) + "\n")
    from ..report.uncertainty import render_saa

    click.echo(render_saa(res, Units.of(inst)), nl=False)
