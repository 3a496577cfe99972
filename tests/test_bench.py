"""The benchmark harness end to end on a tiny family: runs, JSON, markdown, baseline."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from optimizer.bench import report
from optimizer.bench.registry import BenchCase, cases, families, find_case, register_family
from optimizer.bench.runner import RunRecord
from optimizer.cli import main


def test_registry_lists_families_and_rejects_unknown_ones():
    fams = families()
    assert {"grid-sp", "grid-mf", "layered", "shipped"} <= set(fams)
    tiny = [c.key for c in cases(["grid-sp"], "tiny")]
    assert tiny == ["grid-sp/4x4-b2-s0"]
    assert find_case("layered/s1-f3-seed0", "tiny").params == {"scale": 1, "fan_in": 3, "seed": 0}
    with pytest.raises(KeyError):
        list(cases(["nope"], "tiny"))
    with pytest.raises(ValueError):
        list(cases(None, "huge"))
    with pytest.raises(ValueError):
        register_family("grid-sp", "again")(lambda size: [])
    # every case of every family builds the same instance twice (deterministic)
    for c in cases(None, "tiny"):
        assert isinstance(c, BenchCase)
        assert c.build() == c.build()


@pytest.mark.slow
def test_bench_runs_tiny_family_end_to_end(tmp_path):
    out, md = tmp_path / "b.json", tmp_path / "b.md"
    r = CliRunner().invoke(main, ["bench", "--size", "tiny", "--family", "grid-sp",
                                  "--solver", "highs", "--solver", "highs-mps",
                                  "--time-limit", "30", "--json", str(out), "--markdown", str(md)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["format"] == report.FORMAT
    assert doc["settings"]["size"] == "tiny" and doc["settings"]["time_limit"] == 30
    runs = doc["runs"]
    assert [(x["method"], x["solver"]) for x in runs] == [
        ("benders", "highs"), ("dual", "highs"), ("dual", "highs-mps")]
    for x in runs:
        assert x["case"] == "grid-sp/4x4-b2-s0" and x["status"] == "optimal"
        assert x["total_s"] > 0 and x["peak_mib"] > 10
        assert x["objective"] == pytest.approx(runs[0]["objective"], rel=1e-9)
    assert runs[1]["certified"] is True and runs[1]["size_info"]["arcs"] == 4 * 3 + 4 * 3 * 2 + 8
    assert runs[0]["extra"]["method_name"] == "benders-covering/shortest-path"
    text = md.read_text()
    assert text.startswith("| case | method | solver |") and text.count("\n") == 2 + len(runs)
    # the saved file is a valid baseline: comparing with itself finds nothing to flag
    recs = report.records_of(report.load(out))
    assert [f for f in report.compare(recs, recs) if f.kind != "new"] == []


def _rec(**kw) -> RunRecord:
    base = dict(case="f/c", family="f", size="tiny", method="dual", solver="highs",
                status="optimal", objective=10.0, total_s=1.0)
    base.update(kw)
    return RunRecord(**base)


def test_baseline_comparison_flags_regressions_and_wrong_answers(tmp_path):
    base = [_rec(), _rec(case="f/d"), _rec(case="f/e"), _rec(case="f/g", status="time_limit")]
    now = [_rec(total_s=3.0), _rec(case="f/d", objective=11.0),
           _rec(case="f/e", status="time_limit"), _rec(case="f/g"), _rec(case="f/new")]
    kinds = {f.key.split("|")[0]: f.kind for f in report.compare(now, base)}
    assert kinds == {"f/c": "regression", "f/d": "mismatch", "f/e": "regression",
                     "f/g": "improvement", "f/new": "new"}
    # through the CLI: a bad baseline file is a clear input error
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = CliRunner().invoke(main, ["bench", "--size", "tiny", "--family", "grid-sp",
                                  "--baseline", str(bad)])
    assert r.exit_code == 1 and "baseline" in r.output
    r = CliRunner().invoke(main, ["bench", "--size", "tiny", "--family", "nope"])
    assert r.exit_code == 1 and "unknown benchmark family" in r.output


@pytest.mark.slow
def test_sigterm_stops_the_worker_too(tmp_path):
    """Killing a bench run (SIGTERM to the parent) leaves no orphaned worker solving."""
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "optimizer", "bench", "--family", "snip",
                             "--size", "small", "--time-limit", "300", "--threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers: list[int] = []
        for _ in range(300):  # the solving worker is the child running spawn_main
            out = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "spawn_main"],
                                 capture_output=True, text=True).stdout
            workers = [int(x) for x in out.split()]
            if workers:
                break
            time.sleep(0.1)
        assert workers, "no worker process appeared"
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) != 0
        for _ in range(100):
            alive = [w for w in workers if os.path.exists(f"/proc/{w}")
                     and "Z" not in open(f"/proc/{w}/stat").read().split()[2]]
            if not alive:
                break
            time.sleep(0.1)
        assert not alive, f"worker(s) {alive} still running after the parent stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:  # never leave a solver behind, even when the test fails
            try:
                os.kill(w, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_bench_runs_the_textbook_peer_beside_the_engine(tmp_path):
    """``--method textbook``: Wood's MILP in Pyomo on the same grid, the same optimum, and
    the side-by-side table of the two totals."""
    out, md = tmp_path / "t.json", tmp_path / "t.md"
    r = CliRunner().invoke(main, ["bench", "--size", "tiny", "--family", "grid-mf",
                                  "--method", "auto", "--method", "textbook",
                                  "--time-limit", "30", "--json", str(out), "--markdown", str(md)])
    assert r.exit_code == 0, r.output
    runs = {x["method"]: x for x in json.loads(out.read_text())["runs"]}
    assert set(runs) == {"auto", "textbook"}
    assert runs["textbook"]["status"] == runs["auto"]["status"] == "optimal"
    assert runs["textbook"]["objective"] == pytest.approx(runs["auto"]["objective"], abs=1e-9)
    assert runs["textbook"]["certified"] is False and runs["auto"]["certified"] is True
    assert runs["auto"]["load_avg"] is not None
    text = md.read_text()
    assert "Against the textbook peer" in text
    row = next(line for line in text.splitlines() if line.startswith("| grid-mf/4x4-b2-s0 | auto |")
               and "×" in line)
    assert "| optimal | optimal | yes |" in row


def test_a_repeated_run_records_the_median_and_every_total():
    from optimizer.bench.runner import median_run

    runs = [_rec(total_s=t, load_avg=ld) for t, ld in ((3.0, 1.0), (1.0, 2.0), (2.0, 3.0))]
    chosen = median_run(runs)
    assert chosen.total_s == 2.0
    assert chosen.extra["repeat_totals_s"] == [3.0, 1.0, 2.0]
    assert chosen.extra["repeat_loads"] == [1.0, 2.0, 3.0]
    assert median_run([_rec(total_s=1.0), _rec(total_s=2.0)]).total_s == 1.0
    failed = _rec(status="killed", total_s=None)
    assert median_run([_rec(total_s=1.0), failed, _rec(total_s=2.0)]) is failed


def test_the_literature_table_says_whether_each_optimum_agrees_with_the_published_one():
    """Within 1e-4 (relative) of the published value: "yes"; lower by more: "lower" (the
    published value was not optimal); higher by more: "NO". Times and load ride along."""
    from optimizer.bench.report import agreement, literature

    assert agreement(0.2164291557, 0.2164291557) == "yes"
    assert agreement(0.1514515288, 0.1514515256) == "yes"  # 2e-8 relative
    assert agreement(0.1267945883, 0.1270268528) == "lower"  # instance 2, B = 90
    assert agreement(0.1280, 0.1270268528) == "NO"
    assert agreement(None, 0.1) == "–"
    rec = _rec(case="snip/i2-v3-b90", objective=0.1267945883, total_s=41.5, cpu_s=38.3,
               load_avg=2.5, extra={"params": {"published": 0.1270268528, "confirmed": False},
                                    "independent_value": 0.1267945883})
    lines = literature([rec, _rec()]).splitlines()  # a case without a published value: left out
    assert len(lines) == 3
    assert lines[-1] == ("| snip/i2-v3-b90 | dual | optimal | 0.1267945883 | 0.1267945883 | "
                         "0.1270268528 | -2.3e-04 | -1.8e-03 | lower | no | 41.50 | 38.3 | 2.5 |")
# ----------------------------------------------------------------------------- tasks


def _task_case(text: str, **params) -> BenchCase:
    from optimizer.instance.reader import read_instance_text

    return BenchCase("t", "small", "tiny", lambda: read_instance_text(text, "small.yaml"),
                     params)


def _best_values(text: str, resource: str, budgets: list[float]) -> list[float]:
    """The enumeration oracle's optimal value at each budget (never uses the MILP)."""
    from optimizer import compile_instance
    from optimizer.certify.enumerate import enumerate_plans
    from optimizer.instance.reader import read_instance_text

    inst = read_instance_text(text, "small.yaml")
    return [enumerate_plans(compile_instance(inst.with_budgets({resource: b}))).best_value
            for b in budgets]


