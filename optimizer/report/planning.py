"""Terminal tables for planning results (rich, plain text), every figure with its unit
(``report.units``): the smuggler's value in the instance's value unit, budgets and spends in
each resource's unit, deliveries in each commodity's. ``units`` defaults to the bare
defaults (``BARE_UNITS``) when the caller has no instance at hand."""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from typing import Any

from rich.table import Table

from ..instance.units import BARE_UNITS, Unit, Units
from .text import _console
from .units import amount, header, number, pct, quantity


def json_with_units(text: str, units: Units) -> str:
    """A result's JSON text with the ``units`` block added beside its figures."""
    import json

    data = json.loads(text)
    data["units"] = units.to_dict()
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def _plan_text(plan: dict[str, int]) -> str:
    return ", ".join(f"{a}@{lv}" for a, lv in sorted(plan.items())) or "(no action)"


def budgets_text(budgets: Mapping[str, float], units: Units) -> str:
    """``usd_m = US$ 200 million per year, mx_capacity = 10 teams``: budgets or spends with
    their units (never a Python dict)."""
    return ", ".join(f"{r} = {quantity(v, units.resource(r))}"
                     for r, v in sorted(budgets.items())) or "none"


def _mapping_text(d: Mapping[str, Any] | None) -> str:
    """``a=1, b=x, c=(d=2, e=[0, 10])`` for stored options and specs: sorted, numbers
    formatted, nested mappings in parentheses and lists in brackets (never a Python
    repr)."""
    if not d:
        return "—"
    return ", ".join(f"{k}={_value_text(v)}" for k, v in sorted(d.items()))


def _value_text(v: Any) -> str:
    if isinstance(v, Mapping):
        return f"({_mapping_text(v)})" if v else "none"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    if v is None:
        return "—"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return number(v, 6)
    return str(v)


def _gap(g: float | None) -> str:
    return "—" if g is None else f"{g:.4%}"


def render_sweep(result, units: Units = BARE_UNITS) -> str:
    """The table ``interdict sweep`` prints: one row per point."""
    buf = io.StringIO()
    con = _console(buf, 140)
    res = result.resources
    v = units.value
    con.print(f"Sweep of {', '.join(res)} on {result.instance} ({result.instance_path}); "
              f"smuggler's value with no action {quantity(result.value_before, v)}")
    t = Table(title_justify="left", caption=_units_caption(list(result.base_budgets), units),
              caption_justify="left")
    for r in res:
        t.add_column(r, justify="right")
    t.add_column(header("value", v), justify="right")
    t.add_column("reduction", justify="right")
    t.add_column("gap", justify="right")
    for r in result.base_budgets:
        t.add_column(f"spent {r}", justify="right")
    t.add_column("plan", overflow="fold")
    prev = None
    for p in result.points:
        red = 1 - p.value / result.value_before if result.value_before > 0 else 0.0
        plan = _plan_text(p.plan)
        t.add_row(*[number(p.budgets[r], 6) for r in res], amount(p.value, v, 4), pct(red),
                  _gap(p.gap), *[number(p.spend[r], 6) for r in result.base_budgets],
                  ("〃" if plan == prev else plan))
        prev = plan
    con.print(t)
    warm = sum(p.warm_started for p in result.points)
    fb = sum(p.fallback for p in result.points)
    con.print(f"{len(result.points)} points, all certified: {result.solved} solved now, "
              f"{result.reused} read from the store; {warm} warm-started, {fb} re-solved cold "
              f"after a failed start; executor {result.executor}; {result.seconds:.2f} s"
              + (f"; run {result.run_id}" if result.run_id is not None else ""))
    return buf.getvalue()


def _units_caption(resources: list[str], units: Units) -> str | None:
    """``budgets and spends: usd_m in US$ million per year; …``."""
    parts = [f"{r} in {units.resource(r).label}" for r in resources if units.resource(r).label]
    return "budgets and spends: " + "; ".join(parts) if parts else None


def render_runs(runs: list) -> str:
    buf = io.StringIO()
    con = _console(buf, 140)
    if not runs:
        con.print("no runs stored yet")
        return buf.getvalue()
    t = Table(title="Runs", title_justify="left")
    for c in ("id", "kind", "status", "instance", "hash", "when", "points", "summary"):
        t.add_column(c)
    for r in runs:
        summary = {k: v for k, v in (r.summary or {}).items() if k != "kind"}
        t.add_row(str(r.id), r.kind, r.status, r.instance, r.instance_hash[:10],
                  time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)), str(r.points),
                  _mapping_text(summary))
    con.print(t)
    return buf.getvalue()


