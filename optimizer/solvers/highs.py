"""HiGHS through highspy: the model's arrays are handed over in one call.

``HighsSession`` keeps one HiGHS instance loaded so callers change bounds, costs and rows
and re-solve without rebuilding anything (``solvers.base.Session``). Rules learnt from
HiGHS 1.16, applied here so no caller has to know them:

1. HiGHS keeps the last solution of a loaded MIP and silently re-uses it as a start after
   bounds or rows change; after presolve it can evaluate such a start wrongly in the
   reduced space and report a wrong optimum (seen: a start worth 11.1 reported optimal at
   0; on the shipped instance a start worth 6.15e6 returned "optimal" at 4.64e6). A MIP
   solve without an explicit start therefore clears the solver first.
2. The same mis-evaluation happens with a start given through ``setSolution``: a solve
   with a start runs with presolve off (the start is then checked in the original space).
3. HiGHS keeps one global thread scheduler per process and refuses another thread count:
   it is restarted when a solve asks for a different count.
4. Ctrl-C during a solve asks HiGHS to stop (``cancelSolve``); the solve returns within a
   fraction of a second with termination ``interrupted`` and the best solution found.
5. With ``verbose`` the solver's log goes to stderr (stdout carries reports and JSON).
6. A warm LP re-solve (after an objective or row change) can end "optimal" while the
   solution it reports is primal infeasible (seen on the shipped instance with beliefs:
   the max-true-value LP after the min one). Such an LP is solved once more from scratch
   (solver cleared); a fresh solve of the same model is feasible.
7. A MIP solve reports where it stands (incumbent, bound, gap, nodes, seconds) through
   HiGHS's MIP interrupt callback, which HiGHS calls often whatever its log settings, to
   ``self.progress`` or the listener of ``solvers.base.mip_progress``.
8. Two of HiGHS's sub-MIP heuristics, RINS and the root reduced-cost heuristic, are off
   (``ENGINE_SETTINGS``): on the dual MILPs of this engine they spend more than half the
   solve (the shipped instance: 4.6 of 11.7 s in sub-MIPs, 40% of the simplex iterations)
   and the incumbents they find come as soon from RENS and the tree; grids, layered
   networks and the harm MILP solve 1.2–2× faster without them (benches/README.md,
   "The shipped instance"). ``SolveOptions(extra=HIGHS_DEFAULTS)`` turns them back on.
9. A MIP solve tells the ``watch_solutions`` function each improving solution (HiGHS's
   improving-solution callback, in the original columns); asking to stop there has no
   effect, so the stop is passed on by the next interrupt callback. A stop asked that way
   stays set into the next MIP solve of the same HiGHS object, which would end at once:
   that solve clears it at its first interrupt callback.
10. A warm LP re-solve (primal simplex from a kept basis, after an iteration-limited first
   part) can end in a status HiGHS cannot name (``kUnknown``; seen on a random instance of
   tests/test_enumeration_property.py while tidying a plan). Such an LP is solved once more
   from scratch, as in rule 6.
"""

from __future__ import annotations

import math
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SolveError
from ..formulation.blocks import LinearModel, MatrixForm
from ..options import SolutionStatus, SolveOptions, Termination
from .base import MipProgress, ProgressFn, RawSolution, WatchFn, progress_listener

try:
    import highspy
except ImportError as exc:  # pragma: no cover - highspy is a hard dependency
    raise ImportError("highspy is required: pip install highspy") from exc


