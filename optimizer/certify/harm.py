"""The outcome of a plan over the smuggler's optimal responses: the least and the most
favourable to the defender (docs/model.md §8, §13).

For a fixed plan the smuggler maximises its value V̂(y) (with the data it believes);
several responses y may be optimal, and they may differ in what the defender counts — the
harm H(y) = Σ h d of the mix delivered, the smuggler's true value, … (any linear outcome O,
``compile.outcome``). The outcome of the plan depends on a tie-break:

    optimistic:   min { O(y) : y feasible, V̂(y) ≥ V̂* − δ }
    pessimistic:  max { O(y) : y feasible, V̂(y) ≥ V̂* − δ }

where V̂* is the smuggler's optimum and δ = 1e-9·max(1, |V̂*|) absorbs solver tolerances.
Each is one LP after the smuggler's own: load, solve, add the row V̂(y) ≥ V̂* − δ, swap the
objective. This is the exact evaluation every bilevel MILP's certificate compares against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compile.network import CompiledNetwork, apply_plan
from ..compile.outcome import Outcome, harm_outcome
from ..errors import SolveError
from ..formulation.bilevel import flow_bounds
from ..formulation.smuggler import SmugglerLP, build_smuggler_lp
from ..options import SolveOptions, Termination
from ..solvers.base import open_session
from .response import SmugglerSolution, check_flows, solution_from_values

REL_DELTA = 1e-9


@dataclass(frozen=True)
class OutcomeRange:
    value: float  # the smuggler's optimum V̂* (with the data it believes)
    low_outcome: float
    high_outcome: float
    low: SmugglerSolution  # the optimal response with the least outcome
    high: SmugglerSolution  # the optimal response with the most outcome

    def outcome(self, tie: str) -> float:
        """The outcome under a tie-break (``options.Tie``: optimistic or pessimistic)."""
        return self.low_outcome if tie == "optimistic" else self.high_outcome

    def response(self, tie: str) -> SmugglerSolution:
        return self.low if tie == "optimistic" else self.high

    # the harm objective's names
    harm = outcome

    @property
    def low_harm(self) -> float:
        return self.low_outcome

    @property
    def high_harm(self) -> float:
        return self.high_outcome


HarmRange = OutcomeRange


def outcome_range(net: CompiledNetwork, x: np.ndarray | None = None,
                  options: SolveOptions | None = None,
                  outcome: Outcome | None = None) -> OutcomeRange:
    """The optimal responses to the plan ``x`` with the least and the most ``outcome``
    (default: the harm), the smuggler planning with ``net``'s data."""
    outcome = outcome or harm_outcome(net)
    data = apply_plan(net, x)
    lp = build_smuggler_lp(net, data)
    if outcome.counts_flows:
        bound_responses(lp, net)
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
    cost = outcome.value_weight * value_cost
    cost[lp.delivery_start:lp.delivery_start + len(net.del_node)] += outcome.delivery
    cost[lp.flow_start:lp.flow_start + net.n_flows] += outcome.flow_coefs(x)
    out = {}
    for sense in ("min", "max"):
        session.set_objective(cost, sense)
        r = session.solve()
        if r.termination != Termination.OPTIMAL or r.values is None or r.objective is None:
            raise SolveError(f"the {outcome.name} LP ({sense}) did not solve: "
                             f"{r.termination.value}")
        v = r.values[:value_cost.shape[0]]
        sol = solution_from_values(net, lp, v, float(value_cost @ v), data)
        check_flows(net, sol, rel_tol=1e-6)
        out[sense] = (float(r.objective), sol)
    return OutcomeRange(value, out["min"][0], out["max"][0], out["min"][1], out["max"][1])


def bound_responses(lp: SmugglerLP, net: CompiledNetwork) -> None:
    """Restrict the smuggler's responses to the bounded set the bilevel MILP states
    (``formulation.bilevel.flow_bounds``): f ≤ F̄, z ≤ Z̄, d ≤ D̄. The smuggler's optimum is
    the same (docs/model.md §8: some optimal response of every plan lies in it, with every
    achievable sales vector — so outcomes of the sales, such as harm, are unchanged); an
    outcome that counts flows is counted over the responses that ship no more of a
    commodity over an arc than can exist (docs/model.md §13)."""
    bnd = flow_bounds(net)
    for name, ub in (("flow", bnd.flow), ("recipe", bnd.recipe), ("deliver", bnd.delivery)):
        blk = lp.model.var_blocks[name]
        blk.ub = np.minimum(blk.ub, ub)


def harm_range(net: CompiledNetwork, x: np.ndarray | None = None,
               options: SolveOptions | None = None) -> OutcomeRange:
    """The least and most harmful optimal responses to the plan ``x``."""
    return outcome_range(net, x, options)
