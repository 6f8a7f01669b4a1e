"""Classify normalized 28x28 digit crops with the shipped Keras CNN.

The model is loaded once per process (``load_classifier``) and called through a
compiled ``tf.function`` with a fixed input signature: ``model.predict()`` costs
~120 ms per call on a 2-core CPU even for one image, a compiled call a few ms.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitsight.errors import DigitSightError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "digitsight_cnn.keras"
# Larger batches are split into chunks of this size: it bounds memory, and the
# throughput on a 2-core CPU no longer grows past it.
CHUNK = 1024


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one crop."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]


def load_compiled(path: Path, input_size: tuple[int, int], how_to_train: str):  # noqa: ANN201 - Keras types
    """Load a .keras model and wrap it in a compiled ``tf.function`` for (N, height, width, 1) batches.

    Returns (model, forward). Raises DigitSightError for a missing or unreadable file.
    """
    import keras
    import tensorflow as tf

    if not path.is_file():
        raise DigitSightError(f"model file {path} not found; train one with `{how_to_train}`")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for a bad file
        raise DigitSightError(f"cannot load the model {path}: {error}") from error
    forward = tf.function(
        lambda batch: model(batch, training=False),
        input_signature=[tf.TensorSpec([None, *input_size, 1], tf.float32)],
        reduce_retracing=True,
    )
    forward(tf.zeros([1, *input_size, 1]))  # trace once now, not on the first user's request
    return model, forward


def as_batch(images: np.ndarray, size: tuple[int, int], what: str) -> np.ndarray:
    """(N, height, width) or (N, height, width, 1) -> a float32 (N, height, width, 1) batch.

    Raises ValueError("expected ``what``, got <shape>") for any other shape.
    """
    batch = np.asarray(images, dtype=np.float32)
    if batch.ndim == 3:
        batch = batch[..., None]
    if batch.ndim != 4 or batch.shape[1:] != (*size, 1):
        raise ValueError(f"expected {what}, got {batch.shape}")
    return batch


def in_chunks(forward, batch: np.ndarray) -> list:  # noqa: ANN001 - a compiled tf.function
    """``forward`` applied to ``batch`` CHUNK images at a time: its outputs, in order."""
    return [forward(batch[i : i + CHUNK]) for i in range(0, len(batch), CHUNK)]


class Classifier:
    """A loaded model; safe to call from several threads at once."""

    def __init__(self, model_path: str | os.PathLike = DEFAULT_MODEL_PATH) -> None:
        self.model_path = Path(model_path)
        self.model, self._forward = load_compiled(self.model_path, (28, 28), "python training/train.py")

    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        """(N, 28, 28) or (N, 28, 28, 1) floats in [0, 1], white on black -> (N, 10) softmax."""
        crops = as_batch(crops, (28, 28), "crops of shape (N, 28, 28[, 1])")
        if len(crops) == 0:
            return np.zeros((0, 10), dtype=np.float32)
        return np.concatenate([chunk.numpy() for chunk in in_chunks(self._forward, crops)])

    def classify(self, crops: np.ndarray) -> list[Prediction]:
        """One batched call of the model; a Prediction per crop."""
        probabilities = self.probabilities(crops)
        predictions = []
        for row in probabilities:
            ranked = np.argsort(row)[::-1][:3]
            predictions.append(
                Prediction(
                    value=int(ranked[0]),
                    confidence=float(row[ranked[0]]),
                    top3=tuple((int(d), float(row[d])) for d in ranked),
                )
            )
        return predictions


_loaded: dict[tuple[type, Path], object] = {}
_lock = threading.Lock()


def load_once(kind: type, path: Path):  # noqa: ANN201 - an instance of ``kind``
    """The process-wide ``kind(path)`` (a Classifier, a PairModel), created on first use."""
    with _lock:
        if (kind, path) not in _loaded:
            _loaded[(kind, path)] = kind(path)
        return _loaded[(kind, path)]


def load_classifier(model_path: str | os.PathLike | None = None) -> Classifier:
    """The process-wide Classifier for ``model_path`` (default: the shipped model), loaded once."""
    return load_once(Classifier, Path(model_path) if model_path else DEFAULT_MODEL_PATH)
