"""Read two touching digits whole, with the pair model (``training/train_pairs.py``).

When two digits overlap (the foot of a 2 under the stem of a 4), every cut takes
part of one digit with the other and the digit classifier reads the pieces badly.
The pair model reads the blob uncut: is it one digit, two, or neither (a digit
cut in two, three digits), and which two. ``reading`` weighs that against the
cuts and keeps whichever reads best.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitsight.classifier import as_batch, in_chunks, load_compiled, load_once
from digitsight.normalize import PAIR_FIELD

DEFAULT_PAIR_MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "digitsight_pairs.keras"
# The classes of the model's count output.
NOT_WHOLE, ONE_DIGIT, TWO_DIGITS = 0, 1, 2  # a digit cut in two or three digits; one digit; two digits


@dataclass(frozen=True)
class PairOutputs:
    """The pair model's softmaxes for N images: count (N, 3: not whole, one, two), first and second (N, 10)."""

    count: np.ndarray
    first: np.ndarray
    second: np.ndarray


class PairModel:
    """A loaded pair model; safe to call from several threads at once."""

    def __init__(self, model_path: str | os.PathLike = DEFAULT_PAIR_MODEL_PATH) -> None:
        self.model_path = Path(model_path)
        self.model, self._forward = load_compiled(self.model_path, PAIR_FIELD, "python training/train_pairs.py")

    def read(self, fields: np.ndarray) -> PairOutputs:
        """(N, 28, 48) floats in [0, 1] from ``normalize.to_pair_field`` -> the model's three softmaxes."""
        fields = as_batch(fields, PAIR_FIELD, f"pair images of shape (N, *{PAIR_FIELD}, 1)")
        if len(fields) == 0:
            return PairOutputs(*(np.zeros((0, n), np.float32) for n in (3, 10, 10)))
        outputs = in_chunks(self._forward, fields)
        names = ("count", "first", "second")
        return PairOutputs(*(np.concatenate([out[name].numpy() for out in outputs]) for name in names))


def load_pair_model(model_path: str | os.PathLike | None = None) -> PairModel:
    """The process-wide PairModel for ``model_path`` (default: the shipped one), loaded once."""
    return load_once(PairModel, Path(model_path) if model_path else DEFAULT_PAIR_MODEL_PATH)
