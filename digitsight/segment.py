"""Find the handwritten digits in a grayscale image, with OpenCV.

``segment(gray)`` returns the digit candidates ("blobs") grouped into lines, top
to bottom, each left to right. The steps, each a function below:

1. polarity: dark ink on light paper, or light (chalk, canvas) on dark;
2. illumination flattening: subtract a background estimated by a morphological
   opening wider than the strokes, so shadows and gradients vanish;
3. binarization with hysteresis: a strong threshold finds the strokes, a weak
   one keeps their thin or faint parts that touch a strong pixel;
4. removal of ruled lines, margins and page borders (long thin or edge-spanning
   components) and of specks;
5. merging of fragments that belong to one digit (broken strokes, the detached
   bar of a 5, a dashed 7), and dropping of what is no digit: dashes, scraps at
   the image's edge, hairline remnants of a line;
6. grouping into lines (chained left to right, so slanted lines stay whole).

Touching digits are split later (``digitsight.decode.cuts``), because the best cut
is the one the classifier reads best.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

# Relative contrast (dark ink) is not amplified where the paper is darker than this fraction of its median.
RELATIVE_FLOOR = 0.4
# Polarity and stroke width are estimated on a copy this size (longer side).
ANALYSIS_SIDE = 256
# Background kernel: this many stroke widths, so the opening removes every stroke.
BACKGROUND_STROKES = 4.0
# Ruled lines run along at least this fraction of the image's width; margins along its height.
HORIZONTAL_LINE_SPAN = 0.5
EDGE_LINE_SPAN = 0.25  # ... or this much, running in from the left or right edge
VERTICAL_LINE_SPAN = 0.85
# ... and are at least this many times longer than thick (a digit's stroke is far thicker for its length).
LINE_THINNESS = 20
MARGIN_THINNESS = 12
# A strip along an image edge reaches at most this fraction of the image into it.
STRIP_DEPTH = 0.25
# A part touching an image edge over this fraction of the edge's length lies along it: the table
# past the page, a shadow's edge (a digit touches the frame at a point, or along a short stroke).
EDGE_CONTACT = 0.3
# At most this many lines are looked for in one component (a ruled page).
MAX_LINES = 40
# ... and unbroken: ink in at least this fraction of the columns they span.
LINE_COVERAGE = 0.9
# A line's soft edge: the rows past its core (half its peak count) erased with it, at least.
LINE_EDGE_ROWS = 2
# A fragment group can grow to this size (in digit heights) and still be one digit.
MERGED_MAX_HEIGHT = 1.3
MERGED_MAX_WIDTH = 1.1
# A candidate flatter than this (in digit heights) is no digit.
MIN_HEIGHT = 0.3
# Nor is a dash: shorter than this (in digit heights) and this many times wider than tall.
DASH_HEIGHT = 0.45
DASH_ASPECT = 1.6
# A candidate whose stroke is thinner than this fraction of the typical one is a line's remnant.
THIN_STROKE = 0.45
# A candidate touching the image's edge must be at least this tall (in digit heights).
EDGE_MIN_HEIGHT = 0.6
# A stroke this many times narrower than tall running off the top or bottom of the image is what is
# left of a margin line (a broken one, not long enough to be found as a line), if anything else is there.
EDGE_STROKE_ASPECT = 0.25
# A dash just above a digit is its detached bar (a 5's, a 7's) if the union is at most this tall (in digit
# heights) and this wide (in its own heights).
BAR_MAX_HEIGHT = 1.5
BAR_MAX_ASPECT = 1.4
# Within a line, a gap wider than this many digit heights separates two numbers.
GROUP_GAP = 1.2
# A number whose tallest blob is shorter than this (in digit heights) is dropped.
SCRAP_HEIGHT = 0.5


@dataclass
class Blob:
    """A digit candidate: its box (x, y, w, h) in processing pixels and its own ink mask (h, w)."""

    x: int
    y: int
    w: int
    h: int
    mask: np.ndarray = field(repr=False)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.w, self.h

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def union(self, other: Blob) -> Blob:
        """This blob and ``other`` as one: the union box and both masks in it."""
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1, y1 = max(self.x + self.w, other.x + other.w), max(self.y + self.h, other.y + other.h)
        mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        for blob in (self, other):
            view = mask[blob.y - y0 : blob.y - y0 + blob.h, blob.x - x0 : blob.x - x0 + blob.w]
            np.maximum(view, blob.mask.astype(np.uint8), out=view)
        return Blob(x0, y0, x1 - x0, y1 - y0, mask)

    def piece(self, start: int | np.ndarray, stop: int | np.ndarray) -> Blob | None:
        """The part of this blob between two cuts, tightly cropped; None if it holds no ink.

        A cut is a column (blob coordinates) or a path: one column per row (``cut_path``).
        """
        columns = np.arange(self.w)[None, :]
        start = np.broadcast_to(np.asarray(start).reshape(-1, 1), (self.h, 1))
        stop = np.broadcast_to(np.asarray(stop).reshape(-1, 1), (self.h, 1))
        sub = self.mask * ((columns >= start) & (columns < stop))
        rows = np.flatnonzero(sub.any(axis=1))
        cols = np.flatnonzero(sub.any(axis=0))
        if rows.size == 0:
            return None
        sub = sub[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.uint8)
        return Blob(self.x + int(cols[0]), self.y + int(rows[0]), sub.shape[1], sub.shape[0], sub)


@dataclass(frozen=True)
class _Trace:
    """A line found in the ink: its pixels satisfy low <= along - slope * across <= high.

    For a horizontal line, ``along`` is the row and ``across`` the column; for a vertical
    one (a margin), the other way round. ``thickness``: the line's, in pixels.
    """

    horizontal: bool
    slope: float
    low: int
    high: int
    thickness: int

    def overlaps(self, other: _Trace) -> bool:
        """Whether ``other`` is about the same line (found twice: in the ink and in the faint mask)."""
        close = abs(self.slope - other.slope) <= 0.02
        return self.horizontal == other.horizontal and close and self.low <= other.high and other.low <= self.high

    def moved(self, x: int, y: int) -> _Trace:
        """The same line in the image's coordinates, for a line found in a view whose corner is at (x, y)."""
        along, across = (y, x) if self.horizontal else (x, y)
        shift = along - self.slope * across
        return replace(self, low=int(np.floor(self.low + shift)), high=int(np.ceil(self.high + shift)))


