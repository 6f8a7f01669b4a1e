"""Where each digit read is, in the original image: its box, confidence, top 3 and crop.

A piece read as one digit is boxed whole; a pair is parted at its thinnest column; a
row read by the chain model is parted where the model placed each digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from digitsight.decode.candidates import Candidates, Piece
from digitsight.decode.ctc import best_path
from digitsight.decode.search import Choice
from digitsight.nets import CHAIN, DIGIT, PAIR
from digitsight.nets.chains import BLANK, COLUMN_WIDTH
from digitsight.nets.digits import not_digit
from digitsight.nets.pairs import TWO_DIGITS
from digitsight.normalize import FIELD, RowPlacement, chain_placement
from digitsight.result import Digit
from digitsight.segment import Blob

# A pair's two digits are parted at the thinnest column between these fractions of its width:
# away from its ends, where a digit's own thin strokes (a 7's foot, a 1's flag) would be.
PAIR_SPLIT_SPAN = (0.3, 0.7)
# Field pixels from a chain model column's edge to its middle.
HALF_COLUMN = COLUMN_WIDTH / 2


class Frame(NamedTuple):
    """Where digits are placed: their line, and how processing pixels map onto the original image."""

    line: int  # 0-based line index, top to bottom
    scale: float  # processing pixels per pixel of the original image
    size: tuple[int, int]  # the original image's width and height


def judged(choice: Choice, seen: Candidates, not_digit_of: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Choice:
    """``choice`` with each crop's P(not a digit) (``Choice.not_digit``), asked of ``not_digit_of``
    (``Classifier.not_digit_of``: crops and their ten probabilities) only after the search, and
    only for the crops it read as one digit (the others 0): ``result.make_reading`` drops by it."""
    chosen = sorted({piece.crop for line in choice.lines for piece, how in line if how == DIGIT})
    rejected = np.zeros(len(seen.crops))
    if chosen:
        crops = np.stack([seen.crops[index] for index in chosen])
        rejected[chosen] = not_digit_of(crops, seen.probabilities[chosen])
    return choice._replace(not_digit=rejected)


def place(choice: Choice, seen: Candidates, size: tuple[int, int]) -> list[list[Digit]]:
    """Each line's digits, left to right, as ``choice`` read ``seen``'s pieces; ``size``: the original image's."""
    placed = []
    for line, reading in enumerate(choice.lines):
        frame = Frame(line, seen.scale, size)
        placed.append([digit for piece, how in reading for digit in _place_piece(piece, how, choice, seen, frame)])
    return placed


def _place_piece(piece: Piece, how: str, choice: Choice, seen: Candidates, frame: Frame) -> list[Digit]:
    """The digits of one piece, read as ``how`` says (DIGIT, PAIR or CHAIN)."""
    if how == PAIR:
        return _pair_digits(piece, seen, frame)
    if how == CHAIN:
        return _chain_digits(piece, seen.chains[piece.chain], seen.rows[piece.chain], frame)
    row = choice.probabilities[piece.crop]
    digit = _digit(piece.blob, row, seen.crops[piece.crop], frame)
    rejected = not_digit(row) if choice.not_digit is None else choice.not_digit[piece.crop]
    return [replace(digit, not_digit=float(rejected))]


def _pair_digits(entry: Piece, seen: Candidates, frame: Frame) -> list[Digit]:
    """The two digits of a piece read as a pair, each boxed on its side of the piece's thinnest column.

    Each digit's confidence is the pair model's: P(two digits) x P(this digit); its crop
    is the 28x28 window of the pair image the model read on that side.
    """
    blob, i, pairs, field = entry.blob, entry.pair, seen.pairs, seen.fields[entry.pair]
    profile = blob.mask.sum(axis=0)
    low = int(PAIR_SPLIT_SPAN[0] * blob.w)
    high = max(low + 1, int(np.ceil(PAIR_SPLIT_SPAN[1] * blob.w)))
    split = low + int(np.argmin(profile[low:high]))
    split = min(max(1, split), blob.w - 1)
    digits = []
    for columns, row, window in (
        (slice(0, split), pairs.first[i], field[:, :FIELD]),
        (slice(split, blob.w), pairs.second[i], field[:, -FIELD:]),
    ):
        part = blob.mask[:, columns]
        rows = np.flatnonzero(part.any(axis=1))
        top, bottom = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, blob.h)
        x = blob.x + columns.start
        box = Blob(x, blob.y + top, columns.stop - columns.start, bottom - top, part[top:bottom])
        digit = _digit(box, row, np.ascontiguousarray(window), frame)
        digits.append(replace(digit, confidence=digit.confidence * float(pairs.count[i, TWO_DIGITS])))
    return digits


def _chain_digits(entry: Piece, columns: np.ndarray, field: np.ndarray, frame: Frame) -> list[Digit]:
    """The digits of a blob read as a row by the chain model, each boxed where the model placed it.

    The best path gives each digit a run of columns (4 field pixels each); the blob is split
    half-way between neighbouring runs. A digit's confidence and top 3 are the model's in the
    column where it is surest of it; its crop is the 28-pixel window of the field around it.
    """
    blob = entry.blob
    runs = best_path(columns)
    # Field pixels -> blob columns, as ``to_chain_field`` placed the ink.
    placement = chain_placement(blob.mask) or RowPlacement(0.0, 1.0, 0)

    def to_blob(field_x: float) -> int:
        return int(np.clip(round(placement.to_mask(field_x)), 0, blob.w))

    centres = [HALF_COLUMN * (first + last + 1) for _, first, last in runs]
    edges = [0] + [to_blob(HALF_COLUMN * (a[2] + 1 + b[1])) for a, b in zip(runs, runs[1:], strict=False)] + [blob.w]
    probabilities = np.exp(columns)
    digits = []
    for (value, first, last), centre, start, stop in zip(runs, centres, edges[:-1], edges[1:], strict=True):
        peak = first + int(np.argmax(probabilities[first : last + 1, value]))
        row = probabilities[peak, :BLANK] / probabilities[peak, :BLANK].sum()
        row = row * probabilities[peak, value] / row[value]  # the digit's own column probability
        part = blob.piece(start, max(stop, start + 1))
        if part is None:  # no ink between the cuts: box the span, the blob's full height
            part = Blob(blob.x + start, blob.y, max(1, stop - start), blob.h, np.zeros((blob.h, 1), np.uint8))
        window = int(np.clip(round(centre) - FIELD // 2, 0, field.shape[1] - FIELD))
        crop = np.ascontiguousarray(field[:, window : window + FIELD])
        digits.append(_digit(part, row, crop, frame))
    return digits


def _digit(piece: Blob, row: np.ndarray, crop: np.ndarray, frame: Frame) -> Digit:
    """The digit ``row`` (its 10 probabilities) says ``piece`` is, boxed in the original image's pixels."""
    ranked = np.argsort(row)[::-1][:3]
    x0, y0 = int(np.floor(piece.x / frame.scale)), int(np.floor(piece.y / frame.scale))
    x1 = min(frame.size[0], int(np.ceil((piece.x + piece.w) / frame.scale)))
    y1 = min(frame.size[1], int(np.ceil((piece.y + piece.h) / frame.scale)))
    return Digit(
        value=int(ranked[0]),
        confidence=float(row[ranked[0]]),
        top3=tuple((int(d), float(row[d])) for d in ranked),
        box=(x0, y0, x1 - x0, y1 - y0),
        line=frame.line,
        crop=crop,
    )
