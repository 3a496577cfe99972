"""Build instances in memory: typed constructors, and from a networkx graph.

Each constructor returns the engine's own record (``Node``, ``Arc``, ``Action`` …) and
checks its numbers as the file reader does (ranges, NaN, ``inf`` only where unlimited
makes sense), raising ``InstanceError`` naming the record and field. ``network`` puts the
records together and runs every cross-record check of a file (references, targets,
reachability, scenarios), so an instance built here is exactly as valid as one read from
a file — without writing text and parsing it again.

>>> from optimizer import solve
>>> from optimizer.build import action, arc, network, node, remove, supply
>>> inst = network(
...     nodes=[node("s"), node("a"), node("t", "market", values={"flow": 1})],
...     arcs=[arc("s", "a", capacity=3), arc("a", "t", capacity=2), arc("s", "t", capacity=4)],
...     supplies=[supply("s", "flow")],
...     actions=[action("cut s-t", [remove(arcs=["s->t"])], cost={"budget": 1})],
...     budgets={"budget": 1})
>>> r = solve(inst)
>>> r.value_before, r.value_after, r.plan.as_dict()
(6.0, 2.0, {'cut s-t': 1})

``from_networkx`` reads a directed (or undirected: both directions) graph whose node and
edge attributes use the same names as the file format (docs/format.md):

>>> import networkx as nx
>>> from optimizer.build import from_networkx
>>> G = nx.DiGraph()
>>> G.add_edge("s", "t", capacity=4, cost=1, removal_cost=1)
>>> G.add_edge("s", "t2", capacity=1)
>>> G.add_edge("t2", "t", capacity=1)
>>> r = solve(from_networkx(G, supplies={"s": 10}, values={"t": 5}, budget=1))
>>> r.value_before, r.value_after
(21.0, 5.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import InstanceError, Problem
from .instance.fields import LIMIT, NONNEGATIVE, POSITIVE, PROBABILITY, Bounds, Context, scalar
from .instance.model import (
    ARC_MODES,
    EFFECT_TYPES,
    NODE_KINDS,
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
    Shipment,
    Supply,
    Targets,
)
from .instance.reader import AMOUNT_BOUNDS, read_units
from .instance.units import InstanceUnits

INF = math.inf
WHERE = "<python>"  # the "file" of problems found in records built here

#: the commodity of a one-commodity network when none is given
FLOW = "flow"


def _check(record: str, values: Mapping[str, tuple[Any, Bounds]]) -> dict[str, float]:
    """Each (value, bounds) checked as the reader checks a file's number; every problem
    raised at once."""
    ctx = Context(WHERE)
    out = {}
    for fld, (value, bounds) in values.items():
        v = scalar(ctx, value, record, fld, None, bounds)
        if v is not None:
            out[fld] = v
    if ctx.problems:
        raise InstanceError(ctx.problems)
    return out


def _choice(record: str, fld: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise InstanceError([Problem(WHERE, record, fld, f"unknown {fld} {value!r} (one of: "
                                     f"{', '.join(allowed)})", None)])
    return value


def _per_commodity(record: str, fld: str, mapping: Mapping[str, float] | None
                   ) -> dict[str, float]:
    if not mapping:
        return {}
    if not all(isinstance(k, str) for k in mapping):
        raise InstanceError([Problem(WHERE, record, fld, "must map commodity ids (text) to "
                                     "numbers", None)])
    return _check(record, {k: (v, NONNEGATIVE) for k, v in mapping.items()})


def _units(units: Mapping[str, Any] | None) -> InstanceUnits:
    """The top-level ``units`` block, read as the file reader reads it."""
    ctx = Context(WHERE)
    out = read_units(ctx, None if units is None else dict(units), None)
    if ctx.problems:
        raise InstanceError(ctx.problems)
    return out


# ----------------------------------------------------------------------------- records
def resource(id: str, budget: float, *, unit: str = "", description: str = "",
             kind: str = "budget") -> Resource:
    """A budget (or, ``kind="outcome"``, a side effect of actions with an optional cap)."""
    rec = f"resource '{id}'"
    b = _check(rec, {"budget": (budget, LIMIT)})["budget"]
    return Resource(id, b, unit, description, _choice(rec, "kind", kind, ("budget", "outcome")))


def commodity(id: str, *, value: float = 0.0, unit: str = "unit", load: float = 1.0,
              harm: float = 0.0, description: str = "") -> Commodity:
    """A commodity: ``value`` per unit delivered at every market (unless the market says
    otherwise), ``load`` λ capacity units per unit, ``harm`` per unit delivered."""
    n = _check(f"commodity '{id}'", {"value": (value, NONNEGATIVE), "load": (load, POSITIVE),
                                     "harm": (harm, NONNEGATIVE)})
    return Commodity(id, unit, n["load"], n["value"], description, n["harm"])


def node(id: str, kind: str = "transit", *, values: Mapping[str, float] | None = None,
         harm: Mapping[str, float] | None = None, capacity: float = INF, name: str = "",
         lat: float | None = None, lon: float | None = None, organization: str = "",
         country: str = "") -> Node:
    """A node; ``values`` per unit of each commodity delivered here (a market),
    ``capacity`` the cap on what its recipes process."""
    rec = f"node '{id}'"
    _choice(rec, "kind", kind, NODE_KINDS)
    cap = _check(rec, {"capacity": (capacity, LIMIT)})["capacity"]
    return Node(id, kind, name, lat, lon, organization, country, cap,
                _per_commodity(rec, "values", values), _per_commodity(rec, "harm", harm))


def market(id: str, **values: float) -> Node:
    """A market node: ``market("nyc", fentanyl=60, heroin=30)``."""
    return node(id, "market", values=values)


def arc(source: str, target: str, *, id: str | None = None, capacity: float = INF,
        cost: float = 0.0, seizure: float = 0.0, mode: str = "other",
        commodities: Iterable[str] | None = None,
        cost_per_commodity: Mapping[str, float] | None = None,
        organization: str = "") -> Arc:
    """An arc (id ``source->target`` unless given): ``capacity`` in load units, ``cost``
    per load unit, ``seizure`` the expected fraction lost, in [0, 1)."""
    aid = id or f"{source}->{target}"
    rec = f"arc '{aid}'"
    _choice(rec, "mode", mode, ARC_MODES)
    n = _check(rec, {"capacity": (capacity, LIMIT), "cost": (cost, NONNEGATIVE),
                     "seizure": (seizure, PROBABILITY)})
    return Arc(aid, source, target, mode, n["capacity"], n["cost"], n["seizure"],
               None if commodities is None else tuple(commodities), organization,
               cost_per_commodity=_per_commodity(rec, "cost_per_commodity",
                                                 cost_per_commodity))


def supply(node: str, commodity: str = FLOW, amount: float = INF) -> Supply:
    """``amount`` units of ``commodity`` available at ``node`` (unlimited by default)."""
    n = _check(f"supply (node '{node}', commodity '{commodity}')",
               {"amount": (amount, LIMIT)})
    return Supply(node, commodity, n["amount"])


def recipe(id: str, node: str, input: str, output: str, *, yield_: float = 1.0,
           capacity: float = INF) -> Recipe:
    """At ``node``, each unit of ``input`` makes ``yield_`` units of ``output`` (at most
    ``capacity`` units of input)."""
    n = _check(f"recipe '{id}'", {"yield": (yield_, POSITIVE), "capacity": (capacity, LIMIT)})
    return Recipe(id, node, input, output, n["yield"], n["capacity"])


def effect(type: str, *, amount: float | Sequence[float] = 0.0, arcs: Iterable[str] = (),
           nodes: Iterable[str] = (), recipes: Iterable[str] = (), modes: Iterable[str] = (),
           commodities: Iterable[str] | None = None,
           organizations: Iterable[str] = ()) -> Effect:
    """What an action does (``remove``, ``cut_capacity``, ``raise_seizure``,
    ``raise_cost``, ``cut_supply``) to its targets; ``amount`` one number, or one per
    level."""
    _choice("effect", "type", type, EFFECT_TYPES)
    amounts = tuple(amount) if isinstance(amount, Sequence) else (amount,)
    if type == "remove":  # a removal has no size
        amounts = (0.0,)
    else:
        checked = _check(f"effect ({type})", {f"amount[{i}]": (a, AMOUNT_BOUNDS[type])
                                              for i, a in enumerate(amounts)})
        amounts = tuple(checked[f"amount[{i}]"] for i in range(len(amounts)))
    return Effect(type, Targets(tuple(arcs), tuple(nodes), tuple(recipes), tuple(modes),
                                None if commodities is None else tuple(commodities),
                                tuple(organizations)), amounts)


def remove(*, arcs: Iterable[str] = (), nodes: Iterable[str] = (),
           recipes: Iterable[str] = ()) -> Effect:
    """Remove arcs, nodes or recipes."""
    return effect("remove", arcs=arcs, nodes=nodes, recipes=recipes)


def action(id: str, effects: Sequence[Effect], *, cost: Mapping[str, float] | None = None,
           levels: Sequence[Mapping[str, float]] | None = None, name: str = "",
           description: str = "") -> Action:
    """An action: one ``cost`` (resource → amount), or several exclusive ``levels``
    (each a cost; each effect then gives one amount per level)."""
    costs = [dict(cost or {})] if levels is None else [dict(c) for c in levels]
    for i, c in enumerate(costs):
        _check(f"action '{id}'" + ("" if len(costs) == 1 else f" level {i + 1}"),
               {f"cost {k}": (v, NONNEGATIVE) for k, v in c.items()})
    effs = tuple(e if len(e.amounts) == len(costs) else _per_level(id, e, len(costs))
                 for e in effects)
    return Action(id, tuple(Level(c) for c in costs), effs, name, description)


def _per_level(action_id: str, e: Effect, n: int) -> Effect:
    if len(e.amounts) == 1:
        return Effect(e.type, e.targets, e.amounts * n)
    raise InstanceError([Problem(WHERE, f"action '{action_id}'", "effects",
                                 f"an effect gives {len(e.amounts)} amounts for {n} levels",
                                 None)])


def shipment(origin: str, destination: str, commodity: str = FLOW, *, amount: float = 1.0,
             value: float = 1.0) -> Shipment:
    """A single shipment (evasion models): replaces every supply and sale in its
    scenario."""
    n = _check(f"shipment {origin}->{destination}", {"amount": (amount, POSITIVE),
                                                     "value": (value, POSITIVE)})
    return Shipment(origin, destination, commodity, n["amount"], n["value"])


def scenario(id: str, probability: float, *, shipment: Shipment | None = None,
             supplies: Mapping[tuple[str, str], float] | None = None,
             remove_arcs: Iterable[str] = (), new_arcs: Iterable[Arc] = (),
             arcs: Mapping[str, Mapping[str, float]] | None = None,
             description: str = "") -> Scenario:
    """A scenario: its probability and what it changes (docs/format.md, scenarios)."""
    p = _check(f"scenario '{id}'", {"probability": (probability, Bounds(positive=True,
                                                                           at_most=1))})
    return Scenario(id, p["probability"], description,
                    {k: dict(v) for k, v in (arcs or {}).items()}, tuple(new_arcs),
                    tuple(remove_arcs), dict(supplies or {}), shipment=shipment)


# ----------------------------------------------------------------------------- the network
def network(*, nodes: Iterable[Node | str], arcs: Iterable[Arc],
            commodities: Iterable[Commodity | str] | None = None,
            supplies: Iterable[Supply] = (), actions: Iterable[Action] = (),
            resources: Iterable[Resource] | None = None,
            budgets: Mapping[str, float] | None = None, recipes: Iterable[Recipe] = (),
            scenarios: Iterable[Scenario] = (), name: str = "network",
            description: str = "", risk: str = "expected", cvar_alpha: float = 0.9,
            units: Mapping[str, Any] | None = None) -> Instance:
    """An instance from records, checked as a file is (``InstanceError`` lists every
    problem). Nodes may be given as ids (transit nodes); commodities as ids or records
    (default: one commodity ``flow`` worth 1 at every market); resources as records, or
    ``budgets`` {id: amount} (default: every resource the actions cost, budget given by
    ``budgets``); ``units`` as the file's top-level block, e.g. ``{"value": "US$
    thousand", "harm": "overdose deaths"}`` (docs/format.md, "units")."""
    from .instance.observations import observation_problems
    from .instance.scenarios import scenario_problems
    from .instance.validate import validate

    acts = tuple(actions)
    comms = tuple(c if isinstance(c, Commodity) else commodity(c, value=1.0)
                  for c in (commodities if commodities is not None else [FLOW]))
    if resources is None:
        used = sorted({r for a in acts for lv in a.levels for r in lv.cost} | set(budgets or {}))
        given = dict(budgets or {})
        missing = [r for r in used if r not in given]
        if missing:
            raise InstanceError([Problem(WHERE, "network", "budgets",
                                         f"no budget for resource(s) {missing}: pass "
                                         "budgets={id: amount} or resources=[…]", None)])
        res = tuple(resource(r, given[r]) for r in used)
    else:
        res = tuple(resources)
        if budgets:
            res = tuple(resource(r.id, budgets.get(r.id, r.budget), unit=r.unit,
                                 description=r.description, kind=r.kind) for r in res)
    inst = Instance(name=name, description=description, resources=res, commodities=comms,
                    nodes=tuple(n if isinstance(n, Node) else node(n) for n in nodes),
                    arcs=tuple(arcs), recipes=tuple(recipes), supplies=tuple(supplies),
                    actions=acts, scenarios=tuple(scenarios), risk=risk,
                    cvar_alpha=cvar_alpha, path=WHERE, units=_units(units))
    problems = validate(inst)
    if not problems:
        problems = scenario_problems(inst)
    problems += observation_problems(inst, whole=not problems)
    if problems:
        raise InstanceError(problems)
    return inst


