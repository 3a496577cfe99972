"""Data → formulation → solve → certificate → results, in one place.

    result = solve("instances/mexico_us.yaml", SolveOptions(time_limit=60))

``solve`` compiles the instance (every scenario, if it has any), solves the smuggler's LP
with no action (the "before" picture), states the defender's MILP
(``formulation.interdiction``), hands it to HiGHS (``solvers``), re-solves the smuggler's
LP with the plan fixed in every scenario (``certify``) and returns a typed
``InterdictionResult``. A plan that fails the certificate raises; a time limit returns the
best plan found with its proven bound and gap.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Mapping

import numpy as np

from .certify.certificate import certify_plan
from .errors import SolveError, UnboundedError
from .formulation.interdiction import InterdictionMILP, ScenarioMILP, build_interdiction_milp, \
    build_problem_milp
from .instance.model import Instance
from .instance.yaml_io import load_instance
from .compile.network import CompiledNetwork, Plan
from .compile.problem import DefenderProblem, ScenarioNet, build_problem
from .certify.response import SmugglerSession, solve_smuggler
from .results.types import ChosenAction, InterdictionResult, Response, ScenarioOutcome, Timings
from .solvers.highs import HighsSession, RawSolution
from .options import SolutionStatus, SolveOptions, Termination
from .certify.tidy import drop_redundant

Source = Instance | CompiledNetwork | DefenderProblem | str | Path


def as_problem(source: Source, budgets: Mapping[str, float] | None = None, *,
               risk: str | None = None, alpha: float | None = None) -> DefenderProblem:
    """Load / compile whatever the caller has into a defender's problem."""
    if isinstance(source, (str, Path)):
        source = load_instance(source)
    if isinstance(source, Instance):
        return build_problem(source, risk=risk, alpha=alpha, budgets=budgets)
    if isinstance(source, CompiledNetwork):
        net = source.with_budgets(budgets) if budgets else source
        return DefenderProblem(net.instance, [ScenarioNet("base", 1.0, net, ("base",))])
    problem = source
    if risk is not None or alpha is not None:
        from dataclasses import replace

        problem = replace(problem, risk=risk or problem.risk,
                          alpha=problem.alpha if alpha is None else alpha)
    return problem.with_budgets(budgets) if budgets else problem


def as_network(source: Source, budgets: Mapping[str, float] | None = None) -> CompiledNetwork:
    """The compiled network of a single-scenario source."""
    problem = as_problem(source, budgets)
    if problem.stochastic:
        raise SolveError("this instance has scenarios: use the scenario-aware functions")
    return problem.net


def build_milp(source: Source) -> ScenarioMILP:
    """The defender's MILP (exposed for users who want to inspect or export it)."""
    return build_problem_milp(as_problem(source))


