"""Small builders for test instances (records built directly, then validated)."""

from __future__ import annotations

import math
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from optimizer.errors import InstanceError
from optimizer.instance.model import (
    Action,
    Arc,
    Commodity,
    Effect,
    Instance,
    Level,
    Node,
    Recipe,
    Resource,
    Scenario,
    Supply,
    Targets,
)
from optimizer.instance.reader import read_instance_text
from optimizer.instance.validate import validate

INF = math.inf

#: A small valid instance in the file format (effects raise_seizure, cut_capacity, cut_supply;
#: two commodities, a recipe, parallel arcs, a two-level action); tests break one thing each.
SMALL_YAML = textwrap.dedent("""\
    name: small
    resources:
      - {id: usd, budget: 2}
    commodities:
      - {id: fentanyl, unit: kg, value: 10}
      - {id: precursor, unit: kg}
    nodes:
      - {id: china, kind: source}
      - {id: lab, kind: lab}
      - {id: border, kind: crossing}
      - {id: nyc, kind: market}
    recipes:
      - {id: synth, node: lab, input: precursor, output: fentanyl, yield: 0.5, capacity: 50}
    supplies:
      - {node: china, commodity: precursor, amount: 100}
    arcs:
      - {id: sea, from: china, to: lab, capacity: 80, seizure: 0.05}
      - {id: truck, from: lab, to: border, capacity: 60, cost: 0.1}
      - {id: pov, from: border, to: nyc, mode: poe_private, capacity: 40, seizure: 0.01}
      - {id: tunnel, from: border, to: nyc, mode: tunnel, capacity: 8}
    actions:
      - id: scan
        levels: [{cost: {usd: 1}}, {cost: {usd: 2}}]
        effects: [{type: raise_seizure, arcs: [pov], amount: [0.02, 0.05]}]
      - id: close_pov
        cost: {usd: 1}
        effects: [{type: cut_capacity, arcs: [pov], amount: 1}]
      - id: precursor_control
        cost: {usd: 2}
        effects: [{type: cut_supply, nodes: [china], amount: 0.5}]
    """)


#: SMALL_YAML's network over three years: a decaying capacity cut, a lab raid that
#: regenerates after a year, a period whose supply grows, carry-over of unspent money.
HORIZON_YAML = SMALL_YAML[:SMALL_YAML.index("  - id: close_pov")] + textwrap.dedent("""\
      - id: close_pov
        cost: {usd: 1}
        timing: {profile: [1, 0.6, 0.3], cost: one_off, repeat: true}
        effects: [{type: cut_capacity, arcs: [pov], amount: 0.5}]
      - id: raid_lab
        cost: {usd: 2}
        timing: {regenerates_after: 1, cost: one_off, repeat: true}
        effects: [{type: remove, nodes: [lab]}]
    horizon:
      periods: {count: 3, unit: year, start: 2021}
      discount: 0.05
      budgets: {usd: [2, 2, 3]}
      carry_over: true
      changes:
        - {period: 2023, supplies: [{node: china, commodity: precursor, amount: 150}]}
""")


def arc(src, dst, cap=INF, cost=0.0, p=0.0, mode="other", id=None, comms=None) -> Arc:
    return Arc(id or f"{src}->{dst}", src, dst, mode, cap, cost, p,
               None if comms is None else tuple(comms))


def action(id, effects, cost=None, levels=None) -> Action:
    """``effects``: list of (type, targets-dict, amounts-tuple-or-number)."""
    if levels is None:
        levels = [cost or {}]
    lv = tuple(Level(dict(c)) for c in levels)
    effs = []
    for etype, targets, amounts in effects:
        if not isinstance(amounts, (tuple, list)):
            amounts = (amounts,) * len(lv)
        t = Targets(**{k: tuple(v) if k != "commodities" else tuple(v) for k, v in targets.items()})
        effs.append(Effect(etype, t, tuple(float(a) for a in amounts)))
    return Action(id, lv, tuple(effs))


