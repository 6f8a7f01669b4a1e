"""The drawing canvas's size and pixels: helpers of the predictor's "Draw" way in."""

from __future__ import annotations

import numpy as np
import streamlit as st

CANVAS_HEIGHT = 280
# The canvas takes its column's width, within these bounds: wide enough for a few digits side
# by side, no wider than a digit written with a mouse needs.
CANVAS_MIN_WIDTH, CANVAS_MAX_WIDTH = 240, 760
# Until the browser has said how wide the column is (the first run), a width any phone fits.
CANVAS_FIRST_WIDTH = 320
# The canvas is made anew for a column that changed by more than this share (a phone turned
# sideways), not for a scroll bar's few pixels.
CANVAS_RESIZE_SHARE = 0.1
CANVAS_WIDTH = "canvas-width"
# Pixels of white added around a drawing before it is read (see canvas_pixels).
CANVAS_MARGIN = 24


def canvas_width(column: int | None) -> int:
    """The canvas's width for a column ``column`` pixels wide (None: not measured yet).

    Kept until the column changes by more than CANVAS_RESIZE_SHARE: a scroll bar appearing
    when the result shows up must not swap the canvas (and the drawing) for a new one, a
    phone turned sideways should.
    """
    if column is None:
        return st.session_state.get(CANVAS_WIDTH, CANVAS_FIRST_WIDTH)
    wanted = int(min(CANVAS_MAX_WIDTH, max(CANVAS_MIN_WIDTH, column)))
    current = st.session_state.get(CANVAS_WIDTH)
    if current is None or abs(wanted - current) > CANVAS_RESIZE_SHARE * current:
        st.session_state[CANVAS_WIDTH] = current = wanted
    return current


def canvas_pixels(rgba: np.ndarray | None) -> np.ndarray | None:
    """The canvas's RGBA pixels -> RGB on white; None when nothing is drawn on it."""
    if rgba is None or rgba.size == 0:
        return None
    rgba = np.asarray(rgba)
    if rgba.ndim == 3 and rgba.shape[2] == 4:
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        rgb = (rgba[..., :3].astype(np.float32) * alpha + 255.0 * (1 - alpha)).round().astype(np.uint8)
    else:
        rgb = rgba[..., :3].astype(np.uint8)
    inked = (rgb.min(axis=2) < 128).sum()
    if inked < 20:  # a stray click is not a digit
        return None
    # White paper around the drawing: a stroke that reaches the canvas's edge is a digit, not the
    # edge of a photographed page that the reader leaves out.
    return np.pad(rgb, ((CANVAS_MARGIN, CANVAS_MARGIN), (CANVAS_MARGIN, CANVAS_MARGIN), (0, 0)), constant_values=255)
