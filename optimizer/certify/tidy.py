"""Drop what a plan pays for but does not need.

An optimal plan may carry actions that change nothing (the MILP is indifferent between
plans of equal value, and budgets are ceilings, not targets). A planner should not be told
to fund them. Each chosen action, most expensive first, is dropped or lowered to a cheaper
level when its objective does not rise above the plan's (within ``tol``).

Each test asks a ``Trials`` object whether a candidate plan's objective is at most a limit.
``ByEvaluation`` re-solves the smuggler's problem for every candidate; the smuggler's value
(``certify.evaluate.ValueTrials``) first bounds the candidate's value from the duals of
the current plan's LP solution (weak duality, ``response.SmugglerSession``) and re-solves
only when that bound does not settle it. Either way the answer is exact: a candidate is
dropped only when its objective is proven ≤ the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ..compile.network import CompiledNetwork, Plan


@runtime_checkable
class Trials(Protocol):
    def at_most(self, plan: Plan, limit: float) -> bool:
        """Whether ``plan``'s objective is ≤ ``limit`` (proven)."""
        ...

    def accept(self, plan: Plan) -> None:
        """``plan`` (the last one asked about, and at most the limit) is the current plan
        from now on."""
        ...


class ByEvaluation:
    """Trials by evaluating every candidate (``evaluate``: plan → objective)."""

    def __init__(self, evaluate: Callable[[Plan], float]):
        self.evaluate = evaluate

    def at_most(self, plan: Plan, limit: float) -> bool:
        return self.evaluate(plan) <= limit

    def accept(self, plan: Plan) -> None:
        pass


def _level_cost(net: CompiledNetwork, action: str, level: int):
    a = net.action_ids.index(action)
    b = next(i for i in range(net.n_binaries)
             if net.binary_action[i] == a and net.binary_level[i] == level - 1)
    return net.binary_cost[b]


def drop_redundant(net: CompiledNetwork, plan: Plan, value: float, tol: float,
                   evaluate: Callable[[Plan], float] | Trials,
                   stop: Callable[[], bool] | None = None) -> tuple[Plan, list[str]]:
    """The plan without actions (or with lower levels) whose objective (``evaluate``: the
    smuggler's value, or the planner's harm; or ``Trials`` that answer the same question)
    stays at most ``value + tol``; returns it with one note per change. ``stop``: asked
    before each action; when it says so the remaining actions are kept unchecked (a note
    says how many)."""
    trials = evaluate if isinstance(evaluate, Trials) else ByEvaluation(evaluate)
    scale = [max(1.0, float(b)) for b in net.budgets]

    def weight(item: tuple[str, int]) -> float:
        cost = _level_cost(net, *item)
        return sum(float(c) / s for c, s in zip(cost, scale))

    current = plan.as_dict()
    notes: list[str] = []
    order = sorted(plan.levels, key=lambda it: (-weight(it), it))
    for done, (action, level) in enumerate(order):
        if stop is not None and stop():
            notes.append(f"tidying stopped at the time limit with {len(order) - done} of "
                         f"{len(order)} actions unchecked: the plan may fund actions it "
                         "does not need (it is certified as it stands)")
            break
        cost_now = _level_cost(net, action, level)
        for lower in range(0, level):
            trial = dict(current)
            if lower == 0:
                trial.pop(action)
            else:
                if any(c > n for c, n in zip(_level_cost(net, action, lower), cost_now)):
                    continue  # not cheaper in every resource
                trial[action] = lower
            candidate = Plan.of(trial)
            if trials.at_most(candidate, value + tol):
                trials.accept(candidate)
                current = trial
                notes.append(f"dropped '{action}' (level {level}): it did not change the "
                             "objective" if lower == 0 else
                             f"lowered '{action}' from level {level} to {lower}: same value")
                break
    return Plan.of(current), notes
