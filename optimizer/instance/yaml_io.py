"""Read and write the instance format (YAML, or the same structure as JSON).

The reader never stops at the first mistake: it records every problem with the file,
the record, the field and the line, and raises one ``InstanceError`` holding them all.
Cross-record checks (unknown references, reachability …) live in ``validate.py``.

YAML details handled here:
- duplicate keys are an error (PyYAML would silently keep the last one);
- only ``true``/``false`` are booleans (``no``, ``on``, ``NO`` … stay strings, so a node
  called ``NO`` is not read as ``False``);
- every mapping remembers its line, so messages can point at it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Callable

import yaml

from ..errors import InstanceError, Problem
from .model import (
    ARC_MODES,
    EFFECT_TYPES,
    INF,
    NODE_KINDS,
    Action,
    Arc,
    Commodity,
    Distribution,
    Effect,
    Instance,
    Level,
    Node,
    Recipe,
    RISK_MEASURES,
    Resource,
    Scenario,
    Shipment,
    Supply,
    Targets,
)

# --------------------------------------------------------------------------- YAML loader

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineDict(dict):
    """A mapping that remembers the line it started on (1-based)."""

    line: int | None = None


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader: line numbers, duplicate-key errors, YAML-1.2-style booleans."""

    duplicate_keys: list[tuple[str, int]]


# Only true/false are booleans: drop the YAML 1.1 yes/no/on/off resolver and add a strict one.
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in _BaseLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            loader.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(text: str, path: str) -> tuple[Any, list[Problem]]:
    loader = _Loader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(path, "file", None, f"not valid YAML: {msg}", line)]
    finally:
        loader.dispose()
    problems = [
        Problem(path, "file", key, "duplicate key (each key may appear once per record)", line)
        for key, line in loader.duplicate_keys
    ]
    return data, problems


# --------------------------------------------------------------------------- reader


