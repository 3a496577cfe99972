"""Decomposition of the defender's problem: a master over the binaries, oracles for V(x).

Two masters share the oracles (``oracles.py``) and the action rows of the monolithic MILP
(``formulation.interdiction.add_actions``: budgets and exclusive levels).

**Covering decomposition** (Israeli & Wood 2002, §4–5; the default). With the best plan
found so far worth U to the smuggler, ask only whether some plan is worth at most the
target T = U − δ (δ from the gap tolerance; δ = 1 when V is integral). Each cut
V(x) ≥ C − Σ g_b x_b then says that an improving plan must satisfy

    Σ_b min(g_b, r) x_b ≥ r,        r = C − T > 0,                        (cover row)

a knapsack-cover row whose coefficients are tightened by r: for binary x it is equivalent
to the untightened row, but its LP relaxation is much stronger. It is a *supervalid
inequality* in Israeli & Wood's sense: it removes plans that are no better than the
incumbent, never every strictly better one. With the per-action largest coefficients
sorted, the cardinality row Σ_b x_b ≥ q (q the fewest actions whose coefficients can reach
r) is added too. The master is a pure 0-1 feasibility problem (objective: the normalised
spend, to keep plans lean); HiGHS stops at its first feasible plan x̂ (``mip_max_improving_sols
= 1``). The oracle evaluates x̂: if V(x̂) ≤ T it is the new incumbent (U drops, every row is
re-tightened in place), otherwise its cuts are added as rows. When the master is
infeasible, no plan beats T: the incumbent is optimal within δ — V* > T is the proof.

**Basic Benders** (``covering=False``, for comparison): min z s.t. z ≥ C − Σ g x for every
cut, re-solved to optimality after each round; its optimum is a lower bound, the best V(x̂)
an upper bound.

HiGHS 1.16 has no lazy-constraint callback (``kCallbackMipDefineLazyConstraints`` exists but
is never called and its input carries no rows), so the master stays loaded in one
solver session (``solvers.base.Session``) and is re-solved after rows are added — the model is
never rebuilt.

A greedy start (add the action with the largest cut coefficient per unit of normalised
cost, re-evaluate, repeat while the budget allows) gives the first incumbent and cuts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..compile.network import CompiledNetwork
from ..errors import SolveError
from ..formulation.blocks import LinearModel
from ..formulation.interdiction import add_actions
from ..options import SolutionStatus, SolveOptions, Termination
from ..solvers.base import open_session
from ..solvers.highs import ensure_threads
from .oracles import Cut, Oracle, choose_oracle


@dataclass
class DecompositionOutcome:
    """What a decomposition run found (the engine certifies ``x`` afterwards)."""

    x: np.ndarray
    value: float  # V(x) as evaluated by the oracle
    bound: float | None  # proven lower bound on the best plan's value
    termination: Termination
    status: SolutionStatus
    oracle: str
    iterations: int = 0
    cuts: int = 0
    master_nodes: int = 0
    master_seconds: float = 0.0
    oracle_seconds: float = 0.0
    build_seconds: float = 0.0
    seconds: float = 0.0
    history: list[tuple[float, float]] = field(default_factory=list)  # (seconds, incumbent)
    rows_added: int = 0  # rows handed to the loaded master (cuts, cardinality, no-goods)
    add_seconds: float = 0.0  # time spent adding them (building the arrays + HiGHS addRows)


def normalised_cost(net: CompiledNetwork) -> np.ndarray:
    """Σ_r cost_{b,r} / B_r per binary (resources with B_r = 0 count by cost)."""
    if net.n_binaries == 0:
        return np.zeros(0)
    scale = np.where(net.budgets > 0, net.budgets, 1.0)
    return (net.binary_cost / scale).sum(axis=1)


class _Clock:
    def __init__(self, limit: float | None):
        self.t0 = time.perf_counter()
        self.limit = limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def left(self) -> float:
        return math.inf if self.limit is None else self.limit - self.elapsed()


class _Master:
    """The master MILP in one HiGHS session: binaries, budgets, exclusive levels (+ z)."""

    def __init__(self, net: CompiledNetwork, options: SolveOptions, *, with_z: bool):
        m = LinearModel("master", sense="min")
        x, _ = add_actions(m, net)
        self.x_cols = x.cols
        self.z_col = -1
        if with_z:
            z = m.add_vars("z", 1, lb=0.0, obj=1.0, doc="the smuggler's value (V ≥ 0)")
            self.z_col = int(z.start)
        else:
            x.obj[:] = normalised_cost(net)
        self.session = open_session(m, SolveOptions(threads=options.threads, seed=options.seed,
                                                    rel_gap=options.rel_gap,
                                                    abs_gap=options.abs_gap,
                                                    verbose=options.verbose))
        self.base_rows = self.session.n_rows
        self.nodes = 0
        self.seconds = 0.0
        self.rows_added = 0
        self.add_seconds = 0.0

    def add_rows(self, rows: list[tuple[np.ndarray, np.ndarray, float, float]]) -> None:
        """Append rows lo ≤ Σ val·col ≤ hi given as (cols, vals, lo, hi)."""
        if not rows:
            return
        t0 = time.perf_counter()
        starts = np.cumsum([0] + [len(c) for c, _, _, _ in rows[:-1]])
        cols = np.concatenate([c for c, _, _, _ in rows])
        vals = np.concatenate([v for _, v, _, _ in rows])
        self.session.add_rows(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]),
                              starts, cols, vals)
        self.rows_added += len(rows)
        self.add_seconds += time.perf_counter() - t0

    def clear_cuts(self) -> None:
        self.session.delete_rows_from(self.base_rows)

    def solve(self, time_left: float):
        self.session.set_time_limit(max(time_left, 1e-3))
        raw = self.session.solve()
        self.nodes += raw.node_count
        self.seconds += raw.seconds
        return raw


def _cover_rows(cut: Cut, target: float, x_cols: np.ndarray, action_of: np.ndarray,
                tol: float) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """The cover row of ``cut`` at ``target`` (tightened) and its cardinality row.

    The cover row Σ min(g_b, r) x_b ≥ r is stored divided by r, as Σ min(g_b/r, 1) x_b ≥ 1,
    so that HiGHS's absolute feasibility tolerance (1e-6) means the same for every row."""
    r = cut.const - target
    if r <= tol or len(cut.idx) == 0:
        return []  # no row needed (r ≤ 0), or no plan beats the target (caller checks)
    coef = np.minimum(cut.coef / r, 1.0)
    rows = [(x_cols[cut.idx], coef, 1.0 - 1e-9, math.inf)]
    # cardinality: the fewest actions whose largest coefficients reach 1
    acts = action_of[cut.idx]
    best = np.zeros(int(acts.max()) + 1)
    np.maximum.at(best, acts, coef)
    top = np.sort(best[best > 0])[::-1]
    q = int(np.searchsorted(np.cumsum(top), 1.0 - 1e-9) + 1)
    if 2 <= q <= len(top):
        rows.append((x_cols[cut.idx], np.ones(len(cut.idx)), float(q), math.inf))
    return rows


