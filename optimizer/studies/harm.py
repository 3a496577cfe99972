"""The planner's harm of a plan: the least and the most harmful of the smuggler's optimal
responses (issue: harm-weighted plans; MODEL.md's smuggler LP with the planner's weights).

For a fixed plan the smuggler maximises its value V(y); several responses y may be
optimal, and they may deliver different mixes of fentanyl and heroin. With harm weights
h_{m,k} per unit delivered, the planner's harm of the plan is

    optimistic:   min { Σ h d : y feasible, V(y) ≥ V* − δ }
    pessimistic:  max { Σ h d : y feasible, V(y) ≥ V* − δ }

where V* is the smuggler's optimum and δ = 1e-9·max(1, |V*|) absorbs solver tolerances.
Each is one LP after the smuggler's own: load, solve, add the row V(y) ≥ V* − δ, swap the
objective. This is the exact evaluation the harm MILP's certificate compares against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SolveError
from ..formulation.smuggler import build_smuggler_lp
from ..compile.network import CompiledNetwork, apply_plan
from ..certify.response import SmugglerSolution, check_flows, solution_from_values
from ..solvers.highs import HighsSession
from ..options import SolveOptions, Termination

REL_DELTA = 1e-9


@dataclass(frozen=True)
class HarmRange:
    value: float  # the smuggler's optimum V*
    low_harm: float
    high_harm: float
    low: SmugglerSolution  # the least harmful optimal response
    high: SmugglerSolution  # the most harmful optimal response

    def harm(self, mode: str) -> float:
        return self.low_harm if mode == "optimistic" else self.high_harm

    def response(self, mode: str) -> SmugglerSolution:
        return self.low if mode == "optimistic" else self.high


def harm_range(net: CompiledNetwork, x: np.ndarray | None = None,
               options: SolveOptions | None = None) -> HarmRange:
    """The least and most harmful optimal responses to the plan ``x``."""
    data = apply_plan(net, x)
    lp = build_smuggler_lp(net, data)
    opts = SolveOptions(threads=(options.threads if options else None))
    session = HighsSession(lp.model, opts)
    raw = session.solve()
    if raw.termination != Termination.OPTIMAL or raw.values is None:
        raise SolveError(f"the smuggler's LP did not solve: {raw.termination.value}")
    value = float(raw.objective)
    mf = session.matrix
    value_cost = mf.cost.copy()
    delta = REL_DELTA * max(1.0, abs(value))
    nz = np.flatnonzero(value_cost)
    session.add_rows(np.array([value - delta]), np.array([np.inf]), np.array([0]),
                     nz.astype(np.int32), value_cost[nz])
    harm_cost = np.zeros(mf.cost.shape)
    harm_cost[lp.delivery_start:lp.delivery_start + len(net.del_node)] = net.del_harm
    out = {}
    for sense in ("min", "max"):
        session.set_objective(harm_cost, sense)
        r = session.solve()
        if r.termination != Termination.OPTIMAL or r.values is None:
            raise SolveError(f"the harm LP ({sense}) did not solve: {r.termination.value}")
        v = r.values[:mf.cost.shape[0]]
        sol = solution_from_values(net, lp, v, float(value_cost @ v), data)
        check_flows(net, sol, rel_tol=1e-6)
        out[sense] = (float(r.objective), sol)
    return HarmRange(value, out["min"][0], out["max"][0], out["min"][1], out["max"][1])


# ----------------------------------------------------------------------------- engine


def _combine_harm(problem, ranges: list[HarmRange], mode: str) -> float:
    return problem.combine([r.harm(mode) for r in ranges])


def solve_harm(source, options: SolveOptions | None = None, *, mode: str = "optimistic",
               budgets=None, risk: str | None = None, alpha: float | None = None,
               epsilon: float | None = None, tidy: bool = True, write_model=None):
    """The plan that minimises the planner's harm while the smuggler re-optimises its own
    value, certified: the chosen plan's harm is re-evaluated exactly (``harm_range``) and
    must equal the MILP's claim. ``mode`` optimistic | pessimistic (see
    ``formulation.bilevel``). Returns an ``InterdictionResult`` whose ``harm`` field holds
    the harm figures; ``value_before``/``value_after`` stay the smuggler's values."""
    import time

    from ..certify.certificate import Certificate, relative_gap
    from ..pipeline import as_problem, chosen_actions
    from ..errors import CertificateError, InstanceError, Problem
    from ..formulation.bilevel import build_harm_milp
    from ..compile.network import Plan
    from ..results.types import HarmSummary, InterdictionResult, Response, ScenarioOutcome, Timings
    from ..options import SolutionStatus
    from ..certify.tidy import drop_redundant

    options = options or SolveOptions()
    t0 = time.perf_counter()
    problem = as_problem(source, budgets, risk=risk, alpha=alpha)
    if not any(float(sc.net.del_harm.max(initial=0.0)) > 0 for sc in problem.scenarios):
        raise InstanceError([Problem(problem.instance.path, "commodities", "harm",
                                     "the harm objective needs harm weights: give commodities "
                                     "(or market nodes) a 'harm' per unit delivered", None)])
    net = problem.net
    nets = [sc.net for sc in problem.scenarios]
    before = [harm_range(n, None, options) for n in nets]
    harm_before = _combine_harm(problem, before, mode)
    value_before = problem.combine([b.value for b in before])
    scale = max(1.0, abs(_combine_harm(problem, before, "pessimistic")))
    tol = 1e-6 * scale
    t_base = time.perf_counter()

    notes: list[str] = []
    eps = epsilon
    build_s = solve_s = 0.0
    tried: set[float] = set()
    for attempt in range(4):
        tb = time.perf_counter()
        milp = build_harm_milp(problem, mode, eps)
        tried.add(milp.epsilon)
        session = HighsSession(milp.model, options)
        if write_model is not None and attempt == 0:
            session.write(write_model)
        build_s += time.perf_counter() - tb
        raw = session.solve()
        solve_s += raw.seconds
        if raw.values is None:
            x = np.zeros(net.n_binaries)
            claimed = None
        else:
            x = raw.values[milp.x_start:milp.x_start + net.n_binaries]
            claimed = float(raw.objective)
        plan = Plan.from_binaries(net, x)
        ranges = [harm_range(n, plan.binaries(net), options) for n in nets]
        exact = _combine_harm(problem, ranges, mode)
        if mode == "optimistic" or claimed is None or abs(claimed - exact) <= tol:
            break
        # pessimistic tie-break: ε too large over-states the plan's harm; ε lost in the
        # solver's tolerances under-states it. Adjust and re-solve.
        eps = milp.epsilon / 100.0 if claimed > exact else milp.epsilon * 100.0
        if eps in tried:
            break
        notes.append(f"pessimistic tie-break ε = {milp.epsilon:.3g} gave {claimed:.6g} for a plan "
                     f"whose most harmful optimal response gives {exact:.6g}; re-solved with "
                     f"ε = {eps:.3g}")
    optimal = raw.status == SolutionStatus.OPTIMAL

    def evaluate(p: Plan) -> float:
        return _combine_harm(problem, [harm_range(n, p.binaries(net), options) for n in nets], mode)

    if tidy and plan.levels:
        plan, dropped = drop_redundant(net, plan, exact, 1e-7 * scale, options, evaluate)
        notes.extend(dropped)
        ranges = [harm_range(n, plan.binaries(net), options) for n in nets]
        exact = _combine_harm(problem, ranges, mode)
    checks = ["budgets and exclusive levels kept",
              "smuggler's LP re-solved with the plan fixed; least and most harmful optimal "
              "responses found by LP"]
    spend = plan.spend(net)
    for r, rid in enumerate(net.resource_ids):
        if spend[rid] > net.budgets[r] + 1e-9 * max(1.0, abs(net.budgets[r])):
            raise CertificateError(f"plan spends {spend[rid]:g} of '{rid}' over its budget")
    if claimed is not None:
        if mode == "optimistic" and abs(exact - claimed) > tol + options.rel_gap * abs(claimed) \
                and optimal:
            raise CertificateError(f"the harm MILP reports {claimed:.10g} but the plan's least "
                                   f"harmful optimal response gives {exact:.10g}")
        if mode == "pessimistic" and exact > claimed + tol:
            raise CertificateError(f"the pessimistic MILP reports {claimed:.10g} but the plan's "
                                   f"most harmful optimal response gives {exact:.10g}")
        checks.append(f"reported harm = the {mode} harm of the plan")
    if mode == "optimistic":
        bound = raw.bound
    else:
        opt = solve_harm(problem, options, mode="optimistic", tidy=False)
        bound = opt.harm.harm_after
        checks.append("lower bound: the optimistic optimum (never above the pessimistic one)")
        if claimed is not None and claimed > exact + tol:
            notes.append("the pessimistic value is certified for the plan but optimality over "
                         "all plans rests on the ε tie-break; see the gap to the bound")
    if bound is not None and exact < bound - tol:
        raise CertificateError(f"the plan's harm {exact:.10g} is below the proven bound "
                               f"{bound:.10g}")
    gap = relative_gap(exact, bound, scale)
    cert = Certificate(True, exact, claimed, bound, gap, tol, tuple(checks))
    t_checked = time.perf_counter()

    def by_comm(rs: list[HarmRange], which: str, harm: bool) -> dict[str, float]:
        out: dict[str, float] = {}
        for p, r, n in zip(problem.probabilities, rs, nets):
            sol = r.response(which)
            for k, dd, h in zip(n.del_comm, sol.delivered, n.del_harm):
                key = n.comm_ids[k]
                out[key] = out.get(key, 0.0) + p * float(dd * (h if harm else 1.0))
        return out

    probs = problem.probabilities.tolist()
    before_r = [Response.from_solution(n, b.response(mode)) for n, b in zip(nets, before)]
    after_r = [Response.from_solution(n, a.response(mode)) for n, a in zip(nets, ranges)]
    summary = HarmSummary(
        mode=mode, harm_before=harm_before, harm_after=exact,
        optimistic_after=_combine_harm(problem, ranges, "optimistic"),
        pessimistic_after=_combine_harm(problem, ranges, "pessimistic"),
        bound=bound, gap=gap, by_commodity_before=by_comm(before, mode, True),
        by_commodity_after=by_comm(ranges, mode, True), epsilon=float(milp.epsilon))
    outcomes = tuple(
        ScenarioOutcome(sc.id, sc.probability, sc.members, b.value, a.value,
                        rb.delivered_by_commodity, ra.delivered_by_commodity)
        for sc, b, a, rb, ra in zip(problem.scenarios, before, ranges, before_r, after_r)
    ) if problem.stochastic else ()
    if not optimal:
        notes.append(f"solver stopped on {raw.termination.value}: best plan found, not proven "
                     "optimal")
    return InterdictionResult(
        instance=problem.instance.name, instance_path=problem.instance.path,
        termination=raw.termination,
        status=raw.status if raw.values is not None else SolutionStatus.FEASIBLE,
        plan=plan, actions=chosen_actions(net, plan), spend=spend,
        budgets={r: float(b) for r, b in zip(net.resource_ids, net.budgets)},
        value_before=value_before, value_after=problem.combine([r.value for r in ranges]),
        bound=bound, gap=gap,
        before=Response.expected(list(zip(probs, before_r))),
        after=Response.expected(list(zip(probs, after_r))),
        certificate=cert,
        timings=Timings(build=build_s, solve=solve_s, check=t_checked - t0 - build_s - solve_s
                        - (t_base - t0), baseline=t_base - t0, total=time.perf_counter() - t0),
        model_size=milp.model.summary(), node_count=raw.node_count,
        method=f"harm-{mode}-milp/highs", options=options.to_dict(), notes=tuple(notes),
        risk=problem.risk if problem.stochastic else "expected",
        cvar_alpha=problem.alpha if problem.stochastic and problem.risk == "cvar" else None,
        scenarios=outcomes, harm=summary,
    )
