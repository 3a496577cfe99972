"""The README cannot go stale: its generated parts equal what ``python -m
optimizer.report.readme`` writes — the performance figures from the bench results files,
the sample output from a real solve of the shipped instance — and its commands run as
written."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.report import readme

TEXT = readme.README.read_text(encoding="utf-8")


def test_performance_figures_come_from_the_results_files():
    assert readme.block(TEXT, "performance") == readme.performance()
    # a figure the results file holds, by hand: SNIP's 20 cases, slowest 480.11 s
    assert "all 20 published cases proven optimal in 37–480 s each" in readme.performance()


def test_the_figure_is_shipped_and_linked():
    rel = readme.FIGURE.relative_to(readme.ROOT).as_posix()
    assert f"]({rel})" in TEXT
    assert readme.FIGURE.stat().st_size > 10_000


def _command(prefix: str) -> list[str]:
    """The README's table row whose command starts with ``prefix``, as argv."""
    row = next(ln for ln in TEXT.splitlines() if ln.startswith(f"| `{prefix}"))
    return shlex.split(re.match(r"\| `([^`]+)`", row).group(1))[1:]


def test_generate_grid_runs_as_written(tmp_path):
    args = _command("interdict generate grid")
    out = tmp_path / "grid.yaml"
    res = CliRunner().invoke(main, [str(out) if a == "FILE" else a for a in args])
    assert res.exit_code == 0, res.output
    from optimizer import load_instance

    inst = load_instance(out)
    opt = dict(zip(args, args[1:]))  # each option with the word after it, as written
    rows, cols, budget = int(opt["--rows"]), int(opt["--cols"]), float(opt["--budget"])
    assert len(inst.nodes) == rows * cols + 2  # the grid, a source and a sink
    assert inst.budgets() == {"budget": budget}


@pytest.mark.slow
def test_sample_output_equals_a_real_run():
    """The shipped instance solved now gives the README's sample, digit for digit (the
    sample holds no times)."""
    assert readme.block(TEXT, "solve-sample") == readme.solve_sample()


def test_check_mode_reports_a_stale_part(tmp_path, monkeypatch, capsys):
    stale = TEXT.replace(readme.performance().splitlines()[0], "- stale", 1)
    path = tmp_path / "README.md"
    path.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(readme, "README", path)
    assert readme.main(["--check", "--no-solve"]) == 1
    assert "'performance' is stale" in capsys.readouterr().err
    assert readme.main(["--no-solve"]) == 0
    assert readme.block(path.read_text(encoding="utf-8"), "performance") == readme.performance()