def solve(source: Source, options: SolveOptions | None = None, *,
          budgets: Mapping[str, float] | None = None,
          write_model: str | Path | None = None, tidy: bool = True,
          risk: str | None = None, alpha: float | None = None) -> InterdictionResult:
    """Find the plan that leaves the smuggler the least, certify it, and describe it.

    ``risk`` (expected | worst | cvar) and ``alpha`` override the instance's choice for
    scenarios. ``tidy`` drops actions the plan pays for without changing the value
    (``tidy.drop_redundant``); the value, bound and certificate are unaffected."""
    options = options or SolveOptions()
    t_start = time.perf_counter()
    problem = as_problem(source, budgets, risk=risk, alpha=alpha)
    net = problem.net
    t_compiled = time.perf_counter()

    base = [solve_smuggler(sc.net, None, options) for sc in problem.scenarios]
    value_before = problem.combine([b.value for b in base])
    t_base = time.perf_counter()
    scale = max(1.0, abs(value_before))

    method = resolve_method(problem, options)
    if method == "dual":
        milp = build_problem_milp(problem)
        model_size = milp.model.summary()
        raw, build_extra = _solve_milp(milp, options, write_model)
        x_start = milp.x_start
        method_name = f"dual-milp/{options.backend}"
    else:
        raw, build_extra, model_size, method_name = _solve_decomposed(net, options, method,
                                                                      write_model)
        x_start = 0
    t_solved = time.perf_counter()

    if raw.termination in (Termination.INFEASIBLE, Termination.UNBOUNDED,
                           Termination.INFEASIBLE_OR_UNBOUNDED, Termination.ERROR):
        # the plan "no action" is feasible when budgets are ≥ 0, so the dual MILP can only
        # fail through an unbounded smuggler, which the baseline already rules out
        raise SolveError(f"the defender's MILP ended {raw.termination.value} ({raw.message}): "
                         "this should not happen for a validated instance; please report it")
    if raw.values is None:
        # stopped (time limit …) before any plan: the best plan known is "no action"
        x = np.zeros(net.n_binaries)
        claimed = None
    else:
        x = raw.values[x_start:x_start + net.n_binaries]
        claimed = raw.objective
    plan = Plan.from_binaries(net, x)
    optimal = raw.status == SolutionStatus.OPTIMAL

    notes: list[str] = []
    if tidy and plan.levels:
        # one warm-started LP per scenario block for all the trial plans
        lps = [SmugglerSession(sc.net, options) for sc in problem.scenarios]

        def evaluate(p: Plan) -> float:
            xb = p.binaries(net)
            return problem.combine([lp.solve(xb).value for lp in lps])

        plan, notes = drop_redundant(net, plan, evaluate(plan), 1e-7 * scale, options, evaluate)
    cert, after = certify_plan([sc.net for sc in problem.scenarios], problem.combine, plan,
                               claimed=claimed, bound=raw.bound, optimal=optimal, scale=scale,
                               options=options)
    t_checked = time.perf_counter()

    if not optimal:
        notes.append(f"solver stopped on {raw.termination.value}: best plan found, not proven "
                     f"optimal (gap {cert.gap:.3%})" if cert.gap is not None else
                     f"solver stopped on {raw.termination.value}: best plan found, no bound")
    before_r = [Response.from_solution(sc.net, b) for sc, b in zip(problem.scenarios, base)]
    after_r = [Response.from_solution(sc.net, a) for sc, a in zip(problem.scenarios, after)]
    probs = problem.probabilities
    outcomes = tuple(
        ScenarioOutcome(sc.id, sc.probability, sc.members, b.value, a.value,
                        rb.delivered_by_commodity, ra.delivered_by_commodity)
        for sc, b, a, rb, ra in zip(problem.scenarios, base, after, before_r, after_r)
    ) if problem.stochastic else ()
    build_time = (t_compiled - t_start) + build_extra
    return InterdictionResult(
        instance=problem.instance.name,
        instance_path=problem.instance.path,
        termination=raw.termination,
        status=raw.status if raw.values is not None else SolutionStatus.FEASIBLE,
        plan=plan,
        actions=chosen_actions(net, plan),
        spend=plan.spend(net),
        budgets={r: float(b) for r, b in zip(net.resource_ids, net.budgets)},
        value_before=value_before,
        value_after=cert.plan_value,
        bound=raw.bound,
        gap=cert.gap,
        before=Response.expected(list(zip(probs.tolist(), before_r))),
        after=Response.expected(list(zip(probs.tolist(), after_r))),
        certificate=cert,
        timings=Timings(build=build_time, solve=raw.seconds, check=t_checked - t_solved,
                        baseline=t_base - t_compiled, total=time.perf_counter() - t_start),
        model_size=model_size,
        node_count=raw.node_count,
        method=method_name,
        options=options.to_dict(),
        notes=tuple(notes),
        risk=problem.risk if problem.stochastic else "expected",
        cvar_alpha=problem.alpha if problem.stochastic and problem.risk == "cvar" else None,
        scenarios=outcomes,
    )


def _solve_milp(milp: ScenarioMILP | InterdictionMILP, options: SolveOptions,
                write_model: str | Path | None) -> tuple[RawSolution, float]:
    """Hand the MILP to the chosen backend; return the raw solution and the time spent
    building (stating + loading) beyond compilation."""
    t0 = time.perf_counter()
    if options.backend == "pyomo":
        from .solvers.pyomo_backend import solve_pyomo

        if write_model is not None:
            HighsSession(milp.model, options).write(write_model)
        raw = solve_pyomo(milp.model, options)
        # Pyomo's build time is inside its solve call: report it as build
        total = time.perf_counter() - t0
        return raw, max(0.0, total - raw.seconds)
    if options.backend != "highs":
        raise SolveError(f"unknown backend {options.backend!r} (use 'highs' or 'pyomo')")
    session = HighsSession(milp.model, options)
    if write_model is not None:
        session.write(write_model)
    # No MIP start here: HiGHS 1.16 can mis-evaluate a partial start after presolve and
    # report it optimal with the objective of the reduced space (seen on a 5-node
    # instance: start "no action" worth 11.1 reported as 0). The certificate catches such
    # answers; not offering the start avoids them. Without a plan at the time limit, the
    # engine falls back to "no action", which is always feasible.
    build = time.perf_counter() - t0
    raw = session.solve()
    return raw, build


