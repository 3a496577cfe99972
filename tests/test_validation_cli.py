"""Every validation error class, through the CLI: message names file, record, field (and
line), exit code 1, nothing written."""

from __future__ import annotations

import re
import textwrap

import pytest
from click.testing import CliRunner

from optimizer.cli import main

VALID = textwrap.dedent("""\
    # a small valid instance; each test breaks one thing
    name: small
    resources:
      - {id: usd, budget: 2}
    commodities:
      - {id: fentanyl, unit: kg, value: 10}
      - {id: precursor, unit: kg}
    nodes:
      - {id: china, kind: source}
      - {id: lab, kind: lab}
      - {id: border, kind: crossing}
      - {id: nyc, kind: market}
    recipes:
      - {id: synth, node: lab, input: precursor, output: fentanyl, yield: 0.5, capacity: 50}
    supplies:
      - {node: china, commodity: precursor, amount: 100}
    arcs:
      - {id: sea, from: china, to: lab, capacity: 80, seizure: 0.05}
      - {id: truck, from: lab, to: border, capacity: 60, cost: 0.1}
      - {id: pov, from: border, to: nyc, mode: poe_private, capacity: 40, seizure: 0.01}
    actions:
      - id: scan
        levels: [{cost: {usd: 1}}, {cost: {usd: 2}}]
        effects: [{type: raise_seizure, arcs: [pov], amount: [0.02, 0.05]}]
      - id: raid
        cost: {usd: 1}
        effects: [{type: remove, nodes: [lab]}]
    """)


def run(tmp_path, text, command="validate", extra=()):
    path = tmp_path / "inst.yaml"
    path.write_text(text)
    res = CliRunner().invoke(main, [command, str(path), *extra])
    return path, res


def test_valid_file_passes(tmp_path):
    path, res = run(tmp_path, VALID)
    assert res.exit_code == 0, res.output
    assert "valid" in res.output and "4 nodes" in res.output


CASES = [
    # (name, old text, new text, expected record, expected field, message regex)
    ("unknown node", "to: lab, capacity: 80", "to: lagos, capacity: 80",
     "arc 'sea'", "to", r"unknown node 'lagos'"),
    ("unknown commodity in recipe", "input: precursor,", "input: precursr,",
     "recipe 'synth'", "input", r"unknown commodity 'precursr'"),
    ("duplicate id", "{id: truck, from: lab", "{id: sea, from: lab",
     "arc 'sea'", "id", r"duplicate id"),
    ("negative capacity", "capacity: 60,", "capacity: -5,",
     "arc 'truck'", "capacity", r"must be ≥ 0, got -5"),
    ("non-numeric capacity", "capacity: 60,", "capacity: lots,",
     "arc 'truck'", "capacity", r"must be a number, got 'lots'"),
    ("probability outside [0,1)", "seizure: 0.05", "seizure: 1.5",
     "arc 'sea'", "seizure", r"must be < 1"),
    ("NaN", "seizure: 0.05", "seizure: .nan",
     "arc 'sea'", "seizure", r"NaN"),
    ("infinite cost", "cost: 0.1", "cost: .inf",
     "arc 'truck'", "cost", r"must be finite"),
    ("action with no target", "effects: [{type: remove, nodes: [lab]}]",
     "effects: [{type: remove}]", "action 'raid' effect #1 (remove)", None, r"has no target"),
    ("action on unknown target", "nodes: [lab]}]", "nodes: [lba]}]",
     "action 'raid' effect #1 (remove)", "nodes", r"unknown node 'lba'"),
    ("market no source can reach", "{id: pov, from: border, to: nyc",
     "{id: pov, from: nyc, to: border", "node 'nyc' (market)", None,
     r"no supply can reach this market"),
    ("budget resource no action uses", "- {id: usd, budget: 2}",
     "- {id: usd, budget: 2}\n  - {id: agents, budget: 3}", "resource 'agents'", "id",
     r"no action uses this resource"),
    ("unknown resource in a cost", "cost: {usd: 1}\n    effects: [{type: remove",
     "cost: {eur: 1}\n    effects: [{type: remove", "action 'raid'", "cost",
     r"unknown resource 'eur'"),
    ("unknown field (typo)", "capacity: 80, seizure", "capcity: 80, seizure",
     "arc 'sea'", "capcity", r"unknown field"),
    ("seizure raised above 1", "amount: [0.02, 0.05]", "amount: [0.02, 0.995]",
     "action 'scan'", "effects", r"can reach 1.005 > 1"),
    ("amounts per level", "amount: [0.02, 0.05]", "amount: [0.02]",
     "action 'scan' effect #1", "amount", r"lists 1 amounts but the action has 2 level"),
    ("recipe cycle", "recipes:\n", "recipes:\n  - {id: back, node: lab, input: fentanyl, "
     "output: precursor, yield: 3}\n", "recipe 'back'", "output", r"cycle"),
    ("negative budget", "budget: 2}", "budget: -1}", "resource 'usd'", "budget", r"≥ 0"),
    ("duplicate key", "{id: sea, from: china, to: lab,", "{id: sea, from: china, to: lab, to: lab,",
     "file", "to", r"duplicate key"),
]


