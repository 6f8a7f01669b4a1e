"""Evaluate on your own images: labelled uploads matched up, and the figures of how they were read.

The labels come in a ``labels.csv`` with the sample folders' shape (``digitsight.labelled``):
at least the columns ``file`` and ``label``, the label as text (leading zeros matter, lines
joined by one space). Uploaded loose or inside a .zip with the images; a file is matched by
its path relative to the ``labels.csv`` in the zip, else by its name alone.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from pages.ui.files import NamedFile

LABELS_NAME = "labels.csv"


@dataclass(frozen=True)
class LabelledUpload:
    name: str
    data: bytes
    label: str


def find_labels(others: list[NamedFile]) -> NamedFile | None:
    """The uploaded ``labels.csv`` (the shallowest one, if a zip holds several)."""
    candidates = [file for file in others if PurePosixPath(file.name).name.lower() == LABELS_NAME]
    return min(candidates, key=lambda file: len(PurePosixPath(file.name).parts), default=None)


def parse_labels(labels: NamedFile) -> dict[str, str]:
    """file -> label, from a labels.csv; ValueError (a sentence) when it lacks the columns."""
    try:
        text = labels.data.decode("utf-8-sig")  # a spreadsheet's export often starts with a BOM
    except UnicodeDecodeError as error:
        raise ValueError(f"{labels.name} is not UTF-8 text.") from error
    reader = csv.DictReader(io.StringIO(text))
    missing = {"file", "label"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(
            f"{labels.name} needs the columns file and label (as in file,label,kind,polarity); "
            f"missing: {', '.join(sorted(missing))}."
        )
    return {row["file"].strip(): (row["label"] or "").strip() for row in reader if (row.get("file") or "").strip()}


def match(
    images: list[NamedFile], labels: NamedFile, table: dict[str, str]
) -> tuple[list[LabelledUpload], list[str], list[str]]:
    """(labelled images in labels.csv order, files listed without an image, images without a label)."""
    folder = PurePosixPath(labels.name).parent
    by_path = {str(PurePosixPath(image.name)): image for image in images}
    by_name: dict[str, NamedFile] = {}
    for image in images:
        by_name.setdefault(PurePosixPath(image.name).name, image)
    matched, missing, used = [], [], set()
    for file, label in table.items():
        image = by_path.get(str(folder / file)) or by_path.get(file) or by_name.get(PurePosixPath(file).name)
        if image is None:
            missing.append(file)
            continue
        used.add(image.name)
        matched.append(LabelledUpload(image.name, image.data, label))
    unlabelled = [image.name for image in images if image.name not in used]
    return matched, missing, unlabelled


def digit_confusion(pairs: list[tuple[str, str]]) -> tuple[np.ndarray, int]:
    """(10x10 counts, rows true digit and columns the digit read; images counted).

    Only images whose reading has as many digits as their label (spaces ignored) count: then
    the n-th digit read is the n-th digit written. Elsewhere a missed or extra digit shifts
    every digit after it and the pairs would mean nothing.
    """
    matrix = np.zeros((10, 10), dtype=np.int64)
    counted = 0
    for truth, read in pairs:
        truth_digits, read_digits = truth.replace(" ", ""), read.replace(" ", "")
        if len(truth_digits) != len(read_digits) or not truth_digits.isdigit() or not read_digits.isdigit():
            continue
        counted += 1
        for written, seen in zip(truth_digits, read_digits, strict=True):
            matrix[int(written), int(seen)] += 1
    return matrix, counted
