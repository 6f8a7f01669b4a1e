"""The pair model reads two touching digits whole: how many digits, and which."""

from __future__ import annotations

import numpy as np
import pytest
from digit_images import ink_layer

from digitsight.nets.pairs import PairModel, load_pair_model
from digitsight.normalize import to_pair_field


@pytest.fixture(scope="module")
def pair_model(shipped_pair_model_path) -> PairModel:
    return load_pair_model(shipped_pair_model_path)


def field(text: str, touching: bool = True) -> np.ndarray:
    return to_pair_field(ink_layer(text, touching=touching) > 0.5)


@pytest.mark.parametrize("text", ["24", "60", "38", "71"])
def test_touching_pairs_are_read_as_two_digits(pair_model, text):
    outputs = pair_model.read(np.stack([field(text)]))
    assert int(outputs.count[0].argmax()) == 2
    assert f"{outputs.first[0].argmax()}{outputs.second[0].argmax()}" == text


@pytest.mark.parametrize("text", ["0", "4", "8"])
def test_a_single_digit_is_not_read_as_a_pair(pair_model, text):
    outputs = pair_model.read(np.stack([field(text)]))
    assert int(outputs.count[0].argmax()) == 1


def test_outputs_are_softmaxes_one_row_per_image(pair_model):
    outputs = pair_model.read(np.zeros((3, 28, 48), np.float32))
    assert outputs.count.shape == (3, 3) and outputs.first.shape == outputs.second.shape == (3, 10)
    for probabilities in (outputs.count, outputs.first, outputs.second):
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert pair_model.read(np.zeros((0, 28, 48))).count.shape == (0, 3)


def test_images_of_the_wrong_shape_are_refused(pair_model):
    with pytest.raises(ValueError, match=r"expected pair images of shape"):
        pair_model.read(np.zeros((2, 28, 28)))


def test_the_model_is_loaded_once_per_process(shipped_pair_model_path):
    assert load_pair_model(shipped_pair_model_path) is load_pair_model(shipped_pair_model_path)
