"""The synthetic scenes of what real photos do (digitsight/synthetic/scenes.py): deterministic, labelled right."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from digitsight.synthetic import CATEGORIES, make_image, scenes
from digitsight.synthetic.pages import SCENE_CATEGORIES, _finish
from digitsight.synthetic.scenes import SCENES


def test_the_scenes_are_categories_after_the_first_nine():
    assert SCENE_CATEGORIES == SCENES
    assert CATEGORIES[9:] == SCENES  # appended: the first nine keep their seeds, so their images


@pytest.mark.parametrize("category", SCENES)
def test_each_scene_is_deterministic_and_labelled_as_digits_and_single_spaces(category):
    first, again = make_image(category, 3, "validation"), make_image(category, 3, "validation")
    assert first.data == again.data and first.label == again.label
    assert re.fullmatch(r"\d+( \d+)*", first.label)
    image = cv2.imdecode(np.frombuffer(first.data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1::-1] == first.size
    assert len(first.digits) == len(first.label.replace(" ", ""))


def test_spacing_gives_both_one_wide_number_and_two_numbers_on_a_line():
    labels = [make_image("spacing", index, "validation").label for index in range(12)]
    assert any(" " in label for label in labels) and any(" " not in label for label in labels)
    assert all(label.count(" ") <= 1 for label in labels)


def test_a_dense_page_holds_five_to_eight_lines():
    for index in range(3):
        assert 5 <= len(make_image("dense", index, "validation").label.split()) <= 8


def corner_marks(out: np.ndarray) -> int:
    """How many dark marks a photographed page shows."""
    dark = (out.mean(axis=2) < 120).astype(np.uint8)
    return cv2.connectedComponents(dark)[0] - 1


def test_a_scene_leaves_the_camera_room_to_keep_a_long_line_in_the_picture():
    # A long line turned by up to 7 degrees lifts its ends out of a frame of the page's own size: the spacing
    # scene's labels named digits the picture did not show. The scenes' pages leave room for the turn.
    mark = np.ones((6, 6), np.float32)
    layers = [(mark, x, y) for y in (0, 26) for x in (0, 386)]  # a line 392 pixels long, 32 tall

    def photographed(seed: int, room: bool) -> np.ndarray:
        rng = np.random.default_rng(seed)
        rgb, _ = scenes._page(rng, layers, 8, room=room)  # margins of 8 to 16 pixels
        return _finish(rng, rgb, strong=True)

    assert [corner_marks(photographed(seed, True)) for seed in range(20)] == [4] * 20
    assert min(corner_marks(photographed(seed, False)) for seed in range(20)) < 4  # without room some are lost
