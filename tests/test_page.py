"""Finding the sheet in a photo (digitsight/page.py): a page on a desk is found, shadows and scans are not sheets."""

from __future__ import annotations

import cv2
import numpy as np
from drawn_pages import page, zero

from digitsight.page import (
    GRAIN_MIN_SIGMA,
    Sheet,
    _clockwise_from_top_left,
    _edges_step_down,
    _paint_outside,
    find_desk_bands,
    find_sheet,
    isolate_sheet,
)
from digitsight.segment import segment

DESK, PAPER = 45, 215
CORNERS = np.array([(90, 60), (520, 95), (490, 380), (70, 350)])  # a sheet turned a little, in perspective


def sheet_on_desk() -> np.ndarray:
    image = np.full((440, 600), DESK, np.uint8)
    cv2.fillConvexPoly(image, CORNERS.astype(np.int32), PAPER)
    for k in range(4):
        zero(image, 200 + 50 * k, 200, h=40)
    return image


def test_a_sheet_on_a_dark_desk_is_found_with_its_corners():
    sheet = find_sheet(sheet_on_desk())
    assert sheet is not None
    found = sorted(map(tuple, np.round(sheet.corners).astype(int)))
    for got, want in zip(found, sorted(map(tuple, CORNERS)), strict=True):
        assert abs(got[0] - want[0]) <= 6 and abs(got[1] - want[1]) <= 6, (found, CORNERS)
    assert sheet.mask[220, 300] and not sheet.mask[20, 20]


def test_outside_the_sheet_is_painted_in_its_paper_and_the_digits_stay():
    image = sheet_on_desk()
    isolated, sheet = isolate_sheet(image)
    assert sheet is not None
    assert isolated[10, 10] > PAPER - 30 and isolated[430, 590] > PAPER - 30  # the desk is gone
    assert np.array_equal(isolated[190:250, 190:400], image[190:250, 190:400])  # the writing is untouched
    found = segment(isolated)
    assert [len(line) for line in found.lines] == [4]


def test_a_scan_or_a_canvas_has_no_sheet():
    image = page(300, 400)
    zero(image, 100, 100)
    assert find_sheet(image) is None


def test_a_shadow_across_the_page_is_no_sheet_edge():
    image = page(300, 400)
    image[180:] = 70  # the lower part in a deep shadow, edge to edge
    zero(image, 100, 60)
    assert find_sheet(image) is None


def test_a_lit_band_along_the_top_of_a_shadowed_page_is_no_sheet():
    image = np.full((300, 400), 80, np.uint8)
    image[:90] = 220  # three of its corners on the image's edges
    assert find_sheet(image) is None


def test_a_sheet_lit_unevenly_leaves_no_edge_where_the_desk_was():
    # The sheet darker at the left than at the right: a fill of one tone would be darker than its
    # right edge and lighter than its left one, and binarization would find a frame round it.
    image = sheet_on_desk()
    ramp = np.linspace(0.6, 1.0, image.shape[1])[None, :]
    sheet = cv2.fillConvexPoly(np.zeros(image.shape, np.uint8), CORNERS.astype(np.int32), 1).astype(bool)
    image = np.where(sheet, image * ramp, image).astype(np.uint8)
    isolated, found = isolate_sheet(image)
    assert found is not None
    assert [len(line) for line in segment(isolated).lines] == [4]


def shadowed(image: np.ndarray, x: int, depth: float) -> np.ndarray:
    """``image`` with all right of column ``x`` in a shadow ``depth`` deep, its edge soft (a hand or the phone)."""
    shade = np.zeros(image.shape, np.float32)
    shade[:, x:] = depth
    shade = cv2.GaussianBlur(shade, (0, 0), 12)
    return np.clip(image * (1 - shade), 0, 255).astype(np.uint8)


def test_a_sheet_half_in_a_shadow_is_found_whole_and_its_shadowed_digits_kept():
    # The shadowed paper (215 x 0.4 = 86) is nearer the desk (45) than the lit paper: a threshold between
    # them takes the lit part of the sheet for the sheet, and paints the shadowed digits over.
    image = shadowed(sheet_on_desk(), 320, 0.6)
    sheet = find_sheet(image)
    assert sheet is not None
    found = sorted(map(tuple, np.round(sheet.corners).astype(int)))
    for got, want in zip(found, sorted(map(tuple, CORNERS)), strict=True):
        assert abs(got[0] - want[0]) <= 8 and abs(got[1] - want[1]) <= 8, (found, CORNERS)
    isolated, _ = isolate_sheet(image)
    assert [len(line) for line in segment(isolated).lines] == [4]


