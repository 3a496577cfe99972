"""The session store: every planning run, its options and its results, in one SQLite file.

Tables
- ``runs``: one row per run (kind, key, instance name/path/content hash, options, spec,
  status ``running`` → ``done`` | ``interrupted`` | ``failed``, times, the process that
  runs it, the final result as JSON);
- ``points``: the run's certified *pieces*, each written (and committed) the moment it is
  found: the points of a sweep or of ``marginal``, the steps of a frontier, each target,
  the nested plans of a priority list (``Run.put``).

Durability: WAL journal with ``synchronous=FULL``; each piece is its own transaction, so an
interruption (Ctrl-C, a crash, a killed process) loses at most the pieces being solved and
never corrupts what was committed. A command run again with the same key (same kind,
instance content, base budgets, options and parameters) continues the newest run with that
key and solves only the pieces it lacks (``RunStore.open_run``); a finished run is reused
as is. ``interdict runs resume ID`` does the same from the stored parameters.

A run whose status says ``running`` but whose process (recorded as host, pid and the
process's start time) is gone shows as ``interrupted``.

The store is opened and checked before any work: a file that is not an SQLite database, or
one without this schema, is a ``SetupError`` naming the file.

Where the store is (``default_store_path``), first match wins: the ``--store`` option
(``RunStore(path)``), the environment variable ``INTERDICT_STORE``, else ``runs.sqlite``
in the user's data directory for interdict (``platformdirs.user_data_dir``: on Linux
``$XDG_DATA_HOME/interdict``, by default ``~/.local/share/interdict``; on macOS
``~/Library/Application Support/interdict``; on Windows ``%LOCALAPPDATA%\\interdict``) —
one store whatever directory a command runs from.

Pieces are read back in numeric budget order (0, 10, 20, 100, 200 — never as text).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SetupError
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
    result TEXT,
    owner TEXT
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

#: columns each table must have (``owner`` is added to stores written before it existed)
COLUMNS = {"runs": {"id", "kind", "key", "instance", "instance_path", "instance_hash",
                    "options", "spec", "status", "created", "updated", "summary", "result"},
           "points": {"run_id", "key", "result", "created"}}


STORE_ENV = "INTERDICT_STORE"


def default_store_path() -> Path:
    """``$INTERDICT_STORE``, else ``runs.sqlite`` in the user data directory (module
    docstring)."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("interdict", appauthor=False) / "runs.sqlite"


