"""Turn one segmented digit into the 28x28 image the MNIST model expects.

MNIST was made like this (LeCun et al.): the digit is fitted into a 20x20 box
keeping its aspect ratio, anti-aliased, then placed in a 28x28 field so that its
centre of mass sits at the centre; white ink on black. We do the same, and also
bring the stroke thickness near MNIST's: a hair-thin pen line or a marker stroke
half as wide as the digit both read worse than an MNIST-like stroke.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

BOX = 20  # the digit's longer side, in pixels, inside the 28x28 field
FIELD = 28
CENTRE = 14.0  # where MNIST puts the centre of mass (measured on the training images)
# Stroke width relative to the digit's longer side, measured on the MNIST
# *training* images (binarized at 128, width = 2 * area / perimeter): median
# 0.12, 10th-90th percentiles 0.089-0.169. Strokes inside that band are left alone.
STROKE_TARGET = 0.12
STROKE_BAND = (0.085, 0.17)


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary mask in pixels: 2 * area / perimeter (exact for a long thin stroke)."""
    import cv2

    binary = np.ascontiguousarray(mask, dtype=np.uint8)
    area = int(np.count_nonzero(binary))
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * area / perimeter if perimeter > 0 else float(max(binary.shape))


def adjust_stroke(mask: np.ndarray, size: int | None = None) -> np.ndarray:
    """Thicken or thin a tight binary digit mask so its stroke width is near MNIST's (relative to its size).

    ``size``: the length the stroke is measured against; by default the mask's longer
    side (a digit's height, nearly always). A group of digits passes its height.
    """
    import cv2

    binary = (np.asarray(mask) > 0).astype(np.uint8)
    size = size or max(binary.shape)
    if size < 4 or not binary.any():
        return binary
    width = stroke_width(binary)
    relative = width / size
    if relative < STROKE_BAND[0]:
        grow = int(round(STROKE_TARGET * size - width))
        if grow >= 1:
            pad = grow
            padded = cv2.copyMakeBorder(binary, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow + 1, grow + 1))
            return cv2.dilate(padded, kernel)
    elif relative > STROKE_BAND[1]:
        shrink = int(round((width - STROKE_TARGET * size) / 2))
        if shrink >= 1:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * shrink + 1, 2 * shrink + 1))
            thinner = cv2.erode(binary, kernel)
            # Never thin a digit away: a blob that erosion would mostly erase stays as it is.
            if np.count_nonzero(thinner) >= 0.25 * np.count_nonzero(binary):
                return thinner
    return binary


