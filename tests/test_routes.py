"""The route decomposition (decomposition.path_master) for shortest-path and evasion
instances with scenarios: star cuts valid for every plan and tight where separated, the
optimum equal to enumeration (small random instances, every risk measure), to the dual
MILP (medium ones) and to the published SNIP optimum; ``--method auto`` picks it."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import SolveOptions, load_instance, solve
from optimizer.certify.enumerate import enumerate_plans, feasible_plans
from optimizer.certify.response import solve_smuggler
from optimizer.compile.problem import build_problem
from optimizer.decomposition import PathOracle, path_kind
from optimizer.decomposition.star import RoutePool
from optimizer.options import Method
from optimizer.pipeline import resolve_method

from helpers import SHIPPED, assert_certified, evasion, random_route_instance

KINDS = ("evasion", "shortest-path")


def lp_values(problem, x):
    """Per (block, source): the value of one unit by the engine's own smuggler LP, with the
    block's supplies replaced by one unit at that source (an oracle independent of Dijkstra)."""
    from dataclasses import replace

    out = []
    for sc in problem.scenarios:
        net = sc.net
        for s in np.unique(net.sup_node):
            amount = np.where(net.sup_node == s, 1.0, 0.0)
            amount = amount / max(amount.sum(), 1.0)
            out.append(solve_smuggler(replace(net, sup_amount=amount), x).value)
    return np.array(out)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(6))
def test_oracle_values_equal_the_smuggler_lp(kind, seed):
    problem = build_problem(random_route_instance(seed, kind))
    oracle = PathOracle(problem)
    assert path_kind(problem) == kind
    for x in list(feasible_plans(problem.net))[:12]:
        got = oracle.source_values(x)
        assert got == pytest.approx(lp_values(problem, x), abs=1e-9)
        expected = problem.combine([solve_smuggler(sc.net, x).value for sc in problem.scenarios])
        assert oracle.objective(got) == pytest.approx(expected, abs=1e-9)


