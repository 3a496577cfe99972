"""Path oracle over scenarios: every unit of supply takes its most valuable route, and the
value of a route is a decreasing function of an additive *length*.

Two structures qualify (``path_kind``), in every scenario block of the problem:

- **evasion** (Morton, Pan & Saeger 2007; the SNIP benchmark): one commodity, no costs, no
  capacities or recipes; a unit entering arc a survives with probability r_a = 1 − p_a, so a
  route P from source o to market m is worth v_m Π_{a∈P} r_a(x). Actions raise seizure
  probabilities or remove arcs. In log space the value is exponential in a length,

      value(P; x) = V · exp(−ℓ(P; x)),   ℓ = Σ_a −log r_a + log(V / v_m),

  and a binary b raising p_a by Δp lengthens the arc by d_{b,a} = log(r_a / (r_a − Δp))
  (∞ for a removal, or when Δp = r_a). This is exact only if the seizure of an arc is raised
  by the levels of at most one action (levels are exclusive), which ``path_kind`` checks.
- **shortest-path** (Israeli & Wood 2002): one commodity, no seizure, capacities or recipes;
  route P is worth v_m − λ c(P; x), so value = max(0, V − ℓ) with ℓ = λ c(P) + (V − v_m);
  cost raises add d_{b,a} = λ Δc, removals ∞.

V is the largest market value; the term of the market is the length of an arc from the
market to one *sink* node added per block, so Dijkstra from the sink on the reversed arcs
(``scipy.sparse.csgraph``) gives every source's best route at once.

Every route's value is ``g(ℓ(P) + Σ_b d_{b,P} x_b)`` with g decreasing and ℓ, d ≥ 0
additive along the route — the only facts ``star.py`` uses to state cuts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ..compile.network import CompiledNetwork
from ..compile.problem import DefenderProblem, risk_value
from .oracles import _levers_only

EVASION = "evasion"
SHORTEST_PATH = "shortest-path"


def _common(net: CompiledNetwork) -> bool:
    """One commodity, no recipes, no capacities, finite supplies, markets."""
    fa = net.fc_arc
    return bool(net.n_comms == 1 and len(net.recipe_ids) == 0 and net.n_flows > 0
                and np.all(np.isinf(net.arc_cap[fa]) | (net.arc_cap[fa] == 0))
                and np.all(np.isinf(net.node_cap))
                and len(net.sup_node) > 0 and np.all(np.isfinite(net.sup_amount))
                and len(net.del_node) > 0)


def _one_action_per_arc(net: CompiledNetwork) -> bool:
    """The seizure of each flow column is raised by the levels of one action at most."""
    sr = net.seizure_raise
    if len(sr) == 0:
        return True
    acts = net.binary_action[sr.binary]
    pairs = np.unique(np.stack([sr.element, acts]), axis=1)
    return bool(len(np.unique(pairs[0])) == pairs.shape[1])


def net_path_kind(net: CompiledNetwork) -> str | None:
    """``EVASION``, ``SHORTEST_PATH`` or None for one compiled network (module docstring)."""
    if not _common(net):
        return None
    fa = net.fc_arc
    if np.all(net.arc_p[fa] == 0) and _levers_only(net, {"cost_raise", "arc_removal"}):
        return SHORTEST_PATH
    if (np.all(net.arc_cost[fa] == 0) and _levers_only(net, {"seizure_raise", "arc_removal"})
            and _one_action_per_arc(net)):
        return EVASION
    return None


def path_kind(problem: DefenderProblem) -> str | None:
    """The structure shared by every scenario block, or None."""
    kinds = {net_path_kind(sc.net) for sc in problem.scenarios}
    return kinds.pop() if len(kinds) == 1 else None


@dataclass
class Block:
    """One scenario block as a graph with a sink: local arcs 0..A−1 are the network's
    arcs that can carry the commodity, A.. the market → sink arcs."""

    probability: float
    n_nodes: int  # the network's nodes + the sink (the last node)
    tail: np.ndarray
    head: np.ndarray
    base: np.ndarray  # ℓ_a ≥ 0
    lev_arc: np.ndarray  # levers: local arc, binary, added length (inf = removed)
    lev_bin: np.ndarray
    lev_len: np.ndarray
    sources: np.ndarray  # nodes with supply
    sigma: np.ndarray  # supply at each source
    n_net: int  # local arcs 0 … n_net − 1 are the network's, the rest go to the sink

    @property
    def sink(self) -> int:
        return self.n_nodes - 1

    def same_network(self, other: "Block") -> bool:
        """Same arcs, lengths and levers apart from the market → sink arcs."""
        n = self.n_net
        return (n == other.n_net and self.n_nodes == other.n_nodes
                and all(np.array_equal(getattr(self, f)[:n], getattr(other, f)[:n])
                        for f in ("tail", "head", "base"))
                and all(np.array_equal(getattr(self, f), getattr(other, f))
                        for f in ("lev_arc", "lev_bin", "lev_len")))


def _block(net: CompiledNetwork, probability: float, kind: str, vmax: float) -> Block:
    fa = net.fc_arc
    usable = net.arc_cap[fa] > 0
    if kind == EVASION:
        keep = 1.0 - net.arc_p[fa]
        usable &= keep > 0
        base = -np.log(np.where(usable, keep, 1.0))
        sr = net.seizure_raise
        r = keep[sr.element]
        left = r - sr.amount
        with np.errstate(divide="ignore", invalid="ignore"):
            added = np.where(left > 1e-15 * np.maximum(r, 1e-300), np.log(r / left), math.inf)
        lev_fc, lev_bin, lev_len = sr.element, sr.binary, added
        sink_len = np.log(vmax / net.del_value)
    else:
        lam = float(net.load[0])
        base = net.arc_cost[fa] * lam
        cr = net.cost_raise
        lev_fc, lev_bin, lev_len = cr.element, cr.binary, cr.amount * lam
        sink_len = vmax - net.del_value
    pos = np.full(net.n_arcs, -1, np.int64)
    pos[fa] = np.arange(len(fa))
    rm = net.arc_removal
    rm_fc = pos[rm.element]
    rm_keep = rm_fc >= 0
    A = len(fa)
    N = net.n_nodes + 1
    lev_arc = np.concatenate([lev_fc, rm_fc[rm_keep]]).astype(np.int64)
    lev_bin = np.concatenate([lev_bin, rm.binary[rm_keep]]).astype(np.int64)
    lev_len = np.concatenate([lev_len, np.full(int(rm_keep.sum()), math.inf)])
    on = usable[lev_arc]
    sources = np.unique(net.sup_node)
    sigma = np.array([net.sup_amount[net.sup_node == s].sum() for s in sources])
    return Block(
        probability=float(probability), n_nodes=N,
        tail=np.concatenate([net.arc_tail[fa][usable], net.del_node]).astype(np.int64),
        head=np.concatenate([net.arc_head[fa][usable],
                             np.full(len(net.del_node), N - 1)]).astype(np.int64),
        base=np.concatenate([base[usable], sink_len]).astype(float),
        lev_arc=_renumber(lev_arc[on], usable, A), lev_bin=lev_bin[on], lev_len=lev_len[on],
        sources=sources[sigma > 0], sigma=sigma[sigma > 0], n_net=int(usable.sum()))


def _renumber(arcs: np.ndarray, usable: np.ndarray, A: int) -> np.ndarray:
    new = np.full(A, -1, np.int64)
    new[usable] = np.arange(int(usable.sum()))
    return new[arcs]


@dataclass
class Routes:
    """Best routes of every (block, source) pair under some lengths: ``od`` indexes the
    pairs (``PathOracle.od_block`` / ``od_source``); routes are arc lists (local to the
    block) in CSR form; unreachable pairs have none."""

    od: np.ndarray
    ptr: np.ndarray
    arcs: np.ndarray


class _Graph:
    """Blocks sharing one network, searched together: the network's nodes, one sink per
    block, the network's arcs (local numbers as in each block) then every block's
    market → sink arcs; one Dijkstra call from all the sinks."""

    def __init__(self, blocks: list[Block], members: list[int]):
        first = blocks[members[0]]
        n0, A = first.n_nodes - 1, first.n_net
        self.members = members
        self.n_net = A
        self.sinks = n0 + np.arange(len(members))
        tails, heads, bases, offset = [first.tail[:A]], [first.head[:A]], [first.base[:A]], []
        at = A
        for i, k in enumerate(members):
            b = blocks[k]
            offset.append(at)
            tails.append(b.tail[A:])
            heads.append(np.full(len(b.tail) - A, n0 + i))
            bases.append(b.base[A:])
            at += len(b.tail) - A
        self.offset = np.array(offset, np.int64)  # first sink arc of each member
        self.tail = np.concatenate(tails).astype(np.int64)
        self.head = np.concatenate(heads).astype(np.int64)
        self.base = np.concatenate(bases)
        self.lev_arc, self.lev_bin, self.lev_len = first.lev_arc, first.lev_bin, first.lev_len
        self.reversed = _Reversed(self.tail, self.head, n0 + len(members))

    def lengths(self, x: np.ndarray, scale: float, removed_as: float | None) -> np.ndarray:
        """ℓ_a + scale·Σ_b d_{b,a} x_b; removals add ``removed_as`` per unit of x when given
        (a finite stand-in for ∞ in searches at fractional points), else remove the arc
        when x_b = 1 (and scale > 0)."""
        L = self.base.copy()
        xv = x[self.lev_bin]
        fin = np.isfinite(self.lev_len)
        add = np.where(fin, self.lev_len, 0.0 if removed_as is None else removed_as)
        np.add.at(L, self.lev_arc, scale * add * xv)
        if removed_as is None and scale > 0:
            L[self.lev_arc[~fin & (xv > 0.5)]] = math.inf
        return L

    def trees(self, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distances to each block's sink and next hops (row i: block members[i])."""
        dist, pred = dijkstra(self.reversed.graph(L), indices=self.sinks,
                              return_predecessors=True)
        return np.atleast_2d(dist), np.atleast_2d(pred)

    def local(self, member: np.ndarray, arcs: np.ndarray) -> np.ndarray:
        """Arcs of the graph → the local numbers of the blocks ``members[member]``."""
        out = arcs.copy()
        sink = arcs >= self.n_net
        out[sink] = arcs[sink] - self.offset[member[sink]] + self.n_net
        return out


