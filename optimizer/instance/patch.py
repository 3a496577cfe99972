"""Change numbers in the text of a YAML instance file, keeping everything else as written
(comments, references, notes, layout): each number, found by its key (as in
``Instance.sources``), is replaced by ``{value: …, source: "…"}`` in place (a distribution
it has is kept as written).

Used to write a calibrated instance that still reads like the file a person wrote. Only
numbers the file writes out can be patched, in the sections whose records are found by
their identity (resources, commodities, nodes, arcs, recipes, supplies, markets); anything
else returns None and the caller writes the instance with ``writer.py`` instead. The
caller checks the patched text by reading it back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import yaml

#: how a record of each section is identified: its id, or the fields its id is made of
_IDENTITY = {
    "resources": ("id",), "commodities": ("id",), "nodes": ("id",), "arcs": ("id",),
    "recipes": ("id",), "supplies": ("node", "commodity"), "markets": ("node", "good"),
}


def patch_numbers(text: str, changes: Mapping[str, tuple[float, str]]) -> str | None:
    """``text`` with each number ``key`` → (value, note) replaced, or None when one of them
    cannot be found in the text (written elsewhere, or left at its default)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if root is None:
        return None
    spans = []
    for key, (value, note) in changes.items():
        node = _find(root, key)
        if node is None:
            return None
        # a number written {value, source, <distribution>}: the distribution kept as written
        kept = "".join(f", {_text(k)}: {text[v.start_mark.index:v.end_mark.index]}"
                       for k, v in (node.value if isinstance(node, yaml.MappingNode) else ())
                       if _text(k) not in ("value", "source"))
        new = (f"{{value: {_number(value)}{kept}, "
               f"source: {json.dumps(note, ensure_ascii=False)}}}")
        spans.append((node.start_mark.index, _end(node), new))
    spans.sort()
    if any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
        return None
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def _end(node: yaml.Node) -> int:
    """Where a number's text ends: a block mapping's ends with its last value (its own end
    mark lies past the line break and indentation that follow)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return node.value[-1][1].end_mark.index
    return node.end_mark.index


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _get(node: yaml.Node | None, name: str) -> yaml.Node | None:
    """The value of ``name`` in a mapping node (None if absent or not a mapping)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == name:
            return v
    return None


def _text(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _identity(section: str, rec: yaml.Node) -> str | None:
    """The id a record has in ``Instance.sources`` keys (defaults as the reader makes them)."""
    own = _text(_get(rec, "id"))
    if section == "arcs" and own is None:
        src, dst = _text(_get(rec, "from")), _text(_get(rec, "to"))
        return None if src is None or dst is None else f"{src}->{dst}"
    if section == "recipes" and own is None:
        parts = [_text(_get(rec, f)) for f in ("node", "input", "output")]
        return None if None in parts else f"{parts[0]}:{parts[1]}->{parts[2]}"
    if section == "supplies":
        return f"{_text(_get(rec, 'node'))}/{_text(_get(rec, 'commodity'))}"
    if section == "markets":
        good = _text(_get(rec, "good"))
        accepts = _get(rec, "accepts")
        if good is None and isinstance(accepts, yaml.MappingNode) and len(accepts.value) == 1:
            good = _text(accepts.value[0][0])
        return f"{_text(_get(rec, 'node'))}:{good}"
    return own


def _find(root: yaml.Node, key: str) -> yaml.Node | None:
    """The node of the number ``key`` (a scalar, or a ``{value, …}`` mapping)."""
    section, _, rest = key.partition("/")
    records = _get(root, section)
    if section not in _IDENTITY or not isinstance(records, yaml.SequenceNode):
        return None
    for rec in records.value:
        ident = _identity(section, rec)
        if ident is not None and rest.startswith(ident + "/"):
            node: yaml.Node | None = rec
            for part in rest[len(ident) + 1:].split("/"):
                if isinstance(node, yaml.SequenceNode) and part.isdigit():
                    i = int(part) - 1
                    node = node.value[i] if 0 <= i < len(node.value) else None
                else:
                    node = _get(node, part)
            if isinstance(node, (yaml.ScalarNode, yaml.MappingNode)):
                return node
    return None


__all__ = ["patch_numbers"]
