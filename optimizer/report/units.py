"""The one number formatter: every figure a user reads goes through here.

- ``quantity(x, unit)``: a model number with its unit, in the unit's base and with a scale
  word past a million: ``US$ 6.15 billion``, ``3,018 kg``, ``1.2 thousand pills``,
  ``US$ 200 million per year``, ``12.5 overdose deaths per year``.
- ``amount(x, unit)``: the same number without the unit's name, for a table cell under a
  header that names it (``header("after", unit)`` → ``after (pills)``).
- ``number(y)``: a bare number (thousands separators; million/billion/trillion past 10⁶;
  significant digits below 1000; never e-notation; below ``NOISE`` in the file's units,
  0).
- ``pct(f)``: a fraction as a percentage; ``sci(v)``: a tolerance as ``10⁻⁶``.
- ``axis(values, unit)``: the factor and label of a plot axis (``US$ billion``).

Units are ``optimizer.instance.units.Unit`` (a base name and a scale); text such as
``"thousand pills"`` is parsed into one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ..instance.units import SCALE_WORDS, Unit

__all__ = ["FRACTION", "Unit", "amount", "axis", "csv_header", "header", "number", "pct",
           "quantity", "sci", "with_unit"]

#: magnitudes below this print as 0: the solver's noise floor (HiGHS works to 10⁻⁷–10⁻⁹, and
#: the reader refuses non-zero data below 10⁻⁹)
NOISE = 1e-9

_BIG = sorted(((v, k) for k, v in SCALE_WORDS.items() if v >= 1e6), reverse=True)
_WORD = dict(_BIG)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def as_unit(unit: Unit | str | None) -> Unit:
    if unit is None:
        return Unit()
    return unit if isinstance(unit, Unit) else Unit.parse(unit)


def _sig(v: float, digits: int) -> str:
    """``v`` (non-zero, finite) to ``digits`` significant digits, thousands separators,
    trailing zeros dropped, never an exponent."""
    mag = math.floor(math.log10(abs(v)))
    dec = max(0, digits - 1 - mag)
    s = f"{v:,.{dec}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _special(y: float | None) -> str | None:
    if y is None:
        return "—"
    if math.isnan(y):
        return "undefined"
    if math.isinf(y):
        return "unlimited" if y > 0 else "-unlimited"
    return None


def number(y: float | None, digits: int = 3, *, signed: bool = False) -> str:
    """A bare number: ``6.15 billion``, ``3,018``, ``0.0213`` (module docstring)."""
    sp = _special(y)
    if sp is not None:
        return sp
    assert y is not None
    sign = "+" if signed and y > 0 else ""
    a = abs(y)
    if a < NOISE:
        return "0"
    for w, word in _BIG:
        if a >= w:
            s = _sig(y / w, digits)
            rounded = float(s.replace(",", ""))
            if abs(rounded) >= 1000 and w < _BIG[0][0]:  # 999.96 million → 1.00 billion
                s, word = _sig(rounded / 1000, digits), _WORD[w * 1000]
            return f"{sign}{s} {word}"
    if a >= 1000:
        return f"{sign}{y:,.0f}"
    return sign + _sig(y, digits)


def amount(x: float | None, unit: Unit | str | None = None, digits: int = 3, *,
           signed: bool = False) -> str:
    """``x`` model units as a number of the unit's base (no name): a unit with a scale word
    keeps it below a million (``1.2 thousand`` of ``thousand pills``)."""
    u = as_unit(unit)
    sp = _special(x)
    if sp is not None:
        return sp
    assert x is not None
    if abs(x) < NOISE:
        return "0"
    y = x * u.scale
    if u.scale > 1 and u.scale_word in SCALE_WORDS and u.scale <= abs(y) < 1e6:
        return f"{'+' if signed and x > 0 else ''}{_sig(x, digits)} {u.scale_word}"
    return number(y, digits, signed=signed)


def with_unit(num: str, unit: Unit | str | None) -> str:
    """Put a formatted number and its unit together: a currency before (``US$ 6.15
    billion per year``), any other name after (``3,018 kg``)."""
    u = as_unit(unit)
    if u.currency:
        sign = num[0] if num[:1] in ("+", "-") else ""
        return sign + " ".join(x for x in (u.currency, num[len(sign):], u.rest) if x)
    return f"{num} {u.name}" if u.name else num


def quantity(x: float | None, unit: Unit | str | None = None, digits: int = 3, *,
             signed: bool = False, exact: bool = False) -> str:
    """``x`` model units with the unit (module docstring). ``exact``: every digit up to 10
    significant ones, in the base unit, with no scale word (for certificates)."""
    if x is None:
        return "—"
    if exact and _special(x) is None:
        u = as_unit(unit)
        y = x * u.scale
        num = "0" if abs(x) < NOISE else _sig(y, max(10, digits))
        return with_unit(("+" if signed and y > 0 else "") + num, u)
    return with_unit(amount(x, unit, digits, signed=signed), unit)


def header(title: str, unit: Unit | str | None, *, model: bool = False) -> str:
    """A column title naming the unit its cells are in: ``after (pills)`` for cells of
    ``amount`` (the base unit), or with ``model`` the unit's label (``usd_m (US$ million
    per year)``) for cells of ``number`` in the file's own units."""
    u = as_unit(unit)
    name = u.label if model else u.name
    return f"{title} ({name})" if name else title


#: the unit of a ratio written as a number between 0 and 1 (a reduction, a relative gap)
FRACTION = Unit("fraction")


def csv_header(columns: Sequence[str], units: Mapping[str, Unit]) -> list[str]:
    """A CSV's header row: each column that has a unit in ``units`` titled with it in the
    file's own units (``value (US$ thousand)``, ``budget_usd_m (US$ million per year)``),
    the others as they are; the order kept."""
    return [header(c, units[c], model=True) if c in units else c for c in columns]


def pct(f: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.207`` → ``20.7%``."""
    if f is None:
        return "—"
    return f"{f * 100:{'+' if signed else ''}.{digits}f}%"


def sci(v: float) -> str:
    """A small positive number for a tolerance: ``1e-6`` → ``10⁻⁶``, ``2.5e-7`` →
    ``2.5 × 10⁻⁷``; ordinary numbers as ``number``."""
    if v == 0 or _special(v) is not None or 1e-3 <= abs(v) < 1e6:
        return number(v, 3)
    exp = math.floor(math.log10(abs(v)))
    mant = v / 10 ** exp
    power = "10" + str(exp).translate(_SUPERSCRIPT)
    if abs(mant - round(mant)) < 1e-9 and round(mant) == 1:
        return ("-" if v < 0 else "") + power
    return f"{_sig(mant, 3)} × {power}"


def axis(values: Iterable[float], unit: Unit | str | None = None) -> tuple[float, str]:
    """(divisor, label) for a plot axis of ``values`` in ``unit``: the model numbers divided
    by the divisor read in the label's unit (``US$ billion``, ``thousand pills``, ``kg``)."""
    u = as_unit(unit)
    top = max((abs(v) for v in values if math.isfinite(v)), default=0.0) * u.scale
    scale = 1.0
    for w, _ in _BIG:
        if top >= w:
            scale = w
            break
    else:
        if u.scale > 1 and top >= u.scale:
            scale = u.scale
    return scale / u.scale, Unit(u.name, scale).label or "units"
