"""Budget planning sessions: sweeps, exact frontiers, targets, what each resource buys,
priority lists, tasks on any executor (``optimizer.parallel``), a run store and pictures
(issue #3).

A notebook user works with the same objects the CLI uses (every name below is importable
from ``optimizer.planning``; a test runs this example):

>>> from optimizer.planning import PlanningSession, SweepSpec, exact_frontier, run_sweep
>>> s = PlanningSession("docs/example.yaml")
>>> p = s.solve({"usd_m": 10})                      # one certified point
>>> round(p.value, 2), p.plan
(3421.46, {'press_controls': 1})
>>> sweep = run_sweep("docs/example.yaml", SweepSpec.range("usd_m", 0, 20, 10))
>>> [round(q.value, 2) for q in sweep.points]
[3907.71, 3421.46, 3241.15]
>>> front = exact_frontier(s, "usd_m", 0, 20)        # every breakpoint, with its plan
>>> [round(b, 6) for b in front.breakpoints]
[5.0, 11.0, 13.0, 19.0]

``sweep.to_frames()`` gives the sweep as a pandas DataFrame (optional dependency).
"""

from .frontier import Frontier, exact_frontier  # noqa: F401
from .points import PointResult  # noqa: F401
from .session import PlanningSession  # noqa: F401
from .sweep import Axis, SweepResult, SweepSpec, run_sweep  # noqa: F401
from .target import cheapest_to_target, cheapest_to_targets  # noqa: F401
