"""The non-zero-sum bilevel program as one MILP: the planner minimises an outcome of the
smuggler's response — the harm it does, or (when the smuggler plans with beliefs that are
not the truth) the smuggler's true value — while the smuggler maximises the value it
believes (docs/model.md §8 and §13).

The general form: per scenario, the primal and dual blocks are built from the network the
smuggler *sees* (``ScenarioNet.seen``; the true one when it has no beliefs), and the
objective is an outcome O_s(y; x) computed from the *true* data (``compile.outcome``;
linear in y, with products x·f linearised as below). Harm, below, is the outcome
H(y) = Σ h d with the smuggler seeing the truth:

For a plan x, the smuggler's optimal responses are the y that are primal feasible, for
which some dual u is dual feasible, with strong duality V(y; x) ≥ D(u; x) (weak duality
gives ≤, so equality: y is optimal). The planner then picks x and such a pair (y, u):

    min_x   Σ_s p_s H_s(y_s)      H_s(y) = Σ_{m,k} h_{m,k} d_{m,k}
    s.t.    budgets, exclusive levels
            primal_s:  smuggler's constraints of scenario s with the plan x   (this module)
            dual_s:    the dual rows of scenario s with the plan x       (interdiction.py)
            strong_duality_s:   V_s(y_s; x) − D_s(u_s; x) ≥ 0

This is the **optimistic** program: among the smuggler's optimal responses, the one least
harmful counts. The **pessimistic** program (the most harmful counts) is solved by the same
MILP with the smuggler's values perturbed to v + ε h (in general V̂ + ε O,
:func:`perturbed`): every response optimal for the
perturbed smuggler is optimal for the true one up to ε·max harm, and among the true optima
it is a most harmful one once ε is small enough (LP perturbation); for any ε the harm it
gives a plan is never below the true pessimistic harm. The certificate (``studies.harm``)
evaluates the chosen plan exactly and the engine reports any difference.

Products of a binary and a primal variable appear where the plan changes the smuggler's
coefficients: (1 − p − Δp x) f in the balance and (c + Δc x) λ f in V. They are linearised
exactly (McCormick, binary × bounded continuous) with data-derived flow bounds F̄
(:func:`flow_bounds`): v ≤ F̄ x, v ≤ f, v ≥ f − F̄ (1 − x). Removals use f ≤ F̄ (1 − x);
capacity and supply cuts are linear in x on the right-hand side. No global big-M.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..compile.network import CompiledNetwork, Levers, commodity_order
from ..compile.outcome import Outcome, harm_outcome, scenario_outcome
from ..errors import SolveError
from .blocks import LinearModel
from .interdiction import ProblemMILP, add_actions, add_dual_block, add_risk_objective

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem


@dataclass(frozen=True)
class FlowBounds:
    """Upper bounds valid for some optimal response of every plan (circulations removed):
    total units of each commodity that can exist, and what each variable can carry."""

    total: np.ndarray  # T_k
    flow: np.ndarray  # F̄ per flow column
    recipe: np.ndarray  # Z̄ per recipe
    delivery: np.ndarray  # D̄ per delivery


def flow_bounds(net: CompiledNetwork) -> FlowBounds:
    """T_k = Σ σ_{n,k} + Σ_{r makes k} η_r min(U_r, U_{n(r)}, T_{in(r)}) (inputs first);
    F̄_{a,k} = min(u_a / λ_k, T_k); Z̄_r = min(U_r, U_n, T_in); D̄_{m,k} = T_k."""
    K = net.n_comms
    total = np.zeros(K)
    np.add.at(total, net.sup_comm, net.sup_amount)
    through = np.minimum(net.rec_cap, net.node_cap[net.rec_node]) if len(net.recipe_ids) \
        else np.zeros(0)
    for k in reversed(commodity_order(net)):  # inputs before outputs
        for r in np.flatnonzero(net.rec_out == k):
            total[k] += net.rec_eta[r] * min(through[r], total[net.rec_in[r]])
    flow = np.minimum(net.arc_cap[net.fc_arc] / net.load[net.fc_comm], total[net.fc_comm])
    recipe = np.minimum(through, total[net.rec_in]) if len(net.recipe_ids) else np.zeros(0)
    return FlowBounds(total, flow, recipe, total[net.del_comm])


@dataclass
class PrimalBlock:
    """Where one scenario's primal variables are: flows f, recipes z, supplies g,
    deliveries d, sales q, and the products v = x_b f_fc (``products``: (binary, flow
    column) → column). Linear expressions over them: ``value_expression``,
    ``outcome_expression``."""

    flow_start: int
    recipe_start: int
    supply_start: int
    delivery_start: int
    sales_start: int
    products: dict[tuple[int, int], int]

    def product_cols(self, levers: Levers) -> np.ndarray:
        """The columns of the products x_b f_fc of ``levers`` (binary, flow column)."""
        return np.array([self.products[(b, fc)] for b, fc in
                         zip(levers.binary.tolist(), levers.element.tolist())], np.int64)


def value_expression(block: PrimalBlock, net: CompiledNetwork) -> tuple[np.ndarray, np.ndarray]:
    """The smuggler's value with ``net``'s data (same structure as the block's):
    V(y; x) = Σ v d + Σ P q − Σ c λ f − Σ Δc λ x f − Σ c_s g, as (columns, coefficients)."""
    D, F, S, nS = len(net.del_node), net.n_flows, len(net.sup_node), len(net.seg_good)
    cr = net.cost_raise
    cols = np.concatenate([block.delivery_start + np.arange(D), block.flow_start + np.arange(F),
                           block.product_cols(cr), block.supply_start + np.arange(S),
                           block.sales_start + np.arange(nS)])
    coefs = np.concatenate([net.del_value, -net.unit_cost(),
                            -cr.amount * net.load[net.fc_comm[cr.element]],
                            -net.sup_cost, net.seg_price])
    return cols, coefs


def outcome_expression(block: PrimalBlock, outcome: Outcome,
                       seen: CompiledNetwork) -> tuple[np.ndarray, np.ndarray]:
    """O(y; x) = μ V̂(y; x) + Σ δ d − Σ e f − Σ ψ x f (``compile.outcome``), V̂ with the
    data the smuggler believes (``seen``), as (columns, coefficients)."""
    D, F = len(outcome.delivery), len(outcome.flow)
    cols = [block.delivery_start + np.arange(D), block.flow_start + np.arange(F),
            block.product_cols(outcome.levers)]
    coefs = [outcome.delivery, -outcome.flow, -outcome.levers.amount]
    if outcome.value_weight:
        vc, vv = value_expression(block, seen)
        cols.append(vc)
        coefs.append(outcome.value_weight * vv)
    return np.concatenate(cols), np.concatenate(coefs)


def _need_finite(bound: float, what: str) -> float:
    if not math.isfinite(bound):
        raise SolveError(f"the harm objective needs a finite bound on {what}: give the supplies "
                         "a finite amount or the arcs on its routes a capacity")
    return float(bound)


def add_primal_block(m: LinearModel, net: CompiledNetwork, x_start: int,
                     tag: str = "", extra_products: Levers | None = None) -> PrimalBlock:
    """The smuggler's constraints (formulation/smuggler.py) with the plan x as variables;
    the products x_b f_fc of ``net``'s seizure and cost levers, and of ``extra_products``
    (an outcome's), are linearised."""
    K = net.n_comms
    sfx = f"_{tag}" if tag else ""
    bnd = flow_bounds(net)
    F, R, S, D = net.n_flows, len(net.recipe_ids), len(net.sup_node), len(net.del_node)
    fc_name = lambda fc: (net.arc_ids[net.fc_arc[fc]], net.comm_ids[net.fc_comm[fc]])
    f = m.add_vars("f" + sfx, F, lb=0.0, ub=bnd.flow,
                   keys=lambda: [fc_name(fc) for fc in range(F)],
                   doc="f_{a,k} ∈ [0, F̄_{a,k}]: the smuggler's flow")
    z = m.add_vars("z" + sfx, R, lb=0.0, ub=bnd.recipe,
                   keys=lambda: [(r,) for r in net.recipe_ids], doc="z_r: recipe activity")
    g = m.add_vars("g" + sfx, S, lb=0.0, ub=net.sup_amount, keys=net.supply_keys,
                   doc="g_s ≤ σ_s: supply piece used")
    d = m.add_vars("d" + sfx, D, lb=0.0, ub=bnd.delivery,
                   keys=lambda: [(net.node_ids[n], net.comm_ids[k])
                                 for n, k in zip(net.del_node, net.del_comm)],
                   doc="d_{m,k}: units delivered")

    # products v = x_b · f_fc for seizure and cost raises (shared when both apply)
    pairs: dict[tuple[int, int], int] = {}
    for lv in (net.seizure_raise, net.cost_raise, extra_products or Levers.build([])):
        for b, fc in zip(lv.binary.tolist(), lv.element.tolist()):
            if (b, fc) not in pairs:
                _need_finite(bnd.flow[fc], f"the flow of {fc_name(fc)[1]} on arc {fc_name(fc)[0]}")
                pairs[(b, fc)] = len(pairs)
    pb = np.array([p[0] for p in pairs], np.int64)
    pf = np.array([p[1] for p in pairs], np.int64)
    v = m.add_vars("v" + sfx, len(pairs), lb=0.0, ub=bnd.flow[pf] if len(pf) else 0.0,
                   keys=lambda: [(net.action_ids[net.binary_action[b]],
                                  int(net.binary_level[b]) + 1, *fc_name(fc))
                                 for b, fc in zip(pb, pf)],
                   doc="v = x_{j,l} · f_{a,k} (McCormick, exact for binary x)")
    nV = len(pairs)
    idx = np.arange(nV)
    fbar = bnd.flow[pf] if nV else np.zeros(0)
    m.add_rows("mccormick" + sfx, 3 * nV,
               np.concatenate([idx, idx, nV + idx, nV + idx, 2 * nV + idx, 2 * nV + idx,
                               2 * nV + idx]),
               np.concatenate([v.start + idx, x_start + pb, v.start + idx, f.start + pf,
                               f.start + pf, v.start + idx, x_start + pb]),
               np.concatenate([np.ones(nV), -fbar, np.ones(nV), -np.ones(nV), np.ones(nV),
                               -np.ones(nV), fbar]),
               hi=np.concatenate([np.zeros(nV), np.zeros(nV), fbar]),
               keys=lambda: [(kind, *key) for kind in ("v<=Fx", "v<=f", "v>=f-F(1-x)")
                             for key in zip(pb.tolist(), pf.tolist())],
               doc="v − F̄x ≤ 0;  v − f ≤ 0;  f − v + F̄x ≤ F̄")

    # balance(n,k) ≤ 0
    keep = 1.0 - net.arc_p[net.fc_arc]
    tails = net.arc_tail[net.fc_arc] * K + net.fc_comm
    heads = net.arc_head[net.fc_arc] * K + net.fc_comm
    sz = net.seizure_raise
    sz_cols = np.array([v.start + pairs[(b, fc)] for b, fc in zip(sz.binary.tolist(),
                                                                   sz.element.tolist())], np.int64)
    codes = np.concatenate([tails, heads, heads[sz.element] if len(sz) else np.zeros(0, np.int64),
                            net.rec_node * K + net.rec_in, net.rec_node * K + net.rec_out,
                            net.sup_node * K + net.sup_comm, net.del_node * K + net.del_comm])
    cols = np.concatenate([f.start + np.arange(F), f.start + np.arange(F), sz_cols,
                           z.start + np.arange(R), z.start + np.arange(R),
                           g.start + np.arange(S), d.start + np.arange(D)])
    vals = np.concatenate([np.ones(F), -keep, sz.amount, np.ones(R), -net.rec_eta,
                           -np.ones(S), np.ones(D)])
    uniq, local = np.unique(codes, return_inverse=True)
    m.add_rows("balance" + sfx, len(uniq), local, cols, vals, hi=0.0,
               keys=lambda: [(net.node_ids[c // K], net.comm_ids[c % K]) for c in uniq],
               doc="out + use + sale − supply − (1 − p) in + Σ Δp·v − η·make ≤ 0")

    # capacity(a): Σ λ f + Σ u_a·cut·x ≤ u_a
    def capacity_rows(name, size_of, members_rows, members_cols, members_vals, levers, doc, keyf):
        finite = np.flatnonzero(np.isfinite(size_of))
        row_of = np.full(len(size_of), -1)
        row_of[finite] = np.arange(len(finite))
        rsel = row_of[members_rows] >= 0
        rr = [row_of[members_rows][rsel]]
        cc = [members_cols[rsel]]
        vv = [members_vals[rsel]]
        if len(levers):
            lsel = row_of[levers.element] >= 0
            rr.append(row_of[levers.element][lsel])
            cc.append(x_start + levers.binary[lsel])
            vv.append(size_of[levers.element][lsel] * levers.amount[lsel])
        m.add_rows(name + sfx, len(finite), np.concatenate(rr), np.concatenate(cc),
                   np.concatenate(vv), hi=size_of[finite], keys=lambda: [keyf(i) for i in finite],
                   doc=doc)

    capacity_rows("capacity", net.arc_cap, net.fc_arc, f.start + np.arange(F),
                  net.load[net.fc_comm], net.arc_cap_cut, "Σ λ_k f_{a,k} + u_a Σ cut·x ≤ u_a",
                  lambda a: (net.arc_ids[a],))
    capacity_rows("recipe_capacity", net.rec_cap, np.arange(R), z.start + np.arange(R),
                  np.ones(R), net.recipe_cap_cut, "z_r + U_r Σ cut·x ≤ U_r",
                  lambda r: (net.recipe_ids[r],))
    capacity_rows("throughput", net.node_cap, net.rec_node, z.start + np.arange(R), np.ones(R),
                  net.node_cap_cut, "Σ_{r at n} z_r + U_n Σ cut·x ≤ U_n",
                  lambda n: (net.node_ids[n],))
    sup_keys = net.supply_keys()
    capacity_rows("supply_cap", net.sup_amount, np.arange(S), g.start + np.arange(S),
                  np.ones(S), net.supply_cut, "g_s + σ_s Σ cut·x ≤ σ_s", lambda s: sup_keys[s])

    # removals: f ≤ F̄(1 − x), z ≤ Z̄(1 − x), d ≤ D̄(1 − x)
    rr, cc, vv, keys = [], [], [], []
    hi: list[float] = []
    fcs_of_arc: dict[int, list[int]] = {}
    for fc, a in enumerate(net.fc_arc.tolist()):
        fcs_of_arc.setdefault(a, []).append(fc)

    def removal(col: int, b: int, bound: float, what: str) -> None:
        bound = _need_finite(bound, what)
        i = len(hi)
        rr.extend([i, i])
        cc.extend([col, x_start + b])
        vv.extend([1.0, bound])
        hi.append(bound)
        keys.append((net.action_ids[net.binary_action[b]], int(net.binary_level[b]) + 1, what))

    for b, a in zip(net.arc_removal.binary.tolist(), net.arc_removal.element.tolist()):
        for fc in fcs_of_arc.get(a, ()):
            arc_id, comm_id = fc_name(fc)
            removal(f.start + fc, b, bnd.flow[fc], f"flow of {comm_id} on arc {arc_id}")
    for b, r in zip(net.recipe_removal.binary.tolist(), net.recipe_removal.element.tolist()):
        removal(z.start + r, b, bnd.recipe[r], f"recipe {net.recipe_ids[r]}")
    for b, dd in zip(net.delivery_removal.binary.tolist(), net.delivery_removal.element.tolist()):
        removal(d.start + dd, b, bnd.delivery[dd],
                f"sales of {net.comm_ids[net.del_comm[dd]]} at {net.node_ids[net.del_node[dd]]}")
    m.add_rows("removal" + sfx, len(hi), rr, cc, vv, hi=np.array(hi, float),
               keys=lambda: keys, doc="y + Ȳ x ≤ Ȳ: a removed element carries nothing")

    # market goods: q_{g,i} sold on the demand pieces, at most what the deliveries give
    nS = len(net.seg_good)
    good_total = np.zeros(net.n_goods)
    with_good = np.flatnonzero(net.del_good >= 0)
    np.add.at(good_total, net.del_good[with_good],
              net.del_rate[with_good] * bnd.delivery[with_good])
    q = m.add_vars("q" + sfx, nS, lb=0.0,
                   ub=np.minimum(net.seg_width, good_total[net.seg_good]) if nS else 0.0,
                   keys=lambda: [(net.good_ids[gg], i) for i, gg in enumerate(net.seg_good)],
                   doc="q_{g,i}: units of good g sold on piece i of its demand curve")
    m.add_rows("good" + sfx, net.n_goods,
               np.concatenate([net.seg_good, net.del_good[with_good]]),
               np.concatenate([q.start + np.arange(nS), d.start + with_good]),
               np.concatenate([np.ones(nS), -net.del_rate[with_good]]), hi=0.0,
               keys=lambda: [(gid,) for gid in net.good_ids],
               doc="Σ_i q_{g,i} − Σ_d ρ_d d ≤ 0")
    return PrimalBlock(f.start, z.start, g.start, d.start, q.start,
                       {pair: v.start + i for pair, i in pairs.items()})


@dataclass
class OutcomeMILP(ProblemMILP):
    """The defender's bilevel MILP over an outcome (module docstring)."""

    objective: str  # "value" | "harm": the outcome minimised (compile.outcome)
    mode: str
    epsilon: float
    primal: list[PrimalBlock]


HarmMILP = OutcomeMILP


def perturbed(net: CompiledNetwork, outcome: Outcome, epsilon: float) -> CompiledNetwork:
    """The network whose smuggler maximises V̂ + ε O (pessimistic tie-breaking). With
    O = μ V̂ + L, that is (1 + εμ)(V̂ + ε' L), ε' = ε/(1 + εμ): the same optimal responses
    as V̂ + ε' L, which changes only the data L touches:

        v_d += ε' δ_d,    unit cost of (a,k) += ε' e_{a,k},    cost lever (b,a,k) += ε' ψ/λ_k

    (for harm: v + ε h). The value potentials of the result stay valid bounds
    (``network.value_potentials``, subsidies included)."""
    if epsilon == 0.0:
        return net
    eps = epsilon / (1.0 + epsilon * outcome.value_weight)
    changes: dict = {"del_value": net.del_value + eps * outcome.delivery}
    if np.any(outcome.flow):
        base = net.fc_extra if len(net.fc_extra) else np.zeros(net.n_flows)
        changes["fc_extra"] = base + eps * outcome.flow
    if len(outcome.levers):
        lam = net.load[net.fc_comm]
        acc: dict[tuple[int, int], float] = defaultdict(float)
        cr, lv = net.cost_raise, outcome.levers
        for b, fc, amt in zip(cr.binary.tolist(), cr.element.tolist(), cr.amount.tolist()):
            acc[(b, fc)] += amt  # per load unit
        for b, fc, amt in zip(lv.binary.tolist(), lv.element.tolist(), lv.amount.tolist()):
            acc[(b, fc)] += eps * amt / lam[fc]  # ψ is per unit of commodity
        changes["cost_raise"] = Levers.build([(b, fc, v) for (b, fc), v in acc.items()])
    return replace(net, **changes, _cache={})


def default_epsilon(net: CompiledNetwork, outcome: Outcome | None = None,
                    rel: float = 1e-3) -> float:
    """ε so that ε times the outcome's largest coefficient per unit (the harm weight by
    default) is about ``rel`` of the largest value per unit."""
    scale = (outcome or harm_outcome(net)).scale
    vmax = float(net.del_value.max(initial=0.0))
    return rel * vmax / scale if scale > 0 and vmax > 0 else 0.0


def build_outcome_milp(problem: "DefenderProblem", objective: str = "harm",
                       mode: str = "optimistic", epsilon: float | None = None) -> OutcomeMILP:
    """The defender's MILP over an outcome (``compile.outcome.scenario_outcome``: ``harm``
    or the smuggler's true ``value``) while the smuggler maximises the value it believes
    (module docstring): per scenario, the primal and dual blocks of the network the
    smuggler sees (perturbed by ε O for the pessimistic ``mode``), strong duality, and the
    outcome with the true data; the risk measure of the outcomes is minimised."""
    if mode not in ("optimistic", "pessimistic"):
        raise ValueError("mode must be 'optimistic' or 'pessimistic'")
    outcomes = [scenario_outcome(sc, objective) for sc in problem.scenarios]
    eps = 0.0 if mode == "optimistic" else (
        default_epsilon(problem.scenarios[0].seen, outcomes[0]) if epsilon is None else epsilon)
    m = LinearModel("harm" if objective == "harm" else "outcome", sense="min")
    x, budget = add_actions(m, problem.net)
    single = len(problem.scenarios) == 1
    exprs: list[tuple[np.ndarray, np.ndarray]] = []
    primals = []
    for sc, outcome in zip(problem.scenarios, outcomes):
        tag = "" if single else "".join(ch if ch.isalnum() else "_" for ch in sc.id)
        net = perturbed(sc.seen, outcome, eps)
        primal = add_primal_block(m, net, x.start, tag, outcome.levers)
        # a subsidy (perturbation) may make flows beyond F̄ pay: the LP is then the bounded
        # one, and its dual has the bounds' duals (``add_dual_block`` flow_caps)
        subsidised = net.favourable_unit_cost().min(initial=0.0) < 0
        dual = add_dual_block(m, net, x.start, tag,
                              flow_caps=flow_bounds(net).flow if subsidised else None)
        value_cols, value_coefs = value_expression(primal, net)
        cols = np.concatenate([value_cols, dual.obj_cols])
        vals = np.concatenate([value_coefs, -dual.obj_coefs])
        m.add_rows("strong_duality" + (f"_{tag}" if tag else ""), 1, np.zeros(len(cols), np.int64),
                   cols, vals, lo=0.0, keys=lambda: [("V-D",)],
                   doc="V(y; x) − D(u; x) ≥ 0: the response is optimal for the smuggler")
        exprs.append(outcome_expression(primal, outcome, sc.seen))
        primals.append(primal)
    add_risk_objective(m, exprs, problem.probabilities, "expected" if single else problem.risk,
                       problem.alpha, [sc.id for sc in problem.scenarios])
    return OutcomeMILP(m, problem, x.start, budget.start, objective, mode, eps, primals)


def build_harm_milp(problem: "DefenderProblem", mode: str = "optimistic",
                    epsilon: float | None = None) -> OutcomeMILP:
    """The planner's harm MILP: ``build_outcome_milp`` with the outcome harm."""
    return build_outcome_milp(problem, "harm", mode, epsilon)
