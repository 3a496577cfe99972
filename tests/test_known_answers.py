"""Known answers derived by hand, each also checked against an independent oracle
(networkx flows and shortest paths, or enumeration)."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from optimizer import Plan, SolveOptions, compile_instance, solve
from optimizer.certify.enumerate import enumerate_plans
from optimizer.instance.model import Commodity, Node, Resource

from helpers import (
    action,
    arc,
    assert_certified,
    instance,
    levels_instance,
    market,
    recipe_instance,
)

BACKENDS = ["highs", "pyomo"]


# --------------------------------------------------------------------------- Wood max-flow
def gallery_maxflow(budget: float):
    """The Pyomo Gallery max-flow interdiction example (Wood 1993 form): max flow 80;
    one attack removes Start→C (flow 10); two attacks cut B→End and D→End (flow 0)."""
    arcs = [arc("Start", "B", 10), arc("Start", "C", 70), arc("C", "B", 30),
            arc("B", "End", 100), arc("C", "D", 40), arc("D", "End", 50)]
    acts = [action(f"cut {a.id}", [("remove", {"arcs": [a.id]}, 0)], cost={"budget": 1})
            for a in arcs]
    return instance(["Start", "B", "C", "D", market("End")], arcs,
                    supplies=[("Start", "flow", math.inf)], actions=acts,
                    resources=[Resource("budget", budget)])


def nx_maxflow(inst, removed: set[str]) -> float:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in inst.nodes)
    for a in inst.arcs:
        if a.id not in removed:
            g.add_edge(a.source, a.target, capacity=a.capacity)
    return nx.maximum_flow_value(g, "Start", "End")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("budget,expected,plan", [
    (0, 80.0, {}),
    (1, 10.0, {"cut Start->C": 1}),
    (2, 0.0, None),  # ties: {B->End, D->End} or {Start->B, Start->C}
])
def test_wood_maxflow_interdiction(budget, expected, plan, backend):
    inst = gallery_maxflow(budget)
    r = solve(inst, SolveOptions(backend=backend))
    assert r.optimal
    assert r.value_before == pytest.approx(80.0, abs=1e-7)
    assert r.value_after == pytest.approx(expected, abs=1e-7)
    if plan is not None:
        assert r.plan.as_dict() == plan
    assert len(r.plan.levels) <= budget
    # independent oracle: networkx max flow with the chosen arcs removed
    removed = {a.removeprefix("cut ") for a in r.plan.as_dict()}
    assert nx_maxflow(inst, removed) == pytest.approx(r.value_after, abs=1e-7)
    assert_certified(r)


# --------------------------------------------------------------------------- shortest path
def sp_instance(budget: float):
    """Israeli–Wood shortest-path interdiction: one unit from s to t worth V = 100, arc
    lengths as costs; each action adds 5 to one arc's length at cost 1.
    Paths s-a-t (length 2) and s-b-t (length 3). By hand: B=0 → 98, B=1 → 97 (lengthen the
    short path), B=2 → 93 (one arc on each), B=3 → 92, B=4 → 88."""
    arcs = [arc("s", "a", cost=1), arc("a", "t", cost=1), arc("s", "b", cost=2),
            arc("b", "t", cost=1)]
    acts = [action(f"delay {a.id}", [("raise_cost", {"arcs": [a.id]}, 5.0)], cost={"budget": 1})
            for a in arcs]
    return instance(["s", "a", "b", market("t")], arcs, commodities=[Commodity("unit", value=100)],
                    supplies=[("s", "unit", 1.0)], actions=acts,
                    resources=[Resource("budget", budget)])


@pytest.mark.parametrize("budget,expected", [(0, 98), (1, 97), (2, 93), (3, 92), (4, 88)])
def test_shortest_path_interdiction(budget, expected):
    inst = sp_instance(budget)
    r = solve(inst)
    assert r.optimal
    assert r.value_after == pytest.approx(expected, abs=1e-7)
    # oracle: networkx shortest path with the plan's delays
    delayed = {a.removeprefix("delay ") for a in r.plan.as_dict()}
    g = nx.DiGraph()
    for a in inst.arcs:
        g.add_edge(a.source, a.target, weight=a.cost + (5 if a.id in delayed else 0))
    assert 100 - nx.shortest_path_length(g, "s", "t", weight="weight") == pytest.approx(
        r.value_after, abs=1e-7)
    assert enumerate_plans(compile_instance(inst)).best_value == pytest.approx(expected, abs=1e-7)


# --------------------------------------------------------------------------- most-evasive path
def evasion_instance(budget: float):
    """Morton–Pan–Saeger evasion: one unit s→t, value 1, no capacity; the smuggler's value is
    the largest evasion probability over paths, Π(1 − p). Path s-u-t: 0.9·0.8 = 0.72;
    path s-t: 0.7. A sensor adds 0.5 to one arc's seizure probability.
    By hand: B=1 → 0.7 (sensor on s-u or u-t), B=2 → 0.27 (sensors on u-t and s-t),
    B=3 → max(0.4·0.3, 0.2) = 0.2."""
    arcs = [arc("s", "u", p=0.1), arc("u", "t", p=0.2), arc("s", "t", p=0.3)]
    acts = [action(f"sensor {a.id}", [("raise_seizure", {"arcs": [a.id]}, 0.5)],
                   cost={"budget": 1}) for a in arcs]
    return instance(["s", "u", market("t")], arcs, supplies=[("s", "flow", 1.0)], actions=acts,
                    resources=[Resource("budget", budget)])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("budget,expected", [(0, 0.72), (1, 0.7), (2, 0.27), (3, 0.2)])
def test_most_evasive_path(budget, expected, backend):
    inst = evasion_instance(budget)
    r = solve(inst, SolveOptions(backend=backend))
    assert r.optimal
    assert r.value_after == pytest.approx(expected, abs=1e-9)
    # oracle: most reliable path = shortest path under −log(1 − p)
    sensors = {a.removeprefix("sensor ") for a in r.plan.as_dict()}
    g = nx.DiGraph()
    for a in inst.arcs:
        p = a.seizure + (0.5 if a.id in sensors else 0.0)
        g.add_edge(a.source, a.target, weight=-math.log(1 - p))
    best = math.exp(-nx.shortest_path_length(g, "s", "t", weight="weight"))
    assert best == pytest.approx(r.value_after, abs=1e-9)


# -------------------------------------------------------------------------- multicommodity + recipe


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("budget,expected,plan", [
    (0, 245.0, {}), (1, 75.0, {"raid lab": 1}), (2, 30.0, {"raid lab": 1, "squeeze border": 1}),
])
def test_multicommodity_with_recipe(budget, expected, plan, backend):
    r = solve(recipe_instance(budget), SolveOptions(backend=backend))
    assert r.optimal and r.plan.as_dict() == plan
    assert r.value_after == pytest.approx(expected, abs=1e-7)
    assert r.before.delivered_by_commodity["fentanyl"] == pytest.approx(20.0)
    assert r.before.delivered_by_commodity["heroin"] == pytest.approx(15.0)
    if budget == 1:  # substitution: the heroin route fills the freed border capacity
        assert r.after.delivered_by_commodity["heroin"] == pytest.approx(25.0)
        assert r.after.delivered_by_commodity["fentanyl"] == pytest.approx(0.0)


def test_recipe_routes_cross_the_lab():
    r = solve(recipe_instance(0))
    fent = [rt for rt in r.after.routes if rt.commodity == "fentanyl"]
    assert len(fent) == 1
    rt = fent[0]
    assert rt.origin == "cn" and rt.origin_commodity == "precursor" and rt.market == "us"
    assert rt.units_delivered == pytest.approx(20.0) and rt.units_shipped == pytest.approx(40.0)
    assert [s.get("recipe") or s["arc"] for s in rt.steps] == ["cn->lab", "synth", "lab->border",
                                                               "border->us"]


# --------------------------------------------------------------------------- budgets and levels


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("usd,teams,expected,plan", [
    (5, 1, 9.0, {"scan a1": 2, "raid a2": 1}),
    (6, 0, 11.0, {"scan a1": 3}),
    (6, 2, 1.0, {"scan a1": 3, "seal a2": 1}),
])
def test_two_budgets_and_levels(usd, teams, expected, plan, backend):
    inst = levels_instance(usd, teams)
    r = solve(inst, SolveOptions(backend=backend))
    assert r.optimal and r.plan.as_dict() == plan
    assert r.value_after == pytest.approx(expected, abs=1e-7)
    assert r.spend["usd"] <= usd and r.spend["teams"] <= teams
    assert enumerate_plans(compile_instance(inst)).best_value == pytest.approx(expected, abs=1e-7)


def test_budget_override_equals_edited_instance():
    a = solve(levels_instance(5, 1), budgets={"usd": 6, "teams": 2})
    b = solve(levels_instance(6, 2))
    assert a.value_after == pytest.approx(b.value_after) and a.plan == b.plan


def test_supply_cut_and_market_removal():
    """cut_supply scales σ; removing a market node removes its sales (value v there)."""
    comms = [Commodity("drug", value=2)]
    arcs = [arc("src", "m1", 100), arc("src", "m2", 100)]
    acts = [action("eradicate", [("cut_supply", {"nodes": ["src"]}, 0.75)], cost={"budget": 1}),
            action("close m1", [("remove", {"nodes": ["m1"]}, 0)], cost={"budget": 1})]
    nodes = [Node("src", "poppy"), market("m1", drug=5), market("m2")]
    inst = instance(nodes, arcs, commodities=comms, supplies=[("src", "drug", 40)], actions=acts,
                    resources=[Resource("budget", 1)])
    r = solve(inst)
    # before: 40 units to m1 at 5 = 200. eradicate: 10 units → 50. close m1: 40 to m2 at 2 = 80.
    assert r.value_before == pytest.approx(200)
    assert r.plan == Plan.of({"eradicate": 1}) and r.value_after == pytest.approx(50)
    r2 = solve(inst, budgets={"budget": 2})
    assert r2.value_after == pytest.approx(20)  # 10 units to m2 at 2
