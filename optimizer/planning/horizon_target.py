"""The cheapest budget over a horizon that reaches a value target (``interdict target
--horizon``).

The budget is a resource's budget in every period (``usd_m``: the same amount each
period) or over the whole horizon (``usd_m@total``); the other budgets stay as they are.
The target is the discounted smuggler's value (combined over scenarios by the risk
measure) ≤ (1 − reduction) × its value with no action.

One MILP finds the cheapest budget exactly (docs/model.md §14, "Planning over a
horizon"): the horizon MILP with its objective E(y, u) moved into a row E ≤ limit, a
column L ≥ 0 for the budget level, every budget row of the resource restated as
spend_k(y) − m_k L ≤ 0 (m_k: how many periods' budgets row k allows — 1, or t + 1 for a
cumulative row with carry-over), and min L. E can be pushed down to the schedule's value
for every schedule, so the rows admit exactly the schedules that reach the limit. The
schedule reported is then the optimal schedule at budget L* (``solve_horizon``: certified,
its value ≤ the limit because the cheapest schedule is feasible there).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compile.network import Plan
from ..errors import SolveError, UsageError
from ..formulation import DualValue
from ..instance.model import Instance
from ..instance.units import Unit, Units
from ..options import Objective, SolutionStatus, SolveOptions, Termination, Tie
from ..results.horizon import HorizonResult, summed_unit
from ..solvers.base import open_session


@dataclass(frozen=True)
class HorizonTarget:
    """The answer: the cheapest budget ``budget`` of ``resource`` (None: the target cannot
    be reached with the other budgets as they are), the MILP's proven lower ``bound`` on
    it, and the certified optimal ``schedule`` at that budget."""

    instance: str
    resource: str
    reduction: float
    reference: float  # the discounted value with no action
    limit: float
    budget: float | None
    bound: float | None
    optimal: bool
    schedule: HorizonResult | None
    seconds: float
    value_unit: Unit = Unit()  # of reference and limit (the discounted sum)
    budget_unit: Unit = Unit()  # of budget and bound

    @property
    def reached(self) -> bool:
        return self.budget is not None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "horizon-target", "instance": self.instance, "resource": self.resource,
                "reduction": self.reduction, "reference": self.reference,
                "limit": self.limit, "reached": self.reached, "budget": self.budget,
                "bound": self.bound, "optimal": self.optimal,
                "schedule": None if self.schedule is None else self.schedule.to_dict(),
                "seconds": self.seconds, "value_unit": self.value_unit.to_dict(),
                "budget_unit": self.budget_unit.to_dict()}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True,
                          allow_nan=False) + "\n"


@dataclass(frozen=True)
class _Cheapest:
    """The budget-level MILP's answer: ``level`` (None: no schedule reaches the limit, or
    none found before the solver stopped), its proven ``bound``, and whether it is proven
    (``optimal``; for ``level`` None: whether unreachability is proven)."""

    level: float | None
    bound: float | None
    optimal: bool


def _budget_rows(problem, resource: str) -> dict[int, float]:
    """The budget rows of ``resource`` (``b``: every period's; ``b@total``: the total's)
    → how many periods' budgets each allows (1, or t + 1 cumulative with carry-over)."""
    inst = problem.instance
    rid, _, where = resource.partition("@")
    rids = [r.id for r in inst.resources]
    carry = problem.hz.carry_over and inst.resources[rids.index(rid)].kind == "budget"
    ids = problem.net.resource_ids
    if where == "total":
        return {ids.index(f"{rid}@total"): 1.0}
    return {ids.index(f"{rid}@{label}"): float(t + 1) if carry else 1.0
            for t, label in enumerate(problem.labels)}


