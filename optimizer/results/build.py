"""From a certified plan (``pipeline.Finished``) to the typed ``InterdictionResult``.

Every figure comes from the certificate's fresh evaluation (after) and the baseline
evaluation (before): nothing is re-solved here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..certify.evaluate import PlanEvaluation
from ..compile.network import CompiledNetwork, Plan
from ..compile.outcome import harm_outcome, seized_outcome, true_value_outcome
from ..compile.problem import DefenderProblem
from ..instance.units import Units
from ..options import Objective, SolveOptions, Tie
from .types import (
    BeliefFigures,
    BeliefsSummary,
    ChosenAction,
    HarmSummary,
    InterdictionResult,
    Response,
    ScenarioOutcome,
    Timings,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..formulation import Formulation
    from ..pipeline import Finished


def chosen_actions(net: CompiledNetwork, plan: Plan) -> tuple[ChosenAction, ...]:
    by_id = {a.id: a for a in net.instance.actions}
    out = []
    for action_id, level in plan.levels:
        act = by_id[action_id]
        lv = act.levels[level - 1]
        out.append(ChosenAction(action_id, level, lv.label, act.name,
                                {r: float(lv.cost.get(r, 0.0)) for r in net.resource_ids}))
    return tuple(out)


def responses(problem: DefenderProblem, evaluation: PlanEvaluation) -> list[Response]:
    """The response of each scenario block, summarised (flows, deliveries, routes)."""
    return [Response.from_solution(sc.net, sol)
            for sc, sol in zip(problem.scenarios, evaluation.responses)]


def interdiction_result(problem: DefenderProblem, baseline: PlanEvaluation,
                        finished: Finished, *, formulation: Formulation, method: str,
                        model_size: dict[str, int], options: SolveOptions,
                        timings: dict[str, float], notes: tuple[str, ...] = ()
                        ) -> InterdictionResult:
    net = problem.net
    after = finished.evaluation
    cert = finished.certificate
    before_r = responses(problem, baseline)
    after_r = responses(problem, after)
    probs = problem.probabilities.tolist()
    outcomes = tuple(
        ScenarioOutcome(sc.id, sc.probability, sc.members, b, a,
                        rb.delivered_by_commodity, ra.delivered_by_commodity)
        for sc, b, a, rb, ra in zip(problem.scenarios, baseline.values, after.values,
                                    before_r, after_r)
    ) if problem.stochastic else ()
    harm = None
    if formulation.objective == Objective.HARM:
        harm = _harm_summary(problem, baseline, finished, formulation)
    from ..formulation import OutcomeBilevel, PerceivedOutcome

    beliefs = None
    if problem.beliefs or isinstance(formulation, PerceivedOutcome):
        eps = formulation.resolved_epsilon(problem) if isinstance(formulation, OutcomeBilevel) \
            else 0.0
        beliefs = BeliefsSummary(formulation.objective.value, formulation.tie.value,
                                 belief_figures(problem, baseline), belief_figures(problem, after),
                                 float(eps))
    return InterdictionResult(
        instance=problem.instance.name,
        instance_path=problem.instance.path,
        termination=finished.raw.termination,
        status=finished.status,
        plan=finished.plan,
        actions=chosen_actions(net, finished.plan),
        spend=finished.plan.spend(net),
        budgets=dict(problem.budgets),
        value_before=baseline.value,
        value_after=after.value,
        bound=finished.bound,
        gap=cert.gap,
        before=Response.expected(list(zip(probs, before_r))),
        after=Response.expected(list(zip(probs, after_r))),
        certificate=cert,
        timings=Timings(**timings),
        model_size=model_size,
        node_count=finished.raw.node_count,
        method=method,
        options=options.to_dict(),
        notes=tuple(notes) + finished.notes,
        risk=problem.risk.value if problem.stochastic else "expected",
        cvar_alpha=problem.alpha if problem.stochastic and problem.risk == "cvar" else None,
        scenarios=outcomes,
        harm=harm,
        beliefs=beliefs,
        units=Units.of(problem.instance),
    )


def belief_figures(problem: DefenderProblem, ev: PlanEvaluation) -> BeliefFigures:
    """The counted responses of ``ev`` as the smuggler believes them and as they are
    (``compile.outcome``), expected over the scenario blocks."""
    x = ev.plan.binaries(problem.net)
    totals = np.zeros(5)
    for sc, sol in zip(problem.scenarios, ev.responses):
        totals += sc.probability * np.array([
            sol.value, true_value_outcome(sc.net, sc.seen).evaluate(sol, x),
            seized_outcome(sc.seen).evaluate(sol, x), seized_outcome(sc.net).evaluate(sol, x),
            harm_outcome(sc.net).evaluate(sol, x)])
    return BeliefFigures(*(float(v) for v in totals))


def _harm_summary(problem: DefenderProblem, baseline: PlanEvaluation, finished: Finished,
                  formulation: Any) -> HarmSummary:
    tie = formulation.tie
    after = finished.evaluation

    def by_commodity(ev: PlanEvaluation) -> dict[str, float]:
        out: dict[str, float] = {}
        for sc, sol in zip(problem.scenarios, ev.responses):
            n = sc.net
            for k, d, h in zip(n.del_comm, sol.delivered, n.del_harm):
                out[n.comm_ids[k]] = out.get(n.comm_ids[k], 0.0) + sc.probability * float(d * h)
        return out

    return HarmSummary(
        mode=tie.value, harm_before=baseline.objective, harm_after=after.objective,
        optimistic_after=problem.combine([r.harm(Tie.OPTIMISTIC) for r in after.harm]),
        pessimistic_after=problem.combine([r.harm(Tie.PESSIMISTIC) for r in after.harm]),
        bound=finished.bound, gap=finished.certificate.gap,
        by_commodity_before=by_commodity(baseline), by_commodity_after=by_commodity(after),
        epsilon=float(formulation.resolved_epsilon(problem)))
