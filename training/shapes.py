"""Digit shapes common in real writing and rare in MNIST, made from MNIST training digits.

MNIST's writers were American census clerks and students of the 1990s; real photos show
crossed 7s, 1s with a long flag and a foot (or drawn like a roof), 4s with an open top (or a
closed one), 8s whose upper loop is left open, G-shaped 6s, P-shaped 9s, 9s whose stem ends
in a hook, and D-shaped 0s. The shipped classifier misreads such digits (a flagged 1 as 7,
an open 8 as 5, a G-shaped 6 as 9, a hooked 9 as 3): issue 20.

Each variant edits one MNIST digit of its class: strokes are drawn and gaps cut on a 4x
upsampled canvas at the digit's own stroke width, then the result is shrunk back and put
in MNIST's layout again (longer side 20 pixels, centre of mass at the centre). The
training script adds the variants to the training digits under their digit's label.

    python -m training.shapes /tmp/shapes.png    # a contact sheet of every variant, to look at
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import cv2
import numpy as np

from digitsight.synthetic.glyphs import contact_sheet

# The canvas the edits are drawn on: 4x MNIST's 28 pixels, so a stroke is ~10 pixels wide
# there and a line drawn at that width looks like the pen's.
UP = 4
SIDE = 28 * UP
INK = 128  # a pixel at least this bright (of 255) is ink, as MNIST's own binarizations use

# A roof-shaped 1's flag falls at least this steeply (degrees below the horizontal): 7s of the real
# tuning half with tops falling 30 degrees were read as 1s by a model trained on flatter flags.
ROOF_MIN_DEGREES = 48
# A long-hooked 9 is the digit shrunk to this share of its height (the rest is its long stem and
# hook): the loops of d_054's 9s (real tuning half) are a third to a half of the digit's height.
LONG_NINE_SCALE = (0.5, 0.7)

# A variant edits one uint8 28x28 digit with a random generator; None where it cannot (no ink).
Variant = Callable[[np.random.Generator, np.ndarray], "np.ndarray | None"]


def stroke_px(canvas: np.ndarray) -> int:
    """The stroke width of the ink on ``canvas`` in canvas pixels: 2 * area / perimeter, at least 4."""
    binary = (canvas >= INK).astype(np.uint8)
    area = int(binary.sum())
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return max(UP, int(round(2 * area / perimeter))) if perimeter else UP


def ink_box(canvas: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the ink on ``canvas``, inclusive; None without ink."""
    rows = np.flatnonzero((canvas >= INK).any(axis=1))
    cols = np.flatnonzero((canvas >= INK).any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def upsampled(digit: np.ndarray) -> np.ndarray:
    return cv2.resize(digit.astype(np.float32), (SIDE, SIDE), interpolation=cv2.INTER_LINEAR)


def mnist_layout(canvas: np.ndarray) -> np.ndarray:
    """A grey canvas (any size, ink bright) -> uint8 28x28 as MNIST lays a digit out.

    The ink's box fitted into 20x20 (aspect kept, area-averaged), placed so that its centre
    of mass is at (14, 14): what ``digitsight.normalize.to_mnist`` does with a mask.
    """
    box = ink_box(canvas)
    if box is None:
        return np.zeros((28, 28), np.uint8)
    top, bottom, left, right = box
    ink = canvas[top : bottom + 1, left : right + 1].astype(np.float32)
    scale = 20.0 / max(ink.shape)
    width, height = max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale))
    small = cv2.resize(ink, (width, height), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    field = np.zeros((28, 28), np.float32)
    y0, x0 = (28 - height) // 2, (28 - width) // 2
    field[y0 : y0 + height, x0 : x0 + width] = small
    total = field.sum()
    ys, xs = np.mgrid[0:28, 0:28]
    cy, cx = (ys * field).sum() / total, (xs * field).sum() / total
    shift = np.float32([[1, 0, 14.0 - cx], [0, 1, 14.0 - cy]])
    field = cv2.warpAffine(field, shift, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.clip(np.rint(field), 0, 255).astype(np.uint8)


def _line(canvas: np.ndarray, start: tuple[float, float], end: tuple[float, float], width: int) -> None:
    """Draw a pen stroke from ``start`` to ``end`` (x, y canvas pixels) onto ``canvas``, in place."""
    cv2.line(
        canvas, (int(round(start[0])), int(round(start[1]))), (int(round(end[0])), int(round(end[1]))), 255.0, width,
        cv2.LINE_AA,
    )  # fmt: skip


def _erase(canvas: np.ndarray, centre: tuple[float, float], radius: float) -> None:
    """Cut the ink within ``radius`` of ``centre`` (x, y), in place: a gap in the stroke."""
    cv2.circle(canvas, (int(round(centre[0])), int(round(centre[1]))), max(1, int(round(radius))), 0.0, -1, cv2.LINE_AA)


def _row_ink(canvas: np.ndarray, y: int) -> np.ndarray:
    return np.flatnonzero(canvas[int(np.clip(y, 0, SIDE - 1))] >= INK)


def _band_x(canvas: np.ndarray, y0: float, y1: float) -> float | None:
    """The mean column of the ink in rows ``y0`` to ``y1`` (inclusive); None where they hold none."""
    band = canvas[int(np.clip(y0, 0, SIDE - 1)) : int(np.clip(y1, 0, SIDE - 1)) + 1] >= INK
    columns = np.flatnonzero(band.any(axis=0))
    return float(columns.mean()) if columns.size else None


def _edited(edit: Callable[[np.random.Generator, np.ndarray, tuple[int, int, int, int], int], None]) -> Variant:
    """A Variant from an in-place ``edit(rng, canvas, ink box, stroke width)`` on the 4x canvas."""

    def variant(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray | None:
        canvas = upsampled(digit)
        box = ink_box(canvas)
        if box is None:
            return None
        edit(rng, canvas, box, stroke_px(canvas))
        return mnist_layout(np.clip(canvas, 0, 255))

    variant.__name__ = edit.__name__
    variant.__doc__ = edit.__doc__
    return variant


@_edited
def crossed_seven(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 7 with a bar across its stem, a little below half its height."""
    top, bottom, left, right = box
    y = top + rng.uniform(0.45, 0.62) * (bottom - top)
    columns = _row_ink(canvas, int(y))
    if columns.size == 0:
        return
    centre = float(np.median(columns))
    half = rng.uniform(0.2, 0.32) * (right - left) + width
    tilt = rng.uniform(-0.12, 0.12) * half
    _line(canvas, (centre - half, y + tilt), (centre + half, y - tilt), width)


@_edited
def flagged_one(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 1 with a flag down to the left from its top, often long, and half the time a foot."""
    top, bottom, _, _ = box
    height = bottom - top
    top_x = _band_x(canvas, top, top + width)
    if top_x is None:
        return
    # Long flags are the ones read as 7; but longer than 0.35 of the height or flatter than 35
    # degrees, a flagged 1 is a 7 indeed (with 0.2-0.45 and 30-60, 7s of the real tuning half read as 1s).
    length = rng.uniform(0.15, 0.35) * height
    angle = np.radians(rng.uniform(35, 65))  # below the horizontal
    _line(canvas, (top_x, top + width / 2), (top_x - length * np.cos(angle), top + length * np.sin(angle)), width)
    foot_x = _band_x(canvas, bottom - width, bottom)
    if rng.random() < 0.5 and foot_x is not None:
        foot_y = bottom - width / 2
        half = rng.uniform(0.15, 0.3) * height
        _line(canvas, (foot_x - half, foot_y), (foot_x + half, foot_y), width)


@_edited
def roof_one(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 1 drawn like a roof: a long, steep flag down to the left from its top, as long as half its height or more."""
    top, bottom, _, _ = box
    height = bottom - top
    top_x = _band_x(canvas, top, top + width)
    foot_x = _band_x(canvas, bottom - width, bottom)
    if top_x is None or foot_x is None:
        return
    # Sheared upright or leaning back first: under a long flag, a stem leaning forward (foot left
    # of its top, as most of MNIST's 1s) would be the diagonal of a 7.
    lean = rng.uniform(0.0, 0.25) * height - (foot_x - top_x)
    shear = np.float32([[1, lean / height, -lean / height * top], [0, 1, 0]])
    canvas[:] = cv2.warpAffine(canvas, shear, (SIDE, SIDE), flags=cv2.INTER_LINEAR, borderValue=0)
    # Steeper than ROOF_MIN_DEGREES, so that it stays unlike a 7's level top bar (the flagged 1s of
    # realworld-dev d_054, tuning half, fall 45-60 degrees and 0.5-0.8 of the height).
    length = rng.uniform(0.45, 0.8) * height
    angle = np.radians(rng.uniform(ROOF_MIN_DEGREES, 70))
    _line(canvas, (top_x, top + width / 2), (top_x - length * np.cos(angle), top + length * np.sin(angle)), width)


@_edited
def open_top_four(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 4 whose left stroke stops short of the upright: its top opened, the left stroke shortened."""
    top, bottom, left, right = box
    height = bottom - top
    top_x = _band_x(canvas, top, top + width)
    if top_x is not None:
        _erase(canvas, (top_x, top), rng.uniform(0.8, 1.4) * width)
    # Shorten the left stroke: cut away its top above a random depth, left of the middle.
    depth = int(top + rng.uniform(0.12, 0.3) * height)
    middle = int(left + 0.5 * (right - left))
    canvas[:depth, :middle] = 0


@_edited
def closed_top_four(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 4 with a closed top: the left stroke's top joined to the upright's top (a triangle)."""
    top, bottom, left, right = box
    height = bottom - top
    upper = canvas[: int(top + 0.35 * height)] >= INK
    ys, xs = np.nonzero(upper)
    if xs.size == 0:
        return
    middle = left + 0.5 * (right - left)
    left_tip = np.argmin(np.where(xs < middle, ys, SIDE))
    right_tip = np.argmin(np.where(xs >= middle, ys, SIDE))
    if xs[left_tip] >= middle or xs[right_tip] < middle:
        return
    _line(canvas, (xs[left_tip], ys[left_tip]), (xs[right_tip], ys[right_tip]), width)
    _ = rng


@_edited
def open_eight(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """An 8 whose upper loop is left open: a gap in its upper right (or upper left) side."""
    top, bottom, _, _ = box
    y = int(top + rng.uniform(0.1, 0.3) * (bottom - top))
    columns = _row_ink(canvas, y)
    if columns.size == 0:
        return
    x = columns[-1] - width / 2 if rng.random() < 0.75 else columns[0] + width / 2
    _erase(canvas, (x, y), rng.uniform(1.0, 1.6) * width)


@_edited
def g_shaped_six(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 6 drawn like a G: its loop not closed onto the stem, a short bar turned in from the right instead."""
    top, bottom, left, right = box
    height = bottom - top
    y = int(top + rng.uniform(0.5, 0.62) * height)
    columns = _row_ink(canvas, y)
    if columns.size == 0:
        return
    # The loop's top meets the stem left of the middle: cut it open there.
    inner = columns[columns > columns[0] + 1.5 * width]
    cut_x = float(inner[0]) if inner.size else columns[0] + 2 * width
    _erase(canvas, (cut_x, y), rng.uniform(0.9, 1.3) * width)
    bar_y = top + rng.uniform(0.55, 0.7) * height
    right_x = right - width / 2
    _line(canvas, (right_x, bar_y), (right_x - rng.uniform(0.25, 0.45) * (right - left), bar_y), width)


@_edited
def hooked_nine(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 9 whose stem ends in a hook curled to the left, like a g (the shipped model read such 9s as 3)."""
    top, bottom, _, _ = box
    foot_x = _band_x(canvas, bottom - width, bottom)
    if foot_x is None:
        return
    reach = rng.uniform(0.3, 0.55) * (bottom - top)
    turn = (foot_x - 0.4 * reach, bottom + rng.uniform(0.05, 0.15) * reach)
    end = (foot_x - reach, bottom - rng.uniform(0.0, 0.25) * reach)
    _line(canvas, (foot_x, bottom - width / 2), turn, width)
    _line(canvas, turn, end, width)


@_edited
def long_hooked_nine(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 9 with a small loop on a long stem that ends in a wide hook curled left and up, like a g.

    The 9s of the real tuning scan d_054 look so: the loop a third to a half of the height, the
    hook reaching back under it or further (the shipped model read such 9s as 3). The digit is
    shrunk into the canvas's top first, so that the stem has room to go on down.
    """
    top, bottom, left, right = box
    scale = rng.uniform(*LONG_NINE_SCALE)
    centre_x = (left + right) / 2
    # Moved right as well: the hook reaches back under the loop and further left.
    shrink = np.float32([[scale, 0, 0.65 * SIDE - centre_x * scale], [0, scale, UP - top * scale]])
    canvas[:] = cv2.warpAffine(canvas, shrink, (SIDE, SIDE), flags=cv2.INTER_LINEAR, borderValue=0)
    # Thickened back by what the shrinking took from the stroke: the layout scales the digit up again.
    grow = max(1, int(round(width * (1 - scale))))
    canvas[:] = cv2.dilate(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    box = ink_box(canvas)
    if box is None:
        return
    top, bottom, left, right = box
    foot_x = _band_x(canvas, bottom - width, bottom)
    if foot_x is None:
        return
    height = bottom - top
    stem_end = (foot_x - rng.uniform(0.0, 0.1) * height, bottom + rng.uniform(0.1, 0.35) * height)
    reach = rng.uniform(1.0, 1.8) * max(right - left, 0.5 * height)
    # The hook as a quadratic Bezier from the stem's end, round its lowest point, back up to the left.
    control = (stem_end[0] - 0.3 * reach, stem_end[1] + rng.uniform(0.2, 0.4) * height)
    end = (stem_end[0] - reach, stem_end[1] - rng.uniform(0.05, 0.5) * height)
    t = np.linspace(0.0, 1.0, 12)[:, None]
    curve = (1 - t) ** 2 * np.array(stem_end) + 2 * t * (1 - t) * np.array(control) + t**2 * np.array(end)
    points = [(foot_x, bottom - width / 2), *map(tuple, np.clip(curve, 0, SIDE - 1))]
    for start, stop in zip(points, points[1:], strict=False):
        _line(canvas, start, stop, width)


def p_shaped_nine(rng: np.random.Generator, digit: np.ndarray) -> np.ndarray | None:
    """A 9 with its stem down the left of the loop, like a P (the digit mirrored)."""
    _ = rng
    return mnist_layout(upsampled(digit[:, ::-1]))


@_edited
def d_shaped_zero(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int], width: int) -> None:
    """A 0 with a straight upright left side, like a D: its right half kept, joined to an upright."""
    top, bottom, left, right = box
    middle = int(left + rng.uniform(0.4, 0.55) * (right - left))
    canvas[:, :middle] = 0
    ys, xs = np.nonzero(canvas >= INK)
    if xs.size == 0:
        return
    x = left + width / 2
    near = xs < middle + 2 * width  # the right half's ends, where the upright's corners join it
    end_top = (xs[near][np.argmin(ys[near])], ys[near].min()) if near.any() else (middle, top)
    end_bottom = (xs[near][np.argmax(ys[near])], ys[near].max()) if near.any() else (middle, bottom)
    corner_top, corner_bottom = (x, top + width / 2), (x, bottom - width / 2)
    _line(canvas, corner_top, corner_bottom, width)
    _line(canvas, corner_top, end_top, width)
    _line(canvas, corner_bottom, end_bottom, width)


# digit -> the variants made of it, with how many of that digit's training images each is made from.
VARIANTS: dict[int, tuple[tuple[Variant, float], ...]] = {
    0: ((d_shaped_zero, 0.15),),
    1: ((flagged_one, 0.3), (roof_one, 0.15)),
    # closed_top_four is left out: trained with it (0.07), the model read a square 9 of the real tuning half as 4.
    4: ((open_top_four, 0.15),),
    6: ((g_shaped_six, 0.15),),
    7: ((crossed_seven, 0.3),),
    8: ((open_eight, 0.15),),
    9: ((p_shaped_nine, 0.12), (hooked_nine, 0.15), (long_hooked_nine, 0.1)),
}


def make_variants(images: np.ndarray, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The shape variants of ``images`` (uint8 28x28 training digits): (images, labels, variant names).

    Each variant of VARIANTS is made from its share of the digit's images, drawn at random
    (``seed``); an image may be drawn by two variants of its digit.
    """
    rng = np.random.default_rng(seed)
    made, made_labels, names = [], [], []
    for digit, variants in VARIANTS.items():
        pool = np.flatnonzero(labels == digit)
        for variant, share in variants:
            for index in rng.choice(pool, int(share * len(pool)), replace=False):
                image = variant(rng, images[index])
                if image is not None and image.any():
                    made.append(image)
                    made_labels.append(digit)
                    names.append(variant.__name__)
    return np.array(made, np.uint8).reshape(-1, 28, 28), np.array(made_labels, np.int64), names


def main(argv: list[str]) -> int:
    from digitsight.data import load_mnist

    mnist = load_mnist()
    rng = np.random.default_rng(7)
    rows = []
    for digit, variants in VARIANTS.items():
        pool = np.flatnonzero(mnist.y_train == digit)
        for variant, _ in variants:
            picks = rng.choice(pool, 12, replace=False)
            rows.extend(mnist.x_train[picks])
            rows.extend(variant(rng, mnist.x_train[i]) for i in picks)
    contact_sheet(argv[0] if argv else "/tmp/shapes.png", np.array(rows), columns=24)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
