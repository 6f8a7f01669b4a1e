"""Which neighbouring blobs the decoder also tries as one digit (digitsight/decode/candidates.py)."""

from __future__ import annotations

import cv2
import numpy as np

from digitsight.decode.candidates import Images, plan_line, without_tail
from digitsight.normalize import to_mnist
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


def test_two_digits_along_a_gentle_slant_are_not_but_a_broken_zero_a_little_askew_is():
    # A 6 and a 4, 20 wide and 40 tall, 4 apart, on a line rising 25 degrees: the 4 stands 8 higher, the union is
    # 44 wide and 48 tall (1.2 heights). A broken 0's halves, one 4 lower than the other: 44 tall (1.1).
    assert merged([bar(0, 8, 20, 40), bar(24, 0, 20, 40)]) == [False, False]
    assert merged([bar(0, 4, 12, 40), bar(16, 0, 12, 40)]) == [True, False]


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


def drawn(strokes: list[tuple[tuple[int, int], tuple[int, int]]], h: int, w: int) -> Blob:
    """A blob of straight strokes 4 pixels wide, (x, y) to (x, y), in an h x w box."""
    mask = np.zeros((h, w), np.uint8)
    for start, end in strokes:
        cv2.line(mask, start, end, 1, 4)
    return Blob(100, 50, w, h, mask)


def test_a_sevens_stem_running_three_heights_down_is_cut_off_for_the_nets():
    # Line height 40: a 7's bar 30 wide on top of a stem 120 tall, slanting a little.
    seven = drawn([((2, 2), (30, 2)), ((30, 2), (18, 117))], 120, 34)
    shown = without_tail(seven, 40.0)
    assert (shown.y, shown.h) == (50, 60)  # 1.5 line heights kept, from the top
    assert shown.x == 100 and shown.w == 33  # the kept part's own width
    # In a line of 40-pixel digits the nets see the 7 so; its box stays the whole blob's.
    images = Images()
    plans = plan_line([bar(0, 50, 24, 40), seven, bar(200, 50, 24, 40)], images, pairs=False, chains=False)
    whole = plans[1].pieces[(0, len(plans[1].points) - 1)]
    assert whole.blob is seven
    assert np.array_equal(images.crops[whole.crop], to_mnist(shown.mask))


def test_a_tall_digit_whose_lower_part_is_not_one_narrow_stroke_is_shown_whole():
    # A 2 written three heights tall: its base is far wider than a stroke.
    two = drawn([((2, 10), (30, 2)), ((30, 2), (2, 115)), ((2, 115), (32, 115))], 120, 34)
    assert without_tail(two, 40.0) is two
    # A fork below the kept part (an 8's or a 4's two strokes): two runs in a row.
    fork = drawn([((2, 2), (30, 2)), ((8, 2), (8, 117)), ((26, 2), (26, 117))], 120, 34)
    assert without_tail(fork, 40.0) is fork
    # The 7 at under two line heights keeps its stem.
    seven = drawn([((2, 2), (30, 2)), ((30, 2), (18, 77))], 80, 34)
    assert without_tail(seven, 40.0) is seven


def test_a_blobs_digit_width_is_the_median_of_the_other_single_digits_of_its_line():
    from digitsight.decode.candidates import digit_widths

    # Six digits 12 to 17 wide and a blob 26 wide (1.3 heights of 20: not one digit, left out of every median);
    # each blob's own width is left out of its digit width.
    line = spaced([12, 13, 14, 15, 16, 17, 26], gap=6)
    assert digit_widths(line, 20.0) == [15.0, 15.0, 15.0, 14.0, 14.0, 14.0, 14.5]
    plans = plan_line(line, Images(), pairs=False, chains=False)
    assert plans[6].digit_width == 14.5
    # Each plan also keeps its line's height, which stands in for a digit width where none is measured.
    assert [plan.line_height for plan in plans] == [20.0] * 7
    # Five digits (a touching pair 18 wide, 0.9 heights, among them): four others each, too few to tell.
    assert digit_widths(spaced([12, 13, 14, 15, 18], gap=6), 20.0) == [None] * 5
