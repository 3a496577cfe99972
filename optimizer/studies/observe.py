"""Observations against the model: what the no-action baseline gives for each observed
figure, whether it lies within the observation's tolerance, and the calibration misfit
(docs/model.md, "Observations and calibration").

Every measure is built from two expected quantities of the baseline (no action; the
smuggler's best response in each scenario, weighted by the scenario's probability, like
``Response.expected``): units seized and units delivered, per group and commodity, or
everywhere. With w_k the measure's conversion of commodity k (``units``, default 1) and K
the commodities it counts:

    seized(G)          = Σ_{k∈K} w_k · E[seized_{G,k}]        delivered(G) likewise
    seizure_share(G)   = seized(G) / seized(everywhere)
    delivered_share(G) = delivered(G) / delivered(everywhere)
    ratio              = numerator / denominator               (each one of the above)

A share or ratio whose denominator is 0 is undefined; it counts as 0 in the misfit. The
misfit of a set of observations is Σ_o w_o · ((modelled_o − observed_o) / tolerance_o)².
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..certify.response import SmugglerSolution, solve_smuggler
from ..compile.network import CompiledNetwork, compile_instance
from ..instance.model import Instance, Measure, Observation
from ..instance.observations import SHARES, counted, value_unit
from ..instance.scenarios import scenario_instances
from ..options import SolveOptions
from ..results.seizures import group_totals, seized_units

#: (group or None for everywhere, commodity) → expected units
Totals = dict[tuple[str | None, str], float]


@dataclass(frozen=True)
class Quantities:
    """Expected units seized and delivered on one response (per group and everywhere)."""

    seized: Totals
    delivered: Totals


def response_quantities(parts: Sequence[tuple[float, CompiledNetwork, SmugglerSolution]]
                        ) -> Quantities:
    """The probability-weighted units seized and delivered of responses, one per scenario
    (probability, network, solution)."""
    seized: Totals = {}
    delivered: Totals = {}

    def add(into: Totals, key: tuple[str | None, str], v: float) -> None:
        into[key] = into.get(key, 0.0) + v

    for p, net, sol in parts:
        s_all = np.bincount(net.fc_comm, weights=seized_units(net, sol), minlength=net.n_comms)
        d_all = np.bincount(net.del_comm, weights=sol.delivered, minlength=net.n_comms)
        for k, cid in enumerate(net.comm_ids):
            add(seized, (None, cid), p * float(s_all[k]))
            add(delivered, (None, cid), p * float(d_all[k]))
        g_seized, g_delivered = group_totals(net, sol)
        for key, v in g_seized.items():
            add(seized, key, p * v)
        for key, v in g_delivered.items():
            add(delivered, key, p * v)
    return Quantities(seized, delivered)


def baseline_quantities(inst: Instance, options: SolveOptions | None = None) -> Quantities:
    """The no-action baseline's quantities, each scenario's smuggler LP built afresh."""
    parts = []
    for sc, sub in scenario_instances(inst):
        net = compile_instance(sub)
        parts.append((sc.probability, net, solve_smuggler(net, None, options)))
    return response_quantities(parts)


# ----------------------------------------------------------------------------- measures


def measure_value(inst: Instance, m: Measure, q: Quantities) -> float | None:
    """The modelled value of a measure (None: a share or ratio of nothing)."""
    if m.kind == "ratio":
        assert m.numerator is not None and m.denominator is not None
        top, bottom = measure_value(inst, m.numerator, q), measure_value(inst, m.denominator, q)
        return None if top is None or bottom is None or bottom == 0 else top / bottom
    totals = q.seized if m.kind in ("seized", "seizure_share") else q.delivered
    weights = {k: m.units.get(k, 1.0) for k in counted(inst, m)}

    def total(group: str | None) -> float:
        return sum(w * totals.get((group, k), 0.0) for k, w in weights.items())

    if m.kind in SHARES:
        everywhere = total(None)
        return None if everywhere == 0 else total(m.group) / everywhere
    return total(m.group)


def describe(m: Measure) -> str:
    """A short description of a measure, e.g. ``seized at border (fentanyl)``."""
    if m.kind == "ratio":
        assert m.numerator is not None and m.denominator is not None
        return f"({describe(m.numerator)}) ÷ ({describe(m.denominator)})"
    named = list(m.commodities) if m.commodities is not None else ["all"] + sorted(m.units)
    what = "+".join(f"{k}×{m.units[k]:g}" if k in m.units else k for k in named)
    where = f"at {m.group}" if m.group is not None else "everywhere"
    verb = {"seized": "seized", "delivered": "delivered", "seizure_share": "share seized",
            "delivered_share": "share delivered"}[m.kind]
    return f"{verb} {where} ({what})"


@dataclass(frozen=True)
class Reading:
    """One observation against the model: ``modelled`` (None: undefined, counted as 0)."""

    observation: Observation
    modelled: float | None
    unit: str

    @property
    def deviation(self) -> float:
        """modelled − observed (an undefined model value counts as 0)."""
        return (self.modelled or 0.0) - self.observation.value

    @property
    def shown_deviation(self) -> float:
        """The deviation, 0 when it is rounding noise (below 1e-9 of the values)."""
        scale = max(1.0, abs(self.observation.value), abs(self.modelled or 0.0))
        return 0.0 if abs(self.deviation) <= 1e-9 * scale else self.deviation

    @property
    def excess(self) -> float:
        """How far outside the tolerance the model lies (0 when met), in the value's unit."""
        return max(0.0, abs(self.deviation) - self.observation.tolerance)

    @property
    def met(self) -> bool:
        o = self.observation
        return self.modelled is not None and abs(self.deviation) <= o.tolerance * (1 + 1e-9)

    @property
    def misfit(self) -> float:
        """w · ((modelled − observed) / tolerance)²."""
        o = self.observation
        return o.weight * (self.deviation / o.tolerance) ** 2


def readings(inst: Instance, q: Quantities) -> list[Reading]:
    """Every observation of the instance against the quantities ``q``."""
    return [Reading(o, measure_value(inst, o.measure, q), value_unit(inst, o))
            for o in inst.observations]


def misfit(rows: Sequence[Reading]) -> float:
    """Σ w · ((modelled − observed) / tolerance)²."""
    return math.fsum(r.misfit for r in rows)


__all__ = ["Quantities", "Reading", "baseline_quantities", "describe", "measure_value",
           "misfit", "readings", "response_quantities"]
