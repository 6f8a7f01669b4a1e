"""The three nets as one set: loaded together, and run together on one image's candidates."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np

from digitsight.nets.base import Net
from digitsight.nets.chains import ChainModel, load_chain_model
from digitsight.nets.digits import Classifier, load_classifier
from digitsight.nets.pairs import PairModel, load_pair_model

# The model calls of one reading, beside one another. Several readings at once (the app's
# sessions) share it: more workers than the two cores gain nothing.
_MODEL_CALLS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="digitsight-models")
# Whether one reading runs its nets beside one another (above). A batch worker turns it off
# (``one_reading_one_core``): there the workers share out the cores, one image each, and a
# worker's extra threads only contend with the other workers.
_CALLS_SIDE_BY_SIDE = [True]


def one_reading_one_core() -> None:
    """From now on this process runs each reading's nets one after another, on the calling thread."""
    _CALLS_SIDE_BY_SIDE[0] = False


class Models(NamedTuple):
    """The models reading uses: ``read_loaded(loaded, *models)``."""

    classifier: Classifier
    pair_model: PairModel | None  # None: touching digits are read by cutting them apart only
    chain_model: ChainModel | None  # None: a wide blob's readings are scored piece by piece only

    def read(self, images: Mapping[str, Sequence[np.ndarray]]) -> dict[str, Any]:
        """Each net's outputs for its images (``images[net.kind]``), by kind; a net left out is absent.

        Each net is called once, on all its images in one batch.
        """
        first, *others = (net for net in self if net is not None)
        if not _CALLS_SIDE_BY_SIDE[0]:
            return {net.kind: net.read(_batch(net, images[net.kind])) for net in (first, *others)}
        # The calls are independent and TensorFlow releases the GIL while it works: run the
        # smaller ones beside the classifier, so that one reading's models overlap on the cores.
        later = {net.kind: _MODEL_CALLS.submit(net.read, _batch(net, images[net.kind])) for net in others}
        outputs = {first.kind: first.read(_batch(first, images[first.kind]))}
        return outputs | {kind: call.result() for kind, call in later.items()}


def _batch(net: Net, images: Sequence[np.ndarray]) -> np.ndarray:
    """``images`` stacked into one batch (an empty one if there are none)."""
    return np.stack(images) if len(images) else np.zeros((0, *net.input_size), np.float32)


def load_models(
    model_path: str | os.PathLike | None = None,
    *,
    pair_model_path: str | os.PathLike | None = None,
    chain_model_path: str | os.PathLike | None = None,
    pairs: bool = True,
    chains: bool = True,
    backend: str | None = None,
) -> Models:
    """Every model reading uses, each loaded once per process (the shipped ones unless a path is given).

    ``pairs=False`` or ``chains=False`` leaves that model out; ``backend`` runs them with
    ``litert`` or ``keras`` (default: ``nets.litert.resolve_backend``). Raises
    ``DigitSightError`` for a missing or unreadable model file.
    """
    return Models(
        load_classifier(model_path, backend),
        load_pair_model(pair_model_path, backend) if pairs else None,
        load_chain_model(chain_model_path, backend) if chains else None,
    )
