"""``interdict snip``: the SNIP literature benchmark (Pan & Morton 2008) in the engine."""

from __future__ import annotations

from pathlib import Path

import click

from . import main
from .common import Emit, examples, json_option, user_errors
from .progress import Progress, progress_option


@main.command(epilog=examples("interdict snip --instance 0 --budget 30",
                              "interdict snip --instance 2 --budget 90 --time-limit 600",
                              "interdict snip --instance 0 --budget 30 --write snip0.yaml"))
@click.option("--folder", type=click.Path(file_okay=False), default=None,
              help="Folder of the SNIP files (default: ../shared/benchmarks/snip).")
@click.option("--instance", "k", type=click.IntRange(0, 4), default=0, show_default=True)
@click.option("--snipno", type=click.IntRange(1, 4), default=3, show_default=True,
              help="Sensor variant: 1 file q, 2 q = r/2, 3 q = r/10, 4 q = 0.")
@click.option("--budget", type=click.IntRange(min=0), default=30, show_default=True,
              help="Number of sensors.")
@click.option("--write", "write_path", type=click.Path(dir_okay=False), default=None,
              help="Write the instance in the engine's format (.yaml/.json) instead of solving.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option("--threads", type=click.IntRange(min=1), default=None)
@json_option()
@click.option("--quiet", "-q", is_flag=True, help="Print no summary and no progress.")
@progress_option
def snip(folder: str | None, k: int, snipno: int, budget: int, write_path: str | None,
         time_limit: float | None, threads: int | None, json_path: str | None, quiet: bool,
         force_progress: bool) -> None:
    """Read a SNIP instance into the engine's format, then write it or solve it and compare
    with the published optimum (Chen & Luedtke 2022, snipno 3)."""
    from ..instance.snip import default_folder, dijkstra_value, published_optima, read_snip
    from ..instance.writer import write_instance
    from ..options import SolveOptions
    from ..pipeline import solve
    from ..report.files import OutputSet
    from ..report.text import render_solve

    emit = Emit(json_path, quiet)
    with user_errors():
        outputs = OutputSet(emit.file)
        src = Path(folder) if folder else default_folder()
        inst = read_snip(src, k, snipno, budget)
        if write_path:
            write_instance(inst, write_path)
            click.echo(f"wrote {write_path}: {len(inst.nodes)} nodes, {len(inst.arcs)} arcs, "
                       f"{len(inst.actions)} sensor sites, {len(inst.scenarios)} scenarios",
                       err=True)
            return
        with Progress.choose(quiet, force_progress) as progress, progress.solving("snip"):
            result = solve(inst, SolveOptions(time_limit=time_limit, threads=threads))
        independent = dijkstra_value(result.plan.as_dict(), src, k, snipno)
        payload = result.to_json()
        with outputs:
            outputs.text(emit.file, payload)
    lines = [render_solve(result, routes=0).rstrip("\n"),
             f"Independent check: the plan re-valued by Dijkstra on the raw files gives "
             f"{independent:.10f} (certified {result.value_after:.10f}, difference "
             f"{independent - result.value_after:+.1e})"]
    known = [r for r in published_optima(src)
             if (r.instance, r.snipno, r.budget) == (k, snipno, budget)]
    if known:
        ref = known[0]
        diff = result.value_after - ref.best_known
        lines.append(f"Published best known {ref.best_known:.10f} "
                     f"({'confirmed' if ref.confirmed else 'unconfirmed'}); ours "
                     f"{result.value_after:.10f} (difference {diff:+.2e})")
    else:
        lines.append("No published value for this (instance, snipno, budget).")
    emit.json(payload)
    emit.summary("\n".join(lines) + "\n")