class _Reader:
    """Turns the parsed document into records, collecting problems as it goes."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []
        self.sources: dict[str, str] = {}
        self.lines: dict[str, int] = {}
        self.uncertain: dict[str, Distribution] = {}

    # -- problem helpers
    def err(self, record: str, field: str | None, message: str, line: int | None) -> None:
        self.problems.append(Problem(self.path, record, field, message, line))

    @staticmethod
    def line_of(obj: Any) -> int | None:
        return getattr(obj, "line", None)

    # -- field helpers
    def number(
        self,
        rec: dict,
        key: str,
        record: str,
        source_key: str,
        *,
        default: float | None = None,
        required: bool = False,
        allow_inf: bool = False,
        minimum: float | None = None,
        below: float | None = None,
        at_most: float | None = None,
        positive: bool = False,
    ) -> float | None:
        """Read a number, possibly written ``{value: 3, source: "…"}`` and possibly uncertain
        (``range: [lo, hi]``, ``triangular: [lo, mode, hi]`` or ``normal: [mean, sd]``, used
        by Monte Carlo evaluation); check its range."""
        line = self.line_of(rec)
        if key not in rec or rec[key] is None:
            if required:
                self.err(record, key, "is required", line)
            return default
        raw = rec[key]
        bounds = dict(allow_inf=allow_inf, minimum=minimum, below=below, at_most=at_most,
                      positive=positive)
        dist_spec = None
        if isinstance(raw, dict):
            line = self.line_of(raw) or line
            extra = set(raw) - {"value", "source", *DISTRIBUTIONS}
            if extra:
                self.err(record, key, f"unknown field(s) {sorted(extra)} in a number "
                         "(write {value: …, source: \"…\"})", line)
            if "source" in raw and raw["source"] is not None:
                self.sources[f"{source_key}/{key}"] = str(raw["source"])
            if "value" not in raw:
                self.err(record, key, "a number written as a mapping needs 'value'", line)
                return default
            dists = [d for d in DISTRIBUTIONS if d in raw]
            if len(dists) > 1:
                self.err(record, key, f"give one distribution, not {dists}", line)
            elif dists:
                dist_spec = (dists[0], raw[dists[0]])
            raw = raw["value"]
        value = self.scalar(raw, record, key, line, **bounds)
        if value is None:
            return default
        if dist_spec is not None:
            dist = self.distribution(dist_spec, value, record, key, line, bounds)
            if dist is not None:
                self.uncertain[f"{source_key}/{key}"] = dist
        return value

    def scalar(self, raw: Any, record: str, key: str, line: int | None, *, allow_inf: bool,
               minimum: float | None, below: float | None, at_most: float | None,
               positive: bool) -> float | None:
        """Check one number against the field's rules; report and return None if wrong."""
        value = _to_float(raw)
        if value is None:
            self.err(record, key, f"must be a number, got {raw!r}", line)
            return None
        if math.isnan(value):
            self.err(record, key, "is NaN (not a number)", line)
            return None
        if math.isinf(value) and not (allow_inf and value > 0):
            what = "may be 'inf' (unlimited) but not '-inf'" if allow_inf else "must be finite"
            self.err(record, key, f"{what}, got {raw!r}", line)
            return None
        if minimum is not None and value < minimum:
            self.err(record, key, f"must be ≥ {minimum:g}, got {value:g}", line)
            return None
        if positive and value <= 0:
            self.err(record, key, f"must be > 0, got {value:g}", line)
            return None
        if below is not None and value >= below:
            self.err(record, key, f"must be < {below:g}, got {value:g}", line)
            return None
        if at_most is not None and value > at_most:
            self.err(record, key, f"must be ≤ {at_most:g}, got {value:g}", line)
            return None
        return value

    def distribution(self, spec: tuple[str, Any], value: float, record: str, key: str,
                     line: int | None, bounds: dict) -> Distribution | None:
        kind, params = spec
        need = {"range": 2, "triangular": 3, "normal": 2}[kind]
        if not isinstance(params, list) or len(params) != need:
            self.err(record, key, f"'{kind}' takes a list of {need} numbers", line)
            return None
        finite = dict(bounds, allow_inf=False)
        if kind == "normal":
            mean = self.scalar(params[0], record, f"{key}.normal", line, **finite)
            sd = self.scalar(params[1], record, f"{key}.normal", line, allow_inf=False,
                             minimum=0.0, below=None, at_most=None, positive=False)
            if mean is None or sd is None:
                return None
            return Distribution("normal", (mean, sd))
        vals = [self.scalar(p, record, f"{key}.{kind}", line, **finite) for p in params]
        if any(v is None for v in vals):
            return None
        if vals != sorted(vals):
            self.err(record, key, f"'{kind}' values must be in increasing order, got {vals}", line)
            return None
        if not (vals[0] <= value <= vals[-1]):
            self.err(record, key, f"value {value:g} lies outside its {kind} {vals}", line)
            return None
        return Distribution("uniform" if kind == "range" else kind, tuple(vals))  # type: ignore[arg-type]

    def text(self, rec: dict, key: str, record: str, *, required: bool = False,
             default: str = "") -> str:
        if key not in rec or rec[key] is None:
            if required:
                self.err(record, key, "is required", self.line_of(rec))
            return default
        raw = rec[key]
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            self.err(record, key, f"must be text, got {raw!r}", self.line_of(rec))
            return default
        return str(raw)

    def ident(self, rec: dict, key: str, record: str, *, required: bool = True) -> str | None:
        """An id or a reference to one: non-empty text without surrounding spaces."""
        if key not in rec or rec[key] is None:
            if required:
                self.err(record, key, "is required", self.line_of(rec))
            return None
        raw = rec[key]
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            self.err(record, key, f"must be an identifier (text), got {raw!r}; quote it",
                     self.line_of(rec))
            return None
        s = str(raw)
        if not s.strip() or s != s.strip():
            self.err(record, key, f"must be non-empty text without surrounding spaces, got {s!r}",
                     self.line_of(rec))
            return None
        return s

    def id_list(self, rec: dict, key: str, record: str) -> tuple[str, ...] | None:
        if key not in rec or rec[key] is None:
            return None
        raw = rec[key]
        if isinstance(raw, (str, int)) and not isinstance(raw, bool):
            raw = [raw]
        if not isinstance(raw, list):
            self.err(record, key, f"must be a list of identifiers, got {raw!r}", self.line_of(rec))
            return None
        out = []
        for item in raw:
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                self.err(record, key, f"must list identifiers, got {item!r}", self.line_of(rec))
                continue
            out.append(str(item))
        return tuple(out)

    def check_fields(self, rec: dict, allowed: set[str], record: str) -> None:
        for key in rec:
            if key not in allowed:
                self.err(record, str(key), f"unknown field (allowed: {', '.join(sorted(allowed))})",
                         self.line_of(rec))

    def records(self, doc: dict, section: str) -> list[dict]:
        raw = doc.get(section)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.err(f"section '{section}'", None, "must be a list of records", self.line_of(doc))
            return []
        out = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                self.err(f"{section} #{i + 1}", None, f"must be a mapping, got {item!r}",
                         self.line_of(doc))
                continue
            out.append(item)
        return out

    def note_line(self, section: str, ident: str | None, rec: dict) -> None:
        if ident is not None and self.line_of(rec) is not None:
            self.lines.setdefault(f"{section}/{ident}", self.line_of(rec))  # type: ignore[arg-type]

    # -- sections
    def read(self, doc: Any) -> Instance:
        if not isinstance(doc, dict):
            self.err("file", None, "must be a mapping with sections nodes, arcs, … "
                     "(see docs/format.md)", None)
            return _empty(self.path)
        self.check_fields(doc, TOP_LEVEL_FIELDS, "file")
        name = self.text(doc, "name", "file", default=Path(self.path).stem)
        description = self.text(doc, "description", "file")
        resources = [self.resource(r) for r in self.records(doc, "resources")]
        commodities = [self.commodity(r) for r in self.records(doc, "commodities")]
        nodes = [self.node(r) for r in self.records(doc, "nodes")]
        arcs = [self.arc(r) for r in self.records(doc, "arcs")]
        recipes = [self.recipe(r) for r in self.records(doc, "recipes")]
        supplies = [self.supply(i, r) for i, r in enumerate(self.records(doc, "supplies"))]
        actions = [self.action(r) for r in self.records(doc, "actions")]
        scenarios = [self.scenario(r) for r in self.records(doc, "scenarios")]
        risk, alpha = self.uncertainty(doc.get("uncertainty"), self.line_of(doc))
        for section, items in (("commodities", commodities), ("nodes", nodes), ("arcs", arcs)):
            if not [x for x in items if x is not None]:
                self.err(f"section '{section}'", None, "must list at least one record",
                         self.line_of(doc))
        return Instance(
            name=name,
            description=description,
            resources=tuple(r for r in resources if r is not None),
            commodities=tuple(c for c in commodities if c is not None),
            nodes=tuple(n for n in nodes if n is not None),
            arcs=tuple(a for a in arcs if a is not None),
            recipes=tuple(r for r in recipes if r is not None),
            supplies=tuple(s for s in supplies if s is not None),
            actions=tuple(a for a in actions if a is not None),
            path=self.path,
            sources=self.sources,
            lines=self.lines,
            scenarios=tuple(sc for sc in scenarios if sc is not None),
            risk=risk,
            cvar_alpha=alpha,
            uncertain=self.uncertain,
        )

    def resource(self, rec: dict) -> Resource | None:
        rid = self.ident(rec, "id", "resource")
        record = f"resource '{rid}'"
        self.check_fields(rec, {"id", "budget", "unit", "description"}, record)
        self.note_line("resources", rid, rec)
        budget = self.number(rec, "budget", record, f"resources/{rid}", required=True, minimum=0)
        if rid is None:
            return None
        # a bad budget is reported above; keep the record so references to it still resolve
        return Resource(rid, budget if budget is not None else 0.0, self.text(rec, "unit", record),
                        self.text(rec, "description", record))

    def commodity(self, rec: dict) -> Commodity | None:
        cid = self.ident(rec, "id", "commodity")
        record = f"commodity '{cid}'"
        self.check_fields(rec, {"id", "unit", "load", "value", "harm", "description"}, record)
        self.note_line("commodities", cid, rec)
        key = f"commodities/{cid}"
        load = self.number(rec, "load", record, key, default=1.0, positive=True)
        value = self.number(rec, "value", record, key, default=0.0, minimum=0)
        harm = self.number(rec, "harm", record, key, default=0.0, minimum=0)
        if cid is None:
            return None
        return Commodity(cid, self.text(rec, "unit", record, default="unit"),
                         load if load is not None else 1.0, value if value is not None else 0.0,
                         self.text(rec, "description", record), harm if harm is not None else 0.0)

    def node(self, rec: dict) -> Node | None:
        nid = self.ident(rec, "id", "node")
        record = f"node '{nid}'"
        self.check_fields(rec, {"id", "kind", "name", "lat", "lon", "organization", "country",
                                "capacity", "values", "harm", "description"}, record)
        self.note_line("nodes", nid, rec)
        key = f"nodes/{nid}"
        kind = self.text(rec, "kind", record, default="transit")
        if kind not in NODE_KINDS:
            self.err(record, "kind", f"unknown kind {kind!r} (one of: {', '.join(NODE_KINDS)})",
                     self.line_of(rec))
        lat = self.number(rec, "lat", record, key, minimum=-90, at_most=90)
        lon = self.number(rec, "lon", record, key, minimum=-180, at_most=180)
        cap = self.number(rec, "capacity", record, key, default=INF, allow_inf=True, minimum=0)
        values = self.per_commodity(rec, "values", record, key)
        harm = self.per_commodity(rec, "harm", record, key)
        if nid is None:
            return None
        return Node(nid, kind, self.text(rec, "name", record), lat, lon,
                    self.text(rec, "organization", record), self.text(rec, "country", record),
                    cap if cap is not None else INF, values, harm)

    def per_commodity(self, rec: dict, field: str, record: str, key: str) -> dict[str, float]:
        """A mapping commodity id → number ≥ 0 (a node's ``values`` or ``harm``)."""
        out: dict[str, float] = {}
        raw = rec.get(field)
        if raw is None:
            return out
        if not isinstance(raw, dict):
            self.err(record, field, "must map commodity ids to numbers per unit", self.line_of(rec))
            return out
        for cid in raw:
            v = self.number(raw, cid, record, f"{key}/{field}", minimum=0)
            if v is not None:
                out[str(cid)] = v
        return out

    def arc(self, rec: dict, prefix: str = "") -> Arc | None:
        src = self.ident(rec, "from", f"{prefix}arc")
        dst = self.ident(rec, "to", f"{prefix}arc")
        aid = self.ident(rec, "id", f"{prefix}arc", required=False) or (
            f"{src}->{dst}" if src is not None and dst is not None else None)
        record = f"{prefix}arc '{aid}'"
        self.check_fields(rec, {"id", "from", "to", "mode", "capacity", "cost", "seizure",
                                "commodities", "description"}, record)
        if not prefix:
            self.note_line("arcs", aid, rec)
        key = f"arcs/{aid}"
        mode = self.text(rec, "mode", record, default="other")
        if mode not in ARC_MODES:
            self.err(record, "mode", f"unknown mode {mode!r} (one of: {', '.join(ARC_MODES)})",
                     self.line_of(rec))
        cap = self.number(rec, "capacity", record, key, default=INF, allow_inf=True, minimum=0)
        cost = self.number(rec, "cost", record, key, default=0.0, minimum=0)
        seizure = self.number(rec, "seizure", record, key, default=0.0, minimum=0, below=1)
        comms = self.id_list(rec, "commodities", record)
        if aid is None or src is None or dst is None:
            return None
        return Arc(aid, src, dst, mode, cap if cap is not None else INF,
                   cost if cost is not None else 0.0, seizure if seizure is not None else 0.0,
                   comms)

    def recipe(self, rec: dict) -> Recipe | None:
        node = self.ident(rec, "node", "recipe")
        inp = self.ident(rec, "input", "recipe")
        out = self.ident(rec, "output", "recipe")
        rid = self.ident(rec, "id", "recipe", required=False) or (
            f"{node}:{inp}->{out}" if None not in (node, inp, out) else None)
        record = f"recipe '{rid}'"
        self.check_fields(rec, {"id", "node", "input", "output", "yield", "capacity",
                                "description"}, record)
        self.note_line("recipes", rid, rec)
        key = f"recipes/{rid}"
        eta = self.number(rec, "yield", record, key, required=True, positive=True)
        cap = self.number(rec, "capacity", record, key, default=INF, allow_inf=True, minimum=0)
        if None in (rid, node, inp, out):
            return None
        return Recipe(rid, node, inp, out, eta if eta is not None else 1.0,  # type: ignore[arg-type]
                      cap if cap is not None else INF)

    def supply(self, index: int, rec: dict, prefix: str = "") -> Supply | None:
        node = self.ident(rec, "node", f"{prefix}supply #{index + 1}")
        comm = self.ident(rec, "commodity", f"{prefix}supply #{index + 1}")
        record = f"{prefix}supply #{index + 1} (node '{node}', commodity '{comm}')"
        self.check_fields(rec, {"node", "commodity", "amount", "description"}, record)
        if not prefix:
            self.note_line("supplies", f"{node}/{comm}", rec)
        amount = self.number(rec, "amount", record, f"supplies/{node}/{comm}", required=True,
                             allow_inf=True, minimum=0)
        if None in (node, comm, amount):
            return None
        return Supply(node, comm, amount)  # type: ignore[arg-type]

    def action(self, rec: dict) -> Action | None:
        aid = self.ident(rec, "id", "action")
        record = f"action '{aid}'"
        self.check_fields(rec, {"id", "name", "description", "cost", "levels", "effects"}, record)
        self.note_line("actions", aid, rec)
        key = f"actions/{aid}"
        levels: list[Level] = []
        if "levels" in rec and rec["levels"] is not None:
            if "cost" in rec:
                self.err(record, "cost", "give either 'cost' (one level) or 'levels', not both",
                         self.line_of(rec))
            raw_levels = rec["levels"]
            if not isinstance(raw_levels, list) or not raw_levels:
                self.err(record, "levels", "must be a non-empty list of {label, cost}",
                         self.line_of(rec))
                raw_levels = []
            for i, lv in enumerate(raw_levels):
                lrec = f"{record} level {i + 1}"
                if not isinstance(lv, dict):
                    self.err(lrec, None, f"must be a mapping, got {lv!r}", self.line_of(rec))
                    continue
                self.check_fields(lv, {"label", "cost"}, lrec)
                cost = self.costs(lv.get("cost"), lrec, f"{key}/levels/{i + 1}",
                                  self.line_of(lv))
                levels.append(Level(cost, self.text(lv, "label", lrec)))
        else:
            cost = self.costs(rec.get("cost"), record, key, self.line_of(rec))
            levels.append(Level(cost, ""))
        n_levels = len(levels)
        effects: list[Effect] = []
        raw_effects = rec.get("effects")
        if not isinstance(raw_effects, list) or not raw_effects:
            self.err(record, "effects", "must be a non-empty list (what the action does)",
                     self.line_of(rec))
            raw_effects = []
        for i, eff in enumerate(raw_effects):
            e = self.effect(eff, f"{record} effect #{i + 1}", f"{key}/effects/{i + 1}", n_levels,
                            self.line_of(rec))
            if e is not None:
                effects.append(e)
        if aid is None:
            return None
        return Action(aid, tuple(levels), tuple(effects), self.text(rec, "name", record),
                      self.text(rec, "description", record))

    def uncertainty(self, raw: Any, line: int | None) -> tuple[str, float]:
        """``uncertainty: {risk: expected|worst|cvar, cvar_alpha: 0.9}``."""
        if raw is None:
            return "expected", 0.9
        if not isinstance(raw, dict):
            self.err("uncertainty", None, "must be a mapping {risk, cvar_alpha}", line)
            return "expected", 0.9
        self.check_fields(raw, {"risk", "cvar_alpha"}, "uncertainty")
        risk = self.text(raw, "risk", "uncertainty", default="expected")
        if risk not in RISK_MEASURES:
            self.err("uncertainty", "risk", f"unknown risk measure {risk!r} "
                     f"(one of: {', '.join(RISK_MEASURES)})", self.line_of(raw))
            risk = "expected"
        alpha = self.number(raw, "cvar_alpha", "uncertainty", "uncertainty", default=0.9,
                            minimum=0.0, below=1.0)
        return risk, alpha if alpha is not None else 0.9

    def scenario(self, rec: dict) -> Scenario | None:
        sid = self.ident(rec, "id", "scenario")
        record = f"scenario '{sid}'"
        self.check_fields(rec, {"id", "probability", "description", "arcs", "remove_arcs",
                                "supplies", "nodes", "commodities", "recipes", "shipment"}, record)
        self.note_line("scenarios", sid, rec)
        key = f"scenarios/{sid}"
        prob = self.number(rec, "probability", record, key, required=True, minimum=0.0,
                           at_most=1.0)
        arcs: dict[str, dict[str, float]] = {}
        new_arcs = []
        for item in self.sublist(rec, "arcs", record):
            if "from" in item or "to" in item:
                a = self.arc(item, prefix=f"{record} ")
                if a is not None:
                    new_arcs.append(a)
                continue
            aid = self.ident(item, "id", f"{record} arc")
            arec = f"{record} arc '{aid}'"
            self.check_fields(item, {"id", "capacity", "cost", "seizure"}, arec)
            fields = {}
            for fld, kw in (("capacity", dict(allow_inf=True, minimum=0)),
                            ("cost", dict(minimum=0)), ("seizure", dict(minimum=0, below=1))):
                v = self.number(item, fld, arec, f"{key}/arcs/{aid}", **kw)
                if v is not None:
                    fields[fld] = v
            if aid is not None:
                arcs[aid] = fields
        supplies: dict[tuple[str, str], float] = {}
        for i, item in enumerate(self.sublist(rec, "supplies", record)):
            sup = self.supply(i, item, prefix=f"{record} ")
            if sup is not None:
                supplies[(sup.node, sup.commodity)] = sup.amount
        nodes: dict[str, dict] = {}
        for item in self.sublist(rec, "nodes", record):
            nid = self.ident(item, "id", f"{record} node")
            nrec = f"{record} node '{nid}'"
            self.check_fields(item, {"id", "capacity", "values"}, nrec)
            fields: dict = {}
            cap = self.number(item, "capacity", nrec, f"{key}/nodes/{nid}", allow_inf=True, minimum=0)
            if cap is not None:
                fields["capacity"] = cap
            if isinstance(item.get("values"), dict):
                fields["values"] = {}
                for k in item["values"]:
                    v = self.number(item["values"], k, nrec, f"{key}/nodes/{nid}/values", minimum=0)
                    if v is not None:
                        fields["values"][str(k)] = v
            elif "values" in item:
                self.err(nrec, "values", "must map commodity ids to values", self.line_of(item))
            if nid is not None:
                nodes[nid] = fields
        comms: dict[str, dict[str, float]] = {}
        for item in self.sublist(rec, "commodities", record):
            cid = self.ident(item, "id", f"{record} commodity")
            crec = f"{record} commodity '{cid}'"
            self.check_fields(item, {"id", "value", "load", "harm"}, crec)
            fields = {}
            for fld, kw in (("value", dict(minimum=0)), ("load", dict(positive=True)),
                            ("harm", dict(minimum=0))):
                v = self.number(item, fld, crec, f"{key}/commodities/{cid}", **kw)
                if v is not None:
                    fields[fld] = v
            if cid is not None:
                comms[cid] = fields
        recipes: dict[str, dict[str, float]] = {}
        for item in self.sublist(rec, "recipes", record):
            rid = self.ident(item, "id", f"{record} recipe")
            rrec = f"{record} recipe '{rid}'"
            self.check_fields(item, {"id", "yield", "capacity"}, rrec)
            fields = {}
            for fld, kw in (("yield", dict(positive=True)), ("capacity", dict(allow_inf=True, minimum=0))):
                v = self.number(item, fld, rrec, f"{key}/recipes/{rid}", **kw)
                if v is not None:
                    fields[fld] = v
            if rid is not None:
                recipes[rid] = fields
        shipment = None
        if rec.get("shipment") is not None:
            sh = rec["shipment"]
            srec = f"{record} shipment"
            if not isinstance(sh, dict):
                self.err(srec, None, "must be a mapping {origin, destination, commodity}",
                         self.line_of(rec))
            else:
                self.check_fields(sh, {"origin", "destination", "commodity", "amount", "value"}, srec)
                o = self.ident(sh, "origin", srec)
                d = self.ident(sh, "destination", srec)
                c = self.ident(sh, "commodity", srec)
                amt = self.number(sh, "amount", srec, f"{key}/shipment", default=1.0, positive=True)
                val = self.number(sh, "value", srec, f"{key}/shipment", default=1.0, positive=True)
                if None not in (o, d, c, amt, val):
                    shipment = Shipment(o, d, c, amt, val)  # type: ignore[arg-type]
        remove = self.id_list(rec, "remove_arcs", record) or ()
        if sid is None or prob is None:
            return None
        return Scenario(sid, prob, self.text(rec, "description", record), arcs, tuple(new_arcs),
                        tuple(remove), supplies, nodes, comms, recipes, shipment)

    def sublist(self, rec: dict, key: str, record: str) -> list[dict]:
        raw = rec.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            self.err(record, key, "must be a list of records", self.line_of(rec))
            return []
        return raw

    def costs(self, raw: Any, record: str, key: str, line: int | None) -> dict[str, float]:
        if raw is None:
            self.err(record, "cost", "is required: a mapping resource id → amount", line)
            return {}
        if not isinstance(raw, dict):
            self.err(record, "cost", f"must map resource ids to amounts, got {raw!r}", line)
            return {}
        out = {}
        for res in raw:
            v = self.number(raw, res, record, f"{key}/cost", minimum=0)
            if v is not None:
                out[str(res)] = v
        return out

    def effect(self, raw: Any, record: str, key: str, n_levels: int,
               line: int | None) -> Effect | None:
        if not isinstance(raw, dict):
            self.err(record, None, f"must be a mapping, got {raw!r}", line)
            return None
        line = self.line_of(raw) or line
        self.check_fields(raw, {"type", "arcs", "nodes", "recipes", "modes", "commodities",
                                "amount", "description"}, record)
        etype = self.text(raw, "type", record, required=True)
        if etype and etype not in EFFECT_TYPES:
            self.err(record, "type", f"unknown effect {etype!r} (one of: {', '.join(EFFECT_TYPES)})",
                     line)
            return None
        targets = Targets(
            arcs=self.id_list(raw, "arcs", record) or (),
            nodes=self.id_list(raw, "nodes", record) or (),
            recipes=self.id_list(raw, "recipes", record) or (),
            modes=self.id_list(raw, "modes", record) or (),
            commodities=self.id_list(raw, "commodities", record),
        )
        amounts: tuple[float, ...] = tuple(0.0 for _ in range(n_levels))
        if etype == "remove":
            if "amount" in raw:
                self.err(record, "amount", "'remove' takes no amount", line)
        elif etype:
            amounts = self.amounts(raw, record, key, etype, n_levels, line)
        if not etype:
            return None
        return Effect(etype, targets, amounts)

    def amounts(self, raw: dict, record: str, key: str, etype: str, n_levels: int,
                line: int | None) -> tuple[float, ...]:
        if "amount" not in raw:
            self.err(record, "amount", f"'{etype}' needs an amount (one number, or one per level)",
                     line)
            return tuple(0.0 for _ in range(n_levels))
        val = raw["amount"]
        items = val if isinstance(val, list) else [val] * n_levels
        if isinstance(val, list) and len(val) != n_levels:
            self.err(record, "amount", f"lists {len(val)} amounts but the action has "
                     f"{n_levels} level(s)", line)
            return tuple(0.0 for _ in range(n_levels))
        bounds: dict[str, Any] = {"positive": True}
        if etype in ("cut_capacity", "cut_supply"):
            bounds["at_most"] = 1.0
        if etype == "raise_seizure":
            bounds["at_most"] = 1.0
        out = []
        for i, item in enumerate(items):
            holder = _LineDict(amount=item)
            holder.line = line
            v = self.number(holder, "amount", record, f"{key}/level{i + 1}", **bounds)
            out.append(v if v is not None else 0.0)
        return tuple(out)


