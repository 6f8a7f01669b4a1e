"""Measure ``digitsight.read`` on photo-like images made from MNIST TEST digits, and on real images.

Per category: exact-match rate of the whole number, the same ignoring spaces, and
character error rate (edit distance / length of the true text, spaces between lines
included), and "raw right": how many of the images hold only digits the classifier
reads right as the raw MNIST images, about what a perfect segmentation would reach with
this classifier. Then the real images of ``../shared/samples/`` (``bench_realworld``):
realworld, and realworld-dev's tuning and check halves, each overall and per kind (left
out, with a note, where that folder is absent). Then latency by image size for a photo
of a 6-digit number: p50 and p95 of ``read(jpeg_bytes)`` with the model already loaded
(decoding included). Prints figures; asserts nothing; ``--report`` also writes them as
the dashboard's evaluation page shows them (``docs/reading_report.json``, shipped).

Run:
    python benchmarks/bench_reading.py [--per-category 80] [--source test] [--repeats 20]
    python benchmarks/bench_reading.py --source validation   # the set to tune on: never tune on test digits
    python benchmarks/bench_reading.py --failures DIR   # also write each misread image, annotated, to DIR
    python benchmarks/bench_reading.py --no-pairs       # without the pair model: touching digits only cut
    python benchmarks/bench_reading.py --no-chains      # without the chain model: wide blobs scored piece by piece
    python benchmarks/bench_reading.py --per-category 80 --no-latency --report docs/reading_report.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_realworld import FOLDERS, SAMPLES, read_folder, report

from digitsight import synthetic
from digitsight.labelled import Score, score
from digitsight.synthetic.sources import Classifier

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
    parser.add_argument(
        "--report",
        metavar="JSON",
        help="also write the figures there, as the dashboard's evaluation page reads them (docs/reading_report.json)",
    )
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
    rows = read_synthetic(args, read, classifier) + read_real_world(read)
    if args.report:
        write_report(Path(args.report), args, rows)
    if not args.no_latency:
        measure_latency(args, read)
    return 0


def category(name: str, kind: str, figures: Score) -> dict[str, Any]:
    """One row of the report: a category's name, ``synthetic`` or ``real``, and its figures."""
    return {
        "name": name,
        "kind": kind,
        "images": figures.images,
        "exact": round(figures.exact, 4),
        "exact_ignoring_spaces": round(figures.exact_digits, 4),
        "cer": round(figures.cer, 4),
    }


def write_report(path: Path, args: argparse.Namespace, categories: list[dict[str, Any]]) -> None:
    """The figures as ``pages/ui/reader_report.py`` reads them, with the command that makes them again."""
    command = "python benchmarks/bench_reading.py " + " ".join(sys.argv[1:])
    data = {
        "command": command,
        "date": datetime.date.today().isoformat(),
        "source": f"synthetic images from MNIST {args.source} digits; real images from ../shared/samples",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "categories": categories,
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"report written to {path}")


def read_synthetic(args: argparse.Namespace, read: Callable, classifier: Classifier) -> list[dict[str, Any]]:
    """Exact match (also ignoring spaces) and CER per synthetic category, and how many were in the classifier's reach.

    Returns the report's rows, one per category.
    """
    categories = args.categories.split(",") if args.categories else list(synthetic.CATEGORIES)
    failures = Path(args.failures) if args.failures else None
    if failures:
        failures.mkdir(parents=True, exist_ok=True)

    # How many images hold only digits the classifier reads right as the raw MNIST images (no
    # segmentation, no rendering): about what a perfect pipeline would read, for the classifier
    # is the limit there (rendering rescues a digit now and then, so it is not a strict bound).
    raw_right = synthetic.raw_right(args.source, classifier)

    print(f"\nsynthetic images from MNIST {args.source.upper()} digits, {args.per_category} per category")
    print(
        f"{'category':<16}{'images':>7}{'exact':>9}{'no space':>10}{'CER':>8}{'median ms':>11}"
        f"{'exact, 95% CI':>15}{'raw right':>11}"
    )
    rows = []
    everything: list[tuple[str, str]] = []
    within_reach: list[bool] = []
    for name in categories:
        pairs, times, reachable = [], [], []
        for index in range(args.per_category):
            sample = synthetic.make_image(name, index, args.source)
            reachable.append(bool(raw_right[list(sample.digits)].all()))
            t0 = time.perf_counter()
            reading = read(sample.data)
            times.append((time.perf_counter() - t0) * 1000)
            pairs.append((sample.label, reading.number))
            if failures and reading.number != sample.label:
                _save_failure(failures / f"{name}_{index:03d}_{sample.label}_{reading.number}.png", sample, reading)
        everything += pairs
        within_reach += reachable
        figures = score(pairs)
        rows.append(category(name, "synthetic", figures))
        print(
            f"{name:<16}{len(pairs):>7}{figures.exact:>9.1%}{figures.exact_digits:>10.1%}{figures.cer:>8.1%}"
            f"{statistics.median(times):>11.1f}{interval(pairs):>15}{np.mean(reachable):>11.1%}"
        )
    figures = score(everything)
    print(
        f"{'ALL synthetic':<16}{len(everything):>7}{figures.exact:>9.1%}{figures.exact_digits:>10.1%}"
        f"{figures.cer:>8.1%}{'':>11}{interval(everything):>15}{np.mean(within_reach):>11.1%}"
    )
    print("raw right: images whose every digit the classifier reads right as the raw 28x28 MNIST image")
    print("no space: exact once spaces are ignored (the digits right, perhaps not where one number ends)")
    return rows


def read_real_world(read: Callable) -> list[dict[str, Any]]:
    """The real sample folders' figures (``bench_realworld``): realworld, and realworld-dev per half and per kind.

    Returns the report's rows; none where ``../shared/samples`` is absent (said so).
    """
    rows = []
    for folder in FOLDERS:
        if not (SAMPLES / folder / "labels.csv").is_file():
            print(f"\n{folder}: left out, {SAMPLES / folder} is absent")
            continue
        read_rows = [(image, got) for image, got, _ in read_folder(SAMPLES / folder, read=read)]
        print()
        halves = ("tune", "check") if folder == "realworld-dev" else (None,)
        for half in halves:
            kept = [(image, got) for image, got in read_rows if half is None or image.half == half]
            title = folder if half is None else f"{folder}, {half} half"
            for kind, figures in report(f"{title}:", kept).items():
                rows.append(category(title if kind == "all" else f"{title}: {kind}", "real", figures))
    return rows


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
