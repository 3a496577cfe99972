"""Terminal tables for planning results (rich, plain text)."""

from __future__ import annotations

import io
import time
from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if v == 0:
        return "0"
    if abs(v) >= 1e6 or abs(v) < 1e-3:
        return f"{v:.4g}"
    return f"{v:,.6g}"


def _console(buf: io.StringIO, width: int = 140) -> Console:
    return Console(markup=False, file=buf, width=width, force_terminal=False, color_system=None,
                   highlight=False, emoji=False)


def _plan_text(plan: dict[str, int]) -> str:
    return ", ".join(f"{a}@{lv}" for a, lv in sorted(plan.items())) or "(no action)"


def render_sweep(result) -> str:
    """The table ``interdict sweep`` prints: one row per point."""
    buf = io.StringIO()
    con = _console(buf)
    res = result.resources
    con.print(f"Sweep of {', '.join(res)} on {result.instance} ({result.instance_path}); "
                     f"smuggler's value with no action {_fmt(result.value_before)}")
    t = Table(title_justify="left")
    for r in res:
        t.add_column(r, justify="right")
    t.add_column("value", justify="right")
    t.add_column("reduction", justify="right")
    t.add_column("gap", justify="right")
    for r in result.base_budgets:
        t.add_column(f"spent {r}", justify="right")
    t.add_column("plan")
    prev = None
    for p in result.points:
        red = 1 - p.value / result.value_before if result.value_before > 0 else 0.0
        plan = _plan_text(p.plan)
        t.add_row(*[_fmt(p.budgets[r]) for r in res], _fmt(p.value), f"{red:.1%}",
                  "—" if p.gap is None else f"{p.gap:.1e}",
                  *[_fmt(p.spend[r]) for r in result.base_budgets],
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


def render_runs(runs: list) -> str:
    buf = io.StringIO()
    con = _console(buf)
    if not runs:
        con.print("no runs stored yet")
        return buf.getvalue()
    t = Table(title="Runs", title_justify="left")
    for c in ("id", "kind", "status", "instance", "hash", "when", "points", "summary"):
        t.add_column(c)
    for r in runs:
        summary = r.summary or {}
        text = ", ".join(f"{k}={_fmt(v) if isinstance(v, (int, float)) else v}"
                         for k, v in summary.items() if k != "kind")
        t.add_row(str(r.id), r.kind, r.status, (r.instance), r.instance_hash[:10],
                  time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)), str(r.points),
                  (text))
    con.print(t)
    return buf.getvalue()


def render_run(info, result: dict[str, Any] | None, points: list) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"Run {info.id}: {info.kind}, {info.status}, instance {info.instance} "
                     f"({info.instance_path}, sha256 {info.instance_hash[:12]})")
    con.print(f"Options {info.options}")
    con.print(f"Spec    {info.spec}")
    pts = points or list((result or {}).get("points", []))
    if pts:
        t = Table(title="Points", title_justify="left")
        t.add_column("budgets")
        t.add_column("value", justify="right")
        t.add_column("plan")
        for p in pts:
            d = p if isinstance(p, dict) else p.to_dict()
            t.add_row((", ".join(f"{k}={_fmt(v)}" for k, v in sorted(d["budgets"].items()))),
                      _fmt(d["value"]), (_plan_text(d["plan"])))
        con.print(t)
    elif result:
        con.print(f"Summary {info.summary}")
    return buf.getvalue()


def render_compare(c) -> str:
    """Point-by-point comparison of two runs (``planning.store.RunComparison``): what
    differs between them, then values and plans at the same budgets of the swept
    resources."""
    a, b = c.a, c.b
    buf = io.StringIO()
    con = _console(buf)
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
        t.add_column(r, justify="right")
    t.add_column(f"value {a.id}", justify="right")
    t.add_column(f"value {b.id}", justify="right")
    t.add_column("difference", justify="right")
    t.add_column("plans")
    for x, y in c.rows:
        same = "same plan" if x.plan == y.plan else (
            f"-{_plan_text({q: x.plan[q] for q in x.plan if y.plan.get(q) != x.plan[q]})} "
            f"+{_plan_text({q: y.plan[q] for q in y.plan if x.plan.get(q) != y.plan[q]})}")
        t.add_row(*[_fmt(x.budgets[r]) for r in c.matched_on], _fmt(x.value), _fmt(y.value),
                  _fmt(y.value - x.value), same)
    con.print(t)
    con.print(f"{len(c.rows)} points at the same {', '.join(c.matched_on)}; {c.only_a} only "
              f"in run {a.id}, {c.only_b} only in run {b.id}")
    return buf.getvalue()


