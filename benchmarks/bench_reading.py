"""Measure ``digitsight.read`` on photo-like images made from MNIST TEST digits, and on real images.

Per category: exact-match rate of the whole number and character error rate (edit
distance / length of the true text, spaces between lines included), and "raw right":
how many of the images hold only digits the classifier reads right as the raw MNIST
images, about what a perfect segmentation would reach with this classifier. Then the real
images with labels in ``../shared/samples/realworld/`` as their own category (left
out, with a note, where that folder is absent). Then latency by image size for a
photo of a 6-digit number: p50 and p95 of ``read(jpeg_bytes)`` with the model
already loaded (decoding included). Prints figures; asserts nothing.

Run:
    python benchmarks/bench_reading.py [--per-category 80] [--source test] [--repeats 20]
    python benchmarks/bench_reading.py --source validation   # the set to tune on: never tune on test digits
    python benchmarks/bench_reading.py --failures DIR   # also write each misread image, annotated, to DIR
    python benchmarks/bench_reading.py --no-pairs       # without the pair model: touching digits only cut
    python benchmarks/bench_reading.py --no-chains      # without the chain model: wide blobs scored piece by piece
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digitsight import synthetic
from digitsight.labelled import score
from digitsight.synthetic.sources import Classifier

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REALWORLD = ROOT.parent / "shared" / "samples" / "realworld"


def wilson_interval(right: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% confidence interval of a rate (Wilson score): how far 80 images pin an exact-match rate down."""
    rate = right / total
    centre = (rate + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def interval(pairs: list[tuple[str, str]]) -> str:
    low, high = wilson_interval(sum(truth == got for truth, got in pairs), len(pairs))
    return f"{low:.0%}-{high:.0%}"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=80, help="images per synthetic category")
    parser.add_argument(
        "--source", choices=["test", "validation", "train"], default="test", help="MNIST digits to draw from"
    )
    parser.add_argument("--categories", help="comma-separated subset of the categories")
    parser.add_argument("--repeats", type=int, default=20, help="timed readings per image size")
    parser.add_argument("--model", help="a .keras model other than the shipped one")
    parser.add_argument("--pair-model", help="a pair model other than the shipped one")
    parser.add_argument("--no-pairs", action="store_true", help="read touching digits by cutting only")
    parser.add_argument("--chain-model", help="a chain model other than the shipped one")
    parser.add_argument("--no-chains", action="store_true", help="score a wide blob's readings piece by piece only")
    parser.add_argument("--failures", metavar="DIR", help="write misread images, annotated, to DIR")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    args = parser.parse_args()

    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
    from digitsight.reading import load_models, read_loaded

    started = time.perf_counter()
    classifier, pair_model, chain_model = load_models(
        args.model,
        pair_model_path=args.pair_model,
        chain_model_path=args.chain_model,
        pairs=not args.no_pairs,
        chains=not args.no_chains,
    )
    print(f"models loaded in {time.perf_counter() - started:.1f} s")

    def read(image):
        return read_loaded(load_image(image, max_pixels=PROCESS_MAX_PIXELS), classifier, pair_model, chain_model)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}")
    read_synthetic(args, read, classifier)
    read_real_world(read)
    if not args.no_latency:
        measure_latency(args, read)
    return 0


def read_synthetic(args: argparse.Namespace, read: Callable, classifier: Classifier) -> None:
    """Exact match and CER of each synthetic category, with how many images were within the classifier's reach."""
    categories = args.categories.split(",") if args.categories else list(synthetic.CATEGORIES)
    failures = Path(args.failures) if args.failures else None
    if failures:
        failures.mkdir(parents=True, exist_ok=True)

    # How many images hold only digits the classifier reads right as the raw MNIST images (no
    # segmentation, no rendering): about what a perfect pipeline would read, for the classifier
    # is the limit there (rendering rescues a digit now and then, so it is not a strict bound).
    raw_right = synthetic.raw_right(args.source, classifier)

    print(f"\nsynthetic images from MNIST {args.source.upper()} digits, {args.per_category} per category")
    print(f"{'category':<16}{'images':>7}{'exact':>9}{'CER':>8}{'median ms':>11}{'exact, 95% CI':>15}{'raw right':>11}")
    everything: list[tuple[str, str]] = []
    within_reach: list[bool] = []
    for category in categories:
        pairs, times, reachable = [], [], []
        for index in range(args.per_category):
            sample = synthetic.make_image(category, index, args.source)
            reachable.append(bool(raw_right[list(sample.digits)].all()))
            t0 = time.perf_counter()
            reading = read(sample.data)
            times.append((time.perf_counter() - t0) * 1000)
            pairs.append((sample.label, reading.number))
            if failures and reading.number != sample.label:
                _save_failure(failures / f"{category}_{index:03d}_{sample.label}_{reading.number}.png", sample, reading)
        everything += pairs
        within_reach += reachable
        figures = score(pairs)
        exact, cer = figures.exact, figures.cer
        print(
            f"{category:<16}{len(pairs):>7}{exact:>9.1%}{cer:>8.1%}{statistics.median(times):>11.1f}"
            f"{interval(pairs):>15}{np.mean(reachable):>11.1%}"
        )
    figures = score(everything)
    exact, cer = figures.exact, figures.cer
    print(
        f"{'ALL synthetic':<16}{len(everything):>7}{exact:>9.1%}{cer:>8.1%}{'':>11}{interval(everything):>15}"
        f"{np.mean(within_reach):>11.1%}"
    )
    print("raw right: images whose every digit the classifier reads right as the raw 28x28 MNIST image")


def read_real_world(read: Callable) -> None:
    """Each real-world sample's reading, where the shared samples are present."""
    labels = REALWORLD / "labels.csv"
    if not labels.is_file():
        print(f"real-world: left out, {labels} is absent")
        return
    pairs = []
    with labels.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        reading = read(REALWORLD / row["file"])
        pairs.append((row["label"], reading.number))
        mark = "ok" if row["label"] == reading.number else "MISREAD"
        kind = f"{row['kind']}, {row['polarity']}"
        print(f"  real {row['file']} ({kind}): {row['label']!r} -> {reading.number!r} {mark}")
    figures = score(pairs)
    exact, cer = figures.exact, figures.cer
    print(f"{'real-world':<16}{len(pairs):>7}{exact:>9.1%}{cer:>8.1%}")


def measure_latency(args: argparse.Namespace, read: Callable) -> None:
    """p50 and p95 of reading a photo-like JPEG with a 6-digit number, by image size."""
    print(f"\nlatency of read(jpeg bytes), 6-digit number, model loaded, {args.repeats} runs per size")
    print(f"{'size':<22}{'p50 ms':>9}{'p95 ms':>9}{'read right':>12}")
    for megapixels in (0.3, 1.0, 3.0, 12.0):
        times, right = [], 0
        samples = [synthetic.photo_of_size(megapixels, 6, index, args.source) for index in range(5)]
        for index in range(args.repeats):
            sample = samples[index % len(samples)]
            t0 = time.perf_counter()
            reading = read(sample.data)
            times.append((time.perf_counter() - t0) * 1000)
            right += reading.number == sample.label
        size = f"{sample.size[0]}x{sample.size[1]} ({megapixels:g} MP)"
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(f"{size:<22}{p50:>9.1f}{p95:>9.1f}{right / len(times):>12.0%}")


def _save_failure(path: Path, sample, reading) -> None:
    from PIL import Image

    from digitsight.annotate import annotate

    Image.fromarray(annotate(sample.data, reading)).save(path)


if __name__ == "__main__":
    sys.exit(main())
