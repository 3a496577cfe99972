"""PNG pictures of frontiers and sweeps (matplotlib, Agg backend: no display needed).

Top panel: the smuggler's optimal value against the budget (a step function for an exact
frontier, with its breakpoints marked; points joined for a sweep). Bottom panel: units
delivered per commodity against the budget.
"""

from __future__ import annotations

from pathlib import Path


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    # names come from the instance: "$…$" in an id is text, not mathtext
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    return plt


def frontier_png(f, path: str | Path) -> None:
    """The exact frontier ``f`` (``frontier.Frontier``) as a PNG at ``path``."""
    plt = _plt()
    xs, vs = [], []
    for s in f.steps:
        xs += [s.start, s.end]
        vs += [s.optimal_value, s.optimal_value]
    comms = sorted({k for s in f.steps for k, v in s.point.delivered.items() if v > 0}
                   | {k for k, v in f.delivered_before.items() if v > 0})
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    ax1.plot(xs, vs, color="#1f4e79", lw=2, label="optimal smuggler value")
    bps = f.breakpoints
    ax1.plot(bps, [f.value_at(b) for b in bps], "o", color="#c0392b", ms=4,
             label=f"breakpoints ({len(bps)})")
    for b in bps:
        ax1.axvline(b, color="#c0392b", lw=0.4, alpha=0.35)
    ax1.set_ylabel("smuggler's value")
    ax1.set_title(f"Exact frontier: {f.instance}, budget of {f.resource}")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper right")
    for k in comms:
        ys = []
        for s in f.steps:
            ys += [s.point.delivered.get(k, 0.0)] * 2
        ax2.plot(xs, ys, lw=1.6, label=k)
    for b in bps:
        ax2.axvline(b, color="#c0392b", lw=0.4, alpha=0.35)
    ax2.set_xlabel(f"budget of {f.resource}")
    ax2.set_ylabel("units delivered")
    ax2.grid(alpha=0.3)
    if comms:
        ax2.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(str(path), format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)


def sweep_png(result, path: str | Path) -> None:
    """A sweep (``sweep.SweepResult``) as a PNG: one line per value of the second resource
    when the sweep is a grid."""
    plt = _plt()
    r1 = result.resources[0]
    r2 = result.resources[1] if len(result.resources) > 1 else None
    lines: dict[float | None, list] = {}
    for p in result.points:
        lines.setdefault(p.budgets[r2] if r2 else None, []).append(p)
    comms = sorted({k for p in result.points for k, v in p.delivered.items() if v > 0}
                   | {k for k, v in result.delivered_before.items() if v > 0})
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    for key, pts in sorted(lines.items(), key=lambda kv: (kv[0] is None, kv[0])):
        pts = sorted(pts, key=lambda p: p.budgets[r1])
        label = "optimal smuggler value" if key is None else f"{r2} = {key:g}"
        ax1.plot([p.budgets[r1] for p in pts], [p.value for p in pts], "o-", ms=3, lw=1.5,
                 label=label)
        # where the plan changes between neighbouring points
        for a, b in zip(pts, pts[1:]):
            if a.plan != b.plan:
                ax1.axvline(b.budgets[r1], color="#c0392b", lw=0.4, alpha=0.25)
    ax1.set_ylabel("smuggler's value")
    ax1.set_title(f"Sweep: {result.instance}, budget of {r1}"
                  + (f" (lines: {r2})" if r2 else "") + " — red: the plan changes")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper right", fontsize=8)
    first = sorted(lines.items(), key=lambda kv: (kv[0] is None, kv[0]))[-1][1]
    first = sorted(first, key=lambda p: p.budgets[r1])
    for k in comms:
        ax2.plot([p.budgets[r1] for p in first], [p.delivered.get(k, 0.0) for p in first],
                 "o-", ms=2, lw=1.4, label=k)
    ax2.set_xlabel(f"budget of {r1}")
    ax2.set_ylabel("units delivered" + (f" ({r2} = {first[0].budgets[r2]:g})" if r2 else ""))
    ax2.grid(alpha=0.3)
    if comms:
        ax2.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(str(path), format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
