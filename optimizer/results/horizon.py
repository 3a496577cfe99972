"""The result of a horizon solve: the schedule, and each period's outcome before and after.

Built from a certified schedule (``pipeline.Finished`` over a ``compile.horizon``
problem): every figure comes from the certificate's fresh evaluation (after) and the
baseline (before), per block (scenario, period); nothing is re-solved here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..certify.certificate import Certificate
from ..certify.evaluate import PlanEvaluation
from ..compile.network import Plan
from ..instance.units import BARE_UNITS, Unit, Units
from ..options import SolutionStatus, Termination
from .types import Response, Timings, _clean

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.horizon import HorizonProblem
    from ..pipeline import Finished


@dataclass(frozen=True)
class ScheduledStart:
    """One start of the schedule: ``action`` at ``level`` started in period ``start``;
    it acts in ``active`` periods with ``strength`` (per period of the horizon, 0 where it
    does not act) and costs ``cost[resource][t]`` in period t. In words
    (``studies.horizon.describe_start``): what it ``does`` (one sentence per effect) and
    how it ``acts`` over time (strengths, regeneration, when its cost is paid)."""

    action: str
    name: str
    level: int
    label: str
    start: str
    active: tuple[str, ...]
    strength: tuple[float, ...]
    cost: dict[str, tuple[float, ...]]
    repeat: bool
    does: tuple[str, ...] = ()
    acts: str = ""

    @property
    def spent(self) -> dict[str, float]:
        """Resource → what the start costs over the horizon (its cost summed over the
        periods)."""
        return {r: float(sum(v)) for r, v in self.cost.items()}

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self), "does": list(self.does), "spent": self.spent}


@dataclass(frozen=True)
class PeriodOutcome:
    """One period: the smuggler's value and deliveries before and after the schedule
    (expected over scenarios), the spend and budget of each resource, what is carried
    over to the next period, and each scenario's value (before, after)."""

    period: str
    weight: float  # δ^t
    value_before: float
    value_after: float
    delivered_before: dict[str, float]
    delivered_after: dict[str, float]
    spend: dict[str, float]
    budget: dict[str, float]
    carried: dict[str, float]
    by_scenario: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def reduction(self) -> float:
        return 0.0 if self.value_before <= 0 else 1.0 - self.value_after / self.value_before


def summed_unit(unit: Unit, period: str) -> Unit:
    """The unit of a sum over periods (``year``, ``quarter``) of figures in ``unit``: a rate
    per period (``US$ thousand per year`` over years) summed is an amount (``US$
    thousand``); any other unit is kept."""
    suffix = f" per {period}"
    if not unit.name.endswith(suffix):
        return unit
    return Unit(unit.name.removesuffix(suffix), unit.scale)