@pytest.mark.parametrize("name,old,new,record,field,message", CASES, ids=[c[0] for c in CASES])
def test_validation_error_classes(tmp_path, name, old, new, record, field, message):
    assert old in VALID, name
    text = VALID.replace(old, new, 1)
    path, res = run(tmp_path, text)
    assert res.exit_code == 1, res.output
    lines = [out for out in res.output.splitlines() if record in out and re.search(message, out)]
    assert lines, res.output
    line = lines[0]
    assert line.startswith(str(path)), line  # names the file …
    assert re.match(re.escape(str(path)) + r":\d+: ", line), line  # … and the line
    if field:
        assert f"field '{field}'" in line
    # solve refuses the same file the same way, writing nothing
    out = tmp_path / "out.json"
    path, res = run(tmp_path, text, "solve", ["--json", str(out)])
    assert res.exit_code == 1
    assert record in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_validate_lists_every_problem_at_once(tmp_path):
    text = (VALID.replace("capacity: 60,", "capacity: -5,")
            .replace("to: lab, capacity: 80", "to: lagos, capacity: 80")
            .replace("seizure: 0.01", "seizure: 2"))
    path, res = run(tmp_path, text)
    assert res.exit_code == 1
    assert "3 problem(s) found" in res.output
    for needle in ("field 'capacity'", "unknown node 'lagos'", "field 'seizure'"):
        assert needle in res.output


def test_yaml_syntax_error_names_the_line(tmp_path):
    path, res = run(tmp_path, VALID.replace("- {id: usd, budget: 2}", "- {id: usd, budget: 2"))
    assert res.exit_code == 1
    assert re.search(re.escape(str(path)) + r":\d+: file: not valid YAML", res.output)


def test_missing_file(tmp_path):
    res = CliRunner().invoke(main, ["solve", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 1 and "no such file" in res.output


def test_bad_budget_override(tmp_path):
    path, res = run(tmp_path, VALID, "solve", ["--budget", "eur=3"])
    assert res.exit_code == 2 and "unknown resource" in res.output
    path, res = run(tmp_path, VALID, "solve", ["--budget", "usd=abc"])
    assert res.exit_code == 2 and "not a number" in res.output
    path, res = run(tmp_path, VALID, "solve", ["--budget", "usd=-1"])
    assert res.exit_code == 2 and "≥ 0" in res.output


def test_names_like_no_stay_text(tmp_path):
    """YAML 1.1 would read the node id NO as False; here it stays the text 'NO'."""
    text = VALID.replace("{id: border, kind: crossing}", "{id: NO, kind: crossing}") \
        .replace("from: lab, to: border", "from: lab, to: NO") \
        .replace("from: border, to: nyc", "from: NO, to: nyc")
    path, res = run(tmp_path, text)
    assert res.exit_code == 0, res.output


def test_unbounded_smuggler_is_reported(tmp_path):
    text = VALID.replace("amount: 100", "amount: inf").replace("capacity: 80, ", "") \
        .replace("capacity: 60, ", "").replace("capacity: 40, ", "") \
        .replace(", capacity: 50", "")
    path, res = run(tmp_path, text, "solve")
    assert res.exit_code == 3
    assert "unbounded" in res.output and "Traceback" not in res.output


def test_an_internal_error_is_reported_as_a_bug(monkeypatch, tmp_path):
    """An exception nobody raised on purpose is a bug: exit 70 with a short message, not a
    traceback and not "bad input"."""
    import optimizer.pipeline as pipeline

    def broken(*args, **kwargs):
        raise ValueError("a bug somewhere")

    monkeypatch.setattr(pipeline, "solve_formulation", broken)
    res = CliRunner().invoke(main, ["solve", "docs/example.yaml"])
    assert res.exit_code == 70
    assert "internal error: ValueError: a bug somewhere" in res.output
    assert "Traceback" not in res.output
