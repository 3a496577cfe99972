"""Subproblem oracles of the decomposition: the smuggler's value V(x̂) for a fixed plan and
*optimality cuts* valid for every plan.

A cut is a lower bound on the smuggler's value that is linear in the binaries,

    V(x) ≥ C − Σ_b g_b x_b        for every feasible x,   with g_b ≥ 0,

and equal to V(x̂) at the plan x̂ it was computed from (tightness gives finite convergence).
Interdiction is monotone (an action only removes options or makes them dearer), so every
coefficient is a loss and is ≥ 0.

Three oracles, chosen by the structure of the instance (``choose_oracle``):

- ``ShortestPathOracle`` (Israeli & Wood 2002): one commodity, no capacities, seizures or
  recipes, actions that lengthen or remove arcs. Each unit of supply σ_s takes its most
  valuable route, so V(x) = Σ_s σ_s · max(0, max_m v_m − λ·dist_x(s, m)). Dijkstra on
  ``scipy.sparse.csgraph``. Cut from the route P_s of each supply under x̂ (Benders' cut of
  I&W, "z ≥ c(P) + Σ_{a∈P} d_a x_a" written for the smuggler's value):

      C = Σ_s σ_s (v_{m_s} − λ c(P_s)),
      g_b = Σ_s σ_s λ Σ_{a∈P_s} Δc_{b,a} + Σ_s σ_s (v_{m_s} − λ c(P_s)) [b removes an arc of P_s].

- ``MaxFlowOracle`` (Wood 1993): one commodity, no costs or seizures, one value per unit,
  integral capacities, removal actions only. V(x) = v · maxflow(x) by Dinic's algorithm in
  csgraph; the flow f̂ under x̂ survives any other plan except on arcs that plan removes:

      V(x) ≥ v (|f̂| − Σ_b Σ_{a removed by b} f̂_a x_b).

- ``LPOracle`` (any instance): the defender's dual MILP (``formulation.interdiction``) with
  the binaries fixed is an LP whose value φ(x) equals V(x) at binary x and is convex in x;
  the reduced costs r_b of the fixed binaries are a subgradient, so
  V(x) ≥ φ(x̂) + Σ_b r_b (x_b − x̂_b) (Benders 1962). The LP stays loaded in HiGHS: each
  plan only changes column bounds and re-solves from the previous basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra, maximum_flow

from ..compile.network import CompiledNetwork
from ..errors import SolveError
from ..formulation.interdiction import build_interdiction_milp
from ..options import SolveOptions, Termination
from ..solvers.base import open_session


@dataclass(frozen=True)
class Cut:
    """V(x) ≥ const − Σ coef · x[idx] for every plan x (coef ≥ 0)."""

    const: float
    idx: np.ndarray
    coef: np.ndarray

    def at(self, x: np.ndarray) -> float:
        return float(self.const - self.coef @ x[self.idx]) if len(self.idx) else float(self.const)

    @staticmethod
    def make(const: float, coef_dense: np.ndarray, tol: float = 1e-12) -> "Cut":
        """From a dense coefficient vector; negative coefficients are dropped, which only
        weakens the cut (x ≥ 0)."""
        idx = np.flatnonzero(coef_dense > tol)
        return Cut(float(const), idx.astype(np.int64), coef_dense[idx].astype(float))


class Oracle:
    """Evaluate V(x̂) and return cuts (the first one tight at x̂)."""

    name = "oracle"
    #: True when V takes integer values at every plan (then "better" means "by ≥ 1")
    integral = False

    def evaluate(self, x: np.ndarray, target: float | None = None) -> tuple[float, list[Cut]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release solver resources."""


# ----------------------------------------------------------------------------- structure


def _levers_only(net: CompiledNetwork, allowed: set[str]) -> bool:
    names = ["arc_removal", "recipe_removal", "delivery_removal", "arc_cap_cut",
             "recipe_cap_cut", "node_cap_cut", "supply_cut", "seizure_raise", "cost_raise"]
    return all(len(getattr(net, n)) == 0 for n in names if n not in allowed)


def _is_int(a: np.ndarray) -> bool:
    a = np.asarray(a, float)
    return bool(np.all(np.isfinite(a))
                and np.all(np.abs(a - np.round(a)) <= 1e-12 * np.maximum(1, np.abs(a))))


