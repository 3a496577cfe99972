"""``interdict calibrate``: fit the declared parameters to the observations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import InstanceError, Problem
from ..report.files import OutputSet
from . import main
from .common import EXIT_SOLVE, examples, interruptible, user_errors
from .progress import Progress, progress_option


@main.command(epilog=examples("interdict calibrate observed.yaml -o fitted.yaml",
                              "interdict calibrate observed.yaml --method powell --max-evals 500"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the calibrated instance here (.yaml or .json).")
@click.option("--method", type=click.Choice(["de", "powell", "nelder-mead"]), default="de",
              show_default=True,
              help="de: differential evolution (global, seeded) then Powell; powell or "
                   "nelder-mead: a local search from the file's values.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of differential evolution (the same seed gives the same fit).")
@click.option("--max-evals", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Most evaluations of the misfit (each solves the smuggler's LP once per "
                   "scenario).")
@click.option("--force", is_flag=True,
              help="Write the calibrated file even if some observation stays outside its "
                   "tolerance.")
@click.option("--quiet", "-q", is_flag=True, help="No progress.")
@progress_option
def calibrate(file: str, output: str | None, method: str, seed: int, max_evals: int,
              force: bool, quiet: bool, force_progress: bool) -> None:
    """Fit the numbers FILE declares under 'parameters' so that the no-action baseline
    matches its 'observations': minimise Σ w·((modelled − observed)/tolerance)². Prints
    observed against modelled before and after; writes the calibrated instance (each fitted
    number's source note says so) only if every observation is met, or with --force."""
    from ..instance.reader import load_instance
    from ..report.observations import miss_line, render_calibration
    from ..report.units import number
    from ..studies.calibrate import calibrate as fit

    with user_errors(), interruptible():
        outputs = OutputSet(output)
        inst = load_instance(file)
        _needs(inst, file)
        with outputs:
            with Progress.choose(quiet, force_progress) as bar, \
                    bar.counted("calibrate", max_evals, "evaluations") as update:
                cal = fit(inst, method=method, seed=seed, max_evals=max_evals,
                          progress=lambda n, best: update(
                              n, note=f"best misfit {number(best, 6)}"))
            click.echo(render_calibration(cal), nl=False)
            if cal.missed:
                lines = "\n  ".join(miss_line(r) for r in cal.missed)
                click.echo(f"calibration leaves {len(cal.missed)} observation(s) outside their "
                           f"tolerance:\n  {lines}", err=True)
                if not force:
                    outputs.discard()
                    click.echo("error: nothing written (--force writes the calibrated file "
                               "anyway)", err=True)
                    sys.exit(EXIT_SOLVE)
            if output is not None:
                outputs.text(output, _serialised(cal, file, output))
                click.echo(f"wrote {output}")


def _needs(inst, file: str) -> None:
    """A calibration needs parameters and observations."""
    missing = [s for s in ("parameters", "observations") if not getattr(inst, s)]
    if missing:
        raise InstanceError([Problem(file, f"section '{s}'", None, "calibration needs it "
                                     "(see docs/format.md)", None) for s in missing])


def _serialised(cal, source: str, output: str) -> str:
    """The calibrated instance as the file format, checked by reading it back (a file that
    would not read is an error, never written). A YAML file calibrated into YAML keeps its
    text — comments, references, notes — with only the fitted numbers replaced, when every
    one of them is written out in the file; otherwise the instance writer writes it."""
    from dataclasses import replace

    from ..instance.numbers import locate
    from ..instance.patch import patch_numbers
    from ..instance.reader import read_instance_text
    from ..instance.writer import dump_yaml, instance_to_dict

    inst = cal.instance
    fmt = "json" if Path(output).suffix.lower() == ".json" else "yaml"
    if fmt == "yaml" and Path(source).suffix.lower() in (".yaml", ".yml"):
        keys = [p.field for p in inst.parameters]
        text = patch_numbers(Path(source).read_text(encoding="utf-8"),
                             {k: (locate(inst, k).value, inst.sources[k]) for k in keys})
        if text is not None:
            again = read_instance_text(text, output, fmt="yaml")
            if replace(again, path=inst.path) == inst and all(
                    again.sources.get(k) == inst.sources[k] for k in keys):
                return text
        click.echo("note: the fitted numbers could not all be replaced in place; the file is "
                   "written by the instance writer (comments and notes are not kept)", err=True)
    data = instance_to_dict(inst)
    text = json.dumps(data, indent=1) + "\n" if fmt == "json" else dump_yaml(data)
    read_instance_text(text, output, fmt=fmt)
    return text
