"""The walls of form cells: comb boxes and table cells, one digit in each.

A comb box is two horizontal lines (found and erased as ruled lines by ``rules``) joined
by short vertical walls, one between every two digits. Left in, each wall reads as a 1.
A wall is a thin run of columns that is ink over nearly the whole height between the two
lines, and a row of cells has at least three walls, evenly spaced. A digit written across
the rulings of a notebook page can fill the height between two of them (a 1, the stem of
a 4), but seldom three at an even spacing.
"""

from __future__ import annotations

import cv2
import numpy as np

Band = tuple[float, int, int]  # a horizontal line: its pixels satisfy low <= y - slope * x <= high

# Two lines less than this many pixels apart are the same line (found twice) or a double rule, no cell.
MIN_CELL = 10
# A column is a wall where ink covers at least this fraction of the rows between the lines: scanned walls, dotted
# and jagged, cover 0.94 and more; the tallest digits in their cells (a 1, a 7's stem) 0.87 at most.
WALL_COVER = 0.9
# Columns are read this many pixels either side at once, so a wall skewed by a pixel or two still covers them.
WALL_SKEW = 1
# A wall is at most this many times narrower than the cell is tall (or THIN_WALL pixels, whichever is wider) ...
WALL_THINNESS = 6
THIN_WALL = 3
# A pair of lines holds at least this many walls to be a row of cells (two cells: a single cell's two walls
# look too much like a 1 and a 4 crossing a notebook's rulings) ...
MIN_WALLS = 3
# ... evenly spaced: no cell narrower than this fraction of the typical one (a wall missed makes one cell twice
# as wide, which is fine; the partial cell of the next field cut off at the image's edge is 0.65 of one) ...
NARROWEST_CELL = 0.5
# ... and the typical cell at least this fraction of its height wide: it holds a digit.
CELL_ASPECT = 0.5
# A jagged wall strays up to this many pixels past the columns it covers: they are cleared with it.
WALL_MARGIN = 2
# Crossing a wall, a digit's stroke runs across it at least this many pixels longer than it is wide.
CROSSING_EXCESS = 2


def erase_walls(ink: np.ndarray, bands: list[Band]) -> int:
    """Erase (in ``ink``, a binary mask) the walls between each pair of neighbouring ``bands``; how many went.

    Strokes that cross a wall sideways stay (a digit touching it).
    """
    if len(bands) < 2:
        return 0
    middle = ink.shape[1] / 2
    bands = sorted(bands, key=lambda band: band[1] + band[0] * middle)
    near = cv2.dilate(ink, np.ones((1, 2 * WALL_SKEW + 1), np.uint8))
    rows_above = np.vstack([np.zeros((1, ink.shape[1]), np.int32), np.cumsum(near > 0, axis=0, dtype=np.int32)])
    erased = 0
    for upper, lower in zip(bands, bands[1:], strict=False):
        top, bottom = _between(upper, lower, ink.shape)
        if np.median(bottom - top) < MIN_CELL:
            continue
        # A wall runs on through both lines, where erasing them kept it as a stroke crossing them.
        through = (upper[2] - upper[1] + 1, lower[2] - lower[1] + 1)
        erased += _erase_pair(ink, rows_above, (top, bottom), through)
    return erased


def _between(upper: Band, lower: Band, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the first and last row between two lines (clipped to the image)."""
    columns = np.arange(shape[1])
    top = np.ceil(upper[2] + upper[0] * columns).astype(np.int64) + 1
    bottom = np.floor(lower[1] + lower[0] * columns).astype(np.int64) - 1
    return np.clip(top, 0, shape[0] - 1), np.clip(bottom, 0, shape[0] - 1)


def _erase_pair(
    ink: np.ndarray, rows_above: np.ndarray, between: tuple[np.ndarray, np.ndarray], through: tuple[int, int]
) -> int:
    """Erase the walls between one pair of lines.

    Parameters: ``rows_above``, per row and column, how many rows above hold ink (near it);
    ``between``, the first and last row between the lines, per column; ``through``, how
    thick the upper and the lower line are: the walls are erased through them.
    """
    top, bottom = between
    columns = np.arange(ink.shape[1])
    tall = np.maximum(bottom - top + 1, 1)
    cover = (rows_above[bottom + 1, columns] - rows_above[top, columns]) / tall
    widest = max(THIN_WALL, float(np.median(tall)) / WALL_THINNESS) + 2 * WALL_SKEW
    walls = [(start, stop) for start, stop in _runs(cover >= WALL_COVER) if stop - start <= widest]
    if not _a_row_of_cells(walls, float(np.median(tall))):
        return 0
    for start, stop in walls:
        rows = int(top[start:stop].min()) - through[0] - 1, int(bottom[start:stop].max()) + through[1] + 2
        _erase_wall(ink, max(start - WALL_MARGIN, 0), stop + WALL_MARGIN, *rows)
    return len(walls)


def _a_row_of_cells(walls: list[tuple[int, int]], height: float) -> bool:
    """Whether walls (column runs, left to right) ``height`` tall make a row of cells (see the constants)."""
    if len(walls) < MIN_WALLS:
        return False
    widths = np.diff([(start + stop) / 2 for start, stop in walls])
    typical = float(np.median(widths))
    return typical >= CELL_ASPECT * height and widths.min() >= NARROWEST_CELL * typical


def _erase_wall(ink: np.ndarray, start: int, stop: int, first_row: int, end_row: int) -> None:
    """Clear columns ``start:stop`` over rows ``first_row:end_row``, but for strokes crossing them sideways."""
    first_row, width = max(first_row, 0), stop - start
    left, right = max(start - width - CROSSING_EXCESS, 0), stop + width + CROSSING_EXCESS
    around = ink[first_row:end_row, left:right]
    kernel = np.ones((1, width + CROSSING_EXCESS), np.uint8)
    crossing = cv2.morphologyEx(around, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    wall = around[:, start - left : stop - left]
    wall[crossing[:, start - left : stop - left] == 0] = 0


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The (start, stop) of each run of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))
