"""The executor module (``optimizer.parallel``), the output set and the run store's checks:
results in submission order, errors and time limits, workers that ignore Ctrl-C and end
with their pool, all-or-nothing outputs, corrupt stores refused before any work."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.errors import SetupError, SolveError
from optimizer.parallel import (
    DaskExecutor,
    JobTimeout,
    ProcessPool,
    RemoteTraceback,
    SerialExecutor,
    WorkerDied,
    make_executor,
    run_all,
)
from optimizer.planning.store import RunStore
from optimizer.report.files import OutputSet

EXAMPLE = "docs/example.yaml"


# --------------------------------------------------------------------- jobs (top level)
def _after(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def _fail(message: str) -> None:
    raise SolveError(message)


def _exit(code: int) -> None:
    os._exit(code)


def _sigint_handler() -> bool:
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --------------------------------------------------------------------- executors
@pytest.fixture(scope="module")
def pool():
    with ProcessPool(2) as p:
        yield p


@pytest.mark.slow
def test_results_come_in_call_order_with_progress(pool):
    seen = []
    calls = [(_after, (0.4, 0)), (_after, (0.0, 1)), (_after, (0.2, 2)), (_after, (0.0, 3))]
    assert run_all(pool, calls, lambda d, t: seen.append((d, t))) == [0, 1, 2, 3]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert run_all(SerialExecutor(), calls) == [0, 1, 2, 3]


def test_a_job_error_keeps_its_type_and_remote_traceback(pool):
    job = pool.submit(_fail, "no plan at B=3")
    pool.wait_any([job])
    with pytest.raises(SolveError, match="no plan at B=3") as info:
        job.result()
    assert isinstance(info.value.__cause__, RemoteTraceback)
    assert "_fail" in str(info.value.__cause__)
    assert run_all(pool, [(_after, (0, 7))]) == [7]  # the pool still works


def test_workers_ignore_ctrl_c(pool):
    assert run_all(pool, [(_sigint_handler, ())] * 2) == [True, True]


@pytest.mark.slow
def test_time_limit_kills_the_worker_and_the_pool_goes_on():
    with ProcessPool(1) as p:
        job = p.submit(_after, 60, 1, timeout=0.5)
        pid = p.pids()[0]
        p.wait_any([job])
        with pytest.raises(JobTimeout, match="no answer within 0.5 s"):
            job.result()
        assert not _alive(pid)
        assert run_all(p, [(_after, (0, 5))]) == [5]


@pytest.mark.slow
def test_a_dying_worker_is_reported_and_replaced():
    with ProcessPool(1) as p:
        job = p.submit(_exit, 3)
        p.wait_any([job])
        with pytest.raises(WorkerDied, match="exited with code 3"):
            job.result()
        assert run_all(p, [(_after, (0, 2))]) == [2]


@pytest.mark.slow
def test_fresh_pool_runs_each_job_in_a_new_process():
    with ProcessPool(1, fresh=True) as p:
        pids = run_all(p, [(os.getpid, ())] * 3)
    assert len(set(pids)) == 3 and os.getpid() not in pids


def test_cancel_and_close_stop_running_workers_at_once():
    p = ProcessPool(2)
    jobs = [p.submit(_after, 60, i) for i in range(3)]  # two run, one waits
    time.sleep(0.2)
    pids = p.pids()
    assert len(pids) == 2
    p.cancel(jobs[:1])
    assert jobs[0].state == "cancelled" and not _alive(pids[0])
    p.close()  # terminates the other busy worker without waiting for its minute
    assert not any(_alive(pid) for pid in pids + p.pids())
    assert all(j.state == "cancelled" for j in jobs)


@pytest.mark.slow
def test_unreachable_dask_scheduler_is_a_clean_error(monkeypatch, tmp_path):
    pytest.importorskip("distributed")
    monkeypatch.setattr(DaskExecutor, "CONNECT_SECONDS", 1)
    with pytest.raises(SetupError, match="tcp://127.0.0.1:1"):
        make_executor("dask", address="tcp://127.0.0.1:1")
    res = CliRunner().invoke(main, ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10",
                                    "--executor", "dask", "--address", "tcp://127.0.0.1:1",
                                    "--store", str(tmp_path / "s.sqlite")])
    assert res.exit_code == 1, res.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in res.output
    assert isinstance(res.exception, SystemExit)


# --------------------------------------------------------------------- output sets
def test_output_set_checks_paths_first(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(SetupError, match=r"cannot write .*afile/out.png: .*afile is not a folder"):
        OutputSet(tmp_path / "a.json", blocker / "out.png")
    with pytest.raises(SetupError, match="it is a directory"):
        OutputSet(tmp_path)
    OutputSet(tmp_path / "new" / "deeper" / "x.csv")  # missing folders are fine (created later)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # the checks leave nothing


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_output_set_is_all_or_nothing(tmp_path, error):
    a, b = tmp_path / "a.json", tmp_path / "sub" / "b.csv"
    a.write_text("old")
    with pytest.raises(error):
        with OutputSet(a, b, None) as out:
            out.text(a, "new a")
            out.data(b, b"new b")
            raise error()
    assert a.read_text() == "old" and not b.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.json"]
    with OutputSet(a, b) as out:
        out.text(a, "new a")
        with open(out.file(b), "w") as fh:
            fh.write("new b")
    assert a.read_text() == "new a" and b.read_text() == "new b"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.json", "b.csv"]


# --------------------------------------------------------------------- run store checks
def _bad_stores(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, just text " * 100)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE runs (id INTEGER, name TEXT)")
    db.commit()
    db.close()
    return [(junk, "not a usable interdict run store"),
            (other, "not an interdict run store (table 'runs' lacks column(s)")]


def test_corrupt_or_foreign_store_is_refused(tmp_path):
    for path, needle in _bad_stores(tmp_path):
        with pytest.raises(SetupError) as info:
            RunStore(path)
        assert str(path) in str(info.value) and needle in str(info.value)


@pytest.mark.parametrize("args", [
    ["runs"], ["runs", "show", "1"], ["runs", "resume", "1"],
    ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10"],
    ["frontier", EXAMPLE, "-r", "usd_m", "--to", "20"],
    ["marginal", EXAMPLE],
])
def test_cli_refuses_a_corrupt_store_before_solving(tmp_path, monkeypatch, args):
    from optimizer.planning.session import PlanningSession

    solved = []

    def no_session(*args, **kw):
        solved.append(args)
        raise AssertionError("a session was built")

    monkeypatch.setattr(PlanningSession, "__init__", no_session)
    for path, needle in _bad_stores(tmp_path):
        store = ["--store", str(path)]
        cmd = [args[0], *store, *args[1:]] if args[0] == "runs" else [*args, *store,
                                                                      "--executor", "serial"]
        res = CliRunner().invoke(main, cmd)
        assert res.exit_code == 1, res.output
        assert isinstance(res.exception, SystemExit)
        assert f"error: {path}" in res.output and needle in res.output
    assert not solved


def test_old_store_gets_the_owner_column_and_dead_runs_show_interrupted(tmp_path):
    path = tmp_path / "old.sqlite"
    with RunStore(path) as store:
        store.db.execute("ALTER TABLE runs DROP COLUMN owner")
    with RunStore(path) as store:  # migrated on open
        cols = {r[1] for r in store.db.execute("PRAGMA table_info(runs)")}
        assert "owner" in cols
        from optimizer import load_instance
        from optimizer.planning.tasks import SessionSpec

        inst = load_instance(EXAMPLE)
        spec = SessionSpec(inst, inst.budgets())
        mine = store.open_run("sweep", spec, {"n": 1})
        gone = store.open_run("sweep", spec, {"n": 2})
        proc = subprocess.Popen(["true"])
        proc.wait()
        dead = proc.pid
        store.db.execute("UPDATE runs SET owner = ? WHERE id = ?",
                         (json.dumps({**json.loads(store.db.execute(
                             "SELECT owner FROM runs WHERE id = ?", (gone.id,)).fetchone()[0]),
                             "pid": dead}), gone.id))
        status = {i.id: i.status for i in store.runs()}
        assert status == {mine.id: "running", gone.id: "interrupted"}
        # the same command again takes the dead process's run over, and its own run back,
        # but never a run another live process (here: init, pid 1) is computing
        assert store.open_run("sweep", spec, {"n": 2}).id == gone.id
        assert store.open_run("sweep", spec, {"n": 1}).id == mine.id
        from optimizer.planning.store import this_process

        busy = {**this_process(), "pid": 1, "start": None}
        store.db.execute("UPDATE runs SET owner = ? WHERE id = ?", (json.dumps(busy), mine.id))
        assert store.open_run("sweep", spec, {"n": 1}).id not in (mine.id, gone.id)
