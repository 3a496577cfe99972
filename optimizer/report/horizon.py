"""A horizon solve as text (tables) and as a picture (a Gantt chart above the value per
period)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..results.horizon import HorizonResult
from .plots import _plt
from .text import _fmt, _pct, status_text


def render_horizon(result: HorizonResult, *, width: int = 120,
                   static: HorizonResult | None = None) -> str:
    """The summary ``interdict solve --horizon`` prints; ``static``: the best one-period
    plan repeated, evaluated on the same horizon, for comparison."""
    buf = io.StringIO()
    con = Console(markup=False, file=buf, width=width, force_terminal=False, color_system=None,
                  highlight=False, emoji=False)
    r = result
    labels = r.labels
    cert = r.certificate
    con.print(f"Instance  {r.instance}  ({r.instance_path})")
    con.print(f"Status    {status_text(r)}; termination {r.termination.value}; method {r.method}")
    con.print(f"Horizon   {len(labels)} {r.unit}s {labels[0]}–{labels[-1]}; discount "
              f"{r.discount:.2%} per {r.unit}; unspent money "
              f"{'carried over' if r.carry_over else 'lost at the end of each ' + r.unit}")
    risk = "" if r.risk == "expected" else f", {r.risk} over scenarios"
    con.print(f"Value     discounted smuggler's value over the horizon{risk} "
              f"{_fmt(r.objective_before)} before → {_fmt(r.objective_after)} after the "
              f"schedule ({r.reduction:.1%} less)")
    con.print(f"Bound     proven lower bound {_fmt(r.bound)}; gap {_pct(r.gap)}")
    con.print(f"Check     PASSED ({len(cert.checks)} checks): every period's smuggler LP "
              f"re-solved with the schedule fixed gives {_fmt(cert.plan_value, 10)} (MILP "
              f"{_fmt(cert.claimed_value, 10)}, tolerance {cert.tolerance:.1g})")
    for note in r.notes:
        con.print(f"Note      {note}")
    units = [f"{k}: {u}" for k, u in {**r.resource_units, **r.commodity_units}.items() if u]
    if units:
        con.print("Units     " + "; ".join(units) + "; values in the instance's value unit")
    con.print(_schedule_table(r))
    con.print(_period_table(r))
    if r.totals:
        con.print("Totals    " + "; ".join(
            f"{k} spent {_fmt(spent)} of {_fmt(lim)} over the horizon"
            for k, (lim, spent) in r.totals.items()))
    if static is not None:
        con.print(_static_lines(r, static))
    ms, tm = r.model_size, r.timings
    con.print(f"Model     {ms.get('columns', 0)} columns ({ms.get('integer_columns', 0)} binary), "
              f"{ms.get('rows', 0)} rows, {ms.get('nonzeros', 0)} nonzeros; "
              f"{r.node_count} branch-and-bound nodes")
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
        cells = [f"{v:.2g}" if v > 0 else ("·" if lb in s.active else "")
                 for v, lb in zip(s.strength, labels)]
        cost = "; ".join(f"{k} " + " ".join(_fmt(v) if v else "0" for v in vals)
                         for k, vals in s.cost.items())
        t.add_row(s.action + (" (repeatable)" if s.repeat else ""),
                  str(s.level), s.start, *cells, cost)
    if not r.schedule:
        t.add_row("(no action)", "", "", *["" for _ in labels], "")
    return t


def _period_table(r: HorizonResult) -> Table:
    t = Table(title=f"Per {r.unit}: smuggler's value and deliveries before → after "
                    "(expected over scenarios), spend of budget", title_justify="left")
    t.add_column("period")
    t.add_column("weight", justify="right")
    t.add_column("value before", justify="right")
    t.add_column("value after", justify="right")
    t.add_column("less", justify="right")
    comms = sorted({k for p in r.periods for k, v in p.delivered_before.items() if v > 1e-9})
    for k in comms:
        t.add_column(f"{k} delivered", justify="right")
    res = list(r.periods[0].budget) if r.periods else []
    for k in res:
        t.add_column(f"{k} spent / budget" + (" (carried)" if r.carry_over else ""),
                     justify="right")
    for p in r.periods:
        t.add_row(p.period, f"{p.weight:.4g}", _fmt(p.value_before), _fmt(p.value_after),
                  f"{p.reduction:.1%}",
                  *[f"{_fmt(p.delivered_before.get(k, 0.0))} → "
                    f"{_fmt(p.delivered_after.get(k, 0.0))}" for k in comms],
                  *[f"{_fmt(p.spend[k])} / {_fmt(p.budget[k])}"
                    + (f" ({_fmt(p.carried[k])})" if k in p.carried else "") for k in res])
    return t


def _static_lines(best: HorizonResult, static: HorizonResult) -> str:
    diff = static.objective_after - best.objective_after
    rel = diff / static.objective_after if static.objective_after > 0 else 0.0
    per = ", ".join(f"{a.period} {_fmt(b.value_after)} vs {_fmt(a.value_after)}"
                    for a, b in zip(static.periods, best.periods))
    return (f"Versus    the best one-{best.unit} plan repeated every {best.unit} "
            f"({', '.join(sorted({s.action for s in static.schedule})) or 'no action'}), "
            f"certified on the same horizon: {_fmt(static.objective_after)}; the schedule "
            f"leaves the smuggler {_fmt(diff)} less ({rel:.1%}). Per {best.unit} (schedule vs "
            f"repeated plan): {per}")


def horizon_png(r: HorizonResult, path: str | Path) -> None:
    """The schedule as a Gantt chart (one bar per start, shaded by its strength in each
    period) above the smuggler's value per period before and after."""
    plt = _plt()
    labels = list(r.labels)
    T = len(labels)
    rows = list(r.schedule)
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(max(8.0, 1.2 * T + 5), 3.0 + 0.32 * max(len(rows), 1) + 3.2),
        sharex=True, gridspec_kw={"height_ratios": [max(len(rows), 1) * 0.32 + 1.0, 3.2]})
    for y, s in enumerate(rows):
        peak = max(1.0, *s.strength)  # strengths may exceed 1 (an effect that grows)
        for t, (v, lb) in enumerate(zip(s.strength, labels)):
            if lb in s.active or v > 0:
                ax1.barh(y, 0.92, left=t - 0.46, height=0.7, color="#1f4e79",
                         alpha=0.15 + 0.85 * min(1.0, v / peak), edgecolor="#1f4e79", lw=0.6)
                ax1.text(t, y, f"{v:.2g}", ha="center", va="center", fontsize=7,
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
    ax2.plot(xs, [p.value_before for p in r.periods], "o--", color="#7f7f7f",
             label="no action")
    ax2.plot(xs, [p.value_after for p in r.periods], "o-", color="#1f4e79", lw=2,
             label="with the schedule")
    ax2.set_ylabel(f"smuggler's value per {r.unit}")
    ax2.set_xlabel(f"period ({r.unit})")
    ax2.set_xticks(xs)
    ax2.set_xticklabels(labels)
    ax2.set_ylim(bottom=0)
    ax2.grid(alpha=0.3)
    ax2.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(str(path), format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)


__all__ = ["horizon_png", "render_horizon"]