DISTRIBUTIONS = ("range", "triangular", "normal")

TOP_LEVEL_FIELDS = {
    "name", "description", "resources", "commodities", "nodes", "arcs", "recipes",
    "supplies", "actions", "scenarios", "uncertainty", "references", "notes",
}


def _to_float(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        s = raw.strip().lower()
        if s in ("inf", "+inf", "infinity", "unlimited"):
            return math.inf
        if s in ("-inf", "-infinity"):
            return -math.inf
        if s in ("nan", ".nan"):
            return math.nan
        try:
            return float(s.replace("_", ""))
        except ValueError:
            return None
    return None


def _empty(path: str) -> Instance:
    return Instance(name="", resources=(), commodities=(), nodes=(), arcs=(), path=path)


# --------------------------------------------------------------------------- public API


def read_instance_text(text: str, path: str = "<text>", *, fmt: str = "yaml") -> Instance:
    """Parse an instance from text; raise ``InstanceError`` listing every problem."""
    from .validate import validate

    problems: list[Problem] = []
    if fmt == "json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InstanceError([Problem(path, "file", None, f"not valid JSON: {exc.msg}",
                                         exc.lineno)]) from None
    else:
        doc, problems = _parse_yaml(text, path)
        if doc is None and problems:
            raise InstanceError(problems)
    reader = _Reader(path)
    inst = reader.read(doc)
    problems = problems + reader.problems
    # with field errors, records were read with placeholders: skip the whole-network checks
    # (reachability, unused resources) that would only echo those errors
    problems = problems + validate(inst, whole_network=not problems)
    if not problems:
        from .scenarios import scenario_problems

        problems = scenario_problems(inst)
    if problems:
        raise InstanceError(problems)
    return inst


