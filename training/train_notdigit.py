"""Train the "not a digit" score: a small separate network, P(not a digit) for a 28x28 crop.

The digit classifier reads which digit a crop is; this one says whether it is a digit at
all (issue 20), so that the reader can drop a blob that is none: a speck, a scribble, a
piece of ruling, a blob of a photograph's background. Kept apart from the classifier, it
costs the digits nothing: trained into the classifier as an 11th class (``training/train.py``
runs 1 and 2), the classifier read MNIST's test digits at 99.61% and 99.67%, under the
shipped 99.72%.

Positives are the MNIST training digits and their shape variants (``training.shapes``),
negatives ``training.negatives`` made of the same training digits and photos, all through
the classifier's augmentation (``training.train``). Validation: the held-out MNIST
validation digits and the validation negatives (``measuring_negatives("validation")``).
The classifier's calibration file names the model (``rejector``), which
``digitsight.nets.digits.Classifier`` then runs beside it.

Run, from the repository root:
    python -m training.train_notdigit            # -> models/digitsight_notdigit.keras
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import tensorflow as tf

from digitsight.data import load_mnist, validation_split
from training.common import MODELS, command_line, compile_model, conv_block, fit_verbosity, save_model, save_report
from training.negatives import NOT_A_DIGIT, measuring_negatives
from training.train import NEGATIVE_SHARE, random_affine, random_rerender, random_thickness, training_images

DEFAULT_OUTPUT = MODELS / "digitsight_notdigit.keras"


def build_model() -> keras.Model:
    """28x28x1 in [0, 1] -> P(not a digit): five small convolutions, about 30,000 parameters."""
    inputs = keras.Input(shape=(28, 28, 1), name="crop")
    x = conv_block(inputs, 16)
    x = conv_block(x, 32, strides=2)  # 14x14
    x = conv_block(x, 32)
    x = conv_block(x, 48, strides=2)  # 7x7
    x = conv_block(x, 64)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="not_digit")(x)
    return keras.Model(inputs, outputs, name="digitsight_notdigit")


def main() -> None:
    parser = command_line(__doc__, epochs=8, seed=4321, output=DEFAULT_OUTPUT)
    parser.add_argument("--negative-share", type=float, default=NEGATIVE_SHARE)
    parser.add_argument("--limit", type=int, help="train on only the first N training digits (smoke runs)")
    args = parser.parse_args()
    args.shapes = True  # the issue-20 recipe: shapes and negatives (training.train's --shapes --negative-share)
    keras.utils.set_random_seed(args.seed)
    mnist = load_mnist(args.mnist)
    digits, labels = mnist.x_train, mnist.y_train
    if args.limit:
        digits, labels = digits[: args.limit], labels[: args.limit]
    held_out, train = validation_split(len(digits), min(args.validation_digits, len(digits) // 5))
    images, classes, counts = training_images(args, digits[train], labels[train])
    x = images[..., None].astype("float32") / 255.0
    y = (classes == NOT_A_DIGIT).astype("float32")[:, None]
    print("training images: " + ", ".join(f"{name} {count}" for name, count in counts.items()), flush=True)

    def augmented(step: tf.Tensor, batch: tuple[tf.Tensor, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
        step = tf.cast(step, tf.int32)
        crops = random_rerender(batch[0], tf.stack([step, args.seed + 2]))
        crops = random_affine(crops, tf.stack([step, args.seed]))
        return random_thickness(crops, tf.stack([step, args.seed + 1])), batch[1]

    train_ds = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=args.seed, reshuffle_each_iteration=True)
        .batch(args.batch_size)
        .enumerate()
        .map(augmented, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    negatives, _ = measuring_negatives("validation")
    x_val = np.concatenate([digits[held_out], negatives])[..., None].astype("float32") / 255.0
    y_val = np.concatenate([np.zeros(len(held_out)), np.ones(len(negatives))]).astype("float32")[:, None]

    model = build_model()
    metrics = [keras.metrics.BinaryAccuracy(name="accuracy")]
    compile_model(model, args, math.ceil(len(x) / args.batch_size), keras.losses.BinaryCrossentropy(), metrics=metrics)
    started = time.perf_counter()
    model.fit(train_ds, epochs=args.epochs, validation_data=(x_val, y_val), verbose=fit_verbosity())
    seconds = time.perf_counter() - started
    save_model(model, args.output)

    def rejected(images: np.ndarray) -> float:
        crops = images[..., None].astype("float32") / 255.0
        return float(np.mean(model.predict(crops, batch_size=1000, verbose=0)[:, 0] >= 0.5))

    # The MNIST test digits are used here, once, for the report; never for choosing anything.
    test_rejected = rejected(mnist.x_test)
    report = save_report(
        args,
        model,
        test={
            "dataset": "MNIST official test set (digits)",
            "images": len(mnist.x_test),
            "accuracy": 1 - test_rejected,
        },
        validation={
            "images": len(x_val),
            "accuracy": float(np.mean((model.predict(x_val, batch_size=1000, verbose=0) >= 0.5) == (y_val >= 0.5))),
            "digits_rejected": rejected(digits[held_out]),
            "negatives_rejected": rejected(negatives),
        },
        training={"train_images": len(x), "added_images": counts, "threshold_in_figures": 0.5},
        seconds=seconds,
        data_source=mnist.source,
    )
    print(f"validation: {report['validation']}")
    print(f"MNIST test digits called not a digit: {test_rejected:.2%}; model {args.output}; trained in {seconds:.0f} s")


if __name__ == "__main__":
    main()
