"""Exact nested plans: for budgets b_1 < … < b_K of one resource, the plans
P_1 ⊆ P_2 ⊆ … ⊆ P_K (P_k within budget b_k, the other budgets fixed) of least total
smuggler value Σ_k value(P_k) — equivalently least total regret, since Σ_k v(b_k) is a
constant. value(P) is the session's: the problem's risk measure (expected value, worst
case or CVaR) of the smuggler's values in its scenarios (one scenario without them).

One MILP: K copies of the defender's problem as ``build_problem_milp`` states it —
copy k has its binaries x^k, its budget rows at b_k, one dual block per scenario and the
risk measure R_k of the blocks' objectives (``formulation.interdiction.add_actions`` and
``add_scenario_blocks``, the same linearisation as every solve) — the objective Σ_k R_k,
and nesting rows for every action j, level l and k < K:

    Σ_{l' ≥ l} x^k_{j,l'}  ≤  Σ_{l' ≥ l} x^{k+1}_{j,l'}

(an action funded at level ≥ l stays funded at level ≥ l). The greedy nested plans are
handed over as the starting solution (presolve off, see ``session.py``), so the answer is
never worse than greedy; with a time limit the best plans found are returned with the
proven gap. Every copy's plan is certified: the risk measure of the smuggler's LP values
with the plan fixed is at most R_k (weak duality in each scenario, and every risk measure
is monotone), and the total of the certified values is checked against the MILP's proven
lower bound on Σ_k R_k.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ..compile.network import CompiledNetwork, Plan
from ..errors import CertificateError
from ..formulation.blocks import LinearModel
from ..formulation.interdiction import add_actions, add_scenario_blocks
from ..instance.units import Units
from ..options import SolutionStatus
from ..report.units import quantity
from ..solvers.base import open_session
from .session import PlanningSession

#: significant digits of the note's total and bound (enough to tell them apart at the gaps a
#: time-limited solve leaves)
NOTE_DIGITS = 6


def build_nested_milp(session: PlanningSession, resource: str, grid: list[float]
                      ) -> tuple[LinearModel, list[int], list[tuple[np.ndarray, np.ndarray]]]:
    """The MILP of the module docstring; returns (model, x start column of each copy,
    each copy's objective as (columns, coefficients))."""
    net = session.net
    m = LinearModel("nested", sense="min")
    x_starts: list[int] = []
    objectives = []
    for k, b in enumerate(grid):
        budgets = {**session.base_budgets, resource: b}
        x, _ = add_actions(m, session.problem.with_budgets(budgets).net, tag=str(k))
        x_starts.append(x.start)
        _, objective = add_scenario_blocks(m, session.problem, x.start, tag=str(k))
        objectives.append(objective)
    n, rows, cols, vals = nesting_terms(net, x_starts)
    m.add_rows("nested", n, rows, cols, vals, hi=0.0,
               doc="Σ_{l' ≥ l} x^k_{j,l'} − Σ_{l' ≥ l} x^{k+1}_{j,l'} ≤ 0")
    return m, x_starts, objectives


def nesting_terms(net: CompiledNetwork, x_starts: list[int]
                  ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The number of nesting rows and their terms (row, column, coefficient): the rows
    Σ_{l' ≥ l} x^k_{j,l'} ≤ Σ_{l' ≥ l} x^{k+1}_{j,l'}, one per consecutive pair of copies
    k, k+1, action j and level l."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    n = 0
    for lo, hi in pairwise(x_starts):
        for j in range(len(net.action_ids)):
            bins = np.flatnonzero(net.binary_action == j)
            levels = net.binary_level[bins]
            for lv in sorted(set(levels.tolist())):
                for b in bins[levels >= lv].tolist():
                    rows += [n, n]
                    cols += [lo + b, hi + b]
                    vals += [1.0, -1.0]
                n += 1
    return n, np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals, float)


def exact_nested(session: PlanningSession, resource: str, grid: list[float], *,
                 start: list[Plan] | None = None, time_limit: float | None = None
                 ) -> tuple[list[Plan], str]:
    """The nested plans of least total value over ``grid`` (module docstring) and a note
    (its figures in the instance's units)."""
    net = session.net
    units = Units.of(session.instance)
    v, ru = units.value, units.resource(resource)
    m, x_starts, objectives = build_nested_milp(session, resource, grid)
    h = open_session(m, session.options.replace(time_limit=time_limit))
    if start is not None:
        values = np.full(m.n_cols, np.nan)
        for k, plan in enumerate(start):
            values[x_starts[k]:x_starts[k] + net.n_binaries] = plan.binaries(net)
        h.set_start(values)  # the solver runs it with presolve off (solvers.highs, rule 2)
    raw = h.solve()
    if raw.values is None:
        if start is None:
            raise CertificateError("the nested MILP found no plan")
        return start, f"exact nested MILP stopped on {raw.termination.value} without a plan: " \
                      "greedy nested plans kept"
    plans = []
    total = 0.0
    for k, b in enumerate(grid):
        x = raw.values[x_starts[k]:x_starts[k] + net.n_binaries]
        plan = Plan.from_binaries(net, x)
        if not plan.fits(net, {**session.base_budgets, resource: b}):
            raise CertificateError(f"nested plan {k} breaks a budget at {resource} = "
                                   f"{quantity(b, ru, exact=True)}")
        cols, coefs = objectives[k]
        claimed = float(coefs @ raw.values[cols])
        value = session.evaluate(plan).value
        if value > claimed + session.tol:
            raise CertificateError(f"nested plan at {resource} = {quantity(b, ru, exact=True)}: "
                                   f"the smuggler earns {quantity(value, v, exact=True)}, more "
                                   f"than the MILP's {quantity(claimed, v, exact=True)}")
        total += value
        plans.append(plan)
    for k, (small, big) in enumerate(pairwise(p.as_dict() for p in plans)):
        if any(big.get(j, 0) < lv for j, lv in small.items()):
            raise CertificateError(f"the exact nested plans are not nested at step {k + 1}")
    if raw.bound is not None and total < raw.bound - len(grid) * session.tol:
        raise CertificateError(f"the nested plans' total value {quantity(total, v, exact=True)} "
                               f"is below the MILP's proven bound "
                               f"{quantity(raw.bound, v, exact=True)}")
    if start is not None:
        greedy_total = sum(session.evaluate(p).value for p in start)
        if total > greedy_total + len(grid) * session.tol:
            return start, "exact nested MILP returned worse plans than greedy: greedy kept"
    proven = raw.status == SolutionStatus.OPTIMAL
    gap = "" if raw.bound is None else \
        f", proven bound on the total {quantity(raw.bound, v, NOTE_DIGITS)}"
    proof = "proven optimal" if proven else f"not proven optimal: {raw.termination.value}"
    return plans, (f"exact nested plans: total value over the {len(grid)} budgets "
                   f"{quantity(total, v, NOTE_DIGITS)} ({proof}{gap})")
