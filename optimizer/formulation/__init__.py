"""Formulations: the defender's problem stated as one MILP (docs/model.md).

A formulation is passed into the pipeline's solve function (``pipeline.solve(...,
formulation=…)``), as Egret passes its model generator: it says what the MILP minimises
(``objective``), whether the MILP's objective is the exact figure of its plan
(``exact_claim``) and builds the model for a ``DefenderProblem``.

- ``DualValue``: the zero-sum game, the smuggler's LP dualised (``interdiction.py``);
- ``HarmBilevel``: the planner's harm while the smuggler maximises its own value, primal
  + dual + strong duality (``bilevel.py``), under a tie-break.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from ..options import Objective, Tie
from .interdiction import ProblemMILP, build_problem_milp

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem


class Formulation(Protocol):
    # read-only members, so frozen dataclasses implement the protocol
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


@dataclass(frozen=True)
class HarmBilevel:
    """Minimise the planner's harm while the smuggler maximises its value
    (``bilevel.build_harm_milp``). ``epsilon``: the pessimistic tie-break's perturbation
    (None: ``bilevel.default_epsilon``)."""

    tie: Tie = Tie.OPTIMISTIC
    epsilon: float | None = None
    objective: Objective = Objective.HARM
    name: str = "harm-milp"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tie", Tie.parse(self.tie, "tie"))

    @property
    def exact_claim(self) -> bool:
        return self.tie == Tie.OPTIMISTIC

    def build(self, problem: DefenderProblem) -> ProblemMILP:
        from .bilevel import build_harm_milp

        return build_harm_milp(problem, self.tie.value, self.epsilon)

    def resolved_epsilon(self, problem: DefenderProblem) -> float:
        """The ε the MILP uses (0 for the optimistic tie-break)."""
        from .bilevel import default_epsilon

        if self.tie == Tie.OPTIMISTIC:
            return 0.0
        return default_epsilon(problem.net) if self.epsilon is None else self.epsilon

    def with_epsilon(self, epsilon: float) -> HarmBilevel:
        return replace(self, epsilon=epsilon)


__all__ = ["DualValue", "Formulation", "HarmBilevel", "ProblemMILP"]
