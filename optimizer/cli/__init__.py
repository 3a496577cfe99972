"""``interdict``: a thin command line over the Python API.

One module per group of commands; each registers itself on ``main``.

Exit codes: 0 success (a time-limited plan is a success, marked as such), 1 bad input
(instance, plan or option values), 2 usage error, 3 the solve produced no plan,
4 a plan failed its certificate.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="interdict")
def main() -> None:
    """Network-interdiction optimizer: where limited enforcement stops the most."""


from . import bench as _bench  # noqa: E402,F401  (registers bench)
from . import generate as _generate  # noqa: E402,F401  (registers generate grid|layered)
from . import planning as _planning  # noqa: E402,F401  (sweep, frontier, target, …, runs)
from . import snip as _snip  # noqa: E402,F401  (snip)
from . import solve as _solve  # noqa: E402,F401  (registers validate, solve)
from . import uncertainty as _uncertainty  # noqa: E402,F401  (evaluate, vss, saa)

__all__ = ["main"]
