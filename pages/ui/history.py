"""This session's readings, newest first, each reopenable on the predictor.

Kept in ``st.session_state`` (so per browser tab, gone when the tab closes). Each entry
holds the image as it came in, so reopening it reads it again, from Streamlit's cache when
it is still there; entries past HISTORY_SIZE, or past HISTORY_MAX_BYTES of images in all,
are dropped oldest first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import streamlit as st

HISTORY_KEY = "history"
CORRECTIONS_KEY = "corrections"  # image key -> the corrected number
REOPEN_KEY = "reopen"  # image key of the history entry shown now, if any
# Enough for a session's worth of trying things out; an entry holds its image (up to 20 MB).
HISTORY_SIZE = 12
HISTORY_MAX_BYTES = 80 * 1024 * 1024
THUMB_SIDE = 160  # pixels, the longest side of an entry's thumbnail


@dataclass(frozen=True)
class Entry:
    key: str  # the image's hash (pages.predictor.image_key)
    name: str
    image: bytes | np.ndarray
    number: str  # as read
    thumb: bytes  # PNG
    when: str  # HH:MM:SS, local to the server

    @property
    def size(self) -> int:
        return len(self.image) if isinstance(self.image, bytes) else int(self.image.nbytes)


def _entries() -> list[Entry]:
    return st.session_state.setdefault(HISTORY_KEY, [])


def entries() -> list[Entry]:
    """This session's readings, newest first."""
    return list(_entries())


def find(key: str) -> Entry | None:
    return next((entry for entry in _entries() if entry.key == key), None)


def remember(key: str, name: str, image: bytes | np.ndarray, number: str, annotated: np.ndarray) -> None:
    """Put a reading first in the history (moving it there when it is already in)."""
    from PIL import Image

    history = [entry for entry in _entries() if entry.key != key]
    thumb = Image.fromarray(annotated)
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    buffer = io.BytesIO()
    thumb.save(buffer, format="PNG")
    history.insert(0, Entry(key, name, image, number, buffer.getvalue(), datetime.now().strftime("%H:%M:%S")))
    while len(history) > 1 and (len(history) > HISTORY_SIZE or sum(e.size for e in history) > HISTORY_MAX_BYTES):
        history.pop()
    st.session_state[HISTORY_KEY] = history


def correction(key: str) -> str | None:
    """The user's correction of the image ``key``'s reading, if any."""
    return st.session_state.setdefault(CORRECTIONS_KEY, {}).get(key)


def set_correction(key: str, number: str | None) -> None:
    corrections = st.session_state.setdefault(CORRECTIONS_KEY, {})
    if number is None:
        corrections.pop(key, None)
    else:
        corrections[key] = number


def reopen(key: str) -> None:
    """Button callback: show the history entry ``key`` on the predictor."""
    st.session_state[REOPEN_KEY] = key


def close() -> None:
    """Back to the way in the user had picked."""
    st.session_state.pop(REOPEN_KEY, None)


def reopened() -> Entry | None:
    """The history entry shown now, if one was reopened."""
    key = st.session_state.get(REOPEN_KEY)
    return find(key) if key else None
