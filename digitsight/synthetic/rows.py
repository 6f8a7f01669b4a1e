"""Rows of drawn digits: a written number, a group pushed together, a touching row of pen masks.

``number_row`` lays out the numbers of the photo-like pages (``pages.py``);
``touching_group`` the touching digits the pair benchmark reads; ``touching_row`` and
``cut`` the pairs and chains the pair and chain models train on (``training/``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitsight.synthetic.glyphs import glyph, place, touch_offset
from digitsight.synthetic.sources import digits

# The pen of a written number, as a stroke factor (1 = as MNIST drew it), by style.
THICK_STROKE = (2.2, 3.2)  # a marker
THIN_STROKE = (0.3, 0.45)  # a fine pen
NORMAL_STROKE = (0.8, 1.3)
GLYPH_HEIGHT_RANGE = (0.9, 1.1)  # each digit's height as a share of the row's: handwriting varies
BASELINE_JITTER = 0.04  # sd of a digit's drop below the baseline, in digit heights
GAP_RANGE = (0.08, 0.45)  # the space between two digits, in digit heights
# In the "touching" style one pair of each row always touches and each other pair with this chance.
EXTRA_TOUCH_SHARE = 0.3
# Touching digits overlap by one ink pixel per this many pixels of digit height (at least
# 2 pixels): they just touch, as a pen stroke running into the next digit does.
HEIGHT_PER_OVERLAP_PIXEL = 25

# touching_row: a digit's drop below the row's baseline (sd, in digit heights); then how
# deep the next digit goes, by one uniform draw: below OVERLAPPING (55% of pairs) pushed
# past the first touch by up to OVERLAP_DEPTH digit heights, below JUST_TOUCHING (30%)
# just touching, else (15%) left a gap of up to GAP_DEPTH: fragments that segmentation
# merges into one blob. Deep overlaps are what cuts fail on, so they come most often.
ROW_BASELINE_JITTER = 0.05
OVERLAPPING = 0.55
JUST_TOUCHING = 0.85
OVERLAP_DEPTH = 0.2
GAP_DEPTH = 0.1
# cut: the slant of the cut, in columns per row either way.
CUT_SLANT = 0.25


@dataclass(frozen=True)
class NumberRow:
    """A written number's glyphs, placed relative to the row's top left corner."""

    layers: list[tuple[np.ndarray, int, int]]  # (glyph, x, y)
    width: int
    label: str
    picks: list[int]  # which digits of the source were drawn, left to right


def _touching_x(previous: tuple[np.ndarray, int, int], ink: np.ndarray, y: int, height: int) -> int:
    """The x at which ``ink`` (top at ``y``) just touches ``previous`` (glyph, x, y): their strokes overlap a little."""
    left, x, left_y = previous
    overlap = max(2, height // HEIGHT_PER_OVERLAP_PIXEL)
    # No further left than half its own width past the left glyph's start; if they never
    # overlap that much, the right glyph starts halfway across the left one.
    offset = touch_offset(left, left_y, ink, y, overlap, lowest=-((ink.shape[1] - 1) // 2))
    return x + (left.shape[1] // 2 if offset is None else offset)


def number_row(
    rng: np.random.Generator, images: np.ndarray, labels: np.ndarray, count: int, height: int, style: str
) -> NumberRow:
    """``count`` random digits of ``images`` written in a row, ``height`` pixels tall.

    ``style`` is "thick", "thin", "touching" (neighbours touch) or anything else (a normal pen).
    """
    # All three strokes are drawn from ``rng`` whatever the style: the images depend on that order.
    stroke = {"thick": rng.uniform(*THICK_STROKE), "thin": rng.uniform(*THIN_STROKE)}.get(
        style, rng.uniform(*NORMAL_STROKE)
    )
    glyphs, text, picks = [], [], []
    for _ in range(count):
        i = int(rng.integers(len(images)))
        picks.append(i)
        glyphs.append(glyph(images[i], int(height * rng.uniform(*GLYPH_HEIGHT_RANGE)), stroke))
        text.append(str(int(labels[i])))
    touch_pair = int(rng.integers(count - 1)) if style == "touching" and count > 1 else -1
    layers: list[tuple[np.ndarray, int, int]] = []
    x = 0
    for k, ink in enumerate(glyphs):
        y = max(0, int(rng.normal(0, BASELINE_JITTER * height)) + (height - ink.shape[0]))
        if k > 0:
            previous, px, _ = layers[-1]
            if style == "touching" and (k - 1 == touch_pair or rng.random() < EXTRA_TOUCH_SHARE):
                x = _touching_x(layers[-1], ink, y, height)
            else:
                x = px + previous.shape[1] + int(rng.uniform(*GAP_RANGE) * height)
        layers.append((ink, x, y))
    width = max(x + g.shape[1] for g, x, _ in layers)
    return NumberRow(layers, width, "".join(text), picks)


def touching_group(source: str, picks: list[int], height: int, stroke: float = 1.0) -> np.ndarray:
    """Digits ``picks`` of ``source`` pushed together as the "touching" category does: (H, W) ink in [0, 1]."""
    images, _ = digits(source)
    layers: list[tuple[np.ndarray, int, int]] = []
    for i in picks:
        ink = glyph(images[i], height, stroke)
        y = max(0, height - ink.shape[0])
        x = _touching_x(layers[-1], ink, y, height) if layers else 0
        layers.append((ink, x, y))
    left = min(x for _, x, _ in layers)
    layers = [(ink, x - left, y) for ink, x, y in layers]
    width = max(x + ink.shape[1] for ink, x, _ in layers)
    rows = max(y + ink.shape[0] for ink, _, y in layers)
    return place(layers, (rows, width))


def _next_x(
    rng: np.random.Generator, previous: tuple[np.ndarray, int, int], mask: np.ndarray, y: int, height: float
) -> int:
    """Where the next mask of a touching row starts: overlapping, just touching or a hair apart."""
    left, px, py = previous
    offset = touch_offset(left, py, mask, y)
    touch = px + (left.shape[1] if offset is None else offset)  # side by side if no row holds ink of both
    mode = rng.random()
    if mode < OVERLAPPING:
        x = touch - int(rng.uniform(0, OVERLAP_DEPTH) * height)
    elif mode < JUST_TOUCHING:
        x = touch
    else:
        x = touch + 1 + int(rng.uniform(0, GAP_DEPTH) * height)
    return max(x, px - left.shape[1] // 2)  # never more than half across the one before


def touching_row(
    rng: np.random.Generator, masks: list[np.ndarray], height: float
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Pen masks side by side, each touching (often overlapping) the one before.

    Returns the row as one uint8 0/1 mask, and each digit's columns in it (x0, x1).
    """
    placed: list[tuple[np.ndarray, int, int]] = []
    for mask in masks:
        y = int(round(height - mask.shape[0] + rng.normal(0, ROW_BASELINE_JITTER * height)))
        x = _next_x(rng, placed[-1], mask, y, height) if placed else 0
        placed.append((mask, x, y))
    x0 = min(x for _, x, _ in placed)
    y0 = min(y for _, _, y in placed)
    width = max(x + m.shape[1] for m, x, _ in placed) - x0
    rows = max(y + m.shape[0] for m, _, y in placed) - y0
    canvas = np.zeros((rows, width), np.uint8)
    extents = []
    for mask, x, y in placed:
        view = canvas[y - y0 : y - y0 + mask.shape[0], x - x0 : x - x0 + mask.shape[1]]
        np.maximum(view, mask, out=view)
        extents.append((x - x0, x - x0 + mask.shape[1]))
    return canvas, extents


def cut(rng: np.random.Generator, mask: np.ndarray, column: float, keep_left: bool) -> np.ndarray:
    """Keep the ink on one side of a slightly slanted cut through ``column``, as a bad cut in reading leaves it."""
    rows, cols = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
    line = column + rng.uniform(-CUT_SLANT, CUT_SLANT) * (rows - mask.shape[0] / 2)
    side = cols < line if keep_left else cols >= line
    return mask * side
