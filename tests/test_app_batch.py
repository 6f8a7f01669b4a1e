"""The batch page (read many images or a zip) with the real models."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.app_pages import (
    CLI_KEYS,
    EXAMPLES,
    example_bytes,
    open_page,
)
from tests.archives import zip_of

# --------------------------------------------------------------------------- read many


def test_batch_reads_images_and_a_zip_into_a_table_with_downloads(model: Path, downloads: Any) -> None:
    loose = [(EXAMPLES[i]["file"], example_bytes(i), "image/png") for i in (0, 1)]
    packed = zip_of({f"scans/{EXAMPLES[i]['file']}": example_bytes(i) for i in (2, 3)} | {"__MACOSX/._x.png": b"x"})
    at = open_page("batch")
    files = [*loose, ("more.zip", packed, "application/zip"), ("notes.txt", b"hello", "text/plain")]
    at.file_uploader(key="batch-upload").set_value(files).run()
    assert not at.exception
    assert [box.value for box in at.error] == [
        "- notes.txt is not an image DigitSight can read: it reads PNG, JPEG, WebP, BMP, TIFF or GIF files."
    ]
    assert at.get("progress")[0].proto.text == "Read 4 of 4 images"
    table = at.dataframe[0].value
    assert list(table.columns) == ["image", "file", "number", "confidence", "digits", "flags", "ms"]
    expected_files = [EXAMPLES[0]["file"], EXAMPLES[1]["file"], *[f"scans/{EXAMPLES[i]['file']}" for i in (2, 3)]]
    assert list(table["file"]) == expected_files
    assert list(table["number"]) == [EXAMPLES[i]["number"] for i in range(4)]
    assert all(str(uri).startswith("data:image/png;base64,") for uri in table["image"])
    assert table.loc[3, "flags"] == "2 lines" if " " in EXAMPLES[3]["number"] else True

    records = json.loads(downloads(at, "batch-json"))
    assert [list(record) for record in records] == [CLI_KEYS] * 4
    assert [record["number"] for record in records] == [EXAMPLES[i]["number"] for i in range(4)]
    rows = list(csv.DictReader(io.StringIO(downloads(at, "batch-csv").decode())))
    assert [row["number"] for row in rows] == [EXAMPLES[i]["number"] for i in range(4)]
    assert set(rows[0]) == {"file", "number", "confidence", "digits", "flags", "ms"}


def test_batch_names_a_file_it_cannot_read_in_its_row(model: Path) -> None:
    at = open_page("batch")
    files = [
        (EXAMPLES[0]["file"], example_bytes(0), "image/png"),
        ("broken.png", b"\x89PNG\r\n\x1a\nnope", "image/png"),
    ]
    at.file_uploader(key="batch-upload").set_value(files).run()
    table = at.dataframe[0].value
    assert table.loc[1, "file"] == "broken.png" and table.loc[1, "flags"].startswith("not read: ")
    assert table.loc[0, "number"] == EXAMPLES[0]["number"]


def test_zips_are_read_in_memory_within_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.ui.files as files
    from pages.ui.files import NamedFile, expand

    images, others, refused = expand(
        [NamedFile("a.zip", zip_of({"x/1.png": b"1", "x/.hidden.png": b"h", "x/labels.csv": b"file,label\n"}))]
    )
    assert [f.name for f in images] == ["x/1.png"] and [f.name for f in others] == ["x/labels.csv"] and not refused
    _, _, refused = expand([NamedFile("bad.zip", b"PK\x03\x04 not a zip")])
    assert refused[0].reason.startswith("bad.zip cannot be opened as a zip file")
    monkeypatch.setattr(files, "ZIP_MAX_MEMBERS", 2)
    _, _, refused = expand([NamedFile("many.zip", zip_of({f"{n}.png": b"x" for n in range(3)}))])
    assert "holds 3 files" in refused[0].reason
    monkeypatch.setattr(files, "ZIP_MAX_EXPANDED_BYTES", 1000)
    _, _, refused = expand([NamedFile("bomb.zip", zip_of({"0.png": b"\0" * 5000}))])  # 5 kB from a few bytes
    assert "expands to" in refused[0].reason
