"""Calibration recovers known parameters (observations computed by hand from known seizure
rates, the file's rates perturbed); ``interdict calibrate`` writes the calibrated file with
notes, and nothing when an observation stays outside its tolerance (unless --force)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from optimizer.cli import main
from optimizer.instance.reader import load_instance, read_instance_text
from optimizer.studies.calibrate import calibrate
from optimizer.studies.observe import baseline_quantities, readings

from helpers import LANES_YAML, TRUE_RATES, calibration_yaml

PERTURBED = {"sea": 0.3, "a": 0.2, "b": 0.05, "c": 0.1}


def test_calibration_recovers_known_seizure_rates():
    """From rates (0.3, 0.2, 0.05, 0.1) the fit returns (0.1, 0.05, 0.2, 0.3): each lane's
    seizures identify its rate once every lane carries flow (at the perturbed start lane C
    carries none, so its rate does not move the misfit: a local search stalls there)."""
    inst = read_instance_text(calibration_yaml(PERTURBED, tolerance=0.01), "start.yaml")
    cal = calibrate(inst, method="de", seed=0, max_evals=1500)
    assert not cal.missed
    fitted = dict(zip((p.id for p in cal.parameters), cal.fitted))
    for k, v in TRUE_RATES.items():
        assert fitted[f"p_{k}"] == pytest.approx(v, abs=2e-3), k
    # the calibrated instance, evaluated afresh, reproduces every observation
    again = readings(cal.instance, baseline_quantities(cal.instance))
    assert all(r.met for r in again)
    assert [r.modelled for r in again] == pytest.approx([r.modelled for r in cal.after])
    assert cal.misfit_after < 1e-2 < cal.misfit_before
    # what each rate moves between its bounds (the others as fitted), by hand: p_sea = 0.5
    # leaves 50 kg for A and B (B then carries 10, C nothing); a lane's rate at a bound
    # re-orders B and C (per kg entering: B 10(1 − p_b) − 1, C 10(1 − p_c) − 2)
    assert cal.moves == {"p_sea": ("seized_sea", "seized_b", "seized_c"), "p_a": ("seized_a",),
                         "p_b": ("seized_b", "seized_c"), "p_c": ("seized_b", "seized_c")}


def test_calibration_is_deterministic_with_the_seed():
    inst = read_instance_text(LANES_YAML, "lanes.yaml")
    one = calibrate(inst, method="de", seed=3, max_evals=200)
    two = calibrate(inst, method="de", seed=3, max_evals=200)
    assert one.fitted == two.fitted and one.evaluations == two.evaluations


@pytest.mark.slow
def test_calibration_finds_a_value_on_a_plateau():
    """The commodity's value started at 2.5, where lane C (cost 2, p = 0.3) does not pay:
    (1 − 0.3)·2.5 < 2. The misfit is flat in the value until it passes 2/0.7; differential
    evolution finds a value beyond it and every observation is met."""
    text = calibration_yaml(PERTURBED, tolerance=0.01).replace("value: 10}]", "value: 2.5}]")
    text += "  - {id: value, field: commodities/fentanyl/value, bounds: [1, 20]}\n"
    cal = calibrate(read_instance_text(text, "plateau.yaml"), method="de", seed=0,
                    max_evals=2000)
    assert not cal.missed
    fitted = dict(zip((p.id for p in cal.parameters), cal.fitted))
    assert fitted["value"] > 2 / 0.7


def test_calibrate_writes_the_fitted_file_with_notes(tmp_path):
    src = tmp_path / "start.yaml"
    text = "# lanes after a sea leg (a comment the calibrated file keeps)\n" + calibration_yaml(
        PERTURBED, tolerance=0.01)
    src.write_text(text)
    out = tmp_path / "fitted.yaml"
    res = CliRunner().invoke(main, ["calibrate", str(src), "-o", str(out), "--max-evals",
                                    "1500"])
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.output
    # the text is kept; only the four fitted numbers' lines differ
    changed = [(a, b) for a, b in zip(text.splitlines(), out.read_text().splitlines()) if a != b]
    assert len(changed) == 4 and all("seizure: {value:" in b for _, b in changed)
    assert re.search(r"p_c\s+│ arcs/c/seizure\s+│ \[0.01, 0.5\]\s+│\s+0.1 │\s+0.3\d* │", res.output)
    assert re.search(r"seized_c\s+│ 6 ± 0.06 │\s+0 │\s+6\S* │ kg\s+│ met", res.output)
    fitted = load_instance(out)
    note = fitted.sources["arcs/c/seizure"]
    assert note.startswith("calibrated (interdict calibrate --method de --seed 0): 0.3")
    assert "fitted to observations seized_b, seized_c, within bounds [0.01, 0.5]" in note
    assert note.endswith("was 0.1 — a guess")
    assert fitted.parameters and fitted.observations  # the file can be calibrated again
    check = CliRunner().invoke(main, ["validate", str(out), "--strict"])
    assert check.exit_code == 0 and "4 of 4 observation(s) met" in check.output


def test_calibrate_writes_nothing_when_it_cannot_fit(tmp_path):
    """Seized at the border wants p2 ≈ 0.2 (18 of 90 kg), a share of 0.5 wants p2 = 1/9:
    no p2 meets both."""
    text = LANES_YAML.replace("value: 0.6, tolerance: 0.05", "value: 0.5, tolerance: 0.01")
    src = tmp_path / "lanes.yaml"
    src.write_text(text)
    out = tmp_path / "fitted.yaml"
    res = CliRunner().invoke(main, ["calibrate", str(src), "-o", str(out), "--max-evals", "300"])
    assert res.exit_code == 3
    assert not out.exists() and list(tmp_path.iterdir()) == [src]
    assert re.search(r"seized_border: modelled [\d.]+ kg, observed 18 ± 1 kg: missed by "
                     r"[\d.]+ kg beyond the tolerance", res.output)
    assert "share_border: modelled" in res.output and "nothing written" in res.output
    res = CliRunner().invoke(main, ["calibrate", str(src), "-o", str(out), "--max-evals", "300",
                                    "--force"])
    assert res.exit_code == 0 and out.exists()
    assert "calibration leaves 2 observation(s) outside their tolerance" in res.output


def test_calibrate_needs_parameters(tmp_path):
    text = LANES_YAML.split("parameters:")[0]
    src = tmp_path / "lanes.yaml"
    src.write_text(text)
    res = CliRunner().invoke(main, ["calibrate", str(src)])
    assert res.exit_code == 1
    assert f"{src}: section 'parameters': calibration needs it" in res.output


def test_a_default_number_is_written_by_the_instance_writer(tmp_path):
    """Lane A's cost is left at its default (not written in the file): it cannot be
    replaced in place, so the whole file is written by the instance writer."""
    text = calibration_yaml(TRUE_RATES) + "  - {id: cost_a, field: arcs/a/cost, bounds: [0, 1]}\n"
    src = tmp_path / "start.yaml"
    src.write_text(text)
    out = tmp_path / "fitted.yaml"
    res = CliRunner().invoke(main, ["calibrate", str(src), "-o", str(out), "--method", "powell"])
    assert res.exit_code == 0, res.output
    assert "written by the instance writer" in res.output
    fitted = load_instance(out)
    assert fitted.sources["arcs/a/cost"].startswith("calibrated")