class _BudgetLevel:
    """The budget-level MILP, stated and loaded once: min L s.t. the horizon MILP's
    objective E ≤ a limit and every budget row k of ``resource`` spend_k ≤ m_k L (module
    docstring). ``cheapest(limit)`` changes only the limit row's bound (a frontier asks
    one limit per step)."""

    def __init__(self, problem, resource: str, options: SolveOptions):
        self.problem = problem
        self.rows = _budget_rows(problem, resource)
        milp = DualValue().build(problem)
        m = milp.model
        ids = problem.net.resource_ids
        rows = self.rows
        # the objective becomes the row E ≤ limit; the budget level L is the new objective
        obj_cols = np.concatenate([b.start + np.flatnonzero(b.obj)
                                   for b in m.var_blocks.values()])
        obj_vals = np.concatenate([b.obj[b.obj != 0] for b in m.var_blocks.values()])
        for b in m.var_blocks.values():
            b.obj[:] = 0.0
        level = m.add_vars("budget_level", 1, lb=0.0, obj=1.0, keys=lambda: [(resource,)],
                           doc="L: the budget of the resource, the cheapest reaching the limit")
        limit_row = m.add_rows("value_limit", 1, np.zeros(len(obj_cols), np.int64), obj_cols,
                               obj_vals, keys=lambda: [("limit",)], doc="E(y, u) ≤ limit")
        budget = m.row_blocks["budget"]
        r_loc: list[Any] = []
        c_loc: list[Any] = []
        v_loc: list[Any] = []
        for k, (row, mult) in enumerate(sorted(rows.items())):
            mine = budget.rows == row
            r_loc += [np.full(int(mine.sum()), k), [k]]
            c_loc += [budget.cols[mine], [level.start]]
            v_loc += [budget.vals[mine], [-mult]]
            budget.hi[row] = np.inf  # restated below against L
        m.add_rows("budget_level_rows", len(rows), np.concatenate(r_loc),
                   np.concatenate(c_loc), np.concatenate(v_loc), hi=0.0,
                   keys=lambda: [(ids[r],) for r in sorted(rows)],
                   doc="spend_k(y) − m_k L ≤ 0")
        # a binary a feasibility tolerance above 0 buys its products' share of the value
        # for a budget of that tolerance × its cost: with HiGHS's 1e-6 the level came out
        # as 2e-6 on a 3-year test horizon, and a frontier stepped there for ever.
        # Integral to 1e-9, and the level is what the rounded schedule needs (below).
        tight = {"mip_feasibility_tolerance": 1e-9, **options.extra}
        self.session = open_session(m, options.replace(extra=tight))
        self.limit_row = np.array([limit_row.start], np.int64)
        self.x_start = milp.x_start

    def cheapest(self, limit: float) -> _Cheapest:
        self.session.set_row_bounds(self.limit_row, np.array([-np.inf]), np.array([limit]))
        raw = self.session.solve()
        if raw.termination == Termination.INFEASIBLE:
            return _Cheapest(None, None, True)
        if raw.objective is None or raw.values is None:
            return _Cheapest(None, raw.bound, False)
        # the level the cheapest schedule needs, summed exactly (the MILP's L may sit a
        # feasibility tolerance below it)
        net = self.problem.net
        x = np.round(raw.values[self.x_start:self.x_start + net.n_binaries])
        spend = net.binary_cost.T @ x
        found = float(max(spend[r] / mult for r, mult in self.rows.items()))
        return _Cheapest(found, raw.bound, raw.status == SolutionStatus.OPTIMAL)


def _problem_for(inst: Instance, resource: str):
    """The horizon problem, with a total row for ``b@total`` when the instance has none."""
    from ..compile.horizon import build_horizon_problem

    problem = build_horizon_problem(inst)
    rid, _, where = resource.partition("@")
    rids = [r.id for r in inst.resources]
    if rid not in rids or where not in ("", "total"):
        raise UsageError(f"unknown budget '{resource}': give a resource ({', '.join(rids)}) "
                         f"for its budget in every period, or RESOURCE@total")
    if where == "total" and rid not in problem.totals:
        problem = problem.with_budgets({resource: float("inf")})
    return problem


def _certified_at(inst: Instance, resource: str, level: float, limit: float,
                  options: SolveOptions) -> HorizonResult:
    """The optimal schedule at budget ``level``, which must reach ``limit``."""
    from ..pipeline import solve_horizon

    schedule = solve_horizon(inst, options, budgets={resource: level})
    if schedule.objective_after > limit + schedule.certificate.tolerance:
        raise SolveError(f"the optimal schedule at {resource} = {level:g} is worth "
                         f"{schedule.objective_after:g}, above the limit {limit:g} that the "
                         "cheapest schedule reaches there: please report this")
    return schedule


