"""Choose the reading's scoring weights on images made from held-out training digits, never test digits.

Reading keeps, for every blob, the best of its candidate readings (one digit, cut
pieces, a pair read whole, a row read by the chain model); how a reading scores
depends on the weights in ``digitsight.decode.weights.Weights``. This script segments
each image of the benchmark's "validation" source once, runs the models once, then
re-scores the candidate readings (``choose``) for every combination of weights in a
small grid and prints the exact-match rate of the best combinations and of the
current one. The test digits stay a measurement (``benchmarks/bench_reading.py``).

Run:
    python tools/tune_reading.py [--per-category 160] [--first 0]
    python tools/tune_reading.py --vary chain_weight,piece_cost   # search only these weights
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import asdict, replace

import numpy as np

from digitsight import synthetic
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.reading import Candidates, Weights, candidates, choose, load_models

GRID = {
    "piece_cost": [0.2, 0.3, 0.45],
    "one_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
    "second_opinion": [0.1, 0.2, 0.3, 0.5],
    "aspect_weight": [0.05, 0.1, 0.25],
    "split_weight": [0.0, 0.3, 1.0],
    "chain_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "chain_only_cost": [0.5, 1.0, 2.0, 4.0, np.inf],
}


def validation_candidates(
    per_category: int,
    model: str | None = None,
    pair_model: str | None = None,
    chain_model: str | None = None,
    first: int = 0,
) -> list[tuple[str, str, Candidates]]:
    """(category, true number, candidates) for images ``first`` to ``first + per_category`` of each category."""
    models = load_models(model, pair_model_path=pair_model, chain_model_path=chain_model)
    found = []
    for category in synthetic.CATEGORIES:
        for index in range(first, first + per_category):
            sample = synthetic.make_image(category, index, "validation")
            loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
            found.append((category, sample.label, candidates(loaded, *models)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=160, help="images per synthetic category")
    parser.add_argument("--top", type=int, default=10, help="how many of the best combinations to print")
    parser.add_argument("--model", help="a .keras model other than the shipped one")
    parser.add_argument("--pair-model", help="a pair model other than the shipped one")
    parser.add_argument("--chain-model", help="a chain model other than the shipped one")
    parser.add_argument("--first", type=int, default=0, help="index of the first image of each category")
    parser.add_argument("--vary", help=f"comma-separated weights to search (of {', '.join(GRID)}); the others stay")
    args = parser.parse_args()

    base = Weights()
    varied = args.vary.split(",") if args.vary else list(GRID)
    if unknown := set(varied) - set(GRID):
        parser.error(f"--vary: no such weight in the grid: {', '.join(sorted(unknown))}")
    current = tuple(asdict(base)[name] for name in GRID)
    grid = [values if name in varied else [asdict(base)[name]] for name, values in GRID.items()]
    images = validation_candidates(args.per_category, args.model, args.pair_model, args.chain_model, args.first)
    results = []
    for values in itertools.product(*grid):
        weights = replace(base, **dict(zip(GRID, values, strict=True)))
        right = [choose(seen, weights).number == label for _, label, seen in images]
        touching = [ok for ok, (category, *_) in zip(right, images, strict=True) if category == "touching"]
        results.append((float(np.mean(right)), float(np.mean(touching)), values))
    results.sort(key=lambda result: result[:2], reverse=True)

    print(f"{len(images)} images from held-out training digits; exact match over all categories, and touching")
    print("  ".join(f"{name:>15}" for name in GRID) + "        all   touching")
    shown = results[: args.top]
    shown += [result for result in results[args.top :] if result[2] == current]  # the current weights, always
    for exact, touching, values in shown:
        mark = "   (current)" if values == current else ""
        print("  ".join(f"{value:>15}" for value in values) + f"     {exact:6.1%}     {touching:6.1%}{mark}")


if __name__ == "__main__":
    main()
