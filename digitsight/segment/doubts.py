"""What a reading should warn about: where segmentation may have got the lines or the numbers wrong.

A short answer must never be silent. These notes go into the Reading's warnings:
a very dense page (lines merge and split, digits are missed), a line that rises and
falls by more than a digit's height (two lines read as one, or a line broken), and a
space between numbers that a slightly different rule would have read otherwise.
"""

from __future__ import annotations

import numpy as np

from digitsight.segment.blob import Blob
from digitsight.segment.boundaries import doubtful
from digitsight.segment.orientation import Direction

# A page with at least this many digit candidates is dense: real sample sheets of 10 lines of 10 and 20 digits
# lose and misplace digits; a form, a phone number or a column of single digits has far fewer.
DENSE_DIGITS = 60
# A line of at least this many blobs whose centres stray from a straight line by more than this many digit
# heights holds two lines or a line broken in two: uneven baselines stray by half a height.
STRAY_BLOBS = 3
STRAY_HEIGHTS = 0.8


def doubts(lines: list[list[Blob]], direction: Direction, digit_height: float) -> list[str]:
    """The warnings due for these lines (each in order along ``direction``), before numbers are split."""
    notes = []
    count = sum(len(line) for line in lines)
    if count >= DENSE_DIGITS:
        notes.append(
            f"a dense page ({len(lines)} lines, {count} digit candidates): lines may have been merged or split "
            "and digits missed; check the reading line by line"
        )
    for number, line in enumerate(lines, start=1):
        if _strays(line, direction, digit_height):
            notes.append(
                f"line {number} rises and falls by more than a digit's height: it may be two lines read as one"
            )
        if len(line) > 2 and doubtful(line, direction.along):
            notes.append(f"line {number}: where one number ends and the next begins is unclear; check its spaces")
    return notes


def _strays(line: list[Blob], direction: Direction, digit_height: float) -> bool:
    """Whether ``line``'s blob centres stray from their best straight line by over STRAY_HEIGHTS digit heights."""
    if len(line) < STRAY_BLOBS or digit_height <= 0:
        return False
    along = np.array([direction.along(blob) for blob in line])
    across = np.array([direction.across(blob) for blob in line])
    if np.ptp(along) == 0:
        return False
    slope, offset = np.polyfit(along, across, 1)
    return bool(np.max(np.abs(across - (slope * along + offset))) > STRAY_HEIGHTS * digit_height)
