"""Train DigitSight's digit classifier on MNIST and write the model with its evaluation report.

A small all-convolutional network (strided convolutions instead of pooling, batch
norm, about 0.2 M parameters) trained with cheap on-the-fly augmentation done in
the tf.data input pipeline and a one-cycle learning-rate schedule. The
augmentation: half the digits re-rendered the way reading renders a segmented
digit (binarized at a random level, then anti-aliased back down), then random
rotation, scale, shear, shift (one batched affine warp) and stroke thickness.
The recipe is sized for a 2-core CPU: a full run takes about half an hour there.

Model selection uses the 5,000 training images of ``digitsight.data.validation_split``,
held out (the pair model holds out the same ones). The official 10,000-image test
set is touched once, after training, to write the report next to the model.

Run:
    python training/train.py                       # full run -> models/digitsight_cnn.keras
    python training/train.py --epochs 1 --limit 500 --output /tmp/smoke.keras   # smoke run
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from digitsight.data import load_mnist, validation_split  # noqa: E402
from digitsight.evaluation import (  # noqa: E402
    evaluate_model,
    misclassified_path_for,
    report_path_for,
    save_misclassified,
    write_report,
)

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "models" / "digitsight_cnn.keras"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-learning-rate", type=float, default=3e-3)
    parser.add_argument("--validation-size", type=int, default=5000, help="images held out of the training set")
    parser.add_argument("--limit", type=int, help="train on only the first N training images (smoke runs)")
    parser.add_argument("--test-limit", type=int, help="report on only the first N test images (smoke runs)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--mnist", help="MNIST source: an .npz or a folder with the four IDX files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the .keras model")
    return parser.parse_args()


def build_model() -> keras.Model:
    """28x28x1 in [0, 1] -> softmax over the 10 digits."""

    def conv_block(x, filters: int, strides: int = 1):
        x = keras.layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        return keras.layers.ReLU()(x)

    inputs = keras.Input(shape=(28, 28, 1), name="digit")
    x = conv_block(inputs, 32)
    x = conv_block(x, 32)
    x = conv_block(x, 32, strides=2)  # 14x14
    x = keras.layers.Dropout(0.1)(x)
    x = conv_block(x, 64)
    x = conv_block(x, 64, strides=2)  # 7x7
    x = keras.layers.Dropout(0.1)(x)
    x = conv_block(x, 128)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.25)(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digitsight_cnn")


def one_cycle_optimizer(max_learning_rate: float, epochs: int, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """AdamW on a one-cycle schedule: half an epoch of warm-up to the peak, then cosine decay."""
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=max_learning_rate / 10,
        decay_steps=max(1, epochs * steps_per_epoch - steps_per_epoch // 2),
        warmup_target=max_learning_rate,
        warmup_steps=steps_per_epoch // 2,
        alpha=0.001,
    )
    return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=1e-4)


def random_affine(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Warp a batch (B, 28, 28, 1) by a random rotation, scale, shear and shift about the centre."""
    batch = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 5)

    def uniform(index: int, low: float, high: float) -> tf.Tensor:
        return tf.random.stateless_uniform([batch], seeds[index], low, high)

    angle = uniform(0, -12.0, 12.0) * (math.pi / 180.0)
    scale = uniform(1, 0.88, 1.12)
    shear = uniform(2, -0.15, 0.15)
    shift = tf.random.stateless_uniform([batch, 2], seeds[3], -2.5, 2.5)
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    # The transform maps OUTPUT pixel (x, y) to INPUT pixel (a0 x + a1 y + a2, b0 x + b1 y + b2).
    a0, a1 = cos, -sin + shear
    b0, b1 = sin, cos
    centre = 13.5
    a2 = centre - a0 * centre - a1 * centre - shift[:, 0]
    b2 = centre - b0 * centre - b1 * centre - shift[:, 1]
    zeros = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=[28, 28],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


