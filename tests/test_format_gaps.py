"""Format gaps met while writing instances by hand (issue 14, item 8): each one is read
and solved to a hand-derived answer, or refused with a located message."""

from __future__ import annotations

import json
import textwrap

import networkx as nx
import pytest
from click.testing import CliRunner

from optimizer import solve
from optimizer.cli import main
from optimizer.errors import InstanceError
from optimizer.instance.gallery import delivery_value, read_gallery
from optimizer.instance.reader import read_instance_text
from optimizer.instance.writer import dump_yaml, instance_to_dict


def read(text: str, name: str = "gap.yaml"):
    return read_instance_text(textwrap.dedent(text), name)


def problems_of(text: str) -> list[str]:
    with pytest.raises(InstanceError) as exc:
        read(text)
    return [str(p) for p in exc.value.problems]


# ----------------------------------------------------------------------------- evasion
EVASION_ONLY = """\
    name: evasion
    resources: [{id: sensors, budget: 1}]
    commodities: [{id: unit}]
    nodes: [{id: s1}, {id: s2}, {id: a}, {id: t}]
    arcs:
      - {id: s1a, from: s1, to: a, seizure: 0.1}
      - {id: s2a, from: s2, to: a, seizure: 0.2}
      - {id: at, from: a, to: t, seizure: 0.5}
      - {id: s1t, from: s1, to: t, seizure: 0.6}
    actions:
      - {id: sensor_s1a, cost: {sensors: 1},
         effects: [{type: raise_seizure, arcs: [s1a], amount: 0.7}]}
      - {id: sensor_at, cost: {sensors: 1},
         effects: [{type: raise_seizure, arcs: [at], amount: 0.4}]}
    scenarios:
      - {id: from_s1, probability: 0.6, shipment: {origin: s1, destination: t, commodity: unit}}
      - {id: from_s2, probability: 0.4, shipment: {origin: s2, destination: t, commodity: unit}}
    """


def test_shipment_only_instance_needs_no_supply_or_market():
    """By hand: from s1 the best evasion is s1→a→t 0.9·0.5 = 0.45 (s1→t 0.4), from s2
    0.8·0.5 = 0.4: 0.6·0.45 + 0.4·0.4 = 0.43. A sensor on a→t (seizure 0.9): from s1
    max(0.09, 0.4), from s2 0.08: 0.272; on s1→a: 0.6·max(0.2·0.5, 0.4) + 0.16 = 0.4."""
    inst = read(EVASION_ONLY)
    assert inst.supplies == () and not any(n.values for n in inst.nodes)
    r = solve(inst)
    assert r.value_before == pytest.approx(0.43, abs=1e-9)
    assert r.value_after == pytest.approx(0.272, abs=1e-9)
    assert r.plan.as_dict() == {"sensor_at": 1}


def test_a_base_without_supply_still_needs_shipments_in_every_scenario():
    text = EVASION_ONLY.replace(
        "      - {id: from_s2, probability: 0.4, shipment: {origin: s2, destination: t, "
        "commodity: unit}}", "      - {id: calm, probability: 0.4}")
    msgs = problems_of(text)
    assert any("no supplies: nothing can be smuggled" in m for m in msgs), msgs


# ----------------------------------------------------------------------------- node capacity
def test_node_capacity_without_recipe_is_refused_with_its_line():
    text = """\
        name: cap
        resources: [{id: usd, budget: 1}]
        commodities: [{id: k, value: 1}]
        nodes:
          - {id: s}
          - {id: hub, capacity: 5}
          - {id: t, kind: market}
        supplies: [{node: s, commodity: k, amount: 10}]
        arcs: [{from: s, to: hub}, {from: hub, to: t}]
        actions: [{id: cut, cost: {usd: 1}, effects: [{type: remove, arcs: [s->hub]}]}]
        """
    msgs = problems_of(text)
    assert msgs == ["gap.yaml:6: node 'hub', field 'capacity': caps what the node's recipes "
                    "process, but no recipe is at this node, so it would cap nothing; remove "
                    "it, or cap the arcs into or out of the node to limit the flow through "
                    "it"], msgs


# ----------------------------------------------------------------------------- per-commodity cost
PER_COMMODITY = """\
    name: cpc
    resources: [{id: usd, budget: 1}]
    commodities:
      - {id: heroin, value: 5}
      - {id: fentanyl, value: 6, load: 2}
    nodes: [{id: s}, {id: t, kind: market}]
    supplies:
      - {node: s, commodity: heroin, amount: 10}
      - {node: s, commodity: fentanyl, amount: 10}
    arcs:
      - {id: st, from: s, to: t, capacity: 10, cost: 1, cost_per_commodity: {fentanyl: 3}}
    actions:
      - {id: raise, cost: {usd: 1}, effects: [{type: raise_cost, arcs: [st], amount: 2}]}
    """


