"""Whether the LiteRT and Keras backends read the same numbers, image by image, on the synthetic benchmark.

Both backends' models are loaded in this one process; every image is decoded once and
read by each. Prints, per category, the images compared and how many numbers differ,
each difference (category, index, label, what each backend read), and the largest
difference between the two backends' digit confidences where they read the same
digits. Exit code 1 when any number differs.

Run:
    python benchmarks/compare_backends.py [--per-category 50] [--source validation] [--first 0]
"""

from __future__ import annotations

import argparse
import sys
import time

from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.reading import load_models, read_loaded
from digitsight.synthetic.pages import CATEGORIES, make_image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-category", type=int, default=50, help="images per category (default 50)")
    parser.add_argument(
        "--source", default="validation", help="which MNIST digits draw the images (default validation)"
    )
    parser.add_argument("--first", type=int, default=0, help="index of each category's first image")
    args = parser.parse_args()

    lite, keras = load_models(backend="litert"), load_models(backend="keras")
    differences, largest, compared = [], 0.0, 0
    started = time.perf_counter()
    for category in CATEGORIES:
        differ = 0
        for index in range(args.first, args.first + args.per_category):
            sample = make_image(category, index, args.source)
            loaded = load_image(sample.data, max_pixels=PROCESS_MAX_PIXELS)
            a, b = read_loaded(loaded, *lite), read_loaded(loaded, *keras)
            compared += 1
            if a.number != b.number:
                differ += 1
                differences.append(
                    f"{category} {index}: label {sample.label!r}, litert {a.number!r}, keras {b.number!r}"
                )
            elif [d.box for d in a.digits] == [d.box for d in b.digits]:
                gaps = [abs(x.confidence - y.confidence) for x, y in zip(a.digits, b.digits, strict=True)]
                largest = max([largest, *gaps])
        print(f"{category:>14}: {args.per_category} images, {differ} numbers differ", flush=True)
    print(f"{compared} images ({args.source} {args.first}-{args.first + args.per_category - 1} of each category) "
          f"in {time.perf_counter() - started:.0f} s: {len(differences)} numbers differ; "
          f"largest confidence difference on the same digits {largest:.2g}")  # fmt: skip
    for line in differences:
        print("  " + line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
