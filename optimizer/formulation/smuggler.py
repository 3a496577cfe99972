"""The smuggler's linear program for a fixed plan (docs/model.md §2).

Variables: f_{a,k} ≥ 0 per flow column, z_r ≥ 0 per recipe, g_s ∈ [0, σ_s] per supply
piece (marginal cost c_s), d_{m,k} ≥ 0 per delivery, q_{g,i} ∈ [0, w_{g,i}] per piece of a
market good's demand curve (price P_{g,i}). For the data of a plan (``EffectiveData``):

    balance(n,k):  Σ_{a out of n} f_{a,k} + Σ_{r at n uses k} z_r + d_{n,k}
                   − Σ_{s at (n,k)} g_s − Σ_{a into n} (1 − p_{a,k}) f_{a,k}
                   − Σ_{r at n makes k} η_r z_r ≤ 0
    capacity(a):   Σ_k λ_k f_{a,k} ≤ u_a   (an arc with one flow column: the bound
                                             f_{a,k} ≤ u_a / λ_k instead of a row)
    throughput(n): Σ_{r at n} z_r ≤ U_n          (z_r ≤ U_r is a bound)
    good(g):       Σ_i q_{g,i} − Σ_{d accepted by g} ρ_d d ≤ 0   (units of the good sold)
    maximise       Σ v_{m,k} d_{m,k} + Σ P_{g,i} q_{g,i} − Σ c_{a,k} λ_k f_{a,k} − Σ c_s g_s

Prices fall along a good's pieces, so the LP fills them in order (a concave revenue);
marginal costs rise along a supply's pieces (a convex cost).

The balance is an inequality: the smuggler may always leave product unshipped. This module
is written independently of the defender's MILP so that re-solving it is a real check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compile.network import CompiledNetwork, EffectiveData
from .blocks import LinearModel


@dataclass
class SmugglerLP:
    model: LinearModel
    flow_start: int
    recipe_start: int
    supply_start: int
    delivery_start: int
    sales_start: int


def build_smuggler_lp(net: CompiledNetwork, data: EffectiveData) -> SmugglerLP:
    """State the smuggler's LP for the given effective data."""
    K = net.n_comms
    m = LinearModel("smuggler", sense="max")
    F, R, S, D = net.n_flows, len(net.recipe_ids), len(net.sup_node), len(net.del_node)

    f = m.add_vars(
        "flow", F, lb=0.0, ub=flow_upper(net, data), obj=-data.fc_unit_cost,
        keys=lambda: [(net.arc_ids[a], net.comm_ids[k]) for a, k in zip(net.fc_arc, net.fc_comm)],
        doc="f_{a,k}: units of commodity k entering arc a")
    z = m.add_vars(
        "recipe", R, lb=0.0, ub=np.where(data.rec_active, data.rec_cap, 0.0),
        keys=lambda: [(r,) for r in net.recipe_ids],
        doc="z_r: units of input processed by recipe r (≤ U_r)")
    g = m.add_vars(
        "supply", S, lb=0.0, ub=data.sup_amount, obj=-net.sup_cost, keys=net.supply_keys,
        doc="g_s: units taken from supply piece s (σ_s units at marginal cost c_s)")
    d = m.add_vars(
        "deliver", D, lb=0.0, ub=np.where(data.del_active, np.inf, 0.0), obj=net.del_value,
        keys=lambda: [(net.node_ids[n], net.comm_ids[k])
                      for n, k in zip(net.del_node, net.del_comm)],
        doc="d_{m,k}: units of k sold at market m, each worth v_{m,k}")

    # balance rows: one per (node, commodity) that any term touches
    fr = np.arange(F)
    tails = net.arc_tail[net.fc_arc] * K + net.fc_comm
    heads = net.arc_head[net.fc_arc] * K + net.fc_comm
    rr = np.arange(R)
    r_in = net.rec_node * K + net.rec_in
    r_out = net.rec_node * K + net.rec_out
    codes = np.concatenate([tails, heads, r_in, r_out,
                            net.sup_node * K + net.sup_comm, net.del_node * K + net.del_comm])
    terms_col = np.concatenate([f.start + fr, f.start + fr, z.start + rr, z.start + rr,
                                g.start + np.arange(S), d.start + np.arange(D)])
    terms_val = np.concatenate([np.ones(F), -data.fc_keep, np.ones(R), -net.rec_eta,
                                -np.ones(S), np.ones(D)])
    uniq, local = np.unique(codes, return_inverse=True)
    m.add_rows("balance", len(uniq), local, terms_col, terms_val, hi=0.0,
               keys=lambda: [(net.node_ids[c // K], net.comm_ids[c % K]) for c in uniq],
               doc="outflow + use + sales − supply − (1−p)·inflow − η·production ≤ 0")

    capped = capacity_rows(net, data)
    row_of_arc = np.full(net.n_arcs, -1)
    row_of_arc[capped] = np.arange(len(capped))
    sel = row_of_arc[net.fc_arc] >= 0
    m.add_rows("capacity", len(capped), row_of_arc[net.fc_arc][sel], f.start + fr[sel],
               net.load[net.fc_comm][sel], hi=data.arc_cap[capped],
               keys=lambda: [(net.arc_ids[a],) for a in capped],
               doc="Σ_k λ_k f_{a,k} ≤ u_a")

    nodes_capped = np.flatnonzero(np.isfinite(data.node_cap))
    row_of_node = np.full(net.n_nodes, -1)
    row_of_node[nodes_capped] = np.arange(len(nodes_capped))
    sel = row_of_node[net.rec_node] >= 0 if R else np.zeros(0, bool)
    m.add_rows("throughput", len(nodes_capped), row_of_node[net.rec_node][sel] if R else [],
               z.start + rr[sel] if R else [], np.ones(int(sel.sum())),
               hi=data.node_cap[nodes_capped],
               keys=lambda: [(net.node_ids[n],) for n in nodes_capped],
               doc="Σ_{r at n} z_r ≤ U_n")
    G = net.n_goods
    q = m.add_vars(
        "sell", len(net.seg_good), lb=0.0, ub=net.seg_width, obj=net.seg_price,
        keys=lambda: [(net.good_ids[gg], i) for i, gg in enumerate(net.seg_good)],
        doc="q_{g,i}: units of good g sold on piece i of its demand curve, at P_{g,i}")
    with_good = np.flatnonzero(net.del_good >= 0)
    m.add_rows("good", G,
               np.concatenate([net.seg_good, net.del_good[with_good]]),
               np.concatenate([q.start + np.arange(len(net.seg_good)), d.start + with_good]),
               np.concatenate([np.ones(len(net.seg_good)), -net.del_rate[with_good]]), hi=0.0,
               keys=lambda: [(gid,) for gid in net.good_ids],
               doc="Σ_i q_{g,i} − Σ_d ρ_d d ≤ 0: a good sells what its deliveries give")
    return SmugglerLP(m, f.start, z.start, g.start, d.start, q.start)


def shared_arcs(net: CompiledNetwork) -> np.ndarray:
    """Per arc: whether several flow columns (commodities) share its capacity."""
    return np.bincount(net.fc_arc, minlength=net.n_arcs)[:net.n_arcs] >= 2


def capacity_rows(net: CompiledNetwork, data: EffectiveData) -> np.ndarray:
    """The arcs whose capacity is a row: finite and shared by several flow columns."""
    return np.flatnonzero(np.isfinite(data.arc_cap) & shared_arcs(net))


def flow_upper(net: CompiledNetwork, data: EffectiveData) -> np.ndarray:
    """Flow columns' upper bounds: 0 on a removed arc; u_a / λ_k on an arc with one flow
    column (its capacity row folded into the bound); ∞ otherwise."""
    single = ~shared_arcs(net)[net.fc_arc]
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = np.where(single, data.arc_cap[net.fc_arc] / net.load[net.fc_comm], np.inf)
    return np.where(data.fc_active, cap, 0.0)
