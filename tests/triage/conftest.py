from __future__ import annotations

import sys
from pathlib import Path

import pytest

from formcheck.triage.knowledge import KnowledgeBase, default_knowledge

# The vignette helpers live beside the tests; make them importable as `vignettes`.
sys.path.insert(0, str(Path(__file__).parent))

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_knowledge()