def numeric_key(budgets: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """Sort key of a budget vector: by resource name, then by amount as a number."""
    return tuple(sorted((k, float(v)) for k, v in budgets.items()))


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell it from a later
    process that got the same pid."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def this_process() -> dict[str, Any]:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "start": _start_ticks(pid)}


def process_alive(owner: dict[str, Any] | None) -> bool:
    """Whether the process recorded in ``owner`` still runs. A process on another host
    cannot be checked and counts as alive."""
    if not owner or owner.get("host") != socket.gethostname():
        return True
    pid = int(owner["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    start = owner.get("start")
    return start is None or _start_ticks(pid) in (None, start)


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
    status: str  # as stored, except a "running" run whose process is gone: "interrupted"
    created: float
    updated: float
    points: int  # pieces stored
    summary: dict[str, Any] | None
    owner: dict[str, Any] | None = None


def run_key(kind: str, session_key: str, params: dict[str, Any]) -> str:
    """Identity of a run: same kind, session (instance content, base budgets, options)
    and parameters → same key (so it resumes)."""
    text = json.dumps({"kind": kind, "session": session_key, "params": params},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Run:
    """One run being computed: its certified pieces stored so far (read back when it
    resumes) and where new ones go, each committed at once. Without a store, pieces live
    in memory only (``id`` None)."""

    def __init__(self, store: "RunStore | None", run_id: int | None,
                 pieces: dict[str, Any] | None = None):
        self.store, self.id = store, run_id
        self.pieces: dict[str, Any] = dict(pieces or {})
        self.added = 0  # pieces found (not read back) in this process

    def get(self, key: str) -> Any:
        return self.pieces.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self.pieces

    def put(self, key: str, data: Any) -> None:
        """Keep a certified piece (JSON-able: dicts, lists, numbers, text)."""
        self.pieces[key] = data
        self.added += 1
        if self.store is not None and self.id is not None:
            self.store.add_piece(self.id, key, data)

    def done(self, result: dict[str, Any]) -> None:
        """Mark the run done with its final result."""
        if self.store is not None and self.id is not None:
            self.store.finish(self.id, result)


class RunStore:
    """A SQLite run store (see the module docstring)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self.opened: list[Run] = []  # runs opened through this object, oldest first
        self._pinned: int | None = None
        self.db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise SetupError(f"run store {self.path} is a directory, not a file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SetupError(f"run store {self.path}: cannot create its folder "
                             f"({exc.strerror or exc})") from None
        db = None
        try:
            db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._check_schema(db)
            db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            if db is not None:
                db.close()
            raise SetupError(f"{self.path} is not a usable interdict run store ({exc}); "
                             "move it away or pass another --store") from None
        except SetupError:
            if db is not None:
                db.close()
            raise
        return db

    def _check_schema(self, db: sqlite3.Connection) -> None:
        """An empty database gets the schema; one with other tables, or with ``runs`` or
        ``points`` lacking a column, is refused. ``owner`` is added to older stores."""
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                           " AND name NOT LIKE 'sqlite_%'")}
        if not tables:
            return
        for table, need in COLUMNS.items():
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(need - have)
            if missing:
                what = (f"it has no table '{table}'" if not have else
                        f"table '{table}' lacks column(s) {', '.join(missing)}")
                raise SetupError(f"{self.path} is an SQLite file but not an interdict run "
                                 f"store ({what}); move it away or pass another --store")
        if "owner" not in {r[1] for r in db.execute("PRAGMA table_info(runs)")}:
            db.execute("ALTER TABLE runs ADD COLUMN owner TEXT")

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
            " status, created, updated, owner) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
            (kind, key, instance.name, str(instance.path), instance_digest(instance),
             json.dumps({"budgets": session_spec.budgets, **session_spec.options.to_dict()},
                        sort_keys=True, default=str),
             json.dumps(spec, sort_keys=True), now, now, json.dumps(this_process())))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def open_run(self, kind: str, session_spec, params: dict[str, Any], *,
                 fresh: bool = False) -> Run:
        """The run to write into: the newest run of ``kind`` with the same key (unless
        ``fresh``, or another live process is running it), with the pieces it holds, taken
        over by this process; else a new one."""
        key = run_key(kind, session_spec.key, params)
        pinned, self._pinned = self._pinned, None
        row = None if fresh else self.db.execute(
            "SELECT id, status, owner FROM runs WHERE key = ? AND kind = ? "
            "AND (? IS NULL OR id = ?) ORDER BY id DESC LIMIT 1",
            (key, kind, pinned, pinned)).fetchone()
        if row is not None and row[1] == "running" and row[2]:
            owner = json.loads(row[2])
            if owner.get("pid") != os.getpid() and process_alive(owner):
                row = None  # another live process is computing it: start a run of our own
        if row is None:
            run = Run(self, self.new_run(kind, key, session_spec.instance, session_spec, params))
        else:
            run_id = int(row[0])
            self.db.execute("UPDATE runs SET status = 'running', updated = ?, owner = ? "
                            "WHERE id = ? AND status != 'done'",
                            (time.time(), json.dumps(this_process()), run_id))
            run = Run(self, run_id, self.pieces(run_id))
        self.opened.append(run)
        return run

    def pin(self, run_id: int) -> None:
        """Make the next ``open_run`` continue run ``run_id`` (if its key matches) rather
        than the newest run with that key (``interdict runs resume``)."""
        self._pinned = run_id

    def add_piece(self, run_id: int, key: str, data: Any) -> None:
        """Store one certified piece (its own committed transaction). Numbers are kept
        exactly (JSON with Infinity/NaN), so a resumed run gives identical results."""
        text = json.dumps(data, sort_keys=True, allow_nan=True)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO points (run_id, key, result, created) "
                            "VALUES (?, ?, ?, ?)", (run_id, key, text, time.time()))
            self.db.execute("UPDATE runs SET updated = ? WHERE id = ?", (time.time(), run_id))
            self.db.execute("COMMIT")

    def add_point(self, run_id: int, point: PointResult) -> None:
        self.add_piece(run_id, point.key, point.to_dict())

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
        """Store a finished run in one go (the Pyomo sweep)."""
        run_id = self.new_run(kind, key, instance, session_spec, spec)
        self.finish(run_id, result)
        return run_id

    # ---------------------------------------------------------------- reading
    def pieces(self, run_id: int) -> dict[str, Any]:
        """Every stored piece of a run, by key (in key order)."""
        rows = self.db.execute("SELECT key, result FROM points WHERE run_id = ? ORDER BY key",
                               (run_id,)).fetchall()
        return {k: json.loads(text) for k, text in rows}

    def points(self, run_id: int) -> list[PointResult]:
        """The points of a sweep (or of ``marginal``): pieces keyed by budgets, in numeric
        order of the budgets."""
        pts = [PointResult.from_dict(_restore(d)) for k, d in self.pieces(run_id).items()
               if k.startswith("{")]
        return sorted(pts, key=lambda p: numeric_key(p.budgets))

    def runs(self) -> list[RunInfo]:
        rows = self.db.execute(
            "SELECT r.id, r.kind, r.key, r.instance, r.instance_path, r.instance_hash, r.options,"
            " r.spec, r.status, r.created, r.updated, r.summary,"
            " (SELECT COUNT(*) FROM points p WHERE p.run_id = r.id), r.owner"
            " FROM runs r ORDER BY r.id"
        ).fetchall()
        out = []
        for r in rows:
            owner = json.loads(r[13]) if r[13] else None
            status = r[8]
            if status == "running" and owner is not None and not process_alive(owner):
                status = "interrupted"
            out.append(RunInfo(int(r[0]), r[1], r[2], r[3], r[4], r[5], json.loads(r[6]),
                               json.loads(r[7]), status, r[9], r[10], int(r[12]),
                               json.loads(r[11]) if r[11] else None, owner))
        return out

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


@contextmanager
def recording(store: RunStore | None, kind: str, session_spec, params: dict[str, Any], *,
              fresh: bool = False) -> Iterator[Run]:
    """The run a computation writes its pieces into (``RunStore.open_run``; in memory when
    ``store`` is None). If the block raises, the run is marked ``interrupted`` (Ctrl-C,
    SIGTERM) or ``failed``; its pieces stay, and running it again resumes it."""
    if store is None:
        yield Run(None, None)
        return
    run = store.open_run(kind, session_spec, params, fresh=fresh)
    run_id = run.id
    assert run_id is not None
    try:
        yield run
    except BaseException as exc:
        store.set_status(run_id, "interrupted" if isinstance(exc, KeyboardInterrupt)
                         else "failed")
        raise


@dataclass(frozen=True)
class RunComparison:
    """Two sweeps side by side (``compare_runs``): ``rows`` pairs the points with the same
    budgets of the swept resources ``matched_on`` (numeric order); ``differences`` says
    in words what else differs between the runs (kind, swept resources, fixed budgets,
    solve options, instance data)."""

    a: RunInfo
    b: RunInfo
    matched_on: tuple[str, ...]
    rows: list[tuple[PointResult, PointResult]]
    only_a: int
    only_b: int
    differences: list[str]


def swept_resources(info: RunInfo) -> tuple[str, ...]:
    """The resources a sweep varies (from its spec); () for other kinds of run."""
    spec = info.spec.get("sweep", info.spec)
    return tuple(a["resource"] for a in spec.get("axes", []))


def compare_runs(store: "RunStore", a: RunInfo, b: RunInfo, pa: list[PointResult],
                 pb: list[PointResult], *, instances: tuple[Any, Any] | None = None
                 ) -> RunComparison:
    """Pair the points of two runs on the budgets of the resources both sweep (all
    budgets when neither is a sweep), and list what differs between the runs.
    ``instances``: the two runs' instances, when they could be read, to name the data
    that differ (else only the content hashes are compared)."""
    swept = [r for r in swept_resources(a) if r in swept_resources(b)]
    on = tuple(swept) if swept else tuple(sorted({k for p in pa + pb for k in p.budgets}))

    def key(p: PointResult) -> tuple[float, ...]:
        return tuple(float(p.budgets.get(r, float("nan"))) for r in on)

    ka, kb = {key(p): p for p in pa}, {key(p): p for p in pb}
    common = sorted(set(ka) & set(kb))
    return RunComparison(a, b, on, [(ka[k], kb[k]) for k in common], len(set(ka) - set(kb)),
                         len(set(kb) - set(ka)), run_differences(a, b, instances))


def run_differences(a: RunInfo, b: RunInfo, instances: tuple[Any, Any] | None = None
                    ) -> list[str]:
    """What differs between two runs besides their points, one line each."""
    out = []
    if a.kind != b.kind:
        out.append(f"kind: {a.kind} → {b.kind}")
    sa, sb = swept_resources(a), swept_resources(b)
    if sa != sb:
        out.append(f"swept resources: {', '.join(sa) or '—'} → {', '.join(sb) or '—'}")
    fa, fb = a.options.get("budgets", {}), b.options.get("budgets", {})
    for r in sorted(set(fa) | set(fb)):
        if r not in sa + sb and fa.get(r) != fb.get(r):
            out.append(f"fixed budget {r}: {_num(fa.get(r))} → {_num(fb.get(r))}")
    for k in sorted((set(a.options) | set(b.options)) - {"budgets"}):
        if a.options.get(k) != b.options.get(k):
            out.append(f"option {k}: {a.options.get(k)} → {b.options.get(k)}")
    if a.instance_path != b.instance_path:
        out.append(f"instance file: {a.instance_path} → {b.instance_path}")
    if a.instance_hash != b.instance_hash:
        if instances is None:
            out.append(f"instance data differ (content hash {a.instance_hash[:10]} → "
                       f"{b.instance_hash[:10]}); the files could not be read to say how")
        else:
            from ..instance.diff import instance_differences

            lines = [f"data: {d}" for d in instance_differences(*instances)
                     if not d.startswith("resource ") or " budget " not in d]
            out.extend(lines)
    return out


def _num(v: Any) -> str:
    from ..report.units import number

    return "(instance's)" if v is None else number(float(v), 6)


def _restore(d: dict[str, Any]) -> dict[str, Any]:
    """JSON → PointResult fields (stores written before pieces kept numbers exactly had
    infinite numbers as text)."""
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
        targets = result.get("targets", [result])
        out["reached"] = [t.get("reached") for t in targets]
        out["cost"] = [t.get("cost") for t in targets]
    return out
