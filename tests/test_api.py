"""The Python API (issue 14, item 7): typed constructors and ``network`` (checked as a
file is), ``from_networkx``, the classic families in their own units against networkx
and enumeration, and results as DataFrames."""

from __future__ import annotations

import math
import sys
from itertools import combinations

import networkx as nx
import numpy as np
import pytest

from optimizer import InstanceError, load_instance, solve
from optimizer.build import (
    action,
    arc,
    commodity,
    effect,
    from_networkx,
    market,
    network,
    node,
    remove,
    scenario,
    shipment,
    supply,
)
from optimizer.families import (
    evasion_interdiction,
    max_flow_interdiction,
    shortest_path_interdiction,
)
from optimizer.instance.writer import dump_yaml, instance_to_dict

from helpers import ROOT, read_instance_text

EXAMPLE = str(ROOT / "docs" / "example.yaml")


# ----------------------------------------------------------------------------- constructors
@pytest.mark.parametrize("make,message", [
    (lambda: arc("a", "b", seizure=1.0), "arc 'a->b', field 'seizure': must be < 1"),
    (lambda: arc("a", "b", capacity=-1), "arc 'a->b', field 'capacity': must be ≥ 0"),
    (lambda: arc("a", "b", cost=float("nan")), "field 'cost': is NaN"),
    (lambda: arc("a", "b", mode="teleport"), "field 'mode': unknown mode 'teleport'"),
    (lambda: node("x", "castle"), "node 'x', field 'kind': unknown kind 'castle'"),
    (lambda: supply("s", "k", -3), "field 'amount': must be ≥ 0"),
    (lambda: commodity("k", load=0), "commodity 'k', field 'load': must be > 0"),
    (lambda: effect("cut_capacity", arcs=["a"], amount=1.5), "must be ≤ 1"),
    (lambda: action("x", [effect("raise_cost", arcs=["a"], amount=[1, 2, 3])],
                    levels=[{"b": 1}, {"b": 2}]), "gives 3 amounts for 2 levels"),
])
def test_constructors_check_numbers_like_the_reader(make, message):
    with pytest.raises(InstanceError) as exc:
        make()
    assert message in str(exc.value), str(exc.value)
    assert str(exc.value.problems[0]).startswith("<python>: ")


def test_network_runs_every_cross_record_check():
    with pytest.raises(InstanceError) as exc:
        network(nodes=["s", market("t", flow=1)], arcs=[arc("s", "t"), arc("s", "u")],
                supplies=[supply("s", "flow", 5)],
                actions=[action("cut", [remove(arcs=["s->nowhere"])], cost={"b": 1})],
                budgets={"b": 1})
    text = str(exc.value)
    assert "arc 's->u', field 'to': unknown node 'u'" in text
    assert "unknown arc 's->nowhere'" in text


def test_network_needs_a_budget_for_every_resource_actions_cost():
    with pytest.raises(InstanceError, match=r"no budget for resource\(s\) \['usd'\]"):
        network(nodes=["s", market("t", flow=1)], arcs=[arc("s", "t")],
                supplies=[supply("s", "flow", 1)],
                actions=[action("cut", [remove(arcs=["s->t"])], cost={"usd": 1})])


def test_built_instance_equals_the_file_it_writes():
    """The example file rebuilt from its records reads back equal, and solves the same."""
    inst = load_instance(EXAMPLE)
    built = network(nodes=inst.nodes, arcs=inst.arcs, commodities=inst.commodities,
                    supplies=inst.supplies, actions=inst.actions, resources=inst.resources,
                    recipes=inst.recipes, name=inst.name)
    again = read_instance_text(dump_yaml(instance_to_dict(built)), "again.yaml")
    assert instance_to_dict(again) == instance_to_dict(built)
    assert solve(built).value_after == pytest.approx(solve(inst).value_after, rel=1e-9)


def test_levels_and_scenarios_built_in_memory():
    """One arc s→t (capacity 10, value 2 per unit); scan levels raise seizure by 0.25 or
    0.5 (costs 1, 2). Scenario 'surge' has supply 20 (base 6). By hand with budget 2:
    expected value 0.5·(6·2·0.5) + 0.5·(10·2·0.5) = 3 + 5 = 8 (before: 6 + 10 = 16)."""
    inst = network(
        nodes=["s", market("t", flow=2)], arcs=[arc("s", "t", capacity=10)],
        supplies=[supply("s", "flow", 6)],
        actions=[action("scan", [effect("raise_seizure", arcs=["s->t"], amount=[0.25, 0.5])],
                        levels=[{"b": 1}, {"b": 2}])],
        scenarios=[scenario("calm", 0.5), scenario("surge", 0.5, supplies={("s", "flow"): 20})],
        budgets={"b": 2})
    r = solve(inst)
    assert r.value_before == pytest.approx(16.0) and r.value_after == pytest.approx(8.0)
    assert r.plan.as_dict() == {"scan": 2}


