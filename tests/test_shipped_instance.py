"""The shipped Mexico–United States instance: valid, fully sourced, solvable end to end
exactly as the README says."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from optimizer import SolveOptions, load_instance, solve

from helpers import ROOT, SHIPPED, assert_certified

ALLOWED_SOURCES = ("paper", "assumption", "geography")


def test_shipped_instance_is_valid_and_complete():
    inst = load_instance(SHIPPED)
    kinds = {n.kind for n in inst.nodes}
    assert {"source", "seaport", "lab", "pill_press", "poppy", "market"} <= kinds
    modes = {a.mode for a in inst.arcs}
    assert {"poe_private", "poe_commercial", "drone", "tunnel", "wall_breach", "maritime",
            "parcel", "sea_container"} <= modes
    names = {n.id for n in inst.nodes}
    for port in ("mx_manzanillo", "mx_lazaro_cardenas", "mx_veracruz"):
        assert port in names
    assert len(inst.resources) >= 2
    assert {e.type for a in inst.actions for e in a.effects} == {
        "remove", "cut_capacity", "raise_seizure", "raise_cost", "cut_supply"}
    assert any(len(a.levels) > 1 for a in inst.actions)
    # the paper's scan rates bound the lanes' seizure probabilities (fn 67)
    for a in inst.arcs:
        if a.mode == "poe_private":
            assert a.seizure <= 0.02
        if a.mode == "poe_commercial":
            assert a.seizure <= 0.16


def _numbers_without_source(node, path="") -> list[str]:
    """Every number must be written {value: …, source: "paper…|assumption…|geography…"}."""
    bad = []
    if isinstance(node, dict):
        if "value" in node and isinstance(node["value"], (int, float)) \
                and not isinstance(node["value"], bool):
            src = str(node.get("source", ""))
            if not src.startswith(ALLOWED_SOURCES):
                bad.append(f"{path}: source {src!r}")
            return bad
        for k, v in node.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                bad.append(f"{path}/{k} = {v} (no source note)")
            else:
                bad.extend(_numbers_without_source(v, f"{path}/{k}"))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                bad.append(f"{path}[{i}] = {v} (no source note)")
            else:
                bad.extend(_numbers_without_source(v, f"{path}[{i}]"))
    return bad


def test_every_number_cites_the_paper_or_says_it_is_an_assumption():
    doc = yaml.safe_load(SHIPPED.read_text())
    assert _numbers_without_source(doc) == []
    # and the test itself catches an unsourced number
    doc["arcs"][0]["capacity"] = 5
    assert _numbers_without_source(doc)


@pytest.mark.slow
def test_readme_solve_command_end_to_end(tmp_path):
    """Run the README's first command (after its install step) as a user would."""
    first = next(line for line in (ROOT / "README.md").read_text().splitlines()
                 if "interdict solve" in line)
    command = first.split("&&")[-1].strip().strip("`")
    args = shlex.split(command)
    assert Path(args[0]).name == "interdict" and args[1] == "solve"
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "optimizer", *args[1:], "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "proven optimal" in proc.stdout and "PASSED" in proc.stdout
    data = json.loads(out.read_text())
    assert data["optimal"]
    assert "smuggler's value = MILP objective (optimal)" in data["certificate"]["checks"]
    assert data["value_after"] < data["value_before"]
    for res, spent in data["spend"].items():
        assert spent <= data["budgets"][res] + 1e-9
    assert re.search(r"Times\s+build [\d.]+ s, solve [\d.]+ s, check", proc.stdout)


@pytest.mark.slow
def test_backends_agree_on_the_shipped_instance():
    a = solve(SHIPPED)
    b = solve(SHIPPED, SolveOptions(backend="pyomo"))
    assert a.optimal and b.optimal
    assert a.value_after == pytest.approx(b.value_after, rel=1e-6)


@pytest.mark.slow
def test_plan_changes_when_the_border_closes():
    """The paper's 2020 closure: private-vehicle lanes shut, drones rise (fn 65). Solved
    alone, the closure scenario's plan turns to drones and tunnels; the expected plan over
    all scenarios is certified in every scenario."""
    from optimizer.instance.scenarios import materialize

    inst = load_instance(SHIPPED)
    by_id = {s.id: s for s in inst.scenarios}
    assert set(by_id) == {"status_quo", "border_closed_private", "china_scheduling_bites",
                          "india_rising"}
    assert sum(s.probability for s in inst.scenarios) == pytest.approx(1.0)
    closed = materialize(inst, by_id["border_closed_private"])
    assert all(a.capacity == 0 for a in closed.arcs if a.mode == "poe_private")
    quo = solve(materialize(inst, by_id["status_quo"]))
    shut = solve(closed)
    counter_drone_or_tunnel = {"anti_drone_capture", "anti_drone_geofencing", "tunnel_detection"}
    assert not counter_drone_or_tunnel & set(quo.plan.as_dict())
    assert counter_drone_or_tunnel & set(shut.plan.as_dict())
    assert shut.after.delivered_by_commodity["pills"] < quo.after.delivered_by_commodity["pills"]
    expected = solve(inst)
    assert expected.optimal and len(expected.scenarios) == 4
    assert_certified(expected)


def test_ci_runs_the_readme_test_command():
    """`.ci/run` must run exactly the README's second set-up command."""
    lines = (ROOT / "README.md").read_text().splitlines()
    commands = [line for line in lines[:8] if line.startswith("python3 -m venv")]
    assert len(commands) == 2 and "interdict solve" in commands[0]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.startswith("python3")]
    assert ci == [commands[1]]
