"""Where one number ends and the next begins, within one line of writing.

The rule (docs/READING.md says it for users): digits written at an even spacing are one
number, however wide that spacing is; a gap clearly wider than the line's own spacing
separates two numbers. "Clearly wider" is relative twice over: the gap must be at least
GAP_RATIO times the line's spacing (the median of its other gaps, leaving out those under
TIGHT_GAP digit heights: a broken digit's halves, touching digits), and at least
MIN_SPLIT_GAP digit heights, so tightly written digits never split at a gap that is
merely less tight. A line with no spacing to compare with (two blobs, or nothing but
touching ones beside the gap) splits only where the gap is wider than LONE_GAP heights.

Gaps are measured between boxes, each at least NARROW_WIDTH line heights wide (centred
where the blob is): a 1 is a stroke, and its bare box would leave a gap around it as wide
as a space between numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digitsight.segment.blob import Blob

# A blob narrower than this many line heights (a 1, a 7 of one stroke) is measured as if this wide: about a
# typical digit's width, so that the gap beside a 1 is the gap a wider digit in its place would leave.
NARROW_WIDTH = 0.5
# A gap separates numbers where it is at least this many times the line's spacing. Real handwriting drifts by up
# to 1.8x along one number (wide at the left, cramped at the right; real tuning photos), and synthetic rows, whose
# every gap is drawn at random, reach 2.7x; the spaces between groups of a phone number are 2.8x and more.
GAP_RATIO = 2.75
# ... and at least this many line heights wide: the widest gap inside a synthetic number that clears GAP_RATIO is
# 0.82 heights; between the groups of a real phone number, 1.0 and more.
MIN_SPLIT_GAP = 0.9
# Gaps narrower than this many line heights are no spacing: the halves of a broken 0, touching digits, a
# digit's detached bar. Counted, they would make any ordinary gap look wide beside them.
TIGHT_GAP = 0.1
# A line whose numbers would change were every threshold this many times stricter, or more lenient, is reported
# as doubtful: a quarter either way is about how far GAP_RATIO sits from what it separates.
DOUBT_MARGIN = 1.25
# A gap with no spacing to compare it with (a line of two blobs; or of a gap and touching digits) separates numbers
# where wider than this many line heights: only a space of more than a digit's height is taken for one.
LONE_GAP = 1.2


def line_height(line: list[Blob]) -> float:
    """The typical height of a line's blobs (their median)."""
    return float(np.median([blob.h for blob in line]))


def _x_centre(blob: Blob) -> float:
    return blob.x + blob.w / 2


def gaps(line: list[Blob], height: float, along: Callable[[Blob], float] = _x_centre) -> list[float]:
    """The gaps between neighbouring blobs of ``line`` (in order); overlapping boxes give 0.

    Each blob spans its width about its centre, placed by ``along`` (its x, by default; on a
    slanted line, where it is along the line). A blob narrower than NARROW_WIDTH x ``height``
    counts as that wide.
    """
    least = NARROW_WIDTH * height
    spans = []
    for blob in line:
        centre, half = along(blob), max(blob.w, least) / 2
        spans.append((centre - half, centre + half))
    return [max(0.0, right[0] - left[1]) for left, right in zip(spans, spans[1:], strict=False)]


def boundaries(spaces: list[float], height: float, strictness: float = 1.0) -> list[bool]:
    """For each gap of a line, whether it separates two numbers (the rule in the module docstring).

    ``strictness`` multiplies every threshold (``doubtful`` asks what a stricter or a more
    lenient rule would say).
    """
    splits = []
    for k, space in enumerate(spaces):
        others = spacing(spaces[:k] + spaces[k + 1 :], height)
        if others == 0.0:  # nothing to compare with
            splits.append(space > strictness * LONE_GAP * height)
        else:
            wide = space >= strictness * MIN_SPLIT_GAP * height
            splits.append(wide and space >= strictness * GAP_RATIO * others)
    return splits


def doubtful(line: list[Blob], along: Callable[[Blob], float] = _x_centre) -> bool:
    """Whether a rule DOUBT_MARGIN stricter or more lenient would part ``line`` into other numbers."""
    height = line_height(line)
    spaces = gaps(line, height, along)
    return boundaries(spaces, height, 1 / DOUBT_MARGIN) != boundaries(spaces, height, DOUBT_MARGIN)


def spacing(spaces: list[float], height: float) -> float:
    """A line's spacing: the median of ``spaces`` at least TIGHT_GAP x ``height`` wide (0.0 where none is)."""
    wide = [space for space in spaces if space >= TIGHT_GAP * height]
    return float(np.median(wide)) if wide else 0.0


def split_numbers(line: list[Blob], along: Callable[[Blob], float] = _x_centre) -> list[list[Blob]]:
    """One line (in order along it; ``along`` places a blob on it) -> its numbers, split where ``boundaries`` says."""
    height = line_height(line)
    numbers = [[line[0]]]
    for blob, split in zip(line[1:], boundaries(gaps(line, height, along), height), strict=True):
        if split:
            numbers.append([])
        numbers[-1].append(blob)
    return numbers
