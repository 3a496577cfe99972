"""Built-in benchmark families; each module registers itself on import.
New families (e.g. SNIP) add a module here and one import line below."""

from . import grid, layered, shipped, snip  # noqa: F401
