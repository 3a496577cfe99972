"""The same model as a Pyomo ``ConcreteModel``, for users who read, extend or hand it to
another solver, and a ``Session`` on it through Pyomo's persistent ``highs`` interface
(``pyomo.contrib.solver``).

``to_pyomo`` turns each variable block into an indexed ``Var`` and each row block into an
indexed ``Constraint`` with the block's name and documentation (the equation), indexed by
readable keys (node, commodity …). Building through Pyomo costs ~25 s per million
nonzeros: this path is for inspection and extension, not for large instances or loops.

``PyomoSession`` implements ``solvers.base.Session`` on that model: bounds, costs and
coefficients are changed on the Pyomo components and the persistent interface passes the
changes to the HiGHS instance it keeps. The HiGHS rules of ``solvers.highs`` (clear the
solver before a MIP solve without a start, presolve off with one) need that HiGHS
instance, which the interface keeps in a private attribute (``_solver_model``); this
module is the only place that touches it.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SolveError
from ..formulation.blocks import LinearModel
from ..options import SolutionStatus, SolveOptions, Termination
from .base import RawSolution
from .highs import ensure_threads


class PyomoModel:
    """A Pyomo ``ConcreteModel`` built from blocks, with the map back to the blocks'
    column and row order (``columns[i]`` is the ``VarData`` of column i, ``rows[i]`` the
    ``ConstraintData`` of row i or None for a row without terms)."""

    def __init__(self, pm: Any, columns: list[Any], rows: list[Any],
                 terms: list[dict[int, float]], bounds: list[tuple[float, float]]):
        self.pm = pm
        self.columns = columns
        self.rows = rows
        self.terms = terms
        self.bounds = bounds


def to_pyomo(model: LinearModel) -> Any:
    """A Pyomo ``ConcreteModel`` with one component per block."""
    return build_pyomo(model).pm


def build_pyomo(model: LinearModel) -> PyomoModel:
    """``to_pyomo`` with the column and row maps a session needs."""
    import pyomo.environ as pyo

    pm = pyo.ConcreteModel(name=model.name)
    columns: list[Any] = [None] * model.n_cols
    for var_blk in model.var_blocks.values():
        keys = [tuple(str(k) for k in key) for key in var_blk.keys()]
        index = pyo.Set(initialize=keys, dimen=len(keys[0]) if keys else 1, ordered=True)
        pm.add_component(f"{var_blk.name}_index", index)
        pos = {k: i for i, k in enumerate(keys)}

        def bounds(m: Any, *key: Any, _blk: Any = var_blk, _pos: dict = pos) -> tuple:
            i = _pos[tuple(key)]
            return (_opt(_blk.lb[i]), _opt(_blk.ub[i]))

        var = pyo.Var(index, domain=pyo.Binary if var_blk.integer else pyo.Reals, bounds=bounds,
                      doc=var_blk.doc)
        pm.add_component(var_blk.name, var)
        for i, key in enumerate(keys):
            columns[var_blk.start + i] = var[key]

    cost = np.concatenate([b.obj for b in model.var_blocks.values()]) if model.var_blocks \
        else np.zeros(0)
    pm.objective = pyo.Objective(expr=_linear(model.offset, cost, columns),
                                 sense=pyo.minimize if model.sense == "min" else pyo.maximize)

    rows: list[Any] = [None] * model.n_rows
    row_terms: list[dict[int, float]] = [{} for _ in range(model.n_rows)]
    row_bounds: list[tuple[float, float]] = [(-np.inf, np.inf)] * model.n_rows
    for blk in model.row_blocks.values():
        keys = [tuple(str(k) for k in key) for key in blk.keys()]
        terms: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for r, c, v in zip(blk.rows.tolist(), blk.cols.tolist(), blk.vals.tolist()):
            terms[r][c] += v
        for i in range(blk.size):
            row_terms[blk.start + i] = {c: v for c, v in terms.get(i, {}).items() if v != 0.0}
            row_bounds[blk.start + i] = (float(blk.lo[i]), float(blk.hi[i]))
        index = pyo.Set(initialize=keys, dimen=len(keys[0]) if keys else 1, ordered=True)
        pm.add_component(f"{blk.name}_index", index)
        pos = {k: i for i, k in enumerate(keys)}

        def rule(m: Any, *key: Any, _start: int = blk.start, _pos: dict = pos) -> Any:
            g = _start + _pos[tuple(key)]
            if not _stated(row_terms[g], row_bounds[g]):
                return pyo.Constraint.Skip
            return _row(row_terms[g], row_bounds[g], columns)

        con = pyo.Constraint(index, rule=rule, doc=blk.doc)
        pm.add_component(blk.name, con)
        for i, key in enumerate(keys):
            if _stated(row_terms[blk.start + i], row_bounds[blk.start + i]):
                rows[blk.start + i] = con[key]
    pm.added_rows = pyo.ConstraintList(doc="rows added after the model was stated")
    return PyomoModel(pm, columns, rows, row_terms, row_bounds)


def _stated(terms: dict[int, float], bounds: tuple[float, float]) -> bool:
    """A row is a Pyomo constraint when it has terms and some finite bound (a free row -
    e.g. the budget row of an outcome without a cap - constrains nothing; it is stated
    when a bound is set, ``PyomoSession._restate``)."""
    return bool(terms) and not (np.isinf(bounds[0]) and np.isinf(bounds[1]))


def _opt(v: float) -> float | None:
    return None if np.isinf(v) else float(v)


def _linear(offset: float, coefs: np.ndarray, columns: list[Any]) -> Any:
    return offset + sum(float(c) * columns[i] for i, c in enumerate(coefs) if c != 0.0)


def _row(terms: dict[int, float], bounds: tuple[float, float], columns: list[Any]) -> Any:
    body = sum(v * columns[c] for c, v in terms.items())
    lo, hi = _opt(bounds[0]), _opt(bounds[1])
    if lo is not None and hi is not None and lo == hi:
        return body == lo
    return (lo, body, hi)


_TERMINATION: dict[str, Termination] = {
    "convergenceCriteriaSatisfied": Termination.OPTIMAL,
    "maxTimeLimit": Termination.TIME_LIMIT,
    "iterationLimit": Termination.NODE_LIMIT,  # HiGHS's kSolutionLimit (mip_max_nodes)
    "interrupted": Termination.INTERRUPTED,
    "provenInfeasible": Termination.INFEASIBLE,
    "unbounded": Termination.UNBOUNDED,
    "infeasibleOrUnbounded": Termination.INFEASIBLE_OR_UNBOUNDED,
}


class PyomoSession:
    """A ``solvers.base.Session`` on the Pyomo model of ``model`` (module docstring)."""

    def __init__(self, model: LinearModel, options: SolveOptions | None = None):
        from pyomo.contrib.solver.common.factory import SolverFactory

        self.options = options or SolveOptions()
        self.model = model
        t0 = time.perf_counter()
        self.built = build_pyomo(model)
        self.pm = self.built.pm
        self.solver = SolverFactory("highs")
        self.cost = np.concatenate([b.obj for b in model.var_blocks.values()]) \
            if model.var_blocks else np.zeros(0)
        self.sense = model.sense
        self.rel_gap, self.abs_gap = self.options.rel_gap, self.options.abs_gap
        self.is_mip = any(b.integer for b in model.var_blocks.values())
        self._start: np.ndarray | None = None
        self.time_limit = self.options.time_limit
        self.first_solution = False
        self.lp_algorithm = o_alg.value if (o_alg := self.options.lp_algorithm) else "choose"
        self.build_seconds = time.perf_counter() - t0

    @property
    def n_rows(self) -> int:
        return len(self.built.rows)

    @property
    def n_cols(self) -> int:
        return len(self.built.columns)

    # -- changes
    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        for c, lo, hi in zip(np.asarray(cols).tolist(), np.asarray(lower, float).tolist(),
                             np.asarray(upper, float).tolist()):
            v = self.built.columns[c]
            v.setlb(_opt(lo))
            v.setub(_opt(hi))

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        for r, lo, hi in zip(np.asarray(rows).tolist(), np.asarray(lower, float).tolist(),
                             np.asarray(upper, float).tolist()):
            self.built.bounds[r] = (lo, hi)
            self._restate(r)

    def set_costs(self, cols: np.ndarray, costs: np.ndarray) -> None:
        self.cost[np.asarray(cols, np.int64)] = np.asarray(costs, float)
        self._restate_objective()

    def set_objective(self, cost: np.ndarray, sense: str) -> None:
        self.cost = np.asarray(cost, float).copy()
        self.sense = sense
        self._restate_objective()

    def set_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        touched = set()
        for r, c, v in zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(),
                           np.asarray(values, float).tolist()):
            terms = self.built.terms[r]
            if v == 0.0:
                terms.pop(c, None)
            else:
                terms[c] = v
            touched.add(r)
        for r in sorted(touched):
            self._restate(r)

    def set_integrality(self, cols: np.ndarray, integer: bool) -> None:
        import pyomo.environ as pyo

        for c in np.asarray(cols).tolist():
            v = self.built.columns[c]
            lb, ub = v.lb, v.ub
            v.domain = pyo.Integers if integer else pyo.Reals
            v.setlb(lb)
            v.setub(ub)
        self.is_mip = any(not v.is_continuous() for v in self.built.columns)

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, starts: np.ndarray,
                 indices: np.ndarray, values: np.ndarray) -> None:
        starts = np.append(np.asarray(starts, np.int64), len(values))
        for i, (lo, hi) in enumerate(zip(np.asarray(lower, float).tolist(),
                                         np.asarray(upper, float).tolist())):
            a, b = int(starts[i]), int(starts[i + 1])
            terms = {int(c): float(v) for c, v in zip(indices[a:b], values[a:b]) if v != 0.0}
            self.built.terms.append(terms)
            self.built.bounds.append((lo, hi))
            self.built.rows.append(None)
            self._restate(len(self.built.rows) - 1)

    def delete_rows_from(self, first: int) -> None:
        for r in range(first, self.n_rows):
            con = self.built.rows[r]
            if con is not None:
                con.deactivate()
        del self.built.rows[first:], self.built.terms[first:], self.built.bounds[first:]

    def set_gaps(self, rel_gap: float, abs_gap: float | None) -> None:
        self.rel_gap, self.abs_gap = rel_gap, abs_gap

    def set_time_limit(self, seconds: float | None) -> None:
        self.time_limit = seconds

    def stop_at_first_solution(self, stop: bool) -> None:
        self.first_solution = stop

    def set_lp_algorithm(self, algorithm: str) -> None:
        self.lp_algorithm = algorithm

    def set_start(self, values: np.ndarray) -> None:
        self._start = np.asarray(values, float).copy()

    def col_duals(self) -> np.ndarray:
        rc = self.solver._get_reduced_costs()  # noqa: SLF001 - solver internals live here
        return np.array([float(rc.get(v, 0.0)) for v in self.built.columns])

    def _restate(self, r: int) -> None:
        """Re-state row ``r`` from its terms and bounds (the persistent interface sees the
        change on the next solve)."""
        terms, bounds = self.built.terms[r], self.built.bounds[r]
        con = self.built.rows[r]
        if np.isinf(bounds[0]) and np.isinf(bounds[1]):  # a free row constrains nothing
            if con is not None:
                con.deactivate()
            return
        if not terms:
            if bounds[0] > 0.0 or bounds[1] < 0.0:
                raise SolveError(f"row {r} has no terms but bounds [{bounds[0]}, {bounds[1]}]")
            if con is not None:
                con.deactivate()
            return
        expr = _row(terms, bounds, self.built.columns)
        if con is None:
            self.built.rows[r] = self.pm.added_rows.add(expr)
        else:
            con.activate()
            con.set_value(expr)

    def _restate_objective(self) -> None:
        import pyomo.environ as pyo

        self.pm.del_component(self.pm.objective)
        self.pm.objective = pyo.Objective(
            expr=_linear(self.model.offset, self.cost, self.built.columns),
            sense=pyo.minimize if self.sense == "min" else pyo.maximize)

    # -- solve
    def _highs(self) -> Any:
        """The HiGHS instance the persistent interface keeps, synchronised with the model
        (None before the first solve)."""
        if self.solver._model is not self.pm:  # noqa: SLF001
            self.solver.set_instance(self.pm)
        else:
            self.solver.update()
        return self.solver._solver_model  # noqa: SLF001

    def solve(self) -> RawSolution:
        o = self.options
        solver_options = _solver_options(o)
        solver_options["solver"] = "simplex" if self.lp_algorithm == "primal" else \
            self.lp_algorithm
        solver_options["simplex_strategy"] = 4 if self.lp_algorithm == "primal" else 1
        h = self._highs()
        if self.is_mip:
            h.clearSolver()  # rule 1 of solvers.highs
        solver_options["presolve"] = "choose"
        if self._start is not None:
            self._pass_start(h, self._start)
            solver_options["presolve"] = "off"  # rule 2 of solvers.highs
            self._start = None
        if self.first_solution:
            solver_options["mip_max_improving_sols"] = 1
        kwargs = _solve_kwargs(o, solver_options, self.rel_gap, self.abs_gap, self.time_limit)
        ensure_threads(o.threads)
        t0 = time.perf_counter()
        res = self.solver.solve(self.pm, **kwargs)
        return _raw_solution(self.solver, res, self.built.columns, self.is_mip,
                             time.perf_counter() - t0)

    def _pass_start(self, h: Any, values: np.ndarray) -> None:
        index = self.solver._pyomo_var_to_solver_var_map  # noqa: SLF001
        pairs = [(index[id(self.built.columns[c])], float(values[c]))
                 for c in np.flatnonzero(np.isfinite(values)).tolist()
                 if id(self.built.columns[c]) in index]
        if pairs:
            idx = np.array([p[0] for p in pairs], np.int32)
            h.setSolution(len(idx), idx, np.array([p[1] for p in pairs], float))

    def write(self, path: str | Path) -> None:
        """Export through Pyomo's writers (``.lp`` or ``.mps``), with the model's names."""
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix not in ("lp", "mps"):
            raise SolveError(f"{path}: the model can be written as .lp or .mps")
        self.pm.write(str(path), format=suffix, io_options={"symbolic_solver_labels": True})


def _raw_solution(solver: Any, res: Any, columns: list[Any], is_mip: bool,
                  seconds: float) -> RawSolution:
    """Pyomo's results of a solve as a ``RawSolution`` over ``columns`` (in that order)."""
    from pyomo.contrib.solver.common.results import SolutionStatus as PS

    term = _TERMINATION.get(str(res.termination_condition).split(".")[-1], Termination.ERROR)
    values = None
    if res.solution_status in (PS.optimal, PS.feasible):
        res.solution_loader.load_vars()
        values = np.array([float(v.value) if v.value is not None else 0.0 for v in columns])
    status = (SolutionStatus.OPTIMAL if res.solution_status == PS.optimal
              else SolutionStatus.FEASIBLE if values is not None else SolutionStatus.NONE)
    obj = None if res.incumbent_objective is None else float(res.incumbent_objective)
    bound = res.objective_bound
    bound = float(bound) if bound is not None and np.isfinite(bound) else None
    if not is_mip and term == Termination.OPTIMAL:
        bound = obj
    gap = None
    if obj is not None and bound is not None:
        gap = abs(obj - bound) / max(abs(obj), 1e-10)
    info = solver._solver_model.getInfo()
    nodes = int(getattr(info, "mip_node_count", 0) or 0) if is_mip else 0
    return RawSolution(term, status, values, obj, bound, gap, max(nodes, 0), seconds,
                       str(res.termination_condition))


