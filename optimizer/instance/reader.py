"""Turn the plain data of an instance file into ``Instance`` records.

The reader never stops at the first mistake: every problem goes to a ``Context`` with the
file, the line, the record and the field, and ``read_instance_text`` raises one
``InstanceError`` holding them all (after the cross-record checks of ``validate.py`` and
the scenario checks of ``scenarios.py``). A record with a bad field is still returned with
a placeholder, so references to it resolve and are not reported twice.

One small function per record kind (resources, commodities, nodes, arcs, recipes,
supplies, actions with their levels and effects, scenarios with their overrides), built
from the field readers of ``fields.py``; parsing (YAML/JSON, duplicate keys, limits) is
``loader.py``'s job and writing is ``writer.py``'s.

Why hand-written and not a schema library (pydantic 2 was tried on arcs + actions; the
measurements are in docs/format.md, "How the reader works"): every guarantee here — all
problems at once with file, line, record and field, source notes on any number, ``inf``
only where a limit is optional, distributions, messages that name the record by its id —
needed a custom validator or a post-processing step in the library, so the library would
have added a dependency and a translation layer without removing code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InstanceError
from . import fields as f
from .fields import FRACTION, LIMIT, NONNEGATIVE, POSITIVE, PROBABILITY, Bounds, Context
from .loader import LineDict, parse, quote
from .model import (
    ARC_MODES,
    COST_TIMINGS,
    EFFECT_TYPES,
    INF,
    NODE_KINDS,
    PERIOD_UNITS,
    RESOURCE_KINDS,
    RISK_MEASURES,
    Action,
    Arc,
    Commodity,
    Effect,
    Horizon,
    Instance,
    Level,
    Market,
    Node,
    Piece,
    Recipe,
    Resource,
    Scenario,
    Shipment,
    Supply,
    Targets,
    Timing,
)
from .units import DEFAULT_HARM_UNIT, DEFAULT_VALUE_UNIT, SCALES, InstanceUnits, Unit

TOP_LEVEL_FIELDS = frozenset({
    "name", "description", "resources", "commodities", "nodes", "arcs", "recipes",
    "supplies", "actions", "scenarios", "uncertainty", "references", "notes", "markets",
    "horizon", "groups", "observations", "parameters", "units",
})
ARC_FIELDS = frozenset({"id", "from", "to", "mode", "capacity", "cost", "seizure",
                        "commodities", "organization", "description", "perceived",
                        "cost_per_commodity"})
EFFECT_FIELDS = frozenset({"type", "arcs", "nodes", "recipes", "modes", "commodities",
                           "organizations", "amount", "description", "perceived",
                           "perceived_amount"})
#: What an arc's ``perceived`` mapping may give (what the smuggler believes), with ranges.
PERCEIVED_ARC_FIELDS = {"seizure": PROBABILITY, "cost": NONNEGATIVE}
#: Effects the smuggler may misperceive: those that change only the seizure or the cost of
#: a route (a removal or a cut changes what it can ship, which it always sees).
PERCEIVABLE_EFFECTS = ("raise_seizure", "raise_cost")


# --------------------------------------------------------------------------- public API


def read_instance_text(text: str, path: str = "<text>", *, fmt: str = "yaml") -> Instance:
    """Parse an instance from text; raise ``InstanceError`` listing every problem."""
    from .horizon import horizon_problems
    from .observations import observation_problems
    from .scenarios import scenario_problems
    from .validate import validate

    doc, problems = parse(text, path, fmt)
    if doc is None and problems:
        raise InstanceError(problems)
    ctx = Context(path)
    inst = read_document(ctx, doc)
    problems = problems + ctx.problems
    # with field errors, records were read with placeholders: skip the whole-network checks
    # (reachability, unused resources) that would only echo those errors
    problems = problems + validate(inst, whole_network=not problems)
    if not problems:
        problems = scenario_problems(inst)
    problems = problems + observation_problems(inst, whole=not problems)
    if not problems:
        problems = horizon_problems(inst)
    if problems:
        raise InstanceError(problems)
    return inst


def load_instance(path: str | Path) -> Instance:
    """Load an instance file: ``.yaml``/``.yml``/``.json``, or a Pyomo Gallery folder / arcs
    CSV (``nodes.csv`` + ``arcs.csv``), or a SNIP benchmark reference (see ``snip.py``)."""
    from ..errors import Problem
    from .loader import MAX_DOCUMENT_CHARS

    p = Path(path)
    if p.is_dir() or p.suffix.lower() == ".csv":
        from .gallery import read_gallery

        return read_gallery(p)
    if not p.exists():
        raise InstanceError([Problem(str(p), "file", None, "no such file", None)])
    try:
        size = p.stat().st_size
        if size > 4 * MAX_DOCUMENT_CHARS:  # even at 4 bytes a character, over the limit
            raise InstanceError([Problem(str(p), "file", None, f"is {size:,} bytes; the limit "
                                         f"is {MAX_DOCUMENT_CHARS:,} characters", None)])
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError([Problem(str(p), "file", None, f"cannot read: {exc}", None)]) from None
    fmt = "json" if p.suffix.lower() == ".json" else "yaml"
    return read_instance_text(text, str(p), fmt=fmt)


# --------------------------------------------------------------------------- document


def read_document(ctx: Context, doc: Any) -> Instance:
    """The whole file: top-level fields, then each section."""
    from .observations import read_observing

    if not isinstance(doc, dict):
        ctx.err("file", None, "must be a mapping with sections nodes, arcs, … "
                "(see docs/format.md)", None)
        return Instance(name="", resources=(), commodities=(), nodes=(), arcs=(), path=ctx.path)
    f.check_fields(ctx, doc, TOP_LEVEL_FIELDS, "file")

    def section(name: str, read) -> tuple:
        return tuple(x for x in (read(ctx, r) for r in f.records(ctx, doc, name)) if x is not None)

    name = f.text(ctx, doc, "name", "file", default=Path(ctx.path).stem)
    description = f.text(ctx, doc, "description", "file")
    resources = section("resources", read_resource)
    commodities = section("commodities", read_commodity)
    nodes = section("nodes", read_node)
    arcs = section("arcs", read_arc)
    recipes = section("recipes", read_recipe)
    supplies = [read_supply(ctx, i, r) for i, r in enumerate(f.records(ctx, doc, "supplies"))]
    markets = section("markets", read_market)
    actions = section("actions", read_action)
    scenarios = section("scenarios", read_scenario)
    risk, alpha = read_uncertainty(ctx, doc.get("uncertainty"), f.line_of(doc))
    units = read_units(ctx, doc.get("units"), f.line_of(doc))
    horizon = read_horizon(ctx, doc.get("horizon"), f.line_of(doc))
    if isinstance(doc.get("horizon"), dict):
        actions = apply_timings(ctx, actions, doc["horizon"])
    observing = read_observing(ctx, doc)
    for sec, items in (("commodities", commodities), ("nodes", nodes), ("arcs", arcs)):
        if not items:
            ctx.err(f"section '{sec}'", None, "must list at least one record", f.line_of(doc))
    return Instance(
        name=name, description=description, resources=resources, commodities=commodities,
        nodes=nodes, arcs=arcs, recipes=recipes,
        supplies=tuple(s for s in supplies if s is not None), actions=actions, markets=markets,
        path=ctx.path, sources=ctx.sources, lines=ctx.lines, scenarios=scenarios,
        risk=risk, cvar_alpha=alpha, uncertain=ctx.uncertain, horizon=horizon, units=units,
        **observing,
    )


def read_uncertainty(ctx: Context, raw: Any, line: int | None) -> tuple[str, float]:
    """``uncertainty: {risk: expected|worst|cvar, cvar_alpha: 0.9}``."""
    if raw is None:
        return "expected", 0.9
    if not isinstance(raw, dict):
        ctx.err("uncertainty", None, f"must be a mapping {{risk, cvar_alpha}}, got {quote(raw)}",
                line)
        return "expected", 0.9
    f.check_fields(ctx, raw, {"risk", "cvar_alpha"}, "uncertainty")
    risk = f.text(ctx, raw, "risk", "uncertainty", default="expected")
    if risk not in RISK_MEASURES:
        ctx.err("uncertainty", "risk", f"unknown risk measure {quote(risk)} "
                f"(one of: {', '.join(RISK_MEASURES)})", f.line_of(raw))
        risk = "expected"
    alpha = f.number(ctx, raw, "cvar_alpha", "uncertainty", "uncertainty",
                     Bounds(minimum=0.0, below=1.0), default=0.9)
    return risk, alpha if alpha is not None else 0.9


def read_units(ctx: Context, raw: Any, line: int | None) -> InstanceUnits:
    """``units: {value: "US$ thousand", harm: "overdose deaths per year"}``: each a unit's
    text (its scale word read from it) or ``{name, scale}``; absent: the defaults."""
    if raw is None:
        return InstanceUnits()
    if not isinstance(raw, dict):
        ctx.err("units", None, f"must be a mapping {{value, harm}}, got {quote(raw)}", line)
        return InstanceUnits()
    f.check_fields(ctx, raw, {"value", "harm"}, "units")
    return InstanceUnits(read_unit(ctx, raw, "value", DEFAULT_VALUE_UNIT),
                         read_unit(ctx, raw, "harm", DEFAULT_HARM_UNIT))


def read_unit(ctx: Context, rec: dict, key: str, default: Unit) -> Unit:
    """One unit: text (``"US$ thousand"``) or ``{name, scale}`` with a scale of 1, 1000,
    10⁶, 10⁹ or 10¹²."""
    raw = rec.get(key)
    if raw is None:
        return default
    if isinstance(raw, str):
        if not raw.strip():
            ctx.err("units", key, "must name a unit (e.g. \"US$ thousand\")", f.line_of(rec))
            return default
        return Unit.parse(raw)
    if not isinstance(raw, dict):
        ctx.err("units", key, f"must be text or {{name, scale}}, got {quote(raw)}",
                f.line_of(rec))
        return default
    record = f"units {key}"
    f.check_fields(ctx, raw, {"name", "scale"}, record)
    name = f.text(ctx, raw, "name", record, required=True)
    scale = f.number(ctx, raw, "scale", record, f"units/{key}", POSITIVE, default=1.0)
    if scale is not None and scale not in SCALES:
        ctx.err(record, "scale", f"must be one of 1, 1000, 1e6, 1e9, 1e12, got {scale:g}",
                f.line_of(raw))
        scale = 1.0
    return Unit(name, 1.0 if scale is None else scale)


# --------------------------------------------------------------------------- network records


def _or(value: float | None, default: float) -> float:
    """A field reported as wrong reads as its default (so the record still exists)."""
    return default if value is None else value


def read_resource(ctx: Context, rec: dict) -> Resource | None:
    """A budget (``budget`` required), or an outcome of actions (``kind: outcome``: its
    ``budget`` is an optional cap, unlimited by default)."""
    rid = f.ident(ctx, rec, "id", "resource")
    record = f"resource '{rid}'"
    f.check_fields(ctx, rec, {"id", "kind", "budget", "unit", "description"}, record)
    ctx.note_line("resources", rid, rec)
    kind = f.text(ctx, rec, "kind", record, default="budget")
    if kind not in RESOURCE_KINDS:
        ctx.err(record, "kind", f"unknown kind {quote(kind)} (one of: "
                f"{', '.join(RESOURCE_KINDS)})", f.line_of(rec))
        kind = "budget"
    if kind == "outcome":
        budget = f.number(ctx, rec, "budget", record, f"resources/{rid}", LIMIT, default=INF)
    else:
        budget = f.number(ctx, rec, "budget", record, f"resources/{rid}", NONNEGATIVE,
                          required=True)
    if rid is None:
        return None
    return Resource(rid, _or(budget, 0.0), f.text(ctx, rec, "unit", record),
                    f.text(ctx, rec, "description", record), kind)


def read_commodity(ctx: Context, rec: dict) -> Commodity | None:
    cid = f.ident(ctx, rec, "id", "commodity")
    record = f"commodity '{cid}'"
    f.check_fields(ctx, rec, {"id", "unit", "load", "value", "harm", "replacement",
                              "description"}, record)
    ctx.note_line("commodities", cid, rec)
    key = f"commodities/{cid}"
    load = f.number(ctx, rec, "load", record, key, POSITIVE, default=1.0)
    value = f.number(ctx, rec, "value", record, key, NONNEGATIVE, default=0.0)
    harm = f.number(ctx, rec, "harm", record, key, NONNEGATIVE, default=0.0)
    replacement = f.number(ctx, rec, "replacement", record, key, NONNEGATIVE, default=0.0)
    if cid is None:
        return None
    return Commodity(cid, f.text(ctx, rec, "unit", record, default="unit"), _or(load, 1.0),
                     _or(value, 0.0), f.text(ctx, rec, "description", record), _or(harm, 0.0),
                     _or(replacement, 0.0))


def read_node(ctx: Context, rec: dict) -> Node | None:
    nid = f.ident(ctx, rec, "id", "node")
    record = f"node '{nid}'"
    f.check_fields(ctx, rec, {"id", "kind", "name", "lat", "lon", "organization", "country",
                              "capacity", "values", "harm", "description"}, record)
    ctx.note_line("nodes", nid, rec)
    key = f"nodes/{nid}"
    kind = f.text(ctx, rec, "kind", record, default="transit")
    if kind not in NODE_KINDS:
        ctx.err(record, "kind", f"unknown kind {quote(kind)} (one of: {', '.join(NODE_KINDS)})",
                f.line_of(rec))
    lat = f.number(ctx, rec, "lat", record, key, Bounds(minimum=-90, at_most=90, tiny_ok=True))
    lon = f.number(ctx, rec, "lon", record, key, Bounds(minimum=-180, at_most=180, tiny_ok=True))
    cap = f.number(ctx, rec, "capacity", record, key, LIMIT, default=INF)
    values = f.per_commodity(ctx, rec, "values", record, key) or {}
    harm = f.per_commodity(ctx, rec, "harm", record, key) or {}
    if nid is None:
        return None
    return Node(nid, kind, f.text(ctx, rec, "name", record), lat, lon,
                f.text(ctx, rec, "organization", record), f.text(ctx, rec, "country", record),
                _or(cap, INF), values, harm)


def read_arc(ctx: Context, rec: dict, prefix: str = "") -> Arc | None:
    """An arc of the instance, or (with ``prefix``, the scenario's record name) an arc that
    exists only in a scenario."""
    src = f.ident(ctx, rec, "from", f"{prefix}arc")
    dst = f.ident(ctx, rec, "to", f"{prefix}arc")
    aid = f.ident(ctx, rec, "id", f"{prefix}arc", required=False) or (
        f"{src}->{dst}" if src is not None and dst is not None else None)
    record = f"{prefix}arc '{aid}'"
    f.check_fields(ctx, rec, ARC_FIELDS, record)
    if not prefix:
        ctx.note_line("arcs", aid, rec)
    key = f"arcs/{aid}"
    mode = f.text(ctx, rec, "mode", record, default="other")
    if mode not in ARC_MODES:
        ctx.err(record, "mode", f"unknown mode {quote(mode)} (one of: {', '.join(ARC_MODES)})",
                f.line_of(rec))
    cap = f.number(ctx, rec, "capacity", record, key, LIMIT, default=INF)
    cost = f.number(ctx, rec, "cost", record, key, NONNEGATIVE, default=0.0)
    per_unit = f.per_commodity(ctx, rec, "cost_per_commodity", record, key,
                               message="must map commodity ids to a cost per unit of that "
                                       "commodity")
    seizure = f.number(ctx, rec, "seizure", record, key, PROBABILITY, default=0.0)
    comms = f.id_list(ctx, rec, "commodities", record)
    org = f.text(ctx, rec, "organization", record)
    perceived = read_perceived_arc(ctx, rec, record, key)
    if aid is None or src is None or dst is None:
        return None
    return Arc(aid, src, dst, mode, _or(cap, INF), _or(cost, 0.0), _or(seizure, 0.0), comms,
               org, perceived.get("perceived_seizure"), perceived.get("perceived_cost"),
               per_unit or {})


def read_perceived_arc(ctx: Context, rec: dict, record: str, key: str) -> dict[str, float]:
    """An arc's ``perceived: {seizure?, cost?}``: what the smuggler believes (p̃ ∈ [0, 1),
    c̃ ≥ 0), as the ``Arc`` fields ``perceived_seizure`` / ``perceived_cost``."""
    raw = rec.get("perceived")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ctx.err(record, "perceived", "must be a mapping {seizure?, cost?} (what the smuggler "
                f"believes), got {quote(raw)}", f.line_of(rec))
        return {}
    prec = f"{record} perceived"
    f.check_fields(ctx, raw, set(PERCEIVED_ARC_FIELDS), prec)
    out = {}
    for fld, bounds in PERCEIVED_ARC_FIELDS.items():
        v = f.number(ctx, raw, fld, prec, f"{key}/perceived", bounds)
        if v is not None:
            out[f"perceived_{fld}"] = v
    return out


def read_recipe(ctx: Context, rec: dict) -> Recipe | None:
    node = f.ident(ctx, rec, "node", "recipe")
    inp = f.ident(ctx, rec, "input", "recipe")
    out = f.ident(ctx, rec, "output", "recipe")
    rid = f.ident(ctx, rec, "id", "recipe", required=False) or (
        f"{node}:{inp}->{out}" if None not in (node, inp, out) else None)
    record = f"recipe '{rid}'"
    f.check_fields(ctx, rec, {"id", "node", "input", "output", "yield", "capacity",
                              "description"}, record)
    ctx.note_line("recipes", rid, rec)
    key = f"recipes/{rid}"
    eta = f.number(ctx, rec, "yield", record, key, POSITIVE, required=True)
    cap = f.number(ctx, rec, "capacity", record, key, LIMIT, default=INF)
    if rid is None or node is None or inp is None or out is None:
        return None
    return Recipe(rid, node, inp, out, _or(eta, 1.0), _or(cap, INF))


def read_supply(ctx: Context, index: int, rec: dict, prefix: str = "") -> Supply | None:
    """Supply #index of the instance, or (with ``prefix``) one a scenario sets: an
    ``amount`` at no cost, or a ``curve`` of marginal production costs (rising)."""
    node = f.ident(ctx, rec, "node", f"{prefix}supply #{index + 1}")
    comm = f.ident(ctx, rec, "commodity", f"{prefix}supply #{index + 1}")
    record = f"{prefix}supply #{index + 1} (node '{node}', commodity '{comm}')"
    f.check_fields(ctx, rec, {"node", "commodity", "amount", "curve", "description"}, record)
    if not prefix:
        ctx.note_line("supplies", f"{node}/{comm}", rec)
    key = f"supplies/{node}/{comm}"
    if rec.get("curve") is not None and not prefix:
        curve = read_curve(ctx, rec, record, key, "cost", rising=True)
        if "amount" in rec:
            ctx.err(record, "amount", "give either 'amount' (free supply) or 'curve' (marginal "
                    "costs; the last piece's up_to is the amount), not both", f.line_of(rec))
        if node is None or comm is None or not curve:
            return None
        return Supply(node, comm, curve[-1].up_to, curve)
    amount = f.number(ctx, rec, "amount", record, key, LIMIT, required=True)
    if node is None or comm is None or amount is None:
        return None
    return Supply(node, comm, amount)


def read_curve(ctx: Context, rec: dict, record: str, key: str, price: str, *,
               rising: bool) -> tuple[Piece, ...]:
    """``curve: [{up_to, <price>}, …]``: pieces with increasing cumulative ``up_to`` (only
    the last may be ``inf``), each with its price per unit — falling for a demand curve
    (``price``), rising for marginal production costs (``cost``). Empty on error."""
    raw = rec.get("curve")
    line = f.line_of(rec)
    if not isinstance(raw, list) or not raw:
        ctx.err(record, "curve", f"must be a non-empty list of {{up_to, {price}}}, got "
                f"{quote(raw)}", line)
        return ()
    pieces: list[Piece] = []
    ok = True
    for i, item in enumerate(raw):
        prec = f"{record} curve piece {i + 1}"
        if not isinstance(item, dict):
            ctx.err(prec, None, f"must be a mapping {{up_to, {price}}}, got {quote(item)}", line)
            ok = False
            continue
        f.check_fields(ctx, item, {"up_to", price}, prec)
        last = i == len(raw) - 1
        up_to = f.number(ctx, item, "up_to", prec, f"{key}/curve/{i + 1}",
                         LIMIT if last else POSITIVE, default=INF if last else None,
                         required=not last)
        value = f.number(ctx, item, price, prec, f"{key}/curve/{i + 1}", NONNEGATIVE,
                         required=True)
        if up_to is None or value is None:
            ok = False
            continue
        if pieces and not up_to > pieces[-1].up_to:
            ctx.err(prec, "up_to", f"must be above the previous piece's up_to "
                    f"({pieces[-1].up_to:g}): quantities are cumulative", f.line_of(item) or line)
            ok = False
        if pieces and (value < pieces[-1].price if rising else value > pieces[-1].price):
            word = "rise" if rising else "fall"
            ctx.err(prec, price, f"{value:g} after {pieces[-1].price:g}: {price}s must {word} "
                    f"along the curve (a {'marginal cost' if rising else 'demand'} curve)",
                    f.line_of(item) or line)
            ok = False
        if up_to == 0:
            ctx.err(prec, "up_to", "must be above 0", f.line_of(item) or line)
            ok = False
        pieces.append(Piece(up_to, value))
    return tuple(pieces) if ok else ()


def read_market(ctx: Context, rec: dict) -> Market | None:
    """``{node, good, accepts: {commodity: units of the good per unit}, curve}``: demand
    for a good at a node (``good`` defaults to the single commodity accepted)."""
    node = f.ident(ctx, rec, "node", "market")
    accepts_raw = rec.get("accepts")
    if isinstance(accepts_raw, list):  # a list of commodities: one unit of good each
        listed = LineDict({str(k): 1.0 for k in accepts_raw if isinstance(k, (str, int))})
        listed.line = f.line_of(rec)
        accepts_raw = listed
        rec = LineDict(rec, accepts=listed)
        rec.line = listed.line
    default_good = next(iter(accepts_raw)) if isinstance(accepts_raw, dict) and len(
        accepts_raw) == 1 else None
    good = f.ident(ctx, rec, "good", "market", required=default_good is None) or default_good
    record = f"market '{node}:{good}'"
    f.check_fields(ctx, rec, {"node", "good", "accepts", "curve", "description"}, record)
    ctx.note_line("markets", f"{node}:{good}", rec)
    key = f"markets/{node}:{good}"
    accepts = f.per_commodity(ctx, rec, "accepts", record, key,
                              message="must map commodity ids to units of the good per unit")
    if accepts is None:
        ctx.err(record, "accepts", "is required: commodity id → units of the good per unit "
                "delivered", f.line_of(rec))
    elif any(v <= 0 for v in accepts.values()):
        ctx.err(record, "accepts", "every rate must be > 0", f.line_of(rec))
    curve = read_curve(ctx, rec, record, key, "price", rising=False)
    if node is None or good is None or not accepts or not curve:
        return None
    return Market(node, good, accepts, curve, f.text(ctx, rec, "description", record))


# --------------------------------------------------------------------------- actions


def read_action(ctx: Context, rec: dict) -> Action | None:
    aid = f.ident(ctx, rec, "id", "action")
    record = f"action '{aid}'"
    f.check_fields(ctx, rec, {"id", "name", "description", "cost", "levels", "effects",
                              "timing"}, record)
    ctx.note_line("actions", aid, rec)
    key = f"actions/{aid}"
    levels = read_levels(ctx, rec, record, key)
    timing = read_timing(ctx, rec, record, key, repeat=True)
    raw_effects = rec.get("effects")
    if not isinstance(raw_effects, list) or not raw_effects:
        ctx.err(record, "effects", "must be a non-empty list (what the action does)",
                f.line_of(rec))
        raw_effects = []
    effects = [read_effect(ctx, eff, f"{record} effect #{i + 1}", f"{key}/effects/{i + 1}",
                           len(levels), f.line_of(rec)) for i, eff in enumerate(raw_effects)]
    if aid is None:
        return None
    return Action(aid, tuple(levels), tuple(e for e in effects if e is not None),
                  f.text(ctx, rec, "name", record), f.text(ctx, rec, "description", record),
                  timing)


def read_levels(ctx: Context, rec: dict, record: str, key: str) -> list[Level]:
    """``cost: {…}`` (one level) or ``levels: [{label, cost}, …]``."""
    if rec.get("levels") is None:
        return [Level(read_costs(ctx, rec, record, key), "")]
    if "cost" in rec:
        ctx.err(record, "cost", "give either 'cost' (one level) or 'levels', not both",
                f.line_of(rec))
    raw_levels = rec["levels"]
    if not isinstance(raw_levels, list) or not raw_levels:
        ctx.err(record, "levels", "must be a non-empty list of {label, cost}", f.line_of(rec))
        return []
    levels = []
    for i, lv in enumerate(raw_levels):
        lrec = f"{record} level {i + 1}"
        if not isinstance(lv, dict):
            ctx.err(lrec, None, f"must be a mapping, got {quote(lv)}", f.line_of(rec))
            continue
        f.check_fields(ctx, lv, {"label", "cost", "timing"}, lrec)
        lkey = f"{key}/levels/{i + 1}"
        levels.append(Level(read_costs(ctx, lv, lrec, lkey), f.text(ctx, lv, "label", lrec),
                            read_timing(ctx, lv, lrec, lkey, repeat=False)))
    return levels


def read_costs(ctx: Context, rec: dict, record: str, key: str) -> dict[str, float]:
    """``cost``: resource id → amount ≥ 0 (required)."""
    costs = f.per_commodity(ctx, rec, "cost", record, key,
                            message="must map resource ids to amounts")
    if costs is None:
        ctx.err(record, "cost", "is required: a mapping resource id → amount", f.line_of(rec))
        return {}
    return costs


def read_effect(ctx: Context, raw: Any, record: str, key: str, n_levels: int,
                line: int | None) -> Effect | None:
    """``{type, <targets>, amount}``: a remove takes no amount, the others one per level."""
    if not isinstance(raw, dict):
        ctx.err(record, None, f"must be a mapping, got {quote(raw)}", line)
        return None
    f.check_fields(ctx, raw, EFFECT_FIELDS, record)
    etype = f.text(ctx, raw, "type", record, required=True)
    if etype and etype not in EFFECT_TYPES:
        ctx.err(record, "type", f"unknown effect {quote(etype)} (one of: "
                f"{', '.join(EFFECT_TYPES)})", f.line_of(raw))
        return None
    targets = Targets(
        arcs=f.id_list(ctx, raw, "arcs", record) or (),
        nodes=f.id_list(ctx, raw, "nodes", record) or (),
        recipes=f.id_list(ctx, raw, "recipes", record) or (),
        modes=f.id_list(ctx, raw, "modes", record) or (),
        commodities=f.id_list(ctx, raw, "commodities", record),
        organizations=f.id_list(ctx, raw, "organizations", record) or (),
    )
    amounts: tuple[float, ...] = tuple(0.0 for _ in range(n_levels))
    if etype == "remove":
        if "amount" in raw:
            ctx.err(record, "amount", "'remove' takes no amount", f.line_of(raw))
    elif etype:
        amounts = read_amounts(ctx, raw, record, key, etype, n_levels)
    perceived, perceived_amounts = read_effect_belief(ctx, raw, record, key, etype, n_levels)
    if not etype:
        return None
    return Effect(etype, targets, amounts, perceived, perceived_amounts)


def read_effect_belief(ctx: Context, raw: dict, record: str, key: str, etype: str | None,
                       n_levels: int) -> tuple[bool, tuple[float, ...] | None]:
    """``perceived: false`` (a covert effect: the smuggler does not see it) or
    ``perceived_amount`` (the size the smuggler sees, one number or one per level, in the
    same range as ``amount``); only for effects on seizure and cost."""
    has_flag, has_amount = raw.get("perceived") is not None, raw.get("perceived_amount") is not None
    if not (has_flag or has_amount):
        return True, None
    line = f.line_of(raw)
    if etype and etype not in PERCEIVABLE_EFFECTS:
        fld = "perceived" if has_flag else "perceived_amount"
        ctx.err(record, fld, f"only {' and '.join(PERCEIVABLE_EFFECTS)} may be misperceived: "
                f"the smuggler always sees a '{etype}' (it changes what can be shipped)", line)
        return True, None
    perceived = raw.get("perceived", True)
    if not isinstance(perceived, bool):
        ctx.err(record, "perceived", f"must be true or false, got {quote(perceived)}", line)
        return True, None
    if has_amount and not perceived:
        ctx.err(record, "perceived_amount", "a covert effect (perceived: false) has no "
                "perceived amount: give one or the other", line)
        return False, None
    if not has_amount or not etype:
        return perceived, None
    amounts = read_amounts(ctx, raw, record, f"{key}/perceived", etype, n_levels,
                           field="perceived_amount")
    return True, amounts


#: The range of an effect's amount, by effect type.
AMOUNT_BOUNDS: dict[str, Bounds] = {
    "cut_capacity": FRACTION, "cut_supply": FRACTION, "raise_seizure": FRACTION,
    "raise_cost": POSITIVE,
}


def read_amounts(ctx: Context, raw: dict, record: str, key: str, etype: str,
                 n_levels: int, field: str = "amount") -> tuple[float, ...]:
    """One amount for every level, or a list with one per level (each required);
    ``field``: where they are (``amount``, or ``perceived_amount``)."""
    line = f.line_of(raw)
    zeros = tuple(0.0 for _ in range(n_levels))
    if raw.get(field) is None:
        what = "is required" if field not in raw else "is empty"
        ctx.err(record, field, f"{what}: '{etype}' needs an amount (one number, or one per "
                "level)", line)
        return zeros
    val = raw[field]
    if isinstance(val, list) and len(val) != n_levels:
        ctx.err(record, field, f"lists {len(val)} amounts but the action has "
                f"{n_levels} level(s)", line)
        return zeros
    items = val if isinstance(val, list) else [val] * n_levels
    out = []
    for i, item in enumerate(items):
        v = f.number(ctx, f.holder(item, line, field), field, record, f"{key}/level{i + 1}",
                     AMOUNT_BOUNDS[etype], required=True)
        out.append(_or(v, 0.0))
    return tuple(out)


# --------------------------------------------------------------------------- scenarios


#: What a scenario or a period of a horizon may change (``read_data_changes``).
CHANGE_FIELDS = frozenset({"arcs", "remove_arcs", "supplies", "nodes", "commodities",
                           "recipes"})


def read_scenario(ctx: Context, rec: dict) -> Scenario | None:
    sid = f.ident(ctx, rec, "id", "scenario")
    record = f"scenario '{sid}'"
    f.check_fields(ctx, rec, {"id", "probability", "description", "shipment", *CHANGE_FIELDS},
                   record)
    ctx.note_line("scenarios", sid, rec)
    key = f"scenarios/{sid}"
    prob = f.number(ctx, rec, "probability", record, key, Bounds(minimum=0.0, at_most=1.0),
                    required=True)
    changes = read_data_changes(ctx, rec, record, key)
    shipment = read_shipment(ctx, rec, record, key)
    if sid is None or prob is None:
        return None
    return Scenario(sid, prob, f.text(ctx, rec, "description", record), shipment=shipment,
                    **changes)


def read_data_changes(ctx: Context, rec: dict, record: str, key: str) -> dict[str, Any]:
    """The overrides of the base data a scenario or a period makes (``CHANGE_FIELDS``), as
    the keyword arguments of ``Scenario``."""
    arcs, new_arcs = read_arc_overrides(ctx, rec, record, key)
    supplies: dict[tuple[str, str], float] = {}
    for i, item in enumerate(f.records(ctx, rec, "supplies", record)):
        sup = read_supply(ctx, i, item, prefix=f"{record} ")
        if sup is not None:
            supplies[(sup.node, sup.commodity)] = sup.amount
    nodes = {nid: fields for item in f.records(ctx, rec, "nodes", record)
             for nid, fields in [read_node_override(ctx, item, record, key)] if nid is not None}
    comms = read_overrides(ctx, rec, "commodities", record, key,
                           {"value": NONNEGATIVE, "load": POSITIVE, "harm": NONNEGATIVE,
                            "replacement": NONNEGATIVE})
    recipes = read_overrides(ctx, rec, "recipes", record, key,
                             {"yield": POSITIVE, "capacity": LIMIT})
    remove = f.id_list(ctx, rec, "remove_arcs", record) or ()
    return {"arcs": arcs, "new_arcs": tuple(new_arcs), "remove_arcs": tuple(remove),
            "supplies": supplies, "nodes": nodes, "commodities": comms, "recipes": recipes}


#: Fields a scenario may override on an existing arc, with their ranges.
ARC_OVERRIDES = {"capacity": LIMIT, "cost": NONNEGATIVE, "seizure": PROBABILITY}


def read_arc_overrides(ctx: Context, rec: dict, record: str, key: str
                       ) -> tuple[dict[str, dict[str, float]], list[Arc]]:
    """A scenario's ``arcs``: ``{id, capacity?, cost?, seizure?, perceived?}`` overrides an
    existing arc;
    a record with ``from``/``to`` is an arc that exists only in the scenario."""
    overrides: dict[str, dict[str, float]] = {}
    new_arcs: list[Arc] = []
    for item in f.records(ctx, rec, "arcs", record):
        if "from" in item or "to" in item:
            a = read_arc(ctx, item, prefix=f"{record} ")
            if a is not None:
                new_arcs.append(a)
            continue
        aid = f.ident(ctx, item, "id", f"{record} arc")
        arec = f"{record} arc '{aid}'"
        fields = _override_fields(ctx, item, arec, f"{key}/arcs/{aid}", ARC_OVERRIDES,
                                  also=frozenset({"perceived"}))
        fields.update(read_perceived_arc(ctx, item, arec, f"{key}/arcs/{aid}"))
        if aid is not None:
            overrides[aid] = fields
    return overrides, new_arcs


def read_overrides(ctx: Context, rec: dict, section: str, record: str, key: str,
                   allowed: dict[str, Bounds]) -> dict[str, dict[str, float]]:
    """A scenario's ``commodities`` or ``recipes``: id → {field: number}."""
    kind = section[:-3] + "y" if section.endswith("ies") else section[:-1]
    out: dict[str, dict[str, float]] = {}
    for item in f.records(ctx, rec, section, record):
        rid = f.ident(ctx, item, "id", f"{record} {kind}")
        fields = _override_fields(ctx, item, f"{record} {kind} '{rid}'",
                                  f"{key}/{section}/{rid}", allowed)
        if rid is not None:
            out[rid] = fields
    return out


