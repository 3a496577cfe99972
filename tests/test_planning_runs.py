"""Executors give the serial results; the run store resumes an interrupted sweep without
re-solving what it holds; the CLI writes complete files or none."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.parallel import DaskExecutor, ProcessPool, SerialExecutor
from optimizer.planning.store import RunStore
from optimizer.planning.sweep import Axis, SweepSpec, run_sweep
from optimizer.planning.target import TargetTask
from optimizer.planning.tasks import SessionSpec, run_tasks

from helpers import random_instance

EXAMPLE = "docs/example.yaml"
ROOT = Path(__file__).resolve().parents[1]
GRID = SweepSpec((Axis.of("usd_m", [0, 5, 10, 15, 20, 25, 30, 35, 40]),
                  Axis.of("mx_teams", [0, 1, 2])), chain=4)


@pytest.fixture(scope="module")
def serial_grid():
    return run_sweep(EXAMPLE, GRID, executor=SerialExecutor())


def _stable(result):
    return [p.stable_dict() for p in result.points]


def test_grid_sweep_covers_both_resources(serial_grid):
    pts = serial_grid.points
    assert len(pts) == 27
    assert {(p.budgets["usd_m"], p.budgets["mx_teams"]) for p in pts} == {
        (u, m) for u in range(0, 45, 5) for m in (0, 1, 2)}
    # monotone in each resource
    by = {(p.budgets["usd_m"], p.budgets["mx_teams"]): p.value for p in pts}
    tol = 1e-6 * serial_grid.value_before
    for (u, m), v in by.items():
        if (u + 5, m) in by:
            assert by[(u + 5, m)] <= v + tol
        if (u, m + 1) in by:
            assert by[(u, m + 1)] <= v + tol
    assert all(p.optimal for p in pts)
    assert sum(p.warm_started for p in pts) > 0


@pytest.mark.slow
def test_process_pool_gives_the_serial_results(serial_grid):
    ex = ProcessPool(2)
    try:
        res = run_sweep(EXAMPLE, GRID, executor=ex)
    finally:
        ex.close()
    assert res.executor == "pool"
    assert _stable(res) == _stable(serial_grid)


@pytest.mark.slow
def test_dask_gives_the_serial_results(serial_grid):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ex = DaskExecutor(client=client)
        res = run_sweep(EXAMPLE, GRID, executor=ex)
        targets = run_tasks(ex, _target_spec(), [TargetTask("value", r, "usd_m")
                                               for r in (0.1, 0.2, 0.25)])
    assert res.executor == "dask"
    assert _stable(res) == _stable(serial_grid)
    serial_targets = run_tasks(SerialExecutor(), _target_spec(),
                             [TargetTask("value", r, "usd_m") for r in (0.1, 0.2, 0.25)])
    assert [t.cost for t in targets] == [t.cost for t in serial_targets]
    assert [t.point.plan for t in targets] == [t.point.plan for t in serial_targets]


def _target_spec():
    from optimizer import load_instance
    from optimizer.planning.session import planning_options

    inst = load_instance(EXAMPLE)
    return SessionSpec(inst, inst.budgets(), planning_options(None))


class Stop(Exception):
    pass


def test_interrupted_sweep_resumes_without_resolving(tmp_path):
    store_path = tmp_path / "runs.sqlite"
    spec = SweepSpec.range("usd_m", 0, 40, 2.5, chain=3)
    full = run_sweep(EXAMPLE, spec)
    seen = []

    def interrupt(point):
        seen.append(point.key)
        if len(seen) == 7:
            raise KeyboardInterrupt

    with RunStore(store_path) as store, pytest.raises(KeyboardInterrupt):
        run_sweep(EXAMPLE, spec, store=store, on_point=interrupt)
    with RunStore(store_path) as store:
        (info,) = store.runs()
        assert info.status == "interrupted" and info.points == 7
        kept = {p.key: p.to_dict() for p in store.points(info.id)}
        solved_again = []
        res = run_sweep(EXAMPLE, spec, store=store, on_point=lambda p: solved_again.append(p.key))
    assert res.reused == 7 and res.solved == len(full.points) - 7
    assert not set(solved_again) & set(kept)  # nothing stored was solved again
    assert _stable(res) == _stable(full)  # resumed chains give the uninterrupted results
    with RunStore(store_path) as store:
        (info,) = store.runs()
        assert info.status == "done" and info.points == len(full.points)
        for p in store.points(info.id):  # what was written before is intact
            if p.key in kept:
                assert p.to_dict() == kept[p.key]
        # a finished run is reused whole; --fresh starts a new one
        again = run_sweep(EXAMPLE, spec, store=store)
        assert again.solved == 0 and again.run_id == info.id
        fresh = run_sweep(EXAMPLE, spec, store=store, fresh=True)
        assert fresh.solved == len(full.points) and fresh.run_id != info.id


def test_sweep_killed_hard_resumes(tmp_path):
    """A process killed mid-sweep (no cleanup at all) leaves a readable store; the resumed
    sweep solves only the missing points."""
    store_path = tmp_path / "runs.sqlite"
    script = textwrap.dedent(f"""
        import os
        from optimizer.planning.store import RunStore
        from optimizer.planning.sweep import SweepSpec, run_sweep
        n = []
        def crash(point):
            n.append(point)
            if len(n) == 5:
                os._exit(9)
        with RunStore({str(store_path)!r}) as store:
            run_sweep({EXAMPLE!r}, SweepSpec.range("usd_m", 0, 40, 5, chain=2), store=store,
                      on_point=crash)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env)
    assert proc.returncode == 9
    db = sqlite3.connect(store_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    runner = CliRunner()
    out = tmp_path / "sweep.json"
    res = runner.invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--from", "0", "--to", "40",
                               "--step", "5", "--chain", "2", "--executor", "serial",
                               "--store", str(store_path), "--json", str(out), "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["reused"] == 5 and data["solved"] == 4
    assert len(data["points"]) == 9


def test_cli_sweep_outputs_and_runs(tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "runs.sqlite")
    csv_path, js = tmp_path / "s.csv", tmp_path / "s.json"
    res = runner.invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10,50",
                               "--executor", "serial", "--store", store, "--csv", str(csv_path),
                               "--json", str(js)])
    assert res.exit_code == 0, res.output
    assert "3 points, all certified" in res.output
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("budget_usd_m (US$ million),budget_mx_teams (teams),"
                               "value (US$ thousand),reduction (fraction),bound (US$ thousand),")
    assert len(lines) == 4
    data = json.loads(js.read_text())
    assert [p["budgets"]["usd_m"] for p in data["points"]] == [0.0, 10.0, 50.0]
    res = runner.invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,20",
                               "--executor", "serial", "--store", store, "-q"])
    assert res.exit_code == 0
    res = runner.invoke(main, ["runs", "--store", store])
    assert res.exit_code == 0 and "sweep" in res.output and "done" in res.output
    res = runner.invoke(main, ["runs", "--store", store, "compare", "1", "2"])
    assert res.exit_code == 0, res.output
    assert "1 points at the same usd_m" in res.output
    res = runner.invoke(main, ["runs", "--store", store, "show", "1"])
    assert res.exit_code == 0 and "press_controls@1" in res.output


