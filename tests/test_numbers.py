"""Every number of an instance can be named by its key, read and set (instance/numbers.py):
set one number and exactly that number changes in the written file."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pytest

from optimizer.instance import writer
from optimizer.instance.numbers import NumberKeyError, locate, set_number
from optimizer.instance.reader import read_instance_text
from optimizer.studies.uncertainty import draw_sample

RICH = textwrap.dedent("""\
    name: rich
    resources:
      - {id: usd, budget: 2}
    commodities:
      - {id: fentanyl, unit: kg, value: 10}
      - {id: precursor, unit: kg}
    nodes:
      - {id: china, kind: source}
      - {id: lab, kind: lab, capacity: 500}
      - {id: border, kind: crossing}
      - {id: nyc, kind: market, lat: 40.7, lon: -74, values: {fentanyl: 12},
         harm: {fentanyl: 3}}
      - {id: la, kind: hub}
    recipes:
      - {id: synth, node: lab, input: precursor, output: fentanyl, yield: 0.5, capacity: 50}
    markets:
      - {node: la, good: doses, accepts: {fentanyl: 2},
         curve: [{up_to: 10, price: 9}, {up_to: 30, price: 4}]}
    supplies:
      - {node: china, commodity: precursor, amount: 100}
      - {node: china, commodity: fentanyl, curve: [{up_to: 5, cost: 1}, {up_to: 9, cost: 3}]}
    arcs:
      - {id: sea, from: china, to: lab, capacity: 80, seizure: 0.05}
      - {id: truck, from: lab, to: border, capacity: 60, cost: 0.1}
      - {id: pov, from: border, to: nyc, mode: poe_private, capacity: 40, seizure: 0.01}
      - {id: to_la, from: border, to: la, capacity: 20}
    actions:
      - id: scan
        levels: [{cost: {usd: 1}}, {cost: {usd: 2}}]
        effects: [{type: raise_seizure, arcs: [pov], amount: [0.02, 0.05]}]
      - id: close_pov
        cost: {usd: 1}
        effects: [{type: cut_capacity, arcs: [pov], amount: 1}]
    uncertainty: {risk: cvar, cvar_alpha: 0.8}
    scenarios:
      - {id: calm, probability: 0.5, arcs: [{id: sea, seizure: 0.1, cost: 2}],
         nodes: [{id: nyc, values: {fentanyl: 11}}, {id: lab, capacity: 90}],
         commodities: [{id: fentanyl, value: 9}], recipes: [{id: synth, yield: 0.4}]}
      - {id: ship, probability: 0.5,
         shipment: {origin: china, destination: nyc, commodity: precursor, amount: 2, value: 3}}
    """)


def rich():
    return read_instance_text(RICH, "rich.yaml")


def written_numbers(inst) -> dict[str, float]:
    """Every number the writer writes, by its key."""
    seen: dict[str, float] = {}
    original = writer._number_writer

    def recording(i):
        num = original(i)

        def write(v: float, key: str) -> Any:
            seen[key] = v
            return num(v, key)
        return write

    writer._number_writer = recording
    try:
        writer.instance_to_dict(inst)
    finally:
        writer._number_writer = original
    return seen


def leaves(obj: Any, path: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        return {k: v for key, val in obj.items() for k, v in leaves(val, f"{path}/{key}").items()}
    if isinstance(obj, list):
        return {k: v for i, val in enumerate(obj) for k, v in leaves(val, f"{path}[{i}]").items()}
    return {path: obj}


#: numbers left at their defaults, which the writer leaves out (still settable)
DEFAULTS = {"arcs/truck/seizure": 0.0, "arcs/sea/cost": 0.0, "nodes/lab/values/fentanyl": 0.0,
            "commodities/precursor/harm": 0.0}


def test_every_number_can_be_set_alone():
    inst = rich()
    numbers = written_numbers(inst)
    assert len(numbers) > 40 and "markets/la:doses/curve/2/price" in numbers
    for key, default in DEFAULTS.items():
        assert locate(inst, key).value == default
    base = leaves(writer.instance_to_dict(inst))
    for key, value in {**numbers, **DEFAULTS}.items():
        new_value = 0.375 if value != 0.375 else 0.25
        changed = set_number(inst, key, new_value)
        assert locate(changed, key).value == new_value, key
        after = leaves(writer.instance_to_dict(changed))
        diff = {k for k in base.keys() | after.keys() if base.get(k) != after.get(k)}
        assert len(diff) == 1, (key, diff)
        assert after[diff.pop()] == new_value, key


def test_a_curve_piece_sets_the_supply_amount():
    inst = set_number(rich(), "supplies/china/fentanyl/curve/2/up_to", 12)
    sup = next(s for s in inst.supplies if s.commodity == "fentanyl")
    assert sup.amount == 12 and [p.up_to for p in sup.curve] == [5, 12]


@pytest.mark.parametrize("key, message", [
    ("routes/sea/seizure", "unknown section 'routes'"),
    ("arcs/ferry/seizure", "no record 'ferry' in section 'arcs'"),
    ("arcs/sea/speed", "arcs 'sea' has no number 'speed'"),
    ("arcs/sea/mode", "field 'mode' of arcs 'sea' is text, not a number"),
    ("nodes/nyc/kind", "is text, not a number"),
    ("supplies/china/fentanyl/amount", "has a cost curve"),
    ("markets/la:doses/curve/3/price", "its curve has pieces 1 to 2"),
    ("actions/scan/effects/1/level3/amount", "actions 'scan' has no number"),
    ("scenarios/calm/arcs/pov/seizure", "overrides no number"),
])
def test_keys_that_name_no_number(key, message):
    with pytest.raises(NumberKeyError, match=message):
        locate(rich(), key)


def test_monte_carlo_samples_curve_and_market_numbers():
    """Uncertain numbers on curves (once ignored, or an error) are sampled and set."""
    text = RICH.replace("{up_to: 30, price: 4}", "{up_to: 30, price: {value: 4, range: [3, 5]}}")
    text = text.replace("{up_to: 9, cost: 3}", "{up_to: 9, cost: {value: 3, range: [2.5, 3.5]}}")
    inst = read_instance_text(text.split("uncertainty:")[0], "mc.yaml")
    _, sample = draw_sample(inst, np.random.default_rng(1))
    price = sample.markets[0].curve[1].price
    cost = next(s for s in sample.supplies if s.curve).curve[1].price
    assert 3 <= price <= 5 and price != 4 and 2.5 <= cost <= 3.5 and cost != 3
    assert next(s for s in sample.supplies if s.commodity == "fentanyl").curve[0].price == 1


def test_patch_replaces_numbers_in_place():
    """Scalars, block-style {value, source} and numbers with a distribution are replaced in
    the text, the rest (comments, layout, the distribution) kept; a number the file does not
    write cannot be patched."""
    from optimizer.instance.patch import patch_numbers

    text = textwrap.dedent("""\
        # a comment
        arcs:
          - {id: a, from: x, to: y, seizure: 0.1}   # lane a
          - id: b
            from: x
            to: y
            seizure:
              value: 0.2
              source: "old note"
          - {from: y, to: z, seizure: {value: 0.3, range: [0.2, 0.4], source: "r"}}
        """)
    out = patch_numbers(text, {"arcs/a/seizure": (0.15, "n1"), "arcs/b/seizure": (0.25, "n2"),
                               "arcs/y->z/seizure": (0.35, "n3")})
    assert out == textwrap.dedent("""\
        # a comment
        arcs:
          - {id: a, from: x, to: y, seizure: {value: 0.15, source: "n1"}}   # lane a
          - id: b
            from: x
            to: y
            seizure:
              {value: 0.25, source: "n2"}
          - {from: y, to: z, seizure: {value: 0.35, range: [0.2, 0.4], source: "n3"}}
        """)
    assert patch_numbers(text, {"arcs/a/cost": (1.0, "n")}) is None
    assert patch_numbers(text, {"arcs/q/seizure": (1.0, "n")}) is None