def test_the_fill_has_grain_even_where_the_sheet_has_none():
    # A flawless fill over most of the image leaves binarization's noise estimate at nothing.
    isolated, _ = isolate_sheet(sheet_on_desk())
    assert float(np.std(isolated[:40, :40].astype(np.float32))) >= 0.8 * GRAIN_MIN_SIGMA


def test_a_turned_sheet_with_two_corners_off_the_photo_is_found():
    # Turned 30 degrees on a desk photographed tight: its top and bottom corners are cut off.
    corners = np.array([(250, -12), (560, 120), (350, 312), (40, 180)])
    image = np.full((300, 600), DESK, np.uint8)
    cv2.fillConvexPoly(image, corners.astype(np.int32), PAPER)
    for k in range(4):
        zero(image, 220 + 45 * k, 130, h=40)
    sheet = find_sheet(image)
    assert sheet is not None
    assert sheet.mask[150, 300] and not sheet.mask[10, 10] and not sheet.mask[290, 590]
    isolated, _ = isolate_sheet(image)
    assert [len(line) for line in segment(isolated).lines] == [4]


def test_a_tiny_image_has_no_sheet_and_raises_nothing():
    for shape in ((1, 1), (1, 40), (2, 2), (15, 300)):
        assert find_sheet(np.full(shape, 200, np.uint8)) is None


def test_a_sheet_wholly_in_the_photo_is_rectified_onto_an_upright_rectangle():
    image = sheet_on_desk()
    flat, sheet = isolate_sheet(image, rectify=True)
    assert sheet is not None and sheet.homography is not None
    # As wide as its longer top or bottom edge, as tall as its longer side: (90,60)-(520,95) and (70,350)-(490,380).
    assert abs(sheet.size[0] - 431) <= 6 and abs(sheet.size[1] - 292) <= 6  # corners are found on a 256-pixel copy
    assert flat.shape == sheet.size[::-1]
    assert min(flat[:5].min(), flat[-5:].min(), flat[:, :5].min(), flat[:, -5:].min()) > PAPER - 30  # no desk left
    found = segment(flat)
    assert [len(line) for line in found.lines] == [4]
    # Each digit's box, mapped back, holds it where it was drawn (x 200 + 50 k, y 200, 24 x 40), within 2 pixels,
    # and is at most 10 pixels wider or taller (the box around an upright box on a sheet turned 5 degrees).
    for k, blob in enumerate(found.lines[0]):
        x, y, w, h = sheet.box_in_image(blob.box)
        left = 200 + 50 * k
        assert x <= left + 2 and x + w >= left + 24 - 2 and y <= 202 and y + h >= 238, (k, (x, y, w, h))
        assert w <= 34 and h <= 50, (k, (x, y, w, h))


def test_a_turned_sheet_is_rectified_so_that_its_writing_runs_level():
    turn = np.radians(25)
    along, across = np.array([np.cos(turn), np.sin(turn)]), np.array([-np.sin(turn), np.cos(turn)])
    origin = np.array([180.0, 60.0])
    corners = np.array([origin, origin + 360 * along, origin + 360 * along + 200 * across, origin + 200 * across])
    image = np.full((480, 640), DESK, np.uint8)
    cv2.fillConvexPoly(image, np.round(corners).astype(np.int32), PAPER)
    for k in range(5):  # a line of 0s along the sheet's top edge, 80 pixels below it
        x, y = origin + (40 + 60 * k) * along + 80 * across
        zero(image, int(x), int(y), h=36)
    flat, sheet = isolate_sheet(image, rectify=True)
    assert sheet is not None and sheet.homography is not None
    assert abs(sheet.size[0] - 360) <= 6 and abs(sheet.size[1] - 200) <= 6
    tops = [blob.y for blob in segment(flat).lines[0]]
    assert len(tops) == 5 and max(tops) - min(tops) <= 4  # 25 degrees of slant gone


def test_a_turned_sheet_with_corners_off_the_photo_is_turned_level_by_its_edges():
    # Turned 20 degrees, its top left and bottom right corners off the photo: no fourth corner to warp by, but its
    # long edges inside the photo say how far it is turned.
    turn = np.radians(20)
    along, across = np.array([np.cos(turn), np.sin(turn)]), np.array([-np.sin(turn), np.cos(turn)])
    origin = np.array([120.0, -8.0])
    corners = np.array([origin, origin + 480 * along, origin + 480 * along + 162 * across, origin + 162 * across])
    image = np.full((300, 600), DESK, np.uint8)
    cv2.fillConvexPoly(image, np.round(corners).astype(np.int32), PAPER)
    centres = []
    for k in range(5):
        x, y = origin + (70 + 70 * k) * along + 50 * across
        centres.append(zero(image, int(x), int(y), h=36))
    flat, sheet = isolate_sheet(image, rectify=True)
    assert sheet is not None and sheet.homography is not None
    line = segment(flat).lines[0]
    middles = [blob.y + blob.h / 2 for blob in line]
    assert len(line) == 5 and max(middles) - min(middles) <= 6  # 96 pixels of rise gone
    x, y, w, h = sheet.box_in_image(line[2].box)  # the middle 0, mapped back where it was drawn
    drawn_x, drawn_y, drawn_w, drawn_h = centres[2]
    assert abs((x + w / 2) - (drawn_x + drawn_w / 2)) <= 3 and abs((y + h / 2) - (drawn_y + drawn_h / 2)) <= 3


