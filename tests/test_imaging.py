"""Decoding any image a user may hand over, and refusing bad ones with a plain DigitSightError."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from digitsight import imaging
from digitsight.errors import DigitSightError
from digitsight.imaging import load_image, processing_scale, to_gray


def png_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **params)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (no pixel data): what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 10))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


@pytest.fixture
def gray_image() -> np.ndarray:
    image = np.full((6, 8), 200, np.uint8)
    image[1:3, 2:5] = 10
    return image


def test_path_bytes_file_object_pil_and_array_decode_alike(tmp_path, gray_image):
    path = tmp_path / "digit.png"
    Image.fromarray(gray_image).save(path)
    expected = np.repeat(gray_image[..., None], 3, axis=2)
    for source in (path, str(path), path.read_bytes(), io.BytesIO(path.read_bytes()), Image.open(path), gray_image):
        loaded = load_image(source)
        assert loaded.rgb.dtype == np.uint8
        np.testing.assert_array_equal(loaded.rgb, expected)
        assert loaded.size == (8, 6)
        assert loaded.warnings == ()


def test_exif_orientation_is_applied():
    image = Image.new("L", (4, 2), 0)
    image.putpixel((0, 0), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display", as phones store portrait photos
    loaded = load_image(png_bytes(image, exif=exif))
    assert loaded.size == (2, 4)
    assert loaded.rgb[0, 1, 0] == 255  # the top-left marker is now top-right
    assert loaded.rgb[..., 0].sum() == 255


def test_white_strokes_on_transparent_canvas_composite_onto_black():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[4:6, 2:8] = (255, 255, 255, 255)
    rgb = load_image(rgba).rgb
    assert rgb[5, 5].tolist() == [255, 255, 255]
    assert rgb[0, 0].tolist() == [0, 0, 0]


def test_dark_strokes_on_transparent_canvas_composite_onto_white():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[4:6, 2:8] = (0, 0, 0, 255)
    rgb = load_image(Image.fromarray(rgba, "RGBA")).rgb
    assert rgb[5, 5].tolist() == [0, 0, 0]
    assert rgb[0, 0].tolist() == [255, 255, 255]


def test_half_transparent_pixels_blend_with_the_background():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[5, :] = (0, 0, 0, 128)
    rgba[0, 0] = (0, 0, 0, 255)
    rgb = load_image(rgba).rgb
    assert rgb[5, 5, 0] == 127  # 255 * (1 - 128 / 255), rounded


def test_palette_image_with_transparency():
    image = Image.new("P", (4, 4), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.info["transparency"] = 0
    image.putpixel((1, 1), 1)
    rgb = load_image(png_bytes(image)).rgb
    assert rgb[1, 1].tolist() == [0, 0, 255]
    assert rgb[0, 0].tolist() == [255, 255, 255]  # transparent red -> white paper behind dark ink


def test_cmyk_image_is_converted():
    image = Image.new("CMYK", (3, 3), (0, 0, 0, 255))  # full black ink
    image.putpixel((1, 1), (0, 0, 0, 0))  # no ink: white
    rgb = load_image(image).rgb
    assert rgb[0, 0].tolist() == [0, 0, 0]
    assert rgb[1, 1].tolist() == [255, 255, 255]


def test_16_bit_png_is_scaled_to_8_bits():
    values = np.array([[0, 32896, 65535]], np.uint16)
    data = png_bytes(Image.fromarray(values))
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    np.testing.assert_array_equal(load_image(data).rgb[0, :, 0], [0, 128, 255])


def test_12_bit_and_float_arrays():
    np.testing.assert_array_equal(load_image(np.array([[0, 4095]], np.uint16)).rgb[0, :, 0], [0, 255])
    np.testing.assert_array_equal(load_image(np.array([[0.0, 0.5, 1.0]])).rgb[0, :, 0], [0, 128, 255])
    np.testing.assert_array_equal(load_image(np.array([[False, True]])).rgb[0, :, 0], [0, 255])


def test_animated_gif_reads_the_first_frame_with_a_warning():
    frames = [Image.new("L", (8, 8), 255), Image.new("L", (8, 8), 0)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    loaded = load_image(buffer.getvalue())
    assert loaded.rgb.min() == 255  # the first (white) frame
    assert len(loaded.warnings) == 1 and "first frame" in loaded.warnings[0]


def test_corrupt_bytes():
    with pytest.raises(DigitSightError, match="corrupt"):
        load_image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)  # a PNG signature, then nonsense
    with pytest.raises(DigitSightError, match="not an image file"):
        load_image(bytes(range(256)) * 4)


def test_truncated_png():
    data = png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)))
    with pytest.raises(DigitSightError, match="corrupt"):
        load_image(data[: len(data) // 2])


def test_text_file_named_png(tmp_path):
    path = tmp_path / "number.png"
    path.write_text("this is not an image\n")
    with pytest.raises(DigitSightError, match="not an image file"):
        load_image(path)


def test_empty_file_and_zero_size_arrays(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(DigitSightError, match="empty"):
        load_image(path)
    with pytest.raises(DigitSightError, match="empty"):
        load_image(np.zeros((0, 10), np.uint8))
    with pytest.raises(DigitSightError, match="empty"):
        load_image(np.zeros((10, 0, 3), np.uint8))


def test_huge_declared_size_is_refused_before_decoding():
    with pytest.raises(DigitSightError, match="too large"):
        load_image(png_header_only(60_000, 60_000))  # past Pillow's own bomb limit
    with pytest.raises(DigitSightError, match="too large"):
        load_image(png_header_only(10_000, 8_000))  # under Pillow's, over ours


def test_zero_size_declared_in_header():
    with pytest.raises(DigitSightError, match="empty|corrupt|not an image"):
        load_image(png_header_only(0, 10))


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(imaging, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes(Image.new("L", (200, 200), 0)) + b"\0" * 200)
    with pytest.raises(DigitSightError, match="larger than"):
        load_image(path)
    with pytest.raises(DigitSightError, match="larger than"):
        load_image(path.read_bytes())


def test_missing_file_directory_and_wrong_type(tmp_path):
    with pytest.raises(DigitSightError, match="not found"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(DigitSightError, match="not a file"):
        load_image(tmp_path)
    with pytest.raises(DigitSightError, match="cannot read an image from a int"):
        load_image(42)
    with pytest.raises(DigitSightError, match="shape"):
        load_image(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(DigitSightError, match="NaN"):
        load_image(np.array([[0.0, np.nan]]))


def test_to_gray_uses_luminance():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(to_gray(rgb)[0], [76, 150, 29, 255])


def test_processing_scale_caps_the_pixel_count():
    assert processing_scale((1000, 1000)) == 1.0
    scale = processing_scale((4000, 3000))
    assert scale < 1
    assert 4000 * 3000 * scale**2 == pytest.approx(imaging.PROCESS_MAX_PIXELS, rel=1e-6)
