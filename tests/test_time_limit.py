"""``--time-limit`` bounds the whole run (pipeline.Deadline): the MILP gets what is left
of the limit after reading and the baseline, less the certificate's reserve; tidying stops
when time is short and says so. Checked with a fake clock, so nothing depends on the
machine's speed."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import optimizer.pipeline as pipeline
from optimizer.certify.evaluate import ValueEvaluator
from optimizer.cli import main
from optimizer.compile.network import Plan
from optimizer.instance.writer import write_instance
from optimizer.options import SolutionStatus, SolveOptions, Termination
from optimizer.pipeline import Deadline, as_problem, finish, solve
from optimizer.solvers.base import RawSolution
from optimizer.solvers.highs import HighsSession

from helpers import duplicate_cuts, recipe_instance, substitution


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(pipeline, "clock", fake)
    return fake


@pytest.fixture
def limits(monkeypatch):
    """The time limits handed to HiGHS sessions, in order."""
    seen: list[float | None] = []
    original = HighsSession.set_time_limit

    def record(self, seconds):
        seen.append(seconds)
        original(self, seconds)

    monkeypatch.setattr(HighsSession, "set_time_limit", record)
    return seen


def _slow_baseline(monkeypatch, clock: FakeClock, seconds: float) -> None:
    """The no-action evaluation takes ``seconds`` on the fake clock."""
    original = ValueEvaluator.__call__

    def slow(self, plan, *, fresh=False):
        if not plan.levels:
            clock.now += seconds
        return original(self, plan, fresh=fresh)

    monkeypatch.setattr(ValueEvaluator, "__call__", slow)


def test_the_milp_gets_what_the_baseline_left(monkeypatch, clock, limits):
    _slow_baseline(monkeypatch, clock, 7.0)
    r = solve(recipe_instance(1), SolveOptions(time_limit=30.0))
    # 30 s − 7 s (baseline) − reserve (2 × 7 s + 0.2 s)
    assert limits == [pytest.approx(30.0 - 7.0 - (pipeline.RESERVE_FACTOR * 7.0
                                                  + pipeline.RESERVE_SECONDS))]
    assert r.certificate is not None and r.optimal


def test_the_milp_never_gets_less_than_its_minimal_share(monkeypatch, clock, limits):
    _slow_baseline(monkeypatch, clock, 50.0)  # the baseline alone overruns the limit
    solve(recipe_instance(1), SolveOptions(time_limit=20.0))
    assert limits == [pytest.approx(pipeline.MIN_SHARE * 20.0)]


def test_reading_the_file_counts_against_the_limit(monkeypatch, clock, limits, tmp_path):
    """``interdict solve --time-limit``: the clock starts before the file is read."""
    import optimizer.cli.solve as cli_solve

    path = tmp_path / "inst.yaml"
    write_instance(recipe_instance(1), path)
    original = cli_solve.load_with_budgets

    def slow_read(*args, **kwargs):
        clock.now += 4.0
        return original(*args, **kwargs)

    monkeypatch.setattr(cli_solve, "load_with_budgets", slow_read)
    res = CliRunner().invoke(main, ["solve", str(path), "--time-limit", "60", "--quiet"])
    assert res.exit_code == 0, res.output
    assert limits == [pytest.approx(60.0 - 4.0 - pipeline.RESERVE_SECONDS)]


def test_the_decomposition_gets_what_is_left(monkeypatch, clock):
    import optimizer.decomposition as decomposition
    from optimizer.instance.generators.grid import grid_instance

    _slow_baseline(monkeypatch, clock, 3.0)
    seen = []

    def record(net, options, covering):
        seen.append(options.time_limit)
        raise RuntimeError("stop here")

    monkeypatch.setattr(decomposition, "solve_decomposed", record)
    with pytest.raises(RuntimeError, match="stop here"):
        solve(grid_instance(4, 4, budget=2, kind="shortest_path"),
              SolveOptions(time_limit=40.0, method="benders"))
    assert seen == [pytest.approx(40.0 - 3.0 - (pipeline.RESERVE_FACTOR * 3.0
                                                + pipeline.RESERVE_SECONDS))]


def test_tidying_stops_when_time_is_short_and_the_plan_is_still_certified(clock):
    """``duplicate_cuts``: either action alone is redundant. With time to spare tidying
    drops one; with none left it keeps both, says so, and the plan is certified as is."""
    problem = as_problem(duplicate_cuts())
    milp = pipeline.DualValue().build(problem)
    values = np.zeros(milp.model.n_cols)
    values[milp.x_start:milp.x_start + milp.n_binaries] = \
        Plan.of({"cut a": 1, "cut a again": 1}).binaries(problem.net)
    raw = RawSolution(Termination.TIME_LIMIT, SolutionStatus.FEASIBLE, values, 5.0, 0.0, 1.0,
                      1, 0.0, "fake")

    def run(deadline: Deadline):
        return finish(problem, ValueEvaluator(problem), raw, x_start=milp.x_start,
                      exact_claim=True, scale=10.0, options=SolveOptions(),
                      deadline=deadline)

    roomy = run(Deadline(60.0, clock.now, lp_seconds=1.0))
    assert len(roomy.plan.levels) == 1
    short = run(Deadline(60.0, clock.now - 59.5, lp_seconds=1.0))  # 0.5 s left
    assert short.plan.as_dict() == {"cut a": 1, "cut a again": 1}
    assert any("tidying stopped at the time limit" in n and "2 of 2" in n
               for n in short.notes)
    assert short.certificate.plan_value == pytest.approx(5.0)


def test_a_solve_stopped_before_any_plan_reuses_the_baseline_for_the_certificate():
    """No plan from the solver: "no action" is certified with the baseline's fresh LP
    (no second solve of the same LP)."""
    problem = as_problem(duplicate_cuts())
    evaluator = ValueEvaluator(problem)
    baseline = evaluator(Plan.of({}), fresh=True)
    raw = RawSolution(Termination.TIME_LIMIT, SolutionStatus.NONE, None, None, 2.5, None,
                      0, 0.0, "fake")
    done = finish(problem, evaluator, raw, x_start=0, exact_claim=True, scale=10.0,
                  options=SolveOptions(), baseline=baseline)
    assert done.plan.levels == () and done.evaluation is baseline
    assert done.certificate.plan_value == pytest.approx(10.0)
    assert done.certificate.bound == pytest.approx(2.5)


def test_the_plan_is_explained_only_with_time_for_its_re_solves(monkeypatch, clock):
    """Explaining a plan re-solves the smuggler once per action: with a baseline of 7 s
    (the estimate of one evaluation), 30 s leave 23 s, enough for up to 3 actions; 10 s
    leave 3 s, too little for one, and a note says the plan was not explained."""
    _slow_baseline(monkeypatch, clock, 7.0)
    r = solve(recipe_instance(1), SolveOptions(time_limit=30.0), explain=True)
    assert 1 <= len(r.actions) <= 3
    assert r.explanation is not None and len(r.explanation.actions) == len(r.actions)
    short = solve(recipe_instance(1), SolveOptions(time_limit=10.0), explain=True)
    assert short.explanation is None and short.certificate is not None
    assert (f"not explained: the time limit leaves too little time for the "
            f"{len(short.actions)} re-solves that say what each action buys") in short.notes


def test_the_harm_avoided_is_added_only_with_time_for_its_evaluations(monkeypatch, clock):
    """substitution(): one action on an instance with harm weights. With a baseline of 1 s,
    what it buys needs 1 s (+ 0.2 s kept back) and the harm it avoids 2 harm evaluations
    of about 3 s each more: 20 s leave 19 s, enough for both; 5 s leave 4 s, enough for
    what it buys only, and a note says the harm is left out."""
    from optimizer.studies.explain import HARM_EVALUATION_COST

    assert HARM_EVALUATION_COST == 3
    _slow_baseline(monkeypatch, clock, 1.0)
    r = solve(substitution(), SolveOptions(time_limit=20.0), explain=True)
    assert r.explanation.plan_harm is not None
    assert r.explanation.actions[0].harm_avoided is not None
    short = solve(substitution(), SolveOptions(time_limit=5.0), explain=True)
    assert short.explanation is not None and short.explanation.plan_harm is None
    assert short.explanation.actions[0].harm_avoided is None
    assert ("the harm each action avoids is not shown: the time limit leaves too little time "
            "for the 2 evaluations of the harm it takes") in short.notes
