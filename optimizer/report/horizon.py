"""A horizon solve as text (tables) and as a picture (a Gantt chart above the value per
period)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.table import Table

from ..instance.model import Instance
from ..results.horizon import HorizonResult
from .plots import _commodity_panels, _plt, _save, _ticks, commodity_order
from .text import _console, _gap, status_text
from .units import amount, axis, header, number, pct, quantity


def render_horizon(result: HorizonResult, *, width: int = 120,
                   static: HorizonResult | None = None) -> str:
    """The summary ``interdict solve --horizon`` prints; ``static``: the best one-period
    plan repeated, evaluated on the same horizon, for comparison."""
    buf = io.StringIO()
    con = _console(buf, width)
    r = result
    v = r.total_unit  # the objective sums the periods' values
    labels = r.labels
    cert = r.certificate
    con.print(f"Instance  {r.instance}  ({r.instance_path})")
    con.print(f"Status    {status_text(r)}; termination {r.termination.value}; method {r.method}")
    con.print(f"Horizon   {len(labels)} {r.unit}s {labels[0]}–{labels[-1]}; discount "
              f"{r.discount:.2%} per {r.unit}; unspent money "
              f"{'carried over' if r.carry_over else 'lost at the end of each ' + r.unit}")
    risk = "" if r.risk == "expected" else f", {r.risk} over scenarios"
    con.print(f"Value     discounted smuggler's value over the horizon{risk} "
              f"{quantity(r.objective_before, v)} before → {quantity(r.objective_after, v)} after "
              f"the schedule ({pct(r.reduction)} less)")
    con.print(f"Bound     proven lower bound {quantity(r.bound, v)}; gap {_gap(r.gap)}")
    con.print(f"Check     PASSED ({len(cert.checks)} checks): every period's smuggler LP "
              f"re-solved with the schedule fixed gives {quantity(cert.plan_value, v, exact=True)}"
              f" (MILP {quantity(cert.claimed_value, v, exact=True)}, tolerance "
              f"{quantity(cert.tolerance, v)})")
    for note in r.notes:
        con.print(f"Note      {note}")
    units = [f"{k}: {u}" for k, u in {**r.resource_units, **r.commodity_units}.items() if u]
    if units:
        con.print("Units     " + "; ".join(units) + f"; values in {r.units.value.label}")
    con.print(_schedule_table(r))
    if r.schedule:
        con.print(_starts_table(r))
    con.print(_period_table(r))
    if r.totals:
        con.print("Totals    " + "; ".join(
            f"{k} spent {quantity(spent, r.summed(r.units.resource(k)))} of "
            f"{quantity(lim, r.summed(r.units.resource(k)))} over the horizon"
            for k, (lim, spent) in r.totals.items()))
    if static is not None:
        con.print(_static_lines(r, static))
    ms, tm = r.model_size, r.timings
    con.print(f"Model     {ms.get('columns', 0):,} columns ({ms.get('integer_columns', 0):,} "
              f"binary), {ms.get('rows', 0):,} rows, {ms.get('nonzeros', 0):,} nonzeros; "
              f"{r.node_count:,} branch-and-bound nodes")
    con.print(f"Times     build {tm.build:.3f} s, solve {tm.solve:.3f} s, check {tm.check:.3f} s, "
              f"baseline {tm.baseline:.3f} s, total {tm.total:.3f} s")
    return buf.getvalue()


def _schedule_table(r: HorizonResult) -> Table:
    labels = r.labels
    t = Table(title="Schedule (strength of each start's effects per period; cost per period)",
              title_justify="left")
    t.add_column("action", overflow="fold")
    t.add_column("level", justify="right")
    t.add_column("starts")
    for label in labels:
        t.add_column(label, justify="right")
    t.add_column("cost per period", overflow="fold")
    for s in r.schedule:
        cells = [number(x, 2) if x > 0 else ("·" if lb in s.active else "")
                 for x, lb in zip(s.strength, labels)]
        cost = "; ".join(f"{_resource_title(r, k)} " + " ".join(number(x, 6) for x in vals)
                         for k, vals in s.cost.items())
        t.add_row(s.action + (" (repeatable)" if s.repeat else ""),
                  str(s.level), s.start, *cells, cost)
    if not r.schedule:
        t.add_row("(no action)", "", "", *["" for _ in labels], "")
    return t


def _starts_table(r: HorizonResult) -> Table:
    """Per start of the schedule: what the action does, how it acts over time, and what it
    spends over the horizon in each resource (with units)."""
    t = Table(title="What each start does (in words from the instance), how it acts over "
                    "time, and what it spends", title_justify="left")
    t.add_column("action", overflow="fold")
    t.add_column("starts")
    t.add_column("what it does", overflow="fold")
    t.add_column("over time", overflow="fold")
    t.add_column("spend over the horizon", overflow="fold")
    for s in r.schedule:
        spend = "; ".join(f"{k} {quantity(v, r.summed(r.units.resource(k)))}"
                          for k, v in s.spent.items())
        t.add_row(f"{s.action} @ {s.level}", s.start, "; ".join(s.does), s.acts,
                  spend or "nothing")
    return t


def _resource_title(r: HorizonResult, k: str, what: str = "") -> str:
    """``usd_m spent / budget (US$ million)``: resource ``k`` and what of it, in its unit
    (the cells are numbers in the file's own units)."""
    return header(f"{k}{what}", r.units.resource(k), model=True)


def _period_table(r: HorizonResult) -> Table:
    t = Table(title=f"Per {r.unit}: smuggler's value and deliveries before → after "
                    "(expected over scenarios), spend of budget", title_justify="left")
    t.add_column("period")
    t.add_column("weight", justify="right")
    v = r.units.value
    t.add_column(header("value before", v), justify="right")
    t.add_column(header("value after", v), justify="right")
    t.add_column("less", justify="right")
    comms = sorted({k for p in r.periods for k, x in p.delivered_before.items() if x > 1e-9})
    for k in comms:
        t.add_column(header(f"{k} delivered", r.units.commodity(k)), justify="right")
    res = list(r.periods[0].budget) if r.periods else []
    for k in res:
        t.add_column(_resource_title(r, k, " spent / budget" + (" (carried)" if r.carry_over
                                                                 else "")), justify="right")
    for p in r.periods:
        uk = {k: r.units.commodity(k) for k in comms}
        t.add_row(p.period, number(p.weight, 4), amount(p.value_before, v, 4),
                  amount(p.value_after, v, 4), pct(p.reduction),
                  *[f"{amount(p.delivered_before.get(k, 0.0), uk[k])} → "
                    f"{amount(p.delivered_after.get(k, 0.0), uk[k])}" for k in comms],
                  *[f"{number(p.spend[k], 6)} / {number(p.budget[k], 6)}"
                    + (f" ({number(p.carried[k], 6)})" if k in p.carried else "")
                    for k in res])
    return t


def _static_lines(best: HorizonResult, static: HorizonResult) -> str:
    diff = static.objective_after - best.objective_after
    rel = diff / static.objective_after if static.objective_after > 0 else 0.0
    v, total = best.units.value, best.total_unit
    per = ", ".join(f"{a.period} {amount(b.value_after, v, 4)} vs {amount(a.value_after, v, 4)}"
                    for a, b in zip(static.periods, best.periods))
    return (f"Versus    the best one-{best.unit} plan repeated every {best.unit} "
            f"({', '.join(sorted({s.action for s in static.schedule})) or 'no action'}), "
            f"certified on the same horizon: {quantity(static.objective_after, total)}; the "
            f"schedule leaves the smuggler {quantity(diff, total)} less ({pct(rel)}). Per "
            f"{best.unit} (schedule vs repeated plan, {v.name}): {per}")


def render_horizon_target(t: Any, *, width: int = 120) -> str:
    """``interdict target --horizon`` (``planning.horizon_target.HorizonTarget``): the
    cheapest budget, its proof, and the certified optimal schedule at that budget."""
    v, b = t.value_unit, t.budget_unit
    where = "over the horizon" if t.resource.endswith("@total") else "in every period"
    head = (f"Target    discounted value reduced by {pct(t.reduction)}: at most "
            f"{quantity(t.limit, v)} (no action: {quantity(t.reference, v)})\n")
    if not t.reached:
        if t.optimal:
            return head + (f"Result    NOT REACHABLE: no schedule within the other budgets "
                           f"reaches it, whatever the {t.resource} budget {where}\n")
        return head + (f"Result    not settled: the solver stopped before finding a schedule "
                       f"that reaches it (bound on the {t.resource} budget: "
                       f"{quantity(t.bound, b)})\n")
    proof = "proven cheapest" if t.optimal else "not proven cheapest: the solver stopped"
    return head + (f"Budget    {t.resource} = {quantity(t.budget, b)} {where} ({proof}; bound "
                   f"{quantity(t.bound, b)})\n"
                   f"The optimal schedule at that budget:\n") + render_horizon(t.schedule,
                                                                               width=width)


def render_horizon_frontier(f: Any, *, width: int = 120) -> str:
    """``interdict frontier --horizon`` (``planning.horizon_target.HorizonFrontier``): each
    step's budget range, value and schedule."""
    buf = io.StringIO()
    con = _console(buf, width)
    where = "over the horizon" if f.resource.endswith("@total") else "in every period"
    con.print(f"Frontier  discounted smuggler's value as the {f.resource} budget {where} grows "
              f"from {quantity(f.lo, f.budget_unit)} to {quantity(f.hi, f.budget_unit)}: "
              f"{len(f.steps)} step(s), "
              + ("each step proven (the cheapest budget for a better value, and the optimal "
                 "schedule at it)" if f.proven else "NOT every step proven (a solver stopped)"))
    table = Table(title=None)
    for name in (header("budget from", f.budget_unit), "to",
                 header("value", f.value_unit), "status", "schedule (action@start: level)"):
        table.add_column(name, justify="left" if name.startswith(("status", "schedule"))
                         else "right")
    for k, (budget, r) in enumerate(f.steps):
        upto = f.steps[k + 1][0] if k + 1 < len(f.steps) else f.hi
        starts = ", ".join(f"{a}: {lv}" for a, lv in r.plan.levels) or "no action"
        table.add_row(amount(budget, f.budget_unit), amount(upto, f.budget_unit),
                      amount(r.objective_after, f.value_unit),
                      "optimal" if r.optimal else f"gap {_gap(r.gap)}", starts)
    con.print(table)
    return buf.getvalue()


def horizon_png(r: HorizonResult, path: str | Path, inst: Instance | None = None) -> None:
    """``horizon_figure`` as a PNG at ``path``."""
    _save(horizon_figure(r, inst), path)


def horizon_figure(r: HorizonResult, inst: Instance | None = None) -> Any:
    """The schedule as a Gantt chart (one bar per start, shaded by its strength in each
    period) above the smuggler's value per period before and after, and below it one panel
    per delivered commodity: its deliveries per period before and after, on an axis in its
    own unit (most harm first when ``inst`` weighs harm, else by id)."""
    plt = _plt()
    labels = list(r.labels)
    T = len(labels)
    rows = list(r.schedule)
    seen: dict[str, float] = {}
    for p in r.periods:
        for k, x in (*p.delivered_before.items(), *p.delivered_after.items()):
            seen[k] = max(seen.get(k, 0.0), x)
    comms = commodity_order(inst, seen)
    gantt = max(len(rows), 1) * 0.32 + 1.0
    fig, axes = plt.subplots(
        2 + len(comms), 1, figsize=(max(8.0, 1.2 * T + 5), gantt + 2.0 + 3.2 + 1.7 * len(comms)),
        sharex=True, squeeze=False,
        gridspec_kw={"height_ratios": [gantt, 3.2] + [1.5] * len(comms)})
    ax1, ax2 = axes[0][0], axes[1][0]
    for y, s in enumerate(rows):
        peak = max(1.0, *s.strength)  # strengths may exceed 1 (an effect that grows)
        for t, (v, lb) in enumerate(zip(s.strength, labels)):
            if lb in s.active or v > 0:
                ax1.barh(y, 0.92, left=t - 0.46, height=0.7, color="#1f4e79",
                         alpha=0.15 + 0.85 * min(1.0, v / peak), edgecolor="#1f4e79", lw=0.6)
                ax1.text(t, y, number(v, 2), ha="center", va="center", fontsize=7,
                         color="white" if v / peak > 0.5 else "black")
        ax1.plot(labels.index(s.start) - 0.46, y, marker=">", color="#c0392b", ms=6)
    ax1.set_yticks(range(len(rows)))
    ax1.set_yticklabels([f"{s.action} (level {s.level})" for s in rows], fontsize=8)
    ax1.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax1.set_xlim(-0.6, T - 0.4)
    ax1.set_ylabel("started action")
    ax1.set_title(f"Schedule over {T} {r.unit}s: {r.instance} (red: start; number and "
                  "shade: strength of the effects, 1 = the stated effect)", fontsize=10)
    ax1.grid(axis="x", alpha=0.3)
    xs = list(range(T))
    factor, vlabel = axis([p.value_before for p in r.periods], r.units.value)
    ax2.plot(xs, [p.value_before / factor for p in r.periods], "o--", color="#7f7f7f",
             label="no action")
    ax2.plot(xs, [p.value_after / factor for p in r.periods], "o-", color="#1f4e79", lw=2,
             label="with the schedule")
    ax2.set_ylabel(f"smuggler's value per {r.unit}\n({vlabel})")
    _ticks(ax2)
    ax2.set_ylim(bottom=0)
    ax2.grid(alpha=0.3)
    ax2.legend(loc="lower left", fontsize=8)
    _commodity_panels([a[0] for a in axes[2:]], comms, xs,
                      {k: [p.delivered_after.get(k, 0.0) for p in r.periods] for k in comms},
                      r.units, steps=False, label="with the schedule",
                      before={k: [p.delivered_before.get(k, 0.0) for p in r.periods]
                              for k in comms})
    for a in axes[2:]:
        a[0].set_ylabel(a[0].get_ylabel().replace("\n", f" delivered per {r.unit}\n", 1),
                        fontsize=8)
    last = axes[-1][0]
    last.set_xlabel(f"period ({r.unit})")
    last.set_xticks(xs)
    last.set_xticklabels(labels)
    return fig


__all__ = ["horizon_figure", "horizon_png", "render_horizon", "render_horizon_frontier",
           "render_horizon_target"]
