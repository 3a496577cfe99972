"""The sections ``groups``, ``observations`` and ``parameters``: what was seen in the world,
where, and which numbers calibration may change (docs/format.md; docs/model.md,
"Observations and calibration").

Reading (``read_groups``, ``read_observations``, ``read_parameters``: one small function per
record, built from ``fields.py``) reports problems of single fields; ``observation_problems``
checks what needs the whole instance — groups that name unknown elements or select nothing,
observations that name unknown groups or commodities or count commodities in different
units without a conversion, parameters whose field names no number of the file or whose
bounds leave the field's legal range (or would make the file invalid). Every problem names
the file, line, record and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import Problem
from . import fields as f
from .fields import NONNEGATIVE, POSITIVE, Bounds, Context
from .loader import quote
from .model import ARC_MODES, MEASURES, NODE_KINDS, Group, Instance, Measure, Observation, Parameter

GROUP_FIELDS = frozenset({"id", "nodes", "arcs", "modes", "kinds", "organizations",
                          "countries", "description"})
#: Fields of a measure (an observation's, or a ratio's numerator or denominator).
MEASURE_FIELDS = frozenset({"measure", "group", "commodity", "units"})
OBSERVATION_FIELDS = MEASURE_FIELDS | {"id", "numerator", "denominator", "value",
                                       "tolerance", "unit", "source", "weight",
                                       "description"}
PARAMETER_FIELDS = frozenset({"id", "field", "bounds", "reason", "description"})
#: Measures taken on a group only; ``seized`` and ``delivered`` without a group count
#: everywhere.
SHARES = ("seizure_share", "delivered_share")


# --------------------------------------------------------------------------- reading


def read_groups(ctx: Context, doc: dict) -> tuple[Group, ...]:
    return tuple(g for g in (read_group(ctx, r) for r in f.records(ctx, doc, "groups"))
                 if g is not None)


def read_group(ctx: Context, rec: dict) -> Group | None:
    """``{id, nodes, arcs, modes, kinds, organizations, countries, description}``."""
    gid = f.ident(ctx, rec, "id", "group")
    record = f"group '{gid}'"
    f.check_fields(ctx, rec, GROUP_FIELDS, record)
    ctx.note_line("groups", gid, rec)
    sel = {k: f.id_list(ctx, rec, k, record) or () for k in
           ("nodes", "arcs", "modes", "kinds", "organizations", "countries")}
    if gid is None:
        return None
    return Group(gid, description=f.text(ctx, rec, "description", record), **sel)


def read_observations(ctx: Context, doc: dict) -> tuple[Observation, ...]:
    return tuple(o for o in (read_observation(ctx, r)
                             for r in f.records(ctx, doc, "observations")) if o is not None)


def read_observation(ctx: Context, rec: dict) -> Observation | None:
    """``{id, measure, group, commodity, units, unit, value, tolerance, source, weight,
    description}``; a ``ratio`` has ``numerator`` and ``denominator`` measures, which take
    the observation's group, commodity and units unless they give their own."""
    oid = f.ident(ctx, rec, "id", "observation")
    record = f"observation '{oid}'"
    f.check_fields(ctx, rec, OBSERVATION_FIELDS, record)
    ctx.note_line("observations", oid, rec)
    key = f"observations/{oid}"
    measure = read_measure(ctx, rec, record, "")
    value = f.number(ctx, rec, "value", record, key, required=True)
    tol = f.number(ctx, rec, "tolerance", record, key, POSITIVE, required=True)
    weight = f.number(ctx, rec, "weight", record, key, NONNEGATIVE, default=1.0)
    unit = f.text(ctx, rec, "unit", record)
    source = f.text(ctx, rec, "source", record)
    if measure is not None and measure.kind == "ratio":
        parts = [read_part(ctx, rec, part, record, measure) for part in ("numerator",
                                                                       "denominator")]
        measure = None if None in parts else Measure(
            "ratio", measure.group, measure.commodities, measure.units, parts[0], parts[1])
    else:
        for part in ("numerator", "denominator"):
            if part in rec:
                ctx.err(record, part, "only a 'ratio' has a numerator and a denominator",
                        f.line_of(rec))
    if oid is None or measure is None or value is None or tol is None:
        return None
    return Observation(oid, measure, value, tol, unit, source, 1.0 if weight is None else weight,
                       f.text(ctx, rec, "description", record))


