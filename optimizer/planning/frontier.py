"""The exact frontier: every breakpoint of the optimal smuggler value as a function of one
resource's budget, with the plan on each segment.

With the other budgets fixed, v(B) = min { value(P) : plan P spends ≤ B of the resource }
is a non-increasing, right-continuous step function of B: it only drops at budgets equal
to the spend of some plan. A plan P of spend s and value v(B) holds the value on all of
[s, B]: v(B') ≤ value(P) for B' ≥ s, and ≥ v(B) by monotonicity. From the top of the range
down:

1. at budget B solve v(B) (the defender's MILP; certified, proven optimal, tidied); its
   plan P, of spend s ≤ B, is the plan of the step [s, B];
2. continue at B = s − δ (just below s). If v there is lower, s is the step's left end.
   If v is the same (P was not the cheapest plan of its value), solve the cheapest plan,
   in the resource, whose value is ≤ v (``cheapest``: the MILP with the value-cap row and
   the spend as objective); its spend c is the left end of the step (by the argument
   above) and its plan P_c the plan of the whole step, which replaces the step found at
   step 1; continue at c − δ;
3. until the range is covered.

So a step costs one MILP when the value solve's plan is the cheapest of its value, three
when it is not (the value solve, the one below it that finds the same value, the cheapest
plan); the steps are the same either way, and only a tie between plans of the same spend
and value can change the plan reported.

Tolerances, exactly: values closer than the session's value tolerance
(1e-6 · max(1, value with no action)) are one value; the cheapest spend is exact to
``cost_tol`` (absolute MIP gap, 1e-7 · max(1, largest possible spend)); δ = 1e-6 · max(1,
largest possible spend), so plans whose spends differ by less than δ are treated as
costing the same. Each step reports the exact spend of its plan (computed from the plan,
not read from the solver).

The range can be cut into ``pieces`` solved independently (on an executor) and joined;
the pieces are fixed by the caller, never by the executor, so results are identical. Each
piece is a chain of step tasks (one step: the two solves above), so a pool runs the pieces
side by side, every step is stored the moment it is certified, and an interrupted frontier
resumes each piece below its last stored step, with the results of an uninterrupted run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..compile.network import Plan
from ..errors import SolveError, UsageError
from ..instance.units import BARE_UNITS, Units
from .points import PointResult
from .session import PlanningSession


@dataclass(frozen=True)
class Step:
    """v(B) = ``optimal_value`` for B in [start, end) (end included at the top of the
    range); ``point`` is the segment's plan (the cheapest reaching that value) evaluated at
    budget ``start``."""

    start: float
    end: float
    optimal_value: float  # v at the top of the step, from a proven-optimal solve
    point: PointResult

    @property
    def value(self) -> float:
        return self.point.value

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "optimal_value": self.optimal_value,
                "point": self.point.to_dict()}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "Step":
        return Step(d["start"], d["end"], d["optimal_value"], PointResult.from_dict(d["point"]))


@dataclass
class Frontier:
    """The steps of v over [lo, hi], lowest budget first."""

    instance: str
    instance_path: str
    resource: str
    lo: float
    hi: float
    base_budgets: dict[str, float]
    value_before: float
    delivered_before: dict[str, float]
    steps: list[Step]
    tolerance: float
    delta: float
    pieces: int = 1
    solves: int = 0
    seconds: float = 0.0
    run_id: int | None = None
    executor: str = "serial"

    @property
    def breakpoints(self) -> list[float]:
        """Budgets inside (lo, hi] where the optimal value drops."""
        return [s.start for s in self.steps if s.start > self.lo]

    def step_at(self, budget: float) -> Step:
        for s in reversed(self.steps):
            if budget >= s.start - 1e-12:
                return s
        return self.steps[0]

    def value_at(self, budget: float) -> float:
        """v(budget) read off the frontier."""
        return self.step_at(budget).optimal_value

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "frontier", "instance": self.instance,
                "instance_path": self.instance_path, "resource": self.resource, "lo": self.lo,
                "hi": self.hi, "base_budgets": self.base_budgets,
                "value_before": self.value_before, "delivered_before": self.delivered_before,
                "breakpoints": self.breakpoints, "steps": [s.to_dict() for s in self.steps],
                "tolerance": self.tolerance, "delta": self.delta, "pieces": self.pieces,
                "solves": self.solves, "seconds": self.seconds, "run_id": self.run_id,
                "executor": self.executor}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def to_csv(self, units: Units = BARE_UNITS) -> str:
        """One row per step, each numeric column's header naming its unit (``start
        (US$ million per year)``, ``value (US$ thousand)``); the columns in a fixed order."""
        import csv
        import io

        from ..report.units import csv_header

        buf = io.StringIO()
        comms = sorted({k for s in self.steps for k in s.point.delivered})
        ru = units.resource(self.resource)
        col_units = {"start": ru, "end": ru, "value": units.value, "optimal_value": units.value,
                     **{f"spend_{r}": units.resource(r) for r in self.base_budgets},
                     **{f"delivered_{k}": units.commodity(k) for k in comms}}
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(csv_header(["start", "end", "value", "optimal_value",
                               *[f"spend_{r}" for r in self.base_budgets],
                               *[f"delivered_{k}" for k in comms], "plan"], col_units))
        for s in self.steps:
            w.writerow([repr(s.start), repr(s.end), repr(s.value), repr(s.optimal_value),
                        *[repr(s.point.spend[r]) for r in self.base_budgets],
                        *[repr(s.point.delivered.get(k, 0.0)) for k in comms],
                        ";".join(f"{a}@{lv}" for a, lv in sorted(s.point.plan.items()))])
        return buf.getvalue()


def frontier_delta(session: PlanningSession, resource: str) -> tuple[float, float]:
    """(δ, cost_tol) for ``resource`` (module docstring)."""
    big = max(1.0, session.max_spend(resource))
    return 1e-6 * big, 1e-7 * big


def frontier_step(session: PlanningSession, resource: str, B: float, end: float,
                  above: Mapping[str, Any] | None, budgets: Mapping[str, float] | None = None
                  ) -> tuple[dict[str, Any], bool]:
    """One step of the algorithm of the module docstring at budget ``B``: solve v(B); its
    plan starts the new step at its spend. ``end`` is where the new step ends (the start
    of the step above, or the top of the range); ``above`` is the step found just above
    (None at the top). Returns (step, extends): when v(B) equals the value of the step
    above (within the tolerances), that step reaches further down than its plan said, the
    cheapest plan reaching its value is solved for, and the returned step replaces it
    (same value and end, new start and plan)."""
    delta, cost_tol = frontier_delta(session, resource)
    at = {**dict(budgets or {}), resource: B}
    p = session.solve(at)
    if not p.optimal:
        raise SolveError(f"the frontier needs proven optimal solves; the solve at "
                         f"{resource}={B:g} stopped on {p.termination}")
    extends = above is not None and p.value <= above["optimal_value"] + session.tol
    if not extends:  # the solve's own plan holds v(B) down to its spend (module docstring)
        spend = p.spend[resource]
        point = session.point_of(Plan.of(p.plan), {**at, resource: spend}, optimal=True,
                                 termination="optimal", bound=None)
        return {"start": spend, "end": end, "optimal_value": p.value,
                "point": point.to_dict()}, False
    cap, end = above["optimal_value"], above["end"]  # type: ignore[index]
    c = session.cheapest(resource, cap, at, start=Plan.of(p.plan), cost_tol=cost_tol)
    if c is None:  # cannot happen: p's own plan reaches the cap
        raise SolveError(f"no plan reaches {cap:.10g} at {resource}={B:g}, although the "
                         "solve just found one")
    if not c.optimal:
        raise SolveError(f"the frontier needs proven optimal solves; the cheapest-plan "
                         f"solve below {resource}={B:g} stopped before proving its cost "
                         "(raise --time-limit)")
    point = session.point_of(c.plan, {**at, resource: c.cost}, optimal=True,
                             termination="optimal", bound=None)
    return {"start": c.cost, "end": end, "optimal_value": cap, "point": point.to_dict()}, extends


@dataclass(frozen=True)
class FrontierStepTask:
    """``frontier_step`` as a task; returns (step, extends, MILP solves it took)."""

    resource: str
    budget: float
    end: float
    above: tuple[float, float] | None  # (optimal value, end) of the step above
    budgets: tuple[tuple[str, float], ...] = ()

    def run(self, session: PlanningSession) -> tuple[dict[str, Any], bool, int]:
        before = session.solves
        above = None if self.above is None else {"optimal_value": self.above[0],
                                                 "end": self.above[1]}
        step, extends = frontier_step(session, self.resource, self.budget, self.end, above,
                                      dict(self.budgets))
        return step, extends, session.solves - before


@dataclass
class _Piece:
    """One piece [lo, hi] of the range, solved top down as a chain of step tasks; its
    steps so far, top first."""

    index: int
    lo: float
    hi: float
    steps: list[dict[str, Any]]

    def key(self, j: int) -> str:
        return f"piece {self.index:04d} step {j:06d}"

    def covered(self, delta: float) -> float:
        """How much of [lo, hi] the steps so far cover (all of it once the piece is
        done)."""
        if not self.steps:
            return 0.0
        start = self.steps[-1]["start"]
        return self.hi - self.lo if start < self.lo + delta else self.hi - start

    def next_task(self, resource: str, delta: float) -> FrontierStepTask | None:
        """The step below the last one, or None when the piece is covered."""
        if not self.steps:
            return FrontierStepTask(resource, self.hi, self.hi, None)
        last = self.steps[-1]
        if last["start"] < self.lo + delta:
            return None
        return FrontierStepTask(resource, last["start"] - delta, last["start"],
                                (last["optimal_value"], last["end"]))


def exact_frontier(source, resource: str, lo: float, hi: float, *,
                   budgets: Mapping[str, float] | None = None, options=None,
                   executor=None, pieces: int = 1, progress=None, store=None,
                   fresh: bool = False) -> Frontier:
    """Every breakpoint of v over [lo, hi] for ``resource`` (module docstring).

    ``source``: an instance (file, ``Instance``, ``CompiledNetwork``) or a
    ``PlanningSession``. The pieces run side by side on ``executor``, each a chain of step
    tasks; ``store`` (a ``RunStore``) keeps every step the moment it is certified, and a
    run with the same parameters resumes from its stored steps (unless ``fresh``).
    ``progress(steps found, budget covered, hi − lo)`` is called after each step: the
    budget covered is the part of the range whose optimal value is known (every step
    found covers its segment), so it moves with each step, not only with each piece."""
    from ..parallel import SerialExecutor, drive
    from .store import recording
    from .tasks import spec_of, task_call

    t0 = time.perf_counter()
    if not (0 <= lo < hi):
        raise UsageError(f"need 0 ≤ --from < --to, got {lo:g} and {hi:g}")
    if pieces < 1:
        raise UsageError("pieces must be ≥ 1")
    if isinstance(source, PlanningSession):
        session = source
        if budgets:
            raise UsageError("pass budgets to the PlanningSession instead")
    else:
        session = PlanningSession(source, options, budgets=budgets)
    if resource not in session.resource_ids:
        raise UsageError(f"unknown resource '{resource}'; this instance has "
                         f"{session.resource_ids}")
    executor = executor or SerialExecutor()
    spec = spec_of(session)
    delta = frontier_delta(session, resource)[0]
    width = (hi - lo) / pieces
    params = {"resource": resource, "lo": lo, "hi": hi, "pieces": pieces}
    with recording(store, "frontier", spec, params, fresh=fresh) as run:
        parts = []
        for i in range(pieces):
            part = _Piece(i, lo + i * width, hi if i == pieces - 1 else lo + (i + 1) * width, [])
            while part.key(len(part.steps)) in run:
                part.steps.append(run.get(part.key(len(part.steps))))
            parts.append(part)
        solves = 0

        def report() -> None:
            if progress:
                progress(sum(len(p.steps) for p in parts),
                         sum(p.covered(delta) for p in parts), hi - lo)

        def then(part: _Piece, out: tuple[dict[str, Any], bool, int]):
            nonlocal solves
            step, extends, n = out
            solves += n
            j = len(part.steps) - 1 if extends else len(part.steps)
            part.steps[j:] = [step]
            run.put(part.key(j), step)
            report()
            task = part.next_task(resource, delta)
            return None if task is None else (part, task_call(executor, spec, task))

        report()
        first = [(p, task_call(executor, spec, t)) for p in parts
                 if (t := p.next_task(resource, delta)) is not None]
        drive(executor, first, then)
        steps = _join([p.steps for p in parts], session.tol, lo, hi)
        resp = session.response(session.baseline, max_routes=1)
        result = Frontier(
            instance=session.instance.name, instance_path=session.instance.path,
            resource=resource, lo=lo, hi=hi, base_budgets=dict(session.base_budgets),
            value_before=session.value_before,
            delivered_before={k: float(v) for k, v in sorted(resp.delivered_by_commodity.items())},
            steps=steps, tolerance=session.tol, delta=delta, pieces=pieces, solves=solves,
            seconds=time.perf_counter() - t0, run_id=run.id,
            executor=getattr(executor, "name", "custom"))
        run.done(result.to_dict())
    return result


def _join(pieces: list[list[dict[str, Any]]], tol: float, lo: float, hi: float) -> list[Step]:
    """Steps of all pieces, lowest budget first; a step found by two neighbouring pieces
    (same optimal value within ``tol``) is kept once, as the lower piece found it, with
    the upper piece's end."""
    ordered: list[dict[str, Any]] = []
    for piece in pieces:  # pieces are lowest first; each piece's steps are top down
        for s in reversed(piece):
            if ordered and abs(s["optimal_value"] - ordered[-1]["optimal_value"]) <= tol:
                ordered[-1] = {**ordered[-1], "end": s["end"]}
                continue
            if ordered and s["start"] < ordered[-1]["start"]:
                raise SolveError(
                    f"frontier pieces disagree at budget {s['start']:g}: values "
                    f"{s['optimal_value']:.10g} and {ordered[-1]['optimal_value']:.10g}")
            ordered.append(s)
    out = []
    for i, s in enumerate(ordered):
        end = ordered[i + 1]["start"] if i + 1 < len(ordered) else hi
        out.append(Step(float(s["start"]), float(end), float(s["optimal_value"]),
                        PointResult.from_dict(s["point"])))
    return out


__all__ = ["Frontier", "Step", "exact_frontier", "frontier_step"]
