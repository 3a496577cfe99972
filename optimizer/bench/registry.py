"""The registry of benchmark families: specs that register themselves.

A family is a function that, given a size ("tiny", "small", "medium", "large"), yields
``BenchCase`` records; decorate it with ``@register_family`` in a module imported by
``optimizer/bench/families/__init__.py`` and it appears in ``interdict bench --list``
(the same pattern as linopy's benchmark registry). A case builds its instance on demand
and deterministically (seeded generators or a shipped file), so a worker process can
rebuild it from its key alone.

Adding a family (e.g. the SNIP literature benchmark)::

    # optimizer/bench/families/snip.py
    from ..registry import BenchCase, register_family

    @register_family("snip", "Pan & Morton's SNIP instances", methods=("dual",))
    def snip(size):
        for path in ...:
            yield BenchCase("snip", path.stem, size, lambda p=path: read_snip(p), {"file": str(p)})

and add ``from . import snip`` to ``families/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..instance.model import Instance

SIZES = ("tiny", "small", "medium", "large")


@dataclass(frozen=True)
class BenchCase:
    """One instance of a family at one size."""

    family: str
    name: str
    size: str
    build: Callable[[], Instance] = field(compare=False, repr=False)
    params: dict = field(default_factory=dict, compare=False)
    # an oracle outside the engine: plan ({action: level}) -> objective value, recorded
    # beside the certified value (e.g. Dijkstra on the raw SNIP files)
    evaluate: Callable[[dict[str, int]], float] | None = field(default=None, compare=False,
                                                                repr=False)

    @property
    def key(self) -> str:
        return f"{self.family}/{self.name}"


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    cases: Callable[[str], Iterable[BenchCase]]
    methods: tuple[str, ...]  # methods worth running on this family by default


_FAMILIES: dict[str, Family] = {}


def register_family(name: str, description: str, *, methods: tuple[str, ...] = ("dual", "benders")):
    """Decorator: register ``fn(size) -> iterable of BenchCase`` under ``name``."""

    def deco(fn: Callable[[str], Iterable[BenchCase]]):
        if name in _FAMILIES:
            raise ValueError(f"benchmark family {name!r} registered twice")
        _FAMILIES[name] = Family(name, description, fn, tuple(methods))
        return fn

    return deco


def families() -> dict[str, Family]:
    """Every registered family, by name (importing the built-in ones first)."""
    import importlib

    importlib.import_module(f"{__package__}.families")  # the built-ins register on import

    return dict(sorted(_FAMILIES.items()))


def cases(names: Iterable[str] | None, size: str) -> Iterator[BenchCase]:
    """The cases of the named families (all when ``names`` is empty) at ``size``."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r} (use one of {', '.join(SIZES)})")
    fams = families()
    wanted = list(names or fams)
    unknown = [n for n in wanted if n not in fams]
    if unknown:
        raise KeyError(f"unknown benchmark family {', '.join(unknown)} "
                       f"(known: {', '.join(fams)})")
    for n in wanted:
        yield from fams[n].cases(size)


def find_case(key: str, size: str) -> BenchCase:
    """The case with ``key`` ("family/name") at ``size``."""
    family = key.split("/", 1)[0]
    for c in cases([family], size):
        if c.key == key:
            return c
    raise KeyError(f"no benchmark case {key!r} at size {size!r}")
