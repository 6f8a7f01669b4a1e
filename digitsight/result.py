"""What a reading gives back: ``Reading`` (the number, its lines, its digits) and its one JSON shape.

``Reading.to_dict(file, ms)`` is the contract the CLI prints (README, "Command line")
and the app offers for download::

    {"file", "number", "confidence", "sure", "lines",
     "digits": [{"value", "confidence", "unsure", "box": [x, y, w, h]}], "ms", "warnings"}

``file`` and ``ms`` only where given. ``confidence`` is the reading's (the chance that every
digit is right, see ``make_reading``), ``sure`` whether it reaches SURE_CONFIDENCE: a
reading marked sure may be taken unseen; the others should be looked at, starting with
their ``unsure`` digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

# Below this confidence a digit is reported in the warnings (and drawn as unsure): a first choice
# under 0.6 leaves its runners-up a real chance, so the user is asked to look.
LOW_CONFIDENCE = 0.6
# A reading whose confidence reaches this is marked sure, and a digit below it unsure. Chosen on
# the tuning half of realworld-dev (python -m training.calibrate --sure): its 29 right readings
# are at 0.934 or more, its 3 misreadings at 0.375 or less; 0.9 keeps every right one with a
# margin above the wrong. Check half: 24 of 29 sure, all right (docs/BENCHMARKS.md, "Trust").
SURE_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Digit:
    """One digit found in the image."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]
    box: tuple[int, int, int, int]  # x, y, w, h in the ORIGINAL image's pixel coordinates
    line: int  # 0-based line index, top to bottom
    crop: np.ndarray = field(repr=False, compare=False)  # the 28x28 float32 [0, 1] image the model saw
    not_digit: float = 0.0  # the classifier's P(not a digit) for a crop read as one digit; 0 for a pair's or row's

    @property
    def unsure(self) -> bool:
        """Whether this digit alone keeps its reading from being sure (confidence under SURE_CONFIDENCE)."""
        return self.confidence < SURE_CONFIDENCE


@dataclass(frozen=True)
class Reading:
    """What was read: ``number`` holds the digits of each line, lines joined by one space."""

    number: str
    lines: list[str]
    digits: list[Digit]
    warnings: list[str]
    image_size: tuple[int, int]  # width, height of the original image
    confidence: float = 0.0  # the chance that the whole reading is right (``make_reading``); 0 when nothing was read
    sure: bool = False  # confidence >= SURE_CONFIDENCE: safe to take unseen

    def to_dict(self, file: str | None = None, ms: float | None = None) -> dict[str, Any]:
        """The reading as JSON-ready data, keys in the contract's order.

        Parameters: ``file``, the name of the image read, and ``ms``, how long it took;
        each is left out of the result when not given.
        """
        record: dict[str, Any] = {} if file is None else {"file": file}
        record["number"] = self.number
        record["confidence"] = round(self.confidence, 4)
        record["sure"] = self.sure
        record["lines"] = list(self.lines)
        record["digits"] = [
            {"value": d.value, "confidence": round(d.confidence, 4), "unsure": d.unsure, "box": list(d.box)}
            for d in self.digits
        ]
        if ms is not None:
            record["ms"] = round(ms, 1)
        record["warnings"] = list(self.warnings)
        return record


def dropped_as_no_digit(
    not_digit: float, confidence: float, alone: bool, reject_at: float = 1.0, reject_doubt: float = 1.0
) -> bool:
    """``make_reading``'s rule: a digit is dropped where P(not a digit) reaches ``reject_at`` and it is
    in doubt: its ``confidence`` under ``reject_doubt``, or ``alone`` on its line."""
    return not_digit >= reject_at and (confidence < reject_doubt or alone)


def make_reading(
    lines: list[list[Digit]],
    notes: list[str],
    size: tuple[int, int],
    reject_at: float = 1.0,
    reject_doubt: float = 1.0,
) -> Reading:
    """The Reading of ``lines`` (each its digits, left to right), warnings added to ``notes``.

    A digit whose P(not a digit) reaches ``reject_at`` (the classifier's threshold) is
    dropped where it is also in doubt: its confidence under ``reject_doubt``, or alone on
    its line (a speck or a patch of photo is seldom beside digits). The warnings say how
    many were. The rejector alone drops too many real digits (1.5% of the reader's crops):
    a digit beside others and read surely is kept whatever it says.

    The reading's confidence is the product of its digits' confidences (each the calibrated
    chance that the digit is right, segmentation included: a pair's digits carry the pair
    model's P(two digits)) and, for each mark dropped, its P(not a digit): the chance that
    every decision was right.

    Parameters: ``notes``, what was noticed before (decoding, say); ``size``, the original
    image's width and height; ``reject_at``, 1.0 to keep every digit; ``reject_doubt``,
    1.0 to drop whatever ``reject_at`` says, wherever it is.
    """

    def mark(digit: Digit, line: list[Digit]) -> bool:
        return dropped_as_no_digit(digit.not_digit, digit.confidence, len(line) == 1, reject_at, reject_doubt)

    dropped = [digit for line in lines for digit in line if mark(digit, line)]
    kept_lines = [kept for line in lines if (kept := [digit for digit in line if not mark(digit, line)])]
    lines = [[replace(digit, line=index) for digit in line] for index, line in enumerate(kept_lines)]
    texts = ["".join(str(digit.value) for digit in line) for line in lines]
    digits = [digit for line in lines for digit in line]
    warnings = list(notes)
    if dropped:
        marks = "mark that does not look like a digit" if len(dropped) == 1 else "marks that do not look like digits"
        warnings.append(f"ignored {len(dropped)} {marks}")
    if not digits:
        warnings.append("no digits found in the image")
    for number, digit in enumerate(digits, start=1):
        if digit.confidence < LOW_CONFIDENCE:
            alternatives = ", ".join(f"{d} ({p:.0%})" for d, p in digit.top3[1:])
            warnings.append(
                f"digit {number} read as {digit.value} with low confidence ({digit.confidence:.0%}); "
                f"could also be {alternatives}"
            )
    confidence = math.prod(d.confidence for d in digits) * math.prod(d.not_digit for d in dropped) if digits else 0.0
    return Reading(" ".join(texts), texts, digits, warnings, size, confidence, confidence >= SURE_CONFIDENCE)
