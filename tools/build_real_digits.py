"""A labelled set of real digit crops, built from the real sample images into a git-ignored cache.

For each image of ``../shared/samples/realworld/`` and ``realworld-dev/``, the reader
segments and reads it; where the number of digits it finds equals the number in the label
(spaces aside), its i-th digit is taken to be the label's i-th digit. Each digit the reader
read as ONE digit gives one crop: the 28x28 image the classifier saw (``Digit.crop``'s
source, ``Candidates.crops``). Digits read as part of a pair or a row are left out: the
classifier never saw them alone. Each crop carries its source image's half
(``digitsight.labelled.half_of``): thresholds are chosen on the tuning half, the check half
only measures.

The set depends on the reader's segmentation at build time; it is built once into
``.cache/real_digits/crops.npz`` (never into the repository: the images are other
projects' files) and rebuilt with ``--rebuild``.

Run:
    python tools/build_real_digits.py                       # build if absent; print its size
    python tools/build_real_digits.py --rebuild --sheet /tmp/real_digits.png   # and a contact sheet
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digitsight.decode.candidates import Candidates
from digitsight.decode.placement import place
from digitsight.decode.scoring import spell
from digitsight.decode.search import Choice, choose
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.labelled import half_of, load_labels
from digitsight.nets import DIGIT
from digitsight.reading import candidates, load_models
from digitsight.synthetic.glyphs import contact_sheet

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"
FOLDERS = ("realworld", "realworld-dev")
CACHE = REPO_ROOT / ".cache" / "real_digits" / "crops.npz"

T = TypeVar("T")


@dataclass(frozen=True)
class RealDigits:
    """Real digit crops and what each is: its digit, its source image, that image's half and kind."""

    crops: np.ndarray  # (N, 28, 28) float32 in [0, 1], white on black: what the classifier saw
    labels: np.ndarray  # (N,) the digit written there
    files: np.ndarray  # (N,) "folder/file" of the source image
    halves: np.ndarray  # (N,) "tune" or "check"
    kinds: np.ndarray  # (N,) photo, scan, form, canvas, digital

    def half(self, name: str) -> RealDigits:
        """The crops of the ``"tune"`` or ``"check"`` half."""
        keep = self.halves == name
        return RealDigits(*(getattr(self, field.name)[keep] for field in fields(self)))


def crops_of_image(path: Path, label: str, models: tuple) -> list[tuple[np.ndarray, int]] | None:
    """(crop, digit) for each digit of ``path`` the reader read as one digit; None where the count mismatches."""
    loaded = load_image(path, max_pixels=PROCESS_MAX_PIXELS)
    seen = candidates(loaded, *models)
    choice = choose(seen)
    truth = label.replace(" ", "")
    if sum(len(line) for line in place(choice, seen, loaded.size)) != len(truth):
        return None
    found, spelt = single_digit_crops(seen, choice)
    if spelt != len(truth):
        return None
    return [(crop, int(truth[position])) for crop, position in found]


def single_digit_crops(seen: Candidates, choice: Choice) -> tuple[list[tuple[np.ndarray, int]], int]:
    """(crop, position among the digits ``choice`` spells) of each piece it read as one digit, and how many it spells.

    A pair or a row spells as many digits as it holds; the classifier saw none of them alone,
    so they give no crop, but they move the position on.
    """
    found, position = [], 0
    for line in choice.lines:
        for piece, how in line:
            if how == DIGIT:
                found.append((seen.crops[piece.crop], position))
            position += len(spell([(piece, how)], choice.probabilities, seen.pairs, seen.chains))
    return found, position


def build(samples: Path = SAMPLES) -> RealDigits:
    """Read every labelled sample image and keep the crops of those whose digit count matches."""
    models = tuple(load_models())
    crops, labels, files, halves, kinds = [], [], [], [], []
    for folder in FOLDERS:
        if not (samples / folder / "labels.csv").is_file():
            continue
        for image in load_labels(samples / folder):
            found = crops_of_image(image.path, image.label, models)
            for crop, digit in found or []:
                crops.append(crop)
                labels.append(digit)
                files.append(f"{folder}/{image.path.name}")
                halves.append(half_of(image.path.name))
                kinds.append(image.kind)
    return RealDigits(
        np.array(crops, np.float32).reshape(-1, 28, 28),
        np.array(labels, np.int64),
        np.array(files),
        np.array(halves),
        np.array(kinds),
    )


def load_real_digits(rebuild: bool = False, cache: Path = CACHE, samples: Path = SAMPLES) -> RealDigits | None:
    """The real digit set from ``cache``, built first where absent (or ``rebuild``); None without the samples."""
    return load_or_build(RealDigits, build, rebuild, cache, samples)


def load_or_build(kind: type[T], build: Callable[[Path], T], rebuild: bool, cache: Path, samples: Path) -> T | None:
    """A set of arrays (``kind``, a dataclass of them) from the .npz ``cache``, made by ``build(samples)``
    and cached first where the cache is absent (or ``rebuild``); None without the samples."""
    building = rebuild or not cache.is_file()
    if building and not (samples / FOLDERS[1] / "labels.csv").is_file():
        return None
    return cached(kind, cache, lambda: build(samples), rebuild)


def cached(kind: type[T], cache: Path, make: Callable[[], T], rebuild: bool = False) -> T:
    """A set of arrays (``kind``, a dataclass of them) from the .npz ``cache``; made by ``make()``
    and saved there first where the cache is absent (or ``rebuild``)."""
    names = [field.name for field in fields(kind)]
    if cache.is_file() and not rebuild:
        with np.load(cache, allow_pickle=False) as data:
            return kind(*(data[name] for name in names))
    made = make()
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, **{name: getattr(made, name) for name in names})
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="read the images again even if the cache exists")
    parser.add_argument("--sheet", help="write a contact sheet PNG of a sample of crops here, sorted by digit")
    args = parser.parse_args(argv)
    digits = load_real_digits(args.rebuild)
    if digits is None:
        print(f"no samples at {SAMPLES}: nothing built")
        return 1
    for name in ("tune", "check"):
        part = digits.half(name)
        print(f"{name}: {len(part.labels)} crops from {len(set(part.files))} images")
    if args.sheet:
        order = np.argsort(digits.labels, kind="stable")
        images = np.rint(digits.crops[order] * 255).astype(np.uint8)
        contact_sheet(args.sheet, images, columns=40, zoom=2)
        print(f"contact sheet: {args.sheet} (sorted by the label's digit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
