"""Parse an instance file (YAML, or the same structure as JSON) into plain data.

The result is dicts, lists, text and numbers; every mapping is a ``LineDict`` that
remembers the line it starts on, so the reader (``reader.py``) can point at it. The
loader keeps these guarantees for both formats:

- duplicate keys in one mapping are an error (PyYAML and ``json`` would keep the last one);
- only ``true``/``false`` are booleans (YAML 1.1's ``no``, ``on``, ``NO`` … stay text, so a
  node called ``NO`` is not read as ``False``);
- mapping keys are text (integers are turned into text; lists, mappings, ``null``,
  booleans, dates and fractional numbers as keys are errors);
- limits that keep a hostile or broken file from taking minutes or gigabytes (see
  docs/format.md, "Limits"): the document size, the nesting depth of JSON (YAML's is
  limited by libyaml, and construction never recurses), and how many nodes YAML
  aliases may add when expanded (an "alias bomb" of nine nested levels would otherwise
  expand to hundreds of millions of nodes);
- a number literal too large for a float (a 400-digit integer, ``1e999``) is kept as a
  ``HugeNumber`` (its text) so the reader can reject it instead of reading it as ``inf``.

Problems are returned, not raised: ``parse`` gives ``(data, problems)``; ``data`` is
``None`` when the file could not be parsed at all.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Problem

#: Largest document read, in characters (about 300,000 arcs in YAML; PyYAML needs about
#: 1 s and 100 MB of memory per megabyte of YAML).
MAX_DOCUMENT_CHARS = 50_000_000
#: Most nested objects/arrays in JSON (the format needs 8; Python's JSON scanner recurses
#: per level). YAML nesting is limited by libyaml (1000 levels); nothing here recurses on it.
MAX_JSON_DEPTH = 100
#: Most nodes YAML aliases may add to the document when expanded.
MAX_ALIAS_NODES = 100_000
#: Longest quoted value in a message.
QUOTE_CHARS = 80


class LineDict(dict):
    """A mapping that remembers the line it started on (1-based)."""

    line: int | None = None


class HugeNumber(str):
    """The text of a number literal beyond the range of a float (e.g. 400 digits)."""


def quote(value: Any, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)`` cut to at most ``limit`` characters, built piece by piece so that a
    huge (or alias-shared, or recursive) value is never expanded in full."""
    out: list[str] = []
    size = 0
    for piece in _repr_pieces(value, set()):
        out.append(piece)
        size += len(piece)
        if size > limit:
            break
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _repr_pieces(value: Any, active: set[int]) -> Iterator[str]:
    """The pieces of ``repr(value)`` in order (lazily; ``…`` for a recursive reference)."""
    if isinstance(value, (dict, list, tuple)):
        if id(value) in active:
            yield "…"
            return
        active.add(id(value))
        is_map = isinstance(value, dict)
        yield "{" if is_map else "["
        for i, item in enumerate(value.items() if isinstance(value, dict) else value):
            if i:
                yield ", "
            if is_map:
                yield from _repr_pieces(item[0], active)
                yield ": "
                item = item[1]
            yield from _repr_pieces(item, active)
        yield "}" if is_map else "]"
        active.discard(id(value))
    elif isinstance(value, str) and len(value) > 4 * QUOTE_CHARS:
        yield repr(value[: 4 * QUOTE_CHARS])
    else:
        yield repr(value)


@dataclass
class _Collector:
    """Problems found while loading one file."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, line: int | None, key: str | None = None) -> None:
        self.problems.append(Problem(self.path, "file", key, message, line))


def parse(text: str, path: str, fmt: str = "yaml") -> tuple[Any, list[Problem]]:
    """Plain data and the problems found (``data`` is ``None`` when unreadable)."""
    found = _Collector(path)
    if len(text) > MAX_DOCUMENT_CHARS:
        found.add(f"is {len(text):,} characters long; the limit is {MAX_DOCUMENT_CHARS:,} "
                  "(see docs/format.md, 'Limits')", None)
        return None, found.problems
    data = _parse_json(text, found) if fmt == "json" else _parse_yaml(text, found)
    return data, found.problems


# --------------------------------------------------------------------------- YAML

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INF_TEXT = re.compile(r"^[-+]?\.?(?:inf|infinity)$", re.IGNORECASE)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader: line numbers, duplicate-key errors, YAML-1.2-style booleans."""

    found: _Collector


# Only true/false are booleans: drop the YAML 1.1 yes/no/on/off resolver and add a strict one.
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in _BaseLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[LineDict]:
    """A ``LineDict``, filled after it is yielded (so nesting never recurses in Python)."""
    out = LineDict()
    out.line = _line(node)
    yield out
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _mapping_key(loader, key_node)
        if key is None:
            continue
        if key in out:
            loader.found.add("duplicate key (each key may appear once per record)",
                             _line(key_node), key)
        out[key] = loader.construct_object(value_node, deep=False)


