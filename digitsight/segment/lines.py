"""Digit candidates -> lines of writing, top to bottom, each split into numbers (``boundaries``).

Lines are found in the frame of the writing's direction (``orientation``): "left to
right" is along the writing, "top to bottom" across it. On a level page that is the
image's own frame.
"""

from __future__ import annotations

import numpy as np

from digitsight.segment.blob import Blob
from digitsight.segment.boundaries import split_numbers
from digitsight.segment.orientation import LEVEL, Direction, writing_direction

# A blob belongs to a line if its centre is within this fraction of a height (the taller one's, for two digits;
# the digit's, for a scrap) of the line's blob's centre.
LINE_REACH = 0.5
# A blob shorter than this (in digit heights) is a scrap; a number whose tallest blob is one is dropped.
SCRAP_HEIGHT = 0.5


def group_lines(blobs: list[Blob], digit_height: float) -> list[list[Blob]]:
    """Blobs -> lines (top to bottom), each left to right, split into numbers where ``boundaries`` says."""
    lines, direction = find_lines(blobs, digit_height)
    return [number for line in lines for number in split_numbers(line, direction.along)]


def find_lines(blobs: list[Blob], digit_height: float) -> tuple[list[list[Blob]], Direction]:
    """Blobs -> lines (top to bottom), each left to right, and the direction they run in.

    Blobs are chained left to right: one joins the line whose last blob is nearest
    in height, within half a digit, so a line written at a slant stays one line. Along
    the writing's direction where it is tilted (``orientation``), if that gives fewer
    lines than the image's own frame (a direction read off a few pieces of broken digits
    must not scatter them). Scraps (shorter than SCRAP_HEIGHT x ``digit_height``: a fragment of a broken
    stroke) are placed after the digits, each in the line of the digit nearest it, so
    that a scrap below a line does not start a line of its own that the next digit joins.
    """
    digits, scraps = [], []
    for blob in blobs:
        (scraps if blob.h < SCRAP_HEIGHT * digit_height else digits).append(blob)
    direction = writing_direction(digits, digit_height)
    lines = _chain(digits, LEVEL)
    if direction != LEVEL:
        tilted = _chain(digits, direction)
        if len(tilted) < len(lines):
            lines = tilted
        else:
            direction = LEVEL
    _place_scraps(lines, scraps, direction)
    lines.sort(key=lambda line: float(np.mean([direction.across(b) for b in line])))
    return lines, direction


def _chain(digits: list[Blob], direction: Direction) -> list[list[Blob]]:
    """Digits -> lines, taking them left to right: each joins the line whose last blob is nearest in height."""
    lines: list[list[Blob]] = []
    for blob in sorted(digits, key=direction.along):
        best, best_dy = None, None
        for line in lines:
            last = line[-1]
            dy = abs(direction.across(last) - direction.across(blob))
            if dy <= LINE_REACH * max(last.h, blob.h) and (best_dy is None or dy < best_dy):
                best, best_dy = line, dy
        if best is None:
            lines.append([blob])
        else:
            best.append(blob)
    return lines


def _place_scraps(lines: list[list[Blob]], scraps: list[Blob], direction: Direction) -> None:
    """Put each scrap (in place) in the line of the nearest digit level with it, in order; or in a line of its own."""
    for scrap in scraps:
        near = [
            (abs(direction.along(blob) - direction.along(scrap)), k)
            for k, line in enumerate(lines)
            for blob in line
            if abs(direction.across(blob) - direction.across(scrap)) <= LINE_REACH * blob.h
        ]
        if near:
            line = lines[min(near)[1]]
            line.append(scrap)
            line.sort(key=direction.along)
        else:
            lines.append([scrap])
