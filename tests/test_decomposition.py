"""The decomposition methods agree with the dual MILP and with enumeration, and their
oracles' cuts are valid lower bounds on V(x) for every plan, tight where computed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from optimizer import SolveOptions, compile_instance, solve
from optimizer.certify.enumerate import enumerate_plans, feasible_plans
from optimizer.certify.response import solve_smuggler
from optimizer.cli import main
from optimizer.decomposition import (
    LPOracle,
    MaxFlowOracle,
    ShortestPathOracle,
    max_flow_structure,
    shortest_path_structure,
    solve_decomposed,
)
from optimizer.instance.generators.grid import grid_instance, layered_instance
from optimizer.instance.writer import write_instance

from helpers import assert_certified, valid_random_instance

METHODS = ("benders", "benders-basic")


def _tol(r):
    return 1e-6 * max(1.0, abs(r.value_before))


def _check_cuts(net, oracle, n_points=12, seed=0):
    """Every cut from every evaluated plan is ≤ V(x) at every feasible plan and = V(x̂)
    at its own plan; the oracle's V equals the smuggler's LP."""
    plans = list(feasible_plans(net))
    rng = np.random.default_rng(seed)
    points = [plans[i] for i in rng.choice(len(plans), size=min(n_points, len(plans)),
                                            replace=False)]
    truth = {tuple(x): solve_smuggler(net, x).value for x in plans}
    scale = max(1.0, abs(truth[tuple(np.zeros(net.n_binaries))]))
    for xh in points:
        v, cuts = oracle.evaluate(xh)
        assert v == pytest.approx(truth[tuple(xh)], abs=1e-7 * scale)
        assert cuts[0].at(xh) == pytest.approx(v, abs=1e-6 * scale)
        for c in cuts:
            assert np.all(c.coef >= 0)
            for x in plans:
                assert c.at(x) <= truth[tuple(x)] + 1e-6 * scale


def test_shortest_path_oracle_cuts_are_valid():
    net = compile_instance(grid_instance(2, 3, budget=2, seed=1))
    assert shortest_path_structure(net) and not max_flow_structure(net)
    oracle = ShortestPathOracle(net)
    assert oracle.integral
    _check_cuts(net, oracle)


def test_shortest_path_oracle_extra_paths_are_valid():
    net = compile_instance(grid_instance(3, 3, budget=1, seed=3))
    oracle = ShortestPathOracle(net)
    plans = [np.zeros(net.n_binaries)] + [np.eye(net.n_binaries)[b] for b in range(net.n_binaries)]
    truth = {tuple(x): solve_smuggler(net, x).value for x in plans}
    v0 = truth[tuple(plans[0])]
    v, cuts = oracle.evaluate(plans[0], target=v0 - 15)
    assert v == v0
    assert len(cuts) > 1  # other routes that still beat the target were found
    for c in cuts:
        for x in plans:
            assert c.at(x) <= truth[tuple(x)] + 1e-9


def test_max_flow_oracle_cuts_are_valid():
    net = compile_instance(grid_instance(3, 2, budget=2, seed=2, kind="max_flow"))
    assert max_flow_structure(net) and not shortest_path_structure(net)
    _check_cuts(net, MaxFlowOracle(net))


@pytest.mark.parametrize("i", range(4))
def test_lp_oracle_cuts_are_valid(i):
    net = compile_instance(valid_random_instance(i))
    _check_cuts(net, LPOracle(net, SolveOptions()))


def test_lp_oracle_on_layered_and_grid():
    net = compile_instance(layered_instance(1, seed=1, action_share=0.3))
    _check_cuts(net, LPOracle(net, SolveOptions()), n_points=6)
    net = compile_instance(grid_instance(2, 3, budget=2, seed=1))
    _check_cuts(net, LPOracle(net, SolveOptions()), n_points=6)


@pytest.mark.parametrize("i", range(12))
def test_decomposition_equals_enumeration_on_random_instances(i):
    net = compile_instance(valid_random_instance(i))
    best = enumerate_plans(net).best_value
    for method in METHODS:
        r = solve(net, SolveOptions(method=method))
        assert_certified(r)
        assert r.value_after == pytest.approx(best, abs=_tol(r)), method
        assert r.bound <= r.value_after + _tol(r)


@pytest.mark.parametrize("kind", ["shortest_path", "max_flow"])
@pytest.mark.parametrize("shape,budget", [((2, 3), 1), ((3, 2), 2), ((2, 3), 3)])
def test_grids_all_methods_equal_enumeration(kind, shape, budget):
    net = compile_instance(grid_instance(*shape, budget=budget, seed=budget, kind=kind))
    best = enumerate_plans(net).best_value
    for method in ("dual",) + METHODS:
        r = solve(net, SolveOptions(method=method))
        assert r.optimal and r.value_after == pytest.approx(best, abs=_tol(r)), method
    oracle = "shortest-path" if kind == "shortest_path" else "max-flow"
    assert solve(net, SolveOptions(method="benders")).method == f"benders-covering/{oracle}"


@pytest.mark.slow
@pytest.mark.parametrize("kind,rows,budget", [("shortest_path", 8, 4), ("shortest_path", 10, 5),
                                              ("max_flow", 6, 3)])
def test_grids_decomposition_equals_dual(kind, rows, budget):
    net = compile_instance(grid_instance(rows, rows, budget=budget, seed=5, kind=kind))
    d = solve(net, SolveOptions(method="dual"))
    for method in METHODS:
        r = solve(net, SolveOptions(method=method))
        assert r.optimal and r.value_after == pytest.approx(d.value_after, abs=_tol(d)), method


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layered_all_methods_agree(seed):
    net = compile_instance(layered_instance(1, seed=seed, action_share=0.3))
    d = solve(net, SolveOptions(method="dual"))
    assert d.optimal
    if seed == 0:
        assert enumerate_plans(net).best_value == pytest.approx(d.value_after, abs=_tol(d))
    for method in METHODS:
        r = solve(net, SolveOptions(method=method))
        assert_certified(r)
        assert r.value_after == pytest.approx(d.value_after, abs=_tol(d)), method


def test_layered_scale_two_dual_and_covering_agree():
    net = compile_instance(layered_instance(2, seed=4))
    d = solve(net, SolveOptions(method="dual"))
    r = solve(net, SolveOptions(method="benders"))
    assert r.value_after == pytest.approx(d.value_after, abs=_tol(d))


def test_example_instance_all_methods_agree():
    d = solve("docs/example.yaml", SolveOptions(method="dual"))
    for method in METHODS:
        r = solve("docs/example.yaml", SolveOptions(method=method))
        assert r.value_after == pytest.approx(d.value_after, abs=_tol(d))
        assert r.plan == d.plan


def test_auto_method_picks_by_structure():
    sp = solve(grid_instance(4, 4, budget=2), SolveOptions(method="auto"))
    mf = solve(grid_instance(4, 4, budget=2, kind="max_flow"), SolveOptions(method="auto"))
    assert sp.method.startswith("benders-covering/") and mf.method.startswith("dual-milp/")


def test_time_limit_returns_certified_plan_with_valid_bound():
    net = compile_instance(grid_instance(30, 30, budget=10, seed=0))
    out = solve_decomposed(net, SolveOptions(time_limit=0.3))
    assert out.termination.value == "time_limit"
    v = solve_smuggler(net, out.x).value
    assert v == pytest.approx(out.value)
    assert out.bound is not None and out.bound <= v + 1e-6
    r = solve(net, SolveOptions(time_limit=0.3, method="benders"))
    assert_certified(r, optimal=False)
    assert not r.optimal and r.bound <= r.value_after


def test_cli_solve_method_benders(tmp_path):
    path = tmp_path / "grid.yaml"
    write_instance(grid_instance(6, 6, budget=3, seed=2), path)
    runner = CliRunner()
    outs = {}
    for method in ("dual", "benders"):
        res = runner.invoke(main, ["solve", str(path), "--method", method, "-q", "--json",
                                   str(tmp_path / f"{method}.json")])
        assert res.exit_code == 0, res.output
        outs[method] = json.loads((tmp_path / f"{method}.json").read_text())
    assert outs["benders"]["method"] == "benders-covering/shortest-path"
    assert "smuggler's value = MILP objective (optimal)" in outs["benders"]["certificate"]["checks"]
    assert outs["benders"]["value_after"] == pytest.approx(outs["dual"]["value_after"])
    res = runner.invoke(main, ["solve", str(path), "--method", "benders", "--backend", "pyomo"])
    assert res.exit_code == 2 and "HiGHS" in res.output
