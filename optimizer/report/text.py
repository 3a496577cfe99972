"""Readable summaries of results (plain text through rich tables)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from ..results.horizon import HorizonResult
from ..results.types import BeliefsSummary, InterdictionResult


def _fmt(v: float | None, digits: int = 6) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "0"
    if abs(v) >= 1e6:
        return f"{v:,.0f}"
    if abs(v) < 1e-3:
        return f"{v:.4g}"
    return f"{v:,.{digits}g}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.4%}"


def status_text(r: InterdictionResult | HorizonResult) -> str:
    """"proven optimal" only for a plan proven within the default tolerance; a solve that
    stopped at a looser requested gap says so, with the gap it proved."""
    if not r.optimal:
        return f"NOT proven optimal ({r.termination.value})"
    requested = float(r.options.get("rel_gap", 1e-6))
    if requested > 1e-6 and (r.gap or 0.0) > 1e-6:
        return (f"optimal within the requested gap of {requested:.2%} (proven gap "
                f"{(r.gap or 0.0):.2%}): a better plan may exist")
    return "proven optimal"


def render_solve(result: InterdictionResult, *, routes: int = 10, width: int = 110) -> str:
    """The summary ``interdict solve`` prints."""
    buf = io.StringIO()
    con = Console(markup=False, file=buf, width=width, force_terminal=False, color_system=None,
                  highlight=False, emoji=False)
    r = result
    proven = status_text(r)
    con.print(f"Instance  {r.instance}  ({r.instance_path})")
    con.print(f"Status    {proven}; termination {r.termination.value}; method {r.method}")
    bel = r.beliefs
    if bel is not None and r.harm is None:
        con.print(f"Value     smuggler's true value {_fmt(bel.before.true_value)} before → "
                  f"{_fmt(bel.after.true_value)} after the plan ({bel.mode} tie-break); "
                  f"it believes {_fmt(r.value_before)} → {_fmt(r.value_after)}")
    else:
        con.print(f"Value     smuggler's value {_fmt(r.value_before)} before → "
                  f"{_fmt(r.value_after)} after the plan ({r.reduction:.1%} less)"
                  + ("; as it believes" if bel is not None else ""))
    cert = r.certificate
    if bel is not None and r.harm is None:
        con.print(f"Bound     proven lower bound {_fmt(r.bound)}; gap {_pct(r.gap)}")
        con.print(f"Check     PASSED ({len(cert.checks)} checks): with the plan fixed, the "
                  f"smuggler's LP on the data it believes and its least and most favourable "
                  f"optimal responses re-solved: {cert.measure} {_fmt(cert.plan_value, 10)} "
                  f"(MILP {_fmt(cert.claimed_value, 10)}, tolerance {cert.tolerance:.1g})")
    elif r.harm is None:
        con.print(f"Bound     proven lower bound {_fmt(r.bound)}; gap {_pct(r.gap)}")
        con.print(f"Check     PASSED ({len(cert.checks)} checks): smuggler's LP re-solved with "
                  f"the plan fixed gives {_fmt(cert.plan_value, 10)} (MILP "
                  f"{_fmt(cert.claimed_value, 10)}, tolerance {cert.tolerance:.1g})")
    else:
        con.print(f"Check     PASSED ({len(cert.checks)} checks): with the plan fixed, the "
                  f"smuggler's LP and its least and most harmful optimal responses re-solved: "
                  f"{r.harm.mode} harm {_fmt(cert.plan_value, 10)} (MILP "
                  f"{_fmt(cert.claimed_value, 10)}, tolerance {cert.tolerance:.1g})")
    if r.harm is not None:
        h = r.harm
        change = "" if h.harm_before <= 0 else f" ({1 - h.harm_after / h.harm_before:.1%} less)"
        con.print(f"Harm      planner's harm ({h.mode} tie-break) {_fmt(h.harm_before)} before → "
                  f"{_fmt(h.harm_after)} after{change}; bound {_fmt(h.bound)}, gap {_pct(h.gap)}")
        con.print(f"          this plan: {_fmt(h.optimistic_after)} if the smuggler breaks ties "
                  f"in the planner's favour, {_fmt(h.pessimistic_after)} if against")
    for note in r.notes:
        con.print(f"Note      {note}")
    if bel is not None:
        con.print(_beliefs_table(bel, expected=bool(r.scenarios)))

    t = Table(title="Plan", title_justify="left", show_lines=False)
    t.add_column("action")
    t.add_column("level", justify="right")
    t.add_column("label / name")
    for res in r.budgets:
        t.add_column(res, justify="right")
    for a in r.actions:
        t.add_row((a.action), str(a.level), (a.label or a.name),
                  *[_fmt(a.cost.get(res, 0.0)) for res in r.budgets])
    if not r.actions:
        t.add_row("(no action)", "", "", *["" for _ in r.budgets])
    t.add_row("spent", "", "", *[_fmt(r.spend[res]) for res in r.budgets], style="bold")
    t.add_row("budget", "", "", *[_fmt(r.budgets[res]) for res in r.budgets])
    con.print(t)

    t = Table(title="Delivered per commodity", title_justify="left")
    t.add_column("commodity")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    t.add_column("change", justify="right")
    t.add_column("seized after" + (" (believed)" if bel is not None else ""), justify="right")
    t.add_column("unit")
    for k, before in sorted(r.before.delivered_by_commodity.items()):
        after = r.after.delivered_by_commodity[k]
        if before == 0 and after == 0:
            continue
        change = "—" if before == 0 else f"{after / before - 1:+.1%}"
        t.add_row(k, _fmt(before), _fmt(after), change, _fmt(r.after.seized.get(k, 0.0)),
                  r.after.units.get(k, ""))
    con.print(t)

    t = Table(title="Delivered per market and commodity", title_justify="left")
    t.add_column("market")
    t.add_column("commodity")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    t.add_column("unit")
    for key in sorted(set(r.before.delivered) | set(r.after.delivered)):
        was, now = r.before.delivered.get(key, 0.0), r.after.delivered.get(key, 0.0)
        if abs(was) < 1e-9 and abs(now) < 1e-9:
            continue
        t.add_row(key[0], key[1], _fmt(was), _fmt(now),
                  r.after.units.get(key[1], ""))
    con.print(t)
    _seizures_per_arc(con, r)
    _per_group(con, r)

    if r.scenarios:
        t = Table(title=f"Scenarios (risk measure: {r.risk}"
                        + (f", α = {r.cvar_alpha:g}" if r.cvar_alpha is not None else "") + ")",
                  title_justify="left")
        t.add_column("scenario", overflow="fold")
        t.add_column("probability", justify="right")
        t.add_column("value before", justify="right")
        t.add_column("value after", justify="right")
        comms = sorted({k for s in r.scenarios for k, v in s.delivered_before.items() if v > 1e-9})
        for k in comms:
            t.add_column(f"{k} after", justify="right")
        for s in r.scenarios:
            t.add_row((s.id), f"{s.probability:.4g}", _fmt(s.value_before),
                      _fmt(s.value_after), *[_fmt(s.delivered_after.get(k, 0.0)) for k in comms])
        con.print(t)

    if routes:
        t = Table(title=f"Main routes of the smuggler's best response (top {routes})",
                  title_justify="left")
        t.add_column("delivered", justify="right")
        t.add_column("commodity")
        t.add_column("value", justify="right")
        t.add_column("route")
        for rt in r.after.routes[:routes]:
            t.add_row(_fmt(rt.units_delivered), (rt.commodity), _fmt(rt.value), (rt.describe()))
        if not r.after.routes:
            t.add_row("0", "", "", "(nothing reaches a market)")
        con.print(t)

    ms = r.model_size
    tm = r.timings
    con.print(f"Model     {ms.get('columns', 0)} columns ({ms.get('integer_columns', 0)} binary), "
              f"{ms.get('rows', 0)} rows, {ms.get('nonzeros', 0)} nonzeros; "
              f"{r.node_count} branch-and-bound nodes")
    con.print(f"Times     build {tm.build:.3f} s, solve {tm.solve:.3f} s, check {tm.check:.3f} s, "
              f"baseline {tm.baseline:.3f} s, total {tm.total:.3f} s")
    return buf.getvalue()


def _beliefs_table(b: BeliefsSummary, *, expected: bool) -> Table:
    """The counted response before and after, as the smuggler believes it and as it is."""
    t = Table(title="What the smuggler believes and what happens (" + b.mode + " tie-break"
                    + ("; expected over scenarios" if expected else "") + ")",
              title_justify="left")
    t.add_column("")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    rows = (("smuggler's value, believed (value units)", "believed_value"),
            ("smuggler's value, true (value units)", "true_value"),
            ("units seized, believed", "believed_seized"),
            ("units seized, true", "true_seized"),
            ("harm (harm units; deliveries as planned)", "harm"))
    for label, attr in rows:
        t.add_row(label, _fmt(getattr(b.before, attr)), _fmt(getattr(b.after, attr)))
    return t


#: arcs shown in the table of seizures (the JSON output has every one)
SEIZURE_ROWS = 15


def _seizures_per_arc(con: Console, r: InterdictionResult) -> None:
    """Expected units seized per arc and commodity (p·f), before and after the plan: the
    largest ``SEIZURE_ROWS``."""
    keys = set(r.before.seized_by_arc) | set(r.after.seized_by_arc)
    if not keys:
        return
    size = {k: max(r.before.seized_by_arc.get(k, 0.0), r.after.seized_by_arc.get(k, 0.0))
            for k in keys}
    shown = sorted(keys, key=lambda k: (-size[k], k))[:SEIZURE_ROWS]
    more = len(keys) - len(shown)
    t = Table(title="Seized per arc and commodity (expected units)", title_justify="left",
              caption=f"the largest {len(shown)}; {more} more in --json" if more else None,
              caption_justify="left")
    for col in ("arc", "commodity", "before", "after", "unit"):
        t.add_column(col, justify="right" if col in ("before", "after") else "left")
    for arc, k in shown:
        t.add_row(arc, k, _fmt(r.before.seized_by_arc.get((arc, k), 0.0)),
                  _fmt(r.after.seized_by_arc.get((arc, k), 0.0)),
                  r.after.units.get(k, ""))
    con.print(t)


def _per_group(con: Console, r: InterdictionResult) -> None:
    """Units seized on and delivered to each group of the instance, before and after."""
    b, a = r.before, r.after
    keys = sorted(set(b.seized_by_group) | set(a.seized_by_group) | set(b.delivered_by_group)
                  | set(a.delivered_by_group))
    if not keys:
        return
    t = Table(title="Seized on and delivered to each group (expected units)",
              title_justify="left")
    for col in ("group", "commodity", "seized before", "seized after", "delivered before",
                "delivered after", "unit"):
        t.add_column(col, justify="left" if col in ("group", "commodity", "unit") else "right")
    for g, k in keys:
        t.add_row(g, k, _fmt(b.seized_by_group.get((g, k), 0.0)),
                  _fmt(a.seized_by_group.get((g, k), 0.0)),
                  _fmt(b.delivered_by_group.get((g, k), 0.0)),
                  _fmt(a.delivered_by_group.get((g, k), 0.0)), a.units.get(k, ""))
    con.print(t)


def render_comparison(comp) -> str:
    """The zero-sum plan against the harm plan(s): deliveries and harm per commodity."""
    buf = io.StringIO()
    con = Console(markup=False, file=buf, width=180, force_terminal=False, color_system=None,
                  highlight=False, emoji=False)
    comms = sorted({k for o in comp.outcomes for k, v in o.delivered.items() if v > 1e-9}
                   | {k for o in comp.outcomes for k, v in o.harm.items() if v > 1e-9})
    con.print("Zero-sum plan versus harm plan (the smuggler re-optimises its value; deliveries "
              "and harm counted under each tie-break)")
    seen = set()
    for o in comp.outcomes:
        if o.label not in seen:
            seen.add(o.label)
            con.print(f"  {o.label:<26} {o.plan}")
    t = Table(title_justify="left")
    t.add_column("plan", no_wrap=True)
    t.add_column("ties")
    t.add_column("smuggler value", justify="right")
    for k in comms:
        t.add_column(f"{k} delivered", justify="right")
    for k in comms:
        t.add_column(f"{k} harm", justify="right")
    t.add_column("total harm", justify="right")
    for o in comp.outcomes:
        t.add_row((o.label), o.mode[:4], _fmt(o.smuggler_value),
                  *[_fmt(o.delivered.get(k, 0.0)) for k in comms],
                  *[_fmt(o.harm.get(k, 0.0)) for k in comms], _fmt(o.total_harm))
    con.print(t)
    con.print(_shift_text(comp))
    return buf.getvalue()


def _shift_text(comp) -> str:
    """The substitution warning: each plan that raises the deliveries of some commodity
    above the no-action level, with the units before and after; or that no plan does."""
    units = comp.zero_sum.after.units
    shifts = comp.shifts()
    if not shifts:
        return "No plan raises the deliveries of any commodity above the no-action level."
    lines = ["WARNING - substitution: these plans raise the deliveries of a commodity above "
             "the no-action level (suppressing one drug pushes the smuggler into another):"]
    for s in shifts:
        rise = (f"+{(s.after - s.before) / s.before:.1%}" if s.before > 0 else "from none")
        lines.append(f"  {s.label} ({s.mode} ties): {s.commodity} delivered {_fmt(s.before)} → "
                     f"{_fmt(s.after)} {units.get(s.commodity, 'units')} ({rise})")
    raised = {s.label for s in shifts}
    clean = sorted({o.label for o in comp.outcomes if o.label != "no action"} - raised)
    if clean:
        lines.append(f"  raising none: {', '.join(clean)}")
    return "\n".join(lines)
