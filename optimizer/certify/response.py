"""The smuggler's best response to a fixed plan: solve its LP, check the flows.

Used for the "before" picture (no action), for the certificate of every plan, and by the
enumeration oracle. ``check_flows`` re-verifies HiGHS's answer with plain numpy
arithmetic: balance, capacities, bounds, and the objective recomputed from the flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..compile.network import CompiledNetwork, EffectiveData, apply_plan
from ..errors import CertificateError, SolveError, UnboundedError
from ..formulation.smuggler import build_smuggler_lp, capacity_rows, flow_upper
from ..options import LpAlgorithm, SolveOptions, Termination
from ..solvers.highs import HighsSession


@dataclass(frozen=True)
class SmugglerSolution:
    """An optimal solution of the smuggler's LP for one plan."""

    value: float
    flow: np.ndarray  # per flow column: units entering the arc
    recipe: np.ndarray  # per recipe: units of input processed
    supply: np.ndarray  # per supply: units used
    delivered: np.ndarray  # per delivery: units sold
    data: EffectiveData
    sold: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per demand piece: units of good


#: above this many flow columns the smuggler's LP is solved from scratch by HiGHS's
#: interior-point solver (crossover gives a vertex and a basis): 3× faster than dual
#: simplex on a 54,000-arc layered network, 2× faster than primal simplex on a 100 × 100
#: max-flow grid (29,900 columns), and its basis makes the tidying trials 5× shorter
IPM_COLUMNS = 20_000


def _lp_options(net: CompiledNetwork, options: SolveOptions | None) -> SolveOptions:
    opts = options or SolveOptions()
    return SolveOptions(threads=opts.threads, seed=opts.seed,
                        lp_algorithm=LpAlgorithm.IPM if net.n_flows > IPM_COLUMNS else None)


def solve_smuggler(net: CompiledNetwork, x: np.ndarray | None = None,
                   options: SolveOptions | None = None) -> SmugglerSolution:
    """Solve the smuggler's LP with the plan ``x`` fixed (None = no action), built afresh."""
    return SmugglerSession(net, options, x).solve(x)


def _solution(net: CompiledNetwork, lp, raw, data: EffectiveData) -> SmugglerSolution:
    if raw.termination in (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED):
        raise UnboundedError(
            "the smuggler's problem is unbounded: some supply without limit reaches a market "
            "through arcs without capacity, so no plan can bound the smuggler's value "
            "(give the supply an amount or an arc on each route a capacity)")
    if raw.termination != Termination.OPTIMAL or raw.values is None:
        raise SolveError(f"the smuggler's LP did not solve: {raw.termination.value} "
                         f"({raw.message})")
    sol = solution_from_values(net, lp, raw.values, float(raw.objective), data)
    check_flows(net, sol)
    return sol


def solution_from_values(net: CompiledNetwork, lp, v: np.ndarray, value: float,
                         data: EffectiveData) -> SmugglerSolution:
    """Cut a solution vector of the smuggler's LP into its parts."""
    F, R, S = net.n_flows, len(net.recipe_ids), len(net.sup_node)
    return SmugglerSolution(
        value=value,
        flow=np.maximum(v[lp.flow_start:lp.flow_start + F], 0.0),
        recipe=np.maximum(v[lp.recipe_start:lp.recipe_start + R], 0.0),
        supply=np.maximum(v[lp.supply_start:lp.supply_start + S], 0.0),
        delivered=np.maximum(v[lp.delivery_start:lp.delivery_start + len(net.del_node)], 0.0),
        data=data,
        sold=np.maximum(v[lp.sales_start:lp.sales_start + len(net.seg_good)], 0.0),
    )


#: a reduced cost or row dual at most this (objective units per unit) counts as zero when
#: bounding a plan's value from a solution's duals: HiGHS's own dual feasibility tolerance,
#: the same level of trust as an LP re-solve's claim of optimality
DUAL_TOL = 1e-7
#: primal simplex iterations a trial runs before looking for a response that already
#: proves the candidate's value too high (measured on grids: 10–30 suffice)
EARLY_ITERATIONS = 30


