"""The defender's problem as one MILP (docs/model.md §4–§5).

For a fixed plan x the smuggler's LP (``smuggler.py``) has the dual

    min  Σ_a u_a(x) α_a + Σ_r U_r(x) ρ_r + Σ_n U_n(x) β_n + Σ_s σ_s(x) π_{s}
    s.t. arc_dual(a,k):      π_{i,k} − (1 − p_{a,k}(x)) π_{j,k} + λ_k α_a ≥ −c_{a,k}(x) λ_k
         recipe_dual(r):     π_{n,in} − η_r π_{n,out} + ρ_r + β_n ≥ 0
         delivery_dual(m,k): π_{m,k} ≥ v_{m,k}
         π, α, ρ, β ≥ 0

(the supply dual γ_s = π_{n_s,k_s} is substituted out: σ_s ≥ 0 makes it tight). By
strong duality the defender minimises this jointly over x and the duals. The plan enters as

- removal of arc / recipe / sale, **Wood's form**: the binary enters the dual row of the
  removed variable with coefficient M = the most that row can be violated, derived from
  the value potentials π* (``network.value_potentials``): M_{a,k} = (1−p_a) π*_{j,k} − c_a λ_k,
  M_r = η_r π*_{n,out}, M_{m,k} = v_{m,k}. No global big-M.
- raised cost: c + Δc x is linear in x (no product).
- cut capacity / supply and raised seizure: products w = x_b · y of a binary and a dual
  variable y ∈ [0, ȳ], with ȳ from π* (ᾱ_a = max_k ((1−p_a) π*_{j,k}/λ_k − c_a),
  ρ̄_r = η_r π*_{n,out}, β̄_n = max_r ρ̄_r, π̄ = π*). Every product appears where a larger w only
  helps the minimiser (objective −u·f·w, or +Δp·w in a ≥ row), so the exact linearisation needs
  only

        w ≤ ȳ x_b,        Σ_{levels l of action j} w_{j,l} ≤ y

  (levels are exclusive, so one row per action covers all its levels). Exactness: for
  every x there is an optimal dual with y ≤ ȳ, where w = x·y; any other feasible w is ≤ x·y.

Only rows that can matter are built: a flow column (a,k) needs a row only if k can reach
the arc's tail from a supply and (1−p_a) π*_{j,k} − c_a λ_k > 0 (otherwise π ∈ [0, π*] and
α ≥ 0 satisfy it for every plan). References: Wood (1993) for the removal form; Israeli &
Wood (2002) and Cormican, Morton & Wood (1998) for the dual / linearised forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..compile.network import CompiledNetwork, DualRemovals, Levers
from ..instance.beliefs import refuse_beliefs
from .blocks import LinearModel

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem

TOL = 1e-12


@dataclass
class InterdictionMILP:
    """The defender's MILP and where its pieces live."""

    model: LinearModel
    net: CompiledNetwork
    x_start: int  # binaries are columns x_start … x_start + B − 1
    budget_row_start: int  # budget rows (one per resource), for parameter updates
    useful_flows: np.ndarray  # flow columns that got a dual row
    useful_recipes: np.ndarray

    @property
    def n_binaries(self) -> int:
        return self.net.n_binaries


@dataclass
class DualBlock:
    """One scenario's dual: its objective Σ coef·column (the smuggler's value for the plan
    once the block is minimised) and where its flow rows are."""

    obj_cols: np.ndarray
    obj_coefs: np.ndarray
    useful_flows: np.ndarray
    useful_recipes: np.ndarray


@dataclass
class LeverMerge:
    """Aggregate columns (``add_aggregate_columns``) a dual block may state its levers on:
    set k (binaries ``sets[k]``, of which a plan takes at most one) is column ``start + k``,
    in exclusive group ``group[k]``, named ``names[k]``."""

    sets: list[np.ndarray]
    start: int
    group: np.ndarray
    names: list[str]

    def apply(self, levers: Levers, n_binaries: int) -> Levers:
        """``levers`` with every set whose binaries all act on one element by one amount
        (one lever each) merged into one lever (n_binaries + k, element, amount): then
        Σ_{b ∈ set} a x_b = a z_set, and the products w_b = x_b·y of the set become one
        product z_set·y with the same relaxation (any w ≤ ȳ z splits as w_b = w x_b / z ≤ ȳ
        x_b, and the cap row of the group bounds both alike). Sets are tried largest first;
        a lever is merged at most once."""
        if not len(levers) or not self.sets:
            return levers
        where: dict[tuple[int, int], int] = {}
        for i, key in enumerate(zip(levers.binary.tolist(), levers.element.tolist())):
            where[key] = -1 if key in where else i  # -1: several levers, left alone
        elements: dict[int, set[int]] = {}
        for b, e in where:
            elements.setdefault(b, set()).add(e)
        used = np.zeros(len(levers), bool)
        merged: list[tuple[int, int, float]] = []
        for k in sorted(range(len(self.sets)), key=lambda k: -len(self.sets[k])):
            members = self.sets[k].tolist()
            for e in sorted(elements.get(members[0], ())):
                idx = [where.get((b, e), -1) for b in members]
                if min(idx) < 0 or used[idx].any():
                    continue
                amounts = levers.amount[idx]
                if np.ptp(amounts) > TOL * max(1.0, float(np.abs(amounts).max())):
                    continue
                used[idx] = True
                merged.append((n_binaries + k, e, float(amounts[0])))
        if not merged:
            return levers
        rest = Levers(levers.binary[~used], levers.element[~used], levers.amount[~used])
        return Levers(np.concatenate([rest.binary, np.array([b for b, _, _ in merged])]),
                      np.concatenate([rest.element, np.array([e for _, e, _ in merged])]),
                      np.concatenate([rest.amount, np.array([a for _, _, a in merged])]))


