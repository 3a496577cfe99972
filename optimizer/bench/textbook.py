"""The textbook peer: the smuggler's inner LP dualised by hand, stated in Pyomo as a
modeller would write it from the papers, and solved by HiGHS through Pyomo's ``highs``
interface (``solvers.pyomo.solve_concrete``). It is what the engine is measured against
on the grid families (``interdict bench --method textbook``); no certificate, no tidying.

Max-flow interdiction (Wood 1993), arcs a = (i, j) with capacity u_a, interdiction cost
r_a, budget R; α_i = 1 on the sink's side of the cut, β_a = 1 for a cut arc that is paid
for with its capacity, γ_a = 1 for an interdicted arc::

    min  Σ_{a finite} u_a β_a
    s.t. α_i − α_j + β_a + γ_a ≥ 0     every arc a = (i, j)   (β_a only on finite arcs,
         α_t − α_s ≥ 1                                         γ_a only on interdictable ones)
         Σ_a r_a γ_a ≤ R
         α ∈ [0, 1], β ≥ 0, γ ∈ {0, 1}

(for fixed γ the rest is the min-cut LP, integral, so α and β need not be binary).

Shortest-path interdiction (Israeli & Wood 2002, MXSP-D), lengths c_a, delays d_a::

    max  π_t
    s.t. π_j − π_i − d_a x_a ≤ c_a      every arc a = (i, j)   (x_a only on interdictable ones)
         Σ_a r_a x_a ≤ R
         π_s = 0, π ≥ 0, x ∈ {0, 1}

Both are built from the instance records the grid families generate
(``instance.generators.grid``): one commodity, one supply node s, one market t, actions of
one level with one ``remove`` (max flow) or ``raise_cost`` (shortest path) effect on one
arc, costs in one budget resource. The optimum is reported as the engine reports it, the
smuggler's value: v · (max flow) for max flow (v: the commodity's value at t) and
σ · (V − shortest path length) for shortest path (σ units worth V each).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from ..instance.model import Instance
from ..options import SolveOptions, Termination


@dataclass(frozen=True)
class GridData:
    """A grid interdiction instance as the papers state it."""

    kind: str  # "max_flow" | "shortest_path"
    nodes: tuple[str, ...]
    source: str
    sink: str
    arcs: tuple[tuple[str, str, str], ...]  # (arc id, tail, head)
    number: dict[str, float]  # capacity u_a (max flow; inf = uncut) or length c_a
    delay: dict[str, float]  # d_a of interdictable arcs (shortest path)
    action: dict[str, tuple[str, float]]  # interdictable arc → (action id, cost r_a)
    budget: float
    unit_value: float  # value of one unit delivered at t
    units: float  # units at s (inf for max flow)


def grid_data(inst: Instance) -> GridData:
    """The paper's data of a grid-shaped instance; ``ValueError`` for anything else."""
    if len(inst.commodities) != 1 or len(inst.supplies) != 1 or len(inst.resources) != 1:
        raise ValueError("the textbook formulations need one commodity, one supply and one "
                         "budget")
    if inst.recipes or inst.scenarios:
        raise ValueError("the textbook formulations have no recipes and no scenarios")
    markets = [n.id for n in inst.nodes if n.kind == "market"]
    if len(markets) != 1:
        raise ValueError("the textbook formulations need exactly one market node")
    comm, sup, res = inst.commodities[0], inst.supplies[0], inst.resources[0]
    kinds = {e.type for a in inst.actions for e in a.effects}
    if len(kinds) != 1 or not kinds <= {"remove", "raise_cost"}:
        raise ValueError("the textbook formulations need actions that all remove arcs or "
                         "all raise arc costs")
    kind = "max_flow" if kinds == {"remove"} else "shortest_path"
    action: dict[str, tuple[str, float]] = {}
    delay: dict[str, float] = {}
    for a in inst.actions:
        if len(a.levels) != 1 or len(a.effects) != 1 or len(a.effects[0].targets.arcs) != 1:
            raise ValueError(f"action {a.id}: one level and one effect on one arc expected")
        arc = a.effects[0].targets.arcs[0]
        action[arc] = (a.id, float(a.levels[0].cost.get(res.id, 0.0)))
        if kind == "shortest_path":
            delay[arc] = float(a.effects[0].amounts[0])
    arcs = tuple((a.id, a.source, a.target) for a in inst.arcs)
    if kind == "max_flow":
        number = {a.id: float(a.capacity) for a in inst.arcs}
    else:
        if any(math.isfinite(a.capacity) for a in inst.arcs):
            raise ValueError("shortest-path interdiction: arcs have no capacity")
        number = {a.id: float(a.cost) for a in inst.arcs}
    value = comm.value
    market = next(n for n in inst.nodes if n.id == markets[0])
    value = market.values.get(comm.id, value)
    return GridData(kind, tuple(n.id for n in inst.nodes), sup.node, markets[0], arcs, number,
                    delay, action, float(res.budget), float(value), float(sup.amount))


