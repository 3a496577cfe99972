"""Scenarios: check them against the base instance and turn each into a full instance.

A scenario overrides base data (MODEL.md: "Scenarios each get their own dual block and
share the plan"). Materialising gives one ordinary ``Instance`` per scenario with the same
actions, so every scenario compiles to a network with the same binaries.

- an arc in ``remove_arcs`` keeps its id (actions may still name it) but gets capacity 0;
- ``shipment`` replaces every supply and every sale: ``amount`` units of ``commodity`` at
  ``origin``, worth ``value`` each at ``destination`` (evasion models, Morton, Pan &
  Saeger 2007: the smuggler's value is then the probability the shipment evades);
- node ``values`` merge into the node's own values.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..errors import InstanceError, Problem
from .model import Arc, Commodity, Instance, Node, Recipe, Scenario, Supply
from .validate import validate, validate_cumulative

PROBABILITY_TOL = 1e-6


def check_scenarios(inst: Instance) -> list[Problem]:
    """References and probabilities of the scenarios (each problem names the scenario)."""
    problems: list[Problem] = []

    def err(sc: Scenario, field: str | None, msg: str) -> None:
        problems.append(Problem(inst.path, f"scenario '{sc.id}'", field, msg,
                                inst.lines.get(f"scenarios/{sc.id}")))

    if not inst.scenarios:
        return problems
    ids = [s.id for s in inst.scenarios]
    for sid in sorted({i for i in ids if ids.count(i) > 1}):
        sc = next(s for s in inst.scenarios if s.id == sid)
        err(sc, "id", "duplicate scenario id")
    total = sum(s.probability for s in inst.scenarios)
    if abs(total - 1.0) > PROBABILITY_TOL:
        problems.append(Problem(inst.path, "section 'scenarios'", "probability",
                                f"probabilities sum to {total:.9g}, not 1", None))
    arcs = {a.id for a in inst.arcs}
    nodes = {n.id for n in inst.nodes}
    comms = {c.id for c in inst.commodities}
    recipes = {r.id for r in inst.recipes}
    for sc in inst.scenarios:
        for a in sc.arcs:
            if a not in arcs:
                err(sc, "arcs", f"unknown arc '{a}' (to add an arc here give 'from' and 'to')")
        for a in sc.remove_arcs:
            if a not in arcs:
                err(sc, "remove_arcs", f"unknown arc '{a}'")
        for a in sc.new_arcs:
            if a.id in arcs:
                err(sc, "arcs", f"arc '{a.id}' exists already (override it by id without "
                    "'from'/'to')")
            for end, fld in ((a.source, "from"), (a.target, "to")):
                if end not in nodes:
                    err(sc, "arcs", f"arc '{a.id}' field '{fld}': unknown node '{end}'")
        for (n, k) in sc.supplies:
            if n not in nodes:
                err(sc, "supplies", f"unknown node '{n}'")
            if k not in comms:
                err(sc, "supplies", f"unknown commodity '{k}'")
        for n, fields in sc.nodes.items():
            if n not in nodes:
                err(sc, "nodes", f"unknown node '{n}'")
            for k in fields.get("values", {}):
                if k not in comms:
                    err(sc, "nodes", f"node '{n}' values: unknown commodity '{k}'")
        for k in sc.commodities:
            if k not in comms:
                err(sc, "commodities", f"unknown commodity '{k}'")
        for r in sc.recipes:
            if r not in recipes:
                err(sc, "recipes", f"unknown recipe '{r}'")
        if sc.shipment is not None:
            sh = sc.shipment
            for end, fld in ((sh.origin, "origin"), (sh.destination, "destination")):
                if end not in nodes:
                    err(sc, "shipment", f"{fld}: unknown node '{end}'")
            if sh.commodity not in comms:
                err(sc, "shipment", f"unknown commodity '{sh.commodity}'")
    return problems


def materialize(inst: Instance, sc: Scenario) -> Instance:
    """The base instance with the scenario's overrides applied (no scenarios of its own)."""
    arcs = []
    removed = set(sc.remove_arcs)
    for a in inst.arcs:
        fields = dict(sc.arcs.get(a.id, {}))
        if a.id in removed:
            fields["capacity"] = 0.0
        arcs.append(replace(a, **fields) if fields else a)
    arcs.extend(sc.new_arcs)
    comms = [replace(c, **sc.commodities[c.id]) if c.id in sc.commodities else c
             for c in inst.commodities]
    nodes = []
    for n in inst.nodes:
        over = sc.nodes.get(n.id)
        if over:
            values = {**n.values, **over.get("values", {})}
            n = replace(n, capacity=over.get("capacity", n.capacity), values=values)
        nodes.append(n)
    recipes = [replace(r, **{("yield_" if k == "yield" else k): v
                             for k, v in sc.recipes[r.id].items()}) if r.id in sc.recipes else r
               for r in inst.recipes]
    supplies = {(s.node, s.commodity): s.amount for s in inst.supplies}
    supplies.update(sc.supplies)
    if sc.shipment is not None:
        sh = sc.shipment
        supplies = {(sh.origin, sh.commodity): sh.amount}
        comms = [replace(c, value=0.0) if c.value else c for c in comms]
        nodes = [replace(n, values={sh.commodity: sh.value}) if n.id == sh.destination
                 else replace(n, values={}) if n.values else n
                 for n in nodes]
    return replace(
        inst,
        name=f"{inst.name}[{sc.id}]",
        arcs=tuple(arcs), commodities=tuple(comms), nodes=tuple(nodes),
        recipes=tuple(recipes),
        supplies=tuple(Supply(n, k, v) for (n, k), v in supplies.items()),
        scenarios=(),
    )


