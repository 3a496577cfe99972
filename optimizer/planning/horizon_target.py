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
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compile.network import Plan
from ..errors import SolveError, UsageError
from ..formulation import DualValue
from ..instance.model import Instance
from ..options import Objective, SolutionStatus, SolveOptions, Termination, Tie
from ..results.horizon import HorizonResult
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

    @property
    def reached(self) -> bool:
        return self.budget is not None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "horizon-target", "instance": self.instance, "resource": self.resource,
                "reduction": self.reduction, "reference": self.reference,
                "limit": self.limit, "reached": self.reached, "budget": self.budget,
                "bound": self.bound, "optimal": self.optimal,
                "schedule": None if self.schedule is None else self.schedule.to_dict(),
                "seconds": self.seconds}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True,
                          allow_nan=False) + "\n"


def cheapest_horizon_budget(inst: Instance, resource: str, reduction: float,
                            options: SolveOptions | None = None) -> HorizonTarget:
    """The cheapest budget of ``resource`` (``b``: every period; ``b@total``: the whole
    horizon) whose optimal schedule cuts the discounted value by ``reduction``."""
    from ..compile.horizon import build_horizon_problem
    from ..pipeline import evaluator_for, solve_horizon

    if not 0 < reduction <= 1:
        raise UsageError(f"a reduction must be in (0%, 100%], got {reduction:.4%}")
    options = options or SolveOptions()
    t0 = time.perf_counter()
    problem = build_horizon_problem(inst)
    rid, _, where = resource.partition("@")
    rids = [r.id for r in inst.resources]
    if rid not in rids or where not in ("", "total"):
        raise UsageError(f"unknown budget '{resource}': give a resource ({', '.join(rids)}) "
                         f"for its budget in every period, or RESOURCE@total")
    if where == "total" and rid not in problem.totals:
        # a total row to restate: the sum over the horizon, with no limit yet
        problem = problem.with_budgets({resource: float("inf")})
    reference = evaluator_for(problem, Objective.VALUE, Tie.OPTIMISTIC, options)(
        Plan.of({}), fresh=True).objective
    limit = (1.0 - reduction) * reference
    milp = DualValue().build(problem)
    m = milp.model
    hz = problem.hz
    carry = hz.carry_over and inst.resources[rids.index(rid)].kind == "budget"
    ids = problem.net.resource_ids
    if where == "total":
        rows = {ids.index(f"{rid}@total"): 1.0}
    else:
        rows = {ids.index(f"{rid}@{label}"): float(t + 1) if carry else 1.0
                for t, label in enumerate(problem.labels)}
    # the objective becomes the row E ≤ limit; the budget level L is the new objective
    obj_cols = np.concatenate([b.start + np.flatnonzero(b.obj) for b in m.var_blocks.values()])
    obj_vals = np.concatenate([b.obj[b.obj != 0] for b in m.var_blocks.values()])
    for b in m.var_blocks.values():
        b.obj[:] = 0.0
    level = m.add_vars("budget_level", 1, lb=0.0, obj=1.0, keys=lambda: [(resource,)],
                       doc="L: the budget of the resource, the cheapest that reaches the limit")
    m.add_rows("value_limit", 1, np.zeros(len(obj_cols), np.int64), obj_cols, obj_vals,
               hi=limit, keys=lambda: [("limit",)], doc="E(y, u) ≤ (1 − r) · V(no action)")
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
    m.add_rows("budget_level_rows", len(rows), np.concatenate(r_loc), np.concatenate(c_loc),
               np.concatenate(v_loc), hi=0.0, keys=lambda: [(ids[r],) for r in sorted(rows)],
               doc="spend_k(y) − m_k L ≤ 0")
    session = open_session(m, options)
    raw = session.solve()
    if raw.termination == Termination.INFEASIBLE:
        return HorizonTarget(inst.name, resource, reduction, reference, limit, None, None,
                             True, None, time.perf_counter() - t0)
    if raw.objective is None or raw.values is None:
        return HorizonTarget(inst.name, resource, reduction, reference, limit, None,
                             raw.bound, False, None, time.perf_counter() - t0)
    # the level the cheapest schedule needs, summed exactly (the MILP's L may sit a
    # feasibility tolerance below it)
    x = np.round(raw.values[milp.x_start:milp.x_start + problem.net.n_binaries])
    spend = problem.net.binary_cost.T @ x
    found = max(float(raw.objective), max(spend[r] / mult for r, mult in rows.items()))
    schedule = solve_horizon(inst, options, budgets={resource: found})
    tol = schedule.certificate.tolerance
    if schedule.objective_after > limit + tol:
        raise SolveError(f"the optimal schedule at {resource} = {found:g} is worth "
                         f"{schedule.objective_after:g}, above the limit {limit:g} that the "
                         "cheapest schedule reaches there: please report this")
    return HorizonTarget(inst.name, resource, reduction, reference, limit, found, raw.bound,
                         raw.status == SolutionStatus.OPTIMAL, schedule,
                         time.perf_counter() - t0)


__all__ = ["HorizonTarget", "cheapest_horizon_budget"]
