"""Grouping digit candidates into lines and numbers (segment/lines.py), on drawn images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from drawn_pages import INK, assert_boxes_match, assert_one_line_of, boxes, page, zero

from digitsight.segment import Blob, group_lines, segment
from digitsight.segment.lines import find_lines


def test_two_lines_top_to_bottom_each_left_to_right():
    image = page(220, 320)
    top = [zero(image, 40 + 60 * k, 30) for k in range(3)]
    bottom = [zero(image, 60 + 60 * k, 130) for k in range(2)]
    found = segment(image)
    assert len(found.lines) == 2
    for line, drawn in zip(boxes(found), (top, bottom), strict=True):
        assert len(line) == len(drawn)
        for got, want in zip(line, drawn, strict=True):
            assert_boxes_match(got, want)


def test_a_line_written_at_a_slant_stays_one_line():
    image = page(260, 640)
    slope = np.tan(np.radians(8))
    for k in range(8):
        x = 30 + 70 * k
        zero(image, x, 190 - int(x * slope) - 40)
    found = segment(image)
    assert [len(line) for line in found.lines] == [8]
    xs = [blob.x for blob in found.lines[0]]
    assert xs == sorted(xs)


def test_a_wide_gap_separates_two_numbers_on_one_line():
    image = page(120, 520)
    for x in (30, 80, 130, 330, 380):
        zero(image, x, 40)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3, 2]


def test_a_row_of_short_scraps_below_the_digits_is_not_a_number():
    # The teeth left of a table's edge past the page: strokes a third of a digit's height.
    image = page(200, 320)
    drawn = [zero(image, 40 + 60 * k, 40, h=60) for k in range(4)]
    for x in (30, 70, 150, 190):
        cv2.line(image, (x, 150), (x, 170), INK, 4)
    assert_one_line_of(segment(image), drawn)


def test_a_scrap_below_a_sloping_line_does_not_take_the_next_digit_away():
    # A line running downhill, and a fragment of a broken stroke under its second digit: the
    # last digit is nearer in height to the scrap than to the digit before it.
    def blob(x, y, w, h):
        return Blob(x, y, w, h, np.ones((h, w), np.uint8))

    digits = [blob(110, 76, 16, 61), blob(168, 88, 61, 54), blob(254, 93, 39, 69), blob(312, 106, 76, 66)]
    scrap = blob(157, 137, 16, 20)
    numbers = group_lines([*digits, scrap], digit_height=63.5)
    assert [[b.box for b in number] for number in numbers] == [[b.box for b in (digits[0], scrap, *digits[1:])]]


def test_a_line_of_smaller_digits_is_still_read():
    # Digits two thirds the height of the first line's are writing, not scraps.
    image = page(220, 320)
    first = [zero(image, 40 + 60 * k, 30, h=60) for k in range(3)]
    second = [zero(image, 40 + 50 * k, 140, h=40) for k in range(3)]
    found = segment(image)
    assert [len(line) for line in found.lines] == [3, 3]
    for line, want in zip(boxes(found), [first, second], strict=True):
        for got, box in zip(line, want, strict=True):
            assert_boxes_match(got, box)


def _box(x, y, w=24, h=40):
    return Blob(x, y, w, h, np.ones((h, w), np.uint8))


def test_a_digit_written_low_then_one_written_high_stay_in_the_line():
    # 9 2 1, the 2 written 0.3 heights low and the 1 0.3 high: 0.6 heights apart, more than
    # LINE_REACH from each other, but each within it of the line's level.
    digits = [_box(10, 100), _box(44, 100), _box(78, 112), _box(112, 88), _box(146, 100)]
    assert [[b.box for b in n] for n in group_lines(digits[::-1], 40.0)] == [[b.box for b in digits]]


def test_a_baseline_that_steps_up_mid_number_is_one_line():
    # 353 written on one level, 588 0.7 heights higher, right after: two chains, one line.
    low = [_box(10 + 34 * k, 100) for k in range(3)]
    high = [_box(112 + 34 * k, 72) for k in range(3)]
    assert [[b.box for b in n] for n in group_lines(high + low, 40.0)] == [[b.box for b in low + high]]


def test_two_lines_side_by_side_at_different_heights_stay_apart():
    # A number, and another to the right of it a whole line lower: they do not overlap in height.
    first = [_box(10 + 34 * k, 100) for k in range(3)]
    second = [_box(112 + 34 * k, 150) for k in range(3)]
    assert [[b.box for b in n] for n in group_lines(first + second, 40.0)] == [
        [b.box for b in first],
        [b.box for b in second],
    ]


def test_a_short_line_above_a_long_rising_one_keeps_to_itself():
    # A sheet turned 13 degrees: "29" above the start of "83152619", whose last digit rises to the
    # level of "29". Chained level, that 9 joined "29" as a third number; along the writing it is
    # the long line's last digit.
    short = [(193, 159, 31), (238, 149, 34)]
    long = [(206, 213, 32), (240, 203, 36), (280, 198, 28), (299, 189, 37), (347, 177, 35), (389, 170, 33)]
    long += [(420, 164, 29), (446, 156, 29)]
    blob = {(x, y): Blob(x, y, 20, h, np.ones((h, 20), np.uint8)) for x, y, h in short + long}
    lines, _ = find_lines(list(blob.values()), 32.5)
    assert [[(b.x, b.y) for b in line] for line in lines] == [
        [(x, y) for x, y, _ in short],
        [(x, y) for x, y, _ in long],
    ]


def test_a_short_stroke_alone_above_a_number_is_dropped():
    # A pen's slip above "3313947", 0.7 of the digits' height (validation stray_marks 030 read "1 3313947").
    number = [_box(50 + 34 * k, 100) for k in range(4)]
    stray = Blob(10, 0, 6, 28, np.ones((28, 6), np.uint8))
    assert [[b.box for b in n] for n in group_lines([stray, *number], 40.0)] == [[b.box for b in number]]


def test_a_digit_on_a_line_of_its_own_stays():
    # "3039" and, below it, a "1" written 0.85 of their height: a second line, not a stray mark.
    number = [_box(50 + 34 * k, 100) for k in range(4)]
    alone = _box(60, 170, h=34)
    assert [[b.box for b in n] for n in group_lines([alone, *number], 40.0)] == [[b.box for b in number], [alone.box]]


def test_a_column_of_single_digits_of_many_sizes_stays_whole():
    # One digit a line, half to the whole of the tallest's height: no line to call them stray against.
    column = [_box(60, 20 + 90 * k, h=h) for k, h in enumerate((30, 40, 60))]
    assert [[b.box for b in n] for n in group_lines(column, 50.0)] == [[b.box] for b in column]


def _dense_page(rng: np.random.Generator, turn: float) -> list[list[Blob]]:
    """20 lines of 25 digits 24 px tall (issue 19's dense page), written upright along lines turned ``turn`` degrees.

    Digits 0.9-1.1 of the height tall, 0.45-0.8 as wide, 0.08-0.35 heights apart (as ``synthetic`` writes
    numbers), baselines wandering a twentieth of a height; lines 1.5 heights apart across the writing
    (the tightest synthetic pitch), more on a slant where upright digits reach further across it.
    """
    height, t = 24, np.radians(turn)
    pitch = 1.5 * height * (abs(np.cos(t)) + 0.6 * abs(np.sin(t)))
    rows = []
    for r in range(20):
        x, row = 0.0, []
        for _ in range(25):
            h = int(height * rng.uniform(0.9, 1.1))
            w = int(h * rng.uniform(0.45, 0.8))
            cx, cy = x + w / 2, r * pitch + rng.normal(0, 0.05 * height)
            along, across = cx * np.cos(t) + cy * np.sin(t), -cx * np.sin(t) + cy * np.cos(t)
            row.append(Blob(int(1000 + along - w / 2), int(1000 + across - h / 2), w, h, np.ones((h, w), np.uint8)))
            x += w + rng.uniform(0.08, 0.35) * height
        rows.append(row)
    return rows


@pytest.mark.parametrize("turn", [0.0, 4.0, -30.0, 40.0])
def test_a_dense_page_keeps_every_line_whole_and_in_order(turn):
    # Issue 19: 20 lines of 25 small digits came back as 116 "lines". Given all 500 candidates,
    # grouping keeps each line one number, top to bottom, left to right, level or turned.
    rows = _dense_page(np.random.default_rng(19), turn)
    shuffled = [blob for row in rows for blob in row]
    np.random.default_rng(0).shuffle(shuffled)
    assert [[b.box for b in n] for n in group_lines(shuffled, 24.0)] == [[b.box for b in row] for row in rows]


def _boxes(*spec: tuple[int, int, int, int]) -> list[Blob]:
    return [Blob(x, y, w, h, np.ones((h, w), np.uint8)) for x, y, w, h in spec]


def test_a_digit_written_low_in_a_gap_of_the_line_stays_in_it():
    # Validation uneven 048, "70975640": the 0 written half a height below the 7 before it
    # started a line of its own, and its gap split the rest ("7 975640 0").
    line = _boxes((72, 91, 37, 45), (136, 114, 39, 48), (197, 98, 35, 43), (246, 90, 46, 47))
    line += _boxes((317, 66, 54, 50), (391, 57, 28, 43), (436, 70, 34, 43), (488, 69, 39, 50))
    assert [[b.box for b in n] for n in group_lines(line[::-1], 44.0)] == [[b.box for b in line]]


def test_a_last_digit_written_low_stays_at_the_end_of_the_line():
    # Validation uneven 045, "232444": the last 4 sits 0.85 heights below the one before, just after it.
    line = _boxes((40, 39, 32, 53), (112, 24, 35, 51), (171, 45, 53, 51), (250, 50, 37, 49), (308, 47, 45, 47))
    line += _boxes((377, 88, 56, 52))
    assert [[b.box for b in n] for n in group_lines(line, 51.0)] == [[b.box for b in line]]


def test_a_line_whose_digits_rise_and_fall_by_turns_stays_one_line():
    # Validation uneven 326, "450811": 4 5 and 8 low, 0 1 1 high, 0.6-0.7 heights apart in turns;
    # chained, they made two lines ("0 11 45 8").
    line = _boxes((43, 78, 39, 45), (104, 77, 33, 44), (161, 47, 44, 47), (229, 60, 39, 52))
    line += _boxes((289, 28, 13, 46), (314, 38, 20, 42))
    assert [[b.box for b in n] for n in group_lines(line, 45.5)] == [[b.box for b in line]]


def test_two_lines_whose_digits_take_turns_stay_apart():
    # Two widely spaced lines, 1.4 heights apart, the second's digits in the first's gaps.
    first = [_box(10 + 80 * k, 100) for k in range(4)]
    second = [_box(50 + 80 * k, 156) for k in range(3)]
    assert [[b.box for b in n] for n in group_lines([*second, *first], 40.0)] == [
        [b.box for b in first],
        [b.box for b in second],
    ]


def test_a_digit_on_the_next_line_in_a_gap_of_a_spaced_line_stays_on_its_own():
    # A widely spaced line, and 1.4 heights below it, in one of its gaps, a digit of the next line.
    line = [_box(10 + 80 * k, 100) for k in range(4)]
    below = _box(130, 156)
    assert [[b.box for b in n] for n in group_lines([*line, below], 40.0)] == [[b.box for b in line], [below.box]]


def test_a_digit_below_a_digit_of_the_line_stays_on_its_own():
    # 0.9 heights below one of the line's digits, overlapping it along the line: a line of its own.
    line = [_box(10 + 34 * k, 100) for k in range(4)]
    below = _box(46, 136)
    assert [[b.box for b in n] for n in group_lines([*line, below], 40.0)] == [[b.box for b in line], [below.box]]


def test_blobs_at_one_place_along_the_writing_are_grouped_without_error():
    # Two lines, each with two blobs centred at the same place along it (a digit and a piece
    # of it): ordering them must not compare the blobs themselves.
    top = [_box(10, 100), _box(10, 100, h=30), _box(44, 100)]
    bottom = [_box(10, 170), _box(10, 170, h=30), _box(44, 170)]
    lines, _ = find_lines(top + bottom, 40.0)
    assert sorted(len(line) for line in lines) == [3, 3]
