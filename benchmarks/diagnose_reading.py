"""Why does reading misread what it misreads? Sorts the misread validation images by cause.

For each image of the benchmark's "validation" source (digits neither model trained
on) that ``digitsight.read`` gets wrong, one of:

- classifier: a digit written there is misread by the classifier even as the raw 28x28
  MNIST image (no segmentation, no rendering): the classifier's error, not the pipeline's;
- scoring: the right number is among the candidate readings (each piece read as its most
  likely digit or pair), but the scoring preferred another one (a lenient test: any piece
  may count, a sliver read as a 1 too);
- candidates: it is not: segmentation, cutting or the models' first choices lost it.

The test digits are never looked at this way: they stay a measurement (``bench_reading.py``).

Run:
    python benchmarks/diagnose_reading.py --categories touching --per-category 400 [--list]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digitsight import reading  # noqa: E402


def piece_texts(entry, probabilities: np.ndarray, pairs, chains) -> set[str]:  # noqa: ANN001
    """What a candidate piece may read as: its most likely digit, pair, and (a wide blob) row."""
    from digitsight.chains import greedy_decode

    texts = set()
    if entry.chain is not None and chains is not None:
        texts.add(greedy_decode(chains[entry.chain]))
    if entry.crop is not None:
        texts.add(str(int(np.argmax(probabilities[entry.crop]))))
    if entry.pair is not None and pairs is not None:
        texts.add(f"{pairs.first[entry.pair].argmax()}{pairs.second[entry.pair].argmax()}")
    return texts


def line_can_read(plans: list, text: str, probabilities: np.ndarray, pairs, chains) -> bool:  # noqa: ANN001
    """Whether some choice of cuts and readings of the line's blobs spells ``text`` (merges aside)."""
    reached = {0}  # how much of ``text`` the blobs so far can spell
    for plan in plans:
        options = {key: piece_texts(entry, probabilities, pairs, chains) for key, entry in plan.pieces.items()}
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
        reached = after
    return len(text) in reached


def cause(sample, seen: reading.Candidates, raw_right: np.ndarray) -> str:  # noqa: ANN001
    """Why ``sample``, whose candidates are ``seen``, is misread: classifier, scoring or candidates.

    ``raw_right``: ``synthetic.raw_right`` for the validation digits.
    """
    if not raw_right[list(sample.digits)].all():
        return "classifier"
    probabilities = reading.choose(seen).probabilities
    texts = sample.label.split(" ")
    if len(texts) == len(seen.plans) and all(
        line_can_read(plans, text, probabilities, seen.pairs, seen.chains)
        for plans, text in zip(seen.plans, texts, strict=True)
    ):
        return "scoring"
    return "candidates"


def main() -> None:
    from digitsight import synthetic
    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=160, help="images per category")
    parser.add_argument("--first", type=int, default=0, help="index of the first image of each category")
    parser.add_argument("--categories", help="comma-separated subset of the categories")
    parser.add_argument("--list", action="store_true", help="print each misread image")
    args = parser.parse_args()

    models = reading.load_models()
    raw_right = synthetic.raw_right("validation", models.classifier)
    categories = args.categories.split(",") if args.categories else list(synthetic.CATEGORIES)
    print(f"{'category':<15}{'images':>7}{'misread':>9}{'classifier':>12}{'scoring':>9}{'candidates':>12}")
    for category in categories:
        causes: collections.Counter[str] = collections.Counter()
        for index in range(args.first, args.first + args.per_category):
            sample = synthetic.make_image(category, index, "validation")
            # Segmented and read by the models once: the number, and the candidates it came from.
            loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
            seen = reading.candidates(loaded, *models)
            number = reading.choose(seen).number
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
