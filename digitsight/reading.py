"""The public result type and entry point: ``digitsight.read(image) -> Reading``.

(Contract fixed by the team lead; the reading pipeline fills in ``read``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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


def read(image, *, model_path=None) -> Reading:  # noqa: ANN001 - see the pipeline's docstring
    raise NotImplementedError("the reading pipeline is being built (issue 5)")
