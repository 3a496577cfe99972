"""Units reach every output: the solve summary and its JSON, the planning tables and their
JSON, the plot axes, the horizon summary, sweep and pictures; no Python dict repr and no
e-notation in what a user reads; saa lists each plan once and calls a negative gap estimate
noise."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.compile.network import Plan
from optimizer.instance.reader import load_instance
from optimizer.instance.units import Units
from optimizer.report.uncertainty import render_saa
from optimizer.studies.uncertainty import SAAResult, Summary

from helpers import EXAMPLE, HORIZON_YAML, substitution

E_NOTATION = re.compile(r"\d[eE][+-]?\d")


def _clean_text(text: str) -> None:
    assert not E_NOTATION.search(text), E_NOTATION.findall(text)
    assert "{'" not in text and "': " not in text  # no Python dict repr


def test_solve_text_and_json_carry_units(tmp_path):
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["solve", str(EXAMPLE), "--json", str(out)])
    assert res.exit_code == 0, res.output
    text = res.output
    _clean_text(text)
    # the example's value is 3,907.71 US$ thousand before and 3,007.927 after (the JSON's
    # figures, in the file's units), printed in US$ with a scale word
    data = json.loads(out.read_text())
    assert round(data["value_before"], 2) == 3907.71 and round(data["value_after"], 3) == 3007.927
    assert "smuggler's value US$ 3.91 million before → US$ 3.01 million after" in text
    assert data["units"]["value"] == {"name": "US$", "scale": 1000.0, "label": "US$ thousand"}
    assert data["units"]["commodities"]["pills"]["label"] == "thousand pills"
    assert data["units"]["resources"]["usd_m"]["label"] == "US$ million"
    assert "costs: usd_m in US$ million; mx_teams in teams" in text
    assert "262 thousand pills" in text  # deliveries in their unit
    explained = data["explanation"]["actions"]
    assert {a["action"] for a in explained} == set(data["plan"])


def test_planning_tables_and_json_carry_units(tmp_path):
    runner = CliRunner()
    js = tmp_path / "m.json"
    res = runner.invoke(main, ["marginal", str(EXAMPLE), "--step", "usd_m=3", "--executor",
                               "serial", "--no-store", "--json", str(js)])
    assert res.exit_code == 0, res.output
    _clean_text(res.output)
    assert "At budgets mx_teams = 1 teams, usd_m = US$ 30 million: smuggler's value US$" \
        in res.output
    assert json.loads(js.read_text())["units"]["value"]["label"] == "US$ thousand"
    res = runner.invoke(main, ["target", str(EXAMPLE), "-r", "usd_m", "--reduce", "value",
                               "20%", "--executor", "serial", "--no-store"])
    assert res.exit_code == 0, res.output
    _clean_text(res.output)
    assert "other budgets mx_teams = 1 teams" in res.output
    assert "Spend    mx_teams = 0 teams, usd_m = US$ 25 million" in res.output


def test_plot_axes_carry_units(tmp_path):
    from optimizer.planning.sweep import SweepSpec, run_sweep
    from optimizer.report.plots import sweep_figure

    inst = load_instance(EXAMPLE)
    result = run_sweep(inst, SweepSpec.values("usd_m", [0, 13, 31]))
    fig = sweep_figure(result, inst)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels[0] == "smuggler's value\n(US$ million)"
    assert labels[1:] == ["fentanyl\n(kg)", "pills\n(thousand pills)"]  # no harm: by id
    assert fig.axes[-1].get_xlabel() == "budget of usd_m (US$ million)"
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    fig.canvas.draw()
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert ticks and not any(E_NOTATION.search(t) for t in ticks)
    assert all(ax.yaxis.get_offset_text().get_text() == "" for ax in fig.axes)


def test_saa_lists_each_plan_once_and_calls_a_negative_gap_noise():
    a, b = Plan.of({"x": 1}), Plan.of({"y": 1})
    res = SAAResult(plan=a, candidates=((a, 10.0, 12.0), (b, 11.0, 13.0), (a, 9.0, 12.0),
                                        (a, 14.0, 12.0)),
                    lower_bound=Summary.of([10.0, 11.0, 9.0, 14.0]),
                    upper_bound=Summary(12.0, 1.0, (11.5, 12.5), {}), gap=-0.5,
                    gap_ci95_upper=4.0, samples=5, replications=4, eval_samples=30, seed=0)
    text = render_saa(res, Units.of(load_instance(EXAMPLE)))
    _clean_text(text)
    assert "sampling noise" in text and "the true gap is ≥ 0" in text
    rows = [ln for ln in text.splitlines() if ln.startswith("│ x@1") or ln.startswith("│ y@1")]
    assert len(rows) == 2
    assert re.search(r"│ x@1\s+│\s+3 of 4 │\s+9 thousand to 14 thousand │\s+12 thousand │",
                     text), text
    assert "Gap estimate  -US$ 500" in text


#: HORIZON_YAML with units: a value per year (summed over yearly periods: US$ thousand)
#: and a budget in US$ million.
HORIZON_UNITS_YAML = HORIZON_YAML.replace(
    "resources:", 'units: {value: "US$ thousand per year", harm: deaths per year}\nresources:',
    1).replace("{id: usd, budget: 2}", "{id: usd, budget: 2, unit: US$ million}")


def test_horizon_summary_json_and_picture_carry_units():
    from dataclasses import replace

    from optimizer.instance.reader import read_instance_text
    from optimizer.instance.units import Unit
    from optimizer.pipeline import solve_horizon
    from optimizer.report.horizon import horizon_figure, render_horizon

    inst = read_instance_text(HORIZON_UNITS_YAML, "h.yaml")
    r = solve_horizon(inst, budgets={"usd@total": 4})
    text = render_horizon(r, width=400)
    _clean_text(text)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["units"]["value"]["label"] == "US$ thousand per year"
    # the objective sums three yearly values: an amount, not a rate
    assert data["objective_unit"] == {"name": "US$", "scale": 1000.0, "label": "US$ thousand"}
    before = data["objective_before"]
    assert 100 <= before < 1000  # three significant digits: the whole number of thousands
    assert f"over the horizon US$ {before:.0f} thousand before → US$ " in text
    assert "value before (US$ per year)" in text and "fentanyl delivered (kg)" in text
    assert "usd spent / budget (carried) (US$ million)" in text
    assert "usd (US$ million) " in text  # the schedule's cost per period
    assert "of US$ 4 million over the horizon" in text
    # periods in quarters leave a value per year a rate
    assert replace(r, unit="quarter").total_unit == Unit("US$ per year", 1000.0)
    fig = horizon_figure(r)
    assert fig.axes[1].get_ylabel() == "smuggler's value per year\n(US$ thousand per year)"


def test_horizon_sweep_carries_units(tmp_path):
    from optimizer.instance.reader import read_instance_text
    from optimizer.planning.horizon_sweep import horizon_sweep_figure, sweep_horizon

    path = tmp_path / "h.yaml"
    path.write_text(HORIZON_UNITS_YAML)
    res = CliRunner().invoke(main, ["sweep", str(path), "--horizon", "-r", "usd@total",
                                    "--values", "0,2"])
    assert res.exit_code == 0, res.output
    _clean_text(res.output)
    assert "usd@total = US$ 2 million: US$ " in res.output
    sweep = sweep_horizon(read_instance_text(HORIZON_UNITS_YAML, "h.yaml"), "usd@total", [0, 2])
    ax = horizon_sweep_figure(sweep).axes[0]
    assert ax.get_xlabel() == "budget usd@total (US$ million)"
    assert ax.get_ylabel() == "discounted smuggler's value over the horizon\n(US$ thousand)"


def test_substitution_warning_in_units_once_per_plan():
    """substitution() by hand (tests/helpers.py): removing the heroin route (the zero-sum
    plan, and the heroin-focused plan) fills the border with fentanyl, 0 → 10 units under
    both tie-breaks (no ties: listed once); the harm plan (squeeze the border, chosen
    under both tie-breaks: listed once) raises nothing."""
    from optimizer.report.text import render_comparison
    from optimizer.studies.compare import compare_harm

    text = render_comparison(compare_harm(substitution(), focus=("heroin",)))
    _clean_text(text)
    warning = text[text.index("WARNING - substitution"):].splitlines()
    assert warning[1:] == [
        "  zero-sum plan (both tie-breaks): fentanyl delivered 0 unit → 10 unit (from none)",
        "  heroin-focused plan (both tie-breaks): fentanyl delivered 0 unit → 10 unit "
        "(from none)",
        "  raising none: harm plan"]


def _csv(path) -> tuple[list[str], list[dict[str, str]]]:
    import csv

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return list(rows[0]), rows


def test_sweep_and_frontier_csv_headers_name_their_units(tmp_path):
    """Each numeric column's header names its unit (the numbers are in the file's units:
    the JSON's), the columns in their fixed order."""
    runner = CliRunner()
    js, sc = tmp_path / "s.json", tmp_path / "s.csv"
    res = runner.invoke(main, ["sweep", str(EXAMPLE), "-r", "usd_m", "--values", "0,13",
                               "--executor", "serial", "--no-store", "-q", "--json", str(js),
                               "--csv", str(sc)])
    assert res.exit_code == 0, res.output
    cols, rows = _csv(sc)
    assert cols == ["budget_usd_m (US$ million)", "budget_mx_teams (teams)",
                    "value (US$ thousand)", "reduction (fraction)", "bound (US$ thousand)",
                    "gap (fraction)", "optimal", "spend_usd_m (US$ million)",
                    "spend_mx_teams (teams)", "delivered_fentanyl (kg)",
                    "delivered_pills (thousand pills)", "delivered_precursor (kg)", "plan"]
    points = json.loads(js.read_text())["points"]
    assert [float(r["value (US$ thousand)"]) for r in rows] == [p["value"] for p in points]
    assert [float(r["delivered_pills (thousand pills)"]) for r in rows] == \
        [p["delivered"]["pills"] for p in points]
    fc = tmp_path / "f.csv"
    res = runner.invoke(main, ["frontier", str(EXAMPLE), "-r", "usd_m", "--to", "13",
                               "--executor", "serial", "--no-store", "-q", "--json",
                               str(tmp_path / "f.json"), "--csv", str(fc)])
    assert res.exit_code == 0, res.output
    cols, rows = _csv(fc)
    assert cols == ["start (US$ million)", "end (US$ million)", "value (US$ thousand)",
                    "optimal_value (US$ thousand)", "spend_usd_m (US$ million)",
                    "spend_mx_teams (teams)", "delivered_fentanyl (kg)",
                    "delivered_pills (thousand pills)", "delivered_precursor (kg)", "plan"]
    steps = json.loads((tmp_path / "f.json").read_text())["steps"]
    assert [float(r["optimal_value (US$ thousand)"]) for r in rows] == \
        [s["optimal_value"] for s in steps]


