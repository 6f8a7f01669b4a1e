"""The walls of form cells (segment/cells.py): comb boxes lose their walls, digits keep their strokes."""

from __future__ import annotations

import cv2
import numpy as np
from drawn_pages import INK, assert_boxes_match, page, zero

from digitsight.segment import segment
from digitsight.segment.cells import erase_walls


def comb(image: np.ndarray, x: int, y: int, cells: int, width: int = 40, height: int = 56) -> None:
    """Draw a comb box: two lines and a wall between every two cells (and at both ends)."""
    right = x + cells * width
    cv2.line(image, (x, y), (right, y), INK, 2)
    cv2.line(image, (x, y + height), (right, y + height), INK, 2)
    for k in range(cells + 1):
        cv2.line(image, (x + k * width, y), (x + k * width, y + height), INK, 2)


def test_walls_between_two_lines_are_erased_and_nothing_else():
    ink = np.zeros((30, 60), np.uint8)
    ink[5:25, [10, 25, 40, 55]] = 1  # four walls, from line (row 4) to line (row 25)
    ink[8:20, 17] = 1  # a stroke in a cell, shorter than the cell
    bands = [(0.0, 3, 4), (0.0, 25, 26)]  # the two lines, already erased
    assert erase_walls(ink, bands) == 4
    assert np.argwhere(ink).tolist() == [[row, 17] for row in range(8, 20)]


def test_a_stroke_crossing_a_wall_keeps_its_pixels():
    ink = np.zeros((30, 60), np.uint8)
    ink[5:25, [10, 25, 40, 55]] = 1
    ink[14:16, 18:33] = 1  # a bar running through the second wall
    erase_walls(ink, [(0.0, 3, 4), (0.0, 25, 26)])
    assert ink[14:16, 18:33].all()
    assert not ink[5:14, 24:27].any() and not ink[16:25, 24:27].any()


def test_two_tall_strokes_between_rulings_are_no_cells():
    # A 1 and a 4's stem written across a notebook's rulings fill the height between two of them.
    ink = np.zeros((30, 60), np.uint8)
    ink[5:25, [20, 45]] = 1
    assert erase_walls(ink, [(0.0, 3, 4), (0.0, 25, 26)]) == 0
    assert ink.sum() == 40


def test_walls_at_uneven_places_are_no_cells():
    ink = np.zeros((30, 90), np.uint8)
    ink[5:25, [10, 14, 50, 86]] = 1  # cells 4 and 36 px wide: strokes, not a comb
    assert erase_walls(ink, [(0.0, 3, 4), (0.0, 25, 26)]) == 0


def test_digits_in_a_comb_box_are_read_without_its_walls():
    image = page(120, 300)
    comb(image, 20, 30, cells=6)
    drawn = [zero(image, 28 + 40 * k, 38, h=40) for k in range(4)]  # the last two cells left empty
    found = segment(image)
    assert [len(line) for line in found.lines] == [4]
    for got, want in zip(found.lines[0], drawn, strict=True):
        assert_boxes_match(got.box, want, tolerance=3)
