"""What segmentation warns about (segment/doubts.py), on blobs laid out by hand and on a drawn page."""

from __future__ import annotations

import numpy as np
from drawn_pages import page, zero

import digitsight
from digitsight.segment import segment
from digitsight.segment.blob import Blob
from digitsight.segment.boundaries import doubtful
from digitsight.segment.doubts import doubts
from digitsight.segment.orientation import LEVEL

H, W = 40, 24


def blob(x: float, y: float) -> Blob:
    return Blob(round(x), round(y), W, H, np.ones((H, W), np.uint8))


def row(*spaces: float, y: float = 100) -> list[Blob]:
    blobs, x = [], 10.0
    for space in (0, *spaces):
        x += space
        blobs.append(blob(x, y))
        x += W
    return blobs


def test_a_plain_line_raises_no_doubt():
    assert doubts([row(12, 12, 12, 12)], LEVEL, H) == []


def test_a_dense_page_is_reported():
    lines = [row(*[12] * 7, y=60 * k) for k in range(8)]
    notes = doubts(lines, LEVEL, H)
    assert len(notes) == 1 and notes[0].startswith("a dense page (8 lines, 64 digit candidates)")
    column = [row(y=60 * k) for k in range(9)]  # nine single digits, one below the other: not dense
    assert doubts(column, LEVEL, H) == []


def test_a_line_that_rises_and_falls_by_more_than_a_digit_is_reported_uneven_baselines_are_not():
    uneven = row(12, 12, 12, 12)
    for k in (1, 3):
        uneven[k].y += 16  # 0.4 heights low
    assert doubts([uneven], LEVEL, H) == []
    two = row(12, 12, 12, 12)
    two[2].y += 60  # a digit of the next line chained into this one
    assert doubts([two], LEVEL, H) == [
        "line 1 rises and falls by more than a digit's height: it may be two lines read as one"
    ]


def test_a_space_near_the_rules_threshold_is_doubtful_clear_ones_are_not():
    assert doubtful(row(12, 12, 32, 12))  # 2.7 times the spacing, 0.8 heights: just short of a split
    assert not doubtful(row(12, 12, 60, 12))  # clearly two numbers
    assert not doubtful(row(12, 12, 14, 12))  # clearly one


def test_segment_passes_its_doubts_on():
    image = page(700, 520)
    for line in range(8):
        for k in range(8):
            zero(image, 30 + 60 * k, 20 + 80 * line)
    found = segment(image)
    assert len(found.lines) == 8
    assert [note.split(":")[0] for note in found.notes] == ["a dense page (8 lines, 64 digit candidates)"]


def test_the_reading_carries_the_doubts_as_warnings(shipped_model_path):
    image = page(700, 520)
    for line in range(8):
        for k in range(8):
            zero(image, 30 + 60 * k, 20 + 80 * line)
    reading = digitsight.read(image, model_path=shipped_model_path)
    assert any(warning.startswith("a dense page (8 lines") for warning in reading.warnings)