@pytest.mark.parametrize("args,code,needle", [
    (["-r", "euros", "--values", "0,1"], 2, "unknown resource 'euros'"),
    (["-r", "usd_m", "--values", "0,ten"], 2, "write numbers separated by commas"),
    # a bad option value is a usage error (exit 2), like a malformed one
    (["-r", "usd_m", "--values", "0,-5"], 2, "must be finite and ≥ 0"),
    (["-r", "usd_m", "--from", "10", "--to", "0", "--step", "1"], 2, "need 0 ≤ --from ≤ --to"),
    (["-r", "usd_m", "--from", "0", "--to", "10"], 2, "give --from, --to and --step"),
    (["-r", "usd_m", "--values", "1", "-b", "mx_teams=x"], 2, "is not a number"),
])
def test_cli_sweep_bad_input(tmp_path, args, code, needle):
    out = tmp_path / "s.json"
    res = CliRunner().invoke(main, ["sweep", EXAMPLE, *args, "--executor", "serial",
                                    "--no-store", "--json", str(out)])
    assert res.exit_code == code, res.output
    assert needle in res.output
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # no partial or temporary file


def test_cli_sweep_bad_instance_names_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(EXAMPLE).read_text().replace("capacity: 100, seizure: 0.05",
                                                     "capacity: -100, seizure: 0.05"))
    res = CliRunner().invoke(main, ["sweep", str(bad), "-r", "usd_m", "--values", "0",
                                    "--executor", "serial", "--no-store"])
    assert res.exit_code == 1
    assert "bad.yaml" in res.output and "container" in res.output


