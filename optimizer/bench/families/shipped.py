"""The shipped Mexico–US instance (``instances/mexico_us.yaml``), when the repository is
at hand (the benchmark runs from a checkout): the value solve, and what a planner runs on
it (issue 13): the harm MILP (optimistic; both tie-breaks as ``interdict solve`` runs
them), the perceived-data MILP (both tie-breaks), a 20-point
budget sweep, a target, the frontier and the five-year horizon (``bench.tasks``).

Sizes: ``small`` the value solve; ``medium`` adds the bilevel MILPs, the sweep and the
target; ``large`` adds the frontier over US$ 0–200 million and the horizon.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ...instance.reader import load_instance
from ..registry import BenchCase, register_family

ROOT = Path(__file__).resolve().parents[3]

#: (name, file, task parameters, smallest size that runs it)
TASKS: tuple[tuple[str, str, dict, str], ...] = (
    ("mexico_us", "mexico_us.yaml", {}, "small"),
    ("harm-optimistic", "mexico_us.yaml", {"task": "harm", "tie": "optimistic"}, "medium"),
    ("harm-both", "mexico_us.yaml", {"task": "harm", "tie": "both"}, "medium"),
    ("beliefs-both", "mexico_us_beliefs.yaml", {"task": "beliefs", "tie": "both"}, "medium"),
    ("sweep-usd_m-10-200", "mexico_us.yaml",
     {"task": "sweep", "resource": "usd_m", "from": 10.0, "to": 200.0, "step": 10.0}, "medium"),
    ("target-value-25pct", "mexico_us.yaml",
     {"task": "target", "kind": "value", "reduction": 0.25, "resource": "usd_m"}, "medium"),
    ("frontier-usd_m-0-200", "mexico_us.yaml",
     {"task": "frontier", "resource": "usd_m", "from": 0.0, "to": 200.0}, "large"),
    ("horizon", "mexico_us.yaml", {"task": "horizon"}, "large"),
)
ORDER = ("tiny", "small", "medium", "large")


@register_family("shipped", "the shipped Mexico–US instance: value solve, harm and beliefs "
                 "bilevel MILPs, sweep, target, frontier, horizon", methods=("dual",))
def shipped(size: str):
    for name, file, params, smallest in TASKS:
        path = ROOT / "instances" / file
        if ORDER.index(size) >= ORDER.index(smallest) and path.exists():
            yield BenchCase("shipped", name, size, partial(load_instance, path),
                            {"file": f"instances/{file}", **params})
