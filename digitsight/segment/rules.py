"""Removal of what is ruled, not written: ruled lines, margins, page borders and edge strips.

``remove_long_lines`` examines only components spanning a good part of the image.
Straight thin lines in them (ruled lines, a margin, at a slant up to 10 degrees) are
found by projecting their pixels along the best angle; each line is erased along its
whole length and strokes that cross it are bridged, so digits touching a line survive.
A part running along an image edge (the table past the page, a shadow's edge) is
erased whole, unless it is the only ink there is. Between two ruled lines, the walls of
form cells (comb boxes) go too (``cells``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from digitsight.segment.blob import Box, edges_touched
from digitsight.segment.cells import erase_walls

# Ruled lines run along at least this fraction of the image's width; margins along its height.
HORIZONTAL_LINE_SPAN = 0.5
EDGE_LINE_SPAN = 0.25  # ... or this much, running in from the left or right edge
VERTICAL_LINE_SPAN = 0.85
# ... and are at least this many times longer than thick (a digit's stroke is far thicker for its length) ...
LINE_THINNESS = 20
MARGIN_THINNESS = 12
# ... but a line this many pixels thick is thin enough, however short.
THIN_ENOUGH = 3
# Lines are looked for at slants up to this many degrees (perspective makes ruled lines fan out), in steps of this.
MAX_SLANT = 10
SLANT_STEP = 0.5
# The slopes tried, steepest downward first (the half step takes in MAX_SLANT itself).
_SLOPES = np.tan(np.radians(np.arange(-MAX_SLANT, MAX_SLANT + SLANT_STEP / 2, SLANT_STEP)))
# The angle search projects about this many of the pixels left (a sample: the peak shows as well, far cheaper).
SLANT_SAMPLE = 20000
# The projection of a line holds at least this fraction of a line's least length in its peak row.
LINE_PEAK = 0.5
# A line's core: the rows holding this fraction of its peak count; the soft edge: those holding this fraction ...
LINE_CORE = 0.5
LINE_EDGE = 0.25
# ... but the soft edge reaches at most this many rows (or half the core) past the core.
LINE_EDGE_ROWS = 2
# At most this many lines are looked for in one component (a ruled page).
MAX_LINES = 40
# ... and unbroken: ink in at least this fraction of the columns they span.
LINE_COVERAGE = 0.9
# Two lines whose slopes differ by at most this (a little over two steps of the angle search) are one line found
# twice: in the ink and in the faint mask.
SAME_SLOPE = 0.02
# A stroke crossing a line runs across it at least this many pixels longer than the line is thick (one each side).
CROSSING_EXCESS = 2
# A strip along an image edge spans at least this fraction of the image (and components at least this tall are
# examined for lines and strips even away from the edges) ...
STRIP_SPAN = 0.6
# ... is at least this many times longer than thick ...
STRIP_THINNESS = 6
# ... and reaches at most this fraction of the image into it.
STRIP_DEPTH = 0.25
# A part this much of the image's width or height spans it.
SPANNING = 0.9
# A part touching an image edge over this fraction of the edge's length lies along it: the table
# past the page, a shadow's edge (a digit touches the frame at a point, or along a short stroke).
EDGE_CONTACT = 0.3


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
        close = abs(self.slope - other.slope) <= SAME_SLOPE
        return self.horizontal == other.horizontal and close and self.low <= other.high and other.low <= self.high

    def moved(self, x: int, y: int) -> _Trace:
        """The same line in the image's coordinates, for a line found in a view whose corner is at (x, y)."""
        along, across = (y, x) if self.horizontal else (x, y)
        shift = along - self.slope * across
        return replace(self, low=int(np.floor(self.low + shift)), high=int(np.ceil(self.high + shift)))


