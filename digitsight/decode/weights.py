"""The weights that score candidate readings against one another: one frozen ``Weights``.

``decode.search.choose(candidates, weights)`` reads with them. They were chosen by grid
search on images of held-out training digits (the "validation" source), never on test
digits: ``tools/tune_reading.py`` re-scores the same candidates under other weights, each
made with ``dataclasses.replace(Weights(), name=value)``. The history of each value is in
docs/BENCHMARKS.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    """How much each piece of evidence counts when readings compete (in log-confidence)."""

    # Each digit a reading adds costs this much, so a split must read clearly better than the
    # blob whole. 0.2: the grid's best (with aspect_weight and second_opinion) that still reads
    # the deeply interleaved touching test case (session 4, c84418b).
    piece_cost: float = 0.2
    # How much a digit's width/height, far from that digit's typical one in MNIST, counts
    # against it: a "4" as wide as two digits is more likely two touching digits. 0.1: chosen
    # with piece_cost (session 4, c84418b).
    aspect_weight: float = 0.1
    # The pair model's P(one digit) counts this much in a piece's one-digit score: it knows glued
    # pairs and bad cuts, but the digit classifier knows digits better. 0.2 by grid search (da87731).
    one_weight: float = 0.2
    # A piece's digit probabilities are the geometric mean of the digit classifier's and the pair
    # model's (its first digit), the pair model's weighted so. It was trained on binarized,
    # re-stroked digits like those segmentation produces; the two disagree where one of them is
    # unsure. 0.2 (session 4, c84418b) -> 0.25, chosen with pair_cost and chain_only_cost over all 16
    # categories (tools/tune_reading.py, validation images 0-159, confirmed on 160-319): see pair_cost.
    second_opinion: float = 0.25
    # Cutting a blob into pieces costs this much times log P(not one digit), the pair model's
    # word on the whole blob: a wide 0 with a tail cut into two digits that each read well.
    # 0.3: the grid over 0, 0.3 and 1 found nothing better by more than one image (9dded35).
    split_weight: float = 0.3
    # A wide blob's candidate readings each gain this much times the chain model's log P(their
    # digits), counted from the likeliest of them. Searched over 0-2: 0.25-2 read within two
    # images of each other, 0 reads 6-8 points less on touching digits (69206df).
    chain_weight: float = 0.5
    # Where the chain model spells a wide blob in a way no piece-by-piece reading does, its own
    # reading is a candidate too, scored as the best piece-by-piece reading less this. Lower reads
    # some touching digits better but lets a chain model that misreads a wide single digit overrule
    # the classifier. 2.0 (d4ebf75, 9 categories) -> 3.0 with pair_cost and second_opinion: see pair_cost.
    chain_only_cost: float = 3.0
    # What reading a piece as a pair costs beyond its two digits' piece_cost: the pair model read
    # clear single digits (a 9 the classifier gave 0.66, an 8 it gave 0.89) as "01" and "93" on
    # sheet_on_desk. 0.5, with second_opinion 0.25 and chain_only_cost 3.0, the best of 40 settings
    # over validation images 0-159 of all 16 categories (tools/tune_reading.py): read exactly 2388
    # -> 2394 of 2560, and 2394 -> 2404 on images 160-319; no category lost more than 2 images of
    # 160 on either (sheet_on_desk -2 and +1). pair_cost 0.5 alone: +3 and +4; 0.25 to 1.0 alike.
    pair_cost: float = 0.5
    # A blob narrower than two of its line's digits (``Plan.digit_width``, w < 2 d) read as two or more digits
    # (cut, as a pair, by the chain model) pays this times (2 d / w - 1), against the blob whole as one digit: a
    # wide 8 in a dense page read "83" as a pair (1.48 d wide), a 4 "14" (1.66 d). Over validation images of 11
    # categories (touching, dense, small, broken, sheet_on_desk, slanted, clean, photo, thick, two_lines,
    # spacing), 160 each, re-scored from the same candidates: 0-159 1618 -> 1625 (dense +5, small +1, thick +1),
    # 160-319 1634 -> 1636 (dense +2); no category lost an image on either. 1.0 and 2.0 read alike; 0.5 alike
    # on 0-159. A hard rule (never cut under 1.3 d) gained 7 on 0-159 but lost 1 on 160-319: touching pairs are
    # as narrow as 1.12 d, so width alone does not tell them from wide single digits; it tips close calls only.
    # realworld 18/19, realworld-dev tune 30/32 and check 27/29 with it and without (CERs unchanged).
    narrow_cost: float = 1.0
    # Where a line has too few one-digit blobs to measure its digit width (``Plan.digit_width`` None: a short number,
    # a line of touching pairs), the width narrow_cost compares with is this many line heights, and a reading that
    # spells a 1 never pays it: one digit cut in two on a short number ('83' from a heavy 8, '57' from a 7 with a
    # curled top) has no measured width to be held to, and synthetic touching 1s are bare strokes, a '191' only 0.9
    # line heights wide, which a guessed width would push back into one digit. Over validation images of all 16
    # categories, re-scored from the same candidates (dense 80 each, others 160): 0-159 2363 -> 2366 (spacing,
    # stray_marks, uneven +1), 400-559 2340 -> 2341 (light_on_dark +1); no category lost an image on either. 0.7
    # and 0.8 gained 4 on 0-159 but lost touching images on 400-559 (-1, -2); 0.5 changed nothing; narrow_cost 2
    # read as 1. Without the exception for 1s (the lead's try: 0.5-0.8) touching lost 1-6 images. 0: no guess.
    # A third range, 160-319 (all 16 at 160), after choosing: 2416 both (sheet_on_desk +1, touching -1: the "83"
    # of '517830', 1.12 of its line's digits wide, read "8"): a small gain, close calls only.
    fallback_width: float = 0.6
    # How many partial readings of a wide blob are kept at each cut point: the chain model can
    # only pick among readings that survive this far. 16: the number the chain model's gain on
    # touching digits was measured with (69206df).
    beam: int = 16


# The weights reading uses unless told otherwise.
DEFAULT_WEIGHTS = Weights()
