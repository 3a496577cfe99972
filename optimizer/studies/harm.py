"""Harm-weighted plans: minimise the planner's harm while the smuggler maximises its own
value (docs/model.md §8). The formulation is ``formulation.HarmBilevel``; the run is
the pipeline's (``pipeline.solve``), the exact harm of a plan ``certify.harm``."""

from __future__ import annotations

from collections.abc import Mapping

from ..formulation import HarmBilevel
from ..options import Risk, SolveOptions, Tie
from ..pipeline import ModelTarget, Source, solve
from ..results.types import InterdictionResult


def solve_harm(source: Source, options: SolveOptions | None = None, *,
               mode: Tie | str = Tie.OPTIMISTIC, budgets: Mapping[str, float] | None = None,
               risk: Risk | str | None = None, alpha: float | None = None,
               epsilon: float | None = None, tidy: bool = True,
               write_model: ModelTarget | None = None,
               explain: bool = False,
               optimistic_bound: float | None = None) -> InterdictionResult:
    """The plan that minimises the planner's harm under the tie-break ``mode``
    (optimistic: the least harmful of the smuggler's optimal responses counts;
    pessimistic: the most harmful), certified. The result's ``harm`` field holds the
    harm figures; ``value_before``/``value_after`` stay the smuggler's values.
    ``optimistic_bound``: see ``pipeline.solve``."""
    return solve(source, options, formulation=HarmBilevel(Tie.parse(mode, "tie"), epsilon),
                 budgets=budgets, write_model=write_model, tidy=tidy, risk=risk, alpha=alpha,
                 explain=explain, optimistic_bound=optimistic_bound)
