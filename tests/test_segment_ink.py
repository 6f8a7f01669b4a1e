"""Polarity, illumination flattening and binarization (segment/ink.py), on small drawn images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from drawn_pages import assert_one_line_of, page, zero

from digitsight.segment import analyse, binarize, ink_levels, open_valleys, segment
from digitsight.segment.ink import WEAK_SHARE, Levels


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


def _partly_faint_two(image: np.ndarray, x: int, y: int, faint: int, bold: int = 240) -> tuple:
    """A '2'-like digit 40 x 40 at (x, y): a bold bottom bar, its top arc and diagonal ``faint``; returns its box."""
    cv2.ellipse(image, (x + 20, y + 12), (12, 10), 0, 180, 360, faint, 2)  # the top arc
    cv2.line(image, (x + 32, y + 12), (x + 3, y + 37), faint, 2)  # the diagonal, down to the bar
    cv2.line(image, (x + 2, y + 38), (x + 38, y + 38), bold, 3)  # the bar: the only strong part
    return x, y, 40, 40


def test_a_digit_partly_far_fainter_than_the_others_is_ink_on_flawless_paper():
    # A thin pen pressed lightly on a pre-binarized scan (realworld-dev d_010): the top and diagonal of a 2 stand 30
    # grey levels over a background of exactly 0, the bold strokes 240. Under a quarter of the ink's contrast, they
    # were dropped, and the bar alone, flatter than a digit, went with them.
    image = page(tone=0)
    drawn = [zero(image, 30, 50, value=240, thickness=3), _partly_faint_two(image, 110, 50, faint=30)]
    drawn.append(zero(image, 190, 50, value=240, thickness=3))
    found = segment(image)
    assert_one_line_of(found, drawn)
    assert found.ink[50:55, 125:135].any()  # the top of the arc


def test_a_faint_stroke_on_textured_paper_stays_out():
    # The same faint strokes on paper with a grain of 4 grey levels: 30 levels are no longer far out of the
    # paper's noise, and the weak threshold stays a quarter of the ink's contrast.
    contrast = np.zeros((160, 320), np.float32)
    _partly_faint_two(contrast, 110, 50, faint=30)
    contrast += np.abs(np.random.default_rng(3).normal(0, 4, contrast.shape)).astype(np.float32)
    ink, _ = binarize(contrast)
    assert ink[85:89, 110:150].any()  # the bar
    assert not ink[50:80, 110:150].any()  # the arc and the diagonal


@pytest.mark.parametrize("blur", [1.0, 1.5])
def test_a_bold_strokes_blurred_fringe_stays_out_on_flawless_paper(blur):
    # Only the ridge of a faint stroke joins the ink: the fringe round a bold one lies far under its neighbour
    # (the plain hysteresis, weak threshold a quarter of the ink's contrast, gives the same ink).
    contrast = np.zeros((60, 80), np.float32)
    contrast[10:50, 30:35] = 240
    contrast = cv2.GaussianBlur(contrast, (0, 0), blur)
    levels = ink_levels(contrast)
    ink, _ = binarize(contrast, levels)
    plain = levels.smooth > levels.median + WEAK_SHARE * levels.ink
    assert np.array_equal(ink.astype(bool), plain)


@pytest.mark.parametrize("tone", [0, 255])
def test_blank_images_have_no_digits(tone):
    found = segment(page(tone=tone))
    assert found.lines == []
    assert not found.ink.any()


def test_paper_texture_alone_has_no_digits():
    rng = np.random.default_rng(2)
    image = np.clip(rng.normal(220, 5, (160, 320)), 0, 255).astype(np.uint8)
    assert segment(image).lines == []


def test_open_valleys_clears_the_dip_between_two_strokes_and_keeps_the_strokes():
    # Two strokes three pixels wide with a blurred-in gap two pixels wide between them, all binarized as ink.
    contrast = np.zeros((20, 40), np.float32)
    contrast[5:15, 10:18] = [200, 200, 200, 60, 60, 200, 200, 200]
    ink = np.zeros((20, 40), np.uint8)
    ink[5:15, 10:18] = 1
    expected = ink.copy()
    expected[6:14, 13:15] = 0  # the gap, but where it meets the block's top and bottom (as dim as it there)
    assert np.array_equal(open_valleys(ink_levels(contrast), ink, stroke=2.0), expected)


def test_open_valleys_leaves_a_flat_stroke_whole():
    contrast = np.zeros((20, 40), np.float32)
    contrast[5:15, 10:18] = 200
    ink = (contrast > 0).astype(np.uint8)
    assert np.array_equal(open_valleys(ink_levels(contrast), ink, stroke=2.0), ink)


def _blocks_with_a_loop_and_a_dim_pixel(noise: float = 0.0) -> np.ndarray:
    """Two 9x9 blocks of ink contrast 240: the left one round a 2x2 loop of paper, the right one with one dim pixel."""
    contrast = np.zeros((20, 30), np.float32)
    contrast[5:14, 5:14] = 240
    contrast[8:10, 8:10] = 0
    contrast[5:14, 18:27] = 240
    contrast[9, 22] = 0
    if noise:
        contrast += np.abs(np.random.default_rng(4).normal(0, noise, contrast.shape)).astype(np.float32)
    return contrast


def test_a_small_loop_the_smoothing_filled_is_paper_again_on_flawless_paper():
    # Smoothed 3x3, each pixel of the 2x2 loop stands at 105 over a weak threshold of 60: the plain hysteresis fills
    # it (a hooked 9 of realworld-dev d_054 read 3). Its own contrast is 0: paper, enclosed, 4 pixels: reopened. The
    # single dim pixel of the other block (1 < LOOP_MIN_AREA) stays ink, as does everything else.
    contrast = _blocks_with_a_loop_and_a_dim_pixel()
    levels = ink_levels(contrast)
    ink, _ = binarize(contrast, levels)
    expected = (contrast > 0) | (levels.smooth > levels.median + WEAK_SHARE * levels.ink)
    expected[8:10, 8:10] = False
    expected[9, 22] = True
    assert np.array_equal(ink.astype(bool), expected)


def test_a_small_loop_stays_as_the_hysteresis_makes_it_on_textured_paper():
    # A grain of 4 grey levels: a pixel's own contrast is noisy, so the loop is left to the plain hysteresis (filled).
    contrast = _blocks_with_a_loop_and_a_dim_pixel(noise=4.0)
    levels = ink_levels(contrast)
    ink, _ = binarize(contrast, levels)
    assert ink[8:10, 8:10].all()
    assert np.array_equal(ink.astype(bool), levels.smooth > levels.median + WEAK_SHARE * levels.ink)


def _levels_of(smooth: np.ndarray, noise: float = 0.5) -> Levels:
    """``ink_levels`` as if measured: paper at 0 with ``noise``, the ink's contrast 240; ``smooth`` as given."""
    return Levels(smooth.astype(np.float32), 0.0, noise, 240.0)


