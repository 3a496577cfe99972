"""Harm-weighted plans: the non-zero-sum bilevel MILP against enumeration and hand-derived
answers, both tie-breaks, and the comparison with the zero-sum plan."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import InstanceError, Plan, compile_instance, solve
from optimizer.certify.enumerate import feasible_plans
from optimizer.certify.harm import harm_range
from optimizer.cli import main
from optimizer.instance.writer import write_instance
from optimizer.studies.compare import compare_harm
from optimizer.studies.harm import solve_harm

from helpers import assert_certified, random_instance, substitution, ties


def test_hand_derived_substitution():
    inst = substitution()
    zero = solve(inst)
    assert zero.plan == Plan.of({"hit heroin route": 1}) and zero.value_after == pytest.approx(30)
    # the zero-sum plan raises fentanyl delivered and total harm
    assert zero.before.delivered_by_commodity["fentanyl"] == pytest.approx(0)
    assert zero.after.delivered_by_commodity["fentanyl"] == pytest.approx(10)
    net = compile_instance(inst)
    assert harm_range(net).high_harm == pytest.approx(10)
    assert harm_range(net, zero.plan.binaries(net)).low_harm == pytest.approx(100)
    for mode in ("optimistic", "pessimistic"):
        r = solve_harm(inst, mode=mode)
        assert r.plan == Plan.of({"squeeze border": 1}), mode
        assert r.harm.harm_after == pytest.approx(8, abs=1e-6)
        assert r.harm.harm_before == pytest.approx(10, abs=1e-6)
        assert r.value_after == pytest.approx(40)
        assert_certified(r)
        assert r.harm.gap == pytest.approx(0, abs=1e-7)
    comp = compare_harm(inst, modes=("optimistic",), focus=("heroin",))
    rows = {o.label: o for o in comp.outcomes}
    # a heroin-focused campaign hits the heroin route: fentanyl takes the border
    assert rows["heroin-focused plan"].plan == Plan.of({"hit heroin route": 1})
    assert rows["heroin-focused plan"].delivered["fentanyl"] == pytest.approx(10)
    assert rows["zero-sum plan"].delivered["fentanyl"] == pytest.approx(10)
    assert rows["zero-sum plan"].total_harm == pytest.approx(100)
    assert rows["harm plan (optimistic)"].total_harm == pytest.approx(8, abs=1e-6)




def test_tie_breaks_differ_and_both_are_certified():
    inst = ties()
    net = compile_instance(inst)
    hr = harm_range(net)
    assert hr.low_harm == pytest.approx(10) and hr.high_harm == pytest.approx(100)
    opt = solve_harm(inst, mode="optimistic")
    pes = solve_harm(inst, mode="pessimistic")
    assert opt.harm.harm_after == pytest.approx(8, abs=1e-6)  # squeeze: 8 units of heroin
    assert pes.plan == Plan.of({"hit fentanyl route": 1})
    assert pes.harm.harm_after == pytest.approx(10, abs=1e-6)
    assert pes.harm.pessimistic_after == pytest.approx(10, abs=1e-6)
    assert pes.harm.bound == pytest.approx(8, abs=1e-6)  # the optimistic optimum bounds it


def test_compare_harm_reuses_the_optimistic_bound(monkeypatch):
    """With both tie-breaks, the pessimistic solve's bound is the optimistic solve's, not
    solved for a second time; plan, harm and bound are those of the solve on its own."""
    import optimizer.pipeline as pipeline

    alone = solve_harm(ties(), mode="pessimistic")

    def refuse(*args, **kwargs):
        raise AssertionError("the optimistic MILP was solved again for the bound")

    monkeypatch.setattr(pipeline, "_optimistic_bound", refuse)
    comp = compare_harm(ties())
    pes, opt = comp.harm_results["pessimistic"], comp.harm_results["optimistic"]
    assert pes.plan == alone.plan
    assert pes.harm.harm_after == pytest.approx(alone.harm.harm_after, abs=1e-9)
    assert pes.bound == pytest.approx(opt.bound, abs=1e-9)
    assert pes.bound == pytest.approx(alone.bound, abs=1e-6)  # 8: the optimistic optimum


def enumerate_harm(net):
    """Per plan: the smuggler's LP, then the least / most harmful optimal response."""
    out = {}
    for x in feasible_plans(net):
        hr = harm_range(net, x)
        out[Plan.from_binaries(net, x)] = (hr.low_harm, hr.high_harm)
    return out


