"""Layered smuggling networks shaped like the shipped Mexico–US instance
(``optimizer.layered``): five commodities, recipes, lanes, every effect type."""

from __future__ import annotations

from functools import partial

from ...instance.generators.layered import layered_instance
from ..registry import BenchCase, register_family

#: size → list of (scale, fan_in, seeds); about 25·scale nodes
SIZES: dict[str, list[tuple[int, int, tuple[int, ...]]]] = {
    "tiny": [(1, 3, (0,))],
    "small": [(4, 3, (0,)), (10, 4, (0,))],
    "medium": [(40, 4, (0, 1)), (100, 6, (0,))],
    "large": [(400, 10, (0,))],  # 10,000 nodes, ~54,000 arcs
}


@register_family("layered", "layered smuggling networks (sources → ports → labs/presses → "
                 "crossings → markets)")
def layered(size: str):
    for scale, fan_in, seeds in SIZES[size]:
        for s in seeds:
            yield BenchCase("layered", f"s{scale}-f{fan_in}-seed{s}", size,
                            partial(layered_instance, scale, seed=s, fan_in=fan_in),
                            {"scale": scale, "fan_in": fan_in, "seed": s})
