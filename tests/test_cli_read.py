"""``python -m digitsight read``: the JSON Lines contract, errors per file, exit codes, --annotate, --speak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from digit_images import ink_layer, on_paper
from PIL import Image

from digitsight import speech
from digitsight.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def images(tmp_path) -> dict[str, Path]:
    paths = {
        "good": tmp_path / "number.png",
        "two": tmp_path / "two_lines.png",
        "blank": tmp_path / "blank.png",
        "text": tmp_path / "notes.png",
        "missing": tmp_path / "missing.png",
    }
    Image.fromarray(on_paper(ink_layer("2048"))).save(paths["good"])
    Image.fromarray(on_paper(ink_layer("12 3"))).save(paths["two"])
    Image.fromarray(np.full((50, 80), 255, np.uint8)).save(paths["blank"])
    paths["text"].write_text("not an image")
    return paths


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["read", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_lines_for_good_files_and_exit_code_0(capsys, images, shipped_model_path):
    code, out, err = run(capsys, "--json", "--model", str(shipped_model_path), str(images["good"]), str(images["two"]))
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    first, second = records
    assert set(first) >= {"file", "number", "lines", "digits", "ms"}
    assert first["file"] == str(images["good"])
    assert first["number"] == "2048" and first["lines"] == ["2048"]
    assert [d["value"] for d in first["digits"]] == [2, 0, 4, 8]
    for digit in first["digits"]:
        assert set(digit) == {"value", "confidence", "unsure", "box"}
        assert len(digit["box"]) == 4 and all(isinstance(v, int) for v in digit["box"])
        assert 0 <= digit["confidence"] <= 1
    assert first["ms"] > 0
    assert second["number"] == "12 3" and second["lines"] == ["12", "3"]


def test_a_bad_file_gives_an_error_object_the_others_still_run_exit_code_1(capsys, images, shipped_model_path):
    files = [images["text"], images["good"], images["missing"], images["blank"]]
    code, out, _ = run(capsys, "--json", "--model", str(shipped_model_path), *map(str, files))
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["file"] for r in records] == [str(f) for f in files]
    assert set(records[0]) == {"file", "error"} and "not an image" in records[0]["error"]
    assert records[1]["number"] == "2048"
    assert set(records[2]) == {"file", "error"} and "not found" in records[2]["error"]
    assert records[3]["number"] == "" and records[3]["digits"] == []  # a blank page is read, not an error


def test_human_readable_output(capsys, images, shipped_model_path):
    code, out, err = run(capsys, "--model", str(shipped_model_path), str(images["good"]), str(images["text"]))
    assert code == 1
    assert out.startswith(f"{images['good']}: 2048  (")
    assert f"{images['text']}: error: not an image file" in err
    assert "Traceback" not in err


def test_annotate_writes_each_image_with_boxes(capsys, images, tmp_path, shipped_model_path):
    out_dir = tmp_path / "annotated"
    code, _, _ = run(capsys, "--model", str(shipped_model_path), "--annotate", str(out_dir), str(images["good"]))
    assert code == 0
    written = out_dir / "number.annotated.png"
    original = np.asarray(Image.open(images["good"]).convert("RGB"))
    annotated = np.asarray(Image.open(written))
    assert annotated.shape == original.shape
    assert (annotated != original).any(axis=2).sum() > 100  # boxes and labels drawn


def test_speak_writes_the_wav(capsys, images, tmp_path, monkeypatch, shipped_model_path):
    said = []
    monkeypatch.setattr(speech, "synthesize", lambda text: said.append(text) or b"RIFF-fake-wav")
    wav = tmp_path / "number.wav"
    code, _, _ = run(capsys, "--model", str(shipped_model_path), "--speak", str(wav), str(images["good"]))
    assert code == 0
    assert wav.read_bytes() == b"RIFF-fake-wav"
    assert said == [speech.spoken_text("2048")]


def test_speak_without_an_engine_is_a_plain_error(capsys, images, tmp_path, monkeypatch, shipped_model_path):
    def unavailable(text):
        raise speech.SpeechUnavailable("no speech engine: install espeak-ng")

    monkeypatch.setattr(speech, "synthesize", unavailable)
    code, out, err = run(
        capsys, "--model", str(shipped_model_path), "--speak", str(tmp_path / "x.wav"), str(images["good"])
    )
    assert code == 1
    assert "2048" in out
    assert "cannot speak the number: no speech engine" in err


def test_missing_model_is_a_plain_error(capsys, images, tmp_path):
    code, out, err = run(capsys, "--model", str(tmp_path / "nope.keras"), str(images["good"]))
    assert code == 1
    assert "not found" in err and "Traceback" not in err


@pytest.mark.slow
def test_python_dash_m_digitsight_read_json(images, shipped_model_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "digitsight", "read", "--json", str(images["good"]), str(images["text"])],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["number"] == "2048"
    assert "error" in lines[1]


# --------------------------------------------------------------------------- issue 23: --annotate writes safely


def test_annotate_never_writes_through_a_symlink(capsys, images, tmp_path, shipped_model_path):
    out_dir = tmp_path / "annotated"
    out_dir.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    (out_dir / "number.annotated.png").symlink_to(victim)
    for force in ([], ["--force"]):
        code, _, err = run(capsys, "--model", str(shipped_model_path), "--annotate", str(out_dir), *force,
                           str(images["good"]))  # fmt: skip
        assert code == 1
        assert "is a symbolic link" in err and "Traceback" not in err
        assert victim.read_text() == "keep me"
        assert (out_dir / "number.annotated.png").is_symlink()


def test_annotate_overwrites_only_with_force(capsys, images, tmp_path, shipped_model_path):
    out_dir = tmp_path / "annotated"
    out_dir.mkdir()
    existing = out_dir / "number.annotated.png"
    existing.write_bytes(b"an earlier run's picture")
    code, _, err = run(capsys, "--model", str(shipped_model_path), "--annotate", str(out_dir), str(images["good"]))
    assert code == 1
    assert f"{existing} already exists; pass --force to overwrite it" in err
    assert existing.read_bytes() == b"an earlier run's picture"
    other_name = tmp_path / "hard_link.png"
    other_name.hardlink_to(existing)
    code, _, _ = run(capsys, "--model", str(shipped_model_path), "--annotate", str(out_dir), "--force",
                     str(images["good"]))  # fmt: skip
    assert code == 0
    assert Image.open(existing).size == Image.open(images["good"]).size
    assert other_name.read_bytes() == b"an earlier run's picture"  # replaced, not written through


@pytest.mark.slow
def test_the_command_line_prints_no_tensorflow_logs(images, shipped_model_path):
    # TensorFlow logs (oneDNN, CUDA probing) through absl as it loads; a user sees only DigitSight's lines.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "DIGITSIGHT_"))}
    env["DIGITSIGHT_BACKEND"] = "keras"  # the backend that imports TensorFlow
    result = subprocess.run(
        [sys.executable, "-m", "digitsight", "read", str(images["good"]), str(images["text"])],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.startswith(f"{images['good']}: 2048")
    lines = result.stderr.splitlines()
    assert f"{images['text']}: error: not an image file DigitSight can read" in lines[0]
    for line in lines:
        assert not any(word in line.lower() for word in ("tensorflow", "absl", "onednn", "cuda", "i0000", "e0000"))


def test_speak_never_writes_through_a_symlink_nor_over_a_file(
    capsys, images, shipped_model_path, monkeypatch, tmp_path
):
    from digitsight import speech

    monkeypatch.setattr(speech, "synthesize", lambda text: b"RIFF-fake-wav")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "number.wav"
    link.symlink_to(victim)
    code, _, err = run(capsys, "--model", str(shipped_model_path), "--speak", str(link), str(images["good"]))
    assert code == 1
    assert "symbolic link" in err
    assert victim.read_text() == "keep me"

    existing = tmp_path / "old.wav"
    existing.write_bytes(b"old")
    code, _, err = run(capsys, "--model", str(shipped_model_path), "--speak", str(existing), str(images["good"]))
    assert code == 1 and "--force" in err and existing.read_bytes() == b"old"
    code, _, _ = run(
        capsys, "--model", str(shipped_model_path), "--speak", str(existing), "--force", str(images["good"])
    )
    assert code == 0 and existing.read_bytes() == b"RIFF-fake-wav"
