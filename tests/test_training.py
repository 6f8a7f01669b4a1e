"""Smoke runs of the training scripts: a few hundred images, one epoch, seconds not minutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_training(script: str, *arguments: str) -> None:
    """Run ``python -m training.<script>`` as the README says, in a fresh interpreter; fail with its output's tail."""
    command = [sys.executable, "-m", f"training.{script}", *arguments]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_smoke_training_writes_a_loadable_model_and_a_valid_report(tmp_path: Path) -> None:
    output = tmp_path / "smoke.keras"
    run_training(
        "train",
        "--epochs", "1",
        "--limit", "400",
        "--test-limit", "300",
        "--batch-size", "64",
        "--output", str(output),
    )  # fmt: skip

    report = json.loads((tmp_path / "smoke.report.json").read_text())
    assert report["images"] == 300
    assert len(report["confusion_matrix"]) == 10 and all(len(row) == 10 for row in report["confusion_matrix"])
    assert sum(map(sum, report["confusion_matrix"])) == 300
    assert 0.0 <= report["accuracy"] <= 1.0
    assert len(report["per_class"]) == 10
    assert report["training"]["epochs"] == 1
    assert report["training"]["train_images"] == 320  # 400 minus the 80 held out for validation
    assert report["training"]["parameters"] > 0
    assert report["training"]["command"].startswith("python -m training.train --epochs 1 --limit 400")

    saved = np.load(tmp_path / "smoke.misclassified.npz")
    assert saved["images"].dtype == np.uint8
    assert saved["images"].shape == (len(report["misclassified"]), 28, 28)
    assert saved["images"].max() > 1  # real grey levels, not floats cut to 0/1

    from digitsight.nets.digits import Classifier

    classifier = Classifier(output, backend="keras")
    assert classifier.probabilities(np.zeros((2, 28, 28))).shape == (2, 10)


def test_init_from_starts_from_the_saved_weights_and_refuses_a_model_of_other_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training import train

    monkeypatch.setattr(sys, "argv", ["train", "--init-from", str(tmp_path / "start.keras"), "--shapes"])
    args = train.parse_args()
    assert args.init_from == tmp_path / "start.keras"
    saved = train.build_model()
    saved.save(args.init_from)

    started = train.initial_model(args)
    for mine, theirs in zip(started.get_weights(), saved.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    args.init_from = None  # the default: fresh weights, not the saved ones
    fresh = train.initial_model(args)
    assert any(not np.array_equal(a, b) for a, b in zip(fresh.get_weights(), saved.get_weights(), strict=True))
    args.init_from, args.negative_share = tmp_path / "start.keras", 0.15  # 11 classes from a 10-output model
    with pytest.raises(SystemExit, match="10 outputs"):
        train.initial_model(args)


def test_average_with_writes_one_model_averaging_the_two(tmp_path: Path) -> None:
    import keras

    from training import train

    keras.utils.set_random_seed(0)
    trained, other = train.build_model(), train.build_model()
    other.save(tmp_path / "other.keras")
    batch = np.random.default_rng(0).random((4, 28, 28, 1)).astype(np.float32)
    expected = (trained(batch).numpy() + other(batch).numpy()) / 2

    both = train.averaged(trained, tmp_path / "other.keras")
    both.save(tmp_path / "both.keras")  # one file, loadable as the reader loads a classifier
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "both.keras")(batch), expected, atol=1e-6)
    assert not np.allclose(expected, trained(batch).numpy(), atol=1e-3)  # the two differ: the mean is no copy


def test_real_tuning_crops_adds_copies_of_the_tuning_half_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import tools.build_real_digits as real_digits
    from training import train

    crops = np.zeros((3, 28, 28), np.float32)
    crops[0, 5, 5], crops[1, 6, 6], crops[2, 7, 7] = 1.0, 0.5, 1.0  # one mark each, to tell them apart
    fake = real_digits.RealDigits(
        crops,
        np.array([4, 7, 9]),
        np.array(["a", "b", "c"]),
        np.array(["tune", "check", "tune"]),
        np.array(["photo"] * 3),
    )
    monkeypatch.setattr(real_digits, "load_real_digits", lambda: fake)
    args = argparse.Namespace(shapes=False, negative_share=0.0, real_tuning_crops=2, reader_crops=0, seed=0)
    digits, labels = np.zeros((5, 28, 28), np.uint8), np.zeros(5, np.int64)

    images, all_labels, counts = train.training_images(args, digits, labels)

    assert counts == {"digits": 5, "real_tuning_crops": 4}
    assert all_labels.tolist() == [0] * 5 + [4, 4, 9, 9]
    assert images.dtype == np.uint8 and images[5, 5, 5] == images[7, 7, 7] == 255
    assert not images[:, 6, 6].any()  # the check half's crop is never trained on


