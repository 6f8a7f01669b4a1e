"""Removal of ruled lines, margins, page borders and edge strips (segment/rules.py), on small drawn images."""

from __future__ import annotations

import cv2
import numpy as np
from drawn_pages import INK, assert_boxes_match, assert_one_line_of, page, zero

from digitsight.segment import remove_long_lines, segment


def test_ruled_lines_and_margin_are_removed_digits_touching_them_kept():
    image = page(240, 400)
    for y in range(30, 240, 50):  # ruled lines, slanted 4 degrees
        cv2.line(image, (0, y), (400, y + int(400 * np.tan(np.radians(4)))), 120, 2)
    cv2.line(image, (25, 0), (25, 240), 120, 2)  # margin
    drawn = [zero(image, 60 + 70 * k, 92 + int((60 + 70 * k) * np.tan(np.radians(4))), h=40) for k in range(4)]
    found = segment(image)
    assert found.removed_lines >= 5
    assert_one_line_of(found, drawn, tolerance=4)


def test_digits_on_a_line_whose_curled_ends_reach_the_edges_are_kept():
    image = page(160, 400)
    # A ruled line, straight but for its ends, bent by the page's curl: erasing the straight
    # part leaves stubs at both edges, joined to nothing, and the digits that sat on it.
    cv2.polylines(image, [np.array([(0, 112), (30, 100), (370, 100), (399, 112)])], False, 120, 2)
    drawn = [zero(image, 80 + 70 * k, 61, h=40) for k in range(4)]
    assert_one_line_of(segment(image), drawn, tolerance=4)


def test_a_line_stub_running_in_from_the_side_is_removed_from_the_digits_it_touches():
    image = page(160, 400)
    cv2.line(image, (0, 95), (170, 95), 120, 2)  # a faint line, kept only up to the digits it crosses
    drawn = [zero(image, 80 + 70 * k, 61, h=40) for k in range(4)]
    assert_one_line_of(segment(image), drawn, tolerance=4)


def test_a_faint_broken_ruled_line_is_removed_from_the_digits_on_it():
    image = page(160, 400)
    # Too faint for the ink but for where it meets the digits, and broken: no piece of it is long
    # enough to be a line, and each sticks out of the digit it meets; the faint mask holds the
    # pieces together.
    for start, stop in [(10, 110), (125, 230), (245, 350), (365, 390)]:
        cv2.line(image, (start, 100), (stop, 100), 165, 3)
    drawn = [zero(image, 60 + 70 * k, 61, h=40, thickness=5) for k in range(4)]
    found = segment(image)
    assert found.removed_lines == 1
    assert_one_line_of(found, drawn, tolerance=4)


def test_a_one_filling_the_image_is_not_taken_for_a_margin():
    image = page(200, 120)
    cv2.line(image, (60, 10), (60, 190), INK, 16)
    found = segment(image)
    assert [len(line) for line in found.lines] == [1]


def test_the_thick_bar_of_a_seven_filling_the_image_is_kept():
    image = page(200, 200)
    cv2.line(image, (20, 30), (180, 30), INK, 18)
    cv2.line(image, (180, 30), (90, 190), INK, 18)
    found = segment(image)
    assert [len(line) for line in found.lines] == [1]
    assert_boxes_match(found.lines[0][0].box, (11, 21, 178, 178), tolerance=6)


def test_page_border_is_removed():
    image = page(200, 360)
    image[:, :40] = 60  # the table past the page's left edge
    for k in range(3):
        zero(image, 100 + 70 * k, 80)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]
    assert min(blob.x for blob in found.lines[0]) >= 90


def test_a_block_lying_along_the_image_edge_is_removed_a_digit_touching_the_edge_is_kept():
    ink = np.zeros((150, 300), np.uint8)
    # What is left of the table past the page once the page's edge went as a line: too wide
    # to be a strip, too short to span the image, but lying along two thirds of its edge.
    ink[20:120, 280:] = 1
    cv2.ellipse(ink, (12, 75), (12, 20), 0, 0, 360, 1, 3)  # a "0" touching the left edge
    for k in range(3):
        cv2.ellipse(ink, (80 + 60 * k, 75), (12, 20), 0, 0, 360, 1, 3)
    cleaned, removed = remove_long_lines(ink)
    assert removed == 1
    assert not cleaned[:, 270:].any()
    np.testing.assert_array_equal(cleaned[:, :270], ink[:, :270])


