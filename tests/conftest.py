"""Shared fixtures: paths to the shipped model and to the read-only shared samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = REPO_ROOT / "models" / "digitsight_cnn.keras"


@pytest.fixture(scope="session")
def shipped_model_path() -> Path:
    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"the shipped model {SHIPPED_MODEL} is absent; train it with `python training/train.py`")
    return SHIPPED_MODEL


SHIPPED_PAIR_MODEL = REPO_ROOT / "models" / "digitsight_pairs.keras"


@pytest.fixture(scope="session")
def shipped_pair_model_path() -> Path:
    if not SHIPPED_PAIR_MODEL.is_file():
        pytest.skip(f"the pair model {SHIPPED_PAIR_MODEL} is absent; train it with `python training/train_pairs.py`")
    return SHIPPED_PAIR_MODEL
