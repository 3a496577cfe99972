"""Budget sweeps over a horizon: the certified optimal schedule at every budget of a list.

The swept budget is a resource's budget in every period (``usd_m``), in one period
(``usd_m@2023``) or over the whole horizon (``usd_m@total``): ``HorizonProblem
.period_budgets``. Points are solved one after another, each a full horizon solve
(``pipeline.solve_horizon``: its own MILP, finished and certified like every solve); the
warm starts, executors and run store of one-period sweeps are not used here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..instance.model import Instance
from ..instance.units import Unit
from ..options import SolveOptions
from ..results.horizon import HorizonResult
from ..results.types import _clean


@dataclass(frozen=True)
class HorizonSweep:
    """The schedule at each budget of ``resource`` (in increasing order)."""

    instance: str
    resource: str
    points: tuple[tuple[float, HorizonResult], ...]

    @property
    def base_resource(self) -> str:
        """The resource's id without the period (``usd_m`` of ``usd_m@2023``): its unit's key."""
        return self.resource.split("@", 1)[0]

    def budget_unit(self) -> Unit:
        """The unit of the swept budget: the resource's, summed over the periods for
        ``@total``."""
        if not self.points:
            return Unit()
        r = self.points[0][1]
        unit = r.units.resource(self.base_resource)
        return r.summed(unit) if self.resource.endswith("@total") else unit

    def to_dict(self) -> dict[str, Any]:
        return _clean({"instance": self.instance, "resource": self.resource,
                       "points": [{"budget": b, **r.to_dict()} for b, r in self.points]})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One row per budget, each numeric column's header naming its unit (the swept
        budget's, the objective's — the value summed over the periods —, each period's
        value); the columns in a fixed order."""
        from ..report.units import FRACTION, csv_header

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        labels = self.points[0][1].labels if self.points else ()
        cols = [self.resource, "objective_before", "objective_after", "bound", "gap",
                "optimal", "schedule", *[f"value_after_{lb}" for lb in labels]]
        units: dict[str, Unit] = {}
        if self.points:
            r = self.points[0][1]
            units = {self.resource: self.budget_unit(), "objective_before": r.total_unit,
                     "objective_after": r.total_unit, "bound": r.total_unit, "gap": FRACTION,
                     **{f"value_after_{lb}": r.units.value for lb in labels}}
        w.writerow(csv_header(cols, units))
        for b, r in self.points:
            w.writerow([f"{b:g}", f"{r.objective_before:.10g}", f"{r.objective_after:.10g}",
                        "" if r.bound is None else f"{r.bound:.10g}",
                        "" if r.gap is None else f"{r.gap:.6g}", r.optimal,
                        " ".join(f"{k}:{v}" for k, v in r.plan.as_dict().items()),
                        *[f"{p.value_after:.10g}" for p in r.periods]])
        return buf.getvalue()


def sweep_horizon(inst: Instance, resource: str, values: Sequence[float],
                  options: SolveOptions | None = None,
                  progress: Callable[[int, int], None] | None = None) -> HorizonSweep:
    """Solve the horizon at every budget in ``values`` of ``resource`` (see the module
    docstring for the names)."""
    from ..pipeline import solve_horizon

    points = []
    for i, v in enumerate(sorted(values)):
        points.append((float(v), solve_horizon(inst, options, budgets={resource: float(v)})))
        if progress is not None:
            progress(i + 1, len(values))
    return HorizonSweep(inst.name, resource, tuple(points))


def render_horizon_sweep(s: HorizonSweep) -> str:
    """One line per budget: the discounted value before and after, the gap, the starts."""
    from ..report.units import pct, quantity

    lines = [f"Horizon sweep of {s.resource} ({s.instance}): discounted smuggler's value "
             "over the horizon, each schedule certified"]
    for b, r in s.points:
        starts = ", ".join(f"{x.action}@{x.level} {x.start}" for x in r.schedule) or "no action"
        status = "optimal" if r.optimal else f"gap {r.gap:.2%}" if r.gap is not None else "?"
        v = r.total_unit
        lines.append(f"  {s.resource} = {quantity(b, s.budget_unit())}: "
                     f"{quantity(r.objective_before, v)} → {quantity(r.objective_after, v)} "
                     f"({pct(r.reduction)} less; {status}); {starts}")
    return "\n".join(lines) + "\n"


def horizon_sweep_png(s: HorizonSweep, path: str | Path) -> None:
    """``horizon_sweep_figure`` as a PNG at ``path``."""
    from ..report.plots import _save

    _save(horizon_sweep_figure(s), path)


def horizon_sweep_figure(s: HorizonSweep) -> Any:
    """The discounted value after the schedule against the swept budget, both in units."""
    from ..report.plots import _plt, _ticks
    from ..report.units import axis

    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    values = [r.objective_after for _, r in s.points]
    factor, label = axis(values, s.points[0][1].total_unit if s.points else None)
    ax.plot([b for b, _ in s.points], [x / factor for x in values], "o-",
            color="#1f4e79", label="optimal schedule")
    ru = s.budget_unit().label
    ax.set_xlabel(f"budget {s.resource}" + (f" ({ru})" if ru else ""))
    ax.set_ylabel(f"discounted smuggler's value over the horizon\n({label})")
    _ticks(ax)
    ax.set_title(f"Horizon sweep: {s.instance}")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig
