"""Cross-record checks of an instance: every problem, each naming file, record and field.

The field-level checks (types, ranges, NaN/inf, unknown fields) happen while reading
(``reader.py``, ``fields.py``); here we check what needs the whole instance: references, duplicates,
targets of actions, cumulative effects that would leave the model meaningless, markets no
supply can reach, resources no action uses, cyclic recipes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from dataclasses import replace
from functools import cached_property

from ..errors import Problem
from .model import Action, Effect, Instance
from .targets import ALLOWED_SELECTORS, TargetIndex, resolve_targets, used_selectors

#: Largest coefficient HiGHS accepts in the constraint matrix (its ``large_matrix_value``).
MAX_COEFFICIENT = 1e15


def validate(inst: Instance, *, whole_network: bool = True,
             elsewhere: frozenset[str] | None = None) -> list[Problem]:
    """Return every cross-record problem of ``inst`` (empty list when valid).
    ``whole_network=False`` skips the checks that need every record to be right
    (reachability of markets, resources no action uses). ``elsewhere``: ids of arcs that
    exist only in some scenario (default: the new arcs of ``inst``'s scenarios); actions
    may name them."""
    v = _Validator(inst, scenario_arcs(inst) if elsewhere is None else elsewhere)
    v.run(whole_network)
    return v.problems


def scenario_arcs(inst: Instance) -> frozenset[str]:
    """Ids of the arcs that exist only in some scenario (its ``arcs`` entries with
    from/to), not in the base data."""
    base = {a.id for a in inst.arcs}
    return frozenset(a.id for sc in inst.scenarios for a in sc.new_arcs if a.id not in base)


def shipment_only(inst: Instance) -> bool:
    """Every scenario is a single shipment (the evasion model): the base data need no
    supply and no market, each scenario brings its own."""
    return bool(inst.scenarios) and all(sc.shipment is not None for sc in inst.scenarios)


def validate_values(inst: Instance) -> list[Problem]:
    """Only the checks that overridden numbers can break (used for each scenario): cuts
    act on finite capacities and supplies, cumulative effects stay meaningful."""
    v = _Validator(inst)
    v.values()
    return v.problems


class _Validator:
    def __init__(self, inst: Instance, elsewhere: frozenset[str] = frozenset()):
        self.inst = inst
        self.elsewhere = elsewhere - {a.id for a in inst.arcs}
        self.problems: list[Problem] = []
        self.index = TargetIndex(inst)
        self.known: dict[str, set[str]] = {
            "arcs": {a.id for a in inst.arcs}, "nodes": {n.id for n in inst.nodes},
            "recipes": {r.id for r in inst.recipes},
            "commodities": {c.id for c in inst.commodities},
            "modes": {a.mode for a in inst.arcs}}

    def err(self, section: str, ident: str, record: str, field: str | None, msg: str) -> None:
        line = self.inst.lines.get(f"{section}/{ident}")
        self.problems.append(Problem(self.inst.path, record, field, msg, line))

    def run(self, whole_network: bool = True) -> None:
        inst = self.inst
        self.duplicates("resources", "resource", [r.id for r in inst.resources])
        self.duplicates("commodities", "commodity", [c.id for c in inst.commodities])
        self.duplicates("nodes", "node", [n.id for n in inst.nodes])
        self.duplicates("arcs", "arc", [a.id for a in inst.arcs],
                        hint=" (give parallel arcs explicit ids)")
        self.duplicates("recipes", "recipe", [r.id for r in inst.recipes])
        self.duplicates("actions", "action", [a.id for a in inst.actions])
        seen: Counter[tuple[str, str]] = Counter((s.node, s.commodity) for s in inst.supplies)
        for (node, comm), count in sorted(seen.items()):
            if count > 1:
                self.err("supplies", f"{node}/{comm}",
                         f"supply (node '{node}', commodity '{comm}')", None,
                         f"listed {count} times (one supply per node and commodity)")
        self.references()
        self.node_capacities()
        self.markets()
        self.recipe_cycles()
        self.actions()
        self.cumulative_effects()
        self.perceived_effects()
        self.solver_coefficients()
        if whole_network:
            self.resources_used()
            self.reachability()

    # ------------------------------------------------------------------ duplicates / refs
    def duplicates(self, section: str, kind: str, ids: list[str], hint: str = "") -> None:
        for ident, count in sorted(Counter(ids).items()):
            if count > 1:
                self.err(section, ident, f"{kind} '{ident}'", "id",
                         f"duplicate id: used by {count} {section}{hint}")

    def references(self) -> None:
        inst = self.inst
        nodes = {n.id for n in inst.nodes}
        comms = {c.id for c in inst.commodities}
        for n in inst.nodes:
            for fld in ("values", "harm"):
                for k in getattr(n, fld):
                    if k not in comms:
                        self.err("nodes", n.id, f"node '{n.id}'", fld, f"unknown commodity '{k}'")
            if n.values and n.kind != "market":
                pass  # any node may be a point of sale; values decide
        for a in inst.arcs:
            rec = f"arc '{a.id}'"
            if a.source not in nodes:
                self.err("arcs", a.id, rec, "from", f"unknown node '{a.source}'")
            if a.target not in nodes:
                self.err("arcs", a.id, rec, "to", f"unknown node '{a.target}'")
            if a.source == a.target:
                self.err("arcs", a.id, rec, "to", "an arc may not start and end at the same node")
            for k in a.commodities or ():
                if k not in comms:
                    self.err("arcs", a.id, rec, "commodities", f"unknown commodity '{k}'")
            for k in a.cost_per_commodity:
                if k not in comms:
                    self.err("arcs", a.id, rec, "cost_per_commodity",
                             f"unknown commodity '{k}'")
                elif a.commodities is not None and k not in a.commodities:
                    self.err("arcs", a.id, rec, "cost_per_commodity",
                             f"'{k}' may not use this arc (its 'commodities': "
                             f"{', '.join(a.commodities)}), so its cost would never apply")
            if a.commodities is not None and not a.commodities:
                self.err("arcs", a.id, rec, "commodities",
                         "empty list: no commodity could use this arc")
        for r in inst.recipes:
            rec = f"recipe '{r.id}'"
            if r.node not in nodes:
                self.err("recipes", r.id, rec, "node", f"unknown node '{r.node}'")
            if r.input not in comms:
                self.err("recipes", r.id, rec, "input", f"unknown commodity '{r.input}'")
            if r.output not in comms:
                self.err("recipes", r.id, rec, "output", f"unknown commodity '{r.output}'")
            if r.input == r.output:
                self.err("recipes", r.id, rec, "output", "a recipe must change the commodity")
        for s in inst.supplies:
            rec = f"supply (node '{s.node}', commodity '{s.commodity}')"
            key = f"{s.node}/{s.commodity}"
            if s.node not in nodes:
                self.err("supplies", key, rec, "node", f"unknown node '{s.node}'")
            if s.commodity not in comms:
                self.err("supplies", key, rec, "commodity", f"unknown commodity '{s.commodity}'")

    def node_capacities(self) -> None:
        """A node's ``capacity`` caps what its recipes process (U_n); on a node without a
        recipe it would cap nothing, so it is refused rather than silently ignored (to cap
        the flow through a place, give its arcs capacities)."""
        with_recipes = {r.node for r in self.inst.recipes}
        for n in self.inst.nodes:
            if not math.isinf(n.capacity) and n.id not in with_recipes:
                self.err("nodes", n.id, f"node '{n.id}'", "capacity",
                         "caps what the node's recipes process, but no recipe is at this "
                         "node, so it would cap nothing; remove it, or cap the arcs into or "
                         "out of the node to limit the flow through it")

    def markets(self) -> None:
        """Markets name known nodes and commodities; a commodity is priced at a node once
        (by one market's good, or by a fixed value, not both)."""
        inst = self.inst
        nodes = {n.id: n for n in inst.nodes}
        comms = {c.id for c in inst.commodities}
        self.duplicates("markets", "market", [m.id for m in inst.markets],
                        hint=" (one record per node and good)")
        priced: dict[tuple[str, str], str] = {}
        for m in inst.markets:
            rec = f"market '{m.id}'"
            if m.node not in nodes:
                self.err("markets", m.id, rec, "node", f"unknown node '{m.node}'")
                continue
            for k in m.accepts:
                if k not in comms:
                    self.err("markets", m.id, rec, "accepts", f"unknown commodity '{k}'")
                    continue
                if (m.node, k) in priced and priced[(m.node, k)] != m.id:
                    self.err("markets", m.id, rec, "accepts",
                             f"'{k}' is already accepted at '{m.node}' by market "
                             f"'{priced[(m.node, k)]}' (a commodity is priced once per node)")
                priced[(m.node, k)] = m.id
                if k in nodes[m.node].values:
                    self.err("markets", m.id, rec, "accepts",
                             f"node '{m.node}' also gives '{k}' a fixed value (its 'values'): "
                             "price it by the market's curve or by the value, not both")

    def recipe_cycles(self) -> None:
        """Recipes must not turn a commodity back into itself (k → … → k): a cycle with a
        gain would let the smuggler make product from nothing. A recipe lies on a cycle
        iff its input and output are in one strongly connected component of the graph
        input → output (networkx finds them without recursion, so long chains are fine)."""
        import networkx as nx

        graph = nx.DiGraph((r.input, r.output) for r in self.inst.recipes
                           if r.input != r.output)
        component = {k: frozenset(c) for c in nx.strongly_connected_components(graph)
                     if len(c) > 1 for k in c}
        for r in self.inst.recipes:
            cycle = component.get(r.input)
            if cycle is not None and r.output in cycle:
                self.err("recipes", r.id, f"recipe '{r.id}'", "output",
                         f"recipes form a cycle through commodities {sorted(cycle)}; "
                         "recipes must not turn a commodity back into itself")

    # ------------------------------------------------------------------ actions
    def actions(self) -> None:
        """Costs name known resources; each effect's targets exist and suit its type; cuts
        act on finite capacities and supplies."""
        for act in self.inst.actions:
            self.action_costs(act)
            self.dominated_levels(act)
            for ei, eff in enumerate(act.effects):
                erec = f"action '{act.id}' effect #{ei + 1} ({eff.type})"
                if self.effect_targets(act.id, erec, eff):
                    self.effect_cuts_finite(act.id, erec, eff)
                    if eff.type == "cut_supply":
                        self.supply_cut_has_supply(act.id, erec, eff)

    def values(self) -> None:
        """Only the checks a scenario's numbers can break (the references were checked on
        the base data): cuts act on finite capacities and supplies, and cumulative
        effects stay meaningful."""
        for act in self.inst.actions:
            for ei, eff in enumerate(act.effects):
                self.effect_cuts_finite(act.id, f"action '{act.id}' effect #{ei + 1} "
                                        f"({eff.type})", eff)
        self.cumulative_effects()
        self.perceived_effects()
        self.solver_coefficients()

    def action_costs(self, act: Action) -> None:
        resources = {r.id for r in self.inst.resources}
        for li, lv in enumerate(act.levels):
            lrec = f"action '{act.id}'" + ("" if len(act.levels) == 1 else f" level {li + 1}")
            for res in lv.cost:
                if res not in resources:
                    self.err("actions", act.id, lrec, "cost",
                             f"unknown resource '{res}' (resources: {sorted(resources)})")

    def dominated_levels(self, act: Action) -> None:
        """Two levels with the same effects (every amount, as the smuggler sees it too):
        the one that costs at least as much in every resource would never be chosen —
        almost always a typing slip, so it is refused."""
        def effect_of(li: int) -> tuple:
            return tuple((e.amounts[li] if li < len(e.amounts) else None,
                          None if e.perceived_amounts is None or li >= len(e.perceived_amounts)
                          else e.perceived_amounts[li]) for e in act.effects
                         if e.type != "remove")

        if not any(e.type != "remove" for e in act.effects):
            return  # a removal has no size: levels may differ in their cost alone
        for j in range(len(act.levels)):
            for i in range(j):
                if effect_of(i) != effect_of(j):
                    continue
                ci, cj = act.levels[i].cost, act.levels[j].cost
                keys = set(ci) | set(cj)
                dearer = j if all(cj.get(k, 0.0) >= ci.get(k, 0.0) for k in keys) else \
                    i if all(ci.get(k, 0.0) >= cj.get(k, 0.0) for k in keys) else None
                if dearer is None:
                    continue
                self.err("actions", act.id, f"action '{act.id}' level {dearer + 1}", "levels",
                         f"has the same effect as level {(i if dearer == j else j) + 1} and "
                         "costs at least as much in every resource, so it would never be "
                         "chosen; give it a different effect or remove it")

    def effect_targets(self, act_id: str, erec: str, eff: Effect) -> bool:
        """Report selectors the effect type does not take and unknown targets; False when
        the effect has no target at all."""
        used = used_selectors(eff)
        allowed = ALLOWED_SELECTORS[eff.type]
        for sel in sorted(used - allowed):
            self.err("actions", act_id, erec, sel,
                     f"'{eff.type}' cannot target {sel} (it takes: {', '.join(sorted(allowed))})")
        t = eff.targets
        known = self.known
        for fld, ids, kind in (("arcs", t.arcs, "arc"), ("nodes", t.nodes, "node"),
                               ("recipes", t.recipes, "recipe"),
                               ("commodities", t.commodities or (), "commodity")):
            for i in ids:
                if i not in known[fld] and not (fld == "arcs" and i in self.elsewhere):
                    self.err("actions", act_id, erec, fld, f"unknown {kind} '{i}'")
        for m in t.modes:
            if m not in known["modes"]:
                self.err("actions", act_id, erec, "modes", f"no arc has mode '{m}'")
        for org in t.organizations:
            if org not in self.index.arcs_by_org and org not in self.index.nodes_by_org:
                held = sorted(set(self.index.arcs_by_org) | set(self.index.nodes_by_org))
                self.err("actions", act_id, erec, "organizations",
                         f"no node or arc is held by '{org}' (organizations: "
                         f"{', '.join(held) or 'none'})")
        resolved = resolve_targets(self.inst, eff, self.index)
        if not (resolved.arcs or resolved.nodes or resolved.recipes or t.modes
                or t.organizations or any(a in self.elsewhere for a in t.arcs)):
            self.err("actions", act_id, erec, None,
                     "has no target (list arcs, modes, nodes, recipes or organizations)")
            return False
        return True

    def effect_cuts_finite(self, act_id: str, erec: str, eff: Effect) -> None:
        """A capacity or supply cut needs a finite capacity or supply: a fraction of
        'unlimited' is still unlimited, and the MILP's cut term u·f would be ∞·f."""
        if eff.type not in ("cut_capacity", "cut_supply"):
            return
        resolved = resolve_targets(self.inst, eff, self.index)
        caps = self.limits
        if eff.type == "cut_supply":
            unlimited = [f"{n}/{k}" for n, k in resolved.supplies
                         if math.isinf(caps["supplies"][(n, k)])]
            if unlimited:
                self.err("actions", act_id, erec, "nodes",
                         f"cannot cut an unlimited supply ({', '.join(unlimited)}; give the "
                         "supply a finite amount)")
            return
        what = {"arcs": "arc '{}' has unlimited capacity: cutting it does nothing",
                "nodes": "node '{}' has no processing capacity to cut",
                "recipes": "recipe '{}' has unlimited capacity: cutting it does nothing"}
        for fld in ("arcs", "nodes", "recipes"):
            for i in getattr(resolved, fld):
                if math.isinf(caps[fld][i]):
                    self.err("actions", act_id, erec, fld, what[fld].format(i))

    @cached_property
    def limits(self) -> dict[str, dict]:
        """Capacity of each arc, node and recipe, and amount of each supply, by id."""
        inst = self.inst
        return {"arcs": {a.id: a.capacity for a in inst.arcs},
                "nodes": {n.id: n.capacity for n in inst.nodes},
                "recipes": {r.id: r.capacity for r in inst.recipes},
                "supplies": {(s.node, s.commodity): s.amount for s in inst.supplies}}

    def supply_cut_has_supply(self, act_id: str, erec: str, eff: Effect) -> None:
        for n in resolve_targets(self.inst, eff, self.index).nodes:
            if n not in self.index.supplies_by_node:
                self.err("actions", act_id, erec, "nodes", f"node '{n}' has no supply")

    def cumulative_effects(self) -> None:
        """If every action touching an element took its strongest level, the element must
        still make sense: capacity and supply cuts total ≤ 1, seizure probability ≤ 1.
        Over a horizon an action counts at its strongest in any period: the largest
        strength of its profile (restarts never overlap)."""
        inst = self.inst
        cut: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
        seize: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
        arc_by_id = {a.id: a for a in inst.arcs}
        comm_ids = [c.id for c in inst.commodities]
        for act in inst.actions:
            for eff in act.effects:
                if eff.type not in ("cut_capacity", "cut_supply", "raise_seizure"):
                    continue
                peak = max((a * self.strongest(act, lv) for lv, a in enumerate(eff.amounts)),
                           default=0.0)
                r = resolve_targets(inst, eff, self.index)
                if eff.type == "cut_capacity":
                    for kind, ids in (("arc", r.arcs), ("node", r.nodes), ("recipe", r.recipes)):
                        for i in ids:
                            cut[(kind, i)].append((act.id, peak))
                elif eff.type == "cut_supply":
                    for node, comm in r.supplies:
                        cut[("supply", f"{node}/{comm}")].append((act.id, peak))
                else:
                    ks = r.commodities if r.commodities is not None else comm_ids
                    for a in r.arcs:
                        for k in ks:
                            seize[(a, k)].append((act.id, peak))
        for (kind, ident), items in sorted(cut.items()):
            total = sum(v for _, v in items)
            if total > 1 + 1e-12:
                names = ", ".join(sorted({a for a, _ in items}))
                for act_id in sorted({a for a, _ in items}):
                    self.err("actions", act_id, f"action '{act_id}'", "effects",
                             f"cuts to {kind} '{ident}' by actions {names} can total "
                             f"{total:g} > 1 (the element would go below zero"
                             f"{self.restart_note})")
        for (arc_id, k), items in sorted(seize.items()):
            arc = arc_by_id.get(arc_id)
            if arc is None:
                continue
            total = arc.seizure + sum(v for _, v in items)
            if total > 1 + 1e-12:
                names = ", ".join(sorted({a for a, _ in items}))
                for act_id in sorted({a for a, _ in items}):
                    self.err("actions", act_id, f"action '{act_id}'", "effects",
                             f"seizure probability of arc '{arc_id}' for '{k}' can reach "
                             f"{total:g} > 1 with actions {names}{self.restart_note}")

    @property
    def restart_note(self) -> str:
        if self.inst.horizon is None:
            return ""
        return "; over the horizon, each action at the peak strength of its timing"

    def strongest(self, act: Action, level: int) -> float:
        """The most of its stated effect an action at ``level`` can have in one period:
        1 without a horizon; over one, the largest strength of its profile (a restart
        waits until the previous start has ended, so starts never add up)."""
        horizon = self.inst.horizon
        if horizon is None:
            return 1.0
        return max(act.timing_of(level).strengths(horizon.count), default=0.0)

    def perceived_effects(self) -> None:
        """What the smuggler believes must make sense as data too: its perceived seizure
        probability of an arc, plus every perceived raise at its strongest level, ≤ 1."""
        from .beliefs import perceived_instance

        if not self.inst.has_beliefs:
            return
        seen = _Validator(perceived_instance(self.inst))
        seen.cumulative_effects()
        for p in seen.problems:
            if "seizure probability" in p.message:
                self.problems.append(replace(p, message="as the smuggler perceives it: "
                                             + p.message))

    def solver_coefficients(self) -> None:
        """The MILP's largest coefficients must stay within what HiGHS takes (matrix
        entries ≤ 1e15). They are the value potentials π*_{n,k} and π*/λ_k
        (formulation/interdiction.py: M = (1−p)π* − cλ, ᾱ = (1−p)π*/λ − c), bounded per
        commodity by P_k = max(v_k, max_{recipes r: k → out} η_r P_out) with v_k the
        largest value of k at any node — so each number in range can still multiply into
        a coefficient out of range (value 1e12 per unit at load 1e-4)."""
        import networkx as nx

        inst = self.inst
        graph = nx.DiGraph()
        graph.add_nodes_from(c.id for c in inst.commodities)
        graph.add_edges_from((r.input, r.output) for r in inst.recipes)
        if not nx.is_directed_acyclic_graph(graph):
            return  # recipe_cycles reports it
        best = {c.id: max((inst.market_value(n, c) for n in inst.nodes), default=0.0)
                for c in inst.commodities}
        for m in inst.markets:  # a good's highest price, per unit of each commodity it takes
            top = max((p.price for p in m.curve), default=0.0)
            for k, rate in m.accepts.items():
                if k in best:
                    best[k] = max(best[k], rate * top)
        gain: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for r in inst.recipes:
            gain[r.input].append((r.yield_, r.output))
        for k in reversed(list(nx.topological_sort(graph))):  # outputs first
            best[k] = max([best.get(k, 0.0)] + [eta * best.get(out, 0.0) for eta, out in gain[k]])
        for c in inst.commodities:
            worth = best[c.id]
            per_load = worth / c.load
            if max(worth, per_load) > MAX_COEFFICIENT:
                fld = "load" if worth <= MAX_COEFFICIENT else "value"
                self.err("commodities", c.id, f"commodity '{c.id}'", fld,
                         f"a unit can be worth up to {worth:g} (values through recipe yields), "
                         f"{per_load:g} per load unit: the MILP would need coefficients above "
                         f"{MAX_COEFFICIENT:g}, which HiGHS refuses (docs/format.md, 'Limits'); "
                         "choose units that keep values per load unit smaller")

    def resources_used(self) -> None:
        used = {res for act in self.inst.actions for lv in act.levels
                for res, amt in lv.cost.items() if amt > 0}
        for r in self.inst.resources:
            if r.kind == "outcome":
                continue  # an outcome no action touches is simply zero
            if r.id not in used:
                self.err("resources", r.id, f"resource '{r.id}'", "id",
                         "no action uses this resource (no level costs any of it)")

    # ------------------------------------------------------------------ reachability
    def reachability(self) -> None:
        """Every market must be reachable from some supply with a commodity it values."""
        inst = self.inst
        node_ids = {n.id for n in inst.nodes}
        comm_ids = {c.id for c in inst.commodities}
        comms = {c.id: c for c in inst.commodities}
        if any(p.field in ("from", "to", "node", "input", "output", "commodity")
               for p in self.problems):
            return  # references are broken; reachability would only repeat them
        out_arcs: dict[str, list] = defaultdict(list)
        for a in inst.arcs:
            out_arcs[a.source].append(a)
        recipes_at: dict[str, list] = defaultdict(list)
        for r in inst.recipes:
            recipes_at[r.node].append(r)
        start = [(s.node, s.commodity) for s in inst.supplies if s.amount > 0]
        seen = set(start)
        queue = deque(start)
        while queue:
            n, k = queue.popleft()
            for a in out_arcs.get(n, ()):
                if a.commodities is not None and k not in a.commodities:
                    continue
                nxt = (a.target, k)
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
            for r in recipes_at.get(n, ()):
                if r.input == k and (n, r.output) not in seen:
                    seen.add((n, r.output))
                    queue.append((n, r.output))
        any_value = False
        accepted: dict[str, set[str]] = defaultdict(set)
        for m in inst.markets:
            if any(p.price > 0 for p in m.curve):
                accepted[m.node].update(m.accepts)
        for node in inst.nodes:
            valued = [k for k in sorted(comm_ids) if inst.market_value(node, comms[k]) > 0
                      or k in accepted.get(node.id, ())]
            if not valued:
                continue
            any_value = True
            if not any((node.id, k) in seen for k in valued):
                self.err("nodes", node.id, f"node '{node.id}' ({node.kind})", None,
                         f"no supply can reach this market with any commodity it values "
                         f"({', '.join(valued)})")
        if shipment_only(inst):
            return  # each scenario's shipment is its supply and its sale
        if not any_value and node_ids:
            self.problems.append(Problem(inst.path, "file", None,
                                         "no node values any commodity: give market nodes "
                                         "(kind: market) and commodity values", None))
        if not inst.supplies:
            self.problems.append(Problem(inst.path, "file", "supplies",
                                         "no supplies: nothing can be smuggled", None))