@dataclass(frozen=True)
class HorizonResult:
    """Everything about one horizon solve. ``objective_after`` is the certified objective
    (the risk measure over scenarios of the discounted sum of the period values);
    ``bound`` a proven lower bound on the best schedule's objective."""

    instance: str
    instance_path: str
    unit: str
    discount: float
    carry_over: bool
    termination: Termination
    status: SolutionStatus
    plan: Plan  # the start binaries taken ("action@period": level)
    schedule: tuple[ScheduledStart, ...]
    periods: tuple[PeriodOutcome, ...]
    totals: dict[str, tuple[float, float]]  # resource → (limit, spent) over the horizon
    objective_before: float
    objective_after: float
    bound: float | None
    gap: float | None
    certificate: Certificate
    timings: Timings
    model_size: dict[str, int]
    node_count: int
    method: str
    risk: str
    resource_units: dict[str, str]
    commodity_units: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: what the figures are counted in (the instance's units)
    units: Units = BARE_UNITS

    @property
    def optimal(self) -> bool:
        return self.status == SolutionStatus.OPTIMAL

    @property
    def reduction(self) -> float:
        if self.objective_before <= 0:
            return 0.0
        return 1.0 - self.objective_after / self.objective_before

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(p.period for p in self.periods)

    def summed(self, unit: Unit) -> Unit:
        """The unit of a sum over the periods of figures in ``unit`` (``summed_unit``)."""
        return summed_unit(unit, self.unit)

    @property
    def total_unit(self) -> Unit:
        """The unit of the objective (the discounted sum of the period values)."""
        return self.summed(self.units.value)

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "instance": self.instance, "instance_path": self.instance_path,
            "method": self.method, "termination": self.termination.value,
            "status": self.status.value, "optimal": self.optimal,
            "horizon": {"periods": list(self.labels), "unit": self.unit,
                        "discount": self.discount, "carry_over": self.carry_over},
            "plan": self.plan.as_dict(),
            "schedule": [s.to_dict() for s in self.schedule],
            "periods": [{**vars(p), "reduction": p.reduction} for p in self.periods],
            "totals": {r: {"limit": lim, "spent": spent}
                       for r, (lim, spent) in self.totals.items()},
            "objective_before": self.objective_before,
            "objective_after": self.objective_after, "reduction": self.reduction,
            "units": self.units.to_dict(), "objective_unit": self.total_unit.to_dict(),
            "bound": self.bound, "gap": self.gap, "risk": self.risk,
            "certificate": self.certificate.to_dict(), "timings": vars(self.timings),
            "model_size": self.model_size, "node_count": self.node_count,
            "resource_units": self.resource_units, "commodity_units": self.commodity_units,
            "options": self.options, "notes": list(self.notes),
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"


def scheduled_starts(problem: HorizonProblem, plan: Plan) -> tuple[ScheduledStart, ...]:
    """The plan's starts, by start period then action, each described in words."""
    from ..studies.horizon import describe_start

    st = problem.st
    labels = problem.labels
    inst = problem.instance
    out = []
    for i in problem.schedule(plan):
        act = inst.actions[int(st.action[i])]
        lv = int(st.level[i])
        s = int(st.period[i])
        active = labels[s:s + act.timing_of(lv).active_periods(len(labels))]
        strength = tuple(float(v) for v in st.strength[i])
        does, acts = describe_start(inst, act, lv, labels[s], active, strength, labels,
                                    problem.hz.unit)
        out.append(ScheduledStart(
            act.id, act.name, lv + 1, act.levels[lv].label, labels[s], active, strength,
            {r.id: tuple(float(st.cost[i, k] * p) for p in st.pays[i])
             for k, r in enumerate(inst.resources) if st.cost[i, k] > 0},
            bool(act.timing is not None and act.timing.repeat), does, acts))
    return tuple(sorted(out, key=lambda x: (labels.index(x.start), x.action)))


def period_outcomes(problem: HorizonProblem, baseline: PlanEvaluation,
                    after: PlanEvaluation) -> tuple[PeriodOutcome, ...]:
    """Per period: expected values and deliveries over the scenarios, spend and budgets."""
    labels = problem.labels
    weights = problem.hz.weights()
    spend = problem.spend(after.plan)
    inst = problem.instance
    carried = np.zeros_like(spend)
    if problem.hz.carry_over:  # unspent money at the end of each period, carried forward
        carried = np.cumsum(problem.per_period - spend, axis=1)
    several = len(problem.scenario_ids) > 1
    out = []
    for t, label in enumerate(labels):
        blocks = [b for b in range(len(problem.scenarios)) if problem.block_period[b] == t]
        probs = [problem.scenarios[b].probability for b in blocks]

        def delivered(ev: PlanEvaluation, blocks=blocks, probs=probs) -> dict[str, float]:
            parts = [(p, Response.from_solution(problem.scenarios[b].net, ev.responses[b],
                                                max_routes=0))
                     for p, b in zip(probs, blocks)]
            return dict(sorted(Response.expected(parts).delivered_by_commodity.items()))

        out.append(PeriodOutcome(
            label, weights[t],
            float(sum(p * baseline.values[b] for p, b in zip(probs, blocks))),
            float(sum(p * after.values[b] for p, b in zip(probs, blocks))),
            delivered(baseline), delivered(after),
            {r.id: float(spend[i, t]) for i, r in enumerate(inst.resources)},
            {r.id: float(problem.per_period[i, t]) for i, r in enumerate(inst.resources)},
            {r.id: float(carried[i, t]) for i, r in enumerate(inst.resources)
             if problem.hz.carry_over and r.kind == "budget"},
            {problem.scenario_ids[problem.block_scenario[b]]:
             (float(baseline.values[b]), float(after.values[b])) for b in blocks}
            if several else {}))
    return tuple(out)


def horizon_result(problem: HorizonProblem, baseline: PlanEvaluation, finished: Finished, *,
                   method: str, model_size: dict[str, int], options: dict[str, Any],
                   timings: dict[str, float], notes: tuple[str, ...] = ()) -> HorizonResult:
    inst = problem.instance
    plan = finished.plan
    spent = problem.spend(plan).sum(axis=1)
    rids = [r.id for r in inst.resources]
    return HorizonResult(
        instance=inst.name, instance_path=inst.path, unit=problem.hz.unit,
        discount=problem.hz.discount, carry_over=problem.hz.carry_over,
        termination=finished.raw.termination, status=finished.status, plan=plan,
        schedule=scheduled_starts(problem, plan),
        periods=period_outcomes(problem, baseline, finished.evaluation),
        totals={r: (float(v), float(spent[rids.index(r)])) for r, v in problem.totals.items()},
        objective_before=float(baseline.objective),
        objective_after=float(finished.evaluation.objective), bound=finished.bound,
        gap=finished.certificate.gap, certificate=finished.certificate,
        timings=Timings(**timings), model_size=model_size,
        node_count=finished.raw.node_count, method=method,
        risk=problem.risk.value if len(problem.scenario_ids) > 1 else "expected",
        resource_units={r.id: r.unit for r in inst.resources},
        commodity_units={c.id: c.unit for c in inst.commodities},
        options=options, notes=tuple(notes) + finished.notes, units=Units.of(inst))


__all__ = ["HorizonResult", "PeriodOutcome", "ScheduledStart", "horizon_result", "summed_unit"]
