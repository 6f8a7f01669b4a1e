"""Draw what was read onto the image: a box around each digit and its value above it."""

from __future__ import annotations

import cv2
import numpy as np

from digitsight.imaging import load_image
from digitsight.result import LOW_CONFIDENCE, Reading

# Box colours by confidence: green when sure, orange when unsure (a warning was raised).
SURE = (0, 170, 60)
UNSURE = (235, 120, 0)


def annotate(image: object, reading: Reading, *, low_confidence: float | None = None) -> np.ndarray:
    """``image`` (anything ``digitsight.read`` accepts) with ``reading`` drawn on it -> (H, W, 3) uint8 RGB.

    Boxes are in the original image's coordinates, as ``Reading`` reports them. Low-
    confidence digits are drawn in orange, the others in green.
    """
    threshold = LOW_CONFIDENCE if low_confidence is None else low_confidence
    canvas = load_image(image).rgb.copy()
    height, width = canvas.shape[:2]
    # Lines and labels scale with the image so they stay visible on a 12-megapixel photo.
    thickness = max(1, round(max(height, width) / 400))
    for digit in reading.digits:
        x, y, w, h = digit.box
        colour = SURE if digit.confidence >= threshold else UNSURE
        cv2.rectangle(canvas, (x, y), (x + w - 1, y + h - 1), colour, thickness)
        font_scale = max(0.4, h / 60)
        label = str(digit.value)
        (text_w, text_h), baseline = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        top = y - text_h - baseline - thickness
        if top < 0:  # no room above the box: put the label inside it
            top = y + thickness
        left = min(max(0, x), max(0, width - text_w - 2))
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
