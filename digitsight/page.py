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

Where all four of the sheet's corners are in the photo, ``isolate_sheet(gray, rectify=True)``
also rectifies it: the quadrilateral is warped (a homography) onto an upright rectangle
of its own size, so that a sheet turned or seen at a slant is read as a page seen
square on. ``Sheet.box_in_image`` maps a box found on the rectified sheet back into the
photo's pixels. With a corner outside the photo, the outline's fourth "corner" is where
the sheet leaves the image, not the sheet's own, and a warp through it would skew the
writing: such a sheet is painted around, not rectified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np

# The sheet is looked for on a copy this many pixels on its longer side: outlines need no detail.
SHEET_SIDE = 256
# A sheet covers at least this share of the image (a card held up, a sticky note close up) ...
MIN_AREA = 0.12
# ... and at most this share: beyond, the surround is a sliver (a scan's dark border is the scanner's lid).
MAX_AREA = 0.9
# The surround is darker than the sheet by at least this many grey levels (medians): a desk, not a shadow ...
SURROUND_CONTRAST = 60.0
# ... or, in a dim photo, at most this share of the sheet's brightness (a sheet at 96 on a black desk at 37: the
# light falls off, the ratio stays; a shadow takes 20-45% of the light, synthetic and real).
SURROUND_RATIO = 0.5
# ... or, where the region is clear of the image's border all round (the whole sheet in the photo, the desk all
# round it), at least this many: a shadow's or a lit band's edge runs off the image, and a sheet wholly inside a
# dim, vignetted photo stood 55 levels (113 against 58, ratio 0.51) over its desk (synthetic validation).
WHOLE_SHEET_CONTRAST = 40.0
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
# A sheet is rectified only where its edges lie within this many degrees of the image's axes: turned further, which
# side is its top is a guess (at 45 degrees either is), and a wrong guess would turn the writing on its side. Lines
# up to 45 degrees are read along their slant anyway (segment.orientation).
RECTIFY_MAX_TURN = 40.0
# A sheet cut by the photo's border has no fourth corner to warp by: it is only turned level, by its longest edge
# inside the photo, where that edge lies at least this many degrees off level (less is not worth a resampling).
DESKEW_MIN_TURN = 3.0
# The sheet is resampled bicubically when rectified or levelled: bilinear resampling blurs a stroke by up to half a
# pixel, enough to close a small digit's loop or open it (sheet_on_desk validation, 400 images: 373 -> 378 exact).
WARP_INTERPOLATION = cv2.INTER_CUBIC
# A page photographed close, the desk seen past one of its edges: a dark band along the image's border (no sheet
# outline, the surround on one side only) is painted over where it covers at most EDGE_BAND of the image ...
EDGE_BAND = 0.15
# ... is far darker than the page (SURROUND_CONTRAST), and meets the page along a straight line (a page's cut edge,
# not a shadow's curve or a digit's stroke) running at least EDGE_SPAN of the image's side along it, within
# EDGE_STRAIGHT of the copy's longer side (root mean square distance from the line fitted to it).
EDGE_SPAN = 0.6
EDGE_STRAIGHT = 0.006
# Its page is found with a lighter closing than a sheet's: a band a few pixels wide on the copy must survive it.
EDGE_CLOSE = 3
# Across each edge of a sheet the light steps down to the desk: EDGE_OFFSET pixels (on the small copy) outside, at
# most EDGE_STEP of the level as far inside, along the middle EDGE_MIDDLE of the edge (EDGE_SAMPLES points). A
# shadow's edge across a sheet lit on one side steps to 0.91-0.98, a sheet's own edges to 0.15-0.52 (synthetic
# validation; a shadow takes 20-45% of the light).
EDGE_OFFSET = 3
EDGE_STEP = 0.7
EDGE_MIDDLE = (0.15, 0.85)
EDGE_SAMPLES = 40
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
    """A sheet found in a photo: its mask (True inside) and corners (4 x 2, x and y, in the image's pixels).

    Where ``isolate_sheet`` rectified it: ``homography`` (3 x 3) maps the image's pixels onto
    the rectified sheet's, ``size`` is the rectified sheet's width and height; both None otherwise.
    """

    mask: np.ndarray
    corners: np.ndarray
    homography: np.ndarray | None = None
    size: tuple[int, int] | None = None

    def box_in_image(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """``box`` (x, y, w, h) on the rectified sheet, as the box around it in the image's pixels.

        The box's four corners are mapped back through the homography, and the result is
        the smallest box holding them, within the image. As is where the sheet was not rectified.
        """
        if self.homography is None:
            return box
        x, y, w, h = box
        corners = np.float64([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]])
        mapped = cv2.perspectiveTransform(corners, np.linalg.inv(self.homography))[0]
        height, width = self.mask.shape
        x0, y0 = np.clip(np.floor(mapped.min(axis=0)), 0, [width, height]).astype(int)
        x1, y1 = np.clip(np.ceil(mapped.max(axis=0)), 0, [width, height]).astype(int)
        return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def _small_copy(gray: np.ndarray) -> tuple[np.ndarray, float] | None:
    """``gray`` shrunk to at most SHEET_SIDE and blurred (the sheet's and the desk's outlines are
    found on it, cheaply and past the paper's grain), and its scale; None for an image under MIN_SIDE."""
    height, width = gray.shape
    if min(height, width) < MIN_SIDE:
        return None
    factor = min(1.0, SHEET_SIDE / max(height, width))
    small = cv2.resize(
        gray, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=cv2.INTER_AREA
    )
    return cv2.GaussianBlur(small, (5, 5), 0), factor