def _mapping_key(loader: _Loader, key_node: yaml.Node) -> str | None:
    """The key as text, or None (and a problem) when it is not text or an integer."""
    if not isinstance(key_node, yaml.ScalarNode):
        loader.found.add("a key must be text, not a list or mapping (YAML '? [a, b]' keys "
                         "are not part of the format)", _line(key_node))
        return None
    key = loader.construct_object(key_node, deep=True)
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    loader.found.add(f"a key must be text, got {quote(key)} (quote it)", _line(key_node))
    return None


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return HugeNumber(node.value)
    return HugeNumber(node.value) if abs(value) > 1e308 else value


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Any:
    value = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    if math.isinf(value) and not _INF_TEXT.match(node.value.strip()):
        return HugeNumber(node.value)
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _parse_yaml(text: str, found: _Collector) -> Any:
    loader = _Loader(text)
    loader.found = found
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text and "*" in text and not _aliases_within_limits(node, found):
            return None
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        msg = getattr(exc, "problem", None) or str(exc)
        found.add(f"not valid YAML: {msg}", mark.line + 1 if mark is not None else None)
        return None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _aliases_within_limits(root: yaml.Node, found: _Collector) -> bool:
    """Count the nodes of the document with every alias expanded, without expanding:
    size(n) = 1 + Σ size(child), memoised per node (an alias is the same node object),
    in post-order with an explicit stack. Reject recursive aliases, and documents whose
    aliases add more than ``MAX_ALIAS_NODES`` nodes (reported at the smallest node that
    already exceeds the limit)."""
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            size[id(node)] = 1 + sum(size[id(k)] for k in _children(node))
            if size[id(node)] > len(size) + MAX_ALIAS_NODES:
                found.add(f"YAML aliases here expand to more than {MAX_ALIAS_NODES:,} extra "
                          "nodes (see docs/format.md, 'Limits')", _line(node))
                return False
            continue
        if id(node) in size:
            continue
        if id(node) in open_nodes:
            found.add("a YAML alias refers to a node that contains it (recursive alias)",
                      _line(node))
            return False
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((k, False) for k in reversed(_children(node)))
    return True


# --------------------------------------------------------------------------- JSON

_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_BRACKET = re.compile(r"[{}\[\]]")


def _parse_json(text: str, found: _Collector) -> Any:
    """``json.loads`` (the C scanner) with line numbers, duplicate keys and limits.

    A pre-pass over the brackets outside strings (strings are blanked first by a regular
    expression, so a bracket inside one never confuses it) gives the nesting depth before the
    recursive scanner runs, and the line of every ``{`` in the order the objects are *closed*,
    which is the order in which ``object_pairs_hook`` is called."""
    lines = _json_object_lines(text, found)
    if lines is None:
        return None
    calls = iter(lines)

    def make_object(pairs: list[tuple[str, Any]]) -> LineDict:
        out = LineDict()
        out.line = next(calls, None)
        for key, value in pairs:
            if key in out:
                found.add("duplicate key (each key may appear once per record)", out.line, key)
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=make_object, parse_int=_json_int,
                          parse_float=_json_float)
    except json.JSONDecodeError as exc:
        found.add(f"not valid JSON: {exc.msg}", exc.lineno)
    except RecursionError:
        found.add(f"nested too deeply (at most {MAX_JSON_DEPTH} levels)", None)
    return None


def _json_object_lines(text: str, found: _Collector) -> list[int | None] | None:
    """Lines of the objects in closing order; None (and a problem) if nested too deeply."""
    bare = _JSON_STRING.sub('""', text)  # strings hold no newline: lines are unchanged
    open_lines: list[int | None] = []
    closed: list[int | None] = []
    line, seen = 1, 0
    for m in _JSON_BRACKET.finditer(bare):
        tok = m.group()
        if tok in "{[":
            line += bare.count("\n", seen, m.start())
            seen = m.start()
            open_lines.append(line if tok == "{" else None)
            if len(open_lines) > MAX_JSON_DEPTH:
                found.add(f"nested too deeply (at most {MAX_JSON_DEPTH} levels)", line)
                return None
        elif open_lines:
            opened = open_lines.pop()
            if tok == "}":
                closed.append(opened)
    return closed


def _json_int(text: str) -> Any:
    try:
        value = int(text)
    except ValueError:
        return HugeNumber(text)
    return HugeNumber(text) if abs(value) > 1e308 else value


def _json_float(text: str) -> Any:
    value = float(text)
    return HugeNumber(text) if math.isinf(value) else value
