"""Segmentation on small drawn images with known answers (no model needed)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from drawn_pages import INK, assert_boxes_match, assert_one_line_of, boxes, page, zero

from digitsight.segment import (
    Blob,
    analyse,
    group_lines,
    remove_long_lines,
    segment,
)


def test_polarity_dark_ink_on_paper_and_light_ink_on_board():
    image = page()
    for k in range(3):
        zero(image, 40 + 60 * k, 50)
    assert not analyse(image)[0]
    assert analyse(255 - image)[0]


def test_polarity_is_not_fooled_by_a_lighting_gradient():
    # Paper from 110 (left) to 245 (right): the global median lies between; the ink is still dark.
    image = np.tile(np.linspace(110, 245, 320), (160, 1)).astype(np.uint8)
    for k in range(3):
        zero(image, 40 + 90 * k, 50, value=20)
    assert not analyse(image)[0]


def test_digits_found_in_order_with_their_boxes():
    image = page()
    drawn = [zero(image, 30 + 60 * k, 60) for k in range(4)]
    assert_one_line_of(segment(image), drawn)


def test_shadow_and_gradient_are_flattened():
    image = page(200, 360).astype(np.float32)
    image *= np.tile(np.linspace(0.55, 1.0, 360), (200, 1))  # strong horizontal gradient
    image[:, :150] *= 0.6  # a hard-edged shadow over the first digits
    image = image.astype(np.uint8)
    drawn = [zero(image, 30 + 60 * k, 70, value=15) for k in range(5)]
    assert_one_line_of(segment(image), drawn)


def test_light_ink_on_dark_board():
    image = page(tone=40)
    for k in range(3):
        zero(image, 40 + 60 * k, 50, value=230)
    found = segment(image)
    assert found.light_on_dark
    assert [len(line) for line in found.lines] == [3]


def test_faint_hairline_strokes_on_noisy_paper_are_kept():
    rng = np.random.default_rng(1)
    image = np.full((160, 320), 200, np.float32)
    for k in range(3):
        zero(image, 40 + 80 * k, 40, h=70, value=150, thickness=1)  # 1 pixel wide, 50 levels of contrast
    image = np.clip(image + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]


@pytest.mark.parametrize("tone", [0, 255])
def test_blank_images_have_no_digits(tone):
    found = segment(page(tone=tone))
    assert found.lines == []
    assert not found.ink.any()


def test_paper_texture_alone_has_no_digits():
    rng = np.random.default_rng(2)
    image = np.clip(rng.normal(220, 5, (160, 320)), 0, 255).astype(np.uint8)
    assert segment(image).lines == []


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


def test_detached_bar_of_a_five_is_merged():
    image = page(160, 200)
    cv2.line(image, (60, 40), (100, 40), INK, 4)  # the bar, drawn apart
    cv2.line(image, (62, 50), (60, 75), INK, 4)
    cv2.ellipse(image, (78, 92), (20, 18), 0, -150, 150, INK, 4)
    found = segment(image)
    assert [len(line) for line in found.lines] == [1]


def test_a_five_whose_bar_floats_up_and_off_to_the_right_is_one_digit():
    image = page(160, 240)
    cv2.line(image, (98, 34), (140, 30), INK, 4)  # the bar: above the body and clear of it, to its right
    cv2.line(image, (62, 50), (60, 75), INK, 4)
    cv2.ellipse(image, (78, 92), (20, 18), 0, -150, 150, INK, 4)
    found = segment(image)
    assert [len(line) for line in found.lines] == [1]
    assert_boxes_match(found.lines[0][0].box, (56, 28, 87, 87), tolerance=4)


def test_a_hyphen_between_two_numbers_is_not_a_digit():
    image = page(160, 360)
    zero(image, 40, 60)
    zero(image, 90, 60)
    cv2.line(image, (150, 80), (180, 80), INK, 5)  # 555-1234
    zero(image, 210, 60)
    zero(image, 260, 60)
    found = segment(image)
    assert [len(line) for line in found.lines] == [2, 2]  # the gap the hyphen sat in separates two numbers
    assert all(blob.h >= 38 for line in found.lines for blob in line)


def test_broken_stroke_and_dashed_seven_are_merged():
    image = page(160, 300)
    cv2.line(image, (60, 40), (60, 70), INK, 5)  # a '1' broken in the middle
    cv2.line(image, (60, 80), (60, 110), INK, 5)
    for t in np.linspace(0, 1, 7)[:-1]:  # a dashed '7': bar, then the diagonal
        start = np.array([100, 40]) + t * np.array([50, 0])
        cv2.line(image, tuple(start.astype(int)), tuple((start + [5, 0]).astype(int)), INK, 5)
    for t in np.linspace(0, 1, 8)[:-1]:
        start = np.array([150, 40]) + t * np.array([-30, 70])
        cv2.line(image, tuple(start.astype(int)), tuple((start + [-3, 6]).astype(int)), INK, 5)
    found = segment(image)
    assert [len(line) for line in found.lines] == [2]


def test_small_scraps_at_the_image_edge_are_dropped():
    image = page()
    for k in range(3):
        zero(image, 60 + 60 * k, 50)
    cv2.line(image, (0, 4), (6, 22), INK, 3)  # the frayed corner of a table, read as a "1" if kept
    cv2.line(image, (316, 138), (319, 152), INK, 3)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]


def test_a_hairline_left_of_a_margin_is_not_a_one():
    image = page()
    cv2.line(image, (30, 40), (30, 100), 90, 2)  # what binarization kept of a faint margin line
    for k in range(3):
        zero(image, 60 + 60 * k, 50, thickness=8)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]
    assert found.lines[0][0].x >= 55


def test_a_margin_line_stub_running_off_the_bottom_is_not_a_one():
    image = page()
    cv2.line(image, (30, 95), (30, 159), INK, 4)  # the part of a broken margin line below the text
    drawn = [zero(image, 60 + 60 * k, 50) for k in range(3)]
    assert_one_line_of(segment(image), drawn)


def test_a_broken_edge_line_is_not_taken_for_the_digits_height():
    image = page()
    for y in range(0, 160, 23):  # the table's edge beside the page, binarized in pieces
        cv2.line(image, (5, y), (5, y + 19), INK, 4)
    drawn = [zero(image, 60 + 60 * k, 50) for k in range(3)]
    assert_one_line_of(segment(image), drawn)


def test_specks_are_dropped():
    image = page()
    for k in range(3):
        zero(image, 40 + 60 * k, 50)
    for x, y in [(10, 10), (300, 140), (250, 20)]:
        cv2.circle(image, (x, y), 1, INK, -1)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]


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


def test_long_thin_stroke_of_one_big_digit_is_not_taken_for_a_ruled_line():
    # A canvas drawing of a 7 with a thin pen: its bar is long, straight, slanted and thin.
    image = page(570, 560)
    cv2.line(image, (180, 110), (400, 75), INK, 6)
    cv2.line(image, (400, 75), (260, 480), INK, 6)
    found = segment(image)
    assert found.removed_lines == 0
    assert [len(line) for line in found.lines] == [1]
    assert found.lines[0][0].h > 400


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
