"""The "not a digit" drop with the real shipped models (issue 20): a patch of a photograph with no
digit in it reads as no digit, with a warning, where the reader alone read a digit in it."""

from __future__ import annotations

import numpy as np
import pytest

from digitsight import reading as pipeline
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.nets import load_models

# A patch of matplotlib's sample photo of Grace Hopper (rows, columns), her jacket and the flag
# behind: the reader finds one blob there, alone on its line, and reads it as a 1 (83%).
PATCH = (slice(173, 491), slice(227, 479))


def _photo_patch() -> np.ndarray:
    """The patch in grey, stretched between the photo's 1st and 99th percentiles, as an RGB image."""
    cbook = pytest.importorskip("matplotlib.cbook", reason="matplotlib ships the sample photo")
    import matplotlib.pyplot as plt

    photo = np.asarray(plt.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)), np.float32)
    grey = photo[..., :3].mean(axis=2)
    low, high = np.percentile(grey, [1, 99])
    patch = (np.clip((grey - low) / (high - low), 0, 1) * 255).astype(np.uint8)[PATCH]
    return np.ascontiguousarray(np.repeat(patch[..., None], 3, axis=2))


def test_a_photo_patch_gives_no_digit_and_a_warning(shipped_model_path):
    models = load_models(shipped_model_path)
    assert models.classifier.rejector is not None, "the shipped calibration names the rejector"
    loaded = load_image(_photo_patch(), max_pixels=PROCESS_MAX_PIXELS)
    reading = pipeline.read_loaded(loaded, *models)
    assert reading.number == "" and reading.digits == []
    assert "ignored 1 mark that does not look like a digit" in reading.warnings
    assert "no digits found in the image" in reading.warnings
    assert not reading.sure


def test_without_the_drop_the_patch_reads_as_a_digit(shipped_model_path, monkeypatch):
    # The reading above is the drop's doing: the search, which never weighs P(not a digit), finds a digit.
    models = load_models(shipped_model_path)
    monkeypatch.setattr(models.classifier, "reject_not_digit", 1.01)
    reading = pipeline.read_loaded(load_image(_photo_patch(), max_pixels=PROCESS_MAX_PIXELS), *models)
    assert len(reading.digits) == 1
    assert reading.digits[0].not_digit >= 0.99995


def test_digits_beside_others_and_read_surely_are_kept(shipped_model_path):
    # A clean number: the rejector may doubt a digit, but none alone or doubtful is dropped.
    from digit_images import ink_layer, on_paper

    reading = pipeline.read_loaded(load_image(on_paper(ink_layer("2045"))), *load_models(shipped_model_path))
    assert reading.number == "2045"
    assert not any("look like" in warning for warning in reading.warnings)
