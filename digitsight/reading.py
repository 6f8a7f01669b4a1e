"""The public result type and entry point: ``digitsight.read(image) -> Reading``.

The pipeline: ``imaging`` decodes, ``segment`` finds the digits, ``normalize``
makes each one look like MNIST, and the classifier reads them all in one batch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from digitsight.classifier import Classifier
    from digitsight.imaging import LoadedImage
    from digitsight.segment import Blob


@dataclass(frozen=True)
class Digit:
    """One digit found in the image."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]
    box: tuple[int, int, int, int]  # x, y, w, h in the ORIGINAL image's pixel coordinates
    line: int  # 0-based line index, top to bottom
    crop: np.ndarray = field(repr=False, compare=False)  # the 28x28 float32 [0, 1] image the model saw

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "top3": [[digit, round(p, 4)] for digit, p in self.top3],
            "box": list(self.box),
            "line": self.line,
        }


@dataclass(frozen=True)
class Reading:
    """What was read: ``number`` holds the digits of each line, lines joined by one space."""

    number: str
    lines: list[str]
    digits: list[Digit]
    warnings: list[str]
    image_size: tuple[int, int]  # width, height of the original image

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "lines": list(self.lines),
            "digits": [digit.to_dict() for digit in self.digits],
            "warnings": list(self.warnings),
            "image_size": list(self.image_size),
        }


def read(image: object, *, model_path: str | os.PathLike | None = None) -> Reading:
    """Read the handwritten number in ``image``.

    ``image``: a path, bytes, a binary file object, a PIL image or a numpy array
    (RGB order; gray, RGB or RGBA; 8- or 16-bit). Raises ``DigitSightError`` for an
    input that is not a readable image; an image without digits gives an empty
    Reading with a warning. Safe to call from several threads at once.
    """
    from digitsight.classifier import load_classifier
    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image

    loaded = load_image(image, max_pixels=PROCESS_MAX_PIXELS)
    classifier = load_classifier(model_path)
    return read_loaded(loaded, classifier)


def read_loaded(loaded: LoadedImage, classifier: Classifier) -> Reading:
    """``read`` for an already decoded image and a loaded classifier."""

    from digitsight.imaging import downscaled, processing_scale, to_gray
    from digitsight.normalize import to_mnist
    from digitsight.segment import analyse, best_partition, cut_candidates, cut_path, segment

    notes = list(loaded.warnings)
    width, height = loaded.size
    gray = to_gray(loaded.rgb)
    decoded = (gray.shape[1], gray.shape[0])
    scale = processing_scale(decoded)
    # Bold strokes mean big digits: process at a scale where strokes are ~PROCESS_STROKE
    # pixels wide, which loses nothing and makes a 1-megapixel photo several times cheaper.
    processed = downscaled(gray, scale)
    _, stroke_small, small_scale = analyse(processed)
    stroke = stroke_small / small_scale
    if stroke > 1.5 * PROCESS_STROKE:
        floor = max(1 / MAX_STROKE_DOWNSCALE, PROCESS_MIN_SIDE / min(processed.shape))
        factor = min(1.0, max(PROCESS_STROKE / stroke, floor))
        if factor < 1.0:
            scale *= factor
            processed = downscaled(gray, scale)
    found = segment(processed)
    scale *= loaded.scale  # processing pixels per pixel of the original image

    # Every crop any reading may need (whole blobs and the pieces of candidate
    # splits) goes into ONE batch, so the model is called once per image.
    crops: list[np.ndarray] = []
    plans: list[list[_Plan]] = []
    for line in found.lines:
        line_height = float(np.median([blob.h for blob in line]))
        line_plans = []
        for blob in line:
            plan = _Plan(blob, [0, blob.w], {})
            paths: list[int | np.ndarray] = [0, blob.w]
            if blob.w > SPLIT_MIN_ASPECT * line_height:
                plan.points = [0, *cut_candidates(blob, line_height), blob.w]
                radius = max(1, int(CUT_RADIUS * line_height))
                paths = [0, *(cut_path(blob.mask, c, radius) for c in plan.points[1:-1]), blob.w]
            for i, start in enumerate(plan.points):
                for j in range(i + 1, len(plan.points)):
                    stop = plan.points[j]
                    whole = i == 0 and j == len(plan.points) - 1
                    if not whole and stop - start > PIECE_MAX_ASPECT * line_height:
                        continue
                    piece = blob if whole else blob.piece(paths[i], paths[j])
                    if piece is None or (not whole and piece.h < PIECE_MIN_HEIGHT * line_height):
                        continue
                    plan.pieces[(i, j)] = (piece, len(crops))
                    crops.append(to_mnist(piece.mask))
            line_plans.append(plan)
        # Neighbours that may be the fragments of one digit (the two halves of a broken 0,
        # a 5 and its bar drawn apart): their union is a candidate too.
        for left, right in zip(line_plans, line_plans[1:], strict=False):
            union = left.blob.union(right.blob)
            gap = right.blob.x - (left.blob.x + left.blob.w)
            if union.w <= MERGE_MAX_ASPECT * line_height and gap <= MERGE_MAX_GAP * line_height:
                left.merged = (union, len(crops))
                crops.append(to_mnist(union.mask))
        plans.append(line_plans)

    probabilities = classifier.probabilities(np.stack(crops)) if crops else np.zeros((0, 10), np.float32)

    digits: list[Digit] = []
    lines: list[str] = []
    for line_index, line_plans in enumerate(plans):
        # Each blob read at its best (whole or split), then the line read at its best:
        # every blob on its own, or some neighbours merged into one digit.
        readings, totals = [], []
        for plan in line_plans:
            scores = {key: _score(piece, probabilities[index]) for key, (piece, index) in plan.pieces.items()}
            keys = best_partition(plan.points, scores)
            readings.append([plan.pieces[key] for key in keys])
            totals.append(sum(scores[key] for key in keys))
        best = [0.0]
        choice: list[list[tuple[Blob, int]]] = [[]]
        for k in range(len(line_plans)):
            best.append(best[k] + totals[k])
            choice.append(choice[k] + readings[k])
            previous = line_plans[k - 1].merged if k > 0 else None
            if previous is not None:
                union, index = previous
                merged = best[k - 1] + _score(union, probabilities[index])
                if merged > best[k + 1]:
                    best[k + 1] = merged
                    choice[k + 1] = choice[k - 1] + [previous]
        text = []
        for piece, index in choice[-1]:
            digit = _digit(piece, probabilities[index], crops[index], line_index, scale, (width, height))
            digits.append(digit)
            text.append(str(digit.value))
        lines.append("".join(text))

    if not digits:
        notes.append("no digits found in the image")
    for number, digit in enumerate(digits, start=1):
        if digit.confidence < LOW_CONFIDENCE:
            alternatives = ", ".join(f"{d} ({p:.0%})" for d, p in digit.top3[1:])
            notes.append(
                f"digit {number} read as {digit.value} with low confidence ({digit.confidence:.0%}); "
                f"could also be {alternatives}"
            )
    return Reading(" ".join(lines), lines, digits, notes, (width, height))