def test_a_sheet_barely_turned_with_corners_off_the_photo_is_left_as_it_is():
    corners = np.array([(200, 40), (680, 57), (673, 257), (193, 240)])  # turned 2 degrees, its right side cut
    image = np.full((300, 640), DESK, np.uint8)
    cv2.fillConvexPoly(image, corners.astype(np.int32), PAPER)
    flat, sheet = isolate_sheet(image, rectify=True)
    assert sheet is not None and sheet.homography is None and flat.shape == image.shape
    assert sheet.box_in_image((5, 6, 7, 8)) == (5, 6, 7, 8)


def test_a_box_on_the_rectified_sheet_maps_back_through_the_homography():
    shift = np.array([[1.0, 0, -10], [0, 1, -20], [0, 0, 1]])  # the sheet's top left at (10, 20) in the image
    sheet = Sheet(np.ones((100, 100), bool), np.zeros((4, 2)), shift, (80, 60))
    assert sheet.box_in_image((5, 5, 10, 10)) == (15, 25, 10, 10)
    assert sheet.box_in_image((85, 75, 10, 10)) == (95, 95, 5, 5)  # within the image


def test_corners_are_ordered_clockwise_from_the_top_left():
    quad = np.array([(100.0, 10.0), (0.0, 60.0), (130.0, 80.0), (30.0, 130.0)])  # a square turned about 27 degrees
    assert _clockwise_from_top_left(quad[[2, 0, 3, 1]]).tolist() == quad[[1, 0, 2, 3]].tolist()


def page_with_desk_at_left(edge_top: int = 30, edge_bottom: int = 45) -> np.ndarray:
    """A page photographed close: the desk past its left edge, which runs from (edge_top, 0) to (edge_bottom, 299)."""
    image = np.full((300, 400), PAPER, np.uint8)
    cv2.fillConvexPoly(image, np.array([(0, 0), (edge_top, 0), (edge_bottom, 299), (0, 299)], np.int32), DESK)
    for k in range(4):
        zero(image, 120 + 50 * k, 120, h=40)
    return image


def test_the_desk_past_a_page_edge_is_painted_over_and_the_digits_stay():
    image = page_with_desk_at_left()
    bands = find_desk_bands(image)
    assert bands is not None and bands[150, 5] and not bands[150, 100]
    isolated, sheet = isolate_sheet(image)
    assert sheet is None
    assert isolated[:, :25].min() > PAPER - 30  # the desk is gone
    assert np.array_equal(isolated[100:180, 110:340], image[100:180, 110:340])  # the writing is untouched
    assert [len(line) for line in segment(isolated).lines] == [4]


def test_a_soft_curved_shadow_along_a_side_is_no_desk():
    image = page(300, 400)
    shade = np.zeros(image.shape, np.float32)
    cv2.circle(shade, (-150, 150), 190, 1.0, -1)  # a round shadow reaching 40 pixels in at the middle
    shade = cv2.GaussianBlur(shade, (0, 0), 6)
    image = (image * (1 - 0.7 * shade)).astype(np.uint8)
    assert find_desk_bands(image) is None


def test_a_stroke_touching_the_border_is_no_desk():
    image = page(300, 400)
    cv2.line(image, (0, 120), (60, 150), 30, 6)  # a dash or a digit's stroke cut by the image's edge
    assert find_desk_bands(image) is None


def test_a_shadow_or_lit_band_edge_to_edge_is_no_desk():
    image = page(300, 400)
    image[180:] = 70  # the lower part in a deep shadow: a band along three sides, 40% of the image
    assert find_desk_bands(image) is None
    lit = np.full((300, 400), 80, np.uint8)
    lit[:90] = 220
    assert find_desk_bands(lit) is None


