"""Read the real sample images and score them: both folders, both halves, per kind.

``../shared/samples/realworld/`` (19 images) and ``../shared/samples/realworld-dev/``
(61 real photos, scans, form cells and drawings, each with a ``kind``). realworld-dev is
split into a tuning half and a check half by ``digitsight.labelled.half_of`` (a hash of
the file name, fixed before any tuning): tune on the tuning half only, report both.

For each folder (and for each half of realworld-dev): exact match, exact ignoring spaces
(the digits right, the number boundaries perhaps not) and CER, per kind and overall;
then every image's truth and reading, marked ok or MISREAD. Writes nothing.

Run:
    python benchmarks/bench_realworld.py             # both folders
    python benchmarks/bench_realworld.py --misread   # list only the images read wrong
    python benchmarks/bench_realworld.py --only d_013.png d_047.png
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digitsight import read
from digitsight.labelled import LabelledImage, Score, load_labels, score

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
FOLDERS = ("realworld", "realworld-dev")


def _line(name: str, pairs: list[tuple[str, str]]) -> str:
    s = score(pairs)
    right = round(s.exact * s.images)
    return (
        f"  {name:<16} {right:>3}/{s.images:<3} exact {s.exact:6.1%}   "
        f"ignoring spaces {s.exact_digits:6.1%}   CER {s.cer:6.3f}"
    )


def by_kind(rows: list[tuple[LabelledImage, str]]) -> dict[str, list[tuple[str, str]]]:
    """(truth, read) pairs of (image, reading) rows: all of them under "all", then per kind."""
    kinds: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for image, got in rows:
        kinds[image.kind or "-"].append((image.label, got))
    return {"all": [(image.label, got) for image, got in rows]} | dict(sorted(kinds.items()))


def report(title: str, rows: list[tuple[LabelledImage, str]]) -> dict[str, Score]:
    """Print overall and per-kind scores of (image, reading) rows; return them by kind ("all" first)."""
    print(title)
    scores = {}
    for kind, pairs in by_kind(rows).items():
        print(_line(kind, pairs))
        scores[kind] = score(pairs)
    return scores


def read_folder(
    folder: Path, only: set[str] = frozenset(), read: Callable = read
) -> list[tuple[LabelledImage, str, float]]:
    """(image, number read, milliseconds) for each labelled image of ``folder`` (those in ``only``, if given)."""
    rows = []
    for image in load_labels(folder):
        if only and image.path.name not in only:
            continue
        start = time.perf_counter()
        reading = read(image.path)
        rows.append((image, reading.number, (time.perf_counter() - start) * 1000))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misread", action="store_true", help="list only the images read wrong")
    parser.add_argument("--only", nargs="*", default=[], help="read only these file names")
    args = parser.parse_args()
    for name in FOLDERS:
        folder = SAMPLES / name
        if not (folder / "labels.csv").exists():
            print(f"{name}: skipped, {folder} is absent")
            continue
        rows = read_folder(folder, set(args.only))
        if not rows:
            continue
        pairs = [(image, got) for image, got, _ in rows]
        report(f"{name}:", pairs)
        if name == "realworld-dev":
            for half in ("tune", "check"):
                report(f"{name}, {half} half:", [(image, got) for image, got in pairs if image.half == half])
        for image, got, ms in rows:
            ok = got == image.label
            if ok and args.misread:
                continue
            half = image.half if name == "realworld-dev" else ""
            mark = "ok" if ok else "MISREAD"
            file = image.path.name
            print(f"    {file:<10} {half:<5} {image.kind:<7} {mark:<7} {ms:6.0f} ms  {image.label!r} -> {got!r}")
        print()


if __name__ == "__main__":
    main()
