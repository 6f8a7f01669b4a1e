"""Digit candidates -> lines of writing, top to bottom, each split into numbers (``boundaries``).

Lines are found in the frame of the writing's direction (``orientation``): "left to
right" is along the writing, "top to bottom" across it. On a level page that is the
image's own frame.
"""

from __future__ import annotations

import itertools
import statistics

import numpy as np

from digitsight.segment.blob import Blob
from digitsight.segment.boundaries import split_numbers
from digitsight.segment.orientation import LEVEL, MIN_TILT, SLIGHT_TILT, Direction, writing_angle

# A blob belongs to a line if its centre is within this fraction of a height (the taller one's, for two digits;
# the digit's, for a scrap) of the line's blob's centre.
LINE_REACH = 0.5
# ... or of the median level of the line's last this-many blobs: baselines wander (a digit written low, the next
# high) by more than LINE_REACH between two neighbours, but not from the line's own level.
LINE_MEMORY = 3
# Two lines are one broken in two where the second starts along the writing at most this many line heights after
# the first ends, and its first blob overlaps the first's last, across the writing, by at least this share of the
# shorter: a baseline that steps up or down between two digits (two lines of writing never overlap so).
JOIN_GAP = 0.8
JOIN_OVERLAP = 0.25
# ... and the second may start this far back inside the first's end (a tenth of a height: strokes of neighbours
# that touch), no further: beyond, the two run side by side, two lines.
JOIN_BACKSTEP = 0.1
# A blob shorter than this (in digit heights) is a scrap; a number whose tallest blob is one is dropped.
SCRAP_HEIGHT = 0.5
# A blob alone on its line, shorter than this share of the digits of a line of STRAY_COMPANY blobs or more, is a
# stray mark (a tick, a pen's slip, a stroke cut by the photo's border above the number), not a digit written on a
# line of its own: on synthetic validation pages, such lone digits (161 lines: two_lines, sheet_on_desk, small, 240
# pages each) stand 0.83 and more of the other lines' digits, stray strokes (stray_marks, 240) 0.50 to 0.78.
STRAY_HEIGHT = 0.8
# A page needs a line of at least this many blobs before a lone short mark is called stray: a column of single
# digits, written at sizes from half to the whole of the tallest (a real tuning scan), has no writing to compare with.
STRAY_COMPANY = 3
# Two lines whose digits take turns along the writing, each no further across from the one before than this many
# heights, are one line written unevenly: uneven baselines put two neighbours up to 0.85 heights apart
# (validation uneven 045, 048: "232444" read "23244 4", "70975640" "7 975640 0"; 326: "450811" read "0 11 45 8"),
# while a digit on the next line stands at least 1.4 heights below (synthetic lines are 1.5 heights apart or
# more; real pages further).
LONE_REACH = 1.0


def group_lines(blobs: list[Blob], digit_height: float) -> list[list[Blob]]:
    """Blobs -> lines (top to bottom), each left to right, split into numbers where ``boundaries`` says."""
    return numbers_of(*find_lines(blobs, digit_height))


def numbers_of(lines: list[list[Blob]], direction: Direction) -> list[list[Blob]]:
    """``find_lines``' lines, each split into its numbers (``boundaries``), in reading order."""
    return [number for line in lines for number in split_numbers(line, direction.along)]


