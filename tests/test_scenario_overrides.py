"""Property: scenarios that add, remove, unlimit (``inf``) and cut arcs and supplies, written
to a file and read back, give the expected-risk optimum that enumeration of every plan finds
(the oracle solves each scenario's smuggler LP per plan and never uses the MILP)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import InstanceError, solve
from optimizer.certify.enumerate import enumerate_plans
from optimizer.compile.problem import build_problem
from optimizer.errors import UnboundedError
from optimizer.instance.model import Arc, Instance, Scenario
from optimizer.instance.reader import load_instance
from optimizer.instance.targets import resolve_targets
from optimizer.instance.writer import write_instance

from helpers import assert_certified, random_instance


def _cut_elements(inst: Instance) -> tuple[set[str], set[str]]:
    """Arcs some action cuts, and nodes whose supply some action cuts (these must stay
    finite in every scenario, as in the base data)."""
    arcs: set[str] = set()
    nodes: set[str] = set()
    for act in inst.actions:
        for eff in act.effects:
            r = resolve_targets(inst, eff)
            if eff.type == "cut_capacity":
                arcs.update(r.arcs)
            elif eff.type == "cut_supply":
                nodes.update(n for n, _ in r.supplies)
    return arcs, nodes


def scenario(inst: Instance, rng: np.random.Generator, i: int, prob: float) -> Scenario:
    """One scenario: some arcs cut (lower capacity), some unlimited, some removed, one new
    arc, supplies changed (unlimited where no action cuts them)."""
    cut_arcs, cut_nodes = _cut_elements(inst)
    ids = [n.id for n in inst.nodes]
    arcs: dict[str, dict[str, float]] = {}
    for a in inst.arcs:
        draw = rng.random()
        if draw < 0.2 and math.isfinite(a.capacity):
            arcs[a.id] = {"capacity": float(rng.integers(0, int(a.capacity) + 1))}  # cut
        elif draw < 0.35 and a.id not in cut_arcs:
            arcs[a.id] = {"capacity": math.inf}  # unlimit
        elif draw < 0.45:
            arcs[a.id] = {"seizure": float(rng.choice([0.0, 0.3]))}
    remove = tuple(a.id for a in inst.arcs[1:] if a.id not in arcs and rng.random() < 0.15)
    new_arcs: tuple[Arc, ...] = ()
    if rng.random() < 0.6:
        src, dst = (ids[j] for j in rng.choice(len(ids), size=2, replace=False))
        cap = math.inf if rng.random() < 0.3 else float(rng.integers(1, 15))
        new_arcs = (Arc(f"new{i}", src, dst, "drone", cap, float(rng.choice([0.0, 0.5]))),)
    supplies = {}
    for s in inst.supplies:
        if rng.random() < 0.25 and s.node not in cut_nodes:
            supplies[(s.node, s.commodity)] = math.inf
        else:
            supplies[(s.node, s.commodity)] = float(rng.integers(0, 40))
    return Scenario(f"s{i}", prob, arcs=arcs, new_arcs=new_arcs, remove_arcs=remove,
                    supplies=supplies)


def random_scenarios(seed: int) -> Instance:
    inst = random_instance(seed)
    rng = np.random.default_rng(seed + 7)
    n = int(rng.integers(2, 4))
    probs = np.round(rng.dirichlet(np.ones(n)), 6)
    probs[-1] = round(1.0 - probs[:-1].sum(), 6)
    return replace(inst, scenarios=tuple(scenario(inst, rng, i, float(probs[i]))
                                         for i in range(n)))


@pytest.mark.slow
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=10**9))
def test_scenario_overrides_equal_enumeration(tmp_path, seed):
    try:
        inst = random_scenarios(seed)
        path = tmp_path / f"s{seed}.yaml"
        write_instance(inst, path)  # the scenarios go through the writer and the reader
        problem = build_problem(load_instance(path), risk="expected")
        r = solve(problem)
    except (InstanceError, UnboundedError):
        assume(False)
        return
    oracle = enumerate_plans(problem)
    tol = 1e-6 * max(1.0, r.value_before)
    assert_certified(r)
    assert r.value_after == pytest.approx(oracle.best_value, abs=tol)
    assert oracle.values[r.plan] == pytest.approx(r.value_after, abs=tol)


def test_overrides_survive_the_file_round_trip(tmp_path):
    """The scenarios read back are the scenarios written (inf, new arcs, removals)."""
    for seed in range(6):
        try:
            inst = random_scenarios(seed)
        except InstanceError:
            continue
        path = tmp_path / f"r{seed}.yaml"
        write_instance(inst, path)
        back = load_instance(path)
        assert back.scenarios == inst.scenarios
        assert any(math.isinf(v.get("capacity", 0)) for sc in back.scenarios
                   for v in sc.arcs.values()) or seed != 0
