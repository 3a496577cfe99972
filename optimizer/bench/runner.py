"""Run benchmark cases, one fresh worker process per run.

A run is (case, method, solver). Each runs in its own fresh process
(``parallel.ProcessPool(fresh=True, nested=True)``: spawned, so no HiGHS threads are
forked; not daemonic, so a planning task may start its own pool) so that its
peak memory (``ru_maxrss``) is its own and a run that overruns its time limit is killed; the
worker dies with the harness (Ctrl-C, SIGTERM or SIGKILL of the parent). Solvers:

- ``highs``: the engine end to end (``pipeline.solve``: compile, baseline, build, solve,
  tidy, certificate, results) with ``method`` = dual | benders | benders-basic | auto; or,
  with ``method`` = textbook, the textbook peer (``bench.textbook``: the hand-dualised
  MILP of Wood / Israeli & Wood stated in Pyomo and solved by HiGHS; grid families only);
- ``highs-mps``: HiGHS alone on the exported MPS of the dual MILP (read + solve), the
  reference for our overhead;
- ``cbc``, ``glpk``, ``scip``: the same MPS through the solver's command line, when its
  executable is on PATH (otherwise the run is recorded as skipped).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SetupError
from ..parallel import JobTimeout, ProcessPool, WorkerDied
from .registry import BenchCase, find_case

ENGINE_SOLVERS = ("highs",)
MPS_SOLVERS = ("highs-mps", "cbc", "glpk", "scip")
EXECUTABLES = {"cbc": "cbc", "glpk": "glpsol", "scip": "scip"}


@dataclass
class RunRecord:
    """One benchmark run. Times in seconds, memory in MiB."""

    case: str
    family: str
    size: str
    method: str
    solver: str
    status: str  # optimal | time_limit | error | killed | skipped | ...
    objective: float | None = None  # the smuggler's value under the plan (certified for highs)
    bound: float | None = None
    gap: float | None = None
    nodes: int | None = None
    build_s: float | None = None
    solve_s: float | None = None
    check_s: float | None = None
    total_s: float | None = None
    generate_s: float | None = None
    peak_mib: float | None = None
    certified: bool | None = None
    load_avg: float | None = None  # the machine's 1-minute load average when the run began
    #: processor seconds the run took (user + system, every thread of the worker and the
    #: solver processes it started): beside the wall time when other work shares the cores
    cpu_s: float | None = None
    size_info: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    message: str = ""

    @property
    def key(self) -> str:
        return f"{self.case}|{self.method}|{self.solver}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def available(solver: str) -> bool:
    if solver in ("highs", "highs-mps"):
        return True
    return shutil.which(EXECUTABLES.get(solver, solver)) is not None


def _cpu_seconds() -> float:
    """User + system seconds of this process (all threads) and its waited-for children."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


# ----------------------------------------------------------------------------- workers


#: an engine method with this suffix runs with HiGHS's own settings instead of the
#: engine's (``solvers.highs.HIGHS_DEFAULTS``): the solver as before issue 13, side by side
HIGHS_DEFAULTS_SUFFIX = "+highs-defaults"


def engine_options(method: str, time_limit: float, threads: int, rel_gap: float):
    """The ``SolveOptions`` of an engine run of ``method`` (with its suffix, if any)."""
    from ..options import Method, SolveOptions
    from ..solvers.highs import HIGHS_DEFAULTS

    plain = method.endswith(HIGHS_DEFAULTS_SUFFIX)
    base = method.removesuffix(HIGHS_DEFAULTS_SUFFIX)
    return SolveOptions(time_limit=time_limit, threads=threads, rel_gap=rel_gap,
                        method=Method.parse(base, "method"),
                        extra=dict(HIGHS_DEFAULTS) if plain else {})


