"""A plan explained: what each action buys equals an independent re-solve with that action
dropped (``optimizer.evaluate_plan``; for harm, the exact harm range of the plan), effects
read in words from the instance, and displacement found where deliveries rise."""

from __future__ import annotations

import pytest

from optimizer import evaluate_plan, load_instance, solve
from optimizer.compile.network import Plan
from optimizer.pipeline import as_problem
from optimizer.results.explain import Shift
from optimizer.studies.compare import plan_outcome
from optimizer.studies.explain import Describer, listing
from optimizer.studies.harm import solve_harm

from helpers import EXAMPLE, recipe_instance, substitution, valid_random_instance


def _without(plan: Plan, action: str) -> Plan:
    return Plan.of({a: lv for a, lv in plan.levels if a != action})


def test_hand_derived_leave_one_out_values():
    """recipe_instance(2) (docstring): both actions, value 30; without the lab raid the
    squeezed border carries 20 kg fentanyl (200); without the squeeze the raid leaves 25
    heroin (75)."""
    r = solve(recipe_instance(2), explain=True)
    assert r.value_after == pytest.approx(30)
    by = {a.action: a for a in r.explanation.actions}
    assert by["raid lab"].objective_without == pytest.approx(200)
    assert by["raid lab"].objective_lost == pytest.approx(170)
    assert by["squeeze border"].objective_without == pytest.approx(75)
    assert by["squeeze border"].objective_lost == pytest.approx(45)
    assert by["raid lab"].does == ("removes lab",)
    assert by["squeeze border"].does == ("cuts the capacity of the arc border–us by 60%",)


def test_displacement_is_flagged():
    """recipe_instance(1): the lab raid pushes heroin deliveries from 15 to 25 (docstring)."""
    r = solve(recipe_instance(1), explain=True)
    shifts = {(s.kind, s.where, s.commodity): s for s in r.explanation.displaced}
    assert shifts[("commodity", "", "heroin")].before == pytest.approx(15)
    assert shifts[("commodity", "", "heroin")].after == pytest.approx(25)
    assert shifts[("market", "us", "heroin")].rise == pytest.approx(10)
    assert ("commodity", "", "fentanyl") not in shifts  # fentanyl falls to 0


@pytest.mark.parametrize("seed", range(6))
def test_leave_one_out_equals_evaluate_plan(seed):
    inst = valid_random_instance(seed)
    r = solve(inst, explain=True)
    assert len(r.explanation.actions) == len(r.plan.levels)
    for a in r.explanation.actions:
        independent = evaluate_plan(inst, _without(r.plan, a.action))
        assert a.objective_without == pytest.approx(independent, rel=1e-9, abs=1e-9)
        assert a.value_without == pytest.approx(independent, rel=1e-9, abs=1e-9)
        assert a.objective_lost == pytest.approx(independent - r.value_after, abs=1e-7)


def test_shipped_example_leave_one_out_and_words():
    inst = load_instance(EXAMPLE)
    r = solve(inst, explain=True)
    for a in r.explanation.actions:
        assert a.objective_without == pytest.approx(
            evaluate_plan(inst, _without(r.plan, a.action)), rel=1e-9)
    by = {a.action: a for a in r.explanation.actions}
    assert by["scanners"].does == (
        "raises the seizure probability of the commercial lane tijuana–san_diego and the "
        "private-vehicle lane tijuana–san_diego by 15 points",)
    assert r.explanation.commodity_order == ("pills", "fentanyl")  # by value delivered
    # the source note of a quoted number reaches the explanation (and so the JSON)
    fent = next(a for a in r.explanation.actions if a.action == "press_controls")
    assert fent.cost_sources == {} and fent.effect_sources == ("",)
    assert r.to_dict()["explanation"]["actions"][0]["does"]


@pytest.mark.parametrize("mode", ["optimistic", "pessimistic"])
def test_harm_leave_one_out_equals_the_exact_harm_range(mode):
    """substitution(2) under each tie-break: each action's harm without it equals the
    harm range of the plan without it (certify.harm, via studies.compare.plan_outcome)."""
    inst = substitution(budget=2)
    r = solve_harm(inst, mode=mode, explain=True)
    problem = as_problem(inst)
    assert r.explanation.objective == "harm"
    for a in r.explanation.actions:
        oracle = plan_outcome(problem, _without(r.plan, a.action), mode, "drop")
        assert a.objective_without == pytest.approx(oracle.total_harm, abs=1e-7)
        assert a.value_without == pytest.approx(oracle.smuggler_value, abs=1e-7)
        assert a.objective_lost == pytest.approx(oracle.total_harm - r.harm.harm_after,
                                                 abs=1e-7)
    # commodities are listed most harm first, the harm summed by hand from the deliveries
    # (harm per unit: heroin 1, fentanyl 10)
    delivered = r.after.delivered_by_commodity
    by_hand = {"heroin": delivered["heroin"], "fentanyl": 10 * delivered["fentanyl"]}
    assert r.explanation.harm_by_commodity == pytest.approx(by_hand)
    order = r.explanation.commodity_order
    assert list(order) == sorted(order, key=lambda k: (-by_hand[k], k))


def test_words_for_selectors():
    inst = load_instance(EXAMPLE)
    d = Describer(inst)
    drone = next(a for a in inst.actions if any(e.targets.modes for e in a.effects))
    text = d.action(drone, 1)[0]
    assert "drone route" in text
    assert listing(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert listing(["a", "b"]) == "a and b"
    assert Shift("mode", "tunnel", "fentanyl", 1.0, 3.0).rise == 2.0
