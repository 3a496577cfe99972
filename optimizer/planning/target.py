"""Target mode: the cheapest plan, in one resource (other budgets fixed), that brings a
measure of the smuggler's response down to a target.

The *target constraint* is pluggable: a ``TargetConstraint`` knows the measure's level with
no action, turns "reduce by 50%" into a limit, finds the cheapest plan meeting the limit
(``cheapest``) and measures any plan (``level``). Registered kinds (``TARGETS``):

- ``value``: the smuggler's value. The constraint is  dual objective ≤ limit, which is
  exact by strong duality (``PlanningSession.cheapest``).
- a commodity id (units of that commodity delivered): the smuggler still maximises its
  value, so the count depends on its response; the target is stated with the bilevel
  formulation (``formulation/bilevel.py``: primal + dual + strong duality), counting the
  *most* delivered among the smuggler's optimal responses (pessimistic: the plan meets the
  target whatever the smuggler's tie-break), and certified by re-solving the smuggler's LP
  and then its most harmful optimal response (``certify.harm.harm_range``).

Rule: with the resource unlimited (every action affordable in it) and the other budgets
fixed, solve the best plan; if even that misses the limit, the target is unreachable and
the best reachable reduction is reported (with the cheapest plan reaching it). Otherwise
the cheapest spend c* reaching the limit is found, and the reported plan is the best plan
at budget c* (its level is ≤ the limit, its spend is c*).
"""

from __future__ import annotations

import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..compile.network import Plan
from ..errors import InterdictError, SolveError, UsageError
from .points import PointResult
from .session import CheapestPlan, PlanningSession


class TargetNotSupported(InterdictError):
    """A target kind that the engine cannot state exactly yet."""


class TargetConstraint(ABC):
    """One kind of target (see the module docstring)."""

    kind: str

    def __init__(self, reduction: float):
        if not (0 < reduction <= 1):
            raise UsageError(f"a reduction must be in (0%, 100%], got {reduction:.4%}")
        self.reduction = reduction

    @abstractmethod
    def reference(self, session: PlanningSession) -> float:
        """The measure with no action."""

    def limit(self, session: PlanningSession) -> float:
        """The level a plan must reach: (1 − reduction) × reference."""
        return (1.0 - self.reduction) * self.reference(session)

    @abstractmethod
    def level(self, session: PlanningSession, point: PointResult) -> float:
        """The measure for a described plan."""

    @abstractmethod
    def cheapest(self, session: PlanningSession, resource: str, limit: float,
                 budgets: Mapping[str, float], start: Plan | None) -> CheapestPlan | None:
        """The cheapest plan in ``resource`` within ``budgets`` meeting ``limit``."""

    def best(self, session: PlanningSession, budgets: Mapping[str, float]) -> PointResult:
        """The plan with the lowest level within ``budgets`` (certified)."""
        return session.solve(budgets)

    def point_at(self, session: PlanningSession, resource: str, found: CheapestPlan
                 ) -> PointResult:
        """The plan to report at the cheapest spend: the best plan for the smuggler's value
        at that budget (it meets the limit too)."""
        return session.solve({resource: found.cost}, start=found.plan)

    def describe(self) -> str:
        return f"{self.kind} reduced by {self.reduction * 100:g}%"


class ValueTarget(TargetConstraint):
    """The smuggler's value ≤ (1 − reduction) × its value with no action."""

    kind = "value"

    def reference(self, session: PlanningSession) -> float:
        return session.value_before

    def level(self, session: PlanningSession, point: PointResult) -> float:
        return point.value

    def cheapest(self, session, resource, limit, budgets, start):
        return session.cheapest(resource, limit, budgets, start=start)


