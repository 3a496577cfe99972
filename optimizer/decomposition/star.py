"""Star cuts over routes: lower bounds on the value θ_o of one unit from source o.

A route P from o is worth g(ℓ_P + Σ_{b∈S_P} d_b x_b) (``paths.py``: g decreasing, ℓ_P and
the lengthenings d_b ≥ 0 additive along P; S_P the binaries that act on P). Whatever else
the plan does, the smuggler can still take P, so θ_o ≥ that value. Linear cuts come from
*items* (Towle & Luedtke 2018 state path inequalities of this kind for SNIP; the mixing
argument is Günlük & Pochet's):

- an item (h, T) of route P is a set T ⊆ S_P and the height h = g(ℓ_P + Σ_{b∈S_P∖T} d_b):
  if no binary of T is on, at most the binaries outside T lengthen P, so θ_o ≥ h. Its
  *gone* indicator is at most y_T(x) = Σ_{b∈T} x_b. The item with T = ∅ is never gone:
  θ_o ≥ g(ℓ_P + Σ_{S_P} d_b) for every plan (the *floor*).
- for items h_1 ≥ h_2 ≥ … ≥ h_n of any routes of o and a floor f ≤ h_n (h_{n+1} = f),

      θ_o ≥ h_1 − Σ_{i=1}^{n} (h_i − h_{i+1}) · Σ_{b∈T_i} x_b                 (star cut)

  is valid: if item j is the first not gone, the right side is at most h_j ≤ θ_o (every
  earlier y_i ≥ 1, the later terms are ≥ 0); if all are gone it is at most f ≤ θ_o.

**Separation** at a point x̄ (fractional in the LP, binary in the rounds): for each route
the items with T = S_P minus its j binaries of largest x̄ (j = 0 … |S_P|; ties: smallest d_b
out first), so y_i = Σ of the |S_P| − j smallest x̄. The right side equals
∫_f^{h_1} (1 − y(r)) dr + f with y(r) the y of the item covering level r, so the best
sequence takes, from the top, the items whose y is a record low, starting at the first
with y ≤ 1 (an item with y > 1 only lowers it), and ends at the highest floor.

At a binary plan x̂ whose best routes are in the pool the cut is tight: the items with
y = 0 are exactly those with at most the on-binaries excluded, the highest of them is the
best route's value v_o(x̂), and the sequence above it has y = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .paths import PathOracle, Routes

_TIE = 1e-9  # y and h comparisons


@dataclass
class CutRows:
    """Rows θ_{od} + Σ coef · x ≥ const in CSR form over the binaries."""

    od: np.ndarray
    const: np.ndarray
    ptr: np.ndarray
    binaries: np.ndarray
    coefs: np.ndarray
    rhs_at_point: np.ndarray  # the right side at the separation point

    def __len__(self) -> int:
        return len(self.od)


class RoutePool:
    """Every distinct route found so far, with its length and the binaries acting on it."""

    def __init__(self, oracle: PathOracle):
        self.oracle = oracle
        self.od = np.zeros(0, np.int64)
        self.length = np.zeros(0)
        self.ptr = np.zeros(1, np.int64)
        self.binary = np.zeros(0, np.int64)
        self.lengthening = np.zeros(0)
        self._seen: set[tuple[int, int]] = set()
        self._levers = [_arc_levers(b) for b in oracle.blocks]
        rng = np.random.default_rng(20180455)
        most = max(len(b.base) for b in oracle.blocks)
        self._h1 = rng.integers(0, 2**63, size=most, dtype=np.uint64)
        self._h2 = rng.integers(0, 2**63, size=most, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.od)

    def add(self, routes: Routes) -> int:
        """Add the new routes; returns how many were new. A route is known by its pair and
        two random 64-bit sums over its arcs (a route is a simple path, so its arc set
        identifies it)."""
        n = len(routes.od)
        if n == 0:
            return 0
        h1 = np.add.reduceat(self._h1[routes.arcs], routes.ptr[:-1]) + routes.od.astype(np.uint64)
        h2 = np.add.reduceat(self._h2[routes.arcs], routes.ptr[:-1])
        fresh = []
        for i, seen in enumerate(zip(h1.tolist(), h2.tolist())):
            if seen not in self._seen:
                self._seen.add(seen)
                fresh.append(i)
        if not fresh:
            return 0
        sel = np.array(fresh)
        lens = np.diff(routes.ptr)[sel]
        pos = np.repeat(routes.ptr[sel], lens) + np.arange(lens.sum()) - np.repeat(
            np.cumsum(lens) - lens, lens)
        arcs = routes.arcs[pos]
        route_of = np.repeat(np.arange(len(sel)), lens)
        od = routes.od[sel]
        block = self.oracle.od_block[od]
        length = np.zeros(len(sel))
        b_route, b_bin, b_len = [], [], []
        for k in np.unique(block).tolist():
            on_k = block[route_of] == k
            a_k, r_k = arcs[on_k], route_of[on_k]
            np.add.at(length, r_k, self.oracle.blocks[k].base[a_k])
            r, b, d = self._levers[k].expand(a_k, r_k)
            b_route.append(r)
            b_bin.append(b)
            b_len.append(d)
        r, b, d = (np.concatenate(v) for v in (b_route, b_bin, b_len))
        nb = max(self.oracle.n_binaries, 1)
        key, inv = np.unique(r * nb + b, return_inverse=True)  # sorted by route, binary
        d_sum = np.zeros(len(key))
        fin = np.isfinite(d)
        np.add.at(d_sum, inv[fin], d[fin])
        d_sum[np.unique(inv[~fin])] = np.inf
        counts = np.bincount(key // nb, minlength=len(sel))
        self.od = np.concatenate([self.od, od]).astype(np.int64)
        self.length = np.concatenate([self.length, length])
        self.ptr = np.concatenate([self.ptr, self.ptr[-1] + np.cumsum(counts)])
        self.binary = np.concatenate([self.binary, key % nb]).astype(np.int64)
        self.lengthening = np.concatenate([self.lengthening, d_sum])
        return len(sel)

    def route_binaries(self, routes: Routes) -> tuple[np.ndarray, np.ndarray]:
        """(route index, binary) for every binary acting on each route (once per route)."""
        lens = np.diff(routes.ptr)
        route_of = np.repeat(np.arange(len(routes.od)), lens)
        block = self.oracle.od_block[routes.od][route_of]
        owners, bins = [], []
        for k in np.unique(block).tolist():
            on_k = block == k
            r, b, _ = self._levers[k].expand(routes.arcs[on_k], route_of[on_k])
            owners.append(r)
            bins.append(b)
        if not owners:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        nb = max(self.oracle.n_binaries, 1)
        key = np.unique(np.concatenate(owners) * nb + np.concatenate(bins))
        return key // nb, key % nb

    def binaries_on(self, routes: Routes) -> np.ndarray:
        """Every binary acting on some of ``routes``."""
        out = []
        for i, od in enumerate(routes.od.tolist()):
            k = int(self.oracle.od_block[od])
            out.append(self._levers[k].on(routes.arcs[routes.ptr[i]:routes.ptr[i + 1]])[0])
        return np.unique(np.concatenate(out)) if out else np.zeros(0, np.int64)

    # ------------------------------------------------------------------ separation
    def separate(self, x: np.ndarray, theta: np.ndarray | None = None,
                 tol: float = 1e-9) -> CutRows:
        """The best star cut of every pair at ``x`` (module docstring); with ``theta``,
        only those violated by more than ``tol`` (absolute) + 1e-7 of the cut's height."""
        items = self._items(np.asarray(x, float))
        return self._cuts(items, theta, tol)

    def _items(self, x: np.ndarray):
        """Every item of every route at x: (pair, height, y, route, j); y = −1 marks
        the floor items (T = ∅)."""
        n_r = np.diff(self.ptr)
        route_of = np.repeat(np.arange(len(self)), n_r)
        xs = x[self.binary]
        # within each route: largest x̄ first, then smallest lengthening
        order = np.lexsort((self.lengthening, -xs, route_of))
        xs_o = xs[order]
        d_o = self.lengthening[order]
        # prefix sums within routes (j = 0 … n_r): excluded-length and excluded-x
        fin = np.isfinite(d_o)  # removals lengthen by ∞: counted apart from the sums
        cd = np.concatenate([[0.0], np.cumsum(np.where(fin, d_o, 0.0))])
        ci = np.concatenate([[0], np.cumsum(~fin)])
        cx = np.concatenate([[0.0], np.cumsum(xs_o)])
        start = self.ptr[:-1]
        # item (route r, level j): positions start_r + j, j = 0 … n_r
        it_route = np.repeat(np.arange(len(self)), n_r + 1)
        it_j = np.arange(len(it_route)) - np.repeat(self.ptr[:-1] + np.arange(len(self)), n_r + 1)
        pos = start[it_route] + it_j
        excl_d = cd[pos] - cd[start[it_route]]
        excl_d[ci[pos] > ci[start[it_route]]] = np.inf
        with np.errstate(invalid="ignore"):
            height = self.oracle.value_of_length(self.length[it_route] + excl_d)
        y = (cx[self.ptr[1:][it_route]] - cx[pos])
        floor = it_j == n_r[it_route]
        y = np.where(floor, -1.0, np.maximum(y, 0.0))
        return dict(od=self.od[it_route], h=height, y=y, route=it_route, j=it_j, order=order)

    def _cuts(self, it, theta, tol) -> CutRows:
        od, h, y = it["od"], it["h"], it["y"]
        srt = np.lexsort((y, -h, od))
        od, h, y = od[srt], h[srt], y[srt]
        route, j = it["route"][srt], it["j"][srt]
        n = len(od)
        if n == 0:
            return _empty_rows()
        group_start = np.r_[True, od[1:] != od[:-1]]
        # running minimum of y over the earlier items of the same pair, capped at 1
        big = float(np.max(np.abs(y))) + 3.0
        rank = np.cumsum(group_start) - 1
        shifted = y - rank * big
        cm = np.minimum.accumulate(shifted)
        prev = np.r_[np.inf, cm[:-1]] + rank * big
        prev[group_start] = np.inf
        in_seq = y < np.minimum(1.0 + 2 * _TIE, prev) - _TIE
        # items after a floor item of the same pair never enter (y would need to be < −1)
        s_idx = np.flatnonzero(in_seq)
        s_od, s_h, s_y = od[s_idx], h[s_idx], y[s_idx]
        last = np.r_[s_od[1:] != s_od[:-1], True]
        nxt_h = np.where(last, 0.0, np.r_[s_h[1:], 0.0])
        c = np.maximum(s_h - nxt_h, 0.0)
        first = np.r_[True, s_od[1:] != s_od[:-1]]
        seq_od = s_od[first]
        top = s_h[first]
        contrib = c * np.maximum(s_y, 0.0)
        grp = np.cumsum(first) - 1
        rhs = top - np.bincount(grp, weights=contrib, minlength=len(seq_od))
        keep = np.ones(len(seq_od), bool)
        if theta is not None:
            keep = rhs - theta[seq_od] > tol + 1e-7 * top
        if not keep.any():
            return _empty_rows()
        # expand every kept sequence item with T ≠ ∅ into its binaries
        use = keep[grp] & (s_y >= 0.0) & (c > 0.0)
        r_route, r_j, r_c, r_row = route[s_idx][use], j[s_idx][use], c[use], grp[use]
        lo = self.ptr[r_route] + r_j
        hi = self.ptr[r_route + 1]
        cnt = hi - lo
        rep = np.repeat(np.arange(len(lo)), cnt)
        offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        order = it["order"]
        bins = self.binary[order[lo[rep] + offs]]
        row_index = np.full(len(seq_od), -1, np.int64)
        row_index[keep] = np.arange(int(keep.sum()))
        mat = sp.csr_matrix((np.repeat(r_c, cnt), (row_index[r_row[rep]], bins)),
                            shape=(int(keep.sum()), self.oracle.n_binaries))
        mat.sum_duplicates()
        return CutRows(seq_od[keep], top[keep], mat.indptr.astype(np.int64),
                       mat.indices.astype(np.int64), mat.data.astype(float), rhs[keep])


