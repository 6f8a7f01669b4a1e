"""Shared fixtures: the shipped models' paths, and the fixtures of the dashboard's AppTest tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# --------------------------------------------------------------------------- the dashboard's AppTest tests


@pytest.fixture
def model(shipped_model_path: Path) -> Path:
    """The shipped classifier's path; skips where it is absent (``shipped_model_path`` says so)."""
    return shipped_model_path


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, str], bytes]:
    """``downloads(at, key)``: the bytes a download button on an AppTest page would give.

    AppTest keeps each run's media (download data included) in a MemoryMediaFileStorage it
    makes for the run and throws away; this keeps them.
    """
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stores: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Kept)

    def data(at: Any, key: str) -> bytes:
        file_id = at.download_button(key=key).proto.url.rsplit("/", 1)[-1].split(".")[0]
        return stores[-1].get_file(file_id).content

    return data


@pytest.fixture
def no_speech_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading runs with no speech engine (the browser's voice instead)."""
    from digitsight.speech import ENGINE_ENV

    monkeypatch.setenv(ENGINE_ENV, "none")  # digitsight.speech's documented switch