class PathOracle:
    """Values and best routes of every scenario block (module docstring)."""

    def __init__(self, problem: DefenderProblem):
        kind = path_kind(problem)
        if kind is None:
            raise ValueError("the problem has no path structure (see path_kind)")
        self.kind = kind
        self.problem = problem
        self.n_binaries = problem.net.n_binaries
        self.vmax = max(float(sc.net.del_value.max()) for sc in problem.scenarios)
        self.blocks = [_block(sc.net, sc.probability, kind, self.vmax)
                       for sc in problem.scenarios]
        self.od_block = np.concatenate([np.full(len(b.sources), k, np.int64)
                                        for k, b in enumerate(self.blocks)])
        self.od_source = np.concatenate([b.sources for b in self.blocks]).astype(np.int64)
        self.od_sigma = np.concatenate([b.sigma for b in self.blocks])
        self.od_start = np.cumsum([0] + [len(b.sources) for b in self.blocks])
        groups: list[list[int]] = []
        for k, b in enumerate(self.blocks):
            home = next((g for g in groups if self.blocks[g[0]].same_network(b)), None)
            if home is None:
                groups.append([k])
            else:
                home.append(k)
        self.graphs = [_Graph(self.blocks, g) for g in groups]

    @property
    def n_od(self) -> int:
        return len(self.od_block)

    # ------------------------------------------------------------------ values
    def value_of_length(self, length: np.ndarray) -> np.ndarray:
        """g(ℓ): the value of one unit on a route of length ℓ (0 for ℓ = ∞)."""
        length = np.asarray(length, float)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.kind == EVASION:
                out = self.vmax * np.exp(-length)
            else:
                out = np.maximum(0.0, self.vmax - length)
        return np.where(np.isfinite(length), out, 0.0)

    def source_values(self, x: np.ndarray) -> np.ndarray:
        """The value of one unit from every (block, source) pair under the plan ``x``."""
        return self.search(x, want_routes=False)[0]

    def block_values(self, per_source: np.ndarray) -> np.ndarray:
        """v_k(x) = Σ_o σ_o · value_o of every block."""
        return np.array([per_source[self.od_start[k]:self.od_start[k + 1]] @ b.sigma
                         for k, b in enumerate(self.blocks)])

    def objective(self, per_source: np.ndarray) -> float:
        """The risk measure of the block values (the defender's objective)."""
        p = self.problem
        return risk_value(self.block_values(per_source), p.probabilities, p.risk, p.alpha)

    # ------------------------------------------------------------------ routes
    def routes(self, x: np.ndarray, scale: float = 1.0,
               removed_as: float | None = None) -> Routes:
        """The best route of every pair under lengths ℓ + scale·Σ d x (``_Graph.lengths``)."""
        return self.search(x, scale, removed_as)[1]

    def search(self, x: np.ndarray, scale: float = 1.0, removed_as: float | None = None,
               want_routes: bool = True) -> tuple[np.ndarray, Routes]:
        """Values per pair (at binary x with scale 1 and removals: the plan's values) and,
        if wanted, the best routes, from one Dijkstra call per network."""
        x = np.asarray(x, float)
        if removed_as is None:
            x = (x > 0.5).astype(float) if scale == 1.0 else x
        values = np.zeros(self.n_od)
        ods, counts, arcs = [], [], []
        for g in self.graphs:
            L = g.lengths(x, scale, removed_as)
            dist, pred = g.trees(L)
            rows, starts, od = [], [], []
            for i, k in enumerate(g.members):
                b = self.blocks[k]
                d = dist[i, b.sources]
                values[self.od_start[k]:self.od_start[k + 1]] = self.value_of_length(d)
                ok = np.flatnonzero(np.isfinite(d))
                rows.append(np.full(len(ok), i))
                starts.append(b.sources[ok])
                od.append(self.od_start[k] + ok)
            if not want_routes or not sum(len(o) for o in od):
                continue
            rows_a, od_a = np.concatenate(rows), np.concatenate(od)
            step_of, step_arc = _walk(np.concatenate(starts), rows_a, pred, g.sinks,
                                      g.reversed.arc_of(L))
            order = np.argsort(step_of, kind="stable")  # route order kept per pair
            ods.append(od_a)
            counts.append(np.bincount(step_of, minlength=len(od_a)))
            arcs.append(g.local(rows_a[step_of[order]], step_arc[order]))
        if not ods:
            return values, Routes(np.zeros(0, np.int64), np.zeros(1, np.int64),
                                  np.zeros(0, np.int64))
        c = np.concatenate(counts)
        return values, Routes(np.concatenate(ods), np.concatenate([[0], np.cumsum(c)]),
                              np.concatenate(arcs))


