"""The chain model reads a row of touching digits whole: CTC decoding and string likelihoods."""

from __future__ import annotations

import numpy as np
import pytest
from digit_images import ink_layer

from digitsight.decode.ctc import best_path, greedy_decode, log_likelihoods
from digitsight.nets.chains import BLANK, ChainModel, load_chain_model
from digitsight.normalize import to_chain_field


def log_likelihood(columns: np.ndarray, text: str) -> float:
    return float(log_likelihoods(columns, [text])[0])


def columns_for(path: list[int], sure: float = 0.9) -> np.ndarray:
    """Log-probabilities (T, 11) where column t gives ``path[t]`` probability ``sure``, the rest shared."""
    probabilities = np.full((len(path), BLANK + 1), (1 - sure) / BLANK)
    probabilities[np.arange(len(path)), path] = sure
    return np.log(probabilities)


def test_greedy_decoding_merges_repeats_and_drops_blanks():
    b = BLANK
    assert greedy_decode(columns_for([b, 1, 1, b, 1, 7, 7, b, b, 0])) == "1170"
    assert greedy_decode(columns_for([b, b, b])) == ""
    assert best_path(columns_for([b, 1, 1, b, 1, 7, 7, b, b, 0])) == [(1, 1, 2), (1, 4, 4), (7, 5, 6), (0, 9, 9)]


def test_one_pass_scores_many_strings_as_it_scores_each():
    columns = columns_for([BLANK, 3, BLANK, 5, 5, BLANK, 1, BLANK], sure=0.7)
    texts = ["351", "35", "3", "3551"]
    together = log_likelihoods(columns, texts)
    np.testing.assert_allclose(together, [log_likelihood(columns, text) for text in texts])


def test_the_likelihood_of_a_string_sums_every_path_that_spells_it():
    # Two columns, both certain-ish: "4" can be spelled 4-4, 4-blank or blank-4.
    p, q = 0.7, 0.2  # P(4) and P(blank) in each column
    probabilities = np.full((2, BLANK + 1), (1 - p - q) / (BLANK - 1))
    probabilities[:, 4], probabilities[:, BLANK] = p, q
    columns = np.log(probabilities)
    assert log_likelihood(columns, "4") == pytest.approx(np.log(p * p + p * q + q * p))
    assert log_likelihood(columns, "") == pytest.approx(np.log(q * q))
    # "44" needs a blank between the two 4s: three columns at least.
    assert log_likelihood(columns, "44") == -np.inf


def test_the_likelihood_agrees_with_keras_ctc_loss():
    import keras

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(32, BLANK + 1))
    columns = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    for digits in ["7", "11", "1231", "00000000"]:
        target = np.array([[int(d) for d in digits]], np.int32)
        loss = keras.ops.ctc_loss(
            target, columns[None].astype(np.float32), np.array([len(digits)]), np.array([32]), mask_index=BLANK
        )
        assert log_likelihood(columns, digits) == pytest.approx(-float(loss[0]), abs=1e-3)


def test_the_best_path_string_is_the_likeliest_of_its_neighbours():
    columns = columns_for([BLANK, 3, BLANK, 5, 5, BLANK, 1, BLANK])
    best = log_likelihood(columns, "351")
    for other in ["35", "51", "3551", "381", "3511"]:
        assert log_likelihood(columns, other) < best


@pytest.fixture(scope="module")
def chain_model(shipped_chain_model_path) -> ChainModel:
    return load_chain_model(shipped_chain_model_path)


@pytest.mark.parametrize("text", ["24", "603", "3817", "10"])
def test_touching_digits_are_read_whole(chain_model, text):
    columns = chain_model.read(np.stack([to_chain_field(ink_layer(text, touching=True) > 0.5)]))
    assert greedy_decode(columns[0]) == text


def test_outputs_are_log_probabilities_per_column(chain_model):
    columns = chain_model.read(np.zeros((3, 28, 128), np.float32))
    assert columns.shape == (3, 32, BLANK + 1)
    np.testing.assert_allclose(np.exp(columns).sum(axis=2), 1.0, rtol=1e-5)
    assert chain_model.read(np.zeros((0, 28, 128))).shape == (0, 32, BLANK + 1)


def test_images_of_the_wrong_shape_are_refused(chain_model):
    with pytest.raises(ValueError, match=r"expected chain images of shape"):
        chain_model.read(np.zeros((2, 28, 48)))