# ----------------------------------------------------------------------------- networkx
def random_digraph(seed: int, n: int = 7, p: float = 0.35) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    G.add_edges_from((i, i + 2) for i in range(0, n - 2, 2))  # n0 reaches n6
    for u, v in G.edges:
        G.edges[u, v]["capacity"] = int(rng.integers(1, 6))
        G.edges[u, v]["length"] = int(rng.integers(1, 6))
        G.edges[u, v]["removal_cost"] = int(rng.integers(1, 3))
    return nx.relabel_nodes(G, {i: f"n{i}" for i in G.nodes})


@pytest.mark.parametrize("seed", range(4))
def test_from_networkx_max_flow_equals_networkx(seed):
    G = random_digraph(seed)
    inst = from_networkx(G, supplies={"n0": math.inf}, values={"n6": 1}, budget=0)
    expected = nx.maximum_flow_value(G, "n0", "n6")
    assert solve(inst).value_before == pytest.approx(expected)


def test_from_networkx_undirected_and_node_attributes():
    """An undirected edge is an arc each way; node attributes as in the file format."""
    G = nx.Graph()
    G.add_node("lab", kind="lab", lat=24.8, lon=-107.4)
    G.add_edge("src", "lab", capacity=5)
    G.add_edge("lab", "mkt", capacity=3, cost=1)
    inst = from_networkx(G, supplies={"src": 10}, values={"mkt": 4})
    ids = sorted(a.id for a in inst.arcs)
    assert ids == ["lab->mkt", "lab->src", "mkt->lab", "src->lab"]
    assert next(n for n in inst.nodes if n.id == "lab").lat == 24.8
    assert solve(inst).value_before == pytest.approx(3 * (4 - 1))


# ----------------------------------------------------------------------------- families
def brute_force(G, budget, value_of, attr="removal_cost"):
    """min over every removal set within budget of value_of(graph without it)."""
    edges = list(G.edges)
    best = math.inf
    for k in range(len(edges) + 1):
        for cut in combinations(edges, k):
            if sum(G.edges[e][attr] for e in cut) <= budget:
                H = G.copy()
                H.remove_edges_from(cut)
                best = min(best, value_of(H))
    return best


@pytest.mark.parametrize("seed,budget", [(0, 1), (1, 2), (2, 3), (3, 2)])
def test_max_flow_family_against_enumeration(seed, budget):
    G = random_digraph(seed)
    res = max_flow_interdiction(G, "n0", "n6", budget)
    assert res.max_flow_before == pytest.approx(nx.maximum_flow_value(G, "n0", "n6"))
    assert res.max_flow == pytest.approx(
        brute_force(G, budget, lambda H: nx.maximum_flow_value(H, "n0", "n6")))


def sp_length(H, s="n0", t="n6"):
    try:
        return nx.shortest_path_length(H, s, t, weight="length")
    except nx.NetworkXNoPath:
        return math.inf


@pytest.mark.parametrize("seed,budget", [(0, 1), (1, 2), (2, 3), (3, 4)])
def test_shortest_path_family_against_enumeration(seed, budget):
    G = random_digraph(seed)
    res = shortest_path_interdiction(G, "n0", "n6", budget)
    assert res.length_before == pytest.approx(sp_length(G))
    expected = -brute_force(G, budget, lambda H: -sp_length(H))
    assert res.length == pytest.approx(expected)
    if math.isfinite(expected):
        H = G.copy()
        H.remove_edges_from(tuple(a.split("->")) for a in res.interdicted)
        assert nx.path_weight(H, list(res.path), "length") == pytest.approx(expected)


def test_shortest_path_a_long_detour_is_still_taken():
    """The trap of a hand-picked delivery value: the direct arc has length 1, the only
    detour length 1,000. Removing the direct arc leaves the detour: the answer is 1,000
    (a delivery value under 1,000 would leave the shipment at home and report a wrong
    optimum). With budget 2 both routes go: no path, length inf."""
    G = nx.DiGraph()
    G.add_edge("s", "t", length=1)
    G.add_edge("s", "m", length=500, removal_cost=5)
    G.add_edge("m", "t", length=500, removal_cost=5)
    one = shortest_path_interdiction(G, "s", "t", budget=1)
    assert (one.length_before, one.length, one.path) == (1.0, 1000.0, ("s", "m", "t"))
    assert one.shipment_value > 1000
    cut = shortest_path_interdiction(G, "s", "t", budget=6)
    assert cut.length == math.inf and cut.path == ()


