"""``interdict``: a thin command line over the Python API.

Exit codes: 0 success (a time-limited plan is a success, marked as such), 1 bad input
(instance, plan or option values), 2 usage error, 3 the solve produced no plan,
4 a plan failed its certificate.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from .errors import CertificateError, InstanceError, InterdictError, PlanError, SolveError
from .util import atomic_write_text, default_file_mode

EXIT_INPUT, EXIT_SOLVE, EXIT_CERT = 1, 3, 4


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the engine's deliberate errors into messages and exit codes (no traceback)."""
    try:
        yield
    except InstanceError as exc:
        _fail(str(exc), EXIT_INPUT)
    except PlanError as exc:
        _fail(str(exc), EXIT_INPUT)
    except CertificateError as exc:
        _fail(f"certificate failed, no plan reported: {exc}", EXIT_CERT)
    except SolveError as exc:
        _fail(str(exc), EXIT_SOLVE)
    except InterdictError as exc:  # pragma: no cover - all subclasses handled above
        _fail(str(exc), EXIT_SOLVE)


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


def load_with_budgets(path: str, budgets: dict[str, float]):
    from .instance.yaml_io import load_instance

    inst = load_instance(path)
    known = [r.id for r in inst.resources]
    unknown = sorted(set(budgets) - set(known))
    if unknown:
        raise click.BadParameter(f"unknown resource(s) {unknown}; this instance has {known}",
                                 param_hint="--budget")
    return inst.with_budgets(budgets) if budgets else inst


@contextmanager
def staged_output(path: str | None, suffix: str = "") -> Iterator[str | None]:
    """Yield a temporary path beside ``path``; rename it into place only if the block
    succeeds, so a failed command leaves no partial file."""
    if path is None:
        yield None
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="interdict")
def main() -> None:
    """Network-interdiction optimizer: where limited enforcement stops the most."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
def validate(file: str) -> None:
    """Check an instance file and list every problem (exit 1 if any)."""
    from .instance.yaml_io import load_instance

    try:
        inst = load_instance(file)
    except InstanceError as exc:
        for p in exc.problems:
            click.echo(str(p))
        click.echo(f"{len(exc.problems)} problem(s) found in {file}", err=True)
        sys.exit(EXIT_INPUT)
    levels = sum(len(a.levels) for a in inst.actions)
    click.echo(f"{file}: valid — {len(inst.nodes)} nodes, {len(inst.arcs)} arcs, "
               f"{len(inst.commodities)} commodities, {len(inst.recipes)} recipes, "
               f"{len(inst.actions)} actions ({levels} levels), "
               f"resources {', '.join(f'{r.id}={r.budget:g}' for r in inst.resources)}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--budget", "-b", "budget", multiple=True, metavar="RESOURCE=AMOUNT",
              help="Override a budget (repeatable).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds; on expiry the best plan found is returned with its gap.")
@click.option("--gap", "rel_gap", type=click.FloatRange(min=0), default=1e-6, show_default=True,
              help="Relative MIP gap at which the plan counts as optimal.")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="HiGHS threads.")
@click.option("--backend", type=click.Choice(["highs", "pyomo"]), default="highs",
              show_default=True, help="Arrays straight to HiGHS, or through Pyomo.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Also write the summary to this file.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write the whole result as JSON.")
@click.option("--write-model", type=click.Path(dir_okay=False), default=None,
              help="Export the MILP (.mps or .lp) for other solvers.")
@click.option("--routes", type=click.IntRange(min=0), default=10, show_default=True,
              help="Routes to show.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success (use with --json).")
@click.option("--verbose", is_flag=True, help="Show the HiGHS log.")
def solve(file: str, budget: tuple[str, ...], time_limit: float | None, rel_gap: float,
          threads: int | None, backend: str, output: str | None, json_path: str | None,
          write_model: str | None, routes: int, quiet: bool, verbose: bool) -> None:
    """Solve FILE: the optimal plan under the budgets, the smuggler's best response, and
    the certificate that both are right."""
    from .engine import solve as run
    from .report import render_solve
    from .solvers.options import SolveOptions

    model_suffix = ""
    if write_model is not None:
        model_suffix = Path(write_model).suffix.lower()
        if model_suffix not in (".mps", ".lp"):
            raise click.BadParameter(f"{write_model!r}: the suffix must be .mps or .lp",
                                     param_hint="--write-model")
    budgets = parse_budgets(budget)
    with _user_errors():
        inst = load_with_budgets(file, budgets)
        options = SolveOptions(time_limit=time_limit, rel_gap=rel_gap, threads=threads,
                               backend=backend, verbose=verbose)
        with staged_output(write_model, model_suffix) as model_tmp:
            result = run(inst, options, write_model=model_tmp)
            text = render_solve(result, routes=routes)
            if json_path:
                atomic_write_text(json_path, result.to_json())
            if output:
                atomic_write_text(output, text)
    if not quiet:
        click.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