@dataclass
class Segmentation:
    """What ``segment`` found: blobs per line, the binary ink image and what it learnt on the way."""

    lines: list[list[Blob]]
    ink: np.ndarray = field(repr=False)
    light_on_dark: bool = False
    digit_height: float = 0.0
    stroke: float = 0.0
    removed_lines: int = 0


def segment(gray: np.ndarray) -> Segmentation:
    """(H, W) uint8 grayscale -> digit candidates grouped into lines (see the module docstring)."""
    light_on_dark, stroke_small, scale = analyse(gray)
    ink_bright = gray if light_on_dark else 255 - gray
    contrast = flatten(ink_bright, stroke_small, scale, relative=not light_on_dark)
    ink, faint = binarize(contrast)
    ink, removed = remove_long_lines(ink, faint)
    blobs, digit_height = merge_fragments(ink)
    # A number made of nothing but scraps far shorter than the digits is not writing: it is what
    # is left of the edge of a table or a shadow past the page, broken into teeth.
    lines = [line for line in group_lines(blobs, digit_height) if max(b.h for b in line) >= SCRAP_HEIGHT * digit_height]
    return Segmentation(lines, ink, light_on_dark, digit_height, stroke_small / scale, removed)


def _small(image: np.ndarray, side: int = ANALYSIS_SIDE) -> tuple[np.ndarray, float]:
    from digitsight.imaging import downscaled

    scale = min(1.0, side / max(image.shape))
    return downscaled(image, scale), scale


