"""Which way the writing runs (segment/orientation.py), and lines found along it (segment/lines.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitsight.segment import group_lines
from digitsight.segment.blob import Blob
from digitsight.segment.orientation import MIN_TILT, writing_angle

H, W = 40, 24  # each digit's box


def digit(cx: float, cy: float) -> Blob:
    return Blob(round(cx - W / 2), round(cy - H / 2), W, H, np.ones((H, W), np.uint8))


def line_of(count: int, start: tuple[float, float], degrees: float, pitch: float = 40) -> list[Blob]:
    """``count`` digits from ``start`` (a centre) along a line rising ``degrees`` to the right."""
    t = math.radians(degrees)
    return [digit(start[0] + k * pitch * math.cos(t), start[1] - k * pitch * math.sin(t)) for k in range(count)]


@pytest.mark.parametrize("degrees", [15, 30, 40, -25])
def test_the_direction_of_a_slanted_line_is_found(degrees):
    found = writing_angle(line_of(6, (100, 400), degrees), H)
    assert found == pytest.approx(-degrees, abs=2)  # image y runs down: rising is negative


def test_a_level_or_nearly_level_line_is_under_the_tilt_that_turns_the_frame():
    assert abs(writing_angle(line_of(6, (100, 100), 0), H)) < MIN_TILT
    assert abs(writing_angle(line_of(6, (100, 100), 6), H)) < MIN_TILT


def test_too_few_neighbours_give_no_direction():
    assert writing_angle(line_of(2, (100, 300), 30), H) is None


def test_two_lines_rising_at_35_degrees_are_read_line_by_line_in_order():
    first = line_of(5, (60, 300), 35)
    second = line_of(5, (110, 370), 35)  # the next line down, below the first along the page
    shuffled = [second[2], first[4], first[0], second[0], second[4], first[2], first[1], second[1], second[3], first[3]]
    lines = group_lines(shuffled, H)
    assert [[b.box for b in line] for line in lines] == [[b.box for b in first], [b.box for b in second]]


def test_a_steep_line_stays_one_number_in_order():
    # At 40 degrees each digit is 0.64 heights above the last: chained in the image's frame, every
    # digit would start a line of its own.
    line = line_of(7, (60, 400), 40)
    assert [[b.box for b in number] for number in group_lines(line[::-1], H)] == [[b.box for b in line]]


def test_a_direction_read_off_the_pieces_of_a_broken_digit_does_not_scatter_them():
    # A 6 and a 4 broken in two: the pieces are each other's nearest neighbours, 22 degrees
    # apart, and the median direction of three says 22 degrees. Chained along it, the 6 would
    # fall on a line of its own; the level frame gives fewer lines, so it stays.
    def blob(x, y, w, h):
        return Blob(x, y, w, h, np.ones((h, w), np.uint8))

    six, left, right = blob(22, 59, 45, 39), blob(101, 65, 17, 32), blob(118, 67, 15, 41)
    assert writing_angle([six, left, right], 39.0) == pytest.approx(22.1, abs=0.5)
    assert [[b.box for b in n] for n in group_lines([right, six, left], 39.0)] == [[six.box, left.box, right.box]]


def test_a_widely_spaced_line_turned_a_little_stays_one_number_in_order():
    # A phone number written wide (3.25 heights apart) and turned 8 degrees, one gap a little
    # wider (4 heights): there the next digit is 22 pixels higher than the last, past
    # LINE_REACH (half of 40). Chained level, it broke into two lines, the right half first
    # (it is higher up); the direction of the writing, 8 degrees, is under MIN_TILT.
    pitch, wider, degrees = 130, 160, 8
    t = math.radians(degrees)
    steps = [k * pitch for k in range(5)] + [4 * pitch + wider + k * pitch for k in range(5)]
    line = [digit(60 + s * math.cos(t), 400 - s * math.sin(t)) for s in steps]
    assert abs(writing_angle(line, H)) < MIN_TILT
    assert [[b.box for b in number] for number in group_lines(line[::-1], H)] == [[b.box for b in line]]


def test_a_slightly_turned_page_keeps_the_level_frame_where_it_finds_as_many_lines():
    # Two lines rising 4 degrees, digits close: level chaining copes, and the lines stay as they were.
    first, second = line_of(5, (60, 100), 4), line_of(5, (60, 200), 4)
    numbers = group_lines(second + first, H)
    assert [[b.box for b in number] for number in numbers] == [[b.box for b in first], [b.box for b in second]]
