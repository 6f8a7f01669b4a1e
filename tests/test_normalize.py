"""Digit masks -> MNIST-style 28x28 crops: 20x20 box, aspect kept, centred by mass, MNIST-like strokes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitsight.normalize import (
    CENTRE,
    STROKE_BAND,
    RowPlacement,
    adjust_stroke,
    chain_placement,
    stroke_width,
    to_chain_field,
    to_mnist,
    to_pair_field,
)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    total = image.sum()
    return float((ys * image).sum() / total), float((xs * image).sum() / total)


def extent(image: np.ndarray, level: float = 0.05) -> tuple[int, int]:
    """(height, width) of the pixels above ``level``."""
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def ring(diameter: int, thickness: int) -> np.ndarray:
    mask = np.zeros((diameter + 4, diameter + 4), np.uint8)
    centre = (diameter // 2 + 2, diameter // 2 + 2)
    cv2.circle(mask, centre, diameter // 2 - thickness // 2, 1, thickness)
    return mask


def test_output_is_28x28_float_in_unit_range_white_on_black():
    mask = np.zeros((50, 30), np.uint8)
    mask[5:45, 10:16] = 1
    crop = to_mnist(mask, adjust=False)
    assert crop.shape == (28, 28) and crop.dtype == np.float32
    assert crop.min() >= 0 and crop.max() <= 1
    assert crop.max() == pytest.approx(1.0)
    assert crop[0, 0] == 0  # black background


@pytest.mark.parametrize(("height", "width"), [(40, 10), (10, 40), (300, 150), (8, 8)])
def test_longer_side_fits_20_pixels_with_aspect_kept(height, width):
    mask = np.ones((height, width), np.uint8)
    crop = to_mnist(mask, adjust=False)
    h, w = extent(crop)
    longer, shorter = (h, w) if height >= width else (w, h)
    assert longer in (20, 21)  # 20, plus one where a sub-pixel centring shift straddles a pixel
    assert shorter == pytest.approx(20 * min(height, width) / max(height, width), abs=1.5)


def test_centre_of_mass_is_where_mnist_puts_it():
    mask = np.zeros((60, 60), np.uint8)
    cv2.line(mask, (5, 5), (50, 55), 1, 6)
    mask[5:15, 5:50] = 1  # a heavy bar at the top pulls the mass up: centring by mass, not by box
    crop = to_mnist(mask, adjust=False)
    cy, cx = centre_of_mass(crop)
    assert cy == pytest.approx(CENTRE, abs=0.25)
    assert cx == pytest.approx(CENTRE, abs=0.25)


def test_empty_mask_gives_an_empty_crop():
    assert not to_mnist(np.zeros((10, 10), np.uint8)).any()


def test_stroke_width_of_a_long_bar():
    mask = np.zeros((20, 220), np.uint8)
    mask[5:11, 10:210] = 1  # 6 pixels wide, 200 long
    assert stroke_width(mask) == pytest.approx(6, rel=0.05)
    assert stroke_width(np.zeros((5, 5), np.uint8)) == 0


def test_hairline_digit_is_thickened_to_mnist_like_width():
    mask = ring(100, 1)
    relative = stroke_width(mask) / max(mask.shape)
    assert relative < STROKE_BAND[0]
    adjusted = adjust_stroke(mask)
    relative = stroke_width(adjusted) / max(adjusted.shape)
    assert STROKE_BAND[0] <= relative <= STROKE_BAND[1]


def test_marker_digit_is_thinned_to_mnist_like_width():
    mask = ring(100, 30)
    adjusted = adjust_stroke(mask)
    assert stroke_width(adjusted) < stroke_width(mask)
    relative = stroke_width(adjusted) / max(adjusted.shape)
    assert STROKE_BAND[0] <= relative <= STROKE_BAND[1]


def test_mnist_like_stroke_is_left_alone():
    mask = ring(100, 12)
    np.testing.assert_array_equal(adjust_stroke(mask), mask)


def test_solid_blob_is_not_eroded_away():
    blob = np.ones((12, 12), np.uint8)
    assert adjust_stroke(blob).sum() > 0


def test_an_mnist_digit_survives_the_round_trip():
    """Upscale an MNIST training digit 6x, binarize it, normalize it back: it must look like the original."""
    from digitsight.data import load_mnist

    mnist = load_mnist()
    for original in mnist.x_train[:20]:
        big = cv2.resize(original, (168, 168), interpolation=cv2.INTER_CUBIC) >= 128
        crop = to_mnist(big)
        reference = original.astype(np.float32) / 255
        correlation = np.corrcoef(crop.ravel(), reference.ravel())[0, 1]
        assert correlation > 0.8


def test_pair_field_keeps_a_pair_at_its_size_and_centres_it_by_its_box():
    # Two 2-pixel bars, 20 tall: a stroke already MNIST-like for that height, and already 20 tall.
    mask = np.zeros((20, 14), np.uint8)
    mask[:, 0:2] = 1
    mask[:, 12:14] = 1
    field = to_pair_field(np.pad(mask, 5))
    expected = np.zeros((28, 48), np.float32)
    expected[4:24, 17:19] = 1
    expected[4:24, 29:31] = 1
    np.testing.assert_allclose(field, expected, atol=1e-6)


def test_pair_field_shrinks_a_very_wide_group_to_fit_the_field_width():
    mask = np.zeros((20, 88), np.uint8)
    mask[:, 0:2] = mask[:, 43:45] = mask[:, 86:88] = mask[18:20, :] = 1  # three bars joined at the foot
    field = to_pair_field(mask)
    assert field.shape == (28, 48)
    assert np.count_nonzero(field.any(axis=0)) == 44
    assert np.count_nonzero(field.any(axis=1)) == 10


def test_pair_field_of_an_empty_mask_is_black():
    field = to_pair_field(np.zeros((5, 9), np.uint8))
    assert field.shape == (28, 48) and not field.any()


def test_chain_placement_says_where_the_chain_field_put_the_ink():
    # Two 5-pixel bars 40 tall (an MNIST-like stroke, left alone), ink from column 10 to 34:
    # scaled by 0.5 to 20 pixels tall, 12 wide, centred in the 128-pixel field from column 58.
    mask = np.zeros((50, 50), np.uint8)
    mask[5:45, 10:15] = mask[5:45, 30:35] = 1
    placement = chain_placement(mask)
    assert placement == RowPlacement(10.0, 0.5, 58)
    assert np.flatnonzero(to_chain_field(mask).any(axis=0))[0] == 58
    assert placement.to_mask(58) == 10.0 and placement.to_mask(70) == 34.0


def test_chain_placement_follows_a_thickened_stroke():
    # Hairlines 60 tall are thickened by a 7-pixel disc: the ink then starts 3 columns left of them.
    mask = np.zeros((70, 60), np.uint8)
    mask[5:65, 10] = mask[5:65, 40] = 1
    placement = chain_placement(mask)
    assert placement.ink_x == 7.0
    assert np.flatnonzero(to_chain_field(mask).any(axis=0))[0] == placement.left
    assert chain_placement(np.zeros((5, 9), np.uint8)) is None
