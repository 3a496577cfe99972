"""Small builders for test instances (records built directly, then validated)."""

from __future__ import annotations

import math
import textwrap

import numpy as np

from optimizer.errors import InstanceError
from optimizer.instance.model import (
    Action, Arc, Commodity, Effect, Instance, Level, Node, Recipe, Resource, Supply, Targets,
)
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


def random_instance(seed: int):
    """A random small valid instance (4–7 nodes, up to two commodities and a recipe, 2–4
    actions of every effect type); raises InstanceError for the rare invalid draw."""
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
        recipes.append(Recipe("make", at, "raw", "product", float(rng.choice([0.5, 1.0, 2.0])), cap))
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


__all__ = ["arc", "action", "instance", "market", "random_instance", "SMALL_YAML", "INF", "Node", "Commodity", "Recipe",
           "Resource", "Supply"]