def render_run(info, result: dict[str, Any] | None, points: list,
               units: Units = BARE_UNITS) -> str:
    buf = io.StringIO()
    con = _console(buf, 140)
    con.print(f"Run {info.id}: {info.kind}, {info.status}, instance {info.instance} "
              f"({info.instance_path}, sha256 {info.instance_hash[:12]})")
    options = dict(info.options or {})
    if isinstance(options.get("budgets"), Mapping):
        con.print(f"Budgets {budgets_text(options.pop('budgets'), units)}")
    con.print(f"Options {_mapping_text(options)}")
    con.print(f"Spec    {_mapping_text(info.spec)}")
    pts = points or list((result or {}).get("points", []))
    if pts:
        t = Table(title="Points", title_justify="left")
        t.add_column("budgets")
        t.add_column(header("value", units.value), justify="right")
        t.add_column("plan", overflow="fold")
        for p in pts:
            d = p if isinstance(p, dict) else p.to_dict()
            t.add_row(budgets_text(d["budgets"], units), amount(d["value"], units.value, 4),
                      _plan_text(d["plan"]))
        con.print(t)
    elif result:
        con.print(f"Summary {_mapping_text(info.summary)}")
    return buf.getvalue()


def render_compare(c, units: Units = BARE_UNITS) -> str:
    """Point-by-point comparison of two runs (``planning.store.RunComparison``): what
    differs between them, then values and plans at the same budgets of the swept
    resources, in ``units``."""
    a, b = c.a, c.b
    v = units.value
    buf = io.StringIO()
    con = _console(buf, 140)
    con.print(f"Run {a.id} ({a.kind}, {a.instance}, {a.instance_hash[:10]}) vs run {b.id} "
              f"({b.kind}, {b.instance}, {b.instance_hash[:10]})")
    if c.differences:
        con.print("What differs between the runs:")
        for line in c.differences:
            con.print(f"  {line}")
    else:
        con.print("Same instance data, fixed budgets and options.")
    t = Table(title_justify="left")
    for r in c.matched_on:
        t.add_column(header(r, units.resource(r), model=True), justify="right")
    t.add_column(header(f"value {a.id}", v), justify="right")
    t.add_column(header(f"value {b.id}", v), justify="right")
    t.add_column("difference", justify="right")
    t.add_column("plans", overflow="fold")
    for x, y in c.rows:
        same = "same plan" if x.plan == y.plan else (
            f"-{_plan_text({q: x.plan[q] for q in x.plan if y.plan.get(q) != x.plan[q]})} "
            f"+{_plan_text({q: y.plan[q] for q in y.plan if x.plan.get(q) != y.plan[q]})}")
        t.add_row(*[number(x.budgets[r], 6) for r in c.matched_on], amount(x.value, v, 6),
                  amount(y.value, v, 6), amount(y.value - x.value, v, 4, signed=True), same)
    con.print(t)
    con.print(f"{len(c.rows)} points at the same {', '.join(c.matched_on)}; {c.only_a} only "
              f"in run {a.id}, {c.only_b} only in run {b.id}")
    return buf.getvalue()


def render_frontier(f, units: Units = BARE_UNITS) -> str:
    buf = io.StringIO()
    con = _console(buf, 140)
    v, ru = units.value, units.resource(f.resource)
    span = f"{number(f.lo, 6)} to {number(f.hi, 6)}" + (f" ({ru.label})" if ru.label else "")
    con.print(f"Exact frontier of {f.resource} on {f.instance}, budget {span}; value with no "
              f"action {quantity(f.value_before, v)}")
    t = Table(title_justify="left", caption=_units_caption(list(f.base_budgets), units),
              caption_justify="left")
    t.add_column(f"{f.resource} from", justify="right")
    t.add_column("to", justify="right")
    t.add_column(header("optimal value", v), justify="right")
    t.add_column("reduction", justify="right")
    for r in f.base_budgets:
        t.add_column(f"spent {r}", justify="right")
    t.add_column("plan on the segment", overflow="fold")
    for s in f.steps:
        red = 1 - s.optimal_value / f.value_before if f.value_before > 0 else 0.0
        t.add_row(number(s.start, 6), number(s.end, 6), amount(s.optimal_value, v, 4), pct(red),
                  *[number(s.point.spend[r], 6) for r in f.base_budgets],
                  _plan_text(s.point.plan))
    con.print(t)
    con.print(f"{len(f.breakpoints)} breakpoints, {len(f.steps)} segments, {f.solves} MILP solves "
              f"({f.pieces} piece(s), executor {f.executor}); values equal within "
              f"{quantity(f.tolerance, v)}, spends within {number(f.delta)} (each in its "
              f"resource's unit); {f.seconds:.2f} s"
              + (f"; run {f.run_id}" if f.run_id is not None else ""))
    return buf.getvalue()


