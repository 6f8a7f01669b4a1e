"""A smoke run of the training script: a few hundred images, one epoch, seconds not minutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_smoke_training_writes_a_loadable_model_and_a_valid_report(tmp_path: Path) -> None:
    output = tmp_path / "smoke.keras"
    command = [
        sys.executable,
        str(REPO_ROOT / "training" / "train.py"),
        "--epochs", "1",
        "--limit", "400",
        "--test-limit", "300",
        "--batch-size", "64",
        "--output", str(output),
    ]  # fmt: skip

    result = subprocess.run(command, capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "smoke.report.json").read_text())
    assert report["images"] == 300
    assert len(report["confusion_matrix"]) == 10 and all(len(row) == 10 for row in report["confusion_matrix"])
    assert sum(map(sum, report["confusion_matrix"])) == 300
    assert 0.0 <= report["accuracy"] <= 1.0
    assert len(report["per_class"]) == 10
    assert report["training"]["epochs"] == 1
    assert report["training"]["train_images"] == 320  # 400 minus the 80 held out for validation
    assert report["training"]["parameters"] > 0
    assert "--limit 400" in report["training"]["command"]

    saved = np.load(tmp_path / "smoke.misclassified.npz")
    assert saved["images"].dtype == np.uint8
    assert saved["images"].shape == (len(report["misclassified"]), 28, 28)
    assert saved["images"].max() > 1  # real grey levels, not floats cut to 0/1

    from digitsight.classifier import Classifier

    classifier = Classifier(output)
    assert classifier.probabilities(np.zeros((2, 28, 28))).shape == (2, 10)
