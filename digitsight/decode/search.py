"""Choosing each line's best reading among its candidates: ``choose(candidates, weights)``.

Each blob is read at its best (whole, cut into pieces, as a pair, as a row): the BEAM
best ways to cut it (``decode.cuts.top_partitions``), weighed by the chain model where
it read the blob whole. Then each line at its best: every blob on its own, or some
neighbours merged into one digit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from digitsight.decode.candidates import Candidates, Piece, Plan
from digitsight.decode.ctc import greedy_decode, log_likelihoods
from digitsight.decode.cuts import top_partitions
from digitsight.decode.scoring import best_reading, one_digit_score, spell, split_doubt, with_second_opinion
from digitsight.decode.weights import DEFAULT_WEIGHTS, Weights
from digitsight.nets import CHAIN, DIGIT
from digitsight.nets.pairs import PairOutputs

# A reading of a blob or a line: (piece, how it is read: DIGIT, PAIR or CHAIN), left to right.
Read = list[tuple[Piece, str]]


class Choice(NamedTuple):
    """What reading makes of an image's candidates."""

    probabilities: np.ndarray  # the classifier's, each mixed with the pair model's second opinion
    lines: list[Read]  # per line, its best reading
    number: str  # the digits those readings spell, lines joined by one space: ``Reading.number``
    # Per crop, P(not a digit) (``Classifier.not_digit_of``), added after the search, which never weighs it
    not_digit: np.ndarray | None = None


def choose(seen: Candidates, weights: Weights = DEFAULT_WEIGHTS) -> Choice:
    """Each line's best reading, scored with ``weights``.

    ``tools/tune_reading.py`` calls it once per combination of weights on the same candidates.
    """
    probabilities = with_second_opinion(seen.probabilities, seen.pairs, seen.plans, weights)
    lines = [
        best_line_reading(line_plans, probabilities, seen.pairs, seen.chains, weights) for line_plans in seen.plans
    ]
    number = " ".join(spell(line, probabilities, seen.pairs, seen.chains) for line in lines)
    return Choice(probabilities, lines, number)


def best_line_reading(
    line_plans: list[Plan],
    probabilities: np.ndarray,
    pairs: PairOutputs | None,
    chains: np.ndarray | None,
    weights: Weights,
) -> Read:
    """The line's best reading: each blob at its best, or neighbours merged into one digit where that scores better."""
    readings, totals = [], []
    for plan in line_plans:
        reading, total = best_blob_reading(plan, probabilities, pairs, chains, weights)
        readings.append(reading)
        totals.append(total)
    best = [0.0]
    choice: list[Read] = [[]]
    for k in range(len(line_plans)):
        best.append(best[k] + totals[k])
        choice.append(choice[k] + readings[k])
        union = line_plans[k - 1].merged if k > 0 else None
        if union is not None:
            merged = best[k - 1] + one_digit_score(union, probabilities, pairs, weights)
            if merged > best[k + 1]:
                best[k + 1] = merged
                choice[k + 1] = choice[k - 1] + [(union, DIGIT)]
    return choice[-1]


def best_blob_reading(
    plan: Plan,
    probabilities: np.ndarray,
    pairs: PairOutputs | None,
    chains: np.ndarray | None,
    weights: Weights,
) -> tuple[Read, float]:
    """The blob's best reading and its score.

    The ``weights.beam`` best ways to read it piece by piece (whole, cut, pairs); cutting must
    also get past the pair model's word that the blob is one digit. Where the chain model read
    the blob whole, each way gains ``weights.chain_weight`` x its log P(the digits read), and
    the chain model's own reading is a candidate too. A blob with space around it (``Plan.alone``) is one digit.
    """
    if plan.alone:  # one digit by the spacing: the pair model's word counts only as to whether it is one
        whole = plan.pieces[(0, 1)]
        return [(whole, DIGIT)], one_digit_score(whole, probabilities, pairs, weights)
    scored = {key: best_reading(entry, probabilities, pairs, weights) for key, entry in plan.pieces.items()}
    scores = {key: score for key, (score, _) in scored.items()}
    whole_key = (0, len(plan.points) - 1)
    whole = plan.pieces[whole_key]
    use_chain = whole.chain is not None and chains is not None and weights.chain_weight > 0
    doubt = split_doubt(whole, pairs, weights)
    options = []
    for total, keys in top_partitions(plan.points, scores, weights.beam if use_chain else 1):
        if len(keys) > 1:
            total += doubt
        options.append((total, [(plan.pieces[key], scored[key][1]) for key in keys]))
    if len(options[0][1]) > 1:
        # Always weigh the blob whole against its cuts: the pair model may doubt every cut.
        options.append((scores[whole_key], [(whole, scored[whole_key][1])]))
    if use_chain:
        options = _weighed_by_chain(options, whole, probabilities, pairs, chains, weights)
    total, reading = max(options, key=lambda option: option[0])
    return _narrow_doubt(plan, reading, total, probabilities, pairs, chains, weights)


def _narrow_doubt(
    plan: Plan,
    reading: Read,
    total: float,
    probabilities: np.ndarray,
    pairs: PairOutputs | None,
    chains: np.ndarray | None,
    weights: Weights,
) -> tuple[Read, float]:
    """The blob's best ``reading`` (scored ``total``), doubted where it reads several digits from a narrow blob.

    Narrower than two of its line's digits (``Plan.digit_width``), a reading of two or more digits pays
    ``weights.narrow_cost`` x (2 digit widths / its width - 1), and the blob whole read as one digit may then win.
    Where the line has too few digits to measure, the width is ``weights.fallback_width`` line heights, and a
    reading that spells a 1 (a bare stroke, far narrower than a digit) is left alone.
    """
    width, guessed = plan.digit_width, False
    if width is None and plan.line_height and weights.fallback_width:
        width, guessed = weights.fallback_width * plan.line_height, True
    if width is None or not weights.narrow_cost or plan.blob.w >= 2 * width:
        return reading, total
    text = spell(reading, probabilities, pairs, chains)
    if len(text) < 2 or (guessed and "1" in text):
        return reading, total
    total -= weights.narrow_cost * (2 * width / plan.blob.w - 1)
    whole = plan.pieces[(0, len(plan.points) - 1)]
    one = one_digit_score(whole, probabilities, pairs, weights)
    if one > total:
        return [(whole, DIGIT)], one
    return reading, total


def _weighed_by_chain(
    options: list[tuple[float, Read]],
    whole: Piece,
    probabilities: np.ndarray,
    pairs: PairOutputs | None,
    chains: np.ndarray,
    weights: Weights,
) -> list[tuple[float, Read]]:
    """A wide blob's ``options`` (score, reading), each score plus the chain model's word on what it spells.

    The chain model's own reading of the blob is added as an option where no other spells it.
    """
    columns = chains[whole.chain]
    texts = [spell(reading, probabilities, pairs, chains) for _, reading in options]
    own = greedy_decode(columns)
    if own and own not in texts:
        options.append((max(total for total, _ in options) - weights.chain_only_cost, [(whole, CHAIN)]))
        texts.append(own)
    distinct = sorted(set(texts))  # many ways to cut a blob spell the same digits
    known = dict(zip(distinct, log_likelihoods(columns, distinct), strict=True))
    top = max(known.values())
    return [
        (total + weights.chain_weight * (known[text] - top), reading)
        for (total, reading), text in zip(options, texts, strict=True)
    ]