def test_a_ruled_line_is_erased_along_its_whole_length_where_it_broke_into_pieces():
    ink = np.zeros((150, 400), np.uint8)
    ink[100:102, 0:250] = 1  # a faint ruled line, kept only up to here ...
    ink[100:102, 300:330] = 1  # ... then again where it runs into a digit: a stub on its side
    cv2.ellipse(ink, (347, 92), (14, 22), 0, 0, 360, 1, 4)  # a "0" the line runs into
    ink[78:103, 120:124] = 1  # a "1" standing on the line, crossing it
    cleaned, removed = remove_long_lines(ink)
    assert removed == 1
    assert not cleaned[100:102, 300:330].any()  # the stub went with the line
    # The "0" did not; where its slanted strokes cross the line's edge, a pixel or two go.
    assert np.count_nonzero(ink[:, 330:] > cleaned[:, 330:]) <= 4
    assert cleaned[78:103, 120:124].all()  # nor the "1" that crosses the line
    assert not cleaned[100:102, :120].any()


def test_bold_digits_sitting_on_a_short_line_keep_their_strokes():
    ink = np.zeros((120, 300), np.uint8)
    ink[80:82, 0:220] = 1  # a ruled line running in from the side, a quarter of the image long or more
    for k in range(4):  # bold digits standing on it: each of their rows holds over a quarter of its ink
        cv2.ellipse(ink, (40 + 50 * k, 60), (14, 20), 0, 0, 360, 1, 7)
    cleaned, removed = remove_long_lines(ink)
    assert removed == 1
    gaps = np.r_[60:70, 110:120, 160:170, 210:220]
    assert not cleaned[80:82, gaps].any()  # the line went between the digits ...
    np.testing.assert_array_equal(cleaned[:76], ink[:76])  # ... and only the line: the digits stay whole


def test_a_margin_line_is_erased_along_its_whole_length_too():
    ink = np.zeros((300, 200), np.uint8)
    ink[0:260, 20:22] = 1  # a margin, found as a line ...
    ink[272:290, 20:22] = 1  # ... and a piece of it below a gap, too short to be found alone
    cv2.ellipse(ink, (110, 150), (14, 22), 0, 0, 360, 1, 4)  # a "0" beside it
    cleaned, removed = remove_long_lines(ink)
    assert removed >= 1
    assert not cleaned[:, :40].any()
    np.testing.assert_array_equal(cleaned[:, 40:], ink[:, 40:])


def test_a_row_of_touching_digits_against_the_top_edge_is_no_strip_along_it():
    ink = np.zeros((140, 840), np.uint8)
    for k in range(7):  # digits, each touching the next
        cv2.ellipse(ink, (60 + 110 * k, 70), (18, 29), 0, 0, 360, 1, 4)
        if k < 6:
            ink[68:72, 76 + 110 * k : 154 + 110 * k] = 1
    ink[0:45, 58:62] = 1  # the first one's stroke runs up to the top edge
    cv2.ellipse(ink, (800, 100), (12, 20), 0, 0, 360, 1, 3)  # and one more digit, on its own
    # One long flat component touching the edge, yet most of the image deep: no strip of
    # table or shadow there.
    cleaned, removed = remove_long_lines(ink)
    assert removed == 0
    np.testing.assert_array_equal(cleaned, ink)


def test_long_thin_stroke_of_one_big_digit_is_not_taken_for_a_ruled_line():
    # A canvas drawing of a 7 with a thin pen: its bar is long, straight, slanted and thin.
    image = page(570, 560)
    cv2.line(image, (180, 110), (400, 75), INK, 6)
    cv2.line(image, (400, 75), (260, 480), INK, 6)
    found = segment(image)
    assert found.removed_lines == 0
    assert [len(line) for line in found.lines] == [1]
    assert found.lines[0][0].h > 400


def test_a_frame_along_the_image_edges_is_removed_and_a_digit_touching_it_kept():
    # A form field cropped at its border: the frame's lines lie on the image's edges. Read
    # as strokes running on past the edge, they were kept whole, with the digit touching them.
    image = page(120, 360)
    cv2.rectangle(image, (0, 0), (359, 119), INK, 10)  # 5 px of it inside the image
    drawn = [zero(image, 40 + 80 * k, 30, h=50) for k in range(3)]
    cv2.line(image, (213, 78), (213, 119), INK, 4)  # the last digit's tail runs into the frame
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]
    for got, want in zip(found.lines[0][:2], drawn[:2], strict=True):
        assert_boxes_match(got.box, want, tolerance=3)