def _swallow_banner() -> None:
    """HiGHS prints a copyright banner to stdout when the first instance is created in a
    process; create that instance with stdout pointed at /dev/null so reports and JSON on
    stdout stay clean."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (embedded interpreters)
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_swallow_banner()

_STATUS = {
    "kOptimal": Termination.OPTIMAL,
    "kModelEmpty": Termination.OPTIMAL,
    "kTimeLimit": Termination.TIME_LIMIT,
    "kIterationLimit": Termination.ITERATION_LIMIT,
    "kSolutionLimit": Termination.NODE_LIMIT,  # mip_max_nodes (and solution counts)
    "kInterrupt": Termination.INTERRUPTED,
    "kHighsInterrupt": Termination.INTERRUPTED,
    "kObjectiveBound": Termination.INTERRUPTED,
    "kObjectiveTarget": Termination.INTERRUPTED,
    "kInfeasible": Termination.INFEASIBLE,
    "kUnbounded": Termination.UNBOUNDED,
    "kUnboundedOrInfeasible": Termination.INFEASIBLE_OR_UNBOUNDED,
}


def version() -> str:
    """The HiGHS version, e.g. "1.16.0"."""
    h = highspy.Highs()
    return str(getattr(h, "version", lambda: "")())


def _set(h: Any, key: str, value: Any) -> None:
    if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
        raise SolveError(f"HiGHS rejected option {key}={value!r}")


#: HiGHS options the engine changes from HiGHS's defaults for every solve (rule 8); an
#: option named in ``SolveOptions.extra`` wins (``HIGHS_DEFAULTS`` restores HiGHS's own)
ENGINE_SETTINGS: dict[str, Any] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
#: HiGHS's own values of ``ENGINE_SETTINGS`` (``SolveOptions(extra=HIGHS_DEFAULTS)``: the
#: solver as before; ``interdict bench`` method suffix ``+highs-defaults``)
HIGHS_DEFAULTS: dict[str, Any] = {
    "mip_heuristic_run_rins": True,
    "mip_heuristic_run_root_reduced_cost": True,
}


def _configure(h: Any, options: SolveOptions) -> None:
    """Map ``SolveOptions`` to HiGHS's option names (the only place that knows them)."""
    for key, value in ENGINE_SETTINGS.items():
        _set(h, key, value)
    _set(h, "output_flag", bool(options.verbose))
    if options.verbose:  # the log goes to stderr: stdout carries reports and JSON
        _set(h, "log_to_console", False)
        h.cbLogging += _log_to_stderr
    _set(h, "random_seed", int(options.seed))
    if options.time_limit is not None:
        _set(h, "time_limit", float(options.time_limit))
    _set(h, "mip_rel_gap", float(options.rel_gap))
    if options.abs_gap is not None:
        _set(h, "mip_abs_gap", float(options.abs_gap))
    if options.node_limit is not None:
        _set(h, "mip_max_nodes", int(options.node_limit))
    if options.lp_algorithm is not None:
        _set(h, "solver", options.lp_algorithm.value)
    _set(h, "threads", int(options.threads or 0))
    for key, value in options.extra.items():
        _set(h, key, value)


#: ``search_for_bound``: HiGHS option → (value off, value on); off is the engine's setting
#: (``ENGINE_SETTINGS``, else HiGHS's default)
_BOUND_SEARCH: dict[str, tuple[Any, Any]] = {
    "mip_heuristic_effort": (0.05, 0.0),
    "mip_heuristic_run_rins": (True, False),
    "mip_heuristic_run_rens": (True, False),
    "mip_heuristic_run_root_reduced_cost": (True, False),
    "mip_heuristic_run_feasibility_jump": (True, False),
    "mip_pscost_minreliable": (8, 0),
}
for _key, _value in ENGINE_SETTINGS.items():
    if _key in _BOUND_SEARCH:
        _BOUND_SEARCH[_key] = (_value, _BOUND_SEARCH[_key][1])


def bound_search_options(on: bool, options: SolveOptions) -> dict[str, Any]:
    """HiGHS options for ``Session.search_for_bound``; those the user set in ``extra``
    stay the user's."""
    return {k: v[on] for k, v in _BOUND_SEARCH.items() if k not in options.extra}


class _Watcher:
    """``Session.watch_solutions`` on HiGHS (rule 8): each improving solution goes to
    ``watch`` (if any); HiGHS honours a stop only from its interrupt callback, so a True
    answer is kept until that callback runs next. A stop asked in an earlier solve is
    still set in HiGHS: ``clear`` lifts it at the first interrupt callback."""

    def __init__(self, watch: WatchFn | None, clear: bool):
        self.watch = watch
        self.stop = False
        self.clear = clear

    def solution(self, event: Any) -> None:
        d = event.data_out
        if self.watch is not None and self.watch(np.array(d.mip_solution, float),
                                                 float(d.objective_function_value)):
            self.stop = True

    def interrupt(self, event: Any) -> None:
        if self.stop or self.clear:  # later, a Ctrl-C's stop is left alone
            event.interrupt(self.stop)
            self.clear = False


def _log_to_stderr(event: Any) -> None:
    sys.stderr.write(str(event.message))


def _reporter(report: ProgressFn) -> Any:
    """HiGHS's MIP interrupt callback → ``report(MipProgress)`` (rule 6). Infinite
    numbers (no incumbent or bound yet) become None."""
    def finite(x: float) -> float | None:
        x = float(x)
        return x if np.isfinite(x) else None

    def callback(event: Any) -> None:
        d = event.data_out
        incumbent, bound = finite(d.mip_primal_bound), finite(d.mip_dual_bound)
        gap = finite(d.mip_gap) if incumbent is not None and bound is not None else None
        report(MipProgress(incumbent, bound, gap, int(d.mip_node_count), float(d.running_time)))

    return callback


