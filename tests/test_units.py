"""Units as data: the format's ``units`` block (read, validated, written) and the one
number formatter every report uses (hand-written expected text)."""

from __future__ import annotations

import pytest
import yaml

from optimizer.errors import InstanceError
from optimizer.instance.reader import read_instance_text
from optimizer.instance.units import InstanceUnits, Unit, Units
from optimizer.instance.writer import instance_to_dict
from optimizer.report.units import amount, axis, header, number, pct, quantity, sci

from helpers import EXAMPLE

# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("text, unit, label", [
    ("US$ thousand", Unit("US$", 1e3), "US$ thousand"),
    ("US$ thousand per year", Unit("US$ per year", 1e3), "US$ thousand per year"),
    ("thousand pills", Unit("pills", 1e3), "thousand pills"),
    ("US$ million per year", Unit("US$ per year", 1e6), "US$ million per year"),
    ("kg", Unit("kg"), "kg"),
    ("overdose deaths per year", Unit("overdose deaths per year"), "overdose deaths per year"),
    # a scale word later in the text is part of the name
    ("teams per thousand people", Unit("teams per thousand people"),
     "teams per thousand people"),
])
def test_unit_text_is_parsed_into_name_and_scale(text, unit, label):
    assert Unit.parse(text) == unit
    assert unit.label == label


# ----------------------------------------------------------------------------- formatter


@pytest.mark.parametrize("x, unit, text", [
    (6_050_359, "US$ thousand per year", "US$ 6.05 billion per year"),
    (3018.4, "kg", "3,018 kg"),
    (1.2, "thousand pills", "1.2 thousand pills"),
    (91_480.1, "thousand pills", "91.5 million pills"),
    (0.5, "thousand pills", "500 pills"),
    (200, "US$ million per year", "US$ 200 million per year"),
    (12.53, "overdose deaths per year", "12.5 overdose deaths per year"),
    (2.477e-06, "kg", "0.00000248 kg"),
    (5.551e-17, "US$ thousand", "US$ 0"),  # below the solver's noise floor
    (0.0, "kg", "0 kg"),
    (999_999_999, "US$", "US$ 1 billion"),
    (4_795_301, "US$ thousand per year", "US$ 4.8 billion per year"),
    (5, "US$ thousand", "US$ 5 thousand"),
    (None, "kg", "—"),
    (float("inf"), "kg", "unlimited kg"),
])
def test_quantity(x, unit, text):
    assert quantity(x, unit) == text


def test_quantity_exact_signed_and_digits():
    assert quantity(4_795_301.3391, "US$ thousand", exact=True) == "US$ 4,795,301,339"
    assert quantity(3053.5512, "kg", exact=True) == "3,053.5512 kg"
    assert quantity(-1468.7, "kg", signed=True) == "-1,469 kg"
    assert quantity(1468.7, "kg", signed=True) == "+1,469 kg"
    assert quantity(4_795_301, "US$ thousand", 4) == "US$ 4.795 billion"


def test_amount_header_number_pct_sci():
    assert amount(91_480.1, "thousand pills") == "91.5 million"
    assert header("after", "thousand pills") == "after (pills)"
    assert header("value", Unit()) == "value"
    assert number(1234567) == "1.23 million"
    assert number(999.96) == "1,000"
    assert number(0.125) == "0.125"
    assert pct(0.2071) == "20.7%" and pct(-0.325, signed=True) == "-32.5%"
    assert sci(1e-6) == "10⁻⁶" and sci(2.5e-7) == "2.5 × 10⁻⁷" and sci(6) == "6"


def test_axis_picks_a_scale_word():
    assert axis([6.05e6, 4.79e6], "US$ thousand per year") == (1e6, "US$ billion per year")
    assert axis([91_480], "thousand pills") == (1e3, "million pills")
    assert axis([500], "thousand pills") == (1.0, "thousand pills")
    assert axis([3000], "kg") == (1.0, "kg")


# ----------------------------------------------------------------------------- the format


def _with(units: str) -> str:
    """The commented example with its ``units`` line replaced."""
    text = EXAMPLE.read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("units:"))
    return text.replace(line, units)


def test_units_block_is_read_and_written_back():
    inst = read_instance_text(_with('units: {value: "US$ thousand per year", '
                                    'harm: overdose deaths per year}'))
    assert inst.units == InstanceUnits(Unit("US$ per year", 1e3),
                                       Unit("overdose deaths per year"))
    written = instance_to_dict(inst)["units"]
    assert written == {"value": "US$ thousand per year", "harm": "overdose deaths per year"}
    again = read_instance_text(yaml.safe_dump(instance_to_dict(inst)))
    assert again.units == inst.units
    mapping = read_instance_text(_with("units: {value: {name: EUR, scale: 1000000}}"))
    assert mapping.units.value == Unit("EUR", 1e6)
    assert mapping.units.harm == InstanceUnits().harm


def test_units_default_when_absent():
    inst = read_instance_text(_with(""))
    assert inst.units == InstanceUnits()
    assert "units" not in instance_to_dict(inst)
    u = Units.of(inst)
    assert u.value.label == "value units" and u.commodity("pills") == Unit("pills", 1e3)
    assert u.resource("usd_m") == Unit("US$", 1e6)
    assert Units.from_dict(u.to_dict()) == u


def test_bad_units_are_located():
    at = 1 + next(i for i, ln in enumerate(EXAMPLE.read_text().splitlines())
                  if ln.startswith("units:"))
    with pytest.raises(InstanceError) as err:
        read_instance_text(_with("units: {value: {name: x, scale: 7}, harm: 3, bad: 1}"))
    text = str(err.value)
    assert f"<text>:{at}: units, field 'bad': unknown field (allowed: harm, value)" in text
    assert (f"<text>:{at}: units value, field 'scale': must be one of 1, 1000, 1e6, 1e9, 1e12, "
            "got 7") in text
    assert f"<text>:{at}: units, field 'harm': must be text or {{name, scale}}, got 3" in text
    with pytest.raises(InstanceError, match="units: must be a mapping"):
        read_instance_text(_with("units: 5"))


def test_units_of_an_instance_built_in_memory():
    """optimizer.build.network takes the file's units block and checks it as the reader
    does; the solve summary prints the value in it (by hand: one lane of 3 units worth 1
    each: US$ 3 thousand)."""
    from optimizer import solve
    from optimizer.build import arc, network, node, supply
    from optimizer.report.text import render_solve

    records = dict(nodes=["s", node("t", "market", values={"flow": 1})],
                   arcs=[arc("s", "t", capacity=3)], supplies=[supply("s")])
    inst = network(**records, units={"value": "US$ thousand", "harm": "deaths"})
    assert inst.units == InstanceUnits(Unit("US$", 1e3), Unit("deaths"))
    assert "smuggler's value US$ 3 thousand before" in render_solve(solve(inst))
    assert network(**records).units == InstanceUnits()
    with pytest.raises(InstanceError) as err:
        network(**records, units={"valu": "US$", "harm": ""})
    text = str(err.value)
    assert "units, field 'valu': unknown field (allowed: harm, value)" in text
    assert "units, field 'harm': must name a unit" in text