def add_actions(m: LinearModel, net: CompiledNetwork, tag: str = ""):
    """The binaries x_{j,l}, the budget rows (at ``net.budgets``) and the exclusive-level
    rows; ``tag`` suffixes the block names (one copy per budget in ``planning.nested``).

        budget(b):    Σ_{j,l} cost_{j,l,b} x_{j,l} ≤ B_b
        one_level(j): Σ_l x_{j,l} ≤ 1
    """
    sfx = f"_{tag}" if tag else ""
    B = net.n_binaries
    x = m.add_vars(
        "x" + sfx, B, lb=0.0, ub=1.0, integer=True,
        keys=lambda: [(net.action_ids[a], int(lv) + 1)
                      for a, lv in zip(net.binary_action, net.binary_level)],
        doc="x_{j,l} = 1 if action j is taken at level l")
    Rn = len(net.resource_ids)
    bc = net.binary_cost
    nzr, nzc = np.nonzero(bc.T) if B else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    budget = m.add_rows(
        "budget" + sfx, Rn, nzr, x.start + nzc, bc.T[nzr, nzc] if B else np.zeros(0),
        hi=net.budgets, keys=lambda: [(r,) for r in net.resource_ids],
        doc="Σ_{j,l} cost_{j,l,b} x_{j,l} ≤ B_b")
    levels = np.bincount(net.binary_action, minlength=len(net.action_ids))
    multi = np.flatnonzero(levels > 1)
    row_of_action = np.full(len(net.action_ids), -1)
    row_of_action[multi] = np.arange(len(multi))
    in_row = np.flatnonzero(row_of_action[net.binary_action] >= 0) if B else np.zeros(0, int)
    lv_rows = row_of_action[net.binary_action[in_row]] if B else np.zeros(0, int)
    lv_cols = x.start + in_row
    m.add_rows("one_level" + sfx, len(multi), lv_rows, lv_cols, np.ones(len(lv_rows)), hi=1.0,
               keys=lambda: [(net.action_ids[j],) for j in multi.tolist()],
               doc="Σ_l x_{j,l} ≤ 1: levels of one action are mutually exclusive")
    return x, budget


def build_interdiction_milp(net: CompiledNetwork) -> InterdictionMILP:
    """State the defender's MILP for the network's budgets (see the module docstring):

        min  (dual objective of the smuggler's LP)   over x and the duals
    """
    m = LinearModel("interdiction", sense="min")
    x, budget = add_actions(m, net)
    block = add_dual_block(m, net, x.start)
    set_objective(m, block.obj_cols, block.obj_coefs)
    return InterdictionMILP(m, net, x.start, budget.start, block.useful_flows,
                            block.useful_recipes)


@dataclass
class ProblemMILP:
    """A MILP over a defender's problem: the model, and where its binaries and budget rows
    are (shared by the value and the harm formulations)."""

    model: LinearModel
    problem: "DefenderProblem"
    x_start: int
    budget_row_start: int

    @property
    def net(self) -> CompiledNetwork:
        return self.problem.net

    @property
    def n_binaries(self) -> int:
        return self.problem.net.n_binaries


@dataclass
class ScenarioMILP(ProblemMILP):
    """The defender's MILP over scenarios: one dual block per scenario, shared binaries."""

    blocks: list[DualBlock]


def build_problem_milp(problem: "DefenderProblem") -> ScenarioMILP:
    """One MILP for every scenario: one dual block per scenario, all sharing the plan
    (docs/model.md §6). With obj_s the dual objective of scenario s (= v_s(x) at the optimum):

        expected:  min Σ_s p_s obj_s
        worst:     min t          s.t. t − obj_s ≥ 0                     (worst_case rows)
        cvar:      min η + Σ_s p_s u_s / (1 − α)
                                  s.t. u_s − obj_s + η ≥ 0, u_s ≥ 0       (cvar_excess rows)

    Each is exact: the duals of a block can always be chosen optimal for x, so obj_s = v_s(x).
    """
    m = LinearModel("interdiction", sense="min")
    x, budget = add_actions(m, problem.net)
    add_exclusive_rows(m, x.start, problem.exclusive())
    merge = add_aggregate_columns(m, x.start, problem.aggregates(),
                                  problem.net.exclusive_groups()[0])
    blocks, _ = add_scenario_blocks(m, problem, x.start, merge=merge)
    return ScenarioMILP(m, problem, x.start, budget.start, blocks)


def add_exclusive_rows(m: LinearModel, x_start: int, sets: list[tuple[str, np.ndarray]],
                       tag: str = "") -> None:
    """once(set): Σ_{b ∈ set} x_b ≤ 1 (``DefenderProblem.exclusive``: over a horizon, an
    action that may not be repeated starts at most once)."""
    if not sets:
        return
    rows = np.concatenate([np.full(len(members), i) for i, (_, members) in enumerate(sets)])
    cols = x_start + np.concatenate([members for _, members in sets])
    m.add_rows("once" + (f"_{tag}" if tag else ""), len(sets), rows, cols, np.ones(len(cols)),
               hi=1.0, keys=lambda: [(name,) for name, _ in sets],
               doc="Σ_{l,s} x_{j,l,s} ≤ 1: an action that may not be repeated starts once")


