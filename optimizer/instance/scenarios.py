"""Scenarios: check them against the base instance and turn each into a full instance.

A scenario overrides base data; each gets its own dual block and all share the plan
(docs/model.md §6). Materialising gives one ordinary ``Instance`` per scenario with the same
actions, so every scenario compiles to a network with the same binaries.

- an arc in ``remove_arcs`` keeps its id (actions may still name it) but gets capacity 0;
- ``shipment`` replaces every supply and every sale: ``amount`` units of ``commodity`` at
  ``origin``, worth ``value`` each at ``destination`` (evasion models, Morton, Pan &
  Saeger 2007: the smuggler's value is then the probability the shipment evades);
- node ``values`` merge into the node's own values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InstanceError, Problem
from .model import Instance, Scenario, Supply
from .validate import validate, validate_values

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

PROBABILITY_TOL = 1e-6

R = TypeVar("R", bound="DataclassInstance")


def _with(record: R, fields: Mapping[str, Any]) -> R:
    """``record`` with the named fields replaced (names and types checked by the reader)."""
    return replace(record, **fields)


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
    for sc in inst.scenarios:
        check_changes(inst, sc, lambda fld, msg, sc=sc: err(sc, fld, msg))
    return problems


def check_changes(inst: Instance, sc: Scenario, err) -> None:
    """The references of one scenario's (or one period's) data changes: ``err(field,
    message)`` for each unknown arc, node, commodity or recipe."""
    arcs = {a.id for a in inst.arcs}
    nodes = {n.id for n in inst.nodes}
    comms = {c.id for c in inst.commodities}
    recipes = {r.id for r in inst.recipes}
    recipe_nodes = {r.node for r in inst.recipes}
    for a in sc.arcs:
        if a not in arcs:
            err("arcs", f"unknown arc '{a}' (to add an arc here give 'from' and 'to')")
    for a in sc.remove_arcs:
        if a not in arcs:
            err("remove_arcs", f"unknown arc '{a}'")
    for new in sc.new_arcs:
        if new.id in arcs:
            err("arcs", f"arc '{new.id}' exists already (override it by id without "
                "'from'/'to')")
        for end, fld in ((new.source, "from"), (new.target, "to")):
            if end not in nodes:
                err("arcs", f"arc '{new.id}' field '{fld}': unknown node '{end}'")
    for (n, k) in sc.supplies:
        if n not in nodes:
            err("supplies", f"unknown node '{n}'")
        if k not in comms:
            err("supplies", f"unknown commodity '{k}'")
    for n, fields in sc.nodes.items():
        if n in nodes and "capacity" in fields and n not in recipe_nodes:
            err("nodes", f"node '{n}' capacity: caps what the node's recipes process, but no "
                "recipe is at this node, so it would cap nothing")
        if n not in nodes:
            err("nodes", f"unknown node '{n}'")
        for k in fields.get("values", {}):
            if k not in comms:
                err("nodes", f"node '{n}' values: unknown commodity '{k}'")
    for k in sc.commodities:
        if k not in comms:
            err("commodities", f"unknown commodity '{k}'")
    for r in sc.recipes:
        if r not in recipes:
            err("recipes", f"unknown recipe '{r}'")
    if sc.shipment is not None:
        sh = sc.shipment
        for end, fld in ((sh.origin, "origin"), (sh.destination, "destination")):
            if end not in nodes:
                err("shipment", f"{fld}: unknown node '{end}'")
        if sh.commodity not in comms:
            err("shipment", f"unknown commodity '{sh.commodity}'")


def materialize(inst: Instance, sc: Scenario) -> Instance:
    """The base instance with the scenario's overrides applied (no scenarios of its own)."""
    arcs = []
    removed = set(sc.remove_arcs)
    for a in inst.arcs:
        fields = dict(sc.arcs.get(a.id, {}))
        if a.id in removed:
            fields["capacity"] = 0.0
        arcs.append(_with(a, fields) if fields else a)
    arcs.extend(sc.new_arcs)
    comms = [_with(c, sc.commodities[c.id]) if c.id in sc.commodities else c
             for c in inst.commodities]
    nodes = []
    for n in inst.nodes:
        over = sc.nodes.get(n.id)
        if over:
            values = {**n.values, **over.get("values", {})}
            n = replace(n, capacity=over.get("capacity", n.capacity), values=values)
        nodes.append(n)
    recipes = [_with(r, {("yield_" if k == "yield" else k): v
                         for k, v in sc.recipes[r.id].items()}) if r.id in sc.recipes else r
               for r in inst.recipes]
    # a supply the scenario names becomes a fixed cap; the others keep their records
    # (with their cost curves)
    supplies = {(s.node, s.commodity): s for s in inst.supplies}
    supplies.update({(n, k): Supply(n, k, v) for (n, k), v in sc.supplies.items()})
    if sc.shipment is not None:
        sh = sc.shipment
        supplies = {(sh.origin, sh.commodity): Supply(sh.origin, sh.commodity, sh.amount)}
        comms = [replace(c, value=0.0) if c.value else c for c in comms]
        nodes = [replace(n, values={sh.commodity: sh.value}) if n.id == sh.destination
                 else replace(n, values={}) if n.values else n
                 for n in nodes]
    return replace(
        inst,
        name=f"{inst.name}[{sc.id}]",
        arcs=tuple(arcs), commodities=tuple(comms), nodes=tuple(nodes),
        recipes=tuple(recipes),
        supplies=tuple(supplies.values()),
        scenarios=(),
    )


