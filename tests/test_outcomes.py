"""Outcome resources (`kind: outcome`, e.g. violence): counted with every plan, unlimited
unless capped, and the solve and planning commands work over them on both backends.
Hand-derived on a two-lane network."""

from __future__ import annotations

import math

import pytest

from optimizer import SolveOptions, solve
from optimizer.planning.frontier import exact_frontier
from optimizer.planning.session import PlanningSession

from helpers import Node, Resource, action, arc, assert_certified, instance


def two_lanes():
    """10 units of flow worth 1 each cross lane a (6) or lane b (4). One unit of money buys
    one action: 'hvt' closes lane a and causes violence 5, 'middle' closes lane b and
    causes violence 1. By hand: v = 10 with no action, 6 with middle, 4 with hvt."""
    return instance(["s", Node("t", "market")],
                    [arc("s", "t", cap=6, id="a"), arc("s", "t", cap=4, id="b")],
                    supplies=[("s", "flow", math.inf)],
                    resources=[Resource("money", 1.0),
                               Resource("violence", math.inf, kind="outcome")],
                    actions=[action("hvt", [("remove", {"arcs": ["a"]}, ())],
                                    cost={"money": 1, "violence": 5}),
                             action("middle", [("remove", {"arcs": ["b"]}, ())],
                                    cost={"money": 1, "violence": 1})])


@pytest.mark.parametrize("backend", ["highs", "pyomo"])
@pytest.mark.parametrize("cap,value,plan", [(None, 4.0, {"hvt": 1}), (1.0, 6.0, {"middle": 1}),
                                            (0.0, 10.0, {})])
def test_an_outcome_is_unlimited_unless_capped(backend, cap, value, plan):
    budgets = None if cap is None else {"violence": cap}
    r = solve(two_lanes(), SolveOptions(backend=backend), budgets=budgets)
    assert r.value_after == pytest.approx(value) and r.plan.as_dict() == plan
    assert r.spend["violence"] == {None: 5, 1.0: 1, 0.0: 0}[cap]
    assert_certified(r)


def test_frontier_over_an_outcome_by_hand():
    """v(violence) = 10 below 1, 6 on [1, 5), 4 from 5: breakpoints 1 and 5."""
    fr = exact_frontier(two_lanes(), "violence", 0.0, 5.0)
    assert [round(b, 6) for b in fr.breakpoints] == [1.0, 5.0]
    assert [s.optimal_value for s in fr.steps] == pytest.approx([10.0, 6.0, 4.0])


def test_a_planning_session_on_pyomo_caps_an_outcome_later():
    """The outcome's row is free (no cap) when the model is stated; a later cap must bind."""
    from optimizer.planning.pyomo_session import PyomoPlanningSession

    s = PyomoPlanningSession(two_lanes())
    assert s.solve({}).value == pytest.approx(4.0)
    assert s.solve({"violence": 1.0}).value == pytest.approx(6.0)
    highs = PlanningSession(two_lanes())
    assert highs.solve({"violence": 0.0}).value == pytest.approx(10.0)


TWO_LANES = """\
resources:
  - {id: money, budget: 1}
  - {id: violence, kind: outcome}
commodities: [{id: flow, value: 1}]
nodes: [{id: s}, {id: t, kind: market}]
arcs: [{id: a, from: s, to: t, capacity: 6}, {id: b, from: s, to: t, capacity: 4}]
supplies: [{node: s, commodity: flow, amount: inf}]
actions:
  - {id: hvt, cost: {money: 1, violence: 5}, effects: [{type: remove, arcs: [a]}]}
  - {id: middle, cost: {money: 1, violence: 1}, effects: [{type: remove, arcs: [b]}]}
"""


@pytest.mark.parametrize("args,check", [
    (["sweep", "-r", "money", "--values", "0,1"],
     lambda d: [p["value"] for p in d["points"]] == pytest.approx([10.0, 4.0])),
    (["sweep", "-r", "violence", "--values", "0,1,5"],
     lambda d: [p["value"] for p in d["points"]] == pytest.approx([10.0, 6.0, 4.0])),
    (["target", "-r", "violence", "--reduce", "value", "50%"],
     lambda d: d["reached"] and d["cost"] == pytest.approx(5.0)
     and d["point"]["plan"] == {"hvt": 1}),
    (["frontier", "-r", "money"],
     lambda d: [s["optimal_value"] for s in d["steps"]] == pytest.approx([10.0, 4.0, 0.0])),
])
def test_planning_commands_with_an_unlimited_outcome(tmp_path, args, check):
    """Every planning command on an instance whose outcome has no cap (the shipped
    instance's violence): over a budget (the outcome stays unlimited) and over the outcome.
    By hand: money 1 buys hvt (value 4); violence 0/1/5 allow nothing/middle/hvt (10/6/4);
    halving the value (to ≤ 5) takes hvt, violence 5; money 2 buys both (value 0)."""
    from click.testing import CliRunner

    from optimizer.cli import main

    f = tmp_path / "two_lanes.yaml"
    f.write_text(TWO_LANES)
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, [args[0], str(f), *args[1:], "--executor", "serial",
                                    "--no-store", "--quiet", "--json", str(out)])
    assert res.exit_code == 0, res.output
    import json

    assert check(json.loads(out.read_text())), out.read_text()[:2000]