def test_shortest_path_with_delays_israeli_wood():
    """Israeli–Wood: interdicting an arc adds its delay. s→a→t (1 + 1) and s→t (3);
    delays 10 on each arc. Budget 1: delay s→a (or a→t): min(12, 3) = 3; budget 2: delay
    s→t and one of the pair: min(12, 13) = 12."""
    G = nx.DiGraph()
    for u, v, length in (("s", "a", 1), ("a", "t", 1), ("s", "t", 3)):
        G.add_edge(u, v, length=length, delay=10)
    assert shortest_path_interdiction(G, "s", "t", 1, delay="delay").length == 3.0
    assert shortest_path_interdiction(G, "s", "t", 2, delay="delay").length == 12.0


def test_evasion_family_by_hand():
    """Morton–Pan–Saeger: two shipments. From s1 (prob. 0.6): s1→a→t 0.9·0.5 = 0.45 or
    s1→t 0.4; from s2: 0.8·0.5 = 0.4. Before 0.43. A sensor on a→t (evasion 0.1):
    0.6·0.4 + 0.4·0.08 = 0.272; on s1→a: 0.6·max(0.2·0.5, 0.4) + 0.4·0.4 = 0.4."""
    G = nx.DiGraph()
    G.add_edge("s1", "a", evade=0.9, evade_with_sensor=0.2)
    G.add_edge("s2", "a", evade=0.8)
    G.add_edge("a", "t", evade=0.5, evade_with_sensor=0.1)
    G.add_edge("s1", "t", evade=0.4)
    res = evasion_interdiction(G, [("s1", "t", 0.6), ("s2", "t", 0.4)], budget=1)
    assert res.evasion_before == pytest.approx(0.43)
    assert res.evasion == pytest.approx(0.272)
    assert res.sensors == ("a->t",)


def test_evasion_bad_probabilities_are_refused():
    G = nx.DiGraph()
    G.add_edge("s", "t", evade=0.5, evade_with_sensor=0.7)
    with pytest.raises(ValueError, match="evade_with_sensor ≤ evade"):
        evasion_interdiction(G, [("s", "t")], budget=1)


def test_shipment_scenarios_built_in_memory_match_the_family():
    G = nx.DiGraph()
    G.add_edge("s", "t", evade=0.7, evade_with_sensor=0.35)
    inst = network(nodes=["s", "t"], arcs=[arc("s", "t", seizure=0.3)],
                   actions=[action("sensor", [effect("raise_seizure", arcs=["s->t"],
                                                     amount=0.35)], cost={"b": 1})],
                   scenarios=[scenario("one", 1.0, shipment=shipment("s", "t"))],
                   budgets={"b": 1})
    assert solve(inst).value_after == pytest.approx(
        evasion_interdiction(G, [("s", "t")], budget=1).evasion) == pytest.approx(0.35)


# ----------------------------------------------------------------------------- DataFrames
def test_frames_hold_the_result_numbers():
    pytest.importorskip("pandas")
    r = solve(EXAMPLE)
    frames = r.to_frames()
    assert set(frames) == {"plan", "delivered", "markets", "flows", "routes", "scenarios"}
    plan = frames["plan"]
    assert dict(zip(plan["action"], plan["level"])) == r.plan.as_dict()
    assert plan["usd_m"].sum() == pytest.approx(r.spend["usd_m"])
    d = frames["delivered"].set_index("commodity")
    for k, v in r.after.delivered_by_commodity.items():
        assert d.loc[k, "after"] == pytest.approx(v)
        assert d.loc[k, "unit"] == r.after.units[k]
    flows = frames["flows"]
    assert flows["after"].sum() == pytest.approx(sum(r.after.flows.values()))
    sc = frames["scenarios"]
    assert list(sc["value_after"]) == [pytest.approx(r.value_after)]


def test_sweep_frame_has_a_row_per_point():
    pytest.importorskip("pandas")
    from optimizer.planning import SweepSpec, run_sweep

    sweep = run_sweep(EXAMPLE, SweepSpec.values("usd_m", [0, 10, 20]))
    df = sweep.to_frames()
    assert list(df["usd_m"]) == [0.0, 10.0, 20.0]
    assert list(df["value"]) == pytest.approx([p.value for p in sweep.points])


def test_frames_without_pandas_say_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas → ImportError
    r = solve(EXAMPLE)
    with pytest.raises(ImportError, match=r"pip install 'interdict\[frames\]'"):
        r.to_frames()