def test_reader_crops_adds_copies_of_the_labelled_crops_and_more_of_the_hard_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse

    import tools.harvest_negatives as harvest
    from training import train

    crops = np.zeros((2, 28, 28), np.float32)
    crops[0, 5, 5], crops[1, 6, 6] = 1.0, 0.5
    fake = harvest.LabelledCrops(crops, np.array([3, 8]), np.array([10, 20]), np.array(["dense", "small"]))
    monkeypatch.setattr(harvest, "load_labelled_crops", lambda source: fake if source == "train" else None)
    monkeypatch.setattr(train, "hard_crops", lambda crops, labels, path: np.array([False, True]))
    args = argparse.Namespace(
        shapes=False, negative_share=0.0, real_tuning_crops=0, seed=0, limit=None, init_from=None,
        reader_crops=3, hard_reader_crops=2, more_reader_crops=False,
    )  # fmt: skip
    digits, labels = np.zeros((4, 28, 28), np.uint8), np.zeros(4, np.int64)

    images, all_labels, counts = train.training_images(args, digits, labels)

    assert counts == {"digits": 4, "reader_crops": 6, "hard_reader_crops": 2}
    assert all_labels.tolist() == [0] * 4 + [3, 3, 3, 8, 8, 8] + [8, 8]  # the hard one twice more
    assert images.dtype == np.uint8 and images[4, 5, 5] == 255 and images[7, 6, 6] == 128


def test_more_reader_crops_adds_the_second_harvest_after_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.harvest_negatives as harvest
    from training import train

    first = harvest.LabelledCrops(
        np.zeros((2, 28, 28), np.float32), np.array([3, 8]), np.array([1, 2]), np.array(["a"] * 2)
    )
    more = harvest.LabelledCrops(
        np.ones((3, 28, 28), np.float32), np.array([5, 6, 7]), np.array([4, 5, 6]), np.array(["b"] * 3)
    )
    monkeypatch.setattr(harvest, "load_labelled_crops", lambda source: first)
    monkeypatch.setattr(harvest, "load_more_labelled_crops", lambda: more)

    crops, labels = train.reader_crops(more=True)

    assert labels.tolist() == [3, 8, 5, 6, 7] and crops.dtype == np.uint8
    assert not crops[:2].any() and (crops[2:] == 255).all()
    assert train.reader_crops(more=False)[1].tolist() == [3, 8]  # the first harvest alone, as before
    assert train.reader_crops(limit=1, more=True)[1].tolist() == [3, 5]  # a smoke run: the first of each


def test_the_second_harvest_reads_only_pages_the_first_did_not() -> None:
    from tools.harvest_negatives import LABELLED_PAGES, MORE_FIRST_PAGE, MORE_LABELLED_PAGES

    # Each category's first harvest reads its pages 0 .. count - 1; the second starts past all of them.
    assert max(LABELLED_PAGES.values()) <= MORE_FIRST_PAGE
    assert set(MORE_LABELLED_PAGES) <= set(LABELLED_PAGES)


def test_labelled_synthetic_crops_carry_the_digits_written_there() -> None:
    from digitsight import synthetic
    from digitsight.data import validation_split
    from digitsight.nets.digits import Classifier
    from digitsight.reading import load_models
    from tools.harvest_negatives import labelled_synthetic_crops

    models = tuple(load_models())
    made = labelled_synthetic_crops("train", {"clean": 3, "two_lines": 3, "dense": 1}, models)

    assert len(made.labels) > 40 and set(made.categories) == {"clean", "two_lines", "dense"}
    assert (made.labels == synthetic.digits("train")[1][made.indices]).all()
    # The held-out validation digits of a dense page (it shows about a hundred) are left out.
    assert not set(made.indices.tolist()) & set(validation_split(len(synthetic.digits("train")[0]))[0].tolist())
    # Matched by position: were one digit off, most crops would read as another digit than their label.
    read = Classifier().raw(made.crops)[:, :10].argmax(axis=1)
    assert np.mean(read == made.labels) >= 0.9


def test_soup_with_averages_the_weights_of_two_models_of_one_architecture(tmp_path: Path) -> None:
    import keras

    from training import train

    keras.utils.set_random_seed(1)
    start, tuned = train.build_model(), train.build_model()  # two draws of fresh weights
    start.save(tmp_path / "start.keras")
    expected = [(a + b) / 2 for a, b in zip(tuned.get_weights(), start.get_weights(), strict=True)]

    souped = train.weight_soup(tuned, tmp_path / "start.keras")

    assert all(np.allclose(a, b) for a, b in zip(souped.get_weights(), expected, strict=True))
    assert not np.allclose(souped.get_weights()[0], start.get_weights()[0])
    with pytest.raises(SystemExit):  # an 11-output model is another architecture
        train.weight_soup(train.build_model(11), tmp_path / "start.keras")


