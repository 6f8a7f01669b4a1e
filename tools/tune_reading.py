"""Choose the reading's scoring weights on images made from held-out training digits, never test digits.

Reading keeps, for every blob, the best of its candidate readings (one digit, cut
pieces, a pair read whole, a row read by the chain model); how a reading scores
depends on the weights in ``digitsight.decode.weights.Weights``. This script segments
each image of the benchmark's "validation" source once, runs the models once, then
re-scores the candidate readings (``choose``) for every combination of weights in a
small grid and prints the exact-match rate of the best combinations and of the
current one, and per category where the best differs from the current. A reading is
judged as ``read`` gives it: marks the rejector drops (``result.make_reading``) are
dropped here too. The test digits stay a measurement (``benchmarks/bench_reading.py``).

Run:
    python tools/tune_reading.py [--per-category 160] [--first 0] [--categories touching,dense]
    python tools/tune_reading.py --vary chain_weight,piece_cost   # search only these weights
    python tools/tune_reading.py --cache /tmp/seen.pkl            # segment once, re-score many times
"""

from __future__ import annotations

import argparse
import itertools
import pickle
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from digitsight import synthetic
from digitsight.decode.ctc import greedy_decode
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.nets import DIGIT, PAIR
from digitsight.nets.digits import Classifier
from digitsight.reading import Candidates, Weights, candidates, choose, load_models
from digitsight.result import dropped_as_no_digit

GRID = {
    "piece_cost": [0.2, 0.3, 0.45],
    "one_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
    "second_opinion": [0.1, 0.2, 0.3, 0.5],
    "aspect_weight": [0.05, 0.1, 0.25],
    "split_weight": [0.0, 0.3, 1.0],
    "chain_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "chain_only_cost": [0.5, 1.0, 2.0, 3.0, 4.0, np.inf],
    "pair_cost": [0.0, 0.25, 0.5, 1.0],
    "fallback_width": [0.0, 0.5, 0.6, 0.7, 0.8],
}


class Seen(NamedTuple):
    """One validation image's candidates, without the images the nets read (re-scoring needs only their outputs)."""

    category: str
    index: int
    label: str
    candidates: Candidates
    not_digit: np.ndarray  # per crop, the classifier's P(not a digit): ``Classifier.not_digit_of``


def validation_candidates(
    per_category: int,
    model: str | None = None,
    pair_model: str | None = None,
    chain_model: str | None = None,
    first: int = 0,
    categories: list[str] | None = None,
) -> list[Seen]:
    """Each of ``categories``' (default all) images ``first`` to ``first + per_category``, segmented and read once."""
    models = load_models(model, pair_model_path=pair_model, chain_model_path=chain_model)
    found = []
    for category in categories or synthetic.CATEGORIES:
        for index in range(first, first + per_category):
            sample = synthetic.make_image(category, index, "validation")
            loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
            seen = candidates(loaded, *models)
            # P(not a digit) depends on the classifier's own probabilities, never on the weights: asked once.
            rejected = models[0].not_digit_of(np.stack(seen.crops), seen.probabilities) if seen.crops else np.zeros(0)
            found.append(Seen(category, index, sample.label, seen._replace(crops=[], fields=[], rows=[]), rejected))
    return found


