"""The command line's conventions (issue 14, items 2, 5, 6): progress on stderr only (and
only on a terminal or with --progress, never with -q), ``--json -`` on stdout for every
command that writes JSON, exit codes (usage errors exit 2, every code documented), the
export-only command (a model HiGHS reads and solves to the engine's optimum), examples
in every command's help, and the run store (place, numeric order, comparisons)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from optimizer import load_instance, solve
from optimizer.cli import main
from optimizer.cli.common import EXIT_CODES
from optimizer.options import SolveOptions
from optimizer.solvers.base import MipProgress, mip_progress
from optimizer.solvers.highs import solve_model_file

from helpers import ROOT

EXAMPLE = str(ROOT / "docs" / "example.yaml")

#: a small instance with scenarios and an uncertain number, for vss, saa and evaluate
STOCHASTIC = textwrap.dedent("""\
    name: stochastic
    resources: [{id: usd, budget: 1}]
    commodities: [{id: k, value: 10}]
    nodes: [{id: s}, {id: b}, {id: t, kind: market}]
    supplies: [{node: s, commodity: k, amount: 5}]
    arcs:
      - {id: sb, from: s, to: b, seizure: {value: 0.1, range: [0.05, 0.2]}}
      - {id: bt, from: b, to: t, capacity: 3}
      - {id: st, from: s, to: t, capacity: 2}
    actions:
      - {id: close_st, cost: {usd: 1}, effects: [{type: remove, arcs: [st]}]}
      - {id: squeeze, cost: {usd: 1}, effects: [{type: cut_capacity, arcs: [bt], amount: 0.5}]}
    scenarios:
      - {id: calm, probability: 0.5}
      - {id: surge, probability: 0.5, supplies: [{node: s, commodity: k, amount: 9}]}
    """)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def stochastic(tmp_path) -> str:
    path = tmp_path / "stochastic.yaml"
    path.write_text(STOCHASTIC)
    return str(path)


# ----------------------------------------------------------------------------- --json -
def json_commands(stochastic: str, store: str) -> dict[str, list[str]]:
    """Every command with --json, on small inputs."""
    planning = ["--store", store, "--executor", "serial"]
    return {
        "solve": ["solve", EXAMPLE],
        "sweep": ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10", *planning],
        "frontier": ["frontier", EXAMPLE, "-r", "usd_m", "--to", "12", *planning],
        "target": ["target", EXAMPLE, "-r", "usd_m", "--reduce", "value", "10%", *planning],
        "marginal": ["marginal", EXAMPLE, "--step", "usd_m=5", *planning],
        "priorities": ["priorities", EXAMPLE, "-r", "usd_m", "--values", "0,10",
                       "--method", "greedy", *planning],
        "evaluate": ["evaluate", stochastic, "-n", "6", "--workers", "1"],
        "vss": ["vss", stochastic, "--workers", "1"],
        "saa": ["saa", stochastic, "-n", "3", "-m", "2", "--eval-samples", "4",
                "--workers", "1"],
    }


@pytest.mark.parametrize("command", ["solve", "sweep", "frontier", "target", "marginal",
                                     "priorities", "evaluate", "vss", "saa"])
def test_json_dash_writes_json_to_stdout_and_the_summary_to_stderr(tmp_path, stochastic,
                                                                   command):
    args = json_commands(stochastic, str(tmp_path / "runs.sqlite"))[command]
    res = run(*args, "--json", "-")
    assert res.exit_code == 0, res.output + res.stderr
    data = json.loads(res.stdout)  # nothing but the JSON on stdout
    assert isinstance(data, (dict, list)) and data
    assert res.stderr.strip(), "the summary goes to stderr"
    assert not (tmp_path / "-").exists() and not Path("-").exists()


def test_json_dash_pipes_into_json_tool(tmp_path):
    """A real pipe, as a shell runs it: ``interdict solve … --json - | python -m
    json.tool``."""
    cmd = [sys.executable, "-m", "optimizer", "solve", EXAMPLE, "--json", "-"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, check=True)
    tool = subprocess.run([sys.executable, "-m", "json.tool"], input=first.stdout,
                          capture_output=True, text=True, check=True)
    assert json.loads(tool.stdout)["value_after"] == pytest.approx(
        json.loads(first.stdout)["value_after"])
    assert "Status" in first.stderr  # the summary, on stderr


def test_bench_json_dash(tmp_path):
    res = run("bench", "-f", "grid-mf", "--size", "tiny", "-m", "dual", "--json", "-",
              "--time-limit", "30", "--progress")
    assert res.exit_code == 0, res.output + res.stderr
    data = json.loads(res.stdout)
    runs = data.get("runs") or data.get("records")
    assert runs and all(r["status"] == "optimal" for r in runs), data
    assert "bench: 1/1 runs" in res.stderr and "grid-mf/4x4-b2-s0 dual/highs" in res.stderr


# ----------------------------------------------------------------------------- progress
def test_progress_only_on_stderr_and_only_when_asked(tmp_path):
    """CliRunner's stderr is not a terminal: no progress unless --progress; with it, plain
    lines on stderr (the last one the final count); never on stdout; none with -q."""
    store = str(tmp_path / "runs.sqlite")
    base = ["sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10,20", "--store", store,
            "--executor", "serial", "--fresh"]
    quiet_default = run(*base)
    assert quiet_default.exit_code == 0
    assert "sweep:" not in quiet_default.stderr and "points" not in quiet_default.stderr
    shown = run(*base, "--progress", "--json", "-")
    assert shown.exit_code == 0, shown.stderr
    json.loads(shown.stdout)
    lines = shown.stderr.splitlines()
    assert "sweep: 3/3 points" in "\n".join(lines)
    assert any(line.startswith("point: incumbent") for line in lines)  # the MILP's line
    silent = run(*base, "--progress", "-q", "--json", "-")
    assert silent.exit_code == 0 and silent.stderr == ""
    json.loads(silent.stdout)


def test_solve_progress_shows_incumbent_bound_gap(tmp_path):
    res = run("solve", EXAMPLE, "--progress", "--json", "-")
    assert res.exit_code == 0
    json.loads(res.stdout)
    last = [line for line in res.stderr.splitlines() if line.startswith("solve (value)")][-1]
    value = json.loads(res.stdout)["value_after"]
    # the example's value is in US$ thousand: 3,007.927 → US$ 3.00793 million (6 digits)
    assert 1e3 <= value < 1e6
    money = rf"US\$ {value / 1e3:.6g} million"
    assert re.search(rf"incumbent {money}, bound {money}, gap 0%", last), last


def test_frontier_progress_counts_the_budget_covered(tmp_path):
    """The bar moves with every step found (not only when a piece ends): one piece, and
    the final line covers the whole range."""
    res = run("frontier", EXAMPLE, "-r", "usd_m", "--to", "20", "--pieces", "1", "--store",
              str(tmp_path / "s.sqlite"), "--executor", "serial", "--progress", "-q")
    assert res.exit_code == 0 and res.stderr == ""  # -q wins over --progress
    res = run("frontier", EXAMPLE, "-r", "usd_m", "--to", "20", "--pieces", "1", "--store",
              str(tmp_path / "s.sqlite"), "--executor", "serial", "--progress", "--fresh")
    counted = [line for line in res.stderr.splitlines()
               if line.startswith("frontier: usd_m budget covered")]
    assert counted and counted[-1].startswith("frontier: usd_m budget covered: 20/20")
    assert "step(s) found" in counted[-1]


def test_mip_progress_hook_reports_the_final_state():
    """The session's hook: the last report of a proven-optimal solve has incumbent = bound
    = the optimum and gap 0."""
    seen: list[MipProgress] = []
    with mip_progress(seen.append):
        r = solve(EXAMPLE)
    assert seen, "HiGHS's MIP callback reported nothing"
    last = seen[-1]
    assert last.incumbent == pytest.approx(r.value_after, rel=1e-9)
    assert last.gap == pytest.approx(0.0, abs=1e-6) and last.nodes >= 0
    before = len(seen)
    solve(EXAMPLE)  # outside the context: nobody listens
    assert len(seen) == before


# ----------------------------------------------------------------------------- exit codes
def test_usage_errors_exit_2(tmp_path):
    assert run("solve", EXAMPLE, "--scenario", "nope").exit_code == 2
    assert run("solve", EXAMPLE, "--no-such-option").exit_code == 2
    assert run("solve", EXAMPLE, "--budget", "nope=3").exit_code == 2
    assert run("sweep", EXAMPLE, "-r", "usd_m", "--values", "0", "--from", "0").exit_code == 2
    assert run("export", EXAMPLE, str(tmp_path / "model.txt")).exit_code == 2
    assert not (tmp_path / "model.txt").exists()


def test_bad_input_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnodes: 3\n")
    assert run("solve", str(bad)).exit_code == 1
    assert run("export", str(bad), str(tmp_path / "m.mps")).exit_code == 1
    assert not (tmp_path / "m.mps").exists()


def test_every_exit_code_is_documented():
    """In ``interdict --help`` and in the README, the same codes."""
    help_text = run("--help").output
    readme = (ROOT / "README.md").read_text()
    for code, _ in EXIT_CODES:
        assert re.search(rf"^\s+{code}\s", help_text, re.M), f"{code} not in --help"
        assert re.search(rf"\b{code}\b", readme.split("Exit codes")[1][:1500]), \
            f"{code} not in the README's exit codes"
    assert "143" in help_text


def test_every_command_has_examples_in_its_help():
    def commands(group, prefix=()):
        for name, cmd in group.commands.items():
            yield (*prefix, name), cmd
            if hasattr(cmd, "commands"):
                yield from commands(cmd, (*prefix, name))

    for path, _cmd in commands(main):
        out = run(*path, "--help").output
        assert "Examples:" in out and "interdict" in out.split("Examples:")[1], path


# ----------------------------------------------------------------------------- export
@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_export_writes_a_model_highs_solves_to_the_engines_optimum(tmp_path, suffix):
    model = tmp_path / f"model{suffix}"
    res = run("export", EXAMPLE, str(model), "--budget", "usd_m=20")
    assert res.exit_code == 0, res.output
    assert model.exists() and "wrote" in res.stderr and res.stdout == ""
    raw = solve_model_file(model, SolveOptions())
    engine = solve(load_instance(EXAMPLE).with_budgets({"usd_m": 20.0}))
    assert raw.objective == pytest.approx(engine.value_after, rel=1e-7)


def test_export_of_the_harm_model(tmp_path):
    """The substitution instance by hand (tests/helpers.py): the harm-optimal plan
    squeezes the border, harm 8; the exported harm MILP's optimum is that harm."""
    from optimizer.instance.writer import write_instance

    from helpers import substitution

    path = tmp_path / "sub.yaml"
    write_instance(substitution(), str(path))
    model = tmp_path / "harm.mps"
    res = run("export", str(path), str(model), "--objective", "harm")
    assert res.exit_code == 0, res.output
    assert solve_model_file(model, SolveOptions()).objective == pytest.approx(8.0, abs=1e-6)