class CommodityTarget(TargetConstraint):
    """Units of one commodity delivered ≤ (1 − reduction) × units with no action, counted
    in the smuggler's most delivering optimal response (module docstring)."""

    MODE = "pessimistic"

    def __init__(self, commodity: str, reduction: float):
        super().__init__(reduction)
        self.kind = commodity

    def _problem(self, session: PlanningSession):
        from ..studies.compare import focused

        return focused(session.problem, self.kind)

    def units(self, session: PlanningSession, plan: Plan) -> float:
        """The plan's delivered units (most delivering optimal response; expected over
        scenarios)."""
        from ..certify.harm import harm_range

        problem = self._problem(session)
        x = plan.binaries(problem.net)
        return problem.combine([harm_range(sc.net, x, session.options).high_harm
                                for sc in problem.scenarios])

    def reference(self, session):
        return self.units(session, Plan.of({}))

    def level(self, session, point):
        return self.units(session, Plan.of(point.plan))

    def best(self, session, budgets):
        from ..studies.harm import solve_harm

        B = session.budget_vector(budgets)
        r = solve_harm(self._problem(session).with_budgets(B), session.options, mode=self.MODE)
        if not r.optimal:
            raise SolveError(f"the fewest-{self.kind} solve stopped on {r.termination.value}")
        assert r.harm is not None, "a harm solve's result carries its harm summary"
        return session.point_of(r.plan, B, optimal=True, termination="optimal",
                                notes=[f"fewest {self.kind} delivered: "
                                       f"{self.quantity(session, r.harm.harm_after)} "
                                       f"({self.MODE} response)"])

    def cheapest(self, session, resource, limit, budgets, start):
        return cheapest_under_units(session, self, resource, limit, budgets)

    def point_at(self, session, resource, found):
        return session.point_of(found.plan, {resource: found.cost}, optimal=found.optimal,
                                termination="optimal" if found.optimal else "time_limit",
                                notes=[f"cheapest plan with {self.kind} delivered at most "
                                       f"{self.quantity(session, found.cap)} ({self.MODE} "
                                       "response)"])

    def quantity(self, session: PlanningSession, units: float, digits: int = 6) -> str:
        """``units`` of the commodity with its unit (``1,234.5 kg``)."""
        from ..instance.units import Units
        from ..report.units import quantity

        return quantity(units, Units.of(session.instance).commodity(self.kind), digits)

    def describe(self) -> str:
        return f"units of {self.kind} delivered reduced by {self.reduction * 100:g}%"


def cheapest_under_units(session: PlanningSession, target: CommodityTarget, resource: str,
                         limit: float, budgets: Mapping[str, float]) -> CheapestPlan | None:
    """The cheapest plan in ``resource`` whose most delivering optimal response carries at
    most ``limit`` units of the target commodity: the bilevel MILP
    (``formulation.bilevel.build_harm_milp``, harm = 1 per unit of the commodity,
    pessimistic tie-break) with the row  units ≤ limit + tol  and the resource's spend as
    objective. Certified: budgets kept and the plan's exact count ≤ limit + 2·tol."""
    import numpy as np

    from ..certify.tidy import drop_redundant
    from ..formulation.bilevel import build_harm_milp
    from ..options import SolutionStatus, Termination
    from ..solvers.base import open_session

    t0 = time.perf_counter()
    B = session.budget_vector(budgets)
    problem = target._problem(session).with_budgets(B)
    tol = 1e-6 * max(1.0, target.reference(session))
    milp = build_harm_milp(problem, target.MODE)
    units_cost = milp.model.to_matrix().cost
    cost = np.zeros(len(units_cost))
    r = session.net.resource_ids.index(resource)
    cost[milp.x_start:milp.x_start + session.net.n_binaries] = session.net.binary_cost[:, r]
    hs = open_session(milp.model, session.options)
    nz = np.flatnonzero(units_cost)
    hs.add_rows(np.array([-np.inf]), np.array([limit + tol]), np.array([0]), nz, units_cost[nz])
    hs.set_objective(cost, "min")
    hs.set_gaps(0.0, 1e-7 * max(1.0, session.max_spend(resource)))
    raw = hs.solve()
    if raw.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):
        return None
    if raw.values is None:
        raise SolveError(f"the cheapest-plan MILP ended {raw.termination.value} without a plan")
    net = session.net
    plan = Plan.from_binaries(net, raw.values[milp.x_start:milp.x_start + net.n_binaries])
    if plan.levels:
        plan, _ = drop_redundant(net, plan, limit + tol, 0.0,
                                 lambda p: target.units(session, p))
    units = target.units(session, plan)
    if not plan.fits(net, B) or units > limit + 2 * tol:
        from ..errors import CertificateError

        raise CertificateError(f"the cheapest plan for {target.quantity(session, units, 10)} ≤ "
                               f"{target.quantity(session, limit, 10)} of {target.kind} "
                               "failed its check")
    return CheapestPlan(resource, limit, plan, plan.spend(net)[resource], units, raw.bound,
                        plan.spend(net), False, False, time.perf_counter() - t0,
                        raw.status == SolutionStatus.OPTIMAL)


def make_target(kind: str, reduction: float, commodities: list[str]) -> TargetConstraint:
    """``value`` or a commodity id → its target constraint (unknown kinds raise)."""
    if kind == "value":
        return ValueTarget(reduction)
    if kind in commodities:
        return CommodityTarget(kind, reduction)
    raise UsageError(f"unknown target '{kind}': use 'value' or a commodity "
                     f"({', '.join(commodities)})")