def _units(inst: Instance, resource: str) -> tuple[Unit, Unit]:
    """(the discounted value's unit, the budget's): per-period rates summed over the
    periods for the value and for a ``b@total`` budget (``results.horizon.summed_unit``)."""
    assert inst.horizon is not None
    units = Units.of(inst)
    rid, _, where = resource.partition("@")
    budget = units.resource(rid)
    return (summed_unit(units.value, inst.horizon.unit),
            summed_unit(budget, inst.horizon.unit) if where == "total" else budget)


def _reference(problem, options: SolveOptions) -> float:
    from ..pipeline import evaluator_for

    return evaluator_for(problem, Objective.VALUE, Tie.OPTIMISTIC, options)(
        Plan.of({}), fresh=True).objective


def cheapest_horizon_budget(inst: Instance, resource: str, reduction: float,
                            options: SolveOptions | None = None) -> HorizonTarget:
    """The cheapest budget of ``resource`` (``b``: every period; ``b@total``: the whole
    horizon) whose optimal schedule cuts the discounted value by ``reduction``."""
    if not 0 < reduction <= 1:
        raise UsageError(f"a reduction must be in (0%, 100%], got {reduction:.4%}")
    options = options or SolveOptions()
    t0 = time.perf_counter()
    problem = _problem_for(inst, resource)
    reference = _reference(problem, options)
    limit = (1.0 - reduction) * reference
    found = _BudgetLevel(problem, resource, options).cheapest(limit)
    schedule = None if found.level is None else \
        _certified_at(inst, resource, found.level, limit, options)
    return HorizonTarget(inst.name, resource, reduction, reference, limit, found.level,
                         found.bound, found.optimal, schedule, time.perf_counter() - t0,
                         *_units(inst, resource))


@dataclass(frozen=True)
class HorizonFrontier:
    """The optimal discounted value as the budget of ``resource`` grows over [lo, hi]:
    ``steps`` (budget where the step starts, the certified optimal schedule there), each
    step's value holding up to the next step's budget (exact to ``tolerance``)."""

    instance: str
    resource: str
    lo: float
    hi: float
    steps: tuple[tuple[float, HorizonResult], ...]
    proven: bool  # every step's budget-level MILP proven
    tolerance: float
    seconds: float
    value_unit: Unit = Unit()
    budget_unit: Unit = Unit()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "horizon-frontier", "instance": self.instance,
                "resource": self.resource, "from": self.lo, "to": self.hi,
                "proven": self.proven, "tolerance": self.tolerance, "seconds": self.seconds,
                "value_unit": self.value_unit.to_dict(),
                "budget_unit": self.budget_unit.to_dict(),
                "steps": [{"budget": b, "value": r.objective_after, "bound": r.bound,
                           "optimal": r.optimal, "schedule": r.to_dict()}
                          for b, r in self.steps]}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True,
                          allow_nan=False) + "\n"


def horizon_frontier(inst: Instance, resource: str, lo: float, hi: float,
                     options: SolveOptions | None = None,
                     progress: Callable[[int, float], None] | None = None) -> HorizonFrontier:
    """Every step of the optimal discounted value over budgets [lo, hi] of ``resource``:
    the optimal schedule at lo, then repeatedly the cheapest budget whose schedule is worth
    less than the last step's value by more than the tolerance (``_BudgetLevel``) and
    the optimal schedule there, until that budget passes hi or no budget does better. The
    value between two step budgets lies within the tolerance of the earlier step's
    (docs/model.md §14)."""
    from ..pipeline import solve_horizon

    options = options or SolveOptions()
    t0 = time.perf_counter()
    problem = _problem_for(inst, resource)
    tol = 1e-6 * max(1.0, abs(_reference(problem, options)))
    steps = [(lo, solve_horizon(inst, options, budgets={resource: lo}))]
    levels = _BudgetLevel(problem, resource, options)
    proven = True
    while True:
        if progress is not None:
            progress(len(steps), steps[-1][0])
        value = steps[-1][1].objective_after
        found = levels.cheapest(value - tol)
        proven = proven and found.optimal
        if found.level is None or found.level > hi:
            break
        level = max(found.level, steps[-1][0])
        steps.append((level, _certified_at(inst, resource, level, value - tol, options)))
    return HorizonFrontier(inst.name, resource, lo, hi, tuple(steps), proven, tol,
                           time.perf_counter() - t0, *_units(inst, resource))


__all__ = ["HorizonFrontier", "HorizonTarget", "cheapest_horizon_budget", "horizon_frontier"]
