"""What a reading gives back: ``Reading`` (the number, its lines, its digits) and its one JSON shape.

``Reading.to_dict(file, ms)`` is the contract the CLI prints (README, "Command line")
and the app offers for download::

    {"file", "number", "lines", "digits": [{"value", "confidence", "box": [x, y, w, h]}], "ms", "warnings"}

``file`` and ``ms`` only where given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Below this confidence a digit is reported in the warnings (and drawn as unsure): a first choice
# under 0.6 leaves its runners-up a real chance, so the user is asked to look.
LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Digit:
    """One digit found in the image."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]
    box: tuple[int, int, int, int]  # x, y, w, h in the ORIGINAL image's pixel coordinates
    line: int  # 0-based line index, top to bottom
    crop: np.ndarray = field(repr=False, compare=False)  # the 28x28 float32 [0, 1] image the model saw


@dataclass(frozen=True)
class Reading:
    """What was read: ``number`` holds the digits of each line, lines joined by one space."""

    number: str
    lines: list[str]
    digits: list[Digit]
    warnings: list[str]
    image_size: tuple[int, int]  # width, height of the original image

    def to_dict(self, file: str | None = None, ms: float | None = None) -> dict[str, Any]:
        """The reading as JSON-ready data, keys in the contract's order.

        Parameters: ``file``, the name of the image read, and ``ms``, how long it took;
        each is left out of the result when not given.
        """
        record: dict[str, Any] = {} if file is None else {"file": file}
        record["number"] = self.number
        record["lines"] = list(self.lines)
        record["digits"] = [
            {"value": d.value, "confidence": round(d.confidence, 4), "box": list(d.box)} for d in self.digits
        ]
        if ms is not None:
            record["ms"] = round(ms, 1)
        record["warnings"] = list(self.warnings)
        return record


def make_reading(lines: list[list[Digit]], notes: list[str], size: tuple[int, int]) -> Reading:
    """The Reading of ``lines`` (each its digits, left to right), warnings added to ``notes``.

    Parameters: ``notes``, what was noticed before (decoding, say); ``size``, the original
    image's width and height.
    """
    texts = ["".join(str(digit.value) for digit in line) for line in lines]
    digits = [digit for line in lines for digit in line]
    warnings = list(notes)
    if not digits:
        warnings.append("no digits found in the image")
    for number, digit in enumerate(digits, start=1):
        if digit.confidence < LOW_CONFIDENCE:
            alternatives = ", ".join(f"{d} ({p:.0%})" for d, p in digit.top3[1:])
            warnings.append(
                f"digit {number} read as {digit.value} with low confidence ({digit.confidence:.0%}); "
                f"could also be {alternatives}"
            )
    return Reading(" ".join(texts), texts, digits, warnings, size)
