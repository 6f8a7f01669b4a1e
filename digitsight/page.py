"""The sheet in a photo: a page, card or sticky note lying on a darker desk, found so only it is read.

Left in, the desk and the sheet's edges drive everything after: the paper's brightness,
binarization's thresholds, the digit height (a sheet's edge is a long dark "stroke"). So
where the photo clearly shows a sheet, the rest of the image is painted over with the
sheet's own paper, carried outward from its border so no new edge appears.

"Clearly a sheet": a bright region (grown across a shadow on it, out to the sheet's
sharp edge), much brighter than what surrounds it, covering a good part but not all of
the image, whose outline is a quadrilateral (four corners fit it closely) with at least
three of its corners inside the image, and with the darker surround along a good part
of the image's border. A shadow falling across a page, or the lit band of a page half in
shadow, runs off the image's edges; a crop, a canvas or a scan has no surround: those
are read whole, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# The sheet is looked for on a copy this many pixels on its longer side: outlines need no detail.
SHEET_SIDE = 256
# A sheet covers at least this share of the image (a card held up, a sticky note close up) ...
MIN_AREA = 0.12
# ... and at most this share: beyond, the surround is a sliver (a scan's dark border is the scanner's lid).
MAX_AREA = 0.9
# The surround is darker than the sheet by at least this many grey levels (medians): a desk, not a shadow.
SURROUND_CONTRAST = 60.0
# At least this share of the image's border is surround: the sheet lies on something.
SURROUND_BORDER = 0.3
# The region's outline simplified within this share of its perimeter must leave four corners ...
CORNER_TOLERANCE = 0.03
# ... and the quadrilateral must cover the region this closely (intersection over union).
QUAD_FIT = 0.9
# At least this many of the corners lie inside the image, this share of its side or more from its edges: a sheet
# is seen whole, or cut off along one side at most; a lit band across a shadowed page runs edge to edge.
INNER_CORNERS = 3
CORNER_MARGIN = 0.02
# A sheet turned on a desk may poke two corners out of the photo (the desk photographed tight): two corners inside
# are enough where the region touches at most this share of the image's border. A lit band or a shadow's edge runs
# along the border (the band along a page's top touches 70% of it); such a sheet, 2-13% (synthetic validation).
CORNER_TOUCH = 0.15
# An image under this many pixels on its shorter side holds no sheet on a desk (it is a crop, a cell, a
# 1x1 page): there is no room for a surround, and the watershed's one-pixel-in border needs 3 pixels.
MIN_SIDE = 16
# Watershed labels: the sheet's flood and the desk's.
SHEET_MARK, DESK_MARK = 1, 2
# Writing and the sheet's own texture are closed over by this share of the copy's longer side.
CLOSE_SHARE = 0.03
# The sheet's outer rim (its shadowed edge, the desk's glare on it) this share of the image's longer side wide is
# painted over with the surround.
RIM_SHARE = 0.01
# The paper under the writing is the median over this share of the image's longer side: wider than a stroke.
PAPER_WINDOW = 0.02
# The fill's grain: a tile of Gaussian noise this many pixels square, from a fixed seed, repeated; the median
# absolute deviation of Gaussian noise times MAD_TO_SIGMA is its standard deviation.
GRAIN_TILE = 256
GRAIN_SEED = 19
MAD_TO_SIGMA = 1.4826
# The grain is at least this strong (grey levels): a smooth (JPEG-blurred) sheet measures nearly none, and a flat
# fill over most of the image leaves binarization's noise estimate at 0, so that the paper's faint texture passes
# for ink and the digits for nothing.
GRAIN_MIN_SIGMA = 2.0


@dataclass(frozen=True)
class Sheet:
    """A sheet found in a photo: its mask (True inside) and corners (4 x 2, x and y, in the image's pixels)."""

    mask: np.ndarray
    corners: np.ndarray


def find_sheet(gray: np.ndarray) -> Sheet | None:
    """The sheet in ``gray`` (uint8, dark ink on light paper), or None where there clearly is none."""
    height, width = gray.shape
    if min(height, width) < MIN_SIDE:
        return None
    factor = min(1.0, SHEET_SIDE / max(height, width))
    small = cv2.resize(
        gray, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (5, 5), 0)
    corners = next((c for c in (_sheet_in(small, r) for r in _regions(small)) if c is not None), None)
    if corners is None:
        return None
    corners = corners / factor
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1)
    return Sheet(mask.astype(bool), corners)


def isolate_sheet(gray: np.ndarray) -> tuple[np.ndarray, Sheet | None]:
    """``gray`` with all but its sheet painted over in the sheet's paper tone, and the sheet; as is where none."""
    sheet = find_sheet(gray)
    if sheet is None:
        return gray, None
    rim = max(1, round(RIM_SHARE * max(gray.shape)))
    inside = cv2.erode(sheet.mask.astype(np.uint8), np.ones((2 * rim + 1, 2 * rim + 1), np.uint8))
    return _paint_outside(gray, inside.astype(bool)), sheet


