"""A schedule in words, and against the best one-period plan repeated every period.

Each start of a schedule is described from the instance: what the action does (its
effects in words, ``studies.explain.Describer``) and how it acts over time (its strength
in each period it runs, the lag, decay or profile behind it, when what it removed comes
back, when its cost is paid, whether it may start again) — ``describe_start``.

The question a planner asks of a horizon: does planning the years together beat choosing
the best plan for one year and funding it every year? Both are certified on the same
horizon (every period's smuggler LP re-solved with the schedule fixed, budgets checked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..certify.certificate import certify
from ..certify.evaluate import ValueEvaluator
from ..compile.horizon import HorizonProblem, build_horizon_problem
from ..compile.network import Plan
from ..instance.horizon import period_instance
from ..instance.model import Action, Instance, Timing
from ..options import Risk, SolutionStatus, SolveOptions, Termination
from ..results.horizon import HorizonResult, horizon_result
from ..results.types import InterdictionResult
from ..solvers.base import RawSolution


def describe_start(inst: Instance, action: Action, level: int, start: str,
                   active: Sequence[str], strength: Sequence[float], labels: Sequence[str],
                   unit: str) -> tuple[tuple[str, ...], str]:
    """(what the action does at 0-based ``level``, one sentence per effect; how it acts
    over time, ``timing_words``) for a start in period ``start`` running over ``active``
    with ``strength`` per period of the horizon (``labels``, in ``unit``s)."""
    from .explain import Describer

    repeat = action.timing is not None and action.timing.repeat  # as compile.horizon reads it
    kinds = {e.type for e in action.effects}
    verbs = [v for v, hit in (("removed", "remove" in kinds),
                              ("cut", bool(kinds & {"cut_capacity", "cut_supply"}))) if hit]
    return (Describer(inst).action(action, level + 1),
            timing_words(action.timing_of(level), start, active, strength, labels, unit,
                         repeat=repeat, undone=" or ".join(verbs) or "changed"))


def timing_words(timing: Timing, start: str, active: Sequence[str], strength: Sequence[float],
                 labels: Sequence[str], unit: str, *, repeat: bool = False,
                 undone: str = "removed or cut") -> str:
    """How a start acts over time, in words: ``acts 2021–2023 at strength 1, 0.6, 0.3
    (its profile); no effect from 2024; its cost is paid once, in 2021; it may start again
    once it has run its course``. ``strength``: the effects' strength in each period of the
    horizon (1 = the stated effect); ``repeat``: the action may start again; ``undone``:
    what regeneration undoes (``removed``, ``cut``)."""
    from ..report.units import number, pct

    shown = list(active) or [start]
    vals = [strength[labels.index(lb)] for lb in shown]
    span = shown[0] if len(shown) == 1 else f"{shown[0]}–{shown[-1]}"
    if all(abs(v - 1.0) < 1e-12 for v in vals):
        level = "at full strength"
    elif all(abs(v - vals[0]) < 1e-12 for v in vals):
        level = f"at strength {number(vals[0], 2)}"
    else:
        level = "at strength " + ", ".join(number(v, 2) for v in vals)
    why = []
    if timing.profile is not None and level != "at full strength":
        why.append("its profile")
    if timing.profile is None and timing.lag:
        why.append(f"no effect for its first {_periods(timing.lag, unit)}")
    if timing.profile is None and timing.decay:
        why.append(f"fading {pct(timing.decay, 0)} a {unit}")
    parts = [f"acts {span} {level}" + (f" ({'; '.join(why)})" if why else "")]
    after = labels.index(shown[-1]) + 1
    if after < len(labels):
        if timing.profile is None and timing.regenerates_after is not None:
            parts.append(f"what it {undone} comes back in {labels[after]} (it "
                         f"regenerates after {_periods(timing.regenerates_after, unit)})")
        else:
            parts.append(f"no effect from {labels[after]}")
    parts.append(f"its cost is paid once, in {start}" if timing.cost == "one_off"
                 else f"its cost is paid every {unit} it runs")
    if repeat:
        parts.append("it may start again once it has run its course")
    return "; ".join(parts)


def _periods(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


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


def programme_restriction(problem: HorizonProblem, plan: Plan) -> dict[int, float]:
    """The horizon's programmes fixed as ``plan`` (the best first-period plan) funds them
    every period: start binary → 0 or 1, for the search of a first schedule
    (``pipeline.solve_horizon``). A programme is an action that may not be repeated and
    acts from its start to the end of the horizon at every level (the default timing);
    ``plan``'s programmes start where ``repeated_schedule`` starts them, the others not at
    all. Every other action (raids, clean-ups, anything that fades, lags or regenerates)
    stays free."""
    st = problem.st
    T = len(problem.labels)
    repeated = set(problem.schedule(repeated_schedule(problem, plan)))
    programme = [not (a.timing is not None and a.timing.repeat)
                 and all(a.timing_of(lv).active_periods(T) >= T for lv in range(len(a.levels)))
                 for a in problem.instance.actions]
    return {i: float(i in repeated) for i in range(len(st)) if programme[int(st.action[i])]}


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
    problem = build_horizon_problem(inst, risk=risk, alpha=alpha, budgets=budgets)
    one = solve_first_period(problem, options, risk=risk, alpha=alpha)
    return RepeatedPlan(one, evaluate_schedule(problem, repeated_schedule(problem, one.plan),
                                               options))


def solve_first_period(problem: HorizonProblem, options: SolveOptions | None = None, *,
                       risk: Risk | str | None = None, alpha: float | None = None
                       ) -> InterdictionResult:
    """The best plan of the horizon's first period alone: its data and its budgets (with
    any override ``problem`` was built with), no timing; solved and certified."""
    from ..pipeline import solve

    inst = problem.instance
    per0 = {r.id: float(problem.per_period[i, 0]) for i, r in enumerate(inst.resources)}
    return solve(one_period_instance(inst), options, budgets=per0, risk=risk, alpha=alpha)


__all__ = ["RepeatedPlan", "describe_start", "evaluate_schedule", "one_period_instance",
           "programme_restriction", "repeat_one_period", "repeated_schedule", "solve_first_period",
           "timing_words"]