def _measure_unit(kind: str, units: Units) -> Unit:
    """The unit of a target's measure: the value, else the commodity's."""
    return units.value if kind == "value" else units.commodity(kind)


def render_target(r, units: Units = BARE_UNITS) -> str:
    buf = io.StringIO()
    con = _console(buf, 140)
    mu, ru = _measure_unit(r.kind, units), units.resource(r.resource)
    others = {k: v for k, v in r.base_budgets.items() if k != r.resource}
    con.print(f"Target: {r.target} (from {quantity(r.reference, mu)} to ≤ "
              f"{quantity(r.limit, mu)}), spending as little {r.resource} as possible; other "
              f"budgets {budgets_text(others, units)}")
    measure = "smuggler's value" if r.kind == "value" else f"{r.kind} delivered"
    if r.reached:
        p = r.point
        level = p.value if r.level is None else r.level
        con.print(f"Reached: cheapest spend {quantity(r.cost, ru, 6)} of {r.resource}; "
                  f"{measure} {quantity(level, mu, 4)} ({pct(1 - level / r.reference)} less)"
                  + ("" if r.kind == "value" else
                     f"; smuggler's value {quantity(p.value, units.value)}"))
        con.print(f"Plan     {_plan_text(p.plan)}")
        con.print(f"Spend    {budgets_text(p.spend, units)}")
    else:
        best = r.best.value if r.best_level is None else r.best_level
        con.print(f"UNREACHABLE with the other budgets fixed: the best reachable reduction is "
                  f"{pct(r.best_reduction)} ({measure} {quantity(best, mu, 4)}), first reached "
                  f"at {quantity(r.best_cost, ru, 6)} of {r.resource}")
        con.print(f"Best plan {_plan_text(r.best.plan)}")
    for note in (r.point if r.reached else r.best).notes:
        con.print(f"Note     {note}")
    return buf.getvalue()


def render_marginal(m, units: Units = BARE_UNITS) -> str:
    buf = io.StringIO()
    con = _console(buf, 140)
    v = units.value
    con.print(f"At budgets {budgets_text(m.budgets, units)}: smuggler's value "
              f"{quantity(m.base.value, v)} with plan {_plan_text(m.base.plan)}")
    t = Table(title="What one more step of each resource buys", title_justify="left")
    for c in ("resource", "step", header("value after", v), header("gain", v),
              "gain per unit of the resource", "plan changes",
              "next action to fund (gain, added cost)"):
        t.add_column(c)
    for g in m.gains:
        ru = units.resource(g.resource)
        change = " ".join([f"+{a}@{lv}" for a, lv in sorted(g.added.items())]
                          + [f"-{a}@{lv}" for a, lv in sorted(g.dropped.items())]) or "none"
        nxt = "none fits" if g.next_action is None else (
            f"{g.next_action.action}@{g.next_action.level} ({quantity(g.next_action.gain, v)}"
            + "".join(f", {quantity(x, units.resource(k))}"
                      for k, x in g.next_action.added.items() if x) + ")")
        t.add_row(g.resource, quantity(g.step, ru), amount(g.value, v, 4), amount(g.gain, v),
                  f"{quantity(g.per_unit, v)} per {ru.label or 'unit'}", change, nxt)
    con.print(t)
    return buf.getvalue()


def render_priorities(p, units: Units = BARE_UNITS) -> str:
    buf = io.StringIO()
    con = _console(buf, 140)
    v, ru = units.value, units.resource(p.resource)
    con.print(f"Priority list for {p.resource} on {p.instance} ({p.method} nested plans for "
              f"budgets {', '.join(number(b, 6) for b in p.budgets)} {ru.label}); smuggler's "
              f"value with no action {quantity(p.value_before, v)}")
    t = Table(title_justify="left")
    for c in ("#", "fund", header(f"cumulative {p.resource}", ru, model=True),
              header("value", v), header("optimal at that spend", v), header("regret", v)):
        t.add_column(c, justify="left" if c == "fund" else "right")
    for it in p.items:
        t.add_row(str(it.rank), f"{it.action}@{it.level}", number(it.spend[p.resource], 6),
                  amount(it.value, v, 4), amount(it.optimal_value, v, 4),
                  "(breaks another budget)" if it.regret is None else amount(it.regret, v))
    con.print(t)
    for note in p.notes or []:
        con.print(f"Note: {note}")
    t = Table(title="At the planning budgets", title_justify="left")
    for c in (header("budget", ru, model=True), header("nested plan value", v),
              header("optimal value", v), header("regret", v)):
        t.add_column(c, justify="right")
    for g in p.grid:
        t.add_row(number(g["budget"], 6), amount(g["value"], v, 4),
                  amount(g["optimal_value"], v, 4), amount(g["regret"], v))
    con.print(t)
    return buf.getvalue()
