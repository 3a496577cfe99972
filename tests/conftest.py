import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

@pytest.fixture(autouse=True)
def _private_run_store(tmp_path, monkeypatch):
    """Every test gets its own default run store (never the user's data directory)."""
    monkeypatch.setenv("INTERDICT_STORE", str(tmp_path / "default-store" / "runs.sqlite"))
