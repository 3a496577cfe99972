"""Generators: same seed → identical file, valid instances, every effect type, CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from optimizer import compile_instance, load_instance
from optimizer.cli import main
from optimizer.instance.generators.grid import grid_instance, layered_instance
from optimizer.instance.validate import validate
from optimizer.instance.writer import write_instance


def _write(inst, path):
    write_instance(inst, path)
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["shortest_path", "max_flow"])
def test_grid_is_deterministic_and_valid(tmp_path, kind):
    a = _write(grid_instance(5, 4, budget=3, seed=7, kind=kind), tmp_path / "a.yaml")
    b = _write(grid_instance(5, 4, budget=3, seed=7, kind=kind), tmp_path / "b.yaml")
    c = _write(grid_instance(5, 4, budget=3, seed=8, kind=kind), tmp_path / "c.yaml")
    assert a == b
    assert a != c
    inst = load_instance(tmp_path / "a.yaml")  # validates
    # 5x4 grid: 5*3 horizontal + 4*4*2 vertical = 47 grid arcs, plus 5 + 5 terminal arcs
    assert len(inst.nodes) == 5 * 4 + 2
    assert len(inst.arcs) == 47 + 10
    assert len(inst.actions) == 47


@pytest.mark.parametrize("scale,seed", [(1, 0), (2, 3)])
def test_layered_is_deterministic_and_valid(tmp_path, scale, seed):
    a = _write(layered_instance(scale, seed=seed), tmp_path / "a.yaml")
    b = _write(layered_instance(scale, seed=seed), tmp_path / "b.yaml")
    assert a == b
    assert a != _write(layered_instance(scale, seed=seed + 1), tmp_path / "c.yaml")
    inst = load_instance(tmp_path / "a.yaml")
    assert validate(inst) == []
    assert len(inst.nodes) == 25 * scale
    kinds = {e.type for act in inst.actions for e in act.effects}
    assert kinds == {"remove", "cut_capacity", "raise_seizure", "raise_cost", "cut_supply"}
    modes = {a.mode for a in inst.arcs}
    assert {"poe_private", "poe_commercial", "drone"} <= modes
    assert len(inst.commodities) == 5 and len(inst.recipes) == 7 * scale
    net = compile_instance(inst)
    assert net.n_binaries > len(inst.actions)  # some actions have several levels


def test_layered_json_round_trip(tmp_path):
    inst = layered_instance(1, seed=2)
    write_instance(inst, tmp_path / "x.json")
    data = json.loads((tmp_path / "x.json").read_text())
    assert data["name"] == inst.name
    back = load_instance(tmp_path / "x.json")
    assert len(back.arcs) == len(inst.arcs) and len(back.actions) == len(inst.actions)


def test_layered_large_size_is_as_advertised():
    inst = layered_instance(400, fan_in=10)
    assert len(inst.nodes) == 10_000
    assert len(inst.arcs) >= 50_000


def test_generate_cli(tmp_path):
    runner = CliRunner()
    out = tmp_path / "g.yaml"
    r = runner.invoke(main, ["generate", "grid", str(out), "--rows", "3", "--cols", "4",
                             "--budget", "2", "--seed", "1"])
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == _write(grid_instance(3, 4, budget=2, seed=1), tmp_path / "h.yaml")
    out2 = tmp_path / "l.json"
    r = runner.invoke(main, ["generate", "layered", str(out2), "--scale", "1", "--seed", "4"])
    assert r.exit_code == 0, r.output
    assert load_instance(out2).name == "layered-s1-f4-seed4"


def test_generate_cli_rejects_bad_arguments_without_writing(tmp_path):
    runner = CliRunner()
    out = tmp_path / "bad.yaml"
    r = runner.invoke(main, ["generate", "layered", str(out), "--scale", "0"])
    assert r.exit_code == 2
    assert "--scale" in r.output
    assert not out.exists()
    r = runner.invoke(main, ["generate", "grid", str(out), "--rows", "3", "--cols", "3",
                             "--budget", "-1"])
    assert r.exit_code == 2 and not out.exists()
    assert list(tmp_path.iterdir()) == []
