"""Where independent work runs: in this process, on local worker processes, or on Dask.

The one module for process parallelism in the engine: planning sessions (sweeps,
frontiers, targets …), Monte Carlo, SAA and VSS, and the benchmark harness all submit
*jobs* here. A job is a picklable top-level function and its arguments.

- ``SerialExecutor``: in this process; a job runs when it is waited for (oldest first).
- ``ProcessPool``: local worker processes. Workers are *spawned* (a fresh interpreter,
  never a fork: HiGHS runs threads in the parent, and forking a process with threads is
  unsafe). A worker ignores SIGINT (the parent decides what Ctrl-C means), dies with its
  parent (Linux ``prctl(PR_SET_PDEATHSIG)``, and a watchdog thread polling
  ``os.getppid()`` everywhere), and is terminated at once by ``cancel`` and ``close``. A job
  may have a time limit (its worker is killed when it passes: ``JobTimeout``), and
  ``fresh=True`` runs every job in a new process (the bench: its own peak memory).
- ``DaskExecutor``: a ``distributed.Client`` on ``address`` (``tcp://host:8786``) or an
  existing client; an unreachable scheduler is a ``SetupError`` naming the address.

Every executor has the same submit/wait interface: ``submit(fn, *args)`` returns a job,
``wait_any(jobs)`` blocks until at least one is done and returns the done ones *in the
order given* (so results are handled in a deterministic order), ``job.result()`` returns
the value or raises the job's exception, ``cancel(jobs)`` drops work no longer wanted,
``share(obj, key)`` hands a large argument over once (Dask scatters it to every worker).
``run_all`` and ``drive`` are built on these: independent jobs with results in job order,
and chains of dependent jobs run side by side, with progress callbacks.

``interrupts()`` turns SIGINT and SIGTERM into ``Interrupted`` (a ``KeyboardInterrupt``)
for a command's duration and ignores any further signal while the command unwinds (and,
for a command line about to exit, until it has exited), so a second Ctrl-C never
interrupts the clean-up.
"""

from __future__ import annotations

import collections
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from .errors import SetupError

T = TypeVar("T")
Call = tuple[Callable[..., Any], tuple[Any, ...]]  # a job: a function and its arguments


class JobTimeout(Exception):
    """A job ran past its time limit; its worker was killed."""


class WorkerDied(Exception):
    """A worker process ended without answering (killed, out of memory, crashed)."""


