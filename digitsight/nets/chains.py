"""The chain model: a row of touching digits read whole (``training/train_chains.py``).

The chain model is a CTC model: for each 4-pixel column of the blob it gives
log-probabilities over the ten digits and a "blank" (nothing new here). The
probability of a digit string is the sum over every way of spelling it out
column by column (``decode.ctc.log_likelihoods``). ``decode`` adds that, weighted,
to the score of each candidate reading of a wide blob, so that a cut that loses a 1
or splits a 0 in two has to get past a model that saw the whole blob.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from digitsight.nets.base import CHAIN, MODELS_DIR, Net, load_once
from digitsight.normalize import CHAIN_FIELD

DEFAULT_CHAIN_MODEL_PATH = MODELS_DIR / "digitsight_chains.keras"
BLANK = 10  # the CTC blank's class: digits are classes 0-9
MAX_DIGITS = 8  # the longest chain the model was trained on
# The model's output: one column of class log-probabilities per this many field pixels.
COLUMN_WIDTH = 4


class ChainModel(Net[np.ndarray]):
    """The chain model: ``read(fields)``, (N, 28, 128) from ``normalize.to_chain_field`` -> (N, 32, 11) log-probs."""

    kind = CHAIN
    input_size = CHAIN_FIELD
    what = f"chain images of shape (N, *{CHAIN_FIELD}, 1)"
    output_sizes = (CHAIN_FIELD[1] // COLUMN_WIDTH, BLANK + 1)
    default_path = DEFAULT_CHAIN_MODEL_PATH
    how_to_train = "python -m training.train_chains"


def load_chain_model(model_path: str | os.PathLike | None = None, backend: str | None = None) -> ChainModel:
    """The process-wide ChainModel for ``model_path`` (default: the shipped one), loaded once."""
    return load_once(ChainModel, Path(model_path) if model_path else DEFAULT_CHAIN_MODEL_PATH, backend)
