"""Scenarios: stochastic, robust and CVaR plans against enumeration; evasion by hand;
VSS/EVPI; Monte Carlo and SAA."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import InstanceError, Plan, solve
from optimizer.certify.enumerate import enumerate_plans
from optimizer.cli import main
from optimizer.compile.problem import build_problem, risk_value
from optimizer.instance.model import Distribution, Scenario, Shipment
from optimizer.studies.uncertainty import (
    monte_carlo,
    sample_average_approximation,
    value_of_uncertainty,
)

from helpers import EVASION, assert_certified, evasion, random_instance, random_stochastic


@pytest.mark.parametrize("aggregate", [True, False])
@pytest.mark.parametrize("budget,risk,expected,plans", [
    # by hand: evasion s1: max(0.9·0.5, 0.4) = 0.45; s2: 0.8·0.5 = 0.4; expected 0.43
    (0, "expected", 0.43, [{}]),
    # sensor on a→t (keep 0.1): s1 max(0.09, 0.4) = 0.4, s2 0.08 → 0.6·0.4 + 0.4·0.08 = 0.272
    (1, "expected", 0.272, [{"sensor_at": 1}]),
    # + sensor on s1→t (keep 0.1): s1 0.1, s2 0.08 → 0.092
    (2, "expected", 0.092, [{"sensor_at": 1, "sensor_s1t": 1}]),
    # worst case with one sensor: a→t gives max(0.4, 0.08), s1→a gives max(0.4, 0.4)
    (1, "worst", 0.4, [{"sensor_at": 1}, {"sensor_s1a": 1}]),
])
def test_evasion_by_hand(budget, risk, expected, plans, aggregate):
    inst = evasion()
    problem = build_problem(inst, risk=risk, budgets={"sensors": budget}, aggregate=aggregate)
    assert len(problem.scenarios) == (1 if aggregate and risk == "expected" else 2)
    r = solve(problem)
    assert r.optimal
    assert r.value_after == pytest.approx(expected, abs=1e-9)
    assert r.plan.as_dict() in plans
    assert_certified(r)


def test_cvar_by_hand():
    """CVaR_0.5 over {s1: 0.6, s2: 0.4}: the worst 50% of probability mass is s1's weight
    0.5 of the larger value… with one sensor on a→t the values are (0.4, 0.08):
    CVaR = min_η η + (0.6(0.4−η)^+ + 0.4(0.08−η)^+)/0.5 = 0.4 (η = 0.4)."""
    r = solve(evasion(), risk="cvar", alpha=0.5)
    assert r.value_after == pytest.approx(0.4, abs=1e-9)
    assert r.risk == "cvar" and r.cvar_alpha == 0.5
    assert risk_value([0.4, 0.08], np.array([0.6, 0.4]), "cvar", 0.5) == pytest.approx(0.4)
    assert risk_value([0.4, 0.08], np.array([0.6, 0.4]), "cvar", 0.0) == pytest.approx(0.272)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["expected", "worst", "cvar"]))
def test_scenario_optima_equal_enumeration(seed, risk):
    try:
        inst = random_stochastic(seed)
        problem = build_problem(inst, risk=risk, alpha=0.7)
    except InstanceError:
        assume(False)
        return
    oracle = enumerate_plans(problem)
    r = solve(problem)
    tol = 1e-6 * max(1.0, r.value_before)
    assert r.optimal and r.value_after == pytest.approx(oracle.best_value, abs=tol)
    assert oracle.values[r.plan] == pytest.approx(r.value_after, abs=tol)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 5, 7])
def test_robust_at_least_expected_and_vss_evpi_nonnegative(seed):
    inst = random_stochastic(seed)
    expected = solve(inst, risk="expected")
    worst = solve(inst, risk="worst")
    cvar = solve(inst, risk="cvar", alpha=0.8)
    tol = 1e-6 * max(1.0, worst.value_before)
    assert worst.value_after >= expected.value_after - tol
    assert expected.value_after - tol <= cvar.value_after <= worst.value_after + tol
    vu = value_of_uncertainty(inst)
    assert vu.rp == pytest.approx(expected.value_after, abs=tol)
    assert vu.vss >= -tol and vu.evpi >= -tol
    assert vu.ws <= vu.rp + tol <= vu.eev + 2 * tol


def test_value_of_uncertainty_by_hand():
    """Evasion, one sensor: RP = 0.272 (sensor on a→t). Wait-and-see: s1 alone → sensor on
    s1→a or a→t gives 0.4; s2 alone → sensor on s2→a (keep 0.2) or a→t: 0.08;
    WS = 0.6·0.4 + 0.4·0.08 = 0.272, so EVPI = 0."""
    vu = value_of_uncertainty(evasion())
    assert vu.rp == pytest.approx(0.272) and vu.ws == pytest.approx(0.272)
    assert vu.evpi == pytest.approx(0.0, abs=1e-9) and vu.vss >= -1e-9


def _uncertain(inst, spread: float):
    """Every arc's seizure probability uncertain by ± spread (zero spread = no variance)."""
    unc = {f"arcs/{a.id}/seizure": Distribution("uniform", (max(0.0, a.seizure - spread),
                                                           min(0.99, a.seizure + spread)))
           for a in inst.arcs}
    return replace(inst, uncertain=unc)


