"""How plausible each candidate reading of a piece is, from what the three nets said of it.

A score is a log-confidence: the digit classifier's (mixed with the pair model's second
opinion), an aspect prior, a cost per digit read, and the pair model's word on whether
the piece is one digit, two, or neither. ``decode.search`` adds them up.
"""

from __future__ import annotations

import numpy as np

from digitsight.decode.candidates import Piece, Plan
from digitsight.decode.ctc import greedy_decode
from digitsight.decode.weights import Weights
from digitsight.nets import CHAIN, DIGIT, PAIR
from digitsight.nets.pairs import ONE_DIGIT, TWO_DIGITS, PairOutputs

# log(width / height) of each digit in the MNIST *training* set: (median, 1.4826 * median absolute deviation).
ASPECT_BY_DIGIT = (
    (-0.105, 0.175), (-0.916, 0.472), (-0.051, 0.232), (-0.223, 0.198), (-0.223, 0.198),
    (-0.051, 0.255), (-0.357, 0.229), (-0.223, 0.198), (-0.288, 0.212), (-0.357, 0.229),
)  # fmt: skip
# The least probability a log is taken of: a net's certainty that something is impossible is
# then a large cost (log 1e-9 = -20.7), not a veto no other evidence can outweigh.
FLOOR = 1e-9
# The narrowest width/height the aspect prior looks at (a one-pixel-wide sliver is as unlikely as this).
MIN_ASPECT = 1e-3


def with_second_opinion(
    probabilities: np.ndarray, pairs: PairOutputs | None, plans: list[list[Plan]], weights: Weights
) -> np.ndarray:
    """The digit classifier's probabilities, mixed with the pair model's for every piece both read.

    Without a pair model (``pairs`` None), the classifier's as they are. A row's sum, what the
    classifier leaves of 1 once P(not a digit) is taken, is kept.
    """
    if pairs is None:
        return probabilities
    both = [
        (entry.crop, entry.pair)
        for line_plans in plans
        for plan in line_plans
        for entry in [*plan.pieces.values(), plan.merged]
        if entry is not None and entry.crop is not None and entry.pair is not None
    ]
    if not both:
        return probabilities
    crop_rows, pair_rows = np.array(both).T
    log_mixed = (1 - weights.second_opinion) * np.log(probabilities[crop_rows] + FLOOR)
    log_mixed += weights.second_opinion * np.log(pairs.first[pair_rows] + FLOOR)
    mixed = np.exp(log_mixed - log_mixed.max(axis=1, keepdims=True))
    # The mix shares out what the classifier gave the ten digits: its P(not a digit) stays.
    is_digit = probabilities[crop_rows].sum(axis=1, keepdims=True)
    probabilities = probabilities.copy()
    probabilities[crop_rows] = is_digit * mixed / mixed.sum(axis=1, keepdims=True)
    return probabilities


def best_reading(
    entry: Piece, probabilities: np.ndarray, pairs: PairOutputs | None, weights: Weights
) -> tuple[float, str]:
    """(score, DIGIT or PAIR) of the better of the piece's readings: one digit, or two touching."""
    one = one_digit_score(entry, probabilities, pairs, weights)
    two = -np.inf
    if entry.pair is not None and pairs is not None:
        i = entry.pair
        log = np.log(np.maximum(FLOOR, [pairs.count[i, TWO_DIGITS], pairs.first[i].max(), pairs.second[i].max()]))
        two = float(log.sum()) - 2 * weights.piece_cost - weights.pair_cost
    return (two, PAIR) if two > one else (one, DIGIT)


def split_doubt(whole: Piece, pairs: PairOutputs | None, weights: Weights) -> float:
    """What cutting a blob into pieces costs: the log of the pair model's P(not one digit) for the whole blob.

    A wide 0 with a tail or an 8 with a lead-in stroke cuts into two digits that each read
    well; the pair model, seeing the blob whole, knows it for one digit.
    """
    if not weights.split_weight or whole.pair is None or pairs is None:
        return 0.0
    return weights.split_weight * float(np.log(max(FLOOR, 1.0 - pairs.count[whole.pair, ONE_DIGIT])))


def one_digit_score(entry: Piece, probabilities: np.ndarray, pairs: PairOutputs | None, weights: Weights) -> float:
    """The digit classifier's score for the piece as one digit, and the pair model's word on it.

    The pair model knows whether a piece is one whole digit at all: a 1 glued to a 4 reads as
    a fine "4" to the digit classifier, not to a model that has seen "14"s and bad cuts.
    """
    if entry.crop is None:
        return -np.inf
    score = _score(entry.blob.w / max(1, entry.blob.h), probabilities[entry.crop], weights)
    if entry.pair is not None and pairs is not None:
        score += weights.one_weight * float(np.log(max(FLOOR, pairs.count[entry.pair, ONE_DIGIT])))
    return score


def spell(
    reading: list[tuple[Piece, str]],
    probabilities: np.ndarray,
    pairs: PairOutputs | None,
    chains: np.ndarray | None = None,
) -> str:
    """The digits a blob's or line's reading spells: each piece's likeliest digit, pair or row.

    ``reading``: (piece, how it is read: DIGIT, PAIR or CHAIN), left to right.
    """
    text = ""
    for entry, how in reading:
        if how == PAIR:
            text += f"{pairs.first[entry.pair].argmax()}{pairs.second[entry.pair].argmax()}"
        elif how == CHAIN:
            text += greedy_decode(chains[entry.chain])
        else:
            text += str(int(np.argmax(probabilities[entry.crop])))
    return text


def _score(aspect: float, probabilities: np.ndarray, weights: Weights) -> float:
    """How plausible it is that a piece this wide (width/height) is one digit: log-confidence, aspect prior, cost."""
    value = int(np.argmax(probabilities))
    return float(np.log(probabilities[value] + FLOOR)) + _aspect_prior(aspect, value, weights) - weights.piece_cost


def _aspect_prior(aspect: float, value: int, weights: Weights) -> float:
    """Log-prior of width/height for a digit read as ``value``, 0 within a deviation of the typical.

    A "4" as wide as two digits is more likely a "4" touching another digit.
    """
    centre, spread = ASPECT_BY_DIGIT[value]
    z = (np.log(max(aspect, MIN_ASPECT)) - centre) / spread
    excess = max(0.0, abs(z) - 1.0)
    return -weights.aspect_weight * 0.5 * excess * excess
