"""What the three training scripts share: building blocks, schedule, command line, recipe, report.

- ``conv_block``: the 3x3 convolution, batch norm and ReLU all three networks are built of,
  and ``field_stem``, the convolutions of the pair and chain models;
- ``one_cycle_optimizer`` and ``compile_model``: AdamW on a one-cycle schedule;
- ``command_line`` and ``parse_args``: the options every script takes;
- ``train_on_fresh_sets``: the pair and chain models' recipe, a fresh synthetic set each epoch;
- ``save_report``: the one evaluation report format, written beside the model.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from digitsight.data import VALIDATION_SIZE, load_mnist, validation_split
from digitsight.evaluation import report_path_for, write_report
from training.export_litert import export_litert

MODELS = Path(__file__).resolve().parents[1] / "models"
# The recipe's defaults, sized for a 2-core CPU: batches of 128 keep both cores busy, and
# 3e-3 is the highest peak learning rate at which the first epochs stayed stable.
BATCH_SIZE = 128
MAX_LEARNING_RATE = 3e-3
# The one-cycle schedule starts at the peak over WARMUP_DIVISOR, warms up for half an epoch,
# then decays along a cosine to ALPHA times the peak; AdamW's weight decay keeps weights small.
WARMUP_DIVISOR = 10
ALPHA = 0.001
WEIGHT_DECAY = 1e-4
# The pair and chain models' validation and test sets: a tenth of an epoch's images, at
# least MIN_CHECK_SET so that a smoke run's figures still mean something.
CHECK_SET_SHARE = 10
MIN_CHECK_SET = 1000

Figures = dict[str, Any]
# make_set(seed, size, images, labels) -> (x, y): ``size`` training images drawn from MNIST digits.
MakeSet = Callable[[int, int, np.ndarray, np.ndarray], tuple[np.ndarray, Any]]
# measure(model, x, y) -> figures: "images", "accuracy" (the share read wholly right), then the model's own.
Measure = Callable[[keras.Model, np.ndarray, Any], Figures]


def conv_block(x: keras.KerasTensor, filters: int, strides: int = 1) -> keras.KerasTensor:
    """A 3x3 convolution (no bias: batch norm follows), batch norm and ReLU."""
    x = keras.layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def field_stem(inputs: keras.KerasTensor) -> keras.KerasTensor:
    """The convolutions the pair and chain models share, from a normalized field to a quarter of its size.

    16 filters, pooling, 32 and 32, pooling, 64 and 64: small enough to train on a CPU, and
    each output still sees where on the field its ink lies.
    """
    x = conv_block(inputs, 16)
    x = keras.layers.MaxPooling2D()(x)
    x = conv_block(x, 32)
    x = conv_block(x, 32)
    x = keras.layers.MaxPooling2D()(x)
    x = conv_block(x, 64)
    return conv_block(x, 64)


def one_cycle_optimizer(max_learning_rate: float, epochs: int, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """AdamW on a one-cycle schedule: half an epoch of warm-up to the peak, then cosine decay."""
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=max_learning_rate / WARMUP_DIVISOR,
        decay_steps=max(1, epochs * steps_per_epoch - steps_per_epoch // 2),
        warmup_target=max_learning_rate,
        warmup_steps=steps_per_epoch // 2,
        alpha=ALPHA,
    )
    return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=WEIGHT_DECAY)


def compile_model(
    model: keras.Model, args: argparse.Namespace, steps_per_epoch: int, loss: Any, **compile_args: Any
) -> None:
    """Compile ``model`` under the one-cycle schedule of ``args`` and print its summary."""
    optimizer = one_cycle_optimizer(args.max_learning_rate, args.epochs, steps_per_epoch)
    model.compile(optimizer=optimizer, loss=loss, **compile_args)
    model.summary(print_fn=lambda line, **_: print(line))


def fit_verbosity() -> int:
    """Keras' ``verbose``: a live progress bar in a terminal, one line per epoch in a log file."""
    return 1 if sys.stdout.isatty() else 2


