"""Shared pieces of the command line: exit codes, error handling, budgets, where the
summary and the JSON go, staged output.

Exit codes (``EXIT_CODES``, printed by ``interdict --help`` and in the README).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ..errors import (
    CertificateError,
    InstanceError,
    InterdictError,
    OptionError,
    PlanError,
    SetupError,
    SolveError,
    UsageError,
)

EXIT_INPUT, EXIT_USAGE, EXIT_SOLVE, EXIT_CERT, EXIT_REGRESSION = 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug, not the user's input

#: every exit code of every command, as ``interdict --help`` and the README list them
EXIT_CODES = (
    (0, "success (a plan stopped by --time-limit is a success, marked as such)"),
    (1, "bad input: instance, plan, option value, output path or run store (the message "
        "names file, line, record and field; nothing is written)"),
    (2, "usage: unknown option, missing argument, options that do not go together, an "
        "unknown scenario or resource"),
    (3, "no plan (e.g. the smuggler's problem is unbounded); calibrate: an observation "
        "left outside its tolerance"),
    (4, "a plan failed its certificate (never reported as a result)"),
    (5, "bench --fail-on-regression: a regression against the baseline"),
    (EXIT_INTERNAL, "internal error (a bug; INTERDICT_DEBUG=1 shows the traceback)"),
    (130, "interrupted by Ctrl-C (143: by SIGTERM); what was certified is kept in the run "
          "store"),
)


def exit_codes_text() -> str:
    """The exit codes as the help prints them (click's no-rewrap marker first)."""
    return "\b\nExit codes:\n" + "\n".join(f"  {c:<4}{what}" for c, what in EXIT_CODES)


SHIPPED = "instances/mexico_us.yaml"  # the instance the help's examples use


def examples(*lines: str) -> str:
    """A command's help epilog: its examples, one command per line, kept as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def json_option(what: str = "the whole result") -> Callable:
    """``--json PATH`` ('-': JSON to stdout, the summary to stderr)."""
    return click.option("--json", "json_path",
                        type=click.Path(dir_okay=False, allow_dash=True), default=None,
                        help=f"Write {what} as JSON to this file ('-': to stdout; the "
                             "summary then goes to stderr).")


class Emit:
    """Where a command's summary and JSON go: the summary on stdout, or on stderr when
    ``--json -`` puts the JSON on stdout; nothing of the summary with ``quiet``.
    ``file`` is the JSON file to stage (None for stdout or no JSON)."""

    def __init__(self, json_path: str | None, quiet: bool = False):
        self.to_stdout = json_path == "-"
        self.file = None if self.to_stdout else json_path
        self.quiet = quiet

    def summary(self, text: str) -> None:
        if not self.quiet and text:
            click.echo(text, nl=not text.endswith("\n"), err=self.to_stdout)

    def json(self, payload: str) -> None:
        """The JSON on stdout (with ``--json -``; the file is staged by the command)."""
        if self.to_stdout:
            click.echo(payload, nl=False)


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the engine's deliberate errors into messages and exit codes (no traceback)."""
    try:
        yield
    except InstanceError as exc:
        fail(str(exc), EXIT_INPUT)
    except UsageError as exc:
        fail(str(exc), EXIT_USAGE)
    except OptionError as exc:
        fail(str(exc), EXIT_INPUT)
    except (PlanError, SetupError) as exc:
        fail(str(exc), EXIT_INPUT)
    except CertificateError as exc:
        fail(f"certificate failed, no plan reported: {exc}", EXIT_CERT)
    except SolveError as exc:
        fail(str(exc), EXIT_SOLVE)
    except InterdictError as exc:  # pragma: no cover - all subclasses handled above
        fail(str(exc), EXIT_SOLVE)
    except KeyboardInterrupt as exc:  # Ctrl-C (130) or, through parallel.interrupts, SIGTERM (143)
        from ..parallel import exit_code_of

        fail("interrupted: nothing was written", exit_code_of(exc))


@contextmanager
def interruptible(cleanup: Callable[[], str | None] | None = None) -> Iterator[None]:
    """Run a command so that Ctrl-C (SIGINT) or SIGTERM stops it cleanly: the signal raises
    ``Interrupted`` where the command is (workers are stopped and runs marked by the code it
    unwinds through), further signals are ignored meanwhile, ``cleanup()`` runs and may
    say what was kept, and the command exits 128 + the signal (130 for Ctrl-C) with one
    line on stderr, never a traceback. Once interrupted, the process ignores both signals
    until it has exited."""
    from ..parallel import exit_code_of, interrupts

    with interrupts(then_ignore=True):
        try:
            yield
        except KeyboardInterrupt as exc:
            note = cleanup() if cleanup is not None else None
            click.echo("interrupted" + (f": {note}" if note else ""), err=True)
            sys.exit(exit_code_of(exc))


def parse_budgets(values: tuple[str, ...]) -> dict[str, float]:
    """``usd_m=150`` → {"usd_m": 150.0}; bad text raises ``click.BadParameter``."""
    out: dict[str, float] = {}
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: write RESOURCE=AMOUNT, e.g. usd_m=150",
                                     param_hint="--budget")
        key, _, raw = item.partition("=")
        try:
            val = float(raw)
        except ValueError:
            raise click.BadParameter(f"{item!r}: amount {raw!r} is not a number",
                                     param_hint="--budget") from None
        if not (val >= 0) or val == float("inf"):
            raise click.BadParameter(f"{item!r}: a budget must be finite and ≥ 0",
                                     param_hint="--budget")
        out[key.strip()] = val
    return out


def load_with_budgets(path: str, budgets: dict[str, float], zero_sum: str | None = None):
    """The instance at ``path`` with some budgets replaced. ``zero_sum``: the command is a
    zero-sum computation (its name), refused for an instance where the smuggler plans with
    beliefs (UsageError naming what to use instead)."""
    from ..instance.beliefs import refuse_beliefs
    from ..instance.reader import load_instance

    inst = load_instance(path)
    if zero_sum is not None:
        refuse_beliefs(inst, zero_sum)
    known = [r.id for r in inst.resources]
    unknown = sorted(set(budgets) - set(known))
    if unknown:
        raise click.BadParameter(f"unknown resource(s) {unknown}; this instance has {known}",
                                 param_hint="--budget")
    return inst.with_budgets(budgets) if budgets else inst


def one_scenario(inst, scenario_id: str):
    """The instance as seen in one of its scenarios (an ordinary instance)."""
    from ..instance.scenarios import materialize

    by_id = {s.id: s for s in inst.scenarios}
    if scenario_id not in by_id:
        known = ", ".join(sorted(by_id)) or "none"
        raise UsageError(f"--scenario: unknown scenario '{scenario_id}' in {inst.path} "
                         f"(scenarios: {known})")
    from ..instance.scenarios import scenario_instances

    scenario_instances(inst)  # validate every scenario first
    return materialize(inst, by_id[scenario_id])
