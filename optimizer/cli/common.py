"""Shared pieces of the command line: exit codes, error handling, budgets, staged output.

Exit codes: 0 success (a time-limited plan is a success, marked as such), 1 bad input
(instance, plan or option values), 2 usage error, 3 the solve produced no plan,
4 a plan failed its certificate, 130 interrupted (Ctrl-C; a solve interrupted while
HiGHS runs still prints its best certified plan).
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

EXIT_INPUT, EXIT_USAGE, EXIT_SOLVE, EXIT_CERT = 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


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
    from ..errors import Problem
    from ..instance.scenarios import materialize

    by_id = {s.id: s for s in inst.scenarios}
    if scenario_id not in by_id:
        known = ", ".join(sorted(by_id)) or "none"
        raise InstanceError([Problem(inst.path, f"scenario '{scenario_id}'", None,
                                     f"unknown scenario '{scenario_id}' (scenarios: {known})",
                                     None)])
    from ..instance.scenarios import scenario_instances

    scenario_instances(inst)  # validate every scenario first
    return materialize(inst, by_id[scenario_id])
