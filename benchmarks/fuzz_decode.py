"""A seeded mutation fuzzer over DigitSight's decoder: every input gives a reading or one DigitSightError.

Eleven small seed files (PNG RGB, gray + alpha, 16-bit and palette; baseline and
progressive JPEG; animated GIF; BMP; two-page LZW TIFF; 16-bit deflate TIFF; lossy WebP)
are mutated at random (bit flips, bytes set to boundary values, 16- and 32-bit fields set
to boundary integers, cuts, deleted, repeated and inserted runs; half the time within the
header's first 256 bytes, where a decoder decides what to allocate). Each mutant goes
through ``load_image(data, max_pixels=PROCESS_MAX_PIXELS)``, as ``digitsight.read``
decodes, and, when decoded, through the reader itself. Any exception other than
``DigitSightError`` is a raw error, the thing issue 23 allows none of; the script prints
each one with the seed and mutation that made it, the worst CPU time a case took, and
the counts. Run from the repository root:

    .venv/bin/python benchmarks/fuzz_decode.py [--cases 3000] [--seed 23] [--no-read]

``tests/test_hostile.py`` runs a few hundred cases (marked slow).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import struct
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]  # digit_images: the seeds show a real number

HEADER_BYTES = 256  # mutations land here half the time: sizes, modes, offsets and counts live there
BOUNDARY_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF)
BOUNDARY_INTS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def _saved(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def seeds() -> dict[str, bytes]:
    """The eleven seed files, each a small picture of the number 2048."""
    from digit_images import ink_layer, on_paper

    ink = ink_layer("2048", height=24)
    gray = on_paper(ink)
    rgb = np.dstack([gray, gray, np.clip(gray.astype(int) + 10, 0, 255).astype(np.uint8)])
    alpha = np.round(ink * 255).astype(np.uint8)
    two_pages = Image.fromarray(gray)
    palette = Image.fromarray(rgb).quantize(8)
    palette.info["transparency"] = 0
    return {
        "png_rgb": _saved(Image.fromarray(rgb), "PNG"),
        "png_gray_alpha": _saved(Image.fromarray(np.dstack([np.full_like(gray, 20), alpha]), "LA"), "PNG"),
        "png_16bit": _saved(Image.fromarray(gray.astype(np.uint16) * 257), "PNG"),
        "png_palette": _saved(palette, "PNG", transparency=0),
        "jpeg": _saved(Image.fromarray(rgb), "JPEG", quality=80),
        "jpeg_progressive": _saved(Image.fromarray(rgb), "JPEG", quality=80, progressive=True),
        "gif_animated": _saved(
            Image.fromarray(gray), "GIF", save_all=True, append_images=[Image.fromarray(255 - gray)], duration=50
        ),
        "bmp": _saved(Image.fromarray(rgb), "BMP"),
        "tiff_lzw_pages": _saved(two_pages, "TIFF", compression="tiff_lzw", save_all=True, append_images=[two_pages]),
        "tiff_16bit_deflate": _saved(
            Image.fromarray(gray.astype(np.uint16) * 257), "TIFF", compression="tiff_adobe_deflate"
        ),
        "webp": _saved(Image.fromarray(rgb), "WEBP", quality=70),
    }


def _position(data: bytearray, rng: random.Random) -> int:
    limit = min(len(data), HEADER_BYTES) if rng.random() < 0.5 else len(data)
    return rng.randrange(max(1, limit))


def _flip_bit(data: bytearray, rng: random.Random) -> str:
    at = _position(data, rng)
    data[at] ^= 1 << rng.randrange(8)
    return f"flip bit at {at}"


def _set_byte(data: bytearray, rng: random.Random) -> str:
    at, value = _position(data, rng), rng.choice(BOUNDARY_BYTES + (rng.randrange(256),))
    data[at] = value
    return f"byte {at} = {value:#x}"


def _set_int(data: bytearray, rng: random.Random) -> str:
    width, order = rng.choice((2, 4)), rng.choice("<>")
    at, value = _position(data, rng), rng.choice(BOUNDARY_INTS) & (0xFFFF if width == 2 else 0xFFFFFFFF)
    data[at : at + width] = struct.pack(order + ("H" if width == 2 else "I"), value)
    return f"{width * 8}-bit {order} at {at} = {value:#x}"


def _cut(data: bytearray, rng: random.Random) -> str:
    at = rng.randrange(1, len(data))
    del data[at:]
    return f"cut at {at}"


def _delete(data: bytearray, rng: random.Random) -> str:
    at, count = _position(data, rng), rng.randint(1, 64)
    del data[at : at + count]
    return f"delete {count} at {at}"


def _repeat(data: bytearray, rng: random.Random) -> str:
    at, count, times = _position(data, rng), rng.randint(1, 64), rng.randint(2, 50)
    data[at:at] = bytes(data[at : at + count]) * (times - 1)
    return f"repeat {count} at {at} x{times}"


def _insert(data: bytearray, rng: random.Random) -> str:
    at, count = _position(data, rng), rng.randint(1, 64)
    data[at:at] = bytes(rng.randrange(256) for _ in range(count))
    return f"insert {count} at {at}"


MUTATIONS: tuple[Callable[[bytearray, random.Random], str], ...] = (
    _flip_bit, _flip_bit, _set_byte, _set_byte, _set_int, _set_int, _cut, _delete, _repeat, _insert,
)  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """``data`` with one to four random mutations, and what they were.

    A PNG's chunks carry checksums, so most mutants would stop at the first one; half the
    PNG mutants get their checksums recomputed, so the mutation reaches the decoder.
    """
    mutant = bytearray(data)
    done = [rng.choice(MUTATIONS)(mutant, rng) for _ in range(rng.randint(1, 4)) if len(mutant) > 1]
    if data.startswith(b"\x89PNG") and rng.random() < 0.5:
        _fix_png_checksums(mutant)
        done.append("checksums fixed")
    return bytes(mutant), "; ".join(done)


def _fix_png_checksums(data: bytearray) -> None:
    """Recompute the CRC of every chunk that lies within ``data`` (in place)."""
    at = 8
    while at + 12 <= len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        end = at + 8 + length
        if end + 4 > len(data):
            return
        data[end : end + 4] = struct.pack(">I", zlib.crc32(data[at + 4 : end]))
        at = end + 4


@dataclass
class Report:
    cases: int = 0
    decoded: int = 0  # load_image gave an image
    refused: int = 0  # load_image raised DigitSightError
    read: int = 0  # ... and the reader read it
    raw: list[str] = field(default_factory=list)  # "seed: mutation: ExceptionType: message"
    outcomes: Counter = field(default_factory=Counter)  # (seed, "decoded" | "refused" | "raw")
    worst_cpu: tuple[float, str] = (0.0, "")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def fuzz(cases: int, seed: int, reader: Callable | None = None) -> Report:
    """Run ``cases`` mutants (the same ones for the same ``seed``); ``reader(loaded)`` reads each decoded one."""
    from digitsight.errors import DigitSightError
    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image

    originals = seeds()
    names = sorted(originals)
    rng = random.Random(seed)
    report = Report()
    for index in range(cases):
        name = names[index % len(names)]
        mutant, how = mutate(originals[name], rng)
        started = _cpu()
        stage = "decode"
        try:
            loaded = load_image(mutant, max_pixels=PROCESS_MAX_PIXELS)
            report.decoded += 1
            report.outcomes[name, "decoded"] += 1
            if reader is not None:
                stage = "read"
                reader(loaded)
                report.read += 1
        except DigitSightError:
            if stage == "decode":
                report.refused += 1
                report.outcomes[name, "refused"] += 1
        except Exception as error:  # noqa: BLE001 - a raw exception is what the fuzzer looks for
            report.raw.append(f"{name}: {how}: {stage}: {type(error).__name__}: {error}")
            report.outcomes[name, "raw"] += 1
        report.cases += 1
        spent = _cpu() - started
        if spent > report.worst_cpu[0]:
            report.worst_cpu = (spent, f"{name}: {how}")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--no-read", action="store_true", help="decode only; do not run the reader")
    args = parser.parse_args()

    from digitsight.cli import quiet_native_stderr

    quiet_native_stderr()  # libtiff and libjpeg print a warning per damaged file; the figures are what count
    reader = None
    if not args.no_read:
        from digitsight.reading import load_models, read_loaded

        models = load_models()
        reader = lambda loaded: read_loaded(loaded, *models)  # noqa: E731
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores; python {platform.python_version()}")
    started = time.perf_counter()
    report = fuzz(args.cases, args.seed, reader)
    elapsed = time.perf_counter() - started
    print(f"{report.cases} mutants of {len(seeds())} seed files (seed {args.seed}) in {elapsed:.0f} s")
    print(f"decoded {report.decoded}, refused with DigitSightError {report.refused}, raw exceptions {len(report.raw)}")
    if reader is not None:
        print(f"read by the reader: {report.read} of the {report.decoded} decoded")
    print(f"worst CPU for one case: {report.worst_cpu[0]:.2f} s ({report.worst_cpu[1]})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the whole run: {peak:.0f} MB")
    for name in sorted({name for name, _ in report.outcomes}):
        counts = {kind: report.outcomes[name, kind] for kind in ("decoded", "refused", "raw")}
        print(f"  {name:20} " + "  ".join(f"{kind} {count:4}" for kind, count in counts.items()))
    for line in report.raw:
        print("RAW", line[:300])
    return 1 if report.raw else 0


if __name__ == "__main__":
    sys.exit(main())