def _regions(small: np.ndarray) -> list[np.ndarray]:
    """Bright regions that may be the sheet, in the order to try them: grown, then as thresholded.

    Otsu's level splits paper from desk where the light is even. Where a shadow falls
    across the sheet, its shadowed part can be as dark as the lit desk, and the lit part
    alone would pass for the sheet (its far side painted over with the desk). So the
    bright region is first grown by a watershed from it and from the desk along the
    image's border: the two floods meet on the sharpest edge between them, the sheet's
    own, not on a shadow's soft one. Where the grown region fails the checks, the
    thresholded one is tried.
    """
    _, bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    side = max(3, round(CLOSE_SHARE * max(small.shape)) | 1)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((side, side), np.uint8))
    region = _largest(bright, 0.0, 1.0)
    if region is None:
        return []
    markers = np.zeros(small.shape, np.int32)
    markers[cv2.erode(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)] = SHEET_MARK
    border = np.zeros(small.shape, bool)
    # One pixel in from the edge: the watershed marks the image's outermost pixels as boundaries.
    border[[1, -2], 1:-1] = border[1:-1, [1, -2]] = True
    markers[border & ~region] = DESK_MARK
    grown = cv2.watershed(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), markers) == SHEET_MARK
    grown = cv2.morphologyEx(grown.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((side, side), np.uint8))
    return [r for r in (_largest(grown), _largest(bright)) if r is not None]


def _sheet_in(small: np.ndarray, region: np.ndarray) -> np.ndarray | None:
    """The corners (x, y, in ``small``'s pixels) of ``region`` where it clearly is a sheet on a desk."""
    return _quadrilateral(region) if _lies_on_a_desk(small, region) else None


def _largest(mask: np.ndarray, low: float = MIN_AREA, high: float = MAX_AREA) -> np.ndarray | None:
    """The largest connected region of ``mask`` (a boolean mask), if it covers ``low`` to ``high`` of it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    share = stats[label, cv2.CC_STAT_AREA] / mask.size
    return labels == label if low <= share <= high else None


def _lies_on_a_desk(small: np.ndarray, region: np.ndarray) -> bool:
    """Whether what surrounds ``region`` is far darker than it and runs along enough of the image's border."""
    if np.median(small[region]) - np.median(small[~region]) < SURROUND_CONTRAST:
        return False
    border = np.concatenate([region[0], region[-1], region[:, 0], region[:, -1]])
    return float(np.mean(~border)) >= SURROUND_BORDER


def _quadrilateral(region: np.ndarray) -> np.ndarray | None:
    """The four corners (x, y) of ``region`` where its outline is clearly a quadrilateral, else None."""
    contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    outline = cv2.convexHull(max(contours, key=cv2.contourArea))
    corners = cv2.approxPolyDP(outline, CORNER_TOLERANCE * cv2.arcLength(outline, True), True)
    if len(corners) != 4 or not _seen_enough(corners.reshape(4, 2), region):
        return None
    quad = np.zeros(region.shape, np.uint8)
    cv2.fillConvexPoly(quad, corners.reshape(-1, 2), 1)
    union = np.count_nonzero(quad | region)
    if union == 0 or np.count_nonzero(quad & region) / union < QUAD_FIT:
        return None
    return corners.reshape(4, 2).astype(np.float64)


def _seen_enough(corners: np.ndarray, region: np.ndarray) -> bool:
    """Whether enough of the quadrilateral ``corners`` of ``region`` is in the image for it to be a sheet."""
    inner = _inner_corners(corners, region.shape)
    if inner >= INNER_CORNERS:
        return True
    border = np.concatenate([region[0], region[-1], region[:, 0], region[:, -1]])
    return inner == INNER_CORNERS - 1 and float(np.mean(border)) <= CORNER_TOUCH


def _inner_corners(corners: np.ndarray, shape: tuple[int, int]) -> int:
    """How many ``corners`` (x, y) lie at least CORNER_MARGIN of the image's sides from its edges."""
    height, width = shape
    mx, my = CORNER_MARGIN * width, CORNER_MARGIN * height
    inside = (corners[:, 0] >= mx) & (corners[:, 0] <= width - 1 - mx) & (corners[:, 1] >= my)
    return int(np.count_nonzero(inside & (corners[:, 1] <= height - 1 - my)))


def _paint_outside(gray: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``gray`` outside ``inside`` replaced by the paper at the nearest pixel inside.

    The paper is ``gray`` with the ink closed over (a median over PAPER_WINDOW of the
    image's side); carried outward unchanged from the border, it meets the sheet without
    a step, so nothing along the border is darker or lighter than the paper beside it.
    """
    side = max(3, round(PAPER_WINDOW * max(gray.shape)) | 1)
    paper = cv2.medianBlur(gray, min(side, 255))
    _, nearest = cv2.distanceTransformWithLabels(
        (~inside).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    tone = np.zeros(int(nearest.max()) + 1, np.uint8)
    tone[nearest[inside]] = paper[inside]
    fill = tone[nearest].astype(np.float32) + _grain(gray, paper, inside)
    return np.where(inside, gray, np.clip(fill, 0, 255).astype(np.uint8))


def _grain(gray: np.ndarray, paper: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Noise as strong as the sheet's grain, the image's size (a fixed tile: the same image reads the same).

    A flawless fill would make binarization take the image for noiseless, and the paper's
    own grain on the sheet for ink.
    """
    residual = gray[inside].astype(np.float32) - paper[inside]
    sigma = max(GRAIN_MIN_SIGMA, MAD_TO_SIGMA * float(np.median(np.abs(residual - np.median(residual)))))
    tile = np.random.default_rng(GRAIN_SEED).normal(0, sigma, (GRAIN_TILE, GRAIN_TILE)).astype(np.float32)
    reps = (-(-gray.shape[0] // GRAIN_TILE), -(-gray.shape[1] // GRAIN_TILE))
    return np.tile(tile, reps)[: gray.shape[0], : gray.shape[1]]
