"""Calibrated confidence: temperature scaling, expected calibration error (ECE), reliability bins.

A classifier is calibrated when, of the answers it gives with confidence p, a share p is
right. Trained with cross-entropy, a network is usually over-confident; dividing its
log-probabilities by one fitted temperature T > 1 softens them without changing which
class is likeliest (Guo et al., "On Calibration of Modern Neural Networks", 2017). It works
on probabilities as well as on logits: ``softmax(log p / T)``.

The digit classifier's temperature is fitted on the held-out MNIST validation digits and
stored beside the model in ``models/<name>.calibration.json``; ``nets.digits.Classifier``
applies it to every crop it reads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# ECE is measured over this many equal-width confidence bins (0-0.1, ..., 0.9-1.0): the
# usual choice (Guo et al.), few enough that each bin of a few hundred crops holds several.
BINS = 10
# The least probability a log is taken of: a softmax's exact 0 stays a finite, tiny score.
FLOOR = 1e-12
# The temperatures searched: log-spaced from 0.25 to 8, fine enough (each step 1.1% apart)
# that the best of them is within a fraction of a percent of the exact optimum.
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 321))


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log p / temperature)`` row by row: T > 1 softens, T < 1 sharpens, T = 1 changes nothing."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if temperature == 1.0:
        return probabilities
    logits = np.log(np.maximum(probabilities, FLOOR)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean -log p(true class) over the rows."""
    picked = np.asarray(probabilities)[np.arange(len(labels)), np.asarray(labels)]
    return float(-np.mean(np.log(np.maximum(picked, FLOOR))))


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature (of TEMPERATURES) under which the rows' negative log-likelihood of ``labels`` is least.

    Parameters
    ----------
    probabilities:
        (N, C) softmax outputs.
    labels:
        (N,) the true class of each row.
    """
    losses = [negative_log_likelihood(tempered(probabilities, t), labels) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


@dataclass(frozen=True)
class Bin:
    """One confidence bin of a reliability diagram."""

    low: float
    high: float
    count: int
    confidence: float  # mean confidence of the answers in the bin (0 when empty)
    accuracy: float  # share of them right (0 when empty)


def reliability_bins(confidences: np.ndarray, correct: np.ndarray, bins: int = BINS) -> list[Bin]:
    """The answers grouped by confidence into ``bins`` equal-width bins; a bin's upper edge belongs to it.

    Parameters
    ----------
    confidences:
        (N,) the confidence of each answer, in [0, 1].
    correct:
        (N,) whether each answer was right.
    """
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Bin i holds (edges[i], edges[i + 1]]; a confidence of exactly 0 goes to the first bin.
    index = np.clip(np.searchsorted(edges, confidences, side="left") - 1, 0, bins - 1)
    result = []
    for i in range(bins):
        inside = index == i
        count = int(inside.sum())
        result.append(
            Bin(
                float(edges[i]),
                float(edges[i + 1]),
                count,
                float(confidences[inside].mean()) if count else 0.0,
                float(correct[inside].mean()) if count else 0.0,
            )
        )
    return result


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray, bins: int = BINS) -> float:
    """ECE: the bins' |accuracy - confidence|, weighted by their share of the answers (0 for no answers)."""
    groups = reliability_bins(confidences, correct, bins)
    total = sum(group.count for group in groups)
    if total == 0:
        return 0.0
    return float(sum(group.count * abs(group.accuracy - group.confidence) for group in groups) / total)


def calibration_path_for(model_path: str | Path) -> Path:
    """``models/x.keras`` -> ``models/x.calibration.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".calibration.json")


@dataclass(frozen=True)
class Calibration:
    """What is stored beside a model: its temperature, and where and how well it was fitted."""

    temperature: float = 1.0
    reject_not_digit: float = 1.0  # P(not a digit) at or above which reading drops a crop (1.0: never)
    figures: dict[str, Any] | None = None  # ECE before/after and the like, for the record
    rejector: str | None = None  # the file name, beside the model, of the network giving P(not a digit)
    reject_doubt: float = 1.0  # a crop is dropped only where its digit's confidence is under this (1.0: any)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1) + "\n")


def load_calibration(model_path: str | Path) -> Calibration:
    """The calibration stored beside ``model_path``; no file means none (temperature 1, never reject)."""
    path = calibration_path_for(model_path)
    if not path.is_file():
        return Calibration()
    data = json.loads(path.read_text())
    return Calibration(
        float(data["temperature"]),
        float(data.get("reject_not_digit", 1.0)),
        data.get("figures"),
        data.get("rejector"),
        float(data.get("reject_doubt", 1.0)),
    )