def add_aggregate_columns(m: LinearModel, x_start: int, sets: list[tuple[str, np.ndarray]],
                          group: np.ndarray, tag: str = "") -> LeverMerge | None:
    """aggregate(set): z_set = Σ_{b ∈ set} x_b with z_set ∈ {0, 1} a binary column
    (``DefenderProblem.aggregates``: sets a plan takes at most one of). The feasible plans
    and the relaxation are unchanged; the solver may branch on z (over a horizon: whether
    an action acts in a year, before which start makes it act) and derive cuts from it.
    ``group``: the exclusive group of each binary. Returns the columns as a ``LeverMerge``
    for the dual blocks (None without sets)."""
    if not sets:
        return None
    sfx = f"_{tag}" if tag else ""
    z = m.add_vars("z" + sfx, len(sets), lb=0.0, ub=1.0, integer=True,
                   keys=lambda: [(name,) for name, _ in sets],
                   doc="z_set = Σ_{b ∈ set} x_b ∈ {0, 1}: whether the plan takes one of the set")
    rows = np.concatenate([np.full(len(members) + 1, i) for i, (_, members) in enumerate(sets)])
    cols = np.concatenate([np.append(x_start + members, z.start + i)
                           for i, (_, members) in enumerate(sets)])
    vals = np.concatenate([np.append(np.ones(len(members)), -1.0) for _, members in sets])
    m.add_rows("aggregate" + sfx, len(sets), rows, cols, vals, lo=0.0, hi=0.0,
               keys=lambda: [(name,) for name, _ in sets],
               doc="Σ_{b ∈ set} x_b − z_set = 0")
    return LeverMerge([members for _, members in sets], z.start,
                      np.array([group[members[0]] for _, members in sets], np.int64),
                      [name for name, _ in sets])


def add_scenario_blocks(m: LinearModel, problem: "DefenderProblem", x_start: int,
                        tag: str = "", merge: LeverMerge | None = None
                        ) -> tuple[list[DualBlock], tuple[np.ndarray, np.ndarray]]:
    """One dual block per scenario of ``problem`` on the binaries at ``x_start``, and the
    problem's risk measure of their objectives added to the model's objective
    (``add_risk_objective``; see ``build_problem_milp``). ``tag`` suffixes every block name
    (several copies of the problem in one model). Returns the blocks and the risk
    objective Σ coefs·x[cols] (at the optimum of the duals, the plan's value)."""
    refuse_beliefs(problem.instance, "the zero-sum dual MILP")
    net0 = problem.net
    single = len(problem.scenarios) == 1
    blocks = []
    for sc in problem.scenarios:
        if sc.net.n_binaries != net0.n_binaries or sc.net.action_ids != net0.action_ids:
            raise ValueError(f"scenario {sc.id!r} does not share the actions")
        parts = [p for p in (tag, "" if single else _tag(sc.id)) if p]
        blocks.append(add_dual_block(m, sc.net, x_start, "_".join(parts), merge=merge))
    groups = problem.groups()
    exprs = [(np.concatenate([blocks[b].obj_cols for b, _ in members]).astype(np.int64),
              np.concatenate([w * blocks[b].obj_coefs for b, w in members]))
             for _, _, members in groups]
    objective = add_risk_objective(m, exprs, np.array([p for _, p, _ in groups]),
                                   "expected" if len(groups) == 1 else problem.risk,
                                   problem.alpha, [g[0] for g in groups], tag)
    return blocks, objective