def solve_concrete(pm: Any, columns: list[Any], options: SolveOptions | None = None,
                   ) -> RawSolution:
    """Solve a Pyomo ``ConcreteModel`` written by hand (e.g. a textbook formulation)
    through Pyomo's ``highs`` interface with ``options`` (time limit, gaps, node limit,
    threads, seed, raw ``extra`` options); the solution's values are those of
    ``columns`` (Pyomo ``VarData``), in that order. The seconds include Pyomo's transfer
    of the model to HiGHS, as a user of such a script waits for it."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory

    o = options or SolveOptions()
    solver = SolverFactory("highs")
    kwargs = _solve_kwargs(o, _solver_options(o), o.rel_gap, o.abs_gap, o.time_limit)
    is_mip = any(not v.is_continuous() for v in pm.component_data_objects(pyo.Var, active=True))
    ensure_threads(o.threads)
    t0 = time.perf_counter()
    res = solver.solve(pm, **kwargs)
    return _raw_solution(solver, res, columns, is_mip, time.perf_counter() - t0)



def _solver_options(o: SolveOptions) -> dict[str, Any]:
    """HiGHS options passed by name through Pyomo (seed, node limit, raw extras)."""
    out: dict[str, Any] = {"random_seed": o.seed, **o.extra}
    if o.node_limit is not None:
        out["mip_max_nodes"] = o.node_limit
    return out


def _solve_kwargs(o: SolveOptions, solver_options: dict[str, Any], rel_gap: float,
                  abs_gap: float | None, time_limit: float | None) -> dict[str, Any]:
    """The keyword arguments of Pyomo's ``solve`` call."""
    # the log goes to stderr: stdout carries reports and JSON
    kwargs: dict[str, Any] = {"tee": [sys.stderr] if o.verbose else False, "load_solutions": False,
                              "raise_exception_on_nonoptimal_result": False,
                              "rel_gap": rel_gap, "threads": o.threads or 0,
                              "solver_options": solver_options}
    if time_limit is not None:
        kwargs["time_limit"] = time_limit
    if abs_gap is not None:
        kwargs["abs_gap"] = abs_gap
    return kwargs
