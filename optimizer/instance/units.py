"""Units of an instance's figures: the smuggler's value, the planner's harm, each commodity
and each resource (docs/format.md, "Units").

A unit is a base name and a scale: the model's number x stands for x × scale of the base
unit. ``US$ thousand`` is ``Unit("US$", 1000)``; ``thousand pills`` is ``Unit("pills",
1000)``; ``US$ million per year`` is ``Unit("US$ per year", 1e6)``. A unit is written in the
file as text (the scale word read from it) or as ``{name, scale}``.

This module is plain data: the formatter that prints numbers with their units is
``optimizer.report.units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The scale words a unit's text may carry, and the scales a unit may have.
SCALE_WORDS: dict[str, float] = {"thousand": 1e3, "million": 1e6, "billion": 1e9,
                                 "trillion": 1e12}
SCALES: tuple[float, ...] = (1.0, *SCALE_WORDS.values())
_WORD_OF = {v: k for k, v in SCALE_WORDS.items()}

#: Leading tokens printed before the number (``US$ 6.15 billion``), not after it.
CURRENCY_SYMBOLS = ("$", "€", "£", "¥")


def is_currency(token: str) -> bool:
    """``US$``, ``MX$``, ``$``, ``€``, ``EUR``… : a token printed before the number."""
    return token.endswith(CURRENCY_SYMBOLS) or token in ("USD", "EUR", "MXN", "GBP", "CNY")


@dataclass(frozen=True)
class Unit:
    """``scale`` units of ``name`` per model unit (module docstring). An empty name is a
    bare number (``Unit()``: no unit)."""

    name: str = ""
    scale: float = 1.0

    @staticmethod
    def parse(text: str) -> "Unit":
        """``"US$ million per year"`` → ``Unit("US$ per year", 1e6)``: the first scale word
        (thousand, million …) among the first two tokens is the scale; the rest the name."""
        tokens = text.split()
        for i, tok in enumerate(tokens[:2]):
            if tok.lower() in SCALE_WORDS and (i == 0 or is_currency(tokens[0])):
                rest = tokens[:i] + tokens[i + 1:]
                return Unit(" ".join(rest), SCALE_WORDS[tok.lower()])
        return Unit(" ".join(tokens), 1.0)

    @property
    def currency(self) -> str:
        """The leading currency token of the name (``US$``), or ``""``."""
        head = self.name.split(" ", 1)[0]
        return head if head and is_currency(head) else ""

    @property
    def rest(self) -> str:
        """The name after its currency token (``per year`` of ``US$ per year``)."""
        cur = self.currency
        return self.name[len(cur):].strip() if cur else self.name

    @property
    def scale_word(self) -> str:
        return _WORD_OF.get(self.scale, "" if self.scale == 1 else f"× {self.scale:g}")

    @property
    def label(self) -> str:
        """The unit as a person writes it: ``US$ thousand``, ``thousand pills``,
        ``US$ million per year``."""
        word = self.scale_word
        if not word:
            return self.name
        if self.currency:
            return " ".join(x for x in (self.currency, word, self.rest) if x)
        return " ".join(x for x in (word, self.name) if x)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the name, the scale and the label (``{name: "US$", scale: 1000,
        label: "US$ thousand"}``)."""
        return {"name": self.name, "scale": self.scale, "label": self.label}

    def written(self) -> Any:
        """The file form: the label when it reads back to this unit, else ``{name, scale}``."""
        return self.label if Unit.parse(self.label) == self else {"name": self.name,
                                                                   "scale": self.scale}


#: What the smuggler's value and the planner's harm are counted in when a file says nothing.
DEFAULT_VALUE_UNIT = Unit("value units")
DEFAULT_HARM_UNIT = Unit("harm units")


@dataclass(frozen=True)
class InstanceUnits:
    """The file's top-level ``units``: the unit of the smuggler's value (and of every
    value, price and cost per unit), and of the planner's harm."""

    value: Unit = DEFAULT_VALUE_UNIT
    harm: Unit = DEFAULT_HARM_UNIT

    @property
    def is_default(self) -> bool:
        return self == InstanceUnits()


@dataclass(frozen=True)
class Units:
    """Every unit a result's figures carry: the value, the harm, each commodity's and each
    resource's (by id). ``Units.of(instance)`` reads them from an instance."""

    value: Unit = DEFAULT_VALUE_UNIT
    harm: Unit = DEFAULT_HARM_UNIT
    commodities: dict[str, Unit] = field(default_factory=dict)
    resources: dict[str, Unit] = field(default_factory=dict)

    @staticmethod
    def of(inst: Any) -> "Units":
        """The units of ``inst`` (an ``Instance``)."""
        return Units(inst.units.value, inst.units.harm,
                     {c.id: Unit.parse(c.unit) for c in inst.commodities},
                     {r.id: Unit.parse(r.unit) for r in inst.resources})

    def commodity(self, k: str) -> Unit:
        return self.commodities.get(k, Unit("units"))

    def resource(self, r: str) -> Unit:
        return self.resources.get(r, Unit())

    def to_dict(self) -> dict[str, Any]:
        """The ``units`` block of the JSON outputs."""
        return {"value": self.value.to_dict(), "harm": self.harm.to_dict(),
                "commodities": {k: u.to_dict() for k, u in sorted(self.commodities.items())},
                "resources": {k: u.to_dict() for k, u in sorted(self.resources.items())}}

    @staticmethod
    def from_dict(d: dict[str, Any] | None) -> "Units":
        """Back from ``to_dict`` (stored runs); ``None`` or ``{}``: the defaults."""
        if not d:
            return Units()

        def one(x: dict[str, Any]) -> Unit:
            return Unit(str(x.get("name", "")), float(x.get("scale", 1.0)))

        return Units(one(d["value"]), one(d["harm"]),
                     {k: one(v) for k, v in d.get("commodities", {}).items()},
                     {k: one(v) for k, v in d.get("resources", {}).items()})


#: the units of a result whose instance is not at hand: the defaults
BARE_UNITS = Units()
