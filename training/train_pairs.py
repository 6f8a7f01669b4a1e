"""Train DigitSight's pair model: reads two touching digits as one image, uncut.

Touching digits often overlap so deeply (the foot of a 2 under the stem of a 4)
that no cut separates them cleanly; a model that sees the pair whole reads it
better than the digit classifier reads any cut. Reading splits a wide blob three
ways and keeps what reads best: whole as one digit, cut into pieces, or whole as
a pair read by this model.

The model takes the pair normalized by ``digitsight.normalize.to_pair_field``
(28x48, ink 20 pixels tall) and has three outputs:

- ``count``: 0 = not one or two whole digits (a digit cut in two, a digit with
  half a neighbour, three digits), 1 = one digit, 2 = two digits;
- ``first``: the left (or only) digit;
- ``second``: the right digit of a pair.

The images are made from MNIST *training* digits by ``digitsight.synthetic``: each
digit is scaled, binarized at a random level, sometimes thickened or thinned
(``pen_mask``), and pushed against its neighbour until the strokes touch, then often
further so they overlap (``touching_row``). A fresh set is drawn every epoch.
The 5,000 training digits of ``digitsight.data.validation_split`` are held out to
make the validation set; the MNIST test digits are used once, after training, for
the report.

Run, from the repository root:
    python -m training.train_pairs                  # full run -> models/digitsight_pairs.keras
    python -m training.train_pairs --epochs 1 --samples 2000 --output /tmp/pairs.keras   # smoke run
"""

from __future__ import annotations

import keras
import numpy as np

from digitsight.nets.pairs import NOT_WHOLE, ONE_DIGIT, TWO_DIGITS
from digitsight.normalize import PAIR_FIELD, to_pair_field
from digitsight.synthetic import cut, pen_mask, touching_row
from training.common import MODELS, field_stem, parse_args, train_on_fresh_sets

DEFAULT_OUTPUT = MODELS / "digitsight_pairs.keras"
IGNORE = -1  # label of an output that does not apply (the second digit of a single digit)
DATASET = "pairs, single digits and cut digits made from the MNIST test digits"
# Digit heights before normalization: from small handwriting in a photo to large.
HEIGHT_RANGE = (24, 70)
# What the images hold: not one or two whole digits (cut digits, three digits), one digit,
# two; the pair is the case the model exists for, so it comes most often.
KIND_SHARE = (0.3, 0.3, 0.4)
# A "not whole" image is cut from one digit, cut from two, or holds three whole ones.
NOT_WHOLE_COUNT_SHARE = (0.35, 0.35, 0.3)
# A digit narrower than this (in digit heights) is not cut: a cut 1 still looks like a 1.
MIN_CUT_WIDTH = 0.4
CUT_AT = (0.3, 0.7)  # where across the digit a cut falls, as a share of its width
# In this share of the one- and two-digit images a sliver of a neighbour, up to MAX_SLIVER
# of its width, is left beside them, as an imperfect cut in reading leaves one.
SLIVER_SHARE = 0.3
MAX_SLIVER = 0.12


def make_sample(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, tuple]:
    """One training image (28x48) and its (count, first, second) labels."""
    height = rng.uniform(*HEIGHT_RANGE)
    kind = rng.choice([NOT_WHOLE, ONE_DIGIT, TWO_DIGITS], p=list(KIND_SHARE))
    count = {NOT_WHOLE: int(rng.choice([1, 2, 3], p=list(NOT_WHOLE_COUNT_SHARE))), ONE_DIGIT: 1, TWO_DIGITS: 2}[kind]
    picks = rng.integers(len(images), size=count + 1)  # one spare: a neighbour to cut into
    masks = [pen_mask(rng, images[i], height) for i in picks]
    digits = [int(labels[i]) for i in picks]
    if kind == NOT_WHOLE and count < 3:
        # Cut one digit of the group (not a narrow 1, whose halves still look like a 1).
        composed, extents = touching_row(rng, masks[:count], height)
        k = int(rng.integers(count))
        x0, x1 = extents[k]
        if x1 - x0 < MIN_CUT_WIDTH * height:
            return make_sample(rng, images, labels)
        keep_left = k == count - 1 if count > 1 else bool(rng.random() < 0.5)
        mask = cut(rng, composed, x0 + rng.uniform(*CUT_AT) * (x1 - x0), keep_left)
        return to_pair_field(mask), (NOT_WHOLE, IGNORE, IGNORE)
    if kind == NOT_WHOLE:
        composed, _ = touching_row(rng, masks[:3], height)
        return to_pair_field(composed), (NOT_WHOLE, IGNORE, IGNORE)
    if rng.random() < SLIVER_SHARE:
        # A sliver of a neighbour left by an imperfect cut, on the left or right.
        on_left = rng.random() < 0.5
        group = [masks[-1], *masks[:count]] if on_left else [*masks[:count], masks[-1]]
        composed, extents = touching_row(rng, group, height)
        x0, x1 = extents[0] if on_left else extents[-1]
        sliver = rng.uniform(0, MAX_SLIVER) * (x1 - x0)
        mask = cut(rng, composed, x1 - sliver if on_left else x0 + sliver, keep_left=not on_left)
    else:
        mask, _ = touching_row(rng, masks[:count], height)
    second = digits[1] if count == 2 else IGNORE
    return to_pair_field(mask), (count, digits[0], second)


def make_set(seed: int, size: int, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    x = np.zeros((size, *PAIR_FIELD, 1), np.float32)
    y = np.zeros((size, 3), np.int32)
    for i in range(size):
        x[i, ..., 0], y[i] = make_sample(rng, images, labels)
    return x, {"count": y[:, 0], "first": y[:, 1], "second": y[:, 2]}


def build_model() -> keras.Model:
    """28x48x1 in [0, 1] -> count (3-way), first digit, second digit (10-way softmaxes)."""
    inputs = keras.Input(shape=(*PAIR_FIELD, 1), name="pair")
    x = field_stem(inputs)  # 7x12
    x = keras.layers.MaxPooling2D()(x)  # 3x6: where each digit sits still matters, so no global pooling
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Dense(192, activation="relu")(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = {
        "count": keras.layers.Dense(3, activation="softmax", name="count")(x),
        "first": keras.layers.Dense(10, activation="softmax", name="first")(x),
        "second": keras.layers.Dense(10, activation="softmax", name="second")(x),
    }
    return keras.Model(inputs, outputs, name="digitsight_pairs")


def measure(model: keras.Model, x: np.ndarray, y: dict) -> dict:
    """Share read wholly right (the count and the digits that apply), share with the right count, pairs read right."""
    out = model.predict(x, batch_size=512, verbose=0)
    count = out["count"].argmax(1)
    first, second = out["first"].argmax(1), out["second"].argmax(1)
    right_count = count == y["count"]
    whole = right_count & ((y["first"] == IGNORE) | (first == y["first"]))
    whole &= (y["second"] == IGNORE) | (second == y["second"])
    pairs = y["count"] == TWO_DIGITS
    return {
        "images": int(len(x)),
        "accuracy": float(whole.mean()),
        "count_accuracy": float(right_count.mean()),
        "pair_accuracy": float(whole[pairs].mean()),
    }


def main() -> None:
    digit_loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=IGNORE)
    loss = {"count": "sparse_categorical_crossentropy", "first": digit_loss, "second": digit_loss}
    args = parse_args(__doc__, epochs=10, samples=120_000, seed=4321, output=DEFAULT_OUTPUT)
    train_on_fresh_sets(args, build_model, loss, make_set, measure, DATASET)


if __name__ == "__main__":
    main()
