"""Merging the fragments of one digit and dropping what is no digit (segment/fragments.py), on drawn images."""

from __future__ import annotations

import cv2
import numpy as np
from drawn_pages import INK, assert_boxes_match, assert_one_line_of, page, zero

from digitsight.segment import merge_fragments, segment
from digitsight.segment.blob import union_box
from digitsight.segment.fragments import (
    _belong_together,
    _columns_shared,
    _may_belong_together,
    _merge,
    _skipped_stroke,
    scribble,
)


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


def test_a_shadows_thick_curved_edge_below_the_digits_is_not_a_digit():
    image = page(220, 320)
    drawn = [zero(image, 40 + 60 * k, 30, h=40, thickness=4) for k in range(4)]
    cv2.ellipse(image, (140, 230), (60, 60), 0, 180, 270, INK, 24)  # a shadow's rounded corner, 24 px thick
    found = segment(image)
    assert [len(line) for line in found.lines] == [4]
    for got, want in zip(found.lines[0], drawn, strict=True):
        assert abs(got.x - want[0]) <= 3 and abs(got.y - want[1]) <= 3


def test_a_far_thicker_stroke_is_dropped_at_the_images_edge_and_kept_away_from_it():
    def ink_with_blot(blot_y: int) -> np.ndarray:
        ink = np.zeros((140, 360), np.uint8)
        for k in range(4):
            cv2.ellipse(ink, (52 + 60 * k, 50), (12, 20), 0, 0, 360, 1, 3)  # four 0s, 3 px strokes
        cv2.ellipse(ink, (300, blot_y), (22, 20), 0, 0, 360, 1, 20)  # a 0 blotted nearly solid
        return ink

    kept, _ = merge_fragments(ink_with_blot(50))
    assert len(kept) == 5  # a blotted digit amid thin ones is still a digit
    dropped, _ = merge_fragments(ink_with_blot(130))  # running off the bottom: a shadow's edge
    assert sorted(blob.x for blob in dropped) == sorted(blob.x for blob in kept)[:4]


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


def _zeros_beside_a_sheets_outline(outline: bool = True, zeros: int = 3) -> np.ndarray:
    """Ink: ``zeros`` 0s (45 px tall) and, where ``outline``, a sheet's two edges running off the top and the right."""
    ink = np.zeros((200, 400), np.uint8)
    for k in range(zeros):
        cv2.ellipse(ink, (150 + 60 * k, 60 + 10 * k), (12, 20), 0, 0, 360, 1, 3)
    if outline:  # one thin stroke 200 px tall and 370 wide: a sheet's corner seen at a slant
        cv2.polylines(ink, [np.int32([[60, 0], [30, 120], [399, 199]])], False, 1, 4)
    return ink


def test_a_sheets_outline_running_off_the_image_is_neither_a_digit_nor_the_digits_height():
    blobs, height = merge_fragments(_zeros_beside_a_sheets_outline())
    # Left in, the outline (five times the 0s' height) set the height, and the 0s were dropped as specks.
    assert sorted(blob.x for blob in blobs) == [136, 196, 256]
    assert height == 45  # the 0s: 40 px axes and a 3 px stroke (OpenCV draws it a pixel wider each side)


def test_a_tall_mark_running_off_the_image_stays_where_it_fills_its_box_or_too_few_marks_are_clear_of_the_border():
    ink = _zeros_beside_a_sheets_outline(outline=False)
    # A 0 three times the others' height, cut by the top edge: its ink fills a quarter of its box, no outline's.
    cv2.ellipse(ink, (60, 75), (30, 75), 0, 0, 360, 1, 7)
    assert 26 in [blob.x for blob in merge_fragments(ink)[0]]
    # Two marks clear of the border do not say what a digit's height is: the outline is not judged.
    blobs, height = merge_fragments(_zeros_beside_a_sheets_outline(zeros=2))
    assert height == 200
    assert 28 in [blob.x for blob in blobs]


def test_specks_are_dropped():
    image = page()
    for k in range(3):
        zero(image, 40 + 60 * k, 50)
    for x, y in [(10, 10), (300, 140), (250, 20)]:
        cv2.circle(image, (x, y), 1, INK, -1)
    found = segment(image)
    assert [len(line) for line in found.lines] == [3]