def read_measure(ctx: Context, rec: dict, record: str, prefix: str,
                 parent: Measure | None = None) -> Measure | None:
    """``measure``, ``group``, ``commodity`` (one id or a list; absent: all) and ``units``
    (commodity → units of the measure's unit per unit) of a record; a part of a ratio
    (``parent`` given) takes the ratio's group, commodity and units by default."""
    kind = f.text(ctx, rec, "measure", record, required=True)
    line = f.line_of(rec)
    if kind and kind not in MEASURES:
        ctx.err(record, f"{prefix}measure", f"unknown measure {quote(kind)} (one of: "
                f"{', '.join(MEASURES)})", line)
        return None
    if kind == "ratio" and parent is not None:
        ctx.err(record, f"{prefix}measure", "a ratio's numerator or denominator cannot be a "
                "ratio itself", line)
        return None
    group = f.ident(ctx, rec, "group", record, required=False)
    comms = f.id_list(ctx, rec, "commodity", record)
    units = f.per_commodity(ctx, rec, "units", record, f"{record}/units",
                            message="must map commodity ids to units of the measure's unit "
                                    "per unit")
    if units and any(v <= 0 for v in units.values()):
        ctx.err(record, f"{prefix}units", "every conversion must be > 0", line)
    if not kind:
        return None
    if parent is not None:
        group = parent.group if group is None else group
        comms = parent.commodities if comms is None else comms
        units = {**parent.units, **(units or {})}
    return Measure(kind, group, comms, units or {})


def read_part(ctx: Context, rec: dict, part: str, record: str,
              parent: Measure) -> Measure | None:
    """The ``numerator`` or ``denominator`` of a ratio: an inline measure."""
    raw = rec.get(part)
    if raw is None:
        ctx.err(record, part, f"a ratio needs a '{part}' (an inline measure, e.g. "
                "{measure: seized, group: …, commodity: …})", f.line_of(rec))
        return None
    if not isinstance(raw, dict):
        ctx.err(record, part, f"must be a mapping {{measure, group, commodity, units}}, got "
                f"{quote(raw)}", f.line_of(rec))
        return None
    prec = f"{record} {part}"
    f.check_fields(ctx, raw, MEASURE_FIELDS, prec)
    return read_measure(ctx, raw, prec, "", parent)


def read_parameters(ctx: Context, doc: dict) -> tuple[Parameter, ...]:
    return tuple(p for p in (read_parameter(ctx, r) for r in f.records(ctx, doc, "parameters"))
                 if p is not None)


def read_parameter(ctx: Context, rec: dict) -> Parameter | None:
    """``{id, field, bounds: [low, high], reason}``."""
    pid = f.ident(ctx, rec, "id", "parameter")
    record = f"parameter '{pid}'"
    f.check_fields(ctx, rec, PARAMETER_FIELDS, record)
    ctx.note_line("parameters", pid, rec)
    fld = f.text(ctx, rec, "field", record, required=True)
    bounds = read_bounds(ctx, rec, record)
    if pid is None or not fld or bounds is None:
        return None
    return Parameter(pid, fld, bounds, f.text(ctx, rec, "reason", record))


def read_bounds(ctx: Context, rec: dict, record: str) -> tuple[float, float] | None:
    """``bounds: [low, high]``: two finite numbers, low < high."""
    raw = rec.get("bounds")
    line = f.line_of(rec)
    if raw is None:
        ctx.err(record, "bounds", "is required: [low, high], the range calibration may "
                "search", line)
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        ctx.err(record, "bounds", f"must be a list [low, high] of two numbers, got "
                f"{quote(raw)}", line)
        return None
    lo, hi = (f.scalar(ctx, v, record, "bounds", line, Bounds()) for v in raw)
    if lo is None or hi is None:
        return None
    if not lo < hi:
        ctx.err(record, "bounds", f"low {lo:g} must be below high {hi:g}"
                + (" (inverted)" if lo > hi else ""), line)
        return None
    return lo, hi


# --------------------------------------------------------------------------- groups


@dataclass(frozen=True)
class Members:
    """What a group selects: ``arcs`` (a seizure there counts), ``nodes`` (a seizure on an
    arc arriving there counts, and so does a delivery there)."""

    arcs: frozenset[str]
    nodes: frozenset[str]

    def seizes_on(self, arc_id: str, head: str) -> bool:
        return arc_id in self.arcs or head in self.nodes


def members(inst: Instance, group: Group) -> Members:
    """Expand a group's selectors into arc and node ids (unknown ids are left out;
    ``observation_problems`` reports them)."""
    modes, orgs = set(group.modes), set(group.organizations)
    arcs = {a.id for a in inst.arcs
            if a.id in group.arcs or a.mode in modes or (orgs and inst.arc_holder(a) in orgs)}
    kinds, countries = set(group.kinds), set(group.countries)
    nodes = {n.id for n in inst.nodes
             if n.id in group.nodes or n.kind in kinds or (countries and n.country in countries)}
    return Members(frozenset(arcs), frozenset(nodes))


