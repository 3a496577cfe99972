"""A plan evaluated exactly: the smuggler's LP re-solved with the plan fixed in every
scenario block, combined by the problem's risk measure (docs/model.md §7).

The *evaluator* of a formulation gives the number that formulation minimises, for any
plan: the smuggler's value (zero-sum) or an outcome under a tie-break — the planner's harm
or the smuggler's true value, the least or the most of it over the smuggler's optimal
responses (``certify.harm``). Tidying and
the certificate both use it, so every figure a result reports comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..compile.network import Plan
from ..compile.outcome import scenario_outcome
from ..options import Objective, SolveOptions, Tie
from .harm import OutcomeRange, outcome_range
from .response import SmugglerSession, SmugglerSolution
from .tidy import ByEvaluation, Trials

if TYPE_CHECKING:  # pragma: no cover
    from ..compile.problem import DefenderProblem


@dataclass(frozen=True)
class PlanEvaluation:
    """One plan, evaluated in every scenario block.

    ``objective`` is what the formulation minimises (combined over scenarios), ``value`` the
    smuggler's value (combined), ``responses`` the response counted in each block (for harm:
    the one the tie-break picks), ``harm`` the harm ranges (harm objective only)."""

    plan: Plan
    objective: float
    value: float
    responses: tuple[SmugglerSolution, ...]
    harm: tuple[OutcomeRange, ...] = ()  # the outcome ranges (outcome objectives only)

    @property
    def values(self) -> list[float]:
        """The smuggler's value in each block."""
        return [r.value for r in self.responses]


class Evaluator(Protocol):
    objective: Objective
    label: str  # e.g. "smuggler's value", "harm (optimistic)"
    nonnegative: bool  # the objective is ≥ 0 for every plan

    def __call__(self, plan: Plan, *, fresh: bool = False) -> PlanEvaluation:
        """Evaluate ``plan``; ``fresh``: every LP built anew (the certificate) rather than
        re-solved warm in a loaded model (tidying, local search)."""
        ...

    def fresh_with_trials(self, plan: Plan) -> tuple[PlanEvaluation, Trials]:
        """``plan`` evaluated afresh, and tidying trials (``certify.tidy``) that start
        from it (reusing its LPs where they can)."""
        ...


class ValueEvaluator:
    """The smuggler's value of a plan (zero-sum objective)."""

    objective = Objective.VALUE
    label = "smuggler's value"
    nonnegative = True  # the smuggler can always ship nothing

    def __init__(self, problem: DefenderProblem, options: SolveOptions | None = None):
        self.problem = problem
        self.options = options
        self._warm: list[SmugglerSession] | None = None

    def __call__(self, plan: Plan, *, fresh: bool = False) -> PlanEvaluation:
        if fresh:
            return self._fresh(plan)[0]
        x = plan.binaries(self.problem.net)
        if self._warm is None:  # one loaded LP per block, re-solved for every trial
            self._warm = [SmugglerSession(sc.net, self.options)
                          for sc in self.problem.scenarios]
        return self._evaluation(plan, [lp.solve(x) for lp in self._warm])

    def _fresh(self, plan: Plan) -> tuple[PlanEvaluation, list[SmugglerSession]]:
        """Every block's LP built for ``plan`` and solved from scratch; the loaded LPs too."""
        x = plan.binaries(self.problem.net)
        lps = [SmugglerSession(sc.net, self.options, x) for sc in self.problem.scenarios]
        return self._evaluation(plan, [lp.solve(x) for lp in lps]), lps

    def _evaluation(self, plan: Plan, sols: list[SmugglerSolution]) -> PlanEvaluation:
        value = self.problem.combine([s.value for s in sols])
        return PlanEvaluation(plan, value, value, tuple(sols))

    def fresh_with_trials(self, plan: Plan) -> tuple[PlanEvaluation, Trials]:
        evaluation, lps = self._fresh(plan)
        return evaluation, ValueTrials(self.problem, lps, evaluation.values)


