"""Calibration: fit the declared parameters so that the no-action baseline matches the
observations (docs/model.md, "Observations and calibration").

The parameters θ (numbers of the file, each within its bounds [lo, hi]) are searched to
minimise the weighted misfit of ``studies.observe``:

    J(θ) = Σ_o w_o · ((m_o(θ) − y_o) / tol_o)²

where m_o(θ) is observation o's measure on the baseline with θ set. One evaluation of J
solves the smuggler's LP once per scenario. J is piecewise smooth: within one optimal
basis the flows are rational functions of the seizure probabilities, and they jump when the
smuggler switches routes (and are flat in a value or price until it does), so the search
is derivative-free. The search runs in the unit box u = (θ − lo)/(hi − lo):

- ``de``: differential evolution (a global, population-based search; Storn & Price 1997)
  with a fixed seed, its evaluations bounded, its best point then polished by Powell;
- ``powell``: Powell's conjugate-direction method from the file's values (local);
- ``nelder-mead``: the Nelder–Mead simplex from the file's values (local).

Evaluations during the search re-solve warm LPs (``WarmLP``: one loaded model per
scenario; only the numbers that changed are sent to HiGHS). Figures reported, and the
decision whether every observation is met, come from LPs built afresh on the calibrated
numbers rounded to 6 significant digits — what ``interdict validate`` of the written file
shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..certify.response import SmugglerSolution, _lp_options, _solution, solve_smuggler
from ..compile.network import CompiledNetwork, apply_plan, compile_instance
from ..errors import InstanceError, SolveError
from ..formulation.blocks import MatrixForm
from ..formulation.smuggler import build_smuggler_lp
from ..instance.model import Instance, Parameter
from ..instance.numbers import locate, set_numbers
from ..instance.scenarios import scenario_instances
from ..options import SolveOptions
from ..solvers.highs import HighsSession
from .observe import Quantities, Reading, misfit, readings, response_quantities

METHODS = ("de", "powell", "nelder-mead")
#: The misfit given to parameter values for which the file is invalid or the smuggler's
#: problem has no optimum (e.g. two curve pieces pushed out of order).
INVALID = 1e30
#: Significant digits of a fitted number (written to the file).
DIGITS = 6

Progress = Callable[[int, float], None]


# ----------------------------------------------------------------------------- warm LPs


class WarmLP:
    """The smuggler's LP (no action) of one scenario, kept loaded in HiGHS across
    networks of the same shape: each solve sends only the costs, bounds and coefficients
    that differ from the loaded model (a changed seizure probability is a changed
    coefficient −(1 − p) of a balance row, a changed value a changed cost), and HiGHS
    re-solves from the previous basis. A network of another shape (an unlimited capacity
    made finite …) is loaded afresh."""

    def __init__(self, options: SolveOptions | None = None):
        self.options = options
        self.session: HighsSession | None = None
        self.matrix: MatrixForm | None = None

    def solve(self, net: CompiledNetwork) -> SmugglerSolution:
        data = apply_plan(net, None)
        lp = build_smuggler_lp(net, data)
        mf = lp.model.to_matrix()
        if self.session is None or self.matrix is None or not _same_shape(self.matrix, mf):
            self.session = HighsSession(mf, _lp_options(net, self.options))
            self.session.set_lp_algorithm("simplex")  # warm starts need a basis
        else:
            _send_changes(self.session, self.matrix, mf)
        self.matrix = mf
        return _solution(net, lp, self.session.solve(), data)


def _same_shape(a: MatrixForm, b: MatrixForm) -> bool:
    return (a.matrix.shape == b.matrix.shape and np.array_equal(a.matrix.indptr, b.matrix.indptr)
            and np.array_equal(a.matrix.indices, b.matrix.indices))


def _send_changes(s: HighsSession, old: MatrixForm, new: MatrixForm) -> None:
    """Push to HiGHS what differs between two models of the same shape."""
    idx = np.flatnonzero(old.cost != new.cost)
    if len(idx):
        s.set_costs(idx, new.cost[idx])
    idx = np.flatnonzero((old.col_lower != new.col_lower) | (old.col_upper != new.col_upper))
    if len(idx):
        s.set_col_bounds(idx, new.col_lower[idx], new.col_upper[idx])
    idx = np.flatnonzero((old.row_lower != new.row_lower) | (old.row_upper != new.row_upper))
    if len(idx):
        s.set_row_bounds(idx, new.row_lower[idx], new.row_upper[idx])
    changed = np.flatnonzero(old.matrix.data != new.matrix.data)
    if len(changed):
        cols = np.searchsorted(new.matrix.indptr, changed, side="right") - 1
        s.set_coefficients(new.matrix.indices[changed], cols, new.matrix.data[changed])


# ----------------------------------------------------------------------------- misfit


class Misfit:
    """J(θ) for an instance's parameters: ``quantities``/``readings`` at θ, one smuggler LP
    per scenario per evaluation (warm by default, afresh with ``fresh=True``)."""

    def __init__(self, inst: Instance, options: SolveOptions | None = None):
        self.inst = inst
        self.options = options
        self.keys = [p.field for p in inst.parameters]
        self.lo = np.array([p.bounds[0] for p in inst.parameters], float)
        self.hi = np.array([p.bounds[1] for p in inst.parameters], float)
        self.lps: list[WarmLP] = []
        self.evaluations = 0

    def instance(self, theta: np.ndarray) -> Instance:
        return set_numbers(self.inst, dict(zip(self.keys, (float(v) for v in theta))))

    def quantities(self, theta: np.ndarray, *, fresh: bool = False) -> Quantities:
        parts = []
        for i, (sc, sub) in enumerate(scenario_instances(self.instance(theta))):
            net = compile_instance(sub)
            if fresh:
                sol = solve_smuggler(net, None, self.options)
            else:
                while len(self.lps) <= i:
                    self.lps.append(WarmLP(self.options))
                sol = self.lps[i].solve(net)
            parts.append((sc.probability, net, sol))
        return response_quantities(parts)

    def readings(self, theta: np.ndarray, *, fresh: bool = False) -> list[Reading]:
        return readings(self.inst, self.quantities(theta, fresh=fresh))

    def __call__(self, theta: np.ndarray) -> float:
        self.evaluations += 1
        try:
            return misfit(self.readings(theta))
        except (InstanceError, SolveError):
            return INVALID

    def theta(self, u: np.ndarray) -> np.ndarray:
        """Parameter values from a point of the unit box."""
        return self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo)

    def unit(self, theta: np.ndarray) -> np.ndarray:
        return (theta - self.lo) / (self.hi - self.lo)


# ----------------------------------------------------------------------------- search


@dataclass(frozen=True)
class Calibration:
    """The outcome: parameter values before (the file's, clipped into the bounds) and
    fitted, the observations against the model before and after (LPs afresh), which
    observations each parameter moves, and the calibrated instance (with source notes)."""

    method: str
    seed: int
    evaluations: int
    parameters: tuple[Parameter, ...]
    start: tuple[float, ...]
    fitted: tuple[float, ...]
    before: tuple[Reading, ...]
    after: tuple[Reading, ...]
    moves: dict[str, tuple[str, ...]]
    instance: Instance

    @property
    def misfit_before(self) -> float:
        return misfit(self.before)

    @property
    def misfit_after(self) -> float:
        return misfit(self.after)

    @property
    def missed(self) -> tuple[Reading, ...]:
        """Observations the calibrated model does not bring within their tolerance."""
        return tuple(r for r in self.after if not r.met)


def calibrate(inst: Instance, *, method: str = "de", seed: int = 0, max_evals: int = 2000,
              options: SolveOptions | None = None,
              progress: Progress | None = None) -> Calibration:
    """Fit ``inst.parameters`` to ``inst.observations`` (see the module docstring)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    J = Misfit(inst, options)
    start = np.clip([locate(inst, k).value for k in J.keys], J.lo, J.hi)
    counted = _Counted(J, progress)
    SEARCHES[method](counted, J.unit(start), seed, max_evals)
    u = counted.best_u if counted.best_u is not None else J.unit(start)
    fitted = _rounded(J.theta(u), J.lo, J.hi)
    before = J.readings(start, fresh=True)
    after = J.readings(fitted, fresh=True)
    if misfit(after) > misfit(before):  # never return worse than where it started
        fitted, after = start, before
    moves = _moves(J, fitted, after)
    out = annotate(J.instance(fitted), inst, fitted, moves, method, seed)
    return Calibration(method, seed, J.evaluations, inst.parameters,
                       tuple(float(v) for v in start), tuple(float(v) for v in fitted),
                       tuple(before), tuple(after), moves, out)


class _Counted:
    """J on the unit box, keeping the best point seen and reporting progress. A search
    returns the best point it evaluated: SciPy's bounded Powell line search (Brent on the
    segment inside the box) can end on a point worse than where it started when J is not
    unimodal along the line, as a misfit with kinks and plateaus often is."""

    EVERY = 50

    def __init__(self, J: Misfit, progress: Progress | None):
        self.J, self.progress, self.best = J, progress, math.inf
        self.best_u: np.ndarray | None = None

    def __call__(self, u: np.ndarray) -> float:
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        value = self.J(self.J.theta(u))
        if value < self.best:
            self.best, self.best_u = value, u.copy()
        if self.progress is not None and self.J.evaluations % self.EVERY == 0:
            self.progress(self.J.evaluations, self.best)
        return value


def _powell(f: _Counted, u0: np.ndarray, seed: int, max_evals: int) -> np.ndarray:
    from scipy.optimize import minimize

    res = minimize(f, u0, method="Powell", bounds=[(0.0, 1.0)] * len(u0),
                   options={"maxfev": max_evals, "xtol": 1e-6, "ftol": 1e-10})
    return np.asarray(res.x, float)


def _nelder_mead(f: _Counted, u0: np.ndarray, seed: int, max_evals: int) -> np.ndarray:
    from scipy.optimize import minimize

    n = len(u0)
    simplex = np.vstack([u0] + [np.clip(u0 + 0.1 * np.where(u0 + 0.1 <= 1, 1, -1) * e, 0, 1)
                                for e in np.eye(n)])
    res = minimize(f, u0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * n,
                   options={"maxfev": max_evals, "initial_simplex": simplex,
                            "xatol": 1e-6, "fatol": 1e-10})
    return np.asarray(res.x, float)


#: differential evolution: population per parameter, and the share of the evaluation
#: budget left for Powell's polish of its best point
POPSIZE = 10
POLISH_SHARE = 0.25


def _evolution(f: _Counted, u0: np.ndarray, seed: int, max_evals: int) -> np.ndarray:
    """Differential evolution (the file's values are one member of the first population),
    then Powell from its best point."""
    from scipy.optimize import differential_evolution

    n = len(u0)
    population = POPSIZE * n
    if max_evals < 2 * population:  # not even two generations: a local search instead
        return _powell(f, u0, seed, max_evals)
    generations = max(1, int(max_evals * (1 - POLISH_SHARE)) // population - 1)
    res = differential_evolution(f, [(0.0, 1.0)] * n, seed=seed, popsize=POPSIZE,
                                 maxiter=generations, tol=1e-8, polish=False, x0=u0,
                                 init="latinhypercube", updating="immediate", workers=1)
    left = max(max_evals - f.J.evaluations, 2 * n + 1)
    return _powell(f, f.best_u if f.best_u is not None else np.asarray(res.x, float), seed,
                   left)


SEARCHES: dict[str, Callable[[_Counted, np.ndarray, int, int], np.ndarray]] = {
    "de": _evolution, "powell": _powell, "nelder-mead": _nelder_mead,
}


def _rounded(theta: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each value to ``DIGITS`` significant digits, kept within its bounds."""
    out = np.array([float(f"{v:.{DIGITS}g}") for v in theta])
    return np.clip(out, lo, hi)


def _moves(J: Misfit, theta: np.ndarray, at: list[Reading]) -> dict[str, tuple[str, ...]]:
    """For each parameter, the observations whose modelled value changes when it alone is
    set to its low or its high bound (the others as fitted): what it is fitted to."""
    base = {r.observation.id: r.modelled for r in at}
    out: dict[str, tuple[str, ...]] = {}
    for j, p in enumerate(J.inst.parameters):
        moved: set[str] = set()
        for bound in p.bounds:
            probe = theta.copy()
            probe[j] = bound
            try:
                rows = J.readings(probe, fresh=True)
            except (InstanceError, SolveError):
                continue
            moved |= {r.observation.id for r in rows
                      if not _same(r.modelled, base[r.observation.id])}
        out[p.id] = tuple(o.id for o in J.inst.observations if o.id in moved)
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def annotate(fitted: Instance, original: Instance, theta: np.ndarray,
             moves: dict[str, tuple[str, ...]], method: str, seed: int) -> Instance:
    """The calibrated instance with each fitted number's source note saying so: the value,
    the observations it was fitted to, its bounds and what it was before (with the
    original note)."""
    sources = dict(fitted.sources)
    for p, v in zip(original.parameters, theta):
        was = locate(original, p.field).value
        to = ", ".join(moves.get(p.id, ())) or "none of the observations (it moves none)"
        note = (f"calibrated (interdict calibrate --method {method} --seed {seed}): {v:g}, "
                f"fitted to observations {to}, within bounds [{p.bounds[0]:g}, "
                f"{p.bounds[1]:g}]; was {was:g}")
        old = original.sources.get(p.field)
        sources[p.field] = note + (f" — {old}" if old else "")
    return replace(fitted, sources=sources)


__all__ = ["METHODS", "Calibration", "Misfit", "WarmLP", "annotate", "calibrate"]
