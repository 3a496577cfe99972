"""Deterministic instance generators (same seed → identical instance and file).

Grid networks in the style of Cormican, Morton & Wood (1998) and Israeli & Wood (2002):
an m × n grid of nodes, arcs left → right within each row, vertical arcs both ways within
each column, a source s joined to every node of the first column and every node of the
last column joined to a sink t. The s- and t-arcs cannot be interdicted.

- ``kind="shortest_path"``: integer lengths c ∈ [1, c_max] as costs, each grid arc can be
  lengthened by d ∈ [1, d_max] (``raise_cost``); one unit moves s → t and is worth V, a
  number above any path's length, so the smuggler's value is V − (shortest path).
- ``kind="max_flow"``: integer capacities u ∈ [1, u_max]; each grid arc can be removed;
  the smuggler's value is the maximum flow (value 1 per unit, unlimited supply at s).

Interdiction costs are 1 (``unit_costs=True``) or integers in [1, 3].

Layered smuggling networks shaped like the shipped instance are in ``layered.py``
(re-exported here as ``layered_instance``).
"""

from __future__ import annotations

import math

import numpy as np

from ..model import (
    Action,
    Arc,
    Commodity,
    Effect,
    Instance,
    Level,
    Node,
    Resource,
    Supply,
    Targets,
)
from .layered import layered_instance  # noqa: F401  (re-exported)


def grid_instance(rows: int, cols: int, *, budget: float, seed: int = 0,
                  kind: str = "shortest_path", unit_costs: bool = True, c_max: int = 10,
                  d_max: int = 10, u_max: int = 10) -> Instance:
    """An m × n grid interdiction instance (see the module docstring)."""
    if kind not in ("shortest_path", "max_flow"):
        raise ValueError("kind must be 'shortest_path' or 'max_flow'")
    if rows < 1 or cols < 1:
        raise ValueError("a grid needs at least one row and one column")
    rng = np.random.default_rng(seed)
    node = lambda i, j: f"g{i}_{j}"
    nodes = [Node("s", "source")]
    nodes += [Node(node(i, j), "transit") for i in range(rows) for j in range(cols)]
    nodes.append(Node("t", "market"))
    pairs: list[tuple[str, str]] = []
    for i in range(rows):
        for j in range(cols - 1):
            pairs.append((node(i, j), node(i, j + 1)))
    for j in range(cols):
        for i in range(rows - 1):
            pairs.append((node(i, j), node(i + 1, j)))
            pairs.append((node(i + 1, j), node(i, j)))
    n_grid = len(pairs)
    if kind == "shortest_path":
        lengths = rng.integers(1, c_max + 1, size=n_grid)
        delays = rng.integers(1, d_max + 1, size=n_grid)
    else:
        caps = rng.integers(1, u_max + 1, size=n_grid)
    costs = np.ones(n_grid, int) if unit_costs else rng.integers(1, 4, size=n_grid)

    arcs: list[Arc] = []
    for i in range(rows):
        arcs.append(Arc(f"s->{node(i, 0)}", "s", node(i, 0)))
    actions: list[Action] = []
    for k, (a, b) in enumerate(pairs):
        aid = f"{a}->{b}"
        if kind == "shortest_path":
            arcs.append(Arc(aid, a, b, cost=float(lengths[k])))
            effect = Effect("raise_cost", Targets(arcs=(aid,)), (float(delays[k]),))
        else:
            arcs.append(Arc(aid, a, b, capacity=float(caps[k])))
            effect = Effect("remove", Targets(arcs=(aid,)), (0.0,))
        actions.append(Action(f"x:{aid}", (Level({"budget": float(costs[k])}),), (effect,)))
    for i in range(rows):
        arcs.append(Arc(f"{node(i, cols - 1)}->t", node(i, cols - 1), "t"))
    if kind == "shortest_path":
        # V above any path's length even with every arc lengthened: the smuggler always ships
        value = float(rows * cols * (c_max + d_max) + 1)
        commodity = Commodity("unit", "unit", 1.0, value)
        supply = Supply("s", "unit", 1.0)
    else:
        commodity = Commodity("unit", "unit", 1.0, 1.0)
        supply = Supply("s", "unit", math.inf)
    return Instance(
        name=f"grid-{kind}-{rows}x{cols}-b{budget:g}-s{seed}",
        description=f"{rows}x{cols} grid, {kind.replace('_', ' ')} interdiction, seed {seed}",
        resources=(Resource("budget", float(budget), "interdictions"),),
        commodities=(commodity,), nodes=tuple(nodes), arcs=tuple(arcs),
        supplies=(supply,), actions=tuple(actions),
    )
