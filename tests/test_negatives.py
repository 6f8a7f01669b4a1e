"""training.negatives: the pieces of digits drawn as "not a digit" negatives."""

from __future__ import annotations

import cv2
import numpy as np

from training.negatives import _binary_digit, _cut, digit_piece


def _ring() -> np.ndarray:
    """A 28x28 uint8 "0": a ring, white on black, as MNIST draws digits."""
    digit = np.zeros((28, 28), np.uint8)
    cv2.ellipse(digit, (14, 14), (6, 9), 0, 0, 360, 255, 3)
    return digit


def test_a_piece_holds_at_most_the_ink_asked_for():
    ring = _ring()
    ink = _binary_digit(ring).sum()
    rng = np.random.default_rng(5)
    shares = [digit_piece(rng, ring, max_ink=0.45).sum() / ink for _ in range(200)]
    assert max(shares) <= 0.45
    # Without the limit some cuts keep more than that (a 60% cut of a ring keeps about 60% of it).
    rng = np.random.default_rng(5)
    assert max(digit_piece(rng, ring).sum() / ink for _ in range(200)) > 0.45


def test_without_a_limit_a_piece_is_the_first_cut_so_the_measuring_sets_draw_as_before():
    ring = _ring()
    for seed in range(20):
        piece = digit_piece(np.random.default_rng(seed), ring)
        assert np.array_equal(piece, _cut(np.random.default_rng(seed), _binary_digit(ring)))