def _override_fields(ctx: Context, item: dict, record: str, key: str,
                     allowed: dict[str, Bounds],
                     also: frozenset[str] = frozenset()) -> dict[str, float]:
    """The numbers ``allowed`` of an override record (``also``: its other fields, read by
    the caller)."""
    f.check_fields(ctx, item, {"id", *allowed, *also}, record)
    out = {}
    for fld, bounds in allowed.items():
        v = f.number(ctx, item, fld, record, key, bounds)
        if v is not None:
            out[fld] = v
    return out


def read_node_override(ctx: Context, item: dict, record: str, key: str
                       ) -> tuple[str | None, dict[str, Any]]:
    """``{id, capacity?, values?}``; ``values`` merge into the node's own."""
    nid = f.ident(ctx, item, "id", f"{record} node")
    nrec = f"{record} node '{nid}'"
    f.check_fields(ctx, item, {"id", "capacity", "values"}, nrec)
    nkey = f"{key}/nodes/{nid}"
    fields: dict[str, Any] = {}
    cap = f.number(ctx, item, "capacity", nrec, nkey, LIMIT)
    if cap is not None:
        fields["capacity"] = cap
    values = f.per_commodity(ctx, item, "values", nrec, nkey,
                             message="must map commodity ids to values")
    if values is not None:
        fields["values"] = values
    return nid, fields


