"""A self-contained HTML report of a sweep or a frontier: opens offline (no network, no
external script, style or font), everything drawn as inline SVG by a small script.

- the curve: the smuggler's value against the budget, on an axis in the instance's value
  unit (``US$ billion per year``), plan changes marked where the plan changes, the budget
  chosen with the slider highlighted;
- the network: nodes placed by latitude/longitude (equirectangular, bounding box of the
  nodes inside Tukey's fences of 3 × IQR in each coordinate; outliers such as overseas
  suppliers are pinned to the border with a dashed ring); nodes without coordinates are
  placed at the mean of their placed neighbours (repeatedly), any left over in a row along
  the bottom. Under them, an outline of the coasts and of the United States–Mexico border
  (``data/outline.json``: Natural Earth 1:110m, public domain, shipped with the package).
  Nodes are labelled with their names where a label fits without overlapping another
  (``place_labels``: markets, crossings and ports first). The plan's targets are drawn red;
  the smuggler's flows one line per commodity, coloured by commodity, with a width by the
  commodity's own units (its widest arc over all points is the widest line), and a legend;
- a slider over the sweep points (or frontier segments) and the tables: the plan (what each
  action does, from the instance, with the source notes of its numbers), spend, units
  delivered, main routes, and every point.

Every number on the page is formatted here, by ``report.units`` (the script formats none:
no e-notation, every figure with its unit). Text from the instance reaches the page only as
JSON data written with ``textContent`` (never as HTML), so names cannot inject markup.
``#point=K`` in the URL (or ``window.interdictSetPoint(K)``) moves the slider like a user
would: it sets the value and dispatches the same ``input`` event. Script errors are
recorded on ``<body data-errors>`` (tests read it).
"""

from __future__ import annotations

import html as _html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ..instance.model import Instance
from ..instance.targets import resolve_targets
from ..instance.units import Units
from ..studies.explain import Describer, action_sources
from .plots import commodity_order
from .units import amount, axis, header, number, pct, quantity

MAP_W, MAP_H, MAP_PAD = 760.0, 520.0, 30.0
CHART_W, CHART_H = 520.0, 300.0
#: one colour per commodity, in the commodities' order (most harm first)
PALETTE = ("#c0392b", "#8e44ad", "#2471a3", "#d68910", "#17a589", "#7f8c8d", "#a04000",
           "#1abc9c")
#: label priority by node kind (lower first)
LABEL_PRIORITY = {"market": 0, "crossing": 1, "hub": 1, "seaport": 2, "airport": 2, "lab": 3,
                  "pill_press": 3, "processing": 4, "source": 5, "poppy": 5, "transit": 6,
                  "other": 7}


@dataclass(frozen=True)
class Projection:
    """Equirectangular: x = ox + s·(lon − lon0)·cos(lat_mid), y = oy + s·(lat1 − lat)."""

    lon0: float
    lat1: float
    k: float
    s: float
    ox: float
    oy: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return self.ox + self.s * (lon - self.lon0) * self.k, self.oy + self.s * (self.lat1 - lat)


def projection(inst: Instance, width: float = MAP_W, height: float = MAP_H,
               pad: float = MAP_PAD) -> Projection | None:
    """The projection fitting the nodes inside Tukey's fences (module docstring), or None
    when no node has coordinates."""
    placed = [(float(n.lon), float(n.lat)) for n in inst.nodes
              if n.lat is not None and n.lon is not None]
    if not placed:
        return None
    lons = sorted(v[0] for v in placed)
    lats = sorted(v[1] for v in placed)

    def q(vals, f):
        return vals[min(len(vals) - 1, max(0, int(round(f * (len(vals) - 1)))))]

    def fences(vals):
        """Tukey's fences (3 × IQR): coordinates beyond them are off-map outliers."""
        q1, q3 = q(vals, 0.25), q(vals, 0.75)
        iqr = max(q3 - q1, 1.0)
        return q1 - 3 * iqr, q3 + 3 * iqr

    fx, fy = fences(lons), fences(lats)
    inside = [v for v in placed if fx[0] <= v[0] <= fx[1] and fy[0] <= v[1] <= fy[1]] or placed
    lo_x, hi_x = min(v[0] for v in inside), max(v[0] for v in inside)
    lo_y, hi_y = min(v[1] for v in inside), max(v[1] for v in inside)
    span_x, span_y = max(hi_x - lo_x, 1e-6), max(hi_y - lo_y, 1e-6)
    lo_x, hi_x = lo_x - 0.06 * span_x, hi_x + 0.06 * span_x
    lo_y, hi_y = lo_y - 0.06 * span_y, hi_y + 0.06 * span_y
    # keep the aspect ratio of the map (degrees of longitude shrink with cos(lat))
    k = math.cos(math.radians((lo_y + hi_y) / 2))
    s = min((width - 2 * pad) / max((hi_x - lo_x) * k, 1e-9),
            (height - 2 * pad) / max(hi_y - lo_y, 1e-9))
    ox = pad + ((width - 2 * pad) - s * (hi_x - lo_x) * k) / 2
    oy = pad + ((height - 2 * pad) - s * (hi_y - lo_y)) / 2
    return Projection(lo_x, hi_y, k, s, ox, oy)


