"""A plan explained: what each action buys equals an independent re-solve with that action
dropped (``optimizer.evaluate_plan``; for harm, the exact harm range of the plan), effects
read in words from the instance, and displacement found where deliveries rise."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from optimizer import evaluate_plan, load_instance, solve
from optimizer.compile.network import Plan
from optimizer.pipeline import as_problem
from optimizer.results.explain import Shift
from optimizer.studies.compare import plan_outcome
from optimizer.studies.explain import Describer, listing
from optimizer.studies.harm import solve_harm

from helpers import (
    EXAMPLE,
    instance,
    random_stochastic,
    recipe_instance,
    substitution,
    ties,
    valid_random_instance,
)


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


def test_harm_avoided_by_hand():
    """substitution() (budget 1, tests/helpers.py): the zero-sum plan hits the heroin route
    and fentanyl fills the border, harm 100 against 10 without it: the action avoids -90
    (it adds 90) under both tie-breaks, shown once. ties() (budget 1): the zero-sum plan
    squeezes the border (8 units; value 24 either way); without it 10 units: harm 10 / 100
    (all heroin / all fentanyl), with it 8 / 80: it avoids 2 / 20, shown twice."""
    from optimizer.report.text import explanation_table, render_solve

    r = solve(substitution(), explain=True)
    (a,) = r.explanation.actions
    assert a.action == "hit heroin route"
    assert a.harm_without == pytest.approx({"optimistic": 10, "pessimistic": 10})
    assert a.harm_avoided == pytest.approx({"optimistic": -90, "pessimistic": -90})
    assert r.explanation.plan_harm == pytest.approx({"optimistic": 100, "pessimistic": 100})
    text = render_solve(r, width=200)
    titles = [c.header for c in explanation_table(r, r.explanation).columns]
    assert titles[2] == "harm avoided (harm units)"
    # the row: action, value lost, harm avoided (once: the tie-breaks agree), what it does
    assert re.search(r"│ hit heroin route @ 1 │ +20 │ +-90 │ removes the arc poppy–border",
                     text), text
    r = solve(ties(), explain=True)
    (a,) = r.explanation.actions
    assert a.action == "squeeze border"
    assert a.harm_avoided == pytest.approx({"optimistic": 2, "pessimistic": 20})
    assert re.search(r"│ squeeze border @ 1 │ +6 │ +\+2 / \+20 │ cuts the capacity",
                     render_solve(r, width=200))
    data = r.to_dict()["explanation"]
    assert data["actions"][0]["harm_avoided"] == pytest.approx(
        {"optimistic": 2, "pessimistic": 20})
    assert data["plan_harm"] == pytest.approx({"optimistic": 8, "pessimistic": 80})


def _with_harm(inst):
    """``inst`` with harm per unit 1, 3, 5 … on its commodities."""
    return replace(inst, commodities=tuple(replace(c, harm=1.0 + 2 * i)
                                           for i, c in enumerate(inst.commodities)))


@pytest.mark.parametrize("make", [lambda: substitution(budget=2), ties,
                                  lambda: _with_harm(load_instance(EXAMPLE)),
                                  lambda: _with_harm(valid_random_instance(0)),
                                  lambda: _with_harm(random_stochastic(0))])
def test_harm_avoided_equals_the_harm_report(make):
    """Each action's harm avoided, per tie-break, equals the harm report's total harm of the
    plan without it less that of the plan (``studies.compare.plan_outcome``: the harm range
    re-solved in each scenario), the value objective unchanged."""
    inst = make()
    r = solve(inst, explain=True)
    assert r.actions
    problem = as_problem(inst)
    e = r.explanation
    assert e.objective == "value" and len(e.actions) == len(r.plan.levels)
    for mode in ("optimistic", "pessimistic"):
        plan = plan_outcome(problem, r.plan, mode, "plan").total_harm
        assert e.plan_harm[mode] == pytest.approx(plan, abs=1e-7)
        for a in e.actions:
            without = plan_outcome(problem, _without(r.plan, a.action), mode, "drop")
            assert a.harm_without[mode] == pytest.approx(without.total_harm, abs=1e-7)
            assert a.harm_avoided[mode] == pytest.approx(without.total_harm - plan, abs=1e-7)


def test_no_harm_avoided_without_harm_weights_or_with_the_harm_objective():
    r = solve(recipe_instance(2), explain=True)  # no harm weights
    assert r.explanation.plan_harm is None
    assert all(a.harm_avoided is None for a in r.explanation.actions)
    r = solve_harm(substitution(budget=2), explain=True)  # what it buys is harm already
    assert r.explanation.plan_harm is None


def test_names_with_commas_stay_one_item():
    """Node names holding a comma, ``and`` or a quote are quoted (inner quotes doubled), so
    a listing's commas, ``and`` and the pair's dash never split or join names."""
    from optimizer.instance.model import Node, Resource

    from helpers import action, arc

    nodes = [Node("lab", "lab", name="Heroin processing, Guerrero"),
             Node("lab2", "lab", name='The "Old" lab'),
             Node("hub", "hub", name="Mexico City"),
             Node("us", "market", name="U.S. mail and express-parcel network")]
    arcs = [arc("lab", "hub", mode="road"), arc("lab2", "hub", mode="road"),
            arc("hub", "us", mode="road")]
    acts = [action("raid", [("remove", {"nodes": ["lab", "lab2", "hub"]}, 0)],
                   cost={"budget": 1}),
            action("roads", [("cut_capacity", {"arcs": [a.id for a in arcs]}, 0.5)],
                   cost={"budget": 1})]
    inst = instance(nodes, arcs, actions=acts, resources=[Resource("budget", 1)],
                    check=False)  # words only: nothing is solved
    d = Describer(inst)
    by = {a.id: a for a in inst.actions}
    assert d.action(by["raid"], 1) == (
        'removes "Heroin processing, Guerrero", "The ""Old"" lab" and Mexico City',)
    assert d.action(by["roads"], 1) == (
        'cuts the capacity of the roads Mexico City–"U.S. mail and express-parcel network", '
        '"Heroin processing, Guerrero"–Mexico City and "The ""Old"" lab"–Mexico City by 50%',)


def test_a_narrow_explanation_folds_names_instead_of_cutting_them():
    """A column too narrow for a long name folds it over lines: nothing of what an action
    does is cut to ``…``."""
    import io

    from optimizer.report.text import _console, explanation_table

    r = solve(substitution(budget=2), explain=True)
    buf = io.StringIO()
    _console(buf, 44).print(explanation_table(r, r.explanation))
    text = buf.getvalue()
    assert "…" not in text
    last_column = "".join(ln.split("│")[-2].strip() for ln in text.splitlines()
                          if ln.startswith("│"))
    shown = sorted(r.explanation.actions, key=lambda a: (-a.objective_lost, a.action))
    does = "".join(re.sub(r"\s", "", "; ".join(a.does)) for a in shown)
    assert re.sub(r"\s", "", last_column) == does
