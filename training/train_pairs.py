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

The images are made here from MNIST *training* digits: each digit is scaled,
binarized at a random level, sometimes thickened or thinned, and pushed against
its neighbour until the strokes touch, then often further so they overlap. A
fresh set is drawn every epoch. The 5,000 training digits of
``digitsight.data.validation_split`` are held out to make the validation set;
the MNIST test digits are used once, after training, for the report.

Run:
    python training/train_pairs.py                  # full run -> models/digitsight_pairs.keras
    python training/train_pairs.py --epochs 1 --samples 2000 --output /tmp/pairs.keras   # smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train import one_cycle_optimizer  # noqa: E402 - the digit classifier's recipe (training/train.py)

from digitsight.data import load_mnist, validation_split  # noqa: E402
from digitsight.nets.pairs import NOT_WHOLE, ONE_DIGIT, TWO_DIGITS  # noqa: E402
from digitsight.normalize import PAIR_FIELD, to_pair_field  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "models" / "digitsight_pairs.keras"
IGNORE = -1  # label of an output that does not apply (the second digit of a single digit)


def parse_args(docstring: str, *, epochs: int, samples: int, seed: int, output: Path) -> argparse.Namespace:
    """The command line of a script that trains with ``train_on_fresh_sets``: its defaults are the script's own."""
    parser = argparse.ArgumentParser(description=docstring.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--samples", type=int, default=samples, help="images drawn per epoch")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-learning-rate", type=float, default=3e-3)
    parser.add_argument("--validation-digits", type=int, default=5000, help="training digits held out")
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--mnist", help="MNIST source: an .npz or a folder with the four IDX files")
    parser.add_argument("--output", type=Path, default=output, help="where to write the .keras model")
    return parser.parse_args()


def glyph(rng: np.random.Generator, image: np.ndarray, height: float) -> np.ndarray:
    """An MNIST digit -> a binary mask about ``height`` pixels tall, binarized and stroked at random."""
    rows = np.flatnonzero(image.max(axis=1) > 30)
    cols = np.flatnonzero(image.max(axis=0) > 30)
    digit = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    factor = height * rng.uniform(0.9, 1.1) / digit.shape[0]
    size = (max(2, round(digit.shape[1] * factor)), max(2, round(digit.shape[0] * factor)))
    big = cv2.resize(digit, size, interpolation=cv2.INTER_LINEAR)
    mask = (big > rng.uniform(0.25, 0.65) * 255).astype(np.uint8)
    stroke = rng.random()
    if stroke < 0.2:
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    elif stroke > 0.9:
        thinner = cv2.erode(mask, np.ones((2, 2), np.uint8))
        if thinner.sum() > 0.4 * mask.sum():
            mask = thinner
    return mask


def contact_offset(left: np.ndarray, left_y: int, right: np.ndarray, right_y: int) -> int:
    """The x offset of ``right`` from ``left``'s left edge at which their strokes first touch."""
    top = min(left_y, right_y)
    bottom = max(left_y + left.shape[0], right_y + right.shape[0])
    offset = left.shape[1]  # side by side, if no row holds ink of both
    best = None
    for row in range(top, bottom):
        a, b = row - left_y, row - right_y
        if 0 <= a < left.shape[0] and 0 <= b < right.shape[0]:
            left_ink, right_ink = np.flatnonzero(left[a]), np.flatnonzero(right[b])
            if left_ink.size and right_ink.size:
                touch = int(left_ink[-1] - right_ink[0])
                best = touch if best is None else max(best, touch)
    return offset if best is None else min(offset, best)