def layout(inst: Instance, width: float = MAP_W, height: float = MAP_H, pad: float = MAP_PAD
           ) -> dict[str, tuple[float, float, bool]]:
    """Node id → (x, y, pinned): screen positions (module docstring)."""
    pos: dict[str, tuple[float, float, bool]] = {}
    proj = projection(inst, width, height, pad)
    if proj is not None:
        for n in inst.nodes:
            if n.lat is None or n.lon is None:
                continue
            x, y = proj(float(n.lon), float(n.lat))
            cx = min(max(x, pad / 2), width - pad / 2)
            cy = min(max(y, pad / 2), height - pad / 2)
            pos[n.id] = (cx, cy, (cx, cy) != (x, y))
    # nodes without coordinates: mean of placed neighbours, repeatedly
    nbrs: dict[str, list[str]] = {n.id: [] for n in inst.nodes}
    for a in inst.arcs:
        nbrs[a.source].append(a.target)
        nbrs[a.target].append(a.source)
    missing = [n.id for n in inst.nodes if n.id not in pos]
    for _ in range(len(missing) + 1):
        progress = False
        for nid in missing:
            if nid in pos:
                continue
            known = [pos[m] for m in sorted(set(nbrs[nid])) if m in pos]
            if known:
                x = sum(p[0] for p in known) / len(known)
                y = sum(p[1] for p in known) / len(known) + 14.0  # not on top of a neighbour
                pos[nid] = (x, min(y, height - pad / 2), False)
                progress = True
        if not progress:
            break
    rest = [nid for nid in missing if nid not in pos]
    for i, nid in enumerate(rest):
        pos[nid] = (pad + (i + 0.5) * (width - 2 * pad) / max(len(rest), 1), height - pad / 2,
                    False)
    return pos


# ----------------------------------------------------------------------------- outline


@lru_cache(maxsize=1)
def outline_data() -> dict[str, Any]:
    """The shipped outline of coasts and borders (``data/outline.json``)."""
    text = resources.files(__package__).joinpath("data/outline.json").read_text("utf-8")
    return json.loads(text)


def _path(points: Sequence[Sequence[float]], proj: Projection, closed: bool) -> str:
    xy = [proj(lon, lat) for lon, lat in points]
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    return d + (" Z" if closed else "")


def outline(proj: Projection | None, width: float = MAP_W, height: float = MAP_H
            ) -> dict[str, Any]:
    """SVG paths of the land outlines and borders under ``proj``: only the shapes that reach
    into the map (none when the nodes lie elsewhere or have no coordinates)."""
    if proj is None:
        return {"land": [], "borders": [], "source": ""}
    data = outline_data()

    def visible(points) -> bool:
        xy = [proj(lon, lat) for lon, lat in points]
        return (min(x for x, _ in xy) < width and max(x for x, _ in xy) > 0
                and min(y for _, y in xy) < height and max(y for _, y in xy) > 0)

    land = [{"name": s["name"], "d": _path(s["ring"], proj, True)} for s in data["land"]
            if visible(s["ring"])]
    borders = [{"name": b["name"], "d": _path(b["line"], proj, False)} for b in data["borders"]
               if visible(b["line"])]
    return {"land": land, "borders": borders, "source": data["source"] if land else ""}


# ----------------------------------------------------------------------------- labels


def label_text(name: str, node_id: str) -> str:
    """A node's name without its parenthesis (``Culiacan``), else its id."""
    return (name or node_id).split(" (")[0].strip() or node_id


