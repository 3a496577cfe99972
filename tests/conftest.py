import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

@pytest.fixture(autouse=True)
def _private_run_store(tmp_path, monkeypatch):
    """Every test gets its own default run store (never the user's data directory)."""
    monkeypatch.setenv("INTERDICT_STORE", str(tmp_path / "default-store" / "runs.sqlite"))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``proof`` (proofs of many minutes) run only when the ``-m`` expression
    names them (``pytest -m proof``); every tier and CI skip them, with the reason."""
    if "proof" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="a proof of many minutes: run it with `pytest -m proof`")
    for item in items:
        if "proof" in item.keywords:
            item.add_marker(skip)