def _crossed_out(image: np.ndarray, x: int, y: int, size: int = 48) -> None:
    """A number crossed out: two rows of five loops (a pen scribbling to and fro) over one another."""
    turns = np.linspace(0, 10 * np.pi, 400)
    for row in (0.3, 0.7):
        xs = x + 0.1 * size + 0.8 * size * turns / turns[-1] - 0.2 * size * np.sin(turns)
        ys = y + row * size - 0.2 * size * np.cos(turns)
        cv2.polylines(image, [np.stack([xs, ys], axis=1).astype(np.int32)], False, INK, 2)


def test_a_crossed_out_scribble_after_the_digits_is_not_a_digit():
    image = page()
    drawn = [zero(image, 40 + 60 * k, 50) for k in range(3)]
    _crossed_out(image, 220, 46)
    assert_one_line_of(segment(image), drawn)


def test_scribble_tells_a_crossed_out_mark_from_digits():
    crossed = page(60, 60, 0)
    _crossed_out(crossed, 6, 6)
    assert scribble(crossed > 0)
    eight = np.zeros((60, 40), np.uint8)  # an 8: two loops, about three heights of stroke
    cv2.ellipse(eight, (20, 17), (12, 13), 0, 0, 360, 1, 3)
    cv2.ellipse(eight, (20, 43), (14, 14), 0, 0, 360, 1, 3)
    assert not scribble(eight)
    run = np.zeros((44, 130), np.uint8)  # four 8s touching: eight loops, but no more stroke than four digits
    for k in range(4):
        cv2.ellipse(run, (16 + 32 * k, 12), (12, 10), 0, 0, 360, 1, 3)
        cv2.ellipse(run, (16 + 32 * k, 32), (14, 10), 0, 0, 360, 1, 3)
    assert not scribble(run)


def _merge_by_rescanning(groups, boxes, together):
    """The plain merge ``fragments._merge`` must equal: the first pair in scan order, then start over."""
    while True:
        pair = next(
            ((i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if together(boxes[i], boxes[j])),
            None,
        )
        if pair is None:
            return
        i, j = pair
        boxes[i] = union_box(boxes[i], boxes[j])
        groups[i] += groups[j]
        del boxes[j], groups[j]


def test_merge_joins_the_same_groups_as_a_plain_rescan_and_its_filters_miss_no_pair():
    rng = np.random.default_rng(0)
    height = 20
    rules = [
        (_skipped_stroke, _columns_shared),
        (lambda a, b: _belong_together(a, b, height), lambda boxes, box: _may_belong_together(boxes, box, height)),
    ]
    merged = 0
    for _ in range(300):
        count = int(rng.integers(2, 30))
        boxes = [
            tuple(int(v) for v in (rng.integers(0, 150), rng.integers(0, 90), rng.integers(1, 25), rng.integers(1, 35)))
            for _ in range(count)
        ]
        for together, near in rules:
            expected_groups, expected_boxes = [[k] for k in range(count)], list(boxes)
            _merge_by_rescanning(expected_groups, expected_boxes, together)
            groups, merged_boxes = [[k] for k in range(count)], list(boxes)
            _merge(groups, merged_boxes, together, near)
            assert (groups, merged_boxes) == (expected_groups, expected_boxes)
            merged += count - len(groups)
            array = np.array(boxes)
            for box in boxes:
                may = near(array, box)
                assert all(may[k] for k, other in enumerate(boxes) if together(box, other) or together(other, box))
    assert merged > 1000  # the random boxes did merge, often


def test_a_page_of_500_digits_keeps_every_one():
    # Issue 19's dense page: 20 lines of 25 digits. With only the 300 largest components looked
    # at, 200 of them were lost.
    image = page(20 * 36 + 20, 25 * 24 + 20)
    for line in range(20):
        for column in range(25):
            cv2.ellipse(image, (20 + column * 24, 25 + line * 36), (6, 11), 0, 0, 360, INK, 2)
    blobs, height = merge_fragments((image < 128).astype(np.uint8))
    assert len(blobs) == 500
    assert height == 25  # 2 x 11 half-axis + the 2-pixel pen + 1
