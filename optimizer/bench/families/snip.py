"""The SNIP literature benchmark (Pan & Morton 2008): stochastic network interdiction to
minimise the expected maximum-reliability path, 456 origin–destination scenarios, read
into the engine's own format (``instance/snip.py``). The published optima (snipno 3,
Chen & Luedtke 2022) ride along in the case parameters, so the report can put the
engine's certified value beside them (``report.literature``), and each plan is re-valued
by Dijkstra straight from the raw files (``instance.snip.dijkstra_value``), an oracle
outside the engine.

Sizes: ``small`` is instance 0 at B = 30 (the asu-opt-lab test case); ``medium`` the five
instances at B = 30; ``large`` all twenty published (instance, B ∈ {30, 50, 70, 90}) cases.
The default method is ``auto``, which picks the route decomposition
(``decomposition.path_master``) for these stochastic evasion instances; ``--method dual``
runs the monolithic dual MILP.
"""

from __future__ import annotations

from functools import partial

from ...instance.snip import dijkstra_value, published_optima, read_snip
from ..registry import BenchCase, register_family


@register_family("snip", "Pan & Morton's SNIP instances, compared with the published optima",
                 methods=("auto",))
def snip(size: str):
    rows = sorted(published_optima(), key=lambda r: (r.budget, r.instance))
    if size == "tiny":
        return
    if size == "small":
        rows = [r for r in rows if (r.instance, r.budget) == (0, 30)]
    elif size == "medium":
        rows = [r for r in rows if r.budget == 30]
    for r in rows:
        yield BenchCase("snip", f"i{r.instance}-v{r.snipno}-b{r.budget}", size,
                        partial(read_snip, None, r.instance, r.snipno, r.budget),
                        {"instance": r.instance, "snipno": r.snipno, "budget": r.budget,
                         "published": r.best_known, "confirmed": r.confirmed},
                        evaluate=partial(dijkstra_value, folder=None, instance=r.instance,
                                         snipno=r.snipno))