def find_sheet(gray: np.ndarray) -> Sheet | None:
    """The sheet in ``gray`` (uint8, dark ink on light paper), or None where there clearly is none."""
    copy = _small_copy(gray)
    return None if copy is None else _sheet_on(gray, *copy)


def _sheet_on(gray: np.ndarray, small: np.ndarray, factor: float) -> Sheet | None:
    """``find_sheet``, given ``gray``'s ``_small_copy`` and its scale."""
    height, width = gray.shape
    corners = next((c for c in (_sheet_in(small, r) for r in _regions(small)) if c is not None), None)
    if corners is None:
        return None
    corners = corners / factor
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1)
    return Sheet(mask.astype(bool), corners)


def isolate_sheet(gray: np.ndarray, rectify: bool = False) -> tuple[np.ndarray, Sheet | None]:
    """``gray`` with all but its sheet painted over in the sheet's paper tone, and the sheet; as is where none.

    Parameters
    ----------
    gray: (H, W) uint8, dark ink on light paper.
    rectify: where the whole sheet is in the photo (``_rectification``), return it warped
        onto an upright rectangle instead (its ``homography`` and ``size`` set, see
        ``Sheet.box_in_image``); painted around in place where it is not.
    """
    # One small copy serves both searches: the sheet's, then, where there is none, the desk bands'.
    copy = _small_copy(gray)
    if copy is None:
        return gray, None
    sheet = _sheet_on(gray, *copy)
    rim = max(1, round(RIM_SHARE * max(gray.shape)))
    if sheet is None:
        bands = _desk_bands_on(gray, copy[0])
        if bands is None:
            return gray, None
        outside = cv2.dilate(bands.astype(np.uint8), np.ones((2 * rim + 1, 2 * rim + 1), np.uint8))
        return _paint_outside(gray, ~outside.astype(bool)), None
    inside = cv2.erode(sheet.mask.astype(np.uint8), np.ones((2 * rim + 1, 2 * rim + 1), np.uint8))
    painted = _paint_outside(gray, inside.astype(bool))
    square = _rectification(sheet.corners, gray.shape) if rectify else None
    if square is None:
        return painted, sheet
    homography, size = square
    # The painted image is warped, not the photo: a corner found a pixel or two off shows paper, never the desk.
    flat = cv2.warpPerspective(painted, homography, size, flags=WARP_INTERPOLATION, borderMode=cv2.BORDER_REPLICATE)
    return flat, replace(sheet, homography=homography, size=size)