def test_cost_per_commodity_replaces_load_scaled_cost():
    """Capacity 10 load units. Per unit: heroin margin 5 − 1·1 = 4 (load 1), fentanyl
    6 − 3 = 3 (stated, not 1·2) using 2 load units: heroin fills the arc, value 40 (with
    the load-scaled cost fentanyl would earn 6 − 2 = 4 per unit, 2 per load unit: the
    same choice, so the raise tells them apart). raise_cost +2 per load unit: heroin
    4 − 2 = 2 per load unit, fentanyl (3 − 4)/2 < 0: value 20."""
    inst = read(PER_COMMODITY)
    assert inst.arcs[0].cost_per_commodity == {"fentanyl": 3.0}
    r = solve(inst)
    assert r.value_before == pytest.approx(40.0) and r.value_after == pytest.approx(20.0)
    again = read_instance_text(dump_yaml(instance_to_dict(inst)), "again.yaml")
    assert again.arcs[0].cost_per_commodity == {"fentanyl": 3.0}


def test_cost_per_commodity_decides_the_mix():
    """Fentanyl 6 per unit with load 1 and a stated cost 0.5 on the arc (heroin pays 1):
    margins 5.5 against 4, the 10 units of capacity go to fentanyl: 55."""
    text = PER_COMMODITY.replace("load: 2", "load: 1").replace("{fentanyl: 3}",
                                                                "{fentanyl: 0.5}")
    assert solve(read(text)).value_before == pytest.approx(55.0)


@pytest.mark.parametrize("mapping,message", [
    ("{cocaine: 1}", "field 'cost_per_commodity': unknown commodity 'cocaine'"),
    ("{fentanyl: -1}", "field 'fentanyl': must be ≥ 0, got -1"),
])
def test_cost_per_commodity_bad_values_are_located(mapping, message):
    msgs = problems_of(PER_COMMODITY.replace("{fentanyl: 3}", mapping))
    assert any(m.startswith("gap.yaml:11: arc 'st'") and message in m for m in msgs), msgs


def test_cost_per_commodity_for_a_commodity_barred_from_the_arc():
    text = PER_COMMODITY.replace("cost_per_commodity: {fentanyl: 3}",
                                 "commodities: [heroin], cost_per_commodity: {fentanyl: 3}")
    msgs = problems_of(text)
    assert any("'fentanyl' may not use this arc" in m for m in msgs), msgs


# ----------------------------------------------------------------------------- scenario arcs
SCENARIO_ARC = """\
    name: scen_arc
    resources: [{id: usd, budget: 1}]
    commodities: [{id: k, value: 10}]
    nodes: [{id: s}, {id: b}, {id: t, kind: market}]
    supplies: [{node: s, commodity: k, amount: 5}]
    arcs:
      - {id: sb, from: s, to: b}
      - {id: bt, from: b, to: t, capacity: 3}
    actions:
      - {id: close_tunnel, cost: {usd: 1}, effects: [{type: remove, arcs: [tunnel]}]}
      - {id: squeeze, cost: {usd: 1},
         effects: [{type: cut_capacity, arcs: [bt], amount: 0.5}]}
    scenarios:
      - {id: calm, probability: 0.5}
      - id: tunnel_open
        probability: 0.5
        arcs:
          - {id: tunnel, from: s, to: t, capacity: 4}
    """


def test_action_on_an_arc_of_one_scenario():
    """calm: 3 units through b (30); tunnel_open: 3 + 4 ≥ 5 supplied (50): 40. Closing
    the tunnel: 30 in both; squeezing b→t: 15 and min(5, 1.5 + 4)·10 = 50 → 32.5."""
    r = solve(read(SCENARIO_ARC))
    assert r.value_before == pytest.approx(40.0)
    assert r.value_after == pytest.approx(30.0)
    assert r.plan.as_dict() == {"close_tunnel": 1}


def test_action_on_an_arc_no_scenario_has_is_refused():
    msgs = problems_of(SCENARIO_ARC.replace("arcs: [tunnel]", "arcs: [tunel]"))
    assert "gap.yaml:10: action 'close_tunnel' effect #1 (remove), field 'arcs': unknown arc " \
           "'tunel'" in msgs, msgs


def test_cut_of_an_unlimited_scenario_arc_is_refused_in_that_scenario():
    text = SCENARIO_ARC.replace("{type: remove, arcs: [tunnel]}",
                                "{type: cut_capacity, arcs: [tunnel], amount: 0.5}") \
        .replace("{id: tunnel, from: s, to: t, capacity: 4}", "{id: tunnel, from: s, to: t}")
    with pytest.raises(InstanceError) as exc:
        solve(read(text))
    assert any("scenario 'tunnel_open'" in str(p) and "unlimited capacity" in str(p)
               for p in exc.value.problems), exc.value


# ----------------------------------------------------------------------------- levels
LEVELS = """\
    name: levels
    resources: [{id: usd, budget: 3}]
    commodities: [{id: k, value: 1}]
    nodes: [{id: s}, {id: t, kind: market}]
    supplies: [{node: s, commodity: k, amount: 10}]
    arcs: [{id: st, from: s, to: t, seizure: 0.1}]
    actions:
      - id: scan
        levels: [{cost: {usd: 1}}, {cost: {usd: COST2}}]
        effects: [{type: raise_seizure, arcs: [st], amount: [0.2, AMOUNT2]}]
    """