def place_labels(nodes: Sequence[dict[str, Any]], width: float = MAP_W,
                 height: float = MAP_H, char: float = 5.2, size: float = 9.0
                 ) -> list[dict[str, Any]]:
    """Greedy labelling without overlaps: nodes in priority order (``LABEL_PRIORITY``, then
    the most connected), each label tried right, left, above, below and at the four
    diagonals of its node and kept at the first place that overlaps no kept label and no
    other node and stays on the map; a node with no such place gets none (its tooltip
    still names it)."""
    boxes: list[tuple[float, float, float, float]] = []
    dots = [(n["x"] - 5, n["y"] - 5, n["x"] + 5, n["y"] + 5) for n in nodes]

    def free(b: tuple[float, float, float, float], own: int) -> bool:
        if b[0] < 1 or b[1] < 1 or b[2] > width - 1 or b[3] > height - 1:
            return False
        hits = boxes + [d for i, d in enumerate(dots) if i != own]
        return all(b[2] <= o[0] or b[0] >= o[2] or b[3] <= o[1] or b[1] >= o[3] for o in hits)

    order = sorted(range(len(nodes)), key=lambda i: (
        LABEL_PRIORITY.get(nodes[i]["kind"], 7), nodes[i]["pinned"], -nodes[i].get("degree", 0),
        nodes[i]["id"]))
    out = []
    for i in order:
        n = nodes[i]
        text = label_text(n["name"], n["id"])
        w, x, y = char * len(text), n["x"], n["y"]
        tries = ((x + 7, y + 3, "start", (x + 6, y - size + 4, x + 7 + w, y + 5)),
                 (x - 7, y + 3, "end", (x - 7 - w, y - size + 4, x - 6, y + 5)),
                 (x, y - 8, "middle", (x - w / 2, y - 8 - size + 1, x + w / 2, y - 6)),
                 (x, y + 15, "middle", (x - w / 2, y + 15 - size + 1, x + w / 2, y + 17)),
                 (x + 5, y - 6, "start", (x + 4, y - 6 - size + 1, x + 5 + w, y - 4)),
                 (x - 5, y - 6, "end", (x - 5 - w, y - 6 - size + 1, x - 4, y - 4)),
                 (x + 5, y + 13, "start", (x + 4, y + 13 - size + 1, x + 5 + w, y + 15)),
                 (x - 5, y + 13, "end", (x - 5 - w, y + 13 - size + 1, x - 4, y + 15)))
        for lx, ly, anchor, box in tries:
            if free(box, i):
                boxes.append(box)
                out.append({"id": n["id"], "text": text, "x": round(lx, 1), "y": round(ly, 1),
                            "anchor": anchor})
                break
    return out


# ----------------------------------------------------------------------------- actions


def _actions(inst: Instance, units: Units) -> dict[str, dict[str, Any]]:
    """Per action: the arcs and nodes it targets, its name, and per level what it does (in
    words), what it costs (with units) and the source notes of those numbers."""
    words = Describer(inst)
    out: dict[str, dict[str, Any]] = {}
    for act in inst.actions:
        arcs: set[str] = set()
        nodes: set[str] = set()
        for eff in act.effects:
            t = resolve_targets(inst, eff, words.index)
            arcs.update(t.arcs)
            nodes.update(t.nodes)
            nodes.update(n for n, _ in t.supplies)
            for r in t.recipes:
                rec = next(x for x in inst.recipes if x.id == r)
                nodes.add(rec.node)
        levels = {}
        for lv in range(1, len(act.levels) + 1):
            eff_src, cost_src = action_sources(inst, act, lv)
            cost = act.levels[lv - 1].cost
            levels[str(lv)] = {
                "label": act.levels[lv - 1].label,
                "does": list(words.action(act, lv)),
                "cost": ", ".join(quantity(v, units.resource(r)) for r, v in sorted(cost.items())
                                  if v),
                "sources": [f"cost of {r}: {note}" for r, note in sorted(cost_src.items())]
                + [f"effect {i + 1}: {note}" for i, note in enumerate(eff_src) if note]}
        out[act.id] = {"arcs": sorted(arcs), "nodes": sorted(nodes),
                       "name": act.name or act.id, "levels": levels}
    return out


# ----------------------------------------------------------------------------- frames


