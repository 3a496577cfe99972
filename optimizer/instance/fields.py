"""Reading single fields of a record: numbers (with source notes and distributions), text,
identifiers, lists of identifiers; each problem goes to the ``Context`` with the file,
line, record and field. The record readers (``reader.py``) are built from these.

Numbers (docs/format.md, "Numbers and source notes" and "Limits"): a number may be
written ``3``, ``{value: 3, source: "…"}`` or ``{value: 3, range: [2, 4]}``; ``inf`` only
where a field allows no limit; never NaN; and every finite number lies in the solver's
safe range, |x| ≤ ``MAX_MAGNITUDE`` and x = 0 or |x| ≥ ``MIN_MAGNITUDE``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import Problem
from .loader import HugeNumber, LineDict, quote
from .model import Distribution

#: Largest magnitude of a finite number. HiGHS reads ≥ 1e20 as infinite and refuses matrix
#: entries above 1e15; the model multiplies data (cost × load, value × yield), and doubles
#: keep ~16 digits, so larger data leave no room for its 1e-7 tolerances.
MAX_MAGNITUDE = 1e12
#: Smallest magnitude of a non-zero number: HiGHS drops matrix entries below 1e-9, so a
#: smaller number would silently act as 0.
MIN_MAGNITUDE = 1e-9

DISTRIBUTIONS = ("range", "triangular", "normal")
_INF_WORDS = ("inf", "+inf", "infinity", "+infinity", ".inf", "+.inf", "unlimited")


@dataclass(frozen=True)
class Bounds:
    """The range of one numeric field."""

    allow_inf: bool = False  # 'inf' (unlimited) allowed
    minimum: float | None = None  # x ≥ minimum
    below: float | None = None  # x < below
    at_most: float | None = None  # x ≤ at_most
    positive: bool = False  # x > 0
    tiny_ok: bool = False  # non-zero |x| < MIN_MAGNITUDE allowed (coordinates)


NONNEGATIVE = Bounds(minimum=0)
LIMIT = Bounds(allow_inf=True, minimum=0)  # capacities and supplies: ≥ 0 or unlimited
POSITIVE = Bounds(positive=True)
PROBABILITY = Bounds(minimum=0, below=1)  # seizure p ∈ [0, 1)
FRACTION = Bounds(positive=True, at_most=1)  # cuts and raised seizure: (0, 1]
FRACTION_OR_ZERO = Bounds(minimum=0, at_most=1)  # strengths of a timing profile: [0, 1]


@dataclass
class Context:
    """What reading one file collects: problems, source notes, record lines, uncertain
    numbers (the last three keyed like ``Instance.sources``)."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    uncertain: dict[str, Distribution] = field(default_factory=dict)

    def err(self, record: str, field_name: str | None, message: str, line: int | None) -> None:
        self.problems.append(Problem(self.path, record, field_name, message, line))

    def note_line(self, section: str, ident: str | None, rec: Any) -> None:
        line = line_of(rec)
        if ident is not None and line is not None:
            self.lines.setdefault(f"{section}/{ident}", line)


def line_of(obj: Any) -> int | None:
    return getattr(obj, "line", None)


# --------------------------------------------------------------------------- numbers


def number(ctx: Context, rec: dict, key: str, record: str, source_key: str,
           bounds: Bounds = Bounds(), *, default: float | None = None,
           required: bool = False) -> float | None:
    """Read a number, possibly written ``{value: 3, source: "…"}`` and possibly uncertain
    (``range: [lo, hi]``, ``triangular: [lo, mode, hi]`` or ``normal: [mean, sd]``, used
    by Monte Carlo evaluation); check its range. ``rec[key]`` written as ``null`` or left
    blank counts as missing."""
    line = line_of(rec)
    if key not in rec or rec[key] is None:
        if required:
            ctx.err(record, key, "is required", line)
        return default
    raw = rec[key]
    dist_spec = None
    if isinstance(raw, dict):
        line = line_of(raw) or line
        parsed = _noted_number(ctx, raw, record, key, f"{source_key}/{key}", line)
        if parsed is None:
            return default
        raw, dist_spec = parsed
        if raw is None:
            ctx.err(record, key, "'value' is required (a number)", line)
            return default
    value = scalar(ctx, raw, record, key, line, bounds)
    if value is None:
        return default
    if dist_spec is not None:
        dist = distribution(ctx, dist_spec, value, record, key, line, bounds)
        if dist is not None:
            ctx.uncertain[f"{source_key}/{key}"] = dist
    return value


