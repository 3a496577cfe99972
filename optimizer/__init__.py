"""interdict: a network-interdiction optimization engine.

Python API (the CLI is a thin layer over it; docs/api.md; a test runs this example):

>>> from optimizer import load_instance, solve, SolveOptions
>>> inst = load_instance("docs/example.yaml")
>>> result = solve(inst, SolveOptions(time_limit=60), budgets={"usd_m": 10})
>>> result.plan.as_dict(), round(result.value_before, 2), round(result.value_after, 2)
({'press_controls': 1}, 3907.71, 3421.46)

Instances built in memory: ``optimizer.build``; the classic families (max flow, shortest
path, evasion) in their own units: ``optimizer.families``; results as DataFrames:
``result.to_frames()``; budget planning: ``optimizer.planning``.
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