def _empty_rows() -> CutRows:
    z = np.zeros(0, np.int64)
    return CutRows(z, np.zeros(0), np.zeros(1, np.int64), z, np.zeros(0), np.zeros(0))


class _ArcLevers:
    """The levers of one block grouped by arc: which binaries lengthen an arc, by how much."""

    def __init__(self, arc: np.ndarray, binary: np.ndarray, length: np.ndarray, n_arcs: int):
        order = np.argsort(arc, kind="stable")
        self.binary = binary[order]
        self.length = length[order]
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(arc, minlength=n_arcs))])

    def expand(self, arcs: np.ndarray, owner: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, binary, lengthening) for every lever on ``arcs``."""
        lo, hi = self.ptr[arcs], self.ptr[arcs + 1]
        cnt = hi - lo
        idx = np.repeat(lo, cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        return np.repeat(owner, cnt), self.binary[idx], self.length[idx]

    def on(self, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The binaries acting on a route and their total lengthening of it (sorted)."""
        lo, hi = self.ptr[arcs], self.ptr[arcs + 1]
        cnt = hi - lo
        if cnt.sum() == 0:
            return np.zeros(0, np.int64), np.zeros(0)
        idx = np.repeat(lo, cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        bins, inv = np.unique(self.binary[idx], return_inverse=True)
        return bins, np.bincount(inv, weights=self.length[idx], minlength=len(bins))


def _arc_levers(b) -> _ArcLevers:
    return _ArcLevers(b.lev_arc, b.lev_bin, b.lev_len, len(b.base))
