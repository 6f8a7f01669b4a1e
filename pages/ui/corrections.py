"""Corrected readings saved as labelled examples: the image and a row of ``labels.csv``.

The folder has the shape of the sample folders (``file,label,kind,polarity,...``; see
``digitsight.labelled``), so it can be evaluated on later: zip it (the page offers the
zip) and upload it to "Evaluate on your own images", or point the benchmark scripts at it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from pages.common import ROOT

# Where corrections go: $DIGITSIGHT_CORRECTIONS, else artifacts/corrections/ in the clone
# (git ignores artifacts/, so saved examples never end up in a commit by accident).
CORRECTIONS_ENV = "DIGITSIGHT_CORRECTIONS"
DEFAULT_FOLDER = ROOT / "artifacts" / "corrections"
# The samples' columns first (file, label, kind, polarity), then where the example came from.
COLUMNS = ["file", "label", "kind", "polarity", "source", "read_as", "saved"]
KINDS = ["photo", "scan", "form", "canvas", "digital"]
# A median gray above this is light paper: dark digits on light.
LIGHT_PAPER = 127

_lock = threading.Lock()  # one server process, many sessions: one writer of labels.csv at a time


def folder() -> Path:
    """The folder corrections are saved to (it may not exist yet)."""
    return Path(os.environ.get(CORRECTIONS_ENV) or DEFAULT_FOLDER)


def shown_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it: what a reader of the page can use."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def polarity(rgb: np.ndarray) -> str:
    """``dark_on_light`` or ``light_on_dark``, as the samples' labels.csv says it, from the median gray."""
    return "dark_on_light" if float(np.median(rgb.mean(axis=2))) > LIGHT_PAPER else "light_on_dark"


def save_example(image: object, *, label: str, kind: str, source: str, read_as: str, target: Path) -> Path:
    """Write ``image`` as a PNG into ``target`` and its row into ``target/labels.csv``; the PNG's path.

    The file is named by a hash of its pixels: saving the same image again replaces its row
    (a second correction of it wins) instead of adding a duplicate.

    Parameters
    ----------
    image:
        Anything ``digitsight.imaging.load_image`` decodes (upright, EXIF applied, as read).
    label:
        What the image says, in the reader's form (lines joined by one space).
    kind:
        One of KINDS.
    source:
        The name the image had (an uploaded file's name, "drawing", "camera photo").
    read_as:
        What DigitSight read.
    """
    from PIL import Image

    from digitsight.imaging import load_image

    rgb = load_image(image).rgb
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    data = buffer.getvalue()
    name = f"{hashlib.sha256(data).hexdigest()[:16]}.png"
    row = {
        "file": name,
        "label": label,
        "kind": kind,
        "polarity": polarity(rgb),
        "source": source,
        "read_as": read_as,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with _lock:
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
        rows = [existing for existing in read_rows(target) if existing.get("file") != name]
        rows.append(row)
        with (target / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    return target / name


def read_rows(target: Path) -> list[dict[str, str]]:
    """The rows of ``target/labels.csv`` (none when it does not exist)."""
    labels = target / "labels.csv"
    if not labels.is_file():
        return []
    with labels.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def folder_zip(target: Path) -> bytes:
    """``labels.csv`` and the images it lists, zipped: ready for "Evaluate on your own images"."""
    buffer = io.BytesIO()
    with _lock, zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PNGs are compressed
        rows = read_rows(target)
        for row in rows:
            image = target / row["file"]
            if image.is_file():
                archive.write(image, row["file"])
        if rows:
            archive.write(target / "labels.csv", "labels.csv")
    return buffer.getvalue()
