"""Readers and writers, determinism, time limits, model export."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from optimizer import SolutionStatus, SolveOptions, Termination, load_instance, solve
from optimizer.cli import main
from optimizer.instance.generators.grid import grid_instance
from optimizer.instance.writer import write_instance

from helpers import assert_certified, levels_instance, recipe_instance

GALLERY_NODES = "Node\nStart\nB\nC\nD\nEnd\n"
GALLERY_ARCS = ("StartNode,EndNode,Capacity,Attackable\nStart,B,10,1\nStart,C,70,1\nC,B,30,1\n"
                "B,End,100,1\nC,D,40,1\nD,End,50,1\n")


@pytest.mark.parametrize("names", [("nodes.csv", "arcs.csv"),
                                   ("sample_nodes_data.csv", "sample_arcs_data.csv")])
@pytest.mark.parametrize("attacks,expected", [(0, 80.0), (1, 10.0), (2, 0.0)])
def test_pyomo_gallery_csv(tmp_path, names, attacks, expected):
    """The Gallery's published answers: 80, 10 (attack Start→C), 0."""
    (tmp_path / names[0]).write_text(GALLERY_NODES)
    (tmp_path / names[1]).write_text(GALLERY_ARCS)
    r = solve(load_instance(tmp_path), budgets={"attacks": attacks})
    assert r.optimal and r.value_after == pytest.approx(expected)
    res = CliRunner().invoke(main, ["solve", str(tmp_path / names[1]), "--budget",
                                    f"attacks={attacks}", "-q", "--json", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r.json").read_text())["value_after"] == pytest.approx(expected)


def test_gallery_errors_name_file_row_and_column(tmp_path):
    (tmp_path / "nodes.csv").write_text(GALLERY_NODES)
    (tmp_path / "arcs.csv").write_text(GALLERY_ARCS.replace("C,D,40,1", "C,Q,forty,1"))
    res = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert res.exit_code == 1
    assert "arcs.csv:6: arc 'C->Q', field 'EndNode': unknown node 'Q'" in res.output
    assert "arcs.csv:6: arc 'C->Q', field 'Capacity': must be a number" in res.output


def test_yaml_round_trip(tmp_path):
    inst = recipe_instance(1)
    write_instance(inst, tmp_path / "a.yaml")
    back = load_instance(tmp_path / "a.yaml")
    assert solve(back).value_after == pytest.approx(solve(inst).value_after)
    write_instance(back, tmp_path / "b.json")
    assert solve(load_instance(tmp_path / "b.json")).value_after == pytest.approx(75.0)


def _stable(d: dict) -> dict:
    d = dict(d)
    d.pop("timings")
    d.pop("instance_path")
    return d


def test_same_input_same_output():
    a = solve(grid_instance(8, 8, budget=4, seed=3)).to_dict()
    b = solve(grid_instance(8, 8, budget=4, seed=3)).to_dict()
    assert _stable(a) == _stable(b)


def test_generator_is_deterministic(tmp_path):
    write_instance(grid_instance(5, 7, budget=3, seed=11), tmp_path / "a.yaml")
    write_instance(grid_instance(5, 7, budget=3, seed=11), tmp_path / "b.yaml")
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    write_instance(grid_instance(5, 7, budget=3, seed=12), tmp_path / "c.yaml")
    assert (tmp_path / "a.yaml").read_bytes() != (tmp_path / "c.yaml").read_bytes()


@pytest.mark.slow
def test_node_limit_returns_best_plan_with_gap():
    """A 12×12 shortest-path grid with 6 interdictions is not solved at the root node: with
    a limit of one branch-and-bound node the engine returns the best plan found,
    certified, with its bound and a positive gap (a node limit: the same on any machine)."""
    inst = grid_instance(12, 12, budget=6, seed=1)
    r = solve(inst, SolveOptions(node_limit=1))
    assert r.termination == Termination.NODE_LIMIT
    assert r.status == SolutionStatus.FEASIBLE and not r.optimal
    assert_certified(r, optimal=False)
    assert r.bound is not None and r.bound <= r.value_after + 1e-6
    assert r.gap is not None and r.gap > 0
    assert any("not proven optimal" in n for n in r.notes)
    full = solve(inst, SolveOptions(method="benders"))  # the fast exact method here
    assert full.optimal and full.value_after <= r.value_after + 1e-6
    assert full.value_after >= r.bound - 1e-6


def test_time_limit_reaches_the_solver():
    """A microsecond is too short for any machine to solve this MILP: the run stops on the
    time limit and still returns a certified plan (here possibly "no action")."""
    inst = grid_instance(10, 10, budget=6, seed=1)
    r = solve(inst, SolveOptions(time_limit=1e-6))
    assert r.termination == Termination.TIME_LIMIT and not r.optimal
    assert_certified(r, optimal=False)
    assert r.value_after <= r.value_before + 1e-9


@pytest.mark.parametrize("bad", [
    {"rel_gap": float("nan")}, {"time_limit": float("nan")}, {"time_limit": 0},
    {"rel_gap": -1e-3}, {"rel_gap": 5.0}, {"method": "simplex"}, {"backend": "gurobi"},
    {"threads": 0}, {"node_limit": -1}, {"seed": 1.5},
])
def test_bad_options_are_input_errors(bad):
    """A bad option value is an input error when the options are made, never a "no plan"
    error later in the run."""
    from optimizer.errors import OptionError

    with pytest.raises(OptionError):
        SolveOptions(**bad)


def test_cli_rejects_nan_gap_as_bad_input(tmp_path):
    res = CliRunner().invoke(main, ["solve", "docs/example.yaml", "--gap", "nan"])
    assert res.exit_code in (1, 2) and "Traceback" not in res.output
    assert "gap" in res.output


def test_write_model_round_trips_through_highs(tmp_path):
    """The exported MPS/LP, solved by HiGHS alone, gives the engine's optimum."""
    import highspy

    inst = levels_instance(5, 1)
    write_instance(inst, tmp_path / "i.yaml")
    for suffix in (".mps", ".lp"):
        out = tmp_path / f"model{suffix}"
        res = CliRunner().invoke(main, ["solve", str(tmp_path / "i.yaml"), "-q",
                                        "--write-model", str(out)])
        assert res.exit_code == 0, res.output
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(out))
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(9.0)
    res = CliRunner().invoke(main, ["solve", str(tmp_path / "i.yaml"), "--write-model",
                                    str(tmp_path / "m.txt")])
    assert res.exit_code == 2 and ".mps or .lp" in res.output


def test_cli_report_and_json(tmp_path):
    write_instance(recipe_instance(1), tmp_path / "i.yaml")
    out, js = tmp_path / "report.txt", tmp_path / "r.json"
    res = CliRunner().invoke(main, ["solve", str(tmp_path / "i.yaml"), "-o", str(out),
                                    "--json", str(js), "--threads", "1", "--gap", "0"])
    assert res.exit_code == 0, res.output
    text = res.output
    for needle in ("proven optimal", "raid lab", "245", "75", "Delivered per commodity",
                   "heroin", "Main routes", "PASSED", "build", "solve", "check"):
        assert needle in text, needle
    assert out.read_text() == text
    data = json.loads(js.read_text())
    assert data["plan"] == {"raid lab": 1}
    assert data["value_before"] == pytest.approx(245) and data["value_after"] == pytest.approx(75)
    assert "smuggler's value ≤ MILP objective" in data["certificate"]["checks"]
    assert {d["commodity"] for d in data["after"]["delivered"]} == {"fentanyl", "heroin"}
    assert data["after"]["routes"][0]["market"] == "us"


def test_shipped_instance_round_trips_with_sources_scenarios_and_ranges(tmp_path):
    from dataclasses import replace

    from helpers import SHIPPED

    inst = load_instance(SHIPPED)
    for name in ("rt.yaml", "rt.json"):
        write_instance(inst, tmp_path / name)
        back = load_instance(tmp_path / name)
        assert replace(back, path=inst.path) == inst
        assert back.sources == inst.sources and back.uncertain == inst.uncertain


def test_solve_outputs_are_all_or_nothing(tmp_path):
    """An unwritable output is found before solving, and no other output is written."""
    blocker = tmp_path / "bad"
    blocker.write_text("a file, not a folder")
    ok = tmp_path / "ok.json"
    res = CliRunner().invoke(main, ["solve", "docs/example.yaml", "--json", str(ok),
                                    "-o", str(blocker / "x.txt")])
    assert res.exit_code == 1 and "cannot write" in res.output and "Traceback" not in res.output
    assert not ok.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


def test_json_dash_goes_to_stdout_and_the_summary_to_stderr(tmp_path):
    import json as _json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "optimizer", "solve", "docs/example.yaml",
                           "--json", "-"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = _json.loads(proc.stdout)  # stdout is exactly the JSON document
    assert data["optimal"] and "Status" in proc.stderr
    assert not (tmp_path / "-").exists() and not __import__("os").path.exists("-")


def test_write_model_leaves_no_temporary_file_while_solving(tmp_path, monkeypatch):
    """The model file is staged only after the solve: while HiGHS runs there is no
    temporary file to leave behind if the process is killed."""
    import optimizer.pipeline as pipeline

    seen: list[list[str]] = []
    real = pipeline.open_session

    def spy(model, options=None):
        session = real(model, options)
        solve = session.solve

        def solve_and_look():
            seen.append(sorted(p.name for p in tmp_path.iterdir()))
            return solve()
        session.solve = solve_and_look
        return session

    monkeypatch.setattr(pipeline, "open_session", spy)
    model = tmp_path / "m.mps"
    res = CliRunner().invoke(main, ["solve", "docs/example.yaml", "--write-model", str(model),
                                    "-q"])
    assert res.exit_code == 0, res.output
    assert seen and all(names == [] for names in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.mps"]


@pytest.mark.parametrize("text,field,message", [
    ('{"raid lab": 1, "raid lab": 1}', None, "duplicate key"),
    ('{"raid lab": 1, "seal lab": 1}', None, "unknown action"),
    ('{"scan a1": 4}', "level", "levels 1..3"),
    ('{"scan a1": 1.5}', "level", "whole number"),
    ('{"scan a1": 3, "raid a2": 1}', "usd", "but the budget is 6"),
    ('[1, 2]', None, "must be a mapping"),
    ('{"plan": ', None, "JSON"),
])
def test_plan_files_are_checked_against_the_instance(tmp_path, text, field, message):
    """evaluate --plan: a repeated action, an unknown action or level, a plan over budget,
    a malformed file: each a located input error (exit 1), nothing written."""
    from optimizer.instance.writer import write_instance

    from helpers import levels_instance

    inst_path = tmp_path / "levels.yaml"
    write_instance(levels_instance(6, 1), inst_path)
    if "raid lab" in text:
        text = text.replace("raid lab", "scan a1").replace("seal lab", "no such action")
    plan = tmp_path / "plan.json"
    plan.write_text(text)
    out = tmp_path / "mc.json"
    res = CliRunner().invoke(main, ["evaluate", str(inst_path), "--plan", str(plan), "-n", "5",
                                    "--json", str(out)])
    assert res.exit_code == 1, res.output
    assert message in res.output and "plan.json" in res.output and "Traceback" not in res.output
    if field:
        assert f"field '{field}'" in res.output
    assert not out.exists()


def test_a_loose_gap_is_not_called_proven_optimal():
    """--gap 0.5: HiGHS may stop at a plan 50% from its bound and call it optimal; the
    report says "within the requested gap", with the proven gap, never "proven optimal"."""
    from optimizer.report.text import status_text

    inst = grid_instance(12, 12, budget=6, seed=1)  # stops 0.26% from its bound at --gap 0.5
    r = solve(inst, SolveOptions(rel_gap=0.5))
    assert r.optimal and r.gap is not None and r.gap > 1e-6
    assert status_text(r).startswith("optimal within the requested gap of 50.00%")
    tight = solve(grid_instance(4, 4, budget=2, seed=0))
    assert status_text(tight) == "proven optimal"
