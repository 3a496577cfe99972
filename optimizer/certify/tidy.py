"""Drop what a plan pays for but does not need.

An optimal plan may carry actions that change nothing (the MILP is indifferent between
plans of equal value, and budgets are ceilings, not targets). A planner should not be told
to fund them. Each chosen action, most expensive first, is dropped or lowered to a cheaper
level when the smuggler's LP shows the value does not rise; every step is an exact LP
re-solve, so the plan's value is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from ..compile.network import CompiledNetwork, Plan


def _level_cost(net: CompiledNetwork, action: str, level: int):
    a = net.action_ids.index(action)
    b = next(i for i in range(net.n_binaries)
             if net.binary_action[i] == a and net.binary_level[i] == level - 1)
    return net.binary_cost[b]


def drop_redundant(net: CompiledNetwork, plan: Plan, value: float, tol: float,
                   evaluate: Callable[[Plan], float]) -> tuple[Plan, list[str]]:
    """The plan without actions (or with lower levels) whose objective (``evaluate``: the
    smuggler's value, or the planner's harm) stays at most ``value + tol``; returns it
    with one note per change."""
    scale = [max(1.0, float(b)) for b in net.budgets]

    def weight(item: tuple[str, int]) -> float:
        cost = _level_cost(net, *item)
        return sum(float(c) / s for c, s in zip(cost, scale))

    current = plan.as_dict()
    notes: list[str] = []
    for action, level in sorted(plan.levels, key=lambda it: (-weight(it), it)):
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
            if evaluate(candidate) <= value + tol:
                current = trial
                notes.append(f"dropped '{action}' (level {level}): it did not change the "
                             "objective" if lower == 0 else
                             f"lowered '{action}' from level {level} to {lower}: same value")
                break
    return Plan.of(current), notes
