"""Benchmarks: a registry of instance families (``registry``, ``families/``), a runner
that measures each (case, method, solver) in its own process (``runner``), and the JSON /
markdown / baseline reports (``report``). The command line is ``interdict bench``."""

from .registry import BenchCase, Family, cases, families, register_family  # noqa: F401
from .runner import BenchPlan, RunRecord, run_plan  # noqa: F401
