"""``interdict``: a thin command line over the Python API.

One module per group of commands; each registers itself on ``main``.

Exit codes: 0 success (a time-limited plan is a success, marked as such), 1 bad input
(instance, plan or option values), 2 usage error, 3 the solve produced no plan,
4 a plan failed its certificate, 70 an internal error (a bug), 130 / 143 interrupted
(Ctrl-C / SIGTERM).
"""

from __future__ import annotations

import click

EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug, not the user's input


class _Main(click.Group):
    """The command group; an exception nobody meant to raise is a bug: it is reported as
    one (exit 70, how to get the traceback), never as a wall of traceback or as bad input."""

    def invoke(self, ctx: click.Context) -> object:
        import os
        import sys

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("INTERDICT_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {str(exc)[:300]}\n"
                       "this is a bug in interdict, not in your input; please report it "
                       "(set INTERDICT_DEBUG=1 for the traceback)", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="interdict")
def main() -> None:
    """Network-interdiction optimizer: where limited enforcement stops the most."""


from . import bench as _bench  # noqa: E402,F401  (registers bench)
from . import calibrate as _calibrate  # noqa: E402,F401  (registers calibrate)
from . import generate as _generate  # noqa: E402,F401  (registers generate grid|layered)
from . import planning as _planning  # noqa: E402,F401  (sweep, frontier, target, …, runs)
from . import snip as _snip  # noqa: E402,F401  (snip)
from . import solve as _solve  # noqa: E402,F401  (registers validate, solve)
from . import uncertainty as _uncertainty  # noqa: E402,F401  (evaluate, vss, saa)

__all__ = ["main"]