def test_export_of_one_scenario(tmp_path, stochastic):
    """Scenario 'surge' alone: supply 9; b→t 3 and s→t 2 reach t, 5 units worth 10 less
    10% seized on s→b for the 3 through b: 3·0.9·10 … the LP decides; the exported model's
    optimum equals the engine's certified value for that scenario."""
    model = tmp_path / "surge.lp"
    res = run("export", stochastic, str(model), "--scenario", "surge")
    assert res.exit_code == 0, res.output
    engine = run("solve", stochastic, "--scenario", "surge", "--json", "-", "-q")
    value = json.loads(engine.stdout)["value_after"]
    assert solve_model_file(model, SolveOptions()).objective == pytest.approx(value, rel=1e-7)


# ----------------------------------------------------------------------------- run store
def test_store_default_place_and_override(tmp_path, monkeypatch):
    from optimizer.planning.store import default_store_path

    monkeypatch.setenv("INTERDICT_STORE", str(tmp_path / "env.sqlite"))
    assert default_store_path() == tmp_path / "env.sqlite"
    monkeypatch.delenv("INTERDICT_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_store_path() == tmp_path / "xdg" / "interdict" / "runs.sqlite"
    monkeypatch.chdir(tmp_path)
    res = run("sweep", EXAMPLE, "-r", "usd_m", "--values", "0", "--executor", "serial", "-q")
    assert res.exit_code == 0
    assert not (tmp_path / ".interdict").exists()
    assert default_store_path().exists()
    listed = run("runs")
    assert f"Run store {default_store_path()}" in listed.output


def test_points_come_back_in_numeric_order(tmp_path):
    store = str(tmp_path / "s.sqlite")
    res = run("sweep", EXAMPLE, "-r", "usd_m", "--values", "100,0,20,10,200", "--store", store,
              "--executor", "serial", "-q")
    assert res.exit_code == 0, res.output
    shown = run("runs", "--store", store, "show", "1").output
    assert "{'" not in shown and "Budgets mx_teams = 1 teams, usd_m = US$ 30 million" in shown
    order = [int(m) for m in re.findall(r"│ .*usd_m = US\$ (\d+)", shown)]  # the points
    assert order == [0, 10, 20, 100, 200], shown


def test_compare_runs_with_other_fixed_budgets_and_other_data(tmp_path):
    store = str(tmp_path / "s.sqlite")
    other = tmp_path / "other.yaml"
    other.write_text(Path(EXAMPLE).read_text().replace("seizure: 0.05}", "seizure: 0.07}"))
    for extra in ([], ["-b", "mx_teams=0"]):
        assert run("sweep", EXAMPLE, "-r", "usd_m", "--values", "0,10,20", "--store", store,
                   "--executor", "serial", "-q", *extra).exit_code == 0
    assert run("sweep", str(other), "-r", "usd_m", "--values", "10,20,30", "--store", store,
               "--executor", "serial", "-q").exit_code == 0
    budgets = run("runs", "--store", store, "compare", "1", "2")
    assert budgets.exit_code == 0, budgets.output
    assert "fixed budget mx_teams: 1 → 0" in budgets.output
    assert "3 points at the same usd_m" in budgets.output
    data = run("runs", "--store", store, "compare", "1", "3")
    assert data.exit_code == 0, data.output
    assert "data: arc 'container': seizure 0.05 → 0.07" in data.output
    assert "2 points at the same usd_m; 1 only in run 1, 1 only in run 3" in data.output
    # the values in the table are each run's own certified values
    a = solve(load_instance(EXAMPLE).with_budgets({"usd_m": 10.0}))
    b = solve(load_instance(str(other)).with_budgets({"usd_m": 10.0}))
    row = next(line for line in data.output.splitlines() if re.match(r"│\s+10 │", line))
    # in US$ thousand: 3,421.46 → 3.42146 million (6 significant digits, to compare runs)
    assert 1e3 <= a.value_after < 1e6 and 1e3 <= b.value_after < 1e6
    assert f"{a.value_after / 1e3:.6g} million" in row and f"{b.value_after / 1e3:.6g} million" \
        in row