def instance(nodes, arcs, *, commodities=None, supplies=(), actions=(), resources=None,
             recipes=(), name="test", check=True) -> Instance:
    """Nodes: list of ids or Node records (ids ending in '*' … use Node for markets)."""
    node_recs = tuple(n if isinstance(n, Node) else Node(n) for n in nodes)
    comms = tuple(commodities or (Commodity("flow", value=1.0),))
    inst = Instance(
        name=name,
        resources=tuple(resources or (Resource("budget", 1.0),)),
        commodities=comms,
        nodes=node_recs,
        arcs=tuple(arcs),
        recipes=tuple(recipes),
        supplies=tuple(Supply(*s) for s in supplies),
        actions=tuple(actions),
    )
    if check:
        problems = validate(inst)
        if problems:
            raise InstanceError(problems)
    return inst


def market(id, **values) -> Node:
    return Node(id, kind="market", values=dict(values))



# ----------------------------------------------------------------------------- shared instances

ROOT = Path(__file__).resolve().parent.parent


SHIPPED = ROOT / "instances" / "mexico_us.yaml"
EXAMPLE = ROOT / "docs" / "example.yaml"


EVASION = textwrap.dedent("""\
    # Morton–Pan–Saeger evasion: single shipments, the smuggler takes the path most likely
    # to evade; a sensor raises an arc's seizure probability.
    name: evasion
    resources: [{id: sensors, budget: 1}]
    commodities: [{id: unit}]
    nodes:
      - {id: s1, kind: source}
      - {id: s2, kind: source}
      - {id: a}
      - {id: t, kind: market, values: {unit: 1}}
    supplies: [{node: s1, commodity: unit, amount: 1}]
    arcs:
      - {id: s1a, from: s1, to: a, seizure: 0.1}
      - {id: s2a, from: s2, to: a, seizure: 0.2}
      - {id: at, from: a, to: t, seizure: 0.5}
      - {id: s1t, from: s1, to: t, seizure: 0.6}
    actions:
      - {id: sensor_s1a, cost: {sensors: 1},
         effects: [{type: raise_seizure, arcs: [s1a], amount: 0.7}]}
      - {id: sensor_s2a, cost: {sensors: 1},
         effects: [{type: raise_seizure, arcs: [s2a], amount: 0.6}]}
      - {id: sensor_at, cost: {sensors: 1},
         effects: [{type: raise_seizure, arcs: [at], amount: 0.4}]}
      - {id: sensor_s1t, cost: {sensors: 1},
         effects: [{type: raise_seizure, arcs: [s1t], amount: 0.3}]}
    scenarios:
      - {id: from_s1, probability: 0.6, shipment: {origin: s1, destination: t, commodity: unit}}
      - {id: from_s2, probability: 0.4, shipment: {origin: s2, destination: t, commodity: unit}}
    """)


def evasion(**kw):
    inst = read_instance_text(EVASION, "evasion.yaml")
    return replace(inst, **kw) if kw else inst


def substitution(budget: float = 1, heroin_value: float = 5.0):
    """Heroin (10 units, value 5) and fentanyl (10 units, value 3) share a border crossing of
    10 load units; harm per unit: heroin 1, fentanyl 10.
    By hand — before: the smuggler fills the border with heroin: value 50, harm 10.
      remove the heroin route: fentanyl fills the border: value 30, harm 100 (fentanyl 0 → 10)
      remove the fentanyl route: value 50, harm 10
      cut the border 20%: 8 heroin: value 40, harm 8.
    Zero-sum (budget 1): remove the heroin route (30). Harm-optimal: cut the border (8)."""
    comms = [Commodity("heroin", value=heroin_value, harm=1.0),
             Commodity("fentanyl", value=3.0, harm=10.0)]
    arcs = [arc("poppy", "border", comms=["heroin"]), arc("lab", "border", comms=["fentanyl"]),
            arc("border", "us", 10)]
    acts = [action("hit heroin route", [("remove", {"arcs": ["poppy->border"]}, 0)],
                   cost={"budget": 1}),
            action("hit fentanyl route", [("remove", {"arcs": ["lab->border"]}, 0)],
                   cost={"budget": 1}),
            action("squeeze border", [("cut_capacity", {"arcs": ["border->us"]}, 0.2)],
                   cost={"budget": 1})]
    nodes = [Node("poppy", "poppy"), Node("lab", "lab"), Node("border", "crossing"),
             Node("us", "market")]
    return instance(nodes, arcs, commodities=comms,
                    supplies=[("poppy", "heroin", 10), ("lab", "fentanyl", 10)], actions=acts,
                    resources=[Resource("budget", budget)])