def _materialize_all(inst: Instance) -> tuple[list[tuple[Scenario, Instance]], list[Problem]]:
    from .validate import scenario_arcs

    problems = check_scenarios(inst)
    if problems:
        return [], problems
    out = []
    elsewhere = scenario_arcs(inst)  # arcs of some scenario that actions may name
    for sc in inst.scenarios:
        sub = materialize(inst, sc)
        problems += changed_problems(sub, bool(sc.new_arcs), f"scenario '{sc.id}'",
                                     inst.lines.get(f"scenarios/{sc.id}"), elsewhere)
        out.append((sc, sub))
    return out, problems


def changed_problems(sub: Instance, new_arcs: bool, record: str, line: int | None,
                     elsewhere: frozenset[str] = frozenset()) -> list[Problem]:
    """What data changes broke in ``sub`` (a materialised scenario or period), each
    problem's record prefixed with ``record`` and placed at ``line``. The base is valid and
    the references were checked; re-check what an override can break: new arcs
    (everything), numbers (the same rules as the base data: cuts of finite capacities and
    supplies only, cumulative effects ≤ 100%, seizure ≤ 1; the ranges of single numbers
    were checked while reading). ``elsewhere``: arcs of other scenarios that actions may
    name (``validate.scenario_arcs``)."""
    found = (validate(sub, whole_network=False, elsewhere=elsewhere) if new_arcs
             else validate_values(sub))
    return [replace(p, record=f"{record}: {p.record}", line=line if line is not None else p.line)
            for p in found]


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
    probability-weighted mean over scenarios (an absent arc counts with capacity 0; cost and
    seizure are averaged over the scenarios where the arc exists; supplies and sales of
    shipments are weighted by their probabilities). Used for the value of the stochastic
    solution (Birge & Louveaux, ch. 4)."""
    subs = scenario_instances(inst)
    if len(subs) == 1:
        return subs[0][1]
    probs = [sc.probability for sc, _ in subs]
    base = subs[0][1]

    def mean(values: list[float], weights: list[float] | None = None) -> float:
        w = probs if weights is None else weights
        if any(math.isinf(v) and p > 0 for p, v in zip(w, values)):
            return math.inf
        total = sum(w)
        return sum(p * v for p, v in zip(w, values)) / (total if weights is not None else 1.0)

    def per_scenario(records_of) -> list[dict]:
        return [{r.id: r for r in records_of(s)} for _, s in subs]

    arcs_by = per_scenario(lambda s: s.arcs)
    arc_ids = list(dict.fromkeys(a for d in arcs_by for a in d))
    arcs = []
    for aid in arc_ids:
        here = [d.get(aid) for d in arcs_by]
        proto = next(a for a in here if a is not None)
        weights = [p if a is not None else 0.0 for p, a in zip(probs, here)]
        present = [a if a is not None else proto for a in here]
        arcs.append(replace(
            proto, capacity=mean([a.capacity if a is not None else 0.0 for a in here]),
            cost=mean([a.cost for a in present], weights),
            seizure=min(mean([a.seizure for a in present], weights), 1 - 1e-12)))
    supplies = _mean_supplies([s.supplies for _, s in subs], mean)
    comms_by = per_scenario(lambda s: s.commodities)
    comms = tuple(_with(c, {f: mean([getattr(d[c.id], f) for d in comms_by])
                            for f in ("value", "load", "harm")})
                  for c in base.commodities)
    nodes_by = per_scenario(lambda s: s.nodes)
    nodes = []
    for n in base.nodes:
        copies = [d[n.id] for d in nodes_by]
        per_comm: dict[str, dict[str, float]] = {}
        for fld in ("values", "harm"):
            default = {c.id: (c.value if fld == "values" else c.harm)
                       for c in base.commodities}
            ks = sorted({k for x in copies for k in getattr(x, fld)})
            per_comm[fld] = {k: mean([getattr(x, fld).get(
                k, default[k] if (fld == "harm" or x.kind == "market") else 0.0) for x in copies])
                for k in ks}
        nodes.append(_with(n, {"capacity": mean([x.capacity for x in copies]), **per_comm}))
    recipes_by = per_scenario(lambda s: s.recipes)
    recipes = tuple(replace(r, yield_=mean([d[r.id].yield_ for d in recipes_by]),
                            capacity=mean([d[r.id].capacity for d in recipes_by]))
                    for r in base.recipes)
    return replace(inst, name=f"{inst.name}[mean]", arcs=tuple(arcs), supplies=supplies,
                   commodities=comms, nodes=tuple(nodes), recipes=recipes, scenarios=())


def _mean_supplies(per_scenario: list[tuple[Supply, ...]],
                   mean: Callable[[list[float]], float]) -> tuple[Supply, ...]:
    """The mean-value supplies: a supply that is the same record in every scenario stays
    (with its cost curve); one that differs gets the mean amount (0 where absent), its
    curve's pieces scaled by mean ÷ the first record's amount (costs unchanged)."""
    by_key = [{(x.node, x.commodity): x for x in sups} for sups in per_scenario]
    keys = list(dict.fromkeys(k for d in by_key for k in d))
    out = []
    for n, k in keys:
        here = [d.get((n, k)) for d in by_key]
        first = next(s for s in here if s is not None)
        if all(s == first for s in here):
            out.append(first)
            continue
        amount = mean([s.amount if s is not None else 0.0 for s in here])
        if first.curve and first.amount > 0:
            f = amount / first.amount
            out.append(Supply(n, k, amount, tuple(replace(p, up_to=p.up_to * f)
                                                   for p in first.curve)))
        else:
            out.append(Supply(n, k, amount))
    return tuple(out)


__all__ = ["changed_problems", "check_changes", "check_scenarios", "materialize",
           "mean_instance", "scenario_instances", "scenario_problems"]