def test_roof_one_and_hooked_nines_draw_their_strokes_left_of_the_digit() -> None:
    import cv2

    from training import shapes

    one = np.zeros((28, 28), np.uint8)
    cv2.line(one, (14, 4), (14, 23), 255, 2)  # an upright 1
    nine = np.zeros((28, 28), np.uint8)
    cv2.circle(nine, (13, 9), 5, 255, 2)
    cv2.line(nine, (18, 9), (18, 23), 255, 2)  # a 9: a loop and a straight stem down its right side
    rng = np.random.default_rng(0)
    # The rows where the flag falls beside the 1's stem, and where the hook curls from the 9's foot.
    for variant, digit, rows in (
        (shapes.roof_one, one, slice(8, 14)),
        (shapes.hooked_nine, nine, slice(20, 25)),
        (shapes.long_hooked_nine, nine, slice(20, 26)),  # its loop shrunk up, its hook wide at the foot
    ):
        made = variant(rng, digit)
        assert made.shape == (28, 28) and made.dtype == np.uint8
        own = shapes.mnist_layout(shapes.upsampled(digit))
        width = [len(np.flatnonzero((image[rows] >= shapes.INK).any(axis=0))) for image in (own, made)]
        assert width[1] >= width[0] + 4, (variant.__name__, width)


def smoke_train_on_fresh_sets(script: str, tmp_path: Path) -> tuple[dict, Path]:
    """One epoch of 600 images of the pair or chain model: its report, checked for what the two share, and model."""
    output = tmp_path / f"{script}.keras"
    run_training(
        script,
        "--epochs", "1",
        "--samples", "600",
        "--validation-digits", "300",
        "--output", str(output),
    )  # fmt: skip
    report = json.loads((tmp_path / f"{script}.report.json").read_text())
    assert "MNIST test digits" in report["dataset"]
    for figures in (report, report["validation"]):  # the test figures at the top, as the digit report's
        assert figures["images"] == 1000
        assert 0.0 <= figures["accuracy"] <= 1.0
    assert report["training"]["samples_per_epoch"] == 600
    assert report["training"]["parameters"] > 0
    return report, output


@pytest.mark.slow
def test_smoke_training_of_the_pair_model_writes_a_loadable_model_and_a_report(tmp_path: Path) -> None:
    report, output = smoke_train_on_fresh_sets("train_pairs", tmp_path)
    for figures in (report, report["validation"]):
        assert 0.0 <= figures["count_accuracy"] <= 1.0 and 0.0 <= figures["pair_accuracy"] <= 1.0

    from digitsight.nets.pairs import PairModel

    outputs = PairModel(output, backend="keras").read(np.zeros((2, 28, 48)))
    assert outputs.count.shape == (2, 3) and outputs.second.shape == (2, 10)


@pytest.mark.slow
def test_smoke_training_of_the_chain_model_writes_a_loadable_model_and_a_report(tmp_path: Path) -> None:
    report, output = smoke_train_on_fresh_sets("train_chains", tmp_path)
    for figures in (report, report["validation"]):
        assert set(figures["by_length"]) <= {str(n) for n in range(1, 9)}

    from digitsight.nets.chains import ChainModel

    columns = ChainModel(output, backend="keras").read(np.zeros((2, 28, 128)))
    assert columns.shape == (2, 32, 11)
    np.testing.assert_allclose(np.exp(columns).sum(axis=2), 1.0, rtol=1e-5)  # log-probabilities


@pytest.mark.slow
def test_smoke_training_of_the_rejector_tells_negatives_from_digits_and_names_its_classifier(tmp_path: Path) -> None:
    # The README's recipe ends with this step; it once crashed for a whole session unnoticed.
    # The first run builds its cached negatives and reader crops (.cache/): a few minutes.
    output = tmp_path / "smoke_notdigit.keras"
    run_training("train_notdigit", "--epochs", "1", "--limit", "400", "--output", str(output))

    report = json.loads((tmp_path / "smoke_notdigit.report.json").read_text())
    validation = report["validation"]
    assert validation["negatives_rejected"] > validation["digits_rejected"]  # it learnt something, even so short
    # The recipe trains on every digit crop the reader renders from synthetic training pages, misread ones too.
    assert report["training"]["images_before_copies"]["reader digits, misread ones too"] > 10_000
    from digitsight.nets.digits import DEFAULT_MODEL_PATH
    from digitsight.nets.litert import file_sha256

    assert report["training"]["classifier_sha256"] == file_sha256(DEFAULT_MODEL_PATH)

    import keras

    scores = keras.saving.load_model(output, compile=False).predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert scores.shape[0] == 2 and np.all((scores >= 0) & (scores <= 1))


