"""Bad input a user can meet, through the CLI: scenario overrides under the base-data rules,
alias bombs and other hostile YAML/JSON, silent misreadings (blank amounts, duplicate JSON
keys, other Gallery layouts), numbers outside the solver's range. Each case: exit code 1,
a message ``file:line: record, field '…': …``, and no output file written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.instance.loader import QUOTE_CHARS, quote

from helpers import SMALL_YAML

VALID = SMALL_YAML


def invoke(tmp_path: Path, text: str, *args: str, name: str = "inst.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path, CliRunner().invoke(main, [args[0], str(path), *args[1:]])


def assert_refused(tmp_path: Path, text: str, record: str, field: str | None, message: str,
                   *, name: str = "inst.yaml", extra: tuple[str, ...] = ()) -> str:
    """``validate`` and ``solve`` both exit 1 naming file:line, record, field; ``solve``
    writes no JSON. Returns the matching line."""
    path, res = invoke(tmp_path, text, "validate", name=name)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    where = re.escape(str(path)) + r":\d+: " + re.escape(record)
    where += re.escape(f", field '{field}'") if field else ""
    found = [ln for ln in res.output.splitlines() if re.match(where + ": .*" + message, ln)]
    assert found, res.output
    out = tmp_path / "out.json"
    _, res = invoke(tmp_path, text, "solve", *extra, "--json", str(out), name=name)
    assert res.exit_code == 1, res.output
    assert re.search(where, res.output) and "Traceback" not in res.output
    assert not out.exists()
    return found[0]


def test_the_base_file_is_valid_and_solves(tmp_path):
    path, res = invoke(tmp_path, VALID, "solve", "--json", str(tmp_path / "r.json"))
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["optimal"]
    assert "smuggler's value = MILP objective (optimal)" in data["certificate"]["checks"]


# ------------------------------------------------------------------ scenario overrides


def scenario(override: str) -> str:
    return VALID + f"scenarios:\n  - {{id: S, probability: 1, {override}}}\n"


@pytest.mark.parametrize("extra", [(), ("--scenario", "S")])
def test_scenario_may_not_unlimit_a_cut_capacity(tmp_path, extra):
    """Cutting an unlimited capacity does nothing in the MILP (u·f = ∞·f): the base-data
    rule holds in every scenario, with or without --scenario."""
    line = assert_refused(tmp_path, scenario("arcs: [{id: pov, capacity: inf}]"),
                          "scenario 'S': action 'close_pov' effect #1 (cut_capacity)", "arcs",
                          "arc 'pov' has unlimited capacity", extra=extra)
    assert line.split(":")[1] == str(VALID.count("\n") + 2)  # the scenario's own line


@pytest.mark.parametrize("extra", [(), ("--scenario", "S")])
def test_scenario_may_not_unlimit_a_cut_supply(tmp_path, extra):
    assert_refused(tmp_path, scenario("supplies: [{node: china, commodity: precursor, "
                                      "amount: inf}]"),
                   "scenario 'S': action 'precursor_control' effect #1 (cut_supply)", "nodes",
                   r"cannot cut an unlimited supply \(china/precursor", extra=extra)


def test_scenario_new_arc_selected_by_mode_must_be_finite(tmp_path):
    text = VALID.replace("arcs: [pov], amount: 1}", "modes: [poe_private], amount: 1}")
    text += ("scenarios:\n  - {id: S, probability: 1, arcs: [{id: pov2, from: border, "
             "to: nyc, mode: poe_private}]}\n")
    assert_refused(tmp_path, text, "scenario 'S': action 'close_pov' effect #1 (cut_capacity)",
                   "arcs", "arc 'pov2' has unlimited capacity")


def test_scenario_seizure_plus_raise_may_not_exceed_one(tmp_path):
    assert_refused(tmp_path, scenario("arcs: [{id: pov, seizure: 0.96}]"),
                   "scenario 'S': action 'scan'", "effects",
                   "seizure probability of arc 'pov' for 'fentanyl' can reach 1.01 > 1")


@pytest.mark.parametrize("override,field,message", [
    ("arcs: [{id: pov, capacity: -1}]", "capacity", "must be ≥ 0"),
    ("arcs: [{id: pov, seizure: 1}]", "seizure", "must be < 1"),
    ("arcs: [{id: pov, cost: 1.0e+15}]", "cost", "must be ≤ 1e\\+12 in magnitude"),
    ("supplies: [{node: china, commodity: precursor, amount: .nan}]", "amount", "NaN"),
])
def test_scenario_numbers_have_the_base_ranges(tmp_path, override, field, message):
    record = "scenario 'S' arc 'pov'" if override.startswith("arcs") else \
        "scenario 'S' supply #1 (node 'china', commodity 'precursor')"
    assert_refused(tmp_path, scenario(override), record, field, message)


# ------------------------------------------------------------------ hostile YAML / JSON

BOMB = "".join(
    f"  - &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" if i
    else "  - &l0 [x, x, x, x, x, x, x, x, x]\n"
    for i in range(9))


@pytest.mark.parametrize("where", ["description", "nodes"])
def test_alias_bomb_is_refused_without_expanding(tmp_path, where):
    """Nine levels of nine aliases would expand to 9^9 ≈ 387 million nodes."""
    if where == "description":
        text = VALID.replace("name: small\n", "name: small\nnotes:\n" + BOMB
                             + "description: *l8\n")
    else:
        text = VALID.replace("nodes:\n", "notes:\n" + BOMB + "nodes:\n  - *l8\n")
    line = assert_refused(tmp_path, text, "file", None, "YAML aliases here expand to more "
                          "than 100,000 extra nodes")
    assert len(line) < 300


def test_small_aliases_are_fine(tmp_path):
    text = VALID.replace("levels: [{cost: {usd: 1}}", "levels: [{cost: &one {usd: 1}}") \
        .replace("cost: {usd: 1}\n    effects: [{type: cut_capacity",
                 "cost: *one\n    effects: [{type: cut_capacity")
    assert "*one" in text
    path, res = invoke(tmp_path, text, "validate")
    assert res.exit_code == 0, res.output


def test_rejected_values_are_quoted_short(tmp_path):
    """A description that is a long list is reported, quoting at most 80 characters."""
    text = VALID.replace("name: small\n", "name: small\ndescription: [" +
                         ", ".join(["word"] * 5000) + "]\n")
    line = assert_refused(tmp_path, text, "file", "description", "must be text, got ")
    quoted = line.split("got ", 1)[1]
    assert len(quoted) <= QUOTE_CHARS and quoted.endswith("…")


def test_quote_never_expands():
    shared: list = ["x"] * 9
    for _ in range(9):
        shared = [shared] * 9  # 9^10 leaves if expanded
    assert len(quote(shared)) <= QUOTE_CHARS
    loop: list = []
    loop.append(loop)
    assert quote(loop) == "[…]"
    assert quote("short") == "'short'"


def test_recursive_alias_is_refused(tmp_path):
    text = VALID.replace("name: small\n", "name: small\nnotes: &a [1, *a]\n")
    assert_refused(tmp_path, text, "file", None, "refers to a node that contains it")


@pytest.mark.parametrize("old,new,record,field,message", [
    ("amount: [0.02, 0.05]}", "amount: }", "action 'scan' effect #1", "amount",
     "is empty: 'raise_seizure' needs an amount"),
    ("amount: [0.02, 0.05]}", "amount: null}", "action 'scan' effect #1", "amount",
     "is empty"),
    ("amount: [0.02, 0.05]}", "amount: [0.02, null]}", "action 'scan' effect #1", "amount",
     "is required"),
    ("amount: [0.02, 0.05]}", "amount: [0.02, '']}", "action 'scan' effect #1", "amount",
     "must be a number"),
    ("capacity: 60,", "capacity: " + "9" * 400 + ",", "arc 'truck'", "capacity",
     "is far too large"),
    ("capacity: 60,", "capacity: " + "9" * 5000 + ",", "arc 'truck'", "capacity",
     "is far too large"),
    ("capacity: 60,", "capacity: 1.0e+999,", "arc 'truck'", "capacity", "is far too large"),
    ("capacity: 60,", "capacity: '1e999',", "arc 'truck'", "capacity", "is far too large"),
    ("{id: nyc, kind: market}", "{id: nyc, kind: market, values: {fentanyl: 3, 1: 2}}",
     "node 'nyc'", "values", "unknown commodity '1'"),
    ("{id: nyc, kind: market}", "{id: nyc, kind: market, values: {fentanyl: 3, null: 2}}",
     "file", None, "a key must be text, got None"),
    ("  - {id: nyc, kind: market}\n", "  - {id: nyc, kind: market}\n  - ? [a, b]\n    : 3\n",
     "file", None, "a key must be text, not a list or mapping"),
    ("cost: 0.1}", "cost: 1.0e+15}", "arc 'truck'", "cost", r"must be ≤ 1e\+12 in magnitude"),
    ("value: 10}", "value: 1.0e+300}", "commodity 'fentanyl'", "value",
     r"must be ≤ 1e\+12 in magnitude"),
    ("budget: 2}", "budget: 1.0e+20}", "resource 'usd'", "budget", r"≤ 1e\+12"),
    ("cost: 0.1}", "cost: 1.0e-12}", "arc 'truck'", "cost", r"must be 0 or ≥ 1e-09"),
    # in range one by one, out of range multiplied (HiGHS refused the model, naming nothing)
    ("value: 10}", "value: 1.0e+12, load: 1.0e-4}", "commodity 'fentanyl'", "load",
     r"1e\+16 per load unit: the MILP would need coefficients above 1e\+15"),
])
def test_located_errors_instead_of_tracebacks_or_silence(tmp_path, old, new, record, field,
                                                         message):
    assert old in VALID
    assert_refused(tmp_path, VALID.replace(old, new, 1), record, field, message)


def test_values_multiplied_through_recipe_yields_must_stay_in_the_solver_range(tmp_path):
    """value 1e11 per kg of fentanyl, 1e5 kg of it per kg of precursor: a kg of precursor
    is worth 1e16, a coefficient HiGHS refuses."""
    text = VALID.replace("value: 10}", "value: 1.0e+11}").replace("yield: 0.5,", "yield: 1.0e+5,")
    assert_refused(tmp_path, text, "commodity 'precursor'", "value",
                   r"a unit can be worth up to 1e\+16 \(values through recipe yields\)")


def as_json(text: str) -> str:
    import yaml

    return json.dumps(yaml.safe_load(text), indent=1)


def test_json_duplicate_keys_are_refused_with_their_line(tmp_path):
    text = as_json(VALID).replace('"id": "truck",', '"id": "truck", "cost": 5,', 1)
    line = assert_refused(tmp_path, text, "file", "cost", "duplicate key", name="inst.json")
    truck_line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"truck"' in ln)
    assert int(line.split(":")[1]) in (truck_line - 1, truck_line)  # the object's '{'


def test_json_errors_have_lines_like_yaml(tmp_path):
    text = as_json(VALID.replace("capacity: 60,", "capacity: -5,"))
    line = assert_refused(tmp_path, text, "arc 'truck'", "capacity", "must be ≥ 0",
                          name="inst.json")
    assert int(line.split(":")[1]) > 1


def test_json_deep_nesting_is_refused(tmp_path):
    text = as_json(VALID)[:-1] + ', "notes": ' + "[" * 5000 + "]" * 5000 + "}"
    assert_refused(tmp_path, text, "file", None, "nested too deeply", name="inst.json")


@pytest.mark.slow
def test_recipe_chain_of_1200_steps_loads_and_a_long_cycle_is_found(tmp_path):
    chain = [f"c{i}" for i in range(1201)]
    comms = "".join(f"  - {{id: {c}}}\n" for c in chain)
    recipes = "".join(f"  - {{node: lab, input: {a}, output: {b}, yield: 1}}\n"
                      for a, b in zip(chain, chain[1:]))
    text = VALID.replace("commodities:\n", "commodities:\n" + comms) \
        .replace("recipes:\n", "recipes:\n" + recipes)
    path, res = invoke(tmp_path, text, "validate")
    assert res.exit_code == 0, res.output
    cycle = text.replace("recipes:\n", "recipes:\n  - {id: back, node: lab, input: c1200, "
                         "output: c0, yield: 1}\n")
    assert_refused(tmp_path, cycle, "recipe 'back'", "output", "recipes form a cycle")


def test_oversized_document_is_refused(tmp_path, monkeypatch):
    from optimizer.instance import loader

    monkeypatch.setattr(loader, "MAX_DOCUMENT_CHARS", len(VALID) - 1)
    path, res = invoke(tmp_path, VALID, "validate")
    assert res.exit_code == 1
    assert re.search(re.escape(str(path)) + r": file: is [\d,]+ characters long; the limit is",
                     res.output)


# ------------------------------------------------------------------ Gallery layouts

MAX_FLOW_ARCS = "StartNode,EndNode,Capacity,Attackable\nStart,B,10,1\nB,End,5,1\n"
NODES = "Node\nStart\nB\nEnd\n"


@pytest.mark.parametrize("files,bad_file,field", [
    ({"sample_arcs_data.csv": "StartNode,EndNode,Capacity,Cost,Attackable\nStart,B,10,1,1\n"
      "B,End,5,2,1\n", "sample_nodes_data.csv": "Node,SupplyDemand\nStart,-5\nB,0\nEnd,5\n"},
     "sample_arcs_data.csv", "Cost"),  # min-cost flow
    ({"sample_arcs_data.csv": MAX_FLOW_ARCS, "sample_nodes_data.csv": NODES,
      "sample_arcs_commodity_data.csv": "StartNode,EndNode,Commodity,Cost\nStart,B,A,1\n"},
     "sample_arcs_commodity_data.csv", None),  # multi-commodity
])
def test_other_gallery_layouts_are_refused(tmp_path, files, bad_file, field):
    folder = tmp_path / "gallery"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    res = CliRunner().invoke(main, ["validate", str(folder)])
    assert res.exit_code == 1, res.output
    where = re.escape(str(folder / bad_file)) + r":1: header" + \
        (re.escape(f", field '{field}'") if field else "")
    assert re.search(where + r": this looks like the Gallery's .* only the max-flow layout",
                     res.output), res.output
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, ["solve", str(folder), "--json", str(out)])
    assert res.exit_code == 1 and not out.exists()


def test_max_flow_gallery_still_reads(tmp_path):
    folder = tmp_path / "gallery"
    folder.mkdir()
    (folder / "arcs.csv").write_text(MAX_FLOW_ARCS)
    (folder / "nodes.csv").write_text(NODES)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["solve", str(folder), "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["value_before"] == pytest.approx(5.0) and data["value_after"] == pytest.approx(0.0)
