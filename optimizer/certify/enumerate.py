"""Exact oracle for small instances: try every feasible plan, solve the smuggler's LP for
each, keep the best. Independent of the MILP (it only uses the smuggler's LP)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..compile.network import CompiledNetwork, Plan
from ..errors import SolveError
from .response import solve_smuggler

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem

MAX_PLANS = 200_000


@dataclass(frozen=True)
class Enumeration:
    best_plan: Plan
    best_value: float
    plans_tried: int
    values: dict[Plan, float]  # every feasible plan → smuggler's value


def feasible_plans(net: CompiledNetwork):
    """Every plan that keeps the budgets (each action: no level, or one of its levels)."""
    n_actions = len(net.action_ids)
    levels_of = [np.flatnonzero(net.binary_action == j) for j in range(n_actions)]
    count = 1
    for lv in levels_of:
        count *= len(lv) + 1
    if count > MAX_PLANS:
        raise SolveError(f"enumeration would try {count} plans (limit {MAX_PLANS})")
    for choice in itertools.product(*[[-1, *lv.tolist()] for lv in levels_of]):
        x = np.zeros(net.n_binaries)
        for b in choice:
            if b >= 0:
                x[b] = 1.0
        spend = x @ net.binary_cost if net.n_binaries else np.zeros(len(net.resource_ids))
        if np.all(spend <= net.budgets + 1e-9 * np.maximum(1.0, np.abs(net.budgets))):
            yield x


def enumerate_plans(source: "CompiledNetwork | DefenderProblem") -> Enumeration:
    """Solve the smuggler's LP for every feasible plan (in every scenario, combined by the
    problem's risk measure); the best plan minimises it (ties broken by the plan's sorted
    action list, for determinism)."""
    from ..compile.problem import DefenderProblem

    combine: Callable[[Sequence[float]], float]
    if isinstance(source, DefenderProblem):
        nets = [sc.net for sc in source.scenarios]
        combine = source.combine
    else:
        nets = [source]
        combine = (lambda vals: vals[0])
    net = nets[0]
    values: dict[Plan, float] = {}
    for x in feasible_plans(net):
        plan = Plan.from_binaries(net, x)
        values[plan] = combine([solve_smuggler(n, x).value for n in nets])
    best = min(values.items(), key=lambda kv: (kv[1], kv[0].levels))
    return Enumeration(best[0], best[1], len(values), values)
