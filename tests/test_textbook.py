"""The bench's textbook peer (bench.textbook: Wood's max-flow interdiction MILP and Israeli
& Wood's MXSP-D in Pyomo, solved by HiGHS) has the engine's optimum on small grids, and its
plan's value is confirmed by networkx (max flow with the plan's arcs removed; shortest path
with the plan's delays added)."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from optimizer.bench.textbook import grid_data, solve_textbook
from optimizer.instance.generators.grid import grid_instance
from optimizer.options import SolveOptions, Termination
from optimizer.pipeline import solve

from helpers import recipe_instance


def _graph(inst, plan: dict[str, int], kind: str) -> nx.DiGraph:
    """The grid as networkx sees it with ``plan`` applied."""
    d = grid_data(inst)
    hit = {arc for arc, (aid, _) in d.action.items() if plan.get(aid)}
    g = nx.DiGraph()
    for a, i, j in d.arcs:
        if kind == "max_flow":
            if a not in hit:
                cap = d.number[a]
                g.add_edge(i, j, capacity=cap if math.isfinite(cap) else 1e12)
        else:
            g.add_edge(i, j, weight=d.number[a] + (d.delay[a] if a in hit else 0.0))
    return g


@pytest.mark.parametrize(("rows", "cols", "budget", "seed"),
                         [(3, 4, 0, 0), (4, 4, 2, 0), (4, 5, 3, 1), (5, 5, 4, 2)])
def test_wood_max_flow_interdiction_equals_the_engine_and_networkx(rows, cols, budget, seed):
    inst = grid_instance(rows, cols, budget=budget, seed=seed, kind="max_flow")
    tb = solve_textbook(inst, SolveOptions(threads=1))
    engine = solve(inst, SolveOptions(threads=1))
    assert tb.termination == Termination.OPTIMAL and engine.optimal
    assert tb.value == pytest.approx(engine.value_after, abs=1e-6)
    assert tb.bound == pytest.approx(tb.value, abs=1e-6)
    assert len(tb.plan) <= budget
    flow = nx.maximum_flow_value(_graph(inst, tb.plan, "max_flow"), "s", "t")
    assert flow == pytest.approx(tb.value, abs=1e-6)
    assert tb.model_objective == pytest.approx(flow, abs=1e-6)


@pytest.mark.parametrize(("rows", "cols", "budget", "seed"),
                         [(3, 4, 0, 0), (4, 4, 2, 0), (4, 5, 3, 1), (5, 5, 4, 2)])
def test_mxsp_shortest_path_interdiction_equals_the_engine_and_networkx(rows, cols, budget,
                                                                         seed):
    inst = grid_instance(rows, cols, budget=budget, seed=seed, kind="shortest_path")
    tb = solve_textbook(inst, SolveOptions(threads=1))
    engine = solve(inst, SolveOptions(threads=1, method="auto"))
    assert tb.termination == Termination.OPTIMAL and engine.optimal
    assert tb.value == pytest.approx(engine.value_after, abs=1e-6)
    length = nx.shortest_path_length(_graph(inst, tb.plan, "shortest_path"), "s", "t",
                                     weight="weight")
    assert tb.model_objective == pytest.approx(length, abs=1e-6)
    V = grid_data(inst).unit_value
    assert tb.value == pytest.approx(V - length, abs=1e-6)


def test_the_textbook_peer_refuses_what_is_not_a_grid():
    with pytest.raises(ValueError, match="one commodity"):
        grid_data(recipe_instance(1))
