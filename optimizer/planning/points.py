"""The result of one certified solve inside a planning session, and its JSON form.

A ``PointResult`` is small and self-contained (plain dicts, lists and numbers) so that it
can travel between processes, be stored in the run store (``store.py``) and be read back
identically: ``PointResult.from_dict(p.to_dict()) == p``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..compile.network import Plan


def budget_key(budgets: dict[str, float]) -> str:
    """Canonical text of a budget vector (sorted, repr of floats): the identity of a point."""
    return json.dumps({k: float(v) for k, v in sorted(budgets.items())}, sort_keys=True)


@dataclass(frozen=True)
class PointResult:
    """One budget vector, its certified plan and the smuggler's best response to it.

    ``value`` is the smuggler's value re-solved with the plan fixed (the certificate);
    ``bound`` the MILP's proven lower bound on the best plan's value at these budgets.
    """

    budgets: dict[str, float]
    plan: dict[str, int]
    value: float
    bound: float | None
    gap: float | None
    optimal: bool
    termination: str
    spend: dict[str, float]
    delivered: dict[str, float]  # commodity → units delivered to markets
    arc_flow: dict[str, float]  # arc → load units entering it (all commodities)
    routes: list[dict[str, Any]]  # the main routes of the smuggler's best response
    warm_started: bool = False
    fallback: bool = False  # a warm-started solve failed its certificate and was re-solved cold
    timings: dict[str, float] = field(default_factory=dict)  # build, solve, check, total (s)
    node_count: int = 0
    notes: list[str] = field(default_factory=list)
    #: commodity → arc → units of the commodity entering the arc (expected over scenarios;
    #: the map draws one width per commodity); empty in runs stored before it existed
    commodity_flow: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return budget_key(self.budgets)

    def plan_obj(self) -> Plan:
        return Plan.of(self.plan)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "PointResult":
        return PointResult(**d)

    def stable_dict(self) -> dict[str, Any]:
        """Everything but timings and solve-path details: what must be identical whichever
        executor computed the point."""
        d = self.to_dict()
        for k in ("timings", "node_count", "warm_started", "fallback", "notes"):
            d.pop(k)
        return d
