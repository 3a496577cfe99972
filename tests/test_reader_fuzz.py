"""Property: whatever is done to a small valid instance file — keys deleted, types swapped,
huge / negative / NaN / infinite numbers, duplicate ids, unknown references, aliases,
duplicated keys, cut text — reading it either raises ``InstanceError`` whose every problem
names the file, a record and (unless it is about the whole file) a line, or gives an instance
that ``solve`` turns into a certified plan or refuses with a named reason (an
``InterdictError``). Never another exception."""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import InstanceError, read_instance_text, solve
from optimizer.errors import InterdictError

from helpers import SMALL_YAML, assert_certified

BASE: dict = yaml.safe_load(SMALL_YAML)
PATH = "fuzz.yaml"
PROBLEM = re.compile(re.escape(PATH) + r"(:\d+)?: \S.*?(, field '[^']*')?: \S.*", re.S)

WEIRD_VALUES = [
    None, "", "x", "zzz", True, [], {}, [1, 2], {"value": 3, "source": "s"},
    {"value": 5, "range": [1, 9]}, {"value": "nope"}, -5, 0, 1, 0.5, 1.5, 1e300, 10 ** 400,
    -1e-300, 1e-15, float("nan"), float("inf"), float("-inf"), "inf", "-inf", "1e999",
    "unlimited", "  padded ", 2 ** 63,
]


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and indices) into the document, in a stable order."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, prefix + (i,))
    return out


def parent_of(doc: Any, path: tuple) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def mutate(doc: dict, op: str, pick: int, value: Any) -> None:
    """Apply one structural mutation in place (``pick`` chooses where)."""
    targets = paths(doc)
    path = targets[pick % len(targets)]
    parent, last = parent_of(doc, path), path[-1]
    if op == "delete":
        del parent[last]
    elif op == "set":
        parent[last] = copy.deepcopy(value)  # a fresh object: never shared, never cyclic
    elif op == "duplicate_id":  # copy an id onto the next record of the same list
        section = [p for p in targets if len(p) == 2 and isinstance(p[1], int)]
        sec, i = section[pick % len(section)]
        records = doc[sec]
        if isinstance(records, list) and len(records) > 1 and isinstance(records[i], dict):
            nxt = records[(i + 1) % len(records)]
            if isinstance(nxt, dict):
                nxt["id"] = records[i].get("id", "dup")
    elif op == "unknown_reference":
        refs = [p for p in targets if p[-1] in ("from", "to", "node", "input", "output",
                                                 "commodity") or
                (len(p) > 1 and p[-2] in ("arcs", "nodes") and isinstance(p[-1], int)
                 and "effects" in p)]
        if refs:
            ref = refs[pick % len(refs)]
            parent_of(doc, ref)[ref[-1]] = "nowhere"


def text_mutation(text: str, op: str, pick: int) -> str:
    """Mutations only text can express: aliases, duplicated keys, cut files."""
    lines = text.splitlines(keepends=True)
    i = pick % len(lines)
    if op == "alias":  # share a record through an anchor and alias
        return text.replace("- {id: usd,", "- &r {id: usd,", 1) + "notes: [*r, *r]\n"
    if op == "duplicate_key":
        doubled = lines[i].replace("{", "{id: again, ", 1)
        return "".join(lines[:i]) + doubled + "".join(lines[i + 1:])
    if op == "truncate":
        return text[: pick % len(text)]
    if op == "bomb":
        bomb = "".join(f"  - &b{j} [" + ", ".join([f"*b{j - 1}"] * 9) + "]\n" if j
                       else "  - &b0 [x, x, x, x, x, x, x, x, x]\n" for j in range(8))
        return text + "references:\n" + bomb + "description: *b7\n"
    return text


def check(text: str) -> None:
    try:
        inst = read_instance_text(text, PATH)
    except InstanceError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file == PATH and p.record and p.message
            assert PROBLEM.fullmatch(str(p)), str(p)
            assert len(str(p)) < 600, str(p)  # quoted values are short
            # a problem of one record points at its line; only whole-file findings (no
            # supplies, no market, probabilities not summing to 1) may have none
            whole_file = p.record == "file" or p.record.startswith("section")
            assert p.line is not None or whole_file, str(p)
        return
    try:
        result = solve(inst)
    except InterdictError:
        return  # a named reason (no plan, unbounded, certificate …)
    assert_certified(result, optimal=result.optimal)


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["delete", "set", "set", "duplicate_id", "unknown_reference"]),
              st.integers(0, 10 ** 6), st.sampled_from(WEIRD_VALUES)),
    min_size=1, max_size=3)


@settings(max_examples=45, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_structural_mutations_are_read_or_refused_cleanly(mutations):
    doc = copy.deepcopy(BASE)
    for op, pick, value in mutations:
        if not paths(doc):
            break
        mutate(doc, op, pick, value)
    check(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.sampled_from(["alias", "duplicate_key", "truncate", "bomb"]), st.integers(0, 10 ** 6))
def test_text_mutations_are_read_or_refused_cleanly(op, pick):
    check(text_mutation(SMALL_YAML, op, pick))
