"""Path decomposition of the smuggler's flows into routes, supply → market.

Flows here are *generalised*: an arc keeps a fraction 1 − p of what enters it, and a recipe
turns one unit of input into η units of output. A route is therefore measured at its end
(units delivered) and at its start (units taken from the supply). The decomposition walks
back from each sale along the largest remaining inflow, takes the bottleneck expressed in
delivered units, subtracts it, and repeats (the classic flow-decomposition argument,
with multipliers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..certify.response import SmugglerSolution
from ..compile.network import CompiledNetwork


@dataclass(frozen=True)
class Route:
    """One route: where it starts, how it goes, what it delivers."""

    origin: str
    origin_commodity: str
    market: str
    commodity: str
    units_delivered: float
    units_shipped: float  # taken from the supply at the origin
    value: float  # units delivered × value per unit
    steps: tuple[dict, ...]  # {"arc", "from", "to", "mode", "commodity"} or {"recipe", "node"}

    def describe(self) -> str:
        parts = [f"{self.origin} ({self.origin_commodity})"]
        for s in self.steps:
            if "recipe" in s:
                parts.append(f"={s['recipe']}=> ({s['commodity']})")
            else:
                parts.append(f"-[{s['mode']}]-> {s['to']}")
        return " ".join(parts)

    def to_dict(self) -> dict:
        return {"origin": self.origin, "origin_commodity": self.origin_commodity,
                "market": self.market, "commodity": self.commodity,
                "units_delivered": self.units_delivered, "units_shipped": self.units_shipped,
                "value": self.value, "path": self.describe(), "steps": list(self.steps)}


def realised_unit_values(net: CompiledNetwork, sol: SmugglerSolution) -> np.ndarray:
    """What one unit of each delivery earned in ``sol``: its fixed value, plus ρ times the
    average price its good fetched (revenue of the good over units of the good sold)."""
    out = net.del_value.astype(float).copy()
    if net.n_goods and len(sol.sold):
        units = np.zeros(net.n_goods)
        revenue = np.zeros(net.n_goods)
        np.add.at(units, net.seg_good, sol.sold)
        np.add.at(revenue, net.seg_good, sol.sold * net.seg_price)
        avg = np.divide(revenue, units, out=np.zeros(net.n_goods), where=units > 0)
        g = net.del_good >= 0
        out[g] += net.del_rate[g] * avg[net.del_good[g]]
    return out


def decompose_routes(net: CompiledNetwork, sol: SmugglerSolution, max_routes: int = 200,
                     rel_eps: float = 1e-9) -> list[Route]:
    """Split the flows of ``sol`` into routes, largest value first."""
    K = net.n_comms
    data = sol.data
    unit_value = realised_unit_values(net, sol)
    # plain lists: the walk below reads them one element at a time
    rem_f = sol.flow.tolist()
    rem_z = sol.recipe.tolist()
    rem_g = sol.supply.tolist()
    rem_d = sol.delivered.copy()
    keep = data.fc_keep.tolist()
    eta = net.rec_eta.tolist()
    fc_arc = net.fc_arc.tolist()
    fc_tail = (net.arc_tail[net.fc_arc] * K + net.fc_comm).tolist()  # (node, k) code upstream
    rec_in = (net.rec_node * K + net.rec_in).tolist()
    into: dict[int, list[int]] = defaultdict(list)
    for fc, code in enumerate((net.arc_head[net.fc_arc] * K + net.fc_comm).tolist()):
        into[code].append(fc)
    makes: dict[int, list[int]] = defaultdict(list)
    for r, code in enumerate((net.rec_node * K + net.rec_out).tolist()):
        makes[code].append(r)
    supply_at: dict[int, list[int]] = defaultdict(list)
    for s, code in enumerate((net.sup_node * K + net.sup_comm).tolist()):
        supply_at[code].append(s)
    total = float(rem_d.sum())
    eps = rel_eps * max(total, 1.0)
    routes: list[Route] = []
    guard = 0
    while len(routes) < max_routes and guard < 50 * max_routes:
        guard += 1
        d = int(np.argmax(rem_d)) if len(rem_d) else -1
        if d < 0 or rem_d[d] <= eps:
            break
        code = int(net.del_node[d]) * K + int(net.del_comm[d])
        mult = 1.0  # delivered units per unit at the current point
        bottleneck = float(rem_d[d])
        visited = {code}
        path: list[tuple[str, int, float]] = []  # (kind, index, multiplier upstream)
        origin = None
        while True:
            best, best_amt = None, eps
            for s in supply_at.get(code, ()):
                if rem_g[s] * mult > best_amt:
                    best, best_amt = ("supply", s, mult), rem_g[s] * mult
            for fc in into.get(code, ()):
                m_up = mult * keep[fc]
                if fc_tail[fc] in visited:
                    continue
                if rem_f[fc] * m_up > best_amt:
                    best, best_amt = ("arc", fc, m_up), rem_f[fc] * m_up
            for r in makes.get(code, ()):
                m_up = mult * eta[r]
                if rec_in[r] in visited:
                    continue
                if rem_z[r] * m_up > best_amt:
                    best, best_amt = ("recipe", r, m_up), rem_z[r] * m_up
            if best is None:
                break
            bottleneck = min(bottleneck, best_amt)
            kind, idx, m_up = best
            path.append(best)
            if kind == "supply":
                origin = idx
                break
            code = fc_tail[idx] if kind == "arc" else rec_in[idx]
            mult = m_up
            visited.add(code)
        if origin is None or bottleneck <= eps:
            rem_d[d] = 0.0  # numerical dust that no supply explains
            continue
        rem_d[d] -= bottleneck
        steps = []
        for kind, idx, m_up in path:
            if kind == "arc":
                rem_f[idx] -= bottleneck / m_up
                a = fc_arc[idx]
                steps.append({"arc": net.arc_ids[a], "from": net.node_ids[net.arc_tail[a]],
                              "to": net.node_ids[net.arc_head[a]],
                              "mode": net.instance.arcs[a].mode,
                              "commodity": net.comm_ids[net.fc_comm[idx]]})
            elif kind == "recipe":
                rem_z[idx] -= bottleneck / m_up
                steps.append({"recipe": net.recipe_ids[idx],
                              "node": net.node_ids[net.rec_node[idx]],
                              "commodity": net.comm_ids[net.rec_out[idx]]})
            else:
                rem_g[idx] -= bottleneck / m_up
        steps.reverse()
        s = origin
        routes.append(Route(
            origin=net.node_ids[net.sup_node[s]], origin_commodity=net.comm_ids[net.sup_comm[s]],
            market=net.node_ids[net.del_node[d]], commodity=net.comm_ids[net.del_comm[d]],
            units_delivered=float(bottleneck), units_shipped=float(bottleneck / path[-1][2]),
            value=float(bottleneck * unit_value[d]), steps=tuple(steps)))
    merged: dict[tuple, Route] = {}
    for route in routes:  # the same path found twice is one route
        path_ids = tuple((s.get("arc") or s.get("recipe")) for s in route.steps)
        key = (route.origin, route.origin_commodity, route.market, route.commodity, path_ids)
        if key in merged:
            o = merged[key]
            merged[key] = Route(o.origin, o.origin_commodity, o.market, o.commodity,
                                o.units_delivered + route.units_delivered,
                                o.units_shipped + route.units_shipped, o.value + route.value,
                                o.steps)
        else:
            merged[key] = route
    return sorted(merged.values(), key=lambda r: (-r.value, -r.units_delivered, r.describe()))
