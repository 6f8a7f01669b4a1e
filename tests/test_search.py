"""How a blob narrower than two of its line's digits is read (digitsight/decode/search.py, Weights.narrow_cost)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from digitsight.decode.candidates import Piece, Plan
from digitsight.decode.search import best_line_reading
from digitsight.decode.weights import Weights
from digitsight.nets import DIGIT, PAIR
from digitsight.nets.pairs import PairOutputs
from digitsight.segment import Blob


def read_as(digit_width: float | None, weights: Weights | None = None) -> list[tuple[int, str]]:
    """How a blob 30 wide and 30 tall, the classifier's 8 (70%) and the pair model's "83" (94%), is read."""
    blob = Blob(0, 0, 30, 30, np.ones((30, 30), np.uint8))
    whole = Piece(blob, 0, 0)
    probabilities = np.full((1, 10), 0.3 / 9, np.float32)
    probabilities[0, 8] = 0.7
    first, second = np.full((1, 10), 0.05 / 9, np.float32), np.full((1, 10), 0.05 / 9, np.float32)
    first[0, 8], second[0, 3] = 0.95, 0.95
    pairs = PairOutputs(np.float32([[0.01, 0.05, 0.94]]), first, second)
    plan = Plan(blob, [0, 30], {(0, 1): whole}, digit_width=digit_width)
    chosen = best_line_reading([plan], probabilities, pairs, None, weights or Weights())
    return [(entry.crop, how) for entry, how in chosen]


def test_a_blob_narrower_than_two_of_its_lines_digits_is_read_as_one_where_that_is_close():
    # As a pair: log(0.94 x 0.95 x 0.95) - 2 piece_cost - pair_cost = -1.06; as an 8: log 0.7 - piece_cost
    # + one_weight x log 0.05 (and a slight aspect prior) = -1.16. Among digits 20 wide (1.5 of them) the pair pays
    # narrow_cost x (2 x 20 / 30 - 1) = 0.33 more: -1.40, and the 8 wins.
    assert read_as(None) == [(0, PAIR)]
    assert read_as(20.0) == [(0, DIGIT)]
    assert read_as(20.0, replace(Weights(), narrow_cost=0.0)) == [(0, PAIR)]


def test_a_blob_two_digits_wide_pays_nothing():
    assert read_as(15.0) == [(0, PAIR)]
