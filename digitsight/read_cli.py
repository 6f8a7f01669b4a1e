"""``python -m digitsight read [--json] [--annotate OUT_DIR [--force]] [--speak WAV] [--model PATH] IMAGE...``

Without --annotate or --speak, ``digitsight.batch.run_batch`` reads (folders, archives,
worker processes, --output, --format csv, --scheduler); this module reads when the
readings themselves are needed here, to draw on the images or to speak them.

With ``--json``, one JSON object per image and line (JSON Lines)::

    {"file", "number", "lines", "digits": [{"value", "confidence", "box": [x, y, w, h]}], "ms", "warnings"}

A file that cannot be read gives ``{"file", "error"}``; the other files still run,
and the exit code is 1. Without ``--json``, one human-readable line per image.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from digitsight.errors import DigitSightError

if TYPE_CHECKING:
    from digitsight.imaging import LoadedImage
    from digitsight.result import Reading


def run_read(args: argparse.Namespace) -> int:
    """Read every image in ``args.images``; returns the exit code (1 if any file failed)."""
    if not (args.annotate or args.speak):
        from digitsight.batch import run_batch

        return run_batch(args)  # workers, --output, --format, --scheduler: digitsight/batch.py
    # Drawing on each image and speaking them all need the readings here: one process, printed.
    if args.output or args.scheduler or args.format == "csv":
        raise DigitSightError("--annotate and --speak print what they read: leave out --output, --scheduler, --format")
    from digitsight.imaging import PROCESS_MAX_PIXELS
    from digitsight.inputs import expand_inputs, load_source
    from digitsight.reading import load_models, read_loaded

    models = load_models(args.model, backend=args.backend)  # a bad model fails the whole run, before any image
    out_dir = Path(args.annotate) if args.annotate else None
    written: set[Path] = set()
    readings = []
    failed = False
    for file in expand_inputs(args.images, recursive=args.recursive):
        started = time.perf_counter()
        try:
            loaded = load_source(file, PROCESS_MAX_PIXELS)  # a huge image is decoded shrunk
            reading = read_loaded(loaded, *models)
            ms = (time.perf_counter() - started) * 1000
            if out_dir is not None:
                _write_annotated(out_dir, file, loaded, reading, written, force=args.force)
        except DigitSightError as error:
            failed = True
            if args.json:
                print(json.dumps({"file": file, "error": str(error)}), flush=True)
            else:
                print(f"{file}: error: {error}", file=sys.stderr, flush=True)
            continue
        readings.append(reading)
        if args.json:
            print(json.dumps(reading.to_dict(file, ms)), flush=True)  # the contract: digitsight.result
        else:
            print(f"{file}: {reading.number or '(no digits found)'}  ({ms:.0f} ms)", flush=True)
            for warning in reading.warnings:
                print(f"  warning: {warning}", flush=True)
    if args.speak:
        failed |= not _speak(args.speak, readings, force=args.force)
    return 1 if failed else 0


def _write_annotated(
    out_dir: Path, file: str, loaded: LoadedImage, reading: Reading, written: set[Path], force: bool = False
) -> None:
    """Write ``file``'s image with what was read drawn on it to OUT_DIR/<name>.annotated.png.

    Never through a symbolic link (a link planted in OUT_DIR would have us overwrite its
    target), and never over an existing file unless ``force``.
    """
    from PIL import Image

    from digitsight.annotate import annotate

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DigitSightError(f"cannot create the folder {out_dir}: {error.strerror or error}") from error
    target = out_dir / f"{Path(file).stem}.annotated.png"
    counter = 2
    while target in written:  # two inputs with one name (a/x.png, b/x.png) must not overwrite each other
        target = out_dir / f"{Path(file).stem}.{counter}.annotated.png"
        counter += 1
    written.add(target)
    picture = Image.fromarray(annotate(loaded, reading))
    with _new_file(target, force) as stream:
        try:
            picture.save(stream, format="PNG")
        except OSError as error:
            stream.close()
            target.unlink(missing_ok=True)  # no half-written picture left behind
            raise DigitSightError(f"cannot write {target}: {error.strerror or error}") from error


def _new_file(target: Path, force: bool) -> BinaryIO:
    """``target`` opened for writing as a new file: O_EXCL, so no link is followed and nothing is overwritten.

    With ``force`` an existing regular file is removed first (so a hard link's other name keeps
    its content); a symbolic link is refused either way.
    """
    if target.is_symlink():
        raise DigitSightError(f"cannot write {target}: it is a symbolic link (DigitSight never writes through links)")
    if force and target.exists():
        if not target.is_file():
            raise DigitSightError(f"cannot write {target}: it exists and is not a file")
        target.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(target, flags, 0o644)
    except FileExistsError as error:
        raise DigitSightError(f"{target} already exists; pass --force to overwrite it") from error
    except OSError as error:
        raise DigitSightError(f"cannot write {target}: {error.strerror or error}") from error
    return os.fdopen(descriptor, "wb")


def _speak(path: str, readings: list, force: bool = False) -> bool:
    """Write what was read, spoken (one image after another), to the WAV file ``path``; False on failure.

    As ``--annotate``'s pictures: never through a symbolic link, never over a file unless ``force``.
    """
    from digitsight.speech import spoken_text, synthesize

    if not readings:
        print("error: nothing to speak: no image could be read", file=sys.stderr)
        return False
    try:
        audio = synthesize(" ".join(spoken_text(reading, style="number") for reading in readings))
        with _new_file(Path(path), force) as stream:
            stream.write(audio)
    except DigitSightError as error:
        print(f"error: cannot speak the number: {error}", file=sys.stderr)
        return False
    except OSError as error:
        print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return False
    return True
