"""Zero-sum plan versus harm plan: what each delivers and how much harm it leaves.

The paper's warning (Conclusion): pressure on heroin can push the cartels further into
fentanyl. The zero-sum plan minimises the smuggler's value; the harm plan minimises harm
while the smuggler still maximises its value. Evaluating both plans under both
tie-breaking rules shows whether the zero-sum plan raises fentanyl deliveries and how the
harm plan avoids it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..certify.harm import harm_range
from ..compile.network import Plan
from ..options import SolveOptions, Termination
from ..pipeline import ModelTarget, as_problem, solve
from ..results.types import InterdictionResult
from .harm import solve_harm


@dataclass(frozen=True)
class PlanOutcome:
    label: str
    plan: Plan
    mode: str  # tie-break under which deliveries and harm are counted
    smuggler_value: float
    delivered: dict[str, float]  # per commodity (expected over scenarios)
    harm: dict[str, float]  # per commodity
    total_harm: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "plan": self.plan.as_dict(), "mode": self.mode,
                "smuggler_value": self.smuggler_value,
                "delivered": dict(sorted(self.delivered.items())),
                "harm": dict(sorted(self.harm.items())), "total_harm": self.total_harm}


@dataclass(frozen=True)
class Shift:
    """A commodity a plan pushes the smuggler into: more of it delivered under the plan
    than with no action, under the same tie-break (substitution)."""

    label: str
    mode: str
    commodity: str
    before: float  # expected units delivered with no action
    after: float  # … under the plan

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.label, "mode": self.mode, "commodity": self.commodity,
                "before": self.before, "after": self.after}


#: a rise counts when it exceeds this fraction of the no-action deliveries (and 1e-6 units)
RISE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class HarmComparison:
    harm_results: dict[str, InterdictionResult]  # by tie-break mode
    zero_sum: InterdictionResult
    outcomes: tuple[PlanOutcome, ...]

    def shifts(self) -> tuple[Shift, ...]:
        """Every (plan, tie-break, commodity) whose deliveries rise above the no-action
        plan's under the same tie-break: the paper's warning, measured (suppressing one
        drug pushes the smuggler into another)."""
        base = {o.mode: o for o in self.outcomes if o.label == "no action"}
        out = []
        for o in self.outcomes:
            if o.label == "no action":
                continue
            for k, after in sorted(o.delivered.items()):
                before = base[o.mode].delivered.get(k, 0.0)
                if after - before > RISE_TOLERANCE * max(1.0, abs(before)):
                    out.append(Shift(o.label, o.mode, k, before, after))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {"harm": {m: r.to_dict() for m, r in self.harm_results.items()},
                "zero_sum": self.zero_sum.to_dict(),
                "comparison": [o.to_dict() for o in self.outcomes],
                "rises": [s.to_dict() for s in self.shifts()]}


def plan_outcome(problem, plan: Plan, mode: str, label: str) -> PlanOutcome:
    """Deliveries and harm per commodity of ``plan`` when the smuggler breaks ties ``mode``."""
    net = problem.net
    x = plan.binaries(net)
    delivered: dict[str, float] = {}
    harm: dict[str, float] = {}
    ranges = []
    for sc in problem.scenarios:
        r = harm_range(sc.net, x)
        ranges.append(r)
        sol = r.response(mode)
        for k, d, h in zip(sc.net.del_comm, sol.delivered, sc.net.del_harm):
            key = sc.net.comm_ids[k]
            delivered[key] = delivered.get(key, 0.0) + sc.probability * float(d)
            harm[key] = harm.get(key, 0.0) + sc.probability * float(d * h)
    return PlanOutcome(label, plan, mode, problem.combine([r.value for r in ranges]), delivered,
                       harm, problem.combine([r.harm(mode) for r in ranges]))


def focused(problem, commodity: str):
    """The problem with the planner caring only about units of ``commodity`` delivered
    (harm 1 per unit of it, 0 for the rest): the plan a campaign against that drug picks."""
    from dataclasses import replace

    if commodity not in problem.net.comm_ids:
        from ..errors import InstanceError, Problem

        raise InstanceError([Problem(problem.instance.path, f"commodity '{commodity}'", None,
                                     f"unknown commodity (commodities: "
                                     f"{', '.join(problem.net.comm_ids)})", None)])
    k = problem.net.comm_ids.index(commodity)
    scen = [replace(sc, net=replace(sc.net, del_harm=(sc.net.del_comm == k).astype(float),
                                    _cache=sc.net._cache)) for sc in problem.scenarios]
    return replace(problem, scenarios=scen)


def compare_harm(source, options: SolveOptions | None = None, *,
                 modes: tuple[str, ...] = ("optimistic", "pessimistic"),
                 budgets: Mapping[str, float] | None = None, risk: str | None = None,
                 alpha: float | None = None, focus: tuple[str, ...] = (),
                 write_model: ModelTarget | None = None,
                 explain: bool = False) -> HarmComparison:
    """Solve the harm plan for each tie-break and the zero-sum plan, and evaluate all.
    ``focus`` adds, per commodity, the plan that minimises that commodity's deliveries
    (e.g. a heroin-focused campaign), evaluated with the true harm weights.
    ``write_model``: export the first tie-break's MILP there. ``explain``: explain each
    harm plan (``studies.explain``)."""
    problem = as_problem(source, budgets, risk=risk, alpha=alpha)
    harm_results: dict[str, InterdictionResult] = {}
    for i, m in enumerate(modes):
        # the pessimistic solve's lower bound is the optimistic one's, when just solved
        known = harm_results.get("optimistic")
        harm_results[m] = solve_harm(problem, options, mode=m,
                                     write_model=write_model if i == 0 else None,
                                     explain=explain,
                                     optimistic_bound=None if known is None else known.bound)
        if harm_results[m].termination == Termination.INTERRUPTED:
            raise KeyboardInterrupt  # Ctrl-C stopped a solve: no comparison to make
    zero = solve(problem, options)
    focus_plans = {k: solve_harm(focused(problem, k), options, mode="optimistic").plan
                   for k in focus}
    outcomes = []
    for m in modes:
        outcomes.append(plan_outcome(problem, Plan.of({}), m, "no action"))
        outcomes.append(plan_outcome(problem, zero.plan, m, "zero-sum plan"))
        for k, plan in focus_plans.items():
            outcomes.append(plan_outcome(problem, plan, m, f"{k}-focused plan"))
        outcomes.append(plan_outcome(problem, harm_results[m].plan, m, f"harm plan ({m})"))
    return HarmComparison(harm_results, zero, tuple(outcomes))
