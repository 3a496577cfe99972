"""Markets and producers that respond: demand curves on shared goods (substitution) and
supply cost curves, against enumeration and hand-derived answers."""

from __future__ import annotations

import pytest

from optimizer import InstanceError, SolveOptions, compile_instance, solve
from optimizer.certify.enumerate import enumerate_plans
from optimizer.certify.response import solve_smuggler
from optimizer.instance.model import Market, Piece, Scenario, Supply

from helpers import (
    Commodity,
    Node,
    Resource,
    action,
    arc,
    assert_certified,
    instance,
    random_instance,
    with_markets,
)


def market_instances(n: int):
    """The first ``n`` random instances that are valid with curves."""
    out, seed = [], 0
    while len(out) < n:
        try:
            out.append((seed, with_markets(random_instance(seed), seed)))
        except InstanceError:
            pass
        seed += 1
    return out


@pytest.mark.parametrize("seed,inst", market_instances(14))
def test_curves_milp_equals_enumeration(seed, inst):
    enum = enumerate_plans(compile_instance(inst))
    r = solve(inst)
    tol = 1e-6 * max(1.0, abs(r.value_before))
    assert r.value_after == pytest.approx(enum.best_value, abs=tol)
    assert_certified(r)


@pytest.mark.parametrize("seed,inst", market_instances(4))
def test_curves_pyomo_and_highs_agree(seed, inst):
    a = solve(inst)
    b = solve(inst, SolveOptions(backend="pyomo"))
    assert b.value_after == pytest.approx(a.value_after, abs=1e-6 * max(1.0, a.value_before))


def substitution_market(budget: float = 1.0):
    """Heroin (10 kg) and fentanyl (10 kg) reach one city through separate crossings of
    unlimited capacity. The city buys doses: a kg of heroin gives 1 dose-unit, a kg of
    fentanyl 2; the first 10 dose-units sell at 10, the next 20 at 4, nothing beyond.
    By hand — before: 10 heroin + 10 fentanyl = 30 doses = 10·10 + 20·4 = 180; the
    fentanyl gives 20 of them, the heroin 10.
      hit the heroin route: only fentanyl, 20 doses: 10·10 + 10·4 = 140 (fentanyl still 10 kg:
      all of it sells, and each dose is now worth more at the margin: 4 → 10 … average 7);
      hit the fentanyl route: 10 heroin doses: 100."""
    comms = [Commodity("heroin", "kg", harm=1.0), Commodity("fentanyl", "kg", harm=10.0)]
    arcs = [arc("poppy", "border", comms=["heroin"]), arc("lab", "border", comms=["fentanyl"]),
            arc("border", "city")]
    acts = [action("hit heroin", [("remove", {"arcs": ["poppy->border"]}, 0)],
                   cost={"budget": 1}),
            action("hit fentanyl", [("remove", {"arcs": ["lab->border"]}, 0)],
                   cost={"budget": 1})]
    nodes = [Node("poppy", "poppy"), Node("lab", "lab"), Node("border", "crossing"),
             Node("city", "market")]
    inst = instance(nodes, arcs, commodities=comms,
                    supplies=[("poppy", "heroin", 10), ("lab", "fentanyl", 10)], actions=acts,
                    resources=[Resource("budget", budget)], check=False)
    from dataclasses import replace

    market = Market("city", "doses", {"heroin": 1.0, "fentanyl": 2.0},
                    (Piece(10.0, 10.0), Piece(30.0, 4.0)))
    return replace(inst, markets=(market,))


def test_substitution_by_hand():
    inst = substitution_market()
    net = compile_instance(inst)
    before = solve_smuggler(net)
    assert before.value == pytest.approx(180.0)
    r = solve(inst)
    assert r.plan.as_dict() == {"hit fentanyl": 1} and r.value_after == pytest.approx(100.0)
    assert_certified(r)


def test_scarce_heroin_raises_the_value_of_fentanyl():
    """A demand curve shared by both drugs: with heroin removed, the fentanyl deliveries
    fetch a higher average price per kilogram (the heroin no longer fills the cheap end of
    the curve): 140/10 = 14 per kg of fentanyl against 2·(180 − 10·avg)… measured on
    the routes."""
    inst = substitution_market()
    net = compile_instance(inst)
    from optimizer.compile.network import Plan
    from optimizer.results.routes import realised_unit_values

    before = solve_smuggler(net)
    after = solve_smuggler(net, Plan.of({"hit heroin": 1}).binaries(net))
    fent = [d for d in range(len(net.del_node)) if net.comm_ids[net.del_comm[d]] == "fentanyl"]
    assert after.value == pytest.approx(140.0)
    assert after.delivered[fent].sum() == pytest.approx(10.0)
    # 30 doses sold for 180 (average 6) before; 20 for 140 (average 7) after
    assert realised_unit_values(net, before)[fent][0] == pytest.approx(2 * 6.0)
    assert realised_unit_values(net, after)[fent][0] == pytest.approx(2 * 7.0)


