"""What the defender counts of the smuggler's response: linear outcomes (docs/model.md §13).

The smuggler's response y = (f, z, g, d, q) to a plan x maximises its own value V̂(y; x)
under the data it believes (``ScenarioNet.seen``); the defender counts an *outcome* of that
response, computed with the true data. Every outcome here is linear in y for a fixed plan:

    O(y; x) = μ V̂(y; x) + Σ_d δ_d d_d − Σ_{a,k} e_{a,k} f_{a,k} − Σ_{b,a,k} ψ_{b,a,k} x_b f_{a,k}

(per unit of commodity; the products x_b f are linearised exactly in the MILP). Outcomes:

- ``harm``: H(y) = Σ h d (μ = 0, δ = h);
- ``true_value``: the smuggler's true value. It ships and delivers what it planned and
  makes good, at the commodity's replacement value r_k per unit, what it loses beyond what
  it expected:  V(y; x) = V̂(y; x) − Σ (c(x) − c̃(x)) λ_k f − Σ (p(x) − p̃(x)) r_k f,
  so μ = 1, e = (c − c̃) λ + (p − p̃) r, ψ_b = (Δc_b − Δc̃_b) λ + (Δp_b − Δp̃_b) r;
- ``seized``: expected units seized S(y) = Σ p(x) f (μ = 0, e = −p, ψ = −Δp).

Without beliefs (c̃ = c, p̃ = p) the true value is V̂ itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .network import CompiledNetwork, Levers

if TYPE_CHECKING:  # pragma: no cover
    from ..certify.response import SmugglerSolution
    from .problem import ScenarioNet


@dataclass(frozen=True)
class Outcome:
    """O(y; x) (module docstring) on the flow columns and deliveries of one network."""

    name: str  # "harm", "true value", "seized"
    value_weight: float  # μ
    delivery: np.ndarray  # δ per delivery
    flow: np.ndarray  # e per flow column (per unit)
    levers: Levers  # ψ per (binary, flow column) (per unit)

    def flow_coefs(self, x: np.ndarray | None) -> np.ndarray:
        """−e − Σ_{b on} ψ_b: the coefficient of each flow once the plan is fixed."""
        coef = -self.flow.copy()
        if x is not None and len(self.levers):
            on = np.asarray(x)[self.levers.binary] > 0.5
            np.add.at(coef, self.levers.element[on], -self.levers.amount[on])
        return coef

    def evaluate(self, sol: SmugglerSolution, x: np.ndarray | None) -> float:
        """O of a response ``sol`` (whose ``value`` is V̂) to the plan ``x``."""
        return float(self.value_weight * sol.value + self.delivery @ sol.delivered
                     + self.flow_coefs(x) @ sol.flow)

    @property
    def nonnegative(self) -> bool:
        """O ≥ 0 for every optimal response (V̂ ≥ 0 there: shipping nothing is feasible)."""
        return bool(self.value_weight >= 0 and self.delivery.min(initial=0.0) >= 0
                    and self.flow.max(initial=0.0) <= 0
                    and self.levers.amount.max(initial=0.0) <= 0)

    @property
    def counts_flows(self) -> bool:
        """Whether the outcome depends on the flows (beyond μ V̂), not only on the sales."""
        return bool(np.any(self.flow) or len(self.levers))

    @property
    def scale(self) -> float:
        """The largest coefficient per unit of the part beyond μ V̂ (for the ε of the
        pessimistic tie-break)."""
        return float(max(np.abs(self.delivery).max(initial=0.0),
                         np.abs(self.flow).max(initial=0.0),
                         np.abs(self.levers.amount).max(initial=0.0)))


def harm_outcome(net: CompiledNetwork) -> Outcome:
    """H(y) = Σ h d."""
    return Outcome("harm", 0.0, net.del_harm.copy(), np.zeros(net.n_flows), Levers.build([]))


def _lever_sum(parts: list[tuple[Levers, np.ndarray]]) -> Levers:
    """Σ factor[element]·amount over several lever sets, summed per (binary, element)."""
    acc: dict[tuple[int, int], float] = defaultdict(float)
    for lv, factor in parts:
        for b, el, amt in zip(lv.binary.tolist(), lv.element.tolist(), lv.amount.tolist()):
            acc[(b, el)] += amt * float(factor[el])
    return Levers.build([(b, el, v) for (b, el), v in acc.items() if v != 0.0])


def true_value_outcome(true: CompiledNetwork, seen: CompiledNetwork) -> Outcome:
    """The smuggler's true value V(y; x) (module docstring)."""
    r = true.replacement[true.fc_comm]
    lam = true.load[true.fc_comm]
    e = (true.unit_cost() - seen.unit_cost()) + (true.arc_p[true.fc_arc]
                                                 - seen.arc_p[seen.fc_arc]) * r
    psi = _lever_sum([(true.cost_raise, lam), (seen.cost_raise, -lam),
                      (true.seizure_raise, r), (seen.seizure_raise, -r)])
    return Outcome("true value", 1.0, np.zeros(len(true.del_node)), e, psi)


def seized_outcome(true: CompiledNetwork) -> Outcome:
    """S(y) = Σ p(x) f: expected units seized, with the true seizure probabilities."""
    ones = np.ones(true.n_flows)
    return Outcome("seized", 0.0, np.zeros(len(true.del_node)), -true.arc_p[true.fc_arc],
                   _lever_sum([(true.seizure_raise, -ones)]))


def scenario_outcome(sc: ScenarioNet, objective: str) -> Outcome:
    """What the defender minimises in one scenario block: ``harm`` or ``value`` (the
    smuggler's true value)."""
    if objective == "harm":
        return harm_outcome(sc.net)
    if objective == "value":
        return true_value_outcome(sc.net, sc.seen)
    raise ValueError(f"unknown outcome {objective!r}")


__all__ = ["Outcome", "harm_outcome", "scenario_outcome", "seized_outcome",
           "true_value_outcome"]