def test_horizon_sweep_csv_headers_name_their_units(tmp_path):
    from optimizer.instance.reader import read_instance_text
    from optimizer.pipeline import solve_horizon

    path, sc = tmp_path / "h.yaml", tmp_path / "s.csv"
    path.write_text(HORIZON_UNITS_YAML)
    res = CliRunner().invoke(main, ["sweep", str(path), "--horizon", "-r", "usd@total",
                                    "--values", "2", "--csv", str(sc), "-q"])
    assert res.exit_code == 0, res.output
    cols, rows = _csv(sc)
    assert cols == ["usd@total (US$ million)", "objective_before (US$ thousand)",
                    "objective_after (US$ thousand)", "bound (US$ thousand)",
                    "gap (fraction)", "optimal", "schedule",
                    "value_after_2021 (US$ thousand per year)",
                    "value_after_2022 (US$ thousand per year)",
                    "value_after_2023 (US$ thousand per year)"]
    alone = solve_horizon(read_instance_text(HORIZON_UNITS_YAML, "h.yaml"),
                          budgets={"usd@total": 2})
    assert float(rows[0]["objective_after (US$ thousand)"]) == \
        pytest.approx(alone.objective_after, rel=1e-9)
    assert float(rows[0]["value_after_2023 (US$ thousand per year)"]) == \
        pytest.approx(alone.periods[2].value_after, rel=1e-9)