def _frame(point, label: str, budget: float, units: Units, comms: Sequence[str],
           delivered_before: Mapping[str, float], value_before: float) -> dict[str, Any]:
    """One slider position: its figures as text, and its flows per commodity."""
    v = units.value
    red = 1 - point.value / value_before if value_before > 0 else 0.0
    return {
        "label": label, "budget": budget, "value": point.value, "plan": point.plan,
        "value_text": quantity(point.value, v), "reduction_text": pct(red),
        "spend_text": "; ".join(f"{r} {quantity(point.spend[r], units.resource(r))} of "
                                f"{quantity(point.budgets[r], units.resource(r))}"
                                for r in sorted(point.spend)),
        "delivered": [[k, quantity(delivered_before.get(k, 0.0), units.commodity(k)),
                       quantity(point.delivered.get(k, 0.0), units.commodity(k))]
                      for k in comms],
        "flows": ({k: point.commodity_flow.get(k, {}) for k in comms} if point.commodity_flow
                  or not point.arc_flow else {ALL_LOAD: point.arc_flow}),
        "arc_flow": point.arc_flow,
        "routes": [[quantity(r["units_delivered"], units.commodity(r["commodity"])),
                    r["commodity"], r["path"]] for r in point.routes[:8]]}


#: the flow key of runs stored before flows per commodity were recorded: load on each arc
ALL_LOAD = "all commodities (load units)"


def _widths(frames: list[dict[str, Any]], comms: Sequence[str]) -> dict[str, float]:
    """The largest flow of each commodity on any arc at any point (the widest line)."""
    return {k: max([f for fr in frames for f in fr["flows"][k].values()] + [0.0])
            for k in comms}


def _ticks(lo: float, hi: float, fmt: Callable[[float], str], n: int = 4
           ) -> list[list[Any]]:
    """Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi], with their labels."""
    if hi <= lo:
        return [[lo, fmt(lo)], [lo + 1.0, fmt(lo + 1.0)]]
    raw = (hi - lo) / n
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    count = int(math.ceil((hi - first) / step - 1e-9))
    return [[first + i * step, fmt(first + i * step)] for i in range(count + 1)]


def report_html(inst: Instance, *, title: str, resource: str, frames: list[dict[str, Any]],
                curve: list[tuple[float, float]], marks: list[float], value_before: float,
                subtitle: str = "") -> str:
    """The report page (module docstring). ``frames`` from ``_frame``."""
    units = Units.of(inst)
    pos = layout(inst)
    degree = dict.fromkeys((n.id for n in inst.nodes), 0)
    for a in inst.arcs:
        degree[a.source] += 1
        degree[a.target] += 1
    nodes = [{"id": n.id, "name": n.name or n.id, "kind": n.kind, "x": round(pos[n.id][0], 2),
              "y": round(pos[n.id][1], 2), "pinned": pos[n.id][2], "degree": degree[n.id]}
             for n in inst.nodes]
    comms = sorted({k for f in frames for k in f["flows"]}, key=lambda k: (
        list(frames[0]["flows"]).index(k) if k in frames[0]["flows"] else len(frames), k))
    xs = [p[0] for p in curve] + [f["budget"] for f in frames]
    ys = [p[1] for p in curve] + [f["value"] for f in frames]
    factor, vlabel = axis(ys, units.value)
    y0, y1 = min(ys, default=0.0), max(ys, default=1.0)
    x0, x1 = min(xs, default=0.0), max(xs, default=1.0)
    ru = units.resource(resource)
    for f in frames:  # every frame names every flow key (an absent one carries nothing)
        f["flows"] = {k: f["flows"].get(k, {}) for k in comms}
    widest = _widths(frames, comms)
    data = {
        "title": title, "subtitle": subtitle, "resource": resource,
        "xlabel": f"budget of {resource}" + (f" ({ru.label})" if ru.label else ""),
        "ylabel": f"smuggler's value ({vlabel})",
        "value_before_text": quantity(value_before, units.value),
        "xticks": _ticks(x0, x1, lambda x: number(x, 4)),
        "yticks": [[t * factor, text] for t, text in _ticks(y0 / factor, y1 / factor,
                                                            lambda y: number(y, 4))],
        "curve": curve, "marks": marks, "frames": frames,
        "nodes": nodes, "labels": place_labels(nodes),
        "arcs": [{"id": a.id, "from": a.source, "to": a.target, "mode": a.mode}
                 for a in inst.arcs],
        "actions": _actions(inst, units),
        "outline": outline(projection(inst)),
        "commodities": [{"id": k, "colour": PALETTE[i % len(PALETTE)], "widest": widest[k],
                         "widest_text": quantity(widest[k], units.commodity(k) if k != ALL_LOAD
                                                 else "load units")}
                        for i, k in enumerate(comms)],
        "delivered_header": ["commodity", "no action", "this plan"],
        "points_header": ["point", header("value", units.value), "plan"],
        "points_values": [amount(f["value"], units.value, 4) for f in frames],
    }
    # inside <script> the HTML parser still reacts to "<!--", "<script" and "</script": no
    # "<", ">" or "&" may appear raw in the data (JSON escapes them, JSON.parse decodes)
    payload = (json.dumps(data, sort_keys=True, allow_nan=False).replace("<", "\\u003c")
               .replace(">", "\\u003e").replace("&", "\\u0026"))
    return (_TEMPLATE.replace("%%TITLE%%", _html.escape(title))
            .replace("%%DATA%%", payload))