def _rectification(corners: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The homography taking the sheet at ``corners`` onto an upright rectangle, and that rectangle's size.

    A sheet with a corner outside the image (``_inner_corners``) is turned level instead
    (``_levelling``). None where the sheet is turned more than RECTIFY_MAX_TURN. The rectangle
    is as wide as the sheet's longer top or bottom edge and as tall as its longer side edge:
    the writing keeps its size in pixels.
    """
    if _inner_corners(corners, shape) < 4:
        return _levelling(corners, shape)
    top_left, top_right, bottom_right, bottom_left = quad = _clockwise_from_top_left(corners)
    turn = np.degrees(np.arctan2(*(top_right - top_left)[::-1]))
    if abs(turn) > RECTIFY_MAX_TURN:
        return None
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    size = (max(1, round(width)), max(1, round(height)))
    target = np.float32([[0, 0], [size[0] - 1, 0], [size[0] - 1, size[1] - 1], [0, size[1] - 1]])
    return cv2.getPerspectiveTransform(quad.astype(np.float32), target), size


def _levelling(corners: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The rotation (3 x 3) that turns a sheet cut by the image's border level, and the size that holds it all.

    The sheet's turn is its longest edge's that does not run along the image's border (an
    edge there is the photo's, not the sheet's), folded into -45..45 degrees. None where it
    is under DESKEW_MIN_TURN or over RECTIFY_MAX_TURN, or no edge qualifies.
    """
    height, width = shape
    mx, my = CORNER_MARGIN * width, CORNER_MARGIN * height
    longest, turn = 0.0, None
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        on_border = (
            max(a[0], b[0]) < mx
            or min(a[0], b[0]) > width - 1 - mx
            or max(a[1], b[1]) < my
            or min(a[1], b[1]) > height - 1 - my
        )
        if not on_border and np.linalg.norm(b - a) > longest:
            longest = float(np.linalg.norm(b - a))
            turn = (np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0])) + 45) % 90 - 45
    if turn is None or not DESKEW_MIN_TURN <= abs(turn) <= RECTIFY_MAX_TURN:
        return None
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), float(turn), 1.0)
    cos, sin = abs(rotation[0, 0]), abs(rotation[0, 1])
    size = (int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos)))
    rotation[:, 2] += np.array(size) / 2 - np.array([width / 2, height / 2])
    return np.vstack([rotation, [0.0, 0.0, 1.0]]), size


def _clockwise_from_top_left(corners: np.ndarray) -> np.ndarray:
    """``corners`` (4 x 2, x and y) ordered top left, top right, bottom right, bottom left (y runs down).

    Sorted by their angle about the centre (clockwise on screen), starting from the one
    nearest the image's top left corner (the least x + y): right for a sheet turned less than 45 degrees.
    """
    centre = corners.mean(axis=0)
    ring = corners[np.argsort(np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0]))]
    return np.roll(ring, -int(np.argmin(ring.sum(axis=1))), axis=0)


def find_desk_bands(gray: np.ndarray) -> np.ndarray | None:
    """Where the desk shows past a page's edge along the border of ``gray`` (a mask, True there), or None.

    A band qualifies (EDGE_BAND, SURROUND_CONTRAST, EDGE_SPAN, EDGE_STRAIGHT) where it is thin,
    far darker than the page, and meets it along a long straight line. A shadow's edge is
    soft and bends, a lit band across a page covers much of the image, and a digit touching
    the border is short: none of them is painted over.
    """
    copy = _small_copy(gray)
    return None if copy is None else _desk_bands_on(gray, copy[0])