def _materialize_all(inst: Instance) -> tuple[list[tuple[Scenario, Instance]], list[Problem]]:
    problems = check_scenarios(inst)
    if problems:
        return [], problems
    out = []
    for sc in inst.scenarios:
        sub = materialize(inst, sc)
        # the base is valid and check_scenarios covered references; re-check only what an
        # override can break: new arcs (everything), overridden arcs (cumulative effects)
        if sc.new_arcs:
            found = validate(sub, whole_network=False)
        elif sc.arcs:
            found = validate_cumulative(sub)
        else:
            found = []
        for p in found:
            problems.append(replace(p, record=f"scenario '{sc.id}': {p.record}"))
        out.append((sc, sub))
    return out, problems


def scenario_problems(inst: Instance) -> list[Problem]:
    """Every problem of the scenarios (empty when there are none or all are fine)."""
    return _materialize_all(inst)[1] if inst.scenarios else []


def scenario_instances(inst: Instance) -> list[tuple[Scenario, Instance]]:
    """One (scenario, instance) per scenario; an instance without scenarios is one scenario
    ``base`` with probability 1. Raises ``InstanceError`` naming the scenario."""
    if not inst.scenarios:
        return [(Scenario("base", 1.0), inst)]
    out, problems = _materialize_all(inst)
    if problems:
        raise InstanceError(problems)
    return out


def mean_instance(inst: Instance) -> Instance:
    """The expected-value instance: every number that scenarios change replaced by its
    probability-weighted mean over scenarios (an absent arc counts with capacity 0;
    supplies and sales of shipments are weighted by their probabilities). Used for the
    value of the stochastic solution (Birge & Louveaux, ch. 4)."""
    subs = scenario_instances(inst)
    if len(subs) == 1:
        return subs[0][1]
    base = subs[0][1]

    def mean(values):
        if any(math.isinf(v) for _, v in values):
            return math.inf
        return sum(p * v for p, v in values)

    arc_ids = []
    for _, s in subs:
        for a in s.arcs:
            if a.id not in arc_ids:
                arc_ids.append(a.id)
    arcs = []
    for aid in arc_ids:
        present = [(sc.probability, next((a for a in s.arcs if a.id == aid), None)) for sc, s in subs]
        proto: Arc = next(a for _, a in present if a is not None)
        cap = mean([(p, a.capacity if a is not None else 0.0) for p, a in present])
        cost = mean([(p, a.cost) for p, a in present if a is not None]) / max(
            1e-12, sum(p for p, a in present if a is not None))
        seiz = mean([(p, a.seizure) for p, a in present if a is not None]) / max(
            1e-12, sum(p for p, a in present if a is not None))
        arcs.append(replace(proto, capacity=cap, cost=cost, seizure=min(seiz, 1 - 1e-12)))
    keys = []
    for _, s in subs:
        for sup in s.supplies:
            if (sup.node, sup.commodity) not in keys:
                keys.append((sup.node, sup.commodity))
    supplies = tuple(Supply(n, k, mean([(sc.probability, next((x.amount for x in s.supplies
                                                                if (x.node, x.commodity) == (n, k)), 0.0))
                                        for sc, s in subs])) for n, k in keys)
    comms = tuple(replace(c, value=mean([(sc.probability, next(x for x in s.commodities
                                                               if x.id == c.id).value)
                                         for sc, s in subs]),
                          load=mean([(sc.probability, next(x for x in s.commodities
                                                           if x.id == c.id).load)
                                     for sc, s in subs]))
                  for c in base.commodities)
    nodes = []
    for n in base.nodes:
        copies: list[tuple[float, Node]] = [(sc.probability, next(x for x in s.nodes if x.id == n.id))
                                            for sc, s in subs]
        value_keys = sorted({k for _, x in copies for k in x.values})
        values = {}
        for k in value_keys:
            comm = next(c for c in base.commodities if c.id == k)
            values[k] = mean([(p, x.values.get(k, comm.value if x.kind == "market" else 0.0))
                              for p, x in copies])
        nodes.append(replace(n, capacity=mean([(p, x.capacity) for p, x in copies]),
                             values=values))
    recipes = tuple(replace(r, yield_=mean([(sc.probability, next(x for x in s.recipes
                                                                  if x.id == r.id).yield_)
                                            for sc, s in subs]),
                            capacity=mean([(sc.probability, next(x for x in s.recipes
                                                                 if x.id == r.id).capacity)
                                           for sc, s in subs]))
                    for r in base.recipes)
    return replace(inst, name=f"{inst.name}[mean]", arcs=tuple(arcs), supplies=supplies,
                   commodities=comms, nodes=tuple(nodes), recipes=recipes, scenarios=())


__all__ = ["check_scenarios", "materialize", "scenario_instances", "mean_instance",
           "Commodity", "Recipe"]
