"""Where one number ends within a line (segment/boundaries.py), on blobs laid out by hand."""

from __future__ import annotations

import numpy as np

from digitsight.segment.blob import Blob
from digitsight.segment.boundaries import boundaries, gaps, split_numbers

H = 40  # every blob's height: the line height


def row(*spaces: float, width: int = 24) -> list[Blob]:
    """Blobs H tall and ``width`` wide, left to right, with these gaps between them."""
    blobs, x = [], 10
    for space in (0, *spaces):
        x += int(space)
        blobs.append(Blob(x, 50, width, H, np.ones((H, width), np.uint8)))
        x += width
    return blobs


def lengths(numbers: list[list[Blob]]) -> list[int]:
    return [len(number) for number in numbers]


def test_evenly_spaced_digits_are_one_number_however_wide_the_spacing():
    # Gaps of three digit heights, all alike: a phone number written across a whole sheet.
    assert lengths(split_numbers(row(*[120] * 9))) == [10]


def test_a_gap_clearly_wider_than_the_lines_spacing_separates_numbers():
    # 1 800 694 7466: groups 10-15 px apart inside, 40-50 px between.
    line = row(45, 10, 12, 40, 15, 10, 50, 12, 10, 14)
    assert lengths(split_numbers(line)) == [1, 3, 3, 4]


def test_spacing_that_drifts_along_the_line_does_not_split_it():
    # Wide at the left, cramped at the right (1.8 times): one number written as the hand ran out of room.
    assert lengths(split_numbers(row(34, 34, 33, 30, 22, 20, 20, 19, 19))) == [10]


def test_between_touching_digits_only_a_gap_wider_than_a_digit_splits():
    # 2 px apart (no spacing at all): 30 px (0.75 heights) is no space between numbers, 50 px is.
    assert boundaries([2.0, 2.0, 9.0, 2.0], H) == [False, False, False, False]
    assert boundaries([2.0, 2.0, 30.0, 2.0], H) == [False, False, False, False]
    assert boundaries([2.0, 2.0, 50.0, 2.0], H) == [False, False, True, False]


def test_a_gap_must_be_both_wide_and_far_wider_than_the_spacing():
    # 34 px: 0.85 heights (under MIN_SPLIT_GAP) though 3.4 times the spacing; 40 px: both.
    assert boundaries([10.0, 34.0, 10.0, 10.0], H) == [False, False, False, False]
    assert boundaries([10.0, 40.0, 10.0, 10.0], H) == [False, True, False, False]
    # 40 px beside a spacing of 16: 2.5 times, not GAP_RATIO.
    assert boundaries([16.0, 40.0, 16.0, 16.0], H) == [False, False, False, False]


def test_the_gap_between_a_broken_digits_halves_is_no_spacing():
    # 3, 5 and a 0 broken into "(" and ")": the halves' 2 px gap would halve the spacing and split off the 0.
    assert boundaries([20.0, 38.0, 2.0], H) == [False, False, False]


def test_the_gap_beside_a_one_is_measured_as_beside_a_digit_of_common_width():
    one = Blob(10, 50, 4, H, np.ones((H, 4), np.uint8))
    rest = row(12, 12, 12)
    for blob in rest:
        blob.x += 30  # 26 px past the 1's box (over twice the spacing): 18 px past a 20 px wide 1
    assert gaps([one, *rest], H) == [18.0, 12.0, 12.0, 12.0]
    assert lengths(split_numbers([one, *rest])) == [5]


def test_two_blobs_split_only_beyond_the_lone_gap():
    assert lengths(split_numbers(row(1.1 * H))) == [2]
    assert lengths(split_numbers(row(1.3 * H))) == [1, 1]


def test_overlapping_boxes_have_no_gap():
    assert gaps(row(-5, 3), H) == [0.0, 3.0]