class RemoteTraceback(Exception):
    """The traceback of a job's exception inside its worker (set as ``__cause__``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Job:
    """One submitted call and, once done, its value or exception."""

    __slots__ = ("fn", "args", "timeout", "state", "_value", "_error")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float | None):
        self.fn, self.args, self.timeout = fn, args, timeout
        self.state = "pending"  # pending → running → done | cancelled
        self._value: Any = None
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self.state in ("done", "cancelled")

    def _finish(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value, self._error, self.state = value, error, "done"
        self.fn = self.args = None  # type: ignore[assignment]  # free the arguments

    def result(self) -> Any:
        """The job's value; re-raises its exception (``JobTimeout``, ``WorkerDied``, or
        what the function raised)."""
        if self.state == "cancelled":
            raise RuntimeError("the job was cancelled")
        if self.state != "done":
            raise RuntimeError("the job is not done")
        if self._error is not None:
            raise self._error
        return self._value


class Executor(Protocol):
    """What ``SerialExecutor``, ``ProcessPool`` and ``DaskExecutor`` offer (module
    docstring); each is also a context manager that closes it."""

    name: str

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def wait_any(self, jobs: list[Any]) -> list[Any]: ...

    def cancel(self, jobs: list[Any]) -> None: ...

    def share(self, obj: T, key: str) -> T: ...

    def close(self) -> None: ...

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc: Any) -> None: ...


class _Executor:
    """What every executor has in common: a context manager, no-op share."""

    name = "base"

    def share(self, obj: T, key: str) -> T:  # noqa: ARG002 - Dask uses the key
        return obj

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ----------------------------------------------------------------------------- serial
class SerialExecutor(_Executor):
    """Jobs in this process, one at a time, each when it is waited for (oldest first)."""

    name = "serial"

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job:
        return Job(fn, args, None)

    def wait_any(self, jobs: list[Job]) -> list[Job]:
        done = [j for j in jobs if j.done()]
        if done:
            return done
        job = jobs[0]
        job.state = "running"
        try:
            value = job.fn(*job.args)
        except Exception as exc:  # noqa: BLE001 - the job's error, raised by result()
            job._finish(error=exc)
        else:
            job._finish(value)
        return [job]

    def cancel(self, jobs: list[Job]) -> None:
        for j in jobs:
            if not j.done():
                j.state = "cancelled"


# ----------------------------------------------------------------------------- process pool
PARENT_POLL_SECONDS = 1.0  # the watchdog's period: a worker outlives its parent at most this


def _die_with_parent(parent_pid: int, use_prctl: bool) -> None:
    """Make this worker end when its parent process ends.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker the moment the
    thread that started it ends (``use_prctl`` only when that thread is the parent's main
    thread, whose end is the parent's end). Everywhere: a daemon thread polls
    ``os.getppid()`` and exits the worker once the parent is gone (the worker is then
    re-parented)."""
    if use_prctl and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _portable(exc: BaseException) -> tuple[BaseException, str]:
    """(the exception, or a RuntimeError describing it if it cannot be pickled; its
    formatted traceback)."""
    tb = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
        return exc, tb
    except Exception:  # noqa: BLE001 - any pickling failure
        return RuntimeError(f"{type(exc).__name__}: {exc}"), tb


def _worker_main(conn: Any, parent_pid: int, use_prctl: bool) -> None:
    """A pool worker: run the calls it receives until told to stop (None) or the pipe
    closes; answer (True, value) or (False, (exception, traceback text))."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent_pid, use_prctl)
    _restore_stderr(parent_pid)
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            msg = pickle.loads(raw)
            if msg is None:
                return
            fn, args = msg
            answer: tuple[bool, Any] = (True, fn(*args))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            answer = (False, _portable(exc))
        try:
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 - e.g. a value that cannot be pickled
            conn.send((False, _portable(exc)))


class _Worker:
    __slots__ = ("proc", "conn", "job", "deadline")

    def __init__(self, proc: Any, conn: Any):
        self.proc, self.conn = proc, conn
        self.job: Job | None = None
        self.deadline: float | None = None


@contextmanager
def _quiet_start() -> Iterator[None]:
    """Start a worker with its stderr on /dev/null (Linux): a parent killed while the
    worker is still starting (SIGKILL, SIGTERM) would otherwise leave the worker printing a
    traceback ("Ran out of input") on the user's terminal as it dies. The worker takes the
    parent's stderr back once it is set up to die with it (``_restore_stderr``)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _restore_stderr(parent_pid: int) -> None:
    """Point this worker's stderr at its parent's (see ``_quiet_start``)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        fd = os.open(f"/proc/{parent_pid}/fd/2", os.O_WRONLY | os.O_APPEND)
    except OSError:
        return  # the parent is gone, or has no stderr: stay quiet
    os.dup2(fd, 2)
    os.close(fd)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back while a worker starts: the child inherits the blocked mask through
    fork and exec, so a Ctrl-C during its start-up cannot raise inside it (it ignores
    SIGINT from its first line on); the parent receives the signal right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class ProcessPool(_Executor):
    """Up to ``workers`` spawned worker processes (module docstring). A worker keeps the
    state its jobs leave in its module globals (planning sessions), unless ``fresh``:
    then each job runs in a new process that ends with it. ``nested``: the workers may
    start pools of their own (they are not daemonic processes; they still end with
    their parent: ``_die_with_parent``, and ``close`` terminates them), as a benchmark
    worker running a planning session does."""

    name = "pool"

    def __init__(self, workers: int | None = None, *, fresh: bool = False,
                 nested: bool = False):
        import multiprocessing as mp

        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.fresh = fresh
        self.nested = nested
        self._ctx = mp.get_context("spawn")
        self._queue: collections.deque[Job] = collections.deque()
        self._pool: list[_Worker] = []
        self._closed = False

    # ---------------------------------------------------------------- interface
    def submit(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Job:
        """Queue ``fn(*args)``; ``timeout``: seconds from the moment a worker takes it."""
        if self._closed:
            raise RuntimeError("the pool is closed")
        job = Job(fn, args, timeout)
        self._queue.append(job)
        self._dispatch()
        return job

    def wait_any(self, jobs: list[Job]) -> list[Job]:
        while True:
            done = [j for j in jobs if j.done()]
            if done:
                return done
            self._dispatch()
            self._step()

    def cancel(self, jobs: list[Job]) -> None:
        """Drop queued jobs and kill the workers running any of ``jobs``."""
        for job in jobs:
            if job.state == "pending":
                job.state = "cancelled"
        running = [w for w in self._pool if w.job is not None and w.job in jobs]
        for w in running:
            w.job.state = "cancelled"  # type: ignore[union-attr]
        self._stop(running)
        self._queue = collections.deque(j for j in self._queue if j.state == "pending")
        self._dispatch()

    def close(self) -> None:
        """Cancel what is left and end every worker: idle ones are asked to stop, busy ones
        are terminated (no waiting for their solves)."""
        if self._closed:
            return
        self._closed = True
        for job in self._queue:
            job.state = "cancelled"
        self._queue.clear()
        busy = [w for w in self._pool if w.job is not None]
        for w in busy:
            w.job.state = "cancelled"  # type: ignore[union-attr]
        idle = [w for w in self._pool if w.job is None]
        for w in idle:
            try:
                w.conn.send(None)
            except OSError:
                pass
        self._stop(busy, terminate=True)
        self._stop(idle, terminate=False)

    def pids(self) -> list[int]:
        """Process ids of the live workers (tests, diagnostics)."""
        return [w.proc.pid for w in self._pool]

    # ---------------------------------------------------------------- internals
    def _start(self) -> _Worker:
        from multiprocessing import resource_tracker

        # start the tracker first: starting it unblocks SIGINT in this thread on its way out
        resource_tracker.ensure_running()
        parent, child = self._ctx.Pipe(duplex=True)
        on_main = threading.current_thread() is threading.main_thread()
        proc = self._ctx.Process(target=_worker_main, args=(child, os.getpid(), on_main),
                                 daemon=not self.nested, name="interdict-worker")
        with _sigint_blocked(), _quiet_start():
            proc.start()
        child.close()
        w = _Worker(proc, parent)
        self._pool.append(w)
        return w

    def _dispatch(self) -> None:
        """Hand queued jobs to idle workers, starting workers up to the limit."""
        while self._queue:
            job = self._queue[0]
            if job.state != "pending":
                self._queue.popleft()
                continue
            idle = next((w for w in self._pool if w.job is None), None)
            if idle is None:
                if len(self._pool) >= self.workers:
                    return
                idle = self._start()
            self._queue.popleft()
            try:
                data = pickle.dumps((job.fn, job.args), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - the job's error
                job._finish(error=exc)
                continue
            try:
                idle.conn.send_bytes(data)
            except OSError:  # the worker died while idle: replace it, retry the job
                self._stop([idle])
                self._queue.appendleft(job)
                continue
            job.state = "running"
            idle.job = job
            idle.deadline = None if job.timeout is None else time.monotonic() + job.timeout

    def _step(self) -> None:
        """Wait for one answer, worker death or time limit; then dispatch again."""
        from multiprocessing.connection import wait

        busy = [w for w in self._pool if w.job is not None]
        if not busy:
            raise RuntimeError("waiting for jobs that no worker runs")
        deadlines = [w.deadline for w in busy if w.deadline is not None]
        timeout = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout))
        now = time.monotonic()
        for w in busy:
            if w.conn in ready or w.proc.sentinel in ready:
                self._collect(w)
            elif w.deadline is not None and now >= w.deadline:
                job = w.job
                self._stop([w])
                job._finish(error=JobTimeout(  # type: ignore[union-attr]
                    f"no answer within {job.timeout:g} s; worker killed"))  # type: ignore[union-attr]
        self._dispatch()

    def _collect(self, w: _Worker) -> None:
        job = w.job
        assert job is not None
        ok: bool | None = None
        payload: Any = None
        try:
            if w.conn.poll():
                ok, payload = w.conn.recv()
        except (EOFError, OSError):
            ok = None
        if ok is None:  # the worker ended without an answer
            w.proc.join(1.0)
            code, pid = w.proc.exitcode, w.proc.pid
            self._stop([w])
            how = ("was killed by signal " + signal.Signals(-code).name if code is not None
                   and code < 0 else f"exited with code {code}")
            job._finish(error=WorkerDied(f"worker process {pid} {how} without an "
                                         "answer (out of memory?)"))
            return
        w.job, w.deadline = None, None
        if ok:
            job._finish(payload)
        else:
            exc, tb = payload
            exc.__cause__ = RemoteTraceback(tb)
            job._finish(error=exc)
        if self.fresh:
            try:
                w.conn.send(None)
            except OSError:
                pass
            self._stop([w], terminate=False)

    def _stop(self, workers: list[_Worker], terminate: bool = True) -> None:
        """End ``workers`` (terminate them, or let them leave after ``None``) and forget
        them; a worker still alive after a short wait is killed."""
        for w in workers:
            if terminate and w.proc.is_alive():
                w.proc.terminate()
        for w in workers:
            w.proc.join(2.0)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
            w.conn.close()
            w.proc.close()
            if w in self._pool:
                self._pool.remove(w)


# ----------------------------------------------------------------------------- Dask
class DaskExecutor(_Executor):
    """Jobs on a Dask cluster (``pip install "interdict[dask]"``). Start workers with
    ``--nthreads 1`` when jobs keep per-process state that threads must not share (planning
    sessions serialise their solves with a lock)."""

    name = "dask"
    CONNECT_SECONDS = 10

    def __init__(self, address: str | None = None, client: Any = None):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise SetupError('the Dask executor needs the optional extra: '
                             'pip install "interdict[dask]"') from exc
        self._own = client is None
        if client is None:
            try:
                client = Client(address, timeout=self.CONNECT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - any failure to connect
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SetupError(f"cannot reach the Dask scheduler at {address} ({reason})"
                                 ) from None
        self.client = client
        self._shared: dict[str, Any] = {}

    def share(self, obj: T, key: str) -> T:
        if key not in self._shared:
            self._shared[key] = self.client.scatter(obj, broadcast=True, hash=False)
        return self._shared[key]

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, jobs: list[Any]) -> list[Any]:
        from distributed import wait

        done, _ = wait(jobs, return_when="FIRST_COMPLETED")
        return [j for j in jobs if j in done]

    def cancel(self, jobs: list[Any]) -> None:
        if jobs:
            self.client.cancel(jobs)

    def close(self) -> None:
        self._shared.clear()
        if self._own:
            self.client.close()


def make_executor(kind: str = "pool", *, workers: int | None = None,
                  address: str | None = None) -> Executor:
    """``serial``, ``pool`` (local processes) or ``dask`` (a cluster at ``address``)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "pool":
        return ProcessPool(workers)
    if kind == "dask":
        if not address:
            raise ValueError("the Dask executor needs --address tcp://HOST:PORT of a scheduler")
        return DaskExecutor(address)
    raise ValueError(f"unknown executor {kind!r} (use serial, pool or dask)")


def local_executor(workers: int | None) -> Executor:
    """This process for ``workers`` ≤ 1, else a local pool of that many processes."""
    return SerialExecutor() if workers is not None and workers <= 1 else ProcessPool(workers)


# ----------------------------------------------------------------------------- drivers
def drive(executor: Executor, first: Iterable[tuple[Any, Call]],
          then: Callable[[Any, Any], tuple[Any, Call] | None]) -> None:
    """Chains of dependent jobs, side by side: every (tag, call) of ``first`` is submitted;
    when a job is done, ``then(tag, result)`` may return the next (tag, call) of its chain.
    Jobs done together are handed to ``then`` in submission order. Whatever ends the loop
    (an error, Ctrl-C), jobs still running are cancelled."""
    active: dict[Any, Any] = {}
    try:
        for tag, (fn, args) in first:
            active[executor.submit(fn, *args)] = tag
        while active:
            for job in executor.wait_any(list(active)):
                tag = active.pop(job)
                nxt = then(tag, job.result())
                if nxt is not None:
                    ntag, (fn, args) = nxt
                    active[executor.submit(fn, *args)] = ntag
    finally:
        if active:
            executor.cancel(list(active))


def run_all(executor: Executor | None, calls: Iterable[Call],
            progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """Every call's result, in call order (whatever order they finish in);
    ``progress(done, total)`` after each."""
    calls = list(calls)
    out: list[Any] = [None] * len(calls)
    count = [0]

    def then(i: int, res: Any) -> None:
        out[i] = res
        count[0] += 1
        if progress:
            progress(count[0], len(calls))

    drive(executor or SerialExecutor(), enumerate(calls), then)
    return out


# ----------------------------------------------------------------------------- signals
class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM while a command runs; ``signum`` says which."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code_of(exc: KeyboardInterrupt) -> int:
    """128 + the signal number (130 for a plain KeyboardInterrupt)."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + int(signal.SIGINT)


@contextmanager
def interrupts(*, then_ignore: bool = False) -> Iterator[None]:
    """While the block runs, the first SIGINT or SIGTERM raises ``Interrupted``; later ones
    are ignored (the command is already unwinding: stopping workers, marking its run).
    After the block the previous handlers come back, unless it was interrupted and
    ``then_ignore``: a process about to exit then keeps ignoring both signals, so a second
    Ctrl-C cannot break its exit. Outside the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen: list[int] = []

    def handler(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler
        if seen:
            return
        seen.append(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if seen and then_ignore else h)


__all__ = ["DaskExecutor", "Executor", "Interrupted", "Job", "JobTimeout", "ProcessPool",
           "SerialExecutor", "WorkerDied", "drive", "exit_code_of", "interrupts",
           "local_executor", "make_executor", "run_all"]
