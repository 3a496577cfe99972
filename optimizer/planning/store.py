"""The session store: every planning run, its options and its results, in one SQLite file.

Tables
- ``runs``: one row per run (kind, key, instance name/path/content hash, options, spec,
  status ``running`` → ``done`` | ``interrupted``, times, the final result as JSON);
- ``points``: one row per solved point of a sweep, written (and committed) the moment the
  point is certified.

Durability: WAL journal with ``synchronous=FULL``; each point is its own transaction, so an
interruption (Ctrl-C, a crash, a killed process) loses at most the point being solved and
never corrupts what was committed. A sweep run again with the same key (same instance
content, base budgets, options and grid) continues the newest unfinished run with that key
and solves only the points it lacks; a finished run with the same key is reused as is.

The default file is ``.interdict/runs.sqlite`` in the working directory, or the path in
the environment variable ``INTERDICT_STORE``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .points import PointResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    instance TEXT NOT NULL,
    instance_path TEXT NOT NULL,
    instance_hash TEXT NOT NULL,
    options TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    summary TEXT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS runs_key ON runs(key);
CREATE TABLE IF NOT EXISTS points (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    result TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (run_id, key)
);
"""


def default_store_path() -> Path:
    return Path(os.environ.get("INTERDICT_STORE", ".interdict/runs.sqlite"))


@dataclass(frozen=True)
class RunInfo:
    id: int
    kind: str
    key: str
    instance: str
    instance_path: str
    instance_hash: str
    options: dict[str, Any]
    spec: dict[str, Any]
    status: str
    created: float
    updated: float
    points: int
    summary: dict[str, Any] | None


class RunStore:
    """A SQLite run store (see the module docstring)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- writing
    def new_run(self, kind: str, key: str, instance, session_spec, spec: dict[str, Any]) -> int:
        from .session import instance_digest

        now = time.time()
        cur = self.db.execute(
            "INSERT INTO runs (kind, key, instance, instance_path, instance_hash, options, spec,"
            " status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
            (kind, key, instance.name, str(instance.path), instance_digest(instance),
             json.dumps({"budgets": session_spec.budgets, **session_spec.options.to_dict()},
                        sort_keys=True, default=str),
             json.dumps(spec, sort_keys=True), now, now))
        return int(cur.lastrowid)

    def open_sweep(self, key: str, instance, session_spec, sweep, *, fresh: bool = False
                   ) -> tuple[int, dict[str, PointResult]]:
        """The run to write a sweep into and the points it already holds: the newest run
        with ``key`` (unless ``fresh``), else a new one."""
        if not fresh:
            row = self.db.execute("SELECT id FROM runs WHERE key = ? AND kind = 'sweep' "
                                  "ORDER BY id DESC LIMIT 1", (key,)).fetchone()
            if row is not None:
                run_id = int(row[0])
                self.db.execute("UPDATE runs SET status = 'running', updated = ? WHERE id = ?",
                                (time.time(), run_id))
                return run_id, {p.key: p for p in self.points(run_id)}
        return self.new_run("sweep", key, instance, session_spec, sweep.to_dict()), {}

    def add_point(self, run_id: int, point: PointResult) -> None:
        """Store one solved point (its own committed transaction)."""
        from ..results.types import _clean

        text = json.dumps(_clean(point.to_dict()), sort_keys=True, allow_nan=False)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO points (run_id, key, result, created) "
                            "VALUES (?, ?, ?, ?)", (run_id, point.key, text, time.time()))
            self.db.execute("UPDATE runs SET updated = ? WHERE id = ?", (time.time(), run_id))
            self.db.execute("COMMIT")

    def set_status(self, run_id: int, status: str) -> None:
        self.db.execute("UPDATE runs SET status = ?, updated = ? WHERE id = ?",
                        (status, time.time(), run_id))

    def finish(self, run_id: int, result: dict[str, Any], summary: dict[str, Any] | None = None
               ) -> None:
        """Mark a run done with its final result (JSON)."""
        from ..results.types import _clean

        summary = summary if summary is not None else summarise(result)
        self.db.execute("UPDATE runs SET status = 'done', updated = ?, result = ?, summary = ? "
                        "WHERE id = ?",
                        (time.time(), json.dumps(_clean(result), sort_keys=True),
                         json.dumps(_clean(summary), sort_keys=True), run_id))

    def record(self, kind: str, key: str, instance, session_spec, spec: dict[str, Any],
               result: dict[str, Any]) -> int:
        """Store a finished non-sweep run (frontier, target …) in one go."""
        run_id = self.new_run(kind, key, instance, session_spec, spec)
        self.finish(run_id, result)
        return run_id

    # ---------------------------------------------------------------- reading
    def points(self, run_id: int) -> list[PointResult]:
        rows = self.db.execute("SELECT result FROM points WHERE run_id = ? ORDER BY key",
                               (run_id,)).fetchall()
        return [PointResult.from_dict(_restore(json.loads(r[0]))) for r in rows]

    def runs(self) -> list[RunInfo]:
        rows = self.db.execute(
            "SELECT r.id, r.kind, r.key, r.instance, r.instance_path, r.instance_hash, r.options,"
            " r.spec, r.status, r.created, r.updated, r.summary,"
            " (SELECT COUNT(*) FROM points p WHERE p.run_id = r.id) FROM runs r ORDER BY r.id"
        ).fetchall()
        return [RunInfo(int(r[0]), r[1], r[2], r[3], r[4], r[5], json.loads(r[6]),
                        json.loads(r[7]), r[8], r[9], r[10], int(r[12]),
                        json.loads(r[11]) if r[11] else None) for r in rows]

    def run(self, run_id: int) -> RunInfo:
        for info in self.runs():
            if info.id == run_id:
                return info
        raise KeyError(run_id)

    def result(self, run_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT result FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return json.loads(row[0]) if row[0] else None


def _restore(d: dict[str, Any]) -> dict[str, Any]:
    """JSON → PointResult fields (infinite numbers were stored as text)."""
    def num(v):
        if isinstance(v, str) and v in ("inf", "-inf", "nan"):
            return float(v)
        return v
    for k in ("value", "bound", "gap"):
        d[k] = num(d.get(k))
    d["budgets"] = {k: num(v) for k, v in d["budgets"].items()}
    return d


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """A few numbers per run for ``interdict runs``."""
    kind = result.get("kind")
    out: dict[str, Any] = {"kind": kind}
    if kind == "sweep":
        pts = result.get("points", [])
        out["points"] = len(pts)
        if pts:
            out["value_min"] = min(p["value"] for p in pts)
            out["value_max"] = max(p["value"] for p in pts)
        out["seconds"] = result.get("seconds")
    elif kind == "frontier":
        out["steps"] = len(result.get("steps", []))
        out["seconds"] = result.get("seconds")
    elif kind == "target":
        out["reached"] = result.get("reached")
        out["cost"] = result.get("cost")
    return out