def test_two_levels_with_the_same_effect_are_refused():
    msgs = problems_of(LEVELS.replace("COST2", "2").replace("AMOUNT2", "0.2"))
    assert msgs == ["gap.yaml:8: action 'scan' level 2, field 'levels': has the same effect "
                    "as level 1 and costs at least as much in every resource, so it would "
                    "never be chosen; give it a different effect or remove it"], msgs


@pytest.mark.parametrize("cost2,amount2", [("2", "0.3"),  # dearer and stronger: fine
                                           ("0.5", "0.3")])  # cheaper and stronger: fine
def test_levels_that_differ_are_accepted(cost2, amount2):
    read(LEVELS.replace("COST2", cost2).replace("AMOUNT2", amount2))


def test_same_effect_but_no_level_dearer_everywhere_is_accepted():
    text = LEVELS.replace("{cost: {usd: COST2}}", "{cost: {teams: 1}}").replace(
        "AMOUNT2", "0.2").replace("[{id: usd, budget: 3}]", "[{id: usd, budget: 3}, "
                                  "{id: teams, budget: 1}]")
    read(text)  # one costs dollars, the other a team: either may be the one to choose


# ----------------------------------------------------------------------------- Gallery
SP_ARCS = ("StartNode,EndNode,Cost,Attackable\nStart,B,10,1\nStart,C,2,1\nC,B,2,1\n"
           "B,End,1,1\nC,D,7,1\nD,End,8,1\n")
SP_NODES = "Node,SupplyDemand\nStart,-1\nB,0\nC,0\nD,0\nEnd,1\n"


def gallery_sp(tmp_path):
    folder = tmp_path / "shortest_path"
    folder.mkdir()
    (folder / "sample_arcs_data.csv").write_text(SP_ARCS)
    (folder / "sample_nodes_data.csv").write_text(SP_NODES)
    return folder


def networkx_interdicted_length(removed: set[tuple[str, str]]) -> float:
    """Shortest Start→End path with some arcs removed (inf when none is left)."""
    g = nx.DiGraph()
    g.add_nodes_from(["Start", "End"])
    for line in SP_ARCS.splitlines()[1:]:
        s, t, c, _ = line.split(",")
        if (s, t) not in removed:
            g.add_edge(s, t, weight=float(c))
    try:
        return nx.shortest_path_length(g, "Start", "End", weight="weight")
    except nx.NetworkXNoPath:
        return float("inf")


@pytest.mark.parametrize("attacks", [0, 1, 2])
def test_gallery_shortest_path_layout_is_read(tmp_path, attacks):
    """The path length the Gallery prints is V − value (V = 2·n·C = 2·5·10 = 100, its own
    penalty for an unshipped unit); the best attacks, by enumeration with networkx: none
    5, one (B→End) 17, two (B→End, Start→C) no path left: the penalty 100."""
    from itertools import combinations

    inst = read_gallery(gallery_sp(tmp_path), attacks=attacks)
    worth = delivery_value(5, 10.0)
    assert worth == 100.0
    r = solve(inst)
    arcs = [tuple(line.split(",")[:2]) for line in SP_ARCS.splitlines()[1:]]
    best = max(min(networkx_interdicted_length(set(c)), worth)
               for c in combinations(arcs, attacks))
    assert worth - r.value_after == pytest.approx(best)
    assert best == {0: 5.0, 1: 17.0, 2: 100.0}[attacks]


def test_gallery_shortest_path_through_the_cli(tmp_path):
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["solve", str(gallery_sp(tmp_path)), "--json", str(out),
                                    "-b", "attacks=1"])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["value_after"] == pytest.approx(100.0 - 17.0)


def test_gallery_shortest_path_without_supply_column_says_which_layout(tmp_path):
    folder = gallery_sp(tmp_path)
    (folder / "sample_nodes_data.csv").write_text("Node\nStart\nB\nC\nD\nEnd\n")
    res = CliRunner().invoke(main, ["validate", str(folder)])
    assert res.exit_code == 1
    assert "missing column(s) ['SupplyDemand']" in res.output
    assert "the shortest-path layout needs ['Node', 'SupplyDemand']" in res.output


def test_gallery_shortest_path_with_two_destinations_is_refused(tmp_path):
    folder = gallery_sp(tmp_path)
    (folder / "sample_nodes_data.csv").write_text(SP_NODES.replace("D,0", "D,1")
                                                  .replace("Start,-1", "Start,-2"))
    with pytest.raises(InstanceError) as exc:
        read_gallery(folder)
    assert "one origin (−q) and one destination (+q)" in str(exc.value)


def test_scenario_node_capacity_without_recipe_is_refused():
    text = SCENARIO_ARC.replace("      - {id: calm, probability: 0.5}",
                                "      - {id: calm, probability: 0.5, "
                                "nodes: [{id: b, capacity: 2}]}")
    msgs = problems_of(text)
    assert any("scenario 'calm'" in m and "node 'b' capacity" in m for m in msgs), msgs
