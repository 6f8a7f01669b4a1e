"""From grey levels to ink: polarity and stroke width, illumination flattening, binarization.

1. ``analyse``: dark ink on light paper, or light (chalk, canvas) on dark; and how wide
   the strokes are;
2. ``flatten``: subtract a background estimated by a morphological opening wider than
   the strokes, so shadows and gradients vanish;
3. ``binarize``, with hysteresis: a strong threshold finds the strokes, a weak one keeps
   their thin or faint parts that touch a strong pixel (on flawless paper, down to the ridge
   of a stroke far fainter than the rest, and the inside of a small loop that the smoothing
   filled is paper again), and a digit written far fainter than the others is found by a
   hysteresis of its own; ``open_valleys`` takes back the gaps between
   strokes that a blur filled in, where the strokes came out too thick.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from digitsight.imaging import downscaled
from digitsight.normalize import stroke_width

# Polarity and stroke width are estimated on a copy this size (longer side).
ANALYSIS_SIDE = 256
# The median window estimating the background is this fraction (1/n) of the small copy's shorter side: wide
# enough that ink is a minority in any window.
MEDIAN_WINDOW_SHARE = 3
# The median absolute deviation of Gaussian noise times this is its standard deviation.
MAD_TO_SIGMA = 1.4826
# Grey levels added to the polarity step's noise estimate, so that it is never 0 on a flawless image
# (set by hand when the step was written).
ANALYSIS_NOISE_FLOOR = 1.0
# A residual counts toward a polarity if it is this many grey levels from the background, at least, and this many
# noise deviations (set by hand: paper texture stays out, faint pencil gets in).
POLARITY_CONTRAST = 12.0
POLARITY_NOISES = 4

# Background kernel: this many stroke widths, so the opening removes every stroke ...
BACKGROUND_STROKES = 4.0
# ... plus this many pixels, so a stroke a pixel or two wide is removed too ...
BACKGROUND_PAD = 3
# ... and at least this many pixels wide (a 5x5 opening still removes a hairline) ...
BACKGROUND_MIN_SIDE = 5
# ... and never wider than this fraction (1/n) of the small copy's shorter side: the background must still vary
# across it.
BACKGROUND_MAX_SHARE = 2
# Relative contrast (dark ink) is not amplified where the paper is darker than this fraction of its median ...
RELATIVE_FLOOR = 0.4
# ... nor where it is darker than this (grey levels, 255 - paper): a table past the page's edge or a deep shadow
# is not paper, and amplifying its texture would turn it into ink.
PAPER_FLOOR = 40.0
# The paper's median is taken on every this-many-th pixel of each row and column: plenty, and cheap.
PAPER_SAMPLE_STEP = 8

# Binarization's noise and median are measured on a grid of every n-th pixel, n the side over this (at least
# this many pixels across each side, under twice as many): plenty, and cheap.
NOISE_SAMPLE_SIDE = 400
# Grey levels added to binarization's noise estimate, so that it is never 0 on flawless (drawn) paper.
BINARIZE_NOISE_FLOOR = 0.5
# The ink's contrast is measured on pixels this many noise deviations above the paper ...
INK_NOISES = 4
# ... as this percentile of them (most of the ink, not a few outliers) ...
INK_PERCENTILE = 90
# ... and an image whose ink stands less than this many grey levels out of the paper holds no ink.
MIN_INK_CONTRAST = 12
# Hysteresis thresholds: this many noise deviations above the paper, at least, and this fraction of the ink's
# contrast (set by hand: a faint pencil and a bold marker both binarize whole, paper texture stays out).
STRONG_NOISES = 5
STRONG_SHARE = 0.5
WEAK_NOISES = 2.5
WEAK_SHARE = 0.25
# On paper so quiet that this many noise deviations lie under the weak threshold (a drawn canvas, a pre-binarized
# scan: its noise is BINARIZE_NOISE_FLOOR), a stroke that far above the paper and touching a strong pixel is ink
# however faint beside the others: a thin pen pressed lightly. Realworld-dev d_010 (tuning half): a 2 whose bar
# reaches 236 and whose diagonal and top lie 5-40 over a background of exactly 0 was dropped whole; 20-50 keep it
# (10 reads two other digits wrong, 70 loses it again): 30, the middle.
FAINT_NOISES = 30.0
# ... but only its ridge: pixels at least this fraction of the brightest in their 3x3 neighbourhood. The fringe a
# bold stroke's blur or compression leaves round it is far under its neighbour, so strokes keep their width
# (d_010 keeps its 2 from 0.3 to 0.5, not at 0.7; with the whole faint stroke, not its ridge, a scribble's fringe
# thickened it past ``fragments.scribble`` on d_053) ...
RIDGE_SHARE = 0.5
# ... and only a thin one: standing FAINT_NOISES over what a grey-level opening this many pixels wide, and two more,
# leaves. A broad faint band is no pen's: the step a shadow's hard edge leaves after ``flatten`` (9 pixels wide in
# tests/test_segment_ink's shadow, where it joined a 0). d_010 keeps its 2 from 3 to 9; synthetic validation
# (light_on_dark with one digit's upper part faded to 15% of its contrast, 80) reads 21 of 80 at 5, against 0 before
# and 45 with no width limit.
FAINT_MAX_WIDTH = 5
# ``open_valleys``: a valley between strokes is filled (a grey-level closing) over this many stroke widths, the
# widest gap a photo's blur closes between two strokes (a loop of an 8, the gap in a 9) ...
VALLEY_STROKES = 2.0
# ... and a pixel of the ink lying this fraction of the ink's contrast under the strokes around it, and under the
# strong threshold, is the blur between them, not ink (synthetic validation, 80 each, dense: 0.25 read 51 of 80,
# 0.35 49, none 40; then on more images, 0.25 -> 0.20: small 544 -> 547 of 600 (0.15: 537), dense 187 -> 191 of
# 300, broken 558 of 600 both).
VALLEY_SHARE = 0.20
# On quiet paper, the inside of a loop the 3x3 smoothing filled is paper again where it leaves a hole of at least
# this many pixels (``_loops_reopened``): a loop the size of a hooked 9's on a 200-digit scan (realworld-dev d_054,
# tuning half: 3 of its 20 9s read 3 or 0 with loops 4 pixels across filled), not a single dim pixel inside a stroke.
LOOP_MIN_AREA = 3
# A digit written far fainter than the others (a second pen, a pencil pressed lightly: ``_faded_digits``) never
# reaches the page's strong threshold and was dropped whole; it is thresholded against its own peak instead. Its
# region: the smoothed contrast over this many noise deviations (set by hand: out of the paper's grain) and this
# fraction of the ink's contrast (under the weak threshold, a quarter of the peak, of a digit at a quarter of the
# others' contrast; 0.04 and 0.10 read within one image of it on the probe below); a region holding a strong pixel
# is the page's hysteresis's, and one reaching the image's border is a ruled margin line, a shadow's or a table's
# edge, or print showing through at a photo's edge (without that, realworld-dev d_031 and d_015, tuning half, and
# synthetic ruled/26 read wrong) ...
FADED_NOISES = 4.0
FADED_FLOOR_SHARE = 0.06
# ... and it must peak at least this fraction of the ink's contrast and this many noise deviations over the paper:
# well clear of the noise. Probe (validation digits, one or two of a number's digits at 25-50% of the others'
# contrast, 80 each on clean paper, a scan and light_on_dark): 0.10 reads as 0.15, 0.20 loses 3 scans; 6 and 20
# deviations read as 12.
FADED_PEAK_SHARE = 0.15
FADED_PEAK_NOISES = 12.0


class Analysis(NamedTuple):
    """What ``analyse`` learns from a small copy of the image."""

    light_on_dark: bool  # the ink is lighter than the paper (chalk on a board, a white-on-black canvas)
    stroke_small: float  # the typical stroke width, in pixels of the small copy
    small_scale: float  # the small copy's pixels per pixel of the image (at most 1)


def _small(image: np.ndarray, side: int = ANALYSIS_SIDE) -> tuple[np.ndarray, float]:
    scale = min(1.0, side / max(image.shape))
    return downscaled(image, scale), scale


def analyse(gray: np.ndarray) -> Analysis:
    """Polarity and stroke width of an (H, W) uint8 grayscale image, from a small copy.

    A wide median filter estimates the background whatever the polarity (ink covers
    a minority of any window); the ink is on the side of it where the residual has
    the heavier tail. Comparing with the local background rather than the global
    median keeps a lighting gradient from passing for ink.
    """
    small, scale = _small(gray)
    # The window is at most a third of ANALYSIS_SIDE, well within what medianBlur takes.
    window = max(3, (min(small.shape) // MEDIAN_WINDOW_SHARE) | 1)
    background = cv2.medianBlur(small, window)
    residual = small.astype(np.int16) - background.astype(np.int16)
    magnitude = np.abs(residual)
    noise = MAD_TO_SIGMA * float(np.median(magnitude)) + ANALYSIS_NOISE_FLOOR
    strong = magnitude > max(POLARITY_CONTRAST, POLARITY_NOISES * noise)
    light_energy = float(residual[strong & (residual > 0)].sum())
    dark_energy = float(-residual[strong & (residual < 0)].sum())
    light_on_dark = light_energy > dark_energy
    ink = np.clip(residual if light_on_dark else -residual, 0, 255).astype(np.uint8)
    if not ink.any():
        return Analysis(light_on_dark, 1.0, scale)
    _, rough = cv2.threshold(ink, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return Analysis(light_on_dark, max(1.0, stroke_width(rough)), scale)


def flatten(ink_bright: np.ndarray, stroke_small: float, scale: float, relative: bool = True) -> np.ndarray:
    """Remove uneven lighting: ink-bright uint8 image -> float32 ink contrast in [0, 255], background ~ 0.

    The background is a grey-level opening (the darkest level within a window a few
    strokes wide), computed on a small copy and smoothed: cheap, and it follows
    gradients and shadows while leaving every stroke above it. With ``relative``
    (dark ink on paper), the contrast is divided by the local paper brightness:
    light multiplies paper and ink alike, so ink in a shadow keeps its contrast.
    ``stroke_small`` and ``scale`` are ``analyse``'s.
    """
    small = ink_bright if scale == 1.0 else _small(ink_bright)[0]
    widest = max(BACKGROUND_MIN_SIDE, min(small.shape) // BACKGROUND_MAX_SHARE)
    size = int(np.clip(BACKGROUND_STROKES * stroke_small + BACKGROUND_PAD, BACKGROUND_MIN_SIDE, widest))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    opened = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel)
    # Smooth the blocky opening; it is a lower bound of the background, so never rise above it.
    background = np.minimum(cv2.blur(opened, (size, size)), opened)
    if scale != 1.0:
        background = cv2.resize(background, (ink_bright.shape[1], ink_bright.shape[0]), interpolation=cv2.INTER_LINEAR)
    contrast = cv2.subtract(ink_bright, background).astype(np.float32)
    if relative:
        paper = 255.0 - background.astype(np.float32)
        step = PAPER_SAMPLE_STEP
        floor = max(PAPER_FLOOR, RELATIVE_FLOOR * float(np.median(paper[::step, ::step])))
        contrast *= 255.0 / np.maximum(paper, floor)
        np.minimum(contrast, 255.0, out=contrast)
    return contrast


class Levels(NamedTuple):
    """The ink contrast smoothed, and where its paper and ink lie (``ink_levels``)."""

    smooth: np.ndarray  # the contrast, Gaussian-smoothed 3x3: what the thresholds apply to
    median: float  # the paper's level
    noise: float  # the paper's noise deviation (never under BINARIZE_NOISE_FLOOR)
    ink: float  # the ink's level above the paper (INK_PERCENTILE of the pixels standing out of it)

    def strong(self) -> np.ndarray:
        """Where the strong (hysteresis) threshold is passed: the strokes' cores (bool)."""
        return self.smooth > self.median + max(STRONG_NOISES * self.noise, STRONG_SHARE * self.ink)


