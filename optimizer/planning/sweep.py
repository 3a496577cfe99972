"""Budget sweeps: the certified optimal plan at every point of a grid of budgets.

A sweep varies one resource (a range or an explicit list of values) or two (the grid of
both lists); every other budget stays at the instance's value (or ``--budget``).

Points are solved in *chains*: along the first resource, ``chain`` consecutive points at
a time, in increasing order, each solve handed the previous point's plan as its starting
solution (it stays within the larger budget). Every point is one task: when it finishes,
it is stored and the next point of its chain is submitted with its plan as the start, so
chains run side by side on the executor and an interruption loses at most the points in
flight. Chains are fixed by the sweep itself, never by the executor, so a pool, a Dask
cluster or a serial run solve exactly the same points from the same starts and give
identical results; an interrupted sweep resumes a chain from its last stored point with
that point's plan as the start, which again gives identical results.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..compile.network import Plan
from ..errors import UsageError
from ..instance.units import BARE_UNITS, Unit, Units
from ..parallel import Executor, SerialExecutor, drive
from ..report.units import FRACTION, csv_header
from .points import PointResult, budget_key
from .session import PlanningSession
from .store import _restore, recording
from .tasks import SessionSpec, task_call


@dataclass(frozen=True)
class Axis:
    """One swept resource and its values (sorted, distinct, ≥ 0)."""

    resource: str
    values: tuple[float, ...]

    @staticmethod
    def range(resource: str, start: float, stop: float, step: float) -> "Axis":
        """start, start + step, … up to stop (inclusive when stop is on the grid,
        up to 1e-9 of a step)."""
        if not (step > 0) or not math.isfinite(step):
            raise UsageError(f"--step must be > 0, got {step:g}")
        if not (0 <= start <= stop) or not math.isfinite(stop):
            raise UsageError(f"need 0 ≤ --from ≤ --to, got from {start:g} to {stop:g}")
        n = int(math.floor((stop - start) / step + 1e-9))
        if n + 1 > 100_000:
            raise UsageError(f"the range has {n + 1} points; use a larger --step")
        return Axis(resource, tuple(_clean(start + i * step) for i in range(n + 1)))

    @staticmethod
    def of(resource: str, values: Sequence[float]) -> "Axis":
        vals = sorted({_clean(float(v)) for v in values})
        if not vals:
            raise UsageError(f"no values given for '{resource}'")
        bad = [v for v in vals if not (v >= 0) or not math.isfinite(v)]
        if bad:
            raise UsageError(f"budgets of '{resource}' must be finite and ≥ 0, got {bad[0]:g}")
        return Axis(resource, tuple(vals))


def _clean(v: float) -> float:
    """Round away binary noise (0.1 + 0.2) so that budgets print and compare as typed."""
    return float(f"{v:.12g}")


@dataclass(frozen=True)
class SweepSpec:
    """The grid of a sweep: one axis, or two (the first varies fastest)."""

    axes: tuple[Axis, ...]
    chain: int = 3  # points per warm-started chain
    warm: bool = True  # hand each point the previous plan of its chain

    @staticmethod
    def range(resource: str, start: float, stop: float, step: float, **kw) -> "SweepSpec":
        return SweepSpec((Axis.range(resource, start, stop, step),), **kw)

    @staticmethod
    def values(resource: str, values: Sequence[float], **kw) -> "SweepSpec":
        return SweepSpec((Axis.of(resource, values),), **kw)

    def __post_init__(self) -> None:
        if not 1 <= len(self.axes) <= 2:
            raise UsageError("a sweep has one or two resources")
        if len(self.axes) == 2 and self.axes[0].resource == self.axes[1].resource:
            raise UsageError("a grid needs two different resources")
        if self.chain < 1:
            raise UsageError("chain length must be ≥ 1")

    def points(self) -> list[dict[str, float]]:
        """Every budget vector of the grid (only the swept resources), in sweep order."""
        first = self.axes[0]
        if len(self.axes) == 1:
            return [{first.resource: v} for v in first.values]
        second = self.axes[1]
        return [{first.resource: v1, second.resource: v2}
                for v2 in second.values for v1 in first.values]

    def chains(self) -> list[list[int]]:
        """Indices of ``points()`` solved as one warm-started chain each."""
        n1 = len(self.axes[0].values)
        lines = len(self.points()) // n1
        out = []
        for line in range(lines):
            idx = list(range(line * n1, (line + 1) * n1))
            out += [idx[i:i + self.chain] for i in range(0, n1, self.chain)]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"axes": [{"resource": a.resource, "values": list(a.values)} for a in self.axes],
                "chain": self.chain, "warm": self.warm}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "SweepSpec":
        return SweepSpec(tuple(Axis(a["resource"], tuple(a["values"])) for a in d["axes"]),
                         chain=int(d["chain"]), warm=bool(d["warm"]))


@dataclass(frozen=True)
class PointTask:
    """Solve one point, started from ``start`` (the plan of the point before it in its
    chain, or None)."""

    budgets: tuple[tuple[str, float], ...]
    start: tuple[tuple[str, int], ...] | None

    def run(self, session: PlanningSession) -> PointResult:
        return session.solve(dict(self.budgets),
                             start=None if self.start is None else Plan.of(self.start))


@dataclass
class SweepResult:
    """Every point of a sweep (sweep order) and how the run went."""

    instance: str
    instance_path: str
    spec: SweepSpec
    base_budgets: dict[str, float]
    value_before: float
    delivered_before: dict[str, float]
    points: list[PointResult]
    run_id: int | None = None
    solved: int = 0  # points solved in this call
    reused: int = 0  # points read back from the store
    seconds: float = 0.0
    executor: str = "serial"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> list[str]:
        return [a.resource for a in self.spec.axes]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "sweep", "instance": self.instance, "instance_path": self.instance_path,
                "spec": self.spec.to_dict(), "base_budgets": self.base_budgets,
                "value_before": self.value_before, "delivered_before": self.delivered_before,
                "run_id": self.run_id, "solved": self.solved, "reused": self.reused,
                "seconds": self.seconds, "executor": self.executor, "options": self.options,
                "points": [p.to_dict() for p in self.points]}

    def to_frames(self):
        """One pandas DataFrame, a row per point (``results.frames.sweep_frame``; needs the
        optional dependency pandas)."""
        from ..results.frames import sweep_frame

        return sweep_frame(self)

    def to_json(self) -> str:
        from ..results.types import _clean as clean

        return json.dumps(clean(self.to_dict()), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per point (the table and the CSV)."""
        resources = list(self.base_budgets)
        comms = sorted({k for p in self.points for k in p.delivered})
        out = []
        for p in self.points:
            row: dict[str, Any] = {}
            for r in resources:
                row[f"budget_{r}"] = p.budgets[r]
            row["value"] = p.value
            row["reduction"] = (1 - p.value / self.value_before) if self.value_before > 0 else 0.0
            row["bound"] = p.bound
            row["gap"] = p.gap
            row["optimal"] = p.optimal
            for r in resources:
                row[f"spend_{r}"] = p.spend[r]
            for k in comms:
                row[f"delivered_{k}"] = p.delivered.get(k, 0.0)
            row["plan"] = ";".join(f"{a}@{lv}" for a, lv in sorted(p.plan.items()))
            out.append(row)  # timings are in the JSON: the CSV is the same for the same input
        return out

    def column_units(self, units: Units) -> dict[str, Unit]:
        """The unit of each numeric column of ``rows`` (numbers in the file's own units):
        budgets and spends in their resource's, the value and bound in the value's,
        deliveries in their commodity's; reduction and gap are fractions."""
        out: dict[str, Unit] = {"value": units.value, "bound": units.value,
                                "reduction": FRACTION, "gap": FRACTION}
        for r in self.base_budgets:
            out[f"budget_{r}"] = out[f"spend_{r}"] = units.resource(r)
        for p in self.points:
            out.update((f"delivered_{k}", units.commodity(k)) for k in p.delivered)
        return out

    def to_csv(self, units: Units = BARE_UNITS) -> str:
        """One row per point (``rows``), each numeric column's header naming its unit
        (``value (US$ thousand)``); the columns in the order of ``rows``."""
        rows = self.rows()
        buf = io.StringIO()
        if rows:
            cols = list(rows[0])
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(csv_header(cols, self.column_units(units)))
            for row in rows:
                w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v
                            for v in row.values()])
        return buf.getvalue()