def random_rerender(images: tf.Tensor, seed: tf.Tensor, fraction: float = 0.5) -> tf.Tensor:
    """Re-render some digits as reading renders a segmented one: a hard-edged binary mask, area-averaged.

    MNIST's soft grey edges come from its scanner; a photo's digit reaches the model as a
    binarized mask shrunk into the 20x20 box. Upsampled 4x, thresholded at a random level
    (which also thins or thickens the stroke) and averaged back down, an MNIST digit looks
    like that.
    """
    batch = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 2)
    big = tf.image.resize(images, [112, 112], method="bilinear")
    level = tf.random.stateless_uniform([batch, 1, 1, 1], seeds[0], 0.25, 0.65)
    rendered = tf.nn.avg_pool2d(tf.cast(big > level, tf.float32), 4, 4, "VALID")
    choice = tf.random.stateless_uniform([batch, 1, 1, 1], seeds[1])
    return tf.where(choice < fraction, rendered, images)


def random_thickness(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Thicken (grey dilation) or thin (grey erosion) some strokes: real pens vary more than MNIST's."""
    choice = tf.random.stateless_uniform([tf.shape(images)[0], 1, 1, 1], seed)
    thicker = tf.nn.max_pool2d(images, 2, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    return tf.where(choice < 0.15, thicker, tf.where(choice > 0.9, thinner, images))


def make_datasets(args: argparse.Namespace):
    mnist = load_mnist(args.mnist)
    x = mnist.x_train[..., None].astype("float32") / 255.0
    y = mnist.y_train.astype("int32")
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    validation, train = validation_split(len(x), min(args.validation_size, len(x) // 5))

    train_ds = (
        tf.data.Dataset.from_tensor_slices((x[train], y[train]))
        .shuffle(len(train), seed=args.seed, reshuffle_each_iteration=True)
        .batch(args.batch_size)
        .enumerate()
        .map(
            lambda step, batch: (
                random_thickness(
                    random_affine(
                        random_rerender(batch[0], tf.stack([tf.cast(step, tf.int32), args.seed + 2])),
                        tf.stack([tf.cast(step, tf.int32), args.seed]),
                    ),
                    tf.stack([tf.cast(step, tf.int32), args.seed + 1]),
                ),
                tf.one_hot(batch[1], 10),
            ),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .prefetch(tf.data.AUTOTUNE)
    )
    validation_ds = tf.data.Dataset.from_tensor_slices((x[validation], tf.one_hot(y[validation], 10))).batch(512)
    x_test = mnist.x_test[..., None].astype("float32") / 255.0
    y_test = mnist.y_test.astype("int64")
    if args.test_limit:
        x_test, y_test = x_test[: args.test_limit], y_test[: args.test_limit]
    return train_ds, validation_ds, len(train), (x_test, y_test), mnist.source


def main() -> None:
    args = parse_args()
    keras.utils.set_random_seed(args.seed)
    train_ds, validation_ds, train_size, (x_test, y_test), source = make_datasets(args)

    model = build_model()
    steps_per_epoch = math.ceil(train_size / args.batch_size)
    model.compile(
        optimizer=one_cycle_optimizer(args.max_learning_rate, args.epochs, steps_per_epoch),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.05),
        metrics=["accuracy"],
    )
    model.summary(print_fn=lambda line, **_: print(line))

    started = time.perf_counter()
    history = model.fit(
        train_ds,
        epochs=args.epochs,
        validation_data=validation_ds,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    training_seconds = time.perf_counter() - started

    args.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)

    # The official test set is used here, once, for the report; never for choosing anything.
    report = evaluate_model(model, x_test, y_test)
    report["training"] = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "max_learning_rate": args.max_learning_rate,
        "train_images": train_size,
        "validation_images": int(sum(len(b[1]) for b in validation_ds)),
        "final_validation_accuracy": float(history.history["val_accuracy"][-1]),
        "parameters": int(model.count_params()),
        "training_seconds": round(training_seconds, 1),
        "seed": args.seed,
        "data_source": source,
        "command": "python " + " ".join(sys.argv),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
        "augmentation": "half re-rendered (binarized at 0.25-0.65, area-averaged), rotation ±12°, "
        "scale 0.88-1.12, shear ±0.15, shift ±2.5 px, stroke thickness ±1 px",
        "schedule": "AdamW, cosine one-cycle (warm-up half an epoch), label smoothing 0.05",
    }
    write_report(report, report_path_for(args.output))
    save_misclassified(report, x_test, misclassified_path_for(args.output))
    print(f"test accuracy {report['accuracy']:.4f}; model {args.output}; trained in {training_seconds:.0f} s")


if __name__ == "__main__":
    main()
