"""From ink to digit candidates: fragments of one digit merged, what is no digit dropped.

Fragments that belong to one digit: broken strokes, the detached bar of a 5, a dashed 7.
No digit: specks, dashes, scraps at the image's edge, hairline remnants of a line, crossed-out scribbles.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from digitsight.normalize import stroke_width
from digitsight.segment.blob import Blob, Box, edges_touched, union_box

# The typical digit height is the median of the components at least this fraction of this percentile of the
# heights tall: bars, dashes and specks are short.
TALL_SHARE = 0.6
TALL_PERCENTILE = 90
# Cap the work on a page of noise: the this-many largest components are looked at. A dense page of 20 lines of 25
# digits (issue 19) has 500, and its digits' broken strokes more: at 300 it read 300 of its 500 digits, in 81
# "numbers". A page of 1,000 digit-sized components reads in about 3.4 s (a 60 x 60 grid of MNIST digits: 0.96 s
# at 300; at 3,000, 42 s, most of it stroke adjustment of the blobs that grid's touching digits make).
MAX_COMPONENTS = 1000
# A component smaller than this many pixels, or than this fraction of the rough digit height squared, is a speck.
MIN_AREA = 4.0
MIN_AREA_SHARE = 0.002
# A stroke the pen skipped: pieces overlapping by this fraction of the narrower one's width, at least, with a
# vertical gap of at most this fraction of the taller one's height (set by hand on validation images).
SKIP_OVERLAP = 0.5
SKIP_GAP = 0.15
# A fragment group can grow to this size (in digit heights) and still be one digit.
MERGED_MAX_HEIGHT = 1.3
MERGED_MAX_WIDTH = 1.1
# Stacked parts of one digit overlap by this fraction of the narrower one's width, at least, with a vertical gap
# of at most this many digit heights (set by hand on validation images).
STACK_OVERLAP = 0.3
STACK_GAP = 0.35
# A fragment (a dash of a dashed stroke) is shorter than this many digit heights and at most this many digit heights
# from its neighbour, either way (set by hand on validation images).
FRAGMENT_HEIGHT = 0.6
FRAGMENT_GAP = 0.15
# A candidate flatter than this (in digit heights) is no digit.
MIN_HEIGHT = 0.3
# Nor is a dash: shorter than this (in digit heights) and this many times wider than tall.
DASH_HEIGHT = 0.45
DASH_ASPECT = 1.6
# A candidate whose stroke is thinner than this fraction of the typical one is a line's remnant.
THIN_STROKE = 0.45
# ... and one touching the image's edge whose stroke is this many times the typical one is no pen's: the edge of
# a shadow or of the desk running off the image (real and synthetic digits reach 2.4 times their neighbours'
# stroke, a blotted 0 in the middle of a synthetic number 3.6; the corner of a phone's shadow, 3.9).
THICK_STROKE = 3.0
# A candidate touching the image's edge must be at least this tall (in digit heights).
EDGE_MIN_HEIGHT = 0.6
# A stroke this many times narrower than tall running off the top or bottom of the image is what is
# left of a margin line (a broken one, not long enough to be found as a line), if anything else is there.
EDGE_STROKE_ASPECT = 0.25
# A component running off the image, over OUTSIZE_HEIGHT times as tall as the typical one clear of the image's border,
# whose ink fills under OUTSIZE_FILL of its box, is the outline of a sheet, a desk or a shadow that the page finder did
# not find (``page``: a sheet turned on a desk, a corner off the photo), not a digit. Left in, such edges (2.7 times the
# digits' height, joined into one five times it) set the digit height, and every digit was dropped as a speck
# (synthetic validation sheet_on_desk/85 read ""; its two edges fill 12% and 14% of their boxes; the 5,000 MNIST
# validation digits binarized fill a median 36% of theirs, 1 in 100 under 19%, the least 11%: so the height and the
# border decide, the fill only spares a tall digit). Looked at before any merging: merged, the outline takes in the
# digits beside it. On synthetic validation (16 categories x 80) and the real images it never fired otherwise.
OUTSIZE_HEIGHT = 2.5
OUTSIZE_FILL = 0.2
# The typical height is that of at least this many components clear of the border: a crop whose digits all touch
# its edges has no measure of them, and nothing is dropped.
OUTSIZE_WITNESSES = 3
# A crossed-out scribble is no digit: its strokes run back and forth, at least this many times the blob's longer
# side long in all (stroke length: ink area over stroke width) ...
SCRIBBLE_LENGTH = 4.5
# ... closing at least this many loops (holes at least a stroke wide square). Digits, touching runs of them too,
# reach 3.5 sides of stroke and 3 loops (real tuning images and synthetic validation, 5,400 blobs); the scribble
# over the end of a real scan's line ran 6 sides and 11 loops.
SCRIBBLE_LOOPS = 6
# A dash just above a digit is its detached bar (a 5's, a 7's) if the union is at most this tall (in digit
# heights) and this wide (in its own heights).
BAR_MAX_HEIGHT = 1.5
BAR_MAX_ASPECT = 1.4
# A bar is above the body if it ends at most this fraction of the body's height below its top ...
BAR_DIP = 0.25
# ... and near it: over this fraction of the narrower one's width, or at most this many digit heights beside it ...
BAR_OVERLAP = 0.2
BAR_SIDE_GAP = 0.25
# ... and at most this many digit heights above it (set by hand on validation images).
BAR_GAP = 0.35


def reference_height(heights: np.ndarray) -> float:
    """The typical digit height: the median of the tall components (at least 60% of the 90th percentile).

    Bars, dashes and specks are short; leaving them out keeps a few fragments from
    dragging the estimate down.
    """
    if heights.size == 0:
        return 0.0
    tall = heights >= TALL_SHARE * np.percentile(heights, TALL_PERCENTILE)
    return float(np.median(heights[tall]))


def merge_fragments(ink: np.ndarray) -> tuple[list[Blob], float]:
    """Connected components -> digit candidates, merging fragments of one digit and dropping specks.

    First, pieces stacked in one column with a narrow gap between them (a stroke
    the pen skipped) are joined whatever their size. Then, knowing the typical digit
    height, two groups merge when the union still has a digit's size and either they
    are stacked (the detached bar of a 5) or one is a small fragment close by (a
    dashed stroke); a dash just above a digit is its bar. Dropped: the outline of a sheet or
    desk running off the image, far taller than the marks clear of its border and a thin stroke
    in its box (``_without_outlines``; before anything is merged), thin strokes running
    off the top or bottom (a broken margin line; before the height is measured), groups
    far flatter than a digit (specks, dashes), short scraps touching the image's edge,
    strokes far thinner than the others (what is left of a ruled line or a margin) or, at
    the image's edge, far thicker (the edge of a shadow or of the desk), and crossed-out scribbles
    (``scribble``).

    Parameters
    ----------
    ink: binary uint8 (H, W) mask, 1 = ink.

    Returns
    -------
    The candidates, and the typical digit height in pixels (0.0 without ink).
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return [], 0.0
    groups, boxes = _components(stats[1:])
    # The outline of a sheet or desk running off the image goes first: it would set the digits' height.
    groups, boxes = _without_outlines(groups, boxes, stats[:, cv2.CC_STAT_AREA], ink.shape)
    _merge(groups, boxes, _skipped_stroke, _columns_shared)
    # A thin stroke running off the top or bottom of the image is what is left of a margin line
    # or a table's edge (broken, so not found as a line). Left in, its height could pass for the
    # digits' and make every real digit look like a speck. (If that is all there is, it stays.)
    kept = [k for k, box in enumerate(boxes) if not _margin_remnant(box, ink.shape)]
    if kept:
        groups, boxes = [groups[k] for k in kept], [boxes[k] for k in kept]
    height = reference_height(np.array([box[3] for box in boxes], dtype=np.float64))
    _merge(
        groups,
        boxes,
        lambda a, b: _belong_together(a, b, height),
        lambda others, box: _may_belong_together(others, box, height),
    )
    blobs = [
        _blob(labels, box, members)
        for box, members in zip(boxes, groups, strict=True)
        if _may_be_digit(box, height, ink.shape)
    ]
    return _one_pen([blob for blob in blobs if not scribble(blob.mask)], ink.shape), height


