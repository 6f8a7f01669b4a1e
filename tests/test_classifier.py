"""The classifier with the real shipped model."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from digitsight.data import cache_dir, load_mnist
from digitsight.errors import DigitSightError
from digitsight.nets.digits import Classifier, load_classifier


@pytest.fixture(scope="module")
def classifier(shipped_model_path) -> Classifier:
    return load_classifier(shipped_model_path)


@pytest.fixture(scope="module")
def test_slice():
    if not (cache_dir() / "mnist.npz").is_file():
        pytest.skip("MNIST is not cached here")
    mnist = load_mnist()
    return mnist.x_test[:1000].astype(np.float32) / 255.0, mnist.y_test[:1000]


def test_shipped_model_scores_at_least_99_percent_on_1000_test_images(classifier, test_slice) -> None:
    images, labels = test_slice

    predictions = classifier.read(images).argmax(axis=1)

    assert np.mean(predictions == labels) >= 0.99


def test_classify_returns_value_confidence_and_ranked_top3(classifier, test_slice) -> None:
    images, labels = test_slice

    predictions = classifier.classify(images[:8])

    assert len(predictions) == 8
    for prediction in predictions:
        assert 0.0 <= prediction.confidence <= 1.0
        assert len(prediction.top3) == 3
        assert prediction.top3[0] == (prediction.value, prediction.confidence)
        probabilities = [p for _, p in prediction.top3]
        assert probabilities == sorted(probabilities, reverse=True)
        assert len({digit for digit, _ in prediction.top3}) == 3
    assert [p.value for p in predictions] == list(labels[:8])


def test_probabilities_accept_channel_axis_or_not_and_raw_leaves_the_rest_to_not_a_digit(classifier) -> None:
    crops = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)

    without_channel = classifier.read(crops)
    with_channel = classifier.read(crops[..., None])

    assert without_channel.shape == (5, 10)
    np.testing.assert_allclose(without_channel, with_channel, rtol=1e-5)
    # ``read`` is the model's own ten digits (the search weighs them; the rejector is asked after it).
    np.testing.assert_allclose(without_channel.sum(axis=1), 1.0, rtol=1e-4)
    # ``raw`` adds the rejector's P(not a digit) as an 11th column, the ten digits scaled to leave it room.
    raw = classifier.raw(crops)
    np.testing.assert_allclose(raw.sum(axis=1), 1.0, rtol=1e-4)
    if classifier.rejector is None:
        np.testing.assert_allclose(raw, without_channel, rtol=1e-4, atol=1e-6)
    else:
        rejected = raw[:, 10:]
        np.testing.assert_allclose(raw[:, :10], without_channel * (1.0 - rejected), rtol=1e-4, atol=1e-6)


def test_empty_batch_gives_empty_answer(classifier) -> None:
    assert classifier.read(np.zeros((0, 28, 28))).shape == (0, 10)
    assert classifier.classify(np.zeros((0, 28, 28))) == []


def test_wrong_crop_shape_is_refused(classifier) -> None:
    with pytest.raises(ValueError, match=r"\(N, 28, 28"):
        classifier.read(np.zeros((2, 32, 32)))


def test_batches_larger_than_a_chunk_match_one_by_one(classifier, test_slice) -> None:
    images, _ = test_slice
    images = np.concatenate([images, images[:100]])  # 1,100 > CHUNK

    batched = classifier.read(images)
    single = np.concatenate([classifier.read(images[i : i + 1]) for i in (0, 1050)])

    np.testing.assert_allclose(batched[[0, 1050]], single, atol=1e-5)


def test_loaded_once_per_process_and_shared_across_threads(shipped_model_path) -> None:
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(load_classifier(shipped_model_path))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(c) for c in seen}) == 1


def test_missing_model_file_says_how_to_make_one(tmp_path) -> None:
    with pytest.raises(DigitSightError, match="python -m training.train"):
        Classifier(tmp_path / "absent.keras")


def test_corrupt_model_file_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"definitely not a keras zip")

    with pytest.raises(DigitSightError, match="cannot load the model"):
        Classifier(bad, backend="keras")
