"""The pair model: two touching digits read whole (``training/train_pairs.py``).

When two digits overlap (the foot of a 2 under the stem of a 4), every cut takes
part of one digit with the other and the digit classifier reads the pieces badly.
The pair model reads the blob uncut: is it one digit, two, or neither (a digit
cut in two, three digits), and which two. ``decode`` weighs that against the
cuts and keeps whichever reads best.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitsight.nets.base import MODELS_DIR, PAIR, Net, load_once
from digitsight.normalize import PAIR_FIELD

DEFAULT_PAIR_MODEL_PATH = MODELS_DIR / "digitsight_pairs.keras"
# The classes of the model's count output.
NOT_WHOLE, ONE_DIGIT, TWO_DIGITS = 0, 1, 2  # a digit cut in two or three digits; one digit; two digits


@dataclass(frozen=True)
class PairOutputs:
    """The pair model's softmaxes for N images: count (N, 3: not whole, one, two), first and second (N, 10)."""

    count: np.ndarray
    first: np.ndarray
    second: np.ndarray


class PairModel(Net[PairOutputs]):
    """The pair model: ``read(fields)``, (N, 28, 48) from ``normalize.to_pair_field`` -> its three softmaxes."""

    kind = PAIR
    input_size = PAIR_FIELD
    what = f"pair images of shape (N, *{PAIR_FIELD}, 1)"
    output_sizes = {"count": (3,), "first": (10,), "second": (10,)}
    default_path = DEFAULT_PAIR_MODEL_PATH
    how_to_train = "python -m training.train_pairs"

    def _outputs(self, arrays: dict[str, np.ndarray]) -> PairOutputs:
        return PairOutputs(arrays["count"], arrays["first"], arrays["second"])


def load_pair_model(model_path: str | os.PathLike | None = None, backend: str | None = None) -> PairModel:
    """The process-wide PairModel for ``model_path`` (default: the shipped one), loaded once."""
    return load_once(PairModel, Path(model_path) if model_path else DEFAULT_PAIR_MODEL_PATH, backend)
