"""The README cannot go stale: its generated parts equal what ``python -m
optimizer.report.readme`` writes — the performance figures from the bench results files,
the sample output from a real solve of the shipped instance, the excerpts of other
commands from real runs of the commands they show — and its commands run as written."""

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
    # a figure the results file holds, by hand: SNIP's 20 cases, fastest 4.62 s, slowest
    # 146.37 s, 17 of them within 60 s
    assert ("20 of 20 published cases proven optimal in 4.6–146 s each (17 within 60 s)"
            in readme.performance())


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


def test_every_command_output_in_the_readme_is_generated():
    """Every block of command output (``$ interdict …``) sits in a generated part, except
    the five-year horizon's (its run takes far longer than any test: the lead regenerates
    it by hand)."""
    hand_kept = ("$ interdict solve instances/mexico_us.yaml --horizon",)
    parts = re.findall(r"<!-- generated: ([\w-]+) ", TEXT)
    inside = "\n".join(readme.block(TEXT, name) for name in parts)
    shown = [ln for ln in TEXT.splitlines() if ln.startswith("$ interdict")]
    assert shown
    for ln in shown:
        assert ln in inside or ln.startswith(hand_kept), ln
    for name, command in readme.COMMANDS.items():
        start, _ = readme._marker(name)
        assert start in TEXT and ("--all)" in start) == command.slow
        assert readme.block(TEXT, name).splitlines()[1] == command.shown()


def test_excerpts_leave_out_what_depends_on_the_machine():
    line = ("3 breakpoints, 4 segments, 14 MILP solves (4 piece(s), executor pool); values "
            "equal within US$ 3.63 thousand per year, spends within 0.00002 (each in its "
            "resource's unit); 165.84 s")
    assert readme._untimed([line, "gap 0.0000%"]) == [
        line.replace("165.84 s", "… s").replace("14 MILP", "… MILP"), "gap 0.0000%"]
    check = ("Check     PASSED (5 checks): with the plan fixed, the smuggler's LP … re-solved: "
             "smuggler's true value (optimistic) US$ 2,577,092,539 per year (MILP US$ "
             "2,577,092,542 per year, tolerance US$ 3.67 thousand per year)")
    assert readme._cut_check(check) == (
        "Check     PASSED (5 checks): with the plan fixed, the smuggler's LP … re-solved: "
        "smuggler's true value (optimistic) …")
    assert readme._cut_check("Value     x") == "Value     x"


def test_a_failing_command_is_an_error_not_a_block():
    with pytest.raises(RuntimeError, match="interdict solve no-such-file.yaml exited 1"):
        readme.run_command(["solve", "no-such-file.yaml"])


def test_all_and_no_solve_together_are_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        readme.main(["--all", "--no-solve"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow
def test_the_beliefs_excerpt_equals_a_real_run():
    assert readme.block(TEXT, "beliefs") == readme.command_block(readme.COMMANDS["beliefs"])


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, c in readme.COMMANDS.items() if c.slow])
def test_the_long_excerpts_equal_real_runs(name):
    """The substitution warning and the violence frontier (minutes each: ``--all``), run
    as the README shows them, give its blocks digit for digit."""
    assert readme.block(TEXT, name) == readme.command_block(readme.COMMANDS[name])
