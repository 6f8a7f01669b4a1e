"""How a blob the classifier reads as one digit and the pair model as two is read (decode/scoring.py, search.py).

The pair model's second opinion must beat a clear single digit by ``Weights.pair_cost``, and, where
the blob is narrower than two of its line's digits (measured, or guessed from the line's height), by
``Weights.narrow_cost`` too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from digitsight.decode.candidates import Piece, Plan
from digitsight.decode.scoring import best_reading
from digitsight.decode.search import best_line_reading
from digitsight.decode.weights import Weights
from digitsight.nets import DIGIT, PAIR
from digitsight.nets.pairs import PairOutputs
from digitsight.segment import Blob


def digit_row(digit: int, probability: float) -> np.ndarray:
    """(1, 10) probabilities: ``digit`` at ``probability``, the rest shared evenly."""
    row = np.full((1, 10), (1 - probability) / 9, np.float32)
    row[0, digit] = probability
    return row


def pair_said(first: int, second: int, two: float) -> PairOutputs:
    """The pair model's word on one blob: two digits with probability ``two``, ``first`` and ``second`` at 95% each."""
    return PairOutputs(np.float32([[0.01, 0.99 - two, two]]), digit_row(first, 0.95), digit_row(second, 0.95))


def test_a_pair_reading_must_beat_a_clear_single_digit_by_pair_cost():
    # A blob 20 px wide and 30 tall the classifier reads as an 8 (89%); the pair model is 90% sure
    # it is two touching digits, a 9 and a 3 (95% each), as it read sheet_on_desk's clear 8s.
    whole = Piece(Blob(0, 0, 20, 30, np.ones((30, 20), np.uint8)), 0, 0)
    probabilities, pairs = digit_row(8, 0.89), pair_said(9, 3, 0.9)

    # The pair scores log(0.9 x 0.95 x 0.95) - 2 piece_cost = -0.61; the 8, log 0.89 - piece_cost
    # + one_weight x log 0.09 = -0.80: without pair_cost the pair model overrules the classifier.
    assert best_reading(whole, probabilities, pairs, replace(Weights(), pair_cost=0.0))[1] == PAIR
    assert best_reading(whole, probabilities, pairs, Weights())[1] == DIGIT


def read_as(
    digit_width: float | None, weights: Weights | None = None, line_height: float | None = None, second: int = 3
) -> list[tuple[int, str]]:
    """How a blob 30 wide and 30 tall, the classifier's 8 (70%) and the pair model's "8<second>" (94%), is read."""
    blob = Blob(0, 0, 30, 30, np.ones((30, 30), np.uint8))
    plan = Plan(blob, [0, 30], {(0, 1): Piece(blob, 0, 0)}, digit_width=digit_width, line_height=line_height)
    chosen = best_line_reading([plan], digit_row(8, 0.7), pair_said(8, second, 0.94), None, weights or Weights())
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


def test_without_a_measured_digit_width_the_line_height_sets_one_except_for_a_reading_with_a_1():
    # No digit width measured (a short number), a line 30 high: the width is fallback_width x 30 = 18, and the
    # pair "83" pays narrow_cost x (2 x 18 / 30 - 1) = 0.2 more: -1.26 against the 8's -1.16.
    assert read_as(None, line_height=30.0) == [(0, DIGIT)]
    assert read_as(None, replace(Weights(), fallback_width=0.0), line_height=30.0) == [(0, PAIR)]
    # "81": a touching 1 is a bare stroke, and a reading with one is not held to a guessed width ...
    assert read_as(None, line_height=30.0, second=1) == [(0, PAIR)]
    # ... but it is to a measured one.
    assert read_as(20.0, line_height=30.0, second=1) == [(0, DIGIT)]
