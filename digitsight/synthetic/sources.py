"""The MNIST digits synthetic images are drawn from: the test set, the training set, or its held-out part.

The benchmark draws from the MNIST TEST digits, which the models never saw in training.
``"validation"`` is the 5,000 training digits the models hold out
(``digitsight.data.validation_split``): tune the reader on those, never on the test ones.
``"train"`` is all 60,000 training digits, which the models learnt.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import numpy as np

from digitsight.data import load_mnist, validation_split

SOURCES = ("test", "train", "validation")


class Classifier(Protocol):
    """What ``raw_right`` needs of a classifier (``digitsight``'s digit classifier has it)."""

    def probabilities(self, images: np.ndarray) -> np.ndarray: ...


def raw_right(source: str, classifier: Classifier) -> np.ndarray:
    """Whether ``classifier`` reads each digit of ``source`` right as the raw 28x28 MNIST image (bool per digit).

    Index it with ``Sample.digits``: an image whose digits are not all right is lost to the
    classifier, whatever the pipeline does.
    """
    images, labels = digits(source)
    return classifier.probabilities(images.astype(np.float32) / 255).argmax(axis=1) == labels


@lru_cache(maxsize=2)  # a source is drawn from again and again; two sources' images fit in memory
def digits(source: str) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST images (N, 28, 28) uint8 and labels a source draws from; ``Sample.digits`` index them."""
    mnist = load_mnist()
    if source == "test":
        return mnist.x_test, mnist.y_test
    if source == "train":
        return mnist.x_train, mnist.y_train
    if source == "validation":
        held_out, _ = validation_split(len(mnist.x_train))
        return mnist.x_train[held_out], mnist.y_train[held_out]
    raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
