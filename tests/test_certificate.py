"""The certificate rejects wrong plans and wrong claims; a rejected plan is never a result."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import optimizer.pipeline as engine
from optimizer import CertificateError, Plan, solve
from optimizer.certify import certify_value
from optimizer.cli import main
from optimizer.instance.writer import write_instance
from optimizer.options import SolutionStatus, Termination
from optimizer.pipeline import as_problem
from optimizer.solvers.base import RawSolution

from helpers import levels_instance, recipe_instance


def test_certificate_accepts_the_optimal_plan():
    problem = as_problem(recipe_instance(1))
    cert, ev = certify_value(problem, Plan.of({"raid lab": 1}), claimed=75.0, bound=75.0,
                             optimal=True, scale=245.0)
    assert cert.plan_value == pytest.approx(75.0) and cert.gap == 0.0
    assert "smuggler's value = MILP objective (optimal)" in cert.checks
    assert ev.responses[0].delivered.sum() == pytest.approx(25.0)


def test_certificate_rejects_a_wrong_plan_claimed_optimal():
    """'squeeze border' leaves the smuggler 200, not the optimum 75 the MILP would claim."""
    problem = as_problem(recipe_instance(1))
    with pytest.raises(CertificateError, match="smuggler's value is 200"):
        certify_value(problem, Plan.of({"squeeze border": 1}), claimed=75.0, bound=75.0,
                      optimal=True, scale=245.0)


def test_certificate_rejects_an_invalid_bound():
    problem = as_problem(recipe_instance(1))
    with pytest.raises(CertificateError, match="bound is invalid"):
        certify_value(problem, Plan.of({"raid lab": 1}), claimed=75.0, bound=80.0,
                      optimal=False, scale=245.0)


def test_certificate_rejects_an_overstated_optimum():
    """The MILP may not report more than the plan's true value as optimal either."""
    problem = as_problem(recipe_instance(1))
    with pytest.raises(CertificateError, match="reports 90 as optimal"):
        certify_value(problem, Plan.of({"raid lab": 1}), claimed=90.0, bound=70.0,
                      optimal=True, scale=245.0)


def test_certificate_rejects_a_plan_over_budget():
    problem = as_problem(levels_instance(5, 1))
    with pytest.raises(CertificateError, match="budget"):
        certify_value(problem, Plan.of({"scan a1": 3}), claimed=None, bound=None,
                      optimal=False, scale=20)


def _wrong_milp(plan_binaries):
    """A stand-in for the MILP solve that returns a wrong plan claimed optimal."""

    def fake(problem, formulation, options, write_model=None, deadline=None):
        milp = formulation.build(problem)
        values = np.zeros(milp.model.n_cols)
        values[milp.x_start:milp.x_start + milp.n_binaries] = plan_binaries(milp.net)
        raw = RawSolution(Termination.OPTIMAL, SolutionStatus.OPTIMAL, values, 75.0, 75.0, 0.0,
                          1, 0.0, "fake")
        return engine.Solved(raw, milp.x_start, milp.model.summary(), "fake", 0.0)

    return fake


def test_engine_never_reports_a_plan_that_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "solve_formulation", _wrong_milp(
        lambda net: Plan.of({"squeeze border": 1}).binaries(net)))
    with pytest.raises(CertificateError):
        solve(recipe_instance(1))
    # through the CLI: exit code 4, message, and no output file left behind
    path = tmp_path / "inst.yaml"
    write_instance(recipe_instance(1), path)
    out = tmp_path / "result.json"
    res = CliRunner().invoke(main, ["solve", str(path), "--json", str(out)])
    assert res.exit_code == 4
    assert "certificate failed" in res.output
    assert not out.exists()
    assert not any(p.name.startswith(".result.json") for p in tmp_path.iterdir())


def test_a_bound_below_the_trivial_one_is_replaced_by_it():
    """The smuggler's value is never negative (it can always ship nothing): a solver bound
    below 0 (seen on a time-limited solve: −60,082,220) is reported as 0."""
    from optimizer.certify.evaluate import ValueEvaluator
    from optimizer.pipeline import finish

    problem = as_problem(recipe_instance(1))
    milp = engine.DualValue().build(problem)
    values = np.zeros(milp.model.n_cols)
    raw = RawSolution(Termination.TIME_LIMIT, SolutionStatus.FEASIBLE, values, 245.0, -6.0e7,
                      None, 10, 0.1, "test")
    done = finish(problem, ValueEvaluator(problem), raw, x_start=milp.x_start,
                  exact_claim=True, scale=245.0, options=engine.SolveOptions())
    assert done.bound == 0.0 and done.certificate.bound == 0.0
    assert done.certificate.plan_value == pytest.approx(245.0)