@dataclass
class _Anchor:
    """A solution of the smuggler's LP kept for bounding other plans' values (weak
    duality): the LP data it is dual feasible for (``arrays``), its reduced costs d and row
    duals y, the basis to re-solve from, and ``bound`` = its dual objective (the value of
    the plan it was solved for, or an upper bound on the value for ``arrays``)."""

    arrays: dict[str, np.ndarray]
    col_dual: np.ndarray
    row_dual: np.ndarray
    basis: object
    bound: float


class SmugglerSession:
    """The smuggler's LP kept loaded in HiGHS for many plans (tidying, local search):
    each plan only changes bounds, costs and the (1 − p) coefficients that differ from the
    last one, and HiGHS re-solves from the previous basis. The LP is built by
    ``build_smuggler_lp`` for the plan ``x`` (None: no action), so the first ``solve(x)``
    is a fresh solve of that plan, as ``solve_smuggler`` does; every answer passes
    ``check_flows``.

    Tidying (``certify.evaluate.ValueTrials``): ``anchor`` keeps an optimal solution;
    ``bound`` bounds another plan's value from it without solving; ``trial`` re-solves
    another plan from its basis; ``accept_bound`` / ``accept_trial`` make the plan last
    bounded / tried the anchored one. The bound: the LP is  max cᵀf  s.t. A f ≤ U,
    0 ≤ f ≤ u  (every row has only an upper bound, every column lower bound 0). For the
    reduced costs d = c − Aᵀy and row duals y ≥ 0 of an optimal solution, weak duality
    gives for any other plan's data (c′, A′, U′, u′), keeping y and d′ = c′ − A′ᵀy,

        V′ ≤ Σ_i y_i U′_i + Σ_j max(d′_j, 0) u′_j  =  V + Σ_i y_i ΔU_i + Σ_j Δ(max(d_j, 0) u_j)

    (V = Σ y U + Σ max(d, 0) u by strong duality). A plan with fewer actions only relaxes
    data, so when this bound stays at V the value is unchanged, with no LP; terms with
    u′ = ∞ or U′ = ∞ and a dual above ``DUAL_TOL`` make the bound infinite."""

    def __init__(self, net: CompiledNetwork, options: SolveOptions | None = None,
                 x: np.ndarray | None = None):
        self.net = net
        base = apply_plan(net, x)
        self.lp = build_smuggler_lp(net, base)
        opts = _lp_options(net, options)
        self.session = HighsSession(self.lp.model, opts)
        # from scratch: no flow is a feasible response, so the slack basis is primal
        # feasible and primal simplex starts there (2–5× fewer iterations than dual simplex
        # on grids and layered networks); interior point on large networks
        self.first = "ipm" if opts.lp_algorithm == LpAlgorithm.IPM else "primal"
        K = net.n_comms
        m = self.lp.model
        bal = m.row_blocks["balance"]
        codes = np.concatenate([net.arc_tail[net.fc_arc] * K + net.fc_comm,
                                net.arc_head[net.fc_arc] * K + net.fc_comm,
                                net.rec_node * K + net.rec_in, net.rec_node * K + net.rec_out,
                                net.sup_node * K + net.sup_comm, net.del_node * K + net.del_comm])
        uniq = np.unique(codes)
        head_codes = net.arc_head[net.fc_arc] * K + net.fc_comm
        self.head_row = bal.start + np.searchsorted(uniq, head_codes)
        cap = m.row_blocks["capacity"]
        self.cap_arcs = capacity_rows(net, base)
        self.cap_rows = cap.start + np.arange(len(self.cap_arcs))
        self.arc_row = np.zeros(net.n_arcs, bool)
        self.arc_row[self.cap_arcs] = True
        thr = m.row_blocks["throughput"]
        self.thr_nodes = np.flatnonzero(np.isfinite(base.node_cap))
        self.thr_rows = thr.start + np.arange(len(self.thr_nodes))
        self.node_row = np.zeros(net.n_nodes, bool)
        self.node_row[self.thr_nodes] = True
        # the columns and rows each array of ``_arrays`` sets (bounds: u; "cost": c of the
        # flow columns; "keep": −A of the flow columns in their head's balance row)
        F, R, S, D = net.n_flows, len(net.recipe_ids), len(net.sup_node), len(net.del_node)
        lp = self.lp
        self.col_of = {"flow_ub": lp.flow_start + np.arange(F),
                       "rec_ub": lp.recipe_start + np.arange(R),
                       "sup_ub": lp.supply_start + np.arange(S),
                       "del_ub": lp.delivery_start + np.arange(D)}
        self.row_of = {"cap": self.cap_rows, "thr": self.thr_rows}
        self.solves = 0
        self.state = self._arrays(base)  # what HiGHS holds now (only diffs are sent)
        self.anchored: _Anchor | None = None
        self._pending: tuple[dict[str, np.ndarray], np.ndarray, float] | None = None

    def _arrays(self, data: EffectiveData) -> dict[str, np.ndarray]:
        """The LP's numbers that depend on the plan: column upper bounds, flow costs, row
        upper bounds and the (1 − p) coefficients."""
        net = self.net
        # arcs (nodes) without a capacity (throughput) row whose capacity was cut to
        # nothing: close their columns (an arc with one flow column has its capacity as
        # that column's bound anyway)
        dead_arc = ~self.arc_row & (data.arc_cap <= 0)
        rec_ub = np.where(data.rec_active, data.rec_cap, 0.0)
        if len(rec_ub):
            dead_node = ~self.node_row & (data.node_cap <= 0)
            rec_ub = np.where(dead_node[net.rec_node], 0.0, rec_ub)
        return {
            "flow_ub": np.where(dead_arc[net.fc_arc], 0.0, flow_upper(net, data)),
            "rec_ub": rec_ub,
            "sup_ub": np.asarray(data.sup_amount, float).copy(),
            "del_ub": np.where(data.del_active, np.inf, 0.0),
            "cost": -data.fc_unit_cost,
            "cap": data.arc_cap[self.cap_arcs],
            "thr": data.node_cap[self.thr_nodes],
            "keep": data.fc_keep.copy(),
        }

    def _push(self, arrays: dict[str, np.ndarray]) -> None:
        """Send HiGHS the numbers that differ from what it holds."""
        s, lp = self.session, self.lp
        for name, cols in self.col_of.items():
            idx = np.flatnonzero(arrays[name] != self.state[name])
            if len(idx):
                s.set_col_bounds(cols[idx], np.zeros(len(idx)), arrays[name][idx])
        for name, rows in self.row_of.items():
            idx = np.flatnonzero(arrays[name] != self.state[name])
            if len(idx):
                s.set_row_bounds(rows[idx], np.full(len(idx), -np.inf), arrays[name][idx])
        idx = np.flatnonzero(arrays["cost"] != self.state["cost"])
        if len(idx):
            s.set_costs(lp.flow_start + idx, arrays["cost"][idx])
        idx = np.flatnonzero(arrays["keep"] != self.state["keep"])
        if len(idx):
            s.set_coefficients(self.head_row[idx], lp.flow_start + idx, -arrays["keep"][idx])
        self.state = {k: v.copy() for k, v in arrays.items()}

    def solve(self, x: np.ndarray | None = None) -> SmugglerSolution:
        """The smuggler's optimal response to plan ``x``, re-solved from the last basis."""
        data = apply_plan(self.net, x)
        self._push(self._arrays(data))
        # later plans may tighten or relax anything: dual simplex from the last basis
        self.session.set_lp_algorithm(self.first if self.solves == 0 else "simplex")
        raw = self.session.solve()
        self.solves += 1
        return _solution(self.net, self.lp, raw, data)

    # -- bounding other plans from one solution (class docstring)
    def anchor(self, value: float) -> None:
        """Keep the last solve's duals and basis (its value ``value``) for ``bound``."""
        col_dual, row_dual = self.session.duals()
        self.anchored = _Anchor({k: v.copy() for k, v in self.state.items()}, col_dual,
                                row_dual, self.session.basis(), value)
        self._pending = None

    def bound(self, x: np.ndarray | None) -> float:
        """An upper bound on the smuggler's value for plan ``x`` from the anchored
        solution's duals (class docstring); ∞ when they prove nothing."""
        a = self.anchored
        if a is None:
            raise RuntimeError("bound() needs an anchored solution (call anchor first)")
        new = self._arrays(apply_plan(self.net, x))
        d = a.col_dual.copy()
        flows = self.col_of["flow_ub"]
        # d′ = c′ − A′ᵀy for the flow columns whose cost or (1 − p) changed
        d[flows] += (new["cost"] - a.arrays["cost"]) \
            + a.row_dual[self.head_row] * (new["keep"] - a.arrays["keep"])
        gained, lost = 0.0, 0.0  # Σ max(d′,0)u′ and Σ max(d,0)u over what changed
        for name, cols in self.col_of.items():
            touched = new[name] != a.arrays[name]
            if name == "flow_ub":
                touched |= d[cols] != a.col_dual[cols]
            if touched.any():
                gained += _term(d[cols[touched]], new[name][touched])
                lost += _term(a.col_dual[cols[touched]], a.arrays[name][touched])
        for name, rows in self.row_of.items():
            touched = new[name] != a.arrays[name]
            if touched.any():
                y = a.row_dual[rows[touched]]
                gained += _term(y, new[name][touched])
                lost += _term(y, a.arrays[name][touched])
        bound = a.bound + gained - lost if np.isfinite(gained) and np.isfinite(lost) \
            else np.inf
        self._pending = (new, d, bound)
        return bound

    def trial(self, x: np.ndarray | None, above: float | None = None) -> tuple[float, bool]:
        """Plan ``x`` solved from the anchored solution's basis (not the last trial's):
        (its value, True). With ``above``: primal simplex first runs ``EARLY_ITERATIONS``
        iterations, and when they already reach a response that passes ``check_flows`` and
        is worth more than ``above`` (by more than check_flows' tolerance), the solve stops
        there: (that response's value, False), a lower bound on the plan's value."""
        a = self.anchored
        if a is None:
            raise RuntimeError("trial() needs an anchored solution (call anchor first)")
        data = apply_plan(self.net, x)
        self._push(self._arrays(data))
        s = self.session
        # the candidate relaxes the anchored plan, whose basis stays primal feasible; a
        # re-solve from it is short: no thread for Ctrl-C (solvers.highs, rule 4)
        s.set_basis(a.basis)
        s.set_lp_algorithm("primal")
        self._pending = None
        s.interruptible = False
        try:
            if above is not None:
                s.set_iteration_limit(EARLY_ITERATIONS)
                try:
                    raw = s.solve()
                finally:
                    s.set_iteration_limit(None)
                self.solves += 1
                if raw.termination == Termination.OPTIMAL:
                    return _solution(self.net, self.lp, raw, data).value, True
                witness = self._witness(raw, data)
                if witness is not None and witness > above + 1e-6 * max(1.0, abs(witness)):
                    return witness, False
            raw = s.solve()  # on to the optimum, from where the early iterations stopped
        finally:
            s.interruptible = True
        self.solves += 1
        return _solution(self.net, self.lp, raw, data).value, True

    def _witness(self, raw, data: EffectiveData) -> float | None:
        """The value of a stopped solve's response if it passes ``check_flows``."""
        if raw.values is None or raw.objective is None:
            return None
        try:
            sol = solution_from_values(self.net, self.lp, raw.values, float(raw.objective),
                                       data)
            check_flows(self.net, sol)
        except CertificateError:
            return None
        return sol.value

    def accept_trial(self, value: float) -> None:
        """The plan last tried (worth ``value``) replaces the anchored one."""
        self.anchor(value)

    def accept_bound(self) -> None:
        """The plan last bounded replaces the anchored one: the anchor's duals carry over
        to that plan's data, with its bound as their dual objective."""
        if self._pending is None or self.anchored is None:
            raise RuntimeError("accept_bound() needs a bound() first")
        new, d, bound = self._pending
        self.anchored = _Anchor(new, d, self.anchored.row_dual, self.anchored.basis, bound)
        self._pending = None


