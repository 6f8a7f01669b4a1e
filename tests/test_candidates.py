"""Which neighbouring blobs the decoder also tries as one digit (digitsight/decode/candidates.py)."""

from __future__ import annotations

import numpy as np

from digitsight.decode.candidates import Images, plan_line
from digitsight.segment import Blob


def bar(x: int, y: int, w: int, h: int) -> Blob:
    return Blob(x, y, w, h, np.ones((h, w), np.uint8))


def merged(line: list[Blob]) -> list[bool]:
    return [plan.merged is not None for plan in plan_line(line, Images(), pairs=False, chains=False)]


def test_the_halves_of_a_broken_zero_side_by_side_are_tried_as_one_digit():
    # Two halves 12 wide, 40 tall, 4 apart: the union is 28 wide and 40 tall.
    assert merged([bar(0, 0, 12, 40), bar(16, 0, 12, 40)]) == [True, False]


def test_two_digits_stacked_along_a_steep_slant_are_not():
    # A 1 (8 wide) beside a 7 (24 wide) on a line rising 40 degrees: 4 apart in x, the 1 a
    # height's half higher, so the union is 60 tall (1.5 heights).
    assert merged([bar(0, 20, 24, 40), bar(28, 0, 8, 40)]) == [False, False]