def read_shipment(ctx: Context, rec: dict, record: str, key: str) -> Shipment | None:
    """``{origin, destination, commodity, amount: 1, value: 1}``."""
    sh = rec.get("shipment")
    if sh is None:
        return None
    srec = f"{record} shipment"
    if not isinstance(sh, dict):
        ctx.err(srec, None, f"must be a mapping {{origin, destination, commodity}}, got "
                f"{quote(sh)}", f.line_of(rec))
        return None
    f.check_fields(ctx, sh, {"origin", "destination", "commodity", "amount", "value"}, srec)
    o = f.ident(ctx, sh, "origin", srec)
    d = f.ident(ctx, sh, "destination", srec)
    c = f.ident(ctx, sh, "commodity", srec)
    amt = f.number(ctx, sh, "amount", srec, f"{key}/shipment", POSITIVE, default=1.0)
    val = f.number(ctx, sh, "value", srec, f"{key}/shipment", POSITIVE, default=1.0)
    if o is None or d is None or c is None or amt is None or val is None:
        return None
    return Shipment(o, d, c, amt, val)


# --------------------------------------------------------------------------- horizons

TIMING_FIELDS = frozenset({"profile", "decay", "lag", "regenerates_after", "cost", "repeat",
                           "starts"})
#: Most periods a horizon may have (the MILP grows with the square of the count).
MAX_PERIODS = 60