def ties():
    """Heroin and fentanyl both worth 4: the smuggler is indifferent to the mix on the
    border (10 units). Optimistic: all heroin, harm 10. Pessimistic: all fentanyl, harm
    100, unless the fentanyl route is hit (harm 10)."""
    return substitution(heroin_value=3.0)


def recipe_instance(budget: float):
    """Precursor (100 kg in China) → lab (yield 0.5, ≤ 40 kg of input) → fentanyl (value 10,
    load 0.5); heroin (30 kg, value 3, load 1); both share the border arc (25 load units).
    By hand, before: 20 kg fentanyl (10 load) + 15 kg heroin = 200 + 45 = 245.
    Remove the lab: heroin fills the border, 25·3 = 75 (heroin deliveries rise from 15 to 25).
    Cut the border 60% (10 load units): 20 kg fentanyl = 200.
    B=1 → 75 (remove the lab); B=2 → both: 10 kg heroin = 30."""
    comms = [Commodity("precursor", "kg"), Commodity("fentanyl", "kg", load=0.5, value=10),
             Commodity("heroin", "kg", value=3)]
    arcs = [arc("cn", "lab", 100, comms=["precursor"]), arc("lab", "border", comms=["fentanyl"]),
            arc("poppy", "border", comms=["heroin"]), arc("border", "us", 25)]
    recipes = [Recipe("synth", "lab", "precursor", "fentanyl", 0.5, 40)]
    acts = [action("raid lab", [("remove", {"nodes": ["lab"]}, 0)], cost={"budget": 1}),
            action("squeeze border", [("cut_capacity", {"arcs": ["border->us"]}, 0.6)],
                   cost={"budget": 1})]
    nodes = [Node("cn", "source"), Node("lab", "lab"), Node("poppy", "poppy"),
             Node("border", "crossing"), market("us")]
    return instance(nodes, arcs, commodities=comms, recipes=recipes,
                    supplies=[("cn", "precursor", 100), ("poppy", "heroin", 30)], actions=acts,
                    resources=[Resource("budget", budget)])


def levels_instance(usd: float, teams: float):
    """Two parallel arcs of 10 units each, value 1. 'scan a1' has exclusive levels cutting a1
    by 50/60/90% for 2/4/6 usd; 'raid a2' cuts a2 by 50% for 1 usd + 1 team; 'seal a2'
    removes a2 for 2 teams. By hand: (usd 5, teams 1) → scan@2 + raid = 4 + 5 = 9;
    (usd 6, teams 0) → scan@3 = 1 + 10 = 11 (levels 1+2 together would be cheaper per cut
    but are exclusive); (usd 6, teams 2) → scan@3 + seal = 1."""
    arcs = [arc("s", "t", 10, id="a1"), arc("s", "t", 10, id="a2")]
    acts = [
        action("scan a1", [("cut_capacity", {"arcs": ["a1"]}, (0.5, 0.6, 0.9))],
               levels=[{"usd": 2}, {"usd": 4}, {"usd": 6}]),
        action("raid a2", [("cut_capacity", {"arcs": ["a2"]}, 0.5)], cost={"usd": 1, "teams": 1}),
        action("seal a2", [("remove", {"arcs": ["a2"]}, 0)], cost={"teams": 2}),
    ]
    return instance(["s", market("t")], arcs, supplies=[("s", "flow", math.inf)], actions=acts,
                    resources=[Resource("usd", usd), Resource("teams", teams)])