def load_instance(path: str | Path) -> Instance:
    """Load an instance file: ``.yaml``/``.yml``/``.json``, or a Pyomo Gallery folder / arcs
    CSV (``nodes.csv`` + ``arcs.csv``), or a SNIP benchmark reference (see ``snip.py``)."""
    p = Path(path)
    if p.is_dir() or p.suffix.lower() == ".csv":
        from .gallery import read_gallery

        return read_gallery(p)
    if not p.exists():
        raise InstanceError([Problem(str(p), "file", None, "no such file", None)])
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError([Problem(str(p), "file", None, f"cannot read: {exc}", None)]) from None
    fmt = "json" if p.suffix.lower() == ".json" else "yaml"
    return read_instance_text(text, str(p), fmt=fmt)


# --------------------------------------------------------------------------- writer


def instance_to_dict(inst: Instance) -> dict[str, Any]:
    """The instance as plain data in the file format (numbers without source notes
    unless the instance carries them)."""

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
        out_num: dict[str, Any] = {"value": v_out}
        if dist is not None:
            name = "range" if dist.kind == "uniform" else dist.kind
            out_num[name] = [float(p) for p in dist.params]
        if note:
            out_num["source"] = note
        return out_num

    def put(d: dict, key: str, val: Any, default: Any) -> None:
        if val != default:
            d[key] = val

    out: dict[str, Any] = {"name": inst.name}
    if inst.description:
        out["description"] = inst.description
    out["resources"] = []
    for r in inst.resources:
        d: dict[str, Any] = {"id": r.id, "budget": num(r.budget, f"resources/{r.id}/budget")}
        put(d, "unit", r.unit, "")
        put(d, "description", r.description, "")
        out["resources"].append(d)
    out["commodities"] = []
    for c in inst.commodities:
        d = {"id": c.id}
        put(d, "unit", c.unit, "unit")
        if c.load != 1.0 or f"commodities/{c.id}/load" in inst.sources:
            d["load"] = num(c.load, f"commodities/{c.id}/load")
        if c.value != 0.0:
            d["value"] = num(c.value, f"commodities/{c.id}/value")
        if c.harm != 0.0:
            d["harm"] = num(c.harm, f"commodities/{c.id}/harm")
        put(d, "description", c.description, "")
        out["commodities"].append(d)
    out["nodes"] = []
    for n in inst.nodes:
        d = {"id": n.id, "kind": n.kind}
        put(d, "name", n.name, "")
        if n.lat is not None:
            d["lat"] = num(n.lat, f"nodes/{n.id}/lat")
        if n.lon is not None:
            d["lon"] = num(n.lon, f"nodes/{n.id}/lon")
        put(d, "organization", n.organization, "")
        put(d, "country", n.country, "")
        if not math.isinf(n.capacity):
            d["capacity"] = num(n.capacity, f"nodes/{n.id}/capacity")
        if n.values:
            d["values"] = {k: num(v, f"nodes/{n.id}/values/{k}") for k, v in n.values.items()}
        if n.harm:
            d["harm"] = {k: num(v, f"nodes/{n.id}/harm/{k}") for k, v in n.harm.items()}
        out["nodes"].append(d)
    out["arcs"] = [_arc_to_dict(a, num) for a in inst.arcs]
    if inst.recipes:
        out["recipes"] = []
        for r in inst.recipes:
            d = {"id": r.id, "node": r.node, "input": r.input, "output": r.output,
                 "yield": num(r.yield_, f"recipes/{r.id}/yield")}
            if not math.isinf(r.capacity):
                d["capacity"] = num(r.capacity, f"recipes/{r.id}/capacity")
            out["recipes"].append(d)
    if inst.supplies:
        out["supplies"] = [
            {"node": s.node, "commodity": s.commodity,
             "amount": num(s.amount, f"supplies/{s.node}/{s.commodity}/amount")}
            for s in inst.supplies
        ]
    if inst.actions:
        out["actions"] = []
        for a in inst.actions:
            d = {"id": a.id}
            put(d, "name", a.name, "")
            put(d, "description", a.description, "")
            if len(a.levels) == 1 and not a.levels[0].label:
                d["cost"] = {k: num(v, f"actions/{a.id}/cost/{k}") for k, v in a.levels[0].cost.items()}
            else:
                d["levels"] = []
                for i, lv in enumerate(a.levels):
                    ld: dict[str, Any] = {}
                    if lv.label:
                        ld["label"] = lv.label
                    ld["cost"] = {k: num(v, f"actions/{a.id}/levels/{i + 1}/cost/{k}")
                                  for k, v in lv.cost.items()}
                    d["levels"].append(ld)
            d["effects"] = []
            for ei, e in enumerate(a.effects):
                ed: dict[str, Any] = {"type": e.type}
                t = e.targets
                for fld in ("arcs", "nodes", "recipes", "modes"):
                    if getattr(t, fld):
                        ed[fld] = list(getattr(t, fld))
                if t.commodities is not None:
                    ed["commodities"] = list(t.commodities)
                if e.type != "remove":
                    amts = [num(v, f"actions/{a.id}/effects/{ei + 1}/level{li + 1}/amount")
                            for li, v in enumerate(e.amounts)]
                    noted = any(isinstance(v, dict) for v in amts)
                    ed["amount"] = amts[0] if len(set(e.amounts)) == 1 and not noted else amts
                d["effects"].append(ed)
            out["actions"].append(d)
    if inst.risk != "expected" or inst.cvar_alpha != 0.9:
        out["uncertainty"] = {"risk": inst.risk,
                              "cvar_alpha": num(inst.cvar_alpha, "uncertainty/cvar_alpha")}
    if inst.scenarios:
        out["scenarios"] = [_scenario_to_dict(sc, num) for sc in inst.scenarios]
    return out


