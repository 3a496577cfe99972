"""A self-contained HTML report of a sweep or a frontier: opens offline (no network, no
external script, style or font), everything drawn as inline SVG by a small script.

- the curve: the smuggler's value against the budget (breakpoints / plan changes marked),
  the budget chosen with the slider highlighted;
- the network: nodes placed by latitude/longitude (equirectangular, bounding box of the
  nodes inside Tukey's fences of 3 × IQR in each coordinate; outliers such as overseas
  suppliers are pinned to the border with a dashed ring); nodes without coordinates are placed at the mean of their placed
  neighbours (repeatedly), any left over in a row along the bottom. The plan's targets
  are drawn red, the smuggler's flows orange with width by load, at the chosen budget;
- a slider over the sweep points (or frontier segments) and the tables: plan, spend,
  units delivered, main routes, and every point.

Text from the instance reaches the page only as JSON data written with ``textContent``
(never as HTML), so names cannot inject markup. ``#point=K`` in the URL (or
``window.interdictSetPoint(K)``) moves the slider like a user would: it sets the value and
dispatches the same ``input`` event.
"""

from __future__ import annotations

import html as _html
import json
import math
from typing import Any

from ..instance.model import Instance
from ..instance.targets import resolve_targets


def layout(inst: Instance, width: float = 760, height: float = 520, pad: float = 30
           ) -> dict[str, tuple[float, float, bool]]:
    """Node id → (x, y, pinned): screen positions (module docstring)."""
    placed = {n.id: (float(n.lon), float(n.lat)) for n in inst.nodes
              if n.lat is not None and n.lon is not None}
    pos: dict[str, tuple[float, float, bool]] = {}
    if placed:
        lons = sorted(v[0] for v in placed.values())
        lats = sorted(v[1] for v in placed.values())

        def q(vals, f):
            return vals[min(len(vals) - 1, max(0, int(round(f * (len(vals) - 1)))))]

        def fences(vals):
            """Tukey's fences (3 × IQR): coordinates beyond them are off-map outliers."""
            q1, q3 = q(vals, 0.25), q(vals, 0.75)
            iqr = max(q3 - q1, 1.0)
            return q1 - 3 * iqr, q3 + 3 * iqr

        fx, fy = fences(lons), fences(lats)
        inside = [v for v in placed.values() if fx[0] <= v[0] <= fx[1] and fy[0] <= v[1] <= fy[1]]
        inside = inside or list(placed.values())
        lo_x, hi_x = min(v[0] for v in inside), max(v[0] for v in inside)
        lo_y, hi_y = min(v[1] for v in inside), max(v[1] for v in inside)
        span_x = max(hi_x - lo_x, 1e-6)
        span_y = max(hi_y - lo_y, 1e-6)
        lo_x, hi_x = lo_x - 0.06 * span_x, hi_x + 0.06 * span_x
        lo_y, hi_y = lo_y - 0.06 * span_y, hi_y + 0.06 * span_y
        # keep the aspect ratio of the map (degrees of longitude shrink with cos(lat))
        k = math.cos(math.radians((lo_y + hi_y) / 2))
        sx = (width - 2 * pad) / max((hi_x - lo_x) * k, 1e-9)
        sy = (height - 2 * pad) / max(hi_y - lo_y, 1e-9)
        s = min(sx, sy)
        ox = pad + ((width - 2 * pad) - s * (hi_x - lo_x) * k) / 2
        oy = pad + ((height - 2 * pad) - s * (hi_y - lo_y)) / 2
        for nid, (lon, lat) in placed.items():
            x = ox + s * (lon - lo_x) * k
            y = oy + s * (hi_y - lat)
            cx = min(max(x, pad / 2), width - pad / 2)
            cy = min(max(y, pad / 2), height - pad / 2)
            pos[nid] = (cx, cy, (cx, cy) != (x, y))
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


def _action_targets(inst: Instance) -> dict[str, dict[str, Any]]:
    """Per action: the arcs and nodes it targets (sorted ids) and its name."""
    out: dict[str, dict[str, Any]] = {}
    for act in inst.actions:
        arcs: set[str] = set()
        nodes: set[str] = set()
        for eff in act.effects:
            t = resolve_targets(inst, eff)
            arcs.update(t.arcs)
            nodes.update(t.nodes)
            nodes.update(n for n, _ in t.supplies)
            for r in t.recipes:
                rec = next(x for x in inst.recipes if x.id == r)
                nodes.add(rec.node)
        out[act.id] = {"arcs": sorted(arcs), "nodes": sorted(nodes),
                       "name": act.name or act.id}
    return out


