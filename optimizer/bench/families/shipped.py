"""The shipped Mexico–US instance (``instances/mexico_us.yaml``), when the repository is
at hand (the benchmark runs from a checkout)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ...instance.reader import load_instance
from ..registry import BenchCase, register_family

ROOT = Path(__file__).resolve().parents[3]


@register_family("shipped", "the shipped Mexico–US instance (four scenarios: the dual MILP)",
                 methods=("dual",))
def shipped(size: str):
    path = ROOT / "instances" / "mexico_us.yaml"
    if size in ("small", "medium") and path.exists():
        yield BenchCase("shipped", "mexico_us", size, partial(load_instance, path),
                        {"file": "instances/mexico_us.yaml"})