def duplicate_cuts():
    """Lane a (10 units, free) and lane b (10 units at 0.5 per unit) from s to t, supply
    10, each unit worth 1; two actions ('cut a', 'cut a again') both remove lane a, budget
    2. With both taken the smuggler's value is 5 (lane b) and either one is redundant."""
    arcs = [arc("s", "t", 10, id="a"), arc("s", "t", 10, cost=0.5, id="b")]
    acts = [action("cut a", [("remove", {"arcs": ["a"]}, 0)], cost={"budget": 1}),
            action("cut a again", [("remove", {"arcs": ["a"]}, 0)], cost={"budget": 1})]
    return instance(["s", market("t")], arcs, supplies=[("s", "flow", 10)], actions=acts,
                    resources=[Resource("budget", 2)])


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 8))
    two = bool(rng.integers(0, 2))
    comms = [Commodity("raw", value=float(rng.choice([0.0, 1.0, 2.0])))]
    if two:
        comms.append(Commodity("product", load=float(rng.choice([0.5, 1.0])),
                               value=float(rng.integers(5, 20))))
    ids = [f"n{i}" for i in range(n)]
    nodes = [Node(ids[0], "source")] + [Node(i) for i in ids[1:-1]] + [Node(ids[-1], "market")]
    arcs = []
    for i in range(n - 1):  # a backbone path so the market is reachable
        arcs.append((i, i + 1))
    for i in range(n):
        for j in range(n):
            if i != j and (i, j) not in arcs and rng.random() < (0.3 if i < j else 0.08):
                arcs.append((i, j))
    arc_recs = []
    for i, j in arcs:
        cap = math.inf if rng.random() < 0.25 else float(rng.integers(1, 20))
        allowed = None
        if two and rng.random() < 0.3:
            allowed = [str(rng.choice(["raw", "product"]))]
        arc_recs.append(arc(ids[i], ids[j], cap, cost=float(rng.choice([0.0, 0.5, 1.0])),
                            p=float(rng.choice([0.0, 0.1, 0.25])), comms=allowed))
    recipes = []
    if two:
        at = ids[int(rng.integers(1, n - 1))]
        cap = math.inf if rng.random() < 0.4 else float(rng.integers(2, 15))
        rate = float(rng.choice([0.5, 1.0, 2.0]))
        recipes.append(Recipe("make", at, "raw", "product", rate, cap))
    supplies = [(ids[0], "raw", float(rng.integers(5, 30)))]
    two_res = bool(rng.integers(0, 2))
    resources = [Resource("r1", float(rng.integers(0, 5)))]
    if two_res:
        resources.append(Resource("r2", float(rng.integers(0, 3))))
    acts = []
    n_act = int(rng.integers(2, 5))
    for j in range(n_act):
        levels = int(rng.integers(1, 3))
        kind = str(rng.choice(["remove_arc", "remove_node", "cut_capacity", "raise_seizure",
                               "raise_cost", "cut_supply", "remove_recipe", "cut_recipe"]))
        a = arc_recs[int(rng.integers(0, len(arc_recs)))]
        grow = np.sort(rng.choice([0.1, 0.2, 0.3, 0.5], size=levels, replace=False))
        if kind == "remove_arc":
            eff = ("remove", {"arcs": [a.id]}, 0)
        elif kind == "remove_node":
            eff = ("remove", {"nodes": [ids[int(rng.integers(1, n - 1))]]}, 0)
        elif kind == "cut_capacity":
            finite = [x for x in arc_recs if math.isfinite(x.capacity)]
            if not finite:
                continue
            a = finite[int(rng.integers(0, len(finite)))]
            eff = ("cut_capacity", {"arcs": [a.id]}, tuple(float(g) for g in grow))
        elif kind == "raise_seizure":
            t = {"arcs": [a.id]}
            if two and rng.random() < 0.4:
                t["commodities"] = ["product"]
            eff = ("raise_seizure", t, tuple(float(g) / 2 for g in grow))
        elif kind == "raise_cost":
            eff = ("raise_cost", {"arcs": [a.id]}, tuple(float(g) * 10 for g in grow))
        elif kind == "cut_supply":
            eff = ("cut_supply", {"nodes": [ids[0]]}, tuple(float(g) for g in grow))
        elif kind == "remove_recipe" and recipes:
            eff = ("remove", {"recipes": ["make"]}, 0)
        elif kind == "cut_recipe" and recipes and math.isfinite(recipes[0].capacity):
            eff = ("cut_capacity", {"recipes": ["make"]}, tuple(float(g) for g in grow))
        else:
            continue
        costs = []
        for lv in range(levels):
            c = {"r1": float(rng.integers(1, 3) + lv)}
            if two_res and rng.random() < 0.5:
                c["r2"] = float(rng.integers(1, 3))
            costs.append(c)
        acts.append(action(f"act{j}", [eff], levels=costs))
    return instance(nodes, arc_recs, commodities=comms, recipes=recipes, supplies=supplies,
                    actions=acts, resources=resources)


