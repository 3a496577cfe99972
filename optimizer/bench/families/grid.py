"""Grid interdiction (Cormican, Morton & Wood 1998; Israeli & Wood 2002): m × n grids,
shortest-path (lengthening) and max-flow (removal) interdiction, unit costs."""

from __future__ import annotations

from functools import partial

from ...instance.generators.grid import grid_instance
from ..registry import BenchCase, register_family

#: size → list of ((rows, cols), budgets, seeds)
SP_SIZES = {
    "tiny": [((4, 4), (2,), (0,))],
    "small": [((10, 10), (3, 5), (0,)), ((20, 20), (5, 10), (0,))],
    "medium": [((20, 20), (3, 5, 10), (0, 1)), ((30, 30), (5, 10), (0,))],
    "large": [((40, 40), (3, 5, 10), (0, 1, 2)), ((60, 60), (5, 10), (0,))],
}
MF_SIZES = {
    "tiny": [((4, 4), (2,), (0,))],
    "small": [((10, 10), (3, 5), (0,)), ((20, 20), (5, 10), (0,))],
    "medium": [((20, 20), (5, 10, 20), (0, 1)), ((30, 30), (10,), (0,))],
    # the sizes of issue 13's comparison with the textbook peer (Wood's MILP in Pyomo)
    "large": [((30, 60), (5, 10), (0,)), ((60, 60), (5, 10), (0,)), ((100, 100), (5, 10), (0,))],
}


def _cases(kind: str, family: str, table: dict, size: str):
    for (r, c), budgets, seeds in table[size]:
        for b in budgets:
            for s in seeds:
                yield BenchCase(family, f"{r}x{c}-b{b}-s{s}", size,
                                partial(grid_instance, r, c, budget=b, seed=s, kind=kind),
                                {"rows": r, "cols": c, "budget": b, "seed": s})


@register_family("grid-sp", "shortest-path interdiction on grids (Israeli & Wood 2002)")
def grid_sp(size: str):
    yield from _cases("shortest_path", "grid-sp", SP_SIZES, size)


@register_family("grid-mf", "max-flow interdiction on grids (Wood 1993; Cormican et al. 1998)")
def grid_mf(size: str):
    yield from _cases("max_flow", "grid-mf", MF_SIZES, size)
