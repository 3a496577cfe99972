"""Errors the engine raises on purpose.

Every error a user can cause carries enough to find the mistake: the file, the record
(node, arc, action …), the field, and (for YAML files) the line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instance file."""

    file: str
    record: str  # e.g. "arc 'tij_pov'", "action 'scan_otay' level 2"
    field: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f", field '{self.field}'" if self.field else ""
        return f"{where}: {self.record}{field}: {self.message}"


class InterdictError(Exception):
    """Base class of every error the engine raises on purpose."""


class InstanceError(InterdictError):
    """An instance file is unreadable or invalid; holds every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the instance" if len(lines) != 1 else "invalid instance"
        super().__init__(head + ":\n  " + "\n  ".join(lines))


class OptionError(InterdictError, ValueError):
    """An option has a value outside its domain (a method name, a NaN gap …)."""


class UsageError(OptionError):
    """Options that do not go together, or with this instance (a method that cannot solve
    it, an unknown scenario …): exit 2 on the command line."""


class PlanError(InterdictError):
    """A plan names an unknown action or level, or breaks a budget."""


class CertificateError(InterdictError):
    """A plan failed the independent check: it is never reported as a result."""


class SolveError(InterdictError):
    """The solver failed in a way that leaves no usable plan."""


class UnboundedError(SolveError):
    """The smuggler's problem is unbounded (unlimited supply on an uncapacitated route)."""


class SetupError(InterdictError):
    """Something a command needs around it is unusable: an output path it cannot write, a
    run store that is not one, a Dask scheduler it cannot reach. The message names it
    (CLI exit 1)."""