def _engine_run(case: BenchCase, method: str, time_limit: float, threads: int,
                rel_gap: float = 1e-6) -> RunRecord:
    """The engine end to end on the case's instance records; ``total_s`` is the wall time
    of ``pipeline.solve`` (compile, baseline, build, solve, tidy, certificate, results),
    or of the case's task (``case.params["task"]``: ``tasks.run_task``)."""
    from .. import decomposition  # noqa: F401  (imports csgraph: before the clock starts)
    from ..pipeline import solve

    options = engine_options(method, time_limit, threads, rel_gap)
    if case.params.get("task", "solve") != "solve":
        from .tasks import run_task

        return run_task(case, method, options)
    t0 = time.perf_counter()
    inst = case.build()
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = solve(inst, options)
    wall = time.perf_counter() - t0
    ms = res.model_size
    plan = res.plan.as_dict()
    independent = case.evaluate(plan) if case.evaluate is not None else None
    return RunRecord(
        case=case.key, family=case.family, size=case.size, method=method, solver="highs",
        status=res.termination.value, objective=res.value_after, bound=res.bound, gap=res.gap,
        nodes=res.node_count, build_s=res.timings.build + res.timings.baseline,
        solve_s=res.timings.solve, check_s=res.timings.check, total_s=wall,
        generate_s=gen, peak_mib=_peak_mib(), certified=True,  # failures raise
        size_info={"nodes": len(inst.nodes), "arcs": len(inst.arcs),
                   "actions": len(inst.actions), **{k: int(v) for k, v in ms.items()}},
        extra={"method_name": res.method, "value_before": res.value_before,
               "params": dict(case.params), "plan": dict(sorted(plan.items())),
               "independent_value": independent, "baseline_s": res.timings.baseline,
               "notes": list(res.notes)})


def _textbook_run(case: BenchCase, time_limit: float, threads: int,
                  rel_gap: float = 1e-6) -> RunRecord:
    """The textbook peer (``bench.textbook``): ``total_s`` = stating the Pyomo model from
    the instance records + Pyomo's solve call (imports excluded, as for the engine)."""
    import pyomo.environ  # noqa: F401  (imported before the clock starts, as the engine is)

    from ..options import SolveOptions
    from .textbook import solve_textbook

    t0 = time.perf_counter()
    inst = case.build()
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = solve_textbook(inst, SolveOptions(time_limit=time_limit, threads=threads,
                                            rel_gap=rel_gap))
    wall = time.perf_counter() - t0
    return RunRecord(
        case=case.key, family=case.family, size=case.size, method="textbook", solver="highs",
        status=res.termination.value, objective=res.value, bound=res.bound, gap=res.gap,
        nodes=res.nodes, build_s=res.build_s, solve_s=res.solve_s, total_s=wall,
        generate_s=gen, peak_mib=_peak_mib(), certified=False,
        size_info={"nodes": len(inst.nodes), "arcs": len(inst.arcs),
                   "actions": len(inst.actions), "columns": res.columns, "rows": res.rows},
        extra={"method_name": "textbook/pyomo-highs", "params": dict(case.params),
               "plan": res.plan, "model_objective": res.model_objective})


def _export_run(case: BenchCase, path: str) -> RunRecord:
    """Write the dual MILP of the case as MPS (not timed as a solve)."""
    from ..pipeline import build_milp
    from ..solvers.base import open_session

    t0 = time.perf_counter()
    milp = build_milp(case.build())
    open_session(milp.model).write(path)
    return RunRecord(case=case.key, family=case.family, size=case.size, method="dual",
                     solver="export", status="written", total_s=time.perf_counter() - t0,
                     size_info=milp.model.summary())


def _highs_mps_run(case: BenchCase, path: str, time_limit: float, threads: int,
                   rel_gap: float = 1e-6) -> RunRecord:
    """HiGHS alone on the exported model file: the reference for the engine's overhead."""
    from pathlib import Path

    from ..options import SolveOptions
    from ..solvers.highs import HighsSession

    t0 = time.perf_counter()
    session = HighsSession(Path(path), SolveOptions(time_limit=time_limit, threads=threads,
                                                    rel_gap=rel_gap))
    t1 = time.perf_counter()
    raw = session.solve()
    t2 = time.perf_counter()
    return RunRecord(case=case.key, family=case.family, size=case.size, method="dual",
                     solver="highs-mps", status=raw.termination.value, objective=raw.objective,
                     bound=raw.bound, gap=raw.gap if raw.objective is not None else None,
                     nodes=raw.node_count, build_s=t1 - t0, solve_s=t2 - t1,
                     total_s=t2 - t0, peak_mib=_peak_mib())


_NUM = r"([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"


