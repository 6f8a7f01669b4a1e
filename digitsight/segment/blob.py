"""What segmentation deals in: a box, a digit candidate (``Blob``) and what ``segment`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in processing pixels


def box_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The area two (x, y, w, h) rectangles share (0 where they do not meet)."""
    across = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    down = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, across) * max(0, down)


@dataclass
class Blob:
    """A digit candidate: its box (x, y, w, h) in processing pixels and its own ink mask (h, w)."""

    x: int
    y: int
    w: int
    h: int
    mask: np.ndarray = field(repr=False)

    @property
    def box(self) -> Box:
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

        A cut is a column (blob coordinates) or a path: one column per row
        (``digitsight.decode.cuts.cut_path``).
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


@dataclass
class Segmentation:
    """What ``segment`` found: blobs per line, the binary ink image and what it learnt on the way."""

    lines: list[list[Blob]]
    ink: np.ndarray = field(repr=False)
    light_on_dark: bool = False
    digit_height: float = 0.0
    stroke: float = 0.0
    removed_lines: int = 0
    notes: list[str] = field(default_factory=list)  # what the reading should warn about (``doubts``)


def union_box(a: Box, b: Box) -> Box:
    """The smallest box holding both ``a`` and ``b``."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def edges_touched(box: Box, shape: tuple[int, int]) -> tuple[bool, bool]:
    """Whether ``box`` touches the image's left or right edge, and its top or bottom (``shape``: height, width)."""
    x, y, w, h = box
    height, width = shape
    return x == 0 or x + w == width, y == 0 or y + h == height
