"""Typed solve options and statuses (termination reason kept apart from solution status,
as in pyomo.contrib.solver)."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class SolveOptions:
    """Options for a solve. ``rel_gap`` is the relative MIP gap at which the solver may
    stop and call the plan optimal (HiGHS's own default, 1e-4, is too loose to call a
    plan exact; ours is 1e-6)."""

    time_limit: float | None = None  # seconds
    rel_gap: float = 1e-6
    abs_gap: float | None = None
    threads: int | None = None
    seed: int = 0
    verbose: bool = False
    backend: str = "highs"  # "highs": arrays straight to highspy; "pyomo": Pyomo's highs interface
    #: "dual": the monolithic dual MILP; "benders": Israeli–Wood covering decomposition;
    #: "benders-basic": plain Benders; "auto": "benders" on shortest-path structure, else "dual"
    method: str = "dual"
    extra: dict = field(default_factory=dict)  # raw HiGHS options, for experts

    def to_dict(self) -> dict:
        return asdict(self)


class Termination(str, enum.Enum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
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
