"""Why does reading misread what it misreads? Sorts the misread validation images by cause.

For each image of the benchmark's "validation" source (digits neither model trained
on) that ``digitsight.read`` gets wrong, one of:

- classifier: a digit written there is misread by the classifier even as the raw 28x28
  MNIST image (no segmentation, no rendering): the classifier's error, not the pipeline's;
- scoring: the right number is among the candidate readings (each piece read as its most
  likely digit, pair or row), but the scoring preferred another one (a lenient test: any
  piece may count, a sliver read as a 1 too);
- candidates: it is not: segmentation, cutting or the models' first choices lost it.

The test digits are never looked at this way: they stay a measurement (``benchmarks/bench_reading.py``).

Run:
    python tools/diagnose_reading.py --categories touching --per-category 400 [--list]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from digitsight import synthetic
from digitsight.decode.candidates import Candidates, Piece, Plan
from digitsight.decode.scoring import spell
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.nets import CHAIN, DIGIT, PAIR
from digitsight.nets.pairs import PairOutputs
from digitsight.reading import candidates, choose, load_models


def piece_texts(
    entry: Piece, probabilities: np.ndarray, pairs: PairOutputs | None, chains: np.ndarray | None
) -> set[str]:
    """What a candidate piece may read as: its most likely digit, pair and (a wide blob) row."""
    read_as = [
        kind
        for kind, index, outputs in (
            (DIGIT, entry.crop, probabilities),
            (PAIR, entry.pair, pairs),
            (CHAIN, entry.chain, chains),
        )
        if index is not None and outputs is not None
    ]
    return {spell([(entry, kind)], probabilities, pairs, chains) for kind in read_as}


def line_can_read(
    plans: list[Plan], text: str, probabilities: np.ndarray, pairs: PairOutputs | None, chains: np.ndarray | None
) -> bool:
    """Whether some choice of cuts and readings of the line's blobs spells ``text`` (merges aside)."""
    reached = {0}  # how much of ``text`` the blobs so far can spell
    for plan in plans:
        options = {key: piece_texts(entry, probabilities, pairs, chains) for key, entry in plan.pieces.items()}
        reached = _reached_after(plan, options, reached, text)
    return len(text) in reached


def _reached_after(plan: Plan, options: dict[tuple[int, int], set[str]], reached: set[int], text: str) -> set[int]:
    """How much of ``text`` can be spelled after ``plan``'s blob, from each position in ``reached``."""
    after = set()
    todo = {(0, position) for position in reached}  # (cut point, position in text)
    seen = set()
    while todo:
        point, position = todo.pop()
        seen.add((point, position))
        if point == len(plan.points) - 1:
            after.add(position)
            continue
        for (start, stop), texts in options.items():
            if start != point:
                continue
            for piece in texts:
                step = (stop, position + len(piece))
                if text[position : position + len(piece)] == piece and step not in seen:
                    todo.add(step)
    return after


def cause(sample: synthetic.Sample, seen: Candidates, raw_right: np.ndarray) -> str:
    """Why ``sample``, whose candidates are ``seen``, is misread: classifier, scoring or candidates.

    ``raw_right``: ``synthetic.raw_right`` for the validation digits.
    """
    if not raw_right[list(sample.digits)].all():
        return "classifier"
    probabilities = choose(seen).probabilities
    texts = sample.label.split(" ")
    if len(texts) == len(seen.plans) and all(
        line_can_read(plans, text, probabilities, seen.pairs, seen.chains)
        for plans, text in zip(seen.plans, texts, strict=True)
    ):
        return "scoring"
    return "candidates"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=160, help="images per category")
    parser.add_argument("--first", type=int, default=0, help="index of the first image of each category")
    parser.add_argument("--categories", help="comma-separated subset of the categories")
    parser.add_argument("--list", action="store_true", help="print each misread image")
    args = parser.parse_args()

    models = load_models()
    raw_right = synthetic.raw_right("validation", models.classifier)
    categories = args.categories.split(",") if args.categories else list(synthetic.CATEGORIES)
    print(f"{'category':<15}{'images':>7}{'misread':>9}{'classifier':>12}{'scoring':>9}{'candidates':>12}")
    for category in categories:
        causes: collections.Counter[str] = collections.Counter()
        for index in range(args.first, args.first + args.per_category):
            sample = synthetic.make_image(category, index, "validation")
            # Segmented and read by the models once: the number, and the candidates it came from.
            loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
            seen = candidates(loaded, *models)
            number = choose(seen).number
            if number == sample.label:
                continue
            why = cause(sample, seen, raw_right)
            causes[why] += 1
            if args.list:
                print(f"  {category} {index}: {sample.label!r} read as {number!r} ({why})")
        misread = sum(causes.values())
        print(
            f"{category:<15}{args.per_category:>7}{misread:>9}{causes['classifier']:>12}"
            f"{causes['scoring']:>9}{causes['candidates']:>12}",
            flush=True,
        )


if __name__ == "__main__":
    main()