def test_supply_cost_curve_by_hand():
    """Precursor made at 1 per kg for the first 10 kg and 5 per kg up to 30 kg; a kg
    sells for 4 at the market. By hand: the smuggler makes 10 kg (profit 30) and stops
    where the marginal cost (5) passes the price (4); a 50% cut of production capacity
    leaves 5 kg + 10 kg: it still makes only the 5 cheap ones: 15."""
    from dataclasses import replace

    inst = instance(["src", Node("m", "market")], [arc("src", "m")],
                    commodities=[Commodity("precursor", "kg", value=4.0)],
                    supplies=[("src", "precursor", 30)],
                    actions=[action("controls", [("cut_supply", {"nodes": ["src"]}, 0.5)],
                                    cost={"budget": 1})], check=False)
    inst = replace(inst, supplies=(Supply("src", "precursor", 30.0,
                                          (Piece(10.0, 1.0), Piece(30.0, 5.0))),))
    net = compile_instance(inst)
    assert solve_smuggler(net).value == pytest.approx(30.0)
    r = solve(inst)
    assert r.value_after == pytest.approx(15.0) and r.plan.as_dict() == {"controls": 1}
    assert_certified(r)


def test_scenarios_keep_supply_curves():
    """The instance of the test above with two scenarios: one that changes only the arc's
    cost (0.5 per kg) keeps the cost curve - by hand 10 kg at 4 − 1 − 0.5: 25 (before the
    fix every supply became a free cap at its last up_to: 30 kg at 3.5 = 105); one that
    names the supply (amount 4) makes it a free cap of 4 kg: 16. Expected value 20.5; the
    mean-value instance keeps the curve only where all scenarios agree."""
    from dataclasses import replace

    from optimizer.instance.scenarios import mean_instance, scenario_instances

    inst = instance(["src", Node("m", "market")], [arc("src", "m")],
                    commodities=[Commodity("precursor", "kg", value=4.0)],
                    supplies=[("src", "precursor", 30)], check=False)
    curve = (Piece(10.0, 1.0), Piece(30.0, 5.0))
    inst = replace(inst, supplies=(Supply("src", "precursor", 30.0, curve),), scenarios=(
        Scenario("dearer", 0.5, arcs={"src->m": {"cost": 0.5}}),
        Scenario("capped", 0.5, supplies={("src", "precursor"): 4.0})))
    subs = {sc.id: sub for sc, sub in scenario_instances(inst)}
    assert subs["dearer"].supplies == (Supply("src", "precursor", 30.0, curve),)
    assert subs["capped"].supplies == (Supply("src", "precursor", 4.0),)
    values = {k: solve_smuggler(compile_instance(s)).value for k, s in subs.items()}
    assert values == {"dearer": pytest.approx(25.0), "capped": pytest.approx(16.0)}
    assert solve(inst).value_before == pytest.approx(20.5)
    mean = mean_instance(inst)  # 17 units on average, the curve scaled by 17/30
    (s,) = mean.supplies
    assert s.amount == pytest.approx(17.0)
    assert [p.up_to for p in s.curve] == pytest.approx([10 * 17 / 30, 17.0])
    only_cost = replace(inst, scenarios=(replace(inst.scenarios[0], probability=1.0),))
    assert mean_instance(only_cost).supplies == (Supply("src", "precursor", 30.0, curve),)


@pytest.mark.parametrize("seed,inst", market_instances(8))
def test_curves_harm_tie_breaks_equal_enumeration(seed, inst):
    """The harm bilevel MILP with goods and supply curves (primal q, γ terms in V):
    both tie-breaks equal enumeration of every plan's least / most harmful response."""
    import numpy as np

    from optimizer.certify.enumerate import feasible_plans
    from optimizer.certify.harm import harm_range
    from optimizer.compile.network import Plan
    from optimizer.studies.harm import solve_harm

    rng = np.random.default_rng(seed)
    from dataclasses import replace

    inst = replace(inst, commodities=tuple(replace(c, harm=float(rng.choice([1.0, 3.0, 10.0])))
                                           for c in inst.commodities))
    net = compile_instance(inst)
    table = {Plan.from_binaries(net, x): harm_range(net, x) for x in feasible_plans(net)}
    scale = max(1.0, max(h.high_harm for h in table.values()))
    for mode in ("optimistic", "pessimistic"):
        best = min(h.harm(mode) for h in table.values())
        r = solve_harm(inst, mode=mode)
        assert r.harm.harm_after == pytest.approx(best, abs=1e-5 * scale), mode
        assert table[r.plan].harm(mode) == pytest.approx(r.harm.harm_after, abs=1e-5 * scale)


