"""Progress of long commands, on stderr only.

Shown when stderr is a terminal (rich: a bar with elapsed time and ETA for counted work,
a live line with incumbent, bound and gap for a single MILP), or when asked with
``--progress`` (then as plain lines, at most one a second plus the last, so a log file
or a pipe reads well). Never with ``-q``, and never on stdout: stdout carries the
summary or, with ``--json -``, the JSON.

A command opens one ``Progress`` and uses, as its work goes:

- ``counted(label, total, unit)``: work of known size (points, samples, steps …);
  ``update(done, total=None)`` moves it;
- ``solving(label, unit)``: every MIP solve started inside reports its incumbent, bound
  (in the objective's unit, when the command knows it), gap and nodes
  (``solvers.base.mip_progress``); solves in worker processes are counted by their tasks
  instead.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as Display
from rich.text import Text

from ..instance.units import Unit
from ..solvers.base import MipProgress, mip_progress

Update = Callable[..., None]


def progress_option(fn: Callable) -> Callable:
    """``--progress``: show progress on stderr even when it is not a terminal."""
    return click.option("--progress", "force_progress", is_flag=True,
                        help="Show progress on stderr even when it is not a terminal "
                             "(plain lines); by default progress shows only on a terminal "
                             "and never with -q.")(fn)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def mip_text(p: MipProgress, unit: Unit | None = None) -> str:
    """One line for a running MIP solve; incumbent and bound in ``unit`` (the objective's,
    when the command knows it)."""
    from ..report.units import quantity

    def figure(x: float | None) -> str:  # none found yet: HiGHS reports ±inf
        return "—" if x is None or not math.isfinite(x) else quantity(x, unit, 6)

    gap = "—" if p.gap is None else f"{100 * p.gap:.3g}%"
    return (f"incumbent {figure(p.incumbent)}, bound {figure(p.bound)}, gap {gap}, "
            f"{p.nodes:,} nodes")


class Progress:
    """Progress on ``stream`` (stderr); ``enabled`` False shows nothing, ``live`` picks rich
    (a terminal) over plain lines. On a terminal every bar and line of one command shares
    one rich display (rich allows one at a time), stopped when the command's ``with``
    block ends."""

    def __init__(self, enabled: bool, live: bool, stream: TextIO | None = None,
                 every: float = 1.0):
        self.enabled, self.live, self.every = enabled, live, every
        self.stream = stream if stream is not None else sys.stderr
        self._display: Any = None

    @staticmethod
    def choose(quiet: bool, force: bool = False) -> "Progress":
        """Shown on a terminal or when forced; never when quiet."""
        tty = _isatty(sys.stderr)
        return Progress(enabled=not quiet and (tty or force), live=tty)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the terminal display (what it shows stays on the screen)."""
        if self._display is not None:
            self._display.stop()
            self._display = None

    def _rich(self) -> Any:
        """The command's one rich display, started on first use."""
        if self._display is None:
            self._display = Display(TextColumn("{task.description}"), _Bar(),
                                    TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                                    _Eta(), console=Console(file=self.stream),
                                    transient=False)
            self._display.start()
        return self._display

    # ------------------------------------------------------------------ counted work
    @contextmanager
    def counted(self, label: str, total: float | None = None, unit: str = "", *,
                every: float | None = None) -> Iterator[Update]:
        """A bar from the first ``update(done, total=None, note="")`` to the end of the
        block: done of total ``unit``, elapsed time and ETA. ``every``: seconds between
        plain lines (default the Progress's; 0 writes every update)."""
        if not self.enabled:
            yield _nothing
            return
        state: dict[str, Any] = {"total": total, "done": 0.0, "note": ""}

        def status() -> str:
            tot = state["total"]
            text = _count(state["done"]) + (f"/{_count(tot)}" if tot else "") + \
                (f" {unit}" if unit else "")
            return text + (f"; {state['note']}" if state["note"] else "")

        def record(done: float, total_now: float | None, note: str) -> None:
            state["done"] = done
            if total_now is not None:
                state["total"] = total_now
            if note:
                state["note"] = note

        if self.live:
            task: Any = None

            def update(done: float, total: float | None = None, note: str = "") -> None:
                nonlocal task
                record(done, total, note)
                display = self._rich()
                if task is None:
                    task = display.add_task(label, total=state["total"], status="")
                display.update(task, completed=done, total=state["total"], status=status())

            yield update
            return
        line = _Lines(self.stream, self.every if every is None else every)
        t0 = time.perf_counter()

        def plain(done: float, total: float | None = None, note: str = "") -> None:
            record(done, total, note)
            elapsed = time.perf_counter() - t0
            tot = state["total"]
            eta = (f", ETA {_clock(elapsed * (tot - done) / done)}"
                   if tot and 0 < done < tot else "")
            line.show(f"{label}: {status()}, elapsed {_clock(elapsed)}{eta}")

        try:
            yield plain
        finally:
            line.last()

    # ------------------------------------------------------------------ a MILP
    @contextmanager
    def solving(self, label: str, unit: Unit | None = None) -> Iterator[None]:
        """A live line for every MIP solve started in the block: incumbent, bound (in
        ``unit``, the objective's), gap, nodes and elapsed time (removed from the terminal
        when the block ends)."""
        if not self.enabled:
            yield
            return
        if self.live:
            display = self._rich()
            task = display.add_task(label, total=None, status="starting", mip=True)

            def live(p: MipProgress) -> None:
                display.update(task, status=mip_text(p, unit))

            try:
                with mip_progress(live):
                    yield
            finally:
                display.remove_task(task)
            return
        line = _Lines(self.stream, self.every)

        def plain(p: MipProgress) -> None:
            line.show(f"{label}: {mip_text(p, unit)}, elapsed {_clock(p.seconds)}")

        with mip_progress(plain):
            try:
                yield
            finally:
                line.last()


class _Bar(BarColumn):
    """The bar of counted work; nothing on a MILP's line."""

    def render(self, task: Any) -> Any:
        return Text("") if task.fields.get("mip") else super().render(task)


class _Eta(TimeRemainingColumn):
    """"ETA h:mm:ss" where the work is counted."""

    def render(self, task: Any) -> Any:
        if task.fields.get("mip") or not task.total:
            return Text("")
        return Text.assemble("ETA ", super().render(task))


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
    from ..report.units import number

    return f"{int(x):,}" if float(x).is_integer() else number(x, 4)


def _nothing(*_args: Any, **_kw: Any) -> None:
    return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