METHODS = ("dual", "benders", "benders-basic", "auto")


def resolve_method(problem: DefenderProblem, options: SolveOptions) -> str:
    """The method to run: ``options.method``, with "auto" → "benders" where the instance
    has shortest-path structure (the covering decomposition's home ground, where the dual
    MILP's LP relaxation is weak) and "dual" elsewhere (e.g. max-flow interdiction, where
    Wood's dual MILP is solved at the root). The decomposition handles one scenario; with
    scenarios "auto" is "dual"."""
    if options.method not in METHODS:
        raise SolveError(f"unknown method {options.method!r} (use one of {', '.join(METHODS)})")
    if options.method != "dual" and len(problem.scenarios) > 1:
        if options.method == "auto":
            return "dual"
        raise SolveError(f"method {options.method!r} solves single-scenario instances; this "
                         "one has scenarios (use --method dual, or --scenario ID)")
    if options.method == "auto":
        from .decomposition import shortest_path_structure  # imports csgraph: only here

        return "benders" if shortest_path_structure(problem.net) else "dual"
    return options.method


def _solve_decomposed(net: CompiledNetwork, options: SolveOptions, method: str,
                      write_model: str | Path | None
                      ) -> tuple[RawSolution, float, dict[str, int], str]:
    """Run the decomposition; return its answer as a RawSolution over the binaries only,
    the time spent before the first master solve, the size of the master, the method name."""
    from .decomposition import solve_decomposed

    if options.backend != "highs":
        raise SolveError("the decomposition methods run on HiGHS directly (use --backend highs)")
    if write_model is not None:  # the exported model is the monolithic MILP
        HighsSession(build_interdiction_milp(net).model, options).write(write_model)
    out = solve_decomposed(net, options, covering=(method == "benders"))
    gap = None
    if out.bound is not None:
        gap = max(0.0, out.value - out.bound) / max(abs(out.value), 1e-9)
    raw = RawSolution(out.termination, out.status, out.x.copy(), out.value, out.bound, gap,
                      out.master_nodes, out.seconds - out.build_seconds,
                      f"{out.iterations} iterations, {out.cuts} cuts")
    size = {"columns": net.n_binaries, "rows": len(net.resource_ids), "integer_columns":
            net.n_binaries, "nonzeros": int(np.count_nonzero(net.binary_cost)),
            "cuts": out.cuts, "iterations": out.iterations, "cut_rows": out.rows_added,
            "row_add_us": int(round(1e6 * out.add_seconds / max(out.rows_added, 1))),
            "master_ms": int(round(1e3 * out.master_seconds)),
            "oracle_ms": int(round(1e3 * out.oracle_seconds))}
    kind = "benders-covering" if method == "benders" else "benders-basic"
    return raw, out.build_seconds, size, f"{kind}/{out.oracle}"


def chosen_actions(net: CompiledNetwork, plan: Plan) -> tuple[ChosenAction, ...]:
    by_id = {a.id: a for a in net.instance.actions}
    out = []
    for action_id, level in plan.levels:
        act = by_id[action_id]
        lv = act.levels[level - 1]
        out.append(ChosenAction(action_id, level, lv.label, act.name,
                                {r: float(lv.cost.get(r, 0.0)) for r in net.resource_ids}))
    return tuple(out)


def evaluate_plan(source: Source, plan: Plan | Mapping[str, int],
                  options: SolveOptions | None = None,
                  budgets: Mapping[str, float] | None = None) -> float:
    """The smuggler's optimal value against ``plan`` (combined over scenarios by the risk
    measure; budgets are not enforced here)."""
    problem = as_problem(source, budgets)
    plan = plan if isinstance(plan, Plan) else Plan.of(plan)
    x = plan.binaries(problem.net)
    return problem.combine([solve_smuggler(sc.net, x, options).value for sc in problem.scenarios])


__all__ = ["solve", "as_problem", "as_network", "build_milp", "build_interdiction_milp",
           "evaluate_plan", "UnboundedError"]
