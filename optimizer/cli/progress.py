"""Progress of long commands, on stderr only.

Shown when stderr is a terminal (rich: a bar with elapsed time and ETA for counted work,
a live line with incumbent, bound and gap for a single MILP), or when asked with
``--progress`` (then as plain lines, at most one a second plus the last, so a log file
or a pipe reads well). Never with ``-q``, and never on stdout: stdout carries the
summary or, with ``--json -``, the JSON.

A command opens one ``Progress`` and uses, as its work goes:

- ``counted(label, total, unit)``: work of known size (points, samples, steps …);
  ``update(done, total=None)`` moves it;
- ``solving(label)``: every MIP solve started inside reports its incumbent, bound, gap
  and nodes (``solvers.base.mip_progress``); solves in worker processes are counted by
  their tasks instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

from ..solvers.base import MipProgress, mip_progress

Update = Callable[..., None]


def progress_option(fn: Callable) -> Callable:
    """``--progress``: show progress on stderr even when it is not a terminal."""
    return click.option("--progress", "force_progress", is_flag=True,
                        help="Show progress on stderr even when it is not a terminal "
                             "(plain lines); by default progress shows only on a terminal "
                             "and never with -q.")(fn)


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    if 1e3 <= abs(x) < 1e15:
        return f"{x:,.0f}"
    return f"{x:.6g}"


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def mip_text(p: MipProgress) -> str:
    """One line for a running MIP solve."""
    gap = "—" if p.gap is None else f"{100 * p.gap:.3g}%"
    return (f"incumbent {_fmt(p.incumbent)}, bound {_fmt(p.bound)}, gap {gap}, "
            f"{p.nodes:,} nodes")


class Progress:
    """Progress on ``stream`` (stderr); ``enabled`` False shows nothing, ``live`` picks rich
    (a terminal) over plain lines."""

    def __init__(self, enabled: bool, live: bool, stream: TextIO | None = None,
                 every: float = 1.0):
        self.enabled, self.live, self.every = enabled, live, every
        self.stream = stream if stream is not None else sys.stderr

    @staticmethod
    def choose(quiet: bool, force: bool = False) -> "Progress":
        """Shown on a terminal or when forced; never when quiet."""
        tty = _isatty(sys.stderr)
        return Progress(enabled=not quiet and (tty or force), live=tty)

    # ------------------------------------------------------------------ counted work
    @contextmanager
    def counted(self, label: str, total: float | None = None, unit: str = "") -> Iterator[Update]:
        """A bar from the first ``update(done, total=None, note="")`` to the end of the
        block: done of total ``unit``, elapsed time and ETA."""
        if not self.enabled:
            yield _nothing
            return
        if self.live:
            with self._rich_counted(label, total, unit) as update:
                yield update
            return
        line = _Lines(self.stream, self.every)
        state: dict[str, Any] = {"total": total, "done": 0.0, "note": ""}
        t0 = time.perf_counter()

        def text() -> str:
            done, tot = state["done"], state["total"]
            elapsed = time.perf_counter() - t0
            head = f"{label}: {_count(done)}" + (f"/{_count(tot)}" if tot else "") + \
                (f" {unit}" if unit else "")
            eta = ""
            if tot and 0 < done < tot:
                eta = f", ETA {_clock(elapsed * (tot - done) / done)}"
            note = f"; {state['note']}" if state["note"] else ""
            return f"{head}, elapsed {_clock(elapsed)}{eta}{note}"

        def update(done: float, total: float | None = None, note: str = "") -> None:
            state["done"] = done
            if total is not None:
                state["total"] = total
            if note:
                state["note"] = note
            line.show(text())

        try:
            yield update
        finally:
            line.last()

    @contextmanager
    def _rich_counted(self, label: str, total: float | None, unit: str) -> Iterator[Update]:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        columns = [TextColumn(label), BarColumn(),
                   TextColumn("{task.fields[count]}" + (f" {unit}" if unit else "")),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   TextColumn("{task.fields[note]}")]
        bar = Bar(*columns, console=Console(file=self.stream), transient=False)
        task: Any = None

        def update(done: float, total_now: float | None = None, note: str = "") -> None:
            nonlocal task, total
            if total_now is not None:
                total = total_now
            count = _count(done) + (f"/{_count(total)}" if total else "")
            if task is None:
                bar.start()
                task = bar.add_task(label, total=total, count=count, note=note)
            fields = {"count": count} | ({"note": note} if note else {})
            bar.update(task, completed=done, total=total, **fields)

        try:
            yield update
        finally:
            if task is not None:
                bar.stop()

    # ------------------------------------------------------------------ a MILP
    @contextmanager
    def solving(self, label: str) -> Iterator[None]:
        """A live line for every MIP solve started in the block: incumbent, bound, gap,
        nodes and elapsed time."""
        if not self.enabled:
            yield
            return
        if self.live:
            with self._rich_solving(label):
                yield
            return
        line = _Lines(self.stream, self.every)

        def report(p: MipProgress) -> None:
            line.show(f"{label}: {mip_text(p)}, elapsed {_clock(p.seconds)}")

        with mip_progress(report):
            try:
                yield
            finally:
                line.last()

    @contextmanager
    def _rich_solving(self, label: str) -> Iterator[None]:
        from rich.console import Console
        from rich.progress import Progress as Bar
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Bar(SpinnerColumn(), TextColumn(label), TextColumn("{task.fields[status]}"),
                  TimeElapsedColumn(), console=Console(file=self.stream), transient=True)
        task = bar.add_task(label, total=None, status="building and starting the solver")

        def report(p: MipProgress) -> None:
            bar.update(task, status=mip_text(p))

        bar.start()
        try:
            with mip_progress(report):
                yield
        finally:
            bar.stop()


class _Lines:
    """Plain progress lines: at most one per ``every`` seconds, and the last one kept for
    ``last()`` so the final state is always written."""

    def __init__(self, stream: TextIO, every: float):
        self.stream, self.every = stream, every
        self.shown_at: float | None = None
        self.pending: str | None = None

    def show(self, text: str) -> None:
        now = time.perf_counter()
        if self.shown_at is None or now - self.shown_at >= self.every:
            self._write(text)
            self.shown_at, self.pending = now, None
        else:
            self.pending = text

    def last(self) -> None:
        if self.pending is not None:
            self._write(self.pending)
            self.pending = None

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def _count(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.4g}"


def _nothing(*_args: Any, **_kw: Any) -> None:
    return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
