"""Shared fixtures: paths to the shipped model and to the read-only shared samples."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = REPO_ROOT / "models" / "digitsight_cnn.keras"
SHIPPED_PAIR_MODEL = REPO_ROOT / "models" / "digitsight_pairs.keras"
SHIPPED_CHAIN_MODEL = REPO_ROOT / "models" / "digitsight_chains.keras"


# Streamlit's AppTest runs app.py as the "__main__" module and leaves it in sys.modules; a
# process spawned afterwards (batch workers, a Dask LocalCluster) would then run app.py
# again as its own __main__ before it does anything. Each test starts with pytest's own.
_PYTEST_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _pytest_main_module():
    yield
    sys.modules["__main__"] = _PYTEST_MAIN


def _shipped(path: Path, how_to_train: str) -> Path:
    if not path.is_file():
        pytest.skip(f"the shipped model {path} is absent; train it with `{how_to_train}`")
    return path


@pytest.fixture(scope="session")
def shipped_model_path() -> Path:
    return _shipped(SHIPPED_MODEL, "python -m training.train")


@pytest.fixture(scope="session")
def shipped_pair_model_path() -> Path:
    return _shipped(SHIPPED_PAIR_MODEL, "python -m training.train_pairs")


@pytest.fixture(scope="session")
def shipped_chain_model_path() -> Path:
    return _shipped(SHIPPED_CHAIN_MODEL, "python -m training.train_chains")
