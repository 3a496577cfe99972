"""Seizures per arc and group, and observations against the no-action baseline, by hand
(``helpers.LANES_YAML``); ``interdict validate`` with observations; located errors for
every bad group, observation and parameter."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from optimizer import solve
from optimizer.cli import main
from optimizer.instance.reader import read_instance_text
from optimizer.studies.observe import baseline_quantities, readings

from helpers import LANES_YAML

APPROX = {"rel": 1e-9, "abs": 1e-9}


def lanes(text: str = LANES_YAML):
    return read_instance_text(text, "lanes.yaml")


def test_seizures_per_arc_and_group_by_hand():
    """100 kg over lane1 (p = 0.1) then lane2 (p = 0.2): 10 and 18 kg seized; pills 5 and
    9 (thousand). The plan (scan: p2 = 0.3) seizes 0.3 · 90 = 27 kg on lane2."""
    r = solve(lanes())
    assert r.plan.as_dict() == {"scan": 1}
    before, after = r.before, r.after
    assert before.seized_by_arc == pytest.approx(
        {("lane1", "fentanyl"): 10, ("lane1", "pills"): 5, ("lane2", "fentanyl"): 18,
         ("lane2", "pills"): 9}, **APPROX)
    assert after.seized_by_arc[("lane2", "fentanyl")] == pytest.approx(27, **APPROX)
    g = before.seized_by_group
    # border: the arc lane2; at_mid: arcs arriving at mid (lane1); mexico: arriving at src or
    # mid; us and markets: arriving at hub; cjng: arcs leaving mid (its holder); pov: mode
    expect = {"border": (18, 9), "at_mid": (10, 5), "mexico": (10, 5), "us": (18, 9),
              "markets": (18, 9), "cjng": (18, 9), "pov": (18, 9)}
    for group, (fent, pills) in expect.items():
        assert g[(group, "fentanyl")] == pytest.approx(fent, **APPROX), group
        assert g[(group, "pills")] == pytest.approx(pills, **APPROX), group
    assert before.delivered_by_group == pytest.approx(
        {("us", "fentanyl"): 72, ("us", "pills"): 36, ("markets", "fentanyl"): 72,
         ("markets", "pills"): 36}, **APPROX)
    data = json.loads(r.to_json())
    row = next(x for x in data["before"]["seized"]
               if x["arc"] == "lane2" and x["commodity"] == "pills")
    assert row["unit"] == "thousand pills" and row["units"] == pytest.approx(9)
    grow = next(x for x in data["after"]["seized_by_group"]
                if x["group"] == "border" and x["commodity"] == "fentanyl")
    assert grow["units"] == pytest.approx(27) and grow["unit"] == "kg"


def test_solve_summary_shows_seizures_with_units(tmp_path):
    path = tmp_path / "lanes.yaml"
    path.write_text(LANES_YAML)
    res = CliRunner().invoke(main, ["solve", str(path)])
    assert res.exit_code == 0, res.output
    text = res.output
    assert "Seized per arc and commodity" in text
    assert re.search(r"lane2\s+│\s+fentanyl\s+│\s+18 kg\s+│\s+27 kg\s+│", text)
    assert re.search(r"border\s+│\s+pills\s+│\s+9 thousand pills\s+│\s+13.5 thousand pills\s+│"
                     r"\s+0 pills\s+│\s+0 pills\s+│", text)


MEASURES = """\
observations:
  - {id: sd, measure: seized, group: border, commodity: fentanyl, value: 18, tolerance: 1}
  - {id: all_fent, measure: seized, commodity: fentanyl, value: 28, tolerance: 1}
  - {id: share, measure: seizure_share, group: border, commodity: fentanyl, value: 0.6,
     tolerance: 0.05}
  - {id: kg_eq, measure: seized, group: border, units: {pills: 0.1}, unit: kg, value: 18.9,
     tolerance: 0.1}
  - {id: ratio, measure: ratio, group: border, units: {pills: 0.1}, unit: kg,
     numerator: {measure: seized, commodity: pills},
     denominator: {measure: seized, commodity: [pills, fentanyl]}, value: 0.05, tolerance: 0.01}
  - {id: deliv, measure: delivered, group: us, commodity: pills, value: 36, tolerance: 1}
  - {id: dshare, measure: delivered_share, group: mexico, commodity: fentanyl, value: 0,
     tolerance: 0.1}
  - {id: mixed, measure: ratio, numerator: {measure: delivered, group: us, commodity: fentanyl},
     denominator: {measure: seized, group: border, commodity: pills}, value: 8, tolerance: 0.5}
