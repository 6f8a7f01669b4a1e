"""The synthetic scenes of what real photos do (digitsight/synthetic/scenes.py): deterministic, labelled right."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from digitsight.synthetic import CATEGORIES, make_image
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


def test_the_scenes_camera_keeps_every_corner_of_a_long_page_in_the_picture():
    # A long line turned by up to 7 degrees lifts its ends out of a frame of the page's own size:
    # the spacing scene's labels then named digits the picture did not show.
    page = np.full((40, 400, 3), 230, np.float32)
    for y in (4, 30):
        for x in (4, 390):
            page[y : y + 6, x : x + 6] = 0
    kept = [corner_marks(_finish(np.random.default_rng(seed), page, strong=True, whole=True)) for seed in range(20)]
    framed = [corner_marks(_finish(np.random.default_rng(seed), page, strong=True)) for seed in range(20)]
    assert kept == [4] * 20
    assert min(framed) < 4  # the old frame (the nine first categories keep it) does cut them
