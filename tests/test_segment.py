"""The whole segmentation (segment()), on small drawn images with known answers (no model needed)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from drawn_pages import assert_one_line_of, page, zero

import digitsight.segment
from digitsight.segment import (
    SMALL_DIGIT,
    THICK_SMALL_DIGIT,
    UPSCALE_TO,
    analyse,
    segment,
    segment_small,
    sharpened,
)


def test_digits_found_in_order_with_their_boxes():
    image = page()
    drawn = [zero(image, 30 + 60 * k, 60) for k in range(4)]
    assert_one_line_of(segment(image), drawn)


def test_a_given_analysis_is_used_instead_of_a_second_one(monkeypatch):
    image = page()
    drawn = [zero(image, 30 + 60 * k, 60) for k in range(4)]
    analysis = analyse(image)
    want = segment(image)

    def second_analysis(gray):
        raise AssertionError("segment analysed the image again")

    monkeypatch.setattr(digitsight.segment, "analyse", second_analysis)
    found = segment(image, analysis)
    assert_one_line_of(found, drawn)
    assert [[blob.box for blob in line] for line in found.lines] == [[blob.box for blob in line] for line in want.lines]
    np.testing.assert_array_equal(found.ink, want.ink)
    assert found.stroke == analysis.stroke_small / analysis.small_scale
    assert segment(image, analysis._replace(light_on_dark=True)).light_on_dark


def test_small_digits_are_segmented_again_on_the_image_enlarged():
    image = page(60, 160)
    for k in range(4):
        zero(image, 20 + 30 * k, 20, h=16, thickness=2)
    found, factor = segment_small(image)
    assert factor == pytest.approx(UPSCALE_TO / 16, rel=0.15)
    assert [len(line) for line in found.lines] == [4]
    assert found.digit_height == pytest.approx(segment(image).digit_height * factor, abs=3)


def test_digits_just_above_the_small_size_are_not_enlarged():
    image = page(80, 220)
    for k in range(4):
        zero(image, 20 + 45 * k, 20, h=SMALL_DIGIT + 4, thickness=2)
    found, factor = segment_small(image)
    assert factor == 1.0 and [len(line) for line in found.lines] == [4]


def test_thick_digits_just_above_the_small_size_are_enlarged():
    # Drawn this size with thin strokes they are left (above); with strokes over THICK_STROKES of their height
    # (a blur fills such loops) they are enlarged too.
    image = page(80, 220)
    for k in range(4):
        zero(image, 20 + 45 * k, 20, h=SMALL_DIGIT, thickness=6)
    first = segment(image)
    assert SMALL_DIGIT <= first.digit_height < THICK_SMALL_DIGIT
    found, factor = segment_small(image)
    assert factor == pytest.approx(UPSCALE_TO / first.digit_height)
    assert [len(line) for line in found.lines] == [4]


def test_thick_digits_of_a_common_size_are_not_enlarged():
    image = page(120, 320)
    for k in range(4):
        zero(image, 30 + 60 * k, 30, h=int(THICK_SMALL_DIGIT) + 2, thickness=9)
    found, factor = segment_small(image)
    assert factor == 1.0 and [len(line) for line in found.lines] == [4]


def test_digits_of_a_common_size_are_not_enlarged():
    image = page(120, 320)
    for k in range(4):
        zero(image, 30 + 60 * k, 30, h=40)
    found, factor = segment_small(image)
    assert factor == 1.0 and [len(line) for line in found.lines] == [4]


def test_sharpening_steepens_an_edge_and_leaves_flat_paper_alone():
    row = np.array([[100] * 8 + [200] * 8], np.uint8).repeat(9, axis=0)
    sharp = sharpened(row, 1.0)
    assert sharp[4, 0] == 100 and sharp[4, -1] == 200  # far from the edge: as it was
    assert sharp[4, 7] < 100 and sharp[4, 8] > 200  # beside it: pushed apart


def hole_area(mask: np.ndarray) -> int:
    """Pixels of ``mask``'s background that the outside does not reach: its loops' insides."""
    background = (np.pad(mask, 1) == 0).astype(np.uint8)
    cv2.floodFill(background, None, (0, 0), 0)
    return int(background.sum())


def test_a_blurred_small_zero_keeps_its_loop_open_when_enlarged(monkeypatch):
    # Small digits a photo's blur wide: enlarged smooth, the halo passes for ink and the loop fills (a 0 read as 1).
    image = page(60, 160)
    for k in range(4):
        zero(image, 20 + 30 * k, 20, h=16, thickness=2)
    image = cv2.GaussianBlur(image, (0, 0), 1.3)
    found, factor = segment_small(image)
    assert factor > 1 and [len(line) for line in found.lines] == [4]
    assert all(hole_area(blob.mask) > 0 for blob in found.lines[0])
    monkeypatch.setattr(digitsight.segment, "SHARPEN_AMOUNT", 0.0)
    monkeypatch.setattr(digitsight.segment, "THICK_STROKES", 1.0)  # nor opened by open_valleys: sharpening alone
    unsharpened, _ = segment_small(image)
    assert all(hole_area(blob.mask) == 0 for blob in unsharpened.lines[0])


def test_blurred_thick_zeros_get_their_loops_back(monkeypatch):
    # Strokes a fifth of the digit thick and a photo's blur: the loop binarizes as ink (a 0 read as 1).
    # Such thick ink has its valleys opened again (THICK_STROKES, open_valleys). On this flawless paper the loops
    # would also come back as loops the smoothing filled (ink.LOOP_MIN_AREA): that is kept off, to see open_valleys.
    monkeypatch.setattr(digitsight.segment.ink, "LOOP_MIN_AREA", 10**9)
    image = page(80, 200)
    for k in range(4):
        zero(image, 20 + 40 * k, 25, h=32, thickness=6)
    image = cv2.GaussianBlur(image, (0, 0), 2.0)
    found = segment(image)
    assert [len(line) for line in found.lines] == [4]
    assert all(hole_area(blob.mask) > 0 for blob in found.lines[0])
    monkeypatch.setattr(digitsight.segment, "THICK_STROKES", 1.0)  # never opened
    assert all(hole_area(blob.mask) == 0 for blob in segment(image).lines[0])


def test_ink_of_mnist_like_thickness_is_not_opened(monkeypatch):
    image = page(80, 200)
    for k in range(4):
        zero(image, 20 + 40 * k, 25, h=32, thickness=2)
    image = cv2.GaussianBlur(image, (0, 0), 0.5)
    calls = []
    monkeypatch.setattr(digitsight.segment, "open_valleys", lambda *args: calls.append(args) or args[1])
    assert [len(line) for line in segment(image).lines] == [4]
    assert calls == []


def test_box_overlap_is_the_shared_area_of_two_boxes():
    from digitsight.segment.blob import box_overlap

    assert box_overlap((0, 0, 4, 4), (2, 2, 4, 4)) == 4
    assert box_overlap((0, 0, 4, 4), (4, 0, 4, 4)) == 0  # touching edges share nothing
    assert box_overlap((0, 0, 4, 4), (9, 9, 2, 2)) == 0
    assert box_overlap((0.5, 0, 2, 2), (0, 0, 4, 4)) == 4.0