def test_cli_target_frontier_marginal_priorities(tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "runs.sqlite")
    res = runner.invoke(main, ["target", EXAMPLE, "-r", "usd_m", "--reduce", "value", "20%",
                               "--executor", "serial", "--store", store,
                               "--json", str(tmp_path / "t.json")])
    assert res.exit_code == 0, res.output
    t = json.loads((tmp_path / "t.json").read_text())
    assert t["reached"] and t["cost"] == 25.0
    res = runner.invoke(main, ["target", EXAMPLE, "-r", "usd_m", "--reduce", "value", "90%",
                               "--executor", "serial", "--store", store])
    assert res.exit_code == 0 and "UNREACHABLE" in res.output and "26.0%" in res.output
    res = runner.invoke(main, ["target", EXAMPLE, "-r", "usd_m", "--reduce", "pills", "50%",
                               "--executor", "serial", "--store", store])
    assert res.exit_code == 0, res.output
    assert "pills delivered 124.5 thousand pills (52.5% less)" in res.output
    assert "cheapest spend US$ 31 million of usd_m" in res.output
    res = runner.invoke(main, ["frontier", EXAMPLE, "-r", "usd_m", "--to", "40",
                               "--executor", "serial", "--store", store,
                               "--csv", str(tmp_path / "f.csv")])
    assert res.exit_code == 0, res.output
    assert "6 breakpoints" in res.output
    assert len((tmp_path / "f.csv").read_text().splitlines()) == 8
    res = runner.invoke(main, ["marginal", EXAMPLE, "--step", "usd_m=3", "--executor", "serial",
                               "--store", store])
    assert res.exit_code == 0 and "anti_drone@1" in res.output
    res = runner.invoke(main, ["priorities", EXAMPLE, "-r", "usd_m", "--values", "0,10,20,40",
                               "--executor", "serial", "--store", store])
    assert res.exit_code == 0 and "scanners@2" in res.output
    res = runner.invoke(main, ["runs", "--store", store])
    for kind in ("target", "frontier", "marginal", "priorities"):
        assert kind in res.output


@pytest.mark.parametrize("source,resource,values", [
    (EXAMPLE, "usd_m", [0, 5, 11, 13, 19, 25, 31, 40]),
    ("seed:5", "r1", [0, 1, 2, 3, 4, 5, 6]),
])
def test_pyomo_backend_gives_the_same_sweep(source, resource, values):
    """Budgets as the budget rows' bounds of the Pyomo model, persistent highs interface."""
    from optimizer.planning.pyomo_session import PyomoPlanningSession, run_sweep_pyomo

    inst = random_instance(int(source[5:])) if source.startswith("seed:") else source
    spec = SweepSpec.values(resource, values)
    a = run_sweep(inst, spec)
    b = run_sweep_pyomo(inst, spec)
    assert [p.budgets for p in a.points] == [p.budgets for p in b.points]
    tol = 1e-6 * max(1.0, a.value_before)
    for p, q in zip(a.points, b.points):
        assert q.value == pytest.approx(p.value, abs=tol)
        assert q.optimal
    # the Pyomo model really carries the budget it was solved at
    s = PyomoPlanningSession(inst)
    s.solve({resource: values[-1]})
    assert s.pyomo_model.budget[(resource,)].upper.value == values[-1]
    assert s.solves == 1


