"""Evaluation metrics on tiny label arrays with answers worked out by hand."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from digitsight.evaluation import (
    confusion_matrix,
    format_confusion_matrix,
    per_class_metrics,
    report_from_predictions,
)


def test_confusion_matrix_rows_are_true_columns_predicted() -> None:
    matrix = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), classes=3)

    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


def test_per_class_figures_match_hand_computation() -> None:
    # class 0: TP 1, predicted 1, actual 2 -> P 1, R 0.5, F1 2/3
    # class 1: TP 1, predicted 3, actual 1 -> P 1/3, R 1, F1 0.5
    # class 2: never predicted -> P 0 (undefined), R 0, F1 0
    matrix = np.array([[1, 1, 0], [0, 1, 0], [0, 1, 0]])

    metrics = per_class_metrics(matrix)

    assert metrics[0] == pytest.approx({"class": 0, "precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert metrics[1] == pytest.approx({"class": 1, "precision": 1 / 3, "recall": 1.0, "f1": 0.5, "support": 1})
    assert metrics[2] == {"class": 2, "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_report_lists_accuracy_and_each_mistake() -> None:
    report = report_from_predictions(np.array([3, 5, 5, 9]), np.array([3, 6, 5, 4]))

    assert report["accuracy"] == 0.5
    assert report["images"] == 4
    assert report["misclassified"] == [
        {"index": 1, "true": 5, "predicted": 6},
        {"index": 3, "true": 9, "predicted": 4},
    ]
    assert np.array(report["confusion_matrix"]).sum() == 4
    json.dumps(report)  # the report must be plain JSON


def test_misclassified_images_are_saved_as_uint8_from_float_or_uint8(tmp_path) -> None:
    from digitsight.evaluation import save_misclassified

    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[2, 5, 5] = 200
    report = {"misclassified": [{"index": 2, "true": 1, "predicted": 7}]}

    for name, given in (("uint8.npz", images), ("float.npz", images.astype(np.float32)[..., None] / 255.0)):
        save_misclassified(report, given, tmp_path / name)
        saved = np.load(tmp_path / name)
        assert saved["images"].dtype == np.uint8
        np.testing.assert_array_equal(saved["images"], images[[2]])
        assert list(saved["true"]) == [1] and list(saved["predicted"]) == [7]


def test_confusion_matrix_text_has_a_row_per_class() -> None:
    text = format_confusion_matrix(np.eye(10, dtype=int) * 7)

    lines = text.splitlines()
    assert len(lines) == 11
    assert lines[1].split()[:3] == ["0", "7", "0"]


def test_shipped_report_agrees_with_its_own_confusion_matrix(shipped_model_path) -> None:
    from digitsight.evaluation import load_misclassified, load_report

    report = load_report()
    matrix = np.array(report["confusion_matrix"])
    assert report["images"] == 10000 == matrix.sum()
    assert report["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
    assert len(report["misclassified"]) == matrix.sum() - np.trace(matrix)
    saved = load_misclassified()
    assert saved["images"].shape == (len(report["misclassified"]), 28, 28)
    assert list(saved["indices"]) == [item["index"] for item in report["misclassified"]]


@pytest.mark.slow
def test_evaluate_command_remeasures_the_shipped_model(shipped_model_path) -> None:
    from digitsight.data import cache_dir

    if not (cache_dir() / "mnist.npz").is_file():
        pytest.skip("MNIST is not cached here; `python -m digitsight evaluate` would download it")
    result = subprocess.run(
        [sys.executable, "-m", "digitsight", "evaluate", "--limit", "2000"],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    accuracy_line = next(line for line in result.stdout.splitlines() if line.startswith("accuracy:"))
    assert float(accuracy_line.split()[1].rstrip("%")) >= 99.0
    assert "true\\pred" in result.stdout
