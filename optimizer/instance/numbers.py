"""Every number of an instance by its key: read it, know its legal range, set it.

A number is named by the key its source note has in ``Instance.sources`` (the reader
builds the keys, ``writer.py`` writes them back):

    resources/<id>/budget                      commodities/<id>/<load|value|harm>
    nodes/<id>/<capacity|lat|lon>              nodes/<id>/<values|harm>/<commodity>
    arcs/<id>/<capacity|cost|seizure>          recipes/<id>/<yield|capacity>
    supplies/<node>/<commodity>/amount         supplies/<node>/<commodity>/curve/<i>/<up_to|cost>
    markets/<node>:<good>/accepts/<commodity>  markets/<node>:<good>/curve/<i>/<up_to|price>
    actions/<id>/cost/<resource>               actions/<id>/levels/<l>/cost/<resource>
    actions/<id>/effects/<e>/level<l>/amount   uncertainty/cvar_alpha
    scenarios/<id>/probability                 scenarios/<id>/shipment/<amount|value>
    scenarios/<id>/<arcs|commodities|recipes|nodes>/<id>/<field>   (fields it overrides)

``locate`` finds one (its value and its range, ``fields.Bounds``) or says why the key names
no number (no such record, no such field, a field that is text); ``set_numbers`` returns
the instance with numbers replaced, every record touched once per call (Monte Carlo
samples and calibration set many numbers at a time). A range that involves other records
(a curve's order, cumulative effects) is not checked here: ``validate`` checks the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .fields import LIMIT, NONNEGATIVE, POSITIVE, Bounds
from .model import Instance, Piece, Scenario
from .reader import AMOUNT_BOUNDS, ARC_OVERRIDES

#: Numeric fields of each section's records, with their ranges (as the reader checks them).
FIELDS: dict[str, dict[str, Bounds]] = {
    "commodities": {"load": POSITIVE, "value": NONNEGATIVE, "harm": NONNEGATIVE},
    "nodes": {"capacity": LIMIT, "lat": Bounds(minimum=-90, at_most=90, tiny_ok=True),
              "lon": Bounds(minimum=-180, at_most=180, tiny_ok=True)},
    "arcs": dict(ARC_OVERRIDES),
    "recipes": {"yield": POSITIVE, "capacity": LIMIT},
}
#: Text fields: a key naming one of these names a field that is not a number.
TEXT_FIELDS: dict[str, frozenset[str]] = {
    "resources": frozenset({"id", "kind", "unit", "description"}),
    "commodities": frozenset({"id", "unit", "description"}),
    "nodes": frozenset({"id", "kind", "name", "organization", "country", "description"}),
    "arcs": frozenset({"id", "from", "to", "mode", "commodities", "organization",
                       "description"}),
    "recipes": frozenset({"id", "node", "input", "output", "description"}),
    "supplies": frozenset({"node", "commodity", "description"}),
    "markets": frozenset({"node", "good", "description"}),
    "actions": frozenset({"id", "name", "description", "label", "type"}),
    "scenarios": frozenset({"id", "description", "remove_arcs"}),
}
SCENARIO_SECTIONS = {"arcs": "arcs", "commodities": "commodities", "recipes": "recipes",
                     "nodes": "nodes"}


class NumberKeyError(ValueError):
    """A key that names no number of the instance; the message says why."""


@dataclass(frozen=True)
class Slot:
    """One number of an instance: ``section``, the record's ``ident`` in it, the ``path``
    of the field inside the record, the current ``value`` and the field's ``bounds``."""

    key: str
    section: str
    ident: str
    path: tuple[str, ...]
    value: float
    bounds: Bounds


# ----------------------------------------------------------------------------- locate


def locate(inst: Instance, key: str) -> Slot:
    """The number ``key`` names; raises ``NumberKeyError`` saying why it names none."""
    section, _, rest = key.partition("/")
    finder = _FINDERS.get(section)
    if finder is None:
        raise NumberKeyError(f"unknown section '{section}' (numbers live in: "
                             f"{', '.join(sorted(_FINDERS))})")
    return finder(inst, key, rest)


def _split_id(key: str, rest: str, section: str, ids: list[str]) -> tuple[str, list[str]]:
    """(record id, the field path after it): the longest known id that ``rest`` starts
    with (ids may hold '/'), or ``NumberKeyError``."""
    best = max((i for i in ids if rest.startswith(i + "/")), key=len, default=None)
    if best is None:
        head = rest.split("/", 1)[0]
        raise NumberKeyError(f"no record '{head}' in section '{section}'")
    return best, rest[len(best) + 1:].split("/")