def shortest_path_structure(net: CompiledNetwork) -> bool:
    """One commodity, no recipes, no seizure, no arc capacity, finite supplies; actions
    only lengthen or remove arcs."""
    return bool(net.n_comms == 1 and len(net.recipe_ids) == 0 and net.n_flows > 0
                and not np.any(net.fc_extra)  # arc lengths are c_a λ (no per-commodity cost)
                and np.all(net.arc_p[net.fc_arc] == 0)
                and np.all(np.isinf(net.arc_cap[net.fc_arc]))
                and len(net.sup_node) > 0 and np.all(np.isfinite(net.sup_amount))
                and net.linear_markets
                and len(net.del_node) > 0
                and _levers_only(net, {"cost_raise", "arc_removal"}))


def max_flow_structure(net: CompiledNetwork) -> bool:
    """One commodity, no recipes, costs or seizures, one value per unit at every market,
    integral capacities and supplies; actions only remove arcs."""
    if not (net.n_comms == 1 and len(net.recipe_ids) == 0 and net.n_flows > 0
            and not np.any(net.fc_extra) and len(net.del_node) > 0 and len(net.sup_node) > 0
            and net.linear_markets
            and _levers_only(net, {"arc_removal"})):
        return False
    fa = net.fc_arc
    caps = net.arc_cap[fa]
    sup = net.sup_amount
    return bool(np.all(net.arc_p[fa] == 0) and np.all(net.arc_cost[fa] == 0)
                and np.all(net.del_value == net.del_value[0])
                and _is_int(caps[np.isfinite(caps)]) and _is_int(sup[np.isfinite(sup)]))


# ----------------------------------------------------------------------------- shortest paths


