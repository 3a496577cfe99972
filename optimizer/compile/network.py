"""From an ``Instance`` to arrays: the compiled network, plans, and data-derived bounds.

Everything downstream (formulations, certificate, enumeration, routes) reads these arrays,
never the records, so the expensive part (ids → indices, effects → elementary levers) is
done once per instance.

Symbols follow docs/model.md (notation in §0):
- a flow column (a, k) is a commodity k allowed on arc a, carrying f_{a,k} ≥ 0;
- a *binary* b is one level of one action (x_{j,l});
- a *lever* is one effect of one binary on one element (an arc, a flow column, a recipe,
  a node, a supply or a delivery), with its magnitude.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import PlanError
from ..instance.model import Instance
from ..instance.targets import TargetIndex, resolve_targets

# ----------------------------------------------------------------------------- levers


@dataclass(frozen=True)
class Levers:
    """One kind of elementary effect: ``binary[i]`` acts on ``element[i]`` by ``amount[i]``."""

    binary: np.ndarray
    element: np.ndarray
    amount: np.ndarray

    @staticmethod
    def build(items: list[tuple[int, int, float]]) -> "Levers":
        if not items:
            return Levers(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        items = sorted(set(items))
        arr = np.array(items, dtype=float)
        return Levers(arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2])

    def __len__(self) -> int:
        return len(self.binary)


#: The ``CompiledNetwork`` fields that hold levers (one ``Levers`` each).
LEVER_FIELDS: tuple[str, ...] = (
    "arc_removal", "recipe_removal", "delivery_removal", "arc_cap_cut", "recipe_cap_cut",
    "node_cap_cut", "supply_cut", "seizure_raise", "cost_raise", "node_removal",
)

# ----------------------------------------------------------------------------- network


@dataclass
class CompiledNetwork:
    """The instance as index arrays. Built by :func:`compile_instance`."""

    instance: Instance
    node_ids: list[str]
    comm_ids: list[str]
    load: np.ndarray  # λ_k
    # arcs
    arc_ids: list[str]
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_cap: np.ndarray  # u_a (inf allowed)
    arc_cost: np.ndarray  # c_a per load unit
    arc_p: np.ndarray  # p_a
    # flow columns: allowed (arc, commodity) pairs
    fc_arc: np.ndarray
    fc_comm: np.ndarray
    # recipes
    recipe_ids: list[str]
    rec_node: np.ndarray
    rec_in: np.ndarray
    rec_out: np.ndarray
    rec_eta: np.ndarray
    rec_cap: np.ndarray
    node_cap: np.ndarray  # U_n (inf = none)
    # supply pieces σ_{n,k,i} (one per supply without a curve)
    sup_node: np.ndarray
    sup_comm: np.ndarray
    sup_amount: np.ndarray
    # deliveries: (market node, commodity) with a value v > 0 or a good that accepts it
    del_node: np.ndarray
    del_comm: np.ndarray
    del_value: np.ndarray
    # actions
    resource_ids: list[str]
    budgets: np.ndarray  # B_r
    binary_action: np.ndarray  # action index of binary b
    binary_level: np.ndarray  # 0-based level of binary b
    binary_cost: np.ndarray  # (B × R) cost of binary b in resource r
    action_ids: list[str]
    # levers
    arc_removal: Levers  # element = arc
    recipe_removal: Levers  # element = recipe
    delivery_removal: Levers  # element = delivery
    arc_cap_cut: Levers  # element = arc, amount = fraction
    recipe_cap_cut: Levers  # element = recipe
    node_cap_cut: Levers  # element = node
    supply_cut: Levers  # element = supply
    seizure_raise: Levers  # element = flow column, amount = Δp
    cost_raise: Levers  # element = flow column, amount = Δc per load unit
    del_harm: np.ndarray = field(default_factory=lambda: np.zeros(0))  # h_{m,k} per delivery
    # supply curves: marginal cost c_i of each supply piece, and the Supply record it is from
    sup_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sup_record: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # markets' goods (docs/model.md §2): delivery d gives del_rate[d] units of good
    # del_good[d] (−1: none, the delivery earns del_value[d] per unit instead); good g sells
    # along its pieces (seg_good = g): seg_width units at seg_price each, prices falling
    del_good: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    del_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    good_ids: list[str] = field(default_factory=list)
    good_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    seg_good: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    seg_width: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seg_price: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # binaries of which a plan takes at most one, wider than one action's levels (over a
    # horizon: every start of an action that may not be repeated): group index per binary
    # and the groups' names; None = the actions (``exclusive_groups``)
    exclusive_group: np.ndarray | None = None
    exclusive_names: list[str] | None = None
    #: r_k: what the smuggler pays per unit of k to make good unexpected losses (§13)
    replacement: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: an extra cost per unit on each flow column (empty: none): arcs' costs per unit of a
    #: commodity (``per_commodity_costs``), plus the pessimistic tie-break's perturbation
    #: (formulation/bilevel.py ``perturbed``, either sign)
    fc_extra: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: the nodes each binary removes (element = node): their arcs, recipes and sales are in
    #: the removal levers above too; this record lets the dual MILP state a node's removal
    #: on one side only (``dual_removals``)
    node_removal: Levers = field(default_factory=lambda: Levers.build([]))
    _cache: dict = field(default_factory=dict, repr=False)

    # sizes
    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_comms(self) -> int:
        return len(self.comm_ids)

    @property
    def n_arcs(self) -> int:
        return len(self.arc_ids)

    @property
    def n_flows(self) -> int:
        return len(self.fc_arc)

    @property
    def n_binaries(self) -> int:
        return len(self.binary_action)

    @property
    def n_goods(self) -> int:
        return len(self.good_ids)

    @property
    def linear_markets(self) -> bool:
        """Every unit delivered earns a fixed value and every supply is free: no demand or
        supply curve (the classical models; the decomposition's oracles need this)."""
        return self.n_goods == 0 and not np.any(self.sup_cost)

    def supply_keys(self) -> list[tuple]:
        """A readable key per supply piece: (node, commodity), with the piece's number when
        the supply has a cost curve of several pieces."""
        counts = np.bincount(self.sup_record, minlength=int(self.sup_record.max(initial=-1)) + 1)
        first: dict[int, int] = {}
        keys: list[tuple] = []
        for s, rec in enumerate(self.sup_record.tolist()):
            base = (self.node_ids[self.sup_node[s]], self.comm_ids[self.sup_comm[s]])
            if counts[rec] > 1:
                first.setdefault(rec, s)
                keys.append((*base, s - first[rec] + 1))
            else:
                keys.append(base)
        return keys

    def good_price_max(self) -> np.ndarray:
        """The highest price of each good (its first piece's)."""
        top = np.zeros(self.n_goods)
        if len(self.seg_good):
            np.maximum.at(top, self.seg_good, self.seg_price)
        return top

    def exclusive_groups(self) -> tuple[np.ndarray, list[str]]:
        """(group of each binary, group names): binaries of one group are never taken
        together, so the products of one dual with them share one cap row in the MILP
        (``formulation.interdiction``). Default: the levels of each action."""
        if self.exclusive_group is None:
            return self.binary_action, self.action_ids
        return self.exclusive_group, self.exclusive_names or []
    def unit_cost(self) -> np.ndarray:
        """c_{a,k} λ_k per unit on each flow column, before any action (with ``fc_extra``)."""
        base = self.arc_cost[self.fc_arc] * self.load[self.fc_comm]
        return base + self.fc_extra if len(self.fc_extra) else base

    def favourable_unit_cost(self) -> np.ndarray:
        """The lowest unit cost any plan can give each flow column: ``unit_cost`` plus every
        cost lever that lowers it (none in an instance: only a perturbation has them)."""
        low = self.unit_cost()
        cr = self.cost_raise
        if len(cr) and cr.amount.min() < 0:
            low = low.copy()
            lam = self.load[self.fc_comm[cr.element]]
            np.add.at(low, cr.element, np.minimum(cr.amount, 0.0) * lam)
        return low

    # cached derived data -----------------------------------------------------------
    def potentials(self) -> np.ndarray:
        """π*_{n,k}: see :func:`value_potentials` (cached)."""
        if "potentials" not in self._cache:
            self._cache["potentials"] = value_potentials(self)
        return self._cache["potentials"]

    def reachable(self) -> np.ndarray:
        """(N × K) bool: can commodity k be at node n in the un-interdicted network."""
        if "reachable" not in self._cache:
            self._cache["reachable"] = forward_reachable(self)
        return self._cache["reachable"]

    def dual_removals(self) -> "DualRemovals":
        """The removal levers the dual MILP states: see :func:`dual_removals` (cached)."""
        if "dual_removals" not in self._cache:
            self._cache["dual_removals"] = dual_removals(self)
        return self._cache["dual_removals"]


def per_commodity_costs(arcs: list, comm_ids: list[str], load: np.ndarray,
                        arc_cost: np.ndarray, fc_arc: np.ndarray, fc_comm: np.ndarray
                        ) -> np.ndarray:
    """``fc_extra`` of an instance: on each flow column whose arc states a cost per unit of
    its commodity (``Arc.cost_per_commodity``), that cost less c_a λ_k, so ``unit_cost``
    is c_{a,k} there and c_a λ_k elsewhere; empty when no arc states one."""
    if not any(a.cost_per_commodity for a in arcs):
        return np.zeros(0)
    extra = np.zeros(len(fc_arc))
    for f, (i, k) in enumerate(zip(fc_arc.tolist(), fc_comm.tolist())):
        own = arcs[i].cost_per_commodity.get(comm_ids[k])
        if own is not None:
            extra[f] = own - arc_cost[i] * load[k]
    return extra


def compile_instance(inst: Instance) -> CompiledNetwork:
    """Index an (already validated) instance and expand every effect into levers."""
    node_ids = [n.id for n in inst.nodes]
    nidx = {n: i for i, n in enumerate(node_ids)}
    comm_ids = [c.id for c in inst.commodities]
    kidx = {k: i for i, k in enumerate(comm_ids)}
    comms = list(inst.commodities)
    load = np.array([c.load for c in comms], dtype=float)

    arcs = list(inst.arcs)
    aidx = {a.id: i for i, a in enumerate(arcs)}
    arc_tail = np.array([nidx[a.source] for a in arcs], dtype=np.int64)
    arc_head = np.array([nidx[a.target] for a in arcs], dtype=np.int64)
    arc_cap = np.array([a.capacity for a in arcs], dtype=float)
    arc_cost = np.array([a.cost for a in arcs], dtype=float)
    arc_p = np.array([a.seizure for a in arcs], dtype=float)
    fc_arc_l: list[int] = []
    fc_comm_l: list[int] = []
    for i, arc in enumerate(arcs):
        allowed = range(len(comm_ids)) if arc.commodities is None else sorted(
            kidx[k] for k in set(arc.commodities))
        for k in allowed:
            fc_arc_l.append(i)
            fc_comm_l.append(k)
    fc_arc = np.array(fc_arc_l, dtype=np.int64)
    fc_comm = np.array(fc_comm_l, dtype=np.int64)
    fc_extra = per_commodity_costs(arcs, comm_ids, load, arc_cost, fc_arc, fc_comm)

    recipes = list(inst.recipes)
    ridx = {r.id: i for i, r in enumerate(recipes)}
    rec_node = np.array([nidx[r.node] for r in recipes], dtype=np.int64)
    rec_in = np.array([kidx[r.input] for r in recipes], dtype=np.int64)
    rec_out = np.array([kidx[r.output] for r in recipes], dtype=np.int64)
    rec_eta = np.array([r.yield_ for r in recipes], dtype=float)
    rec_cap = np.array([r.capacity for r in recipes], dtype=float)
    node_cap = np.array([n.capacity for n in inst.nodes], dtype=float)

    # supplies: one piece per supply, or one per piece of its cost curve
    sups = list(inst.supplies)
    pieces = [(i, units, cost) for i, s in enumerate(sups) for units, cost in s.pieces()]
    pieces_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p, (i, _, _) in enumerate(pieces):
        pieces_of[(sups[i].node, sups[i].commodity)].append(p)
    sup_record = np.array([p[0] for p in pieces], dtype=np.int64)
    sup_node = np.array([nidx[sups[i].node] for i, _, _ in pieces], dtype=np.int64)
    sup_comm = np.array([kidx[sups[i].commodity] for i, _, _ in pieces], dtype=np.int64)
    sup_amount = np.array([p[1] for p in pieces], dtype=float)
    sup_cost = np.array([p[2] for p in pieces], dtype=float)

    # deliveries: a fixed value per unit, or the units of a market's good they give
    goods = list(inst.markets)
    accepted = {(m.node, k): (g, rate)
                for g, m in enumerate(goods) for k, rate in m.accepts.items()}
    dels: list[tuple[int, int, float, int, float]] = []  # node, commodity, value, good, rate
    for node in inst.nodes:
        for c in comms:
            g_rate = accepted.get((node.id, c.id))
            if g_rate is not None:
                dels.append((nidx[node.id], kidx[c.id], 0.0, g_rate[0], float(g_rate[1])))
            else:
                v = inst.market_value(node, c)
                if v > 0:
                    dels.append((nidx[node.id], kidx[c.id], v, -1, 0.0))
    didx: dict[int, list[int]] = defaultdict(list)
    for i, sale in enumerate(dels):
        didx[sale[0]].append(i)
    del_node = np.array([d[0] for d in dels], dtype=np.int64)
    del_comm = np.array([d[1] for d in dels], dtype=np.int64)
    del_value = np.array([d[2] for d in dels], dtype=float)
    del_good = np.array([d[3] for d in dels], dtype=np.int64)
    del_rate = np.array([d[4] for d in dels], dtype=float)
    del_harm = np.array([inst.harm_weight(inst.nodes[d[0]], comms[d[1]]) for d in dels],
                        dtype=float)
    segs = [(g, units, price) for g, m in enumerate(goods) for units, price in m.pieces()]

    resource_ids = [r.id for r in inst.resources]
    res_index = {r: i for i, r in enumerate(resource_ids)}
    budgets = np.array([r.budget for r in inst.resources], dtype=float)
    b_action, b_level, b_cost = [], [], []
    for j, act in enumerate(inst.actions):
        for lvl, level in enumerate(act.levels):
            b_action.append(j)
            b_level.append(lvl)
            row = [0.0] * len(resource_ids)
            for res, amount in level.cost.items():
                row[res_index[res]] = amount
            b_cost.append(row)
    binary_cost = np.array(b_cost, dtype=float).reshape(len(b_cost), len(resource_ids))

    # incident arcs and recipes of each node (for node removal)
    incident: dict[int, set[int]] = defaultdict(set)
    for i in range(len(arcs)):
        incident[int(arc_tail[i])].add(i)
        incident[int(arc_head[i])].add(i)
    recipes_at: dict[int, list[int]] = defaultdict(list)
    for i in range(len(recipes)):
        recipes_at[int(rec_node[i])].append(i)
    fcs_of_arc: dict[int, list[int]] = defaultdict(list)
    for i, a in enumerate(fc_arc_l):
        fcs_of_arc[a].append(i)

    L: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    index = TargetIndex(inst)
    b = 0
    for act in inst.actions:
        first_binary = b
        for eff in act.effects:
            t = resolve_targets(inst, eff, index)
            arc_list = [aidx[a] for a in t.arcs]
            node_list = [nidx[n] for n in t.nodes]
            rec_list = [ridx[r] for r in t.recipes]
            for lvl in range(len(act.levels)):
                bb = first_binary + lvl
                amount = eff.amounts[lvl] if eff.amounts else 0.0
                if eff.type == "remove":
                    for a in arc_list:
                        L["arc_removal"].append((bb, a, 1.0))
                    for r in rec_list:
                        L["recipe_removal"].append((bb, r, 1.0))
                    for n in node_list:  # a removed node loses its arcs, recipes and sales
                        L["node_removal"].append((bb, n, 1.0))
                        for a in incident[n]:
                            L["arc_removal"].append((bb, a, 1.0))
                        for r in recipes_at[n]:
                            L["recipe_removal"].append((bb, r, 1.0))
                        for d in didx[n]:
                            L["delivery_removal"].append((bb, d, 1.0))
                elif eff.type == "cut_capacity":
                    for a in arc_list:
                        L["arc_cap_cut"].append((bb, a, amount))
                    for r in rec_list:
                        L["recipe_cap_cut"].append((bb, r, amount))
                    for n in node_list:
                        L["node_cap_cut"].append((bb, n, amount))
                elif eff.type == "cut_supply":
                    for key in t.supplies:  # every piece of the supply's curve shrinks
                        for piece in pieces_of[key]:
                            L["supply_cut"].append((bb, piece, amount))
                elif eff.type in ("raise_seizure", "raise_cost"):
                    wanted = None if t.commodities is None else {kidx[k] for k in t.commodities}
                    name = "seizure_raise" if eff.type == "raise_seizure" else "cost_raise"
                    for a in arc_list:
                        for fc in fcs_of_arc[a]:
                            if wanted is None or fc_comm_l[fc] in wanted:
                                L[name].append((bb, fc, amount))
        b = first_binary + len(act.levels)

    def merged(name: str) -> Levers:
        """Same binary on the same element twice (two effects): amounts add up,
        except removals, which are idempotent."""
        acc: dict[tuple[int, int], float] = defaultdict(float)
        for bb, el, amt in L[name]:
            if name.endswith("removal"):
                acc[(bb, el)] = 1.0
            else:
                acc[(bb, el)] += amt
        return Levers.build([(bb, el, amt) for (bb, el), amt in acc.items()])

    return CompiledNetwork(
        instance=inst, node_ids=node_ids, comm_ids=comm_ids, load=load,
        arc_ids=[a.id for a in arcs], arc_tail=arc_tail, arc_head=arc_head, arc_cap=arc_cap,
        arc_cost=arc_cost, arc_p=arc_p, fc_arc=fc_arc, fc_comm=fc_comm,
        recipe_ids=[r.id for r in recipes], rec_node=rec_node, rec_in=rec_in, rec_out=rec_out,
        rec_eta=rec_eta, rec_cap=rec_cap, node_cap=node_cap,
        sup_node=sup_node, sup_comm=sup_comm, sup_amount=sup_amount,
        del_node=del_node, del_comm=del_comm, del_value=del_value,
        resource_ids=resource_ids, budgets=budgets,
        binary_action=np.array(b_action, dtype=np.int64),
        binary_level=np.array(b_level, dtype=np.int64), binary_cost=binary_cost,
        action_ids=[a.id for a in inst.actions],
        arc_removal=merged("arc_removal"), recipe_removal=merged("recipe_removal"),
        delivery_removal=merged("delivery_removal"), arc_cap_cut=merged("arc_cap_cut"),
        recipe_cap_cut=merged("recipe_cap_cut"), node_cap_cut=merged("node_cap_cut"),
        supply_cut=merged("supply_cut"), seizure_raise=merged("seizure_raise"),
        cost_raise=merged("cost_raise"), node_removal=merged("node_removal"),
        del_harm=del_harm, fc_extra=fc_extra,
        sup_cost=sup_cost, sup_record=sup_record, del_good=del_good, del_rate=del_rate,
        good_ids=[m.id for m in goods],
        good_node=np.array([nidx[m.node] for m in goods], dtype=np.int64),
        seg_good=np.array([s[0] for s in segs], dtype=np.int64),
        seg_width=np.array([s[1] for s in segs], dtype=float),
        seg_price=np.array([s[2] for s in segs], dtype=float),
        replacement=np.array([c.replacement for c in comms], dtype=float),
    )


# ----------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Plan:
    """A defender plan: the chosen level (1-based) of each chosen action."""

    levels: tuple[tuple[str, int], ...]  # sorted (action id, level)

    @staticmethod
    def of(levels: Mapping[str, int] | Iterable[tuple[str, int]] | None = None) -> "Plan":
        items = dict(levels or {})
        return Plan(tuple(sorted((str(k), int(v)) for k, v in items.items() if int(v) > 0)))

    @staticmethod
    def from_binaries(net: CompiledNetwork, x: np.ndarray) -> "Plan":
        chosen = {}
        for b in np.flatnonzero(np.asarray(x) > 0.5):
            chosen[net.action_ids[int(net.binary_action[b])]] = int(net.binary_level[b]) + 1
        return Plan.of(chosen)

    def as_dict(self) -> dict[str, int]:
        return dict(self.levels)

    def binaries(self, net: CompiledNetwork) -> np.ndarray:
        """The 0/1 vector x over the network's binaries; unknown actions/levels raise."""
        x = np.zeros(net.n_binaries)
        index = net._cache.get("binary_index")
        if index is None:
            index = {(net.action_ids[int(a)], int(lv) + 1): b
                     for b, (a, lv) in enumerate(zip(net.binary_action, net.binary_level))}
            net._cache["binary_index"] = index
        for action, level in self.levels:
            if action not in net.action_ids:
                raise PlanError(f"plan names unknown action '{action}'")
            if (action, level) not in index:
                n = int(np.sum(net.binary_action == net.action_ids.index(action)))
                raise PlanError(f"plan gives action '{action}' level {level}, "
                                f"but it has levels 1..{n}")
            x[index[(action, level)]] = 1.0
        return x

    def spend(self, net: CompiledNetwork) -> dict[str, float]:
        x = self.binaries(net)
        total = x @ net.binary_cost if net.n_binaries else np.zeros(len(net.resource_ids))
        return {r: float(total[i]) for i, r in enumerate(net.resource_ids)}

    def fits(self, net: CompiledNetwork, budgets: Mapping[str, float] | None = None,
             tol: float = 1e-9) -> bool:
        """Whether the plan keeps ``budgets`` (default: the network's)."""
        if budgets is None:
            budgets = {r: float(b) for r, b in zip(net.resource_ids, net.budgets)}
        spend = self.spend(net)
        return all(spend[r] <= b + tol * max(1.0, abs(b)) for r, b in budgets.items())

    def __str__(self) -> str:
        if not self.levels:
            return "(no action)"
        return ", ".join(f"{a}@{lv}" for a, lv in self.levels)


# ----------------------------------------------------------------------------- effective data


@dataclass(frozen=True)
class EffectiveData:
    """The smuggler's data once a plan is applied (docs/model.md §3)."""

    fc_active: np.ndarray  # bool per flow column (arc not removed)
    fc_keep: np.ndarray  # 1 − p for the flow column (after seizure raises)
    fc_unit_cost: np.ndarray  # c λ_k per unit of commodity (after cost raises)
    arc_cap: np.ndarray
    rec_active: np.ndarray
    rec_cap: np.ndarray
    node_cap: np.ndarray
    sup_amount: np.ndarray
    del_active: np.ndarray


def apply_plan(net: CompiledNetwork, x: np.ndarray | None = None) -> EffectiveData:
    """Apply the binaries ``x`` (None = no action) to the network's data.

    capacity u_a(1 − Σ f x), seizure p_{a,k} + Σ Δp x, cost c_a + Σ Δc x, supply
    σ(1 − Σ f x); removed arcs/recipes/deliveries are switched off.
    """
    if x is None:
        x = np.zeros(net.n_binaries)
    x = (np.asarray(x, dtype=float) > 0.5).astype(float)

    def on(levers: Levers) -> np.ndarray:
        return x[levers.binary] > 0.5 if len(levers) else np.zeros(0, bool)

    fc_p = net.arc_p[net.fc_arc].copy()
    fc_cost = net.unit_cost()
    m = on(net.seizure_raise)
    np.add.at(fc_p, net.seizure_raise.element[m], net.seizure_raise.amount[m])
    m = on(net.cost_raise)
    np.add.at(fc_cost, net.cost_raise.element[m],
              net.cost_raise.amount[m] * net.load[net.fc_comm[net.cost_raise.element[m]]])
    arc_alive = np.ones(net.n_arcs, bool)
    arc_alive[net.arc_removal.element[on(net.arc_removal)]] = False
    rec_active = np.ones(len(net.recipe_ids), bool)
    rec_active[net.recipe_removal.element[on(net.recipe_removal)]] = False
    del_active = np.ones(len(net.del_node), bool)
    del_active[net.delivery_removal.element[on(net.delivery_removal)]] = False

    def cut(base: np.ndarray, levers: Levers) -> np.ndarray:
        frac = np.zeros(len(base))
        m = on(levers)
        np.add.at(frac, levers.element[m], levers.amount[m])
        # validation rejects cuts of unlimited elements; should one get here anyway, a full
        # cut leaves 0 and a partial one ∞, computed without forming ∞·0 (NaN)
        finite = np.isfinite(base)
        out = np.where(frac >= 1.0, 0.0, math.inf)
        out[finite] = base[finite] * np.clip(1.0 - frac[finite], 0.0, 1.0)
        return out

    return EffectiveData(
        fc_active=arc_alive[net.fc_arc],
        fc_keep=np.clip(1.0 - fc_p, 0.0, 1.0),
        fc_unit_cost=fc_cost,
        arc_cap=cut(net.arc_cap, net.arc_cap_cut),
        rec_active=rec_active,
        rec_cap=cut(net.rec_cap, net.recipe_cap_cut),
        node_cap=cut(net.node_cap, net.node_cap_cut),
        sup_amount=cut(net.sup_amount, net.supply_cut),
        del_active=del_active,
    )


# ----------------------------------------------------------------------------- removals


@dataclass(frozen=True)
class DualRemovals:
    """The removal levers the dual MILP states (a subset of the network's; same meaning),
    and the side each removed node is stated on: ``side[(b, n)]`` is "in", "out" or
    "both"."""

    arc: Levers
    recipe: Levers
    delivery: Levers
    side: dict[tuple[int, int], str]


def dual_removals(net: CompiledNetwork, one_sided: bool = True) -> DualRemovals:
    """Removing node n (binary b) removes its in-arcs, its out-arcs, its recipes and its
    sales (``apply_plan``). For the smuggler's *value* one side suffices, and the dual MILP
    states only that side (each removal is a row relaxed by a big-M term, so fewer of them
    make the LP relaxation tighter; docs/model.md §5):

    - **in side** (n has no supply piece): the in-arcs alone. Nothing reaches n, so no
      flow leaves it, nothing is processed or sold there.
    - **out side** (every flow column into n costs ≥ 0 under every plan,
      ``favourable_unit_cost``): the out-arcs, the recipes and the sales at n alone. What
      reaches n can go nowhere and earns nothing, and carrying it there costs ≥ 0.

    The side with fewer rows is taken (in side on a tie); "both" when neither condition
    holds. A lever (b, e) on an element incident to a node removed by b is kept when a
    removed node's side needs it, dropped otherwise; every other lever (an explicit
    removal) is kept.

    Exactness: let R(x) be the removals of plan x and R'(x) ⊆ R(x) the ones kept.
    V_R(x) ≤ V_R'(x), since R' removes fewer options. Conversely take an optimal response y
    with R'(x). (1) Every in-arc of an in-side node is in R'(x) and the node has no supply,
    so by its balance rows, commodity by commodity (recipe inputs first), nothing leaves
    it, is processed or sold there: y obeys those removals of R(x) ∖ R'(x). (2) Setting
    the flow of every in-arc of an out-side node to 0 keeps every row (the node's
    out-arcs, recipes and sales are removed, so nothing there used the arrivals; flows only
    fall) and does not lower the value (each unit of that flow cost ≥ 0). The result obeys
    R(x) and is worth ≥ V_R'(x). So V_R(x) = V_R'(x) for every plan, and the dual MILP of
    R' has the same optimum at every plan; the primal response and the certificate keep
    every removal. ``one_sided=False``: every removal on both sides (the formulation as it
    was, for comparisons)."""
    has_supply = np.zeros(net.n_nodes, bool)
    has_supply[net.sup_node[net.sup_amount > 0]] = True
    heads = net.arc_head[net.fc_arc]
    tails = net.arc_tail[net.fc_arc]
    free_in = np.ones(net.n_nodes, bool)  # every flow column into the node costs ≥ 0
    free_in[heads[net.favourable_unit_cost() < 0]] = False
    n_in = np.bincount(heads, minlength=net.n_nodes)
    n_out = (np.bincount(tails, minlength=net.n_nodes)
             + np.bincount(net.rec_node, minlength=net.n_nodes)
             + np.bincount(net.del_node, minlength=net.n_nodes))
    side: dict[tuple[int, int], str] = {}
    for b, n in zip(net.node_removal.binary.tolist(), net.node_removal.element.tolist()):
        in_ok, out_ok = one_sided and not has_supply[n], one_sided and bool(free_in[n])
        if in_ok and (not out_ok or n_in[n] <= n_out[n]):
            side[(b, n)] = "in"
        elif out_ok:
            side[(b, n)] = "out"
        else:
            side[(b, n)] = "both"

    def keep(lv: Levers, ends: list[tuple[np.ndarray, str]]) -> Levers:
        """The levers of ``lv`` to state: ``ends`` gives, per end of an element, the node
        at that end and the side that needs the lever ("in": the element enters the
        node; "out": it leaves the node, or sits at it)."""
        mask = np.ones(len(lv), bool)
        for i, (b, e) in enumerate(zip(lv.binary.tolist(), lv.element.tolist())):
            sides = [(side.get((b, int(nodes[e]))), need) for nodes, need in ends]
            touched = [s for s, _ in sides if s is not None]
            if touched and not any(s in (need, "both") for s, need in sides if s is not None):
                mask[i] = False
        return Levers(lv.binary[mask], lv.element[mask], lv.amount[mask])

    return DualRemovals(
        arc=keep(net.arc_removal, [(net.arc_head, "in"), (net.arc_tail, "out")]),
        recipe=keep(net.recipe_removal, [(net.rec_node, "out")]),
        delivery=keep(net.delivery_removal, [(net.del_node, "out")]),
        side=side)


# ----------------------------------------------------------------------------- bounds


def commodity_order(net: CompiledNetwork) -> list[int]:
    """Commodities ordered so that every recipe's output comes before its input
    (recipes form a DAG over commodities; validation rejects cycles)."""
    succ: dict[int, set[int]] = defaultdict(set)
    indeg: dict[int, int] = defaultdict(int)
    for i, o in zip(net.rec_in.tolist(), net.rec_out.tolist()):
        if o not in succ[i]:
            succ[i].add(o)
            indeg[o] += 1
    order: list[int] = []
    ready = deque(sorted(k for k in range(net.n_comms) if indeg[k] == 0))
    while ready:
        k = ready.popleft()
        order.append(k)
        for o in sorted(succ[k]):
            indeg[o] -= 1
            if indeg[o] == 0:
                ready.append(o)
    if len(order) != net.n_comms:
        raise ValueError("recipes form a cycle over commodities")
    return order[::-1]  # outputs first


def value_potentials(net: CompiledNetwork) -> np.ndarray:
    """π*_{n,k}: the most one unit of commodity k at node n can earn the smuggler in the
    un-interdicted network, capacities ignored (0 when it can earn nothing).

        π*_{n,k} = max( 0,  v_{n,k},
                        max_{a = n→j carrying k} (1 − p_a) π*_{j,k} − c_a λ_k,
                        max_{recipes r at n using k} η_r π*_{n, out(r)} )

    Every plan only removes options or makes them dearer, so for every plan there is an
    optimal dual solution with 0 ≤ π_{n,k} ≤ π*_{n,k} (proof in docs/model.md §4); these
    are the bounds of every linearisation in the MILP. Computed per commodity (recipe
    outputs first) by a label-setting search: each arc maps a label y to (1 − p) y − c λ ≤ y,
    so the largest tentative label is final (Dijkstra's argument).

    A perturbed network (``fc_extra``, cost levers of either sign) may make a unit cost
    negative at some plan (a subsidy): see :func:`subsidy_allowance` for the bound then.
    """
    low = net.favourable_unit_cost()
    if low.min(initial=0.0) >= 0.0:
        return _potentials(net, low)
    return _potentials(net, np.maximum(low, 0.0)) + subsidy_allowance(net)[None, :]


def subsidy_allowance(net: CompiledNetwork) -> np.ndarray:
    """B_k: what subsidies (negative unit costs, only in a perturbed network) can add to the
    potential of a unit of k. With π_c the potentials for the costs max(0, lowest cost),
    π̂ = π_c + B_k satisfies every plan's potential row π̂_i ≥ (1 − p(x)) π̂_j − c(x) when
    p(x) B_k ≥ s(x) = max(0, −c(x)). Writing c(x) = c₀ + Σ_{b ∈ x} c_b and
    p(x) = p₀ + Σ_{b ∈ x} Δp_b (levers of the same binary on the same flow column),
    s(x) ≤ s₀ + Σ_{b ∈ x} s_b with s = max(0, −c), so by the mediant inequality

        B_k = max( max_{(a,k)} s₀/p₀,  max_{(b,a,k)} s_b/Δp_b,  max_{r: k → out} η_r B_out )

    suffices (outputs first; a recipe row needs B_in ≥ η_r B_out). A subsidy where the
    seizure it divides by is 0 has no finite bound (a unit could cycle for ever): SolveError."""
    from ..errors import SolveError

    K = net.n_comms
    lam = net.load[net.fc_comm]
    ratios: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [  # (flow column, s, p)
        (np.arange(net.n_flows), np.maximum(-net.unit_cost(), 0.0), net.arc_p[net.fc_arc])]
    cr, sz = net.cost_raise, net.seizure_raise
    raise_of = {(b, fc): amt for b, fc, amt in zip(sz.binary.tolist(), sz.element.tolist(),
                                                   sz.amount.tolist())}
    ratios.append((cr.element, np.maximum(-cr.amount * lam[cr.element], 0.0),
                   np.array([raise_of.get((b, fc), 0.0) for b, fc in
                             zip(cr.binary.tolist(), cr.element.tolist())], float)))
    B = np.zeros(K)
    for fcs, sub, p in ratios:
        has = sub > 0
        if np.any(has & (p <= 0)):
            fc = int(fcs[np.flatnonzero(has & (p <= 0))[0]])
            raise SolveError(f"the perturbed smuggler earns a subsidy on arc "
                             f"'{net.arc_ids[net.fc_arc[fc]]}' without a seizure to bound it: "
                             "no finite value bound (use the optimistic tie-break)")
        np.maximum.at(B, net.fc_comm[fcs[has]], sub[has] / p[has])
    for k in commodity_order(net):  # outputs first
        for r in np.flatnonzero(net.rec_in == k):
            B[k] = max(B[k], net.rec_eta[r] * B[net.rec_out[r]])
    return B


def _potentials(net: CompiledNetwork, ucost: np.ndarray) -> np.ndarray:
    """π* by label setting for unit costs ``ucost`` ≥ 0 (``value_potentials``)."""
    N, K = net.n_nodes, net.n_comms
    pot = np.zeros((N, K))
    in_fcs: list[list[int]] = [[] for _ in range(N * K)]
    heads = net.arc_head[net.fc_arc]
    tails = net.arc_tail[net.fc_arc]
    for fc in range(net.n_flows):
        in_fcs[int(heads[fc]) * K + int(net.fc_comm[fc])].append(fc)
    keep = 1.0 - net.arc_p[net.fc_arc]
    for n, k, v in zip(net.del_node.tolist(), net.del_comm.tolist(), delivery_potential(net)):
        pot[n, k] = max(pot[n, k], v)
    recipes_using: dict[int, list[int]] = defaultdict(list)
    for r, k in enumerate(net.rec_in.tolist()):
        recipes_using[k].append(r)
    for k in commodity_order(net):
        for r in recipes_using[k]:
            n = int(net.rec_node[r])
            pot[n, k] = max(pot[n, k], net.rec_eta[r] * pot[n, int(net.rec_out[r])])
        label = pot[:, k].copy()
        done = np.zeros(N, bool)
        heap = [(-label[n], n) for n in np.flatnonzero(label > 0).tolist()]
        heapq.heapify(heap)
        while heap:
            neg, j = heapq.heappop(heap)
            if done[j] or -neg < label[j]:
                continue
            done[j] = True
            yj = label[j]
            for fc in in_fcs[j * K + k]:
                i = int(tails[fc])
                cand = keep[fc] * yj - ucost[fc]
                if cand > label[i] and not done[i]:
                    label[i] = cand
                    heapq.heappush(heap, (-cand, i))
        pot[:, k] = label
    return pot


def delivery_potential(net: CompiledNetwork) -> list[float]:
    """The most one unit delivered can earn: its value v, or ρ times its good's highest
    price (the price falls as more is sold, never rises)."""
    top = net.good_price_max()
    return [v + (rate * top[g] if g >= 0 else 0.0)
            for v, g, rate in zip(net.del_value.tolist(), net.del_good.tolist(),
                                  net.del_rate.tolist())]


def forward_reachable(net: CompiledNetwork) -> np.ndarray:
    """(N × K) bool: commodity k can be present at node n, starting from supplies and
    following allowed arcs and recipes (no capacity or plan considered)."""
    N, K = net.n_nodes, net.n_comms
    seen = np.zeros((N, K), bool)
    out_fcs: list[list[int]] = [[] for _ in range(N * K)]
    tails = net.arc_tail[net.fc_arc]
    heads = net.arc_head[net.fc_arc]
    for fc in range(net.n_flows):
        out_fcs[int(tails[fc]) * K + int(net.fc_comm[fc])].append(int(heads[fc]))
    recipes_at: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in range(len(net.recipe_ids)):
        recipes_at[(int(net.rec_node[r]), int(net.rec_in[r]))].append(int(net.rec_out[r]))
    queue: deque[tuple[int, int]] = deque()
    for n, k, amt in zip(net.sup_node.tolist(), net.sup_comm.tolist(), net.sup_amount.tolist()):
        if amt > 0 and not seen[n, k]:
            seen[n, k] = True
            queue.append((n, k))
    while queue:
        n, k = queue.popleft()
        for j in out_fcs[n * K + k]:
            if not seen[j, k]:
                seen[j, k] = True
                queue.append((j, k))
        for o in recipes_at.get((n, k), ()):
            if not seen[n, o]:
                seen[n, o] = True
                queue.append((n, o))
    return seen