def number_read(image: Seen, weights: Weights, classifier: Classifier) -> str:
    """The number ``read`` gives for ``image`` under ``weights``: ``choose``, then the rejector's drop rule.

    ``result.make_reading`` drops a digit read from one crop whose P(not a digit) reaches the
    classifier's ``reject_not_digit`` where its calibrated confidence is under ``reject_doubt``
    or it is alone on its line; a pair's or a row's digits (P(not a digit) 0) reach no threshold above 0.
    """
    seen = image.candidates
    choice = choose(seen, weights)
    confidence = classifier.calibrated(choice.probabilities).max(axis=1) if len(choice.probabilities) else []
    texts = []
    for line in choice.lines:
        digits = []  # (digit, its P(not a digit), its confidence)
        for piece, how in line:
            if how == DIGIT:
                digit = str(int(np.argmax(choice.probabilities[piece.crop])))
                digits.append((digit, image.not_digit[piece.crop], confidence[piece.crop]))
            elif how == PAIR:
                pairs = seen.pairs
                digits += [(str(pairs.first[piece.pair].argmax()), 0.0, 1.0)]
                digits += [(str(pairs.second[piece.pair].argmax()), 0.0, 1.0)]
            else:
                digits += [(text, 0.0, 1.0) for text in greedy_decode(seen.chains[piece.chain])]
        alone = len(digits) == 1
        reject = classifier.reject_not_digit, classifier.reject_doubt
        kept = [d for d, no_digit, sure in digits if not dropped_as_no_digit(no_digit, sure, alone, *reject)]
        if kept:
            texts.append("".join(kept))
    return " ".join(texts)


def load_or_find(path: str | None, find: callable) -> list[Seen]:
    """``find()``'s candidates, from ``path`` where it was written before (else found and written there)."""
    if path and Path(path).exists():
        with open(path, "rb") as file:
            return pickle.load(file)
    found = find()
    if path:
        with open(path, "wb") as file:
            pickle.dump(found, file)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=160, help="images per synthetic category")
    parser.add_argument("--top", type=int, default=10, help="how many of the best combinations to print")
    parser.add_argument("--model", help="a .keras model other than the shipped one")
    parser.add_argument("--pair-model", help="a pair model other than the shipped one")
    parser.add_argument("--chain-model", help="a chain model other than the shipped one")
    parser.add_argument("--first", type=int, default=0, help="index of the first image of each category")
    parser.add_argument("--categories", help="comma-separated synthetic categories (default: all)")
    parser.add_argument("--cache", help="a file the candidates are read from if it exists, else written to")
    parser.add_argument("--vary", help=f"comma-separated weights to search (of {', '.join(GRID)}); the others stay")
    args = parser.parse_args()

    base = Weights()
    varied = args.vary.split(",") if args.vary else list(GRID)
    if unknown := set(varied) - set(GRID):
        parser.error(f"--vary: no such weight in the grid: {', '.join(sorted(unknown))}")
    categories = args.categories.split(",") if args.categories else list(synthetic.CATEGORIES)
    if unknown := set(categories) - set(synthetic.CATEGORIES):
        parser.error(f"--categories: no such category: {', '.join(sorted(unknown))}")
    current = tuple(asdict(base)[name] for name in GRID)
    grid = [values if name in varied else [asdict(base)[name]] for name, values in GRID.items()]
    models = load_models(args.model, pair_model_path=args.pair_model, chain_model_path=args.chain_model)
    images = load_or_find(
        args.cache,
        lambda: validation_candidates(
            args.per_category, args.model, args.pair_model, args.chain_model, args.first, categories
        ),
    )
    results = []
    for values in itertools.product(*grid):
        weights = replace(base, **dict(zip(GRID, values, strict=True)))
        right = Counter(image.category for image in images if number_read(image, weights, models[0]) == image.label)
        results.append((sum(right.values()), right, values))
    results.sort(key=lambda result: result[0], reverse=True)

    print(f"{len(images)} images from held-out training digits; images read exactly, of all categories")
    print("  ".join(f"{name:>15}" for name in GRID) + "      right")
    shown = results[: args.top]
    shown += [result for result in results[args.top :] if result[2] == current]  # the current weights, always
    for total, _, values in shown:
        mark = "   (current)" if values == current else ""
        print("  ".join(f"{value:>15}" for value in values) + f"     {total:6d}{mark}")
    now = next(right for _, right, values in results if values == current)
    best = results[0][1]
    print("per category, the best above against the current:")
    for category in sorted({image.category for image in images}, key=synthetic.CATEGORIES.index):
        print(f"  {category:>15}  {best[category]:4d}  {now[category]:4d}  {best[category] - now[category]:+d}")


if __name__ == "__main__":
    main()