def _desk_bands_on(gray: np.ndarray, small: np.ndarray) -> np.ndarray | None:
    """``find_desk_bands``, given ``gray``'s ``_small_copy``."""
    height, width = gray.shape
    # The page is most of the image: what is as much darker than its median as a desk is (SURROUND_CONTRAST, or
    # SURROUND_RATIO of it in a dim photo) may be desk. (Otsu's level split a page lit unevenly across its middle.)
    median = float(np.median(small))
    level = max(median - SURROUND_CONTRAST, SURROUND_RATIO * median)
    bright = (small > level).astype(np.uint8)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((EDGE_CLOSE, EDGE_CLOSE), np.uint8)).astype(bool)
    if not bright.any():
        return None
    paper = float(np.median(small[bright]))
    count, labels = cv2.connectedComponents((~bright).astype(np.uint8), connectivity=8)
    border = np.zeros(small.shape, bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    page_side = cv2.dilate(bright.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~border
    bands = np.zeros(small.shape, bool)
    for label in range(1, count):
        band = labels == label
        if not (band & border).any() or band.mean() > EDGE_BAND:
            continue
        desk = float(np.median(small[band]))
        if not _desk_under(paper, desk):
            continue
        if _straight_edge(np.argwhere(band & page_side), small.shape):
            bands |= band
    if not bands.any():
        return None
    return cv2.resize(bands.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)


def _straight_edge(points: np.ndarray, shape: tuple[int, int]) -> bool:
    """Whether ``points`` (row, column) lie along one straight line at least EDGE_SPAN of the image's side long."""
    if len(points) < 2:
        return False
    xy = points[:, ::-1].astype(np.float32)
    vx, vy, x0, y0 = cv2.fitLine(xy, cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    along = (xy[:, 0] - x0) * vx + (xy[:, 1] - y0) * vy
    across = (xy[:, 0] - x0) * vy - (xy[:, 1] - y0) * vx
    side = shape[0] if abs(vy) >= abs(vx) else shape[1]  # the side the line runs along
    long_enough = float(along.max() - along.min()) >= EDGE_SPAN * side
    return long_enough and float(np.sqrt(np.mean(across**2))) <= EDGE_STRAIGHT * max(shape)


def _regions(small: np.ndarray) -> Iterator[np.ndarray]:
    """Bright regions that may be the sheet, in the order to try them: grown, as thresholded, grown from the paper.

    Otsu's level splits paper from desk where the light is even. Where a shadow falls
    across the sheet, its shadowed part can be as dark as the lit desk, and the lit part
    alone would pass for the sheet (its far side painted over with the desk). So the
    bright region is first grown by a watershed from it and from the desk along the
    image's border: the two floods meet on the sharpest edge between them, the sheet's
    own, not on a shadow's soft one. Where the grown region fails the checks, the
    thresholded one is tried. Where a lamp lights part of the desk as brightly as the
    sheet's shadowed end, Otsu's region holds both; last, the flood starts from the lit
    paper alone (Otsu's level again, within the bright region) and stops at the sheet's
    edge. Each is made only where the one before it failed (a generator).
    """
    _, bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    side = max(3, round(CLOSE_SHARE * max(small.shape)) | 1)
    closing = np.ones((side, side), np.uint8)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, closing)
    region = _largest(bright, 0.0, 1.0)
    if region is None:
        return

    def from_lit_paper() -> np.ndarray | None:
        seed = _lit_paper(small, region, closing)
        return None if seed is None else _grown(small, seed, side)

    for make in (lambda: _grown(small, region, side), lambda: bright, from_lit_paper):
        mask = make()
        if mask is not None and (found := _largest(mask)) is not None:
            yield found


def _lit_paper(small: np.ndarray, region: np.ndarray, closing: np.ndarray) -> np.ndarray | None:
    """The lit paper within ``region``: its largest part above Otsu's level among its own pixels, closed.

    None where any of it reaches the image's border: the lamp-lit desk beside a sheet seen
    whole is what this try is for, and a page filling the photo (most photos, with no sheet
    to find) is not flooded a third time (checked first: it is the cheaper test).
    """
    level, _ = cv2.threshold(small[region].reshape(-1, 1), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lit = cv2.morphologyEx((small > level).astype(np.uint8), cv2.MORPH_CLOSE, closing)
    if lit[[0, -1], :].any() or lit[:, [0, -1]].any():
        return None
    return _largest(lit, 0.0, 1.0)


def _grown(small: np.ndarray, seed: np.ndarray, side: int) -> np.ndarray:
    """``seed`` grown by a watershed from it and from the image's border outside it, closed over ``side`` pixels."""
    markers = np.zeros(small.shape, np.int32)
    markers[cv2.erode(seed.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)] = SHEET_MARK
    border = np.zeros(small.shape, bool)
    # One pixel in from the edge: the watershed marks the image's outermost pixels as boundaries.
    border[[1, -2], 1:-1] = border[1:-1, [1, -2]] = True
    markers[border & ~seed] = DESK_MARK
    grown = cv2.watershed(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), markers) == SHEET_MARK
    return cv2.morphologyEx(grown.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((side, side), np.uint8)).astype(bool)


def _sheet_in(small: np.ndarray, region: np.ndarray) -> np.ndarray | None:
    """The corners (x, y, in ``small``'s pixels) of ``region`` where it clearly is a sheet on a desk."""
    if not _lies_on_a_desk(small, region):
        return None
    corners = _quadrilateral(region)
    return corners if corners is not None and _edges_step_down(small, corners) else None


def _edges_step_down(small: np.ndarray, corners: np.ndarray) -> bool:
    """Whether the light steps down across each edge of the quadrilateral ``corners`` in ``small``, as at a sheet's.

    Along the middle of each edge (EDGE_SAMPLES points), the median grey level EDGE_OFFSET
    pixels outside must be at most EDGE_STEP of the median as far inside. Only edges between
    two corners inside the image (``_inner_corners``) are judged: an edge from where the
    sheet leaves the photo may run partly along the image's border, or out past its own.
    """
    centre = corners.mean(axis=0)
    along = np.linspace(*EDGE_MIDDLE, EDGE_SAMPLES)[:, None]
    height, width = small.shape
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        if _inner_corners(np.array([a, b]), small.shape) < 2:
            continue
        normal = np.array([a[1] - b[1], b[0] - a[0]]) / max(float(np.linalg.norm(b - a)), 1e-9)
        if np.dot((a + b) / 2 - centre, normal) < 0:
            normal = -normal  # pointing out of the sheet
        points = a + along * (b - a)
        levels = []
        for offset in (-EDGE_OFFSET, EDGE_OFFSET):
            x, y = np.round(points + offset * normal).T.astype(int)
            seen = (x >= 0) & (x < width) & (y >= 0) & (y < height)
            levels.append(small[y[seen], x[seen]] if 2 * np.count_nonzero(seen) >= len(seen) else None)
        inside, outside = levels
        if inside is not None and outside is not None and np.median(outside) > EDGE_STEP * np.median(inside):
            return False
    return True


def _largest(mask: np.ndarray, low: float = MIN_AREA, high: float = MAX_AREA) -> np.ndarray | None:
    """The largest connected region of ``mask`` (a boolean mask), if it covers ``low`` to ``high`` of it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    share = stats[label, cv2.CC_STAT_AREA] / mask.size
    return labels == label if low <= share <= high else None


def _lies_on_a_desk(small: np.ndarray, region: np.ndarray) -> bool:
    """Whether what surrounds ``region`` is far darker than it and runs along enough of the image's border.

    A region clear of the image's border all round (a sheet seen whole) needs only
    WHOLE_SHEET_CONTRAST: a shadow or a lit band runs off the image's edges.
    """
    border = np.concatenate([region[0], region[-1], region[:, 0], region[:, -1]])
    contrast = SURROUND_CONTRAST if border.any() else WHOLE_SHEET_CONTRAST
    sheet, surround = float(np.median(small[region])), float(np.median(small[~region]))
    if not _desk_under(sheet, surround, contrast):
        return False
    return float(np.mean(~border)) >= SURROUND_BORDER


def _desk_under(paper: float, desk: float, contrast: float = SURROUND_CONTRAST) -> bool:
    """Whether ``desk`` (a median grey level) lies as far under ``paper`` as a desk lies under a sheet:
    ``contrast`` grey levels, or down to SURROUND_RATIO of the paper's level in a dim photo."""
    return paper - desk >= contrast or desk <= SURROUND_RATIO * paper


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
    It is taken only where the median's window lies wholly inside ``inside``: the outline
    found on the small copy may reach a few pixels past the sheet's edge, most of all at a
    corner meeting the photo's border, and there the window holds desk. Carried outward,
    such a corner's dark tone filled the whole wedge beyond it, a block read as a digit
    (synthetic validation: a leading "1", a trailing "7", "2165" read "5").
    """
    side = min(255, max(3, round(PAPER_WINDOW * max(gray.shape)) | 1))
    paper = cv2.medianBlur(gray, side)
    source = cv2.erode(inside.astype(np.uint8), np.ones((side, side), np.uint8)).astype(bool)
    if not source.any():  # a sliver of a sheet: its own pixels are all the paper there is
        source = inside
    _, nearest = cv2.distanceTransformWithLabels(
        (~source).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    tone = np.zeros(int(nearest.max()) + 1, np.uint8)
    tone[nearest[source]] = paper[source]
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
