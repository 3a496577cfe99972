"""A schedule against the best one-period plan repeated every period.

The question a planner asks of a horizon: does planning the years together beat choosing
the best plan for one year and funding it every year? Both are certified on the same
horizon (every period's smuggler LP re-solved with the schedule fixed, budgets checked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..certify.certificate import certify
from ..certify.evaluate import ValueEvaluator
from ..compile.horizon import HorizonProblem, build_horizon_problem
from ..compile.network import Plan
from ..instance.horizon import period_instance
from ..instance.model import Instance
from ..options import SolutionStatus, SolveOptions, Termination
from ..results.horizon import HorizonResult, horizon_result
from ..results.types import InterdictionResult
from ..solvers.base import RawSolution


@dataclass(frozen=True)
class RepeatedPlan:
    """The best plan of the first period alone (certified) and that plan repeated over the
    horizon (certified on the horizon)."""

    one_period: InterdictionResult
    repeated: HorizonResult


def one_period_instance(inst: Instance) -> Instance:
    """The first period as an ordinary instance: its data changes and its budgets."""
    horizon = inst.horizon
    assert horizon is not None
    first = period_instance(inst, 0)
    budgets = {r.id: horizon.budget(r, 0) for r in inst.resources}
    return replace(first.with_budgets(budgets), horizon=None,
                   actions=tuple(replace(a, timing=None, levels=tuple(
                       replace(lv, timing=None) for lv in a.levels)) for a in first.actions))


def repeated_schedule(problem: HorizonProblem, plan: Plan) -> Plan:
    """``plan`` (actions of one period) funded every period: each action starts in the
    first period it may; one that may be repeated starts again as soon as its previous
    start has ended (a raid that regenerates after two years: years 1, 3, 5), one that may
    not runs from its single start (a programme funded every year)."""
    st = problem.st
    chosen: dict[str, int] = {}
    ids = [a.id for a in problem.instance.actions]
    T = len(problem.labels)
    for action, level in plan.levels:
        j = ids.index(action)
        act = problem.instance.actions[j]
        repeat = act.timing is not None and act.timing.repeat
        active = act.timing_of(level - 1).active_periods(T)
        starts = np.flatnonzero((st.action == j) & (st.level == level - 1))
        free_from = 0
        for i in sorted(starts.tolist(), key=lambda i: int(st.period[i])):
            s = int(st.period[i])
            if s < free_from:
                continue
            chosen[st.group_ids[int(st.group[i])]] = level
            if not repeat:
                break
            free_from = s + max(active, 1)
    return Plan.of(chosen)


def evaluate_schedule(problem: HorizonProblem, plan: Plan,
                      options: SolveOptions | None = None) -> HorizonResult:
    """A given schedule, certified on the horizon (budgets and schedule rules kept, every
    period's smuggler LP re-solved afresh); not optimised, so without a bound."""
    evaluator = ValueEvaluator(problem, options)
    baseline = evaluator(Plan.of({}), fresh=True)
    problem.check_plan(plan)
    evaluation = evaluator(plan, fresh=True)
    cert = certify(problem.net, evaluation, budgets=problem.budgets, claimed=None, bound=None,
                   optimal=False, exact_claim=True, scale=max(1.0, abs(baseline.objective)),
                   measure=evaluator.label, blocks=len(problem.scenarios), options=options)
    from ..pipeline import Finished

    raw = RawSolution(Termination.OPTIMAL, SolutionStatus.FEASIBLE, None, None, None, None, 0,
                      0.0, "a given schedule, evaluated")
    finished = Finished(plan, evaluation, cert, raw, None,
                        ("a given schedule, evaluated and certified (not optimised)",))
    return horizon_result(problem, baseline, finished, method="evaluated", model_size={},
                          options=(options or SolveOptions()).to_dict(),
                          timings=dict.fromkeys(("build", "solve", "check", "baseline", "total"),
                                                0.0))


def repeat_one_period(inst: Instance, options: SolveOptions | None = None, *,
                      budgets: Mapping[str, float] | None = None,
                      risk: str | None = None, alpha: float | None = None) -> RepeatedPlan:
    """Solve the first period alone (its data and budgets, no timing), then fund that plan
    every period of the horizon (``repeated_schedule``) and certify it there."""
    from ..pipeline import solve

    problem = build_horizon_problem(inst, risk=risk, alpha=alpha, budgets=budgets)
    first = one_period_instance(inst)
    per0 = {r.id: float(problem.per_period[i, 0]) for i, r in enumerate(inst.resources)}
    one = solve(first, options, budgets=per0, risk=risk, alpha=alpha)
    return RepeatedPlan(one, evaluate_schedule(problem, repeated_schedule(problem, one.plan),
                                               options))


__all__ = ["RepeatedPlan", "evaluate_schedule", "one_period_instance", "repeat_one_period",
           "repeated_schedule"]