_scheduler_threads: int | None = None  # thread count of HiGHS's global scheduler, once started


def ensure_threads(threads: int | None) -> None:
    """Rule 3 of the module docstring (0 = automatic)."""
    global _scheduler_threads
    wanted = int(threads or 0)
    if _scheduler_threads is not None and _scheduler_threads != wanted:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = wanted


def _pass_matrix(h: Any, mf: MatrixForm) -> None:
    A = mf.matrix.tocsc()
    inf = highspy.kHighsInf

    def clip(a: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(a, float), -inf, inf)

    sense = highspy.ObjSense.kMinimize if mf.sense == "min" else highspy.ObjSense.kMaximize
    status = h.passModel(
        int(A.shape[1]), int(A.shape[0]), int(A.nnz), int(highspy.MatrixFormat.kColwise),
        int(sense), float(mf.offset),
        clip(mf.cost), clip(mf.col_lower), clip(mf.col_upper),
        clip(mf.row_lower), clip(mf.row_upper),
        A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data.astype(float),
        mf.integrality.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise SolveError("HiGHS refused the model (passModel returned an error)")


def _run_interruptible(h: Any) -> None:
    """``h.run()``, stopping the solver on Ctrl-C (rule 4). Off the main thread (workers,
    executors) there is no Ctrl-C to catch and the solve runs directly."""
    if threading.current_thread() is not threading.main_thread():
        h.run()
        return
    h.HandleUserInterrupt = True
    try:
        thread = h.startSolve()
        done = False
        while not done:
            try:
                done, _ = h.wait(0.05)
            except KeyboardInterrupt:
                h.cancelSolve()  # keep waiting: the solver returns its best solution
        thread.join()
    finally:
        h.HandleUserInterrupt = False


class HighsSession:
    """One loaded model in HiGHS (``solvers.base.Session``)."""

    def __init__(self, model: LinearModel | MatrixForm | Path,
                 options: SolveOptions | None = None, progress: ProgressFn | None = None):
        """Load ``model``: blocks or their matrix form, or the path of a model file
        (.mps or .lp) read by HiGHS itself. ``progress`` is told how each MIP solve stands
        while it runs (rule 6; default: the ``mip_progress`` listener, if any)."""
        self.options = options or SolveOptions()
        self.progress = progress
        self.model = model if isinstance(model, LinearModel) else None
        self.h = highspy.Highs()
        _configure(self.h, self.options)
        self.matrix: MatrixForm | None
        if isinstance(model, Path):
            if self.h.readModel(str(model)) == highspy.HighsStatus.kError:
                raise SolveError(f"HiGHS could not read the model file {model}")
            self.matrix = None
            self.is_mip = any(int(t) != 0 for t in self.h.getLp().integrality_)
        else:
            self.matrix = model.to_matrix() if isinstance(model, LinearModel) else model
            _pass_matrix(self.h, self.matrix)
            self.is_mip = bool(self.matrix.integrality.any())
        self._start_pending = False
        #: False: solves run on the calling thread without Ctrl-C handling (rule 4), which
        #: saves starting a thread (milliseconds) for each of many short re-solves
        self.interruptible = True
        self.watch: WatchFn | None = None
        self._stop_asked = False  # a watched solve was stopped: HiGHS still holds the stop

    # -- sizes
    @property
    def n_rows(self) -> int:
        return int(self.h.getNumRow())

    @property
    def n_cols(self) -> int:
        return int(self.h.getNumCol())

    # -- changes without rebuilding
    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        rows = np.asarray(rows, np.int32)
        # changeRowsBounds exists in highspy but its type stubs omit it
        self.h.changeRowsBounds(len(rows), rows, np.asarray(lower, float),  # type: ignore[attr-defined]
                                np.asarray(upper, float))

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols = np.asarray(cols, np.int32)
        self.h.changeColsBounds(len(cols), cols, np.asarray(lower, float),
                                np.asarray(upper, float))

    def set_costs(self, cols: np.ndarray, costs: np.ndarray) -> None:
        cols = np.asarray(cols, np.int32)
        self.h.changeColsCost(len(cols), cols, np.asarray(costs, float))

    def set_objective(self, cost: np.ndarray, sense: str) -> None:
        cost = np.asarray(cost, float)
        self.set_costs(np.arange(len(cost)), cost)
        self.h.changeObjectiveSense(highspy.ObjSense.kMinimize if sense == "min"
                                    else highspy.ObjSense.kMaximize)

    def set_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        for r, c, v in zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(),
                           np.asarray(values, float).tolist()):
            self.h.changeCoeff(int(r), int(c), float(v))

    def set_integrality(self, cols: np.ndarray, integer: bool) -> None:
        cols = np.asarray(cols, np.int32)
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        self.h.changeColsIntegrality(len(cols), cols, np.full(len(cols), kind))
        self.is_mip = bool(integer) or any(int(t) != 0 for t in self.h.getLp().integrality_)

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, starts: np.ndarray,
                 indices: np.ndarray, values: np.ndarray) -> None:
        self.h.addRows(len(lower), np.asarray(lower, float), np.asarray(upper, float),
                       len(values), np.asarray(starts, np.int32), np.asarray(indices, np.int32),
                       np.asarray(values, float))

    def delete_rows_from(self, first: int) -> None:
        n = self.n_rows
        if first < n:
            self.h.deleteRows(n - first, np.arange(first, n, dtype=np.int32))

    def set_gaps(self, rel_gap: float, abs_gap: float | None) -> None:
        _set(self.h, "mip_rel_gap", float(rel_gap))
        _set(self.h, "mip_abs_gap", float(abs_gap if abs_gap is not None else 1e-6))

    def set_time_limit(self, seconds: float | None) -> None:
        _set(self.h, "time_limit", float(seconds) if seconds is not None else float("inf"))

    def stop_at_first_solution(self, stop: bool) -> None:
        _set(self.h, "mip_max_improving_sols", 1 if stop else 2147483647)

    def watch_solutions(self, watch: WatchFn | None) -> None:
        self.watch = watch

    def search_for_bound(self, on: bool) -> None:
        for key, value in bound_search_options(on, self.options).items():
            _set(self.h, key, value)

    def set_cutoff(self, value: float | None) -> None:
        _set(self.h, "objective_bound", float(value) if value is not None else math.inf)

    def set_iteration_limit(self, iterations: int | None) -> None:
        """Stop later simplex solves after this many iterations (None: no limit); the
        solve then ends ``iteration_limit`` with the current basic solution."""
        _set(self.h, "simplex_iteration_limit",
             2147483647 if iterations is None else int(iterations))

    def set_lp_algorithm(self, algorithm: str) -> None:
        """"simplex" (dual simplex; warm starts need a basis), "primal" (primal simplex: the
        choice from a primal feasible basis, e.g. after bounds were relaxed), "ipm" or
        "choose"."""
        _set(self.h, "solver", "simplex" if algorithm == "primal" else algorithm)
        _set(self.h, "simplex_strategy", 4 if algorithm == "primal" else 1)

    def set_start(self, values: np.ndarray) -> None:
        values = np.asarray(values, float)
        idx = np.flatnonzero(np.isfinite(values)).astype(np.int32)
        self.h.setSolution(len(idx), idx, values[idx])
        self._start_pending = True

    def col_duals(self) -> np.ndarray:
        return np.array(self.h.getSolution().col_dual, float)

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """The last LP solve's reduced costs d = c − Aᵀy and row duals y (for a maximised
        LP a positive dual means the objective rises with that bound)."""
        sol = self.h.getSolution()
        return np.array(sol.col_dual, float), np.array(sol.row_dual, float)

    def basis(self) -> Any:
        """The last solve's basis (an opaque object for ``set_basis``)."""
        return self.h.getBasis()

    def set_basis(self, basis: Any) -> None:
        """Start the next LP solve from ``basis`` (e.g. one kept from an earlier solve)."""
        if self.h.setBasis(basis) == highspy.HighsStatus.kError:
            raise SolveError("HiGHS refused the basis")

    # -- solve
    def solve(self) -> RawSolution:
        """Solve the loaded model as it stands (rules 1, 2 and 4 of the module docstring)."""
        presolve = None
        if self.is_mip:
            if self._start_pending:
                current = self.h.getOptionValue("presolve")
                presolve = current[1] if isinstance(current, tuple) else current
                _set(self.h, "presolve", "off")
            else:
                self.h.clearSolver()
        ensure_threads(self.options.threads)
        t0 = time.perf_counter()
        report = (self.progress or progress_listener()) if self.is_mip else None
        callback = None if report is None else _reporter(report)
        if callback is not None:
            self.h.cbMipInterrupt += callback
        watching = None
        if self.is_mip and (self.watch is not None or self._stop_asked):
            watching = _Watcher(self.watch, clear=self._stop_asked)
            # the bound methods are kept: highspy unsubscribes by identity
            on_solution, on_interrupt = watching.solution, watching.interrupt
            self.h.cbMipImprovingSolution += on_solution
            self.h.cbMipInterrupt += on_interrupt
        try:
            if self.interruptible:
                _run_interruptible(self.h)
            else:
                self.h.run()
            if not self.is_mip and (self._optimal_but_infeasible()  # rule 6
                                    or self._lost_warm_start()):  # rule 10
                self.h.clearSolver()
                self.h.run()
        finally:
            if presolve is not None:
                _set(self.h, "presolve", presolve)
            self._start_pending = False
            if callback is not None:
                self.h.cbMipInterrupt -= callback
            if watching is not None:
                self.h.cbMipImprovingSolution -= on_solution
                self.h.cbMipInterrupt -= on_interrupt
                self._stop_asked = watching.stop or watching.clear
        return self._collect(time.perf_counter() - t0)

    def _optimal_but_infeasible(self) -> bool:
        """HiGHS says optimal, but its primal solution is not feasible (rule 6)."""
        return (self._status_name() == "kOptimal"
                and self.h.getInfo().primal_solution_status != 2)

    def _lost_warm_start(self) -> bool:
        """The LP ended in a status HiGHS cannot name (``kUnknown``) or a solve error; a
        limit would have ended it in a status of its own (rule 10)."""
        return self._status_name() in ("kUnknown", "kSolveError")

    def _status_name(self) -> str:
        """HiGHS's model status as its enum name (``kOptimal``, ``kUnknown`` …)."""
        return str(self.h.getModelStatus()).split(".")[-1]

    def _collect(self, seconds: float) -> RawSolution:
        h = self.h
        name = self._status_name()
        term = _STATUS.get(name)
        if term is None:
            return RawSolution(Termination.ERROR, SolutionStatus.NONE, None, None, None, None, 0,
                               seconds, f"HiGHS status {name}")
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        values = np.array(h.getSolution().col_value, float) if has_solution else None
        objective = float(info.objective_function_value) if has_solution else None
        bound: float | None
        if self.is_mip:
            bound = float(info.mip_dual_bound)
            gap = float(info.mip_gap) if has_solution else None
            nodes = int(info.mip_node_count)
        else:
            bound = objective if term == Termination.OPTIMAL else None
            gap = 0.0 if term == Termination.OPTIMAL else None
            nodes = 0
        if self.n_cols == 0:
            values = np.zeros(0)
        if term == Termination.OPTIMAL:
            status = SolutionStatus.OPTIMAL
        elif has_solution:
            status = SolutionStatus.FEASIBLE
        else:
            status = SolutionStatus.NONE
        if bound is not None and not np.isfinite(bound):
            bound = None
        return RawSolution(term, status, values, objective, bound, gap, nodes, seconds, name)

    def write(self, path: str | Path) -> None:
        """Export the loaded model (``.mps`` or ``.lp`` by suffix) with readable names."""
        if self.model is not None:
            for i, n in enumerate(legal_names(self.model.column_names())):
                self.h.passColName(i, n)
            for i, n in enumerate(legal_names(self.model.row_names())):
                self.h.passRowName(i, n)
        if self.h.writeModel(str(path)) == highspy.HighsStatus.kError:
            raise SolveError(f"HiGHS could not write the model to {path}")


def solve_model_file(path: str | Path, options: SolveOptions | None = None) -> RawSolution:
    """Read a model file (.mps or .lp) and solve it with HiGHS alone: the benchmark's
    "HiGHS without the engine" reference."""
    return HighsSession(Path(path), options).solve()


_BAD = re.compile(r"[^A-Za-z0-9_.(),;#@{}|~!&/?$%]")


def legal_names(names: list[str]) -> list[str]:
    """Names legal in LP and MPS files (no spaces or brackets), and unique."""
    out, seen = [], set()
    for n in names:
        s = _BAD.sub("_", n.replace("->", "_to_").replace("[", "(").replace("]", ")"))
        if s[:1].isdigit() or s[:1] in ".eE":
            s = "n" + s
        base, k = s, 1
        while s in seen:
            k += 1
            s = f"{base}#{k}"
        seen.add(s)
        out.append(s)
    return out
