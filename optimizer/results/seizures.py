"""Seizures and deliveries of a smuggler's response, per arc and per group.

The smuggler's LP loses the fraction p_{a,k} of the flow entering an arc (docs/model.md §2:
only (1 − p) f arrives), so the expected units seized on arc a of commodity k are

    s_{a,k} = p_{a,k} · f_{a,k} = (1 − keep_{a,k}) · f_{a,k}     (in units of commodity k)

A group (``instance.observations.members``) counts the seizures on the arcs it selects and
on every arc arriving at a node it selects, and the deliveries at the markets it selects:

    seized_{G,k}    = Σ_{a: a ∈ arcs(G) or head(a) ∈ nodes(G)} s_{a,k}
    delivered_{G,k} = Σ_{m ∈ nodes(G)} d_{m,k}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..certify.response import SmugglerSolution
from ..compile.network import CompiledNetwork
from ..instance.observations import members


def seized_units(net: CompiledNetwork, sol: SmugglerSolution) -> np.ndarray:
    """s per flow column: the expected units lost on the arc, (1 − keep) · f."""
    return sol.flow * (1.0 - sol.data.fc_keep)


@dataclass(frozen=True)
class GroupMasks:
    """For each group of the instance: which flow columns' seizures and which deliveries
    it counts (boolean masks over the network's arrays)."""

    ids: tuple[str, ...]
    flows: tuple[np.ndarray, ...]
    deliveries: tuple[np.ndarray, ...]


def group_masks(net: CompiledNetwork) -> GroupMasks:
    """The masks of every group (computed once per network)."""
    cached = net._cache.get("group_masks")
    if cached is not None:
        return cached
    inst = net.instance
    flows, dels = [], []
    for g in inst.groups:
        sel = members(inst, g)
        arc_in = np.array([a in sel.arcs for a in net.arc_ids], bool)
        node_in = np.array([n in sel.nodes for n in net.node_ids], bool)
        arc_counts = arc_in | node_in[net.arc_head]
        flows.append(arc_counts[net.fc_arc])
        dels.append(node_in[net.del_node])
    out = GroupMasks(tuple(g.id for g in inst.groups), tuple(flows), tuple(dels))
    net._cache["group_masks"] = out
    return out


def _per_commodity(net: CompiledNetwork, comm: np.ndarray, units: np.ndarray
                   ) -> np.ndarray:
    return np.bincount(comm, weights=units, minlength=net.n_comms)


def group_totals(net: CompiledNetwork, sol: SmugglerSolution
                 ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """(seized, delivered): units per (group, commodity), every group and commodity."""
    masks = group_masks(net)
    lost = seized_units(net, sol)
    seized: dict[tuple[str, str], float] = {}
    delivered: dict[tuple[str, str], float] = {}
    for gid, fmask, dmask in zip(masks.ids, masks.flows, masks.deliveries):
        s = _per_commodity(net, net.fc_comm[fmask], lost[fmask])
        d = _per_commodity(net, net.del_comm[dmask], sol.delivered[dmask])
        for k, cid in enumerate(net.comm_ids):
            seized[(gid, cid)] = float(s[k])
            delivered[(gid, cid)] = float(d[k])
    return seized, delivered


__all__ = ["GroupMasks", "group_masks", "group_totals", "seized_units"]