def random_route_instance(seed: int, kind: str = "evasion", n_scenarios: int = 3,
                          budget: float = 2.0, n_actions: int = 6):
    """A random single-commodity instance with scenarios and route structure
    (``decomposition.paths``): ``kind`` "evasion" (seizures, no costs; sensors raise
    seizure, some actions remove arcs or have two levels) or "shortest-path" (costs, no
    seizure; actions raise costs or remove arcs). Each arc is acted on by one action at
    most. Scenarios are single shipments between random sources and markets, some with arc
    overrides (lower seizure or cost) — so the blocks differ."""
    from optimizer.instance.model import Scenario, Shipment

    rng = np.random.default_rng(seed)
    n_src, n_mid, n_mkt = int(rng.integers(1, 4)), int(rng.integers(3, 7)), int(rng.integers(1, 3))
    src = [f"s{i}" for i in range(n_src)]
    mid = [f"n{i}" for i in range(n_mid)]
    mkt = [f"m{i}" for i in range(n_mkt)]
    evasion_kind = kind == "evasion"
    nodes = ([Node(i, "source") for i in src] + [Node(i) for i in mid]
             + [Node(m, "market", values={"unit": float(rng.choice([1.0, 2.0, 3.0]))})
                for m in mkt])
    pairs = {(s, mid[0]) for s in src} | {(mid[-1], m) for m in mkt}  # a backbone:
    pairs |= {(a, b) for a, b in zip(mid, mid[1:])}  # every market reachable from every source
    for a in mid + src:
        for b in mid + mkt:
            if a != b and rng.random() < 0.3:
                pairs.add((a, b))
    arcs = []
    for a, b in sorted(pairs):
        if evasion_kind:
            arcs.append(arc(a, b, p=float(rng.choice([0.0, 0.1, 0.3, 0.5]))))
        else:
            arcs.append(arc(a, b, cost=float(rng.integers(0, 4))))
    targets = rng.permutation(len(arcs))[:n_actions]
    acts = []
    for j, t in enumerate(targets.tolist()):
        a = arcs[t]
        roll = rng.random()
        if roll < 0.2:
            eff, levels = ("remove", {"arcs": [a.id]}, 0), [{"budget": 1.0}]
        elif roll < 0.45:  # two exclusive levels
            if evasion_kind:
                room = 1.0 - a.seizure
                eff = ("raise_seizure", {"arcs": [a.id]}, (0.4 * room, 0.9 * room))
            else:
                eff = ("raise_cost", {"arcs": [a.id]}, (2.0, 5.0))
            levels = [{"budget": 1.0}, {"budget": 2.0}]
        else:
            amount = (1.0 - a.seizure) * float(rng.choice([0.5, 0.9])) if evasion_kind \
                else float(rng.choice([1.0, 3.0]))
            eff = ("raise_seizure" if evasion_kind else "raise_cost", {"arcs": [a.id]}, amount)
            levels = [{"budget": float(rng.choice([1.0, 1.0, 2.0]))}]
        acts.append(action(f"act{j}", [eff], levels=levels))
    scenarios = []
    probs = rng.dirichlet(np.ones(n_scenarios))
    for i in range(n_scenarios):
        over = {}
        if rng.random() < 0.4:
            a = arcs[int(rng.integers(len(arcs)))]
            over = {a.id: {"seizure": a.seizure / 2} if evasion_kind else {"cost": 0.0}}
        scenarios.append(Scenario(f"sc{i}", float(probs[i]), arcs=over, shipment=Shipment(
            str(rng.choice(src)), str(rng.choice(mkt)), "unit", float(rng.integers(1, 4)),
            float(rng.choice([1.0, 5.0, 10.0])))))
    inst = instance(nodes, arcs, commodities=[Commodity("unit", value=1.0)],
                    supplies=[(s, "unit", 1.0) for s in src], actions=acts,
                    resources=[Resource("budget", budget)])
    return replace(inst, scenarios=tuple(scenarios))


def valid_random_instance(i: int):
    """The i-th valid instance of ``random_instance`` over seeds 0, 1, 2, …"""
    found, seed = -1, 0
    while True:
        try:
            inst = random_instance(seed)
            found += 1
            if found == i:
                return inst
        except InstanceError:
            pass
        seed += 1