# --------------------------------------------------------------------------- checks


def observation_problems(inst: Instance, *, whole: bool = True) -> list[Problem]:
    """Every problem of the groups, observations and parameters that needs other records.
    ``whole=False`` (the file has other problems) skips the checks that set numbers and
    validate the result."""
    out: list[Problem] = []

    def err(section: str, ident: str, record: str, fld: str | None, msg: str) -> None:
        out.append(Problem(inst.path, record, fld, msg, inst.lines.get(f"{section}/{ident}")))

    for section, kind, ids in (("groups", "group", [g.id for g in inst.groups]),
                               ("observations", "observation", [o.id for o in inst.observations]),
                               ("parameters", "parameter", [p.id for p in inst.parameters])):
        for i in sorted({i for i in ids if ids.count(i) > 1}):
            err(section, i, f"{kind} '{i}'", "id", f"duplicate {kind} id")
    for g in inst.groups:
        for fld, msg in group_problems(inst, g):
            err("groups", g.id, f"group '{g.id}'", fld, msg)
    groups = {g.id for g in inst.groups}
    for o in inst.observations:
        for fld, msg in measure_problems(inst, o.measure, groups, o.unit):
            err("observations", o.id, f"observation '{o.id}'", fld, msg)
    fields = [p.field for p in inst.parameters]
    for p in inst.parameters:
        if fields.count(p.field) > 1:
            err("parameters", p.id, f"parameter '{p.id}'", "field",
                f"'{p.field}' is declared by more than one parameter")
        for fld, msg in parameter_problems(inst, p, whole=whole):
            err("parameters", p.id, f"parameter '{p.id}'", fld, msg)
    return out


def group_problems(inst: Instance, g: Group) -> list[tuple[str | None, str]]:
    """(field, message) for each element a group names that does not exist."""
    known = {
        "nodes": {n.id for n in inst.nodes}, "arcs": {a.id for a in inst.arcs},
        "modes": set(ARC_MODES), "kinds": set(NODE_KINDS),
        "organizations": {inst.arc_holder(a) for a in inst.arcs} - {""},
        "countries": {n.country for n in inst.nodes} - {""},
    }
    what = {"nodes": "node", "arcs": "arc", "modes": "mode", "kinds": "node kind",
            "organizations": "organization holding an arc", "countries": "country of a node"}
    out: list[tuple[str | None, str]] = [
        (fld, f"unknown {what[fld]} '{x}'") for fld in known
        for x in getattr(g, fld) if x not in known[fld]]
    sel = members(inst, g)
    if not out and not sel.arcs and not sel.nodes:
        out.append((None, "selects no arc and no node"))
    return out


def measure_problems(inst: Instance, m: Measure, groups: set[str], unit: str,
                     prefix: str = "") -> list[tuple[str, str]]:
    """(field, message) for a measure naming unknown groups or commodities, a share without
    a group, or commodities in different units counted together without conversion."""
    if m.kind == "ratio":
        assert m.numerator is not None and m.denominator is not None
        return [*measure_problems(inst, m.numerator, groups, unit, "numerator."),
                *measure_problems(inst, m.denominator, groups, unit, "denominator.")]
    out = []
    if m.group is None and m.kind in SHARES:
        out.append((f"{prefix}group", f"a {m.kind} needs a group (the share of what is "
                    "counted everywhere that is counted there)"))
    elif m.group is not None and m.group not in groups:
        out.append((f"{prefix}group", f"unknown group '{m.group}'"
                    + (f" (groups: {', '.join(sorted(groups))})" if groups else
                       " (the file has no 'groups' section)")))
    comms = {c.id for c in inst.commodities}
    if m.commodities is not None and not m.commodities:
        out.append((f"{prefix}commodity", "names no commodity (leave it out to count all)"))
    for k in (m.commodities or ()):
        if k not in comms:
            out.append((f"{prefix}commodity", f"unknown commodity '{k}'"))
    for k in m.units:
        if k not in comms:
            out.append((f"{prefix}units", f"unknown commodity '{k}'"))
        elif m.commodities is not None and k not in m.commodities:
            out.append((f"{prefix}units", f"commodity '{k}' is not counted by this measure"))
    if not out:
        problem = unit_problem(inst, m, unit)
        if problem:
            out.append((f"{prefix}units", problem))
    return out


