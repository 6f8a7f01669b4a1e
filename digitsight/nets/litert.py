"""Run the nets with LiteRT (``ai-edge-litert``), TensorFlow's runtime for deployment, instead of Keras.

Reading needs only the forward pass, and TensorFlow costs seconds and ~700 MB to import
for it; LiteRT runs the same float32 graph from a ``.tflite`` file in a process of ~130 MB
that starts in a second. The ``.tflite`` file is made from the ``.keras`` one by
``python -m training.export_litert`` (run from the repository root; the training scripts
run it after saving). Nothing here imports TensorFlow or Keras.

The backend is chosen per call (``backend="keras"``), or for the whole process with the
environment variable ``DIGITSIGHT_BACKEND``; the default is ``litert``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from digitsight.errors import DigitSightError

LITERT, KERAS = "litert", "keras"
BACKENDS = (LITERT, KERAS)
BACKEND_VARIABLE = "DIGITSIGHT_BACKEND"
# One thread per interpreter: a reading's batches are small (tens of 28-pixel fields), too
# small to split across cores with gain, and the cores are better spent on the three nets
# running beside one another and on worker processes (``digitsight.batch``).
THREADS = 1


def resolve_backend(backend: str | None = None) -> str:
    """``backend``, else ``$DIGITSIGHT_BACKEND``, else ``litert``; DigitSightError for an unknown name."""
    chosen = backend or os.environ.get(BACKEND_VARIABLE) or LITERT
    if chosen not in BACKENDS:
        raise DigitSightError(f"unknown backend {chosen!r}: expected one of {', '.join(BACKENDS)}")
    return chosen


def litert_path(model_path: Path) -> Path:
    """The ``.tflite`` file that stands for ``model_path`` (a ``.keras`` file's is beside it, same name)."""
    return model_path if model_path.suffix == ".tflite" else model_path.with_suffix(".tflite")


def file_sha256(path: Path) -> str:
    """The SHA-256 of ``path``'s bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LiteRTForward:
    """A ``.tflite`` model as a function: a float32 (N, height, width, 1) batch -> its output(s) as numpy arrays.

    One output gives one array; several (the pair model's) give a dict by output name. An
    interpreter runs one call at a time, so calls from several threads take turns; each
    net has its own interpreter, so different nets still run side by side (LiteRT releases
    the GIL while it computes).
    """

    def __init__(self, path: Path, input_size: tuple[int, int]) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            interpreter = Interpreter(model_path=str(path), num_threads=THREADS)
            self._runner = interpreter.get_signature_runner()
        except (ValueError, RuntimeError) as error:
            raise DigitSightError(f"cannot load the model {path}: {error}") from error
        inputs = self._runner.get_input_details()
        (self._input, details), *more = inputs.items()
        if more or tuple(details["shape_signature"][1:]) != (*input_size, 1):
            raise DigitSightError(
                f"the model {path} takes {[list(d['shape_signature']) for d in inputs.values()]}, "
                f"not one batch of {input_size[0]}x{input_size[1]} images"
            )
        outputs = list(self._runner.get_output_details())
        # A single output is returned bare, as Keras returns it; several by name, as a dict.
        self._single = outputs[0] if len(outputs) == 1 else None
        self._lock = threading.Lock()
        with _quiet_stderr():
            # The first call sets the interpreter up (not the first user's request), and LiteRT's
            # C++ logger prints "INFO: Created TensorFlow Lite XNNPACK delegate" then, whatever
            # TF_CPP_MIN_LOG_LEVEL says: noise on every CLI run, hence the muted stderr.
            self(np.zeros((1, *input_size, 1), np.float32))

    def __call__(self, batch: np.ndarray) -> np.ndarray | dict[str, np.ndarray]:
        with self._lock:
            # The runner resizes its input to the batch's size when it changes (microseconds).
            outputs = self._runner(**{self._input: np.ascontiguousarray(batch, dtype=np.float32)})
        return outputs[self._single] if self._single else outputs


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """File descriptor 2 sent to /dev/null for the duration (C++ code writes to it directly, not to sys.stderr)."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to mute
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load_litert(model_path: Path, input_size: tuple[int, int], how_to_train: str) -> LiteRTForward:
    """The LiteRT model standing for ``model_path`` (a ``.keras`` or ``.tflite`` file), ready to call.

    Raises DigitSightError when the ``.tflite`` file is missing, unreadable, of another
    input size, or was exported from another version of the ``.keras`` file beside it
    (a model retrained without exporting it again would otherwise be silently ignored).
    """
    path = litert_path(model_path)
    keras_file = path.with_suffix(".keras")
    export = f"python -m training.export_litert {keras_file}"
    if not path.is_file():
        if keras_file.is_file():
            raise DigitSightError(f"model file {path} not found; make it with `{export}` or read with --backend keras")
        raise DigitSightError(f"model file {path} not found; train one with `{how_to_train}`")
    _check_exported_from(path, keras_file, export)
    return LiteRTForward(path, input_size)


def _check_exported_from(path: Path, keras_file: Path, export: str) -> None:
    """DigitSightError unless ``path`` was exported from ``keras_file`` as it is now (or there is no ``keras_file``)."""
    if not keras_file.is_file():
        return  # a deployment that ships only the .tflite files
    record_path = path.with_suffix(".litert.json")
    try:
        recorded = json.loads(record_path.read_text())["keras_sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        recorded = None
    if recorded != file_sha256(keras_file):
        raise DigitSightError(
            f"{path} was not exported from {keras_file} as it is now (no matching {record_path.name}); "
            f"export it again with `{export}` or read with --backend keras"
        )