def compose(rng: np.random.Generator, masks: list[np.ndarray], height: float) -> tuple[np.ndarray, list[tuple]]:
    """Masks side by side, each touching (often overlapping) the one before; (mask, each digit's x0, x1)."""
    placed, x = [], 0
    for k, mask in enumerate(masks):
        y = int(round(height - mask.shape[0] + rng.normal(0, 0.05 * height)))
        if k:
            previous, px, py = placed[-1]
            touch = px + contact_offset(previous, py, mask, y)
            mode = rng.random()
            if mode < 0.55:  # overlapping: pushed past the first touch
                x = touch - int(rng.uniform(0, 0.2) * height)
            elif mode < 0.85:  # just touching
                x = touch
            else:  # a small gap: fragments merged as one blob in segmentation
                x = touch + 1 + int(rng.uniform(0, 0.1) * height)
            x = max(x, px - previous.shape[1] // 2)
        placed.append((mask, x, y))
    x0 = min(x for _, x, _ in placed)
    y0 = min(y for _, _, y in placed)
    width = max(x + m.shape[1] for m, x, _ in placed) - x0
    rows = max(y + m.shape[0] for m, _, y in placed) - y0
    canvas = np.zeros((rows, width), np.uint8)
    extents = []
    for mask, x, y in placed:
        view = canvas[y - y0 : y - y0 + mask.shape[0], x - x0 : x - x0 + mask.shape[1]]
        np.maximum(view, mask, out=view)
        extents.append((x - x0, x - x0 + mask.shape[1]))
    return canvas, extents


def cut(rng: np.random.Generator, mask: np.ndarray, column: float, keep_left: bool) -> np.ndarray:
    """Keep the ink on one side of a slightly slanted cut through ``column``."""
    rows, cols = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
    line = column + rng.uniform(-0.25, 0.25) * (rows - mask.shape[0] / 2)
    side = cols < line if keep_left else cols >= line
    return mask * side


def make_sample(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, tuple]:
    """One training image (28x48) and its (count, first, second) labels."""
    height = rng.uniform(24, 70)
    kind = rng.choice([NOT_WHOLE, ONE_DIGIT, TWO_DIGITS], p=[0.3, 0.3, 0.4])
    count = {NOT_WHOLE: int(rng.choice([1, 2, 3], p=[0.35, 0.35, 0.3])), ONE_DIGIT: 1, TWO_DIGITS: 2}[kind]
    picks = rng.integers(len(images), size=count + 1)  # one spare: a neighbour to cut into
    masks = [glyph(rng, images[i], height) for i in picks]
    digits = [int(labels[i]) for i in picks]
    if kind == NOT_WHOLE and count < 3:
        # Cut one digit of the group (not a narrow 1, whose halves still look like a 1).
        composed, extents = compose(rng, masks[:count], height)
        k = int(rng.integers(count))
        x0, x1 = extents[k]
        if x1 - x0 < 0.4 * height:
            return make_sample(rng, images, labels)
        keep_left = k == count - 1 if count > 1 else bool(rng.random() < 0.5)
        mask = cut(rng, composed, x0 + rng.uniform(0.3, 0.7) * (x1 - x0), keep_left)
        return to_pair_field(mask), (NOT_WHOLE, IGNORE, IGNORE)
    if kind == NOT_WHOLE:
        composed, _ = compose(rng, masks[:3], height)
        return to_pair_field(composed), (NOT_WHOLE, IGNORE, IGNORE)
    if rng.random() < 0.3:
        # A sliver of a neighbour left by an imperfect cut, on the left or right.
        on_left = rng.random() < 0.5
        group = [masks[-1], *masks[:count]] if on_left else [*masks[:count], masks[-1]]
        composed, extents = compose(rng, group, height)
        x0, x1 = extents[0] if on_left else extents[-1]
        sliver = rng.uniform(0, 0.12) * (x1 - x0)
        mask = cut(rng, composed, x1 - sliver if on_left else x0 + sliver, keep_left=not on_left)
    else:
        mask, _ = compose(rng, masks[:count], height)
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

    def conv_block(x, filters: int):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        return keras.layers.ReLU()(x)

    inputs = keras.Input(shape=(*PAIR_FIELD, 1), name="pair")
    x = conv_block(inputs, 16)
    x = keras.layers.MaxPooling2D()(x)  # 14x24
    x = conv_block(x, 32)
    x = conv_block(x, 32)
    x = keras.layers.MaxPooling2D()(x)  # 7x12
    x = conv_block(x, 64)
    x = conv_block(x, 64)
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
    """Accuracy of the count, and of the whole reading (count and the digits that apply)."""
    out = model.predict(x, batch_size=512, verbose=0)
    count = out["count"].argmax(1)
    first, second = out["first"].argmax(1), out["second"].argmax(1)
    right_count = count == y["count"]
    whole = right_count & ((y["first"] == IGNORE) | (first == y["first"]))
    whole &= (y["second"] == IGNORE) | (second == y["second"])
    pairs = y["count"] == TWO_DIGITS
    return {
        "images": int(len(x)),
        "count_accuracy": float(right_count.mean()),
        "reading_accuracy": float(whole.mean()),
        "pair_reading_accuracy": float(whole[pairs].mean()),
    }


def main() -> None:
    digit_loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=IGNORE)
    loss = {"count": "sparse_categorical_crossentropy", "first": digit_loss, "second": digit_loss}
    args = parse_args(__doc__, epochs=10, samples=120_000, seed=4321, output=DEFAULT_OUTPUT)
    train_on_fresh_sets(args, build_model, loss, make_set, measure)