def find_lines(blobs: list[Blob], digit_height: float) -> tuple[list[list[Blob]], Direction]:
    """Blobs -> lines (top to bottom), each left to right, and the direction they run in.

    Blobs are chained left to right: one joins the line whose last blob is nearest
    in height, within half a digit, so a line written at a slant stays one line. Along
    the writing's direction where it is tilted (``orientation``), if that gives fewer
    lines than the image's own frame (a direction read off a few pieces of broken digits
    must not scatter them), or as many and straighter; where it is only slightly tilted
    (SLIGHT_TILT to MIN_TILT degrees), only if it gives fewer. Scraps (shorter than
    SCRAP_HEIGHT x ``digit_height``: a fragment of a broken stroke) are placed after the
    digits, each in the line of the digit nearest it, so that a scrap below a line does not
    start a line of its own that the next digit joins.
    A line of one blob far shorter than the digits of a line of a few (STRAY_HEIGHT,
    STRAY_COMPANY) is a stray mark, and dropped. Two lines whose digits take turns along the
    writing, each within LONE_REACH heights of the one before (a digit written low in the
    gap of a line, or a line whose digits rise and fall by turns), are one (``_interleave``).
    """
    digits, scraps = [], []
    for blob in blobs:
        (scraps if blob.h < SCRAP_HEIGHT * digit_height else digits).append(blob)
    lines, direction = _chain(digits, LEVEL), LEVEL
    angle = writing_angle(digits, digit_height)
    if angle is not None and abs(angle) >= SLIGHT_TILT:
        turned = Direction(angle)
        tilted = _chain(digits, turned)
        # Slightly turned, the level frame is kept unless it broke a line the turned one keeps whole.
        better = _better(tilted, lines, turned) if abs(angle) >= MIN_TILT else len(tilted) < len(lines)
        if better:
            lines, direction = tilted, turned
    lines = _join_broken(lines, direction)
    _place_scraps(lines, scraps, direction)
    lines = _without_strays(lines)
    lines = _join_interleaved(lines, direction)
    lines.sort(key=lambda line: float(np.mean([direction.across(b) for b in line])))
    return lines, direction


def _without_strays(lines: list[list[Blob]]) -> list[list[Blob]]:
    """``lines`` less those of one blob far shorter than the digits of the page's numbers (STRAY_HEIGHT)."""
    company = [blob.h for line in lines if len(line) >= STRAY_COMPANY for blob in line]
    if not company:
        return lines
    least = STRAY_HEIGHT * float(np.median(company))
    return [line for line in lines if len(line) > 1 or line[0].h >= least]


def _join_interleaved(lines: list[list[Blob]], direction: Direction) -> list[list[Blob]]:
    """``lines`` with each two that are one line written unevenly (``_interleave``) joined, until none are."""
    lines = [sorted(line, key=direction.along) for line in lines]
    joined = True
    while joined:
        joined = False
        for i, j in itertools.combinations(range(len(lines)), 2):
            if _interleave(lines[i], lines[j], direction):
                lines[i] = sorted(lines[i] + lines.pop(j), key=direction.along)
                joined = True
                break
    return lines


def _interleave(first: list[Blob], second: list[Blob], direction: Direction) -> bool:
    """Whether ``first`` and ``second`` (each in order along the writing) are one line whose digits rise and fall.

    Taken together in order along the writing, wherever a digit of one follows a digit of
    the other it overlaps it along the writing by at most JOIN_BACKSTEP heights, starts
    at most JOIN_GAP heights after it, and stands within LONE_REACH heights of it across
    the writing. Digits of two lines of writing stand 1.5 heights apart or more; a digit
    directly below another is on the next line. A line of one mark shorter than STRAY_HEIGHT
    of the other's digits (a scrap, a speck) is no digit of it.
    """
    for alone, other in ((first, second), (second, first)):
        if len(alone) == 1 and alone[0].h < STRAY_HEIGHT * float(np.median([b.h for b in other])):
            return False
    tagged = [(direction.along(b), 0, b) for b in first] + [(direction.along(b), 1, b) for b in second]
    tagged.sort(key=lambda item: item[:2])  # blobs themselves do not compare
    crossings = 0
    for (_, line_a, a), (_, line_b, b) in itertools.pairwise(tagged):
        if line_a == line_b:
            continue
        crossings += 1
        if not _follows(a, b, direction):
            return False
        if abs(direction.across(a) - direction.across(b)) > LONE_REACH * max(a.h, b.h):
            return False
    return crossings > 0