def read_timing(ctx: Context, rec: dict, record: str, key: str, *,
                repeat: bool) -> Timing | None:
    """An action's (or a level's) ``timing`` over a horizon (``model.Timing``); ``repeat``
    is an action's choice only. None when absent."""
    raw = rec.get("timing")
    if raw is None:
        return None
    trec = f"{record} timing"
    if not isinstance(raw, dict):
        ctx.err(trec, None, f"must be a mapping {{profile | decay, lag, regenerates_after; "
                f"cost; repeat}}, got {quote(raw)}", f.line_of(rec))
        return None
    f.check_fields(ctx, raw, TIMING_FIELDS if repeat else TIMING_FIELDS - {"repeat"}, trec)
    tkey = f"{key}/timing"
    line = f.line_of(raw) or f.line_of(rec)
    profile = None
    if raw.get("profile") is not None:
        items = raw["profile"]
        if not isinstance(items, list) or not items:
            ctx.err(trec, "profile", f"must be a non-empty list of strengths in [0, 1], got "
                    f"{quote(items)}", line)
        else:
            values = [f.number(ctx, f.holder(v, line, "profile"), "profile", trec,
                               f"{tkey}/{i + 1}", NONNEGATIVE, required=True)
                      for i, v in enumerate(items)]
            profile = tuple(_or(v, 0.0) for v in values)
    decay = f.number(ctx, raw, "decay", trec, tkey, Bounds(minimum=0.0, at_most=1.0),
                     default=0.0)
    lag = f.integer(ctx, raw, "lag", trec, tkey, minimum=0, default=0)
    regen = f.integer(ctx, raw, "regenerates_after", trec, tkey, minimum=1)
    shortcuts = [k for k in ("decay", "lag", "regenerates_after") if raw.get(k) is not None]
    if profile is not None and shortcuts:
        ctx.err(trec, shortcuts[0], "give either 'profile' or the shortcuts (decay, lag, "
                "regenerates_after), not both", line)
    cost = f.text(ctx, raw, "cost", trec, default="recurring")
    if cost not in COST_TIMINGS:
        ctx.err(trec, "cost", f"unknown cost timing {quote(cost)} (one of: "
                f"{', '.join(COST_TIMINGS)})", line)
        cost = "recurring"
    again = f.flag(ctx, raw, "repeat", trec, default=False)
    starts = f.id_list(ctx, raw, "starts", trec)
    return Timing(profile, _or(decay, 0.0), lag or 0, regen, cost, again, starts)