def _cli_run(case: BenchCase, solver: str, path: str, time_limit: float,
             threads: int, rel_gap: float = 1e-6) -> RunRecord:
    """CBC / GLPK / SCIP on the MPS through their command lines; parse their logs."""
    exe = shutil.which(EXECUTABLES[solver])
    if exe is None:
        raise SetupError(f"{EXECUTABLES[solver]} not found on PATH")
    if solver == "cbc":
        cmd = [exe, path, "-sec", f"{time_limit:g}", "-threads", str(threads),
               "-ratioGap", f"{rel_gap:g}", "-solve", "-quit"]
    elif solver == "glpk":
        cmd = [exe, "--freemps", path, "--tmlim", str(max(1, int(time_limit))),
               "--mipgap", f"{rel_gap:g}"]
    else:
        cmd = [exe, "-c", f"set limits time {time_limit:g}", "-c", f"set limits gap {rel_gap:g}",
               "-c", f"read {path}", "-c", "optimize", "-c", "display statistics", "-c", "quit"]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=time_limit * 2 + 60).stdout
    total = time.perf_counter() - t0
    status, obj, bound = "unknown", None, None
    if solver == "cbc":
        if "Optimal solution found" in out:
            status = "optimal"
        elif "Stopped on time" in out:
            status = "time_limit"
        m = re.search(r"Objective value:\s+" + _NUM, out)
        obj = float(m.group(1)) if m else None
        m = re.search(r"Lower bound:\s+" + _NUM, out)
        bound = float(m.group(1)) if m else (obj if status == "optimal" else None)
    elif solver == "glpk":
        if "INTEGER OPTIMAL SOLUTION FOUND" in out:
            status = "optimal"
        elif "TIME LIMIT EXCEEDED" in out:
            status = "time_limit"
        vals = re.findall(r"mip =\s+" + _NUM + r"\s+>=\s+(\S+)", out)
        if vals:
            obj = float(vals[-1][0])
            reported = vals[-1][1]  # the bound, or text such as "tree is empty"
            bound = obj if status == "optimal" else (
                float(reported) if reported[0] in "-+0123456789" else None)
    else:
        if re.search(r"SCIP Status\s*:\s*problem is solved \[optimal", out):
            status = "optimal"
        elif "time limit reached" in out:
            status = "time_limit"
        m = re.search(r"Primal Bound\s*:\s*" + _NUM, out)
        obj = float(m.group(1)) if m else None
        m = re.search(r"Dual Bound\s*:\s*" + _NUM, out)
        bound = float(m.group(1)) if m else None
    return RunRecord(case=case.key, family=case.family, size=case.size, method="dual",
                     solver=solver, status=status, objective=obj, bound=bound, total_s=total,
                     solve_s=total, peak_mib=_peak_mib(resource.RUSAGE_CHILDREN))


def _job(task: dict) -> tuple[str, Any]:
    """One run inside its own worker process: rebuild the case from its key, run it;
    ("ok", record dict) or ("error", message with a short traceback)."""
    try:
        load = os.getloadavg()[0]
        cpu0 = _cpu_seconds()
        case = find_case(task["case"], task["size"])
        kind = task["kind"]
        gap = task.get("rel_gap", 1e-6)
        if kind == "engine" and task["method"] == "textbook":
            rec = _textbook_run(case, task["time_limit"], task["threads"], gap)
        elif kind == "engine":
            rec = _engine_run(case, task["method"], task["time_limit"], task["threads"], gap)
        elif kind == "export":
            rec = _export_run(case, task["path"])
        elif task["solver"] == "highs-mps":
            rec = _highs_mps_run(case, task["path"], task["time_limit"], task["threads"], gap)
        else:
            rec = _cli_run(case, task["solver"], task["path"], task["time_limit"],
                           task["threads"], gap)
        rec.load_avg = round(load, 2)
        rec.cpu_s = round(_cpu_seconds() - cpu0, 3)
        return "ok", rec.to_dict()
    except BaseException as exc:  # noqa: BLE001 - reported as a failed run
        return "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"


def _spawn(pool: ProcessPool, task: dict, deadline: float) -> tuple[str, Any]:
    """Run ``task`` in a fresh worker process of ``pool``, killed after ``deadline``
    seconds: ("ok", record dict) | ("error", message) | ("killed", message)."""
    job = pool.submit(_job, task, timeout=deadline)
    pool.wait_any([job])
    try:
        return job.result()
    except JobTimeout:
        return "killed", f"no answer within {deadline:.0f} s; worker killed"
    except WorkerDied as exc:
        return "error", str(exc)


