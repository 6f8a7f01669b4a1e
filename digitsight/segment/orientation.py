"""Which way the lines of writing run: a page turned or a line written uphill, up to MAX_TILT degrees.

Digits of one line are each other's nearest neighbours far more often than digits of two
lines are: the line's spacing is tighter than the space between lines. So the direction
from each digit to its nearest neighbour, taken over the page (the median), is the
direction of the writing. Lines are then found and ordered in a frame turned by it:
``along`` the writing and ``across`` it. Below MIN_TILT degrees the frame is the image's
own (lines chained left to right cope with that much), so level pages read as they did;
from SLIGHT_TILT degrees up, the turned frame is still taken where it finds fewer lines
(widely spaced digits step too far from one to the next for level chaining).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from digitsight.segment.blob import Blob

# Directions steeper than this many degrees are left out: two digits one above the other are on two lines, and
# beyond 45 degrees "along" and "across" trade places. 50 leaves room for a 45-degree line's scatter.
MAX_TILT = 50.0
# Below this many degrees the image's own frame is kept: chaining copes (each digit within half a height of the
# last one's level), and level pages, nearly all of them, keep the order they had.
MIN_TILT = 10.0
# ... unless chaining does not cope: digits spaced wide step further across the image's rows from one to the next
# (3.3 heights apart at 7 degrees: 0.4 heights a step, past half a height at a wider gap; validation spacing 070
# read a turned phone number as two lines, the second first). From this many degrees up to MIN_TILT, lines are
# also chained along the writing and taken where that gives fewer (``lines.find_lines``). Below it a step is
# under half a height for digits up to 14 heights apart: level chaining never breaks there.
SLIGHT_TILT = 2.0
# A digit's nearest neighbour counts if nearer than this many digit heights (digits spaced up to about 3
# heights apart are still one number): a digit alone on its line says nothing about direction.
NEIGHBOUR_REACH = 4.0
# At least this many digits must have a neighbour before a direction is believed.
MIN_NEIGHBOURS = 3


@dataclass(frozen=True)
class Direction:
    """The direction the writing runs in, as an angle in degrees (image y runs down: uphill is negative)."""

    angle: float = 0.0

    def along(self, blob: Blob) -> float:
        """Where ``blob``'s centre is along the writing (left to right, for a level line)."""
        t = math.radians(self.angle)
        return (blob.x + blob.w / 2) * math.cos(t) + blob.cy * math.sin(t)

    def across(self, blob: Blob) -> float:
        """Where ``blob``'s centre is across the writing (top to bottom, for a level line)."""
        t = math.radians(self.angle)
        return blob.cy * math.cos(t) - (blob.x + blob.w / 2) * math.sin(t)


LEVEL = Direction()


def writing_angle(blobs: list[Blob], digit_height: float) -> float | None:
    """The median direction, in degrees, from each blob to its nearest neighbour; None when unsure.

    Unsure: fewer than MIN_NEIGHBOURS blobs have a neighbour within NEIGHBOUR_REACH digit
    heights at most MAX_TILT degrees off level.
    """
    if len(blobs) < 2 or digit_height <= 0:
        return None
    centres = np.array([(blob.x + blob.w / 2, blob.cy) for blob in blobs])
    offsets = centres[None, :, :] - centres[:, None, :]
    distance = np.hypot(offsets[..., 0], offsets[..., 1])
    np.fill_diagonal(distance, np.inf)
    nearest = np.argmin(distance, axis=1)
    near = distance[np.arange(len(blobs)), nearest] <= NEIGHBOUR_REACH * digit_height
    dx, dy = offsets[np.arange(len(blobs)), nearest].T
    angles = np.degrees(np.arctan2(dy * np.sign(dx + 1e-9), np.abs(dx)))
    angles = angles[near & (np.abs(angles) <= MAX_TILT)]
    if angles.size < MIN_NEIGHBOURS:
        return None
    return float(np.median(angles))
