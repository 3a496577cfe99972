"""Decomposition methods for the defender's problem (beside the monolithic dual MILP).

``solve_decomposed`` runs Israeli & Wood's covering decomposition (or basic Benders) with
the fastest subproblem oracle the instance allows: shortest paths or maximum flows on
``scipy.sparse.csgraph``, or the linearised dual LP kept loaded in HiGHS.

``solve_routes`` (``path_master.py``) solves shortest-path and evasion instances with
scenarios (e.g. SNIP): one value per scenario block and source, star cuts over the routes
found by Dijkstra (``paths.py``, ``star.py``).
"""

from .covering import DecompositionOutcome, relaxation_bound, solve_decomposed  # noqa: F401
from .oracles import (  # noqa: F401
    Cut,
    LPOracle,
    MaxFlowOracle,
    Oracle,
    ShortestPathOracle,
    choose_oracle,
    max_flow_structure,
    shortest_path_structure,
)
from .path_master import solve_routes  # noqa: F401
from .paths import PathOracle, path_kind  # noqa: F401