def ink_levels(contrast: np.ndarray) -> Levels | None:
    """``flatten``'s contrast smoothed and measured (``Levels``); None where nothing stands out of the paper."""
    smooth = cv2.GaussianBlur(contrast, (3, 3), 0)
    sample = smooth[
        :: max(1, smooth.shape[0] // NOISE_SAMPLE_SIDE),
        :: max(1, smooth.shape[1] // NOISE_SAMPLE_SIDE),
    ]
    median = float(np.median(sample))
    noise = MAD_TO_SIGMA * float(np.median(np.abs(sample - median))) + BINARIZE_NOISE_FLOOR
    candidates = smooth[smooth > median + INK_NOISES * noise]
    if candidates.size == 0 or float(smooth.max()) < MIN_INK_CONTRAST:  # nothing stands out of the paper
        return None
    ink_level = float(np.percentile(candidates, INK_PERCENTILE)) - median
    if ink_level < MIN_INK_CONTRAST:
        return None
    return Levels(smooth, median, noise, ink_level)


def binarize(contrast: np.ndarray, levels: Levels | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ink contrast (float32, background ~ 0) -> binary uint8 masks (1 = ink): (ink, faint).

    ``ink`` is found by hysteresis: the parts above the weak threshold that touch a pixel
    above the strong one. Thresholds are relative to the ink's own contrast (so faint
    pencil and bold marker both work) and never below a few noise deviations (so paper
    texture stays out); a digit far fainter than the others, which never reaches the strong
    threshold, is thresholded against its own peak (``_faded_digits``). On quiet paper
    (FAINT_NOISES), the ridges of fainter strokes that touch a strong pixel are ink too, and a
    loop the smoothing filled is opened again (``_loops_reopened``). ``faint`` is everything above the weak threshold: a
    faint ruled line, which the ink keeps only in pieces where it meets the digits, runs
    whole there.
    """
    levels = levels or ink_levels(contrast)
    if levels is None:
        return _nothing(contrast.shape)
    smooth, median, noise, ink_level = levels
    strong = levels.strong()
    weak_level = max(WEAK_NOISES * noise, WEAK_SHARE * ink_level)
    weak = (smooth > median + weak_level).astype(np.uint8)
    ink = _touching(weak, strong) | _faded_digits(smooth, median, noise, ink_level, strong)
    faint_level = FAINT_NOISES * noise
    if faint_level < weak_level:  # quiet paper: the ridges of faint strokes that touch a strong pixel are ink too
        faint_strokes = _touching((smooth > median + faint_level).astype(np.uint8), strong)
        brightest_around = cv2.dilate(smooth, np.ones((3, 3), np.uint8))
        ridge = smooth >= RIDGE_SHARE * brightest_around
        thin_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (FAINT_MAX_WIDTH + 2, FAINT_MAX_WIDTH + 2))
        thin = smooth - cv2.morphologyEx(smooth, cv2.MORPH_OPEN, thin_kernel) > faint_level
        ink |= faint_strokes & (ridge & thin).astype(np.uint8)
        ink = _loops_reopened(ink, contrast > median + weak_level)
    return ink, weak


def _faded_digits(smooth: np.ndarray, median: float, noise: float, ink_level: float, strong: np.ndarray) -> np.ndarray:
    """The strokes of digits far fainter than the page's ink, each found by a hysteresis of its own (uint8, 1 = ink).

    A region of the smoothed contrast over FADED_NOISES noise deviations and FADED_FLOOR_SHARE of the
    ink's contrast, holding no strong pixel of the page and not reaching the image's border, whose peak
    stands FADED_PEAK_SHARE of the ink's contrast and FADED_PEAK_NOISES deviations above the paper, is
    thresholded as the page is, but against its own peak: its pixels over WEAK_SHARE of the peak (and
    over the region's floor) that touch one over STRONG_SHARE of it. Only the region's pixels are looked
    at (a few thousand on a page), so it costs a few milliseconds.

    Parameters
    ----------
    smooth, median, noise, ink_level: ``ink_levels``'s.
    strong: where the page's strong threshold is passed (bool).
    """
    floor = max(FADED_NOISES * noise, FADED_FLOOR_SHARE * ink_level)
    low = smooth > median + floor
    count, labels = cv2.connectedComponents(low.view(np.uint8), connectivity=8)
    pixels = np.flatnonzero(low)  # the regions' pixels, flat
    region = labels.ravel()[pixels]
    height = smooth.ravel()[pixels] - median
    peaks = np.zeros(count, np.float32)
    np.maximum.at(peaks, region, height)
    peaks[labels[strong]] = 0.0  # the page's own hysteresis has these
    peaks[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = 0.0  # a ruled line, a page edge
    peaks[peaks < max(FADED_PEAK_SHARE * ink_level, FADED_PEAK_NOISES * noise)] = 0.0
    if not peaks[1:].any():
        return np.zeros(smooth.shape, np.uint8)
    peak = peaks[region]
    weak_pixels = pixels[(peak > 0) & (height > np.maximum(WEAK_SHARE * peak, floor))]
    strong_pixels = pixels[(peak > 0) & (height > STRONG_SHARE * peak)]
    # The hysteresis within the box round those pixels only: a few regions on a page.
    rows, columns = np.unravel_index(weak_pixels, smooth.shape)
    box = np.s_[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    own_weak = np.zeros(smooth.shape, np.uint8)
    own_weak.ravel()[weak_pixels] = 1
    own_strong = np.zeros(smooth.shape, bool)
    own_strong.ravel()[strong_pixels] = True
    found = np.zeros(smooth.shape, np.uint8)
    found[box] = _touching(own_weak[box], own_strong[box])
    return found


def _loops_reopened(ink: np.ndarray, above_weak: np.ndarray) -> np.ndarray:
    """``ink`` less the paper inside its loops that the 3x3 smoothing raised over the weak threshold.

    A small loop (a hooked 9's, a 6's, a few pixels across) lies between two strokes as dark
    as ink, so the smoothed contrast fills it and the digit reads 3 or 0. Its pixels whose own
    contrast is under the weak threshold (``above_weak`` False) are paper again where, taken
    out, they leave a hole of at least LOOP_MIN_AREA pixels the image's border cannot reach
    (4-connected). Used on quiet paper only: on textured paper a pixel's own contrast is noisy.

    Parameters
    ----------
    ink: the hysteresis ink (uint8, 1 = ink); not changed.
    above_weak: where the unsmoothed contrast stands over the weak threshold (bool).
    """
    paper = (ink > 0) & ~above_weak
    if not paper.any():
        return ink
    opened = np.where(paper, 0, ink).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - opened, connectivity=4)
    enclosed = stats[:, cv2.CC_STAT_AREA] >= LOOP_MIN_AREA
    enclosed[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = False
    enclosed[0] = False  # label 0 is the ink itself
    return np.where(paper & enclosed[labels], 0, ink).astype(np.uint8)


def _touching(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The connected components (8-connected) of ``mask`` (uint8) that hold a pixel of ``seeds`` (bool): uint8."""
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    keep = np.zeros(count, dtype=np.uint8)
    keep[np.unique(labels[seeds])] = 1
    keep[0] = 0
    return keep[labels]


def open_valleys(levels: Levels, ink: np.ndarray, stroke: float) -> np.ndarray:
    """``binarize``'s ink less the valleys between strokes that a photo's blur filled in.

    Blurred, the gap between two strokes close together (an 8's loop, a 9's, the inside of a
    small 0) stands above the weak threshold and binarizes as ink: the loop fills, an 8 reads
    1. Such a gap is still darker than the strokes on either side of it: where a grey-level
    closing over VALLEY_STROKES stroke widths lies VALLEY_SHARE of the ink's contrast above
    the smoothed contrast, and the pixel is under the strong threshold, it is no ink.
    A stroke's own pixels are never taken (a ridge is its own closing), nor its strong core.

    Parameters
    ----------
    levels: ``ink_levels`` of the contrast ``ink`` was binarized from.
    ink: ``binarize``'s ink mask (uint8, 1 = ink); not changed.
    stroke: the strokes' width in pixels of the contrast.
    """
    size = 2 * int(round(VALLEY_STROKES * stroke / 2)) + 1
    if size < 3:
        return ink
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    smooth = np.clip(levels.smooth, 0, 255).astype(np.uint8)  # OpenCV's morphology is several times faster on bytes
    closed = cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, kernel)
    valley = (cv2.subtract(closed, smooth) > VALLEY_SHARE * levels.ink) & ~levels.strong()
    return np.where(valley, 0, ink).astype(np.uint8)


def _nothing(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``binarize``'s answer for an image without ink: two empty masks."""
    return np.zeros(shape, dtype=np.uint8), np.zeros(shape, dtype=np.uint8)
