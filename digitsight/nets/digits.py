"""The digit classifier: a small CNN that reads one normalized 28x28 digit (``training/train.py``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitsight.nets.base import DIGIT, MODELS_DIR, Net, load_once

DEFAULT_MODEL_PATH = MODELS_DIR / "digitsight_cnn.keras"


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one crop."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]


class Classifier(Net[np.ndarray]):
    """The digit classifier: ``read(crops)``, (N, 28, 28[, 1]) floats in [0, 1], white on black -> (N, 10) softmax."""

    kind = DIGIT
    input_size = (28, 28)
    what = "crops of shape (N, 28, 28[, 1])"
    output_sizes = (10,)
    default_path = DEFAULT_MODEL_PATH
    how_to_train = "python training/train.py"

    # The name the digit classifier's callers know; the same call as ``read``.
    probabilities = Net.read

    def classify(self, crops: np.ndarray) -> list[Prediction]:
        """One batched call of the model; a Prediction per crop."""
        predictions = []
        for row in self.read(crops):
            ranked = np.argsort(row)[::-1][:3]
            predictions.append(
                Prediction(
                    value=int(ranked[0]),
                    confidence=float(row[ranked[0]]),
                    top3=tuple((int(d), float(row[d])) for d in ranked),
                )
            )
        return predictions


def load_classifier(model_path: str | os.PathLike | None = None, backend: str | None = None) -> Classifier:
    """The process-wide Classifier for ``model_path`` (default: the shipped model), loaded once."""
    return load_once(Classifier, Path(model_path) if model_path else DEFAULT_MODEL_PATH, backend)
