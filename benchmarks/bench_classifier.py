"""Measure the classifier: model load time, latency for small batches, throughput, peak memory.

Compares the compiled call DigitSight uses with Keras' ``model.predict`` in the same
run, so the ratio holds even on a noisy shared machine. Prints figures; asserts nothing.

Run:
    python benchmarks/bench_classifier.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def timed_ms(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   (n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--model", help="a .keras model other than the shipped one")
    args = parser.parse_args()

    started = time.perf_counter()
    import tensorflow  # noqa: F401 - timed separately from the model itself

    import_seconds = time.perf_counter() - started
    from digitsight.nets.digits import DEFAULT_MODEL_PATH, Classifier

    started = time.perf_counter()
    classifier = Classifier(args.model or DEFAULT_MODEL_PATH, backend="keras")  # .model.predict below is Keras
    load_seconds = time.perf_counter() - started

    rng = np.random.default_rng(0)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"import tensorflow: {import_seconds:.2f} s; load + trace model: {load_seconds:.2f} s")

    batch8 = rng.random((8, 28, 28, 1), dtype=np.float32)
    for _ in range(10):
        classifier.probabilities(batch8)
    compiled = timed_ms(lambda: classifier.probabilities(batch8), args.repeats)
    predict = timed_ms(lambda: classifier.model.predict(batch8, verbose=0), max(20, args.repeats // 10))
    print(f"batch of 8, compiled call:   {describe(compiled)}")
    print(f"batch of 8, model.predict(): {describe(predict)}")
    print(f"model.predict / compiled (medians): {statistics.median(predict) / statistics.median(compiled):.1f}x")

    single = batch8[:1]
    print(f"batch of 1, compiled call:   {describe(timed_ms(lambda: classifier.probabilities(single), args.repeats))}")

    for size in (256, 4096):
        batch = rng.random((size, 28, 28, 1), dtype=np.float32)
        classifier.probabilities(batch)
        times = timed_ms(lambda batch=batch: classifier.probabilities(batch), max(5, args.repeats // 20))
        rate = size / (statistics.median(times) / 1000)
        print(f"batch of {size:5}: {describe(times)}   -> {rate:,.0f} digits/s")

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(f"peak resident memory of this process: {peak_mib:.0f} MiB")
    size_mb = Path(classifier.model_path).stat().st_size / 1e6
    print(f"model file: {size_mb:.2f} MB, {classifier.model.count_params():,} parameters")


if __name__ == "__main__":
    main()
