"""Export Keras models to LiteRT (``.tflite``), so that reading runs without TensorFlow.

    python -m training.export_litert                      # the four shipped models
    python -m training.export_litert models/mine.keras    # any model, written beside it

Each ``X.keras`` becomes ``X.tflite`` beside it, and ``X.litert.json`` records the
SHA-256 of the ``.keras`` file it came from (``digitsight.nets.litert`` refuses a
``.tflite`` older than its ``.keras``) and how far the two models' outputs are apart on
a fixed batch (``max_difference``). The training scripts call ``export_litert`` after
saving; run this script by hand after replacing a ``.keras`` file any other way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [
    REPO_ROOT / "models" / name
    for name in (
        "digitsight_cnn.keras",
        "digitsight_pairs.keras",
        "digitsight_chains.keras",
        "digitsight_notdigit.keras",
    )
]
# The fixed batch both models read to compare their outputs: enough images to cover
# every output unit's range, small enough to run in well under a second.
CHECK_BATCH = 32
CHECK_SEED = 2024
# The largest output difference accepted between a .keras model and its .tflite. Both
# run the same float32 graph; only the order of the sums differs (measured: 3e-9 on the
# digit CNN's softmax, 9e-6 on the chain model's log-probabilities, which reach -13).
TOLERANCE = 1e-4


def litert_record_path(tflite_path: Path) -> Path:
    """Where the export of ``X.tflite`` is recorded: ``X.litert.json`` beside it."""
    return tflite_path.with_suffix(".litert.json")


def check_batch(input_shape: tuple[int, ...], seed: int = CHECK_SEED) -> np.ndarray:
    """A fixed float32 batch of ``CHECK_BATCH`` images of ``input_shape`` (height, width, 1).

    Mostly dark with sparse bright pixels, as the nets' white-on-black fields are; noise
    rather than digits so that the softmaxes are not all saturated at 0 and 1, where any
    two models agree.
    """
    rng = np.random.default_rng(seed)
    return (rng.random((CHECK_BATCH, *input_shape)) ** 4).astype(np.float32)


def max_difference(model: keras.Model, tflite_path: Path) -> float:
    """The largest absolute difference between ``model``'s outputs and those of ``tflite_path`` on ``check_batch``."""
    from ai_edge_litert.interpreter import Interpreter

    batch = check_batch(tuple(model.inputs[0].shape[1:]))
    expected = model(batch, training=False)
    if not isinstance(expected, dict):
        expected = {"output_0": expected}
    runner = Interpreter(model_path=str(tflite_path)).get_signature_runner()
    got = runner(**{runner.get_input_details().popitem()[0]: batch})
    if set(got) != set(expected):
        raise ValueError(f"{tflite_path} has outputs {sorted(got)}, the Keras model {sorted(expected)}")
    return max(float(np.max(np.abs(np.asarray(expected[name]) - got[name]))) for name in expected)


def export_litert(keras_path: str | os.PathLike, tflite_path: str | os.PathLike | None = None) -> Path:
    """Convert ``keras_path`` to LiteRT (default: the same name ending in ``.tflite``); returns the ``.tflite`` path.

    Writes ``X.litert.json`` beside it (see the module docstring). Raises ValueError when
    the two models' outputs differ by more than TOLERANCE on the check batch; the files are
    then left unwritten, so a reader never picks up a bad conversion.
    """
    import keras

    keras_path = Path(keras_path)
    tflite_path = Path(tflite_path) if tflite_path else keras_path.with_suffix(".tflite")
    model = keras.saving.load_model(keras_path, compile=False)
    # Written to a temporary name and moved in place: a reading process never sees half a file.
    with tempfile.TemporaryDirectory(dir=tflite_path.parent) as scratch:
        converted = Path(scratch) / tflite_path.name
        # Keras 3's exporter: TFLiteConverter on the model's serving function, batch size left free.
        model.export(str(converted), format="litert", verbose=False)
        difference = max_difference(model, converted)
        if difference > TOLERANCE:
            raise ValueError(f"{keras_path} converted to LiteRT differs by {difference:.2g} (> {TOLERANCE:g})")
        os.replace(converted, tflite_path)
    record = {
        "keras_file": keras_path.name,
        "keras_sha256": _sha256(keras_path),
        "max_difference": difference,
        "check_batch": {"images": CHECK_BATCH, "seed": CHECK_SEED},
        "keras": keras.__version__,
    }
    litert_record_path(tflite_path).write_text(json.dumps(record, indent=2) + "\n")
    return tflite_path


def _sha256(path: Path) -> str:
    from digitsight.nets.litert import file_sha256

    return file_sha256(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", type=Path, help="Keras models to export (default: the shipped four)")
    args = parser.parse_args(argv)
    for keras_path in args.models or SHIPPED:
        tflite_path = export_litert(keras_path)
        record = json.loads(litert_record_path(tflite_path).read_text())
        size = tflite_path.stat().st_size / 1e6
        print(f"{tflite_path}: {size:.1f} MB, max difference from {keras_path.name}: {record['max_difference']:.2g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
