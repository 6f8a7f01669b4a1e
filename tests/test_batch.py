"""Reading many images: inputs expanded (folders, globs, archives), worker processes, --output that resumes."""

from __future__ import annotations

import csv
import json
import zipfile
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
from digit_images import ink_layer, on_paper
from PIL import Image

from digitsight.batch import Summary, _records, read_many
from digitsight.cli import main
from digitsight.errors import DigitSightError
from digitsight.inputs import expand_inputs, load_source

NUMBERS = {"a.png": "2048", "b.png": "731", "c.jpg": "56"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """a.png, b.png, c.jpg, notes.txt (not an image) and sub/d.png, with known numbers."""
    root = tmp_path_factory.mktemp("scans")
    for name, number in NUMBERS.items():
        Image.fromarray(on_paper(ink_layer(number))).save(root / name, quality=95)
    (root / "notes.txt").write_text("not an image")
    (root / "sub").mkdir()
    Image.fromarray(on_paper(ink_layer("90"))).save(root / "sub" / "d.png")
    with zipfile.ZipFile(root / "forms.zip", "w") as archive:
        archive.write(root / "a.png", "inner/a.png")
        archive.writestr("inner/readme.md", "skipped")
        archive.writestr("inner/broken.png", b"not a png")
    (root / "broken.zip").write_bytes(b"PK not really")
    return root


def test_folders_globs_archives_and_missing_files_expand_in_order(folder: Path) -> None:
    top = [str(folder / name) for name in ("a.png", "b.png", "c.jpg")]
    assert expand_inputs([str(folder)]) == top
    assert expand_inputs([str(folder)], recursive=True) == [*top, str(folder / "sub" / "d.png")]
    assert expand_inputs([str(folder / "*.png"), str(folder / "a.png")]) == top[:2]  # each image once
    assert expand_inputs([str(folder / "forms.zip")]) == [
        f"zip://inner/a.png::{folder / 'forms.zip'}",
        f"zip://inner/broken.png::{folder / 'forms.zip'}",
    ]
    # Neither is expanded: each stays one name, and reads as one error record.
    assert expand_inputs([str(folder / "nope*.png"), str(folder / "broken.zip")]) == [
        str(folder / "nope*.png"),
        str(folder / "broken.zip"),
    ]


def test_an_image_in_an_archive_reads_as_the_file_itself(folder: Path) -> None:
    inner = load_source(f"zip://inner/a.png::{folder / 'forms.zip'}")
    assert np.array_equal(inner.rgb, load_source(str(folder / "a.png")).rgb)


def test_records_come_in_order_with_an_error_record_for_each_bad_file(folder: Path) -> None:
    names = [str(folder / "a.png"), str(folder / "notes.txt"), str(folder / "missing.png"), str(folder / "broken.zip")]
    names.append(f"zip://inner/a.png::{folder / 'forms.zip'}")
    records = list(read_many(names, workers=1))
    assert [r["file"] for r in records] == names
    assert records[0]["number"] == "2048" and records[4]["number"] == "2048"
    assert list(records[0]) == ["file", "number", "confidence", "sure", "lines", "digits", "ms", "warnings"]
    assert "not an image" in records[1]["error"]
    assert "not found" in records[2]["error"]
    assert "broken.zip" in records[3]["error"] and "archive" in records[3]["error"]


def test_two_worker_processes_read_what_one_process_reads(folder: Path) -> None:
    names = expand_inputs([str(folder)], recursive=True) + [str(folder / "notes.txt")]
    alone = list(read_many(names, workers=1))
    pooled = list(read_many(names, workers=2))
    for record in alone + pooled:
        record.pop("ms", None)
    assert pooled == alone
    assert [r.get("number") for r in alone] == [*NUMBERS.values(), "90", None]


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["read", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_output_appends_and_resumes_skipping_what_it_holds(capsys, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "readings.jsonl"
    code, stdout, err = _cli(capsys, str(folder / "a.png"), "--output", str(out), "--workers", "1")
    assert code == 0 and stdout == ""
    assert "read 1, failed 0, unsure " in err and "images/s" in err
    out.write_text(out.read_text() + '{"file": "cut off')  # a record cut short by a crash
    code, _, err = _cli(capsys, str(folder), str(folder / "notes.txt"), "--output", str(out), "--workers", "1")
    assert code == 1  # notes.txt failed
    assert "1 images already in" in err and "removed a record cut off" in err
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [Path(r["file"]).name for r in records] == ["a.png", "b.png", "c.jpg", "notes.txt"]
    assert [r.get("number") for r in records] == [*NUMBERS.values(), None]
    code, _, err = _cli(capsys, str(folder), str(folder / "notes.txt"), "--output", str(out))
    assert code == 0 and "4 images already in" in err and "read 0, failed 0" in err
    assert len(out.read_text().splitlines()) == 4


def test_csv_output_has_one_row_per_image_and_resumes(capsys, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "readings.csv"
    _cli(capsys, str(folder / "a.png"), str(folder / "notes.txt"), "--output", str(out))  # .csv: csv
    _cli(capsys, str(folder), "--format", "csv", "--output", str(out), "--workers", "1")
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [Path(row["file"]).name for row in rows] == ["a.png", "notes.txt", "b.png", "c.jpg"]
    assert rows[0]["number"] == "2048" and json.loads(rows[0]["lines"]) == ["2048"]
    assert len(json.loads(rows[0]["digits"])) == 4 and rows[0]["error"] == ""
    assert "not an image" in rows[1]["error"] and rows[1]["number"] == ""


def test_summary_counts_the_readings_not_marked_sure() -> None:
    summary = Summary(seconds=2.0)
    records = (
        {"file": "a", "sure": True, "warnings": ["line 2: check its spaces"]},  # sure despite a note
        {"file": "b", "sure": False, "warnings": []},
        {"file": "c", "error": "x"},
    )
    for record in records:
        summary.add(record)
    assert summary.line() == "read 2, failed 1, unsure 1 (3 images in 2.0 s, 1.5 images/s)"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_model_that_cannot_be_loaded_stops_the_batch_with_its_message(folder: Path, tmp_path: Path, workers) -> None:
    names = [str(folder / "a.png"), str(folder / "b.png")]
    with pytest.raises(DigitSightError, match="nope.tflite not found"):
        list(read_many(names, workers=workers, model_path=tmp_path / "nope.keras"))


def test_a_task_that_fails_as_a_whole_gives_an_error_record_for_each_of_its_images() -> None:
    lost = Future()
    lost.set_exception(RuntimeError("worker lost"))
    assert _records(lost, ["a.png", "b.png"]) == [
        {"file": name, "error": "the worker reading it failed: RuntimeError: worker lost"}
        for name in ("a.png", "b.png")
    ]


def test_resuming_in_another_format_than_the_file_holds_is_refused(capsys, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "readings.txt"
    _cli(capsys, str(folder / "a.png"), "--output", str(out))  # JSON lines
    code, _, err = _cli(capsys, str(folder), "--format", "csv", "--output", str(out))
    assert code == 1 and "holds jsonl records: add --format jsonl" in err
    assert len(out.read_text().splitlines()) == 1  # untouched


def test_load_source_decodes_a_large_image_shrunk_when_asked(tmp_path):
    from PIL import Image

    path = tmp_path / "big.png"
    Image.new("L", (1200, 800), 255).save(path)
    loaded = load_source(str(path), max_pixels=120 * 80)
    assert loaded.size == (1200, 800)
    assert loaded.rgb.shape[0] * loaded.rgb.shape[1] <= 4 * 120 * 80
    assert loaded.scale < 1
    assert load_source(str(path)).scale == 1.0
