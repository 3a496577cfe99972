"""Property: on random small instances, the MILP optimum equals the enumeration of every
feasible plan with the smuggler's LP solved per plan (an oracle that never uses the MILP)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from optimizer import InstanceError, SolveOptions, compile_instance, solve
from optimizer.certify.enumerate import enumerate_plans
from optimizer.instance.model import Commodity, Node, Recipe, Resource

from helpers import action, arc, instance


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 8))
    two = bool(rng.integers(0, 2))
    comms = [Commodity("raw", value=float(rng.choice([0.0, 1.0, 2.0])))]
    if two:
        comms.append(Commodity("product", load=float(rng.choice([0.5, 1.0])),
                               value=float(rng.integers(5, 20))))
    ids = [f"n{i}" for i in range(n)]
    nodes = [Node(ids[0], "source")] + [Node(i) for i in ids[1:-1]] + [Node(ids[-1], "market")]
    arcs = []
    for i in range(n - 1):  # a backbone path so the market is reachable
        arcs.append((i, i + 1))
    for i in range(n):
        for j in range(n):
            if i != j and (i, j) not in arcs and rng.random() < (0.3 if i < j else 0.08):
                arcs.append((i, j))
    arc_recs = []
    for i, j in arcs:
        cap = math.inf if rng.random() < 0.25 else float(rng.integers(1, 20))
        allowed = None
        if two and rng.random() < 0.3:
            allowed = [str(rng.choice(["raw", "product"]))]
        arc_recs.append(arc(ids[i], ids[j], cap, cost=float(rng.choice([0.0, 0.5, 1.0])),
                            p=float(rng.choice([0.0, 0.1, 0.25])), comms=allowed))
    recipes = []
    if two:
        at = ids[int(rng.integers(1, n - 1))]
        cap = math.inf if rng.random() < 0.4 else float(rng.integers(2, 15))
        recipes.append(Recipe("make", at, "raw", "product", float(rng.choice([0.5, 1.0, 2.0])), cap))
    supplies = [(ids[0], "raw", float(rng.integers(5, 30)))]
    two_res = bool(rng.integers(0, 2))
    resources = [Resource("r1", float(rng.integers(0, 5)))]
    if two_res:
        resources.append(Resource("r2", float(rng.integers(0, 3))))
    acts = []
    n_act = int(rng.integers(2, 5))
    for j in range(n_act):
        levels = int(rng.integers(1, 3))
        kind = str(rng.choice(["remove_arc", "remove_node", "cut_capacity", "raise_seizure",
                               "raise_cost", "cut_supply", "remove_recipe", "cut_recipe"]))
        a = arc_recs[int(rng.integers(0, len(arc_recs)))]
        grow = np.sort(rng.choice([0.1, 0.2, 0.3, 0.5], size=levels, replace=False))
        if kind == "remove_arc":
            eff = ("remove", {"arcs": [a.id]}, 0)
        elif kind == "remove_node":
            eff = ("remove", {"nodes": [ids[int(rng.integers(1, n - 1))]]}, 0)
        elif kind == "cut_capacity":
            finite = [x for x in arc_recs if math.isfinite(x.capacity)]
            if not finite:
                continue
            a = finite[int(rng.integers(0, len(finite)))]
            eff = ("cut_capacity", {"arcs": [a.id]}, tuple(float(g) for g in grow))
        elif kind == "raise_seizure":
            t = {"arcs": [a.id]}
            if two and rng.random() < 0.4:
                t["commodities"] = ["product"]
            eff = ("raise_seizure", t, tuple(float(g) / 2 for g in grow))
        elif kind == "raise_cost":
            eff = ("raise_cost", {"arcs": [a.id]}, tuple(float(g) * 10 for g in grow))
        elif kind == "cut_supply":
            eff = ("cut_supply", {"nodes": [ids[0]]}, tuple(float(g) for g in grow))
        elif kind == "remove_recipe" and recipes:
            eff = ("remove", {"recipes": ["make"]}, 0)
        elif kind == "cut_recipe" and recipes and math.isfinite(recipes[0].capacity):
            eff = ("cut_capacity", {"recipes": ["make"]}, tuple(float(g) for g in grow))
        else:
            continue
        costs = []
        for lv in range(levels):
            c = {"r1": float(rng.integers(1, 3) + lv)}
            if two_res and rng.random() < 0.5:
                c["r2"] = float(rng.integers(1, 3))
            costs.append(c)
        acts.append(action(f"act{j}", [eff], levels=costs))
    return instance(nodes, arc_recs, commodities=comms, recipes=recipes, supplies=supplies,
                    actions=acts, resources=resources)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.integers(min_value=0, max_value=10**9))
@example(121)  # HiGHS 1.16 mis-reported a MIP start here; the certificate caught it
def test_milp_equals_enumeration(seed):
    try:
        inst = random_instance(seed)
    except InstanceError:
        assume(False)
        return
    net = compile_instance(inst)
    oracle = enumerate_plans(net)
    r = solve(net)
    tol = 1e-6 * max(1.0, abs(r.value_before))
    assert r.optimal
    assert r.value_after == pytest.approx(oracle.best_value, abs=tol)
    # the certified value of the MILP's plan is the oracle's value of that plan
    assert oracle.values[r.plan] == pytest.approx(r.value_after, abs=tol)


@pytest.mark.parametrize("seed", [0, 4, 5, 121])
def test_pyomo_and_highs_paths_agree(seed):
    inst = random_instance(seed)
    a = solve(inst, SolveOptions(backend="highs"))
    b = solve(inst, SolveOptions(backend="pyomo"))
    assert a.value_after == pytest.approx(b.value_after, abs=1e-6 * max(1, a.value_before))