def _no_field(section: str, ident: str, path: list[str], known: list[str]) -> NumberKeyError:
    name = "/".join(path)
    if path and path[0] in TEXT_FIELDS.get(section, ()):
        return NumberKeyError(f"field '{name}' of {section} '{ident}' is text, not a number")
    return NumberKeyError(f"{section} '{ident}' has no number '{name}' (numbers: "
                          f"{', '.join(known)})")


def _plain(section: str) -> Callable[[Instance, str, str], Slot]:
    """Records whose numbers are plain fields (commodities, arcs, recipes)."""

    def find(inst: Instance, key: str, rest: str) -> Slot:
        records = {r.id: r for r in getattr(inst, section)}
        ident, path = _split_id(key, rest, section, list(records))
        allowed = FIELDS[section]
        if len(path) != 1 or path[0] not in allowed:
            raise _no_field(section, ident, path, list(allowed))
        attr = "yield_" if path[0] == "yield" else path[0]
        return Slot(key, section, ident, (path[0],), float(getattr(records[ident], attr)),
                    allowed[path[0]])

    return find


def _resources(inst: Instance, key: str, rest: str) -> Slot:
    by_id = {r.id: r for r in inst.resources}
    ident, path = _split_id(key, rest, "resources", list(by_id))
    if path != ["budget"]:
        raise _no_field("resources", ident, path, ["budget"])
    r = by_id[ident]
    return Slot(key, "resources", ident, ("budget",), r.budget,
                LIMIT if r.kind == "outcome" else NONNEGATIVE)


def _nodes(inst: Instance, key: str, rest: str) -> Slot:
    by_id = {n.id: n for n in inst.nodes}
    ident, path = _split_id(key, rest, "nodes", list(by_id))
    node = by_id[ident]
    comms = {c.id: c for c in inst.commodities}
    if len(path) == 2 and path[0] in ("values", "harm") and path[1] in comms:
        c = comms[path[1]]
        value = inst.market_value(node, c) if path[0] == "values" else inst.harm_weight(node, c)
        return Slot(key, "nodes", ident, tuple(path), float(value), NONNEGATIVE)
    if len(path) == 1 and path[0] in FIELDS["nodes"]:
        value = getattr(node, path[0])
        if value is None:
            raise NumberKeyError(f"node '{ident}' has no '{path[0]}' to set")
        return Slot(key, "nodes", ident, (path[0],), float(value), FIELDS["nodes"][path[0]])
    raise _no_field("nodes", ident, path, [*FIELDS["nodes"], "values/<commodity>",
                                           "harm/<commodity>"])


def _curve_slot(key: str, section: str, ident: str, curve: tuple[Piece, ...],
                path: list[str], price: str) -> Slot:
    """``curve/<i>/<up_to|price>`` of a supply's or a market's curve (i from 1)."""
    i = int(path[1]) if len(path) == 3 and path[1].isdigit() else 0
    if not 1 <= i <= len(curve) or path[2] not in ("up_to", price):
        raise NumberKeyError(f"{section} '{ident}' has no number '{'/'.join(path)}' (its curve "
                             f"has pieces 1 to {len(curve)}, each with up_to and {price})")
    piece = curve[i - 1]
    last = i == len(curve)
    if path[2] == "up_to":
        return Slot(key, section, ident, ("curve", str(i), "up_to"), piece.up_to,
                    LIMIT if last else POSITIVE)
    return Slot(key, section, ident, ("curve", str(i), price), piece.price, NONNEGATIVE)


def _supplies(inst: Instance, key: str, rest: str) -> Slot:
    by_id = {f"{s.node}/{s.commodity}": s for s in inst.supplies}
    ident, path = _split_id(key, rest, "supplies", list(by_id))
    sup = by_id[ident]
    if path[0] == "curve" and sup.curve:
        return _curve_slot(key, "supplies", ident, sup.curve, path, "cost")
    if path == ["amount"] and not sup.curve:
        return Slot(key, "supplies", ident, ("amount",), sup.amount, LIMIT)
    if path == ["amount"]:
        raise NumberKeyError(f"supply '{ident}' has a cost curve: its amount is the last "
                             "piece's up_to (curve/<i>/up_to)")
    raise _no_field("supplies", ident, path, ["curve/<i>/<up_to|cost>" if sup.curve else "amount"])


def _markets(inst: Instance, key: str, rest: str) -> Slot:
    by_id = {m.id: m for m in inst.markets}
    ident, path = _split_id(key, rest, "markets", list(by_id))
    m = by_id[ident]
    if path[0] == "curve":
        return _curve_slot(key, "markets", ident, m.curve, path, "price")
    if len(path) == 2 and path[0] == "accepts" and path[1] in m.accepts:
        return Slot(key, "markets", ident, tuple(path), m.accepts[path[1]], POSITIVE)
    raise _no_field("markets", ident, path, ["accepts/<commodity>", "curve/<i>/<up_to|price>"])


