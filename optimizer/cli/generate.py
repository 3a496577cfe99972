"""``interdict generate``: deterministic benchmark instances written in the instance format
(YAML, or JSON when the file name ends in .json)."""

from __future__ import annotations

import click

from . import main
from .common import examples, user_errors


@main.group(epilog=examples(
    "interdict generate grid grid.yaml --rows 10 --cols 10 --budget 3",
    "interdict generate grid mf.yaml --rows 8 --cols 8 --budget 2 --kind max_flow",
    "interdict generate layered big.yaml --scale 40 --seed 1"))
def generate() -> None:
    """Write a generated instance (same arguments and seed → identical file)."""


def _write(inst, output: str) -> None:
    from ..errors import InstanceError
    from ..instance.validate import validate
    from ..instance.writer import write_instance

    problems = validate(inst)
    if problems:  # a generator bug, never the user's: refuse to write a bad file
        raise InstanceError(problems)
    write_instance(inst, output)  # atomic: no partial file on failure
    click.echo(f"{output}: {len(inst.nodes)} nodes, {len(inst.arcs)} arcs, "
               f"{len(inst.actions)} actions", err=True)


@generate.command(epilog=examples(
    "interdict generate grid grid.yaml --rows 10 --cols 10 --budget 3",
    "interdict generate grid mf.json --rows 8 --cols 8 --budget 2 --kind max_flow "
    "--random-costs"))
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--rows", type=click.IntRange(min=1), required=True)
@click.option("--cols", type=click.IntRange(min=1), required=True)
@click.option("--kind", type=click.Choice(["shortest_path", "max_flow"]), default="shortest_path",
              show_default=True)
@click.option("--budget", type=click.IntRange(min=0), required=True,
              help="Interdiction budget (number of arcs with unit costs).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--random-costs", is_flag=True, help="Interdiction costs in 1..3 instead of 1.")
def grid(output: str, rows: int, cols: int, kind: str, budget: int, seed: int,
         random_costs: bool) -> None:
    """An m × n grid (Cormican–Morton–Wood / Israeli–Wood style)."""
    from ..instance.generators.grid import grid_instance

    with user_errors():
        _write(grid_instance(rows, cols, budget=budget, seed=seed, kind=kind,
                             unit_costs=not random_costs), output)


@generate.command(epilog=examples(
    "interdict generate layered small.yaml --scale 4",
    "interdict generate layered big.yaml --scale 400 --fan-in 10   # ~10,000 nodes"))
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--scale", type=click.IntRange(min=1), required=True,
              help="About 25·scale nodes (400 → 10,000 nodes).")
@click.option("--fan-in", type=click.IntRange(min=1), default=4, show_default=True,
              help="Most predecessors per node and layer (10 with scale 400 → ~54,000 arcs).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--action-share", type=click.FloatRange(0, 1, min_open=True), default=0.5,
              show_default=True, help="Share of elements the defender has actions on.")
@click.option("--budget-share", type=click.FloatRange(0, 1, min_open=True), default=0.1,
              show_default=True, help="Budgets as a share of the whole menu's cost.")
def layered(output: str, scale: int, fan_in: int, seed: int, action_share: float,
            budget_share: float) -> None:
    """A layered smuggling network shaped like instances/mexico_us.yaml."""
    from ..instance.generators.layered import layered_instance

    with user_errors():
        _write(layered_instance(scale, seed=seed, fan_in=fan_in, action_share=action_share,
                                budget_share=budget_share), output)