class _Reversed:
    """The reversed arcs of a block in CSR form with a fixed pattern: one entry per node
    pair (the shortest of parallel arcs), so a new set of lengths only refills the data."""

    def __init__(self, tail: np.ndarray, head: np.ndarray, n: int):
        key = head * n + tail  # reversed: row = head, column = tail
        self.perm = np.argsort(key, kind="stable")
        keys = key[self.perm]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        self.starts = np.flatnonzero(first)
        self.group = np.cumsum(first) - 1  # the pair of each sorted arc
        self.keys = keys[self.starts]
        self.parallel = len(self.starts) < len(keys)
        rows = self.keys // n
        self.indices = (self.keys % n).astype(np.int32)
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        self.n = n

    def graph(self, L: np.ndarray) -> sp.csr_matrix:
        """Dead arcs (∞) stay entries of length ∞: Dijkstra never uses them."""
        data = L[self.perm]
        if self.parallel:
            data = np.minimum.reduceat(data, self.starts)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    def arc_of(self, L: np.ndarray) -> "_ArcLookup":
        """The arc chosen for each node pair under lengths L."""
        if not self.parallel:
            return _ArcLookup(self.keys, self.perm[self.starts], self.n)
        order = np.lexsort((L[self.perm], self.group))  # shortest first within each pair
        pick = np.r_[True, self.group[order][1:] != self.group[order][:-1]]
        return _ArcLookup(self.keys, self.perm[order[pick]], self.n)


@dataclass
class _ArcLookup:
    keys: np.ndarray  # sorted reversed pair keys (head · n + tail)
    arc: np.ndarray  # the arc of each pair
    n: int

    def __call__(self, nxt: np.ndarray, cur: np.ndarray) -> np.ndarray:
        return self.arc[np.searchsorted(self.keys, nxt * self.n + cur)]


def _walk(starts: np.ndarray, rows: np.ndarray, pred: np.ndarray, sinks: np.ndarray,
          arc_of: _ArcLookup) -> tuple[np.ndarray, np.ndarray]:
    """Follow next hops (``pred[row]``) from every start to its row's sink:
    (start index, arc) per step, steps in route order."""
    cur = starts.astype(np.int64)
    row = rows.astype(np.int64)
    idx = np.arange(len(cur))
    out_i, out_a = [], []
    while len(cur):
        nxt = pred[row, cur].astype(np.int64)
        out_i.append(idx)
        out_a.append(arc_of(nxt, cur))
        more = nxt != sinks[row]
        cur, row, idx = nxt[more], row[more], idx[more]
    return np.concatenate(out_i), np.concatenate(out_a)