def _frame(point, label: str, budget: float) -> dict[str, Any]:
    return {"label": label, "budget": budget, "budgets": point.budgets, "value": point.value,
            "plan": point.plan, "spend": point.spend, "delivered": point.delivered,
            "arc_flow": point.arc_flow,
            "routes": [{"path": r["path"], "units": r["units_delivered"], "commodity":
                        r["commodity"], "value": r["value"]} for r in point.routes[:8]]}


def report_html(inst: Instance, *, title: str, resource: str, frames: list[dict[str, Any]],
                curve: list[tuple[float, float]], marks: list[float], value_before: float,
                delivered_before: dict[str, float], subtitle: str = "") -> str:
    """The report page (module docstring)."""
    pos = layout(inst)
    data = {
        "title": title, "subtitle": subtitle, "resource": resource,
        "value_before": value_before, "delivered_before": delivered_before,
        "curve": curve, "marks": marks, "frames": frames,
        "resources": [r.id for r in inst.resources],
        "nodes": [{"id": n.id, "name": n.name or n.id, "kind": n.kind,
                   "x": round(pos[n.id][0], 2), "y": round(pos[n.id][1], 2),
                   "pinned": pos[n.id][2]} for n in inst.nodes],
        "arcs": [{"id": a.id, "from": a.source, "to": a.target, "mode": a.mode}
                 for a in inst.arcs],
        "actions": _action_targets(inst),
    }
    # inside <script> the HTML parser still reacts to "<!--", "<script" and "</script": no
    # "<", ">" or "&" may appear raw in the data (JSON escapes them, JSON.parse decodes)
    payload = (json.dumps(data, sort_keys=True, allow_nan=False).replace("<", "\\u003c")
               .replace(">", "\\u003e").replace("&", "\\u0026"))
    return (_TEMPLATE.replace("%%TITLE%%", _html.escape(title))
            .replace("%%DATA%%", payload))


def sweep_html(result, inst: Instance | None = None) -> str:
    """Report of a sweep (``sweep.SweepResult``); a grid is shown along its first resource
    at each value of the second (all points on the slider)."""
    from ..instance.reader import load_instance

    inst = inst or load_instance(result.instance_path)
    r1 = result.resources[0]
    frames = []
    for p in result.points:
        label = ", ".join(f"{r} = {p.budgets[r]:g}" for r in result.resources)
        frames.append(_frame(p, label, p.budgets[r1]))
    line = [p for p in result.points
            if len(result.resources) == 1 or p.budgets[result.resources[1]]
            == result.points[-1].budgets[result.resources[1]]]
    curve = [(p.budgets[r1], p.value) for p in line]
    marks = [b.budgets[r1] for a, b in zip(line, line[1:]) if a.plan != b.plan]
    return report_html(inst, title=f"Budget sweep — {result.instance}", resource=r1,
                       frames=frames, curve=curve, marks=marks,
                       value_before=result.value_before,
                       delivered_before=result.delivered_before,
                       subtitle=f"{len(result.points)} certified points; budgets "
                                f"{result.base_budgets}")


