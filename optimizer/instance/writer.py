"""Write an instance in the file format: plain data (``instance_to_dict``), YAML or JSON.

Defaults are left out (an unlimited capacity, a zero cost …), so a written file reads like
one a person wrote; numbers that carried a source note or a distribution in the file are
written back as ``{value, <distribution>, source}``. Reading what was written gives the
same instance (``tests/test_io_and_solve_options.py`` checks the round trip).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .model import (
    Action,
    Arc,
    Commodity,
    Effect,
    Group,
    Horizon,
    Instance,
    Market,
    Measure,
    Node,
    Observation,
    Parameter,
    Piece,
    Recipe,
    Resource,
    Scenario,
    Supply,
    Timing,
)
from .units import InstanceUnits

#: Writes one number: (value, key in ``Instance.sources``/``uncertain``) → plain data.
NumberWriter = Callable[[float, str], Any]


def instance_to_dict(inst: Instance) -> dict[str, Any]:
    """The instance as plain data in the file format (numbers without source notes
    unless the instance carries them)."""
    num = _number_writer(inst)
    out: dict[str, Any] = {"name": inst.name}
    if inst.description:
        out["description"] = inst.description
    if not inst.units.is_default:
        out["units"] = {k: getattr(inst.units, k).written() for k in ("value", "harm")
                        if getattr(inst.units, k) != getattr(InstanceUnits(), k)}
    out["resources"] = [_resource(r, num) for r in inst.resources]
    out["commodities"] = [_commodity(c, num, inst) for c in inst.commodities]
    out["nodes"] = [_node(n, num) for n in inst.nodes]
    out["arcs"] = [_arc(a, num, frozenset(inst.sources)) for a in inst.arcs]
    if inst.recipes:
        out["recipes"] = [_recipe(r, num) for r in inst.recipes]
    if inst.supplies:
        out["supplies"] = [_supply(s, num) for s in inst.supplies]
    if inst.markets:
        out["markets"] = [_market(m, num) for m in inst.markets]
    if inst.actions:
        out["actions"] = [_action(a, num) for a in inst.actions]
    if inst.risk != "expected" or inst.cvar_alpha != 0.9:
        out["uncertainty"] = {"risk": inst.risk,
                              "cvar_alpha": num(inst.cvar_alpha, "uncertainty/cvar_alpha")}
    if inst.scenarios:
        out["scenarios"] = [_scenario(sc, num) for sc in inst.scenarios]
    out.update(_observing(inst, num))
    if inst.horizon is not None:
        out["horizon"] = _horizon(inst.horizon, num)
    return out


def _timing(t: Timing, num: NumberWriter, key: str) -> dict[str, Any]:
    """A timing with its defaults left out."""
    d: dict[str, Any] = {}
    if t.profile is not None:
        d["profile"] = [num(v, f"{key}/timing/{i + 1}/profile") for i, v in enumerate(t.profile)]
    if t.decay:
        d["decay"] = num(t.decay, f"{key}/timing/decay")
    if t.lag:
        d["lag"] = num(float(t.lag), f"{key}/timing/lag")
    if t.regenerates_after is not None:
        d["regenerates_after"] = num(float(t.regenerates_after), f"{key}/timing/regenerates_after")
    if t.cost != "recurring":
        d["cost"] = t.cost
    if t.repeat:
        d["repeat"] = True
    if t.starts is not None:
        d["starts"] = list(t.starts)
    return d


def _horizon(h: Horizon, num: NumberWriter) -> dict[str, Any]:
    labels = h.labels
    d: dict[str, Any] = {"periods": {"count": num(float(len(labels)), "horizon/periods/count"),
                                     "unit": h.unit}}
    if labels != tuple(str(i + 1) for i in range(len(labels))):
        d["periods"]["start"] = _noted(labels[0], num, "horizon/periods/start")
    if h.discount:
        d["discount"] = num(h.discount, "horizon/discount")
    if h.budgets:
        d["budgets"] = {r: (num(v[0], f"horizon/budgets/{r}") if len(set(v)) == 1
                            else [num(x, f"horizon/budgets/{r}/{i + 1}/{r}")
                                  for i, x in enumerate(v)])
                        for r, v in h.budgets.items()}
    if h.totals:
        d["total"] = {r: num(v, f"horizon/total/total/{r}") for r, v in h.totals.items()}
    if h.carry_over:
        d["carry_over"] = True
    if h.changes:
        d["changes"] = [{"period": c.id, **{k: v for k, v in _scenario(
            c, num, f"horizon/{c.id}").items() if k not in ("id", "probability")}}
            for c in h.changes]
    return d


def _noted(text: str, num: NumberWriter, key: str) -> Any:
    """A text value with the source note the file gave it, if any."""
    noted = num(0.0, key)
    if isinstance(noted, dict) and "source" in noted:
        return {"value": text, "source": noted["source"]}
    return text


def _number_writer(inst: Instance) -> NumberWriter:
    """Integers as integers, unlimited as ``inf``; with the note / distribution if any."""

    def num(v: float, key: str) -> Any:
        if math.isinf(v):
            v_out: Any = "inf"
        elif float(v).is_integer() and abs(v) < 1e15:
            v_out = int(v)
        else:
            v_out = float(v)
        note = inst.sources.get(key)
        dist = inst.uncertain.get(key)
        if not note and dist is None:
            return v_out
        out: dict[str, Any] = {"value": v_out}
        if dist is not None:
            name = "range" if dist.kind == "uniform" else dist.kind
            out[name] = [float(p) for p in dist.params]
        if note:
            out["source"] = note
        return out

    return num


def _put(d: dict[str, Any], key: str, val: Any, default: Any) -> None:
    if val != default:
        d[key] = val


def _supply(s: Supply, num: NumberWriter) -> dict[str, Any]:
    key = f"supplies/{s.node}/{s.commodity}"
    d: dict[str, Any] = {"node": s.node, "commodity": s.commodity}
    if s.curve:
        d["curve"] = _curve(s.curve, "cost", num, key)
    else:
        d["amount"] = num(s.amount, f"{key}/amount")
    return d


def _market(m: Market, num: NumberWriter) -> dict[str, Any]:
    key = f"markets/{m.id}"
    d: dict[str, Any] = {"node": m.node, "good": m.good,
                         "accepts": {k: num(v, f"{key}/accepts/{k}") for k, v in m.accepts.items()},
                         "curve": _curve(m.curve, "price", num, key)}
    _put(d, "description", m.description, "")
    return d


def _curve(curve: tuple[Piece, ...], price: str, num: NumberWriter, key: str
           ) -> list[dict[str, Any]]:
    out = []
    for i, p in enumerate(curve):
        at = f"{key}/curve/{i + 1}"
        piece: dict[str, Any] = {}
        if not (math.isinf(p.up_to) and i == len(curve) - 1):
            piece["up_to"] = num(p.up_to, f"{at}/up_to")
        piece[price] = num(p.price, f"{at}/{price}")
        out.append(piece)
    return out


def _resource(r: Resource, num: NumberWriter) -> dict[str, Any]:
    d: dict[str, Any] = {"id": r.id}
    _put(d, "kind", r.kind, "budget")
    if r.kind == "budget" or not math.isinf(r.budget):
        d["budget"] = num(r.budget, f"resources/{r.id}/budget")
    _put(d, "unit", r.unit, "")
    _put(d, "description", r.description, "")
    return d


def _commodity(c: Commodity, num: NumberWriter, inst: Instance) -> dict[str, Any]:
    key = f"commodities/{c.id}"
    d: dict[str, Any] = {"id": c.id}
    _put(d, "unit", c.unit, "unit")
    if c.load != 1.0 or f"{key}/load" in inst.sources:
        d["load"] = num(c.load, f"{key}/load")
    if c.value != 0.0 or f"{key}/value" in inst.sources:
        d["value"] = num(c.value, f"{key}/value")
    if c.harm != 0.0 or f"{key}/harm" in inst.sources:
        d["harm"] = num(c.harm, f"{key}/harm")
    if c.replacement != 0.0:
        d["replacement"] = num(c.replacement, f"{key}/replacement")
    _put(d, "description", c.description, "")
    return d


def _node(n: Node, num: NumberWriter) -> dict[str, Any]:
    key = f"nodes/{n.id}"
    d: dict[str, Any] = {"id": n.id, "kind": n.kind}
    _put(d, "name", n.name, "")
    if n.lat is not None:
        d["lat"] = num(n.lat, f"{key}/lat")
    if n.lon is not None:
        d["lon"] = num(n.lon, f"{key}/lon")
    _put(d, "organization", n.organization, "")
    _put(d, "country", n.country, "")
    if not math.isinf(n.capacity):
        d["capacity"] = num(n.capacity, f"{key}/capacity")
    for fld in ("values", "harm"):
        per_comm = getattr(n, fld)
        if per_comm:
            d[fld] = {k: num(v, f"{key}/{fld}/{k}") for k, v in per_comm.items()}
    return d


def _arc(a: Arc, num: NumberWriter, noted: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One arc record (of the instance or of a scenario); defaults left out unless they
    carry a source note (``noted``: keys of notes)."""
    key = f"arcs/{a.id}"
    d: dict[str, Any] = {"id": a.id, "from": a.source, "to": a.target, "mode": a.mode}
    if not math.isinf(a.capacity):
        d["capacity"] = num(a.capacity, f"{key}/capacity")
    if a.cost or f"{key}/cost" in noted:
        d["cost"] = num(a.cost, f"{key}/cost")
    if a.seizure or f"{key}/seizure" in noted:
        d["seizure"] = num(a.seizure, f"{key}/seizure")
    if a.cost_per_commodity:
        d["cost_per_commodity"] = {k: num(v, f"{key}/cost_per_commodity")
                                   for k, v in a.cost_per_commodity.items()}
    if a.commodities is not None:
        d["commodities"] = list(a.commodities)
    _put(d, "organization", a.organization, "")
    perceived = _perceived({"perceived_seizure": a.perceived_seizure,
                            "perceived_cost": a.perceived_cost}, num, f"{key}/perceived")
    if perceived:
        d["perceived"] = perceived
    return d


