"""Route decomposition over scenarios: one value variable per (scenario block, source),
star cuts over the routes found so far (``star.py``), Dijkstra as the oracle
(``paths.py``). Shortest-path and evasion instances (e.g. SNIP), with or without
scenarios, under every risk measure.

The master, kept loaded in one solver session:

    min  risk_k( Σ_{o∈k} σ_o θ_o )                   (add_risk_objective: expected, worst, CVaR)
    s.t. θ_o + Σ_b c_b x_b ≥ h                       (star cuts, per pair o)
         budgets, exclusive levels (add_actions);  x ∈ {0,1},  0 ≤ θ_o ≤ θ_o(no action)

θ_o stands for the value of one unit from o, which never exceeds its value under no
action; every star cut is valid for every plan, so the master is a relaxation and its
bound a lower bound on the best plan's objective.

1. **LP phase** (Kelley's cutting planes on the relaxation): solve the master with x
   continuous; at its point x̄ search routes with lengths ℓ + μ·Σ_b d_b x̄_b for several μ
   (μ = 1 is the exact length at binary points; μ = 0 the untouched network; large μ
   avoids the binaries the LP uses), add them to the pool, and add every pair's best star
   cut that x̄ violates. Stop when none is violated or the bound stalls.
2. **Start**: round x̄ (binaries by decreasing x̄ while the budgets allow), evaluate it and
   the randomised roundings of every LP round; then a swap local search on the true
   objective (``local_search``) from the best of them. Every plan evaluated on the way
   leaves its best routes in the pool.
3. **Rounds** (HiGHS 1.16 has no lazy-constraint callback, so the loaded master is
   re-solved after rows are added, as in ``covering.py``): solve the master MIP with the
   cutoff U − δ (only plans better than the incumbent U by the gap δ matter; an
   infeasible master proves U optimal within δ); its bound is a lower bound; evaluate its
   plan x̂ by Dijkstra (an upper bound), and search locally from it when it is within 1% of
   U; stop when the bounds meet within the gap; otherwise add the routes of x̂ and the
   star cuts it violates — tight at x̂, so x̂ is never proposed again with a value below
   its own.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..compile.problem import DefenderProblem
from ..errors import SolveError
from ..formulation.blocks import LinearModel
from ..formulation.interdiction import add_actions, add_risk_objective
from ..options import SolutionStatus, SolveOptions, Termination
from ..solvers.base import Session, open_session
from .covering import DecompositionOutcome, _Clock, _feasible_add, _no_good
from .paths import EVASION, PathOracle
from .star import CutRows, RoutePool

#: route searches at a fractional point: lengths ℓ + μ·Σ d x̄ for these μ
LP_SCALES = (0.0, 0.5, 1.0, 2.0, 5.0, 20.0)
#: at a binary plan: the untouched network, the plan's own lengths, and routes avoiding it
PLAN_SCALES = (0.0, 1.0, 30.0)
SAMPLES = 8  # randomised roundings per LP round
SWAP_IN, SWAP_OUT = 10, 10  # local search: binaries tried in and out per pass
CANDIDATES = 30  # … binaries of largest stake whose gain is evaluated, per pass
#: local search budgets in plan evaluations (one Dijkstra per network each, ~3 ms on SNIP):
#: from the best start, and from a master's plan within ``NEAR`` (relative) of the incumbent
LOCAL_EVALS, LOCAL_EVALS_ROUND = 1500, 400
NEAR = 0.01
WRONG = 1e-5  # a master solve stops at a plan it undervalues by more than this (relative)
DEEPEN = 3  # route searches with the routes found so far blocked, at a plan
STALL_ROUNDS = 5
STALL_GAIN = 1e-4


class _Master:
    """x, θ and the star-cut rows in one solver session."""

    def __init__(self, oracle: PathOracle, options: SolveOptions):
        problem = oracle.problem
        net = problem.net
        m = LinearModel("route_master", sense="min")
        x, _ = add_actions(m, net)
        top = oracle.source_values(np.zeros(net.n_binaries))
        theta = m.add_vars("theta", oracle.n_od, lb=0.0, ub=top,
                           keys=lambda: [(problem.scenarios[int(k)].id,
                                          net.node_ids[int(s)])
                                         for k, s in zip(oracle.od_block, oracle.od_source)],
                           doc="θ_o: value of one unit from source o (block, node)")
        exprs = [(theta.start + np.arange(oracle.od_start[k], oracle.od_start[k + 1]),
                  b.sigma) for k, b in enumerate(oracle.blocks)]
        add_risk_objective(m, exprs, problem.probabilities,
                           "expected" if len(oracle.blocks) == 1 else problem.risk,
                           problem.alpha, [sc.id for sc in problem.scenarios])
        self.x_cols = x.cols
        self.theta_start = theta.start
        self.top = top
        self.session: Session = open_session(m, SolveOptions(
            threads=options.threads, seed=options.seed, rel_gap=options.rel_gap,
            abs_gap=options.abs_gap, verbose=options.verbose, extra=dict(options.extra)))
        self.nodes = 0
        self.seconds = 0.0
        self.rows_added = 0
        self.add_seconds = 0.0

    def add_cuts(self, rows: CutRows) -> None:
        """θ_o + Σ coef·x ≥ const for each row."""
        if not len(rows):
            return
        t0 = time.perf_counter()
        n = len(rows)
        lens = np.diff(rows.ptr) + 1
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        idx = np.empty(int(lens.sum()), np.int64)
        val = np.empty(int(lens.sum()))
        idx[starts] = self.theta_start + rows.od
        val[starts] = 1.0
        body = np.ones(len(idx), bool)
        body[starts] = False
        idx[body] = self.x_cols[rows.binaries]
        val[body] = rows.coefs
        self.session.add_rows(rows.const, np.full(n, math.inf), starts, idx, val)
        self.rows_added += n
        self.add_seconds += time.perf_counter() - t0

    def add_rows(self, rows: list[tuple[np.ndarray, np.ndarray, float, float]]) -> None:
        for cols, vals, lo, hi in rows:
            self.session.add_rows(np.array([lo]), np.array([hi]), np.array([0]), cols, vals)
            self.rows_added += 1

    def solve(self, time_left: float):
        self.session.set_time_limit(max(time_left, 1e-3))
        raw = self.session.solve()
        self.nodes += raw.node_count
        self.seconds += raw.seconds
        return raw

    def split(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = values[self.x_cols]
        return x, values[self.theta_start:self.theta_start + len(self.top)]


class _RouteRun:
    """One run: oracle, pool, master, incumbent and clocks."""

    def __init__(self, problem: DefenderProblem, options: SolveOptions):
        self.options = options
        self.clock = _Clock(options.time_limit)
        self.oracle = PathOracle(problem)
        self.pool = RoutePool(self.oracle)
        self.net = problem.net
        self.oracle_seconds = 0.0
        self.x_best = np.zeros(self.net.n_binaries)
        self.U = self.evaluate(self.x_best)
        self.scale = max(abs(self.U), 1e-300)
        self.history = [(self.clock.elapsed(), self.U)]
        # a removal as a finite length in searches at fractional points: worthless routes
        self.removed_as = 30.0 if self.oracle.kind == EVASION else self.oracle.vmax
        self.master = _Master(self.oracle, options)
        self.build = self.clock.elapsed()
        self.LB = 0.0
        self.rng = np.random.default_rng(options.seed)
        self.iterations = 0
        self.lp_rounds = 0
        #: plans the current master solve undervalued: (x, θ in the master, true value)
        self.wrong: list[tuple[np.ndarray, np.ndarray, float]] = []

    # ------------------------------------------------------------------ oracle
    def evaluate(self, x: np.ndarray, harvest: bool = False) -> float:
        """The objective of the plan x; with ``harvest``, its best routes join the pool."""
        t = time.perf_counter()
        values, routes = self.oracle.search(x, want_routes=harvest)
        if harvest:
            self.pool.add(routes)
        self.oracle_seconds += time.perf_counter() - t
        return self.oracle.objective(values)

    def harvest(self, x: np.ndarray, scales: tuple[float, ...], removed: bool) -> int:
        """Add the best routes under lengths ℓ + μ·Σ d x for each μ in ``scales``."""
        t = time.perf_counter()
        new = 0
        for mu in scales:
            routes = self.oracle.routes(x, mu, None if removed else self.removed_as)
            new += self.pool.add(routes)
        self.oracle_seconds += time.perf_counter() - t
        return new

    def improve(self, x: np.ndarray, v: float) -> None:
        if v < self.U:
            self.x_best = x.copy()
            self.U = v
            self.history.append((self.clock.elapsed(), v))

    def delta(self) -> float:
        """How much better than the incumbent a plan must be to matter (the gap)."""
        o = self.options
        return max(o.rel_gap * abs(self.U), o.abs_gap or 0.0, 1e-12 * self.scale)

    def gap_closed(self) -> bool:
        """U − LB ≤ δ. The lower bound is often the cutoff U − δ itself (HiGHS pruned every
        plan below it), and U − (U − δ) can round to a hair above δ: without the 1e-9
        slack the rounds would go on excluding plans no better than U one by one."""
        return self.U - self.LB <= self.delta() * (1.0 + 1e-9)

    # ------------------------------------------------------------------ phases
    def lp_phase(self) -> np.ndarray:
        """Cutting planes on the relaxation; returns its last point x̄."""
        master = self.master
        master.session.set_integrality(master.x_cols, integer=False)
        x = np.zeros(self.net.n_binaries)
        theta = np.zeros(self.oracle.n_od)
        bounds: list[float] = []
        while self.clock.left() > 0:
            self.harvest(x, LP_SCALES, removed=False)
            rows = self.pool.separate(x, theta, tol=1e-9 * self.scale)
            if not len(rows):
                break
            master.add_cuts(rows)
            raw = master.solve(self.clock.left())
            self.lp_rounds += 1
            if raw.values is None or raw.termination != Termination.OPTIMAL:
                break
            x, theta = master.split(raw.values)
            self.sample(x, SAMPLES)
            bounds.append(float(raw.objective))
            self.LB = max(self.LB, bounds[-1])
            if (len(bounds) > STALL_ROUNDS
                    and bounds[-1] - bounds[-1 - STALL_ROUNDS] < STALL_GAIN * abs(bounds[-1])):
                break
        master.session.set_integrality(master.x_cols, integer=True)
        return x

    def round_down(self, xbar: np.ndarray, key: np.ndarray | None = None) -> np.ndarray:
        """Binaries with x̄ > 0 in decreasing order of ``key`` (default x̄) while the
        budgets and exclusive levels allow."""
        net = self.net
        key = xbar if key is None else key
        x = np.zeros(net.n_binaries)
        spend = np.zeros(len(net.resource_ids))
        for b in np.argsort(-key, kind="stable").tolist():
            if xbar[b] <= 1e-6:
                continue
            if _feasible_add(net, x, b, spend):
                x[b] = 1.0
                spend += net.binary_cost[b]
        return x

    def sample(self, xbar: np.ndarray, count: int) -> None:
        """Randomised roundings of x̄ (binaries drawn with probability ∝ x̄, without
        replacement: key u^{1/x̄}, Efraimidis & Spirakis): their routes go to the pool,
        the best becomes the incumbent. Routes the smuggler takes under plans near the
        relaxation's are the ones the rounds would otherwise discover one by one."""
        for _ in range(count):
            with np.errstate(divide="ignore"):
                key = np.log(self.rng.random(len(xbar))) / np.maximum(xbar, 1e-12)
            x = self.round_down(xbar, key)
            self.improve(x, self.evaluate(x, harvest=True))

    def deepen(self, x: np.ndarray, depth: int) -> None:
        """The routes the smuggler would take if the defender also blocked every route
        just found: switch on every binary acting on them, search again, ``depth`` times."""
        t = time.perf_counter()
        y = x.copy()
        for _ in range(depth):
            routes = self.oracle.routes(y, 1.0, None)
            self.pool.add(routes)
            on = self.pool.binaries_on(routes)
            if np.all(y[on] > 0.5):
                break
            y[on] = 1.0
        self.oracle_seconds += time.perf_counter() - t

    def local_search(self, x: np.ndarray, budget: int) -> None:
        """Swap descents on the true objective from the plan x (``descend``): first with
        the binaries put in chosen by stake, then from where it ends by gain (measured on
        SNIP: better than either alone), ``budget`` plan evaluations each. Every plan
        evaluated leaves its routes in the pool; a better plan becomes the incumbent and
        gets its cuts."""
        x, f = self.descend(x, budget, by_gain=False)
        x, f = self.descend(x, budget, by_gain=True)
        if f < self.U:
            self.improve(x, f)
            self.plan_cuts(x, None)

    def descend(self, x: np.ndarray, budget: int, by_gain: bool) -> tuple[np.ndarray, float]:
        """Take out one binary of x (the ``SWAP_OUT`` whose removal costs least, each
        evaluated) and put in another, first improvement by more than the gap, until no
        swap improves or ``budget`` plans have been evaluated; returns the plan and its
        value. Put in: the ``SWAP_IN`` binaries of largest *stake* (the value, weighted by
        probability and supply, of the best routes they act on), or with ``by_gain`` the
        ``SWAP_IN`` of the ``CANDIDATES`` of largest stake that gain most when added alone
        (each evaluated)."""
        net = self.net
        spent = [0]

        def value(y: np.ndarray) -> float:
            spent[0] += 1
            return self.evaluate(y, harvest=True)

        def flipped(y: np.ndarray, b: int, to: float) -> np.ndarray:
            z = y.copy()
            z[b] = to
            return z

        x = x.copy()
        f = value(x)
        while spent[0] < budget:
            stake = self.stakes(x)
            cand = [int(c) for c in np.argsort(-stake, kind="stable")[:CANDIDATES]
                    if stake[c] > 0]
            if by_gain:
                gain = [f - value(flipped(x, c, 1.0)) for c in cand]
                ins = [cand[i] for i in np.argsort(-np.array(gain), kind="stable")[:SWAP_IN]]
            else:
                ins = cand[:SWAP_IN]
            on = np.flatnonzero(x > 0.5)
            loss = [value(flipped(x, b, 0.0)) - f for b in on.tolist()]
            outs = on[np.argsort(loss, kind="stable")[:SWAP_OUT]].tolist()
            moved = False
            for c in ins:
                for b in outs:
                    y = flipped(x, b, 0.0)
                    if not _feasible_add(net, y, c, y @ net.binary_cost):
                        continue
                    y[c] = 1.0
                    fy = value(y)
                    if fy < f - self.delta():
                        x, f, moved = y, fy, True
                        break
                if moved or spent[0] >= budget:
                    break
            if not moved:
                break
        return x, f

    def stakes(self, x: np.ndarray) -> np.ndarray:
        """Per binary not in x: the value (× probability × supply) of the best routes
        under x that it acts on."""
        oracle = self.oracle
        weight = oracle.od_sigma * np.array([b.probability for b in oracle.blocks])[oracle.od_block]
        values, routes = oracle.search(x)
        owner, binary = self.pool.route_binaries(routes)
        stake = np.bincount(binary, weights=(weight * values)[routes.od[owner]],
                            minlength=self.net.n_binaries)
        stake[x > 0.5] = 0.0
        return stake

    def plan_cuts(self, x: np.ndarray, theta: np.ndarray | None) -> int:
        """Routes of the plan x and the star cuts it violates (all of them if theta is
        None); returns the number of rows added."""
        self.harvest(x, PLAN_SCALES, removed=True)
        self.deepen(x, DEEPEN)
        rows = self.pool.separate(x, theta, tol=1e-9 * self.scale)
        self.master.add_cuts(rows)
        return len(rows)

    def watch(self, values: np.ndarray, objective: float) -> bool:
        """Told each improving plan of a master solve: its true value (Dijkstra, routes to
        the pool) may give a new incumbent; a plan the master undervalues by more than
        ``WRONG`` (relative) is kept for cuts and stops the solve — proving a plan optimal
        in a master that values it wrong is wasted work."""
        x, theta = self.master.split(values)
        x = np.round(x)
        v = self.evaluate(x, harvest=True)
        self.improve(x, v)
        if v - objective <= WRONG * abs(v) + self.delta():
            return False
        self.wrong.append((x, theta, v))
        return True

    def rounds(self) -> DecompositionOutcome:
        master = self.master
        master.session.watch_solutions(self.watch)
        master.session.search_for_bound(True)  # plans come from Dijkstra and local search
        no_goods: set[bytes] = set()
        while True:
            if self.gap_closed():
                return self.finish(Termination.OPTIMAL)
            left = self.clock.left()
            if left <= 0:
                return self.finish(Termination.TIME_LIMIT)
            self.iterations += 1
            # only plans better than the incumbent by the gap matter: the rest is pruned
            cutoff = self.U - self.delta()
            master.session.set_cutoff(cutoff)
            self.wrong = []
            raw = master.solve(left)
            stopped = bool(self.wrong) and raw.termination == Termination.INTERRUPTED
            if raw.bound is not None and raw.termination in (Termination.OPTIMAL,
                                                             Termination.TIME_LIMIT,
                                                             Termination.INTERRUPTED,
                                                             Termination.NODE_LIMIT):
                # HiGHS's bound covers the tree it kept; what the cutoff pruned is only
                # known to be ≥ the cutoff (its reported bound can exceed both)
                self.LB = max(self.LB, min(float(raw.bound), cutoff))
                if raw.termination == Termination.OPTIMAL and self.gap_closed():
                    # HiGHS may end "optimal" on a plan above the cutoff (it takes a plan
                    # as incumbent before comparing it with objective_bound): the tree
                    # below the cutoff is empty all the same
                    return self.finish(Termination.OPTIMAL)
            if raw.termination == Termination.INFEASIBLE:
                # no plan below the cutoff (the excluded ones are no better than U): the
                # incumbent is optimal within the gap
                self.LB = max(self.LB, cutoff)
                return self.finish(Termination.OPTIMAL)
            if stopped:  # HiGHS may return no solution: the plan was above the cutoff
                plans = self.wrong
            else:
                if raw.values is None:
                    if raw.termination in (Termination.TIME_LIMIT, Termination.INTERRUPTED):
                        return self.finish(Termination.TIME_LIMIT)
                    raise SolveError(f"the route master ended {raw.termination.value}")
                x, theta = master.split(raw.values)
                x = np.round(x)
                v = self.evaluate(x, harvest=True)
                self.improve(x, v)
                if raw.termination != Termination.OPTIMAL:
                    return self.finish(Termination.TIME_LIMIT)
                plans = [(x, theta, v)]
            best = min(plans, key=lambda p: p[2])
            if best[2] <= self.U * (1.0 + NEAR):
                self.local_search(best[0], LOCAL_EVALS_ROUND)
            if self.gap_closed():
                return self.finish(Termination.OPTIMAL)
            if sum(self.plan_cuts(y, t) for y, t, _ in plans) == 0:
                # the master already values these plans right within tolerances: exclude
                # them exactly (each was evaluated, so none is better than the incumbent)
                for y, _, _ in plans:
                    key = y.astype(np.int8).tobytes()
                    if key in no_goods:
                        raise SolveError("the route master proposed the same plan twice")
                    no_goods.add(key)
                    master.add_rows([_no_good(y, master.x_cols)])

    def finish(self, term: Termination) -> DecompositionOutcome:
        status = SolutionStatus.OPTIMAL if term == Termination.OPTIMAL else SolutionStatus.FEASIBLE
        m = self.master
        return DecompositionOutcome(
            x=self.x_best, value=self.U, bound=min(self.LB, self.U), termination=term,
            status=status, oracle=f"routes-{self.oracle.kind}", iterations=self.iterations,
            cuts=len(self.pool), master_nodes=m.nodes, master_seconds=m.seconds,
            oracle_seconds=self.oracle_seconds, build_seconds=self.build,
            seconds=self.clock.elapsed(), history=self.history, rows_added=m.rows_added,
            add_seconds=m.add_seconds)


def solve_routes(problem: DefenderProblem, options: SolveOptions | None = None
                 ) -> DecompositionOutcome:
    """Solve a shortest-path or evasion problem (any scenarios, any risk measure) by the
    route decomposition of the module docstring."""
    options = options or SolveOptions()
    run = _RouteRun(problem, options)
    if problem.net.n_binaries == 0 or run.U <= 1e-12 * run.scale:
        run.LB = run.U
        return run.finish(Termination.OPTIMAL)
    xbar = run.lp_phase()
    start = run.round_down(xbar)
    run.improve(start, run.evaluate(start))
    run.plan_cuts(start, None)
    if not np.array_equal(start, run.x_best):
        run.plan_cuts(run.x_best, None)
    run.local_search(run.x_best, LOCAL_EVALS)
    return run.rounds()