def read_horizon(ctx: Context, raw: Any, line: int | None) -> Horizon | None:
    """``horizon: {periods: {count, unit, start}, discount, budgets, total, carry_over,
    changes: [{period, <data changes>}]}`` (docs/format.md, "Horizons")."""
    if raw is None:
        return None
    record = "horizon"
    if not isinstance(raw, dict):
        ctx.err(record, None, f"must be a mapping {{periods, discount, budgets, …}}, got "
                f"{quote(raw)}", line)
        return None
    f.check_fields(ctx, raw, {"periods", "discount", "budgets", "total", "carry_over",
                              "changes", "timing", "description"}, record)
    ctx.note_line("horizon", "horizon", raw)
    labels, unit = read_periods(ctx, raw, f.line_of(raw) or line)
    discount = f.number(ctx, raw, "discount", record, "horizon", NONNEGATIVE, default=0.0)
    budgets: dict[str, tuple[float, ...]] = {}
    per = raw.get("budgets")
    if per is not None and not isinstance(per, dict):
        ctx.err(record, "budgets", f"must map resource ids to one budget per period (a list) "
                f"or one budget for every period, got {quote(per)}", f.line_of(raw))
    elif per is not None:
        for rid in per:
            values = read_period_values(ctx, per, rid, f"{record} budgets", len(labels))
            if values is not None:
                budgets[rid] = values
    totals = f.per_commodity(ctx, raw, "total", record, "horizon/total",
                             message="must map resource ids to a budget over the horizon") or {}
    carry = f.flag(ctx, raw, "carry_over", record, default=False)
    changes = []
    for i, item in enumerate(f.records(ctx, raw, "changes", record)):
        period = f.ident(ctx, item, "period", f"{record} change #{i + 1}")
        crec = f"horizon period '{period}'"
        f.check_fields(ctx, item, {"period", "description", *CHANGE_FIELDS}, crec)
        ctx.note_line("horizon", str(period), item)
        data = read_data_changes(ctx, item, crec, f"horizon/{period}")
        if period is not None:
            changes.append(Scenario(period, 1.0, f.text(ctx, item, "description", crec),
                                    **data))
    if not labels:
        return None
    return Horizon(labels, unit, _or(discount, 0.0), budgets, totals, carry, tuple(changes))