def _perceived(fields: dict[str, Any], num: NumberWriter, key: str) -> dict[str, Any]:
    """An arc's ``perceived`` mapping from the fields ``perceived_seizure`` /
    ``perceived_cost`` (those that are set)."""
    return {f[len("perceived_"):]: num(v, f"{key}/{f[len('perceived_'):]}")
            for f, v in fields.items() if f.startswith("perceived_") and v is not None}


def _recipe(r: Recipe, num: NumberWriter) -> dict[str, Any]:
    d: dict[str, Any] = {"id": r.id, "node": r.node, "input": r.input, "output": r.output,
                         "yield": num(r.yield_, f"recipes/{r.id}/yield")}
    if not math.isinf(r.capacity):
        d["capacity"] = num(r.capacity, f"recipes/{r.id}/capacity")
    return d


def _action(a: Action, num: NumberWriter) -> dict[str, Any]:
    """One ``cost`` for a single unlabelled level, else ``levels``; then the effects."""
    key = f"actions/{a.id}"
    d: dict[str, Any] = {"id": a.id}
    _put(d, "name", a.name, "")
    _put(d, "description", a.description, "")

    def costs(cost: dict[str, float], at: str) -> dict[str, Any]:
        return {k: num(v, f"{at}/cost/{k}") for k, v in cost.items()}

    if len(a.levels) == 1 and not a.levels[0].label:
        d["cost"] = costs(a.levels[0].cost, key)
    else:
        d["levels"] = [{**({"label": lv.label} if lv.label else {}),
                        "cost": costs(lv.cost, f"{key}/levels/{i + 1}")}
                       for i, lv in enumerate(a.levels)]
    d["effects"] = [_effect(e, num, f"{key}/effects/{ei + 1}") for ei, e in enumerate(a.effects)]
    if a.timing is not None:
        d["timing"] = _timing(a.timing, num, key)
    for i, lv in enumerate(a.levels):
        if lv.timing is not None:
            if "levels" not in d:  # a timed level is written as a level
                d.pop("cost", None)
                d["levels"] = [{"cost": costs(a.levels[0].cost, key)}]
            d["levels"][i]["timing"] = _timing(lv.timing, num, f"{key}/levels/{i + 1}")
    return d


