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


def cut(line: list[Blob]) -> list[bool]:
    """Whether each blob gets candidate cuts (pieces other than the blob whole)."""
    return [len(plan.points) > 2 for plan in plan_line(line, Images(), pairs=False, chains=False)]


def spaced(widths: list[int], gap: int, height: int = 20) -> list[Blob]:
    """Blobs this wide, ``height`` tall, ``gap`` apart."""
    blobs, x = [], 0
    for width in widths:
        blobs.append(bar(x, 0, width, height))
        x += width + gap
    return blobs


def test_a_flat_digit_with_a_line_height_of_space_on_each_side_is_not_cut():
    # A flat 0 (36 wide, 20 tall) among digits 26 wide, 24 apart (1.2 heights): one digit each.
    line = spaced([26, 26, 36, 26], gap=24)
    assert cut(line) == [False] * 4
    assert [plan.alone for plan in plan_line(line, Images(), pairs=False, chains=False)] == [True] * 4


def test_touching_digits_or_close_ones_may_still_be_cut():
    # The same 36-wide blob with digits 10 apart (half a height): it may be two touching digits.
    assert cut(spaced([26, 26, 36, 26], gap=10)) == [True, True, True, True]
    # Twice the others' width (two touching digits) however far apart: cut.
    assert cut(spaced([26, 26, 56, 26], gap=30))[2]
    # Two blobs alone give no typical width: a wide one may be cut.
    assert cut(spaced([26, 36], gap=30)) == [True, True]
