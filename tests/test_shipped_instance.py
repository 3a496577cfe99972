"""The shipped Mexico–United States instance: valid, fully sourced (each citation of the
paper names a section that holds the footnote it cites), its no-action baseline meeting the
paper's observations, the paper's warnings visible (substitution, violence), solvable end to
end exactly as the README says."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from optimizer import SolveOptions, load_instance, solve
from optimizer.certify.response import solve_smuggler
from optimizer.cli import main
from optimizer.compile.network import Plan, compile_instance
from optimizer.instance.scenarios import scenario_instances

from helpers import ROOT, SHIPPED, assert_certified

ALLOWED_SOURCES = ("paper", "assumption", "geography")
CALIBRATED = "calibrated (interdict calibrate"

#: the paper's sections as the instance names them (shared/seed/fending-off-fentanyl-2020.md),
#: with the footnotes standing in each (None: a section without footnotes). A subsection's
#: footnotes also belong to its section (Policy options holds Interdiction as …).
SECTIONS: dict[str, tuple[int, int] | None] = {
    "Executive summary": None, "Introduction": (1, 5), "Background": (6, 14),
    "Poppy/Overview of supply": (16, 23), "Poppy/Existing policy": (24, 32),
    "Poppy/Policy options": (33, 49), "Poppy/Eradication": None,
    "Poppy/Alternative livelihoods": (33, 41), "Poppy/Legalization": (42, 49),
    "Fentanyl smuggling and production": (50, 74), "Fentanyl/Overview of supply": (50, 63),
    "Fentanyl/Existing policy": (64, 64), "Fentanyl/Policy options": (65, 74),
    "Fentanyl/Interdiction as disruption": (68, 71),
    "Fentanyl/Interdiction as deterrence": (72, 74),
    "Conclusion": None, "Recommendations": None,
}


def citation_problems(note: str) -> list[str]:
    """A note that mentions the paper must name one of its sections, and every footnote it
    cites ("fn 55", "fn 52-54", "fn 50 and fn 56") must stand in a section it names."""
    if not re.search(r"\bpaper\b", note, re.I):
        return []
    named = [s for s in SECTIONS if s in note]
    if not named:
        return [f"names no section of the paper: {note!r}"]
    out = []
    for group in re.findall(r"\bfn\s*([\d\s,–\-and]+\d|\d)", note):
        for n in map(int, re.findall(r"\d+", group)):
            if not any((r := SECTIONS[s]) and r[0] <= n <= r[1] for s in named):
                out.append(f"fn {n} stands in none of {named}: {note!r}")
    return out


def test_citation_check_catches_a_wrong_section():
    assert citation_problems("paper, Fentanyl/Overview of supply (fn 55)") == []
    assert citation_problems("paper, Fentanyl/Overview of supply (fn 52-54)") == []
    assert citation_problems("assumption: a guess") == []
    assert citation_problems("assumption: checkpoints (paper, Background)") == []
    assert citation_problems("paper fn 55")  # no section
    assert citation_problems("paper, Background (fn 27)")  # fn 27 is in Poppy/Existing policy
    assert citation_problems("paper, Poppy/Alternative livelihoods (fn 51)")


def test_shipped_instance_is_valid_and_complete():
    inst = load_instance(SHIPPED)
    kinds = {n.kind for n in inst.nodes}
    assert {"source", "seaport", "lab", "pill_press", "poppy", "market"} <= kinds
    modes = {a.mode for a in inst.arcs}
    assert {"poe_private", "poe_commercial", "drone", "tunnel", "wall_breach", "maritime",
            "parcel", "sea_container"} <= modes
    # five ports of entry, two lanes each (README)
    lanes = [a for a in inst.arcs if a.mode in ("poe_private", "poe_commercial")]
    assert len(lanes) == 10 and len({(a.source, a.target) for a in lanes}) == 5
    assert {"usd_m", "mx_capacity"} <= {r.id for r in inst.resources if r.kind == "budget"}
    violence = next(r for r in inst.resources if r.id == "violence")
    assert violence.kind == "outcome" and violence.budget == float("inf")
    assert {e.type for a in inst.actions for e in a.effects} == {
        "remove", "cut_capacity", "raise_seizure", "raise_cost", "cut_supply"}
    assert any(len(a.levels) > 1 for a in inst.actions)
    # the paper's scan rates bound the lanes' seizure probabilities (fn 67)
    for a in lanes:
        assert a.seizure <= (0.02 if a.mode == "poe_private" else 0.16)
    # CJNG holds the three ports, Sinaloa the others (paper, fn 63)
    holder = {a.id: inst.arc_holder(a) for a in inst.arcs}
    nodes = {n.id: n for n in inst.nodes}
    for a in inst.arcs:
        if a.source in ("mx_manzanillo", "mx_lazaro_cardenas", "mx_veracruz"):
            assert holder[a.id] == "CJNG"
        if a.source in ("mx_mazatlan", "mx_topolobampo"):
            assert holder[a.id] == "Sinaloa Cartel"
    assert nodes["press_small_dto"].organization == "smaller groups"
    # every U.S. hub buys doses of opioid, into which heroin, fentanyl and pills convert
    hubs = {n.id for n in inst.nodes if n.kind == "market" and n.country == "USA"}
    assert hubs == {"us_los_angeles", "us_phoenix", "us_denver", "us_chicago", "us_new_york"}
    assert {m.node for m in inst.markets} == hubs
    for m in inst.markets:
        assert m.good == "opioid_doses"
        assert set(m.accepts) == {"heroin_kg", "fentanyl_kg", "pills"}
        assert [p.price for p in m.curve] == sorted((p.price for p in m.curve), reverse=True)
    # producers on rising cost curves: Chinese fentanyl 'unlimited' beyond demand
    fen = next(s for s in inst.supplies if s.node == "cn_fentanyl")
    assert len(fen.curve) >= 2 and fen.curve[-1].up_to >= 1e5
    # focused deterrence: a penalty on fentanyl (not heroin) on the legs CJNG holds
    deter = next(a for a in inst.actions if a.id == "us_focused_deterrence")
    assert {e.type for e in deter.effects} == {"raise_cost"}
    for e in deter.effects:
        assert e.targets.organizations == ("CJNG",)
        assert "heroin_kg" not in e.targets.commodities
    # the 2018 heroin production potential: 1,060 t of opium at the farm-gate price
    first = sum(s.curve[0].up_to for s in inst.supplies if s.commodity == "opium_kg")
    assert first == pytest.approx(1_060_000)


def _source_problems(src: str) -> list[str]:
    """The note starts with paper/assumption/geography - or says the number was
    calibrated, and then the note it had before does - and cites the paper by section."""
    if src.startswith(CALIBRATED):
        before = src.split(" — ", 1)
        if len(before) != 2 or "fitted to observations" not in src:
            return [f"calibrated note without what it was fitted to or was: {src!r}"]
        src = before[1]
    if not src.startswith(ALLOWED_SOURCES):
        return [f"source {src!r}"]
    return citation_problems(src)


def _numbers_without_source(node, path="") -> list[str]:
    """Every number must be written {value: …, source: "paper…|assumption…|geography…"}
    (or "calibrated … — <one of those>"), and its citations of the paper must hold."""
    bad = []
    if isinstance(node, dict):
        if "value" in node and isinstance(node["value"], (int, float)) \
                and not isinstance(node["value"], bool):
            bad.extend(f"{path}: {p}" for p in _source_problems(str(node.get("source", ""))))
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
    # observations and parameters carry their figures' source or reason per record
    assert _numbers_without_source({k: v for k, v in doc.items()
                                    if k not in ("observations", "parameters")}) == []
    # every observation cites the paper by section and footnote; every parameter says why
    # it is uncertain
    for o in doc["observations"]:
        assert o["source"].startswith("paper, ") and citation_problems(o["source"]) == [], o
    for p in doc["parameters"]:
        assert len(p["reason"]) > 20 and citation_problems(p["reason"]) == [], p
    # the calibrated numbers say so, and what they were fitted to
    fitted = [p["field"] for p in doc["parameters"]]
    inst = load_instance(SHIPPED)
    assert len(fitted) >= 6
    for key in fitted:
        assert inst.sources[key].startswith(CALIBRATED), key
    # and the test itself catches an unsourced number, a bad note and a wrong section
    doc["arcs"][0]["capacity"] = 5
    assert _numbers_without_source(doc)
    assert _source_problems("calibrated (interdict calibrate): 3, fitted to observations a; "
                            "was 2 — paper fn 55")
    assert _source_problems("assumption: Mexican checkpoints (paper, Introduction, fn 8)")


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
    for res, spent in data["spend"].items():  # an unlimited outcome's budget is "inf"
        assert spent <= float(data["budgets"][res]) + 1e-9
    assert data["budgets"]["violence"] == "inf" and data["spend"]["violence"] > 0
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


def test_validate_strict_meets_every_observation():
    """`interdict validate --strict` (the calibrated baseline against the paper's figures)."""
    res = CliRunner().invoke(main, ["validate", "--strict", str(SHIPPED)])
    assert res.exit_code == 0, res.output
    doc = yaml.safe_load(SHIPPED.read_text())
    assert len(doc["observations"]) >= 10
    assert f"{len(doc['observations'])} of {len(doc['observations'])} observation(s) met" \
        in res.output


def _expected_delivered(inst, plan: dict[str, int]) -> dict[str, float]:
    """Units delivered per commodity under ``plan``, expected over the scenarios (the
    smuggler's LP solved afresh in each)."""
    out: dict[str, float] = {}
    for sc, sub in scenario_instances(inst):
        net = compile_instance(sub)
        sol = solve_smuggler(net, Plan.of(plan).binaries(net))
        d = np.bincount(net.del_comm, weights=sol.delivered, minlength=net.n_comms)
        for k, cid in enumerate(net.comm_ids):
            out[cid] = out.get(cid, 0.0) + sc.probability * float(d[k])
    return out


#: fentanyl in a thousand pills (the press yield: 400 thousand pills per kg)
FENTANYL_PER_THOUSAND_PILLS = 1 / 400


def _fentanyl(d: dict[str, float]) -> float:
    return d["fentanyl_kg"] + FENTANYL_PER_THOUSAND_PILLS * d["pills"]


def test_heroin_side_actions_push_the_smuggler_into_fentanyl():
    """The paper's warning (Conclusion) on the shipped instance: eradication, alternative
    livelihoods and heroin lab raids cut heroin delivered, and the hubs' demand for doses,
    no longer met by heroin, is met by more fentanyl (powder and pills)."""
    inst = load_instance(SHIPPED)
    none = _expected_delivered(inst, {})
    heroin_side = _expected_delivered(inst, {"poppy_eradication": 2, "alternative_livelihoods": 1,
                                             "raid_heroin_labs": 1})
    assert heroin_side["heroin_kg"] < 0.95 * none["heroin_kg"]
    assert heroin_side["fentanyl_kg"] > none["fentanyl_kg"]
    assert _fentanyl(heroin_side) > 1.02 * _fentanyl(none)
    # and the reverse: purging the CJNG ports (fentanyl side) raises heroin delivered
    ports = _expected_delivered(inst, {"cleanse_port_manzanillo": 1, "cleanse_port_lazaro": 1,
                                       "cleanse_port_veracruz": 1})
    assert ports["fentanyl_kg"] < none["fentanyl_kg"]
    assert ports["heroin_kg"] >= none["heroin_kg"] - 1e-6


def _violence(inst, plan: dict[str, int]) -> float:
    acts = {a.id: a for a in inst.actions}
    return sum(acts[a].levels[lv - 1].cost.get("violence", 0.0) for a, lv in plan.items())


@pytest.mark.slow
def test_high_value_targeting_causes_more_violence_and_stops_less():
    """The paper (Fentanyl/Interdiction as disruption): high-value targeting 'inflamed the
    criminal market in Mexico and intensified violence' and did not cut flows; middle-layer
    arrests reduce the trade-off. In the optimal plan, swapping middle-layer targeting of
    Sinaloa for high-value targeting (one Mexican team fewer) raises the violence from 3 to
    9 and leaves the smuggler more."""
    inst = load_instance(SHIPPED)
    best = solve(inst)
    plan = best.plan.as_dict()
    assert plan.get("middle_layer_sinaloa") == 1 and "high_value_targeting" not in plan
    swapped = {**{a: lv for a, lv in plan.items() if a != "middle_layer_sinaloa"},
               "high_value_targeting": 1}
    assert _violence(inst, plan) == 3 and _violence(inst, swapped) == 9
    assert best.spend["violence"] == 3
    from optimizer.planning.session import PlanningSession

    session = PlanningSession(inst)
    assert session.evaluate(Plan.of(swapped)).value > best.value_after + session.tol


@pytest.mark.slow
def test_frontier_over_violence_trades_flow_for_violence(tmp_path):
    """`interdict frontier -r violence` over the outcome (unlimited by default): the
    smuggler's value falls in steps as more violence is allowed; with none allowed the plan
    takes no violent action."""
    out = tmp_path / "f.json"
    res = CliRunner().invoke(main, ["frontier", str(SHIPPED), "-r", "violence", "--to", "3",
                                    "--pieces", "1", "--executor", "serial", "--no-store",
                                    "--quiet", "--json", str(out)])
    assert res.exit_code == 0, res.output
    fr = json.loads(out.read_text())
    inst = load_instance(SHIPPED)
    assert len(fr["breakpoints"]) >= 2
    values = [s["optimal_value"] for s in fr["steps"]]
    assert values == sorted(values, reverse=True) and values[0] > values[-1] * 1.05
    first = fr["steps"][0]
    assert first["start"] == 0 and _violence(inst, first["point"]["plan"]) == 0
    for s in fr["steps"]:
        assert _violence(inst, s["point"]["plan"]) <= s["end"] + 1e-9


BELIEFS = ROOT / "instances" / "mexico_us_beliefs.yaml"


def test_beliefs_variant_is_the_shipped_network_plus_beliefs():
    """instances/mexico_us_beliefs.yaml is the shipped instance without scenarios,
    observations, parameters and horizon, plus a covert action and replacement values: the records
    must stay equal (edit both files together)."""
    from dataclasses import replace

    main_inst, var = load_instance(SHIPPED), load_instance(BELIEFS)
    assert not var.scenarios and not var.observations and not var.parameters
    for part in ("resources", "nodes", "arcs", "recipes", "supplies", "markets", "groups"):
        assert getattr(var, part) == getattr(main_inst, part), part
    assert tuple(replace(c, replacement=0.0) for c in var.commodities) == main_inst.commodities
    covert = [a for a in var.actions if a.id not in {b.id for b in main_inst.actions}]
    assert [a.id for a in covert] == ["covert_poe_detection"]
    untimed = tuple(replace(a, timing=None, levels=tuple(replace(lv, timing=None)
                                                          for lv in a.levels))
                    for a in main_inst.actions)  # the variant has no horizon
    assert tuple(a for a in var.actions if a.id != "covert_poe_detection") == untimed
    assert var.has_beliefs and not main_inst.has_beliefs


def test_covert_detection_costs_the_smuggler_more_than_it_believes():
    """The covert capability of the variant: the smuggler does not see it, so its believed
    value and its plan stay those of no action, while the true value falls by at least the
    replacement of the extra kilograms seized on the lanes it planned (by hand from the
    no-action response: Σ 0.03 · f_{a,k} · r_k over the ports of entry, fentanyl and
    pills), the optimistic tie-break counting the least favourable of its optimal plans."""
    from optimizer.certify.evaluate import OutcomeEvaluator
    from optimizer.pipeline import as_problem

    inst = load_instance(BELIEFS)
    problem = as_problem(inst)
    ev = OutcomeEvaluator(problem, "value", "optimistic")
    none, covert = ev(Plan.of({})), ev(Plan.of({"covert_poe_detection": 1}))
    assert covert.value == pytest.approx(none.value, rel=1e-9)  # what it believes
    net = compile_instance(inst)
    base = solve_smuggler(net, None)
    rep = {c.id: c.replacement for c in inst.commodities}
    lanes = {a.id for a in inst.arcs if a.mode in ("poe_private", "poe_commercial")}
    drop = sum(0.03 * f * rep[net.comm_ids[k]]
               for f, a, k in zip(base.flow, net.fc_arc, net.fc_comm)
               if net.arc_ids[a] in lanes and net.comm_ids[k] in ("fentanyl_kg", "pills"))
    assert drop > 1e4
    assert covert.objective <= none.objective - drop + 1e-6 * none.objective
    assert none.objective == pytest.approx(none.value, rel=1e-9)  # nothing unseen: true = believed


@pytest.mark.slow
def test_heroin_focused_plan_raises_fentanyl_and_the_harm_plan_does_not():
    """`interdict solve --scenario status_quo --objective harm --focus heroin_kg --tie
    optimistic`: the plan that minimises heroin delivered pushes the smuggler into fentanyl
    (more kilograms delivered than with no action), the warning says so, and the harm plan
    delivers less fentanyl than no action and the least harm of the plans compared."""
    from optimizer.instance.scenarios import materialize
    from optimizer.report.text import render_comparison
    from optimizer.studies.compare import compare_harm

    inst = load_instance(SHIPPED)
    quo = materialize(inst, next(s for s in inst.scenarios if s.id == "status_quo"))
    comp = compare_harm(quo, modes=("optimistic",), focus=("heroin_kg",))
    by = {o.label: o for o in comp.outcomes}
    none, focus = by["no action"], by["heroin_kg-focused plan"]
    harm, zero = by["harm plan (optimistic)"], by["zero-sum plan"]
    assert focus.delivered["heroin_kg"] < 0.9 * none.delivered["heroin_kg"]
    assert focus.delivered["fentanyl_kg"] > 1.05 * none.delivered["fentanyl_kg"]
    assert harm.delivered["fentanyl_kg"] < none.delivered["fentanyl_kg"]
    assert _fentanyl(harm.delivered) < _fentanyl(none.delivered)
    assert harm.total_harm < min(none.total_harm, focus.total_harm, zero.total_harm)
    rises = {(s.label, s.commodity) for s in comp.shifts()}
    assert ("heroin_kg-focused plan", "fentanyl_kg") in rises
    assert ("harm plan (optimistic)", "fentanyl_kg") not in rises
    text = render_comparison(comp)
    assert "WARNING - substitution" in text
    assert re.search(r"heroin_kg-focused plan \(optimistic ties\): fentanyl_kg delivered "
                     r"[\d,.]+ kg → [\d,.]+ kg \(\+\d+\.\d%\)", text)


@pytest.mark.slow
def test_beliefs_variant_solves_certified():
    """The README's `interdict solve instances/mexico_us_beliefs.yaml --tie optimistic`: one
    bilevel MILP, proven optimal and certified (the smuggler's LP on its beliefs and its
    least favourable optimal response re-solved)."""
    from optimizer.formulation import PerceivedOutcome
    from optimizer.options import Objective, Tie

    r = solve(BELIEFS, formulation=PerceivedOutcome(Objective.VALUE, Tie.OPTIMISTIC))
    assert r.optimal and r.beliefs is not None
    assert r.beliefs.after.true_value < r.beliefs.before.true_value
    assert_certified(r)