def test_cli_sweep_pyomo_backend(tmp_path):
    js = tmp_path / "p.json"
    res = CliRunner().invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,13,31",
                                    "--backend", "pyomo", "--no-store", "-q", "--json", str(js)])
    assert res.exit_code == 0, res.output
    data = json.loads(js.read_text())
    assert data["executor"] == "serial/pyomo"
    assert [round(p["value"], 3) for p in data["points"]] == [3907.71, 3283.617, 2890.512]


def test_cli_grid_sweep_and_deterministic_csv(tmp_path):
    runner = CliRunner()
    outs = []
    for i in range(2):
        out = tmp_path / f"g{i}.csv"
        res = runner.invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,13,25",
                                   "--resource2", "mx_teams", "--values2", "0,2",
                                   "--executor", "serial", "--no-store", "-q", "--csv", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    rows = outs[0].decode().splitlines()
    assert len(rows) == 7
    # mx_teams = 2 buys the lab raid: nothing reaches a market
    assert rows[-1].split(",")[2] == "0.0"


@pytest.mark.slow
def test_frontier_pieces_on_a_pool_equal_serial():
    from optimizer.planning.frontier import exact_frontier

    serial = exact_frontier(EXAMPLE, "usd_m", 0.0, 40.0, pieces=3)
    ex = ProcessPool(2)
    try:
        pooled = exact_frontier(EXAMPLE, "usd_m", 0.0, 40.0, pieces=3, executor=ex)
    finally:
        ex.close()
    assert pooled.executor == "pool"
    assert [s.to_dict()["point"]["plan"] for s in pooled.steps] == \
        [s.to_dict()["point"]["plan"] for s in serial.steps]
    assert [(s.start, s.end, s.optimal_value) for s in pooled.steps] == \
        [(s.start, s.end, s.optimal_value) for s in serial.steps]


VOLATILE = {"seconds", "timings", "node_count", "warm_started", "fallback", "notes", "solves",
            "solved", "reused", "executor", "run_id"}


