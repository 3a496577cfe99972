"""Tidying from the certificate's LP (certify.tidy with certify.evaluate.ValueTrials): the
weak-duality bound of ``SmugglerSession.bound`` never understates a plan's value, a trial
from the anchored basis gives the fresh LP's value, and the tidied plan is the one that
re-solving every candidate afresh gives."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.certify.enumerate import feasible_plans
from optimizer.certify.evaluate import ValueEvaluator
from optimizer.certify.response import SmugglerSession, solve_smuggler
from optimizer.certify.tidy import drop_redundant
from optimizer.compile.network import Plan
from optimizer.pipeline import as_problem

from helpers import duplicate_cuts, random_stochastic, valid_random_instance


def _tol(v: float) -> float:
    return 1e-7 * max(1.0, abs(v))


def _plans(net, k: int, seed: int) -> list[np.ndarray]:
    plans = list(feasible_plans(net))
    rng = np.random.default_rng(seed)
    return [plans[i] for i in rng.permutation(len(plans))[:k]]


@pytest.mark.parametrize("i", range(10))
def test_the_dual_bound_never_understates_a_value(i):
    """Anchored at any plan, the bound for every other plan (fewer, more or other actions)
    is at least that plan's value solved afresh; for the anchored plan itself it is its
    value."""
    net = as_problem(valid_random_instance(i)).net
    for x in _plans(net, 4, i):
        lp = SmugglerSession(net, None, x)
        v = lp.solve(x).value
        lp.anchor(v)
        assert lp.bound(x) == pytest.approx(v, abs=_tol(v))
        for y in _plans(net, 12, i + 100):
            fresh = solve_smuggler(net, y).value
            assert lp.bound(y) >= fresh - _tol(fresh)
            value, exact = lp.trial(y)
            assert exact and value == pytest.approx(fresh, abs=_tol(fresh))


def _both_ways(problem, plan: Plan):
    """(plan, notes) tidied with the screened trials and by fresh solves of every candidate."""
    net = problem.net
    evaluation, trials = ValueEvaluator(problem).fresh_with_trials(plan)
    tol = _tol(evaluation.objective)
    screened = drop_redundant(net, plan, evaluation.objective, tol, trials)
    fresh = ValueEvaluator(problem)
    by_lp = drop_redundant(net, plan, evaluation.objective, tol,
                           lambda p: fresh(p, fresh=True).objective)
    return screened, by_lp, trials


@pytest.mark.parametrize("i", range(10))
def test_screened_tidy_equals_tidy_by_fresh_solves(i):
    problem = as_problem(valid_random_instance(i))
    for x in _plans(problem.net, 8, i):
        plan = Plan.from_binaries(problem.net, x)
        screened, by_lp, _ = _both_ways(problem, plan)
        assert screened == by_lp


@pytest.mark.parametrize(("seed", "risk"), [(0, "expected"), (4, "worst"), (5, "cvar"),
                                          (7, "expected"), (9, "worst"), (11, "cvar")])
def test_screened_tidy_equals_tidy_by_fresh_solves_over_scenarios(seed, risk):
    problem = as_problem(random_stochastic(seed), risk=risk, alpha=0.7)
    for x in _plans(problem.net, 6, seed):
        plan = Plan.from_binaries(problem.net, x)
        screened, by_lp, _ = _both_ways(problem, plan)
        assert screened == by_lp


def test_a_drop_that_changes_no_number_of_the_lp_needs_no_lp():
    """``duplicate_cuts``: dropping 'cut a' changes no number of the smuggler's LP (the
    other action still removes lane a): the bound alone settles it, no LP. Dropping 'cut
    a again' then reopens lane a (value 5 → 10): that takes one LP, and the action
    stays."""
    problem = as_problem(duplicate_cuts())
    screened, by_lp, trials = _both_ways(problem, Plan.of({"cut a": 1, "cut a again": 1}))
    assert screened == by_lp
    plan, notes = screened
    assert plan.as_dict() == {"cut a again": 1} and len(notes) == 1 and "'cut a'" in notes[0]
    assert trials.bounded == 1 and trials.solved == 1
    assert ValueEvaluator(problem)(plan, fresh=True).objective == pytest.approx(5.0)