def test_rejector_trunk_pools_every_feature_map_of_the_classifier_and_its_log_probabilities() -> None:
    import keras

    from training.train_notdigit import trunk_features

    # A stand-in classifier with a ReLU at each of the three resolutions (28x28 x 3, 14x14 x 4, 7x7 x 5 channels).
    inputs = keras.Input(shape=(28, 28, 1))
    early = keras.layers.ReLU()(keras.layers.Conv2D(3, 3, padding="same")(inputs))
    middle = keras.layers.ReLU()(keras.layers.Conv2D(4, 3, strides=2, padding="same")(early))
    late = keras.layers.ReLU()(keras.layers.Conv2D(5, 3, strides=2, padding="same")(middle))
    probabilities = keras.layers.Dense(10, activation="softmax")(keras.layers.GlobalAveragePooling2D()(late))
    classifier = keras.Model(inputs, probabilities)
    crops = np.random.default_rng(0).random((2, 28, 28, 1), np.float32)

    trunk = trunk_features(classifier)
    features = trunk.predict(crops, verbose=0)
    assert features.shape == (2, 2 * (3 + 4 + 5) + 10) and not trunk.trainable
    maps = keras.Model(inputs, early).predict(crops, verbose=0)
    np.testing.assert_allclose(features[:, :3], maps.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)  # the 28x28 maps' means
    np.testing.assert_allclose(features[:, 3:6], maps.max(axis=(1, 2)), rtol=1e-5, atol=1e-6)  # and maxima
    expected = np.log(classifier.predict(crops, verbose=0) + 1e-6)
    np.testing.assert_allclose(features[:, -10:], expected, rtol=1e-5, atol=1e-5)


def test_rerender_turns_an_mnist_digit_into_area_averaged_binary_ink() -> None:
    import tensorflow as tf

    from training import train

    images = np.zeros((2, 28, 28, 1), np.float32)
    images[:, 8:20, 10:18] = 1.0
    images[:, 7, 10:18] = images[:, 20, 10:18] = 0.3  # soft grey edges, as MNIST's scanner left them
    seed = tf.constant([3, 4])

    rendered = train.random_rerender(tf.constant(images), seed, fraction=1.0).numpy()
    assert rendered.shape == images.shape
    np.testing.assert_array_equal(rendered[:, 9:19, 11:17], 1.0)  # the body stays solid ink
    np.testing.assert_array_equal(rendered[:, :5], 0.0)  # far from it, no ink
    sixteenths = rendered * 16  # each pixel averages a 4x4 block of binary pixels
    np.testing.assert_allclose(sixteenths, np.round(sixteenths), atol=1e-5)

    untouched = train.random_rerender(tf.constant(images), seed, fraction=0.0).numpy()
    np.testing.assert_array_equal(untouched, images)


def test_pair_training_images_have_the_labels_they_claim() -> None:
    from training import train_pairs

    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 4:24, 12:16] = 255  # a "1": a bar
    images[1, 4:24, 6:22] = 255  # a block
    images[1, 8:20, 10:18] = 0  # ... hollowed: a "0"
    labels = np.array([1, 0])
    x, y = train_pairs.make_set(3, 60, images, labels)
    assert x.shape == (60, 28, 48, 1) and x.min() >= 0 and x.max() <= 1
    assert set(np.unique(y["count"])) == {0, 1, 2}
    assert np.all((y["first"] == -1) == (y["count"] == 0))  # no digit for a fragment
    assert np.all((y["second"] == -1) == (y["count"] != 2))  # a second digit only for a pair
    assert set(np.unique(y["first"][y["count"] > 0])) <= {0, 1}


def test_chain_training_images_hold_the_digits_they_claim() -> None:
    from training import train_chains

    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 4:24, 12:16] = 255  # a "1": a bar
    images[1, 4:24, 6:22] = 255  # a block
    images[1, 8:20, 10:18] = 0  # ... hollowed: a "0"
    x, y = train_chains.make_set(5, 80, images, np.array([1, 0]))
    assert x.shape == (80, 28, 128, 1) and x.min() >= 0 and x.max() <= 1
    lengths = (y >= 0).sum(axis=1)
    assert set(lengths) <= set(range(1, 9)) and len(set(lengths)) > 3
    assert np.all(y[:, :1] >= 0) and np.all(np.diff((y >= 0).astype(int), axis=1) <= 0)  # digits, then padding
    # Every "0" (a hollow block) is wider than a "1": a chain's ink is wider the more 0s it holds.
    ink_columns = (x[..., 0].max(axis=1) > 0.5).sum(axis=1)
    ones = lengths == 1
    assert ink_columns[ones & (y[:, 0] == 0)].min() > ink_columns[ones & (y[:, 0] == 1)].max()
