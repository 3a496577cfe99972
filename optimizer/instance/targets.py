"""Which elements an effect acts on, once selectors (``modes``, ``nodes`` …) are expanded.

Shared by validation (to report bad targets) and by compilation (to build the MILP), so
that both read an effect the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Effect, Instance

#: For each effect type, the target selectors it accepts.
ALLOWED_SELECTORS: dict[str, frozenset[str]] = {
    "remove": frozenset({"arcs", "modes", "nodes", "recipes"}),
    "cut_capacity": frozenset({"arcs", "modes", "nodes", "recipes"}),
    "raise_seizure": frozenset({"arcs", "modes", "commodities"}),
    "raise_cost": frozenset({"arcs", "modes", "commodities"}),
    "cut_supply": frozenset({"nodes", "commodities"}),
}


@dataclass(frozen=True)
class ResolvedTargets:
    """Element ids an effect touches (sorted, without duplicates)."""

    arcs: tuple[str, ...]
    nodes: tuple[str, ...]
    recipes: tuple[str, ...]
    supplies: tuple[tuple[str, str], ...]  # (node, commodity)
    commodities: tuple[str, ...] | None


def used_selectors(effect: Effect) -> set[str]:
    t = effect.targets
    used = {name for name in ("arcs", "modes", "nodes", "recipes") if getattr(t, name)}
    if t.commodities is not None:
        used.add("commodities")
    return used


def resolve_targets(inst: Instance, effect: Effect) -> ResolvedTargets:
    """Expand an effect's selectors into element ids; unknown ids are dropped (validation
    reports them)."""
    t = effect.targets
    arc_ids = {a.id for a in inst.arcs}
    arcs = {a for a in t.arcs if a in arc_ids}
    if t.modes:
        modes = set(t.modes)
        arcs.update(a.id for a in inst.arcs if a.mode in modes)
    node_ids = {n.id for n in inst.nodes}
    nodes = {n for n in t.nodes if n in node_ids}
    recipe_ids = {r.id for r in inst.recipes}
    recipes = {r for r in t.recipes if r in recipe_ids}
    supplies: set[tuple[str, str]] = set()
    if effect.type == "cut_supply":
        wanted = set(t.commodities) if t.commodities is not None else None
        for s in inst.supplies:
            if s.node in nodes and (wanted is None or s.commodity in wanted):
                supplies.add((s.node, s.commodity))
    return ResolvedTargets(
        arcs=tuple(sorted(arcs)),
        nodes=tuple(sorted(nodes)),
        recipes=tuple(sorted(recipes)),
        supplies=tuple(sorted(supplies)),
        commodities=tuple(t.commodities) if t.commodities is not None else None,
    )
