"""The certificate: every reported plan is re-checked by solving the smuggler's LP alone
with the plan fixed (MODEL.md, "Certificate").

Checks, with tol = 1e-6 · max(1, value before any action):
1. the plan keeps every budget and takes at most one level per action;
2. the smuggler's LP with the plan fixed solves, and its flows pass ``check_flows``;
3. weak duality: that value ≤ the MILP's objective for the plan + tol (the MILP must not
   understate what the smuggler gets);
4. the bound is valid: that value ≥ the MILP's proven bound − tol;
5. if the solver says optimal: that value equals the MILP's objective within tol plus the
   allowed gap.

A plan that fails any check raises ``CertificateError``; it is never a result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import CertificateError
from ..compile.network import CompiledNetwork, Plan
from .response import SmugglerSolution, solve_smuggler
from ..options import SolveOptions


@dataclass(frozen=True)
class Certificate:
    passed: bool
    plan_value: float  # the smuggler's optimum with the plan fixed (re-solved)
    claimed_value: float | None  # the MILP's objective for the plan
    bound: float | None  # proven lower bound on the best plan's value
    gap: float | None  # (plan_value − bound) / |plan_value|
    tolerance: float
    checks: tuple[str, ...]

    def to_dict(self) -> dict:
        return asdict(self)


def relative_gap(value: float, bound: float | None, scale: float) -> float | None:
    if bound is None:
        return None
    diff = max(0.0, value - bound)
    if diff <= 1e-12 * max(1.0, scale):
        return 0.0
    return diff / max(abs(value), 1e-9 * max(1.0, scale))


def certify(net: CompiledNetwork, plan: Plan, *, claimed: float | None, bound: float | None,
            optimal: bool, scale: float, options: SolveOptions | None = None,
            ) -> tuple[Certificate, SmugglerSolution]:
    """Check ``plan`` against the MILP's claims; return the certificate and the smuggler's
    best response, or raise ``CertificateError``."""
    cert, sols = certify_plan([net], lambda values: values[0], plan, claimed=claimed,
                              bound=bound, optimal=optimal, scale=scale, options=options)
    return cert, sols[0]


def certify_plan(nets: Sequence[CompiledNetwork], combine: Callable[[list[float]], float],
                 plan: Plan, *, claimed: float | None, bound: float | None, optimal: bool,
                 scale: float, options: SolveOptions | None = None,
                 ) -> tuple[Certificate, list[SmugglerSolution]]:
    """The certificate over scenarios: the smuggler's LP is re-solved in every scenario
    network with the plan fixed, the values are combined by the risk measure ``combine``,
    and the checks of the module docstring apply to the combined value."""
    options = options or SolveOptions()
    net = nets[0]
    tol = 1e-6 * max(1.0, abs(scale))
    checks: list[str] = []
    x = plan.binaries(net)
    for a in range(len(net.action_ids)):
        if x[net.binary_action == a].sum() > 1:
            raise CertificateError(f"plan takes several levels of action '{net.action_ids[a]}'")
    spend = x @ net.binary_cost if net.n_binaries else np.zeros(len(net.resource_ids))
    for r, rid in enumerate(net.resource_ids):
        if spend[r] > net.budgets[r] + 1e-9 * max(1.0, abs(net.budgets[r])):
            raise CertificateError(f"plan spends {spend[r]:g} of '{rid}' but the budget is "
                                   f"{net.budgets[r]:g}")
    checks.append("budgets and exclusive levels kept")
    sols = [solve_smuggler(n, x, options) for n in nets]
    checks.append("smuggler's LP re-solved with the plan fixed; flows verified"
                  + (f" (in each of {len(nets)} scenarios)" if len(nets) > 1 else ""))
    value = float(combine([s.value for s in sols]))
    if claimed is not None:
        if value > claimed + tol:
            raise CertificateError(
                f"plan {plan}: the smuggler earns {value:.10g} against it, more than the MILP's "
                f"{claimed:.10g} (by {value - claimed:.3g} > tolerance {tol:.3g})")
        checks.append("smuggler's value ≤ MILP objective (weak duality)")
    if bound is not None:
        if value < bound - tol:
            raise CertificateError(
                f"plan {plan}: the smuggler earns {value:.10g}, below the MILP's proven bound "
                f"{bound:.10g}: the bound is invalid")
        checks.append("smuggler's value ≥ proven bound")
    if optimal and claimed is not None:
        allowed = tol + options.rel_gap * max(1.0, abs(claimed)) + (options.abs_gap or 0.0)
        if abs(value - claimed) > allowed:
            raise CertificateError(
                f"plan {plan}: the MILP reports {claimed:.10g} as optimal but the smuggler's "
                f"LP gives {value:.10g} (difference {abs(value - claimed):.3g} > {allowed:.3g})")
        checks.append("smuggler's value = MILP objective (optimal)")
    cert = Certificate(True, value, claimed, bound, relative_gap(value, bound, scale), tol,
                       tuple(checks))
    return cert, sols
