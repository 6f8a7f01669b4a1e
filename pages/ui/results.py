"""A reading on the page: reading an image (cached), its JSON record, a correction, and how it is shown.

The record is the CLI's contract (``Reading.to_dict(file, ms)``, see ``digitsight.result``),
so a file downloaded from the dashboard and a line printed by ``python -m digitsight read
--json`` have the same keys. A correction made on the page changes ``number``, ``lines``
and the corrected digits' ``value`` (marked ``"corrected": true``) and adds ``read_as``,
what DigitSight had read.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from pages.common import percent, sentence
from pages.ui.memory import give_memory_back

if TYPE_CHECKING:
    from digitsight.result import Digit, Reading

ImageInput = bytes | np.ndarray  # what the pages hand digitsight: file bytes or RGB pixels

# Longest side of the whole annotated image the page shows, in pixels: a 12-megapixel photo
# would otherwise weigh 36 MB in the cache and on the wire, for no visible gain.
SHOWN_SIDE = 1600
# The region around the digits is shown enlarged when it covers less than this share of the
# image's area (digits a few pixels wide in a large photo); otherwise the whole image is shown.
ZOOM_MAX_SHARE = 0.25
# Margin around the digits' region, in heights of the tallest digit: room for the value labels.
ZOOM_MARGIN = 0.6
# Uploads are decoded to at most about this many pixels (a larger image comes already shrunk,
# digitsight.imaging): the page shows SHOWN_SIDE across at most, and a 49-megapixel upload
# decoded whole cost gigabytes across ten sessions (issue 23).
DECODE_MAX_PIXELS = SHOWN_SIDE * SHOWN_SIDE
# Readings running at once, one per core: more only share the cores, and each holds its decoded
# image (up to ~200 MB for a hostile 49-megapixel PNG) while the health check waits for the GIL.
READING_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)
# After reading an input of more than this many bytes (or array elements), the freed heap is handed
# back to the system (pages.ui.memory): a phone photo's few megabytes are worth it, a drawing's not.
TRIM_ABOVE_BYTES = 1_000_000
# The enlarged region is scaled up to at least this many pixels on its longest side, at most 4x.
ZOOM_MIN_SIDE = 720
ZOOM_MAX_SCALE = 4.0
# Each digit's 28x28 crop is shown at 2x in the per-digit strip: large enough to see the pixels.
CROP_SHOWN = 56
# Runners-up under this probability are left off a digit's card: "or 7 (0%)" says nothing.
RUNNER_UP_SHOWN = 0.005
# The reader's note for an image without digits: the page says it in its own words, once.
NO_DIGITS_NOTE = "no digits found in the image"

STYLE = """
<style>
div.ds-number {font-size: clamp(2.4rem, 11vw, 4.2rem); font-weight: 700; line-height: 1.15;
               letter-spacing: 0.06em; font-variant-numeric: tabular-nums; margin: 0 0 0.3rem 0;
               word-break: break-all;}
div.ds-number span.ds-unsure {color: #c2410c; text-decoration: underline wavy #f97316 3px;
                              text-underline-offset: 0.15em;}
div.ds-number span.ds-fixed {color: #1d4ed8; text-decoration: underline #2f6fde 3px;
                             text-underline-offset: 0.15em;}
div.ds-strip {display: flex; flex-wrap: wrap; gap: 0.5rem; margin-bottom: 0.5rem;}
figure.ds-digit {margin: 0; width: 5.6rem; padding: 0.35rem; border: 1px solid #e5e7eb; border-radius: 0.5rem;
                 text-align: center; font-size: 0.85rem; line-height: 1.25;}