def _effect(e: Effect, num: NumberWriter, key: str) -> dict[str, Any]:
    """Type, targets, and the amount: one number when every level has the same one."""
    d: dict[str, Any] = {"type": e.type}
    t = e.targets
    for fld in ("arcs", "nodes", "recipes", "modes", "organizations"):
        if getattr(t, fld):
            d[fld] = list(getattr(t, fld))
    if t.commodities is not None:
        d["commodities"] = list(t.commodities)
    if e.type != "remove":
        amts = [num(v, f"{key}/level{li + 1}/amount") for li, v in enumerate(e.amounts)]
        noted = any(isinstance(v, dict) for v in amts)
        d["amount"] = amts[0] if len(set(e.amounts)) == 1 and not noted else amts
    if not e.perceived:
        d["perceived"] = False
    if e.perceived_amounts is not None:
        amts = [num(v, f"{key}/perceived/level{li + 1}/perceived_amount")
                for li, v in enumerate(e.perceived_amounts)]
        noted = any(isinstance(v, dict) for v in amts)
        d["perceived_amount"] = amts[0] if len(set(e.perceived_amounts)) == 1 and not noted \
            else amts
    return d


def _scenario(sc: Scenario, num: NumberWriter, key: str = "") -> dict[str, Any]:
    """A scenario (or, with ``key`` ``horizon/<period>``, a period's changes)."""
    key = key or f"scenarios/{sc.id}"
    d: dict[str, Any] = {"id": sc.id, "probability": num(sc.probability, f"{key}/probability")}
    if sc.description:
        d["description"] = sc.description
    arcs: list[dict[str, Any]] = []
    for aid, fields in sc.arcs.items():
        rec = {"id": aid, **{f: num(v, f"{key}/arcs/{aid}/{f}") for f, v in fields.items()
                             if not f.startswith("perceived_")}}
        perceived = _perceived(fields, num, f"{key}/arcs/{aid}/perceived")
        arcs.append({**rec, "perceived": perceived} if perceived else rec)
    arcs += [_arc(a, num) for a in sc.new_arcs]
    if arcs:
        d["arcs"] = arcs
    if sc.remove_arcs:
        d["remove_arcs"] = list(sc.remove_arcs)
    if sc.supplies:
        d["supplies"] = [{"node": n, "commodity": k,
                          "amount": num(v, f"supplies/{n}/{k}/amount")}
                         for (n, k), v in sc.supplies.items()]
    if sc.nodes:
        d["nodes"] = [_scenario_node(nid, fields, num, f"{key}/nodes/{nid}")
                      for nid, fields in sc.nodes.items()]
    for section, items in (("commodities", sc.commodities), ("recipes", sc.recipes)):
        if items:
            d[section] = [{"id": i, **{f: num(v, f"{key}/{section}/{i}/{f}")
                                       for f, v in fields.items()}}
                          for i, fields in items.items()]
    if sc.shipment is not None:
        sh = sc.shipment
        ship: dict[str, Any] = {"origin": sh.origin, "destination": sh.destination,
                                "commodity": sh.commodity}
        if sh.amount != 1.0:
            ship["amount"] = num(sh.amount, f"{key}/shipment/amount")
        if sh.value != 1.0:
            ship["value"] = num(sh.value, f"{key}/shipment/value")
        d["shipment"] = ship
    return d


