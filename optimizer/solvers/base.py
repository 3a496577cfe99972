"""The solver boundary: what a loaded model can do, whatever the solver behind it.

A ``Session`` holds one model (a ``formulation.blocks.LinearModel`` or its matrix form)
loaded in a solver. Callers change numbers in it — bounds, costs, coefficients,
integrality, rows — and re-solve without rebuilding (sweeps, decomposition loops,
tidying). ``open_session`` picks the implementation from ``SolveOptions.backend``:

- ``solvers.highs.HighsSession``: arrays handed to highspy in one call (the hot path);
- ``solvers.pyomo.PyomoSession``: the same blocks as a Pyomo ``ConcreteModel``, solved by
  Pyomo's persistent ``highs`` interface (for users who read, extend or export it).

Only this package imports highspy or touches Pyomo's solver objects; option names and
status codes are mapped here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..formulation.blocks import LinearModel, MatrixForm
from ..options import Backend, SolutionStatus, SolveOptions, Termination


@dataclass
class RawSolution:
    """What a solve returned, in the model's column order."""

    termination: Termination
    status: SolutionStatus
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    node_count: int
    seconds: float
    message: str = ""

    @property
    def has_plan(self) -> bool:
        return self.values is not None

    @property
    def failed(self) -> bool:
        """The solve proved nothing usable: infeasible, unbounded or a solver error."""
        return self.termination in (Termination.INFEASIBLE, Termination.UNBOUNDED,
                                    Termination.INFEASIBLE_OR_UNBOUNDED, Termination.ERROR)


@dataclass(frozen=True)
class MipProgress:
    """Where a MIP solve stands, as the solver reports it while it runs: the best
    objective found (``incumbent``, None before the first), the proven ``bound``, the
    relative ``gap`` (None while either is missing), branch-and-bound ``nodes`` and
    ``seconds`` since the solve began. Numbers are the model's objective, in its own
    sense."""

    incumbent: float | None
    bound: float | None
    gap: float | None
    nodes: int
    seconds: float


#: a function told how a running MIP solve stands (called from the solver's thread, often:
#: it should only record the numbers, and throttle anything slower)
ProgressFn = Callable[[MipProgress], None]

_listener: ContextVar[ProgressFn | None] = ContextVar("mip_progress", default=None)


@contextmanager
def mip_progress(callback: ProgressFn | None) -> Iterator[None]:
    """Tell ``callback`` how every MIP solve started in this context stands while it runs
    (sessions that cannot report, e.g. Pyomo's, stay silent). The command line's live
    "incumbent, bound, gap" line is drawn from it; solves in worker processes do not
    report here (their tasks are counted instead)."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def progress_listener() -> ProgressFn | None:
    """The callback ``mip_progress`` installed for this context (None: nobody listens)."""
    return _listener.get()


class Session(Protocol):
    """One model loaded in a solver (module docstring). Indices are the model's columns
    and rows; rows added later come after the model's own."""

    options: SolveOptions

    @property
    def n_rows(self) -> int: ...

    @property
    def n_cols(self) -> int: ...

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None: ...

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None: ...

    def set_costs(self, cols: np.ndarray, costs: np.ndarray) -> None: ...

    def set_objective(self, cost: np.ndarray, sense: str) -> None:
        """Replace every column cost and the sense ("min" or "max")."""

    def set_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None: ...

    def set_integrality(self, cols: np.ndarray, integer: bool) -> None: ...

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, starts: np.ndarray,
                 indices: np.ndarray, values: np.ndarray) -> None:
        """Append rows given in CSR form (``starts`` has one entry per row)."""

    def delete_rows_from(self, first: int) -> None:
        """Delete every row from index ``first`` on."""

    def set_gaps(self, rel_gap: float, abs_gap: float | None) -> None:
        """The MIP gaps at which later solves may stop."""

    def set_time_limit(self, seconds: float | None) -> None:
        """Wall-clock limit of later solves (None: none)."""

    def stop_at_first_solution(self, stop: bool) -> None:
        """Whether a MIP solve stops at its first feasible solution."""

    def set_lp_algorithm(self, algorithm: str) -> None:
        """"simplex" (dual simplex; re-solves warm from the last basis), "primal" (primal
        simplex), "ipm" or "choose"."""

    def set_start(self, values: np.ndarray) -> None:
        """A (partial: NaN = free) starting solution for the next solve only."""

    def solve(self) -> RawSolution: ...

    def col_duals(self) -> np.ndarray:
        """Reduced costs of the last LP solve."""

    def write(self, path: str | Path) -> None:
        """Export the model as it stands (``.mps`` or ``.lp`` by suffix), with readable
        names."""


def open_session(model: LinearModel | MatrixForm, options: SolveOptions | None = None,
                 ) -> Session:
    """Load ``model`` in the solver ``options.backend`` names."""
    options = options or SolveOptions()
    if options.backend == Backend.PYOMO:
        from .pyomo import PyomoSession

        if not isinstance(model, LinearModel):
            raise TypeError("the Pyomo backend states models from their blocks")
        return PyomoSession(model, options)
    from .highs import HighsSession

    return HighsSession(model, options)


def solve_once(model: LinearModel | MatrixForm, options: SolveOptions | None = None,
               start: np.ndarray | None = None) -> RawSolution:
    """Load, optionally warm-start, and solve once."""
    session = open_session(model, options)
    if start is not None:
        session.set_start(start)
    return session.solve()
