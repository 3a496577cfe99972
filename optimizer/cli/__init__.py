"""``interdict``: a thin command line over the Python API.

One module per group of commands; each registers itself on ``main``.

Conventions every command keeps: progress and solver logs on stderr (progress only on a
terminal or with ``--progress``, never with ``-q``); ``--json -`` puts the JSON on stdout
and the summary on stderr; usage errors exit 2; the exit codes are
``common.EXIT_CODES`` (listed by ``interdict --help``).
"""

from __future__ import annotations

import click

from .common import EXIT_INTERNAL, examples, exit_codes_text


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


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=examples("interdict validate instances/mexico_us.yaml",
                             "interdict solve instances/mexico_us.yaml --budget usd_m=150",
                             "interdict solve instances/mexico_us.yaml --json - | jq .plan",
                             "interdict export instances/mexico_us.yaml model.mps",
                             "interdict sweep instances/mexico_us.yaml -r usd_m --from 0 "
                             "--to 200 --step 50")
             + "\n\n" + exit_codes_text())
@click.version_option(package_name="interdict")
def main() -> None:
    """Network-interdiction optimizer: where limited enforcement stops the most.

    Progress goes to stderr (on a terminal, or with --progress; never with -q); with
    --json - the JSON goes to stdout and the summary to stderr. Run store: see
    'interdict runs --help'."""


from . import bench as _bench  # noqa: E402,F401  (registers bench)
from . import calibrate as _calibrate  # noqa: E402,F401  (registers calibrate)
from . import generate as _generate  # noqa: E402,F401  (registers generate grid|layered)
from . import planning as _planning  # noqa: E402,F401  (sweep, frontier, target, …, runs)
from . import snip as _snip  # noqa: E402,F401  (snip)
from . import solve as _solve  # noqa: E402,F401  (registers validate, solve, export)
from . import uncertainty as _uncertainty  # noqa: E402,F401  (evaluate, vss, saa)

__all__ = ["main"]
