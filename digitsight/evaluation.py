"""Measure a classifier on labelled digits: accuracy, confusion matrix, per-class figures.

The report written next to the shipped model (``models/<name>.report.json``) is the
one the dashboard's evaluation page reads; ``python -m digitsight evaluate``
re-measures it so anyone can check it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 10) -> np.ndarray:
    """Counts with rows = true class, columns = predicted class."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return matrix


def per_class_metrics(matrix: np.ndarray) -> list[dict[str, float | int]]:
    """Precision, recall, F1 and support of each class; 0.0 where a ratio is undefined."""
    true_positive = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    actual = matrix.sum(axis=1).astype(float)
    precision = np.divide(true_positive, predicted, out=np.zeros_like(true_positive), where=predicted > 0)
    recall = np.divide(true_positive, actual, out=np.zeros_like(true_positive), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    return [
        {
            "class": digit,
            "precision": float(precision[digit]),
            "recall": float(recall[digit]),
            "f1": float(f1[digit]),
            "support": int(actual[digit]),
        }
        for digit in range(matrix.shape[0])
    ]


def report_from_predictions(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """The evaluation report's measured part (see DESIGN.md's contract)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    matrix = confusion_matrix(y_true, y_pred)
    wrong = np.flatnonzero(y_true != y_pred)
    return {
        "dataset": "MNIST official test set",
        "images": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)),
        "confusion_matrix": matrix.tolist(),
        "per_class": per_class_metrics(matrix),
        "misclassified": [{"index": int(i), "true": int(y_true[i]), "predicted": int(y_pred[i])} for i in wrong],
    }


def evaluate_model(model, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000) -> dict[str, Any]:
    """Run a Keras model over (N, 28, 28, 1) float images in [0, 1] and report on it."""
    predictions = []
    for start in range(0, len(images), batch_size):
        batch = np.asarray(images[start : start + batch_size], dtype=np.float32)
        predictions.append(np.argmax(np.asarray(model(batch, training=False)), axis=1))
    return report_from_predictions(labels, np.concatenate(predictions))


def report_path_for(model_path: Path) -> Path:
    """``models/x.keras`` -> ``models/x.report.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".report.json")


def write_report(report: dict[str, Any], path: Path) -> None:
    Path(path).write_text(json.dumps(report, indent=1) + "\n")


def misclassified_path_for(model_path: Path) -> Path:
    """``models/x.keras`` -> ``models/x.misclassified.npz``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".misclassified.npz")


def save_misclassified(report: dict[str, Any], test_images: np.ndarray, path: Path) -> None:
    """Keep the few misclassified test images (uint8, or floats in [0, 1]) beside the report, so the
    dashboard can show them without the 10,000-image test set (which a fresh clone does not have)."""
    wrong = report["misclassified"]
    indices = np.array([item["index"] for item in wrong], dtype=np.int64)
    images = np.asarray(test_images).reshape(-1, 28, 28)[indices]
    if images.dtype != np.uint8:  # float images in [0, 1], as the model sees them
        images = np.rint(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    np.savez_compressed(
        path,
        images=images,
        indices=indices,
        true=np.array([item["true"] for item in wrong], dtype=np.int64),
        predicted=np.array([item["predicted"] for item in wrong], dtype=np.int64),
    )


def load_misclassified(model_path: Path | None = None) -> dict[str, np.ndarray]:
    """The misclassified test images saved by ``save_misclassified``: images, indices, true, predicted."""
    from digitsight.errors import DigitSightError
    from digitsight.nets.digits import DEFAULT_MODEL_PATH

    path = misclassified_path_for(model_path or DEFAULT_MODEL_PATH)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in ("images", "indices", "true", "predicted")}
    except (OSError, KeyError, ValueError) as error:
        raise DigitSightError(f"cannot read the misclassified test images {path}: {error}") from error


def load_report(model_path: Path | None = None) -> dict[str, Any]:
    """The evaluation report written next to the model (default: the shipped model)."""
    from digitsight.errors import DigitSightError
    from digitsight.nets.digits import DEFAULT_MODEL_PATH

    path = report_path_for(model_path or DEFAULT_MODEL_PATH)
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise DigitSightError(f"cannot read the evaluation report {path}: {error}") from error


def format_confusion_matrix(matrix: np.ndarray) -> str:
    header = "true\\pred " + " ".join(f"{digit:>5}" for digit in range(matrix.shape[1]))
    rows = [f"{digit:>9} " + " ".join(f"{count:>5}" for count in row) for digit, row in enumerate(matrix)]
    return "\n".join([header, *rows])


def run_evaluate(args: argparse.Namespace) -> int:
    """``python -m digitsight evaluate``: re-measure the model on the official MNIST test set."""
    from digitsight.data import load_mnist
    from digitsight.nets.digits import DEFAULT_MODEL_PATH, Classifier

    model_path = Path(args.model) if args.model else DEFAULT_MODEL_PATH
    classifier = Classifier(model_path, backend="keras")  # the .keras file itself, as trained
    mnist = load_mnist(args.mnist)
    images, labels = mnist.x_test, mnist.y_test
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
    probabilities = classifier.probabilities(images.astype(np.float32)[..., None] / 255.0)
    report = report_from_predictions(labels, probabilities.argmax(axis=1))
    print(f"model: {model_path}")
    print(f"MNIST source: {mnist.source}")
    print(f"test images: {report['images']}")
    print(f"accuracy: {report['accuracy']:.4%} ({len(report['misclassified'])} wrong)")
    print(format_confusion_matrix(np.array(report["confusion_matrix"])))
    return 0