def read_periods(ctx: Context, raw: dict, line: int | None) -> tuple[tuple[str, ...], str]:
    """``periods: {count, unit: year | quarter, start}`` → the period labels: ``start``,
    ``start + 1`` … for years (a year, e.g. 2021), ``2021Q1``, ``2021Q2`` … for quarters
    (``start: 2021`` or ``2021Q3``); 1 … count without a start."""
    record = "horizon periods"
    per = raw.get("periods")
    if not isinstance(per, dict):
        ctx.err("horizon", "periods", f"is required: a mapping {{count, unit, start}}, got "
                f"{quote(per)}", line)
        return (), "year"
    f.check_fields(ctx, per, {"count", "unit", "start"}, record)
    count = f.integer(ctx, per, "count", record, "horizon/periods", minimum=1, required=True)
    if count is not None and count > MAX_PERIODS:
        ctx.err(record, "count", f"must be ≤ {MAX_PERIODS} (the MILP grows with the square "
                f"of the number of periods), got {count}", f.line_of(per))
        count = None
    unit = f.text(ctx, per, "unit", record, default="year")
    if unit not in PERIOD_UNITS:
        ctx.err(record, "unit", f"unknown unit {quote(unit)} (one of: "
                f"{', '.join(PERIOD_UNITS)})", f.line_of(per))
        unit = "year"
    if count is None:
        return (), unit
    start = per.get("start")
    if isinstance(start, dict) and "value" in start:  # {value: 2021, source: "…"}
        if start.get("source") is not None:
            ctx.sources["horizon/periods/start"] = str(start["source"])
        start = start["value"]
    if start is None:
        return tuple(str(i + 1) for i in range(count)), unit
    text = str(start).strip().upper()
    year_text, sep, quarter_text = text.partition("Q")
    ok = year_text.isdigit() and (unit == "quarter" and quarter_text in ("", "1", "2", "3", "4")
                                  or unit == "year" and not sep)
    if isinstance(start, bool) or not ok:
        also = " or a quarter (2021Q3)" if unit == "quarter" else ""
        ctx.err(record, "start", f"must be a year (e.g. 2021){also}, got {quote(start)}",
                f.line_of(per))
        return tuple(str(i + 1) for i in range(count)), unit
    year = int(year_text)
    if unit == "year":
        return tuple(str(year + i) for i in range(count)), unit
    q0 = int(quarter_text or 1) - 1
    return tuple(f"{year + (q0 + i) // 4}Q{(q0 + i) % 4 + 1}" for i in range(count)), unit


