"""Which elements an effect acts on, once selectors (``modes``, ``nodes`` …) are expanded.

Shared by validation (to report bad targets) and by compilation (to build the MILP), so
that both read an effect the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Effect, Instance

#: For each effect type, the target selectors it accepts.
ALLOWED_SELECTORS: dict[str, frozenset[str]] = {
    "remove": frozenset({"arcs", "modes", "nodes", "recipes", "organizations"}),
    "cut_capacity": frozenset({"arcs", "modes", "nodes", "recipes", "organizations"}),
    "raise_seizure": frozenset({"arcs", "modes", "commodities", "organizations"}),
    "raise_cost": frozenset({"arcs", "modes", "commodities", "organizations"}),
    "cut_supply": frozenset({"nodes", "commodities", "organizations"}),
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
    used = {name for name in ("arcs", "modes", "nodes", "recipes", "organizations")
            if getattr(t, name)}
    if t.commodities is not None:
        used.add("commodities")
    return used


class TargetIndex:
    """Lookups ``resolve_targets`` needs, built once per instance (a resolve is then
    proportional to the targets it names, not to the size of the network)."""

    def __init__(self, inst: Instance):
        self.arc_ids = {a.id for a in inst.arcs}
        self.arcs_by_mode: dict[str, list[str]] = {}
        for a in inst.arcs:
            self.arcs_by_mode.setdefault(a.mode, []).append(a.id)
        self.node_ids = {n.id for n in inst.nodes}
        self.recipe_ids = {r.id for r in inst.recipes}
        self.supplies_by_node: dict[str, list[tuple[str, str]]] = {}
        for s in inst.supplies:
            self.supplies_by_node.setdefault(s.node, []).append((s.node, s.commodity))
        self.arcs_by_org: dict[str, list[str]] = {}
        for a in inst.arcs:
            holder = inst.arc_holder(a)
            if holder:
                self.arcs_by_org.setdefault(holder, []).append(a.id)
        self.nodes_by_org: dict[str, list[str]] = {}
        for n in inst.nodes:
            if n.organization:
                self.nodes_by_org.setdefault(n.organization, []).append(n.id)


def resolve_targets(inst: Instance, effect: Effect, index: TargetIndex | None = None
                    ) -> ResolvedTargets:
    """Expand an effect's selectors into element ids; unknown ids are dropped (validation
    reports them). Pass one ``TargetIndex`` when resolving many effects of one instance."""
    ix = index or TargetIndex(inst)
    t = effect.targets
    arcs = {a for a in t.arcs if a in ix.arc_ids}
    for m in t.modes:
        arcs.update(ix.arcs_by_mode.get(m, ()))
    nodes = {n for n in t.nodes if n in ix.node_ids}
    for org in t.organizations:  # an organization's arcs; for cut_supply, its places
        if effect.type == "cut_supply":
            nodes.update(ix.nodes_by_org.get(org, ()))
        else:
            arcs.update(ix.arcs_by_org.get(org, ()))
    recipes = {r for r in t.recipes if r in ix.recipe_ids}
    supplies: set[tuple[str, str]] = set()
    if effect.type == "cut_supply":
        wanted = set(t.commodities) if t.commodities is not None else None
        for n in nodes:
            for key in ix.supplies_by_node.get(n, ()):
                if wanted is None or key[1] in wanted:
                    supplies.add(key)
    return ResolvedTargets(
        arcs=tuple(sorted(arcs)),
        nodes=tuple(sorted(nodes)),
        recipes=tuple(sorted(recipes)),
        supplies=tuple(sorted(supplies)),
        commodities=tuple(t.commodities) if t.commodities is not None else None,
    )
