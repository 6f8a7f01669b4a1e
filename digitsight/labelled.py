"""Folders of labelled images (a ``labels.csv`` beside the images), their tuning and check halves, and scores.

The real sample folders (``../shared/samples/realworld-dev/``) and a user's own images
for "evaluate on your own images" share one shape: ``labels.csv`` with at least the
columns ``file`` and ``label`` (text: leading zeros matter), optionally ``kind``,
``polarity`` and ``notes``.

A folder we tune on is split in two by a hash of each file name, fixed before any
tuning: the tuning half is what thresholds and weights may be fitted to; the check
half only ever measures. Reporting both shows how much a change fitted the tuning half.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

Half = Literal["tune", "check"]

# A file belongs to the tuning half when the first byte of the SHA-256 of its name is
# below this: 128 of 256 values, so about half of any folder, decided by the name alone
# (never by content or label), stable across machines and Python versions.
TUNE_BELOW = 128


@dataclass(frozen=True)
class LabelledImage:
    """One image of a labelled folder and what is written on it."""

    path: Path
    label: str
    kind: str = ""
    polarity: str = ""
    notes: str = ""

    @property
    def half(self) -> Half:
        return half_of(self.path.name)


def half_of(file_name: str) -> Half:
    """Which half, ``"tune"`` or ``"check"``, a file name falls in (a hash of the name only)."""
    first_byte = hashlib.sha256(file_name.encode("utf-8")).digest()[0]
    return "tune" if first_byte < TUNE_BELOW else "check"


def load_labels(folder: str | Path) -> list[LabelledImage]:
    """The labelled images of ``folder``, in ``labels.csv`` order.

    Raises
    ------
    FileNotFoundError
        If ``folder`` has no ``labels.csv``.
    ValueError
        If ``labels.csv`` lacks a ``file`` or ``label`` column.
    """
    folder = Path(folder)
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"labels.csv needs the columns file and label; missing: {', '.join(sorted(missing))}")
        return [
            LabelledImage(
                path=folder / row["file"],
                label=row["label"].strip(),
                kind=row.get("kind") or "",
                polarity=row.get("polarity") or "",
                notes=row.get("notes") or "",
            )
            for row in reader
        ]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Score:
    """How well readings match their labels.

    Attributes
    ----------
    images:
        How many (truth, read) pairs were scored.
    exact:
        Share read exactly, spaces included.
    exact_digits:
        Share read exactly once spaces are ignored (the digits right, the number boundaries not).
    cer:
        Character error rate: total edit distance over total length of the truths, spaces included.
    """

    images: int
    exact: float
    exact_digits: float
    cer: float


def score(pairs: list[tuple[str, str]]) -> Score:
    """Score (truth, read) pairs; an empty list scores as nothing read (zeros)."""
    if not pairs:
        return Score(0, 0.0, 0.0, 0.0)
    exact = np.mean([truth == got for truth, got in pairs])
    exact_digits = np.mean([truth.replace(" ", "") == got.replace(" ", "") for truth, got in pairs])
    errors = sum(edit_distance(truth, got) for truth, got in pairs)
    length = max(1, sum(len(truth) for truth, _ in pairs))
    return Score(len(pairs), float(exact), float(exact_digits), errors / length)