def _scenario_node(nid: str, fields: dict[str, Any], num: NumberWriter,
                   key: str) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": nid}
    if "capacity" in fields:
        rec["capacity"] = num(fields["capacity"], f"{key}/capacity")
    if fields.get("values"):
        rec["values"] = {k: num(v, f"{key}/values/{k}") for k, v in fields["values"].items()}
    return rec


def _observing(inst: Instance, num: NumberWriter) -> dict[str, Any]:
    """The sections groups, observations and parameters (those the instance has)."""
    out: dict[str, Any] = {}
    if inst.groups:
        out["groups"] = [_group(g) for g in inst.groups]
    if inst.observations:
        out["observations"] = [_observation(o, num) for o in inst.observations]
    if inst.parameters:
        out["parameters"] = [_parameter(p) for p in inst.parameters]
    return out


def _group(g: Group) -> dict[str, Any]:
    d: dict[str, Any] = {"id": g.id}
    for fld in ("nodes", "arcs", "modes", "kinds", "organizations", "countries"):
        if getattr(g, fld):
            d[fld] = list(getattr(g, fld))
    _put(d, "description", g.description, "")
    return d


def _measure(m: Measure, parent: Measure | None = None) -> dict[str, Any]:
    """A measure's fields (a ratio's part: only those that differ from the ratio's)."""
    d: dict[str, Any] = {"measure": m.kind}
    if m.group is not None and (parent is None or m.group != parent.group):
        d["group"] = m.group
    if m.commodities is not None and (parent is None or m.commodities != parent.commodities):
        d["commodity"] = m.commodities[0] if len(m.commodities) == 1 else list(m.commodities)
    units = m.units if parent is None else {k: v for k, v in m.units.items()
                                            if parent.units.get(k) != v}
    if units:
        d["units"] = dict(units)
    if m.numerator is not None and m.denominator is not None:
        d["numerator"] = _measure(m.numerator, m)
        d["denominator"] = _measure(m.denominator, m)
    return d