def _without_outlines(
    groups: list[list[int]], boxes: list[Box], areas: np.ndarray, shape: tuple[int, int]
) -> tuple[list[list[int]], list[Box]]:
    """``groups`` and ``boxes`` less the outlines of a sheet or desk running off the image (``OUTSIZE_*``).

    ``areas``: the components' pixel counts by label (OpenCV's stats, background first).
    """
    if not boxes:
        return groups, boxes
    _, _, w, h = np.array(boxes, dtype=np.int64).T
    at_border = np.array([any(edges_touched(box, shape)) for box in boxes])
    if np.count_nonzero(~at_border) < OUTSIZE_WITNESSES:
        return groups, boxes
    limit = OUTSIZE_HEIGHT * reference_height(h[~at_border].astype(np.float64))
    outsize = np.flatnonzero(at_border & (h > limit))
    dropped = {int(k) for k in outsize if areas[groups[k]].sum() < OUTSIZE_FILL * w[k] * h[k]}
    if not dropped:
        return groups, boxes
    kept = [k for k in range(len(boxes)) if k not in dropped]
    return [groups[k] for k in kept], [boxes[k] for k in kept]


def scribble(mask: np.ndarray) -> bool:
    """Whether a candidate's ink is a crossed-out scribble: strokes many times its size long, closing many loops.

    A digit's stroke runs at most a few times the digit's longer side (an 8: about three)
    and closes at most two loops; a scribble runs back and forth over itself.
    """
    binary = np.ascontiguousarray(mask, dtype=np.uint8)
    width = stroke_width(binary)
    if width <= 0 or np.count_nonzero(binary) / width < SCRIBBLE_LENGTH * max(binary.shape):
        return False
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return False
    loops = sum(
        1
        for contour, (_, _, _, parent) in zip(contours, hierarchy[0], strict=True)
        if parent != -1 and cv2.contourArea(contour) >= width * width
    )
    return loops >= SCRIBBLE_LOOPS