ProgressFn = Callable[[int, int, PointResult | None], None]


def run_sweep(source, sweep: SweepSpec, *, budgets: Mapping[str, float] | None = None,
              options=None, executor: Executor | None = None, store=None,
              fresh: bool = False, progress: ProgressFn | None = None,
              on_point: Callable[[PointResult], None] | None = None) -> SweepResult:
    """Solve every point of ``sweep`` (see the module docstring), certify each plan.

    ``store`` (a ``store.RunStore``) records the run and every point as soon as it is
    solved; an unfinished run with the same key is resumed (points already stored are read
    back, not solved again) unless ``fresh``. ``progress(done, total, point)`` is called
    after each point; ``on_point(point)`` after each newly solved point is stored.
    """
    from ..pipeline import as_problem
    from .session import planning_options

    t0 = time.perf_counter()
    problem = as_problem(source, budgets)
    net = problem.net
    inst = problem.instance
    for a in sweep.axes:
        if a.resource not in net.resource_ids:
            raise UsageError(f"unknown resource '{a.resource}'; this instance has "
                             f"{net.resource_ids}")
    opts = planning_options(options)
    spec = SessionSpec(inst, {r: float(b) for r, b in zip(net.resource_ids, net.budgets)}, opts)
    points = sweep.points()
    keys = [budget_key({**spec.budgets, **p}) for p in points]
    executor = executor or SerialExecutor()

    with recording(store, "sweep", spec, {"sweep": sweep.to_dict()}, fresh=fresh) as run:
        results: dict[str, PointResult] = {
            k: PointResult.from_dict(_restore(run.get(k))) for k in keys if k in run}
        if progress:
            progress(len(results), len(points), None)

        def call(i: int, start: tuple | None):
            task = PointTask(tuple(sorted({**spec.budgets, **points[i]}.items())), start)
            return task_call(executor, spec, task)

        def then(tag: tuple[list[int], int], res: PointResult):
            chain, pos = tag
            if res.key not in results:
                results[res.key] = res
                run.put(res.key, res.to_dict())
                if on_point:
                    on_point(res)
                if progress:
                    progress(len(results), len(points), res)
            if pos + 1 < len(chain):  # the next point of the chain, started from this plan
                nxt = tuple(sorted(res.plan.items())) if sweep.warm else None
                return (chain, pos + 1), call(chain[pos + 1], nxt)
            return None

        first = [((chain, 0), call(chain[0], start))
                 for chain, start in _chains_to_do(sweep, points, keys, results)]
        drive(executor, first, then)
        solved = run.added
        from ..certify.response import solve_smuggler
        from ..results.types import Response

        sols = [solve_smuggler(sc.net, None, opts) for sc in problem.scenarios]
        value_before = problem.combine([s.value for s in sols])
        resp = Response.expected([(sc.probability, Response.from_solution(sc.net, s,
                                                                          max_routes=1))
                                  for sc, s in zip(problem.scenarios, sols)])
        result = SweepResult(
            instance=inst.name, instance_path=inst.path, spec=sweep, base_budgets=spec.budgets,
            value_before=float(value_before),
            delivered_before={k: float(v) for k, v in sorted(resp.delivered_by_commodity.items())},
            points=[results[k] for k in keys], run_id=run.id, solved=solved,
            reused=len(points) - solved, seconds=time.perf_counter() - t0,
            executor=getattr(executor, "name", "custom"), options=opts.to_dict())
        run.done(result.to_dict())
    return result


def _chains_to_do(sweep: SweepSpec, points: list[dict[str, float]], keys: list[str],
                  results: Mapping[str, PointResult]) -> list[tuple[list[int], tuple | None]]:
    """Chains still to solve: (point indices left, start plan of the first), costliest
    first (largest budgets) so a pool finishes sooner; results do not depend on the order.
    A chain is stored in order, so what follows its last stored point is missing; it
    resumes from that point's plan."""
    todo: list[tuple[list[int], tuple | None]] = []
    for chain in sweep.chains():
        missing = [i for i in chain if keys[i] not in results]
        if not missing:
            continue
        pos = chain.index(missing[0])
        start = None
        if pos > 0 and sweep.warm:
            start = tuple(sorted(results[keys[chain[pos - 1]]].plan.items()))
        todo.append((chain[pos:], start))
    todo.sort(key=lambda c: (-sum(sum(points[i].values()) for i in c[0]), c[0]))
    return todo
