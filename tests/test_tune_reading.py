"""tools/tune_reading.py judges a re-scored reading as ``read`` does: the same number, rejector's drops included."""

from __future__ import annotations

import pytest

from digitsight import synthetic
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.reading import Weights, load_models, read_loaded
from tools.tune_reading import number_read, validation_candidates

# Images past those the weights were chosen and confirmed on (0-319): stray marks, a sheet, a
# lone digit, and touching digits read partly as pairs or rows, whose digits are never dropped.
CASES = [("stray_marks", 400), ("sheet_on_desk", 400), ("small", 400), ("touching", 405), ("touching", 407)]


# The shipped thresholds; 1e-9 and 0.9 (every digit read whole marked, dropped where under 0.9 sure or
# alone); 1e-9 and 1.0 (dropped unless its confidence rounds to 1: stray_marks 400 '54573' reads '473').
@pytest.mark.parametrize(("reject_at", "reject_doubt"), [(None, None), (1e-9, 0.9), (1e-9, 1.0)])
def test_number_read_is_what_read_gives(reject_at, reject_doubt, monkeypatch) -> None:
    models = load_models(None)
    classifier = models[0]
    if reject_at is not None:
        monkeypatch.setattr(classifier, "reject_not_digit", reject_at)
        monkeypatch.setattr(classifier, "reject_doubt", reject_doubt)
    for category, index in CASES:
        (seen,) = validation_candidates(1, first=index, categories=[category])
        sample = synthetic.make_image(category, index, "validation")
        loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
        assert number_read(seen, Weights(), classifier) == read_loaded(loaded, *models).number, (category, index)