"""


def with_observations(block: str) -> str:
    head = LANES_YAML.split("observations:")[0]
    return head + block + "parameters:" + LANES_YAML.split("parameters:")[1]


def test_measures_by_hand():
    """Shares and ratios of the hand-derived seizures: 18/28 of the fentanyl seized is at the
    border; in kg-equivalent (a thousand pills = 0.1 kg) the border seizes 18 + 0.9 kg, of
    which pills 0.9 / 18.9; 72 kg delivered per 9 thousand pills seized."""
    inst = lanes(with_observations(MEASURES))
    got = {r.observation.id: r for r in readings(inst, baseline_quantities(inst))}
    expect = {"sd": 18, "all_fent": 28, "share": 18 / 28, "kg_eq": 18.9, "ratio": 0.9 / 18.9,
              "deliv": 36, "dshare": 0, "mixed": 72 / 9}
    assert {k: r.modelled for k, r in got.items()} == pytest.approx(expect, **APPROX)
    units = {k: r.unit for k, r in got.items()}
    assert units == {"sd": "kg", "all_fent": "kg", "share": "share", "kg_eq": "kg",
                     "ratio": "ratio", "deliv": "thousand pills", "dshare": "share",
                     "mixed": "kg per thousand pills"}
    assert got["share"].met and got["share"].deviation == pytest.approx(18 / 28 - 0.6)
    assert got["mixed"].met  # 8 ± 0.5 holds exactly
    assert got["ratio"].misfit == pytest.approx(((0.9 / 18.9 - 0.05) / 0.01) ** 2)


def test_scenarios_weight_the_quantities():
    """lane2 seizes 0.5 in a scenario of probability 0.25: E[seized] = 0.75·18 + 0.25·45."""
    text = LANES_YAML.replace("groups:", "scenarios:\n"
                              "  - {id: calm, probability: 0.75}\n"
                              "  - {id: crackdown, probability: 0.25,\n"
                              "     arcs: [{id: lane2, seizure: 0.5}]}\n"
                              "groups:")
    inst = lanes(text)
    row = next(r for r in readings(inst, baseline_quantities(inst))
               if r.observation.id == "seized_border")
    assert row.modelled == pytest.approx(0.75 * 18 + 0.25 * 45, **APPROX)
    r = solve(inst)
    assert r.before.seized_by_arc[("lane2", "fentanyl")] == pytest.approx(24.75, **APPROX)


def run(tmp_path, text, *args):
    path = tmp_path / "inst.yaml"
    path.write_text(text)
    return path, CliRunner().invoke(main, ["validate", str(path), *args])


def test_validate_prints_observed_against_modelled(tmp_path):
    _, res = run(tmp_path, LANES_YAML)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "valid" in out.splitlines()[0]
    assert re.search(r"seized_border .* 18 ± 1 .* 18 .* kg .* met \(off by 0\) .* CBP", out)
    assert re.search(r"share_border .* 0.6 ± 0.05 .* 0.642857 .* share .* met \(off by "
                     r"\+0.04286\)", out)
    assert "3 of 3 observation(s) met" in out


def test_validate_miss_exits_0_but_1_with_strict(tmp_path):
    text = LANES_YAML.replace("value: 0.6, tolerance: 0.05", "value: 0.5, tolerance: 0.15")
    text = text.replace("value: 18,\n     tolerance: 1", "value: 20,\n     tolerance: 1")
    _, res = run(tmp_path, text)
    assert res.exit_code == 0, res.output
    assert re.search(r"seized_border .* MISSED by 1 \(off by -2, 2 tolerances\)", res.output)
    assert "1 observation(s) not met: seized_border" in res.output
    assert "--strict exits 1" in res.output
    _, res = run(tmp_path, text, "--strict")
    assert res.exit_code == 1
    assert "seized_border" in res.output and "exit 1 (--strict)" in res.output


# ---------------------------------------------------------------------------- bad input

OBS_LINE = ("  - {id: seized_border, measure: seized, group: border, commodity: fentanyl, "
            "value: 18,\n     tolerance: 1, source: \"CBP\"}")
PARAM_LINE = ("  - {id: p2, field: arcs/lane2/seizure, bounds: [0.05, 0.5], "
              "reason: \"scan rate unknown\"}")

BAD = [
    # (name, old, new, record, field, message)
    ("unknown group", OBS_LINE, OBS_LINE.replace("group: border", "group: tijuana"),
     "observation 'seized_border'", "group", r"unknown group 'tijuana' \(groups: at_mid, border"),
    ("unknown commodity", OBS_LINE, OBS_LINE.replace("commodity: fentanyl", "commodity: meth"),
     "observation 'seized_border'", "commodity", "unknown commodity 'meth'"),
    ("unknown measure", OBS_LINE, OBS_LINE.replace("measure: seized", "measure: seizures"),
     "observation 'seized_border'", "measure",
     "unknown measure 'seizures' \\(one of: seizure_share"),
    ("ratio part missing", "     numerator: {measure: seized, commodity: pills},\n", "",
     "observation 'pills_ratio'", "numerator", "a ratio needs a 'numerator'"),
    ("nested ratio", "numerator: {measure: seized, commodity: pills}",
     "numerator: {measure: ratio, commodity: pills}",
     "observation 'pills_ratio' numerator", "measure", "cannot be a ratio itself"),
    ("tolerance zero", OBS_LINE, OBS_LINE.replace("tolerance: 1", "tolerance: 0"),
     "observation 'seized_border'", "tolerance", "must be > 0, got 0"),
    ("tolerance negative", OBS_LINE, OBS_LINE.replace("tolerance: 1", "tolerance: -2"),
     "observation 'seized_border'", "tolerance", "must be > 0, got -2"),
    ("units mixed", OBS_LINE,
     OBS_LINE.replace("commodity: fentanyl", "commodity: [fentanyl, pills]"),
     "observation 'seized_border'", "units",
     r"different units \(kg: fentanyl; thousand pills: pills\)"),
    ("no commodity", OBS_LINE, OBS_LINE.replace("commodity: fentanyl", "commodity: []"),
     "observation 'seized_border'", "commodity", "names no commodity"),
    ("share without group", OBS_LINE, OBS_LINE.replace("measure: seized, group: border",
                                                       "measure: seizure_share"),
     "observation 'seized_border'", "group", "a seizure_share needs a group"),
    ("unknown group element", "  - {id: border, arcs: [lane2]}", "  - {id: border, arcs: [lane9]}",
     "group 'border'", "arcs", "unknown arc 'lane9'"),
    ("unknown field", PARAM_LINE, PARAM_LINE.replace("arcs/lane2/seizure", "arcs/lane2/seizur"),
     "parameter 'p2'", "field",
     "arc.* has no number 'seizur' \\(numbers: capacity, cost, seizure\\)"),
    ("unknown record", PARAM_LINE, PARAM_LINE.replace("arcs/lane2/seizure", "arcs/lane7/seizure"),
     "parameter 'p2'", "field", "no record 'lane7' in section 'arcs'"),
    ("not a number", PARAM_LINE, PARAM_LINE.replace("arcs/lane2/seizure", "arcs/lane2/mode"),
     "parameter 'p2'", "field", "field 'mode' of arcs 'lane2' is text, not a number"),
    ("bounds missing", PARAM_LINE, PARAM_LINE.replace(" bounds: [0.05, 0.5],", ""),
     "parameter 'p2'", "bounds", "is required: \\[low, high\\]"),
    ("bounds inverted", PARAM_LINE, PARAM_LINE.replace("[0.05, 0.5]", "[0.5, 0.05]"),
     "parameter 'p2'", "bounds", "low 0.5 must be below high 0.05 \\(inverted\\)"),
    ("bounds not two", PARAM_LINE, PARAM_LINE.replace("[0.05, 0.5]", "[0.05]"),
     "parameter 'p2'", "bounds", "must be a list \\[low, high\\] of two numbers"),
    ("bound outside range", PARAM_LINE, PARAM_LINE.replace("[0.05, 0.5]", "[0.05, 1]"),
     "parameter 'p2'", "bounds", "high bound 1 is outside the legal range of arcs/lane2/seizure: "
     "must be < 1, got 1"),
    ("bound breaks the file", PARAM_LINE, PARAM_LINE.replace("[0.05, 0.5]", "[0.05, 0.95]"),
     "parameter 'p2'", "bounds", "with arcs/lane2/seizure at its high bound 0.95 the file is "
     "invalid: action .scan.: seizure probability of arc .lane2. .* can reach 1.05 > 1"),
]


@pytest.mark.parametrize("name, old, new, record, field, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_located(tmp_path, name, old, new, record, field, message):
    assert old in LANES_YAML, name
    text = LANES_YAML.replace(old, new)
    path, res = run(tmp_path, text)
    assert res.exit_code == 1, res.output
    lines = text.splitlines()
    hits = [ln for ln in res.output.splitlines() if f"{record}, field '{field}'" in ln]
    assert hits, res.output
    m = re.match(rf"{re.escape(str(path))}:(\d+): ", hits[0])
    assert m, hits[0]
    line = int(m.group(1))
    rec_id = re.search(r"'([^']+)'", record).group(1)
    start = next(i for i, ln in enumerate(lines, 1) if f"id: {rec_id}," in ln)
    assert start <= line <= start + 2, (line, lines[line - 1])  # the record or its part
    assert re.search(message, hits[0]), hits[0]


def test_writer_round_trips_groups_observations_parameters():
    from optimizer.instance.writer import dump_yaml, instance_to_dict

    inst = lanes(with_observations(MEASURES))
    again = read_instance_text(dump_yaml(instance_to_dict(inst)), "again.yaml")
    assert again.groups == inst.groups
    assert again.observations == inst.observations
    assert again.parameters == inst.parameters


def test_bounds_stay_inside_a_numbers_distribution(tmp_path):
    text = LANES_YAML.replace('seizure: {value: 0.2, source: "scan rate x find rate"}',
                              'seizure: {value: 0.2, range: [0.1, 0.3], source: "scan rate"}')
    path, res = run(tmp_path, text)
    assert res.exit_code == 1
    line = 1 + text.splitlines().index(next(ln for ln in text.splitlines() if "id: p2" in ln))
    assert (f"{path}:{line}: parameter 'p2', field 'bounds': low bound 0.05 is outside the range "
            "[0.1, 0.3] of arcs/lane2/seizure's distribution") in res.output
    assert "high bound 0.5 is outside the range [0.1, 0.3]" in res.output