def test_a_sheet_in_a_dim_photo_is_found_by_its_ratio_to_the_desk():
    image = np.full((440, 600), 37, np.uint8)  # 59 grey levels under the sheet: less than SURROUND_CONTRAST
    cv2.fillConvexPoly(image, CORNERS.astype(np.int32), 96)
    assert find_sheet(image) is not None
    image[image == 37] = 60  # the desk at 0.63 of the sheet: a shadow's kind of step, no sheet
    assert find_sheet(image) is None


def test_the_desk_past_a_page_lit_unevenly_is_found():
    # The page's upper part in a soft shadow (160 against 215): a level between light and shade joined it to the
    # desk, a band too big to be one.
    image = np.full((300, 400), PAPER, np.uint8)
    image[:120] = 160
    cv2.fillConvexPoly(image, np.array([(370, 0), (399, 0), (399, 299), (385, 299)], np.int32), DESK)
    bands = find_desk_bands(image)
    assert bands is not None and bands[150, 395] and not bands[60, 200] and not bands[200, 200]


def test_desk_caught_inside_the_outline_is_not_carried_outward():
    # The outline found on the small copy reaches 2 pixels past the sheet's edge: the paper median along it holds
    # desk, and carried outward it painted dark blocks that were read as digits.
    image = np.full((300, 400), DESK, np.uint8)
    drawn = np.zeros(image.shape, np.uint8)
    cv2.fillConvexPoly(drawn, np.array([(120, 4), (380, 60), (360, 290), (100, 220)], np.int32), 1)
    image[drawn.astype(bool)] = PAPER
    outline = cv2.dilate(drawn, np.ones((5, 5), np.uint8)).astype(bool)
    painted = _paint_outside(image, outline)
    assert painted[~outline].min() >= PAPER - 3 * GRAIN_MIN_SIGMA - 10  # paper and its grain, no desk
    assert np.array_equal(painted[outline], image[outline])


def test_a_sheet_seen_whole_needs_less_contrast_than_one_running_off_the_photo():
    # A dim photo: paper at 113 on a desk at 58, 55 levels (under SURROUND_CONTRAST) and a ratio of 0.51 (over
    # SURROUND_RATIO). Seen whole, the desk all round it, it is a sheet; the same step running off the photo's
    # edges (a lit band, a shadow's edge) is not.
    whole = np.full((440, 600), 58, np.uint8)
    cv2.fillConvexPoly(whole, CORNERS.astype(np.int32), 113)
    assert find_sheet(whole) is not None
    band = np.full((300, 400), 58, np.uint8)
    band[:, 60:300] = 113  # from the top edge to the bottom one
    assert find_sheet(band) is None


def lamp_lit_sheet() -> tuple[np.ndarray, np.ndarray]:
    """A long sheet turned on a desk lit by a lamp at the bottom left, and its corners.

    The lit desk there (83) is brighter than the sheet's far end (64): Otsu's bright region
    holds both, and its outline is no quadrilateral (synthetic validation, sheet_on_desk 163).
    """
    corners = np.array([(150, 40), (560, 170), (530, 260), (120, 130)])
    height, width = 300, 640
    x, y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    light = np.clip(1.4 - 1.4 * x / width + 0.6 * (y / height - 0.5), 0.25, 2)
    sheet = cv2.fillConvexPoly(np.zeros((height, width), np.uint8), corners.astype(np.int32), 1).astype(bool)
    image = np.clip(np.where(sheet, 140 * light, 50 * light), 0, 255).astype(np.uint8)
    for k in range(4):
        zero(image, 250 + 50 * k, 110 + 15 * k, h=30)
    return image, corners


def test_a_sheet_beside_a_desk_lit_as_brightly_as_its_far_end_is_found_from_its_lit_paper():
    image, corners = lamp_lit_sheet()
    assert image[290, 5] > image[255, 525]  # the premise: the lit desk outshines the sheet's far end
    sheet = find_sheet(image)
    assert sheet is not None
    found = sorted(map(tuple, np.round(sheet.corners).astype(int)))
    for got, want in zip(found, sorted(map(tuple, corners)), strict=True):
        assert abs(got[0] - want[0]) <= 8 and abs(got[1] - want[1]) <= 8, (found, corners)


def test_a_shadow_edge_across_a_sheet_is_no_edge_of_it():
    # The lit part of a sheet with a shadow across its right side is a quadrilateral too, but across its right
    # edge the light only dims (a shadow taking 20%), where across a sheet's own edges it falls to the desk.
    image = shadowed(sheet_on_desk(), 320, 0.2)
    lit_part = np.array([(90, 60), (320, 79), (320, 368), (70, 350)], np.float64)
    assert _edges_step_down(image, CORNERS.astype(np.float64))
    assert not _edges_step_down(image, lit_part)
