"""interdict: a network-interdiction optimization engine.

Python API (the CLI is a thin layer over it)::

    from optimizer import load_instance, solve, SolveOptions
    inst = load_instance("instances/mexico_us.yaml")
    result = solve(inst, SolveOptions(time_limit=60), budgets={"usd_m": 150})
    print(result.plan, result.value_before, result.value_after, result.gap)
"""

from .compile.network import CompiledNetwork, Plan, compile_instance  # noqa: F401
from .errors import (  # noqa: F401
    CertificateError,
    InstanceError,
    InterdictError,
    PlanError,
    Problem,
    SolveError,
    UnboundedError,
)
from .instance import Instance, load_instance, read_instance_text, write_instance  # noqa: F401
from .options import SolutionStatus, SolveOptions, Termination  # noqa: F401
from .pipeline import as_network, build_milp, evaluate_plan, solve  # noqa: F401
from .results.types import InterdictionResult  # noqa: F401

__version__ = "0.1.0"
