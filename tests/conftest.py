import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _private_result_cache(tmp_path_factory, monkeypatch):
    """pmlint run by a test reads and fills a cache of its own, never the user's."""
    monkeypatch.setenv("PMLINT_CACHE_DIR", str(tmp_path_factory.mktemp("pmlint-cache")))
