"""The models the dashboard reads with: loaded in the background as soon as the server runs its first page.

Loading TensorFlow and three models takes seconds, and a model's first prediction
traces its graph. Done on demand, the first reading after a start took 6-9 s; here
``preload()`` (called by ``app.py`` on every run, acting on the first) starts one
background thread per server process that loads the models and reads a small drawn
number once. ``models()`` waits for that thread, which by the time a user has picked
an image has long finished.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from digitsight.errors import DigitSightError
from pages.common import model_path

if TYPE_CHECKING:
    from digitsight.reading import Models

# "0" leaves the models to load on first use: for tests that check a page view loads nothing.
PRELOAD_ENV = "DIGITSIGHT_PRELOAD"

log = logging.getLogger("digitsight.app")


def preload() -> None:
    """Start loading the served models in the background (once per process; later calls return at once)."""
    if os.environ.get(PRELOAD_ENV, "1").strip() != "0":
        _loading(str(model_path()))


def models() -> Models:
    """The loaded models, waiting for the background load if it is still running.

    Raises ``DigitSightError`` when a model cannot be loaded; the next call tries again.
    """
    future = _loading(str(model_path()))
    if not future.done():
        with st.spinner("Loading the models (once per server)..."):
            future.exception()  # waits
    try:
        return future.result()
    except DigitSightError:
        _loading.clear()  # a model file put in place later is then picked up
        raise


@st.cache_resource(show_spinner=False)
def _loading(path: str) -> Future[Models]:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitsight-preload")
    future = executor.submit(_load_and_warm_up, path)
    executor.shutdown(wait=False)  # the thread ends when the load does
    return future


def _load_and_warm_up(path: str) -> Models:
    from digitsight.imaging import load_image
    from digitsight.reading import load_models, read_loaded

    started = time.perf_counter()
    loaded = load_models(path)
    try:  # a first reading traces each model's graph; a failure here costs speed, not function
        read_loaded(load_image(warm_up_image()), *loaded)
    except Exception:
        log.exception("warm-up reading failed")
    log.info("models loaded and warmed up in %.1f s", time.perf_counter() - started)
    return loaded


def warm_up_image() -> np.ndarray:
    """A small white image with "407" drawn on it: enough for every model to run once."""
    import cv2

    image = np.full((120, 260, 3), 255, dtype=np.uint8)
    cv2.putText(image, "407", (20, 95), cv2.FONT_HERSHEY_SIMPLEX, 3.0, (0, 0, 0), 9, cv2.LINE_AA)
    return image