def _observation(o: Observation, num: NumberWriter) -> dict[str, Any]:
    key = f"observations/{o.id}"
    d: dict[str, Any] = {"id": o.id, **_measure(o.measure), "value": num(o.value, f"{key}/value"),
                         "tolerance": num(o.tolerance, f"{key}/tolerance")}
    _put(d, "unit", o.unit, "")
    if o.weight != 1.0:
        d["weight"] = num(o.weight, f"{key}/weight")
    _put(d, "source", o.source, "")
    _put(d, "description", o.description, "")
    return d


def _parameter(p: Parameter) -> dict[str, Any]:
    d: dict[str, Any] = {"id": p.id, "field": p.field, "bounds": [float(b) for b in p.bounds]}
    _put(d, "reason", p.reason, "")
    return d


def write_instance(inst: Instance, path: str | Path) -> None:
    """Write an instance as YAML (one flow-style line per record) or JSON (by suffix).

    Written to a temporary file first and renamed, so a failure leaves no partial file.
    """
    from ..report.files import atomic_write_text

    p = Path(path)
    data = instance_to_dict(inst)
    if p.suffix.lower() == ".json":
        text = json.dumps(data, indent=1, sort_keys=False) + "\n"
    else:
        text = dump_yaml(data)
    atomic_write_text(p, text)


def dump_yaml(data: dict[str, Any]) -> str:
    """Readable YAML: top-level scalars, then each section as a list of one-line records."""
    dumper: Callable[..., str] = lambda obj, **kw: yaml.dump(
        obj, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
        allow_unicode=True, width=1 << 16, **kw)
    parts = []
    for key, val in data.items():
        if isinstance(val, list):
            parts.append(f"{key}:")
            for rec in val:
                line = dumper(rec, default_flow_style=True).strip()
                parts.append(f"  - {line}")
        else:
            parts.append(dumper({key: val}, default_flow_style=False).strip())
    return "\n".join(parts) + "\n"