def with_node_raids(inst: Instance, seed: int) -> Instance:
    """``inst`` plus a supply of its first commodity at a middle node and three one-level
    actions that remove nodes: that supplied node (its supply stays, so the dual MILP states
    the removal on the node's out side), another middle node (no supply: the in side) and
    the market (its sales). Deterministic in ``seed``; raises InstanceError when invalid."""
    rng = np.random.default_rng(seed + 104729)
    middle = [n.id for n in inst.nodes[1:-1]]
    supplied, other = middle[0], middle[-1]
    if len(middle) > 2:
        supplied, other = (str(v) for v in rng.choice(middle, size=2, replace=False))
    first = inst.commodities[0].id
    sups = tuple(inst.supplies) + (Supply(supplied, first, float(rng.integers(3, 15))),)
    market_node = inst.nodes[-1].id
    raids = tuple(action(f"raid_{n}", [("remove", {"nodes": [n]}, 0)],
                         cost={inst.resources[0].id: float(rng.integers(1, 3))})
                  for n in (supplied, other, market_node))
    out = replace(inst, supplies=sups, actions=tuple(inst.actions) + raids)
    problems = validate(out)
    if problems:
        raise InstanceError(problems)
    return out


def random_stochastic(seed: int):
    inst = random_instance(seed)
    rng = np.random.default_rng(seed + 1)
    n = int(rng.integers(2, 4))
    probs = rng.dirichlet(np.ones(n))
    probs = np.round(probs / probs.sum(), 6)
    probs[-1] = round(1.0 - probs[:-1].sum(), 6)
    scens = []
    for i in range(n):
        arcs = {}
        for a in inst.arcs:
            if rng.random() < 0.3:
                over = {}
                if math.isfinite(a.capacity):
                    over["capacity"] = float(rng.integers(0, 25))
                over["seizure"] = float(rng.choice([0.0, 0.05, 0.2]))
                arcs[a.id] = over
        supplies = {(s.node, s.commodity): float(rng.integers(3, 40)) for s in inst.supplies}
        remove = tuple(a.id for a in inst.arcs[1:] if rng.random() < 0.1)
        scens.append(Scenario(f"s{i}", float(probs[i]), arcs=arcs, supplies=supplies,
                              remove_arcs=remove))
    return replace(inst, scenarios=tuple(scens))

__all__ = ["arc", "action", "instance", "market", "INF", "Node", "Commodity", "Recipe",
           "Resource", "Supply", "random_instance", "recipe_instance", "levels_instance",
           "substitution", "ties", "evasion", "EVASION", "ROOT", "SHIPPED", "assert_certified",
           "valid_random_instance", "SMALL_YAML", "HORIZON_YAML", "with_markets",
           "random_stochastic", "with_beliefs", "duplicate_cuts", "random_route_instance",
           "with_node_raids"]


def assert_certified(result, optimal: bool = True) -> None:
    """The result's certificate checked what it must: the plan re-evaluated, the bound
    valid, and (when optimal) the plan's figure equal to the MILP's claim."""
    cert = result.certificate
    checks = " | ".join(cert.checks)
    assert "budgets and exclusive levels kept" in checks
    assert "re-solved with the plan fixed" in checks
    harm = getattr(result, "harm", None)  # a horizon result has no harm, no beliefs
    beliefs = getattr(result, "beliefs", None)
    if harm is not None:
        assert cert.plan_value == harm.harm_after
    elif beliefs is not None:  # the certified figure: the smuggler's true value
        assert cert.plan_value == pytest.approx(beliefs.after.true_value, abs=cert.tolerance)
    else:
        assert cert.plan_value == getattr(result, "value_after",
                                          getattr(result, "objective_after", None))
    mode = (harm.mode if harm is not None else
            beliefs.mode if beliefs is not None else "optimistic")
    if optimal:
        assert result.optimal
        if mode == "optimistic":
            assert "= MILP objective (optimal)" in checks, checks
    if result.bound is not None:
        assert "≥ proven bound" in checks, checks
        assert cert.plan_value >= result.bound - cert.tolerance