def _actions(inst: Instance, key: str, rest: str) -> Slot:
    by_id = {a.id: a for a in inst.actions}
    ident, path = _split_id(key, rest, "actions", list(by_id))
    act = by_id[ident]
    res = {r.id for r in inst.resources}
    if len(path) == 2 and path[0] == "cost" and len(act.levels) == 1 and path[1] in res:
        return Slot(key, "actions", ident, tuple(path), act.levels[0].cost.get(path[1], 0.0),
                    NONNEGATIVE)
    if (len(path) == 4 and path[0] == "levels" and path[2] == "cost" and path[1].isdigit()
            and 1 <= int(path[1]) <= len(act.levels) and path[3] in res):
        return Slot(key, "actions", ident, tuple(path),
                    act.levels[int(path[1]) - 1].cost.get(path[3], 0.0), NONNEGATIVE)
    if (len(path) == 4 and path[0] == "effects" and path[1].isdigit() and path[3] == "amount"
            and 1 <= int(path[1]) <= len(act.effects) and path[2].startswith("level")
            and path[2][5:].isdigit() and 1 <= int(path[2][5:]) <= len(act.levels)):
        eff = act.effects[int(path[1]) - 1]
        if eff.type != "remove":
            return Slot(key, "actions", ident, tuple(path), eff.amounts[int(path[2][5:]) - 1],
                        AMOUNT_BOUNDS[eff.type])
    raise _no_field("actions", ident, path, ["cost/<resource>", "levels/<l>/cost/<resource>",
                                             "effects/<e>/level<l>/amount"])


def _scenarios(inst: Instance, key: str, rest: str) -> Slot:
    by_id = {s.id: s for s in inst.scenarios}
    ident, path = _split_id(key, rest, "scenarios", list(by_id))
    sc = by_id[ident]
    if path == ["probability"]:
        return Slot(key, "scenarios", ident, ("probability",), sc.probability,
                    Bounds(minimum=0.0, at_most=1.0))
    if len(path) == 2 and path[0] == "shipment" and sc.shipment is not None \
            and path[1] in ("amount", "value"):
        return Slot(key, "scenarios", ident, tuple(path), getattr(sc.shipment, path[1]),
                    POSITIVE)
    if len(path) >= 3 and path[0] in SCENARIO_SECTIONS:
        overrides: dict[str, dict[str, Any]] = getattr(sc, path[0])
        rid = max((r for r in overrides if "/".join(path[1:]).startswith(r + "/")),
                  key=len, default=None)
        if rid is not None:
            fld = "/".join(path[1:])[len(rid) + 1:].split("/")
            fields = overrides[rid]
            value = fields.get(fld[0]) if len(fld) == 1 else (
                fields.get("values", {}).get(fld[1]) if fld[0] == "values" and len(fld) == 2
                else None)
            if isinstance(value, (int, float)):
                return Slot(key, "scenarios", ident, (path[0], rid, *fld), float(value),
                            _override_bounds(path[0], fld[0]))
        raise NumberKeyError(f"scenario '{ident}' overrides no number '{'/'.join(path)}' "
                             "(only numbers a scenario overrides can be set)")
    raise _no_field("scenarios", ident, path, ["probability", "shipment/<amount|value>",
                                               "<section>/<id>/<field> it overrides"])


def _override_bounds(section: str, fld: str) -> Bounds:
    if section == "nodes":
        return LIMIT if fld == "capacity" else NONNEGATIVE
    return FIELDS[section][fld]


def _uncertainty(inst: Instance, key: str, rest: str) -> Slot:
    if rest != "cvar_alpha":
        raise NumberKeyError(f"uncertainty has no number '{rest}' (numbers: cvar_alpha)")
    return Slot(key, "uncertainty", "", ("cvar_alpha",), inst.cvar_alpha,
                Bounds(minimum=0.0, below=1.0))


_FINDERS: dict[str, Callable[[Instance, str, str], Slot]] = {
    "resources": _resources, "commodities": _plain("commodities"), "nodes": _nodes,
    "arcs": _plain("arcs"), "recipes": _plain("recipes"), "supplies": _supplies,
    "markets": _markets, "actions": _actions, "scenarios": _scenarios,
    "uncertainty": _uncertainty,
}


# ----------------------------------------------------------------------------- set