def remove_long_lines(ink: np.ndarray, faint: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Remove ruled lines, margins and page borders from a binary ink image (see the module docstring).

    Parameters
    ----------
    ink: binary uint8 (H, W) mask, 1 = ink; left as it was.
    faint: ``binarize``'s faint mask, if any: ruled lines too faint to reach the ink whole are
        looked for there and erased from the ink along their length.

    Returns
    -------
    The cleaned ink, and how many lines and strips were removed.
    """
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
        at_side, at_top_or_bottom = edges_touched((x, y, w, h), ink.shape)
        touches = at_side or at_top_or_bottom
        if w < HORIZONTAL_LINE_SPAN * width and h < min(VERTICAL_LINE_SPAN, STRIP_SPAN) * height and not touches:
            continue
        view = ink[y : y + h, x : x + w]
        region = labels[y : y + h, x : x + w] == label
        lines = _component_lines(view, region, ink.shape, at_side)
        traces += [line.moved(x, y) for line in lines]
        removed += len(lines)
        if lines:
            removed += _erase_leftovers(view, region, (x, y), ink.shape, total)
        else:
            removed += _erase_edge_strip(view, region, (x, y, w, h), ink.shape, total)
    if faint is not None:
        found = _faint_lines(faint)
        removed += sum(not any(line.overlaps(other) for other in traces) for line in found)
        traces += found
    _erase_traces(ink, traces)
    removed += erase_walls(ink, [(t.slope, t.low, t.high) for t in traces if t.horizontal])
    return ink, removed


def _component_lines(view: np.ndarray, region: np.ndarray, shape: tuple[int, int], at_side: bool) -> list[_Trace]:
    """Erase (in ``view``) the ruled lines and margins of one component (``region``, a mask over ``view``); them.

    ``region`` loses (in place) what the horizontal lines took before the margins are looked for.
    """
    height, width = shape
    h, w = view.shape
    lines = []
    # A faint ruled line is often kept only where it meets the digits (binarize's weak
    # threshold grows it from their strokes): then it runs in from the page's side edge.
    span = EDGE_LINE_SPAN if at_side else HORIZONTAL_LINE_SPAN
    if w >= span * width:
        lines += _erase_lines(view, region, horizontal=True, min_length=span * width)
    if h >= VERTICAL_LINE_SPAN * height:
        region &= view > 0
        lines += _erase_lines(view, region, horizontal=False, min_length=VERTICAL_LINE_SPAN * height)
    return lines


def _erase_leftovers(
    view: np.ndarray, region: np.ndarray, corner: tuple[int, int], shape: tuple[int, int], total: int
) -> int:
    """Erase what is left of a component after its lines went, where it runs along an edge; how many parts went.

    A thin strip along an edge as a whole (the table past the page), or else piece by piece
    (the line's stubs at the edges; taken whole, they would make the digits that sat on the
    line span the page). ``corner``: ``view``'s (x, y) in the image.
    """
    x, y = corner
    region &= view > 0
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    if rows.size == 0:
        return 0
    box = (x + int(cols[0]), y + int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
    if _erase_edge_strip(view, region, box, shape, total, strict=True):
        return 1
    removed = 0
    _, piece_labels, piece_stats, _ = cv2.connectedComponentsWithStats(region.astype(np.uint8), 8)
    for k, (px, py, pw, ph, _) in enumerate(piece_stats[1:], start=1):
        removed += _erase_edge_strip(view, piece_labels == k, (x + px, y + py, pw, ph), shape, total)
    return removed


def _faint_lines(faint: np.ndarray) -> list[_Trace]:
    """The ruled lines in ``faint`` (a mask), in the image's coordinates; ``faint`` is left as it was.

    The whole mask is searched at once, not component by component: a faint line breaks
    up into pieces, none of them long enough to be a line alone.
    """
    view = faint.astype(np.uint8)  # a scratch copy: _erase_lines erases in it
    return _erase_lines(view, view > 0, horizontal=True, min_length=HORIZONTAL_LINE_SPAN * faint.shape[1])


def _erase_edge_strip(
    view: np.ndarray, part: np.ndarray, box: Box, shape: tuple[int, int], total: int, strict: bool = False
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
    at_side, at_top_or_bottom = edges_touched(box, shape)
    # A strip: long, thin for its length, and shallow (a row of digits is long and thin too).
    tall_strip = h >= STRIP_SPAN * height and w <= min(h / STRIP_THINNESS, STRIP_DEPTH * width)
    flat_strip = w >= STRIP_SPAN * width and h <= min(w / STRIP_THINNESS, STRIP_DEPTH * height)
    if strict:
        edge = (tall_strip and at_side) or (flat_strip and at_top_or_bottom)
    else:
        spans = w >= SPANNING * width or h >= SPANNING * height
        along = _edge_contact(part, box, shape) >= EDGE_CONTACT
        flat = w >= STRIP_THINNESS * h and h <= STRIP_DEPTH * height
        edge = (at_side or at_top_or_bottom) and (spans or tall_strip or flat_strip or along or flat)
    if edge and total - int(np.count_nonzero(part)) > 0:
        view[part] = 0
        return 1
    return 0


def _edge_contact(part: np.ndarray, box: Box, shape: tuple[int, int]) -> float:
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
    left = np.ones(ys.size, dtype=bool)  # pixels not yet taken by a line
    erase = np.zeros(ys.size, dtype=bool)
    bands: list[tuple[float, int, int]] = []  # slope, lowest and highest projected row
    for _ in range(MAX_LINES):
        if not left.any():
            break
        slope = _best_slope(ys[left], xs[left])
        projected = np.round(ys - slope * xs).astype(np.int64)
        offset = projected.min()
        counts = np.bincount(projected[left] - offset, minlength=int(projected.max() - offset + 1))
        peak_row = int(np.argmax(counts))
        if counts[peak_row] < LINE_PEAK * min_length:
            break
        core_low, core_high = _band(counts, peak_row, LINE_CORE)
        thick = core_high - core_low + 1
        # The line's soft edges (and a slope a little off) fall below half its peak; so do the
        # digits sitting on it, whose rows can hold a quarter of a short line's count: the band
        # reaches only a little past the core, or it would take the digits' strokes with it.
        reach = max(LINE_EDGE_ROWS, thick // 2)
        low, high = _band(counts, peak_row, LINE_EDGE)
        low, high = max(low, core_low - reach), min(high, core_high + reach)
        in_band = left & (projected - offset >= low) & (projected - offset <= high)
        columns = np.unique(xs[in_band])
        span = int(columns[-1] - columns[0] + 1)
        # A line: long, unbroken, and thin for its length (the bar of a big 7 is not).
        if span < min_length or columns.size < LINE_COVERAGE * span or thick > max(THIN_ENOUGH, span / thinness):
            break
        taken = left & (projected - offset >= low - 1) & (projected - offset <= high + 1)
        erase |= taken
        left &= ~taken
        bands.append((slope, int(offset) + low - 1, int(offset) + high + 1))
    if not bands:
        return []
    thickness = _erase_bands(view, along.shape, ys[erase], xs[erase], horizontal, len(bands))
    return [_Trace(horizontal, slope, low, high, thickness) for slope, low, high in bands]


def _best_slope(ys: np.ndarray, xs: np.ndarray) -> float:
    """The slope (among MAX_SLANT degrees either way) along which the pixels' projection peaks highest.

    Ties go to the first slope tried (the steepest downward).
    """
    step = max(1, ys.size // SLANT_SAMPLE)
    sample_y, sample_x = ys[::step], xs[::step]
    best_peak, slope = -1, 0.0
    for candidate in _SLOPES:
        projected = np.round(sample_y - candidate * sample_x).astype(np.int64)
        peak = int(np.bincount(projected - projected.min()).max())
        if peak > best_peak:
            best_peak, slope = peak, float(candidate)
    return slope


def _erase_bands(
    view: np.ndarray, shape: tuple[int, int], ys: np.ndarray, xs: np.ndarray, horizontal: bool, lines: int
) -> int:
    """Erase the line pixels (``ys``, ``xs``, in the lines' own orientation) from ``view``; the lines' thickness.

    Strokes crossing the lines are kept. ``shape``: the lines' view, in their orientation;
    ``lines``: how many lines the pixels hold.
    """
    band = np.zeros(shape, dtype=bool)
    band[ys, xs] = True
    per_column = np.bincount(xs)
    thickness = int(np.ceil(np.median(per_column[per_column > 0]) / lines))
    if not horizontal:
        band = band.T
    view[band & ~_crossing(view, horizontal, thickness)] = 0
    return thickness


def _crossing(ink: np.ndarray, horizontal: bool, thickness: int) -> np.ndarray:
    """The pixels of strokes that cross or run along a line this thick: across it, their ink runs longer.

    Across a horizontal line, past the top and bottom of the image is paper: a frame along
    them (a form field cropped at its border) would otherwise be kept whole as "crossing"
    strokes that run on past the edge, and with it the digits touching it. Across a vertical
    line, what reaches the side is kept as crossing: the table past the page, which is then
    erased whole as a strip along that side.
    """
    run = thickness + CROSSING_EXCESS
    if horizontal:
        kernel = np.ones((run, 1), np.uint8)
        opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    else:
        opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    return opened > 0


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