def with_markets(inst: Instance, seed: int) -> Instance:
    """``inst`` with curves: the market's commodities sold as one good along a falling
    demand curve (the commodities substitute), and the first supply produced along a
    rising cost curve. Deterministic in ``seed``."""
    from optimizer.instance.model import Market, Piece

    rng = np.random.default_rng(seed + 7919)
    market_node = next(n.id for n in inst.nodes if n.kind == "market")
    valued = [c for c in inst.commodities if c.value > 0] or list(inst.commodities)
    accepts = {c.id: float(rng.choice([0.5, 1.0, 2.0])) for c in valued}
    p1 = float(rng.integers(4, 12))
    curve = (Piece(float(rng.integers(3, 10)), p1),
             Piece(float(rng.integers(11, 25)), p1 * float(rng.choice([0.25, 0.5, 0.75]))),
             Piece(math.inf, 0.0) if rng.random() < 0.5 else Piece(40.0, 0.1))
    market = Market(market_node, "doses", accepts, curve)
    sups = list(inst.supplies)
    s0 = sups[0]
    cost = float(rng.choice([0.0, 0.5, 1.0]))
    sups[0] = replace(s0, amount=30.0, curve=(Piece(float(rng.integers(5, 15)), cost),
                                              Piece(30.0, cost + float(rng.integers(1, 4)))))
    nodes = tuple(replace(n, values={}) for n in inst.nodes)
    comms = tuple(replace(c, value=0.0) for c in inst.commodities)
    out = replace(inst, markets=(market,), supplies=tuple(sups), nodes=nodes, commodities=comms)
    problems = validate(out)
    if problems:
        raise InstanceError(problems)
    return out


def with_beliefs(inst: Instance, seed: int) -> Instance:
    """``inst`` with a smuggler that believes other data: some arcs with a perceived seizure
    or cost (in half the instances every other arc looks alike to it, so that it has many
    optimal responses), some seizure / cost effects covert or misperceived (within the
    effect's range), replacement values on the commodities. Raises InstanceError when the result is
    invalid (e.g. perceived seizures that can total more than 1)."""
    rng = np.random.default_rng(seed + 7)
    flat = rng.random() < 0.5  # half the instances: every other arc looks alike (ties)
    arcs = []
    for a in inst.arcs:
        u = rng.random()
        if flat and u >= 0.4:
            a = replace(a, perceived_seizure=0.1, perceived_cost=0.0)
        elif u < 0.25:
            a = replace(a, perceived_seizure=float(rng.choice([0.0, 0.1, 0.3, 0.5])))
        elif u < 0.4:
            a = replace(a, perceived_cost=float(rng.choice([0.0, 0.5, 2.0])))
        arcs.append(a)
    actions = []
    for act in inst.actions:
        effects = []
        for e in act.effects:
            if e.type in ("raise_seizure", "raise_cost"):
                u = rng.random()
                if u < 0.35:
                    e = replace(e, perceived=False)
                elif u < 0.7:
                    top = 0.45 if e.type == "raise_seizure" else 8.0
                    e = replace(e, perceived_amounts=tuple(
                        float(v) for v in np.sort(rng.uniform(0.05, top, len(e.amounts)))))
            effects.append(e)
        actions.append(replace(act, effects=tuple(effects)))
    comms = tuple(replace(c, replacement=float(rng.choice([0.0, 1.0, 5.0])),
                          harm=float(rng.choice([0.5, 1.0, 3.0])))
                  for c in inst.commodities)
    out = replace(inst, arcs=tuple(arcs), actions=tuple(actions), commodities=comms)
    problems = validate(out)
    if problems:
        raise InstanceError(problems)
    return out


# ----------------------------------------------------------------------------- observations