def test_monte_carlo_reproducible_and_zero_variance_equals_deterministic():
    from optimizer.pipeline import evaluate_plan

    inst = _uncertain(random_instance(4), 0.0)
    for plan in (Plan.of({}), solve(inst, budgets={"r1": 1}).plan):
        mc = monte_carlo(inst, plan, 12, seed=3, workers=1)
        exact = evaluate_plan(replace(inst, uncertain={}), plan)
        assert exact > 0
        assert all(v == pytest.approx(exact, abs=1e-9) for v in mc.values)
        assert mc.value.std == pytest.approx(0.0, abs=1e-9)
    noisy = _uncertain(random_instance(4), 0.05)
    a = monte_carlo(noisy, plan, 16, seed=11, workers=1)
    b = monte_carlo(noisy, plan, 16, seed=11, workers=2)  # other worker count, same answer
    assert a.values == b.values and a.to_dict() == b.to_dict()
    c = monte_carlo(noisy, plan, 16, seed=12, workers=1)
    assert c.values != a.values
    assert a.value.ci95[0] <= a.value.mean <= a.value.ci95[1]


def test_monte_carlo_draws_scenarios_by_probability():
    inst = evasion()
    mc = monte_carlo(inst, Plan.of({"sensor_at": 1}), 400, seed=1, workers=1)
    assert set(mc.scenario_counts) == {"from_s1", "from_s2"}
    share = mc.scenario_counts["from_s1"] / 400
    assert abs(share - 0.6) < 0.1
    # values are 0.4 (s1) or 0.08 (s2): the mean estimates 0.272
    assert set(np.round(mc.values, 9)) <= {0.4, 0.08}
    assert mc.value.ci95[0] - 0.02 <= 0.272 <= mc.value.ci95[1] + 0.02


def test_saa_on_scenarios_recovers_the_stochastic_plan():
    res = sample_average_approximation(evasion(), samples=30, replications=3, eval_samples=200,
                                       seed=5, workers=1)
    assert res.plan == Plan.of({"sensor_at": 1})
    assert res.lower_bound.mean <= res.upper_bound.mean + 0.05
    assert res.gap_ci95_upper >= res.gap


