"""PNG pictures of frontiers and sweeps (matplotlib, Agg backend: no display needed).

Top panel: the smuggler's optimal value against the budget, on an axis in the instance's
value unit with a scale word (``US$ billion per year``): a step function for an exact
frontier with its breakpoints marked, points joined for a sweep with the points where the
plan changes marked (and only those). Below: one panel per delivered commodity, each on
its own axis in its own unit (kg of heroin, kg of fentanyl and thousands of pills on one
axis would make the smallest a flat line), most harm first when the instance weighs harm.
No e-notation anywhere: tick labels come from ``report.units.number``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..instance.model import Instance
from ..instance.units import BARE_UNITS, Units
from .units import axis, number

CHANGE = "#c0392b"
SAME = "#95a5a6"
LINE = "#1f4e79"


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    # names come from the instance: "$…$" in an id is text, not mathtext
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    return plt


def _ticks(ax: Any) -> None:
    """Tick labels through the one number formatter (no offset text, no e-notation)."""
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, 4)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, 4)))


def commodity_order(inst: Instance | None, delivered: Mapping[str, float]) -> list[str]:
    """Delivered commodities, most harm first (the commodity's harm per unit × units
    delivered with no action), then by id."""
    harm = {c.id: c.harm for c in inst.commodities} if inst is not None else {}
    shown = [k for k, v in delivered.items() if v > 0]
    return sorted(shown, key=lambda k: (-harm.get(k, 0.0) * delivered[k], k))


def _figure(n_comms: int):
    plt = _plt()
    rows = 1 + n_comms
    fig, axes = plt.subplots(rows, 1, figsize=(9, 3.6 + 1.7 * n_comms), sharex=True,
                             gridspec_kw={"height_ratios": [3] + [1.5] * n_comms},
                             squeeze=False)
    return fig, [a[0] for a in axes]


def _commodity_panels(axes: Sequence[Any], comms: Sequence[str], xs: Sequence[float],
                      series: Mapping[str, Sequence[float]], units: Units, *,
                      steps: bool, before: Mapping[str, Sequence[float]] | None = None,
                      label: str | None = None) -> None:
    """One panel per commodity: ``series[k]`` against ``xs`` on an axis in k's unit;
    ``before``: also the deliveries with no action (dashed grey), on the same axis;
    ``label``: the legend entry of ``series`` (with ``before``)."""
    for ax, k in zip(axes, comms):
        was = list(before[k]) if before is not None else []
        factor, unit = axis(list(series[k]) + was, units.commodity(k))
        ys = [y / factor for y in series[k]]
        if was:
            ax.plot(xs, [y / factor for y in was], "o--", ms=2.5, lw=1.2, color=SAME,
                    label="no action")
        if steps:
            ax.plot(xs, ys, lw=1.6, color="#7d3c98", label=label)
        else:
            ax.plot(xs, ys, "o-", ms=2.5, lw=1.4, color="#7d3c98", label=label)
        ax.set_ylabel(f"{k}\n({unit})", fontsize=8)
        ax.set_ylim(bottom=0, top=max(ys + [y / factor for y in was] + [0.0]) * 1.12 or 1.0)
        ax.grid(alpha=0.3)
        if was:
            ax.legend(loc="best", fontsize=7)
        _ticks(ax)


def _save(fig: Any, path: str | Path) -> None:
    plt = _plt()
    fig.tight_layout()
    fig.savefig(str(path), format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)


def frontier_png(f, path: str | Path, inst: Instance | None = None) -> None:
    """The exact frontier ``f`` (``frontier.Frontier``) as a PNG at ``path``; ``inst``
    gives the units and the harm order (module docstring)."""
    _save(frontier_figure(f, inst), path)


def sweep_png(result, path: str | Path, inst: Instance | None = None) -> None:
    """A sweep (``sweep.SweepResult``) as a PNG at ``path`` (``sweep_figure``)."""
    _save(sweep_figure(result, inst), path)


def frontier_figure(f, inst: Instance | None = None) -> Any:
    """The matplotlib figure of an exact frontier (module docstring)."""
    units = Units.of(inst) if inst is not None else BARE_UNITS
    xs, vs = [], []
    for s in f.steps:
        xs += [s.start, s.end]
        vs += [s.optimal_value, s.optimal_value]
    seen = dict(f.delivered_before)
    for s in f.steps:
        for k, v in s.point.delivered.items():
            seen[k] = max(seen.get(k, 0.0), v)
    comms = commodity_order(inst, seen)
    fig, axes = _figure(len(comms))
    ax1 = axes[0]
    factor, label = axis(vs, units.value)
    ax1.plot(xs, [v / factor for v in vs], color=LINE, lw=2, label="optimal smuggler's value")
    bps = f.breakpoints
    ax1.plot(bps, [f.value_at(b) / factor for b in bps], "o", color=CHANGE, ms=4,
             label=f"the plan changes here ({len(bps)} breakpoints)")
    ax1.set_ylabel(f"smuggler's value\n({label})")
    ax1.set_title(f"Exact frontier: {f.instance}, budget of {f.resource}")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper right", fontsize=8)
    _ticks(ax1)
    series = {k: [y for s in f.steps for y in [s.point.delivered.get(k, 0.0)] * 2]
              for k in comms}
    _commodity_panels(axes[1:], comms, xs, series, units, steps=True)
    ru = units.resource(f.resource)
    axes[-1].set_xlabel(f"budget of {f.resource}" + (f" ({ru.label})" if ru.label else ""))
    return fig


def sweep_figure(result, inst: Instance | None = None) -> Any:
    """The matplotlib figure of a sweep (``sweep.SweepResult``): one value line per value of
    the second resource when the sweep is a grid; commodity panels along the last of those
    lines."""
    units = Units.of(inst) if inst is not None else BARE_UNITS
    r1 = result.resources[0]
    r2 = result.resources[1] if len(result.resources) > 1 else None
    lines: dict[float | None, list] = {}
    for p in result.points:
        lines.setdefault(p.budgets[r2] if r2 else None, []).append(p)
    ordered = sorted(lines.items(), key=lambda kv: (kv[0] is None, kv[0]))
    seen = dict(result.delivered_before)
    for p in result.points:
        for k, v in p.delivered.items():
            seen[k] = max(seen.get(k, 0.0), v)
    comms = commodity_order(inst, seen)
    fig, axes = _figure(len(comms))
    ax1 = axes[0]
    factor, label = axis([p.value for p in result.points], units.value)
    changes = 0
    for key, pts in ordered:
        pts = sorted(pts, key=lambda p: p.budgets[r1])
        xs = [p.budgets[r1] for p in pts]
        ax1.plot(xs, [p.value / factor for p in pts], "-", lw=1.5,
                 label="optimal smuggler's value" if key is None else f"{r2} = {number(key)}")
        changed = [i for i in range(1, len(pts)) if pts[i].plan != pts[i - 1].plan]
        same = [i for i in range(len(pts)) if i not in changed]
        changes += len(changed)
        ax1.plot([xs[i] for i in same], [pts[i].value / factor for i in same], "o", ms=3.5,
                 color=SAME, zorder=3)
        ax1.plot([xs[i] for i in changed], [pts[i].value / factor for i in changed], "o",
                 ms=5, color=CHANGE, zorder=4)
    ax1.plot([], [], "o", color=CHANGE, ms=5,
             label=f"the plan changes from the point before ({changes})")
    ax1.plot([], [], "o", color=SAME, ms=3.5, label="same plan as the point before (or first)")
    ax1.set_ylabel(f"smuggler's value\n({label})")
    ax1.set_title(f"Sweep: {result.instance}, budget of {r1}" + (f" (lines: {r2})" if r2 else ""))
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper right", fontsize=8)
    _ticks(ax1)
    last = sorted(ordered[-1][1], key=lambda p: p.budgets[r1])
    series = {k: [p.delivered.get(k, 0.0) for p in last] for k in comms}
    _commodity_panels(axes[1:], comms, [p.budgets[r1] for p in last], series, units,
                      steps=False)
    if r2 and comms:
        axes[1].set_title(f"delivered per commodity ({r2} = {number(last[0].budgets[r2])})",
                          fontsize=9)
    elif comms:
        axes[1].set_title("delivered per commodity (each on its own scale)", fontsize=9)
    ru = units.resource(r1)
    axes[-1].set_xlabel(f"budget of {r1}" + (f" ({ru.label})" if ru.label else ""))
    return fig
