"""Decoding the chain model's columns (pure numpy): its best path, and the likelihood of any digit string.

The chain model gives, for each 4-pixel column of a row, log-probabilities over the
ten digits and a CTC "blank" (``nets.chains``).
"""

from __future__ import annotations

import numpy as np

from digitsight.nets.chains import BLANK


def best_path(columns: np.ndarray) -> list[tuple[int, int, int]]:
    """The best path's digits, each with its run of columns: (digit, first column, last column).

    Each column's likeliest class; a digit repeated in neighbouring columns is one digit,
    blanks are dropped.
    """
    runs: list[tuple[int, int, int]] = []
    for column, value in enumerate(np.argmax(columns, axis=1)):
        if value == BLANK:
            continue
        if runs and runs[-1][0] == value and runs[-1][2] == column - 1:
            runs[-1] = (runs[-1][0], runs[-1][1], column)
        else:
            runs.append((int(value), column, column))
    return runs


def greedy_decode(columns: np.ndarray) -> str:
    """The best path's digits as a string."""
    return "".join(str(digit) for digit, _, _ in best_path(columns))


def log_likelihoods(columns: np.ndarray, texts: list[str]) -> np.ndarray:
    """log P(text | image) for each of ``texts`` (digit strings), all in one forward pass over the columns.

    Each text is spelled with a blank between and around its digits; a path may stay on a
    symbol, move to the next, or skip a blank between two different digits.
    """
    longest = 2 * max(len(text) for text in texts) + 1
    states = np.full((len(texts), longest), BLANK)
    valid = np.zeros((len(texts), longest), bool)
    for row, text in enumerate(texts):
        states[row, 1 : 2 * len(text) : 2] = [int(digit) for digit in text]
        valid[row, : 2 * len(text) + 1] = True
    # A path may jump from state s - 2 to s when s is a digit that differs from the one before.
    skip = np.zeros(states.shape)
    skip[:, 2:] = (states[:, 2:] != BLANK) & (states[:, 2:] != states[:, :-2])
    # In probabilities, rescaled every column (their logs summed apart) so that nothing underflows.
    emissions = np.exp(columns.astype(np.float64))[:, states] * valid  # (T, texts, states)
    alpha = np.zeros(states.shape)
    alpha[:, :2] = emissions[0, :, :2]
    log_scale = np.zeros(len(texts))
    for emission in emissions[1:]:
        moved = alpha.copy()
        moved[:, 1:] += alpha[:, :-1]
        moved[:, 2:] += skip[:, 2:] * alpha[:, :-2]
        alpha = moved * emission
        scale = alpha.max(axis=1, keepdims=True)
        scale[scale == 0] = 1.0
        alpha /= scale
        log_scale += np.log(scale[:, 0])
    ends = np.array([2 * len(text) for text in texts])
    rows = np.arange(len(texts))
    # A path ends on the last digit or on the blank after it (an empty text: on its one blank).
    final = alpha[rows, ends] + np.where(ends > 0, alpha[rows, ends - 1], 0.0)
    with np.errstate(divide="ignore"):
        return np.log(final) + log_scale
