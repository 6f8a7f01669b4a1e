"""What the three networks share: loading once per path, batching, and the one compiled model call.

Each net (``digits.Classifier``, ``pairs.PairModel``, ``chains.ChainModel``) is a
``Net``: it says which candidate images it reads (its ``kind``), their size and the
shape of its outputs; ``Net.read(images)`` does the rest here. The model is called in
one place, ``Net._run``, through a compiled ``tf.function`` with a fixed input
signature: ``model.predict()`` costs ~120 ms per call on a 2-core CPU even for one
image, a compiled call a few ms.

Two backends run the model: ``litert`` (the default: the ``.tflite`` beside the
``.keras`` file, run without TensorFlow, ``nets/litert.py``) and ``keras`` (the
``.keras`` file itself, for a model trained and not yet exported); see ``resolve_backend``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from digitsight.errors import DigitSightError
from digitsight.nets.litert import LITERT, load_litert, resolve_backend

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
# Larger batches are split into chunks of this size: it bounds memory, and the
# throughput on a 2-core CPU no longer grows past it.
CHUNK = 1024

# The nets' kinds, which are also how a candidate piece is read: as one digit (the digit
# classifier), as two touching digits (the pair model) or as a row of digits (the chain model).
DIGIT, PAIR, CHAIN = "digit", "pair", "chain"

# A net's raw outputs: one array, or one per named output (the pair model's three softmaxes).
Arrays = np.ndarray | dict[str, np.ndarray]
# A loaded model as a function: a float32 (N, height, width, 1) batch -> its raw outputs.
Forward = Callable[[np.ndarray], Arrays]
Outputs = TypeVar("Outputs")


def load_compiled(path: Path, input_size: tuple[int, int], how_to_train: str) -> tuple[Any, Forward]:
    """Load a .keras model and wrap it in a compiled ``tf.function`` for (N, height, width, 1) batches.

    Returns (model, forward): ``forward`` takes a float32 batch and returns numpy arrays.
    Raises DigitSightError for a missing or unreadable file.
    """
    # Imported here, not at the top: TensorFlow takes seconds to import, and ``import
    # digitsight`` (the CLI's --help, the app's light pages) must not pay for it.
    import keras
    import tensorflow as tf

    if not path.is_file():
        raise DigitSightError(f"model file {path} not found; train one with `{how_to_train}`")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a bad file
        raise DigitSightError(f"cannot load the model {path}: {error}") from error
    compiled = tf.function(
        lambda batch: model(batch, training=False),
        input_signature=[tf.TensorSpec([None, *input_size, 1], tf.float32)],
        reduce_retracing=True,
    )
    compiled(tf.zeros([1, *input_size, 1]))  # trace once now, not on the first user's request

    def forward(batch: np.ndarray) -> Arrays:
        outputs = compiled(batch)
        if isinstance(outputs, dict):
            return {name: output.numpy() for name, output in outputs.items()}
        return outputs.numpy()

    return model, forward


def as_batch(images: np.ndarray, size: tuple[int, int], what: str) -> np.ndarray:
    """(N, height, width) or (N, height, width, 1) -> a float32 (N, height, width, 1) batch.

    Raises ValueError("expected ``what``, got <shape>") for any other shape.
    """
    batch = np.asarray(images, dtype=np.float32)
    if batch.ndim == 3:
        batch = batch[..., None]
    if batch.ndim != 4 or batch.shape[1:] != (*size, 1):
        raise ValueError(f"expected {what}, got {batch.shape}")
    return batch


class Net(Generic[Outputs]):
    """A loaded network; safe to call from several threads at once.

    A subclass sets the class attributes below and turns the raw arrays into its
    outputs (``_outputs``); ``read`` is the one way to run any of them.
    """

    kind: ClassVar[str]  # DIGIT, PAIR or CHAIN: which candidate images it reads
    input_size: ClassVar[tuple[int, int]]  # height, width of each image
    what: ClassVar[str]  # the images it reads, for the error message on a wrong shape
    output_sizes: ClassVar[tuple[int, ...] | dict[str, tuple[int, ...]]]  # per image, per named output
    default_path: ClassVar[Path]  # the shipped model
    how_to_train: ClassVar[str]  # the command that makes a model file, for the error message when it is missing

    def __init__(self, model_path: str | os.PathLike | None = None, backend: str | None = None) -> None:
        """Load ``model_path`` (default: the shipped model) with ``backend`` (default: ``resolve_backend()``).

        ``model`` is the Keras model with the keras backend, None with LiteRT.
        """
        self.model_path = Path(model_path) if model_path else self.default_path
        self.backend = resolve_backend(backend)
        if self.backend == LITERT:
            self.model, self._forward = None, load_litert(self.model_path, self.input_size, self.how_to_train)
        else:
            self.model, self._forward = load_compiled(self.model_path, self.input_size, self.how_to_train)

    def read(self, images: np.ndarray) -> Outputs:
        """(N, height, width[, 1]) floats in [0, 1], white on black -> the net's outputs for the N images."""
        batch = as_batch(images, self.input_size, self.what)
        return self._outputs(self._run(batch) if len(batch) else self._empty())

    def _run(self, batch: np.ndarray) -> Arrays:
        """The model applied to ``batch``, CHUNK images at a time: its outputs as numpy arrays, in order."""
        chunks = [self._forward(batch[i : i + CHUNK]) for i in range(0, len(batch), CHUNK)]
        if isinstance(chunks[0], dict):
            return {name: np.concatenate([chunk[name] for chunk in chunks]) for name in chunks[0]}
        return np.concatenate(chunks)

    def _empty(self) -> Arrays:
        """The raw outputs for no images: arrays of the right shapes, without running the model."""
        if isinstance(self.output_sizes, dict):
            return {name: np.zeros((0, *size), np.float32) for name, size in self.output_sizes.items()}
        return np.zeros((0, *self.output_sizes), np.float32)

    def _outputs(self, arrays: Arrays) -> Outputs:
        """The raw arrays as this net's outputs (as they are, unless a subclass says otherwise)."""
        return arrays


_loaded: dict[tuple[type, Path, str], Net] = {}
_lock = threading.Lock()

NetType = TypeVar("NetType", bound=Net)


def load_once(net_type: type[NetType], path: Path, backend: str | None = None) -> NetType:
    """The process-wide ``net_type(path, backend)`` (a Classifier, a PairModel, a ChainModel), created on first use."""
    key = (net_type, path, resolve_backend(backend))
    with _lock:
        if key not in _loaded:
            _loaded[key] = net_type(path, key[2])
        return _loaded[key]
