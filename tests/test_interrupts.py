"""Stopping planning commands, as a user does: Ctrl-C (SIGINT to the terminal's process
group, twice), SIGTERM and SIGKILL to a real ``python -m optimizer`` process running a
process pool on the shipped instance. The command exits 130/143 at once with no traceback,
its workers end with it (even after SIGKILL), what was certified is in the store, and
``interdict runs resume`` finishes the run with the result of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = "instances/mexico_us.yaml"


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (a /proc scan)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry))
    return out


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(p)
        except OSError:
            pass
    return alive


def _pieces(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        db = sqlite3.connect(store, timeout=1)
        try:
            return db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, **kw)


class Running:
    """A planning command in its own session (process group), like a terminal job."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "optimizer", *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)

    def wait_for(self, store: Path, pieces: int = 1, workers: int = 2) -> list[int]:
        """Wait until ``pieces`` are stored and the pool's workers run; its children."""
        for _ in range(3000):
            assert self.proc.poll() is None, self.proc.communicate()
            kids = _children(self.proc.pid)
            if _pieces(store) >= pieces and len(kids) >= workers:
                return kids
            time.sleep(0.1)
        raise AssertionError("the command stored nothing")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.communicate()


def _gone(pids: list[int]) -> list[int]:
    """The processes of ``pids`` still alive after waiting a few seconds for them."""
    for _ in range(100):
        if not _alive(pids):
            break
        time.sleep(0.1)
    return _alive(pids)


def _stable(points: list[dict]) -> list[dict]:
    drop = ("timings", "node_count", "warm_started", "fallback", "notes")
    return [{k: v for k, v in p.items() if k not in drop} for p in points]


@pytest.mark.slow
def test_ctrl_c_twice_on_a_pool_frontier_then_resume(tmp_path):
    store = tmp_path / "runs.sqlite"
    args = ["frontier", SHIPPED, "-r", "usd_m", "--from", "23", "--to", "26", "--pieces", "2",
            "--workers", "2", "-q"]
    job = Running(*args, "--store", str(store))
    try:
        kids = job.wait_for(store)
        os.killpg(job.proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        time.sleep(0.2)
        os.killpg(job.proc.pid, signal.SIGINT)  # and a second, impatient one
        out, err = job.proc.communicate(timeout=30)
    finally:
        job.stop()
    assert job.proc.returncode == 130, err
    assert "Traceback" not in err and "Traceback" not in out
    assert "interrupted: run 1 keeps" in err
    assert f"resume with: interdict runs --store {store} resume 1" in err
    assert not _gone(kids), "workers outlived the command"
    kept = _pieces(store)
    assert kept >= 1
    listing = _cli("runs", "--store", str(store))
    assert "interrupted" in listing.stdout

    resumed = _cli("runs", "--store", str(store), "resume", "1", "-q")
    assert resumed.returncode == 0, resumed.stderr
    after = json.loads(_cli("runs", "--store", str(store), "show", "1", "--json").stdout)
    whole = tmp_path / "whole.json"
    done = _cli(*args, "--no-store", "--json", str(whole))
    assert done.returncode == 0, done.stderr
    expected = json.loads(whole.read_text())
    assert after["breakpoints"] == expected["breakpoints"]
    for a, b in zip(after["steps"], expected["steps"], strict=True):
        assert (a["start"], a["end"], a["optimal_value"]) == (b["start"], b["end"],
                                                              b["optimal_value"])
        assert _stable([a["point"]]) == _stable([b["point"]])
    assert after["solves"] < expected["solves"]  # the stored steps were not solved again


@pytest.mark.slow
def test_ctrl_c_on_a_target_stops_it_as_interrupted_then_resume(tmp_path):
    """A target solves one chain in the command's own process (HiGHS stops that solve on
    Ctrl-C) and the other on a worker: the command exits 130, its run is interrupted, not
    failed, and resumes to the result of an uninterrupted run."""
    store = tmp_path / "runs.sqlite"
    args = ["target", SHIPPED, "-r", "usd_m", "--reduce", "value", "25%", "-q"]
    job = Running(*args, "--store", str(store))
    try:
        kids = job.wait_for(store, pieces=0, workers=1)  # its worker solves
        time.sleep(1.0)  # the command's own solve runs too
        os.killpg(job.proc.pid, signal.SIGINT)
        _, err = job.proc.communicate(timeout=30)
    finally:
        job.stop()
    assert job.proc.returncode == 130, err
    assert "Traceback" not in err and "resume with" in err
    assert not _gone(kids), "the worker outlived the command"
    listing = _cli("runs", "--store", str(store))
    assert "│ interrupted │" in listing.stdout, listing.stdout
    resumed = _cli("runs", "--store", str(store), "resume", "1", "-q")
    assert resumed.returncode == 0, resumed.stderr
    after = json.loads(_cli("runs", "--store", str(store), "show", "1", "--json").stdout)
    (a,) = after["targets"]
    whole = _cli(*args, "--no-store", "--executor", "serial", "--json", "-")
    b = json.loads(whole.stdout)
    assert (a["cost"], a["best_cost"], a["point"]["plan"]) == (b["cost"], b["best_cost"],
                                                              b["point"]["plan"])
    assert b["cost"] == 121.0  # US$ million (benches/README.md, "The shipped instance")


@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                      (signal.SIGKILL, -9)])
def test_a_stopped_pool_sweep_leaves_no_worker(tmp_path, sig, code):
    """SIGINT goes to the process group (Ctrl-C), SIGTERM and SIGKILL to the parent alone."""
    store = tmp_path / "runs.sqlite"
    job = Running("sweep", SHIPPED, "-r", "usd_m", "--values", "0,50,100,150", "--chain", "1",
                  "--workers", "2", "-q", "--store", str(store))
    try:
        kids = job.wait_for(store, pieces=0)  # its workers solve
        if sig == signal.SIGINT:
            os.killpg(job.proc.pid, sig)
        else:
            os.kill(job.proc.pid, sig)  # the parent alone: its workers must follow it
        _, err = job.proc.communicate(timeout=30)
    finally:
        job.stop()
    assert job.proc.returncode == code, err
    assert "Traceback" not in err
    assert not _gone(kids), "workers or the resource tracker outlived the command"
    listing = _cli("runs", "--store", str(store))
    assert listing.returncode == 0 and "│ interrupted │" in listing.stdout
    assert "running" not in listing.stdout