# A blob wider than this many line heights may be touching digits: score candidate splits.
SPLIT_MIN_ASPECT = 0.75
# Pieces of a split: at most this wide, at least this tall (in line heights).
PIECE_MAX_ASPECT = 1.3
PIECE_MIN_HEIGHT = 0.45
# A cut path may wander this far (in line heights) from its starting column.
CUT_RADIUS = 0.25
# Each digit a split adds costs this much log-confidence: a split must read clearly better than the whole.
PIECE_COST = 0.0
# log(width / height) of each digit in the MNIST *training* set: (median, 1.4826 * median absolute deviation).
ASPECT_BY_DIGIT = (
    (-0.105, 0.175), (-0.916, 0.472), (-0.051, 0.232), (-0.223, 0.198), (-0.223, 0.198),
    (-0.051, 0.255), (-0.357, 0.229), (-0.223, 0.198), (-0.288, 0.212), (-0.357, 0.229),
)
ASPECT_WEIGHT = 0.25
# Neighbouring blobs are tried as one digit if their union is at most this wide and the gap this
# narrow (in line heights).
MERGE_MAX_ASPECT = 1.0
MERGE_MAX_GAP = 0.35
# Processing scale: strokes about this wide (pixels); never shrink more than this, nor below this side.
PROCESS_STROKE = 5.0
MAX_STROKE_DOWNSCALE = 4.0
PROCESS_MIN_SIDE = 160
# Below this confidence a digit is reported in the warnings.
LOW_CONFIDENCE = 0.6


@dataclass
class _Plan:
    """How one blob may be read: whole, or cut near ``points`` (the pieces between cut i and cut j)."""

    blob: Blob
    points: list[int]
    pieces: dict[tuple[int, int], tuple[Blob, int]]  # (i, j) -> (piece, crop index)
    merged: tuple[Blob, int] | None = None  # this blob and the next one as one digit, if plausible


def _score(piece: Blob, probabilities: np.ndarray) -> float:
    """How plausible it is that ``piece`` is one digit: log-confidence, aspect prior, minus a cost per digit."""
    value = int(np.argmax(probabilities))
    aspect = piece.w / max(1, piece.h)
    return float(np.log(probabilities[value] + 1e-9)) + _aspect_prior(aspect, value) - PIECE_COST


def _aspect_prior(aspect: float, value: int) -> float:
    """Log-prior of width/height for a digit read as ``value``, 0 within a deviation of the typical.

    A "4" as wide as two digits is more likely a "4" touching another digit.
    """
    centre, spread = ASPECT_BY_DIGIT[value]
    z = (np.log(max(aspect, 1e-3)) - centre) / spread
    excess = max(0.0, abs(z) - 1.0)
    return -ASPECT_WEIGHT * 0.5 * excess * excess


def _digit(
    piece: Blob, row: np.ndarray, crop: np.ndarray, line: int, scale: float, size: tuple[int, int]
) -> Digit:
    ranked = np.argsort(row)[::-1][:3]
    x0, y0 = int(np.floor(piece.x / scale)), int(np.floor(piece.y / scale))
    x1 = min(size[0], int(np.ceil((piece.x + piece.w) / scale)))
    y1 = min(size[1], int(np.ceil((piece.y + piece.h) / scale)))
    return Digit(
        value=int(ranked[0]),
        confidence=float(row[ranked[0]]),
        top3=tuple((int(d), float(row[d])) for d in ranked),
        box=(x0, y0, x1 - x0, y1 - y0),
        line=line,
        crop=crop,
    )