def _arc_to_dict(a: Arc, num: Callable[[float, str], Any]) -> dict[str, Any]:
    """One arc record; defaults (no capacity limit, zero cost or seizure) left out."""
    key = f"arcs/{a.id}"
    d: dict[str, Any] = {"id": a.id, "from": a.source, "to": a.target, "mode": a.mode}
    if not math.isinf(a.capacity):
        d["capacity"] = num(a.capacity, f"{key}/capacity")
    if a.cost:
        d["cost"] = num(a.cost, f"{key}/cost")
    if a.seizure:
        d["seizure"] = num(a.seizure, f"{key}/seizure")
    if a.commodities is not None:
        d["commodities"] = list(a.commodities)
    return d


def _scenario_to_dict(sc: Scenario, num: Callable[[float, str], Any]) -> dict[str, Any]:
    key = f"scenarios/{sc.id}"
    d: dict[str, Any] = {"id": sc.id, "probability": num(sc.probability, f"{key}/probability")}
    if sc.description:
        d["description"] = sc.description
    arcs: list[dict[str, Any]] = [
        {"id": aid, **{f: num(v, f"{key}/arcs/{aid}/{f}") for f, v in fields.items()}}
        for aid, fields in sc.arcs.items()]
    arcs += [_arc_to_dict(a, num) for a in sc.new_arcs]
    if arcs:
        d["arcs"] = arcs
    if sc.remove_arcs:
        d["remove_arcs"] = list(sc.remove_arcs)
    if sc.supplies:
        d["supplies"] = [{"node": n, "commodity": k,
                          "amount": num(v, f"supplies/{n}/{k}/amount")}
                         for (n, k), v in sc.supplies.items()]
    if sc.nodes:
        nodes = []
        for nid, fields in sc.nodes.items():
            rec = {"id": nid}
            if "capacity" in fields:
                rec["capacity"] = num(fields["capacity"], f"{key}/nodes/{nid}/capacity")
            if fields.get("values"):
                rec["values"] = {k: num(v, f"{key}/nodes/{nid}/values/{k}")
                                 for k, v in fields["values"].items()}
            nodes.append(rec)
        d["nodes"] = nodes
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
    dumper: Callable[..., str] = lambda obj, **kw: yaml.dump(  # noqa: E731
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
