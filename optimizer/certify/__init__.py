"""The certify stage: the smuggler's best response to a fixed plan (``response``), the
exact harm of a plan (``harm``), plans evaluated in every scenario (``evaluate``), the
certificate (``certificate``), tidying (``tidy``) and the enumeration oracle
(``enumerate``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..compile.network import Plan
from ..compile.problem import DefenderProblem
from ..options import SolveOptions
from .certificate import Certificate, certify
from .evaluate import PlanEvaluation, ValueEvaluator


def certify_value(problem: DefenderProblem, plan: Plan, *, claimed: float | None,
                  bound: float | None, optimal: bool, scale: float,
                  budgets: Mapping[str, float] | None = None,
                  options: SolveOptions | None = None) -> tuple[Certificate, PlanEvaluation]:
    """Evaluate ``plan``'s smuggler value afresh and check it against a MILP's claims
    (``certificate.certify``); raises ``CertificateError`` when a check fails."""
    evaluation = ValueEvaluator(problem, options)(plan, fresh=True)
    cert = certify(problem.net, evaluation, budgets=budgets or problem.budgets,
                   claimed=claimed, bound=bound, optimal=optimal, exact_claim=True,
                   scale=scale, measure="smuggler's value", blocks=len(problem.scenarios),
                   options=options)
    return cert, evaluation
