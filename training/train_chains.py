"""Train DigitSight's chain model: reads a row of touching digits whole, as a sequence.

Reading cuts a wide blob into pieces and scores every way of reading it with the
digit classifier and the pair model, piece by piece. In a chain of three or more
touching digits that piecewise score is often fooled: a 1 leaning into its
neighbour vanishes, or a cut through a 0 reads as two good digits. The chain
model sees the whole blob at once and gives the probability of any digit string
(a CTC model, as in handwriting recognition); reading adds it to each candidate
reading's score.

The model takes the blob normalized by ``digitsight.normalize.to_chain_field``
(28x128, ink 20 pixels tall) and outputs, for each of 32 columns (4 pixels
wide), log-probabilities over the ten digits and the CTC blank (class 10).

The images are made from MNIST *training* digits by ``digitsight.synthetic`` as
the pair model's pairs are (``pen_mask``: scaled, binarized at a random level,
sometimes thickened or thinned; ``touching_row``: pushed against the neighbour until
the strokes touch or overlap), one to eight digits long. A fresh set is drawn every epoch. The 5,000 training
digits of ``digitsight.data.validation_split`` are held out to make the
validation set; the MNIST test digits are used once, after training, for the
report.

Run, from the repository root:
    python -m training.train_chains                 # full run -> models/digitsight_chains.keras
    python -m training.train_chains --epochs 1 --samples 2000 --output /tmp/chains.keras   # smoke run
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from digitsight.decode.ctc import greedy_decode
from digitsight.nets.chains import BLANK, MAX_DIGITS
from digitsight.normalize import CHAIN_FIELD, to_chain_field
from digitsight.synthetic import pen_mask, touching_row
from training.common import MODELS, field_stem, parse_args, train_on_fresh_sets

DEFAULT_OUTPUT = MODELS / "digitsight_chains.keras"
DATASET = "rows of one to eight touching MNIST test digits"
HEIGHT_RANGE = (24, 70)  # digit heights before normalization, as the pair model's
# How many digits a training chain holds: mostly two to four, as touching digits come.
LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8)
LENGTH_SHARE = (0.08, 0.3, 0.25, 0.15, 0.09, 0.06, 0.04, 0.03)
PADDING = -1  # label past the end of a chain


def make_sample(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """One training image (28x128) and its digits, left to right."""
    height = rng.uniform(*HEIGHT_RANGE)
    length = int(rng.choice(LENGTHS, p=LENGTH_SHARE))
    picks = rng.integers(len(images), size=length)
    composed, _ = touching_row(rng, [pen_mask(rng, images[i], height) for i in picks], height)
    return to_chain_field(composed), [int(labels[i]) for i in picks]


def make_set(seed: int, size: int, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.zeros((size, *CHAIN_FIELD, 1), np.float32)
    y = np.full((size, MAX_DIGITS), PADDING, np.int32)
    for i in range(size):
        x[i, ..., 0], digits = make_sample(rng, images, labels)
        y[i, : len(digits)] = digits
    return x, y


def build_model() -> keras.Model:
    """28x128x1 in [0, 1] -> (32, 11) log-probabilities: a digit or the blank, per 4-pixel column."""
    inputs = keras.Input(shape=(*CHAIN_FIELD, 1), name="chain")
    x = field_stem(inputs)  # 7x32
    # Each of the 32 columns becomes one time step; 1-D convolutions let it see its neighbours.
    x = keras.layers.Permute((2, 1, 3))(x)
    x = keras.layers.Reshape((CHAIN_FIELD[1] // 4, -1))(x)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    for _ in range(2):
        x = keras.layers.Conv1D(128, 5, padding="same", activation="relu")(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(BLANK + 1, activation="log_softmax", name="columns")(x)
    return keras.Model(inputs, outputs, name="digitsight_chains")


def ctc_loss(y_true: Any, y_pred: Any) -> Any:
    """CTC loss of padded digit labels (PADDING past the end) under per-column log-probabilities (Keras tensors)."""
    labels = keras.ops.cast(y_true, "int32")
    lengths = keras.ops.sum(keras.ops.cast(labels >= 0, "int32"), axis=1)
    columns = keras.ops.full_like(lengths, keras.ops.shape(y_pred)[1])
    return keras.ops.ctc_loss(keras.ops.maximum(labels, 0), y_pred, lengths, columns, mask_index=BLANK)


def measure(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict:
    """Exact-match rate of the best-path reading, overall and by chain length."""
    columns = model.predict(x, batch_size=512, verbose=0)
    truth = ["".join(str(d) for d in row if d >= 0) for row in y]
    right = np.array([greedy_decode(c) == t for c, t in zip(columns, truth, strict=True)])
    lengths = np.array([len(t) for t in truth])
    by_length = {str(n): round(float(right[lengths == n].mean()), 4) for n in LENGTHS if (lengths == n).any()}
    return {"images": int(len(x)), "accuracy": float(right.mean()), "by_length": by_length}


def main() -> None:
    args = parse_args(__doc__, epochs=14, samples=60_000, seed=8765, output=DEFAULT_OUTPUT)
    train_on_fresh_sets(args, build_model, ctc_loss, make_set, measure, DATASET)


if __name__ == "__main__":
    main()