def to_mnist(mask: np.ndarray, *, adjust: bool = True) -> np.ndarray:
    """A binary digit mask (any size, ink > 0) -> (28, 28) float32 in [0, 1], white on black, MNIST-style.

    The mask is cropped to its ink, optionally brought to an MNIST-like stroke width,
    fitted into a 20x20 box (aspect kept, area-averaged so edges are anti-aliased) and
    shifted so that its centre of mass is at the centre of the 28x28 field.
    """
    import cv2

    binary = _cropped(mask)
    if binary is None:
        return np.zeros((FIELD, FIELD), dtype=np.float32)
    if adjust:
        binary = _cropped(adjust_stroke(binary))
    field = _placed(binary, BOX / max(binary.shape), (FIELD, FIELD))
    total = float(field.sum())
    if total <= 0:
        return field
    ys, xs = np.mgrid[0:FIELD, 0:FIELD]
    cy, cx = float((ys * field).sum() / total), float((xs * field).sum() / total)
    # MNIST's centres of mass average (14.0, 14.0) in row/column index coordinates.
    shift = np.float32([[1, 0, CENTRE - cx], [0, 1, CENTRE - cy]])
    centred = cv2.warpAffine(field, shift, (FIELD, FIELD), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.clip(centred, 0, 1).astype(np.float32)


# The pair model's input: two touching digits side by side, 20 pixels tall like an
# MNIST digit, in a field wide enough for two wide digits.
PAIR_FIELD = (28, 48)  # height, width
PAIR_MAX_WIDTH = 44
# The chain model's input: a row of touching digits, 20 pixels tall, in a field wide enough
# for about eight (a longer row is shrunk to fit).
CHAIN_FIELD = (28, 128)
CHAIN_MAX_WIDTH = 124


def to_pair_field(mask: np.ndarray) -> np.ndarray:
    """A binary mask of one or two digits side by side -> (28, 48) float32 in [0, 1], white on black.

    As ``to_mnist``, but the ink is scaled to 20 pixels tall (narrower than 44 pixels)
    and centred by its box: a pair is read left to right, so its width must survive.
    """
    return _to_row_field(mask, PAIR_FIELD, PAIR_MAX_WIDTH)


def to_chain_field(mask: np.ndarray) -> np.ndarray:
    """A binary mask of a row of touching digits -> (28, 128) float32 in [0, 1], as ``to_pair_field``."""
    return _to_row_field(mask, CHAIN_FIELD, CHAIN_MAX_WIDTH)


class RowPlacement(NamedTuple):
    """Where ``to_pair_field`` or ``to_chain_field`` put a mask's ink, column-wise."""

    ink_x: float  # the mask column (stroke-adjusted ink) that lands at field column ``left``
    scale: float  # field pixels per mask pixel
    left: int  # the field column where the ink begins

    def to_mask(self, field_x: float) -> float:
        """The mask column that field column ``field_x`` shows."""
        return self.ink_x + (field_x - self.left) / self.scale


def chain_placement(mask: np.ndarray) -> RowPlacement | None:
    """Where ``to_chain_field(mask)`` puts the mask's ink; None if it holds none."""
    placed = _row_ink(mask, CHAIN_FIELD, CHAIN_MAX_WIDTH)
    return placed[1] if placed else None


def _to_row_field(mask: np.ndarray, shape: tuple[int, int], max_width: int) -> np.ndarray:
    """Digits side by side -> ``shape``: the ink 20 pixels tall (at most ``max_width`` wide), centred by its box."""
    placed = _row_ink(mask, shape, max_width)
    if placed is None:
        return np.zeros(shape, dtype=np.float32)
    binary, placement = placed
    return np.clip(_placed(binary, placement.scale, shape), 0, 1)


def _row_ink(mask: np.ndarray, shape: tuple[int, int], max_width: int) -> tuple[np.ndarray, RowPlacement] | None:
    """The ink a row field shows (stroke-adjusted, cut to its box) and where it goes; None if no ink."""
    binary = np.asarray(mask) > 0
    columns = np.flatnonzero(binary.any(axis=0))
    if columns.size == 0:
        return None
    binary = _cropped(binary)
    adjusted = adjust_stroke(binary, size=binary.shape[0])
    pad = (adjusted.shape[1] - binary.shape[1]) // 2  # a thickened stroke comes back padded on each side
    adjusted_columns = np.flatnonzero(adjusted.any(axis=0))
    adjusted = _cropped(adjusted)
    height, width = adjusted.shape
    scale = min(BOX / height, max_width / width)
    left = (shape[1] - max(1, int(round(width * scale)))) // 2  # as ``_placed`` centres it
    return adjusted, RowPlacement(float(columns[0] + adjusted_columns[0] - pad), scale, left)


def _cropped(mask: np.ndarray) -> np.ndarray | None:
    """``mask`` cut to the box of its ink, as uint8 0/1; None if it holds no ink."""
    binary = np.asarray(mask) > 0
    rows = np.flatnonzero(binary.any(axis=1))
    cols = np.flatnonzero(binary.any(axis=0))
    if rows.size == 0:
        return None
    return binary[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.uint8)


def _placed(binary: np.ndarray, scale: float, shape: tuple[int, int]) -> np.ndarray:
    """``binary`` scaled by ``scale`` and centred by its box in a float32 field of ``shape``."""
    import cv2

    height, width = binary.shape
    new_w = max(1, int(round(width * scale)))
    new_h = max(1, int(round(height * scale)))
    # Shrinking: area averaging is the anti-aliasing. Growing a tiny digit: bilinear, else blocky.
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(binary.astype(np.float32), (new_w, new_h), interpolation=interpolation)
    field = np.zeros(shape, dtype=np.float32)
    top, left = (shape[0] - new_h) // 2, (shape[1] - new_w) // 2
    field[top : top + new_h, left : left + new_w] = small
    return field