def _budgets_text(budgets: Mapping[str, float], units: Units) -> str:
    return ", ".join(f"{r} = {quantity(v, units.resource(r))}"
                     for r, v in sorted(budgets.items())) or "none"


def sweep_html(result, inst: Instance | None = None) -> str:
    """Report of a sweep (``sweep.SweepResult``); a grid is shown along its first resource
    at each value of the second (all points on the slider)."""
    from ..instance.reader import load_instance

    inst = inst or load_instance(result.instance_path)
    units = Units.of(inst)
    r1 = result.resources[0]
    comms = _report_commodities(inst, result.delivered_before, result.points)
    frames = []
    for p in result.points:
        label = ", ".join(f"{r} = {quantity(p.budgets[r], units.resource(r))}"
                          for r in result.resources)
        frames.append(_frame(p, label, p.budgets[r1], units, comms, result.delivered_before,
                             result.value_before))
    line = [p for p in result.points
            if len(result.resources) == 1 or p.budgets[result.resources[1]]
            == result.points[-1].budgets[result.resources[1]]]
    curve = [(p.budgets[r1], p.value) for p in line]
    marks = [b.budgets[r1] for a, b in zip(line, line[1:]) if a.plan != b.plan]
    others = {r: v for r, v in result.base_budgets.items() if r not in result.resources}
    return report_html(inst, title=f"Budget sweep — {result.instance}", resource=r1,
                       frames=frames, curve=curve, marks=marks,
                       value_before=result.value_before,
                       subtitle=f"{len(result.points)} certified points; other budgets "
                                f"{_budgets_text(others, units)}")


def frontier_html(f, inst: Instance | None = None) -> str:
    """Report of an exact frontier: one slider position per segment."""
    from ..instance.reader import load_instance

    inst = inst or load_instance(f.instance_path)
    units = Units.of(inst)
    ru = units.resource(f.resource)
    comms = _report_commodities(inst, f.delivered_before, [s.point for s in f.steps])
    frames = [_frame(s.point, f"{f.resource} from {quantity(s.start, ru)} to "
                              f"{quantity(s.end, ru)}", s.start, units, comms,
                     f.delivered_before, f.value_before) for s in f.steps]
    curve = []
    for s in f.steps:
        curve += [(s.start, s.optimal_value), (s.end, s.optimal_value)]
    return report_html(inst, title=f"Exact frontier — {f.instance}", resource=f.resource,
                       frames=frames, curve=curve, marks=f.breakpoints,
                       value_before=f.value_before,
                       subtitle=f"{len(f.breakpoints)} breakpoints (the plan changes there) "
                                f"over {quantity(f.lo, ru)} to {quantity(f.hi, ru)} of "
                                f"{f.resource}")


