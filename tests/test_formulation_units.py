"""Unit tests of the formulation's blocks and of tidying, against the smuggler's LP."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.certify.evaluate import ValueEvaluator
from optimizer.certify.response import solve_smuggler
from optimizer.certify.tidy import drop_redundant
from optimizer.compile.network import Plan, compile_instance
from optimizer.formulation.blocks import LinearModel
from optimizer.formulation.interdiction import add_actions, add_dual_block, set_objective
from optimizer.pipeline import as_problem
from optimizer.solvers.base import solve_once

from helpers import Resource, action, arc, instance, market, valid_random_instance


def dual_block_value(net, x: np.ndarray) -> float:
    """min of the dual block's objective with the binaries fixed at ``x``."""
    m = LinearModel("dual-at-plan", sense="min")
    xs, budget = add_actions(m, net)
    budget.hi[:] = np.inf  # any plan, within budget or not: the dual block does not care
    xs.lb[:] = x
    xs.ub[:] = x
    block = add_dual_block(m, net, xs.start)
    set_objective(m, block.obj_cols, block.obj_coefs)
    raw = solve_once(m)
    assert raw.objective is not None
    return float(raw.objective)


@pytest.mark.parametrize("i", range(12))
def test_dual_block_at_a_fixed_plan_equals_the_smugglers_lp(i):
    """Strong duality, plan by plan: with x fixed, the dual block's optimum is the
    smuggler's optimal value (the linearisation is exact for every plan, not only the
    optimal one). Every plan of each random instance is checked (at most 64)."""
    net = compile_instance(valid_random_instance(i))
    rng = np.random.default_rng(i)
    plans = [np.zeros(net.n_binaries)]
    for _ in range(6):
        x = np.zeros(net.n_binaries)
        for j in range(len(net.action_ids)):
            levels = np.flatnonzero(net.binary_action == j)
            pick = int(rng.integers(-1, len(levels)))
            if pick >= 0:
                x[levels[pick]] = 1.0
        plans.append(x)
    for x in plans:
        expected = solve_smuggler(net, x).value
        assert dual_block_value(net, x) == pytest.approx(expected, abs=1e-6 * max(1, expected))


def two_lanes():
    """Two parallel lanes of 10 units (value 1 each). 'cut a' removes lane a (the value
    falls from 20 to 10); 'cut ghost' removes a lane that carries nothing (capacity 0);
    'scan b' has two levels cutting lane b by 50% / 100% — with 'cut a', level 2 leaves 0
    and level 1 leaves 5."""
    arcs = [arc("s", "t", 10, id="a"), arc("s", "t", 10, id="b"), arc("s", "t", 0, id="ghost")]
    acts = [action("cut a", [("remove", {"arcs": ["a"]}, 0)], cost={"budget": 1}),
            action("cut ghost", [("remove", {"arcs": ["ghost"]}, 0)], cost={"budget": 1}),
            action("scan b", [("cut_capacity", {"arcs": ["b"]}, (0.5, 1.0))],
                   levels=[{"budget": 1}, {"budget": 2}])]
    return instance(["s", market("t")], arcs, supplies=[("s", "flow", 100)], actions=acts)


def tidy(plan: dict[str, int]) -> tuple[Plan, list[str]]:
    problem = as_problem(two_lanes())
    evaluate = ValueEvaluator(problem)
    p = Plan.of(plan)
    value = evaluate(p).objective
    return drop_redundant(problem.net, p, value, 1e-9, lambda q: evaluate(q).objective)


def test_tidy_drops_an_action_that_changes_nothing():
    plan, notes = tidy({"cut a": 1, "cut ghost": 1})
    assert plan.as_dict() == {"cut a": 1}
    assert len(notes) == 1 and "cut ghost" in notes[0]


def test_tidy_keeps_every_useful_action():
    plan, notes = tidy({"cut a": 1, "scan b": 2})  # value 0: both are needed
    assert plan.as_dict() == {"cut a": 1, "scan b": 2} and notes == []


def test_tidy_lowers_a_level_when_the_lower_one_does_as_well():
    """'close b' closes lane b at both levels; level 2 also closes the dead-end lane e
    (which reaches no market) instead of halving it, for twice the cost. Level 2 buys
    nothing level 1 does not: the plan is lowered, and its value (10: lane a only) kept."""
    arcs = [arc("s", "t", 10, id="a"), arc("s", "t", 10, id="b"), arc("s", "x", 10, id="e")]
    acts = [action("close b", [("cut_capacity", {"arcs": ["b"]}, (1.0, 1.0)),
                               ("cut_capacity", {"arcs": ["e"]}, (0.5, 1.0))],
                   levels=[{"budget": 1}, {"budget": 2}])]
    inst = instance(["s", "x", market("t")], arcs, supplies=[("s", "flow", 100)], actions=acts,
                    resources=[Resource("budget", 2)])
    problem = as_problem(inst)
    evaluate = ValueEvaluator(problem)
    plan, notes = drop_redundant(problem.net, Plan.of({"close b": 2}), 10.0, 1e-9,
                                 lambda q: evaluate(q).objective)
    assert plan.as_dict() == {"close b": 1}
    assert len(notes) == 1 and "lowered" in notes[0]
    assert evaluate(plan).objective == pytest.approx(10.0)
