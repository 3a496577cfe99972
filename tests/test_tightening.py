"""The dual MILP's tightenings (docs/model.md §5) against independent oracles: every plan
of small random instances enumerated with the smuggler's LP (``certify.enumerate``), which
never uses the MILP."""

from __future__ import annotations

import pytest

from optimizer import InstanceError, compile_instance, solve
from optimizer.certify.enumerate import enumerate_plans
from optimizer.compile.problem import build_problem

from helpers import random_instance, random_stochastic, with_markets, with_node_raids


def _raided(seed: int, markets: bool = False):
    try:
        inst = with_node_raids(random_instance(seed), seed)
        return with_markets(inst, seed) if markets else inst
    except InstanceError:
        return None


SEEDS = [s for s in range(40) if _raided(s) is not None][:14]


def test_both_sides_of_a_node_removal_are_exercised():
    """The seeds below remove nodes stated on their in side and on their out side."""
    sides = set()
    for seed in SEEDS:
        sides.update(compile_instance(_raided(seed)).dual_removals().side.values())
    assert sides == {"in", "out"}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("markets", [False, True])
def test_node_removals_on_one_side_keep_the_optimum(seed, markets):
    inst = _raided(seed, markets)
    if inst is None:
        pytest.skip("curves make this instance invalid")
    net = compile_instance(inst)
    oracle = enumerate_plans(net)
    r = solve(net)
    tol = 1e-6 * max(1.0, abs(r.value_before))
    assert r.optimal
    assert r.value_after == pytest.approx(oracle.best_value, abs=tol)
    assert oracle.values[r.plan] == pytest.approx(r.value_after, abs=tol)


@pytest.mark.parametrize("seed", [0, 3, 7, 11])
def test_node_removals_with_scenarios(seed):
    try:
        inst = random_stochastic(seed)
        inst = with_node_raids(inst, seed)
    except InstanceError:
        pytest.skip("invalid combination")
    problem = build_problem(inst)
    oracle = enumerate_plans(problem)
    r = solve(problem)
    tol = 1e-6 * max(1.0, abs(r.value_before))
    assert r.value_after == pytest.approx(oracle.best_value, abs=tol)


@pytest.mark.slow
def test_shipped_instance_same_optimum_with_removals_on_both_sides():
    """The shipped instance (three lab raids, four scenarios): the dual MILP with every
    removal stated, as before, has the optimum of the one-sided one."""
    from optimizer.compile.network import dual_removals
    from optimizer.pipeline import as_problem

    from helpers import SHIPPED

    new = solve(as_problem(SHIPPED))
    problem = as_problem(SHIPPED)
    for sc in problem.scenarios:
        sc.net._cache["dual_removals"] = dual_removals(sc.net, one_sided=False)
        assert set(sc.net.dual_removals().side.values()) == {"both"}
    old = solve(problem)
    assert new.optimal and old.optimal
    assert new.value_after == pytest.approx(old.value_after, rel=1e-6)