def _term(dual: np.ndarray, upper: np.ndarray) -> float:
    """Σ max(dual, 0) · upper, with duals ≤ ``DUAL_TOL`` counted as 0 (∞ · 0 = 0)."""
    live = dual > DUAL_TOL
    if not live.any():
        return 0.0
    return float(np.sum(dual[live] * upper[live]))


def check_flows(net: CompiledNetwork, sol: SmugglerSolution, rel_tol: float = 1e-6) -> None:
    """Verify the response satisfies the smuggler's constraints and that its value is
    Σ v d − Σ c λ f, with numpy only. Raises ``CertificateError`` otherwise."""
    data = sol.data
    K = net.n_comms
    scale = max(1.0, float(np.max(np.abs(sol.flow), initial=0.0)),
                float(np.max(np.abs(sol.delivered), initial=0.0)))
    tol = rel_tol * scale
    bal = np.zeros(net.n_nodes * K)
    np.add.at(bal, net.arc_tail[net.fc_arc] * K + net.fc_comm, sol.flow)
    np.add.at(bal, net.arc_head[net.fc_arc] * K + net.fc_comm, -data.fc_keep * sol.flow)
    np.add.at(bal, net.rec_node * K + net.rec_in, sol.recipe)
    np.add.at(bal, net.rec_node * K + net.rec_out, -net.rec_eta * sol.recipe)
    np.add.at(bal, net.sup_node * K + net.sup_comm, -sol.supply)
    np.add.at(bal, net.del_node * K + net.del_comm, sol.delivered)
    problems = []
    if bal.max(initial=0.0) > tol:
        i = int(np.argmax(bal))
        problems.append(f"balance of {net.comm_ids[i % K]} at {net.node_ids[i // K]} "
                        f"violated by {bal[i]:.3g}")
    load = np.zeros(net.n_arcs)
    np.add.at(load, net.fc_arc, net.load[net.fc_comm] * sol.flow)
    over = load - data.arc_cap
    if over.max(initial=0.0) > tol:
        i = int(np.argmax(over))
        problems.append(f"capacity of arc {net.arc_ids[i]} exceeded by {over[i]:.3g}")
    if np.any(sol.flow[~data.fc_active] > tol):
        problems.append("flow on a removed arc")
    if np.any(sol.recipe > np.where(data.rec_active, data.rec_cap, 0.0) + tol):
        problems.append("recipe above its capacity or removed")
    through = np.zeros(net.n_nodes)
    np.add.at(through, net.rec_node, sol.recipe)
    if np.any(through > data.node_cap + tol):
        problems.append("processing above a node's throughput cap")
    if np.any(sol.supply > data.sup_amount + tol):
        problems.append("supply above its cap")
    if np.any(sol.delivered[~data.del_active] > tol):
        problems.append("sales at a removed market")
    if len(sol.sold):
        goods = np.zeros(net.n_goods)
        np.add.at(goods, net.seg_good, sol.sold)
        with_good = net.del_good >= 0
        np.add.at(goods, net.del_good[with_good],
                  -net.del_rate[with_good] * sol.delivered[with_good])
        if goods.max(initial=0.0) > tol:
            g = int(np.argmax(goods))
            problems.append(f"good {net.good_ids[g]} sold beyond what was delivered "
                            f"(by {goods[g]:.3g})")
        if np.any(sol.sold > net.seg_width + tol):
            problems.append("a good sold beyond its demand curve")
    value = float(net.del_value @ sol.delivered + net.seg_price @ sol.sold
                  - data.fc_unit_cost @ sol.flow - net.sup_cost @ sol.supply)
    if abs(value - sol.value) > rel_tol * max(1.0, abs(value)):
        problems.append(f"objective {sol.value:.9g} differs from the flows' value {value:.9g}")
    if problems:
        raise CertificateError("the smuggler's response failed the check: " + "; ".join(problems))
