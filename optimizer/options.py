"""Typed options and statuses, validated when made (as in pyomo.contrib.solver: the
termination reason is kept apart from the solution status).

Every stage reads these; only ``solvers/`` maps them to a solver's own option names.
A bad value raises ``OptionError`` (an input error: exit 1 on the command line), never a
"no plan" error later in the run.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self

from .errors import OptionError


class _Choice(str, enum.Enum):
    """A closed set of names; ``parse`` turns text into a member or raises OptionError."""

    @classmethod
    def parse(cls, value: Any, what: str) -> Self:
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise OptionError(f"{what} must be one of {names}; got {_short(value)}") from None

    def __str__(self) -> str:
        return str(self.value)


class Method(_Choice):
    """How the defender's problem is solved."""

    DUAL = "dual"  # the monolithic dual MILP
    BENDERS = "benders"  # Israeli–Wood covering decomposition
    BENDERS_BASIC = "benders-basic"  # plain Benders
    AUTO = "auto"  # "benders" on shortest-path structure, else "dual"


class Backend(_Choice):
    """Which solver interface states and solves the model."""

    HIGHS = "highs"  # arrays straight to HiGHS
    PYOMO = "pyomo"  # the same model as a Pyomo ConcreteModel, Pyomo's highs interface


class Risk(_Choice):
    """How the smuggler's values over scenarios combine (docs/model.md §6)."""

    EXPECTED = "expected"
    WORST = "worst"
    CVAR = "cvar"


class Tie(_Choice):
    """Which of the smuggler's optimal responses counts for the planner's harm."""

    OPTIMISTIC = "optimistic"  # the least harmful
    PESSIMISTIC = "pessimistic"  # the most harmful


class Objective(_Choice):
    """What the defender minimises."""

    VALUE = "value"  # the smuggler's value (zero-sum)
    HARM = "harm"  # the planner's harm while the smuggler maximises its value


class LpAlgorithm(_Choice):
    """The LP algorithm for the smuggler's problem (None: chosen by size)."""

    SIMPLEX = "simplex"
    IPM = "ipm"


@dataclass(frozen=True)
class SolveOptions:
    """Options for a solve. ``rel_gap`` is the relative MIP gap at which the solver may
    stop and call the plan optimal (HiGHS's own default, 1e-4, is too loose to call a
    plan exact; ours is 1e-6). ``node_limit`` stops branch and bound after that many nodes
    (a limit that does not depend on the machine's speed). ``extra`` passes raw options
    to the solver, for experts."""

    time_limit: float | None = None  # seconds
    rel_gap: float = 1e-6
    abs_gap: float | None = None
    node_limit: int | None = None
    threads: int | None = None
    seed: int = 0
    verbose: bool = False
    backend: Backend = Backend.HIGHS
    method: Method = Method.DUAL
    lp_algorithm: LpAlgorithm | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "backend", Backend.parse(self.backend, "backend"))
        set_(self, "method", Method.parse(self.method, "method"))
        if self.lp_algorithm is not None:
            set_(self, "lp_algorithm", LpAlgorithm.parse(self.lp_algorithm, "lp_algorithm"))
        if self.time_limit is not None:
            set_(self, "time_limit", _number(self.time_limit, "time_limit", low=0.0,
                                             open_low=True))
        set_(self, "rel_gap", _number(self.rel_gap, "rel_gap", low=0.0, high=1.0))
        if self.abs_gap is not None:
            set_(self, "abs_gap", _number(self.abs_gap, "abs_gap", low=0.0))
        if self.node_limit is not None:
            set_(self, "node_limit", _integer(self.node_limit, "node_limit", low=0))
        if self.threads is not None:
            set_(self, "threads", _integer(self.threads, "threads", low=1))
        set_(self, "seed", _integer(self.seed, "seed", low=0))
        if not isinstance(self.verbose, bool):
            raise OptionError(f"verbose must be true or false; got {_short(self.verbose)}")
        if not isinstance(self.extra, dict) or not all(isinstance(k, str) for k in self.extra):
            raise OptionError("extra must map solver option names to values")

    def replace(self, **changes: Any) -> SolveOptions:
        """A copy with some options changed (validated again)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise OptionError(f"unknown option(s) {unknown}")
        return SolveOptions(**{**{f.name: getattr(self, f.name) for f in fields(self)},
                               **changes})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, enum.Enum):
                d[k] = v.value
        return d


class Termination(str, enum.Enum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    NODE_LIMIT = "node_limit"
    ITERATION_LIMIT = "iteration_limit"
    INTERRUPTED = "interrupted"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    ERROR = "error"


class SolutionStatus(str, enum.Enum):
    """What the solver returned."""

    OPTIMAL = "optimal"  # proven within the gap
    FEASIBLE = "feasible"  # a plan, without proof (e.g. time limit)
    NONE = "none"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _number(value: Any, what: str, *, low: float | None = None, high: float | None = None,
            open_low: bool = False) -> float:
    """``value`` as a finite float inside [low, high] (``open_low``: low excluded)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"{what} must be a number; got {_short(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise OptionError(f"{what} must be finite; got {_short(value)}")
    if low is not None and (v < low or (open_low and v == low)):
        raise OptionError(f"{what} must be {'>' if open_low else '≥'} {low:g}; got {v:g}")
    if high is not None and v > high:
        raise OptionError(f"{what} must be ≤ {high:g}; got {v:g}")
    return v


def _integer(value: Any, what: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"{what} must be a whole number; got {_short(value)}")
    if value < low:
        raise OptionError(f"{what} must be ≥ {low}; got {value}")
    return int(value)
