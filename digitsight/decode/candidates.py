"""The candidate readings of an image's lines: each blob whole, cut into pieces, or merged with its neighbour.

Every candidate gets its images for the nets here (``Images``, one batch per net);
a ``Piece`` keeps where its images are in those batches, a ``Plan`` the pieces of one
blob. ``decode.search`` then chooses among them once the nets have read every image.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from digitsight.decode.cuts import cut_candidates, cut_path
from digitsight.nets import CHAIN, DIGIT, PAIR
from digitsight.nets.pairs import PairOutputs
from digitsight.normalize import stroke_width, to_chain_field, to_mnist, to_pair_field
from digitsight.page import Sheet
from digitsight.segment import Blob

# A blob wider than this many line heights may be touching digits: score candidate splits. Low
# enough for two narrow digits (a "11") to get cuts; a wide single digit loses nothing by it, as
# the blob whole is always a candidate too. (Set with the first pipeline, a95eeab; not tuned since.)
SPLIT_MIN_ASPECT = 0.75
# Pieces of a split: at most this wide, at least this tall (in line heights). 1.3 is wider than
# MNIST's widest typical digit (a 0, about 0.9) with room for slant; a piece under 0.45 is a
# fragment of a stroke, not a digit. (Set with the first pipeline, a95eeab.)
PIECE_MAX_ASPECT = 1.3
PIECE_MIN_HEIGHT = 0.45
# A cut path may wander this far (in line heights) from its starting column: far enough to go
# round a stroke leaning into the neighbour, not so far as to cut a digit through (f1c3847).
CUT_RADIUS = 0.25
# A blob or piece at most this wide (in line heights) is also shown to the pair model: is it one
# digit, two touching, or neither? (Every narrower piece is, so that no bad cut escapes its eye.)
PAIR_MAX_ASPECT = 2.0
# Neighbouring blobs are tried as one digit if their union is at most this wide and the gap this
# narrow (in line heights): the halves of a broken 0 (1.3, not 1.0: broken 93.1 -> 95.0%, be2f975).
MERGE_MAX_ASPECT = 1.3
MERGE_MAX_GAP = 0.35
# ... and their union at most this tall: the pieces of one digit lie within its height, while two digits along a
# slant (a 1 beside a 7, one higher than the other) are side by side in x but stacked in y. 1.15, not 1.3: two
# digits along a 20-25 degree slant stand 1.2 heights tall together, and a 6 and a 4 were read as one 6 (slanted
# validation, 300: 276 -> 277; broken, 300, unchanged at 284, its halves' union about one height tall).
MERGE_MAX_HEIGHT = 1.15
# A blob of a number of at least ALONE_MIN_BLOBS, with at least this many line heights of space on each side, and at
# most ALONE_MAX_WIDTH times as wide as the number's median blob, holds one digit and is not cut: digits written
# this far apart do not touch, and two touching digits are twice as wide as one. A real tuning scan's practice sheet
# (digits 1.3-2.5 heights apart) had its flat 0s and flagged 1s cut into "00" and "11"; synthetic touching digits
# stand under 0.6 heights apart.
ALONE_GAP = 1.0
ALONE_MAX_WIDTH = 1.6
ALONE_MIN_BLOBS = 3
# A blob's "digit width" is the median width of the other blobs of its line at most DIGIT_MAX_ASPECT line heights
# wide (those that look like one digit), where there are at least DIGIT_MIN_BLOBS of them; a blob narrower than
# two of them read as two or more digits pays Weights.narrow_cost (decode.search). A blob's own width is left out:
# a touching pair ("83" in '517830') was 1.12 times the median of a line holding it, narrower than its 0. 5, not 4:
# with 4, touching lost 1 and 2 images of 160 (validation 0-159, 160-319); 1.0 heights: the line's single digits
# (MNIST's widest typical digit is about 0.9 heights) and no wider.
DIGIT_MAX_ASPECT = 1.0
DIGIT_MIN_BLOBS = 5
# A blob over this many line heights tall whose lower part is one narrow stroke (the long stem of a 7 or a 4, a 9's
# descender) is shown to the nets cut to TAIL_KEEP line heights: squeezed whole into the 28-pixel field, a 7 whose
# stem runs three heights down is a 1 with a tick (a real tuning scan's: read 1 at 77% whole, 7 at 92-96% cut to
# 1-2 heights). Over 2 heights: a digit written a little bigger than its neighbours keeps its shape.
TAIL_MIN_HEIGHT = 2.0
TAIL_KEEP = 1.5
# ... one narrow stroke: each row of the part cut off holds a single run of ink at most this many strokes wide
# (a stroke at 60 degrees from the vertical crosses a row in two strokes' width; a 2's base is far wider).
TAIL_RUN = 2.5


@dataclass(frozen=True)
class Piece:
    """A blob or part of one, with where its images are in the batches (None: not a candidate that way)."""

    blob: Blob
    crop: int | None  # index in the digit classifier's batch: the piece as one digit
    pair: int | None  # index in the pair model's batch: the piece as two touching digits
    chain: int | None = None  # index in the chain model's batch: the piece (a wide blob, whole) as a row


@dataclass
class Plan:
    """How one blob may be read: whole, or cut near ``points`` (the pieces between cut i and cut j)."""

    blob: Blob
    points: list[int]
    pieces: dict[tuple[int, int], Piece]  # (i, j) -> the piece between cuts i and j
    merged: Piece | None = None  # this blob and the next one as one digit, if plausible
    alone: bool = False  # one digit by the space around it (ALONE_GAP): read whole as one digit, never cut nor a pair
    digit_width: float | None = None  # the line's other digits' median width (DIGIT_MIN_BLOBS), None: too few
    line_height: float | None = None  # the median height of its line's blobs (None: not known)


@dataclass
class Images:
    """The candidates' images, one batch per net, in the order the pieces' indices point to."""

    crops: list[np.ndarray] = field(default_factory=list)  # 28x28, for the digit classifier
    fields: list[np.ndarray] = field(default_factory=list)  # 28x48, for the pair model
    rows: list[np.ndarray] = field(default_factory=list)  # 28x128, wide blobs whole, for the chain model

    def by_kind(self) -> dict[str, list[np.ndarray]]:
        """The batches keyed by the kind of net that reads them (``Models.read``)."""
        return {DIGIT: self.crops, PAIR: self.fields, CHAIN: self.rows}

    def add(self, piece: Blob, one: bool, two: bool, chain: int | None = None, shown: Blob | None = None) -> Piece:
        """``piece`` with its images added to the batches: as one digit if ``one``, as a pair if ``two``.

        ``shown``: what the images are made of, where not the piece itself (``without_tail``).
        """
        entry = Piece(piece, len(self.crops) if one else None, len(self.fields) if two else None, chain)
        mask = (shown or piece).mask
        if one:
            self.crops.append(to_mnist(mask))
        if two:
            self.fields.append(to_pair_field(mask))
        return entry


class Candidates(NamedTuple):
    """Every candidate reading of an image, and what the models say of each."""

    plans: list[list[Plan]]  # per line, per blob
    crops: list[np.ndarray]  # the 28x28 images the plans' ``crop`` indices point to
    fields: list[np.ndarray]  # the pair images their ``pair`` indices point to
    rows: list[np.ndarray]  # the chain model's images of wide blobs, which their ``chain`` indices point to
    probabilities: np.ndarray  # the digit classifier's, not yet mixed with the pair model's
    pairs: PairOutputs | None  # the pair model's outputs (None without one)
    chains: np.ndarray | None  # the chain model's (N, 32, 11) log-probabilities for the plans' ``chain`` images
    scale: float  # processing pixels per pixel of the frame: the original image, or the rectified sheet
    notes: tuple[str, ...] = ()  # segmentation's doubts, for the Reading's warnings (``segment.doubts``)
    sheet: Sheet | None = None  # the rectified sheet the boxes are placed on first (``page.isolate_sheet``)


def plan_lines(lines: list[list[Blob]], *, pairs: bool, chains: bool) -> tuple[list[list[Plan]], Images]:
    """The candidate readings of each line's blobs, and every image they need, in one batch per net.

    Every crop any reading may need (whole blobs, the pieces of candidate splits, unions of
    neighbours) goes into ONE batch per net, so each net is called once per image.
    Parameters: ``pairs``, whether the pair model reads candidates; ``chains``, the chain model.
    """
    images = Images()
    return [plan_line(line, images, pairs=pairs, chains=chains) for line in lines], images


def plan_line(line: list[Blob], images: Images, *, pairs: bool, chains: bool) -> list[Plan]:
    """The candidate readings of one line's blobs; their images are added to ``images``.

    A wide blob may be touching digits: it gets candidate cuts, and every piece between two
    cuts is a candidate digit (and, if ``pairs``, a candidate pair); the blob whole goes to
    the rows, for the chain model (if ``chains``). Neighbouring blobs that may be fragments
    of one digit (the halves of a broken 0) get their union as a candidate.
    """
    line_height = float(np.median([blob.h for blob in line]))
    alone = alone_in_space(line, line_height)
    plans = [_plan_blob(blob, line_height, images, pairs, chains, one) for blob, one in zip(line, alone, strict=True)]
    for plan, width in zip(plans, digit_widths(line, line_height), strict=True):
        plan.digit_width = width
    for left, right in zip(plans, plans[1:], strict=False):
        union = left.blob.union(right.blob)
        gap = right.blob.x - (left.blob.x + left.blob.w)
        if _may_be_one_digit(union, gap, line_height):
            left.merged = images.add(union, True, pairs)
    return plans


def _may_be_one_digit(union: Blob, gap: int, line_height: float) -> bool:
    """Whether two neighbours, whose union is ``union`` and ``gap`` pixels apart, may be the pieces of one digit."""
    return (
        union.w <= MERGE_MAX_ASPECT * line_height
        and union.h <= MERGE_MAX_HEIGHT * line_height
        and gap <= MERGE_MAX_GAP * line_height
    )


def alone_in_space(line: list[Blob], line_height: float) -> list[bool]:
    """Whether each blob of a number (left to right) is one digit by the space around it.

    At least ALONE_GAP line heights of space on each side, at most ALONE_MAX_WIDTH times the
    number's median width, in a number of at least ALONE_MIN_BLOBS blobs.
    """
    if len(line) < ALONE_MIN_BLOBS:
        return [False] * len(line)
    typical = float(np.median([blob.w for blob in line]))
    gaps = [right.x - (left.x + left.w) for left, right in zip(line, line[1:], strict=False)]
    spaced = [gap >= ALONE_GAP * line_height for gap in gaps]
    return [
        blob.w <= ALONE_MAX_WIDTH * typical and (k == 0 or spaced[k - 1]) and (k == len(line) - 1 or spaced[k])
        for k, blob in enumerate(line)
    ]


def digit_widths(line: list[Blob], line_height: float) -> list[float | None]:
    """Each blob's line's digit width: the median width of the other blobs that look like one digit.

    Those at most DIGIT_MAX_ASPECT line heights wide; None where fewer than DIGIT_MIN_BLOBS of them.
    """
    single = [blob.w <= DIGIT_MAX_ASPECT * line_height for blob in line]
    widths = []
    for k in range(len(line)):
        others = [blob.w for j, blob in enumerate(line) if single[j] and j != k]
        widths.append(float(np.median(others)) if len(others) >= DIGIT_MIN_BLOBS else None)
    return widths


def without_tail(blob: Blob, line_height: float) -> Blob:
    """``blob`` cut to TAIL_KEEP line heights, where it is over TAIL_MIN_HEIGHT tall and the rest is one narrow stroke.

    Otherwise ``blob`` itself. The stroke may break (rows without ink), not fork.
    """
    keep = int(TAIL_KEEP * line_height)
    if blob.h <= TAIL_MIN_HEIGHT * line_height or keep < 1:
        return blob
    tail = blob.mask[keep:].astype(bool)
    # Where each row's runs of ink start, and how far each row's ink spans.
    starts = tail & ~np.pad(tail, ((0, 0), (1, 0)))[:, :-1]
    inked = tail.any(axis=1)
    spans = np.where(inked, blob.w - np.argmax(tail[:, ::-1], axis=1) - np.argmax(tail, axis=1), 0)
    if (starts.sum(axis=1) > 1).any() or spans.max() > TAIL_RUN * stroke_width(blob.mask):
        return blob
    top = blob.mask[:keep]
    columns = np.flatnonzero(top.any(axis=0))
    if columns.size == 0:
        return blob
    left, right = int(columns[0]), int(columns[-1]) + 1
    return Blob(blob.x + left, blob.y, right - left, keep, top[:, left:right])


def _plan_blob(blob: Blob, line_height: float, images: Images, pairs: bool, chains: bool, alone: bool) -> Plan:
    """One blob's candidate readings: whole, and (a wide one not ``alone`` in its space) every piece between cuts."""
    plan = Plan(blob, [0, blob.w], {}, alone=alone, line_height=line_height)
    paths: list[int | np.ndarray] = [0, blob.w]
    chain = None
    if blob.w > SPLIT_MIN_ASPECT * line_height and not alone:
        plan.points = [0, *cut_candidates(blob, line_height), blob.w]
        radius = max(1, int(CUT_RADIUS * line_height))
        paths = [0, *(cut_path(blob.mask, c, radius) for c in plan.points[1:-1]), blob.w]
        if chains:
            chain = len(images.rows)
            images.rows.append(to_chain_field(blob.mask))
    last = len(plan.points) - 1
    for i, j in itertools.combinations(range(len(plan.points)), 2):
        whole = i == 0 and j == last
        width = plan.points[j] - plan.points[i]
        one = whole or width <= PIECE_MAX_ASPECT * line_height
        two = pairs and width <= PAIR_MAX_ASPECT * line_height
        if not (one or two):
            continue
        piece = blob if whole else blob.piece(paths[i], paths[j])
        if piece is None or (not whole and piece.h < PIECE_MIN_HEIGHT * line_height):
            continue
        shown = without_tail(piece, line_height) if whole else piece
        plan.pieces[(i, j)] = images.add(piece, one, two, chain if whole else None, shown=shown)
    return plan
