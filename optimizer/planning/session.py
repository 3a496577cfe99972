"""One loaded defender MILP, re-solved for many budget vectors (the planning hot path).

``PlanningSession`` compiles the instance and states the MILP once
(``formulation.interdiction``), loads it in a solver session once (``solvers.base``:
HiGHS arrays, or the Pyomo model with ``backend=pyomo``) and then only changes numbers in
the loaded model:

- budgets are the upper bounds of the budget rows (``ProblemMILP.budget_row_start``);
- a *value cap* row  Σ (dual objective) ≤ cap  is appended once (free until used): by strong
  duality the dual objective of a plan's optimal duals is the smuggler's value, so the row
  admits exactly the plans whose value is ≤ cap (``cheapest``, target mode, frontiers);
- the objective is switched between the smuggler's value and the spend in one resource;
- binaries can be fixed (nested priority lists).

Every plan goes through the pipeline's one finishing path (``pipeline.finish``: tidy,
evaluate afresh, certify). The solver rules about starting solutions live in
``solvers.highs``; a warm-started plan that fails its certificate is re-solved without the
start and the result says so (``fallback``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..certify.evaluate import PlanEvaluation, ValueEvaluator
from ..certify.tidy import drop_redundant
from ..compile.network import CompiledNetwork, Plan
from ..errors import CertificateError, PlanError, SolveError
from ..formulation.interdiction import ScenarioMILP, build_problem_milp
from ..instance.model import Instance
from ..instance.writer import instance_to_dict
from ..options import SolutionStatus, SolveOptions, Termination
from ..pipeline import Finished, finish
from ..results.types import Response
from ..solvers.base import RawSolution, open_session
from .points import PointResult

#: relative tolerance on the smuggler's value: two values closer than
#: VALUE_TOL · max(1, value with no action) are the same value (the certificate's tolerance).
VALUE_TOL = 1e-6


def instance_digest(inst: Instance) -> str:
    """SHA-256 of the instance's content (records and budgets, not its path or notes)."""
    import hashlib
    import json

    data = instance_to_dict(inst)
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def planning_options(options: SolveOptions | None) -> SolveOptions:
    """The options every planning solve uses: the caller's, with one HiGHS thread.

    Many small MILPs run side by side (executors), and HiGHS's MIP path can depend on
    its thread count; one thread everywhere makes a point's plan the same whichever
    executor solved it."""
    return (options or SolveOptions()).replace(threads=1)


#: a plan evaluated in every scenario block (``certify.evaluate.PlanEvaluation``)
Evaluation = PlanEvaluation


@dataclass(frozen=True)
class CheapestPlan:
    """The cheapest plan in one resource whose smuggler value is at most ``cap``."""

    resource: str
    cap: float
    plan: Plan
    cost: float  # the plan's spend in ``resource`` (exact, from the plan)
    value: float  # certified: the smuggler's LP with the plan fixed
    bound: float | None  # proven lower bound on the cheapest cost
    spend: dict[str, float]
    warm_started: bool
    fallback: bool
    seconds: float
    optimal: bool = True  # False: stopped (time limit) before proving the cost least


