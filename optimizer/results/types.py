"""Typed results of a solve, and their JSON form."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..certify.certificate import Certificate
from ..certify.response import SmugglerSolution
from ..compile.network import CompiledNetwork, Plan
from ..instance.units import Units
from ..options import SolutionStatus, Termination
from .explain import Explanation
from .routes import Route, decompose_routes
from .seizures import group_totals, seized_units


@dataclass(frozen=True)
class ChosenAction:
    action: str
    level: int
    label: str
    name: str
    cost: dict[str, float]


@dataclass(frozen=True)
class Response:
    """The smuggler's best response to one plan, summarised."""

    value: float
    delivered: dict[tuple[str, str], float]  # (market, commodity) → units
    delivered_by_commodity: dict[str, float]
    supply_used: dict[tuple[str, str], float]
    flows: dict[tuple[str, str], float]  # (arc, commodity) → units entering the arc
    seized: dict[str, float]  # commodity → expected units lost on arcs
    routes: tuple[Route, ...]
    #: (arc, commodity) → expected units seized on the arc, p·f (only those above 0)
    seized_by_arc: dict[tuple[str, str], float] = field(default_factory=dict)
    #: (group, commodity) → units seized on / delivered to the group (only those above 0)
    seized_by_group: dict[tuple[str, str], float] = field(default_factory=dict)
    delivered_by_group: dict[tuple[str, str], float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # commodity → its unit

    @staticmethod
    def from_solution(net: CompiledNetwork, sol: SmugglerSolution, eps: float = 1e-9,
                      max_routes: int = 200) -> "Response":
        scale = max(1.0, float(np.max(sol.flow, initial=0.0)))
        thr = eps * scale
        delivered = {(net.node_ids[n], net.comm_ids[k]): float(v)
                     for n, k, v in zip(net.del_node, net.del_comm, sol.delivered)}
        by_comm = dict.fromkeys(net.comm_ids, 0.0)
        for (_, k), v in delivered.items():
            by_comm[k] += v
        fc_arc, fc_comm = net.fc_arc.tolist(), net.fc_comm.tolist()  # plain ints: fast zips
        flows = {(net.arc_ids[a], net.comm_ids[k]): f
                 for a, k, f in zip(fc_arc, fc_comm, sol.flow.tolist()) if f > thr}
        seized = dict.fromkeys(net.comm_ids, 0.0)
        lost = seized_units(net, sol).tolist()
        for k, v in zip(fc_comm, lost):
            seized[net.comm_ids[k]] += v
        supply = {(net.node_ids[n], net.comm_ids[k]): float(g)
                  for n, k, g in zip(net.sup_node, net.sup_comm, sol.supply)}
        by_arc = {(net.arc_ids[a], net.comm_ids[k]): v
                  for a, k, v in zip(fc_arc, fc_comm, lost) if v > thr}
        g_seized, g_delivered = group_totals(net, sol)
        return Response(sol.value, delivered, by_comm, supply, flows, seized,
                        tuple(decompose_routes(net, sol, max_routes=max_routes)),
                        by_arc, {k: v for k, v in g_seized.items() if v > thr},
                        {k: v for k, v in g_delivered.items() if v > thr},
                        {c.id: c.unit for c in net.instance.commodities})

    @staticmethod
    def expected(parts: list[tuple[float, "Response"]]) -> "Response":
        """The probability-weighted response over scenarios (expected units and routes)."""
        if len(parts) == 1 and parts[0][0] == 1.0:
            return parts[0][1]

        def mix(attr: str) -> dict:
            out: dict = {}
            for p, r in parts:
                for k, v in getattr(r, attr).items():
                    out[k] = out.get(k, 0.0) + p * v
            return out

        routes: dict[tuple, Route] = {}
        for p, r in parts:
            for rt in r.routes:
                key = (rt.origin, rt.market, rt.commodity, rt.describe())
                if key in routes:
                    o = routes[key]
                    routes[key] = Route(o.origin, o.origin_commodity, o.market, o.commodity,
                                        o.units_delivered + p * rt.units_delivered,
                                        o.units_shipped + p * rt.units_shipped,
                                        o.value + p * rt.value, o.steps)
                else:
                    routes[key] = Route(rt.origin, rt.origin_commodity, rt.market, rt.commodity,
                                        p * rt.units_delivered, p * rt.units_shipped,
                                        p * rt.value, rt.steps)
        ordered = sorted(routes.values(),
                         key=lambda x: (-x.value, -x.units_delivered, x.describe()))
        units: dict[str, str] = {}
        for _, r in parts:
            units.update(r.units)
        return Response(sum(p * r.value for p, r in parts), mix("delivered"),
                        mix("delivered_by_commodity"), mix("supply_used"), mix("flows"),
                        mix("seized"), tuple(ordered), mix("seized_by_arc"),
                        mix("seized_by_group"), mix("delivered_by_group"), units)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "delivered": [{"market": m, "commodity": k, "units": v}
                          for (m, k), v in sorted(self.delivered.items())],
            "delivered_by_commodity": dict(sorted(self.delivered_by_commodity.items())),
            "seized_by_commodity": dict(sorted(self.seized.items())),
            "seized": [{"arc": a, "commodity": k, "units": v, "unit": self.units.get(k, "")}
                       for (a, k), v in sorted(self.seized_by_arc.items())],
            "seized_by_group": [{"group": g, "commodity": k, "units": v,
                                 "unit": self.units.get(k, "")}
                                for (g, k), v in sorted(self.seized_by_group.items())],
            "delivered_by_group": [{"group": g, "commodity": k, "units": v,
                                    "unit": self.units.get(k, "")}
                                   for (g, k), v in sorted(self.delivered_by_group.items())],
            "supply_used": [{"node": n, "commodity": k, "units": v}
                            for (n, k), v in sorted(self.supply_used.items())],
            "flows": [{"arc": a, "commodity": k, "units": v}
                      for (a, k), v in sorted(self.flows.items())],
            "routes": [r.to_dict() for r in self.routes],
        }


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario (or a block of merged scenarios) before and after the plan."""

    id: str
    probability: float
    members: tuple[str, ...]
    value_before: float
    value_after: float
    delivered_before: dict[str, float]
    delivered_after: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "probability": self.probability, "members": list(self.members),
                "value_before": self.value_before, "value_after": self.value_after,
                "delivered_before": dict(sorted(self.delivered_before.items())),
                "delivered_after": dict(sorted(self.delivered_after.items()))}


@dataclass(frozen=True)
class HarmSummary:
    """The planner's harm (harm objective): ``harm_after`` is the certified harm of the plan
    under the tie-breaking ``mode``; both tie-breaks of the plan are given for comparison."""

    mode: str  # optimistic | pessimistic
    harm_before: float
    harm_after: float
    optimistic_after: float
    pessimistic_after: float
    bound: float | None
    gap: float | None
    by_commodity_before: dict[str, float]
    by_commodity_after: dict[str, float]
    epsilon: float  # the pessimistic tie-break perturbation (0 for optimistic)

    def to_dict(self) -> dict[str, Any]:
        d = dict(vars(self))
        d["by_commodity_before"] = dict(sorted(self.by_commodity_before.items()))
        d["by_commodity_after"] = dict(sorted(self.by_commodity_after.items()))
        return d


@dataclass(frozen=True)
class BeliefFigures:
    """One plan's counted response (expected over scenarios), as the smuggler believes it
    and as it truly is (docs/model.md §13)."""

    believed_value: float  # V̂: the smuggler's value with the data it believes
    true_value: float  # V: less the unexpected losses it makes good at replacement value
    believed_seized: float  # expected units seized at the seizure rates it believes
    true_seized: float  # S: expected units seized at the true rates
    harm: float  # H = Σ h d: deliveries as planned


@dataclass(frozen=True)
class BeliefsSummary:
    """A solve where the smuggler plans with the data it believes: what the defender
    minimised (``objective``: value = the smuggler's true value, or harm) under the
    tie-break ``mode``, and the counted response before and after the plan."""

    objective: str
    mode: str
    before: BeliefFigures
    after: BeliefFigures
    epsilon: float  # the pessimistic tie-break perturbation (0 for optimistic)

    def to_dict(self) -> dict[str, Any]:
        return {"objective": self.objective, "mode": self.mode, "epsilon": self.epsilon,
                "before": vars(self.before), "after": vars(self.after)}


@dataclass(frozen=True)
class Timings:
    build: float  # compile the instance, state the MILP, hand it to the solver
    solve: float  # the MILP solve
    check: float  # the certificate (re-solve the smuggler's LP with the plan fixed)
    baseline: float  # the smuggler's LP before any action
    total: float


@dataclass(frozen=True)
class InterdictionResult:
    """Everything about one solve. ``value_after`` is the certified smuggler value under
    ``plan``; ``bound`` a proven lower bound on the best plan's value."""

    instance: str
    instance_path: str
    termination: Termination
    status: SolutionStatus
    plan: Plan
    actions: tuple[ChosenAction, ...]
    spend: dict[str, float]
    budgets: dict[str, float]
    value_before: float
    value_after: float
    bound: float | None
    gap: float | None
    before: Response
    after: Response
    certificate: Certificate
    timings: Timings
    model_size: dict[str, int]
    node_count: int
    method: str
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    risk: str = "expected"
    cvar_alpha: float | None = None
    scenarios: tuple[ScenarioOutcome, ...] = ()
    harm: HarmSummary | None = None
    beliefs: BeliefsSummary | None = None
    #: what the figures are counted in (the instance's units)
    units: Units = Units()
    #: what each action does and buys, what the plan displaces (``solve(explain=True)``)
    explanation: Explanation | None = None

    @property
    def optimal(self) -> bool:
        return self.status == SolutionStatus.OPTIMAL

    @property
    def reduction(self) -> float:
        """Fraction of the smuggler's value the plan removes."""
        if self.value_before <= 0:
            return 0.0
        return 1.0 - self.value_after / self.value_before

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "instance": self.instance,
            "instance_path": self.instance_path,
            "method": self.method,
            "termination": self.termination.value,
            "status": self.status.value,
            "optimal": self.optimal,
            "plan": self.plan.as_dict(),
            "actions": [vars(a) for a in self.actions],
            "spend": self.spend,
            "budgets": self.budgets,
            "value_before": self.value_before,
            "value_after": self.value_after,
            "reduction": self.reduction,
            "bound": self.bound,
            "gap": self.gap,
            "certificate": self.certificate.to_dict(),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "timings": vars(self.timings),
            "model_size": self.model_size,
            "node_count": self.node_count,
            "options": self.options,
            "notes": list(self.notes),
            "risk": self.risk,
            "cvar_alpha": self.cvar_alpha,
            "scenarios": [s.to_dict() for s in self.scenarios],
            "harm": None if self.harm is None else self.harm.to_dict(),
            "beliefs": None if self.beliefs is None else self.beliefs.to_dict(),
            "units": self.units.to_dict(),
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def to_frames(self) -> dict[str, Any]:
        """The result as pandas DataFrames by name: plan, delivered, markets, flows, routes,
        scenarios (``results.frames``; needs the optional dependency pandas)."""
        from .frames import result_frames

        return result_frames(self)


def _clean(obj: Any) -> Any:
    """JSON-safe: tuples → lists, numpy → Python, inf/nan → strings."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if hasattr(obj, "value") and isinstance(obj.value, str):
        return obj.value
    return obj
