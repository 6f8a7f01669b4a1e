"""Find the handwritten digits in a grayscale image, with OpenCV.

``segment(gray)`` returns the digit candidates ("blobs") grouped into lines, top
to bottom, each left to right. The steps, each in a module of this package:

1. ``ink``: polarity (dark ink on light paper, or light on dark) and stroke width;
   illumination flattening; binarization with hysteresis;
2. ``rules``: removal of ruled lines, margins and page borders, and of strips along
   the image's edges;
3. ``fragments``: merging of fragments that belong to one digit (broken strokes, the
   detached bar of a 5, a dashed 7), and dropping of what is no digit: specks, dashes,
   scraps at the image's edge, hairline remnants of a line;
4. ``lines``: grouping into lines along the writing's direction (``orientation``, up to
   45 degrees), split into numbers where the gap is clearly wider than the line's own
   spacing (``boundaries``); form cells lose their walls on the way (``cells``, from ``rules``);
5. ``doubts``: what the reading should warn about (a dense page, a line that may be two,
   an unclear space between numbers).

``blob`` holds what they pass along. Touching digits are split later
(``digitsight.decode.cuts``), because the best cut is the one the classifier reads best.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from digitsight.normalize import STROKE_BAND, stroke_width
from digitsight.segment.blob import Blob, Box, Segmentation
from digitsight.segment.doubts import doubts
from digitsight.segment.fragments import merge_fragments, reference_height
from digitsight.segment.ink import Analysis, analyse, binarize, flatten, ink_levels, open_valleys
from digitsight.segment.lines import SCRAP_HEIGHT, find_lines, group_lines, numbers_of
from digitsight.segment.rules import remove_long_lines

__all__ = [
    "Analysis",
    "Blob",
    "Box",
    "Segmentation",
    "analyse",
    "binarize",
    "flatten",
    "group_lines",
    "ink_levels",
    "merge_fragments",
    "open_valleys",
    "reference_height",
    "remove_long_lines",
    "segment",
    "segment_small",
    "sharpened",
]

# Digits shorter than this many pixels lose strokes to binarization and shape to the 28-pixel crops: the image is
# enlarged (smoothly) and segmented again. (Digits of 26-31 pixels are left unless their strokes are thick,
# THICK_SMALL_DIGIT: two real tuning photos, d_015 and d_029, read worse enlarged.) ...
SMALL_DIGIT = 26
# ... to bring them to this height: a digit's mask enlarged to 40 keeps more of its shape than at 32 (synthetic
# validation, 100 each: small 74 -> 87, dense 48 -> 55) ...
UPSCALE_TO = 40
# ... by at most this factor (a 12-pixel digit gets to 36), not for less than MIN_UPSCALE (not worth a second
# pass), and only while the enlarged image stays under UPSCALE_MAX_PIXELS (a dense page of small digits is big).
MAX_UPSCALE = 3.0
MIN_UPSCALE = 1.25
UPSCALE_MAX_PIXELS = 1_200_000
# Digits from SMALL_DIGIT up to this tall are enlarged too where their own strokes are thick (THICK_STROKES of their
# height, the median over the blobs): a blur has filled their loops, and enlarged and sharpened they open (a 9 read
# 7, a 2 read 8). UPSCALE_TO / MIN_UPSCALE: taller digits would not be enlarged anyway. The blobs' strokes, not the
# whole ink's: a phone's shadow edge is thick ink too, and the thin pencil digits beside it (d_015) read worse
# enlarged. Synthetic validation, small: 544 -> 547 of 600 (with VALLEY_SHARE 0.20: 550; 600-899: 268 -> 274).
THICK_SMALL_DIGIT = UPSCALE_TO / MIN_UPSCALE
# The enlarged image is sharpened (unsharp masking: the image plus SHARPEN_AMOUNT times its difference from itself
# blurred by SHARPEN_SIGMA of the original's pixels) before it is binarized. A small digit's strokes are a pixel or
# two of a photo's blur wide: enlarged smooth, the blur's halo passes for ink, strokes come out a fifth of the digit
# thick and loops fill (a 3 read as 1, a 9 as 4). Synthetic validation, 80 each: small 82.5 -> 90.0%, dense 46 -> 50%
# (amount 0.7: 87.5, 1.5: 88.8, 2: 86.2, 3: 83.8; sigma 0.5: 82.5, 2: 85.0).
SHARPEN_AMOUNT = 1.0
SHARPEN_SIGMA = 1.0
# Ink whose strokes are thicker than this share of the digits' height is thicker than nine in ten MNIST digits
# (normalize.STROKE_BAND): a blur's halo binarized with them, and the gaps between strokes get opened again
# (``open_valleys``). Real writing is thinner (realworld-dev tuning half: 0.02-0.14 but one at 0.20), the synthetic
# photos of small and dense digits thicker (0.16-0.29): opened everywhere, a real 4 like a 9 (d_029) read 9.
THICK_STROKES = STROKE_BAND[1]


def segment(gray: np.ndarray, analysis: Analysis | None = None) -> Segmentation:
    """Digit candidates grouped into lines (see the module docstring).

    Parameters
    ----------
    gray: (H, W) uint8 grayscale image.
    analysis: ``analyse(gray)``, where the caller has it already (reading does, to size the
        image by its strokes); it must be of this very image. Computed here when None.
    """
    light_on_dark, stroke_small, scale = analysis if analysis is not None else analyse(gray)
    ink_bright = gray if light_on_dark else 255 - gray
    contrast = flatten(ink_bright, stroke_small, scale, relative=not light_on_dark)
    levels = ink_levels(contrast)
    ink, faint = binarize(contrast, levels)
    ink, removed = remove_long_lines(ink, faint)
    blobs, digit_height = merge_fragments(ink)
    if levels is not None and blobs and stroke_width(ink) > THICK_STROKES * digit_height:
        opened = open_valleys(levels, ink, stroke_small / scale)
        taken, ink = ink > opened, opened
        blobs = [_without(blob, taken) for blob in blobs]
    lines, direction = find_lines(blobs, digit_height)
    numbers = numbers_of(lines, direction)
    # A number made of nothing but scraps far shorter than the digits is not writing: it is what
    # is left of the edge of a table or a shadow past the page, broken into teeth.
    numbers = [number for number in numbers if max(b.h for b in number) >= SCRAP_HEIGHT * digit_height]
    notes = doubts(lines, direction, digit_height)
    return Segmentation(numbers, ink, light_on_dark, digit_height, stroke_small / scale, removed, notes)


def _without(blob: Blob, taken: np.ndarray) -> Blob:
    """``blob`` less the pixels ``taken`` from the ink (bool, the image's shape: what ``open_valleys`` took).

    The blobs stay as ``merge_fragments`` made them (a loop opened leaves one digit one blob, and
    costs no second pass); a mask the opening would empty keeps its ink.
    """
    mask = np.where(taken[blob.y : blob.y + blob.h, blob.x : blob.x + blob.w], 0, blob.mask).astype(blob.mask.dtype)
    return Blob(blob.x, blob.y, blob.w, blob.h, mask) if mask.any() else blob


def segment_small(gray: np.ndarray, analysis: Analysis | None = None) -> tuple[Segmentation, float]:
    """``segment``, again on the image enlarged where the digits are small; and the enlargement.

    Small: under SMALL_DIGIT pixels tall, or under THICK_SMALL_DIGIT with strokes thicker than
    THICK_STROKES of their height (``_small_digits``).

    The enlarged image is sharpened (``sharpened``) before it is segmented. Returns the
    segmentation (in the enlarged image's pixels) and the factor (1.0 where not enlarged).
    """
    found = segment(gray, analysis)
    if not found.lines or not _small_digits(found):
        return found, 1.0
    factor = min(MAX_UPSCALE, UPSCALE_TO / found.digit_height, math.sqrt(UPSCALE_MAX_PIXELS / gray.size))
    if factor < MIN_UPSCALE:
        return found, 1.0
    enlarged = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return segment(sharpened(enlarged, SHARPEN_SIGMA * factor, SHARPEN_AMOUNT)), factor


def _small_digits(found: Segmentation) -> bool:
    """Whether ``found``'s digits are small enough to be segmented again enlarged (SMALL_DIGIT, THICK_SMALL_DIGIT)."""
    height = found.digit_height
    if height < SMALL_DIGIT:
        return True
    if height >= THICK_SMALL_DIGIT:
        return False
    return float(np.median([stroke_width(blob.mask) for line in found.lines for blob in line])) > THICK_STROKES * height


def sharpened(gray: np.ndarray, sigma: float, amount: float = SHARPEN_AMOUNT) -> np.ndarray:
    """``gray`` (uint8) unsharp-masked: plus ``amount`` times its difference from itself blurred by ``sigma`` pixels.

    Edges get steeper: the light gap inside a blurred loop gets lighter, the halo round a stroke
    lighter, so binarization keeps them apart. Saturates at 0 and 255.
    """
    soft = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1 + amount, soft, -amount, 0)
