"""The digit classifier: a small CNN that reads one normalized 28x28 digit (``training/train.py``).

P(not a digit) (issue 20) comes from a separate small network, the rejector
(``training/train_notdigit.py``), named by the classifier's calibration file, or from a
model's 11th output. ``read`` gives the ten digits' probabilities as the model says them,
the rejector left out: the search among readings weighs those (its weights were tuned on
them; scaled by 1 - P(not a digit) there, a penalised blob was re-read as a pair or a row,
and unseen digits lost). ``not_digit_of`` gives the calibrated P(not a digit) of crops,
which reading uses only after the search, to drop a doubtful digit that is surely no digit
(``result.make_reading``). Without a rejector or an 11th output, P(not a digit) is 0. The
temperature, rejection threshold and doubt stored beside the model
(``digitsight.calibration``) are the classifier's too: ``calibrated`` applies the
temperature to the confidences reading reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitsight.calibration import load_calibration, tempered
from digitsight.nets.base import DIGIT, MODELS_DIR, Net, as_batch, load_once

DEFAULT_MODEL_PATH = MODELS_DIR / "digitsight_cnn.keras"
DIGITS = 10  # the digit columns come first; a model's 11th column, if any, is "not a digit"


def not_digit(probabilities: np.ndarray) -> np.ndarray:
    """P(not a digit) of each row of ``read``'s output (or of one row): what its ten digits leave of 1."""
    return np.clip(1.0 - np.asarray(probabilities, dtype=np.float64).sum(axis=-1), 0.0, 1.0)


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one crop."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]


class NotDigitNet(Net[np.ndarray]):
    """The rejector: ``read(crops)`` -> (N, 1) P(not a digit). The Classifier runs it; reading never asks for it."""

    kind = "not_digit"
    input_size = (28, 28)
    what = "crops of shape (N, 28, 28[, 1])"
    output_sizes = (1,)
    default_path = MODELS_DIR / "digitsight_notdigit.keras"
    how_to_train = "python -m training.train_notdigit"


class Classifier(Net[np.ndarray]):
    """The digit classifier: ``read(crops)``, (N, 28, 28[, 1]) floats in [0, 1], white on black -> (N, 10).

    Each row holds the ten digits' probabilities; what they leave of 1 is P(not a digit)
    (``not_digit``): with a rejector that is 0, P(not a digit) being ``not_digit_of``'s.
    ``temperature``, ``reject_not_digit`` and ``reject_doubt`` come from the calibration
    file beside the model (1.0, 1.0 and 1.0, i.e. none, without one).
    """

    kind = DIGIT
    input_size = (28, 28)
    what = "crops of shape (N, 28, 28[, 1])"
    output_sizes = (10,)
    default_path = DEFAULT_MODEL_PATH
    how_to_train = "python -m training.train"

    def __init__(self, model_path: str | os.PathLike | None = None, backend: str | None = None) -> None:
        super().__init__(model_path, backend)
        calibration = load_calibration(self.model_path)
        self.temperature = calibration.temperature
        self.reject_not_digit = calibration.reject_not_digit
        self.reject_doubt = calibration.reject_doubt
        # Loaded here, not through load_once: this constructor already runs under its lock.
        rejector = calibration.rejector
        self.rejector = NotDigitNet(self.model_path.parent / rejector, self.backend) if rejector else None

    def not_digit_of(self, crops: np.ndarray, digits: np.ndarray | None = None) -> np.ndarray:
        """(N, 28, 28[, 1]) crops -> (N,) calibrated P(not a digit).

        With a rejector: its P(not a digit) and the ten digits' probabilities (``digits``,
        ``read``'s output for the same crops where already at hand) in one softmax under the
        temperature, as ``training.calibrate`` measures it. Without one: what the calibrated
        ten digits leave of 1 (an 11-output model's 11th column; 0 for a 10-output model).
        """
        if not len(crops):
            return np.zeros(0)
        batch = as_batch(crops, self.input_size, self.what)
        digits = self.read(batch) if digits is None else np.asarray(digits)
        if self.rejector is None:
            return not_digit(self.calibrated(digits))
        rejected = self.rejector.read(batch)
        return tempered(np.concatenate([digits * (1.0 - rejected), rejected], axis=1), self.temperature)[:, DIGITS]

    # The name the digit classifier's callers know; the same call as ``read``.
    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        return self.read(crops)

    def raw(self, crops: np.ndarray) -> np.ndarray:
        """Uncalibrated probabilities of the ten digits and (with a rejector or an 11-output model) of
        "not a digit", summing to 1 (for fitting a temperature)."""
        batch = as_batch(crops, self.input_size, self.what)
        softmax = self._run(batch) if len(batch) else self._empty()
        if self.rejector is None:
            return softmax
        rejected = self.rejector.read(batch)
        return np.concatenate([softmax[:, :DIGITS] * (1.0 - rejected), rejected], axis=1)

    def calibrated(self, probabilities: np.ndarray) -> np.ndarray:
        """Rows of ``read``'s output under the fitted temperature: the softmax over the ten digits and
        P(not a digit), tempered (``calibration.tempered``), its ten digit columns again."""
        if self.temperature == 1.0 or not len(probabilities):
            return probabilities
        full = np.concatenate([probabilities, not_digit(probabilities)[:, None]], axis=1)
        return tempered(full, self.temperature)[:, :DIGITS].astype(np.float32)

    def _outputs(self, arrays: np.ndarray) -> np.ndarray:
        """The softmax's ten digit columns (float32)."""
        return np.asarray(arrays[:, :DIGITS], dtype=np.float32)

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
