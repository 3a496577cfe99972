"""Where independent solves run: in this process, on a local process pool, or on Dask.

A *task* is a small picklable object with ``run(session) -> result``; it runs against a
``PlanningSession`` that the worker keeps for the whole session (one per worker process,
built on first use from a ``SessionSpec``: the instance's records, base budgets and
options), so the model is built and loaded once per worker, never per task.

Results are identical whichever executor runs the tasks: a task's result depends only on
the session spec and the task (every solve clears HiGHS first and runs single-threaded,
see ``session.py``), never on what the worker solved before.

- ``SerialExecutor``: in this process, tasks in order.
- ``PoolExecutor``: ``concurrent.futures.ProcessPoolExecutor`` (spawned workers, so no
  HiGHS thread is ever forked).
- ``DaskExecutor``: a ``distributed.Client`` on ``address`` (``tcp://host:8786``), or an
  existing client. Start workers with ``--nthreads 1``: tasks inside one worker process
  are serialised (HiGHS sessions are not shared between threads).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Protocol

from ..instance.model import Instance
from ..options import SolveOptions
from .session import PlanningSession, instance_digest


@dataclass(frozen=True)
class SessionSpec:
    """Everything a worker needs to build the same session as the caller."""

    instance: Instance
    budgets: dict[str, float] = field(default_factory=dict)
    options: SolveOptions = field(default_factory=SolveOptions)

    @functools.cached_property
    def key(self) -> str:
        text = json.dumps({"instance": instance_digest(self.instance),
                           "budgets": sorted(self.budgets.items()),
                           "options": self.options.to_dict()}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class Task(Protocol):
    def run(self, session: PlanningSession) -> Any: ...


_LOCK = threading.Lock()  # one HiGHS solve at a time per process
_SESSIONS: dict[str, PlanningSession] = {}


def session_for(spec: SessionSpec) -> PlanningSession:
    """This process's session for ``spec`` (built on first use, then kept)."""
    key = spec.key
    s = _SESSIONS.get(key)
    if s is None:
        if len(_SESSIONS) >= 4:  # a worker serving many sessions keeps the latest few
            _SESSIONS.pop(next(iter(_SESSIONS)))
        s = PlanningSession(spec.instance, spec.options, budgets=spec.budgets)
        _SESSIONS[key] = s
    return s


def run_task(spec: SessionSpec, task: Task) -> Any:
    """Run one task on this process's session (the function workers execute)."""
    with _LOCK:
        session = session_for(spec)
        session.fix_at_least(None)
        return task.run(session)


class Executor(Protocol):
    """Runs tasks somewhere. ``submit`` returns a handle; ``wait_any`` blocks until at
    least one of the given handles is done and returns [(handle, result)] for those done.
    ``run`` runs a list of independent tasks (built on the two)."""

    name: str

    def submit(self, spec: SessionSpec, task: Task) -> Any: ...

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, Any]]: ...

    def cancel(self, handles: list[Any]) -> None: ...

    def close(self) -> None: ...


class _Base:
    name = "base"

    def run(self, spec: SessionSpec, tasks: list[Task]) -> Iterator[tuple[int, Any]]:
        """Run every task; yield (task index, result) as each finishes."""
        index = {}
        for i, t in enumerate(tasks):
            index[self.submit(spec, t)] = i
        pending = list(index)
        try:
            while pending:
                for h, res in self.wait_any(pending):
                    pending.remove(h)
                    yield index[h], res
        finally:
            if pending:
                self.cancel(pending)

    def cancel(self, handles: list[Any]) -> None:
        pass

    def close(self) -> None:
        pass


class _Deferred:
    """A serial 'future': the task runs when it is waited for."""

    def __init__(self, spec: SessionSpec, task: Task):
        self.spec, self.task = spec, task


class SerialExecutor(_Base):
    """Tasks one after another in this process (each runs when waited for, oldest first)."""

    name = "serial"

    def submit(self, spec: SessionSpec, task: Task) -> Any:
        return _Deferred(spec, task)

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, Any]]:
        h = handles[0]
        return [(h, run_task(h.spec, h.task))]


def _worker_init() -> None:
    """Pool workers: one HiGHS thread (the banner is swallowed on import)."""
    from ..solvers.highs import ensure_threads

    ensure_threads(1)


class PoolExecutor(_Base):
    """A local pool of worker processes, one persistent session per worker."""

    name = "pool"

    def __init__(self, workers: int | None = None):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=mp.get_context("spawn"),
                                         initializer=_worker_init)

    def submit(self, spec: SessionSpec, task: Task) -> Any:
        return self._pool.submit(run_task, spec, task)

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(handles, return_when=FIRST_COMPLETED)
        ordered = [h for h in handles if h in done]  # deterministic order
        return [(h, h.result()) for h in ordered]

    def cancel(self, handles: list[Any]) -> None:
        for h in handles:
            h.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_Base):
    """Tasks on a Dask cluster (``pip install "interdict[dask]"``)."""

    name = "dask"

    def __init__(self, address: str | None = None, client: Any = None):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError('the Dask executor needs the optional extra: '
                               'pip install "interdict[dask]"') from exc
        self._own = client is None
        self.client = client if client is not None else Client(address)
        self._specs: dict[str, Any] = {}

    def _spec_future(self, spec: SessionSpec) -> Any:
        key = spec.key
        if key not in self._specs:
            self._specs[key] = self.client.scatter(spec, broadcast=True, hash=False)
        return self._specs[key]

    def submit(self, spec: SessionSpec, task: Task) -> Any:
        return self.client.submit(run_task, self._spec_future(spec), task, pure=False)

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, Any]]:
        from distributed import wait

        done, _ = wait(handles, return_when="FIRST_COMPLETED")
        ordered = [h for h in handles if h in done]
        return [(h, h.result()) for h in ordered]

    def cancel(self, handles: list[Any]) -> None:
        for h in handles:
            h.cancel()

    def close(self) -> None:
        self._specs.clear()
        if self._own:
            self.client.close()


def make_executor(kind: str = "pool", *, workers: int | None = None,
                  address: str | None = None) -> Executor:
    """``serial``, ``pool`` (local processes) or ``dask`` (a cluster at ``address``)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "pool":
        return PoolExecutor(workers)
    if kind == "dask":
        if not address:
            raise ValueError("the Dask executor needs --address tcp://HOST:PORT of a scheduler")
        return DaskExecutor(address)
    raise ValueError(f"unknown executor {kind!r} (use serial, pool or dask)")


def run_all(executor: Executor | None, spec: SessionSpec, tasks: Iterable[Task]) -> list[Any]:
    """Every task's result, in task order."""
    tasks = list(tasks)
    ex = executor or SerialExecutor()
    out: list[Any] = [None] * len(tasks)
    for i, res in ex.run(spec, tasks):
        out[i] = res
    return out