class ShortestPathOracle(Oracle):
    """V(x) by Dijkstra (csgraph) from every supply node; see the module docstring."""

    name = "shortest-path"

    def __init__(self, net: CompiledNetwork):
        self.net = net
        fa = net.fc_arc
        self.arcs = fa  # arcs carrying the commodity
        self.tail = net.arc_tail[fa]
        self.head = net.arc_head[fa]
        self.lam = float(net.load[0])
        self.base_len = net.arc_cost[fa] * self.lam
        A = len(fa)
        pos = np.full(net.n_arcs, -1, np.int64)
        pos[fa] = np.arange(A)
        # lever tables in local arc positions
        cr = net.cost_raise  # element = flow column = local arc position (one commodity)
        self.raise_b, self.raise_a, self.raise_d = cr.binary, cr.element, cr.amount * self.lam
        rm = net.arc_removal
        keep = pos[rm.element] >= 0 if len(rm) else np.zeros(0, bool)
        self.rem_b, self.rem_a = rm.binary[keep], pos[rm.element[keep]]
        self.B = net.n_binaries
        # supplies (merged per node) and market values
        self.sources = np.unique(net.sup_node)
        self.sigma = np.array([net.sup_amount[net.sup_node == s].sum() for s in self.sources])
        self.markets = net.del_node
        self.values = net.del_value
        self.integral = (_is_int(self.base_len) and _is_int(self.raise_d) and _is_int(self.values)
                         and _is_int(self.sigma))
        self.N = net.n_nodes

    def lengths(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Arc lengths λ(c + Σ Δc x) and which arcs are alive under ``x``."""
        L = self.base_len.copy()
        on = x[self.raise_b] > 0.5
        np.add.at(L, self.raise_a[on], self.raise_d[on])
        alive = np.ones(len(L), bool)
        alive[self.rem_a[x[self.rem_b] > 0.5]] = False
        return L, alive

    def _graph(self, L: np.ndarray, alive: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """CSR graph keeping, for each node pair, the shortest alive arc; and that arc."""
        idx = np.flatnonzero(alive)
        order = idx[np.lexsort((L[idx], self.head[idx], self.tail[idx]))]
        t, h = self.tail[order], self.head[order]
        first = np.ones(len(order), bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        order = order[first]
        g = sp.csr_matrix((L[order], (self.tail[order], self.head[order])), shape=(self.N, self.N))
        pair_arc = sp.csr_matrix((order + 1, (self.tail[order], self.head[order])),
                                 shape=(self.N, self.N))
        return g, pair_arc

    def _routes(self, L: np.ndarray, alive: np.ndarray):
        """Best route of each supply: (value per unit, market index, local arcs)."""
        g, pair_arc = self._graph(L, alive)
        dist, pred = dijkstra(g, indices=self.sources, return_predecessors=True)
        out: list[tuple[float, int, np.ndarray] | None] = []
        for i, s in enumerate(self.sources):
            net_val = self.values - dist[i, self.markets]
            j = int(np.argmax(net_val)) if len(net_val) else -1
            if j < 0 or not np.isfinite(net_val[j]) or net_val[j] <= 0:
                out.append(None)
                continue
            path = []
            v = int(self.markets[j])
            while v != s:
                u = int(pred[i, v])
                path.append(int(pair_arc[u, v]) - 1)
                v = u
            out.append((float(net_val[j]), j, np.array(path[::-1], np.int64)))
        return out

    def _cut(self, routes) -> Cut:
        const = 0.0
        g = np.zeros(self.B)
        on_path = np.zeros(len(self.base_len))
        for i, r in enumerate(routes):
            if r is None:
                continue
            _, j, path = r
            sig = self.sigma[i]
            base_value = sig * (self.values[j] - self.base_len[path].sum())
            const += base_value
            on_path[:] = 0.0
            on_path[path] = 1.0
            np.add.at(g, self.raise_b, sig * self.raise_d * on_path[self.raise_a])
            hit = on_path[self.rem_a] > 0
            np.add.at(g, self.rem_b[hit], max(base_value, 0.0))
        return Cut.make(const, g)

    def evaluate(self, x: np.ndarray, target: float | None = None,
                 extra: int = 8) -> tuple[float, list[Cut]]:
        """V(x) and the cut of the best routes; when the plan does not beat ``target``,
        up to ``extra`` further cuts from other routes that still beat it (found by
        lengthening the arcs of the routes found so far and searching again)."""
        x = np.asarray(x, float)
        L, alive = self.lengths(x)
        routes = self._routes(L, alive)
        value = float(sum(self.sigma[i] * r[0] for i, r in enumerate(routes) if r is not None))
        cuts = [self._cut(routes)]
        if target is not None and value > target and len(self.sources) == 1 and routes[0]:
            pen = L.copy()
            seen = {tuple(routes[0][2].tolist())}
            path = routes[0][2]
            for _ in range(extra):
                pen[path] += max(1.0, float(np.median(L)))
                alt = self._routes(pen, alive)[0]
                if alt is None:
                    break
                path = alt[2]
                key = tuple(path.tolist())
                if key in seen:
                    continue
                seen.add(key)
                j = alt[1]
                true_val = self.sigma[0] * (self.values[j] - L[path].sum())
                if true_val <= target:
                    break
                cuts.append(self._cut([(true_val / self.sigma[0], j, path)]))
        return value, cuts


# ----------------------------------------------------------------------------- max flow


class MaxFlowOracle(Oracle):
    """V(x) = v · maxflow by Dinic's algorithm (csgraph); see the module docstring."""

    name = "max-flow"

    def __init__(self, net: CompiledNetwork):
        self.net = net
        fa = net.fc_arc
        self.arcs = fa
        self.N = net.n_nodes
        self.S, self.T = self.N, self.N + 1  # super source and sink
        cap = net.arc_cap[fa]
        finite = cap[np.isfinite(cap)]
        sup = net.sup_amount
        big = int(finite.sum() + sup[np.isfinite(sup)].sum() + 1)
        if big >= 2**62:
            raise SolveError("capacities too large for the integral max-flow oracle")
        self.big = big
        self.cap = np.where(np.isfinite(cap), cap, big).astype(np.int64)
        self.tail = net.arc_tail[fa]
        self.head = net.arc_head[fa]
        pos = np.full(net.n_arcs, -1, np.int64)
        pos[fa] = np.arange(len(fa))
        rm = net.arc_removal
        keep = pos[rm.element] >= 0 if len(rm) else np.zeros(0, bool)
        self.rem_b, self.rem_a = rm.binary[keep], pos[rm.element[keep]]
        self.value = float(net.del_value[0])
        self.B = net.n_binaries
        src = np.unique(net.sup_node)
        src_cap = np.array([min(big, net.sup_amount[net.sup_node == s].sum()) for s in src])
        mkts = np.unique(net.del_node)
        self.extra_t = np.concatenate([np.full(len(src), self.S), mkts])
        self.extra_h = np.concatenate([src, np.full(len(mkts), self.T)])
        self.extra_c = np.concatenate([src_cap, np.full(len(mkts), big)]).astype(np.int64)
        self.integral = _is_int(np.array([self.value]))

    def evaluate(self, x: np.ndarray, target: float | None = None) -> tuple[float, list[Cut]]:
        x = np.asarray(x, float)
        alive = np.ones(len(self.cap), bool)
        alive[self.rem_a[x[self.rem_b] > 0.5]] = False
        idx = np.flatnonzero(alive)
        t = np.concatenate([self.tail[idx], self.extra_t])
        h = np.concatenate([self.head[idx], self.extra_h])
        c = np.concatenate([self.cap[idx], self.extra_c])
        g = sp.csr_matrix((c, (t, h)), shape=(self.N + 2, self.N + 2))  # parallel arcs add up
        g.sum_duplicates()
        res = maximum_flow(g, self.S, self.T)
        F = res.flow.tocsr()
        # split the net flow of each node pair over its parallel alive arcs (greedy fill)
        flow = np.zeros(len(self.cap))
        pair_flow = np.maximum(np.asarray(F[self.tail[idx], self.head[idx]]).ravel(), 0.0)
        order = np.lexsort((idx, self.head[idx], self.tail[idx]))
        left: dict[tuple[int, int], float] = {}
        for o in order.tolist():
            a = int(idx[o])
            key = (int(self.tail[a]), int(self.head[a]))
            rem = left.setdefault(key, float(pair_flow[o]))
            take = min(rem, float(self.cap[a]))
            flow[a] = take
            left[key] = rem - take
        value = self.value * float(res.flow_value)
        coef = np.zeros(self.B)
        np.add.at(coef, self.rem_b, self.value * flow[self.rem_a])
        return value, [Cut.make(value, coef)]


# ----------------------------------------------------------------------------- generic LP


class LPOracle(Oracle):
    """V(x̂) from the defender's linearised dual model with the binaries fixed (an LP that
    HiGHS keeps loaded); the cut is the reduced-cost subgradient (module docstring)."""

    name = "lp"

    def __init__(self, net: CompiledNetwork, options: SolveOptions):
        milp = build_interdiction_milp(net)
        mf = milp.model.to_matrix()
        mf.integrality = np.zeros_like(mf.integrality)
        self.session = open_session(mf, SolveOptions(threads=options.threads, seed=options.seed))
        self.cols = np.arange(milp.x_start, milp.x_start + net.n_binaries)
        self.B = net.n_binaries
        self.model_size = milp.model.summary()

    def evaluate(self, x: np.ndarray, target: float | None = None) -> tuple[float, list[Cut]]:
        x = (np.asarray(x, float) > 0.5).astype(float)
        self.session.set_col_bounds(self.cols, x, x)
        raw = self.session.solve()
        if raw.termination != Termination.OPTIMAL or raw.objective is None:
            raise SolveError(f"the decomposition's subproblem LP ended {raw.termination.value}")
        value = float(raw.objective)
        rc = self.session.col_duals()[self.cols] if self.B else np.zeros(0)
        g = -rc  # V(x) ≥ value + Σ rc (x − x̂) = (value − Σ rc x̂) − Σ (−rc) x
        const = value + float(g @ x)
        return value, [Cut.make(const, g)]


def choose_oracle(net: CompiledNetwork, options: SolveOptions, kind: str = "auto") -> Oracle:
    """The fastest oracle the instance's structure allows (``kind`` forces one:
    "shortest-path", "max-flow", "lp")."""
    if kind == "auto":
        if shortest_path_structure(net):
            kind = "shortest-path"
        elif max_flow_structure(net):
            kind = "max-flow"
        else:
            kind = "lp"
    if kind == "shortest-path":
        if not shortest_path_structure(net):
            raise SolveError("the shortest-path oracle needs one commodity, no capacities, "
                             "seizures or recipes, and only lengthening/removal actions")
        return ShortestPathOracle(net)
    if kind == "max-flow":
        if not max_flow_structure(net):
            raise SolveError("the max-flow oracle needs one commodity without costs or "
                             "seizures, integral capacities and only removal actions")
        return MaxFlowOracle(net)
    if kind == "lp":
        return LPOracle(net, options)
    raise SolveError(f"unknown oracle {kind!r}")


__all__ = ["Cut", "Oracle", "ShortestPathOracle", "MaxFlowOracle", "LPOracle", "choose_oracle",
           "shortest_path_structure", "max_flow_structure"]