def _rhs(rows, x):
    out = rows.const.copy()
    for i in range(len(rows)):
        sl = slice(rows.ptr[i], rows.ptr[i + 1])
        out[i] -= rows.coefs[sl] @ x[rows.binaries[sl]]
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(6))
def test_star_cuts_valid_for_every_plan_and_tight_where_separated(kind, seed):
    problem = build_problem(random_route_instance(seed, kind, n_actions=7))
    oracle = PathOracle(problem)
    pool = RoutePool(oracle)
    rng = np.random.default_rng(seed)
    plans = list(feasible_plans(problem.net))
    truth = np.array([oracle.source_values(x) for x in plans])
    for x in plans[:: max(1, len(plans) // 6)]:  # routes of a few plans, lengths at several μ
        for mu in (0.0, 1.0, 30.0):
            pool.add(oracle.routes(x, mu))
    points = [plans[int(i)] for i in rng.integers(len(plans), size=4)]
    points += [rng.random(problem.net.n_binaries) * 0.7 for _ in range(4)]
    for point in points:
        rows = pool.separate(point)
        assert _rhs(rows, point) == pytest.approx(rows.rhs_at_point, abs=1e-12)
        for x, v in zip(plans, truth):  # valid: never above the value of any plan
            assert np.all(_rhs(rows, x) <= v[rows.od] + 1e-12)
    for x in plans[:6]:  # tight at a binary plan once its best routes are in the pool
        pool.add(oracle.routes(x, 1.0))
        rows = pool.separate(x)
        assert rows.rhs_at_point == pytest.approx(oracle.source_values(x)[rows.od], abs=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed,budget", [(0, 1), (1, 2), (2, 3), (3, 2), (4, 4), (5, 1),
                                         (6, 2), (7, 3)])
def test_routes_equal_enumeration(kind, seed, budget):
    inst = random_route_instance(seed, kind, budget=budget, n_scenarios=2 + seed % 3)
    best = enumerate_plans(build_problem(inst)).best_value
    r = solve(inst, SolveOptions(method="benders"))
    assert r.method.startswith("benders-routes/")
    assert_certified(r)
    assert r.value_after == pytest.approx(best, abs=1e-7)


@pytest.mark.parametrize("risk", ["worst", "cvar"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_routes_equal_enumeration_worst_and_cvar(risk, kind, seed):
    inst = random_route_instance(seed + 10, kind, budget=2, n_scenarios=4)
    best = enumerate_plans(build_problem(inst, risk=risk, alpha=0.7)).best_value
    r = solve(inst, SolveOptions(method="benders"), risk=risk, alpha=0.7)
    assert r.method.startswith("benders-routes/")
    assert_certified(r)
    assert r.value_after == pytest.approx(best, abs=1e-7)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_routes_equal_dual_milp_on_medium_instances(kind, seed):
    inst = random_route_instance(100 + seed, kind, n_scenarios=8, budget=4, n_actions=16)
    dual = solve(inst, SolveOptions(method="dual"))
    routes = solve(inst, SolveOptions(method="benders"))
    assert_certified(dual)
    assert_certified(routes)
    assert routes.value_after == pytest.approx(dual.value_after, abs=1e-6)


def test_auto_picks_routes_for_stochastic_evasion_and_shortest_path():
    for inst in (evasion(), random_route_instance(0, "evasion"),
                 random_route_instance(0, "shortest-path")):
        problem = build_problem(inst)
        assert problem.stochastic
        assert resolve_method(problem, SolveOptions(method="auto")) == Method.BENDERS
    r = solve(evasion(), SolveOptions(method="auto"))
    assert r.method == "benders-routes/routes-evasion"
    assert_certified(r)
    assert r.value_after == pytest.approx(enumerate_plans(build_problem(evasion())).best_value,
                                          abs=1e-9)


def test_auto_keeps_the_dual_milp_without_route_structure():
    problem = build_problem(load_instance(SHIPPED))
    assert path_kind(problem) is None
    assert resolve_method(problem, SolveOptions(method="auto")) == Method.DUAL


def test_small_snip_case_equals_published_optimum():
    """SNIP instance 0, 30 sensors: the relaxation with star cuts is tight here, so the
    route decomposition proves the published optimum within seconds."""
    from optimizer.instance.snip import dijkstra_value, published_optima, read_snip

    ref = next(r for r in published_optima() if (r.instance, r.budget) == (0, 30))
    r = solve(read_snip(instance=0, snipno=3, budget=30), SolveOptions(method="auto"))
    assert r.method == "benders-routes/routes-evasion"
    assert_certified(r)
    assert r.value_after == pytest.approx(ref.best_known, abs=1e-9)
    assert dijkstra_value(r.plan.as_dict(), instance=0) == pytest.approx(r.value_after, abs=1e-12)


@pytest.mark.parametrize("backend", ["highs", "pyomo"])
def test_session_cutoff_prunes_plans_no_better(backend):
    """min 3a + 2b + 4c s.t. a + b + c ≥ 2 (binaries): optimum 5 at a = b = 1 (by hand).
    A cutoff above 5 keeps it; at or below 5 no plan is left and the MIP ends infeasible;
    None lifts the cutoff."""
    from optimizer.formulation.blocks import LinearModel
    from optimizer.options import Termination
    from optimizer.solvers.base import open_session

    m = LinearModel("cutoff", sense="min")
    x = m.add_vars("x", 3, ub=1.0, obj=[3.0, 2.0, 4.0], integer=True)
    m.add_rows("cover", 1, [0, 0, 0], x.cols, [1.0, 1.0, 1.0], lo=2.0)
    session = open_session(m, SolveOptions(backend=backend))
    session.set_cutoff(5.5)
    raw = session.solve()
    assert raw.termination == Termination.OPTIMAL and raw.objective == pytest.approx(5.0)
    session.set_cutoff(5.0 - 1e-6)
    assert session.solve().termination == Termination.INFEASIBLE
    session.set_cutoff(None)
    assert session.solve().objective == pytest.approx(5.0)


def _knapsack_cover(seed: int, n: int = 24):
    """min c·x s.t. w·x ≥ W, x binary, with integer weights, and its optimum by dynamic
    programming over the weight covered (an oracle independent of the solver)."""
    from optimizer.formulation.blocks import LinearModel

    rng = np.random.default_rng(seed)
    w = rng.integers(3, 30, size=n)
    c = w * rng.uniform(0.8, 1.2, size=n)
    W = int(w.sum() // 2)
    best = np.full(W + 1, np.inf)  # best[k]: least cost covering at least k
    best[0] = 0.0
    for wi, ci in zip(w.tolist(), c.tolist()):
        for k in range(W, -1, -1):
            best[k] = min(best[k], best[max(0, k - wi)] + ci)
    m = LinearModel("knapsack", sense="min")
    x = m.add_vars("x", n, ub=1.0, obj=c, integer=True)
    m.add_rows("cover", 1, np.zeros(n, np.int64), x.cols, w.astype(float), lo=float(W))
    return m, c, w, W, float(best[W])


@pytest.mark.parametrize("seed", range(3))
def test_session_watch_sees_improving_plans_and_can_stop_the_solve(seed):
    from optimizer.options import Termination
    from optimizer.solvers.base import open_session

    m, c, w, W, best = _knapsack_cover(seed)
    session = open_session(m, SolveOptions(backend="highs", extra={"presolve": "off"}))
    seen: list[tuple[np.ndarray, float]] = []
    session.watch_solutions(lambda v, obj: seen.append((v.copy(), obj)) is not None)
    raw = session.solve()
    assert raw.termination == Termination.OPTIMAL and raw.objective == pytest.approx(best)
    assert seen and seen[-1][1] == pytest.approx(best)
    for values, obj in seen:  # each a feasible plan with its own objective, each better
        assert values @ w >= W - 1e-6 and values @ c == pytest.approx(obj)
    assert all(b[1] < a[1] for a, b in zip(seen, seen[1:]))
    stops: list[float] = []
    session.watch_solutions(lambda v, obj: stops.append(obj) is None)  # stop asked at once
    raw = session.solve()  # it takes effect at HiGHS's next interrupt callback
    assert raw.termination == Termination.INTERRUPTED and stops
    assert raw.objective == pytest.approx(min(stops))
    session.watch_solutions(None)  # the stop asked above does not leak into this solve
    session.search_for_bound(True)
    raw = session.solve()
    assert raw.termination == Termination.OPTIMAL and raw.objective == pytest.approx(best)


def test_pyomo_session_refuses_to_watch_and_searches_for_bound():
    from optimizer.errors import SolveError
    from optimizer.solvers.base import open_session

    m, _, _, _, best = _knapsack_cover(0)
    session = open_session(m, SolveOptions(backend="pyomo"))
    with pytest.raises(SolveError, match="HiGHS backend"):
        session.watch_solutions(lambda v, obj: False)
    session.search_for_bound(True)
    assert session.solve().objective == pytest.approx(best)


def test_gap_closes_when_the_bound_is_the_cutoff_itself():
    """The rounds cut off plans not better than U − δ; when HiGHS prunes every plan below
    that cutoff the lower bound is U − δ, and U − (U − δ) rounds a hair above δ for some U
    (this one is SNIP instance 0, B = 70's optimum, where the rounds went on excluding
    plans one by one until the time limit): the gap must count as closed."""
    from optimizer.decomposition.path_master import _RouteRun

    problem = build_problem(random_route_instance(3))
    run = _RouteRun(problem, SolveOptions(rel_gap=1e-6))
    run.U = 0.15010833319581413
    cutoff = run.U - run.delta()
    assert run.U - cutoff > run.delta()  # the rounding this test is about
    run.LB = cutoff
    assert run.gap_closed()
    run.LB = run.U - 2 * run.delta()
    assert not run.gap_closed()
