"""How well the pair model reads touching digits made the way the reading benchmark makes them.

Pairs and triples of held-out training digits (``--source validation``, which no model
trained on) are pushed together by ``synthetic.touching_group``, binarized, and shown
to the pair model whole, as reading shows it a blob. Prints, per kind of group, how
often the model calls it one digit, two, or neither (not one or two whole digits),
and how often it reads a pair's two digits right. This isolates the pair model from
segmentation and cutting: ``tools/diagnose_reading.py`` says where whole numbers go wrong.

Run:
    python benchmarks/bench_pair_model.py [--groups 400] [--pair-model PATH]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Which digits go in a group: "1" a 1, "x" any other digit.
KINDS = {
    "pair, 1 on the left": "1x",
    "pair, 1 on the right": "x1",
    "pair without a 1": "xx",
    "triple with a 1": "?",
    "triple without a 1": "xxx",
}


def main() -> None:
    from digitsight import synthetic
    from digitsight.nets.pairs import NOT_WHOLE, ONE_DIGIT, TWO_DIGITS, load_pair_model
    from digitsight.normalize import to_pair_field

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=400, help="groups of each kind")
    parser.add_argument("--pair-model", help="a pair model other than the shipped one")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    pair_model = load_pair_model(args.pair_model)
    _, labels = synthetic.digits("validation")
    ones, others = np.flatnonzero(labels == 1), np.flatnonzero(labels != 1)
    rng = np.random.default_rng(args.seed)
    print(f"{'group':<22}{'groups':>7}{'one':>8}{'two':>8}{'neither':>9}{'pair read right':>17}")
    for name, pattern in KINDS.items():
        fields, truths = [], []
        for _ in range(args.groups):
            kinds = pattern if pattern != "?" else ["1xx", "x1x", "xx1"][int(rng.integers(3))]
            picks = [int(rng.choice(ones if kind == "1" else others)) for kind in kinds]
            ink = synthetic.touching_group("validation", picks, int(rng.uniform(28, 90)), rng.uniform(0.8, 1.3))
            fields.append(to_pair_field(ink > 0.5))
            truths.append("".join(str(labels[i]) for i in picks))
        out = pair_model.read(np.stack(fields))
        called = np.bincount(out.count.argmax(axis=1), minlength=3) / args.groups
        read = [f"{first}{second}" for first, second in zip(out.first.argmax(1), out.second.argmax(1), strict=True)]
        right = np.mean(
            [
                count == TWO_DIGITS and text == truth
                for count, text, truth in zip(out.count.argmax(axis=1), read, truths, strict=True)
            ]
        )
        pair_right = f"{right:.1%}" if len(pattern) == 2 else "-"
        print(
            f"{name:<22}{args.groups:>7}{called[ONE_DIGIT]:>8.1%}{called[TWO_DIGITS]:>8.1%}"
            f"{called[NOT_WHOLE]:>9.1%}{pair_right:>17}"
        )


if __name__ == "__main__":
    main()