def _follows(first: Blob, second: Blob, direction: Direction) -> bool:
    """Whether ``second`` starts just after ``first`` along the writing.

    The space between their boxes is at most JOIN_GAP heights (the taller one's), and where
    they overlap, by at most JOIN_BACKSTEP heights.
    """
    height = max(first.h, second.h)
    gap = (direction.along(second) - second.w / 2) - (direction.along(first) + first.w / 2)
    return -JOIN_BACKSTEP * height <= gap <= JOIN_GAP * height


def _better(tilted: list[list[Blob]], level: list[list[Blob]], direction: Direction) -> bool:
    """Whether the lines chained along ``direction`` beat those chained level: fewer, or as many and straighter.

    As many lines both ways happens on a turned sheet with a short line above a long one:
    chained level, the long line's far end, risen to the short line's level, joins that
    one. Along the writing, each line runs straight: its digits step less across it.
    """
    if len(tilted) != len(level):
        return len(tilted) < len(level)
    return _wiggle(tilted, direction) < _wiggle(level, LEVEL)


def _wiggle(lines: list[list[Blob]], direction: Direction) -> float:
    """How far, in all, each line's digits step across the writing from one to the next."""
    steps = [
        abs(direction.across(b) - direction.across(a)) for line in lines for a, b in zip(line, line[1:], strict=False)
    ]
    return float(sum(steps))


def _chain(digits: list[Blob], direction: Direction) -> list[list[Blob]]:
    """Digits -> lines, taking them left to right: each joins the line nearest in height (``_offset``)."""
    lines: list[list[Blob]] = []
    for blob in sorted(digits, key=direction.along):
        best, best_dy = None, None
        for line in lines:
            dy = _offset(line, blob, direction)
            if dy is not None and (best_dy is None or dy < best_dy):
                best, best_dy = line, dy
        if best is None:
            lines.append([blob])
        else:
            best.append(blob)
    return lines


def _offset(line: list[Blob], blob: Blob, direction: Direction) -> float | None:
    """How far ``blob`` is across the writing from where ``line`` has got to; None if out of LINE_REACH.

    Where the line has got to is its last blob's level (a slanted line moves on from it) or
    the median level of its last LINE_MEMORY blobs (one written high or low does not move it),
    whichever is nearer.
    """
    recent = line[-LINE_MEMORY:]
    across = direction.across(blob)
    last = line[-1]
    to_last = abs(direction.across(last) - across)
    # statistics.median, not numpy's: on three numbers it is a tenth of the cost, and a page of
    # 500 digits asks this 20,000 times.
    to_level = abs(statistics.median(direction.across(b) for b in recent) - across)
    reach = LINE_REACH * max(blob.h, last.h, statistics.median(b.h for b in recent))
    offset = min(to_last, to_level)
    return offset if offset <= reach else None


def _join_broken(lines: list[list[Blob]], direction: Direction) -> list[list[Blob]]:
    """``lines`` with each pair that is one line broken in two (JOIN_GAP, JOIN_OVERLAP) joined."""
    lines = sorted(lines, key=lambda line: direction.along(line[0]))
    joined: list[list[Blob]] = []
    for line in lines:
        before = next((other for other in joined if _continues(other, line, direction)), None)
        if before is None:
            joined.append(line)
        else:
            before.extend(line)
    return joined


def _continues(first: list[Blob], second: list[Blob], direction: Direction) -> bool:
    """Whether ``second`` carries on ``first``: starting just after it, level enough with its end."""
    end, start = first[-1], second[0]
    if not _follows(end, start, direction):
        return False
    low, high = direction.across(end), direction.across(start)
    overlap = min(low + end.h / 2, high + start.h / 2) - max(low - end.h / 2, high - start.h / 2)
    return overlap >= JOIN_OVERLAP * min(end.h, start.h)


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
