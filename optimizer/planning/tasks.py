"""Planning tasks on any executor (``optimizer.parallel``), one kept session per process.

A *task* is a small picklable object with ``run(session) -> result``; it runs against a
``PlanningSession`` that the process keeps (built on first use from a ``SessionSpec``: the
instance's records, base budgets and options), so the model is built and loaded once per
worker, never per task. In this process, a caller's own session is used (``spec_of``).

Results are identical whichever executor runs the tasks: a task's result depends only on
the session spec and the task (every solve clears HiGHS first and runs single-threaded,
see ``session.py``), never on what the process solved before.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..instance.model import Instance
from ..options import SolveOptions
from ..parallel import Call, Executor, run_all
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


# one HiGHS solve at a time per process; re-entrant, as a task may run tasks of its own
# in this process (a target among several runs its two chains serially)
_LOCK = threading.RLock()
_SESSIONS: dict[str, PlanningSession] = {}
_KEEP = 4  # a process serving many sessions keeps the latest few


def _keep(key: str, session: PlanningSession) -> None:
    _SESSIONS.pop(key, None)
    while len(_SESSIONS) >= _KEEP:
        _SESSIONS.pop(next(iter(_SESSIONS)))
    _SESSIONS[key] = session


def session_for(spec: SessionSpec) -> PlanningSession:
    """This process's session for ``spec`` (built on first use, then kept)."""
    s = _SESSIONS.get(spec.key)
    if s is None:
        s = PlanningSession(spec.instance, spec.options, budgets=spec.budgets)
        _keep(spec.key, s)
    return s


def spec_of(session: PlanningSession) -> SessionSpec:
    """The spec of a caller's session; tasks run in this process then use that very
    session (no second build)."""
    spec = SessionSpec(session.instance, dict(session.base_budgets), session.options)
    if _SESSIONS.get(spec.key) is not session:
        _keep(spec.key, session)
    return spec


def run_task(spec: SessionSpec, task: Task) -> Any:
    """Run one task on this process's session (the function executors run)."""
    with _LOCK:
        session = session_for(spec)
        session.fix_at_least(None)
        return task.run(session)


def task_call(executor: Executor, spec: SessionSpec, task: Task) -> Call:
    """The job that runs ``task`` on ``executor`` (the spec is handed over once)."""
    return run_task, (executor.share(spec, spec.key), task)


def run_tasks(executor: Executor, spec: SessionSpec, tasks: list[Task],
              progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """Every task's result, in task order."""
    return run_all(executor, [task_call(executor, spec, t) for t in tasks], progress)