@dataclass
class BenchPlan:
    """What to run."""

    cases: list[BenchCase]
    methods: tuple[str, ...]  # engine methods (run with solver "highs")
    solvers: tuple[str, ...]  # "highs" and/or MPS solvers
    time_limit: float = 60.0
    threads: int = 2
    rel_gap: float = 1e-6  # the relative MIP gap at which a run counts as optimal
    repeat: int = 1  # runs of each (case, engine method); the median one is recorded
    grace: float = 120.0  # seconds beyond the time limit before a worker is killed

    @property
    def runs(self) -> int:
        """How many records ``run_plan`` gives: one per case and method on the engine, one
        per case and MPS solver."""
        engine = len(self.methods) if "highs" in self.solvers else 0
        return len(self.cases) * (engine + sum(s in MPS_SOLVERS for s in self.solvers))


def median_run(runs: list[RunRecord]) -> RunRecord:
    """The run of median total time (the lower one of an even count), with every run's
    total in ``extra["repeat_totals_s"]``; a failed run is reported instead, if any."""
    failed = [r for r in runs if r.total_s is None]
    if failed or len(runs) == 1:
        return failed[0] if failed else runs[0]
    ordered = sorted(runs, key=lambda r: r.total_s or 0.0)
    chosen = ordered[(len(ordered) - 1) // 2]
    chosen.extra = {**chosen.extra, "repeat_totals_s": [r.total_s for r in runs],
                    "repeat_loads": [r.load_avg for r in runs]}
    return chosen


def run_plan(plan: BenchPlan, progress: Callable[[RunRecord], None] | None = None
             ) -> list[RunRecord]:
    """Run every (case, method, solver) of ``plan``; never raises for a failed run."""
    records: list[RunRecord] = []

    def emit(rec: RunRecord) -> None:
        records.append(rec)
        if progress:
            progress(rec)

    def base(case: BenchCase, method: str, solver: str, status: str, msg: str) -> RunRecord:
        return RunRecord(case=case.key, family=case.family, size=case.size, method=method,
                         solver=solver, status=status, message=msg)

    deadline = plan.time_limit + plan.grace
    with ProcessPool(1, fresh=True, nested=True) as pool, \
            tempfile.TemporaryDirectory(prefix="interdict-bench-") as tmp:
        for case in plan.cases:
            if "highs" in plan.solvers:
                runs: dict[str, list[RunRecord]] = {m: [] for m in plan.methods}
                for _ in range(plan.repeat):  # rounds: the methods alternate under one load
                    for method in plan.methods:
                        task = {"kind": "engine", "case": case.key, "size": case.size,
                                "method": method, "time_limit": plan.time_limit,
                                "threads": plan.threads, "rel_gap": plan.rel_gap}
                        kind, payload = _spawn(pool, task, deadline)
                        runs[method].append(
                            RunRecord(**payload) if kind == "ok" else
                            base(case, method, "highs", kind if kind == "killed" else "error",
                                 str(payload)))
                for method in plan.methods:
                    emit(median_run(runs[method]))
            mps_solvers = [s for s in plan.solvers if s in MPS_SOLVERS]
            if not mps_solvers or case.params.get("task", "solve") != "solve":
                # a task (harm, sweep, …) is more than the value MILP the MPS holds
                continue
            path = os.path.join(tmp, re.sub(r"[^A-Za-z0-9_.-]", "_", case.key) + ".mps")
            kind, payload = _spawn(pool, {"kind": "export", "case": case.key, "size": case.size,
                                    "path": path}, deadline)
            if kind != "ok":
                for s in mps_solvers:
                    emit(base(case, "dual", s, "error", f"export failed: {payload}"))
                continue
            for s in mps_solvers:
                if not available(s):
                    emit(base(case, "dual", s, "skipped",
                              f"{EXECUTABLES.get(s, s)} not found on PATH"))
                    continue
                task = {"kind": "mps", "solver": s, "case": case.key, "size": case.size,
                        "path": path, "time_limit": plan.time_limit, "threads": plan.threads,
                        "rel_gap": plan.rel_gap}
                kind, payload = _spawn(pool, task, deadline)
                failed = kind if kind == "killed" else "error"
                emit(RunRecord(**payload) if kind == "ok"
                     else base(case, "dual", s, failed, str(payload)))
            Path(path).unlink(missing_ok=True)
    return records
