"""Decoding any image a user may hand over, and refusing bad ones with a plain DigitSightError."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from digitsight import imaging, pixels
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
    with pytest.raises(DigitSightError, match="the PNG file is truncated"):
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
        load_image(np.zeros((4, 4, 5), np.uint8))
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


# --------------------------------------------------------------------------- issue 23: hostile and unusual inputs


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(orientation):
    image = Image.fromarray(np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = png_bytes(image, exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    np.testing.assert_array_equal(load_image(data).rgb, expected)
    assert load_image(data).size == (expected.shape[1], expected.shape[0])


def test_gray_alpha_png_reads_like_the_same_rgba():
    gray = np.array([[0, 50, 200, 255]] * 3, np.uint8)
    alpha = np.array([[255, 128, 0, 255]] * 3, np.uint8)
    la = png_bytes(Image.fromarray(np.dstack([gray, alpha]), "LA"))
    rgba = np.dstack([gray, gray, gray, alpha])
    np.testing.assert_array_equal(load_image(la).rgb, load_image(rgba).rgb)
    np.testing.assert_array_equal(load_image(np.dstack([gray, alpha])).rgb, load_image(rgba).rgb)


def test_palette_alpha_image():
    image = Image.new("PA", (2, 1))
    image.putpalette([255, 255, 255, 10, 10, 10] + [0] * 762)
    image.frombytes(bytes([1, 255, 1, 0]))  # pixel 0: dark, opaque; pixel 1: dark, transparent
    np.testing.assert_array_equal(load_image(image).rgb[0], [[10, 10, 10], [255, 255, 255]])


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.array([[object()]], dtype=object), "must hold numbers"),
        (np.full((3, 3), "7"), "must hold numbers"),
        (np.ones((3, 3), np.complex64), "complex numbers"),
        (np.zeros((3, 3), "datetime64[s]"), "must hold numbers"),
    ],
)
def test_arrays_of_what_is_not_a_number_are_refused(array, message):
    with pytest.raises(DigitSightError, match=message):
        load_image(array)


def test_long_thin_strips_are_refused():
    with pytest.raises(DigitSightError, match="at most 100 times longer"):
        load_image(np.zeros((2, 201), np.uint8))
    assert load_image(np.zeros((2, 200), np.uint8)).size == (200, 2)


def test_max_pixels_shrinks_by_a_whole_factor_keeping_the_original_size():
    image = np.zeros((2001, 3001), np.uint8)
    image[:, 1500:] = 200
    loaded = load_image(png_bytes(Image.fromarray(image)), max_pixels=1_000_000)
    assert loaded.rgb.shape == (1000, 1500, 3)  # 2 x 2 squares: the largest factor keeping 1 MP
    assert loaded.size == (3001, 2001)
    assert loaded.scale == pytest.approx(1500 / 3001)
    assert loaded.rgb[:, :750].max() == 0 and loaded.rgb[:, 750:].min() == 200
    small = load_image(png_bytes(Image.fromarray(image[:999, :999])), max_pixels=1_000_000)
    assert small.rgb.shape == (999, 999, 3) and small.original_size is None


@pytest.mark.parametrize("source", ["png", "array"])
def test_shrinking_weights_colour_by_alpha(source):
    # Each 2 x 2 square: one opaque black pixel, three transparent red ones. The red must not show:
    # a quarter black over white paper is gray (unweighted, the mean colour would be 75% red).
    rgba = np.zeros((1000, 1000, 4), np.uint8)
    rgba[...] = (255, 0, 0, 0)
    rgba[0::2, 0::2] = (0, 0, 0, 255)
    image = png_bytes(Image.fromarray(rgba)) if source == "png" else rgba
    rgb = load_image(image, max_pixels=250_000).rgb
    assert rgb.shape == (500, 500, 3)
    assert np.abs(rgb.astype(int) - 191).max() <= 1  # 255 * (1 - 64 / 255)


@pytest.mark.parametrize(
    "image",
    [
        np.random.default_rng(1).integers(0, 256, (37, 23, 4), dtype=np.uint8),
        np.random.default_rng(2).integers(0, 65536, (37, 23, 2), dtype=np.uint16),
        np.random.default_rng(3).random((37, 23)) * 3,
        Image.fromarray(np.random.default_rng(4).integers(0, 256, (37, 23, 3), dtype=np.uint8)).quantize(5),
    ],
    ids=["rgba", "gray-alpha-16", "float", "palette"],
)
@pytest.mark.parametrize("max_pixels", [None, 200])
def test_band_by_band_equals_whole(monkeypatch, image, max_pixels):
    whole = load_image(image, max_pixels=max_pixels).rgb
    monkeypatch.setattr(pixels, "BAND_PIXELS", 50)  # two to four rows per band
    np.testing.assert_array_equal(load_image(image, max_pixels=max_pixels).rgb, whole)


def test_median_decision_is_exact_without_holding_the_values():
    rng = np.random.default_rng(5)
    for _ in range(2000):
        values = rng.choice(np.float32([126.5, 127.0, 127.2, 127.5, 128.0, 0.0, 255.0]), size=rng.integers(1, 9))
        light = values > 127
        darkest_light = float(values[light].min()) if light.any() else np.inf
        lightest_dark = float(values[~light].max()) if (~light).any() else -np.inf
        decided = pixels._median_is_light(len(values), int(light.sum()), darkest_light, lightest_dark)
        assert decided == (np.median(values) > 127), values


def test_run_length_bmp_past_the_limit_is_refused(monkeypatch):
    data = io.BytesIO()
    Image.new("P", (40, 40), 0).save(data, format="BMP")  # Pillow writes no RLE: build one by hand
    from hostile_files import bmp_rle8

    rle = bmp_rle8(40, 40, run=3)
    assert load_image(rle).rgb.min() == 255
    monkeypatch.setattr(imaging, "MAX_RLE_BMP_BYTES", len(rle) - 1)
    with pytest.raises(DigitSightError, match="run-length compressed BMP"):
        load_image(rle)
    assert load_image(data.getvalue()).size == (40, 40)  # an uncompressed BMP is not held to it


def test_jpeg_that_ends_early_is_truncated_with_or_without_its_end_marker():
    from hostile_files import truncated_jpeg

    for end_marker in (False, True):
        with pytest.raises(DigitSightError, match="the JPEG file is truncated"):
            load_image(truncated_jpeg(end_marker))


def test_jpeg_with_stray_bytes_before_a_marker_still_reads():
    # libjpeg warns about these (some cameras write them) and reads the image: so do we.
    data = io.BytesIO()
    Image.new("L", (16, 16), 200).save(data, format="JPEG")
    damaged = data.getvalue()[:-2] + b"\0\0\0" + b"\xff\xd9"
    assert load_image(damaged).rgb.min() >= 190


def test_pnm_reads_and_other_formats_pillow_knows_do_not():
    gray = np.array([[0, 128, 255]], np.uint8)
    for format in ("PPM",):  # the PNM family, which `read` takes from folders
        data = io.BytesIO()
        Image.fromarray(gray).save(data, format=format)
        np.testing.assert_array_equal(load_image(data.getvalue()).rgb[0, :, 0], [0, 128, 255])
    for format in ("PCX", "TGA", "ICO", "IM", "SGI"):
        data = io.BytesIO()
        Image.new("L", (16, 16), 255).save(data, format=format)
        with pytest.raises(DigitSightError, match="not an image file DigitSight can read"):
            load_image(data.getvalue())
