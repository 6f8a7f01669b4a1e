"""Choose ``reading``'s scoring weights on images made from held-out training digits, never test digits.

Reading keeps, for every blob, the best of its candidate readings (one digit, cut
pieces, a pair read whole); how a reading scores depends on a few weights in
``digitsight/reading.py``. This script segments each image of the benchmark's
"validation" source once, runs both models once, then re-scores the candidate
readings for every combination of weights in a small grid and prints the
exact-match rate of the best combinations and of the current one. The test digits
stay a measurement (``bench_reading.py``).

Run:
    python benchmarks/tune_reading.py [--per-category 160]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digitsight import reading  # noqa: E402

GRID = {
    "PIECE_COST": [0.2, 0.3, 0.45],
    "ONE_WEIGHT": [0.0, 0.1, 0.2, 0.3, 0.5],
    "SECOND_OPINION": [0.1, 0.2, 0.3, 0.5],
    "ASPECT_WEIGHT": [0.05, 0.1, 0.25],
    "SPLIT_WEIGHT": [0.0, 0.3, 1.0],
}


def validation_candidates(
    per_category: int, model: str | None = None, pair_model: str | None = None
) -> list[tuple[str, str, list, np.ndarray, object]]:
    """(category, true number, line plans, digit probabilities, pair outputs) for every image."""
    import synthetic

    from digitsight.classifier import load_classifier
    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
    from digitsight.pairs import load_pair_model

    classifier, pairs_reader = load_classifier(model), load_pair_model(pair_model)
    found = []
    for category in synthetic.CATEGORIES:
        for index in range(per_category):
            sample = synthetic.make_image(category, index, "validation")
            loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
            seen = reading.candidates(loaded, classifier, pairs_reader)
            found.append((category, sample.label, seen.plans, seen.probabilities, seen.pairs))
    return found


def number(plans: list, probabilities: np.ndarray, pairs: object) -> str:
    """The number ``reading.read_loaded`` would report, with the weights now set in ``reading``."""
    probabilities = reading._with_second_opinion(probabilities, pairs, plans)
    lines = []
    for line_plans in plans:
        text = ""
        for entry, as_pair in reading._best_line_reading(line_plans, probabilities, pairs):
            if as_pair:
                text += f"{pairs.first[entry.pair].argmax()}{pairs.second[entry.pair].argmax()}"
            else:
                text += str(probabilities[entry.crop].argmax())
        lines.append(text)
    return " ".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=160, help="images per synthetic category")
    parser.add_argument("--top", type=int, default=10, help="how many of the best combinations to print")
    parser.add_argument("--model", help="a .keras model other than the shipped one")
    parser.add_argument("--pair-model", help="a pair model other than the shipped one")
    args = parser.parse_args()

    current = tuple(getattr(reading, name) for name in GRID)
    images = validation_candidates(args.per_category, args.model, args.pair_model)
    results = []
    for values in itertools.product(*GRID.values()):
        for name, value in zip(GRID, values, strict=True):
            setattr(reading, name, value)
        right = [number(plans, p, pairs) == label for _, label, plans, p, pairs in images]
        touching = [ok for ok, (category, *_) in zip(right, images, strict=True) if category == "touching"]
        results.append((float(np.mean(right)), float(np.mean(touching)), values))
    results.sort(key=lambda result: result[:2], reverse=True)

    print(f"{len(images)} images from held-out training digits; exact match over all categories, and touching")
    print("  ".join(f"{name:>14}" for name in GRID) + "        all   touching")
    shown = results[: args.top]
    shown += [result for result in results[args.top :] if result[2] == current]  # the current weights, always
    for exact, touching, values in shown:
        mark = "   (current)" if values == current else ""
        print("  ".join(f"{value:>14}" for value in values) + f"     {exact:6.1%}     {touching:6.1%}{mark}")


if __name__ == "__main__":
    main()
