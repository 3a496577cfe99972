"""What the smuggler believes (docs/model.md §13): the smuggler plans with perceived data,
the defender's outcome is counted with the true data. Hand-derived answers, the MILP
against enumeration with the outcome-range LPs, instances without beliefs unchanged, and
located errors for bad perceived input."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from optimizer import InstanceError, Plan, solve
from optimizer.certify.enumerate import feasible_plans
from optimizer.certify.evaluate import OutcomeEvaluator
from optimizer.certify.harm import outcome_range
from optimizer.cli import main
from optimizer.compile.network import compile_instance
from optimizer.compile.outcome import seized_outcome, true_value_outcome
from optimizer.compile.problem import build_problem
from optimizer.errors import UsageError
from optimizer.formulation import DualValue, PerceivedOutcome
from optimizer.formulation.bilevel import build_harm_milp, build_outcome_milp
from optimizer.instance.beliefs import perceived_instance
from optimizer.instance.reader import read_instance_text
from optimizer.instance.writer import instance_to_dict, write_instance

from helpers import assert_certified, random_instance, with_beliefs

#: Two lanes to one market. Lane A is believed watched (seizure 0.5) but is not (0);
#: lane B is seized at 0.2, as believed. A covert scanner and a visible one each raise B's
#: seizure by 0.4; one can be afforded.
LANES = textwrap.dedent("""\
    name: lanes
    resources:
      - {id: usd, budget: 1}
    commodities:
      - {id: drug, unit: kg, value: 10, harm: 1, replacement: 4}
    nodes:
      - {id: src, kind: source}
      - {id: mkt, kind: market}
    supplies:
      - {node: src, commodity: drug, amount: 10}
    arcs:
      - {id: A, from: src, to: mkt, seizure: 0, perceived: {seizure: 0.5}}
      - {id: B, from: src, to: mkt, seizure: 0.2}
    actions:
      - id: covert
        cost: {usd: 1}
        effects: [{type: raise_seizure, arcs: [B], amount: 0.4, perceived: false}]
      - id: visible
        cost: {usd: 1}
        effects: [{type: raise_seizure, arcs: [B], amount: 0.4}]
    """)


def lanes():
    return read_instance_text(LANES, "lanes.yaml")


def figures(problem, plan, objective="value"):
    """(flow on A, flow on B, believed value, true value, true units seized, harm)."""
    ev = OutcomeEvaluator(problem, objective, "optimistic")(Plan.of(plan), fresh=True)
    sc, sol = problem.scenarios[0], ev.responses[0]
    x = Plan.of(plan).binaries(problem.net)
    true_value = true_value_outcome(sc.net, sc.seen).evaluate(sol, x)
    return (sol.flow[0], sol.flow[1], sol.value, true_value,
            seized_outcome(sc.net).evaluate(sol, x), float(sol.delivered.sum()))


def test_hand_derived_lanes():
    """No action: A looks like 5 per unit shipped (half is lost), B like 8: all 10 kg go by
    B, 8 delivered, V = 80 both believed and true, 2 kg seized. A covert scanner on B is not
    avoided: the smuggler still ships 10 by B and plans on 8 arriving, loses 6 instead of 2
    and makes good the 4 kg at 4 each: V_true = 80 − 16 = 64. A visible one makes B look
    like 4 per unit: the smuggler moves to A (believed 50), where nothing is seized; it
    planned on losing 5 kg, so V_true = 50 + 5·4 = 70, and it delivers 5 (harm 5)."""
    problem = build_problem(lanes())
    assert problem.beliefs
    assert figures(problem, {}) == pytest.approx((0, 10, 80, 80, 2, 8), abs=1e-6)
    assert figures(problem, {"covert": 1}) == pytest.approx((0, 10, 80, 64, 6, 8), abs=1e-6)
    assert figures(problem, {"visible": 1}) == pytest.approx((10, 0, 50, 70, 0, 5), abs=1e-6)
    for tie in ("optimistic", "pessimistic"):
        r = solve(problem, formulation=PerceivedOutcome("value", tie))
        assert r.plan == Plan.of({"covert": 1}), tie
        assert r.certificate.plan_value == pytest.approx(64, abs=1e-6)
        b = r.beliefs
        assert (b.before.believed_value, b.before.true_value, b.before.true_seized,
                b.before.harm) == pytest.approx((80, 80, 2, 8), abs=1e-6)
        assert (b.after.believed_value, b.after.true_value, b.after.believed_seized,
                b.after.true_seized, b.after.harm) == pytest.approx((80, 64, 2, 6, 8), abs=1e-6)
        assert_certified(r)
        h = solve(problem, formulation=PerceivedOutcome("harm", tie))
        assert h.plan == Plan.of({"visible": 1}), tie
        assert h.harm.harm_after == pytest.approx(5, abs=1e-6)
        assert h.beliefs.after.true_value == pytest.approx(70, abs=1e-6)
        assert_certified(h)
    # with the defaults, a solve on this instance is the beliefs formulation
    default = solve(lanes())
    assert default.method.startswith("beliefs-milp") and default.plan == Plan.of({"covert": 1})


def test_believed_truth_changes_nothing():
    """Perceived values equal to the true ones (written out): the beliefs formulation gives
    the zero-sum plan's value (the true value is then the smuggler's value); and with
    perceived = true the harm MILP is the one without beliefs, entry for entry."""
    for seed in (1, 3, 4, 6):
        try:
            inst = random_instance(seed)
        except InstanceError:
            continue
        same = replace(inst, arcs=tuple(replace(a, perceived_seizure=a.seizure,
                                                perceived_cost=a.cost) for a in inst.arcs))
        assert same.has_beliefs and not inst.has_beliefs
        zero = solve(inst)
        assert zero.method.startswith("dual-milp") and zero.beliefs is None
        for tie in ("optimistic", "pessimistic"):
            r = solve(same, formulation=PerceivedOutcome("value", tie))
            assert r.certificate.plan_value == pytest.approx(
                zero.value_after, abs=1e-6 * max(1.0, zero.value_before))
        plain = build_problem(replace(inst, commodities=tuple(
            replace(c, harm=1.0) for c in inst.commodities)))
        assert not plain.beliefs
        seen = replace(plain, scenarios=[replace(sc, perceived=compile_instance(
            perceived_instance(sc.net.instance))) for sc in plain.scenarios])
        assert seen.beliefs
        for mode in ("optimistic", "pessimistic"):
            a, b = build_harm_milp(plain, mode).model.to_matrix(), \
                build_outcome_milp(seen, "harm", mode).model.to_matrix()
            assert (a.matrix != b.matrix).nnz == 0
            assert np.array_equal(a.cost, b.cost) and np.array_equal(a.row_upper, b.row_upper)


def enumerate_outcomes(problem, objective):
    """Per feasible plan: (least, most) outcome over the smuggler's optimal responses, by
    the outcome-range LPs (combined over scenarios), independent of the MILP."""
    table = {}
    for x in feasible_plans(problem.net):
        low, high = [], []
        for sc in problem.scenarios:
            from optimizer.compile.outcome import scenario_outcome

            r = outcome_range(sc.seen, x, outcome=scenario_outcome(sc, objective))
            low.append(r.low_outcome)
            high.append(r.high_outcome)
        table[Plan.from_binaries(problem.net, x)] = (problem.combine(low), problem.combine(high))
    return table


def check_against_enumeration(inst):
    problem = build_problem(inst)
    for objective in ("value", "harm"):
        table = enumerate_outcomes(problem, objective)
        scale = max(1.0, max(abs(v) for pair in table.values() for v in pair))
        tol = 1e-5 * scale
        for tie, i in (("optimistic", 0), ("pessimistic", 1)):
            r = solve(problem, formulation=PerceivedOutcome(objective, tie))
            best = min(v[i] for v in table.values())
            assert r.certificate.plan_value == pytest.approx(best, abs=tol), (objective, tie)
            assert table[r.plan][i] == pytest.approx(r.certificate.plan_value, abs=tol)
            assert_certified(r)


def _belief_instances(count: int, start: int = 0):
    out, seed = [], start
    while len(out) < count:
        try:
            out.append(with_beliefs(random_instance(seed), seed))
        except InstanceError:
            pass
        seed += 1
    return out


@pytest.mark.parametrize("inst", _belief_instances(6), ids=lambda i: "")
def test_milp_equals_enumeration(inst):
    check_against_enumeration(inst)


@pytest.mark.slow
@pytest.mark.parametrize("inst", _belief_instances(30, start=200), ids=lambda i: "")
def test_milp_equals_enumeration_many(inst):
    check_against_enumeration(inst)


def test_scenarios_carry_beliefs():
    """A scenario may set what the smuggler believes of an arc: here it believes lane B
    watched (perceived seizure 0.6) and uses lane A; the base believes A watched. The
    expected true value over both agrees with enumeration."""
    text = LANES + textwrap.dedent("""\
        scenarios:
          - {id: calm, probability: 0.5}
          - id: rumour
            probability: 0.5
            arcs: [{id: B, perceived: {seizure: 0.6}}]
        """)
    inst = read_instance_text(text, "lanes.yaml")
    problem = build_problem(inst, aggregate=False)
    seen = [sc.seen.arc_p.tolist() for sc in problem.scenarios]
    assert seen == [[0.5, 0.2], [0.5, 0.6]]
    # no action: calm as before (80); rumour: A looks like 5, B like 4 → A, true value
    # 50 + 5·4 = 70
    ev = OutcomeEvaluator(problem, "value", "optimistic")(Plan.of({}), fresh=True)
    assert ev.objective == pytest.approx(0.5 * 80 + 0.5 * 70, abs=1e-6)
    check_against_enumeration(inst)
    # written and read back: the same beliefs
    again = read_instance_text(json.dumps(instance_to_dict(inst)), "x.json", fmt="json")
    assert again.scenarios == inst.scenarios and again.arcs == inst.arcs


def test_round_trip(tmp_path):
    inst = _belief_instances(1, start=3)[0]
    assert inst.has_beliefs
    path = tmp_path / "b.yaml"
    write_instance(inst, path)
    from optimizer.instance.reader import load_instance

    back = load_instance(path)
    assert back.arcs == inst.arcs and back.actions == inst.actions
    assert back.commodities == inst.commodities


def test_zero_sum_paths_refuse_beliefs():
    problem = build_problem(lanes())
    with pytest.raises(UsageError, match="perceived"):
        solve(problem, formulation=DualValue())
    with pytest.raises(UsageError, match="perceived"):
        DualValue().build(problem)


BAD = [
    ("seizure: 0, perceived: {seizure: 0.5}", "seizure: 0, perceived: {seizure: 1.5}",
     "lanes.yaml:12: arc 'A' perceived, field 'seizure': must be < 1, got 1.5"),
    ("seizure: 0, perceived: {seizure: 0.5}", "seizure: 0, perceived: {cost: -2}",
     "lanes.yaml:12: arc 'A' perceived, field 'cost': must be ≥ 0, got -2"),
    ("seizure: 0, perceived: {seizure: 0.5}", "seizure: 0, perceived: {speed: 2}",
     "lanes.yaml:12: arc 'A' perceived, field 'speed': unknown field"),
    ("seizure: 0, perceived: {seizure: 0.5}", "seizure: 0, perceived: 0.5",
     "lanes.yaml:12: arc 'A', field 'perceived': must be a mapping"),
    ("amount: 0.4, perceived: false}", "amount: 0.4, perceived: maybe}",
     "lanes.yaml:17: action 'covert' effect #1, field 'perceived': must be true or false"),
    ("amount: 0.4, perceived: false}", "amount: 0.4, perceived: false, perceived_amount: 0.1}",
     "lanes.yaml:17: action 'covert' effect #1, field 'perceived_amount': a covert effect"),
    ("amount: 0.4}]", "amount: 0.4, perceived_amount: 1.5}]",
     "lanes.yaml:20: action 'visible' effect #1, field 'perceived_amount': must be ≤ 1, got 1.5"),
    ("amount: 0.4}]", "amount: 0.4, perceived_amount: [0.1, 0.2]}]",
     "lanes.yaml:20: action 'visible' effect #1, field 'perceived_amount': lists 2 amounts"),
    ("amount: 0.4}]", "amount: 0.4, perceived_amount: 0.9}]",
     "lanes.yaml:18: action 'visible', field 'effects': as the smuggler perceives it: seizure "
     "probability of arc 'B' for 'drug' can reach 1.1 > 1"),
    ("{type: raise_seizure, arcs: [B], amount: 0.4}]",
     "{type: remove, arcs: [B], perceived: false}]",
     "lanes.yaml:20: action 'visible' effect #1, field 'perceived': only raise_seizure and "
     "raise_cost may be misperceived"),
    ("replacement: 4}", "replacement: -4}",
     "lanes.yaml:5: commodity 'drug', field 'replacement': must be ≥ 0, got -4"),
]


@pytest.mark.parametrize("old,new,message", BAD)
def test_bad_perceived_input_is_located_through_the_cli(tmp_path, old, new, message):
    assert LANES.count(old) == 1
    path = tmp_path / "lanes.yaml"
    path.write_text(LANES.replace(old, new))
    res = CliRunner().invoke(main, ["solve", str(path)])
    assert res.exit_code == 1, res.output
    assert message.replace("lanes.yaml", str(path)) in res.output, res.output
    assert "Traceback" not in res.output


def test_bad_scenario_belief_is_located(tmp_path):
    text = LANES + "scenarios:\n  - id: rumour\n    probability: 1\n" \
        "    arcs: [{id: B, perceived: {seizure: 2}}]\n"
    path = tmp_path / "lanes.yaml"
    path.write_text(text)
    res = CliRunner().invoke(main, ["solve", str(path)])
    assert res.exit_code == 1
    assert "scenario 'rumour' arc 'B' perceived, field 'seizure': must be < 1, got 2" in res.output


def test_cli_solve_reports_believed_and_true(tmp_path):
    path = tmp_path / "lanes.yaml"
    path.write_text(LANES)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["solve", str(path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "smuggler plans with the data it believes" in res.output
    assert "smuggler's true value 80 value units before → 64 value units after" in res.output
    assert "units seized, true" in res.output
    data = json.loads(out.read_text())
    assert set(data["beliefs"]) == {"optimistic", "pessimistic"}
    after = data["beliefs"]["optimistic"]["beliefs"]["after"]
    assert after["true_value"] == pytest.approx(64, abs=1e-6)
    assert after["true_seized"] == pytest.approx(6, abs=1e-6)
    res = CliRunner().invoke(main, ["solve", str(path), "--objective", "harm", "--tie",
                                    "pessimistic"])
    assert res.exit_code == 0, res.output
    assert "visible" in res.output and "pessimistic tie-break" in res.output
    for args, hint in ((["--focus", "drug"], "--focus"), (["--method", "benders"], "bilevel"),
                       ):
        res = CliRunner().invoke(main, ["solve", str(path), *args])
        assert res.exit_code == 2 and hint in res.output, res.output


def test_cli_zero_sum_commands_refuse_beliefs(tmp_path):
    path = tmp_path / "lanes.yaml"
    path.write_text(LANES)
    for args in (["sweep", str(path), "--resource", "usd", "--values", "0,1", "--no-store"],
                 ["evaluate", str(path)]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, res.output
        assert "not available where the smuggler plans with perceived data" in res.output
        assert "interdict solve FILE" in res.output


def test_hand_derived_tie_break():
    """A visible scanner of 0.3 makes B look like A (both lose half): the smuggler is
    indifferent between them. All by B: true value 50 (B's true seizure 0.5 is what it
    expects); all by A: 50 + 5·4 = 70. The optimistic defender counts 50 and picks the
    visible scanner; the pessimistic one counts 70 and prefers the covert one (64)."""
    inst = read_instance_text(LANES.replace("amount: 0.4}]", "amount: 0.3}]"), "lanes.yaml")
    problem = build_problem(inst)
    x = Plan.of({"visible": 1}).binaries(problem.net)
    from optimizer.compile.outcome import scenario_outcome

    sc = problem.scenarios[0]
    r = outcome_range(sc.seen, x, outcome=scenario_outcome(sc, "value"))
    assert (r.value, r.low_outcome, r.high_outcome) == pytest.approx((50, 50, 70), abs=1e-6)
    assert r.low.flow[1] == pytest.approx(10) and r.high.flow[0] == pytest.approx(10)
    opt = solve(problem, formulation=PerceivedOutcome("value", "optimistic"))
    pes = solve(problem, formulation=PerceivedOutcome("value", "pessimistic"))
    assert opt.plan == Plan.of({"visible": 1})
    assert opt.certificate.plan_value == pytest.approx(50, abs=1e-6)
    assert pes.plan == Plan.of({"covert": 1})
    assert pes.certificate.plan_value == pytest.approx(64, abs=1e-6)
    assert pes.bound == pytest.approx(50, abs=1e-6)  # the optimistic optimum bounds it
    assert_certified(opt)
    assert_certified(pes)