def counted(inst: Instance, m: Measure) -> list[str]:
    """The commodities a (non-ratio) measure counts, in the file's order."""
    return [c.id for c in inst.commodities if m.commodities is None or c.id in m.commodities]


def unit_problem(inst: Instance, m: Measure, unit: str) -> str | None:
    """Why the commodities a measure counts cannot be added up, or None: those without a
    conversion in ``units`` must share one unit (and agree with the stated ``unit``)."""
    unit_of = {c.id: c.unit for c in inst.commodities}
    plain = [k for k in counted(inst, m) if k not in m.units]
    found = sorted({unit_of[k] for k in plain})
    if len(found) > 1:
        listing = "; ".join(f"{u}: {', '.join(k for k in plain if unit_of[k] == u)}"
                            for u in found)
        return (f"counts commodities in different units ({listing}): give 'units: "
                "{commodity: how many units of the observation's unit one unit is}' and "
                "'unit'")
    if found and unit and found[0] != unit:
        return (f"'unit' is {quote(unit)} but {', '.join(plain)} is counted in "
                f"{quote(found[0])}: convert it with 'units'")
    if not found and not unit:
        return "every commodity counted is converted by 'units': say into what with 'unit'"
    return None


def quantity_unit(inst: Instance, m: Measure, unit: str) -> str:
    """The unit a (non-ratio) measure's sum is in: the stated unit, else the unit of the
    commodities it counts (``unit_problem`` has checked they agree)."""
    if unit:
        return unit
    units = {c.id: c.unit for c in inst.commodities}
    plain = [k for k in counted(inst, m) if k not in m.units]
    return units[plain[0]] if plain else ""


def value_unit(inst: Instance, obs: Observation) -> str:
    """The unit of an observation's value: units of the quantity, 'share' for a share, and
    for a ratio 'ratio' (same units) or 'u per v'."""
    m = obs.measure
    if m.kind in SHARES:
        return "share"
    if m.kind == "ratio":
        assert m.numerator is not None and m.denominator is not None
        top, bottom = (value_unit(inst, Observation(obs.id, part, 0.0, 1.0, obs.unit))
                       for part in (m.numerator, m.denominator))
        return "ratio" if top == bottom else f"{top} per {bottom}"
    return quantity_unit(inst, m, obs.unit)


def parameter_problems(inst: Instance, p: Parameter, *, whole: bool = True
                       ) -> list[tuple[str, str]]:
    """(field, message): the field names no number of the file; a bound lies outside the
    field's range; or setting the number to a bound makes the file invalid (a curve out of
    order, effects that could push a seizure probability past 1 …)."""
    from .numbers import NumberKeyError, locate, set_number

    try:
        slot = locate(inst, p.field)
    except NumberKeyError as exc:
        return [("field", f"'{p.field}': {exc}")]
    out = []
    for name, b in zip(("low", "high"), p.bounds):
        msg = f.range_problem(b, b, slot.bounds)
        if msg is not None:
            out.append(("bounds", f"{name} bound {b:g} is outside the legal range of "
                        f"{p.field}: {msg}"))
    dist = inst.uncertain.get(p.field)
    if dist is not None and dist.kind != "normal":  # the value must lie inside its range
        low, high = dist.params[0], dist.params[-1]
        for name, b in zip(("low", "high"), p.bounds):
            if not low <= b <= high:
                out.append(("bounds", f"{name} bound {b:g} is outside the range [{low:g}, "
                            f"{high:g}] of {p.field}'s distribution (its value must lie "
                            "inside it)"))
    if math.isinf(slot.value):
        out.append(("field", f"'{p.field}' is unlimited (inf) in the file; calibration fits "
                    "finite numbers"))
    if out or not whole:
        return out
    for name, b in zip(("low", "high"), p.bounds):
        problems = _validity(set_number(inst, p.field, b))
        if problems:
            out.append(("bounds", f"with {p.field} at its {name} bound {b:g} the file is "
                        f"invalid: {problems[0].record}: {problems[0].message}"))
    return out


def _validity(inst: Instance) -> list[Problem]:
    """What ``validate`` and the scenario checks find wrong with an instance."""
    from .scenarios import scenario_problems
    from .validate import validate

    return validate(inst, whole_network=False) or scenario_problems(inst)


def read_observing(ctx: Context, doc: Any) -> dict[str, tuple]:
    """The three sections, as keyword arguments of ``Instance``."""
    return {"groups": read_groups(ctx, doc), "observations": read_observations(ctx, doc),
            "parameters": read_parameters(ctx, doc)}


__all__ = ["Members", "members", "observation_problems", "read_observing", "value_unit",
           "quantity_unit", "counted", "SHARES"]
