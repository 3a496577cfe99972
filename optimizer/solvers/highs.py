"""HiGHS through highspy: the model's arrays are handed over in one call.

This is the only module (with ``pyomo_backend``) that touches a solver. ``HighsSession``
keeps one HiGHS instance loaded so callers can change bounds, add rows and re-solve with a
starting solution without rebuilding anything (sweeps, decomposition loops).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SolveError
from ..formulation.blocks import LinearModel, MatrixForm
from ..options import SolutionStatus, SolveOptions, Termination

try:
    import highspy
except ImportError as exc:  # pragma: no cover - highspy is a hard dependency
    raise ImportError("highspy is required: pip install highspy") from exc


def _swallow_banner() -> None:
    """HiGHS prints a copyright banner to stdout when the first instance is created in a
    process; create that instance with stdout pointed at /dev/null so reports and JSON on
    stdout stay clean."""
    import os
    import sys

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


@dataclass
class RawSolution:
    """What a solve returned, in column order of the model."""

    termination: Termination
    status: SolutionStatus
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    node_count: int
    seconds: float
    message: str = ""


_STATUS = {
    "kOptimal": Termination.OPTIMAL,
    "kTimeLimit": Termination.TIME_LIMIT,
    "kIterationLimit": Termination.ITERATION_LIMIT,
    "kInterrupt": Termination.INTERRUPTED,
    "kHighsInterrupt": Termination.INTERRUPTED,
    "kSolutionLimit": Termination.INTERRUPTED,
    "kObjectiveBound": Termination.INTERRUPTED,
    "kObjectiveTarget": Termination.INTERRUPTED,
    "kInfeasible": Termination.INFEASIBLE,
    "kUnbounded": Termination.UNBOUNDED,
    "kUnboundedOrInfeasible": Termination.INFEASIBLE_OR_UNBOUNDED,
    "kModelEmpty": Termination.OPTIMAL,
}


def _new_highs(options: SolveOptions) -> "highspy.Highs":
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose))
    h.setOptionValue("random_seed", int(options.seed))
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.rel_gap))
    if options.abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(options.abs_gap))
    _use_threads(h, options.threads)
    for key, value in options.extra.items():
        if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
            raise SolveError(f"HiGHS rejected option {key}={value!r}")
    return h


_scheduler_threads: int | None = None  # thread count of HiGHS's global scheduler, once started


def _use_threads(h: "highspy.Highs", threads: int | None) -> None:
    h.setOptionValue("threads", int(threads or 0))


def ensure_threads(threads: int | None) -> None:
    """HiGHS keeps one global thread scheduler per process and refuses to run with another
    thread count; restart it when a solve asks for a different count (0 = automatic)."""
    global _scheduler_threads
    wanted = int(threads or 0)
    if _scheduler_threads is not None and _scheduler_threads != wanted:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = wanted


def _run(h: "highspy.Highs", threads: int | None) -> None:
    ensure_threads(threads)
    h.run()


def _pass_matrix(h: "highspy.Highs", mf: MatrixForm) -> None:
    A = mf.matrix.tocsc()
    inf = highspy.kHighsInf
    clip = lambda a: np.clip(np.asarray(a, float), -inf, inf)  # noqa: E731
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


class HighsSession:
    """One loaded model in HiGHS; solve, change and re-solve it."""

    def __init__(self, model: LinearModel | MatrixForm, options: SolveOptions | None = None):
        self.options = options or SolveOptions()
        self.matrix = model.to_matrix() if isinstance(model, LinearModel) else model
        self.model = model if isinstance(model, LinearModel) else None
        self.h = _new_highs(self.options)
        self.is_mip = bool(self.matrix.integrality.any())
        self._start_pending = False
        _pass_matrix(self.h, self.matrix)

    # -- changes without rebuilding
    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        rows = np.asarray(rows, np.int32)
        self.h.changeRowsBounds(len(rows), rows, np.asarray(lower, float), np.asarray(upper, float))

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols = np.asarray(cols, np.int32)
        self.h.changeColsBounds(len(cols), cols, np.asarray(lower, float), np.asarray(upper, float))

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, starts: np.ndarray,
                 indices: np.ndarray, values: np.ndarray) -> None:
        """Append rows in CSR form (``starts`` has one entry per row)."""
        self.h.addRows(len(lower), np.asarray(lower, float), np.asarray(upper, float),
                       len(values), np.asarray(starts, np.int32), np.asarray(indices, np.int32),
                       np.asarray(values, float))

    def set_objective(self, cost: np.ndarray, sense: str) -> None:
        """Replace the objective (all column costs) and its sense ("min" or "max")."""
        cost = np.asarray(cost, float)
        idx = np.arange(len(cost), dtype=np.int32)
        self.h.changeColsCost(len(cost), idx, cost)
        self.h.changeObjectiveSense(highspy.ObjSense.kMinimize if sense == "min"
                                    else highspy.ObjSense.kMaximize)

    def delete_rows_from(self, first: int) -> None:
        """Delete every row from index ``first`` on (cut pools replaced in place)."""
        n = int(self.h.getNumRow())
        if first < n:
            self.h.deleteRows(n - first, np.arange(first, n, dtype=np.int32))

    @property
    def n_rows(self) -> int:
        return int(self.h.getNumRow())

    def col_duals(self) -> np.ndarray:
        """Reduced costs c − Aᵀy of the last LP solve (for a fixed column: the rate at which
        the optimal value changes with the column's fixed value)."""
        return np.array(self.h.getSolution().col_dual, float)

    def set_option(self, key: str, value) -> None:
        if self.h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
            raise SolveError(f"HiGHS rejected option {key}={value!r}")

    def set_start(self, values: np.ndarray) -> None:
        """Offer a (partial) starting solution for the next solve: HiGHS completes and
        checks it. That solve runs with presolve off (see ``solve``)."""
        values = np.asarray(values, float)
        idx = np.flatnonzero(np.isfinite(values)).astype(np.int32)
        self.h.setSolution(len(idx), idx, values[idx])
        self._start_pending = True

    # -- solve
    def solve(self) -> RawSolution:
        """Solve the loaded model as it stands.

        HiGHS 1.16 keeps the last solution of a loaded MIP and re-uses it as a start after
        bounds or rows change, and it can evaluate a start wrongly after presolve (seen
        here: a start worth 11.1 reported optimal at 0; on the shipped instance a stale
        solution returned "optimal" at the wrong value). So a MIP solve without an explicit
        start clears the solver first, and a solve with one runs with presolve off; every
        plan is still certified by the caller."""
        presolve = None
        if self.is_mip:
            if self._start_pending:
                presolve = self.h.getOptionValue("presolve")
                presolve = presolve[1] if isinstance(presolve, tuple) else presolve
                self.h.setOptionValue("presolve", "off")
            else:
                self.h.clearSolver()
        t0 = time.perf_counter()
        try:
            _run(self.h, self.options.threads)
        finally:
            if presolve is not None:
                self.h.setOptionValue("presolve", presolve)
            self._start_pending = False
        seconds = time.perf_counter() - t0
        return self._collect(seconds)

    def _collect(self, seconds: float) -> RawSolution:
        h = self.h
        ms = h.getModelStatus()
        name = str(ms).split(".")[-1]
        term = _STATUS.get(name)
        if term is None:
            return RawSolution(Termination.ERROR, SolutionStatus.NONE, None, None, None, None, 0,
                               seconds, f"HiGHS status {name}")
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        values = np.array(h.getSolution().col_value, float) if has_solution else None
        objective = float(info.objective_function_value) if has_solution else None
        if self.is_mip:
            bound = float(info.mip_dual_bound)
            gap = float(info.mip_gap) if has_solution else None
            nodes = int(info.mip_node_count)
        else:
            bound = objective if term == Termination.OPTIMAL else None
            gap = 0.0 if term == Termination.OPTIMAL else None
            nodes = 0
        if self.matrix.integrality.size == 0 and self.matrix.matrix.shape[1] == 0:
            values = np.zeros(0)
        if term == Termination.OPTIMAL:
            status = SolutionStatus.OPTIMAL
        elif has_solution:
            status = SolutionStatus.FEASIBLE
        else:
            status = SolutionStatus.NONE
        if not np.isfinite(bound if bound is not None else 0.0):
            bound = None
        return RawSolution(term, status, values, objective, bound, gap, nodes, seconds, name)

    def write(self, path: str | Path, names: tuple[list[str], list[str]] | None = None) -> None:
        """Export the loaded model (``.mps`` or ``.lp`` by suffix) with readable names."""
        if names is None and self.model is not None:
            names = (self.model.column_names(), self.model.row_names())
        if names is not None:
            cols, rows = names
            for i, n in enumerate(_unique_names(cols)):
                self.h.passColName(i, n)
            for i, n in enumerate(_unique_names(rows)):
                self.h.passRowName(i, n)
        status = self.h.writeModel(str(path))
        if status == highspy.HighsStatus.kError:
            raise SolveError(f"HiGHS could not write the model to {path}")


def solve_model(model: LinearModel | MatrixForm, options: SolveOptions | None = None,
                start: np.ndarray | None = None) -> RawSolution:
    """Load, optionally warm-start, and solve once."""
    session = HighsSession(model, options)
    if start is not None:
        session.set_start(start)
    return session.solve()


_BAD = re.compile(r"[^A-Za-z0-9_.(),;#@{}|~!&/?$%]")


def _unique_names(names: list[str]) -> list[str]:
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