def _noted_number(ctx: Context, raw: dict, record: str, key: str, note_key: str,
                  line: int | None) -> tuple[Any, tuple[str, Any] | None] | None:
    """``{value, source?, <distribution>?}`` → (the raw value, the distribution spec)."""
    extra = [k for k in raw if k not in ("value", "source", *DISTRIBUTIONS)]
    if extra:
        ctx.err(record, key, f"unknown field(s) {', '.join(map(quote, extra))} in a number "
                "(write {value: …, source: \"…\"})", line)
    if raw.get("source") is not None:
        ctx.sources[note_key] = str(raw["source"]) if isinstance(raw["source"], str) \
            else quote(raw["source"], 400)
    if "value" not in raw:
        ctx.err(record, key, "a number written as a mapping needs 'value'", line)
        return None
    dists = [d for d in DISTRIBUTIONS if d in raw]
    if len(dists) > 1:
        ctx.err(record, key, f"give one distribution, not {dists}", line)
    spec = (dists[0], raw[dists[0]]) if len(dists) == 1 else None
    return raw["value"], spec


def scalar(ctx: Context, raw: Any, record: str, key: str, line: int | None,
           bounds: Bounds) -> float | None:
    """Check one number against the field's rules; report and return None if wrong."""
    value = to_float(raw)
    if value is None:
        what = f"is far too large (|x| ≤ {MAX_MAGNITUDE:g})" if _overflows(raw) \
            else "must be a number"
        ctx.err(record, key, f"{what}, got {quote(raw)}", line)
        return None
    message = range_problem(value, raw, bounds)
    if message is not None:
        ctx.err(record, key, message, line)
        return None
    return value


def range_problem(value: float, raw: Any, b: Bounds) -> str | None:
    """Why ``value`` is outside the field's range, or None."""
    if math.isnan(value):
        return "is NaN (not a number)"
    if math.isinf(value):
        if b.allow_inf and value > 0:
            return None
        what = "may be 'inf' (unlimited) but not '-inf'" if b.allow_inf else "must be finite"
        return f"{what}, got {quote(raw)}"
    if b.minimum is not None and value < b.minimum:
        return f"must be ≥ {b.minimum:g}, got {value:g}"
    if b.positive and value <= 0:
        return f"must be > 0, got {value:g}"
    if b.below is not None and value >= b.below:
        return f"must be < {b.below:g}, got {value:g}"
    if b.at_most is not None and value > b.at_most:
        return f"must be ≤ {b.at_most:g}, got {value:g}"
    if abs(value) > MAX_MAGNITUDE:
        return (f"must be ≤ {MAX_MAGNITUDE:g} in magnitude (the solver's safe range; see "
                f"docs/format.md, 'Limits'), got {value:g}")
    if value != 0 and abs(value) < MIN_MAGNITUDE and not b.tiny_ok:
        return (f"must be 0 or ≥ {MIN_MAGNITUDE:g} in magnitude (the solver would read it "
                f"as 0; see docs/format.md, 'Limits'), got {value:g}")
    return None


def to_float(raw: Any) -> float | None:
    """The number ``raw`` stands for (``inf`` from the words for it), or None."""
    if isinstance(raw, bool) or isinstance(raw, HugeNumber):
        return None
    if isinstance(raw, int):
        return float(raw) if abs(raw) <= 1e308 else None
    if isinstance(raw, float):
        return raw
    if isinstance(raw, str):
        s = raw.strip().lower()
        if s in _INF_WORDS:
            return math.inf
        if s in ("-inf", "-infinity", "-.inf"):
            return -math.inf
        if s in ("nan", ".nan"):
            return math.nan
        try:
            value = float(s.replace("_", ""))
        except ValueError:
            return None
        return None if math.isinf(value) else value  # '1e999' is not a way to write inf
    return None


def _overflows(raw: Any) -> bool:
    """A number literal too large for a float (not one of the words for ``inf``)."""
    if isinstance(raw, (HugeNumber, int)) and not isinstance(raw, bool):
        return True  # to_float only refuses integers beyond 1e308
    try:
        return isinstance(raw, str) and math.isinf(float(raw.strip().replace("_", "")))
    except ValueError:
        return False


def distribution(ctx: Context, spec: tuple[str, Any], value: float, record: str, key: str,
                 line: int | None, bounds: Bounds) -> Distribution | None:
    """``range: [lo, hi]``, ``triangular: [lo, mode, hi]`` (increasing, around ``value``)
    or ``normal: [mean, sd]`` (sd ≥ 0); parameters in the field's finite range."""
    kind, params = spec
    need = {"range": 2, "triangular": 3, "normal": 2}[kind]
    if not isinstance(params, list) or len(params) != need:
        ctx.err(record, key, f"'{kind}' takes a list of {need} numbers", line)
        return None
    finite = replace(bounds, allow_inf=False)
    if kind == "normal":
        mean = scalar(ctx, params[0], record, f"{key}.normal", line, finite)
        sd = scalar(ctx, params[1], record, f"{key}.normal", line, NONNEGATIVE)
        if mean is None or sd is None:
            return None
        return Distribution("normal", (mean, sd))
    vals = [scalar(ctx, p, record, f"{key}.{kind}", line, finite) for p in params]
    if any(v is None for v in vals):
        return None
    if vals != sorted(vals):  # type: ignore[type-var]
        ctx.err(record, key, f"'{kind}' values must be in increasing order, got {vals}", line)
        return None
    if not (vals[0] <= value <= vals[-1]):  # type: ignore[operator]
        ctx.err(record, key, f"value {value:g} lies outside its {kind} {vals}", line)
        return None
    return Distribution("uniform" if kind == "range" else kind, tuple(vals))  # type: ignore[arg-type]