MARKET_YAML = """\
name: doses
resources: [{id: usd, budget: 1}]
commodities:
  - {id: heroin, unit: kg, harm: 1}
  - {id: fentanyl, unit: kg, harm: 10}
nodes:
  - {id: poppy, kind: poppy, organization: Sinaloa}
  - {id: lab, kind: lab, organization: CJNG}
  - {id: border, kind: crossing}
  - {id: city, kind: market}
arcs:
  - {from: poppy, to: border, commodities: [heroin]}
  - {from: lab, to: border, commodities: [fentanyl]}
  - {from: border, to: city}
supplies:
  - {node: poppy, commodity: heroin, amount: 10}
  - node: lab
    commodity: fentanyl
    curve: [{up_to: 6, cost: 1}, {up_to: 10, cost: 3}]
markets:
  - node: city
    good: doses
    accepts: {heroin: 1, fentanyl: 2}
    curve: [{up_to: 10, price: 10}, {up_to: 30, price: 4}]
actions:
  - {id: hit_cjng, cost: {usd: 1},
     effects: [{type: raise_cost, organizations: [CJNG], commodities: [fentanyl], amount: 5}]}
"""


def test_markets_read_write_round_trip(tmp_path):
    from optimizer.instance.reader import load_instance, read_instance_text
    from optimizer.instance.writer import write_instance

    inst = read_instance_text(MARKET_YAML, "doses.yaml")
    assert inst.markets[0].accepts == {"heroin": 1.0, "fentanyl": 2.0}
    assert inst.supplies[1].curve[1] == Piece(10.0, 3.0) and inst.supplies[1].amount == 10.0
    path = tmp_path / "again.yaml"
    write_instance(inst, path)
    again = load_instance(path)
    assert again.markets == inst.markets and again.supplies == inst.supplies
    assert solve(again).value_after == pytest.approx(solve(inst).value_after)


def test_organization_targets_only_its_arcs_and_that_drug():
    """'hit_cjng' raises the cost of fentanyl on arcs leaving CJNG's lab by 5 per kg. By
    hand, before: 10 heroin (10 doses) + 10 fentanyl (20 doses): revenue 10·10 + 20·4 = 180,
    production 6·1 + 4·3 = 18 → 162. After: fentanyl costs 6 + 5 per kg (first 6) and
    8 (next 4) against a marginal revenue of 2·4 = 8 per kg: the first 6 still pay (8 > 6),
    the next 4 break even (8 = 8): the value is 100 (heroin's 10 doses at 10) + 6·(8 − 6)
    = 112, and no arc but the lab's is touched."""
    from optimizer.compile.network import Plan
    from optimizer.instance.reader import read_instance_text

    inst = read_instance_text(MARKET_YAML, "doses.yaml")
    net = compile_instance(inst)
    assert {net.arc_ids[net.fc_arc[fc]] for fc in net.cost_raise.element} == {"lab->border"}
    assert {net.comm_ids[net.fc_comm[fc]] for fc in net.cost_raise.element} == {"fentanyl"}
    assert solve_smuggler(net).value == pytest.approx(162.0)
    after = solve_smuggler(net, Plan.of({"hit_cjng": 1}).binaries(net))
    assert after.value == pytest.approx(112.0)


@pytest.mark.parametrize("old,new,field,message", [
    ("{up_to: 10, price: 10}, {up_to: 30, price: 4}",
     "{up_to: 10, price: 4}, {up_to: 30, price: 10}", "price", "prices must fall"),
    ("{up_to: 10, price: 10}, {up_to: 30, price: 4}",
     "{up_to: 10, price: 10}, {up_to: 5, price: 4}", "up_to", "above the previous"),
    ("accepts: {heroin: 1, fentanyl: 2}", "accepts: {heroin: 1, morphine: 2}",
     "accepts", "unknown commodity 'morphine'"),
    ("accepts: {heroin: 1, fentanyl: 2}", "accepts: {heroin: 1, fentanyl: 0}",
     "accepts", "every rate must be > 0"),
    ("{up_to: 6, cost: 1}, {up_to: 10, cost: 3}", "{up_to: 6, cost: 3}, {up_to: 10, cost: 1}",
     "cost", "costs must rise"),
    ("organizations: [CJNG]", "organizations: [Zetas]",
     "organizations", "no node or arc is held by 'Zetas'"),
])
def test_bad_market_input_is_located(tmp_path, old, new, field, message):
    """Curves that are not monotone, unknown commodities, bad rates, unknown organizations:
    each a located error through the CLI, and nothing written."""
    from click.testing import CliRunner

    from optimizer.cli import main

    assert old in MARKET_YAML
    path = tmp_path / "bad.yaml"
    path.write_text(MARKET_YAML.replace(old, new))
    res = CliRunner().invoke(main, ["solve", str(path), "--json", str(tmp_path / "r.json")])
    assert res.exit_code == 1, res.output
    assert message in res.output and f"field '{field}'" in res.output
    assert "bad.yaml:" in res.output and not (tmp_path / "r.json").exists()


def test_a_commodity_priced_twice_is_refused():
    from optimizer.instance.reader import read_instance_text

    text = MARKET_YAML.replace("{id: city, kind: market}",
                               "{id: city, kind: market, values: {heroin: 3}}")
    with pytest.raises(InstanceError, match="not both"):
        read_instance_text(text, "twice.yaml")