def _report_commodities(inst: Instance, before: Mapping[str, float], points) -> list[str]:
    """Commodities delivered with no action or at any point, most harm first."""
    seen = dict(before)
    for p in points:
        for k, v in p.delivered.items():
            seen[k] = max(seen.get(k, 0.0), v)
    return commodity_order(inst, seen)


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<script>
(function(){var errs=[];function note(m){errs.push(String(m));if(document.body){document.body.setAttribute("data-errors",errs.join(" | "));}}
window.addEventListener("error",function(e){note(e.message);});var ce=console.error;console.error=function(){note(Array.prototype.join.call(arguments," "));ce.apply(console,arguments);};
window.interdictErrors=errs;})();
</script>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}.sub{color:#555;font-size:13px;margin-bottom:10px}
.row{display:flex;flex-wrap:wrap;gap:14px}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px}
svg{display:block}table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #eee;padding:2px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}#controls{margin:8px 0;font-size:14px}#slider{width:420px;vertical-align:middle}
.big{font-size:16px;font-weight:600}.legend span{display:inline-block;margin-right:12px;font-size:12px}
#plan{font-size:13px;padding-left:18px}#plan li{margin-bottom:4px}#plancard{max-height:460px;overflow:auto}.does{color:#444;font-size:12px}.src{color:#777;font-size:11px}.note{color:#777;font-size:11px;max-width:760px}
</style></head><body>
<h1 id="title"></h1><div class="sub" id="subtitle"></div>
<div id="controls" class="card">Budget: <input type="range" id="slider" min="0" max="0" step="1" value="0">
<span id="label" class="big"></span> — smuggler's value <span id="value" class="big"></span>
(<span id="reduction"></span> less than with no action, <span id="before"></span>)</div>
<div class="row">
<div class="card"><div><b>Value against the budget</b></div><svg id="chart" width="520" height="300"></svg></div>
<div class="card" id="plancard" style="max-width:560px"><div><b>Plan at this budget</b></div><ul id="plan"></ul><div id="spend"></div>
<div style="margin-top:6px"><b>Units delivered</b></div><table id="delivered"></table></div>
</div>
<div class="row" style="margin-top:14px">
<div class="card"><div><b>Network</b> <span class="legend" id="legend"><span style="color:#f39c12">▬ plan's targets (under the flows)</span><span style="color:#888">◌ off-map (pinned to the border)</span></span></div>
<svg id="map" width="760" height="520"></svg><div class="note" id="outline-note"></div></div>
<div class="card"><div><b>Main routes</b></div><table id="routes"></table></div>
</div>
<div class="card" style="margin-top:14px"><div><b>All points</b></div><table id="points"></table></div>
<script type="application/json" id="data">%%DATA%%</script>
<script>
(function(){
"use strict";
var D = JSON.parse(document.getElementById("data").textContent);
var NS = "http://www.w3.org/2000/svg";
function el(tag, attrs, parent){var e=document.createElementNS(NS,tag);for(var k in attrs){e.setAttribute(k,attrs[k]);}if(parent){parent.appendChild(e);}return e;}
function h(tag, text, parent){var e=document.createElement(tag);if(text!==undefined){e.textContent=text;}if(parent){parent.appendChild(e);}return e;}
document.getElementById("title").textContent = D.title;
document.getElementById("subtitle").textContent = D.subtitle;
document.getElementById("before").textContent = D.value_before_text;
var slider = document.getElementById("slider");
slider.max = String(D.frames.length - 1);
// ---------------------------------------------------------------- chart
var chart = document.getElementById("chart"), W=520, H=300, L=64, R=12, T=12, B=40;
var x0=D.xticks[0][0], x1=D.xticks[D.xticks.length-1][0], y0=D.yticks[0][0], y1=D.yticks[D.yticks.length-1][0];
if(x1===x0){x1=x0+1;} if(y1===y0){y1=y0+1;} var yp=(y1-y0)*0.08; var ylo=y0-yp, yhi=y1+yp;
function X(v){return L+(v-x0)/(x1-x0)*(W-L-R);} function Y(v){return T+(yhi-v)/(yhi-ylo)*(H-T-B);}
el("rect",{x:0,y:0,width:W,height:H,fill:"#fff"},chart);
el("line",{x1:L,y1:H-B,x2:W-R,y2:H-B,stroke:"#999"},chart); el("line",{x1:L,y1:T,x2:L,y2:H-B,stroke:"#999"},chart);
D.xticks.forEach(function(t){var e=el("text",{x:X(t[0]),y:H-B+14,"font-size":10,"text-anchor":"middle"},chart); e.textContent=t[1];});
D.yticks.forEach(function(t){var e=el("text",{x:L-4,y:Y(t[0])+3,"font-size":10,"text-anchor":"end"},chart); e.textContent=t[1];});
var lab=el("text",{x:(L+W-R)/2,y:H-6,"font-size":11,"text-anchor":"middle"},chart); lab.textContent=D.xlabel;
var ylab=el("text",{x:12,y:(T+H-B)/2,"font-size":11,"text-anchor":"middle",transform:"rotate(-90 12 "+((T+H-B)/2)+")"},chart); ylab.textContent=D.ylabel;
el("polyline",{points:D.curve.map(function(p){return X(p[0])+","+Y(p[1]);}).join(" "),fill:"none",stroke:"#1f4e79","stroke-width":2},chart);
D.frames.forEach(function(f){el("circle",{cx:X(f.budget),cy:Y(f.value),r:2.5,fill:"#95a5a6"},chart);});
D.marks.forEach(function(m){var f=null; D.frames.forEach(function(g){if(g.budget===m){f=g;}}); if(f){el("circle",{cx:X(m),cy:Y(f.value),r:3.5,fill:"#c0392b"},chart);}});
var cursor=el("line",{x1:0,y1:T,x2:0,y2:H-B,stroke:"#e67e22","stroke-width":1.5},chart);
var dot=el("circle",{cx:0,cy:0,r:5,fill:"#e67e22",stroke:"#fff"},chart);
// ---------------------------------------------------------------- map
var map=document.getElementById("map"), NP={};
el("rect",{x:0,y:0,width:760,height:520,fill:"#dce9f3"},map);
var outlineLayer=el("g",{id:"outline"},map);
D.outline.land.forEach(function(s){var p=el("path",{d:s.d,fill:"#f4f1e8",stroke:"#7f8c8d","stroke-width":0.8,"class":"land","data-name":s.name},outlineLayer); var t=el("title",{},p); t.textContent=s.name;});
D.outline.borders.forEach(function(s){var p=el("path",{d:s.d,fill:"none",stroke:"#5d6d7e","stroke-width":1.4,"stroke-dasharray":"5,3","class":"border","data-name":s.name},outlineLayer); var t=el("title",{},p); t.textContent=s.name+" border";});
document.getElementById("outline-note").textContent = D.outline.source ? "Outline: "+D.outline.source : "";
D.nodes.forEach(function(n){NP[n.id]=n;});
var hitEls={}, flowEls={}, nodeEls={};
var hitLayer=el("g",{},map), baseLayer=el("g",{},map), flowLayer=el("g",{},map), nodeLayer=el("g",{},map), labelLayer=el("g",{id:"labels"},map);
var NC=D.commodities.length;
D.arcs.forEach(function(a){var p=NP[a.from], q=NP[a.to];
 var ln=el("line",{x1:p.x,y1:p.y,x2:q.x,y2:q.y,stroke:"#b8c4ce","stroke-width":0.8},baseLayer);
 var tt=el("title",{},ln); tt.textContent=a.id+" ("+a.mode+")";
 hitEls[a.id]=el("line",{x1:p.x,y1:p.y,x2:q.x,y2:q.y,stroke:"#f39c12","stroke-width":0,"stroke-opacity":0.6},hitLayer);
 var dx=q.x-p.x, dy=q.y-p.y, len=Math.sqrt(dx*dx+dy*dy)||1, nx=-dy/len, ny=dx/len;
 flowEls[a.id]={};
 D.commodities.forEach(function(c,i){var off=(i-(NC-1)/2)*2.2;
  var f=el("line",{x1:p.x+nx*off,y1:p.y+ny*off,x2:q.x+nx*off,y2:q.y+ny*off,stroke:c.colour,"stroke-width":0,"stroke-linecap":"round","class":"flow"},flowLayer);
  var t=el("title",{},f); flowEls[a.id][c.id]={line:f,title:t,arc:a.id};});});
var KIND={source:"#6c3483",poppy:"#6c3483",market:"#1e8449",lab:"#7e5109",pill_press:"#7e5109",processing:"#7e5109",seaport:"#2e86c1",airport:"#2e86c1",crossing:"#34495e"};
D.nodes.forEach(function(n){var c=el("circle",{cx:n.x,cy:n.y,r:4.5,fill:KIND[n.kind]||"#5d6d7e",stroke:n.pinned?"#888":"#fff","stroke-dasharray":n.pinned?"2,2":"", "stroke-width":n.pinned?2:1,"class":"node","data-node":n.id},nodeLayer);
 var tt=el("title",{},c); tt.textContent=n.name+" ["+n.kind+"]"+(n.pinned?" (off-map)":""); nodeEls[n.id]=c;});
D.labels.forEach(function(l){var t=el("text",{x:l.x,y:l.y,"font-size":9,fill:"#222","text-anchor":l.anchor,stroke:"#fff","stroke-width":2.5,"paint-order":"stroke","class":"label","data-node":l.id},labelLayer); t.textContent=l.text;});
var legend=document.getElementById("legend");
D.commodities.forEach(function(c){var s=h("span","▬ "+c.id+" (widest: "+c.widest_text+")",legend); s.style.color=c.colour;});
// ---------------------------------------------------------------- tables
var pts=document.getElementById("points"), hr=h("tr",undefined,pts);
D.points_header.forEach(function(c){h("th",c,hr);});
D.frames.forEach(function(f,i){var tr=h("tr",undefined,pts); tr.id="pt"+i; h("td",f.label,tr); h("td",D.points_values[i],tr);
 h("td",Object.keys(f.plan).sort().map(function(a){return a+"@"+f.plan[a];}).join(", ")||"(no action)",tr);});
function show(i){
 var f=D.frames[i];
 document.getElementById("label").textContent=f.label;
 document.getElementById("value").textContent=f.value_text;
 document.getElementById("reduction").textContent=f.reduction_text;
 cursor.setAttribute("x1",X(f.budget)); cursor.setAttribute("x2",X(f.budget)); dot.setAttribute("cx",X(f.budget)); dot.setAttribute("cy",Y(f.value));
 var ul=document.getElementById("plan"); ul.textContent="";
 var acts=Object.keys(f.plan).sort();
 if(!acts.length){h("li","(no action)",ul);}
 acts.forEach(function(a){var info=D.actions[a]||{name:a,levels:{}}; var lv=info.levels[String(f.plan[a])]||{does:[],sources:[],cost:"",label:""};
  var li=h("li",a+" @ level "+f.plan[a]+" — "+(lv.label||info.name)+(lv.cost?" ("+lv.cost+")":""),ul);
  var d=h("div",lv.does.join("; "),li); d.className="does";
  if(lv.sources.length){var s=h("div","sources: "+lv.sources.join(" · "),li); s.className="src";}});
 document.getElementById("spend").textContent="Spent: "+f.spend_text;
 var dt=document.getElementById("delivered"); dt.textContent=""; var r0=h("tr",undefined,dt); D.delivered_header.forEach(function(c){h("th",c,r0);});
 f.delivered.forEach(function(row){var tr=h("tr",undefined,dt); row.forEach(function(c){h("td",c,tr);});});
 var hit={}, hitN={}; acts.forEach(function(a){var t=D.actions[a]; if(!t){return;} t.arcs.forEach(function(x){hit[x]=1;}); t.nodes.forEach(function(x){hitN[x]=1;});});
 D.arcs.forEach(function(a){hitEls[a.id].setAttribute("stroke-width",hit[a.id]?6:0);
  D.commodities.forEach(function(c){var e=flowEls[a.id][c.id], fl=(f.flows[c.id]||{})[a.id]||0;
   e.line.setAttribute("stroke-width",fl>0?(0.8+5*fl/(c.widest||1)):0); e.title.textContent=fl>0?(a.id+": "+c.id):"";});});
 D.nodes.forEach(function(n){nodeEls[n.id].setAttribute("r",hitN[n.id]?7:4.5); if(hitN[n.id]){nodeEls[n.id].setAttribute("stroke","#f39c12");}
  else {nodeEls[n.id].setAttribute("stroke",n.pinned?"#888":"#fff");}});
 var rt=document.getElementById("routes"); rt.textContent=""; var r1=h("tr",undefined,rt); ["delivered","commodity","route"].forEach(function(c){h("th",c,r1);});
 f.routes.forEach(function(r){var tr=h("tr",undefined,rt); h("td",r[0],tr); h("td",r[1],tr); var td=h("td",r[2],tr); td.style.textAlign="left";});
 for(var j=0;j<D.frames.length;j++){document.getElementById("pt"+j).style.background=(j===i)?"#fdebd0":"";}
 document.body.setAttribute("data-point",String(i));
}
slider.addEventListener("input",function(){show(parseInt(slider.value,10));});
window.interdictSetPoint=function(i){slider.value=String(i); slider.dispatchEvent(new Event("input",{bubbles:true}));};
var m=/point=(\d+)/.exec(window.location.hash), start=m?Math.min(parseInt(m[1],10),D.frames.length-1):0;
window.interdictSetPoint(start);
if(window.interdictErrors.length){document.body.setAttribute("data-errors",window.interdictErrors.join(" | "));}
})();
</script></body></html>
"""
