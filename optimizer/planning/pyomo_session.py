"""The planning session through Pyomo: the same session (``session.PlanningSession``) with
its model loaded as a Pyomo ``ConcreteModel`` and solved by Pyomo's persistent ``highs``
interface (``solvers.pyomo.PyomoSession``), for users who extend the Pyomo model and want
sweeps over it. Each point only changes the budget rows' bounds in the Pyomo model; the
persistent interface passes them on. Building through Pyomo costs ~25 s per million
nonzeros, so this is not the hot path.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..options import Backend, SolveOptions
from .session import PlanningSession

if TYPE_CHECKING:  # pragma: no cover
    from .sweep import SweepResult, SweepSpec


class PyomoPlanningSession(PlanningSession):
    """A ``PlanningSession`` on the Pyomo backend (``pyomo_model`` is the model)."""

    def __init__(self, source: Any, options: SolveOptions | None = None, *,
                 budgets: Mapping[str, float] | None = None):
        super().__init__(source, (options or SolveOptions()).replace(backend=Backend.PYOMO),
                         budgets=budgets)

    @property
    def pyomo_model(self) -> Any:
        return self.solver.pm  # type: ignore[attr-defined]


def run_sweep_pyomo(source: Any, sweep: SweepSpec, *, budgets: Mapping[str, float] | None = None,
                    options: SolveOptions | None = None, progress: Any = None) -> SweepResult:
    """A sweep on one ``PyomoPlanningSession`` (serial: the Pyomo model lives in this
    process). Same points, same certificate, same result type as ``sweep.run_sweep``."""
    from .sweep import SweepResult

    t0 = time.perf_counter()
    session = PyomoPlanningSession(source, options, budgets=budgets)
    pts = sweep.points()
    out = []
    if progress:
        progress(0, len(pts), None)
    for i, p in enumerate(pts):
        out.append(session.solve(p))
        if progress:
            progress(i + 1, len(pts), out[-1])
    resp = session.response(session.baseline, max_routes=1)
    return SweepResult(
        instance=session.instance.name, instance_path=session.instance.path, spec=sweep,
        base_budgets=dict(session.base_budgets), value_before=session.value_before,
        delivered_before={k: float(v) for k, v in sorted(resp.delivered_by_commodity.items())},
        points=out, solved=len(out), reused=0, seconds=time.perf_counter() - t0,
        executor="serial/pyomo", options=session.options.to_dict())