def _bold_and_faded(faded_peak: float = 80.0) -> np.ndarray:
    """A bold stroke (240) and, apart from it, a fainter one: columns 16, 30, peak, peak, 30, 16 (already smooth)."""
    smooth = np.zeros((20, 40), np.float32)
    smooth[4:16, 4:7] = 240
    smooth[4:16, 18:24] = [16, 30, faded_peak, faded_peak, 30, 16]
    return smooth


@pytest.mark.parametrize("noise", [0.5, 4.0])
def test_a_digit_far_fainter_than_the_others_is_found_by_its_own_hysteresis(noise):
    # A second pen at a third of the others' contrast: no pixel of it reaches the page's strong threshold (120), so
    # the page's hysteresis drops it whole. Its own: cores over half its peak (40), extent over a quarter (20), so
    # the 30s join and the 16s (at or under the region's floor: 0.06 of 240, or 4 noise deviations) stay out. On
    # flawless paper and on paper with a grain of 4 grey levels alike (80 stands 20 deviations out of it).
    smooth = _bold_and_faded()
    levels = _levels_of(smooth, noise)
    ink, _ = binarize(smooth, levels)
    expected = np.zeros(smooth.shape, bool)
    expected[4:16, 4:7] = True
    expected[4:16, 19:23] = True
    assert np.array_equal(ink.astype(bool), expected)
    assert not _touching_strong(levels)[:, 10:].any()  # the page's hysteresis alone: the faded stroke lost


def _touching_strong(levels: Levels) -> np.ndarray:
    weak = (levels.smooth > levels.median + WEAK_SHARE * levels.ink).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    return np.isin(labels, np.unique(labels[levels.strong()])) & (weak > 0)


@pytest.mark.parametrize("case", ["noisy paper", "peak too faint", "touches the border"])
def test_a_faint_region_stays_out_on_noisy_paper_too_faint_or_at_the_border(case):
    # A peak under FADED_PEAK_NOISES deviations of a noise of 8 grey levels (80 < 96), under FADED_PEAK_SHARE of the
    # ink's contrast (a smudge: 30 < 36), or a faint line reaching the image's edge (a ruled margin): the page's
    # hysteresis stands, the bold stroke alone.
    smooth = _bold_and_faded(faded_peak=30.0 if case == "peak too faint" else 80.0)
    if case == "touches the border":
        smooth[:, 18:24] = smooth[10, 18:24]
    levels = _levels_of(smooth, noise=8.0 if case == "noisy paper" else 0.5)
    ink, _ = binarize(smooth, levels)
    assert np.array_equal(ink.astype(bool), _touching_strong(levels))


@pytest.mark.parametrize("grain", [0.0, 4.0])
def test_a_faded_zero_between_bold_ones_is_segmented(grain):
    # White on black, the middle 0 at a quarter of the others' brightness (60 of 240), on a flawless canvas and on a
    # board with a grain of 4 grey levels: one line of three (the grain widens every box by a pixel or two).
    image = page(tone=20).astype(np.float32)
    drawn = [zero(image, 40 + 80 * k, 50, value=80 if k == 1 else 260, thickness=3) for k in range(3)]
    image += np.random.default_rng(5).normal(0, grain, image.shape)
    assert_one_line_of(segment(np.clip(image, 0, 255).astype(np.uint8)), drawn, tolerance=5)