def test_bench_sweep_and_target_tasks_agree_with_enumeration():
    from optimizer.bench.tasks import run_task
    from optimizer.options import SolveOptions

    from helpers import SMALL_YAML

    opts = SolveOptions(threads=1)
    rec = run_task(_task_case(SMALL_YAML, task="sweep", resource="usd",
                              **{"from": 0.0, "to": 4.0, "step": 1.0}), "dual", opts)
    oracle = _best_values(SMALL_YAML, "usd", [0.0, 1.0, 2.0, 3.0, 4.0])
    assert rec.status == "optimal" and rec.extra["points"] == 5
    assert rec.extra["values"] == pytest.approx(oracle, rel=1e-6)
    assert rec.objective == pytest.approx(oracle[-1], rel=1e-6)
    # target: the least budget whose optimum reaches 90% of the value with no action
    limit = 0.9 * oracle[0]
    cheapest = next(b for b, v in zip(range(5), oracle) if v <= limit * (1 + 1e-9))
    rec = run_task(_task_case(SMALL_YAML, task="target", kind="value", reduction=0.1,
                              resource="usd"), "dual", opts)
    assert rec.status == "optimal" and rec.objective == pytest.approx(cheapest)


def test_bench_frontier_task_finds_every_drop_of_the_optimum():
    from optimizer.bench.tasks import run_task
    from optimizer.options import SolveOptions

    from helpers import SMALL_YAML

    rec = run_task(_task_case(SMALL_YAML, task="frontier", resource="usd",
                              **{"from": 0.0, "to": 4.0, "pieces": 1}), "dual",
                   SolveOptions(threads=1))
    oracle = _best_values(SMALL_YAML, "usd", [0.0, 1.0, 2.0, 3.0, 4.0])  # integer costs
    drops = [b for b in range(1, 5) if oracle[b] < oracle[b - 1] * (1 - 1e-9)]
    assert rec.extra["breakpoints"] == pytest.approx(drops)
    assert rec.objective == len(drops) + 1


def test_highs_defaults_method_restores_the_solvers_own_settings():
    """Method dual+highs-defaults: the dual MILP with HiGHS's own heuristic settings; dual:
    the engine's (solvers/highs.py rule 8), as the loaded solver reports them."""
    from optimizer.bench.runner import engine_options
    from optimizer.formulation.blocks import LinearModel
    from optimizer.solvers.highs import HighsSession

    def rins(opts) -> bool:
        m = LinearModel("t")
        m.add_vars("x", 1, ub=1.0, integer=True)
        value = HighsSession(m, opts).h.getOptionValue("mip_heuristic_run_rins")
        return bool(value[1] if isinstance(value, tuple) else value)

    engine = engine_options("dual", 10.0, 1, 1e-6)
    plain = engine_options("dual+highs-defaults", 10.0, 1, 1e-6)
    assert engine.method.value == plain.method.value == "dual"
    assert rins(engine) is False and rins(plain) is True