def _components(stats: np.ndarray) -> tuple[list[list[int]], list[Box]]:
    """The components worth looking at (no specks; the MAX_COMPONENTS largest), one group each, and their boxes.

    ``stats``: OpenCV's component stats, background left out (label k + 1 is row k).
    """
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    order = np.argsort(-areas)[:MAX_COMPONENTS]
    stats, areas = stats[order], areas[order]
    ids = order + 1
    rough = reference_height(stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64))
    keep = areas >= max(MIN_AREA, MIN_AREA_SHARE * rough * rough)
    groups: list[list[int]] = [[int(i)] for i in ids[keep]]
    boxes: list[Box] = [tuple(int(v) for v in stat[:4]) for stat in stats[keep]]
    return groups, boxes


def _blob(labels: np.ndarray, box: Box, members: list[int]) -> Blob:
    """The candidate made of the components ``members`` (labels in ``labels``), in ``box``."""
    x, y, w, h = box
    mask = np.isin(labels[y : y + h, x : x + w], members).astype(np.uint8)
    return Blob(x, y, w, h, mask)


def _may_be_digit(box: Box, height: float, shape: tuple[int, int]) -> bool:
    """Whether a group this size and place may be a digit, for digits ``height`` tall."""
    if box[3] < MIN_HEIGHT * height:  # specks, dashes, underlines, leftovers of a ruled line: no digit is that flat
        return False
    if _dash(box, height):  # a hyphen, a stray stroke: no digit is that flat either
        return False
    # Short and at the edge: the frayed corner of a table or shadow past the page.
    return not (any(edges_touched(box, shape)) and box[3] < EDGE_MIN_HEIGHT * height)


def _one_pen(blobs: list[Blob], shape: tuple[int, int]) -> list[Blob]:
    """``blobs`` less those whose stroke is far thinner than the others', or far thicker at the image's edge.

    One pen writes every digit: a stroke far thinner than the others is what is left of a
    ruled line or a margin (a hairline "1"); one far thicker running off the image (``shape``:
    its height and width), the edge of a shadow or of the desk.
    """
    if len(blobs) <= 1:
        return blobs
    strokes = np.array([stroke_width(blob.mask) for blob in blobs])
    typical = float(np.median(strokes))
    return [
        blob
        for blob, stroke in zip(blobs, strokes, strict=True)
        if stroke >= THIN_STROKE * typical
        and not (stroke >= THICK_STROKE * typical and any(edges_touched(blob.box, shape)))
    ]


def _margin_remnant(box: Box, shape: tuple[int, int]) -> bool:
    """A stroke far narrower than tall running off the top or bottom of the image."""
    _, at_top_or_bottom = edges_touched(box, shape)
    return at_top_or_bottom and box[2] < EDGE_STROKE_ASPECT * box[3]


def _merge(
    groups: list[list[int]],
    boxes: list[Box],
    together: Callable[[Box, Box], bool],
    near: Callable[[np.ndarray, Box], np.ndarray],
) -> None:
    """Merge groups (in place) while any pair satisfies ``together(box_a, box_b)``: the first pair in scan order first.

    The result is that of a plain scan that starts over from the first pair after each merge,
    without its cost (cubic in the components: 15 s for a page of 1,000 digits): pairs before
    the row being scanned stay apart unless a merge grew one of them, so only those are asked
    again. ``near(boxes, box)`` says, for an (N, 4) array of boxes at once, which may be
    together with ``box``; ``together`` is asked only of those (it must hold for every pair
    that ``together`` holds for).
    """
    array = np.array(boxes, dtype=np.int64).reshape(-1, 4)
    alive = np.ones(len(boxes), dtype=bool)

    def first_partner(i: int, before: bool) -> int | None:
        # The first live group before i (or after it) that ``together`` joins with i, in scan order.
        candidates = np.flatnonzero(alive & near(array, boxes[i]))
        for k in candidates[candidates < i] if before else candidates[candidates > i]:
            first, second = (int(k), i) if before else (i, int(k))
            if together(boxes[first], boxes[second]):
                return int(k)
        return None

    def join(i: int, j: int) -> None:
        boxes[i] = union_box(boxes[i], boxes[j])
        array[i] = boxes[i]
        groups[i] += groups[j]
        alive[j] = False

    row = 0
    while row < len(boxes):
        partner = first_partner(row, before=False) if alive[row] else None
        if partner is None:
            row += 1
            continue
        join(row, partner)
        # Every pair before this row was apart; only those with the group just grown may not be now.
        while (earlier := first_partner(row, before=True)) is not None:
            join(earlier, row)
            row = earlier
    kept = np.flatnonzero(alive)
    boxes[:] = [boxes[k] for k in kept]
    groups[:] = [groups[k] for k in kept]


