"""The same model as a Pyomo ``ConcreteModel``, for users who read, extend or hand it to
another solver, and solved through Pyomo's ``highs`` interface (pyomo.contrib.solver).

Each variable block becomes an indexed ``Var`` and each row block an indexed ``Constraint``
with the block's name and documentation, indexed by readable keys (node, commodity …).
Building through Pyomo costs ~25 s per million nonzeros: this path is for inspection and
extension, not for large instances or loops (use ``solvers.highs``).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from ..formulation.blocks import LinearModel
from .highs import RawSolution, ensure_threads
from ..options import SolutionStatus, SolveOptions, Termination


def to_pyomo(model: LinearModel):
    """Build a Pyomo ``ConcreteModel`` with one component per block."""
    import pyomo.environ as pyo

    pm = pyo.ConcreteModel(name=model.name)
    columns: list = [None] * model.n_cols
    for blk in model.var_blocks.values():
        keys = [tuple(str(k) for k in key) for key in blk.keys()]
        index = pyo.Set(initialize=keys, dimen=len(keys[0]) if keys else 1, ordered=True)
        pm.add_component(f"{blk.name}_index", index)

        def bounds(m, *key, _blk=blk, _pos={k: i for i, k in enumerate(keys)}):
            i = _pos[tuple(key)]
            lo, hi = _blk.lb[i], _blk.ub[i]
            return (None if np.isinf(lo) else float(lo), None if np.isinf(hi) else float(hi))

        var = pyo.Var(index, domain=pyo.Binary if blk.integer else pyo.Reals, bounds=bounds,
                      doc=blk.doc)
        pm.add_component(blk.name, var)
        for i, key in enumerate(keys):
            columns[blk.start + i] = var[key]

    obj_terms = [(float(c), columns[blk.start + i])
                 for blk in model.var_blocks.values() for i, c in enumerate(blk.obj) if c != 0.0]
    sense = pyo.minimize if model.sense == "min" else pyo.maximize
    pm.objective = pyo.Objective(expr=model.offset + sum(c * v for c, v in obj_terms), sense=sense)

    for blk in model.row_blocks.values():
        keys = [tuple(str(k) for k in key) for key in blk.keys()]
        terms: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for r, c, v in zip(blk.rows.tolist(), blk.cols.tolist(), blk.vals.tolist()):
            terms[r][c] += v
        index = pyo.Set(initialize=keys, dimen=len(keys[0]) if keys else 1, ordered=True)
        pm.add_component(f"{blk.name}_index", index)
        pos = {k: i for i, k in enumerate(keys)}

        def rule(m, *key, _blk=blk, _terms=terms, _pos=pos):
            i = _pos[tuple(key)]
            row = {c: v for c, v in _terms.get(i, {}).items() if v != 0.0}
            if not row:
                return pyo.Constraint.Skip
            body = sum(v * columns[c] for c, v in row.items())
            lo = None if np.isinf(_blk.lo[i]) else float(_blk.lo[i])
            hi = None if np.isinf(_blk.hi[i]) else float(_blk.hi[i])
            if lo is not None and hi is not None and lo == hi:
                return body == lo
            return (lo, body, hi)

        pm.add_component(blk.name, pyo.Constraint(index, rule=rule, doc=blk.doc))
    pm._interdict_columns = columns  # column order of the LinearModel
    return pm


def solve_pyomo(model: LinearModel, options: SolveOptions | None = None) -> RawSolution:
    """Build the Pyomo model and solve it with Pyomo's ``highs`` interface."""
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.contrib.solver.common.results import SolutionStatus as PS
    from pyomo.contrib.solver.common.results import TerminationCondition as TC

    options = options or SolveOptions()
    pm = to_pyomo(model)
    solver = SolverFactory("highs")
    kwargs = dict(tee=options.verbose, load_solutions=False,
                  raise_exception_on_nonoptimal_result=False, rel_gap=options.rel_gap,
                  solver_options={"random_seed": options.seed, **options.extra})
    if options.time_limit is not None:
        kwargs["time_limit"] = options.time_limit
    if options.abs_gap is not None:
        kwargs["abs_gap"] = options.abs_gap
    kwargs["threads"] = options.threads or 0
    ensure_threads(options.threads)
    t0 = time.perf_counter()
    res = solver.solve(pm, **kwargs)
    seconds = time.perf_counter() - t0
    tc = res.termination_condition
    term = {
        TC.convergenceCriteriaSatisfied: Termination.OPTIMAL,
        TC.maxTimeLimit: Termination.TIME_LIMIT,
        TC.iterationLimit: Termination.ITERATION_LIMIT,
        TC.interrupted: Termination.INTERRUPTED,
        TC.provenInfeasible: Termination.INFEASIBLE,
        TC.unbounded: Termination.UNBOUNDED,
        TC.infeasibleOrUnbounded: Termination.INFEASIBLE_OR_UNBOUNDED,
    }.get(tc, Termination.ERROR)
    values = None
    if res.solution_status in (PS.optimal, PS.feasible):
        res.solution_loader.load_vars()
        values = np.array([float(v.value) if v.value is not None else 0.0
                           for v in pm._interdict_columns])
    status = (SolutionStatus.OPTIMAL if res.solution_status == PS.optimal
              else SolutionStatus.FEASIBLE if values is not None else SolutionStatus.NONE)
    obj = res.incumbent_objective
    bound = res.objective_bound
    bound = float(bound) if bound is not None and np.isfinite(bound) else None
    gap = None
    if obj is not None and bound is not None:
        gap = abs(obj - bound) / max(abs(obj), 1e-10)
    return RawSolution(term, status, values, None if obj is None else float(obj), bound, gap, 0,
                       seconds, str(tc))
