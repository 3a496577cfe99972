"""Budget planning sessions: sweeps, exact frontiers, targets, what each resource buys,
priority lists, tasks on any executor (``optimizer.parallel``), a run store and pictures
(issue #3).

A notebook user works with the same objects the CLI uses::

    from optimizer.planning import PlanningSession, SweepSpec, run_sweep, exact_frontier
    s = PlanningSession("instances/mexico_us.yaml")
    p = s.solve({"usd_m": 50})                    # one certified point
    sweep = run_sweep("instances/mexico_us.yaml", SweepSpec.range("usd_m", 0, 200, 10))
    front = exact_frontier(s, "usd_m", 0, 200)     # every breakpoint, with its plan
"""

from .points import PointResult  # noqa: F401
from .session import PlanningSession  # noqa: F401