def _columns_shared(boxes: np.ndarray, box: Box) -> np.ndarray:
    """Which of ``boxes`` ((N, 4): x, y, w, h) share a column of pixels with ``box``.

    Only those can ``_skipped_stroke`` join: it asks for an overlap of half a width.
    """
    return (np.minimum(boxes[:, 0] + boxes[:, 2], box[0] + box[2]) - np.maximum(boxes[:, 0], box[0])) > 0


def _union_within(boxes: np.ndarray, box: Box, width: float, height: float) -> np.ndarray:
    """Which of ``boxes`` ((N, 4): x, y, w, h) make with ``box`` a union at most ``width`` x ``height``."""
    union_w = np.maximum(boxes[:, 0] + boxes[:, 2], box[0] + box[2]) - np.minimum(boxes[:, 0], box[0])
    union_h = np.maximum(boxes[:, 1] + boxes[:, 3], box[1] + box[3]) - np.minimum(boxes[:, 1], box[1])
    return (union_w <= width) & (union_h <= height)


def _may_belong_together(boxes: np.ndarray, box: Box, height: float) -> np.ndarray:
    """Which of ``boxes`` ``_belong_together`` may join with ``box``: its unions are never larger than this."""
    largest_height = max(BAR_MAX_HEIGHT, MERGED_MAX_HEIGHT) * height
    largest_width = max(BAR_MAX_ASPECT * BAR_MAX_HEIGHT, MERGED_MAX_WIDTH) * height
    return _union_within(boxes, box, largest_width, largest_height)


def _gaps(a: Box, b: Box) -> tuple[int, int, int]:
    """(horizontal overlap, horizontal gap, vertical gap) between two boxes; gaps are 0 when they overlap."""
    overlap_x = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    gap_y = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return overlap_x, max(0, -overlap_x), gap_y


def _skipped_stroke(a: Box, b: Box) -> bool:
    """Two pieces of one stroke the pen skipped: one above the other, overlapping, with a narrow gap."""
    overlap_x, _, gap_y = _gaps(a, b)
    return overlap_x >= SKIP_OVERLAP * min(a[2], b[2]) and gap_y <= SKIP_GAP * max(a[3], b[3])


def _dash(box: Box, height: float) -> bool:
    """Far flatter than a digit ``height`` tall, and wider than tall."""
    return box[3] < DASH_HEIGHT * height and box[2] >= DASH_ASPECT * box[3]


def _belong_together(a: Box, b: Box, height: float) -> bool:
    """Two groups of one digit ``height`` tall: a bar and its body, stacked parts, or a fragment close by."""
    union = union_box(a, b)
    if _bar_above(a, b, height) or _bar_above(b, a, height):
        return union[3] <= BAR_MAX_HEIGHT * height and union[2] <= BAR_MAX_ASPECT * union[3]
    if union[3] > MERGED_MAX_HEIGHT * height or union[2] > MERGED_MAX_WIDTH * height:
        return False
    overlap_x, gap_x, gap_y = _gaps(a, b)
    stacked = overlap_x >= STACK_OVERLAP * min(a[2], b[2]) and gap_y <= STACK_GAP * height
    small = min(a[3], b[3]) < FRAGMENT_HEIGHT * height and max(gap_x, gap_y) <= FRAGMENT_GAP * height
    return bool(stacked or small)


def _bar_above(bar: Box, body: Box, height: float) -> bool:
    """``bar`` is a dash just above ``body``, over it or close beside: a 5's or a 7's top bar drawn apart."""
    overlap_x, gap_x, gap_y = _gaps(bar, body)
    above = bar[1] + bar[3] <= body[1] + BAR_DIP * body[3]
    near = overlap_x >= BAR_OVERLAP * min(bar[2], body[2]) or gap_x <= BAR_SIDE_GAP * height
    return _dash(bar, height) and above and near and gap_y <= BAR_GAP * height
