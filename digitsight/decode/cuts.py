"""Where a blob of touching digits may be cut, and the best ways to cut it once the pieces are scored.

Touching digits are split while reading, because the best cut is the one the
classifier reads best: ``cut_candidates`` proposes columns, ``cut_path`` turns
each into a path that slips between the digits, and ``top_partitions`` ranks the
ways to cut the blob once every piece between two cuts has a score.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitsight.segment import Blob

# Candidate cuts of touching digits are at least this far apart (in line heights).
CUT_SPACING = 0.15
# ... and no closer than this to the blob's ends (a "1" touching a digit is only a stroke wide).
CUT_MARGIN = 0.05
# Blobs wider than this (in line heights) also get a regular grid of candidate cuts.
CUT_GRID_ASPECT = 1.1
# At most this many minima of the ink profile become candidate cuts.
CUT_MINIMA = 8
# The ink profile is smoothed over this many line heights (a Gaussian's sigma), so that a ragged stroke edge makes
# no minimum of its own (set by hand when cutting was written).
PROFILE_BLUR = 0.03
# A digit is about this many line heights wide: a blob is evenly divided into as many digits as that fits, 2 to
# MAX_EVEN_DIGITS.
DIGIT_WIDTH = 0.7
MAX_EVEN_DIGITS = 4
# A cut path pays this for each ink pixel it crosses and this for each paper pixel (tuned on training-digit
# images): far more for ink, so it slips between digits and crosses a stroke only where they touch ...
INK_COST = 10.0
PAPER_COST = 1.0
# ... and this for each column it strays from its own, so that where the choice is free it stays straight.
DETOUR_COST = 0.05


def cut_candidates(blob: Blob, line_height: float, limit: int = CUT_MINIMA) -> list[int]:
    """Columns (blob coordinates) where a blob of touching digits may be cut.

    The ``limit`` deepest minima of the column ink profile (where two digits touch, little
    ink), plus even divisions of the blob into 2..4 digit widths, at least CUT_SPACING
    line heights apart.
    """
    profile = blob.mask.sum(axis=0).astype(np.float32)
    width = blob.w
    margin = max(1, int(CUT_MARGIN * line_height))
    if width < 2 * margin + 1:
        return []
    smooth = cv2.GaussianBlur(profile[None, :], (0, 0), sigmaX=max(1.0, PROFILE_BLUR * line_height))[0]
    inner = np.arange(margin, width - margin)
    values = smooth[inner]
    is_min = (values <= np.roll(values, 1)) & (values <= np.roll(values, -1))
    minima = sorted(inner[is_min], key=lambda c: smooth[c])
    cuts: list[int] = []
    spacing = max(2, int(CUT_SPACING * line_height))
    expected = max(2, min(MAX_EVEN_DIGITS, int(round(width / (DIGIT_WIDTH * line_height)))))
    even = [int(round(width * k / n)) for n in range(2, expected + 1) for k in range(1, n)]
    # On a clearly wide blob, also a regular grid, so that no junction is far from a candidate.
    grid = list(range(margin, width - margin + 1, spacing)) if width > CUT_GRID_ASPECT * line_height else []
    for c in list(minima[:limit]) + even + grid:
        if margin <= c <= width - margin and all(abs(c - other) >= spacing for other in cuts):
            cuts.append(int(c))
    return sorted(cuts)


def cut_path(mask: np.ndarray, column: int, radius: int) -> np.ndarray:
    """The cheapest top-to-bottom path near ``column`` through a blob's mask: a column per row.

    Crossing ink costs far more than crossing paper, so the path slips between
    digits that interleave (the hook of a 5 under a 4) and crosses a stroke only
    where they really touch; a straight vertical cut would slice through both.
    Moves: straight down or one column sideways per row, within ``radius`` of ``column``.
    """
    height, width = mask.shape
    low, high = max(0, column - radius), min(width, column + radius + 1)
    cost = np.where(mask[:, low:high] > 0, INK_COST, PAPER_COST)
    # Prefer the straight cut where the choice is free: a small cost for leaving the column.
    cost += DETOUR_COST * np.abs(np.arange(low, high) - column)[None, :]
    # reach[row, 1 + c]: the cost of the cheapest path from the top to column c of ``row``;
    # the infinite ends keep the path inside the band.
    reach = np.full((height, cost.shape[1] + 2), np.inf)
    reach[0, 1:-1] = cost[0]
    for row in range(1, height):
        above = reach[row - 1]
        reach[row, 1:-1] = np.minimum(np.minimum(above[:-2], above[1:-1]), above[2:]) + cost[row]
    # Back up from the cheapest bottom column; of equal costs, the left step wins, then straight up.
    path = np.empty(height, dtype=np.int64)
    position = int(np.argmin(reach[-1, 1:-1]))
    for row in range(height - 1, -1, -1):
        path[row] = position
        if row > 0:
            left, straight, right = reach[row - 1, position : position + 3]
            position += -1 if left <= straight and left <= right else 1 if right < straight else 0
    return path + low


def top_partitions(
    points: list[int], scores: dict[tuple[int, int], float], beam: int
) -> list[tuple[float, list[tuple[int, int]]]]:
    """Up to ``beam`` partitions of [points[0], points[-1]] with the highest totals: (total, segments), best first.

    ``scores[(i, j)]`` is the score of the segment from ``points[i]`` to ``points[j]``; a
    missing pair is not allowed. Dynamic programming over the cut points, keeping the ``beam``
    best partial partitions at each (exact for the best; the others are the best of those
    that survive). With no allowed partition at all, the whole span as one segment, scored -inf.
    """
    n = len(points)
    partial: list[list[tuple[float, tuple[tuple[int, int], ...]]]] = [[(0.0, ())]] + [[] for _ in range(n - 1)]
    for j in range(1, n):
        extended = [
            (total + scores[(i, j)], segments + ((i, j),))
            for i in range(j)
            if (i, j) in scores
            for total, segments in partial[i]
            if total + scores[(i, j)] > -np.inf
        ]
        # Stable sort: of equal totals, the one with the earlier first cut wins.
        partial[j] = sorted(extended, key=lambda option: -option[0])[:beam]
    if not partial[-1]:
        return [(-np.inf, [(0, n - 1)])]
    return [(total, list(segments)) for total, segments in partial[-1]]
