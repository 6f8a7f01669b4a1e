"""Knowing when it does not know (issue 20): temperature scaling and ECE on tiny exact examples,
the reading's confidence and sure flag, and the reject path for crops that are not digits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from digit_images import ink_layer, on_paper

from digitsight import reading as pipeline
from digitsight.calibration import (
    Calibration,
    calibration_path_for,
    expected_calibration_error,
    fit_temperature,
    load_calibration,
    reliability_bins,
    tempered,
)
from digitsight.imaging import load_image
from digitsight.nets.digits import Classifier, not_digit
from digitsight.nets.pairs import PairModel, PairOutputs
from digitsight.result import SURE_CONFIDENCE, Digit, make_reading


def test_temperature_two_takes_the_square_root_of_the_odds():
    # softmax(log [0.8, 0.2] / 2) = [sqrt 0.8, sqrt 0.2] / their sum = [2/3, 1/3].
    np.testing.assert_allclose(tempered(np.array([[0.8, 0.2]]), 2.0), [[2 / 3, 1 / 3]])
    np.testing.assert_allclose(tempered(np.array([[0.8, 0.2]]), 0.5), [[0.64 / 0.68, 0.04 / 0.68]])
    assert tempered(np.array([[0.8, 0.2]]), 1.0).tolist() == [[0.8, 0.2]]


def test_fitted_temperature_makes_confidence_match_accuracy():
    # Every row says 0.9 for class 0, which is right 3 times in 4: the best calibrated answer is
    # 0.75, i.e. 9^(1/T) = 3, T = 2 exactly (on the search grid).
    probabilities = np.tile([0.9, 0.1], (8, 1))
    labels = np.array([0, 0, 0, 1] * 2)
    temperature = fit_temperature(probabilities, labels)
    assert temperature == pytest.approx(2.0, rel=1e-9)
    np.testing.assert_allclose(tempered(probabilities, temperature)[:, 0], 0.75)


def test_ece_and_reliability_bins_on_four_answers():
    confidences = np.array([0.95, 0.95, 0.65, 0.7])
    correct = np.array([True, False, True, True])
    bins = reliability_bins(confidences, correct)
    assert [b.count for b in bins] == [0, 0, 0, 0, 0, 0, 2, 0, 0, 2]  # 0.7 belongs to (0.6, 0.7]
    assert bins[9].accuracy == 0.5 and bins[9].confidence == pytest.approx(0.95)
    assert bins[6].accuracy == 1.0 and bins[6].confidence == pytest.approx(0.675)
    # (2 * |0.5 - 0.95| + 2 * |1 - 0.675|) / 4
    assert expected_calibration_error(confidences, correct) == pytest.approx((0.9 + 0.65) / 4)
    assert expected_calibration_error(np.array([]), np.array([], bool)) == 0.0


def test_calibration_file_round_trip_and_default(tmp_path):
    model = tmp_path / "m.keras"
    assert load_calibration(model) == Calibration()  # no file: temperature 1, nothing rejected
    Calibration(0.8, 0.7, {"ece": 0.01}).save(calibration_path_for(model))
    assert calibration_path_for(model).name == "m.calibration.json"
    assert load_calibration(model) == Calibration(0.8, 0.7, {"ece": 0.01})
    assert json.loads(calibration_path_for(model).read_text())["temperature"] == 0.8


def test_not_digit_is_what_the_ten_digits_leave():
    np.testing.assert_allclose(not_digit(np.array([[0.5, 0.3] + [0.0] * 8, [0.1] * 10])), [0.2, 0.0], atol=1e-12)


def _digit(value: int, confidence: float, line: int = 0, not_a_digit: float = 0.0) -> Digit:
    top3 = ((value, confidence), ((value + 1) % 10, 0.0), ((value + 2) % 10, 0.0))
    return Digit(value, confidence, top3, (value, 0, 1, 1), line, np.zeros((28, 28), np.float32), not_a_digit)


def test_reading_confidence_is_the_chance_every_digit_is_right():
    reading = make_reading([[_digit(1, 0.99), _digit(2, 0.98)], [_digit(3, 0.97, line=1)]], [], (9, 9))
    assert reading.confidence == pytest.approx(0.99 * 0.98 * 0.97)
    assert reading.sure == (reading.confidence >= SURE_CONFIDENCE)
    assert make_reading([], [], (9, 9)).confidence == 0.0 and not make_reading([], [], (9, 9)).sure


def test_a_doubtful_digit_makes_the_reading_unsure_and_is_marked():
    doubtful = SURE_CONFIDENCE * 0.9
    reading = make_reading([[_digit(1, 0.999), _digit(2, doubtful), _digit(3, 0.999)]], [], (9, 9))
    assert not reading.sure
    assert [d.unsure for d in reading.digits] == [False, True, False]
    record = reading.to_dict()
    assert record["sure"] is False and record["confidence"] == pytest.approx(reading.confidence, abs=1e-4)
    assert [d["unsure"] for d in record["digits"]] == [False, True, False]


def test_confident_non_digits_are_dropped_with_a_warning():
    lines = [[_digit(1, 0.99), _digit(0, 0.01, not_a_digit=0.98), _digit(2, 0.99)], [_digit(5, 0.1, 1, 0.9)]]
    reading = make_reading(lines, ["a note"], (9, 9), reject_at=0.8)
    assert reading.number == "12" and reading.lines == ["12"]
    assert [d.line for d in reading.digits] == [0, 0]
    assert reading.warnings == ["a note", "ignored 2 marks that do not look like digits"]
    # The drops are decisions too: their P(not a digit) counts in the reading's confidence.
    assert reading.confidence == pytest.approx(0.99 * 0.99 * 0.98 * 0.9)
    kept = make_reading(lines, [], (9, 9))  # reject_at 1.0: a model without the class drops nothing
    assert kept.number == "102 5"


def test_the_reader_drops_doubtful_digits_the_classifier_calls_no_digit(shipped_model_path, monkeypatch):
    def doubtful(self, crops):  # every digit as likely as the others: a confidence of 10%
        return np.full((len(crops), 10), 0.1, np.float32)

    def nothing_here(self, crops, digits=None):  # 97% "not a digit", whatever the crop
        return np.full(len(crops), 0.97)

    def one_digit(self, fields):
        count = np.tile(np.float32([0.0, 1.0, 0.0]), (len(fields), 1))
        flat = np.full((len(fields), 10), 0.1, np.float32)
        return PairOutputs(count, flat, flat)

    monkeypatch.setattr(Classifier, "read", doubtful)
    monkeypatch.setattr(Classifier, "not_digit_of", nothing_here)
    monkeypatch.setattr(PairModel, "read", one_digit)
    # Without the chain model: it would read the wide 3 as a row, which no rejection applies to.
    models = pipeline.load_models(shipped_model_path, chains=False)
    monkeypatch.setattr(models.classifier, "reject_not_digit", 0.9)
    monkeypatch.setattr(models.classifier, "reject_doubt", 0.35)
    reading = pipeline.read_loaded(load_image(on_paper(ink_layer("38"))), *models)
    assert reading.number == "" and reading.digits == []
    assert "ignored 2 marks that do not look like digits" in reading.warnings
    assert not reading.sure
    # Read surely, the same two marks side by side stay: the search's digits are kept where not in doubt.
    monkeypatch.setattr(models.classifier, "reject_doubt", 0.05)
    assert len(pipeline.read_loaded(load_image(on_paper(ink_layer("38"))), *models).digits) == 2


@pytest.mark.slow
def test_a_rejector_named_in_the_calibration_file_takes_its_share(shipped_model_path, tmp_path):
    import shutil

    import keras

    model = tmp_path / "digits.keras"
    shutil.copy(shipped_model_path, model)
    # A stand-in rejector that says 0.25 "not a digit" whatever it sees (training/train_notdigit.py makes the real one).
    inputs = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(inputs)
    quarter = keras.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros", bias_initializer="zeros")(flat)
    keras.Model(inputs, keras.layers.Rescaling(0.5)(quarter)).save(tmp_path / "rejector.keras")
    Calibration(1.0, 0.2, None, "rejector.keras").save(calibration_path_for(model))

    classifier = Classifier(model, backend="keras")
    crops = np.zeros((3, 28, 28), np.float32)
    rows = classifier.read(crops)
    np.testing.assert_allclose(not_digit(rows), 0.0, atol=1e-6)  # the search sees the model's own ten
    np.testing.assert_allclose(classifier.not_digit_of(crops), 0.25, atol=1e-6)  # temperature 1: as said
    raw = classifier.raw(crops)
    assert raw.shape == (3, 11)
    np.testing.assert_allclose(raw.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(raw[:, :10], rows * 0.75, atol=1e-6)


def test_the_threshold_is_the_highest_keeping_digits_and_rejecting_enough_negatives(monkeypatch):
    from training import calibrate

    monkeypatch.setattr(calibrate, "THRESHOLDS", np.array([0.5, 0.6, 0.7, 0.8, 0.9]))
    monkeypatch.setattr(calibrate, "MAX_DIGITS_REJECTED", 0.25)
    monkeypatch.setattr(calibrate, "NEGATIVES_WANTED", 0.75)
    digits = np.array([0.0, 0.1, 0.2, 0.55])  # 0.5 rejects a quarter: allowed; every threshold is
    negatives = np.array([0.65, 0.75, 0.85, 0.95])  # 0.7 rejects three quarters, 0.8 half
    assert calibrate.choose_threshold([digits], negatives) == 0.7
    # No allowed threshold rejects enough negatives: the lowest allowed, which rejects the most.
    assert calibrate.choose_threshold([np.array([0.0, 0.0, 0.62, 0.63])], np.array([0.5, 0.55, 0.6, 0.95])) == 0.7
    # No threshold keeps the digits: reject nothing.
    assert calibrate.choose_threshold([np.array([0.95, 0.95, 0.0, 0.0])], negatives) == 1.0