def test_cli_risk_and_scenario(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(EVASION)
    res = CliRunner().invoke(main, ["solve", str(path), "--risk", "worst"])
    assert res.exit_code == 0, res.output
    assert "worst" in res.output and "from_s1" in res.output
    res = CliRunner().invoke(main, ["solve", str(path), "--scenario", "from_s2", "--json",
                                    str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    import json
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["value_after"] == pytest.approx(0.08) and data["scenarios"] == []
    res = CliRunner().invoke(main, ["solve", str(path), "--scenario", "nope"])
    assert res.exit_code == 2 and "unknown scenario 'nope'" in res.output


def test_scenario_errors_name_the_scenario(tmp_path):
    bad = EVASION.replace("origin: s2, destination: t", "origin: s9, destination: t") \
        .replace("probability: 0.4", "probability: 0.5")
    path = tmp_path / "e.yaml"
    path.write_text(bad)
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 1
    assert "scenario 'from_s2', field 'shipment': origin: unknown node 's9'" in res.output
    assert "probabilities sum to 1.1, not 1" in res.output


def test_shipment_scenarios_match_separate_solves():
    """Each scenario alone, solved as an ordinary instance, equals the scenario's share."""
    inst = evasion()
    r = solve(inst, budgets={"sensors": 0})
    # aggregated into one block of both members
    assert len(r.scenarios) == 1 and set(r.scenarios[0].members) == {"from_s1", "from_s2"}
    assert r.scenarios[0].value_after == pytest.approx(0.43)
    single = replace(inst, scenarios=(Scenario("only", 1.0, shipment=Shipment("s2", "t", "unit")),))
    assert solve(single, budgets={"sensors": 0}).value_after == pytest.approx(0.4)


@pytest.mark.parametrize("budget,expected,plan", [
    (0, 0.4, {}),  # s2 alone: 0.8·0.5 (s1, worth 0.45, cannot happen)
    (1, 0.08, {"sensor_at": 1}),  # s2: 0.8·0.1; sensor on s2→a would leave 0.2·0.5 = 0.1
])
def test_worst_case_ignores_a_scenario_that_cannot_happen(budget, expected, plan):
    """The worst case is over scenarios of positive probability, in the MILP as in the
    evaluation: a zero-probability scenario worth more must not raise the bound (it used
    to, and the certificate then failed)."""
    inst = evasion()
    inst = replace(inst, scenarios=(replace(inst.scenarios[0], probability=0.0),
                                    replace(inst.scenarios[1], probability=1.0)))
    r = solve(inst, risk="worst", budgets={"sensors": budget})
    assert r.value_after == pytest.approx(expected, abs=1e-9)
    assert r.plan.as_dict() == plan
    assert_certified(r)


@pytest.mark.slow
def test_cli_uncertainty_results_do_not_depend_on_the_worker_count(tmp_path):
    """evaluate (Monte Carlo), saa and vss, through the command line, with 1 and 2 worker
    processes: identical JSON (every sample and replication has its own seed, every MILP
    one HiGHS thread)."""
    import json

    noisy = EVASION.replace("seizure: 0.1}", "seizure: {value: 0.1, range: [0.02, 0.3]}}")
    noisy = noisy.replace("seizure: 0.5}", "seizure: {value: 0.5, triangular: [0.3, 0.5, 0.7]}}")
    assert noisy.count("range") == 1 and noisy.count("triangular") == 1
    path = tmp_path / "noisy.yaml"
    path.write_text(noisy)
    commands = {"evaluate": ["-n", "40", "--seed", "3"],
                "saa": ["-n", "6", "-m", "4", "--eval-samples", "30", "--seed", "2"],
                "vss": []}
    for name, args in commands.items():
        out = []
        for workers in ("1", "2"):
            js = tmp_path / f"{name}{workers}.json"
            res = CliRunner().invoke(main, [name, str(path), *args, "--workers", workers,
                                            "--json", str(js)])
            assert res.exit_code == 0, res.output
            out.append(json.loads(js.read_text()))
        assert out[0] == out[1], name
    mc = json.loads((tmp_path / "evaluate1.json").read_text())
    assert mc["samples"] == 40 and len(set(mc["values"])) > 10  # really sampled
    saa = json.loads((tmp_path / "saa1.json").read_text())
    assert len(saa["candidates"]) == 4