def train_on_fresh_sets(args: argparse.Namespace, build_model, loss, make_set, measure) -> None:  # noqa: ANN001
    """The recipe this model and the chain model share (``train_chains.py``), start to finish.

    A validation set from the held-out training digits; a fresh training set drawn from the
    other training digits every epoch, under the classifier's one-cycle schedule; the model
    saved to ``args.output``, and a report beside it: ``measure`` on the validation set and,
    once, on a set made from the MNIST test digits. ``make_set(seed, size, images, labels)``
    gives (x, y); ``measure(model, x, y)`` a dict of figures.
    """
    keras.utils.set_random_seed(args.seed)
    mnist = load_mnist(args.mnist)
    held_out, train = validation_split(len(mnist.x_train), args.validation_digits)
    train_images, train_labels = mnist.x_train[train], mnist.y_train[train]
    set_size = max(1000, args.samples // 10)
    validation = make_set(args.seed + 1, set_size, mnist.x_train[held_out], mnist.y_train[held_out])

    model = build_model()
    steps_per_epoch = math.ceil(args.samples / args.batch_size)
    model.compile(optimizer=one_cycle_optimizer(args.max_learning_rate, args.epochs, steps_per_epoch), loss=loss)
    model.summary(print_fn=lambda line, **_: print(line))

    started = time.perf_counter()
    for epoch in range(args.epochs):
        x, y = make_set(args.seed + 100 + epoch, args.samples, train_images, train_labels)
        model.fit(
            x,
            y,
            batch_size=args.batch_size,
            initial_epoch=epoch,
            epochs=epoch + 1,
            verbose=1 if sys.stdout.isatty() else 2,
        )
        print(f"epoch {epoch + 1}: validation {measure(model, *validation)}", flush=True)
    training_seconds = time.perf_counter() - started

    args.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)
    # The official test digits are used here, once, for the report; never for choosing anything.
    test = make_set(args.seed + 2, set_size, mnist.x_test, mnist.y_test)
    report = {
        "validation": measure(model, *validation),
        "test": measure(model, *test),
        "training": {
            "epochs": args.epochs,
            "samples_per_epoch": args.samples,
            "parameters": int(model.count_params()),
            "training_seconds": round(training_seconds, 1),
            "seed": args.seed,
            "data_source": mnist.source,
            "command": "python " + " ".join(sys.argv),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        },
    }
    args.output.with_suffix(".report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"test {report['test']}; model {args.output}; trained in {training_seconds:.0f} s")


if __name__ == "__main__":
    main()
