"""The planner's harm of a plan: the least and the most harmful of the smuggler's optimal
responses (docs/model.md §8).

For a fixed plan the smuggler maximises its value V(y); several responses y may be
optimal, and they may deliver different mixes of fentanyl and heroin. With harm weights
h_{m,k} per unit delivered, the planner's harm of the plan is

    optimistic:   min { Σ h d : y feasible, V(y) ≥ V* − δ }
    pessimistic:  max { Σ h d : y feasible, V(y) ≥ V* − δ }

where V* is the smuggler's optimum and δ = 1e-9·max(1, |V*|) absorbs solver tolerances.
Each is one LP after the smuggler's own: load, solve, add the row V(y) ≥ V* − δ, swap the
objective. This is the exact evaluation the harm MILP's certificate compares against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compile.network import CompiledNetwork, apply_plan
from ..errors import SolveError
from ..formulation.smuggler import build_smuggler_lp
from ..options import SolveOptions, Termination
from ..solvers.base import open_session
from .response import SmugglerSolution, check_flows, solution_from_values

REL_DELTA = 1e-9


@dataclass(frozen=True)
class HarmRange:
    value: float  # the smuggler's optimum V*
    low_harm: float
    high_harm: float
    low: SmugglerSolution  # the least harmful optimal response
    high: SmugglerSolution  # the most harmful optimal response

    def harm(self, tie: str) -> float:
        """The harm under a tie-break (``options.Tie``: optimistic or pessimistic)."""
        return self.low_harm if tie == "optimistic" else self.high_harm

    def response(self, tie: str) -> SmugglerSolution:
        return self.low if tie == "optimistic" else self.high


def harm_range(net: CompiledNetwork, x: np.ndarray | None = None,
               options: SolveOptions | None = None) -> HarmRange:
    """The least and most harmful optimal responses to the plan ``x``."""
    data = apply_plan(net, x)
    lp = build_smuggler_lp(net, data)
    opts = SolveOptions(threads=(options.threads if options else None))
    session = open_session(lp.model, opts)
    raw = session.solve()
    if raw.termination != Termination.OPTIMAL or raw.values is None or raw.objective is None:
        raise SolveError(f"the smuggler's LP did not solve: {raw.termination.value}")
    value = float(raw.objective)
    value_cost = lp.model.to_matrix().cost
    delta = REL_DELTA * max(1.0, abs(value))
    nz = np.flatnonzero(value_cost)
    session.add_rows(np.array([value - delta]), np.array([np.inf]), np.array([0]),
                     nz.astype(np.int32), value_cost[nz])
    harm_cost = np.zeros(value_cost.shape)
    harm_cost[lp.delivery_start:lp.delivery_start + len(net.del_node)] = net.del_harm
    out = {}
    for sense in ("min", "max"):
        session.set_objective(harm_cost, sense)
        r = session.solve()
        if r.termination != Termination.OPTIMAL or r.values is None or r.objective is None:
            raise SolveError(f"the harm LP ({sense}) did not solve: {r.termination.value}")
        v = r.values[:value_cost.shape[0]]
        sol = solution_from_values(net, lp, v, float(value_cost @ v), data)
        check_flows(net, sol, rel_tol=1e-6)
        out[sense] = (float(r.objective), sol)
    return HarmRange(value, out["min"][0], out["max"][0], out["min"][1], out["max"][1])