def set_number(inst: Instance, key: str, value: float) -> Instance:
    """The instance with the number ``key`` set to ``value`` (``NumberKeyError`` if the
    key names no number). The field's range is not enforced: see ``locate``."""
    return set_numbers(inst, {key: value})


def set_numbers(inst: Instance, values: Mapping[str, float]) -> Instance:
    """The instance with several numbers replaced at once (keys as in ``locate``)."""
    if not values:
        return inst
    by_section: dict[str, dict[str, list[tuple[tuple[str, ...], float]]]] = defaultdict(
        lambda: defaultdict(list))
    for key, v in values.items():
        slot = locate(inst, key)
        by_section[slot.section][slot.ident].append((slot.path, float(v)))
    changes: dict[str, Any] = {}
    for section, per_record in by_section.items():
        if section == "uncertainty":
            changes["cvar_alpha"] = per_record[""][0][1]
            continue
        key_of: Callable[[Any], str] = (lambda s: f"{s.node}/{s.commodity}") \
            if section == "supplies" else (lambda r: r.id)
        setter = _SETTERS[section]
        changes[section] = tuple(
            setter(rec, per_record[key_of(rec)]) if key_of(rec) in per_record else rec
            for rec in getattr(inst, section))
    return replace(inst, **changes)


Edits = list[tuple[tuple[str, ...], float]]


def _set_plain(rec: Any, edits: Edits) -> Any:
    return replace(rec, **{("yield_" if p[0] == "yield" else p[0]): v for p, v in edits})


def _set_node(node: Any, edits: Edits) -> Any:
    fields: dict[str, Any] = {}
    for path, v in edits:
        if len(path) == 2:
            fields.setdefault(path[0], dict(getattr(node, path[0])))[path[1]] = v
        else:
            fields[path[0]] = v
    return replace(node, **fields)


def _set_curve(curve: tuple[Piece, ...], edits: Edits) -> tuple[Piece, ...]:
    pieces = list(curve)
    for path, v in edits:
        i = int(path[1]) - 1
        pieces[i] = replace(pieces[i], up_to=v) if path[2] == "up_to" \
            else replace(pieces[i], price=v)
    return tuple(pieces)


def _set_supply(sup: Any, edits: Edits) -> Any:
    if not sup.curve:
        return replace(sup, amount=edits[-1][1])
    curve = _set_curve(sup.curve, edits)
    return replace(sup, curve=curve, amount=curve[-1].up_to)


def _set_market(m: Any, edits: Edits) -> Any:
    accepts = dict(m.accepts)
    curve = _set_curve(m.curve, [(p, v) for p, v in edits if p[0] == "curve"])
    for path, v in edits:
        if path[0] == "accepts":
            accepts[path[1]] = v
    return replace(m, accepts=accepts, curve=curve)


def _set_action(act: Any, edits: Edits) -> Any:
    levels = list(act.levels)
    effects = list(act.effects)
    for path, v in edits:
        if path[0] == "cost":
            levels[0] = replace(levels[0], cost={**levels[0].cost, path[1]: v})
        elif path[0] == "levels":
            li = int(path[1]) - 1
            levels[li] = replace(levels[li], cost={**levels[li].cost, path[3]: v})
        else:
            ei, li = int(path[1]) - 1, int(path[2][5:]) - 1
            amounts = list(effects[ei].amounts)
            amounts[li] = v
            effects[ei] = replace(effects[ei], amounts=tuple(amounts))
    return replace(act, levels=tuple(levels), effects=tuple(effects))


def _set_scenario(sc: Scenario, edits: Edits) -> Scenario:
    fields: dict[str, Any] = {}
    for path, v in edits:
        if path[0] == "probability":
            fields["probability"] = v
        elif path[0] == "shipment":
            ship = fields.get("shipment", sc.shipment)
            assert ship is not None  # locate only finds shipment numbers where there is one
            fields["shipment"] = replace(ship, **{path[1]: v})
        else:
            section = fields.setdefault(path[0], {k: dict(f) for k, f in
                                                  getattr(sc, path[0]).items()})
            rec = section[path[1]]
            if len(path) == 4:  # nodes/<id>/values/<commodity>
                rec["values"] = {**rec.get("values", {}), path[3]: v}
            else:
                rec[path[2]] = v
    return replace(sc, **fields)


_SETTERS: dict[str, Callable[[Any, Edits], Any]] = {
    "resources": _set_plain, "commodities": _set_plain, "arcs": _set_plain,
    "recipes": _set_plain, "nodes": _set_node, "supplies": _set_supply,
    "markets": _set_market, "actions": _set_action, "scenarios": _set_scenario,
}


__all__ = ["FIELDS", "NumberKeyError", "Slot", "locate", "set_number", "set_numbers"]