def frontier_html(f, inst: Instance | None = None) -> str:
    """Report of an exact frontier: one slider position per segment."""
    from ..instance.reader import load_instance

    inst = inst or load_instance(f.instance_path)
    frames = [_frame(s.point, f"{f.resource} in [{s.start:g}, {s.end:g})", s.start)
              for s in f.steps]
    curve = []
    for s in f.steps:
        curve += [(s.start, s.optimal_value), (s.end, s.optimal_value)]
    return report_html(inst, title=f"Exact frontier — {f.instance}", resource=f.resource,
                       frames=frames, curve=curve, marks=f.breakpoints,
                       value_before=f.value_before, delivered_before=f.delivered_before,
                       subtitle=f"{len(f.breakpoints)} breakpoints over [{f.lo:g}, {f.hi:g}]")


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}.sub{color:#555;font-size:13px;margin-bottom:10px}
.row{display:flex;flex-wrap:wrap;gap:14px}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px}
svg{display:block}table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #eee;padding:2px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}#controls{margin:8px 0;font-size:14px}#slider{width:420px;vertical-align:middle}
.big{font-size:16px;font-weight:600}.legend span{display:inline-block;margin-right:12px;font-size:12px}
</style></head><body>
<h1 id="title"></h1><div class="sub" id="subtitle"></div>
<div id="controls" class="card">Budget: <input type="range" id="slider" min="0" max="0" step="1" value="0">
<span id="label" class="big"></span> — smuggler's value <span id="value" class="big"></span>
(<span id="reduction"></span> less than with no action)</div>
<div class="row">
<div class="card"><div><b>Value against the budget</b></div><svg id="chart" width="520" height="300"></svg></div>
<div class="card"><div><b>Plan at this budget</b></div><ul id="plan"></ul><div id="spend"></div>
<div style="margin-top:6px"><b>Units delivered</b></div><table id="delivered"></table></div>
</div>
<div class="row" style="margin-top:14px">
<div class="card"><div><b>Network</b> <span class="legend"><span style="color:#c0392b">■ plan's targets</span><span style="color:#e67e22">■ smuggler's flows</span><span style="color:#888">◌ off-map (pinned to the border)</span></span></div>
<svg id="map" width="760" height="520"></svg></div>
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
function fmt(v){if(v===null||v===undefined){return "—";}var a=Math.abs(v);if(a===0){return "0";}if(a>=1e6||a<1e-3){return v.toExponential(3);}return v.toLocaleString("en-US",{maximumSignificantDigits:6});}
document.getElementById("title").textContent = D.title;
document.getElementById("subtitle").textContent = D.subtitle;
var slider = document.getElementById("slider");
slider.max = String(D.frames.length - 1);
// ---------------------------------------------------------------- chart
var chart = document.getElementById("chart"), W=520, H=300, L=70, R=12, T=12, B=36;
var xs = D.curve.map(function(p){return p[0];}), ys = D.curve.map(function(p){return p[1];});
D.frames.forEach(function(f){xs.push(f.budget); ys.push(f.value);});
var x0=Math.min.apply(null,xs), x1=Math.max.apply(null,xs), y0=Math.min.apply(null,ys), y1=Math.max.apply(null,ys);
if(x1===x0){x1=x0+1;} if(y1===y0){y1=y0+1;} var yp=(y1-y0)*0.08; y0-=yp; y1+=yp;
function X(v){return L+(v-x0)/(x1-x0)*(W-L-R);} function Y(v){return T+(y1-v)/(y1-y0)*(H-T-B);}
el("rect",{x:0,y:0,width:W,height:H,fill:"#fff"},chart);
el("line",{x1:L,y1:H-B,x2:W-R,y2:H-B,stroke:"#999"},chart); el("line",{x1:L,y1:T,x2:L,y2:H-B,stroke:"#999"},chart);
for(var i=0;i<=4;i++){var vx=x0+(x1-x0)*i/4, vy=y0+(y1-y0)*i/4;
 var t=el("text",{x:X(vx),y:H-B+14,"font-size":10,"text-anchor":"middle"},chart); t.textContent=fmt(vx);
 t=el("text",{x:L-4,y:Y(vy)+3,"font-size":10,"text-anchor":"end"},chart); t.textContent=fmt(vy);}
var lab=el("text",{x:(L+W-R)/2,y:H-4,"font-size":11,"text-anchor":"middle"},chart); lab.textContent="budget of "+D.resource;
D.marks.forEach(function(m){el("line",{x1:X(m),y1:T,x2:X(m),y2:H-B,stroke:"#c0392b","stroke-opacity":0.25},chart);});
el("polyline",{points:D.curve.map(function(p){return X(p[0])+","+Y(p[1]);}).join(" "),fill:"none",stroke:"#1f4e79","stroke-width":2},chart);
D.frames.forEach(function(f){el("circle",{cx:X(f.budget),cy:Y(f.value),r:2.5,fill:"#1f4e79"},chart);});
var cursor=el("line",{x1:0,y1:T,x2:0,y2:H-B,stroke:"#e67e22","stroke-width":1.5},chart);
var dot=el("circle",{cx:0,cy:0,r:5,fill:"#e67e22",stroke:"#fff"},chart);
// ---------------------------------------------------------------- map
var map=document.getElementById("map"), NP={};
el("rect",{x:0,y:0,width:760,height:520,fill:"#eef3f7"},map);
D.nodes.forEach(function(n){NP[n.id]=n;});
var arcEls={}, nodeEls={};
var arcLayer=el("g",{},map), nodeLayer=el("g",{},map);
D.arcs.forEach(function(a){var p=NP[a.from], q=NP[a.to];
 var ln=el("line",{x1:p.x,y1:p.y,x2:q.x,y2:q.y,stroke:"#b8c4ce","stroke-width":1},arcLayer);
 var tt=el("title",{},ln); tt.textContent=a.id+" ("+a.mode+")"; arcEls[a.id]=ln;});
var KIND={source:"#6c3483",poppy:"#6c3483",market:"#1e8449",lab:"#7e5109",pill_press:"#7e5109",processing:"#7e5109",seaport:"#2e86c1",airport:"#2e86c1"};
D.nodes.forEach(function(n){var c=el("circle",{cx:n.x,cy:n.y,r:4.5,fill:KIND[n.kind]||"#5d6d7e",stroke:n.pinned?"#888":"#fff","stroke-dasharray":n.pinned?"2,2":"", "stroke-width":n.pinned?2:1},nodeLayer);
 var tt=el("title",{},c); tt.textContent=n.name+" ["+n.kind+"]"+(n.pinned?" (off-map)":""); nodeEls[n.id]=c;
 if(n.kind==="market"||n.kind==="source"){var right=n.x>620; var t=el("text",{x:right?n.x-7:n.x+6,y:n.y-6,"font-size":9,fill:"#333","text-anchor":right?"end":"start"},nodeLayer); t.textContent=n.id;}});
