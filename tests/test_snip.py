"""The SNIP literature benchmark read into the engine's own format.

Solving SNIP to optimality takes minutes (benches/ does that). Here: the reader is right —
the published optimal sensor sets, evaluated by the engine's own smuggler LP (the same
evaluation its certificate uses), give the published values to 1e-9; so do random sensor
sets against Dijkstra run straight on the raw files; the no-sensor values
match the README's; scenarios merge exactly into one block per destination; and a small
budget is solved to optimality and certified."""

from __future__ import annotations

import pytest

from optimizer import Plan, SolveOptions, solve
from optimizer.certify.response import solve_smuggler
from optimizer.compile.problem import build_problem
from optimizer.instance.snip import dijkstra_value, published_optima, read_snip

from helpers import assert_certified

NO_SENSOR = {0: 0.42183, 1: 0.33120, 2: 0.38570, 3: 0.37597, 4: 0.39748}


def expected_value(problem, plan: Plan) -> float:
    x = plan.binaries(problem.net)
    return problem.combine([solve_smuggler(sc.net, x).value for sc in problem.scenarios])


@pytest.mark.slow
@pytest.mark.parametrize("row", [r for r in published_optima() if r.confirmed],
                         ids=lambda r: f"i{r.instance}-B{r.budget}")
def test_published_optimal_sets_evaluate_to_published_values(row):
    problem = build_problem(read_snip(instance=row.instance, snipno=row.snipno,
                                      budget=row.budget))
    assert len(problem.scenarios) == 12  # one block per destination
    plan = Plan.of({f"sensor{i:03d}": 1 for i in row.sensors})
    assert len(plan.levels) == row.budget
    assert expected_value(problem, plan) == pytest.approx(row.dijkstra_value, abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("k", range(5))
def test_no_sensor_values(k):
    problem = build_problem(read_snip(instance=k, snipno=3, budget=0))
    assert expected_value(problem, Plan.of({})) == pytest.approx(NO_SENSOR[k], abs=5e-6)


@pytest.mark.slow
def test_merged_and_separate_scenarios_agree():
    """Scenarios of two destinations (renormalised): 2 merged blocks against 76 separate."""
    from dataclasses import replace

    full = read_snip(instance=1, snipno=3, budget=5)
    keep = [s for s in full.scenarios if s.shipment.destination in ("851", "857")]
    total = sum(s.probability for s in keep)
    inst = replace(full, scenarios=tuple(replace(s, probability=s.probability / total)
                                         for s in keep))
    merged = build_problem(inst)
    assert len(merged.scenarios) == 2
    plan = Plan.of({"sensor000": 1, "sensor001": 1, "sensor033": 1})
    some = build_problem(inst, aggregate=False)
    assert len(some.scenarios) == 76
    a = expected_value(merged, plan)
    b = expected_value(some, plan)
    assert a == pytest.approx(b, abs=1e-12)


@pytest.mark.slow
def test_small_budget_solves_to_a_certified_optimum():
    """Two sensors: small enough to prove optimal in seconds; the plan is certified by
    re-solving every scenario, and no single sensor swap improves it."""
    inst = read_snip(instance=0, snipno=3, budget=2)
    r = solve(inst, SolveOptions(time_limit=120))
    assert_certified(r)
    problem = build_problem(inst)
    best = r.value_after
    assert best == pytest.approx(expected_value(problem, r.plan), abs=1e-12)
    chosen = [a for a, _ in r.plan.levels]
    all_sensors = problem.net.action_ids
    for out in chosen:  # local optimality check, independent of the MILP
        for inn in all_sensors[::16]:
            if inn in chosen:
                continue
            alt = Plan.of({a: 1 for a in chosen if a != out} | {inn: 1})
            assert expected_value(problem, alt) >= best - 1e-9


def test_the_copy_in_benches_matches_the_shared_folder():
    """benches/snip-data is a byte-for-byte copy (for clean clones); when the shared folder
    is present, they must agree."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    copy = repo / "benches" / "snip-data"
    shared = repo.parent / "shared" / "benchmarks" / "snip"
    files = sorted(p.name for p in copy.iterdir() if p.suffix in (".txt", ".csv"))
    assert len(files) == 12
    if shared.exists():
        for name in files:
            assert (copy / name).read_bytes() == (shared / name).read_bytes(), name


@pytest.mark.parametrize("row", [r for r in published_optima() if r.confirmed],
                         ids=lambda r: f"i{r.instance}-B{r.budget}")
def test_dijkstra_oracle_reproduces_the_published_values(row):
    assert dijkstra_value(row.sensors, instance=row.instance, snipno=row.snipno) == \
        pytest.approx(row.dijkstra_value, abs=1e-11)


@pytest.mark.slow
@pytest.mark.parametrize("k,snipno", [(0, 1), (1, 2), (3, 3), (4, 4)])
def test_engine_lp_equals_dijkstra_on_random_sensor_sets(k, snipno):
    """Every variant of q': the LP the certificate uses against shortest paths on −log r'."""
    import random

    rng = random.Random(100 * k + snipno)
    problem = build_problem(read_snip(instance=k, snipno=snipno, budget=40))
    for size in (0, 7, 40):
        sensors = rng.sample(range(320), size)
        plan = Plan.of({f"sensor{i:03d}": 1 for i in sensors})
        assert expected_value(problem, plan) == pytest.approx(
            dijkstra_value(sensors, instance=k, snipno=snipno), abs=1e-10)


@pytest.mark.slow
def test_bench_records_the_independent_value_of_the_plan():
    """The bench runner re-values the engine's plan by the case's oracle (here Dijkstra)."""
    from optimizer.bench.registry import BenchCase
    from optimizer.bench.runner import _engine_run

    case = BenchCase("snip", "i1-v3-b2", "test", lambda: read_snip(None, 1, 3, 2),
                     {"instance": 1, "snipno": 3, "budget": 2},
                     evaluate=lambda plan: dijkstra_value(plan, None, 1, 3))
    rec = _engine_run(case, "dual", 120, 2)
    assert rec.status == "optimal" and len(rec.extra["plan"]) == 2
    assert rec.extra["independent_value"] == pytest.approx(rec.objective, abs=1e-9)