def analyse(gray: np.ndarray) -> tuple[bool, float, float]:
    """Polarity and stroke width, from a small copy: (ink is light, stroke width in small pixels, small scale).

    A wide median filter estimates the background whatever the polarity (ink covers
    a minority of any window); the ink is on the side of it where the residual has
    the heavier tail. Comparing with the local background rather than the global
    median keeps a lighting gradient from passing for ink.
    """
    import cv2

    small, scale = _small(gray)
    window = max(3, (min(small.shape) // 3) | 1)
    background = cv2.medianBlur(small, window) if window <= 255 else small
    residual = small.astype(np.int16) - background.astype(np.int16)
    magnitude = np.abs(residual)
    noise = 1.4826 * float(np.median(magnitude)) + 1.0
    strong = magnitude > max(12.0, 4 * noise)
    light_energy = float(residual[strong & (residual > 0)].sum())
    dark_energy = float(-residual[strong & (residual < 0)].sum())
    light_on_dark = light_energy > dark_energy
    ink = np.clip(residual if light_on_dark else -residual, 0, 255).astype(np.uint8)
    if not ink.any():
        return light_on_dark, 1.0, scale
    _, rough = cv2.threshold(ink, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    from digitsight.normalize import stroke_width

    return light_on_dark, max(1.0, stroke_width(rough)), scale


def flatten(ink_bright: np.ndarray, stroke_small: float, scale: float, relative: bool = True) -> np.ndarray:
    """Remove uneven lighting: ink-bright uint8 image -> float32 ink contrast in [0, 255], background ~ 0.

    The background is a grey-level opening (the darkest level within a window a few
    strokes wide), computed on a small copy and smoothed: cheap, and it follows
    gradients and shadows while leaving every stroke above it. With ``relative``
    (dark ink on paper), the contrast is divided by the local paper brightness:
    light multiplies paper and ink alike, so ink in a shadow keeps its contrast.
    """
    import cv2

    small = ink_bright if scale == 1.0 else _small(ink_bright)[0]
    # Never wider than half the small image: the background must still vary across it.
    size = int(np.clip(BACKGROUND_STROKES * stroke_small + 3, 5, max(5, min(small.shape) // 2)))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    opened = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel)
    # Smooth the blocky opening; it is a lower bound of the background, so never rise above it.
    background = np.minimum(cv2.blur(opened, (size, size)), opened)
    if scale != 1.0:
        background = cv2.resize(background, (ink_bright.shape[1], ink_bright.shape[0]), interpolation=cv2.INTER_LINEAR)
    contrast = cv2.subtract(ink_bright, background).astype(np.float32)
    if relative:
        paper = 255.0 - background.astype(np.float32)
        # A floor: what is far darker than the page (a table past its edge, a deep shadow)
        # is not paper, and amplifying its texture would turn it into ink.
        floor = max(40.0, RELATIVE_FLOOR * float(np.median(paper[:: 8, :: 8])))
        contrast *= 255.0 / np.maximum(paper, floor)
        np.minimum(contrast, 255.0, out=contrast)
    return contrast


def binarize(contrast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ink contrast (float32, background ~ 0) -> binary uint8 masks (1 = ink): (ink, faint).

    ``ink`` is found by hysteresis: the parts above the weak threshold that touch a pixel
    above the strong one. Thresholds are relative to the ink's own contrast (so faint
    pencil and bold marker both work) and never below a few noise deviations (so paper
    texture stays out). ``faint`` is everything above the weak threshold: a faint ruled
    line, which the ink keeps only in pieces where it meets the digits, runs whole there.
    """
    import cv2

    smooth = cv2.GaussianBlur(contrast, (3, 3), 0)
    sample = smooth[:: max(1, smooth.shape[0] // 400), :: max(1, smooth.shape[1] // 400)]
    median = float(np.median(sample))
    noise = 1.4826 * float(np.median(np.abs(sample - median))) + 0.5
    candidates = smooth[smooth > median + 4 * noise]
    if candidates.size == 0 or float(smooth.max()) < 12:  # nothing stands out of the paper
        return np.zeros(contrast.shape, dtype=np.uint8), np.zeros(contrast.shape, dtype=np.uint8)
    ink_level = float(np.percentile(candidates, 90)) - median
    if ink_level < 12:
        return np.zeros(contrast.shape, dtype=np.uint8), np.zeros(contrast.shape, dtype=np.uint8)
    strong = smooth > median + max(5 * noise, 0.5 * ink_level)
    weak = (smooth > median + max(2.5 * noise, 0.25 * ink_level)).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    keep = np.zeros(count, dtype=np.uint8)
    keep[np.unique(labels[strong])] = 1
    keep[0] = 0
    return keep[labels], weak


def remove_long_lines(ink: np.ndarray, faint: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Remove ruled lines, margins and page borders from a binary ink image; returns (ink, how many removed).

    Only components spanning a good part of the image are examined. Straight thin
    lines in them (ruled lines, a margin, at a slant up to 10 degrees) are found
    by projecting their pixels along the best angle; the pixels of each line are
    erased and strokes that crossed it are bridged, so digits touching a line
    survive. A component running along most of an image edge (the table past the
    page, a shadow's edge) is erased whole, unless it is the only thing there.
    ``faint`` (``binarize``'s): ruled lines too faint to reach the ink whole are looked
    for there and erased from the ink along their length.
    """
    import cv2

    height, width = ink.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return ink, 0
    ink = ink.copy()
    removed = 0
    traces: list[_Trace] = []
    total = int(stats[1:, cv2.CC_STAT_AREA].sum())
    for label in range(1, count):
        x, y, w, h, _ = (int(v) for v in stats[label])
        at_side, at_top_or_bottom = _edges_touched((x, y, w, h), ink.shape)
        touches = at_side or at_top_or_bottom
        if w < HORIZONTAL_LINE_SPAN * width and h < min(VERTICAL_LINE_SPAN, 0.6) * height and not touches:
            continue
        view = ink[y : y + h, x : x + w]
        region = labels[y : y + h, x : x + w] == label
        lines = []
        # A faint ruled line is often kept only where it meets the digits (binarize's weak
        # threshold grows it from their strokes): then it runs in from the page's side edge.
        span = EDGE_LINE_SPAN if at_side else HORIZONTAL_LINE_SPAN
        if w >= span * width:
            lines += _erase_lines(view, region, horizontal=True, min_length=span * width)
        if h >= VERTICAL_LINE_SPAN * height:
            region &= view > 0
            lines += _erase_lines(view, region, horizontal=False, min_length=VERTICAL_LINE_SPAN * height)
        traces += [line.moved(x, y) for line in lines]
        found = len(lines)
        removed += found
        if not found:
            removed += _erase_edge_strip(view, region, (x, y, w, h), ink.shape, total)
            continue
        # What is left of the component after its lines went: a thin strip along an edge as a
        # whole (the table past the page), or else piece by piece (the line's stubs at the edges;
        # taken whole, they would make the digits that sat on the line span the page).
        region &= view > 0
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        if rows.size == 0:
            continue
        box = (x + int(cols[0]), y + int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
        if _erase_edge_strip(view, region, box, ink.shape, total, strict=True):
            removed += 1
            continue
        _, piece_labels, piece_stats, _ = cv2.connectedComponentsWithStats(region.astype(np.uint8), 8)
        for k, (px, py, pw, ph, _) in enumerate(piece_stats[1:], start=1):
            removed += _erase_edge_strip(view, piece_labels == k, (x + px, y + py, pw, ph), ink.shape, total)
    if faint is not None:
        found = _faint_lines(faint)
        removed += sum(not any(line.overlaps(other) for other in traces) for line in found)
        traces += found
    _erase_traces(ink, traces)
    return ink, removed


def _faint_lines(faint: np.ndarray) -> list[_Trace]:
    """The ruled lines in ``faint`` (a mask), in the image's coordinates; ``faint`` is left as it was.

    The whole mask is searched at once, not component by component: a faint line breaks
    up into pieces, none of them long enough to be a line alone.
    """
    view = faint.astype(np.uint8)  # a scratch copy: _erase_lines erases in it
    return _erase_lines(view, view > 0, horizontal=True, min_length=HORIZONTAL_LINE_SPAN * faint.shape[1])


def _edges_touched(box, shape: tuple[int, int]) -> tuple[bool, bool]:  # noqa: ANN001 - a box
    """Whether ``box`` (x, y, w, h) touches the image's left or right edge, and its top or bottom."""
    x, y, w, h = box
    height, width = shape
    return x == 0 or x + w == width, y == 0 or y + h == height


def _erase_edge_strip(
    view: np.ndarray, part: np.ndarray, box, shape: tuple[int, int], total: int, strict: bool = False  # noqa: ANN001
) -> int:
    """Erase ``part`` (a mask over ``view``) if it runs along an image edge; 1 if it did, else 0.

    It must touch an edge and span the image, be a thin strip there, or lie along it (touch
    it over EDGE_CONTACT of the image's side: the table past a page whose edge was erased as
    a line). ``strict``: only a thin strip lying along the edge it touches (the leftovers of a
    component whose lines were erased, taken together: digits that sat on a line, with its
    stubs at both ends, span the page too). ``box`` is the part's box in the image; ``total``
    the image's ink, so that a part that is all the ink there is (a big digit filling the
    photo) stays.
    """
    x, y, w, h = (int(v) for v in box)
    height, width = shape
    at_side, at_top_or_bottom = _edges_touched(box, shape)
    # A strip: long, thin for its length, and shallow (a row of digits is long and thin too).
    tall_strip = h >= 0.6 * height and w <= min(h / 6, STRIP_DEPTH * width)
    flat_strip = w >= 0.6 * width and h <= min(w / 6, STRIP_DEPTH * height)
    if strict:
        edge = (tall_strip and at_side) or (flat_strip and at_top_or_bottom)
    else:
        spans = w >= 0.9 * width or h >= 0.9 * height
        along = _edge_contact(part, box, shape) >= EDGE_CONTACT
        flat = w >= 6 * h and h <= STRIP_DEPTH * height
        edge = (at_side or at_top_or_bottom) and (spans or tall_strip or flat_strip or along or flat)
    if edge and total - int(np.count_nonzero(part)) > 0:
        view[part] = 0
        return 1
    return 0


def _edge_contact(part: np.ndarray, box, shape: tuple[int, int]) -> float:  # noqa: ANN001 - a box
    """The longest stretch of an image edge ``part`` touches, as a fraction of that edge's length."""
    x, y = int(box[0]), int(box[1])
    height, width = shape
    rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
    if rows.size == 0:
        return 0.0
    # Where the image's edges fall in ``part``'s coordinates (its box starts at rows[0], cols[0]).
    left, top = int(cols[0]) - x, int(rows[0]) - y
    contact = 0.0
    for column in {left, left + width - 1} & set(range(part.shape[1])):
        contact = max(contact, np.count_nonzero(part[:, column]) / height)
    for row in {top, top + height - 1} & set(range(part.shape[0])):
        contact = max(contact, np.count_nonzero(part[row]) / width)
    return contact


def _erase_lines(view: np.ndarray, region: np.ndarray, horizontal: bool, min_length: float) -> list[_Trace]:
    """Erase (in ``view``) the straight thin lines of at least ``min_length`` pixels in ``region``; the lines.

    One line at a time, each at its own angle (perspective makes ruled lines fan out):
    the angle whose projection has the highest peak gives the next line candidate.
    The traces returned are in ``view``'s coordinates.
    """
    along = region if horizontal else region.T
    ys, xs = np.nonzero(along)
    if ys.size < min_length:
        return []
    thinness = LINE_THINNESS if horizontal else MARGIN_THINNESS
    slopes = np.tan(np.radians(np.arange(-10, 10.01, 0.5)))
    left = np.ones(ys.size, dtype=bool)  # pixels not yet taken by a line
    erase = np.zeros(ys.size, dtype=bool)
    bands: list[tuple[float, int, int]] = []  # slope, lowest and highest projected row
    for _ in range(MAX_LINES):
        step = max(1, int(left.sum()) // 20000)
        sample_y, sample_x = ys[left][::step], xs[left][::step]
        if sample_y.size == 0:
            break
        best_peak, slope = -1, 0.0
        for candidate in slopes:
            projected = np.round(sample_y - candidate * sample_x).astype(np.int64)
            peak = int(np.bincount(projected - projected.min()).max())
            if peak > best_peak:
                best_peak, slope = peak, float(candidate)
        projected = np.round(ys - slope * xs).astype(np.int64)
        offset = projected.min()
        counts = np.bincount(projected[left] - offset, minlength=int(projected.max() - offset + 1))
        peak_row = int(np.argmax(counts))
        if counts[peak_row] < 0.5 * min_length:
            break
        core_low, core_high = _band(counts, peak_row, 0.5)
        thick = core_high - core_low + 1
        # The line's soft edges (and a slope a little off) fall below half its peak; so do the
        # digits sitting on it, whose rows can hold a quarter of a short line's count: the band
        # reaches only a little past the core, or it would take the digits' strokes with it.
        reach = max(LINE_EDGE_ROWS, thick // 2)
        low, high = _band(counts, peak_row, 0.25)
        low, high = max(low, core_low - reach), min(high, core_high + reach)
        in_band = left & (projected - offset >= low) & (projected - offset <= high)
        columns = np.unique(xs[in_band])
        span = int(columns[-1] - columns[0] + 1)
        # A line: long, unbroken, and thin for its length (the bar of a big 7 is not).
        if span < min_length or columns.size < LINE_COVERAGE * span or thick > max(3, span / thinness):
            break
        taken = left & (projected - offset >= low - 1) & (projected - offset <= high + 1)
        erase |= taken
        left &= ~taken
        bands.append((slope, int(offset) + low - 1, int(offset) + high + 1))
    if not bands:
        return []
    band = np.zeros(along.shape, dtype=bool)
    band[ys[erase], xs[erase]] = True
    per_column = np.bincount(xs[erase])
    thickness = int(np.ceil(np.median(per_column[per_column > 0]) / len(bands)))
    if not horizontal:
        band = band.T
    view[band & ~_crossing(view, horizontal, thickness)] = 0
    return [_Trace(horizontal, slope, low, high, thickness) for slope, low, high in bands]


def _crossing(ink: np.ndarray, horizontal: bool, thickness: int) -> np.ndarray:
    """The pixels of strokes that cross or run along a line this thick: across it, their ink runs longer."""
    import cv2

    run = thickness + 2
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, run) if horizontal else (run, 1))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel) > 0


def _erase_traces(ink: np.ndarray, traces: list[_Trace]) -> None:
    """Erase each found line along its whole length across the image (strokes crossing it stay).

    A faint line binarizes in pieces; only the piece long enough to be recognised is
    erased with its component, and the rest (a stub on a digit's side, a short dash
    between two digits) would read as strokes.
    """
    if not traces:  # most photos have no lines: no need to look at every pixel
        return
    ys, xs = np.nonzero(ink)
    band = {}  # (horizontal, thickness) -> the pixels on such lines
    for trace in traces:
        along, across = (ys, xs) if trace.horizontal else (xs, ys)
        projected = np.round(along - trace.slope * across)
        on_line = (projected >= trace.low) & (projected <= trace.high)
        kind = (trace.horizontal, trace.thickness)
        band.setdefault(kind, np.zeros(ink.shape, dtype=bool))[ys[on_line], xs[on_line]] = True
    crossing = {kind: _crossing(ink, *kind) for kind in band}  # measured before anything is erased
    for kind, pixels in band.items():
        ink[pixels & ~crossing[kind]] = 0


def _band(counts: np.ndarray, peak: int, fraction: float) -> tuple[int, int]:
    """The rows around ``peak`` whose counts stay at or above ``fraction`` of the peak's."""
    low, high = peak, peak
    while low > 0 and counts[low - 1] >= fraction * counts[peak]:
        low -= 1
    while high + 1 < counts.size and counts[high + 1] >= fraction * counts[peak]:
        high += 1
    return low, high


def _union_box(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def reference_height(heights: np.ndarray) -> float:
    """The typical digit height: the median of the tall components (at least 60% of the 90th percentile).

    Bars, dashes and specks are short; leaving them out keeps a few fragments from
    dragging the estimate down.
    """
    if heights.size == 0:
        return 0.0
    tall = heights >= 0.6 * np.percentile(heights, 90)
    return float(np.median(heights[tall]))


def merge_fragments(ink: np.ndarray) -> tuple[list[Blob], float]:
    """Connected components -> digit candidates, merging fragments of one digit and dropping specks.

    First, pieces stacked in one column with a narrow gap between them (a stroke
    the pen skipped) are joined whatever their size. Then, knowing the typical digit
    height, two groups merge when the union still has a digit's size and either they
    are stacked (the detached bar of a 5) or one is a small fragment close by (a
    dashed stroke); a dash just above a digit is its bar. Dropped: thin strokes running
    off the top or bottom (a broken margin line; before the height is measured), groups
    far flatter than a digit (specks, dashes), short scraps touching the image's edge,
    and strokes far thinner than the others (what is left of a ruled line or a margin).
    """
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return [], 0.0
    stats = stats[1:]
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    # Cap the work on a page of noise: the 300 largest components are plenty for a number.
    order = np.argsort(-areas)[:300]
    stats, areas = stats[order], areas[order]
    ids = order + 1
    rough = reference_height(stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64))
    keep = areas >= max(4.0, 0.002 * rough * rough)
    groups: list[list[int]] = [[int(i)] for i in ids[keep]]
    boxes = [tuple(int(v) for v in stat[:4]) for stat in stats[keep]]

    _merge(groups, boxes, _skipped_stroke)
    # A thin stroke running off the top or bottom of the image is what is left of a margin line
    # or a table's edge (broken, so not found as a line). Left in, its height could pass for the
    # digits' and make every real digit look like a speck. (If that is all there is, it stays.)
    kept = [k for k, box in enumerate(boxes) if not _margin_remnant(box, ink.shape)]
    if kept:
        groups, boxes = [groups[k] for k in kept], [boxes[k] for k in kept]
    height = reference_height(np.array([box[3] for box in boxes], dtype=np.float64))
    _merge(groups, boxes, lambda a, b: _belong_together(a, b, height))

    blobs = []
    for (x, y, w, h), members in zip(boxes, groups, strict=True):
        if h < MIN_HEIGHT * height:  # specks, dashes, underlines, leftovers of a ruled line: no digit is that flat
            continue
        if _dash((x, y, w, h), height):  # a hyphen, a stray stroke: no digit is that flat either
            continue
        # Short and at the edge: the frayed corner of a table or shadow past the page.
        if any(_edges_touched((x, y, w, h), ink.shape)) and h < EDGE_MIN_HEIGHT * height:
            continue
        mask = np.isin(labels[y : y + h, x : x + w], members).astype(np.uint8)
        blobs.append(Blob(x, y, w, h, mask))
    if len(blobs) > 1:
        from digitsight.normalize import stroke_width

        # One pen writes every digit: a stroke far thinner than the others is what is left of a
        # ruled line or a margin (a hairline "1"), not a digit.
        strokes = np.array([stroke_width(blob.mask) for blob in blobs])
        typical = float(np.median(strokes))
        blobs = [blob for blob, stroke in zip(blobs, strokes, strict=True) if stroke >= THIN_STROKE * typical]
    return blobs, height


def _margin_remnant(box, shape: tuple[int, int]) -> bool:  # noqa: ANN001 - a box
    """A stroke far narrower than tall running off the top or bottom of the image."""
    _, at_top_or_bottom = _edges_touched(box, shape)
    return at_top_or_bottom and box[2] < EDGE_STROKE_ASPECT * box[3]


def _merge(groups: list[list[int]], boxes: list[tuple[int, int, int, int]], together) -> None:  # noqa: ANN001
    """Merge groups (in place) while any pair satisfies ``together(box_a, box_b)``."""
    changed = True
    while changed:
        changed = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if together(boxes[i], boxes[j]):
                    boxes[i] = _union_box(boxes[i], boxes[j])
                    groups[i] += groups[j]
                    del boxes[j], groups[j]
                    changed = True
                    break
            if changed:
                break


def _gaps(a, b) -> tuple[int, int, int]:  # noqa: ANN001 - boxes
    """(horizontal overlap, horizontal gap, vertical gap) between two boxes; gaps are 0 when they overlap."""
    overlap_x = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    gap_y = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return overlap_x, max(0, -overlap_x), gap_y


def _skipped_stroke(a, b) -> bool:  # noqa: ANN001 - boxes
    overlap_x, _, gap_y = _gaps(a, b)
    return overlap_x >= 0.5 * min(a[2], b[2]) and gap_y <= 0.15 * max(a[3], b[3])


def _dash(box, height: float) -> bool:  # noqa: ANN001 - a box
    return box[3] < DASH_HEIGHT * height and box[2] >= DASH_ASPECT * box[3]


def _belong_together(a, b, height: float) -> bool:  # noqa: ANN001 - boxes
    union = _union_box(a, b)
    if _bar_above(a, b, height) or _bar_above(b, a, height):
        return union[3] <= BAR_MAX_HEIGHT * height and union[2] <= BAR_MAX_ASPECT * union[3]
    if union[3] > MERGED_MAX_HEIGHT * height or union[2] > MERGED_MAX_WIDTH * height:
        return False
    overlap_x, gap_x, gap_y = _gaps(a, b)
    stacked = overlap_x >= 0.3 * min(a[2], b[2]) and gap_y <= 0.35 * height
    small = min(a[3], b[3]) < 0.6 * height and max(gap_x, gap_y) <= 0.15 * height
    return bool(stacked or small)


def _bar_above(bar, body, height: float) -> bool:  # noqa: ANN001 - boxes
    """``bar`` is a dash just above ``body``, over it or close beside: a 5's or a 7's top bar drawn apart."""
    overlap_x, gap_x, gap_y = _gaps(bar, body)
    above = bar[1] + bar[3] <= body[1] + 0.25 * body[3]
    near = overlap_x >= 0.2 * min(bar[2], body[2]) or gap_x <= 0.25 * height
    return _dash(bar, height) and above and near and gap_y <= 0.35 * height


def group_lines(blobs: list[Blob], digit_height: float) -> list[list[Blob]]:
    """Blobs -> lines (top to bottom), each left to right, wide gaps splitting a line into separate numbers.

    Blobs are chained left to right: one joins the line whose last blob is nearest
    in height, within half a digit, so a line written at a slant stays one line.
    Scraps (shorter than SCRAP_HEIGHT x ``digit_height``: a fragment of a broken
    stroke) are placed after the digits, each in the line of the digit nearest it, so
    that a scrap below a line does not start a line of its own that the next digit joins.
    """
    def centre(blob: Blob) -> float:
        return blob.x + blob.w / 2

    digits, scraps = [], []
    for blob in blobs:
        (scraps if blob.h < SCRAP_HEIGHT * digit_height else digits).append(blob)
    lines: list[list[Blob]] = []
    for blob in sorted(digits, key=centre):
        best, best_dy = None, None
        for line in lines:
            last = line[-1]
            dy = abs(last.cy - blob.cy)
            if dy <= 0.5 * max(last.h, blob.h) and (best_dy is None or dy < best_dy):
                best, best_dy = line, dy
        if best is None:
            lines.append([blob])
        else:
            best.append(blob)
    for scrap in scraps:
        near = [
            (abs(centre(blob) - centre(scrap)), k)
            for k, line in enumerate(lines)
            for blob in line
            if abs(blob.cy - scrap.cy) <= 0.5 * blob.h
        ]
        if near:
            line = lines[min(near)[1]]
            line.append(scrap)
            line.sort(key=centre)
        else:
            lines.append([scrap])
    lines.sort(key=lambda line: float(np.mean([b.cy for b in line])))
    numbers: list[list[Blob]] = []
    for line in lines:
        line_height = float(np.median([b.h for b in line]))
        current = [line[0]]
        for previous, blob in zip(line, line[1:], strict=False):
            if blob.x - (previous.x + previous.w) > GROUP_GAP * line_height:
                numbers.append(current)
                current = []
            current.append(blob)
        numbers.append(current)
    return numbers
