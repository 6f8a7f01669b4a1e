"""Hostile and malformed inputs, built on the fly (nothing binary is committed).

Each ``Hostile`` is a file (bytes) or an in-memory image (array, PIL image) that has
cost DigitSight dearly or escaped its error handling (issue 23), with what must
happen to it: either it is read, giving ``number``, or it is refused with one
``DigitSightError`` whose message matches ``error``. ``tests/test_hostile.py`` checks
every outcome; ``benchmarks/bench_hostile.py`` prints the CPU time and peak memory
each one costs (the budget: 1 s of CPU and 300 MB above the loaded process).

Most files are small (under 20 MB, the dashboard's upload limit; many under 1 MB)
and declare up to ``BIG_SIDE`` x ``BIG_SIDE`` pixels, just under the 50-megapixel
limit, so they pass the header check and reach the decoder.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

# Just under imaging.MAX_PIXELS (50 MP): the largest square the header check lets through.
BIG_SIDE = 7000
# Pages in the multi-page TIFF: 80,000 1x1 pages (9 MB) took 36 s of CPU when every page was counted.
TIFF_PAGES = 80_000
# Frames in the animated GIF: first-frame-only reading must not care how many follow.
GIF_FRAMES = 10_000
# Copies of one progressive scan: libjpeg decodes every scan of a file, each over the whole image.
JPEG_SCANS = 2_000


@dataclass(frozen=True)
class Hostile:
    """One hostile input: ``build()`` makes it; exactly one of ``number`` / ``error`` says what must happen."""

    name: str
    why: str
    build: Callable[[], object]
    number: str | None = None  # the reading expected ("" for an image without digits)
    error: str | None = None  # a regex the DigitSightError message must match


# --------------------------------------------------------------------------- writers


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_rows(width: int, height: int, bit_depth: int, color_type: int, row: bytes, chunks: bytes = b"") -> bytes:
    """A PNG whose every row is ``row`` (filter byte added here), compressed without holding the pixels."""
    compressor = zlib.compressobj(9)
    block = (b"\0" + row) * 64  # 64 rows per call keeps Python's overhead negligible
    parts = [compressor.compress(block) for _ in range(height // 64)]
    parts.append(compressor.compress((b"\0" + row) * (height % 64)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + chunks
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def _ifd(entries: list[tuple[int, int, int]], next_offset: int) -> bytes:
    """A little-endian TIFF directory of (tag, type, value) entries, one value each (SHORT=3, LONG=4)."""
    data = struct.pack("<H", len(entries))
    for tag, kind, value in sorted(entries):
        packed = struct.pack("<HxxI", value, 0)[:4] if kind == 3 else struct.pack("<I", value)
        data += struct.pack("<HHI", tag, kind, 1) + packed
    return data + struct.pack("<I", next_offset)


def _page_entries(width: int, height: int, pixel_offset: int) -> list[tuple[int, int, int]]:
    # ImageWidth, ImageLength, BitsPerSample 8, no compression, BlackIsZero, StripOffsets,
    # SamplesPerPixel 1, RowsPerStrip, StripByteCounts.
    return [
        (256, 3, width), (257, 3, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
        (273, 4, pixel_offset), (277, 3, 1), (278, 3, height), (279, 4, width * height),
    ]  # fmt: skip


def tiff_pages(pages: int, drop_size_from: int | None = None) -> bytes:
    """A TIFF of ``pages`` white 1x1 gray pages sharing one pixel; page ``drop_size_from`` on lose their size."""
    header = b"II*\0" + struct.pack("<I", 12) + b"\xff\0\0\0"  # the shared pixel sits at offset 8
    out = [header]
    offset = 12
    for index in range(pages):
        entries = _page_entries(1, 1, 8)
        if drop_size_from is not None and index >= drop_size_from:
            entries = [entry for entry in entries if entry[0] not in (256, 257)]
        size = 2 + 12 * len(entries) + 4
        last = index == pages - 1
        out.append(_ifd(entries, 0 if last else offset + size))
        offset += size
    return b"".join(out)


def tiff_huge_tile() -> bytes:
    """A 64x64 deflate TIFF whose one tile is declared 65,536 x 65,536 pixels (4 GB of tile buffer)."""
    data = zlib.compress(b"\xff" * 64)
    entries = [
        (256, 3, 64), (257, 3, 64), (258, 3, 8), (259, 3, 8), (262, 3, 1), (277, 3, 1),
        (322, 4, 65536), (323, 4, 65536), (324, 4, 8), (325, 4, len(data)),
    ]  # fmt: skip
    return b"II*\0" + struct.pack("<I", 8 + len(data)) + data + _ifd(entries, 0)


def bmp_rle8(width: int, height: int, run: int = 255) -> bytes:
    """A run-length (RLE8) BMP of white, in runs of ``run`` pixels (Pillow decodes RLE in Python, run by run)."""
    palette = b"\xff\xff\xff\0\0\0\0\0"
    row = bytes([run, 0]) * (width // run) + (bytes([width % run, 0]) if width % run else b"") + b"\0\0"
    data = row * height + b"\0\1"  # each row ends with end-of-line; then end-of-bitmap
    offset = 14 + 40 + len(palette)
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(data), 2835, 2835, 2, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + header + palette + data


def saved(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def jpeg_with_repeated_scan(copies: int) -> bytes:
    """A progressive JPEG whose last scan is repeated ``copies`` times (a small file, a long decode)."""
    data = saved(Image.new("L", (2000, 2000), 255), "JPEG", progressive=True, quality=90)
    last_scan = data.rindex(b"\xff\xda")
    return data[:last_scan] + data[last_scan:-2] * copies + b"\xff\xd9"


def number_image(text: str = "2048") -> np.ndarray:
    """Ink coverage in [0, 1] of ``text`` in MNIST training digits (tests/digit_images.py)."""
    from digit_images import ink_layer

    return ink_layer(text)


def gray_alpha_png(text: str = "2048") -> bytes:
    """Dark digits on a transparent sheet, saved as an 8-bit gray + alpha (LA) PNG."""
    ink = number_image(text)
    la = np.dstack([np.full(ink.shape, 20, np.uint8), np.round(ink * 255).astype(np.uint8)])
    return saved(Image.fromarray(la, "LA"), "PNG")


def palette_alpha_image(text: str = "2048") -> Image.Image:
    """The same digits as a palette + alpha (PA) PIL image: index 1 is dark ink, alpha carries the strokes."""
    ink = number_image(text)
    image = Image.new("PA", (ink.shape[1], ink.shape[0]))
    image.putpalette([255, 255, 255, 20, 20, 20] + [0] * 762)
    bands = np.dstack([np.ones(ink.shape, np.uint8), np.round(ink * 255).astype(np.uint8)])
    image.frombytes(bands.tobytes())
    return image


def truncated_jpeg(end_marker: bool) -> bytes:
    """A photo of "2048" whose entropy-coded data stops at 60%; with ``end_marker``, an EOI follows."""
    from digit_images import on_paper

    data = saved(Image.fromarray(on_paper(number_image())), "JPEG", quality=90)
    cut = data[: int(len(data) * 0.6)]
    return cut + b"\xff\xd9" if end_marker else cut


def eps_file() -> bytes:
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\n"
        b"newpath 10 10 moveto 90 90 lineto stroke showpage\n%%EOF\n"
    )


def many_frames_gif(frames: int) -> bytes:
    first = Image.new("L", (8, 8), 255)
    rest = [Image.new("L", (8, 8), 255 if k % 2 else 0) for k in range(frames - 1)]
    return saved(first, "GIF", save_all=True, append_images=rest, duration=10, loop=0)


def png_text_bomb() -> bytes:
    """A 10x10 PNG with a zTXt chunk that inflates to 200 MB."""
    text = zlib.compress(b"\0" * 200_000_000, 9)
    return png_of_rows(10, 10, 8, 0, b"\xff" * 10, chunks=_chunk(b"zTXt", b"Comment\0\0" + text))


# --------------------------------------------------------------------------- the corpus

BLANK = ""  # the reading of an image with no digits

HOSTILE: tuple[Hostile, ...] = (
    Hostile(
        "tiff_80000_pages",
        "every page of a multi-page TIFF was counted, in time growing with the square of the count",
        lambda: tiff_pages(TIFF_PAGES),
        number=BLANK,
    ),
    Hostile(
        "tiff_page_without_size",
        "a second page without a size raised a raw TypeError while pages were counted",
        lambda: tiff_pages(2, drop_size_from=1),
        number=BLANK,
    ),
    Hostile(
        "tiff_first_page_without_size",
        "a first page without a size",
        lambda: tiff_pages(2, drop_size_from=0),
        error="not an image file DigitSight can read",
    ),
    Hostile(
        "tiff_huge_tile",
        "a 64x64 TIFF whose tile is declared 65,536 pixels square",
        tiff_huge_tile,
        error="corrupt",
    ),
    Hostile(
        "png_49mp_transparent_rgba",
        "190 KB of fully transparent RGBA: compositing made float copies at full size (+2.5 GB)",
        lambda: png_of_rows(BIG_SIDE, BIG_SIDE, 8, 6, bytes(4 * BIG_SIDE)),
        number=BLANK,
    ),
    Hostile(
        "png_49mp_16bit_gray",
        "a 49 MP 16-bit gray PNG of zeros (95 KB): +600 MB",
        lambda: png_of_rows(BIG_SIDE, BIG_SIDE, 16, 0, bytes(2 * BIG_SIDE)),
        number=BLANK,
    ),
    Hostile(
        "png_49mp_16bit_rgba",
        "a 49 MP 16-bit RGBA PNG, half transparent",
        lambda: png_of_rows(BIG_SIDE, BIG_SIDE, 16, 6, b"\xff\xff\xff\xff\xff\xff\x80\x00" * BIG_SIDE),
        number=BLANK,
    ),
    Hostile(
        "png_49mp_gray_alpha",
        "a 49 MP gray + alpha PNG",
        lambda: png_of_rows(BIG_SIDE, BIG_SIDE, 8, 4, b"\x00\x00" * BIG_SIDE),
        number=BLANK,
    ),
    Hostile(
        "png_49mp_palette",
        "a 49 MP palette PNG with a transparent colour",
        lambda: png_of_rows(
            BIG_SIDE,
            BIG_SIDE,
            8,
            3,
            bytes(BIG_SIDE),
            chunks=_chunk(b"PLTE", b"\xff\xff\xff\0\0\0") + _chunk(b"tRNS", b"\0"),
        ),
        number=BLANK,
    ),
    Hostile(
        "png_1x49m",
        "one pixel wide, 49 million rows: 11 s and 3.6 GB in the reader",
        lambda: png_of_rows(1, BIG_SIDE * BIG_SIDE, 8, 0, b"\xff"),
        error="at most 100 times longer than they are wide",
    ),
    Hostile(
        "png_ztxt_bomb",
        "a text chunk inflating to 200 MB",
        png_text_bomb,
        error="corrupt",
    ),
    Hostile(
        "tiff_49mp_float",
        "a 49 MP 32-bit float TIFF (deflate)",
        lambda: saved(Image.new("F", (BIG_SIDE, BIG_SIDE), 0.5), "TIFF", compression="tiff_adobe_deflate"),
        number=BLANK,
    ),
    Hostile(
        "tiff_49mp_cmyk",
        "a 49 MP CMYK TIFF (deflate)",
        lambda: saved(Image.new("CMYK", (BIG_SIDE, BIG_SIDE), (0, 0, 0, 0)), "TIFF", compression="tiff_adobe_deflate"),
        number=BLANK,
    ),
    Hostile(
        "gif_49mp",
        "a 49 MP GIF",
        lambda: saved(Image.new("P", (BIG_SIDE, BIG_SIDE), 0), "GIF"),
        number=BLANK,
    ),
    Hostile(
        "gif_10000_frames",
        "an animated GIF of 10,000 frames",
        lambda: many_frames_gif(GIF_FRAMES),
        number=BLANK,
    ),
    Hostile(
        "bmp_rle_49mp",
        "a 49 MP run-length BMP",
        lambda: bmp_rle8(BIG_SIDE, BIG_SIDE),
        number=BLANK,
    ),
    Hostile(
        "bmp_rle_one_pixel_runs",
        "an 8 MB run-length BMP of one-pixel runs: Pillow decodes each run in Python",
        lambda: bmp_rle8(2000, 2000, run=1),
        error="run-length",
    ),
    Hostile(
        "webp_49mp_lossless",
        "a 49 MP lossless WebP of 34 bytes: Pillow decodes WebP through three full-size copies",
        lambda: saved(Image.new("RGBA", (BIG_SIDE, BIG_SIDE), (0, 0, 0, 0)), "WEBP", lossless=True, method=0),
        error="WebP images over 16 megapixels",
    ),
    Hostile(
        "webp_16mp_lossless",
        "a 16 MP lossless WebP, the largest DigitSight decodes",
        lambda: saved(Image.new("RGBA", (4000, 4000), (0, 0, 0, 0)), "WEBP", lossless=True, method=0),
        number=BLANK,
    ),
    Hostile(
        "jpeg_49mp_progressive",
        "a 49 MP progressive JPEG in full colour resolution (4:4:4)",
        lambda: saved(Image.new("RGB", (BIG_SIDE, BIG_SIDE), "white"), "JPEG", progressive=True, subsampling=0),
        number=BLANK,
    ),
    Hostile(
        "jpeg_2000_scans",
        "a progressive JPEG whose last scan is repeated 2,000 times",
        lambda: jpeg_with_repeated_scan(JPEG_SCANS),
        error="scans",
    ),
    Hostile(
        "jpeg_truncated",
        "a JPEG whose data ends at 60%",
        lambda: truncated_jpeg(end_marker=False),
        error="truncated",
    ),
    Hostile(
        "jpeg_truncated_with_end_marker",
        "a JPEG whose data ends at 60%, then an end marker: libjpeg pads the rest with gray",
        lambda: truncated_jpeg(end_marker=True),
        error="truncated",
    ),
    Hostile(
        "eps_named_png",
        "EPS content: Pillow's EPS reader runs Ghostscript where it is installed",
        eps_file,
        error="not an image file DigitSight can read",
    ),
    Hostile(
        "pcx_file",
        "a format Pillow reads but DigitSight does not document",
        lambda: saved(Image.new("L", (64, 64), 255), "PCX"),
        error="not an image file DigitSight can read",
    ),
    Hostile(
        "png_gray_alpha_digits",
        "gray + alpha (LA) was refused with an internal message",
        gray_alpha_png,
        number="2048",
    ),
    Hostile(
        "pil_palette_alpha_digits",
        "a palette + alpha (PA) image",
        palette_alpha_image,
        number="2048",
    ),
    Hostile(
        "array_50mp_float64",
        "a 50 MP float64 array from Python peaked over 2 GB",
        lambda: np.ones((BIG_SIDE, BIG_SIDE), np.float64),
        number=BLANK,
    ),
    Hostile(
        "array_50mp_uint16_rgba",
        "a 50 MP 16-bit RGBA array",
        lambda: np.full((BIG_SIDE, BIG_SIDE, 4), 40000, np.uint16),
        number=BLANK,
    ),
    Hostile(
        "array_object",
        "an object array gave a raw ValueError",
        lambda: np.array([[object(), object()], [object(), object()]], dtype=object),
        error="numbers",
    ),
    Hostile(
        "array_complex",
        "a complex array was accepted silently",
        lambda: np.ones((40, 40), np.complex128),
        error="complex",
    ),
    Hostile(
        "array_of_strings",
        "a string array",
        lambda: np.full((4, 4), "x"),
        error="numbers",
    ),
    Hostile(
        "empty_bytes",
        "an empty upload",
        lambda: b"",
        error="empty",
    ),
    Hostile(
        "text_named_png",
        "a text file named .png",
        lambda: b"this is not an image\n" * 10,
        error="not an image file",
    ),
)

BY_NAME = {hostile.name: hostile for hostile in HOSTILE}


@lru_cache(maxsize=4)
def build(name: str) -> object:
    """``BY_NAME[name].build()``, the last few kept (some take a second to make)."""
    return BY_NAME[name].build()