// ---------------------------------------------------------------- tables
var pts=document.getElementById("points"), hr=h("tr",undefined,pts);
["point","value","plan"].forEach(function(c){h("th",c,hr);});
D.frames.forEach(function(f,i){var tr=h("tr",undefined,pts); tr.id="pt"+i; h("td",f.label,tr); h("td",fmt(f.value),tr);
 h("td",Object.keys(f.plan).sort().map(function(a){return a+"@"+f.plan[a];}).join(", ")||"(no action)",tr);});
function show(i){
 var f=D.frames[i];
 document.getElementById("label").textContent=f.label;
 document.getElementById("value").textContent=fmt(f.value);
 document.getElementById("reduction").textContent=(D.value_before>0?((1-f.value/D.value_before)*100).toFixed(1):"0")+"%";
 cursor.setAttribute("x1",X(f.budget)); cursor.setAttribute("x2",X(f.budget)); dot.setAttribute("cx",X(f.budget)); dot.setAttribute("cy",Y(f.value));
 var ul=document.getElementById("plan"); ul.textContent="";
 var acts=Object.keys(f.plan).sort();
 if(!acts.length){h("li","(no action)",ul);}
 acts.forEach(function(a){var info=D.actions[a]||{name:a}; h("li",a+" @ level "+f.plan[a]+" — "+info.name,ul);});
 document.getElementById("spend").textContent="Spent: "+Object.keys(f.spend).sort().map(function(r){return r+" "+fmt(f.spend[r])+" of "+fmt(f.budgets[r]);}).join("; ");
 var dt=document.getElementById("delivered"); dt.textContent=""; var r0=h("tr",undefined,dt); ["commodity","no action","this plan"].forEach(function(c){h("th",c,r0);});
 Object.keys(f.delivered).sort().forEach(function(k){var b=D.delivered_before[k]||0; if(b===0&&f.delivered[k]===0){return;} var tr=h("tr",undefined,dt); h("td",k,tr); h("td",fmt(b),tr); h("td",fmt(f.delivered[k]),tr);});
 var hit={}, hitN={}; acts.forEach(function(a){var t=D.actions[a]; if(!t){return;} t.arcs.forEach(function(x){hit[x]=1;}); t.nodes.forEach(function(x){hitN[x]=1;});});
 var maxf=0; Object.keys(f.arc_flow).forEach(function(k){maxf=Math.max(maxf,f.arc_flow[k]);});
 D.arcs.forEach(function(a){var ln=arcEls[a.id], fl=f.arc_flow[a.id]||0;
  if(hit[a.id]){ln.setAttribute("stroke","#c0392b"); ln.setAttribute("stroke-width",3);}
  else if(fl>0){ln.setAttribute("stroke","#e67e22"); ln.setAttribute("stroke-width",1+5*fl/(maxf||1));}
  else {ln.setAttribute("stroke","#b8c4ce"); ln.setAttribute("stroke-width",1);}});
 D.nodes.forEach(function(n){nodeEls[n.id].setAttribute("r",hitN[n.id]?7:4.5); if(hitN[n.id]){nodeEls[n.id].setAttribute("stroke","#c0392b");}
  else {nodeEls[n.id].setAttribute("stroke",n.pinned?"#888":"#fff");}});
 var rt=document.getElementById("routes"); rt.textContent=""; var r1=h("tr",undefined,rt); ["delivered","commodity","route"].forEach(function(c){h("th",c,r1);});
 f.routes.forEach(function(r){var tr=h("tr",undefined,rt); h("td",fmt(r.units),tr); h("td",r.commodity,tr); var td=h("td",r.path,tr); td.style.textAlign="left";});
 for(var j=0;j<D.frames.length;j++){document.getElementById("pt"+j).style.background=(j===i)?"#fdebd0":"";}
 document.body.setAttribute("data-point",String(i));
}
slider.addEventListener("input",function(){show(parseInt(slider.value,10));});
window.interdictSetPoint=function(i){slider.value=String(i); slider.dispatchEvent(new Event("input",{bubbles:true}));};
var m=/point=(\d+)/.exec(window.location.hash), start=m?Math.min(parseInt(m[1],10),D.frames.length-1):0;
window.interdictSetPoint(start);
})();
</script></body></html>
"""