# ----------------------------------------------------------------------------- networkx
#: edge attributes read by ``from_networkx`` (as in the file format)
EDGE_ATTRIBUTES = ("id", "capacity", "cost", "seizure", "mode", "commodities",
                   "cost_per_commodity", "organization")
NODE_ATTRIBUTES = ("kind", "values", "harm", "capacity", "name", "lat", "lon", "organization",
                   "country")


def from_networkx(G: Any, *, commodity_id: str = FLOW,
                  commodities: Iterable[Commodity] | None = None,
                  supplies: Mapping[str, float] | Iterable[Supply] = (),
                  values: Mapping[str, float] | None = None,
                  removal_cost: str | None = "removal_cost", resource_id: str = "budget",
                  budget: float | None = None, actions: Iterable[Action] = (),
                  resources: Iterable[Resource] | None = None, name: str = "networkx",
                  scenarios: Iterable[Scenario] = ()) -> Instance:
    """An instance from a networkx graph.

    Edges become arcs, reading the attributes ``EDGE_ATTRIBUTES`` (an undirected graph
    gives an arc each way; a multigraph's parallel edges get ids ``u->v#key``); nodes
    read ``NODE_ATTRIBUTES``. For one commodity (``commodity_id``, default ``flow``):
    ``supplies`` {node: amount} and ``values`` {node: value per unit} (those nodes become
    markets); with several, pass ``commodities`` and ``Supply`` records and give node
    ``values`` as mappings. Every edge with the attribute named by ``removal_cost`` gets
    an action ``remove <arc id>`` costing that much of ``resource_id`` (budget
    ``budget``); other ``actions`` and ``resources`` are added as given."""
    directed = bool(G.is_directed())
    multi = bool(G.is_multigraph())
    comms = tuple(commodities) if commodities is not None else (commodity(commodity_id),)
    vals = dict(values or {})
    nodes = []
    for n, data in G.nodes(data=True):
        attrs = {k: data[k] for k in NODE_ATTRIBUTES if k in data}
        if str(n) in vals:
            attrs["values"] = {commodity_id: vals[str(n)]}
            attrs.setdefault("kind", "market")
        nodes.append(node(str(n), **attrs))
    arcs, acts = [], list(actions)
    edges = G.edges(keys=True, data=True) if multi else \
        ((u, v, None, d) for u, v, d in G.edges(data=True))
    for u, v, key, data in edges:
        for s, t in ((u, v),) if directed else ((u, v), (v, u)):
            aid = data.get("id") or f"{s}->{t}" + (f"#{key}" if multi else "")
            if not directed and "id" in data:
                aid = f"{aid}:{s}->{t}"
            attrs = {k: data[k] for k in EDGE_ATTRIBUTES if k in data and k != "id"}
            arcs.append(arc(str(s), str(t), id=aid, **attrs))
            if removal_cost is not None and removal_cost in data:
                acts.append(action(f"remove {aid}", [remove(arcs=[aid])],
                                   cost={resource_id: data[removal_cost]}))
    sups = (tuple(supplies) if not isinstance(supplies, Mapping) else
            tuple(supply(str(n), commodity_id, a) for n, a in supplies.items()))
    budgets = None if budget is None else {resource_id: budget}
    if resources is None and not any(lv.cost for a in acts for lv in a.levels):
        budgets = None
    return network(nodes=nodes, arcs=arcs, commodities=comms, supplies=sups, actions=acts,
                   resources=resources, budgets=budgets, name=name, scenarios=scenarios)


__all__ = ["action", "arc", "commodity", "effect", "from_networkx", "market", "network",
           "node", "recipe", "remove", "resource", "scenario", "shipment", "supply"]
