"""Exact nested plans: for budgets b_1 < … < b_K of one resource, the plans
P_1 ⊆ P_2 ⊆ … ⊆ P_K (P_k within budget b_k, the other budgets fixed) of least total
smuggler value Σ_k value(P_k) — equivalently least total regret, since Σ_k v(b_k) is a
constant.

One MILP: K copies of the defender's binaries and budget rows, one dual block per copy
(``formulation.interdiction.add_dual_block``, the same linearisation as every solve), the
sum of the copies' dual objectives as the objective, and nesting rows for every action j,
level l and k < K:

    Σ_{l' ≥ l} x^k_{j,l'}  ≤  Σ_{l' ≥ l} x^{k+1}_{j,l'}

(an action funded at level ≥ l stays funded at level ≥ l). The greedy nested plans are
handed over as the starting solution (presolve off, see ``session.py``), so the answer is
never worse than greedy; with a time limit the best plans found are returned with the
proven gap. Every copy's plan is certified: the smuggler's LP with the plan fixed gives at
most the copy's dual objective (weak duality), and the total is checked against the proven
bound.
"""

from __future__ import annotations

import numpy as np

from ..errors import CertificateError
from ..formulation.blocks import LinearModel
from ..formulation.interdiction import add_dual_block, set_objective
from ..compile.network import Plan
from ..solvers.base import open_session
from ..options import SolutionStatus
from .session import PlanningSession


def build_nested_milp(session: PlanningSession, resource: str, grid: list[float]):
    """The MILP of the module docstring; returns (model, x start column of each copy,
    objective columns and coefficients of each copy)."""
    net = session.net
    m = LinearModel("nested", sense="min")
    Bn = net.n_binaries
    r = net.resource_ids.index(resource)
    x_starts = []
    for k, b in enumerate(grid):
        x = m.add_vars(f"x_{k}", Bn, lb=0.0, ub=1.0, integer=True,
                       keys=lambda: [(net.action_ids[a], int(lv) + 1)
                                     for a, lv in zip(net.binary_action, net.binary_level)],
                       doc=f"x^{k}_{{j,l}}: the nested plan at budget {b:g}")
        x_starts.append(x.start)
        budgets = net.budgets.copy()
        budgets[r] = b
        bc = net.binary_cost
        nzr, nzc = np.nonzero(bc.T)
        m.add_rows(f"budget_{k}", len(net.resource_ids), nzr, x.start + nzc, bc.T[nzr, nzc],
                   hi=budgets, keys=lambda: [(q,) for q in net.resource_ids])
        acts = [j for j in range(len(net.action_ids)) if np.sum(net.binary_action == j) > 1]
        row_of = {j: i for i, j in enumerate(acts)}
        rows = [row_of[int(a)] for a in net.binary_action if int(a) in row_of]
        cols = [x.start + i for i, a in enumerate(net.binary_action) if int(a) in row_of]
        m.add_rows(f"one_level_{k}", len(acts), rows, cols, np.ones(len(rows)), hi=1.0)
    # nesting rows
    rows, cols, vals = [], [], []
    n = 0
    for k in range(len(grid) - 1):
        for j in range(len(net.action_ids)):
            bins = np.flatnonzero(net.binary_action == j)
            levels = net.binary_level[bins]
            for lv in sorted(set(levels.tolist())):
                upper = bins[levels >= lv]
                for b in upper:
                    rows.append(n)
                    cols.append(x_starts[k] + int(b))
                    vals.append(1.0)
                    rows.append(n)
                    cols.append(x_starts[k + 1] + int(b))
                    vals.append(-1.0)
                n += 1
    m.add_rows("nested", n, rows, cols, vals, hi=0.0)
    objectives = []
    for k in range(len(grid)):
        blk = add_dual_block(m, net, x_starts[k], tag=str(k))
        set_objective(m, blk.obj_cols, blk.obj_coefs)
        objectives.append((blk.obj_cols, blk.obj_coefs))
    return m, x_starts, objectives


def exact_nested(session: PlanningSession, resource: str, grid: list[float], *,
                 start: list[Plan] | None = None, time_limit: float | None = None
                 ) -> tuple[list[Plan], str]:
    """The nested plans of least total value over ``grid`` (module docstring) and a note."""
    net = session.net
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
            raise CertificateError(f"nested plan {k} breaks a budget at {resource}={b:g}")
        cols, coefs = objectives[k]
        claimed = float(coefs @ raw.values[cols])
        value = session.evaluate(plan).value
        if value > claimed + session.tol:
            raise CertificateError(f"nested plan at {resource}={b:g}: the smuggler earns "
                                   f"{value:.10g}, more than the MILP's {claimed:.10g}")
        total += value
        plans.append(plan)
    for k in range(len(plans) - 1):
        a, b = plans[k].as_dict(), plans[k + 1].as_dict()
        if any(b.get(j, 0) < lv for j, lv in a.items()):
            raise CertificateError(f"the exact nested plans are not nested at step {k + 1}")
    if raw.bound is not None and total < raw.bound - len(grid) * session.tol:
        raise CertificateError(f"the nested plans' total value {total:.10g} is below the "
                               f"MILP's proven bound {raw.bound:.10g}")
    if start is not None:
        greedy_total = sum(session.evaluate(p).value for p in start)
        if total > greedy_total + len(grid) * session.tol:
            return start, "exact nested MILP returned worse plans than greedy: greedy kept"
    proven = raw.status == SolutionStatus.OPTIMAL
    gap = "" if raw.bound is None else f", proven bound on the total {raw.bound:.10g}"
    return plans, (f"exact nested plans: total value {total:.10g}"
                   f" ({'proven optimal' if proven else 'not proven optimal: ' + raw.termination.value}"
                   f"{gap})")
