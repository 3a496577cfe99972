"""What differs between two instances, record by record, in words (``interdict runs
compare`` shows it for runs on different data or with other fixed budgets).

Both instances are compared in their file form (``writer.instance_to_dict``): each
section's records are matched by id (supplies by node and commodity, others without an
id by position), and every field that differs is one line, e.g.
``arc 'pov': seizure 0.02 → 0.05`` or ``resource 'usd_m': budget 30 → 50``.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Instance

#: the record kind of each list section, for the messages
KINDS = {"resources": "resource", "commodities": "commodity", "nodes": "node", "arcs": "arc",
         "recipes": "recipe", "supplies": "supply", "actions": "action",
         "scenarios": "scenario", "uncertain": "uncertain number", "groups": "group",
         "observations": "observation", "parameters": "parameter", "markets": "market"}


def instance_differences(a: Instance, b: Instance, limit: int | None = 30) -> list[str]:
    """The differences from ``a`` to ``b``, one line each (at most ``limit``, then a line
    saying how many more); empty when their content is the same (paths and source notes
    aside)."""
    from .writer import instance_to_dict

    lines = _dict_differences(instance_to_dict(a), instance_to_dict(b))
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more difference(s)"]
    return lines


def _dict_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for section in sorted(set(a) | set(b), key=lambda s: (s not in KINDS, s)):
        if section in ("sources", "name", "description"):
            continue
        x, y = a.get(section), b.get(section)
        if isinstance(x, list) or isinstance(y, list):
            out.extend(_records(section, x or [], y or []))
        elif _text(x) != _text(y):
            out.append(f"{section}: {_short(x)} → {_short(y)}")
    return out


def _key(record: Any, index: int) -> str:
    if isinstance(record, dict):
        if "id" in record:
            return f"'{record['id']}'"
        if "node" in record and "commodity" in record:
            return f"'{record['node']}' {record['commodity']}"
    return f"#{index + 1}"


def _records(section: str, xs: list[Any], ys: list[Any]) -> list[str]:
    kind = KINDS.get(section, section)
    ka = {_key(r, i): r for i, r in enumerate(xs)}
    kb = {_key(r, i): r for i, r in enumerate(ys)}
    out = []
    for k in list(ka) + [k for k in kb if k not in ka]:
        if k not in kb:
            out.append(f"{kind} {k}: only in the first")
        elif k not in ka:
            out.append(f"{kind} {k}: only in the second")
        elif isinstance(ka[k], dict) and isinstance(kb[k], dict):
            ra, rb = ka[k], kb[k]
            for f in [f for f in ra if f != "id"] + [f for f in rb if f not in ra]:
                if _text(ra.get(f)) != _text(rb.get(f)):
                    out.append(f"{kind} {k}: {f} {_short(ra.get(f))} → {_short(rb.get(f))}")
        elif _text(ka[k]) != _text(kb[k]):
            out.append(f"{kind} {k}: {_short(ka[k])} → {_short(kb[k])}")
    return out


def _text(v: Any) -> str:
    return json.dumps(v, sort_keys=True, default=str)


def _short(v: Any, limit: int = 60) -> str:
    from ..report.units import number  # the one number formatter (no e-notation)

    text = "(none)" if v is None else (number(v, 6) if isinstance(v, float) else
                                      v if isinstance(v, str) else _text(v))
    return text if len(text) <= limit else text[:limit - 1] + "…"


__all__ = ["instance_differences"]