figure.ds-digit.ds-unsure {border-color: #f97316; background: #fff7ed;}
figure.ds-digit img {width: 56px; height: 56px; image-rendering: pixelated; display: block; margin: 0 auto 0.2rem;}
figure.ds-digit b {font-size: 1.15rem;}
figure.ds-digit small {color: #6b7280;}
</style>
"""


@dataclass(frozen=True)
class Analysis:
    """An image read and drawn: the reading, the image with what was found, and how long reading took."""

    reading: Reading
    annotated: np.ndarray  # the whole image, at most SHOWN_SIDE on its longest side
    region: np.ndarray | None  # the digits' region, enlarged; None when the digits fill the image
    ms: float  # decoding and reading, as the CLI reports it


@st.cache_data(show_spinner="Reading the number...", max_entries=16, ttl=3600)
def analyse(image: ImageInput) -> Analysis:
    """Read ``image`` and draw what was found on it. DigitSightError propagates, uncached.

    Cached: a rerun (pressing "Read aloud", correcting a digit) never reads the same image again.
    """
    from digitsight.annotate import annotate
    from digitsight.imaging import load_image
    from digitsight.reading import read_loaded
    from pages.ui.models import models

    loaded_models = models()  # waits for the background load started by app.py, if it still runs
    with READING_SLOTS:
        started = time.perf_counter()
        try:
            # Decoded once, a large image already shrunk; read_loaded takes it as it is.
            loaded = load_image(image, max_pixels=DECODE_MAX_PIXELS)
            reading = read_loaded(loaded, *loaded_models)
        finally:
            if (len(image) if isinstance(image, bytes) else image.size) > TRIM_ABOVE_BYTES:
                give_memory_back()  # what decoding a large file took stays with the server otherwise
        ms = (time.perf_counter() - started) * 1000
        shown = in_decoded_pixels(reading, loaded.scale)  # the boxes where they are on loaded.rgb
        drawn = annotate(loaded, shown)
    box = digits_region([digit.box for digit in shown.digits], (drawn.shape[1], drawn.shape[0]))
    region = None
    if box is not None:
        x0, y0, x1, y1 = box
        region = enlarged(drawn[y0:y1, x0:x1])
    return Analysis(reading, shrunk(drawn, SHOWN_SIDE), region, ms)


def in_decoded_pixels(reading: Reading, scale: float) -> Reading:
    """``reading`` with its boxes (original pixels) in those of an image decoded at ``scale`` of the original."""
    if scale == 1.0:
        return reading
    digits = [replace(digit, box=tuple(round(v * scale) for v in digit.box)) for digit in reading.digits]
    return replace(reading, digits=digits)


def digits_region(boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around every box, with a margin; None when that is most of the image anyway.

    Parameters
    ----------
    boxes:
        Each digit's (x, y, w, h) in the image's pixels.
    size:
        The image's (width, height).
    """
    if not boxes:
        return None
    width, height = size
    margin = max(12, round(ZOOM_MARGIN * max(h for _, _, _, h in boxes)))
    x0 = max(0, min(x for x, _, _, _ in boxes) - margin)
    y0 = max(0, min(y for _, y, _, _ in boxes) - margin)
    x1 = min(width, max(x + w for x, _, w, _ in boxes) + margin)
    y1 = min(height, max(y + h for _, y, _, h in boxes) + margin)
    if (x1 - x0) * (y1 - y0) >= ZOOM_MAX_SHARE * width * height:
        return None
    return x0, y0, x1, y1


def enlarged(region: np.ndarray) -> np.ndarray:
    """``region`` scaled up so its longest side is at least ZOOM_MIN_SIDE (at most ZOOM_MAX_SCALE times)."""
    from PIL import Image

    height, width = region.shape[:2]
    scale = min(ZOOM_MAX_SCALE, ZOOM_MIN_SIDE / max(height, width))
    if scale <= 1:
        return shrunk(region, SHOWN_SIDE)
    size = (round(width * scale), round(height * scale))
    return np.asarray(Image.fromarray(region).resize(size, Image.Resampling.LANCZOS))


def shrunk(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` with its longest side at most ``side`` pixels."""
    from PIL import Image

    height, width = image.shape[:2]
    if max(height, width) <= side:
        return image
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))


# --------------------------------------------------------------------------- records and corrections


def clean_number(text: str) -> str:
    """A typed number in the reader's form: digits, lines joined by one space.

    Raises ValueError (a sentence for the page) for anything else.
    """
    number = " ".join(text.split())
    if not number:
        raise ValueError("Type the number: digits, with a space between separate numbers or lines.")
    if not re.fullmatch(r"[0-9]+( [0-9]+)*", number):
        raise ValueError(f"“{text.strip()}” is not a number: use the digits 0-9 only, and spaces between lines.")
    return number


def record(reading: Reading, file: str, ms: float) -> dict[str, Any]:
    """The CLI's JSON object for ``reading`` (``digitsight.result``'s one contract)."""
    return reading.to_dict(file, ms)


def corrected(original: dict[str, Any], number: str | None) -> dict[str, Any]:
    """``original`` (a record) with ``number`` as what the image says; unchanged when ``number`` is None or equal.

    Digits keep their boxes and confidences; when the corrected number has as many digits as were
    found, each changed digit takes its new value and ``"corrected": true``.
    """
    if number is None or number == original["number"]:
        return original
    fixed = {**original, "number": number, "lines": number.split(" ")}
    values = number.replace(" ", "")
    if len(values) == len(original["digits"]):
        fixed["digits"] = [
            {**digit, "value": int(value), "corrected": True} if int(value) != digit["value"] else digit
            for digit, value in zip(original["digits"], values, strict=True)
        ]
    keys = list(fixed)
    fixed["read_as"] = original["number"]
    # read_as goes right after number: the two are read together.
    order = keys[: keys.index("number") + 1] + ["read_as"] + keys[keys.index("number") + 1 :]
    return {key: fixed[key] for key in order}


# --------------------------------------------------------------------------- showing it


def number_html(line: str, digits: list[Digit], original: str | None = None) -> str:
    """One line of the number, large: unsure digits underlined in orange, corrected ones in blue.

    ``original``: the line as read, when ``line`` is a correction of it.
    """
    spans = []
    if original is not None and len(original) == len(line) == len(digits):
        for char, was, digit in zip(line, original, digits, strict=True):
            if char != was:
                spans.append(f'<span class="ds-fixed" title="corrected: read as {was}">{char}</span>')
            else:
                spans.append(_digit_span(digit))
    elif original is None and len(digits) == len(line):
        spans = [_digit_span(digit) for digit in digits]
    else:
        spans = [html.escape(line)]
    return f'<div class="ds-number">{"".join(spans)}</div>'


def _digit_span(digit: Digit) -> str:
    if digit.unsure:  # below digitsight.result.SURE_CONFIDENCE: it keeps the reading from being sure
        title = html.escape(f"unsure: {percent(digit.confidence, 0)}")
        return f'<span class="ds-unsure" title="{title}">{digit.value}</span>'
    return str(digit.value)


def show_number(reading: Reading, fixed: str | None) -> None:
    """The number read (or its correction), one large line per line of digits."""
    st.markdown(STYLE, unsafe_allow_html=True)
    shown = fixed if fixed is not None else reading.number
    lines = shown.split(" ")
    same_shape = fixed is None or [len(line) for line in lines] == [len(line) for line in reading.lines]
    for index, line in enumerate(lines):
        digits = [d for d in reading.digits if d.line == index] if same_shape else []
        original = reading.lines[index] if fixed is not None and same_shape else None
        st.markdown(number_html(line, digits, original), unsafe_allow_html=True)


def show_notes(reading: Reading) -> None:
    """The reading's notes (low-confidence digits, image problems) in one box; "no digits" is said elsewhere."""
    notes = [note for note in reading.warnings if note != NO_DIGITS_NOTE]
    if notes:
        st.warning("\n".join(f"- {sentence(note)}" for note in notes), icon=":material/warning:")


def crop_png(crop: np.ndarray) -> str:
    """A digit's 28x28 crop (float, 0-1, white on black) as a base64 PNG."""
    from PIL import Image

    pixels = (np.clip(crop, 0, 1) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def strip_html(digits: list[Digit], first_number: int = 1) -> str:
    """A compact strip of cards, one per digit: the crop the network saw, the value, how sure, runners-up."""
    cards = []
    for number, digit in enumerate(digits, start=first_number):
        unsure = digit.unsure
        runners_up = "<br>".join(f"or {value} ({percent(p, 0)})" for value, p in digit.top3[1:] if p >= RUNNER_UP_SHOWN)
        alt = html.escape(f"Digit {number}, read as {digit.value}, as the network saw it")
        cards.append(
            f'<figure class="ds-digit{" ds-unsure" if unsure else ""}">'
            f'<img src="data:image/png;base64,{crop_png(digit.crop)}" alt="{alt}" '
            f'width="{CROP_SHOWN}" height="{CROP_SHOWN}">'
            f"<figcaption><b>{digit.value}</b> {percent(digit.confidence, 0)}"
            f"{' ⚠' if unsure else ''}<br><small>{runners_up}</small></figcaption></figure>"
        )
    return f'<div class="ds-strip">{"".join(cards)}</div>'


def show_strip(reading: Reading) -> None:
    """Every digit as the network saw it, line by line, as compact strips that wrap on a phone."""
    st.markdown(STYLE, unsafe_allow_html=True)
    first = 1
    for index, _line in enumerate(reading.lines):
        digits = [d for d in reading.digits if d.line == index]
        if len(reading.lines) > 1:
            st.markdown(f"**Line {index + 1}**")
        st.markdown(strip_html(digits, first), unsafe_allow_html=True)
        first += len(digits)
