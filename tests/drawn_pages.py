"""Small drawn pages with known answers, for the segmentation and cut tests."""

from __future__ import annotations

import cv2
import numpy as np

INK, PAPER = 30, 235


def page(height: int = 160, width: int = 320, tone: int = PAPER) -> np.ndarray:
    return np.full((height, width), tone, np.uint8)


def zero(image: np.ndarray, x: int, y: int, h: int = 40, value: int = INK, thickness: int = 4) -> tuple:
    """Draw a '0'-like ellipse with its box at (x, y), h tall and 0.6 h wide; returns the box."""
    w = int(0.6 * h)
    cv2.ellipse(
        image, (x + w // 2, y + h // 2), (w // 2 - thickness // 2, h // 2 - thickness // 2), 0, 0, 360, value, thickness
    )
    return x, y, w, h


def boxes(found) -> list[list[tuple[int, int, int, int]]]:
    return [[blob.box for blob in line] for line in found.lines]


def assert_boxes_match(found_box, drawn_box, tolerance=3):
    for got, want in zip(found_box, drawn_box, strict=True):
        assert abs(got - want) <= tolerance, (found_box, drawn_box)


def assert_one_line_of(found, drawn, tolerance=3):
    """``found`` is one line holding the ``drawn`` boxes, each found within ``tolerance`` pixels."""
    assert [len(line) for line in found.lines] == [len(drawn)]
    for got, want in zip(boxes(found)[0], drawn, strict=True):
        assert_boxes_match(got, want, tolerance)