def per_commodity(ctx: Context, rec: dict, fld: str, record: str, key: str,
                  message: str = "must map commodity ids to numbers per unit"
                  ) -> dict[str, float] | None:
    """A mapping id → number ≥ 0 (a node's ``values`` or ``harm``, a level's ``cost``);
    None when absent."""
    raw = rec.get(fld)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ctx.err(record, fld, f"{message}, got {quote(raw)}", line_of(rec))
        return {}
    out: dict[str, float] = {}
    for k in raw:
        v = number(ctx, raw, k, record, f"{key}/{fld}", NONNEGATIVE)
        if v is not None:
            out[k] = v
    return out


# --------------------------------------------------------------------------- text and ids


def text(ctx: Context, rec: dict, key: str, record: str, *, required: bool = False,
         default: str = "") -> str:
    """Free text (a number is taken as its text)."""
    if key not in rec or rec[key] is None:
        if required:
            ctx.err(record, key, "is required", line_of(rec))
        return default
    raw = rec[key]
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        ctx.err(record, key, f"must be text, got {quote(raw)}", line_of(rec))
        return default
    return str(raw)


def ident(ctx: Context, rec: dict, key: str, record: str, *, required: bool = True
          ) -> str | None:
    """An id or a reference to one: non-empty text without surrounding spaces."""
    if key not in rec or rec[key] is None:
        if required:
            ctx.err(record, key, "is required", line_of(rec))
        return None
    raw = rec[key]
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or isinstance(raw, HugeNumber):
        ctx.err(record, key, f"must be an identifier (text), got {quote(raw)}; quote it",
                line_of(rec))
        return None
    s = str(raw)
    if not s.strip() or s != s.strip():
        ctx.err(record, key, f"must be non-empty text without surrounding spaces, got "
                f"{quote(s)}", line_of(rec))
        return None
    return s


def id_list(ctx: Context, rec: dict, key: str, record: str) -> tuple[str, ...] | None:
    """A list of identifiers (one identifier alone counts as a list of one)."""
    if key not in rec or rec[key] is None:
        return None
    raw = rec[key]
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        ctx.err(record, key, f"must be a list of identifiers, got {quote(raw)}", line_of(rec))
        return None
    out = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            ctx.err(record, key, f"must list identifiers, got {quote(item)}", line_of(rec))
            continue
        out.append(str(item))
    return tuple(out)


def check_fields(ctx: Context, rec: dict, allowed: frozenset[str] | set[str],
                 record: str) -> None:
    """Every key of ``rec`` must be one of ``allowed`` (unknown keys are usually typos)."""
    for key in rec:
        if key not in allowed:
            ctx.err(record, quote(key, 40).strip("'"),
                    f"unknown field (allowed: {', '.join(sorted(allowed))})", line_of(rec))


def records(ctx: Context, doc: dict, section: str, record: str | None = None) -> list[dict]:
    """The mappings listed under ``doc[section]`` (each non-mapping reported)."""
    raw = doc.get(section)
    if raw is None:
        return []
    where = record or f"section '{section}'"
    if not isinstance(raw, list):
        ctx.err(where, None if record is None else section,
                f"must be a list of records, got {quote(raw)}", line_of(doc))
        return []
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            ctx.err(f"{record or section} #{i + 1}" if record is None else record,
                    None if record is None else section,
                    f"must be a mapping, got {quote(item)}", line_of(doc))
            continue
        out.append(item)
    return out


def holder(value: Any, line: int | None, field: str = "amount") -> LineDict:
    """A one-field record, to read an item of a list (e.g. one level's amount) as a field."""
    out = LineDict({field: value})
    out.line = line
    return out


def integer(ctx: Context, rec: dict, key: str, record: str, source_key: str, *,
            minimum: int = 0, default: int | None = None,
            required: bool = False) -> int | None:
    """A whole number ≥ ``minimum`` (a count of periods), possibly with a source note."""
    value = number(ctx, rec, key, record, source_key, Bounds(minimum=minimum), default=None,
                   required=required)
    if value is None:
        return default
    if not float(value).is_integer():
        ctx.err(record, key, f"must be a whole number, got {value:g}", line_of(rec))
        return default
    return int(value)


def flag(ctx: Context, rec: dict, key: str, record: str, *, default: bool) -> bool:
    """``true`` or ``false``."""
    raw = rec.get(key)
    if raw is None:
        return default
    if not isinstance(raw, bool):
        ctx.err(record, key, f"must be true or false, got {quote(raw)}", line_of(rec))
        return default
    return raw