def test_nested_plans_note_carries_units():
    """The exact nested plans' note: their total value (each plan's value re-solved
    independently, summed) in the instance's value unit, never a bare number."""
    from optimizer import evaluate_plan
    from optimizer.planning.marginal import priority_list
    from optimizer.planning.session import PlanningSession
    from optimizer.report.units import quantity

    inst = load_instance(EXAMPLE)
    grid = [0.0, 13.0, 31.0]
    pl = priority_list(PlanningSession(inst), "usd_m", grid, method="exact")
    note = pl.notes[0]
    _clean_text(note)
    total = sum(evaluate_plan(inst, Plan.of(g["plan"]), budgets={"usd_m": b})
                for g, b in zip(pl.grid, grid))
    figure = quantity(total, Units.of(inst).value, 6)
    assert figure.startswith("US$ ") and figure.endswith(" million")
    assert note.startswith(f"exact nested plans: total value over the 3 budgets {figure} "
                           "(proven optimal, proven bound on the total US$ "), note


def test_target_notes_carry_units(tmp_path):
    """A commodity target's notes (printed under the target) give the cap and the fewest
    units delivered in the commodity's unit."""
    from optimizer import solve
    from optimizer.report.units import quantity

    runner = CliRunner()
    js = tmp_path / "t.json"
    res = runner.invoke(main, ["target", str(EXAMPLE), "-r", "usd_m", "--reduce", "pills",
                               "50%", "--executor", "serial", "--no-store",
                               "--json", str(js)])
    assert res.exit_code == 0, res.output
    _clean_text(res.output)
    t = json.loads(js.read_text())
    pills = Units.of(load_instance(EXAMPLE)).commodity("pills")
    before = solve(EXAMPLE).before.delivered_by_commodity["pills"]
    assert t["limit"] == pytest.approx(0.5 * before, rel=1e-9)
    cap = quantity(t["limit"], pills, 6)
    assert cap.endswith(" thousand pills")
    assert f"Note     cheapest plan with pills delivered at most {cap} (pessimistic " \
           "response)" in res.output
    res = runner.invoke(main, ["target", str(EXAMPLE), "-r", "usd_m", "--reduce", "pills",
                               "99%", "--executor", "serial", "--no-store",
                               "--json", str(js)])
    assert res.exit_code == 0, res.output
    t = json.loads(js.read_text())
    assert not t["reached"]
    assert f"Note     fewest pills delivered: {quantity(t['best_level'], pills, 6)} " \
           "(pessimistic response)" in res.output
