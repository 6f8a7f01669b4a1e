"""Read many: many images, or a .zip of them, read in one go into a table, with CSV and JSON downloads.

Each image is read the way the CLI reads it (``python -m digitsight read --json``), and
the JSON download is the CLI's output for the same files (as a list instead of one object
per line): ``{"file", "number", "lines", "digits", "ms", "warnings"}``, or ``{"file",
"error"}`` for a file that cannot be read. Results are kept per image for the session, so
changing the upload re-reads only the new files.
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import streamlit as st

from pages.common import percent, run_page
from pages.ui.batchread import THUMB_HEIGHT, read_all, table_rows
from pages.ui.browser import upload_guard
from pages.ui.files import FORMATS_IN_WORDS, MAX_UPLOAD_MB, NamedFile, Refused, expand, not_an_image, too_large

# The table's columns in the CSV download (the thumbnail stays out: it is the image itself).
CSV_COLUMNS = ["file", "number", "confidence", "digits", "flags", "ms"]


def csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        confidence = row["confidence"]
        writer.writerow({**row, "confidence": "" if confidence is None else f"{confidence / 100:.4f}"})
    return buffer.getvalue()


def json_text(results: list[tuple[str, dict[str, Any], str]]) -> str:
    """The CLI's records, "file" first, as one JSON list."""
    return json.dumps([{"file": file, **record} for file, record, _ in results], indent=2)


def show_refused(refused: list[Refused]) -> None:
    if refused:
        st.error("\n".join(f"- {item.reason}" for item in refused), icon=":material/block:")


def main() -> None:
    st.title("Read many")
    st.markdown(
        f"Upload many images at once ({FORMATS_IN_WORDS}), or a .zip of them: each is read as "
        "**Read a number** reads one, into a table you can download."
    )
    too_big = upload_guard(MAX_UPLOAD_MB * 1024 * 1024, key="batch-guard")
    if too_big:
        st.session_state["batch-too-large"] = too_large(str(too_big["name"]), int(too_big["bytes"]))
    uploads = st.file_uploader(
        "Images, or a .zip of images",
        type=None,  # every file reaches the page, which says why one cannot be read
        accept_multiple_files=True,
        key="batch-upload",
        help=f"{FORMATS_IN_WORDS} or .zip, up to {MAX_UPLOAD_MB} MB each.",
        on_change=st.session_state.pop,
        args=("batch-too-large", None),
    )
    if st.session_state.get("batch-too-large"):
        st.error(st.session_state["batch-too-large"], icon=":material/block:")
    if not uploads:
        st.caption("Tip: select many files at once in the file dialog, or drop a whole .zip.")
        return

    images, others, refused = expand([NamedFile(upload.name, upload.getvalue()) for upload in uploads])
    refused += [Refused(other.name, not_an_image(other.name)) for other in others]
    show_refused(refused)
    if not images:
        return
    started = time.perf_counter()
    results = read_all(images)
    seconds = time.perf_counter() - started
    rows = table_rows(results)

    read_ok = sum(1 for _, record, _ in results if "error" not in record)
    with_digits = sum(1 for row in rows if row["digits"])
    flagged = sum(1 for row in rows if row["flags"])
    with st.container(horizontal=True):  # side by side, wrapping on a phone
        st.metric("Images", f"{len(rows)}", help=f"{read_ok} read, {len(rows) - read_ok} not readable", width=160)
        st.metric("With digits", f"{with_digits}", width=160)
        flag_help = "Images with a flag: unsure digits, an unsure reading, no digits, not read"
        st.metric("To check", f"{flagged}", help=flag_help, width=160)
    if seconds > 0.5:  # when read now (not from this session's results), say how fast
        st.caption(f"Read in {seconds:.1f} s ({len(rows) / seconds:.1f} images per second).")

    st.dataframe(
        rows,
        column_config={
            "image": st.column_config.ImageColumn("image", width="small"),
            "file": st.column_config.TextColumn("file"),
            "number": st.column_config.TextColumn("number"),
            "confidence": st.column_config.NumberColumn(
                "confidence", format="%.0f%%", help="The reading's confidence: its digits, segmentation and lines"
            ),
            "digits": st.column_config.NumberColumn("digits", format="%d"),
            "flags": st.column_config.TextColumn("flags", width="large"),
            "ms": st.column_config.NumberColumn("ms", format="%.0f", help="Reading time, decoding included"),
        },
        hide_index=True,
        row_height=THUMB_HEIGHT + 8,
        key="batch-table",
    )
    with st.container(horizontal=True):
        st.download_button(
            "Download the table (CSV)",
            data=csv_text(rows),
            file_name="digitsight-readings.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="batch-csv",
        )
        st.download_button(
            "Download the readings (JSON)",
            data=json_text(results),
            file_name="digitsight-readings.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
            key="batch-json",
            help="The same records as `python -m digitsight read --json`, in one list.",
        )
    lowest = [row for row in rows if row["confidence"] is not None]
    if lowest:
        least = min(lowest, key=lambda row: row["confidence"])
        st.caption(f"Least sure: {least['file']} ({percent(least['confidence'] / 100, 0)} sure).")


run_page(main)