def wood_model(d: GridData) -> tuple[Any, dict[str, Any]]:
    """Wood's max-flow interdiction MILP (module docstring) and its γ variables by arc."""
    import pyomo.environ as pyo

    finite = [a for a, _, _ in d.arcs if math.isfinite(d.number[a])]
    cut = list(d.action)
    ends = {a: (i, j) for a, i, j in d.arcs}
    m = pyo.ConcreteModel(name="wood-1993")
    m.N = pyo.Set(initialize=d.nodes)
    m.A = pyo.Set(initialize=[a for a, _, _ in d.arcs])
    m.F = pyo.Set(initialize=finite)
    m.I = pyo.Set(initialize=cut)
    m.alpha = pyo.Var(m.N, bounds=(0, 1))
    m.beta = pyo.Var(m.F, within=pyo.NonNegativeReals)
    m.gamma = pyo.Var(m.I, within=pyo.Binary)
    m.cut_value = pyo.Objective(expr=sum(d.number[a] * m.beta[a] for a in m.F),
                                sense=pyo.minimize)

    def arc_rule(m: Any, a: str) -> Any:
        i, j = ends[a]
        expr = m.alpha[i] - m.alpha[j]
        if a in m.F:
            expr += m.beta[a]
        if a in m.I:
            expr += m.gamma[a]
        return expr >= 0

    m.arc = pyo.Constraint(m.A, rule=arc_rule)
    m.source_sink = pyo.Constraint(expr=m.alpha[d.sink] - m.alpha[d.source] >= 1)
    m.budget = pyo.Constraint(expr=sum(d.action[a][1] * m.gamma[a] for a in m.I) <= d.budget)
    return m, {a: m.gamma[a] for a in cut}


def mxsp_model(d: GridData) -> tuple[Any, dict[str, Any]]:
    """Israeli & Wood's MXSP-D (module docstring) and its x variables by arc."""
    import pyomo.environ as pyo

    ends = {a: (i, j) for a, i, j in d.arcs}
    m = pyo.ConcreteModel(name="israeli-wood-2002-mxsp-d")
    m.N = pyo.Set(initialize=d.nodes)
    m.A = pyo.Set(initialize=[a for a, _, _ in d.arcs])
    m.I = pyo.Set(initialize=list(d.action))
    m.pi = pyo.Var(m.N, within=pyo.NonNegativeReals)
    m.x = pyo.Var(m.I, within=pyo.Binary)
    m.pi[d.source].fix(0)
    m.path_length = pyo.Objective(expr=m.pi[d.sink], sense=pyo.maximize)

    def arc_rule(m: Any, a: str) -> Any:
        i, j = ends[a]
        expr = m.pi[j] - m.pi[i]
        if a in m.I:
            expr -= d.delay[a] * m.x[a]
        return expr <= d.number[a]

    m.arc = pyo.Constraint(m.A, rule=arc_rule)
    m.budget = pyo.Constraint(expr=sum(d.action[a][1] * m.x[a] for a in m.I) <= d.budget)
    return m, {a: m.x[a] for a in d.action}


@dataclass(frozen=True)
class TextbookResult:
    """The textbook peer's answer, in the engine's terms (the smuggler's value)."""

    termination: Termination
    value: float | None  # the smuggler's value under the plan found
    bound: float | None  # proven lower bound on the smuggler's value
    gap: float | None
    plan: dict[str, int]
    nodes: int
    build_s: float  # stating the Pyomo model from the instance records
    solve_s: float  # Pyomo's solve call (its transfer to HiGHS included)
    model_objective: float | None  # the MILP's own objective (max flow or path length)
    columns: int
    rows: int


def solve_textbook(inst: Instance, options: SolveOptions | None = None) -> TextbookResult:
    """Build the textbook MILP of ``inst`` and solve it (module docstring)."""
    import pyomo.environ as pyo

    from ..solvers.pyomo import solve_concrete

    t0 = time.perf_counter()
    d = grid_data(inst)
    model, chosen = (wood_model if d.kind == "max_flow" else mxsp_model)(d)
    build = time.perf_counter() - t0
    arcs = list(chosen)
    raw = solve_concrete(model, [chosen[a] for a in arcs], options)
    plan = {} if raw.values is None else \
        {d.action[a][0]: 1 for a, v in zip(arcs, raw.values) if v > 0.5}
    # a longer path is a smaller value: the MILP's upper bound on the path length is a
    # lower bound on the smuggler's value
    value, bound = _engine_terms(d, raw.objective), _engine_terms(d, raw.bound)
    gap = None
    if value is not None and bound is not None:
        gap = max(0.0, value - bound) / max(abs(value), 1e-9)
    size = (sum(1 for _ in model.component_data_objects(pyo.Var, active=True)),
            sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True)))
    return TextbookResult(raw.termination, value, bound, gap, dict(sorted(plan.items())),
                          raw.node_count, build, raw.seconds, raw.objective, *size)


def _engine_terms(d: GridData, objective: float | None) -> float | None:
    """The smuggler's value for the MILP's objective (max flow, or path length)."""
    if objective is None:
        return None
    if d.kind == "max_flow":
        return d.unit_value * objective
    return d.units * (d.unit_value - objective)