def read_period_values(ctx: Context, per: dict, rid: str, record: str,
                       count: int) -> tuple[float, ...] | None:
    """One number for every period, or a list of exactly one number per period."""
    val = per[rid]
    line = f.line_of(per)
    if isinstance(val, list):
        if count and len(val) != count:
            ctx.err(record, rid, f"lists {len(val)} budgets but the horizon has {count} "
                    "periods (give one per period, or one number for every period)", line)
            return None
        out = [f.number(ctx, f.holder(v, line, rid), rid, record,
                        f"horizon/budgets/{rid}/{i + 1}", NONNEGATIVE, required=True)
               for i, v in enumerate(val)]
        return None if any(v is None for v in out) else tuple(
            float(v) for v in out if v is not None)
    one = f.number(ctx, per, rid, record, "horizon/budgets", NONNEGATIVE, required=True)
    return None if one is None else (one,) * count


def apply_timings(ctx: Context, actions: tuple[Action, ...], raw: dict) -> tuple[Action, ...]:
    """``horizon: {timing: [{action, level?, <timing fields>}, …]}``: the timing of an
    action (or of one level) given in the horizon section by the action's id, so that the
    dynamics sit beside the periods they count in; the same fields as an action's
    ``timing``. An action (or level) timed twice is an error."""
    by_id = {a.id: a for a in actions}
    out = dict(by_id)
    for i, item in enumerate(f.records(ctx, raw, "timing", "horizon")):
        aid = f.ident(ctx, item, "action", f"horizon timing #{i + 1}")
        level = f.integer(ctx, item, "level", f"horizon timing #{i + 1}", "horizon", minimum=1)
        record = f"horizon timing of action '{aid}'" + (f" level {level}" if level else "")
        f.check_fields(ctx, item, {"action", "level", "description", *TIMING_FIELDS}, record)
        body = LineDict({k: v for k, v in item.items()
                         if k not in ("action", "level", "description")})
        body.line = f.line_of(item)
        holder = LineDict(timing=body)
        holder.line = f.line_of(item)
        key = f"actions/{aid}" + (f"/levels/{level}" if level else "")  # as in the action
        ctx.note_line("horizon", f"timing/{aid}", item)
        timing = read_timing(ctx, holder, f"horizon: action '{aid}'"
                             + (f" level {level}" if level else ""), key, repeat=level is None)
        if aid is None or timing is None:
            continue
        act = out.get(aid)
        if act is None:
            ctx.err(record, "action", f"unknown action '{aid}'", f.line_of(item))
            continue
        if level is None:
            if act.timing is not None:
                ctx.err(record, "action", "timed twice (in the action and in the horizon, or "
                        "twice in the horizon)", f.line_of(item))
                continue
            out[aid] = Action(act.id, act.levels, act.effects, act.name, act.description,
                              timing)
            continue
        if level > len(act.levels):
            ctx.err(record, "level", f"action '{aid}' has {len(act.levels)} level(s)",
                    f.line_of(item))
            continue
        lv = act.levels[level - 1]
        if lv.timing is not None:
            ctx.err(record, "level", "timed twice", f.line_of(item))
            continue
        levels = list(act.levels)
        levels[level - 1] = Level(lv.cost, lv.label, timing)
        out[aid] = Action(act.id, tuple(levels), act.effects, act.name, act.description,
                          act.timing)
    return tuple(out[a.id] for a in actions)
