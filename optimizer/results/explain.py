"""A plan explained: what each chosen action does and what it buys, what the plan displaces,
and in which order to list the commodities (``studies.explain`` computes it).

Every number here is in the instance's units (``InterdictionResult.units``): values and
harm as the file counts them, units delivered in each commodity's unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ActionExplanation:
    """One chosen action: its effects in words (one sentence each, from the instance) with
    the source notes of their amounts and of the level's costs, and what it buys: the
    objective, the smuggler's value and (harm objective) the harm with this action alone
    dropped from the plan, each certified by re-solving the smuggler's LP afresh; with
    another objective on an instance with harm weights, also the harm it avoids (the
    smuggler's least and most harmful optimal responses re-solved with and without it)."""

    action: str
    level: int
    name: str
    label: str
    does: tuple[str, ...]
    effect_sources: tuple[str, ...]  # the source note of each effect's amount ("" if none)
    cost_sources: dict[str, str]  # resource → the source note of the level's cost
    objective_without: float  # what the formulation minimises, without this action
    objective_lost: float  # objective_without − the plan's objective: what the action buys
    value_without: float  # the smuggler's value without this action
    value_lost: float  # value_without − the plan's smuggler's value
    #: objectives other than harm, on an instance with harm weights: the planner's harm
    #: without this action under each tie-break ("optimistic", "pessimistic"), and the harm
    #: it avoids (harm_without − the plan's harm, per tie-break; negative: it adds harm)
    harm_without: dict[str, float] | None = None
    harm_avoided: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = dict(vars(self))
        d["does"] = list(self.does)
        for k in ("harm_without", "harm_avoided"):
            d[k] = None if d[k] is None else dict(sorted(d[k].items()))
        d["effect_sources"] = list(self.effect_sources)
        return d


@dataclass(frozen=True)
class Shift:
    """A quantity that rises under the plan: units of ``commodity`` delivered to ``market``
    (``kind`` "market"), in total (``kind`` "commodity", ``where`` ""), or entering arcs of
    a transport mode (``kind`` "mode", ``where`` the mode)."""

    kind: str
    where: str
    commodity: str
    before: float
    after: float

    @property
    def rise(self) -> float:
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "commodity": self.commodity,
                "before": self.before, "after": self.after, "rise": self.rise}


@dataclass(frozen=True)
class Explanation:
    """What the plan does, buys and displaces.

    ``objective``: what the actions' ``objective_lost`` is counted in ("value", "harm" or
    "true value"); ``harm_by_commodity``: the planner's harm of the plan's deliveries per
    commodity (expected over scenarios; empty without harm weights); ``commodity_order``:
    the order in which to list commodities (most harm first when the instance has harm
    weights, else most value delivered); ``plan_harm``: the plan's harm under each
    tie-break when the actions carry the harm they avoid (``ActionExplanation``), else
    None."""

    objective: str
    actions: tuple[ActionExplanation, ...]
    displaced: tuple[Shift, ...]
    harm_by_commodity: dict[str, float]
    commodity_order: tuple[str, ...]
    seconds: float
    plan_harm: dict[str, float] | None = None

    @property
    def harm_avoided(self) -> bool:
        """Whether the actions carry the harm they avoid."""
        return self.plan_harm is not None

    def to_dict(self) -> dict[str, Any]:
        return {"objective": self.objective, "actions": [a.to_dict() for a in self.actions],
                "displaced": [s.to_dict() for s in self.displaced],
                "harm_by_commodity": dict(sorted(self.harm_by_commodity.items())),
                "commodity_order": list(self.commodity_order), "seconds": self.seconds,
                "plan_harm": None if self.plan_harm is None else dict(sorted(
                    self.plan_harm.items()))}
