"""One handwritten digit drawn from an MNIST image, and where two drawn digits touch.

Two ways to draw a digit: ``glyph`` gives soft ink coverage in [0, 1] (the photo-like
pages and the tests paint it onto paper), ``pen_mask`` a binary mask stroked at random
(the pair and chain models' training images, which reach the models as masks).
"""

from __future__ import annotations

import cv2
import numpy as np

# An MNIST pixel (0-255) above this is ink when finding a digit's box: fainter ones are
# the scanner's haze round the stroke.
INK_LEVEL = 30
# Empty pixels kept round the box before scaling a glyph up, so the soft edge of the
# stroke is not cut off at the box.
GLYPH_PAD = 2
# A glyph is sharpened from the blurry upscaled MNIST digit by a soft threshold: coverage
# reaches 0.5 at ``STROKE_LEVEL - STROKE_LEVEL_PER_LOG * log(stroke)`` (a lower level, a
# thicker stroke), clipped to STROKE_LEVEL_RANGE where the stroke would vanish or fill
# the box, and rises from 0 to 1 over SOFTNESS: a pen's edge, two or three pixels wide.
STROKE_LEVEL = 0.45
STROKE_LEVEL_PER_LOG = 0.25
STROKE_LEVEL_RANGE = (0.08, 0.85)
SOFTNESS = 0.12
# A pen mask is scaled to its height times a random factor in this range (handwriting
# is not all one size), binarized at a random level in BINARIZE_RANGE (which also
# thins or thickens the stroke, as reading's binarization does), then dilated in
# THICKER_SHARE of the masks and eroded in THINNER_SHARE (real pens vary more than
# MNIST's), unless eroding would leave less than MIN_ERODED_INK of the ink.
MASK_SCALE_RANGE = (0.9, 1.1)
BINARIZE_RANGE = (0.25, 0.65)
THICKER_SHARE = 0.2
THINNER_SHARE = 0.1
MIN_ERODED_INK = 0.4
# Where coverage is above this, a glyph's pixel counts as ink when finding where two touch.
TOUCH_INK = 0.5


def ink_box(image: np.ndarray) -> np.ndarray:
    """The rows and columns of a 28x28 MNIST image (uint8) that hold ink."""
    rows = np.flatnonzero(image.max(axis=1) > INK_LEVEL)
    cols = np.flatnonzero(image.max(axis=0) > INK_LEVEL)
    return image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def glyph(image: np.ndarray, height: int, stroke: float = 1.0) -> np.ndarray:
    """An MNIST digit as ink coverage in [0, 1], its ink ``height`` pixels tall.

    Parameters
    ----------
    image:
        A 28x28 MNIST digit, uint8, white on black.
    height:
        The height of the drawn ink; the glyph is a little taller (GLYPH_PAD scaled up).
    stroke:
        How thick the pen is, 1 = as MNIST drew it.
    """
    box = ink_box(image)
    digit = np.pad(box.astype(np.float32) / 255, GLYPH_PAD)
    factor = height / box.shape[0]
    size = (max(3, round(digit.shape[1] * factor)), max(3, round(digit.shape[0] * factor)))
    big = cv2.resize(digit, size, interpolation=cv2.INTER_CUBIC)
    level = float(np.clip(STROKE_LEVEL - STROKE_LEVEL_PER_LOG * np.log(stroke), *STROKE_LEVEL_RANGE))
    return np.clip((big - level) / SOFTNESS + 0.5, 0, 1)


def pen_mask(rng: np.random.Generator, image: np.ndarray, height: float) -> np.ndarray:
    """An MNIST digit as a binary mask (uint8 0/1) about ``height`` pixels tall, binarized and stroked at random."""
    digit = ink_box(image)
    factor = height * rng.uniform(*MASK_SCALE_RANGE) / digit.shape[0]
    size = (max(2, round(digit.shape[1] * factor)), max(2, round(digit.shape[0] * factor)))
    big = cv2.resize(digit, size, interpolation=cv2.INTER_LINEAR)
    mask = (big > rng.uniform(*BINARIZE_RANGE) * 255).astype(np.uint8)
    stroke = rng.random()
    if stroke < THICKER_SHARE:
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    elif stroke > 1 - THINNER_SHARE:
        thinner = cv2.erode(mask, np.ones((2, 2), np.uint8))
        if thinner.sum() > MIN_ERODED_INK * mask.sum():
            mask = thinner
    return mask


def _ink_rows(ink: np.ndarray, first_row: int, rows: int) -> np.ndarray:
    """``ink`` as a boolean mask ``rows`` tall, its top at ``first_row``."""
    mask = np.zeros((rows, ink.shape[1]), bool)
    mask[first_row : first_row + ink.shape[0]] = ink > TOUCH_INK
    return mask


def touch_offset(
    left: np.ndarray, left_y: int, right: np.ndarray, right_y: int, overlap: int = 1, lowest: int | None = None
) -> int | None:
    """How far right of ``left``'s left edge ``right`` starts when their ink first overlaps by ``overlap`` pixels.

    ``right`` slides leftwards from just past ``left`` one pixel at a time; the first
    offset at which the two share at least ``overlap`` ink pixels is returned.

    Parameters
    ----------
    left, right:
        Ink (coverage or 0/1 masks), with their tops at rows ``left_y`` and ``right_y``.
    lowest:
        The last offset tried; by default the last at which the two share a column.

    Returns
    -------
    The offset, or None if the ink never overlaps that much.
    """
    top = min(left_y, right_y)
    rows = max(left_y + left.shape[0], right_y + right.shape[0]) - top
    a = _ink_rows(left, left_y - top, rows)
    b = _ink_rows(right, right_y - top, rows)
    width = left.shape[1]
    lowest = 1 - right.shape[1] if lowest is None else lowest
    for offset in range(width - 1, lowest - 1, -1):
        lo, hi = max(0, offset), min(width, offset + right.shape[1])
        if (a[:, lo:hi] & b[:, lo - offset : hi - offset]).sum() >= overlap:
            return offset
    return None


def place(layers: list[tuple[np.ndarray, int, int]], shape: tuple[int, int]) -> np.ndarray:
    """Glyphs (glyph, x, y) drawn onto an empty float32 canvas of ``shape``; where two overlap, the darker ink wins."""
    canvas = np.zeros(shape, dtype=np.float32)
    for ink, x, y in layers:
        h, w = ink.shape
        view = canvas[y : y + h, x : x + w]
        np.maximum(view, ink[: view.shape[0], : view.shape[1]], out=view)
    return canvas


def contact_sheet(path: str, images: np.ndarray, columns: int = 24, zoom: int = 3) -> None:
    """Write ``images`` (N, 28, 28) uint8, white on black, as one PNG grid to look at by eye.

    How the digit variants, the negatives and the real-digit crops are checked before use.
    """
    rows = -(-len(images) // columns)
    sheet = np.full((rows * 30, columns * 30), 60, np.uint8)  # a grey frame of 1 pixel around each
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        sheet[r * 30 + 1 : r * 30 + 29, c * 30 + 1 : c * 30 + 29] = image
    cv2.imwrite(path, cv2.resize(sheet, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST))
