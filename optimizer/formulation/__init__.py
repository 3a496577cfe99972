"""Formulations: the defender's problem stated as one MILP (docs/model.md).

A formulation is passed into the pipeline's solve function (``pipeline.solve(...,
formulation=…)``), as Egret passes its model generator: it says what the MILP minimises
(``objective``), whether the MILP's objective is the exact figure of its plan
(``exact_claim``) and builds the model for a ``DefenderProblem``.

- ``DualValue``: the zero-sum game, the smuggler's LP dualised (``interdiction.py``);
- ``HarmBilevel``: the planner's harm while the smuggler maximises its own value, primal
  + dual + strong duality (``bilevel.py``), under a tie-break;
- ``PerceivedOutcome``: the smuggler plans with what it believes, the defender counts the
  true outcome (its true value, or harm): the same MILP over the perceived network
  (docs/model.md §13). Both are ``OutcomeBilevel``s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from ..options import Objective, Tie
from .interdiction import ProblemMILP, build_problem_milp

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem


class Formulation(Protocol):
    @property
    def objective(self) -> Objective: ...

    @property
    def tie(self) -> Tie: ...

    @property
    def name(self) -> str: ...

    @property
    def exact_claim(self) -> bool:
        """Whether the MILP's objective for its plan equals the plan's exact figure
        (false for the ε-perturbed pessimistic tie-break, which may over-state it)."""
        ...

    def build(self, problem: DefenderProblem) -> ProblemMILP: ...


@dataclass(frozen=True)
class DualValue:
    """Minimise the smuggler's value: the dual MILP (``interdiction.build_problem_milp``)."""

    objective: Objective = Objective.VALUE
    tie: Tie = Tie.OPTIMISTIC  # irrelevant for the value: every optimal response is worth it
    name: str = "dual-milp"

    @property
    def exact_claim(self) -> bool:
        return True

    def build(self, problem: DefenderProblem) -> ProblemMILP:
        return build_problem_milp(problem)


class OutcomeBilevel:
    """The bilevel formulations (``bilevel.build_outcome_milp``): minimise an outcome of
    the smuggler's response (``objective``: harm, or the smuggler's true value) while the
    smuggler maximises the value it believes, under a tie-break. ``epsilon``: the
    pessimistic tie-break's perturbation (None: ``bilevel.default_epsilon``)."""

    objective: Objective
    tie: Tie
    epsilon: float | None
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "tie", Tie.parse(self.tie, "tie"))
        object.__setattr__(self, "objective", Objective.parse(self.objective, "objective"))

    @property
    def exact_claim(self) -> bool:
        return self.tie == Tie.OPTIMISTIC

    def build(self, problem: DefenderProblem) -> ProblemMILP:
        from .bilevel import build_outcome_milp

        return build_outcome_milp(problem, self.objective.value, self.tie.value, self.epsilon)

    def resolved_epsilon(self, problem: DefenderProblem) -> float:
        """The ε the MILP uses (0 for the optimistic tie-break)."""
        from ..compile.outcome import scenario_outcome
        from .bilevel import default_epsilon

        if self.tie == Tie.OPTIMISTIC:
            return 0.0
        if self.epsilon is not None:
            return self.epsilon
        sc = problem.scenarios[0]
        return default_epsilon(sc.seen, scenario_outcome(sc, self.objective.value))

    def with_epsilon(self, epsilon: float) -> OutcomeBilevel:
        return replace(self, epsilon=epsilon)  # type: ignore[type-var]

    def optimistic(self) -> OutcomeBilevel:
        """The same formulation under the optimistic tie-break."""
        return replace(self, tie=Tie.OPTIMISTIC, epsilon=None)  # type: ignore[type-var]


@dataclass(frozen=True)
class HarmBilevel(OutcomeBilevel):
    """Minimise the planner's harm while the smuggler maximises its value."""

    tie: Tie = Tie.OPTIMISTIC
    epsilon: float | None = None
    objective: Objective = Objective.HARM
    name: str = "harm-milp"


@dataclass(frozen=True)
class PerceivedOutcome(OutcomeBilevel):
    """The smuggler plans with the data it believes; the defender minimises an outcome
    counted with the true data (docs/model.md §13): ``objective`` value (the smuggler's
    true value: what it believes, less the unexpected losses it makes good) or harm."""

    objective: Objective = Objective.VALUE
    tie: Tie = Tie.OPTIMISTIC
    epsilon: float | None = None
    name: str = "beliefs-milp"


__all__ = ["DualValue", "Formulation", "HarmBilevel", "OutcomeBilevel", "PerceivedOutcome",
           "ProblemMILP"]
