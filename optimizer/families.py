"""The classic interdiction families on a networkx graph, answered in their own units.

- ``max_flow_interdiction``: remove arcs to cut the most s–t flow (Wood 1993); the answer
  is a maximum flow.
- ``shortest_path_interdiction``: remove (or lengthen) arcs so the shortest s–t path is as
  long as possible (Israeli & Wood 2002); the answer is a path length, ``inf`` when no
  path is left.
- ``evasion_interdiction``: place sensors so the most evasive path evades with the least
  probability (Morton, Pan & Saeger 2007); the answer is a probability.

Each builds an instance with ``optimizer.build``, solves it with the certified pipeline,
converts the smuggler's value to the family's unit, and checks that number against an
independent computation on the interdicted graph (networkx max flow, Dijkstra), raising
``SolveError`` if they disagree.

The shortest path needs care: the engine's smuggler earns value − cost, so a shipment
worth too little would simply not travel when every path got long, and the "optimal"
answer would be silently wrong. Here the unit shipped is worth V = 1 + Σ (length +
lengthening) over all arcs, more than any simple path can cost after any plan, so it
always travels while a path is left; the length is then V − value, and 0 value means no
path.

>>> import networkx as nx
>>> from optimizer.families import max_flow_interdiction, shortest_path_interdiction
>>> G = nx.DiGraph()
>>> G.add_edge("s", "a", capacity=3, length=1)
>>> G.add_edge("a", "t", capacity=2, length=1)
>>> G.add_edge("s", "t", capacity=4, length=5)
>>> mf = max_flow_interdiction(G, "s", "t", budget=1)
>>> mf.max_flow_before, mf.max_flow, mf.removed
(6.0, 2.0, ('s->t',))
>>> sp = shortest_path_interdiction(G, "s", "t", budget=1)
>>> sp.length_before, sp.length, sp.path
(2.0, 5.0, ('s', 't'))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .build import (
    action,
    arc,
    commodity,
    effect,
    network,
    node,
    remove,
    resource,
    scenario,
    shipment,
    supply,
)
from .errors import SolveError
from .options import SolveOptions
from .results.types import InterdictionResult

FLOW = "flow"
BUDGET = "budget"


@dataclass(frozen=True)
class MaxFlowInterdiction:
    max_flow_before: float  # units of flow, no arc removed
    max_flow: float  # after the removals
    removed: tuple[str, ...]  # arc ids ("u->v"; for an undirected edge both directions go)
    result: InterdictionResult  # the engine's certified result (smuggler's value = max flow)


@dataclass(frozen=True)
class ShortestPathInterdiction:
    length_before: float  # shortest path length, no interdiction
    length: float  # after it (inf: no path left)
    path: tuple[str, ...]  # the shortest path left (nodes; () when none)
    interdicted: tuple[str, ...]  # arcs removed or lengthened
    shipment_value: float  # V, the value that forces the shipment to travel
    result: InterdictionResult


@dataclass(frozen=True)
class EvasionInterdiction:
    evasion_before: float  # probability the shipment evades (expected over shipments)
    evasion: float  # after the sensors are placed
    sensors: tuple[str, ...]  # arcs with a sensor
    result: InterdictionResult


def _edges(G: Any) -> list[tuple[str, str, dict, tuple[tuple[str, str], ...]]]:
    """(u, v, attributes, arcs) per edge: one arc u→v, or both directions for an
    undirected graph (one edge, one action)."""
    if G.is_multigraph():
        raise ValueError("the family helpers take simple graphs (no parallel edges); build a "
                         "multigraph instance with optimizer.build.from_networkx")
    out: list[tuple[str, str, dict, tuple[tuple[str, str], ...]]] = []
    for u, v, d in G.edges(data=True):
        u, v = str(u), str(v)
        arcs: tuple[tuple[str, str], ...] = ((u, v),) if G.is_directed() else ((u, v), (v, u))
        out.append((u, v, d, arcs))
    return out


def _arc_id(u: str, v: str) -> str:
    return f"{u}->{v}"


def _removal_actions(edges, removal_cost: str, default_cost: float | None) -> list:
    acts = []
    for u, v, d, arcs in edges:
        cost = d.get(removal_cost, default_cost)
        if cost is None:
            continue
        acts.append(action(f"remove {_arc_id(u, v)}", [remove(arcs=[_arc_id(*a) for a in arcs])],
                           cost={BUDGET: cost}))
    return acts


def _solve(inst, options: SolveOptions | None) -> InterdictionResult:
    from .pipeline import solve

    return solve(inst, options)


def _chosen_arcs(result: InterdictionResult) -> tuple[str, ...]:
    """The arcs the plan acts on (from the actions' names "remove u->v" / "sensor u->v")."""
    return tuple(sorted(a.split(" ", 1)[1] for a in result.plan.as_dict()))


def _agree(what: str, engine: float, independent: float, scale: float = 1.0) -> None:
    if math.isinf(engine) and math.isinf(independent):
        return
    if not abs(engine - independent) <= 1e-7 * max(1.0, abs(scale)):
        raise SolveError(f"{what}: the engine gives {engine!r}, an independent computation "
                         f"on the interdicted graph {independent!r}; please report")


# ----------------------------------------------------------------------------- max flow
def max_flow_interdiction(G: Any, source: Any, sink: Any, budget: float, *,
                          capacity: str = "capacity", removal_cost: str = "removal_cost",
                          default_cost: float | None = 1.0,
                          options: SolveOptions | None = None) -> MaxFlowInterdiction:
    """Remove arcs, each costing its ``removal_cost`` attribute (``default_cost`` when
    absent; None: such arcs cannot be removed) within ``budget``, to minimise the maximum
    ``source``→``sink`` flow; capacities from the ``capacity`` attribute (absent:
    unlimited, as networkx reads it). The flows are checked with networkx."""
    import networkx as nx

    s, t = str(source), str(sink)
    edges = _edges(G)
    arcs = [arc(a, b, capacity=d.get(capacity, math.inf)) for _u, _v, d, pair in edges
            for a, b in pair]
    inst = network(nodes=[node(str(n), "market" if str(n) == t else "transit",
                               values={FLOW: 1.0} if str(n) == t else None) for n in G.nodes],
                   arcs=arcs, commodities=[commodity(FLOW)], supplies=[supply(s, FLOW)],
                   actions=_removal_actions(edges, removal_cost, default_cost),
                   resources=[resource(BUDGET, budget)], name="max-flow interdiction")
    result = _solve(inst, options)
    removed = _chosen_arcs(result)
    gone = {a for u, v, _d, pair in edges if _arc_id(u, v) in removed for a in pair}
    H = nx.DiGraph()
    H.add_nodes_from(str(n) for n in G.nodes)
    for a in arcs:
        if (a.source, a.target) not in gone:
            H.add_edge(a.source, a.target, **({} if math.isinf(a.capacity)
                                               else {"capacity": a.capacity}))
    _agree("max flow", result.value_after, nx.maximum_flow_value(H, s, t), result.value_after)
    return MaxFlowInterdiction(result.value_before, result.value_after, removed, result)


# ----------------------------------------------------------------------------- shortest path
def shortest_path_interdiction(G: Any, source: Any, target: Any, budget: float, *,
                               length: str = "length", delay: str | None = None,
                               removal_cost: str = "removal_cost",
                               default_cost: float | None = 1.0,
                               options: SolveOptions | None = None
                               ) -> ShortestPathInterdiction:
    """Interdict arcs within ``budget`` (each costing ``removal_cost``, ``default_cost``
    when absent, None: not interdictable) to make the shortest ``source``→``target`` path
    (lengths from the ``length`` attribute, default 1) as long as possible. An arc with a
    ``delay`` attribute (when ``delay`` names one) is lengthened by it; the others are
    removed. The length is checked with Dijkstra (networkx) on the interdicted graph."""
    import networkx as nx

    s, t = str(source), str(target)
    edges = _edges(G)
    lengths = {(a, b): float(d.get(length, 1.0)) for _u, _v, d, pair in edges for a, b in pair}
    delays = {(a, b): float(d[delay]) for _u, _v, d, pair in edges for a, b in pair
              if delay is not None and delay in d}
    worth = 1.0 + sum(lengths.values()) + sum(delays.values())
    acts = []
    for u, v, d, pair in edges:
        cost = d.get(removal_cost, default_cost)
        if cost is None:
            continue
        ids = [_arc_id(*a) for a in pair]
        eff = (effect("raise_cost", amount=delays[pair[0]], arcs=ids)
               if pair[0] in delays else remove(arcs=ids))
        acts.append(action(f"interdict {_arc_id(u, v)}", [eff], cost={BUDGET: cost}))
    inst = network(nodes=[node(str(n), "market" if str(n) == t else "transit",
                               values={FLOW: worth} if str(n) == t else None)
                          for n in G.nodes],
                   arcs=[arc(a, b, cost=c) for (a, b), c in lengths.items()],
                   commodities=[commodity(FLOW)], supplies=[supply(s, FLOW, 1.0)],
                   actions=acts, resources=[resource(BUDGET, budget)],
                   name="shortest-path interdiction")
    result = _solve(inst, options)
    chosen = _chosen_arcs(result)

    def to_length(value: float) -> float:
        return math.inf if value <= 1e-9 * worth else worth - value

    after = to_length(result.value_after)
    H = nx.DiGraph()
    H.add_nodes_from(str(n) for n in G.nodes)
    hit = {a for u, v, _d, pair in edges if _arc_id(u, v) in chosen for a in pair}
    for (a, b), c in lengths.items():
        if (a, b) in hit and (a, b) not in delays:
            continue
        H.add_edge(a, b, length=c + (delays.get((a, b), 0.0) if (a, b) in hit else 0.0))
    try:
        check, path = nx.single_source_dijkstra(H, s, t, weight="length")
    except nx.NetworkXNoPath:
        check, path = math.inf, []
    _agree("shortest path length", after, check, worth)
    return ShortestPathInterdiction(to_length(result.value_before), after,
                                    tuple(path) if math.isfinite(after) else (), chosen,
                                    worth, result)


# ----------------------------------------------------------------------------- evasion
def evasion_interdiction(G: Any, shipments: Sequence[tuple], budget: float, *,
                         evade: str = "evade", evade_with_sensor: str = "evade_with_sensor",
                         sensor_cost: str = "sensor_cost", default_cost: float = 1.0,
                         options: SolveOptions | None = None) -> EvasionInterdiction:
    """Place sensors within ``budget`` to minimise the probability that a shipment evades
    on its most evasive path (expected over ``shipments``: (origin, destination) or
    (origin, destination, probability); probabilities default to equal shares). Each arc
    evades with probability ``evade`` (default 1) and, with a sensor (possible where
    ``evade_with_sensor`` is given), ``evade_with_sensor``; a sensor costs
    ``sensor_cost`` (default ``default_cost``). Checked with Dijkstra on −log(evasion)."""
    import networkx as nx

    edges = _edges(G)
    r = {(a, b): float(d.get(evade, 1.0)) for _u, _v, d, pair in edges for a, b in pair}
    q = {(a, b): float(d[evade_with_sensor]) for _u, _v, d, pair in edges for a, b in pair
         if evade_with_sensor in d}
    bad = [f"{a}->{b}" for (a, b), v in r.items() if not 0 < v <= 1]
    bad += [f"{a}->{b}" for (a, b), v in q.items() if not 0 <= v <= r[(a, b)]]
    if bad:
        raise ValueError(f"evasion probabilities must satisfy 0 < {evade} ≤ 1 and "
                         f"0 ≤ {evade_with_sensor} ≤ {evade}; not on {', '.join(bad)}")
    acts = []
    for u, v, d, pair in edges:
        raise_by = r[pair[0]] - q.get(pair[0], r[pair[0]])
        if raise_by > 0:
            acts.append(action(f"sensor {_arc_id(u, v)}",
                               [effect("raise_seizure", amount=raise_by,
                                       arcs=[_arc_id(*a) for a in pair])],
                               cost={BUDGET: d.get(sensor_cost, default_cost)}))
    trips = [tuple(x) for x in shipments]
    probs = [float(x[2]) if len(x) > 2 else 1.0 / len(trips) for x in trips]
    scens = [scenario(f"shipment {i + 1}", p, shipment=shipment(str(x[0]), str(x[1]), FLOW))
             for i, (x, p) in enumerate(zip(trips, probs))]
    inst = network(nodes=[node(str(n)) for n in G.nodes],
                   arcs=[arc(a, b, seizure=1.0 - v) for (a, b), v in r.items()],
                   commodities=[commodity(FLOW)], actions=acts,
                   resources=[resource(BUDGET, budget)], scenarios=scens,
                   name="evasion interdiction")
    result = _solve(inst, options)
    sensors = _chosen_arcs(result)
    watched = {a for u, v, _d, pair in edges if _arc_id(u, v) in sensors for a in pair}
    _agree("evasion probability", result.value_after,
           _most_evasive(nx, G, r, q, watched, trips, probs))
    return EvasionInterdiction(result.value_before, result.value_after, sensors, result)


def _most_evasive(nx: Any, G: Any, r: dict, q: dict, watched: set, trips: Iterable[tuple],
                  probs: Iterable[float]) -> float:
    """Σ probability × max over paths of Π evasion, by Dijkstra on −log evasion."""
    H = nx.DiGraph()
    H.add_nodes_from(str(n) for n in G.nodes)
    for a, ev in r.items():
        ev = q[a] if a in watched else ev
        if ev > 0:
            H.add_edge(*a, w=-math.log(ev))
    total = 0.0
    for x, p in zip(trips, probs):
        try:
            total += p * math.exp(-nx.shortest_path_length(H, str(x[0]), str(x[1]),
                                                           weight="w"))
        except nx.NetworkXNoPath:
            pass
    return total


__all__ = ["EvasionInterdiction", "MaxFlowInterdiction", "ShortestPathInterdiction",
           "evasion_interdiction", "max_flow_interdiction", "shortest_path_interdiction"]