#: Two lanes in series, two commodities in different units, groups of every kind, and
#: observations. By hand (no action): 100 kg fentanyl and 50 thousand pills leave src;
#: lane1 (p = 0.1) seizes 10 kg and 5 thousand pills, lane2 (p = 0.2) 18 kg and 9;
#: 72 kg and 36 thousand pills reach hub.
LANES_YAML = textwrap.dedent("""\
    name: lanes
    resources: [{id: usd, budget: 1}]
    commodities:
      - {id: fentanyl, unit: kg, value: 10}
      - {id: pills, unit: thousand pills, value: 2}
    nodes:
      - {id: src, kind: source, country: MX}
      - {id: mid, kind: crossing, country: MX, organization: CJNG}
      - {id: hub, kind: market, country: US}
    supplies:
      - {node: src, commodity: fentanyl, amount: 100}
      - {node: src, commodity: pills, amount: 50}
    arcs:
      - {id: lane1, from: src, to: mid, seizure: 0.1}
      - {id: lane2, from: mid, to: hub, mode: poe_private,
         seizure: {value: 0.2, source: "scan rate x find rate"}}
    actions:
      - {id: scan, cost: {usd: 1}, effects: [{type: raise_seizure, arcs: [lane2], amount: 0.1}]}
    groups:
      - {id: border, arcs: [lane2]}
      - {id: at_mid, nodes: [mid]}
      - {id: mexico, countries: [MX]}
      - {id: us, countries: [US]}
      - {id: markets, kinds: [market]}
      - {id: cjng, organizations: [CJNG]}
      - {id: pov, modes: [poe_private]}
    observations:
      - {id: seized_border, measure: seized, group: border, commodity: fentanyl, value: 18,
         tolerance: 1, source: "CBP"}
      - {id: share_border, measure: seizure_share, group: border, commodity: fentanyl,
         value: 0.6, tolerance: 0.05}
      - {id: pills_ratio, measure: ratio, group: border, units: {pills: 0.1}, unit: kg,
         numerator: {measure: seized, commodity: pills},
         denominator: {measure: seized, commodity: [pills, fentanyl]}, value: 0.05,
         tolerance: 0.01}
    parameters:
      - {id: p2, field: arcs/lane2/seizure, bounds: [0.05, 0.5], reason: "scan rate unknown"}
    """)


def calibration_yaml(p: dict[str, float], tolerance: float = 0.02) -> str:
    """Three parallel lanes after a sea leg; observations of the units seized on each,
    computed by hand for the seizure rates ``TRUE_RATES``, and the four rates declared as
    parameters with the file's values ``p``. By hand, with all 100 kg shipped: sea seizes
    100·p_sea, lane A (capacity 40) 40·p_a, lane B (capacity 30) 30·p_b, lane C the rest,
    p_c·(100·(1 − p_sea) − 70): 10, 2, 6 and 6 kg at the true rates. ``tolerance`` is a
    fraction of each observed value."""
    t = TRUE_RATES
    seized = {"sea": 100 * t["sea"], "a": 40 * t["a"], "b": 30 * t["b"],
              "c": t["c"] * (100 * (1 - t["sea"]) - 70)}
    obs = "\n".join(
        f"  - {{id: seized_{k}, measure: seized, group: lane_{k}, value: {v:.12g}, "
        f"tolerance: {tolerance * v:.12g}, source: \"by hand\"}}" for k, v in seized.items())
    params = "\n".join(f"  - {{id: p_{k}, field: arcs/{k}/seizure, bounds: [0.01, 0.5]}}"
                       for k in seized)
    groups = "\n".join(f"  - {{id: lane_{k}, arcs: [{k}]}}" for k in seized)
    return textwrap.dedent(f"""\
        name: parallel
        resources: [{{id: usd, budget: 1}}]
        commodities: [{{id: fentanyl, unit: kg, value: 10}}]
        nodes:
          - {{id: src, kind: source}}
          - {{id: mid}}
          - {{id: hub, kind: market}}
        supplies: [{{node: src, commodity: fentanyl, amount: 100}}]
        arcs:
          - {{id: sea, from: src, to: mid, seizure: {p['sea']}}}
          - {{id: a, from: mid, to: hub, capacity: 40, seizure: {p['a']}}}
          - {{id: b, from: mid, to: hub, capacity: 30, cost: 1, seizure: {p['b']}}}
          - {{id: c, from: mid, to: hub, cost: 2, seizure: {{value: {p['c']}, source: "a guess"}}}}
        actions:
          - {{id: scan_c, cost: {{usd: 1}},
             effects: [{{type: raise_seizure, arcs: [c], amount: 0.2}}]}}
        """) + f"groups:\n{groups}\nobservations:\n{obs}\nparameters:\n{params}\n"


#: the seizure rates the observations of ``calibration_yaml`` were computed from
TRUE_RATES = {"sea": 0.1, "a": 0.05, "b": 0.2, "c": 0.3}

__all__ += ["LANES_YAML", "calibration_yaml", "TRUE_RATES"]