def add_risk_objective(m: LinearModel, exprs: list[tuple[np.ndarray, np.ndarray]],
                       probs: np.ndarray, risk: str, alpha: float, ids: list[str],
                       tag: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Minimise a risk measure of the scenario expressions E_s = Σ coefs·x[cols] (added to
    the model's objective; ``tag`` suffixes the names of the blocks it declares):

        expected:  Σ_s p_s E_s
        worst:     t                      with  t − E_s ≥ 0 for p_s > 0   (worst_case rows)
        cvar:      η + Σ_s p_s u_s/(1 − α)  with  u_s − E_s + η ≥ 0, u_s ≥ 0  (cvar_excess)

    Exact whenever each E_s can be pushed down to its true value by the minimiser (dual
    objectives, or responses chosen in the planner's favour). Returns the risk measure as
    (cols, coefs): the objective terms this call added."""
    sfx = f"_{tag}" if tag else ""
    if risk == "expected":
        for p, (cols, coefs) in zip(probs, exprs):
            set_objective(m, cols, p * coefs)
        return (np.concatenate([c for c, _ in exprs]).astype(np.int64),
                np.concatenate([p * v for p, (_, v) in zip(probs, exprs)]))
    if risk == "worst":
        extra = m.add_vars("worst" + sfx, 1, lb=-np.inf, obj=1.0, keys=lambda: [("t",)],
                           doc="t ≥ E_s for every scenario s")
        pre = [(extra.start, 1.0)]
        name, doc = "worst_case", "t − E_s ≥ 0"
        objective = (np.array([extra.start], np.int64), np.ones(1))
    elif risk == "cvar":
        eta = m.add_vars("cvar_eta" + sfx, 1, lb=-np.inf, obj=1.0, keys=lambda: [("eta",)],
                         doc="η: the value-at-risk threshold")
        u = m.add_vars("cvar_u" + sfx, len(exprs), lb=0.0,
                       obj=np.asarray(probs) / (1.0 - alpha),
                       keys=lambda: [(i,) for i in ids], doc="u_s ≥ (E_s − η)^+")
        pre = [(eta.start, 1.0)]
        name, doc = "cvar_excess", "u_s − E_s + η ≥ 0"
        eta_u = np.concatenate([[eta.start], u.start + np.arange(len(exprs))])
        objective = (eta_u.astype(np.int64),
                     np.concatenate([[1.0], np.asarray(probs, float) / (1.0 - alpha)]))
    else:
        raise ValueError(f"unknown risk measure {risk!r}")
    # the worst case is over the scenarios that can happen (p_s > 0), as in risk_value
    counted = [s for s, p in enumerate(probs) if risk == "cvar" or p > 0]
    rows, cols_l, vals_l = [], [], []
    for row, s in enumerate(counted):
        cols, coefs = exprs[s]
        own = [(u.start + s, 1.0)] if risk == "cvar" else []
        terms = pre + own
        rows += [row] * (len(cols) + len(terms))
        cols_l += [c for c, _ in terms] + cols.tolist()
        vals_l += [v for _, v in terms] + (-coefs).tolist()
    m.add_rows(name + sfx, len(counted), rows, cols_l, vals_l, lo=0.0,
               keys=lambda: [(ids[s],) for s in counted], doc=doc)
    return objective


def _tag(sid: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in sid)


def set_objective(m: LinearModel, cols: np.ndarray, coefs: np.ndarray) -> None:
    """Add Σ coefs·x[cols] to the model's objective."""
    for blk in m.var_blocks.values():
        sel = (cols >= blk.start) & (cols < blk.start + blk.size)
        np.add.at(blk.obj, cols[sel] - blk.start, coefs[sel])


def add_dual_block(m: LinearModel, net: CompiledNetwork, x_start: int, tag: str = "",
                   flow_caps: np.ndarray | None = None,
                   merge: LeverMerge | None = None) -> DualBlock:
    """Add the duals and dual rows of the smuggler's LP for ``net`` to ``m``, with the plan
    entering through the binaries at ``x_start`` (see the module docstring). ``tag``
    suffixes block names (one block per scenario). ``flow_caps``: bounds f ≤ F̄ that are
    part of the LP (the bilevel MILP's bounded responses, for a perturbed network whose
    optimum could exceed them; each finite one gets a dual θ ∈ [0, M_{a,k}], objective
    F̄ θ, and +θ in its row). ``merge``: aggregate columns the levers of several binaries
    are stated on where they act alike (``LeverMerge.apply``). Returns the block's
    objective."""
    K = net.n_comms
    B = net.n_binaries
    exclusive, group_names = net.exclusive_groups()
    lever = {name: getattr(net, name) for name in (
        "seizure_raise", "cost_raise", "arc_cap_cut", "recipe_cap_cut", "node_cap_cut",
        "supply_cut")}
    removals = net.dual_removals()  # a removed node on one side only (network.dual_removals)
    # a lever's binary b is column x_start + b, or aggregate b − B of ``merge``
    col_of_b = x_start + np.arange(B)
    if merge is not None:
        lever = {name: merge.apply(lv, B) for name, lv in lever.items()}
        removals = DualRemovals(merge.apply(removals.arc, B), merge.apply(removals.recipe, B),
                                merge.apply(removals.delivery, B), removals.side)
        col_of_b = np.concatenate([col_of_b, merge.start + np.arange(len(merge.sets))])
        exclusive = np.concatenate([exclusive, merge.group])
    pot = net.potentials()
    reach = net.reachable()
    sfx = f"_{tag}" if tag else ""
    obj_cols: list[np.ndarray] = []
    obj_coefs: list[np.ndarray] = []

    # ---------------------------------------------------------------- what can matter
    fc_tail = net.arc_tail[net.fc_arc]
    fc_head = net.arc_head[net.fc_arc]
    keep = 1.0 - net.arc_p[net.fc_arc]
    ucost = net.unit_cost()
    # M_{a,k}, with the lowest cost any plan gives (= ucost unless a perturbation lowers it)
    gain = keep * pot[fc_head, net.fc_comm] - net.favourable_unit_cost()
    useful_fc = np.flatnonzero((gain > TOL) & reach[fc_tail, net.fc_comm]
                               & (net.arc_cap[net.fc_arc] > 0))
    R = len(net.recipe_ids)
    rec_gain = net.rec_eta * pot[net.rec_node, net.rec_out] if R else np.zeros(0)
    useful_rec = np.flatnonzero((rec_gain > TOL) & reach[net.rec_node, net.rec_in]
                                & (net.rec_cap > 0) & (net.node_cap[net.rec_node] > 0)) if R \
        else np.zeros(0, np.int64)
    sup_code = net.sup_node * K + net.sup_comm
    # a supply piece matters when a unit of it can earn more than it costs to produce
    useful_sup = np.flatnonzero((net.sup_amount > 0)
                                & (pot[net.sup_node, net.sup_comm] > net.sup_cost + TOL))


    # ---------------------------------------------------------------- duals π
    codes = np.concatenate([
        fc_tail[useful_fc] * K + net.fc_comm[useful_fc],
        fc_head[useful_fc] * K + net.fc_comm[useful_fc],
        net.rec_node[useful_rec] * K + net.rec_in[useful_rec],
        net.rec_node[useful_rec] * K + net.rec_out[useful_rec],
        sup_code[useful_sup],
    ]).astype(np.int64)
    pi_codes = np.unique(codes)
    pi_col = {int(c): i for i, c in enumerate(pi_codes)}
    pi_ub = pot[pi_codes // K, pi_codes % K].copy()
    # a supply piece without limit forces π ≤ its marginal cost c_s (the dual of g ≥ 0
    # unbounded above: π − c_s ≤ 0)
    for s in useful_sup:
        if np.isinf(net.sup_amount[s]):
            col = pi_col[int(sup_code[s])]
            pi_ub[col] = min(pi_ub[col], net.sup_cost[s])
    pi_lb = np.zeros(len(pi_codes))
    del_code = net.del_node * K + net.del_comm
    removed_deliveries = set(removals.delivery.element.tolist())
    delivery_rows: list[int] = []  # deliveries that need a row: removable, or priced by a good
    for d, code in enumerate(del_code.tolist()):
        if code in pi_col:
            if d in removed_deliveries or net.del_good[d] >= 0:
                delivery_rows.append(d)
            else:
                pi_lb[pi_col[code]] = max(pi_lb[pi_col[code]], net.del_value[d])
    # a free supply piece of σ units: its dual γ_s = π_{n,k} (substituted: σ π in the
    # objective); a piece with a marginal cost needs its own γ_s ≥ π − c_s (below)
    free_sup = useful_sup[np.isfinite(net.sup_amount[useful_sup])
                          & (net.sup_cost[useful_sup] == 0)]
    costed_sup = useful_sup[np.isfinite(net.sup_amount[useful_sup])
                            & (net.sup_cost[useful_sup] > 0)]
    pi_obj = np.zeros(len(pi_codes))
    for s in free_sup:
        pi_obj[pi_col[int(sup_code[s])]] += net.sup_amount[s]
    pi = m.add_vars(
        "pi" + sfx, len(pi_codes), lb=pi_lb, ub=np.maximum(pi_ub, pi_lb),
        keys=lambda: [(net.node_ids[c // K], net.comm_ids[c % K]) for c in pi_codes],
        doc="π_{n,k} ∈ [0, π*_{n,k}]: value of one more unit of k at n (balance dual)")
    obj_cols.append(pi.start + np.arange(len(pi_codes)))
    obj_coefs.append(pi_obj)

    def pi_of(nodes: np.ndarray, comms: np.ndarray) -> np.ndarray:
        return pi.start + np.array([pi_col[int(c)] for c in (nodes * K + comms)], dtype=np.int64)

    # ---------------------------------------------------------------- supply curves: γ
    gamma_ub = pot[net.sup_node[costed_sup], net.sup_comm[costed_sup]] - net.sup_cost[costed_sup]
    gamma = m.add_vars(
        "gamma" + sfx, len(costed_sup), lb=0.0, ub=gamma_ub,
        keys=lambda: [(net.node_ids[net.sup_node[s]], net.comm_ids[net.sup_comm[s]], int(s))
                      for s in costed_sup],
        doc="γ_s ∈ [0, π* − c_s]: value of one more unit of capacity of supply piece s")
    gamma_col = np.full(len(net.sup_node), -1, np.int64)
    gamma_col[costed_sup] = gamma.start + np.arange(len(costed_sup))
    obj_cols.append(gamma_col[costed_sup])
    obj_coefs.append(net.sup_amount[costed_sup])
    nG = len(costed_sup)
    m.add_rows(
        "supply_dual" + sfx, nG, np.concatenate([np.arange(nG), np.arange(nG)]),
        np.concatenate([gamma_col[costed_sup],
                        pi_of(net.sup_node[costed_sup], net.sup_comm[costed_sup])
                        if nG else np.zeros(0, np.int64)]),
        np.concatenate([np.ones(nG), -np.ones(nG)]), lo=-net.sup_cost[costed_sup],
        keys=lambda: [(net.node_ids[net.sup_node[s]], net.comm_ids[net.sup_comm[s]], int(s))
                      for s in costed_sup],
        doc="γ_s − π_{n,k} ≥ −c_s")

    # ---------------------------------------------------------------- demand curves: φ, μ
    # φ_g: value of one more unit of good g; μ_{g,i}: of one more unit of demand piece i
    goods_used = sorted({int(net.del_good[d]) for d in delivery_rows if net.del_good[d] >= 0})
    phi_col = np.full(net.n_goods, -1, np.int64)
    top = net.good_price_max()
    open_price = np.zeros(net.n_goods)  # price of an open-ended last piece (a floor on φ)
    for i in range(len(net.seg_good)):
        if np.isinf(net.seg_width[i]):
            open_price[net.seg_good[i]] = net.seg_price[i]
    gu = np.array(goods_used, np.int64)
    phi = m.add_vars(
        "phi" + sfx, len(gu), lb=open_price[gu], ub=top[gu],
        keys=lambda: [(net.good_ids[g],) for g in gu],
        doc="φ_g ∈ [P_open, P_max]: value of one more unit of good g at its market (good dual)")
    phi_col[gu] = phi.start + np.arange(len(gu))
    pieces = [i for i in range(len(net.seg_good))
              if phi_col[net.seg_good[i]] >= 0 and np.isfinite(net.seg_width[i])
              and net.seg_price[i] > open_price[net.seg_good[i]] + TOL]
    pc = np.array(pieces, np.int64)
    mu = m.add_vars(
        "mu" + sfx, len(pc), lb=0.0,
        ub=net.seg_price[pc] - open_price[net.seg_good[pc]] if len(pc) else 0.0,
        keys=lambda: [(net.good_ids[net.seg_good[i]], int(i)) for i in pc],
        doc="μ_{g,i} ∈ [0, P_{g,i}]: value of one more unit of demand on piece i")
    obj_cols.append(mu.start + np.arange(len(pc)))
    obj_coefs.append(net.seg_width[pc] if len(pc) else np.zeros(0))
    nP = len(pc)
    m.add_rows(
        "demand_dual" + sfx, nP, np.concatenate([np.arange(nP), np.arange(nP)]),
        np.concatenate([phi_col[net.seg_good[pc]] if nP else np.zeros(0, np.int64),
                        mu.start + np.arange(nP)]),
        np.ones(2 * nP), lo=net.seg_price[pc] if nP else np.zeros(0),
        keys=lambda: [(net.good_ids[net.seg_good[i]], int(i)) for i in pc],
        doc="φ_g + μ_{g,i} ≥ P_{g,i}")

    # ---------------------------------------------------------------- duals α, ρ, β
    arc_gain = np.zeros(net.n_arcs)
    per_load = gain[useful_fc] / net.load[net.fc_comm[useful_fc]]
    np.maximum.at(arc_gain, net.fc_arc[useful_fc], per_load)
    cap_arcs = np.flatnonzero(np.isfinite(net.arc_cap) & (arc_gain > TOL))
    alpha_col = np.full(net.n_arcs, -1, np.int64)
    alpha = m.add_vars(
        "alpha" + sfx, len(cap_arcs), lb=0.0, ub=arc_gain[cap_arcs],
        keys=lambda: [(net.arc_ids[a],) for a in cap_arcs],
        doc="α_a ∈ [0, ᾱ_a]: value of one more load unit of capacity on arc a")
    alpha_col[cap_arcs] = alpha.start + np.arange(len(cap_arcs))
    obj_cols.append(alpha_col[cap_arcs])
    obj_coefs.append(net.arc_cap[cap_arcs])

    cap_recs = useful_rec[np.isfinite(net.rec_cap[useful_rec])]
    rho_col = np.full(R, -1, np.int64)
    rho = m.add_vars(
        "rho" + sfx, len(cap_recs), lb=0.0, ub=rec_gain[cap_recs],
        keys=lambda: [(net.recipe_ids[r],) for r in cap_recs],
        doc="ρ_r ∈ [0, η_r π*_{n,out}]: value of one more unit of recipe capacity")
    rho_col[cap_recs] = rho.start + np.arange(len(cap_recs))
    obj_cols.append(rho_col[cap_recs])
    obj_coefs.append(net.rec_cap[cap_recs])

    node_gain = np.zeros(net.n_nodes)
    np.maximum.at(node_gain, net.rec_node[useful_rec], rec_gain[useful_rec])
    cap_nodes = np.flatnonzero(np.isfinite(net.node_cap) & (node_gain > TOL))
    beta_col = np.full(net.n_nodes, -1, np.int64)
    beta = m.add_vars(
        "beta" + sfx, len(cap_nodes), lb=0.0, ub=node_gain[cap_nodes],
        keys=lambda: [(net.node_ids[n],) for n in cap_nodes],
        doc="β_n ∈ [0, max_r η_r π*_{n,out}]: value of one more unit of processing at n")
    beta_col[cap_nodes] = beta.start + np.arange(len(cap_nodes))
    obj_cols.append(beta_col[cap_nodes])
    obj_coefs.append(net.node_cap[cap_nodes])

    # ---------------------------------------------------------------- duals θ of f ≤ F̄
    theta_fc, theta_start = np.zeros(0, np.int64), 0
    if flow_caps is not None:
        theta_fc = useful_fc[np.isfinite(flow_caps[useful_fc])]
        theta_start = m.add_vars(
            "theta" + sfx, len(theta_fc), lb=0.0, ub=gain[theta_fc],
            keys=lambda: [(net.arc_ids[net.fc_arc[fc]], net.comm_ids[net.fc_comm[fc]])
                          for fc in theta_fc],
            doc="θ_{a,k} ∈ [0, M_{a,k}]: value of one more unit of the flow bound F̄_{a,k}"
        ).start
        obj_cols.append(theta_start + np.arange(len(theta_fc)))
        obj_coefs.append(flow_caps[theta_fc])

    # ---------------------------------------------------------------- products w = x·y
    # requests: (binary, y column, ȳ, where: 'obj' coefficient or (row block, row, coef))
    prod_b: list[np.ndarray] = []
    prod_y: list[np.ndarray] = []
    prod_ybar: list[np.ndarray] = []

    def request(binaries: np.ndarray, ycols: np.ndarray, ybars: np.ndarray) -> None:
        prod_b.append(np.asarray(binaries, np.int64))
        prod_y.append(np.asarray(ycols, np.int64))
        prod_ybar.append(np.asarray(ybars, float))

    fc_row = np.full(net.n_flows, -1, np.int64)
    fc_row[useful_fc] = np.arange(len(useful_fc))

    lv = lever["seizure_raise"]
    sel = fc_row[lv.element] >= 0 if len(lv) else np.zeros(0, bool)
    seize_b, seize_fc, seize_amt = lv.binary[sel], lv.element[sel], lv.amount[sel]
    seize_y = (pi_of(fc_head[seize_fc], net.fc_comm[seize_fc]) if len(seize_fc)
               else np.zeros(0, np.int64))
    request(seize_b, seize_y, pot[fc_head[seize_fc], net.fc_comm[seize_fc]])

    obj_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (binary, ycol, coef)

    def capacity_products(levers, col_of: np.ndarray, size_of: np.ndarray, ubs: np.ndarray):
        sel = col_of[levers.element] >= 0 if len(levers) else np.zeros(0, bool)
        b, el, f = levers.binary[sel], levers.element[sel], levers.amount[sel]
        ycols = col_of[el]
        request(b, ycols, ubs[el])
        obj_terms.append((b, ycols, -size_of[el] * f))

    alpha_ub = np.zeros(net.n_arcs)
    alpha_ub[cap_arcs] = arc_gain[cap_arcs]
    capacity_products(lever["arc_cap_cut"], alpha_col, net.arc_cap, alpha_ub)
    rho_ub = np.zeros(R)
    rho_ub[cap_recs] = rec_gain[cap_recs]
    capacity_products(lever["recipe_cap_cut"], rho_col, net.rec_cap, rho_ub)
    beta_ub = np.zeros(net.n_nodes)
    beta_ub[cap_nodes] = node_gain[cap_nodes]
    capacity_products(lever["node_cap_cut"], beta_col, net.node_cap, beta_ub)
    # supply cuts multiply the supply dual: π for a free piece, γ for a piece with a cost
    sup_col = np.full(len(net.sup_node), -1, np.int64)
    if len(free_sup):
        sup_col[free_sup] = pi_of(net.sup_node[free_sup], net.sup_comm[free_sup])
    sup_col[costed_sup] = gamma_col[costed_sup]
    sup_ub = (np.maximum(pot[net.sup_node, net.sup_comm] - net.sup_cost, 0.0)
              if len(net.sup_node) else np.zeros(0))
    capacity_products(lever["supply_cut"], sup_col, np.where(np.isfinite(net.sup_amount),
                                                        net.sup_amount, 0.0), sup_ub)

    all_b = np.concatenate(prod_b) if prod_b else np.zeros(0, np.int64)
    all_y = np.concatenate(prod_y) if prod_y else np.zeros(0, np.int64)
    all_ybar = np.concatenate(prod_ybar) if prod_ybar else np.zeros(0)
    keep_prod = all_ybar > TOL
    ncol0 = m.n_cols  # product codes are binary·ncol0 + y column
    pair_code = all_b[keep_prod] * ncol0 + all_y[keep_prod]
    w_codes, first = np.unique(pair_code, return_index=True)
    w_ybar = all_ybar[keep_prod][first]
    w_b = w_codes // ncol0
    w_y = w_codes % ncol0
    w_index = {int(c): i for i, c in enumerate(w_codes)}
    # the blocks of the columns a product multiplies (this block's duals, all declared
    # before w); only those are named, so a name never asks an earlier block's products
    # for theirs (that chain doubled the work with every block of a horizon)
    y_blocks = [b for b in m.var_blocks.values()
                if len(w_y) and np.any((w_y >= b.start) & (w_y < b.start + b.size))]

    def y_names() -> dict[int, str]:
        """Names of the columns a product can multiply, by column index."""
        return {b.start + i: f"{b.name}[{','.join(map(str, k))}]"
                for b in y_blocks for i, k in enumerate(b.keys())}

    def w_keys():
        names = y_names()
        return [(net.action_ids[net.binary_action[b]], int(net.binary_level[b]) + 1, names[y])
                if b < B else (merge.names[b - B] if merge else "", 0, names[y])
                for b, y in zip(w_b, w_y)]

    w_obj = np.zeros(len(w_codes))
    for b, ycols, coef in obj_terms:
        for bb, yy, cc in zip(b.tolist(), ycols.tolist(), coef.tolist()):
            wi = w_index.get(bb * ncol0 + yy)
            if wi is not None:
                w_obj[wi] += cc
    w = m.add_vars("w" + sfx, len(w_codes), lb=0.0, ub=w_ybar, keys=w_keys,
                   doc="w = x_{j,l}·y: product of a binary and a bounded dual variable y")
    obj_cols.append(w.start + np.arange(len(w_codes)))
    obj_coefs.append(w_obj)

    # ---------------------------------------------------------------- rows
    # arc_dual(a,k) for useful flow columns
    nU = len(useful_fc)
    u_local = np.arange(nU)
    rows = [u_local, u_local]
    cols = [pi_of(fc_tail[useful_fc], net.fc_comm[useful_fc]),
            pi_of(fc_head[useful_fc], net.fc_comm[useful_fc])]
    vals = [np.ones(nU), -keep[useful_fc]]
    a_of = net.fc_arc[useful_fc]
    has_alpha = alpha_col[a_of] >= 0
    rows.append(u_local[has_alpha])
    cols.append(alpha_col[a_of][has_alpha])
    vals.append(net.load[net.fc_comm[useful_fc]][has_alpha])
    rows.append(fc_row[theta_fc])
    cols.append(theta_start + np.arange(len(theta_fc)))
    vals.append(np.ones(len(theta_fc)))
    if len(seize_fc):
        codes_s = seize_b * ncol0 + seize_y
        ok = np.array([int(c) in w_index for c in codes_s], bool)
        rows.append(fc_row[seize_fc][ok])
        cols.append(w.start + np.array([w_index[int(c)] for c in codes_s[ok]], np.int64))
        vals.append(seize_amt[ok])
    lv = lever["cost_raise"]
    if len(lv):
        sel = fc_row[lv.element] >= 0
        rows.append(fc_row[lv.element[sel]])
        cols.append(col_of_b[lv.binary[sel]])
        vals.append(lv.amount[sel] * net.load[net.fc_comm[lv.element[sel]]])
    lv = removals.arc
    if len(lv):
        # one removal lever per (binary, arc) → one term per flow column of that arc
        fcs_by_arc: dict[int, list[int]] = {}
        for fc in useful_fc.tolist():
            fcs_by_arc.setdefault(int(net.fc_arc[fc]), []).append(fc)
        rb, cb, vb = [], [], []
        for b, a in zip(lv.binary.tolist(), lv.element.tolist()):
            for fc in fcs_by_arc.get(a, ()):
                rb.append(fc_row[fc])
                cb.append(int(col_of_b[b]))
                vb.append(gain[fc])
        rows.append(np.array(rb, np.int64))
        cols.append(np.array(cb, np.int64))
        vals.append(np.array(vb, float))
    m.add_rows(
        "arc_dual" + sfx, nU, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
        lo=-ucost[useful_fc],
        keys=lambda: [(net.arc_ids[net.fc_arc[fc]], net.comm_ids[net.fc_comm[fc]])
                      for fc in useful_fc],
        doc="π_{i,k} − (1−p_a)π_{j,k} + Σ Δp·w + λ_k α_a + θ_{a,k} + Σ Δc λ_k x "
            "+ Σ M_{a,k} x_remove ≥ −c_a λ_k")

    # recipe_dual(r)
    nR = len(useful_rec)
    r_local = np.arange(nR)
    rows = [r_local, r_local]
    cols = [pi_of(net.rec_node[useful_rec], net.rec_in[useful_rec]),
            pi_of(net.rec_node[useful_rec], net.rec_out[useful_rec])]
    vals = [np.ones(nR), -net.rec_eta[useful_rec]]
    has_rho = rho_col[useful_rec] >= 0
    rows.append(r_local[has_rho])
    cols.append(rho_col[useful_rec][has_rho])
    vals.append(np.ones(int(has_rho.sum())))
    has_beta = beta_col[net.rec_node[useful_rec]] >= 0
    rows.append(r_local[has_beta])
    cols.append(beta_col[net.rec_node[useful_rec]][has_beta])
    vals.append(np.ones(int(has_beta.sum())))
    rec_row = np.full(R, -1, np.int64)
    rec_row[useful_rec] = r_local
    lv = removals.recipe
    if len(lv):
        sel = rec_row[lv.element] >= 0
        rows.append(rec_row[lv.element[sel]])
        cols.append(col_of_b[lv.binary[sel]])
        vals.append(rec_gain[lv.element[sel]])
    m.add_rows(
        "recipe_dual" + sfx, nR, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
        lo=0.0,
        keys=lambda: [(net.recipe_ids[r],) for r in useful_rec],
        doc="π_{n,in} − η_r π_{n,out} + ρ_r + β_n + M_r x_remove ≥ 0")

    # delivery_dual(m,k) where a sale can be removed or a good prices it
    del_arr = np.array(delivery_rows, np.int64)
    row_of_del = {d: i for i, d in enumerate(delivery_rows)}
    rows_l = list(range(len(delivery_rows)))
    cols_l = [pi.start + pi_col[int(del_code[d])] for d in delivery_rows]
    vals_l = [1.0] * len(delivery_rows)
    for i, d in enumerate(delivery_rows):
        if net.del_good[d] >= 0:
            rows_l.append(i)
            cols_l.append(int(phi_col[net.del_good[d]]))
            vals_l.append(-float(net.del_rate[d]))
    lv = removals.delivery
    for b, d in zip(lv.binary.tolist(), lv.element.tolist()):
        if d in row_of_del:  # M = what the sale can be worth: v + ρ φ̄
            g = int(net.del_good[d])
            rows_l.append(row_of_del[d])
            cols_l.append(int(col_of_b[b]))
            vals_l.append(float(net.del_value[d] + (net.del_rate[d] * top[g] if g >= 0 else 0.0)))
    m.add_rows(
        "delivery_dual" + sfx, len(delivery_rows), rows_l, cols_l, vals_l,
        lo=net.del_value[del_arr] if len(del_arr) else np.zeros(0),
        keys=lambda: [(net.node_ids[net.del_node[d]], net.comm_ids[net.del_comm[d]])
                      for d in del_arr],
        doc="π_{m,k} − ρ_{m,k} φ_g + M x_remove ≥ v_{m,k}")

    # linearisation rows for the products
    nW = len(w_codes)
    m.add_rows(
        "product_bound" + sfx, nW, np.concatenate([np.arange(nW), np.arange(nW)]),
        np.concatenate([w.start + np.arange(nW), col_of_b[w_b]]),
        np.concatenate([np.ones(nW), -w_ybar]), hi=0.0, keys=w_keys,
        doc="w_{j,l,y} − ȳ x_{j,l} ≤ 0")
    n_cols_w = ncol0
    group_code = exclusive[w_b] * n_cols_w + w_y if nW else np.zeros(0, np.int64)
    groups, g_local = np.unique(group_code, return_inverse=True)
    g_y = groups % n_cols_w if len(groups) else np.zeros(0, np.int64)
    m.add_rows(
        "product_cap" + sfx, len(groups),
        np.concatenate([g_local, np.arange(len(groups))]),
        np.concatenate([w.start + np.arange(nW), g_y]),
        np.concatenate([np.ones(nW), -np.ones(len(groups))]), hi=0.0,
        keys=lambda: (lambda names: [(group_names[g // n_cols_w], names[g % n_cols_w])
                                     for g in groups])(y_names()),
        doc="Σ_{b in an exclusive group (the levels of j)} w_{b,y} − y ≤ 0")

    cols_all = np.concatenate(obj_cols).astype(np.int64)
    coefs_all = np.concatenate(obj_coefs)
    nz = coefs_all != 0.0
    return DualBlock(cols_all[nz], coefs_all[nz], useful_fc, useful_rec)