def command_line(docstring: str, *, epochs: int, seed: int, output: Path) -> argparse.ArgumentParser:
    """The options every training script takes, with the script's own defaults; a script may add more."""
    parser = argparse.ArgumentParser(description=docstring.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--max-learning-rate", type=float, default=MAX_LEARNING_RATE)
    parser.add_argument(
        "--validation-digits", type=int, default=VALIDATION_SIZE, help="training digits held out for validation"
    )
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--mnist", help="MNIST source: an .npz or a folder with the four IDX files")
    parser.add_argument("--output", type=Path, default=output, help="where to write the .keras model")
    return parser


def parse_args(docstring: str, *, epochs: int, samples: int, seed: int, output: Path) -> argparse.Namespace:
    """The command line of a script that trains with ``train_on_fresh_sets``: its defaults are the script's own."""
    parser = command_line(docstring, epochs=epochs, seed=seed, output=output)
    parser.add_argument("--samples", type=int, default=samples, help="images drawn per epoch")
    return parser.parse_args()


def save_model(model: keras.Model, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    export_litert(output)  # the .tflite beside it, which reading runs without TensorFlow (export_litert.py)


def run_command() -> str:
    """How this run was started, to repeat it: ``python -m training.train --epochs 1 ...``."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    script = ["-m", spec.name] if spec is not None else [sys.argv[0]]
    return " ".join(["python", *script, *sys.argv[1:]])


def save_report(
    args: argparse.Namespace,
    model: keras.Model,
    test: Figures,
    training: Figures,
    seconds: float,
    data_source: str,
    validation: Figures | None = None,
) -> Figures:
    """Write the model's evaluation report beside it (``models/x.keras`` -> ``models/x.report.json``).

    One format for all three models (the dashboard reads the digit classifier's):

    - at the top level, the figures on the MNIST test digits, measured once after training:
      ``dataset`` (what was read), ``images``, ``accuracy`` (the share read wholly right),
      then the model's own figures;
    - ``validation``: the same figures on the held-out training digits, where the script
      measures them itself;
    - ``training``: how the model was trained, the settings every script has and then the
      script's own (``training``), so that the run can be repeated.

    Parameters
    ----------
    test, validation:
        Figures, each with at least ``images`` and ``accuracy``; ``test`` also with ``dataset``.
    training:
        The script's own settings and figures about the training run.
    seconds, data_source:
        How long training took; where the MNIST digits came from.

    Returns
    -------
    The report as written.
    """
    report = dict(test)
    if validation is not None:
        report["validation"] = validation
    report["training"] = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "max_learning_rate": args.max_learning_rate,
        "parameters": int(model.count_params()),
        "training_seconds": round(seconds, 1),
        "seed": args.seed,
        "data_source": data_source,
        "command": run_command(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
        **training,
    }
    write_report(report, report_path_for(args.output))
    return report


def train_on_fresh_sets(
    args: argparse.Namespace,
    build_model: Callable[[], keras.Model],
    loss: Any,
    make_set: MakeSet,
    measure: Measure,
    dataset: str,
) -> Figures:
    """The recipe the pair and chain models share, start to finish; returns the report.

    A validation set from the held-out training digits; a fresh training set drawn from the
    other training digits every epoch, under the one-cycle schedule; the model saved to
    ``args.output``, and the report beside it (``save_report``): ``measure`` on the
    validation set and, once, on a set made from the MNIST test digits (``dataset`` says
    what that set holds).
    """
    keras.utils.set_random_seed(args.seed)
    mnist = load_mnist(args.mnist)
    held_out, train = validation_split(len(mnist.x_train), args.validation_digits)
    train_images, train_labels = mnist.x_train[train], mnist.y_train[train]
    set_size = max(MIN_CHECK_SET, args.samples // CHECK_SET_SHARE)
    validation = make_set(args.seed + 1, set_size, mnist.x_train[held_out], mnist.y_train[held_out])

    model = build_model()
    compile_model(model, args, math.ceil(args.samples / args.batch_size), loss)
    started = time.perf_counter()
    for epoch in range(args.epochs):
        x, y = make_set(args.seed + 100 + epoch, args.samples, train_images, train_labels)
        model.fit(x, y, batch_size=args.batch_size, initial_epoch=epoch, epochs=epoch + 1, verbose=fit_verbosity())
        print(f"epoch {epoch + 1}: validation {measure(model, *validation)}", flush=True)
    seconds = time.perf_counter() - started
    save_model(model, args.output)

    # The official test digits are used here, once, for the report; never for choosing anything.
    test = make_set(args.seed + 2, set_size, mnist.x_test, mnist.y_test)
    report = save_report(
        args,
        model,
        test={"dataset": dataset, **measure(model, *test)},
        validation=measure(model, *validation),
        training={"samples_per_epoch": args.samples},
        seconds=seconds,
        data_source=mnist.source,
    )
    print(f"test accuracy {report['accuracy']:.4f}; model {args.output}; trained in {seconds:.0f} s")
    return report
