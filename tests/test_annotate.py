"""Drawing a Reading onto its image (no model needed: the readings are made by hand)."""

from __future__ import annotations

import numpy as np

from digitsight.annotate import SURE, UNSURE, annotate
from digitsight.result import Digit, Reading


def reading_of(*digits: tuple[int, float, tuple[int, int, int, int]], size=(200, 100)) -> Reading:
    made = [
        Digit(value, confidence, ((value, confidence),), box, 0, np.zeros((28, 28), np.float32))
        for value, confidence, box in digits
    ]
    number = "".join(str(d.value) for d in made)
    return Reading(number, [number] if number else [], made, [], size)


def test_boxes_are_drawn_in_the_confidence_colour_and_the_input_is_untouched():
    image = np.full((100, 200, 3), 255, np.uint8)
    before = image.copy()
    out = annotate(image, reading_of((4, 0.99, (20, 40, 30, 40)), (7, 0.2, (120, 40, 30, 40))))
    np.testing.assert_array_equal(image, before)
    assert out.shape == (100, 200, 3) and out.dtype == np.uint8
    assert tuple(out[60, 20]) == SURE  # left edge of the first box
    assert tuple(out[60, 120]) == UNSURE  # left edge of the second, unsure, box
    assert tuple(out[60, 35]) == (255, 255, 255)  # inside a box: left as it was


def test_label_above_the_box_or_below_it_when_no_room_never_over_the_digit():
    image = np.full((100, 200, 3), 255, np.uint8)
    out = annotate(image, reading_of((1, 0.9, (20, 50, 20, 40))))
    assert (out[:50, 20:40] != 255).any()  # the label sits above the box
    out = annotate(image, reading_of((1, 0.9, (20, 0, 20, 40))))
    assert (out[2:38, 22:38] == 255).all()  # at the top edge: the inside of the box stays uncovered
    assert (out[40:70, 20:40] != 255).any()  # the label went below it


def test_labels_cover_no_neighbouring_digit():
    # Two lines, the second right under the first: the upper digits' labels cannot go above (top
    # edge) nor below (the next line), so they go beside; no box's inside is painted.
    image = np.full((120, 200, 3), 255, np.uint8)
    boxes = [(20, 2, 20, 50), (80, 2, 20, 50), (20, 60, 20, 50), (80, 60, 20, 50)]
    out = annotate(image, reading_of(*[(3, 0.9, box) for box in boxes], size=(200, 120)))
    for x, y, w, h in boxes:
        inside = out[y + 2 : y + h - 2, x + 2 : x + w - 2]
        assert (inside == 255).all(), (x, y)


def test_gray_input_and_an_empty_reading():
    gray = np.full((30, 40), 128, np.uint8)
    out = annotate(gray, reading_of(size=(40, 30)))
    assert out.shape == (30, 40, 3)
    assert (out == 128).all()


def test_a_shrunk_decoded_image_gets_its_boxes_scaled():
    # Reading reports boxes in the original's pixels; the CLI decodes huge images shrunk
    # (load_image(max_pixels=)), so the boxes are drawn at that image's scale.
    from digitsight.imaging import load_image

    original = np.full((400, 800, 3), 255, np.uint8)
    loaded = load_image(original, max_pixels=100 * 200)
    assert loaded.size == (800, 400) and loaded.scale < 1
    out = annotate(loaded, reading_of((4, 0.99, (400, 200, 120, 160)), size=(800, 400)))
    assert out.shape == loaded.rgb.shape
    x, y = round(400 * loaded.scale), round(280 * loaded.scale)
    assert tuple(out[y, x]) == SURE  # the box's left edge, where the original's box lies at this scale
