"""The certificate: every reported plan is re-checked by solving the smuggler's problem
alone with the plan fixed (docs/model.md §7).

Checks, with tol = 1e-6 · max(1, scale) (scale: the objective before any action):
1. the plan keeps every budget and takes at most one level per action;
2. the plan's objective is evaluated afresh (``certify.evaluate``): the smuggler's LP in
   every scenario block, each response verified by ``response.check_flows``;
3. the MILP does not understate the plan: that objective ≤ the MILP's claim + tol (weak
   duality for the value; for harm, the MILP's response is one of the smuggler's optimal
   responses, so its harm bounds the tie-break's from the right side);
4. the bound is valid: that objective ≥ the proven bound − tol;
5. if the solver says optimal and the formulation's claim is exact: that objective equals
   the claim within tol plus the allowed gap.

A plan that fails any check raises ``CertificateError``: it is never a result, so a
``Certificate`` exists only for a plan that passed, and ``checks`` lists what was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..compile.network import CompiledNetwork, Plan
from ..errors import CertificateError
from ..options import SolveOptions
from .evaluate import PlanEvaluation

#: relative tolerance of every comparison, times max(1, scale)
REL_TOL = 1e-6


@dataclass(frozen=True)
class Certificate:
    """What was checked about a plan that passed (a failed check raises instead)."""

    measure: str  # what ``plan_value`` measures: "smuggler's value", "harm (optimistic)" …
    plan_value: float  # the plan's objective, re-evaluated with the plan fixed
    claimed_value: float | None  # the MILP's objective for the plan
    bound: float | None  # proven lower bound on the best plan's objective
    gap: float | None  # (plan_value − bound) / |plan_value|
    tolerance: float
    checks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def relative_gap(value: float, bound: float | None, scale: float) -> float | None:
    if bound is None:
        return None
    diff = max(0.0, value - bound)
    if diff <= 1e-12 * max(1.0, scale):
        return 0.0
    return diff / max(abs(value), 1e-9 * max(1.0, scale))


def check_budgets(net: CompiledNetwork, plan: Plan, budgets: Mapping[str, float]) -> None:
    """Check 1: at most one level per action, and every budget kept."""
    x = plan.binaries(net)
    levels = np.bincount(net.binary_action, weights=x, minlength=len(net.action_ids))
    several = np.flatnonzero(levels > 1)
    if len(several):
        raise CertificateError(f"plan takes several levels of action "
                               f"'{net.action_ids[int(several[0])]}'")
    spend = plan.spend(net)
    for rid, limit in budgets.items():
        if spend[rid] > limit + 1e-9 * max(1.0, abs(limit)):
            raise CertificateError(f"plan spends {spend[rid]:g} of '{rid}' but the budget is "
                                   f"{limit:g}")


def certify(net: CompiledNetwork, evaluation: PlanEvaluation, *, budgets: Mapping[str, float],
            claimed: float | None, bound: float | None, optimal: bool, exact_claim: bool,
            scale: float, measure: str, blocks: int = 1,
            options: SolveOptions | None = None) -> Certificate:
    """Check the evaluated plan against the MILP's claims (module docstring); return the
    certificate or raise ``CertificateError``. ``evaluation`` must come from a fresh
    evaluation of the plan (check 2)."""
    options = options or SolveOptions()
    plan = evaluation.plan
    tol = REL_TOL * max(1.0, abs(scale))
    check_budgets(net, plan, budgets)
    checks = ["budgets and exclusive levels kept",
              "smuggler's LP re-solved with the plan fixed; flows verified"
              + (f" (in each of {blocks} scenario blocks)" if blocks > 1 else "")]
    value = float(evaluation.objective)
    if not np.isfinite(value):
        raise CertificateError(f"plan {plan}: its {measure} evaluates to {value}")
    if claimed is not None:
        if value > claimed + tol:
            raise CertificateError(
                f"plan {plan}: its {measure} is {value:.10g}, more than the MILP's "
                f"{claimed:.10g} (by {value - claimed:.3g} > tolerance {tol:.3g})")
        checks.append(f"{measure} ≤ MILP objective")
    if bound is not None:
        if value < bound - tol:
            raise CertificateError(
                f"plan {plan}: its {measure} is {value:.10g}, below the proven bound "
                f"{bound:.10g}: the bound is invalid")
        checks.append(f"{measure} ≥ proven bound")
    if optimal and exact_claim and claimed is not None:
        allowed = tol + options.rel_gap * max(1.0, abs(claimed)) + (options.abs_gap or 0.0)
        if abs(value - claimed) > allowed:
            raise CertificateError(
                f"plan {plan}: the MILP reports {claimed:.10g} as optimal but the plan's "
                f"{measure} is {value:.10g} (difference {abs(value - claimed):.3g} > "
                f"{allowed:.3g})")
        checks.append(f"{measure} = MILP objective (optimal)")
    return Certificate(measure, value, claimed, bound, relative_gap(value, bound, scale), tol,
                       tuple(checks))