def parse_reduction(text: str) -> float:
    """``50%`` → 0.5; ``0.5`` → 0.5 (a plain number ≤ 1 is a fraction)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(%?)\s*", text)
    if not m:
        raise UsageError(f"{text!r}: write a reduction such as 50% or 0.5")
    v = float(m.group(1))
    return v / 100.0 if m.group(2) else v


@dataclass
class TargetResult:
    """The answer of target mode (module docstring)."""

    instance: str
    instance_path: str
    target: str  # e.g. "value reduced by 50%"
    kind: str
    reduction: float
    resource: str
    reference: float  # the measure with no action
    limit: float
    reached: bool
    cost: float | None  # cheapest spend in ``resource`` reaching the limit (None: unreachable)
    point: PointResult | None  # the plan at that spend
    best: PointResult  # the best plan with the resource unlimited
    best_cost: float  # the cheapest spend reaching the best level
    best_reduction: float
    base_budgets: dict[str, float]
    seconds: float = 0.0
    run_id: int | None = None
    level: float | None = None  # the measure for ``point`` (its value or units delivered)
    best_level: float | None = None  # the measure for ``best``

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "target", "instance": self.instance, "instance_path": self.instance_path,
                "target": self.target, "measure": self.kind, "reduction": self.reduction,
                "resource": self.resource, "reference": self.reference, "limit": self.limit,
                "reached": self.reached, "cost": self.cost,
                "point": None if self.point is None else self.point.to_dict(),
                "best": self.best.to_dict(), "best_cost": self.best_cost,
                "best_reduction": self.best_reduction, "base_budgets": self.base_budgets,
                "seconds": self.seconds, "run_id": self.run_id, "level": self.level,
                "best_level": self.best_level}

    def to_json(self) -> str:
        from ..results.types import _clean

        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=True, allow_nan=False) + "\n"

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "TargetResult":
        """Inverse of ``to_dict`` (with exact numbers, as the run store keeps them)."""
        point = d["point"]
        return TargetResult(
            d["instance"], d["instance_path"], d["target"], d["measure"], d["reduction"],
            d["resource"], d["reference"], d["limit"], d["reached"], d["cost"],
            None if point is None else PointResult.from_dict(point),
            PointResult.from_dict(d["best"]), d["best_cost"], d["best_reduction"],
            dict(d["base_budgets"]), d["seconds"], d["run_id"], d["level"], d["best_level"])


@dataclass(frozen=True)
class BestChain:
    """The first chain of target mode, as a task: the best plan with ``resource`` unlimited,
    its level, and the cheapest spend reaching that level (started from the best plan).
    Returns (best point, its level, that cheapest spend)."""

    kind: str
    reduction: float
    resource: str

    def run(self, session: PlanningSession) -> tuple[PointResult, float, float]:
        target = make_target(self.kind, self.reduction, list(session.net.comm_ids))
        unlimited = {self.resource: session.max_spend(self.resource)}
        best = target.best(session, unlimited)
        if not best.optimal:
            raise SolveError(f"the solve with '{self.resource}' unlimited stopped on "
                             f"{best.termination}: target mode needs proven optimal solves")
        level = target.level(session, best)
        cheap = target.cheapest(session, self.resource, level, unlimited, Plan.of(best.plan))
        return best, level, cheap.cost if cheap is not None else best.spend[self.resource]


@dataclass(frozen=True)
class LimitChain:
    """The second chain, as a task: the cheapest plan meeting ``limit`` with ``resource``
    unlimited (solved cold: it does not wait for the first chain's plan), then the plan to
    report at its spend and that plan's level. Returns None when no plan meets the limit,
    (cost, False, None, None) when the cheapest-plan solve stopped before proving its cost
    least, else (cost, True, point, level)."""

    kind: str
    reduction: float
    resource: str
    limit: float

    def run(self, session: PlanningSession
            ) -> tuple[float, bool, PointResult | None, float | None] | None:
        target = make_target(self.kind, self.reduction, list(session.net.comm_ids))
        unlimited = {self.resource: session.max_spend(self.resource)}
        c = target.cheapest(session, self.resource, self.limit, unlimited, None)
        if c is None:
            return None
        if not c.optimal:
            return c.cost, False, None, None
        point = target.point_at(session, self.resource, c)
        return c.cost, True, point, target.level(session, point)


def cheapest_to_target(session: PlanningSession, target: TargetConstraint, resource: str,
                       executor=None) -> TargetResult:
    """Target mode on a session (module docstring).

    The work is two independent chains of solves: ``BestChain`` (the best plan and the
    cheapest spend reaching its level) runs here, on this session, while ``LimitChain``
    (the cheapest plan meeting the limit and the plan reported at its spend; the longer
    chain) runs on ``executor``, so a pool runs it side by side with the first. The second
    chain is only needed when the first shows the target reachable; it is cancelled
    otherwise (the default, serial, executor then never runs it). Each chain's result
    depends only on the session and its task, so every executor gives the same result."""
    from ..parallel import SerialExecutor
    from .tasks import run_task, spec_of, task_call

    t0 = time.perf_counter()
    if resource not in session.resource_ids:
        raise UsageError(f"unknown resource '{resource}'; this instance has "
                         f"{session.resource_ids}")
    reference = target.reference(session)
    limit = target.limit(session)
    executor = executor or SerialExecutor()
    spec = spec_of(session)
    fn, args = task_call(executor, spec, LimitChain(target.kind, target.reduction, resource,
                                                    limit))
    second = executor.submit(fn, *args)
    try:
        best, best_level, best_cost = run_task(spec, BestChain(target.kind, target.reduction,
                                                               resource))
        reached = best_level <= limit + session.tol
        found = None
        if reached:
            executor.wait_any([second])
            found = second.result()
    finally:
        if not second.done():
            executor.cancel([second])
    best_reduction = 1 - best_level / reference if reference > 0 else 0.0
    cost = point = level = None
    if reached:
        if found is None:
            raise SolveError("the target is reachable but the cheapest-plan MILP found no plan")
        cost, optimal, point, level = found
        if not optimal:
            raise SolveError("the cheapest-plan solve stopped before proving its cost least "
                             "(raise --time-limit)")
        assert level is not None
        if level > limit + 2 * session.tol:
            from ..instance.units import Units
            from ..report.units import quantity

            spend = quantity(cost, Units.of(session.instance).resource(resource), 10)
            raise SolveError(f"the best plan at the cheapest spend {spend} of {resource} misses "
                             "the target (inconsistent solves; please report)")
    return TargetResult(
        instance=session.instance.name, instance_path=session.instance.path,
        target=target.describe(), kind=target.kind, reduction=target.reduction,
        resource=resource, reference=reference, limit=limit, reached=reached, cost=cost,
        point=point, best=best, best_cost=best_cost, best_reduction=best_reduction,
        base_budgets=dict(session.base_budgets), seconds=time.perf_counter() - t0,
        level=level, best_level=best_level)


@dataclass(frozen=True)
class TargetTask:
    kind: str
    reduction: float
    resource: str

    def run(self, session: PlanningSession) -> TargetResult:
        target = make_target(self.kind, self.reduction, list(session.net.comm_ids))
        return cheapest_to_target(session, target, self.resource)


def cheapest_to_targets(source, targets: list[tuple[str, float]], resource: str, *,
                        options=None, executor=None, store=None, fresh: bool = False,
                        progress: Callable[[int, int], None] | None = None
                        ) -> list[TargetResult]:
    """Target mode for several (kind, reduction) targets, as independent tasks on
    ``executor`` (a single target: its two chains of solves, ``cheapest_to_target``), in the
    order given; ``store`` keeps each result the moment it is found
    (one run for the lot; running it again resumes). ``progress(done, total)`` after each
    target."""
    from ..parallel import SerialExecutor, drive
    from .store import recording
    from .tasks import spec_of, task_call

    session = source if isinstance(source, PlanningSession) else PlanningSession(source, options)
    comms = list(session.net.comm_ids)
    tasks = [TargetTask(kind, red, resource) for kind, red in targets]
    for t in tasks:
        make_target(t.kind, t.reduction, comms)  # unknown kinds raise before any solve
    executor = executor or SerialExecutor()
    spec = spec_of(session)
    keys = [f"target {t.kind} {t.reduction!r}" for t in tasks]
    params = {"resource": resource, "targets": [[t.kind, t.reduction] for t in tasks]}
    with recording(store, "target", spec, params, fresh=fresh) as run:
        def then(key: str, r: TargetResult) -> None:
            run.put(key, r.to_dict())
            if progress:
                progress(sum(k in run for k in keys), len(keys))

        todo = {k: t for k, t in zip(keys, tasks) if k not in run}
        if len(todo) == 1:  # one target: its two chains side by side on the executor
            ((key, task),) = todo.items()
            then(key, cheapest_to_target(session, make_target(task.kind, task.reduction, comms),
                                         resource, executor))
        else:
            drive(executor, [(k, task_call(executor, spec, t)) for k, t in todo.items()], then)
        results = [TargetResult.from_dict(run.get(k)) for k in keys]
        for r in results:
            r.run_id = run.id
        run.done({"kind": "target", "targets": [r.to_dict() for r in results]})
    return results
