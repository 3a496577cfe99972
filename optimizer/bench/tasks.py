"""Benchmark cases that are more than one value solve: the harm and perceived-data bilevel
MILPs, the horizon, and the planning sessions (sweep, frontier, target) — each what a CLI
user waits for, timed end to end in the bench's worker process.

A case names its task in ``params["task"]`` (``solve`` when absent: ``runner._engine_run``)
with the task's own parameters beside it; ``run_task`` runs it with the engine options of
the run's method and turns the answer into a ``RunRecord``: ``objective`` is the figure the
task certifies (the plan's harm, true value or discounted value; the sweep's value at its
last point; the frontier's number of steps; the target's cheapest spend), ``solve_s`` the
time the MILPs took where the answer reports it, ``total_s`` the wall time of the call.
"""

from __future__ import annotations

import time
from typing import Any

from ..options import SolveOptions
from .registry import BenchCase


def _solve_record(res: Any) -> dict[str, Any]:
    """Fields of a ``RunRecord`` from a certified result (single period or horizon)."""
    figure = getattr(res, "objective_after", None)
    if figure is None:
        figure = res.certificate.plan_value
    return {"status": res.termination.value, "objective": figure, "bound": res.bound,
            "gap": res.gap, "nodes": res.node_count, "solve_s": res.timings.solve,
            "check_s": res.timings.check,
            "build_s": res.timings.build + res.timings.baseline,
            "extra": {"plan": dict(sorted(res.plan.as_dict().items())),
                      "method_name": res.method, "notes": list(res.notes)}}


def _bilevel(case: BenchCase, options: SolveOptions, objective: str) -> dict[str, Any]:
    """One tie-break, or ``both`` as ``interdict solve`` runs them (the optimistic solve,
    then the pessimistic one with the optimistic bound; figures of the pessimistic one,
    times summed)."""
    from ..formulation import HarmBilevel, PerceivedOutcome
    from ..options import Objective, Tie
    from ..pipeline import solve

    inst = case.build()
    ties = ("optimistic", "pessimistic") if case.params["tie"] == "both" else \
        (case.params["tie"],)
    out: dict[str, Any] = {}
    bound = None
    for tie in ties:
        t = Tie.parse(tie, "tie")
        formulation = HarmBilevel(t) if objective == "harm" else \
            PerceivedOutcome(Objective.VALUE, t)
        res = solve(inst, options, formulation=formulation, optimistic_bound=bound)
        bound = res.bound
        rec = _solve_record(res)
        for key in ("solve_s", "check_s", "build_s", "nodes"):
            rec[key] = (rec[key] or 0) + (out.get(key) or 0)
        rec["extra"] = {**out.get("extra", {}), **rec["extra"],
                        f"{tie}_objective": rec["objective"], f"{tie}_status": rec["status"]}
        out = rec
    return out


def _horizon(case: BenchCase, options: SolveOptions) -> dict[str, Any]:
    from ..pipeline import solve_horizon

    return _solve_record(solve_horizon(case.build(), options))


def _executor(options: SolveOptions):
    from ..parallel import local_executor

    return local_executor(options.threads)


def _sweep(case: BenchCase, options: SolveOptions) -> dict[str, Any]:
    from ..planning.sweep import SweepSpec, run_sweep

    p = case.params
    spec = SweepSpec.range(p["resource"], p["from"], p["to"], p["step"])
    with _executor(options) as ex:
        res = run_sweep(case.build(), spec, options=options, executor=ex)
    solve_s = sum(pt.timings.get("solve", 0.0) for pt in res.points)
    last = res.points[-1]
    return {"status": "optimal" if all(pt.optimal for pt in res.points) else "feasible",
            "objective": last.value, "bound": last.bound, "gap": last.gap,
            "nodes": sum(pt.node_count or 0 for pt in res.points), "solve_s": solve_s,
            "extra": {"points": len(res.points),
                      "values": [pt.value for pt in res.points]}}


def _frontier(case: BenchCase, options: SolveOptions) -> dict[str, Any]:
    from ..planning.frontier import exact_frontier

    p = case.params
    with _executor(options) as ex:
        res = exact_frontier(case.build(), p["resource"], p["from"], p["to"], options=options,
                             executor=ex, pieces=p.get("pieces", 4))
    return {"status": "optimal", "objective": float(len(res.steps)), "nodes": None,
            "extra": {"breakpoints": list(res.breakpoints), "solves": res.solves,
                      "values": [s.optimal_value for s in res.steps]}}


def _target(case: BenchCase, options: SolveOptions) -> dict[str, Any]:
    from ..planning.target import cheapest_to_targets

    p = case.params
    with _executor(options) as ex:
        (res,) = cheapest_to_targets(case.build(), [(p["kind"], p["reduction"])],
                                     p["resource"], options=options, executor=ex)
    return {"status": "optimal" if res.reached else "unreachable",
            "objective": res.cost if res.reached else res.best_cost,
            "extra": {"reached": res.reached, "best_reduction": res.best_reduction,
                      "plan": (res.point or res.best).plan}}


TASKS = {"harm": lambda c, o: _bilevel(c, o, "harm"),
         "beliefs": lambda c, o: _bilevel(c, o, "value"),
         "horizon": _horizon, "sweep": _sweep, "frontier": _frontier, "target": _target}


def run_task(case: BenchCase, method: str, options: SolveOptions):
    """Run the case's task (module docstring) and record it."""
    from .runner import RunRecord, _peak_mib

    task = case.params["task"]
    if task not in TASKS:
        raise ValueError(f"unknown benchmark task {task!r} (known: {', '.join(TASKS)})")
    t0 = time.perf_counter()
    fields = TASKS[task](case, options)
    wall = time.perf_counter() - t0
    extra = {"params": dict(case.params), **fields.pop("extra", {})}
    return RunRecord(case=case.key, family=case.family, size=case.size, method=method,
                     solver="highs", total_s=wall, peak_mib=_peak_mib(), certified=True,
                     extra=extra, **fields)