class PlanningSession:
    """The defender's MILP for one instance, loaded once, solved for many budgets.

    ``source`` is an instance file, an ``Instance``, a ``CompiledNetwork`` or a
    ``DefenderProblem``; ``budgets`` override the instance's budgets (they become the
    session's *base* budgets: every solve starts from them and replaces the resources it
    names). With scenarios, the value of a plan is the problem's risk measure of the
    scenario values (expected value unless the instance says otherwise), and every plan is
    certified in every scenario.
    """

    def __init__(self, source: Instance | CompiledNetwork | str,
                 options: SolveOptions | None = None, *,
                 budgets: Mapping[str, float] | None = None):
        from ..pipeline import as_problem

        t0 = time.perf_counter()
        self.options = planning_options(options)
        self.problem = as_problem(source, budgets)
        self.net: CompiledNetwork = self.problem.net  # actions, binaries and budgets
        self.instance = self.problem.instance
        self.base_budgets = self.problem.budgets
        self.evaluator = ValueEvaluator(self.problem, self.options)
        self.baseline: PlanEvaluation = self.evaluate(Plan.of({}))
        self.value_before = float(self.baseline.value)
        self.scale = max(1.0, abs(self.value_before))
        self.tol = VALUE_TOL * self.scale
        self.milp: ScenarioMILP = build_problem_milp(self.problem)
        self.solver = open_session(self.milp.model, self.options)
        mf = self.milp.model.to_matrix()
        self._value_cost = np.asarray(mf.cost, float).copy()
        self._col_lower = np.asarray(mf.col_lower, float).copy()
        self._col_upper = np.asarray(mf.col_upper, float).copy()
        self._row_lower = np.asarray(mf.row_lower, float).copy()
        self._row_upper = np.asarray(mf.row_upper, float).copy()
        nz = np.flatnonzero(self._value_cost)
        self.cap_row = self.milp.model.n_rows
        self.solver.add_rows(np.array([-np.inf]), np.array([np.inf]), np.array([0]), nz,
                             self._value_cost[nz])
        self.x_cols = np.arange(self.milp.x_start, self.milp.x_start + self.net.n_binaries)
        self._budget_rows = self.milp.budget_row_start + np.arange(len(self.net.resource_ids))
        self.build_seconds = time.perf_counter() - t0
        self.solves = 0  # MILP solves run by this session (for tests and benches)

    # ------------------------------------------------------------------ helpers
    @property
    def resource_ids(self) -> list[str]:
        return list(self.net.resource_ids)

    def budget_vector(self, budgets: Mapping[str, float] | None) -> dict[str, float]:
        """The base budgets with ``budgets`` replacing some; unknown or negative raise, and
        so does an unlimited budget, except for an outcome (``kind: outcome``, e.g.
        violence), which is unlimited unless capped."""
        out = dict(self.base_budgets)
        outcomes = {r.id for r in self.problem.instance.resources if r.kind == "outcome"}
        for rid, value in (budgets or {}).items():
            if rid not in out:
                raise PlanError(f"unknown resource '{rid}'; this instance has {sorted(out)}")
            v = float(value)
            if not (v >= 0) or (not np.isfinite(v) and rid not in outcomes):
                raise PlanError(f"budget of '{rid}' must be finite and ≥ 0, got {value!r}")
            out[rid] = v
        return out

    def spend(self, plan: Plan) -> dict[str, float]:
        return plan.spend(self.net)

    def fits(self, plan: Plan, budgets: Mapping[str, float]) -> bool:
        return plan.fits(self.net, budgets)

    def max_spend(self, resource: str) -> float:
        """The most any plan can spend of ``resource`` (every action at its dearest level)."""
        r = self.net.resource_ids.index(resource)
        total = 0.0
        for j in range(len(self.net.action_ids)):
            costs = self.net.binary_cost[self.net.binary_action == j, r]
            if len(costs):
                total += max(0.0, float(costs.max()))
        return total

    def evaluate(self, plan: Plan) -> PlanEvaluation:
        """The smuggler's best responses to ``plan`` in every scenario and their combined
        value (budgets not enforced). Each LP is built afresh, so the response reported
        does not depend on what the session solved before (a warm LP may land on another
        of several optimal responses)."""
        return self.evaluator(plan, fresh=True)

    def value(self, plan: Plan) -> float:
        """The smuggler's value of ``plan`` alone (LPs re-solved warm: fast, and the value
        is the same whichever optimal response the LP lands on)."""
        return self.evaluator(plan).value

    def response(self, evaluation: PlanEvaluation, max_routes: int = 10) -> Response:
        """The expected response over scenarios (delivered units, flows, routes)."""
        parts = [(sc.probability, Response.from_solution(sc.net, sol, max_routes=max_routes))
                 for sc, sol in zip(self.problem.scenarios, evaluation.responses)]
        return Response.expected(parts)

    def _set_budgets(self, budgets: Mapping[str, float]) -> None:
        vec = np.array([budgets[r] for r in self.net.resource_ids], float)
        self.solver.set_row_bounds(self._budget_rows, np.full(len(vec), -np.inf), vec)

    def _run(self, start: Plan | None) -> RawSolution:
        """Solve the loaded model as it stands, from ``start`` if given."""
        if start is not None:
            values = np.full(self.milp.model.n_cols, np.nan)
            values[self.x_cols] = start.binaries(self.net)
            self.solver.set_start(values)
        self.solves += 1
        raw = self.solver.solve()
        if raw.termination == Termination.INTERRUPTED:
            # a planning solve is stopped only by Ctrl-C on the main thread (it sets no
            # objective bound and watches no solution; solvers/highs.py rule 4), and its
            # plan is never reported unproven: the command stops as interrupted, and its
            # run can be resumed (not "failed" with a solver error)
            from ..parallel import Interrupted

            raise Interrupted()
        return raw

    def _plan_of(self, raw: RawSolution) -> Plan:
        if raw.values is None:
            return Plan.of({})
        return Plan.from_binaries(self.net, raw.values[self.x_cols])

    # ------------------------------------------------------------------ value solves
    def solve(self, budgets: Mapping[str, float] | None = None, start: Plan | None = None,
              *, tidy: bool = True, routes: int = 10) -> PointResult:
        """The certified optimal plan at ``budgets`` (base budgets where not given).

        ``start``: a plan handed to HiGHS as a starting solution, used only if it keeps the
        budgets. A warm-started plan that fails its certificate is re-solved cold."""
        t0 = time.perf_counter()
        B = self.budget_vector(budgets)
        self._set_budgets(B)
        if start is not None and not self.fits(start, B):
            start = None
        t_built = time.perf_counter()
        notes: list[str] = []
        raw = self._run(start)
        fallback = False
        try:
            done = self._finish(raw, B, tidy, start)
        except CertificateError as exc:
            if start is None:
                raise
            fallback = True
            notes.append(f"the warm-started solve failed its certificate ({exc}); "
                         "re-solved without the start")
            first = raw.seconds
            raw = self._run(None)
            raw.seconds += first
            done = self._finish(raw, B, tidy, None)
        t_done = time.perf_counter()
        return self.point_of(
            done.plan, B, done.evaluation, value=float(done.certificate.plan_value),
            bound=done.bound, gap=done.certificate.gap, optimal=done.optimal,
            termination=raw.termination.value, warm_started=start is not None,
            fallback=fallback, node_count=raw.node_count, notes=notes + list(done.notes),
            routes=routes,
            timings={"build": t_built - t0, "solve": raw.seconds,
                     "check": t_done - t_built - raw.seconds,
                     "total": time.perf_counter() - t0})

    def point_of(self, plan: Plan, budgets: Mapping[str, float],
                 response: PlanEvaluation | None = None, *, routes: int = 10,
                 **fields) -> PointResult:
        """A ``PointResult`` describing ``plan`` at ``budgets``: the smuggler's best response
        (re-solved unless given), delivered units, arc loads and main routes. ``fields``
        override the rest (value, bound, optimal …); by default the plan is described as
        evaluated, not as proven optimal."""
        B = self.budget_vector(budgets)
        after = response if response is not None else self.evaluate(plan)
        resp = self.response(after, max_routes=max(routes, 1))
        arc_flow: dict[str, float] = {}
        for sc, sol in zip(self.problem.scenarios, after.responses):
            loads = sc.probability * sol.flow * sc.net.load[sc.net.fc_comm]
            for a, f in zip(sc.net.fc_arc.tolist(), loads.tolist()):
                arc_flow[sc.net.arc_ids[a]] = arc_flow.get(sc.net.arc_ids[a], 0.0) + f
        arc_flow = {a: f for a, f in arc_flow.items() if f > 1e-9 * self.scale}
        by_comm: dict[str, dict[str, float]] = {}
        for (a, k), f in sorted(resp.flows.items()):
            if a in arc_flow:
                by_comm.setdefault(k, {})[a] = float(f)
        base: dict[str, Any] = dict(
            budgets=B, plan=plan.as_dict(), value=float(after.value), bound=None, gap=None,
            optimal=False, termination="evaluated", spend=plan.spend(self.net),
            delivered={k: float(v) for k, v in sorted(resp.delivered_by_commodity.items())},
            arc_flow=dict(sorted(arc_flow.items())), commodity_flow=by_comm,
            routes=[r.to_dict() for r in resp.routes[:routes]])
        base.update(fields)
        return PointResult(**base)

    def _finish(self, raw: RawSolution, budgets: dict[str, float], tidy: bool,
                start: Plan | None) -> Finished:
        """The pipeline's finishing path at ``budgets``."""
        if raw.failed:
            raise SolveError(f"the defender's MILP ended {raw.termination.value} "
                             f"({raw.message}) at budgets {budgets}")
        return finish(self.problem, self.evaluator, raw, x_start=self.milp.x_start,
                      exact_claim=True, scale=self.scale, options=self.options,
                      budgets=budgets, tidy=tidy, start=start)

    # ------------------------------------------------------------------ cheapest plans
    def cheapest(self, resource: str, cap: float, budgets: Mapping[str, float] | None = None,
                 start: Plan | None = None, *,
                 cost_tol: float | None = None) -> CheapestPlan | None:
        """The plan of least spend in ``resource`` whose smuggler value is ≤ ``cap``, within
        ``budgets`` (the budget of ``resource`` is an upper limit too). None if no plan
        within the budgets reaches ``cap``.

        Stated as the defender's MILP with the value-cap row  dual objective ≤ cap + tol
        (exact by strong duality; tol = the session's value tolerance) and the objective
        Σ cost_{j,l,resource} x_{j,l}. The cost is optimal to within ``cost_tol`` (absolute
        MIP gap; default 1e-7 · max(1, largest possible spend)). The plan is certified:
        budgets kept, and the smuggler's LP with the plan fixed gives ≤ cap + 2·tol.
        """
        t0 = time.perf_counter()
        r = self.net.resource_ids.index(resource)
        B = self.budget_vector(budgets)
        self._set_budgets(B)
        if cost_tol is None:
            cost_tol = 1e-7 * max(1.0, self.max_spend(resource))
        if start is not None and not self.fits(start, B):
            start = None
        if start is not None and self.evaluate(start).value > cap + self.tol:
            start = None
        cost = np.zeros(len(self._value_cost))
        cost[self.x_cols] = self.net.binary_cost[:, r]
        all_cols = np.arange(len(cost))
        self.solver.set_costs(all_cols, cost)
        self.solver.set_row_bounds(np.array([self.cap_row]), np.array([-np.inf]),
                                   np.array([cap + self.tol]))
        self.solver.set_gaps(0.0, float(cost_tol))
        fallback = False
        try:
            raw = self._run(start)
            result = self._cheapest_finish(raw, resource, cap, B, cost_tol)
            if start is not None and (result is None or result is False):
                # a start that reaches the cap cannot make the model infeasible, and a plan
                # that fails its check is never reported: re-solve without the start
                fallback = True
                first = raw.seconds
                raw = self._run(None)
                raw.seconds += first
                result = self._cheapest_finish(raw, resource, cap, B, cost_tol)
            if result is False:
                raise CertificateError(
                    f"the cheapest plan in '{resource}' with value ≤ {cap:.10g} failed its "
                    "certificate")
        finally:
            self.solver.set_costs(all_cols, self._value_cost)
            self.solver.set_row_bounds(np.array([self.cap_row]), np.array([-np.inf]),
                                       np.array([np.inf]))
            self.solver.set_gaps(self.options.rel_gap, self.options.abs_gap)
        if result is None:
            return None
        plan, bound = result
        value = self.evaluate(plan).value
        spend = plan.spend(self.net)
        return CheapestPlan(resource, cap, plan, spend[resource], value, bound, spend,
                            start is not None, fallback, time.perf_counter() - t0,
                            raw.status == SolutionStatus.OPTIMAL)

    def _cheapest_finish(self, raw: RawSolution, resource: str, cap: float,
                         budgets: dict[str, float], cost_tol: float):
        """(plan, bound) if the solve gives a certified plan; None if the model is
        infeasible (no plan within the budgets reaches the cap); False if the plan fails
        its check (budgets, smuggler's value ≤ cap + 2·tol, cost ≤ the MILP's objective)."""
        if raw.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):
            return None
        if raw.values is None:
            raise SolveError(f"the cheapest-plan MILP ended {raw.termination.value} without a "
                             f"plan ({raw.message})")
        plan = self._plan_of(raw)
        if not plan.fits(self.net, budgets):
            return False
        value = self.evaluate(plan).value
        if value > cap + 2 * self.tol:
            return False
        if plan.levels:  # drop actions the cap does not need (never raises the cost)
            plan, _ = drop_redundant(self.net, plan, cap + self.tol, 0.0, self.value)
        cost = plan.spend(self.net)[resource]
        if raw.objective is not None and cost > raw.objective + cost_tol + 1e-9:
            return False
        return plan, raw.bound

    # ------------------------------------------------------------------ fixing binaries
    def fix_at_least(self, plan: Plan | None) -> None:
        """Constrain every later solve to plans that contain ``plan``: each of its actions
        at its level or a higher one (None lifts the constraint)."""
        lower = self._col_lower.copy()
        upper = self._col_upper.copy()
        row_lo = self._row_lower.copy()
        row_hi = self._row_upper.copy()
        if plan is not None:
            chosen = plan.as_dict()
            one_level = self.milp.model.row_blocks["one_level"]
            multi_rows = {key[0]: one_level.start + i for i, key in enumerate(one_level.keys())}
            for b in range(self.net.n_binaries):
                action = self.net.action_ids[int(self.net.binary_action[b])]
                if action not in chosen:
                    continue
                level = int(self.net.binary_level[b]) + 1
                col = int(self.x_cols[b])
                if level < chosen[action]:
                    upper[col] = 0.0
                elif action not in multi_rows:
                    lower[col] = 1.0
            for action in chosen:
                if action in multi_rows:
                    row_lo[multi_rows[action]] = 1.0
        cols = self.x_cols
        self.solver.set_col_bounds(cols, lower[cols], upper[cols])
        one = self.milp.model.row_blocks["one_level"]
        rows = np.arange(one.start, one.start + one.size)
        if len(rows):
            self.solver.set_row_bounds(rows, row_lo[rows], row_hi[rows])