def _blocks_all(cuts: list[Cut], target: float, tol: float) -> bool:
    """A cut that no action can lower (empty support) above the target: no plan beats it."""
    return any(len(c.idx) == 0 and c.const > target + tol for c in cuts)


def _no_good(x: np.ndarray, x_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Σ_{x̂_b=0} x_b − Σ_{x̂_b=1} x_b ≥ 1 − |x̂|: excludes exactly the plan x̂."""
    on = x > 0.5
    return (x_cols, np.where(on, -1.0, 1.0), 1.0 - float(on.sum()), math.inf)


def _feasible_add(net: CompiledNetwork, x: np.ndarray, b: int, spend: np.ndarray) -> bool:
    if x[b] > 0.5 or np.any(x[net.binary_action == net.binary_action[b]] > 0.5):
        return False
    after = spend + net.binary_cost[b]
    return bool(np.all(after <= net.budgets + 1e-9 * np.maximum(1.0, np.abs(net.budgets))))


def relaxation_bound(net: CompiledNetwork, cuts: list[Cut], options: SolveOptions) -> float | None:
    """min z s.t. z ≥ every cut, x ∈ [0,1] within budgets: a valid lower bound on V*."""
    if not cuts:
        return None
    master = _Master(net, options, with_z=True)
    master.session.set_integrality(master.x_cols, integer=False)
    master.add_rows([(np.concatenate([[master.z_col], master.x_cols[c.idx]]),
                      np.concatenate([[1.0], c.coef]), c.const, math.inf) for c in cuts])
    raw = master.solve(10.0)  # an LP over the binaries: small; never holds up a stop for long
    return float(raw.objective) if raw.termination == Termination.OPTIMAL else None


class _Run:
    """State of one decomposition run: the incumbent, the cut pool, the clocks."""

    def __init__(self, net: CompiledNetwork, options: SolveOptions, orc: Oracle):
        self.net, self.options, self.orc = net, options, orc
        self.clock = _Clock(options.time_limit)
        self.oracle_seconds = 0.0
        self.x_best = np.zeros(net.n_binaries)
        self.U, self.pool = self.evaluate(self.x_best)
        self.scale = max(1.0, abs(self.U))
        self.tol = 1e-9 * self.scale
        self.history = [(self.clock.elapsed(), self.U)]
        self.build = self.clock.elapsed()
        self.master: _Master | None = None
        self.iterations = 0
        self.z_objective = False
        self.first_feasible = True

    def evaluate(self, x: np.ndarray, target: float | None = None) -> tuple[float, list[Cut]]:
        t = time.perf_counter()
        v, cuts = self.orc.evaluate(x, target)
        self.oracle_seconds += time.perf_counter() - t
        return v, cuts

    def improve(self, x: np.ndarray, v: float) -> None:
        self.x_best = x.copy()
        self.U = v
        self.history.append((self.clock.elapsed(), v))

    def finish(self, term: Termination, bound: float | None) -> DecompositionOutcome:
        status = SolutionStatus.OPTIMAL if term == Termination.OPTIMAL else SolutionStatus.FEASIBLE
        m = self.master
        return DecompositionOutcome(
            x=self.x_best, value=self.U, bound=bound, termination=term, status=status,
            oracle=self.orc.name, iterations=self.iterations, cuts=len(self.pool),
            master_nodes=m.nodes if m else 0, master_seconds=m.seconds if m else 0.0,
            oracle_seconds=self.oracle_seconds, build_seconds=self.build,
            seconds=self.clock.elapsed(), history=self.history,
            rows_added=m.rows_added if m else 0, add_seconds=m.add_seconds if m else 0.0)

    def stopped(self) -> DecompositionOutcome:
        """Out of time: the incumbent with the LP bound of the cuts found."""
        bound = relaxation_bound(self.net, self.pool, self.options)
        return self.finish(Termination.TIME_LIMIT, None if bound is None else min(bound, self.U))

    # ------------------------------------------------------------------ greedy start
    def greedy(self, steps: int) -> None:
        """Add the binary with the largest coefficient of the last cut per unit of
        normalised cost, re-evaluate, repeat while the budget allows."""
        net = self.net
        weight = normalised_cost(net)
        x = np.zeros(net.n_binaries)
        spend = np.zeros(len(net.resource_ids))
        last = self.pool[0]
        for _ in range(steps):
            if self.clock.left() <= 0:
                return
            g = np.zeros(net.n_binaries)
            g[last.idx] = last.coef
            score = g / np.maximum(weight, 1e-9)
            chosen = -1
            for b in np.argsort(-score, kind="stable").tolist():
                if g[b] <= 0:
                    break
                if _feasible_add(net, x, b, spend):
                    chosen = b
                    break
            if chosen < 0:
                return
            x[chosen] = 1.0
            spend += net.binary_cost[chosen]
            v, cuts = self.evaluate(x)
            self.pool.extend(cuts)
            last = cuts[0]
            if v < self.U - self.tol:
                self.improve(x, v)

    # ------------------------------------------------------------------ covering
    def target(self) -> float:
        u = self.U
        delta = max(self.options.rel_gap * abs(u), self.options.abs_gap or 0.0, self.tol)
        t = u - delta
        if self.orc.integral:
            t = min(t, u - 1.0 + 1e-6)
        return t

    def covering(self) -> DecompositionOutcome:
        """Israeli–Wood covering decomposition (module docstring)."""
        net, tol = self.net, self.tol
        master = self.master = _Master(net, self.options, with_z=self.z_objective)
        no_goods: list[tuple] = []

        def rows_for(cuts: list[Cut], target: float) -> list[tuple]:
            out: list[tuple] = []
            for c in cuts:
                out.extend(_cover_rows(c, target, master.x_cols, net.binary_action, tol))
            return out

        if self.first_feasible:
            master.session.stop_at_first_solution(True)
        zc = master.z_col

        def rows_for_all(cuts: list[Cut], target: float) -> list[tuple]:
            out = rows_for(cuts, target)
            if zc >= 0:
                out.extend((np.concatenate([[zc], master.x_cols[c.idx]]),
                            np.concatenate([[1.0], c.coef]), c.const, math.inf) for c in cuts)
            return out

        T = self.target()
        master.add_rows(rows_for_all(self.pool, T))
        evaluated: set[bytes] = set()

        def proven(target: float) -> DecompositionOutcome:
            """V* > target: the incumbent is optimal within δ."""
            bound = target
            if self.orc.integral:
                bound = min(self.U, math.floor(target + 1e-9) + 1.0)
            return self.finish(Termination.OPTIMAL, bound)

        while True:
            if self.U <= tol:
                return self.finish(Termination.OPTIMAL, self.U)
            if _blocks_all(self.pool, T, tol):
                return proven(T)
            left = self.clock.left()
            if left <= 0:
                return self.stopped()
            self.iterations += 1
            raw = master.solve(left)
            if (zc >= 0 and not self.first_feasible and raw.termination == Termination.OPTIMAL
                    and raw.objective is not None and raw.objective > T + tol):
                raw = raw.__class__(Termination.INFEASIBLE, raw.status, None, None, None, None,
                                    0, raw.seconds)  # every improving plan is worth > T
            if raw.termination == Termination.INFEASIBLE:
                return proven(T)  # no plan is worth ≤ T to the smuggler: V* > T
            if raw.values is None:
                if raw.termination in (Termination.TIME_LIMIT, Termination.INTERRUPTED):
                    return self.stopped()
                raise SolveError(f"the decomposition's master ended {raw.termination.value}")
            xh = np.round(raw.values[master.x_cols])
            v, cuts = self.evaluate(xh, T)
            self.pool.extend(cuts)
            if v <= T:
                self.improve(xh, v)
                T = self.target()
                master.clear_cuts()
                master.add_rows(rows_for_all(self.pool, T) + no_goods)
                continue
            rows = rows_for_all(cuts, T)
            key = xh.astype(np.int8).tobytes()
            clear = any(c.at(xh) - T > 1e-5 * max(c.const - T, tol) for c in cuts)
            if key in evaluated or not clear:
                # numerical safety net: the new rows may not exclude x̂ within HiGHS's
                # tolerances; x̂ is not improving, so excluding it exactly is supervalid
                no_goods.append(_no_good(xh, master.x_cols))
                rows.append(no_goods[-1])
            evaluated.add(key)
            master.add_rows(rows)

    # ------------------------------------------------------------------ basic Benders
    def benders(self) -> DecompositionOutcome:
        """Basic Benders: min z over the cuts, re-solved to optimality each round."""
        master = self.master = _Master(self.net, self.options, with_z=True)
        zc = master.z_col

        def row(c: Cut) -> tuple:
            return (np.concatenate([[zc], master.x_cols[c.idx]]),
                    np.concatenate([[1.0], c.coef]), c.const, math.inf)

        master.add_rows([row(c) for c in self.pool])
        bound = 0.0
        while True:
            delta = max(self.options.rel_gap * abs(self.U), self.options.abs_gap or 0.0, self.tol)
            if self.U - bound <= delta:
                return self.finish(Termination.OPTIMAL, min(bound, self.U))
            left = self.clock.left()
            if left <= 0:
                return self.finish(Termination.TIME_LIMIT, min(bound, self.U))
            self.iterations += 1
            raw = master.solve(left)
            if raw.bound is not None:
                bound = max(bound, float(raw.bound))
            if raw.values is None or raw.termination != Termination.OPTIMAL:
                if raw.termination in (Termination.TIME_LIMIT, Termination.INTERRUPTED):
                    return self.finish(Termination.TIME_LIMIT, min(bound, self.U))
                raise SolveError(f"the decomposition's master ended {raw.termination.value}")
            xh = np.round(raw.values[master.x_cols])
            v, cuts = self.evaluate(xh)
            self.pool.extend(cuts)
            if v < self.U:
                self.improve(xh, v)
            master.add_rows([row(c) for c in cuts])


def solve_decomposed(net: CompiledNetwork, options: SolveOptions | None = None, *,
                     covering: bool = True, oracle: str | Oracle = "auto",
                     greedy_steps: int = 200, z_objective: bool = False,
                     first_feasible: bool = True) -> DecompositionOutcome:
    """Solve the defender's problem by decomposition (see the module docstring):
    ``covering=True`` for Israeli–Wood's covering master, False for basic Benders."""
    options = options or SolveOptions()
    ensure_threads(options.threads)
    orc = oracle if isinstance(oracle, Oracle) else choose_oracle(net, options, oracle)
    run = _Run(net, options, orc)
    run.z_objective, run.first_feasible = z_objective, first_feasible
    if net.n_binaries == 0 or run.U <= run.tol:
        return run.finish(Termination.OPTIMAL, run.U)
    run.greedy(greedy_steps)
    return run.covering() if covering else run.benders()