class ValueTrials:
    """Tidying trials for the smuggler's value (``certify.tidy.Trials``). Each block's LP
    stays loaded with the current plan's optimal solution anchored; a candidate's value in
    each block is first bounded from that solution's duals (``SmugglerSession.bound``:
    weak duality, no LP), and only when the combined bounds exceed the limit is every block
    re-solved, each from the current plan's basis. The risk measures combine block values
    monotonically, so combined bounds bound the combined value."""

    def __init__(self, problem: DefenderProblem, lps: list[SmugglerSession],
                 values: list[float]):
        self.problem = problem
        self.lps = lps
        for lp, v in zip(lps, values):
            lp.anchor(v)
        # the last candidate's block values when it was re-solved; None: settled by bounds
        self._tried: list[float] | None = None
        self.bounded = 0  # candidates settled by the bound alone
        self.solved = 0  # candidates re-solved

    def at_most(self, plan: Plan, limit: float) -> bool:
        x = plan.binaries(self.problem.net)
        self._tried = None
        bounds = [lp.bound(x) for lp in self.lps]
        if all(np.isfinite(bounds)) and self.problem.combine(bounds) <= limit:
            self.bounded += 1
            return True
        self.solved += 1
        if len(self.lps) == 1:  # one block: a response worth more than the limit settles it
            value, exact = self.lps[0].trial(x, above=limit)
            self._tried = [value]
            return exact and value <= limit
        self._tried = [lp.trial(x)[0] for lp in self.lps]
        return self.problem.combine(self._tried) <= limit

    def accept(self, plan: Plan) -> None:
        for i, lp in enumerate(self.lps):
            if self._tried is None:
                lp.accept_bound()
            else:
                lp.accept_trial(self._tried[i])


class OutcomeEvaluator:
    """An outcome of a plan under a tie-break (``certify.harm.outcome_range``): the least
    or the most of the outcome over the smuggler's optimal responses, the smuggler planning
    with the data it believes and the outcome counted with the true data (``objective``:
    harm, or value — the smuggler's true value; docs/model.md §13)."""

    def __init__(self, problem: DefenderProblem, objective: Objective, tie: Tie,
                 options: SolveOptions | None = None):
        self.problem = problem
        self.objective = Objective.parse(objective, "objective")
        self.tie = Tie.parse(tie, "tie")
        self.options = options
        self.outcomes = [scenario_outcome(sc, self.objective.value) for sc in problem.scenarios]
        what = "harm" if self.objective == Objective.HARM else "smuggler's true value"
        self.label = f"{what} ({self.tie.value})"
        self.nonnegative = all(o.nonnegative for o in self.outcomes)

    def fresh_with_trials(self, plan: Plan) -> tuple[PlanEvaluation, Trials]:
        return self(plan, fresh=True), ByEvaluation(lambda p: self(p).objective)

    def __call__(self, plan: Plan, *, fresh: bool = False) -> PlanEvaluation:
        x = plan.binaries(self.problem.net)
        ranges = tuple(outcome_range(sc.seen, x, self.options, o)
                       for sc, o in zip(self.problem.scenarios, self.outcomes))
        return PlanEvaluation(
            plan, self.problem.combine([r.outcome(self.tie) for r in ranges]),
            self.problem.combine([r.value for r in ranges]),
            tuple(r.response(self.tie) for r in ranges), ranges)


class HarmEvaluator(OutcomeEvaluator):
    """The planner's harm of a plan under a tie-break."""

    def __init__(self, problem: DefenderProblem, tie: Tie, options: SolveOptions | None = None):
        super().__init__(problem, Objective.HARM, tie, options)


def evaluator_for(problem: DefenderProblem, objective: Objective = Objective.VALUE,
                  tie: Tie = Tie.OPTIMISTIC, options: SolveOptions | None = None) -> Evaluator:
    """The evaluator of ``objective``: the smuggler's value (zero-sum), or an outcome over
    the smuggler's optimal responses — harm, or, when the smuggler plans with beliefs, its
    true value."""
    if objective == Objective.HARM or problem.beliefs:
        return OutcomeEvaluator(problem, objective, tie, options)
    return ValueEvaluator(problem, options)