def _same(a, b):
    """Results equal but for times, solve counts and how each plan was reached."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - VOLATILE
        return all(_same(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["serial", "pool"])
def test_every_planning_command_resumes_from_a_partial_store(tmp_path, executor):
    """Each command stores its certified pieces as it goes. Take the pieces found last away
    (what an interruption would have lost), and ``runs resume`` finishes every run with the
    uninterrupted result, solving only what is missing."""
    store = str(tmp_path / "runs.sqlite")
    runner = CliRunner()
    commands = [
        ["frontier", EXAMPLE, "-r", "usd_m", "--to", "40", "--pieces", "3"],
        ["priorities", EXAMPLE, "-r", "usd_m", "--values", "0,10,20,40"],
        ["marginal", EXAMPLE, "--step", "usd_m=3", "--step", "mx_teams=1"],
        ["target", EXAMPLE, "-r", "usd_m", "--reduce", "value", "20%", "--reduce", "pills", "50%"],
        ["sweep", EXAMPLE, "-r", "usd_m", "--from", "0", "--to", "40", "--step", "5",
         "--chain", "3"],
    ]
    if executor == "pool":
        commands = commands[:1] + commands[-1:]
    for cmd in commands:
        res = runner.invoke(main, [*cmd, "--executor", "serial", "--store", store, "-q"])
        assert res.exit_code == 0, res.output
    db = sqlite3.connect(store)
    whole = {i: json.loads(r) for i, r in db.execute("SELECT id, result FROM runs")}
    kept = {}
    for run_id, n in db.execute("SELECT run_id, COUNT(*) FROM points GROUP BY run_id").fetchall():
        db.execute("DELETE FROM points WHERE run_id = ? AND rowid IN (SELECT rowid FROM points "
                   "WHERE run_id = ? ORDER BY created DESC LIMIT ?)", (run_id, run_id, n - n // 2))
        kept[run_id] = {k for (k,) in db.execute("SELECT key FROM points WHERE run_id = ?",
                                                  (run_id,))}
    db.execute("UPDATE runs SET status = 'interrupted', result = NULL")
    db.commit()
    db.close()
    res = runner.invoke(main, ["runs", "--store", store])
    assert res.output.count("interrupted") == len(commands)
    for run_id in whole:
        res = runner.invoke(main, ["runs", "--store", store, "resume", str(run_id),
                                   "--executor", executor, "--workers", "2", "-q"])
        assert res.exit_code == 0, res.output
    with RunStore(store) as s:
        assert all(i.status == "done" for i in s.runs())
        for run_id, before in whole.items():
            after = s.result(run_id)
            assert _same(after, before), run_id
            pieces = s.pieces(run_id)
            assert kept[run_id] < set(pieces)
    # a finished run resumes to the same result without solving anything
    res = runner.invoke(main, ["runs", "--store", store, "resume", "1", "--executor", "serial"])
    assert res.exit_code == 0 and "0 MILP solves" in res.output


def test_resume_refuses_a_changed_instance_or_an_unknown_run(tmp_path):
    store = str(tmp_path / "runs.sqlite")
    copy = tmp_path / "example.yaml"
    copy.write_text(Path(EXAMPLE).read_text())
    runner = CliRunner()
    res = runner.invoke(main, ["marginal", str(copy), "--step", "usd_m=3", "--executor", "serial",
                               "--store", store, "-q"])
    assert res.exit_code == 0, res.output
    copy.write_text(Path(EXAMPLE).read_text().replace("capacity: 100, seizure: 0.05",
                                                      "capacity: 90, seizure: 0.05"))
    res = runner.invoke(main, ["runs", "--store", store, "resume", "1"])
    assert res.exit_code == 1 and "is not the instance of run 1" in res.output
    res = runner.invoke(main, ["runs", "--store", store, "resume", "7"])
    assert res.exit_code == 1 and "no run 7 in" in res.output


def test_unwritable_output_stops_a_sweep_before_solving(tmp_path, monkeypatch):
    from optimizer.planning.session import PlanningSession

    built = []
    monkeypatch.setattr(PlanningSession, "__init__", lambda *a, **k: built.append(1))
    (tmp_path / "afile").write_text("not a folder")
    bad = tmp_path / "afile" / "s.png"
    res = CliRunner().invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10",
                                    "--executor", "serial", "--no-store",
                                    "--json", str(tmp_path / "s.json"),
                                    "--csv", str(tmp_path / "s.csv"), "--png", str(bad)])
    assert res.exit_code == 1, res.output
    assert f"cannot write {bad}" in res.output
    assert not built
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_sweep_interrupted_while_writing_leaves_no_output(tmp_path, monkeypatch):
    import optimizer.report.plots as plots

    def interrupted(result, path, *_instance):
        Path(path).write_bytes(b"half a picture")
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "sweep_png", interrupted)
    res = CliRunner().invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10",
                                    "--executor", "serial", "--no-store",
                                    "--json", str(tmp_path / "s.json"),
                                    "--csv", str(tmp_path / "s.csv"),
                                    "--png", str(tmp_path / "s.png")])
    assert res.exit_code == 130, res.output
    assert "interrupted" in res.output
    assert not list(tmp_path.iterdir())  # no output, no temporary file
