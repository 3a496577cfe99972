"""Every example in the docs and docstrings runs (issue 14, item 7): the ```python blocks
of README.md and docs/*.md, each in a fresh interpreter from the repository's root, and
the doctests of the modules that carry examples."""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: modules whose docstrings show examples (as doctests)
MODULES = ["optimizer", "optimizer.build", "optimizer.families", "optimizer.planning"]


def python_blocks() -> list[tuple[str, int, str]]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text[:m.start()].count("\n") + 1
            out.append((path.name, line, m.group(1)))
    return out


def test_there_are_examples_to_run():
    names = {name for name, _, _ in python_blocks()}
    assert {"README.md", "api.md"} <= names


@pytest.mark.parametrize("name,line,code", python_blocks(),
                         ids=[f"{n}:{ln}" for n, ln, _ in python_blocks()])
def test_python_block_runs(name, line, code):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, env=env, timeout=600)
    assert res.returncode == 0, f"{name}:{line}\n{res.stderr[-2000:]}"


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(ROOT)
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module} shows no example"
    assert result.failed == 0


def test_no_module_docstring_hides_an_untested_example():
    """A docstring example written as a '::' block with Python in it would not run: the
    modules with examples use doctests (>>>), and are listed in MODULES."""
    untested = []
    for path in sorted((ROOT / "optimizer").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"::\n\n((?:    .*\n|\n)+)", text):
            block = m.group(1)
            if re.search(r"^\s+(from optimizer|import optimizer|from \.\w* import)", block, re.M):
                untested.append(f"{path.relative_to(ROOT)}")
            elif ">>>" not in block and re.search(r"^\s+\w+ = \w+\(", block, re.M) and \
                    "optimizer" in block:
                untested.append(f"{path.relative_to(ROOT)}")
    assert untested == [], untested