def with_harm(inst, rng):
    comms = tuple(replace(c, harm=float(rng.choice([0.0, 1.0, 3.0, 10.0])) or 0.5)
                  for c in inst.commodities)
    # equal values make ties (several optimal responses) common
    if rng.random() < 0.5 and len(comms) > 1:
        comms = tuple(replace(c, value=float(comms[-1].value)) for c in comms)
    return replace(inst, commodities=comms)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.integers(min_value=0, max_value=10**9))
def test_optimistic_and_pessimistic_equal_enumeration(seed):
    try:
        inst = with_harm(random_instance(seed), np.random.default_rng(seed))
        net = compile_instance(inst)
        table = enumerate_harm(net)
    except InstanceError:
        assume(False)
        return
    scale = max(1.0, max(h for _, h in table.values()))
    tol = 1e-5 * scale
    for mode, i in (("optimistic", 0), ("pessimistic", 1)):
        best = min(v[i] for v in table.values())
        r = solve_harm(inst, mode=mode)
        assert r.harm.harm_after == pytest.approx(best, abs=tol), mode
        assert table[r.plan][i] == pytest.approx(r.harm.harm_after, abs=tol)


def test_harm_equal_to_value_gives_the_zero_sum_plan():
    """Harm weights = the smuggler's values and no costs: harm of any response = its value,
    so minimising harm is minimising the smuggler's value."""
    for seed in (0, 4, 5, 9):
        inst = random_instance(seed)
        inst = replace(inst, arcs=tuple(replace(a, cost=0.0) for a in inst.arcs),
                       commodities=tuple(replace(c, harm=c.value) for c in inst.commodities),
                       actions=tuple(a for a in inst.actions
                                     if all(e.type != "raise_cost" for e in a.effects)))
        try:
            net = compile_instance(inst)
        except InstanceError:
            continue
        zero = solve(net)
        for mode in ("optimistic", "pessimistic"):
            r = solve_harm(net, mode=mode)
            assert r.harm.harm_after == pytest.approx(zero.value_after,
                                                      abs=1e-5 * max(1, zero.value_before))
            assert r.plan == zero.plan or math.isclose(
                solve(net, budgets=None).value_after, r.value_after, abs_tol=1e-6)


def test_cli_objective_harm(tmp_path):
    path = tmp_path / "s.yaml"
    write_instance(substitution(), path)
    out = tmp_path / "h.json"
    res = CliRunner().invoke(main, ["solve", str(path), "--objective", "harm", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "Zero-sum plan versus harm plan" in res.output
    assert "optimistic tie-break" in res.output and "pessimistic tie-break" in res.output
    data = json.loads(out.read_text())
    assert set(data) == {"harm", "zero_sum", "comparison", "rises"}
    # the paper's warning, measured: hitting heroin pushes the smuggler into fentanyl
    rises = {(r["plan"], r["mode"], r["commodity"]): r for r in data["rises"]}
    assert set(rises) == {("zero-sum plan", m, "fentanyl") for m in ("optimistic", "pessimistic")}
    assert all(r["after"] == pytest.approx(10.0, abs=1e-6) and r["before"] < 1e-6
               for r in rises.values())
    assert data["harm"]["optimistic"]["plan"] == {"squeeze border": 1}
    assert data["zero_sum"]["plan"] == {"hit heroin route": 1}
    no_harm = tmp_path / "n.yaml"
    write_instance(replace(substitution(), commodities=tuple(
        replace(c, harm=0.0) for c in substitution().commodities)), no_harm)
    res = CliRunner().invoke(main, ["solve", str(no_harm), "--objective", "harm"])
    assert res.exit_code == 1 and "needs harm weights" in res.output


@pytest.mark.parametrize("risk", ["expected", "worst", "cvar"])
def test_harm_over_scenarios_matches_value_when_harm_is_value(risk):
    """Evasion scenarios with harm 1 per unit = the value: harm plans over scenarios equal
    the zero-sum plans under every risk measure."""
    from helpers import evasion

    inst = evasion()
    inst = replace(inst, commodities=tuple(replace(c, harm=1.0) for c in inst.commodities))
    zero = solve(inst, risk=risk, alpha=0.5)
    for mode in ("optimistic", "pessimistic"):
        r = solve_harm(inst, mode=mode, risk=risk, alpha=0.5)
        assert r.harm.harm_after == pytest.approx(zero.value_after, abs=1e-6)
