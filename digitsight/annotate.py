"""Draw what was read onto the image: a box around each digit and its value beside it.

A value label goes above its box, else below, to the right or to the left: the first
place inside the image that covers no digit and no other label (a digit at the top edge
gets its label below it, not over it). Where every place covers something, the one that
covers the least digit ink area is taken.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitsight.imaging import load_image
from digitsight.result import LOW_CONFIDENCE, Reading
from digitsight.segment.blob import box_overlap

# Box colours by confidence: green when sure, orange when unsure (a warning was raised).
SURE = (0, 170, 60)
UNSURE = (235, 120, 0)


def annotate(image: object, reading: Reading, *, low_confidence: float | None = None) -> np.ndarray:
    """``image`` (anything ``digitsight.read`` accepts) with ``reading`` drawn on it -> (H, W, 3) uint8 RGB.

    Boxes are in the original image's coordinates, as ``Reading`` reports them; where
    ``image`` is a ``LoadedImage`` decoded shrunk (``load_image(..., max_pixels=)``), the
    picture is drawn at that smaller size, boxes scaled to it. Low-confidence digits are
    drawn in orange, the others in green.
    """
    threshold = LOW_CONFIDENCE if low_confidence is None else low_confidence
    loaded = load_image(image)
    canvas = loaded.rgb.copy()
    height, width = canvas.shape[:2]
    # Lines and labels scale with the image so they stay visible on a 12-megapixel photo.
    thickness = max(1, round(max(height, width) / 400))
    boxes = [_scaled(digit.box, loaded.scale) for digit in reading.digits]
    taken: list[tuple[int, int, int, int]] = []  # labels placed so far, (x, y, w, h)
    for digit, box in zip(reading.digits, boxes, strict=True):
        x, y, w, h = box
        colour = SURE if digit.confidence >= threshold else UNSURE
        cv2.rectangle(canvas, (x, y), (x + w - 1, y + h - 1), colour, thickness)
        font_scale = max(0.4, h / 60)
        label = str(digit.value)
        (text_w, text_h), baseline = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        left, top = _label_spot(box, (text_w + 2, text_h + baseline), thickness, (width, height), boxes, taken)
        taken.append((left, top, text_w + 2, text_h + baseline))
        cv2.rectangle(canvas, (left, top), (left + text_w + 2, top + text_h + baseline), colour, -1)
        cv2.putText(
            canvas,
            label,
            (left + 1, top + text_h),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            (255, 255, 255),
            thickness,
            cv2.LINE_AA,
        )
    return canvas


def _scaled(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    """``box`` (x, y, w, h) in an image ``scale`` times the original's size (at least 1 pixel wide and tall)."""
    if scale == 1.0:
        return box
    x, y, w, h = box
    return round(x * scale), round(y * scale), max(1, round(w * scale)), max(1, round(h * scale))


def _label_spot(
    box: tuple[int, int, int, int],
    label: tuple[int, int],
    gap: int,
    size: tuple[int, int],
    boxes: list[tuple[int, int, int, int]],
    taken: list[tuple[int, int, int, int]],
) -> tuple[int, int]:
    """The (left, top) of a ``label`` (w, h) for the digit in ``box``: above, below, right or left of it.

    The first place inside the image (``size``) that overlaps no digit box and no label
    already ``taken``; else the one overlapping the least. ``gap`` pixels from the box.
    """
    x, y, w, h = box
    label_w, label_h = label
    width, height = size
    spots = [
        (x, y - label_h - gap),  # above
        (x, y + h + gap),  # below
        (x + w + gap, y),  # right
        (x - label_w - gap, y),  # left
    ]
    best, best_cover = None, None
    for left, top in spots:
        if left < 0 or top < 0 or left + label_w > width or top + label_h > height:
            continue
        spot = (left, top, label_w, label_h)
        cover = sum(box_overlap(spot, other) for other in boxes) + sum(box_overlap(spot, other) for other in taken)
        if cover == 0:
            return left, top
        if best_cover is None or cover < best_cover:
            best, best_cover = (left, top), cover
    if best is not None:
        return best
    # No place fits inside the image (a label larger than the room around the digit): above, clamped.
    return min(max(0, x), max(0, width - label_w)), min(max(0, y - label_h - gap), max(0, height - label_h))
