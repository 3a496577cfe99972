"""What the smuggler believes (docs/model.md §13): the instance as the smuggler sees it.

The smuggler plans with *perceived* data — an arc's ``perceived`` seizure and cost, effects
as large as it believes them (``perceived_amount``), covert effects (``perceived: false``)
not at all — while the defender's outcome is counted with the true data (Morton, Pan &
Saeger 2007, second model). ``perceived_instance`` gives the instance the smuggler plans
with: the same records, ids, actions and levels (so it compiles to a network with the same
binaries and flow columns), with the perceived numbers in place of the true ones.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import UsageError
from .model import Action, Arc, Effect, Instance


def perceived_arc(a: Arc) -> Arc:
    """The arc as the smuggler sees it (its perceived seizure and cost, where given)."""
    return replace(a, seizure=a.seizure if a.perceived_seizure is None else a.perceived_seizure,
                   cost=a.cost if a.perceived_cost is None else a.perceived_cost,
                   perceived_seizure=None, perceived_cost=None)


def perceived_effects(act: Action) -> tuple[Effect, ...]:
    """The effects of an action the smuggler sees, at the size it sees. A covert effect is
    left out; the action keeps its levels (and so its binaries)."""
    return tuple(replace(e, amounts=e.amounts if e.perceived_amounts is None
                         else e.perceived_amounts, perceived_amounts=None)
                 for e in act.effects if e.perceived)


def perceived_instance(inst: Instance) -> Instance:
    """The instance as the smuggler sees it (module docstring). Scenarios are not carried:
    apply it to each scenario's materialised instance."""
    return replace(inst, name=f"{inst.name}[perceived]",
                   arcs=tuple(perceived_arc(a) for a in inst.arcs),
                   actions=tuple(replace(act, effects=perceived_effects(act))
                                 for act in inst.actions),
                   scenarios=())


def refuse_beliefs(inst: Instance, what: str) -> None:
    """Raise ``UsageError`` when ``inst`` gives the smuggler beliefs that ``what`` (a
    zero-sum computation: the smuggler knows the true data) would silently ignore."""
    if inst.has_beliefs:
        raise UsageError(
            f"{inst.path}: {what}: not available where the smuggler plans with perceived "
            "data ('perceived' on arcs or effects), as it assumes the smuggler knows the true "
            "data; use 'interdict solve FILE' (--objective value|harm), or "
            "optimizer.pipeline.solve with formulation.PerceivedOutcome")


__all__ = ["perceived_arc", "perceived_effects", "perceived_instance", "refuse_beliefs"]
