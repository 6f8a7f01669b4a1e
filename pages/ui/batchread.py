"""Reading many images in one go, for "Read many" and "Evaluate on your own images".

Each image is read as ``digitsight.read`` reads it (a large JPEG decoded at a reduced
scale), in worker threads, with a progress bar; results are kept per image (by a hash
of its bytes) for the session, so a changed upload re-reads only the new files. A
result is the CLI's record (``Reading.to_dict``) without its ``file``, or
``{"error": message}``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

import streamlit as st

from pages.common import sentence
from pages.ui.files import NamedFile
from pages.ui.models import models

if TYPE_CHECKING:
    from digitsight.reading import Models

RESULTS_KEY = "batch-results"  # image hash -> (record, thumbnail data URI)
# Two readings at once: the models release the GIL while they run, and a 2-core server
# keeps one core for the other sessions' pages. More workers only queue on the same cores.
WORKERS = 2
THUMB_HEIGHT = 48  # pixels: a thumbnail per table row


def read_one(data: bytes, loaded_models: Models) -> tuple[dict[str, Any], str]:
    """Read one image's bytes with ``loaded_models`` -> (the CLI's record without "file", a thumbnail data URI).

    A file that is not a readable image gives ``{"error": message}`` and no thumbnail. Runs in
    a worker thread: no Streamlit calls here.
    """
    from PIL import Image

    from digitsight.errors import DigitSightError
    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
    from digitsight.reading import read_loaded

    started = time.perf_counter()
    try:
        # Decoded as digitsight.read decodes: a large JPEG at a reduced scale, several times faster.
        loaded = load_image(data, max_pixels=PROCESS_MAX_PIXELS)
        reading = read_loaded(loaded, *loaded_models)
    except DigitSightError as error:
        return {"error": str(error)}, ""
    ms = (time.perf_counter() - started) * 1000
    thumb = Image.fromarray(loaded.rgb)
    thumb.thumbnail((THUMB_HEIGHT * 4, THUMB_HEIGHT))
    buffer = io.BytesIO()
    thumb.save(buffer, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return reading.to_dict(None, ms), uri


def read_all(images: list[NamedFile]) -> list[tuple[str, dict[str, Any], str]]:
    """(file, record, thumbnail) for each image, in upload order, with a progress bar while reading."""
    results: dict[str, tuple[dict[str, Any], str]] = st.session_state.setdefault(RESULTS_KEY, {})
    keys = [hashlib.sha1(image.data).hexdigest() for image in images]
    todo = {key: image for key, image in zip(keys, images, strict=True) if key not in results}
    if todo:
        loaded_models = models()
        progress = st.progress(0.0, text=f"Reading {len(todo)} images...")
        done = 0
        with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="digitsight-batch") as pool:
            futures = {pool.submit(read_one, image.data, loaded_models): key for key, image in todo.items()}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done += 1
                progress.progress(done / len(todo), text=f"Read {done} of {len(todo)} images")
    return [(image.name, *results[key]) for image, key in zip(images, keys, strict=True)]


def flags(record: dict[str, Any]) -> str:
    """What to look at in a result, in a few words."""
    if "error" in record:
        return "not read: " + sentence(record["error"])
    if not record["digits"]:
        return "no digits found"
    notes = []
    # The reader's own per-digit decision (Reading's ``unsure``), the one the other pages mark.
    unsure = [str(n) for n, digit in enumerate(record["digits"], start=1) if digit["unsure"]]
    if unsure:
        notes.append(f"unsure digit{'s' if len(unsure) > 1 else ''} {', '.join(unsure)}")
    elif not record["sure"]:  # every digit sure, the segmentation or the lines not
        notes.append("reading not sure")
    if len(record["lines"]) > 1:
        notes.append(f"{len(record['lines'])} lines")
    other = [w for w in record["warnings"] if not w.startswith("digit ") and w != "no digits found in the image"]
    notes += other
    return "; ".join(notes)


def table_rows(results: list[tuple[str, dict[str, Any], str]]) -> list[dict[str, Any]]:
    rows = []
    for file, record, thumb in results:
        digits = record.get("digits", [])
        rows.append(
            {
                "image": thumb or None,
                "file": file,
                "number": record.get("number", ""),
                # The reading's confidence (Reading.confidence): digits, segmentation doubt and lines together.
                "confidence": 100 * record["confidence"] if digits else None,
                "digits": len(digits),
                "flags": flags(record),
                "ms": record.get("ms"),
            }
        )
    return rows