def render_frontier(f) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"Exact frontier of {f.resource} on {f.instance} over [{_fmt(f.lo)}, "
                     f"{_fmt(f.hi)}]; value with no action {_fmt(f.value_before)}")
    t = Table(title_justify="left")
    t.add_column(f"{f.resource} from", justify="right")
    t.add_column("to", justify="right")
    t.add_column("optimal value", justify="right")
    t.add_column("reduction", justify="right")
    for r in f.base_budgets:
        t.add_column(f"spent {r}", justify="right")
    t.add_column("plan on the segment")
    for s in f.steps:
        red = 1 - s.optimal_value / f.value_before if f.value_before > 0 else 0.0
        t.add_row(_fmt(s.start), _fmt(s.end), _fmt(s.optimal_value), f"{red:.1%}",
                  *[_fmt(s.point.spend[r]) for r in f.base_budgets],
                  (_plan_text(s.point.plan)))
    con.print(t)
    con.print(f"{len(f.breakpoints)} breakpoints, {len(f.steps)} segments, {f.solves} MILP solves "
              f"({f.pieces} piece(s), executor {f.executor}); values equal within "
              f"{f.tolerance:.2g}, spends within {f.delta:.2g}; {f.seconds:.2f} s"
              + (f"; run {f.run_id}" if f.run_id is not None else ""))
    return buf.getvalue()


def render_target(r) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"Target: {r.target} (from {_fmt(r.reference)} to ≤ {_fmt(r.limit)}), "
                     f"spending as little {r.resource} as possible; other budgets "
                     f"{ {k: v for k, v in r.base_budgets.items() if k != r.resource} }")
    measure = "value" if r.kind == "value" else f"units of {r.kind}"
    if r.reached:
        p = r.point
        level = p.value if r.level is None else r.level
        con.print(f"Reached: cheapest spend {_fmt(r.cost)} {r.resource}; {measure} "
                         f"{_fmt(level)} ({1 - level / r.reference:.1%} less)"
                         + ("" if r.kind == "value" else f"; smuggler's value {_fmt(p.value)}"))
        con.print(f"Plan     {_plan_text(p.plan)}")
        con.print(f"Spend    {p.spend}")
    else:
        best = r.best.value if r.best_level is None else r.best_level
        con.print(f"UNREACHABLE with the other budgets fixed: the best reachable "
                         f"reduction is {r.best_reduction:.1%} ({measure} {_fmt(best)}), "
                         f"first reached at {_fmt(r.best_cost)} {r.resource}")
        con.print(f"Best plan {_plan_text(r.best.plan)}")
    return buf.getvalue()


def render_marginal(m) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"At budgets {m.budgets}: value {_fmt(m.base.value)} with plan "
                     f"{_plan_text(m.base.plan)}")
    t = Table(title="What one more step of each resource buys", title_justify="left")
    for c in ("resource", "step", "value after", "gain", "gain per unit", "plan changes",
              "next action to fund (gain, added cost)"):
        t.add_column(c)
    for g in m.gains:
        change = " ".join([f"+{a}@{lv}" for a, lv in sorted(g.added.items())]
                          + [f"-{a}@{lv}" for a, lv in sorted(g.dropped.items())]) or "none"
        nxt = "none fits" if g.next_action is None else (
            f"{g.next_action.action}@{g.next_action.level} ({_fmt(g.next_action.gain)}, "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in g.next_action.added.items() if v) + ")")
        t.add_row(g.resource, _fmt(g.step), _fmt(g.value), _fmt(g.gain), _fmt(g.per_unit),
                  (change), (nxt))
    con.print(t)
    return buf.getvalue()


def render_priorities(p) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"Priority list for {p.resource} on {p.instance} ({p.method} nested plans for "
                     f"budgets {', '.join(_fmt(b) for b in p.budgets)}); value with no action "
                     f"{_fmt(p.value_before)}")
    t = Table(title_justify="left")
    for c in ("#", "fund", f"cumulative {p.resource}", "value", "optimal at that spend",
              "regret"):
        t.add_column(c, justify="right" if c not in ("fund",) else "left")
    for it in p.items:
        t.add_row(str(it.rank), (f"{it.action}@{it.level}"), _fmt(it.spend[p.resource]),
                  _fmt(it.value), _fmt(it.optimal_value),
                  "(breaks another budget)" if it.regret is None else _fmt(it.regret))
    con.print(t)
    for note in p.notes or []:
        con.print(f"Note: {note}")
    t = Table(title="At the planning budgets", title_justify="left")
    for c in ("budget", "nested plan value", "optimal value", "regret"):
        t.add_column(c, justify="right")
    for g in p.grid:
        t.add_row(_fmt(g["budget"]), _fmt(g["value"]), _fmt(g["optimal_value"]), _fmt(g["regret"]))
    con.print(t)
    return buf.getvalue()
