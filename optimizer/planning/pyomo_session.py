"""The planning session through Pyomo: budgets as mutable ``Param``s of the Pyomo model,
solved by Pyomo's persistent ``highs`` interface (``pyomo.contrib.solver``), for users who
extend the Pyomo model (``solvers.pyomo_backend.to_pyomo``) and want sweeps over it.

The model is built once (``to_pyomo``: the same blocks as the HiGHS path, so the same
model by construction); the budget rows are re-stated as

    budget_limit[r]:  Σ_{j,l} cost_{j,l,r} x_{j,l} ≤ budget_level[r]     (mutable Param)

and each point only changes ``budget_level`` values: the persistent interface passes the
new row bounds to the HiGHS instance it keeps loaded. Building through Pyomo costs ~25 s
per million nonzeros, so this path is not the hot path (``session.PlanningSession`` is).

HiGHS keeps the previous solution of a loaded model and re-uses it as a MIP start after
bounds change, which it can mis-evaluate after presolve (``session.py``, rule 1). Pyomo's
interface exposes no call to drop it (in our runs its per-solve objective update happens to
make HiGHS drop it, but correctness should not rest on that), so before each solve this
module clears the HiGHS instance the interface holds (``Highs._solver_model.clearSolver()``,
a private attribute: checked with ``getattr``). No starting solution is handed over on this path. Every plan is certified like on the HiGHS path.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from ..errors import SolveError
from ..compile.network import Plan
from ..options import SolveOptions
from .points import PointResult
from .session import PlanningSession


class PyomoPlanningSession(PlanningSession):
    """A ``PlanningSession`` whose value solves go through Pyomo (module docstring).
    Cheapest-plan and fixing calls still use the HiGHS arrays of the parent."""

    def __init__(self, source, options: SolveOptions | None = None, *,
                 budgets: Mapping[str, float] | None = None):
        import pyomo.environ as pyo
        from pyomo.contrib.solver.common.factory import SolverFactory

        from ..solvers.pyomo_backend import to_pyomo

        super().__init__(source, options, budgets=budgets)
        t0 = time.perf_counter()
        pm = to_pyomo(self.milp.model)
        blk = self.milp.model.row_blocks["budget"]
        cols = pm._interdict_columns
        terms: dict[int, list[tuple[float, object]]] = {i: [] for i in range(blk.size)}
        for r, c, v in zip(blk.rows.tolist(), blk.cols.tolist(), blk.vals.tolist()):
            terms[r].append((v, cols[c]))
        rids = list(self.net.resource_ids)
        pm.del_component(pm.budget)
        pm.budget_level = pyo.Param(rids, mutable=True, within=pyo.NonNegativeReals,
                                    initialize={r: self.base_budgets[r] for r in rids},
                                    doc="B_b: the budget of each resource (mutable)")

        def limit(m, r):
            body = sum(v * x for v, x in terms[rids.index(r)])
            if isinstance(body, (int, float)):
                return pyo.Constraint.Skip
            return body <= m.budget_level[r]

        pm.budget_limit = pyo.Constraint(rids, rule=limit,
                                         doc="Σ_{j,l} cost_{j,l,b} x_{j,l} ≤ B_b (mutable B_b)")
        self.pyomo_model = pm
        self.solver = SolverFactory("highs")
        self.pyomo_build_seconds = time.perf_counter() - t0

    def solve(self, budgets: Mapping[str, float] | None = None, start: Plan | None = None,
              *, tidy: bool = True, routes: int = 10) -> PointResult:
        """The certified optimal plan at ``budgets`` through Pyomo (``start`` is ignored:
        the persistent interface has no MIP start)."""
        from pyomo.contrib.solver.common.results import SolutionStatus as PS
        from pyomo.contrib.solver.common.results import TerminationCondition as TC

        from ..solvers.highs import ensure_threads
        from ..certify.tidy import drop_redundant

        t0 = time.perf_counter()
        B = self.budget_vector(budgets)
        pm = self.pyomo_model
        for r, v in B.items():
            pm.budget_level[r] = v
        if getattr(self.solver, "_solver_model", None) is not None:
            self.solver._solver_model.clearSolver()  # rule 1 of session.py
        ensure_threads(1)
        kwargs = dict(load_solutions=False, raise_exception_on_nonoptimal_result=False,
                      rel_gap=self.options.rel_gap, threads=1,
                      solver_options={"random_seed": self.options.seed})
        if self.options.time_limit is not None:
            kwargs["time_limit"] = self.options.time_limit
        t_built = time.perf_counter()
        res = self.solver.solve(pm, **kwargs)
        seconds = time.perf_counter() - t_built
        self.solves += 1
        if res.solution_status not in (PS.optimal, PS.feasible):
            raise SolveError(f"the Pyomo solve at {B} ended {res.termination_condition}")
        res.solution_loader.load_vars()
        x = np.array([float(v.value or 0.0) for v in pm._interdict_columns])[self.x_cols]
        plan = Plan.from_binaries(self.net, x)
        net = self.network_at(B)
        if tidy and plan.levels:
            value = self.evaluate(plan).value
            plan, _ = drop_redundant(net, plan, value, 1e-7 * self.scale, self.options,
                                     lambda p: self.evaluate(p).value)
        bound = res.objective_bound
        bound = float(bound) if bound is not None and np.isfinite(bound) else None
        optimal = res.termination_condition == TC.convergenceCriteriaSatisfied
        cert, after = self.certify(plan, B, float(res.incumbent_objective), bound, optimal)
        t_done = time.perf_counter()
        return self.point_of(
            plan, B, after, value=float(cert.plan_value), bound=bound, gap=cert.gap,
            optimal=optimal, termination="optimal" if optimal else str(res.termination_condition),
            routes=routes, notes=["solved through Pyomo's persistent highs interface"],
            timings={"build": t_built - t0, "solve": seconds, "check": t_done - t_built - seconds,
                     "total": time.perf_counter() - t0})


def run_sweep_pyomo(source, sweep, *, budgets: Mapping[str, float] | None = None, options=None,
                    progress=None):
    """A sweep on one ``PyomoPlanningSession`` (serial: the Pyomo model lives in this
    process). Same points, same certificate, same result type as ``sweep.run_sweep``."""
    from .sweep import SweepResult

    t0 = time.perf_counter()
    session = PyomoPlanningSession(source, options, budgets=budgets)
    pts = sweep.points()
    out = []
    if progress:
        progress(0, len(pts), None)
    for i, p in enumerate(pts):
        out.append(session.solve(p))
        if progress:
            progress(i + 1, len(pts), out[-1])
    resp = session.response(session.baseline, max_routes=1)
    return SweepResult(
        instance=session.instance.name, instance_path=session.instance.path, spec=sweep,
        base_budgets=dict(session.base_budgets), value_before=session.value_before,
        delivered_before={k: float(v) for k, v in sorted(resp.delivered_by_commodity.items())},
        points=out, solved=len(out), reused=0, seconds=time.perf_counter() - t0,
        executor="serial/pyomo", options=session.options.to_dict())


