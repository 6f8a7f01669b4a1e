"""A fixed, seeded set of photo-like images of handwritten numbers, made from MNIST digits.

The reading benchmark (``benchmarks/bench_reading.py``) builds them from the MNIST TEST
digits, which the models never saw in training. ``source="validation"`` builds the same kinds of images from the 5,000
training digits both models hold out (``digitsight.data.validation_split``): tune
the pipeline on those, never on the test ones. (``source="train"`` draws from all
60,000 training digits, which the models learnt.)

Each category stresses one thing ``digitsight.read`` must handle:

- clean:          dark ink on white, as from a scanner
- photo:          ink of several colours on paper, lighting gradients, a shadow, blur,
                  noise, JPEG artefacts, rotation up to 7 degrees, slight perspective,
                  sometimes the table showing past the page's edge
- ruled:          a notebook page: ruled lines the digits sit on, a red margin line
- light_on_dark:  chalk on a board (textured strokes) and a white-on-black canvas
- thick:          very thick marker strokes
- thin:           very thin pen strokes on large digits
- touching:       neighbouring digits touch (at least one pair per number)
- broken:         strokes broken by gaps (faded pen, dashed strokes)
- two_lines:      two numbers, one above the other

Numbers have 1 to 8 digits; images come as encoded bytes (PNG or JPEG), as a user's
upload would. ``make_image(category, index, source)`` is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from digitsight.data import load_mnist, validation_split

SOURCES = ("test", "train", "validation")
CATEGORIES = ("clean", "photo", "ruled", "light_on_dark", "thick", "thin", "touching", "broken", "two_lines")
SEED = 20260522
INK_COLOURS = [(20, 20, 20), (25, 40, 140), (20, 30, 90), (140, 20, 25), (20, 90, 40), (70, 70, 75)]


@dataclass(frozen=True)
class Sample:
    """One benchmark image: encoded bytes and the number written on it (lines joined by one space)."""

    category: str
    index: int
    data: bytes
    label: str
    size: tuple[int, int]  # width, height
    digits: tuple[int, ...] = ()  # which digits of the source were written, in reading order (see ``digits``)


def digits(source: str) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST images (N, 28, 28) uint8 and labels a source draws from; ``Sample.digits`` index them."""
    return _digits(source)  # (``photo_of_size`` has an argument named ``digits``, hence two names)


def raw_right(source: str, classifier) -> np.ndarray:  # noqa: ANN001 - a digitsight Classifier
    """Whether ``classifier`` reads each digit of ``source`` right as the raw 28x28 MNIST image (bool per digit).

    Index it with ``Sample.digits``: an image whose digits are not all right is lost to the
    classifier, whatever the pipeline does.
    """
    images, labels = _digits(source)
    return classifier.probabilities(images.astype(np.float32) / 255).argmax(axis=1) == labels


@lru_cache(maxsize=2)
def _digits(source: str) -> tuple[np.ndarray, np.ndarray]:
    mnist = load_mnist()
    if source == "test":
        return mnist.x_test, mnist.y_test
    if source == "train":
        return mnist.x_train, mnist.y_train
    if source == "validation":
        held_out, _ = validation_split(len(mnist.x_train))
        return mnist.x_train[held_out], mnist.y_train[held_out]
    raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")


def _glyph(image: np.ndarray, height: int, stroke: float) -> np.ndarray:
    """An MNIST digit -> ink coverage in [0, 1], ``height`` pixels tall, stroke scaled by ``stroke`` (1 = as drawn)."""
    rows = np.flatnonzero(image.max(axis=1) > 30)
    cols = np.flatnonzero(image.max(axis=0) > 30)
    digit = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32) / 255
    digit = np.pad(digit, 2)
    factor = height / (rows[-1] - rows[0] + 1)
    size = (max(3, round(digit.shape[1] * factor)), max(3, round(digit.shape[0] * factor)))
    big = cv2.resize(digit, size, interpolation=cv2.INTER_CUBIC)
    # Sharpen the blurry upscaled MNIST into a pen stroke; the level sets the thickness.
    level = float(np.clip(0.45 - 0.25 * np.log(stroke), 0.08, 0.85))
    softness = 0.12
    return np.clip((big - level) / softness + 0.5, 0, 1)


def _place(layers: list[tuple[np.ndarray, int, int]], shape: tuple[int, int]) -> np.ndarray:
    canvas = np.zeros(shape, dtype=np.float32)
    for glyph, x, y in layers:
        h, w = glyph.shape
        view = canvas[y : y + h, x : x + w]
        np.maximum(view, glyph[: view.shape[0], : view.shape[1]], out=view)
    return canvas


def _touch_offset(left: np.ndarray, left_y: int, right: np.ndarray, right_y: int, wanted_overlap: int) -> int:
    """Offset of ``right`` relative to ``left`` at which their strokes first overlap by ``wanted_overlap`` pixels."""
    top = min(left_y, right_y)
    h = max(left_y + left.shape[0], right_y + right.shape[0]) - top
    a = np.zeros((h, left.shape[1]), bool)
    a[left_y - top : left_y - top + left.shape[0]] = left > 0.5
    b = np.zeros((h, right.shape[1]), bool)
    b[right_y - top : right_y - top + right.shape[0]] = right > 0.5
    for offset in range(left.shape[1], -right.shape[1] // 2, -1):
        lo, hi = max(0, offset), min(left.shape[1], offset + right.shape[1])
        if hi > lo and (a[:, lo:hi] & b[:, lo - offset : hi - offset]).sum() >= wanted_overlap:
            return offset
    return left.shape[1] // 2


def _touching_x(previous: tuple[np.ndarray, int, int], glyph: np.ndarray, y: int, height: int) -> int:
    """The x at which ``glyph`` (top at ``y``) touches ``previous`` (glyph, x, y): their strokes overlap a little."""
    left, x, left_y = previous
    return x + _touch_offset(left, left_y, glyph, y, wanted_overlap=max(2, height // 25))


def _line(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray, count: int, height: int, style: str):
    """Glyphs for one written number: (layers, width, label, digit indices), positions relative to the line's top."""
    stroke = {"thick": rng.uniform(2.2, 3.2), "thin": rng.uniform(0.3, 0.45)}.get(style, rng.uniform(0.8, 1.3))
    glyphs, labels, picks = [], [], []
    for _ in range(count):
        i = int(rng.integers(len(xs)))
        picks.append(i)
        h = int(height * rng.uniform(0.9, 1.1))
        glyphs.append(_glyph(xs[i], h, stroke))
        labels.append(str(int(ys[i])))
    touch_pair = int(rng.integers(count - 1)) if style == "touching" and count > 1 else -1
    layers, x = [], 0
    for k, glyph in enumerate(glyphs):
        y = max(0, int(rng.normal(0, 0.04 * height)) + (height - glyph.shape[0]))
        if k > 0:
            previous, px, _ = layers[-1]
            if style == "touching" and (k - 1 == touch_pair or rng.random() < 0.3):
                x = _touching_x(layers[-1], glyph, y, height)
            else:
                x = px + previous.shape[1] + int(rng.uniform(0.08, 0.45) * height)
        layers.append((glyph, x, y))
    width = max(x + g.shape[1] for g, x, _ in layers)
    return layers, width, "".join(labels), picks


def touching_group(source: str, picks: list[int], height: int, stroke: float = 1.0) -> np.ndarray:
    """Digits ``picks`` of ``source`` pushed together as the "touching" category does: (H, W) ink in [0, 1]."""
    xs, _ = _digits(source)
    layers: list[tuple[np.ndarray, int, int]] = []
    for i in picks:
        glyph = _glyph(xs[i], height, stroke)
        y = max(0, height - glyph.shape[0])
        x = _touching_x(layers[-1], glyph, y, height) if layers else 0
        layers.append((glyph, x, y))
    left = min(x for _, x, _ in layers)
    layers = [(glyph, x - left, y) for glyph, x, y in layers]
    width = max(x + glyph.shape[1] for glyph, x, _ in layers)
    rows = max(y + glyph.shape[0] for glyph, _, y in layers)
    return _place(layers, (rows, width))


def _break_strokes(rng: np.random.Generator, ink: np.ndarray, height: int) -> np.ndarray:
    """Cut gaps across the strokes: thin bands at random angles, as a pen that skips."""
    cuts = np.ones_like(ink)
    h, w = ink.shape
    for _ in range(int(rng.integers(2, 5)) * max(1, w // height)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        angle = rng.uniform(0, np.pi)
        length = height * 0.5
        dx, dy = np.cos(angle) * length, np.sin(angle) * length
        gap = max(1, int(height * rng.uniform(0.03, 0.06)))
        cv2.line(cuts, (int(x - dx), int(y - dy)), (int(x + dx), int(y + dy)), 0.0, gap)
    return ink * cuts


def _paper(rng: np.random.Generator, shape: tuple[int, int], tone: float) -> np.ndarray:
    paper = np.full(shape, tone, np.float32)
    grain = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), 2)
    return paper + grain * 3


def _lighting(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A multiplicative light field: a linear gradient, a vignette and a soft shadow."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h) * rng.uniform(0.15, 0.45)
    light = 1.0 - (ramp - ramp.min())
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    light *= 1 - rng.uniform(0.05, 0.25) * (((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2)
    if rng.random() < 0.7:  # a shadow, e.g. of the phone or a hand, with a soft edge
        shadow = np.zeros(shape, np.float32)
        corner = rng.integers(4)
        pts = np.array([[0, 0], [w * rng.uniform(0.3, 0.9), 0], [w * rng.uniform(0.1, 0.6), h], [0, h]], np.int32)
        if corner % 2:
            pts[:, 0] = w - pts[:, 0]
        cv2.fillPoly(shadow, [pts], 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), max(h, w) * rng.uniform(0.02, 0.08))
        light *= 1 - shadow * rng.uniform(0.2, 0.45)
    return light


def _render(rng: np.random.Generator, category: str, source: str) -> tuple[np.ndarray, str, list[int]]:
    xs, ys = _digits(source)
    style = category if category in ("thick", "thin", "touching") else "normal"
    n_lines = 2 if category == "two_lines" else 1
    height = int(rng.uniform(28, 90)) if category not in ("thin",) else int(rng.uniform(70, 140))
    if category == "thick":
        height = int(rng.uniform(45, 110))
    lines = []
    for _ in range(n_lines):
        count = int(rng.integers(1, 9)) if n_lines == 1 else int(rng.integers(1, 6))
        if category == "touching":
            count = max(2, count)
        lines.append(_line(rng, xs, ys, count, height, style))
    width = max(w for _, w, _, _ in lines)
    pitch = int(height * rng.uniform(1.5, 2.2))
    margin_x = int(rng.uniform(0.4, 2.0) * height) + 4
    margin_y = int(rng.uniform(0.4, 1.5) * height) + 4
    shape = (margin_y * 2 + pitch * (n_lines - 1) + height + 8, margin_x * 2 + width)
    layers = []
    for k, (line_layers, _, _, _) in enumerate(lines):
        for glyph, x, y in line_layers:
            layers.append((glyph, margin_x + x, margin_y + k * pitch + y))
    ink = _place(layers, shape)
    if category == "broken":
        ink = _break_strokes(rng, ink, height)
    label = " ".join(text for _, _, text, _ in lines)
    picks = [i for *_, line_picks in lines for i in line_picks]

    if category == "light_on_dark":
        if rng.random() < 0.5:  # chalk: textured, slightly uneven strokes on a dark green or grey board
            texture = np.clip(rng.normal(0.85, 0.25, shape), 0, 1).astype(np.float32)
            ink = ink * texture
            board = np.array(rng.choice([[40, 60, 50], [45, 45, 50], [30, 40, 35]]), np.float32)
            chalk = np.array([235, 235, 225], np.float32)
            rgb = board * (1 - ink[..., None]) + chalk * ink[..., None]
            rgb *= _lighting(rng, shape)[..., None]
        else:  # a drawing canvas: white (or coloured) strokes on black, digitally clean
            colour = np.array(rng.choice([[255, 255, 255], [255, 230, 80], [120, 220, 255]]), np.float32)
            rgb = colour * ink[..., None]
        return _finish(rng, rgb, strong=False), label, picks

    paper_tone = rng.uniform(215, 250)
    paper = _paper(rng, shape, paper_tone)
    rgb = np.repeat(paper[..., None], 3, axis=2) * np.array([1.0, rng.uniform(0.97, 1.0), rng.uniform(0.9, 1.0)])
    if category == "ruled":
        pitch_lines = int(height * rng.uniform(1.15, 1.5))
        blue = np.array([150, 180, 230], np.float32) * rng.uniform(0.8, 1.0)
        first = margin_y + height - (margin_y + height) // pitch_lines * pitch_lines
        for y in range(first, shape[0], pitch_lines):
            cv2.line(rgb, (0, y), (shape[1], y), blue.tolist(), int(rng.integers(1, 3)))
        margin = int(margin_x * rng.uniform(0.3, 0.7))
        cv2.line(rgb, (margin, 0), (margin, shape[0]), (220, 90, 90), int(rng.integers(1, 3)))
    colour = np.array(INK_COLOURS[int(rng.integers(len(INK_COLOURS)))], np.float32)
    if category in ("clean", "thick", "thin", "touching", "broken", "two_lines") and rng.random() < 0.5:
        colour = np.array(INK_COLOURS[0], np.float32)
    rgb = rgb * (1 - ink[..., None]) + colour * ink[..., None]
    if category in ("photo", "ruled"):
        rgb *= _lighting(rng, shape)[..., None]
        if category == "photo" and rng.random() < 0.3:  # the table past the page's edge
            edge = int(rng.integers(4))
            depth = int(min(shape) * rng.uniform(0.04, 0.12))
            table = np.array(rng.choice([[60, 45, 35], [30, 30, 30], [120, 100, 80]]), np.float32)
            region = [np.s_[:depth, :], np.s_[-depth:, :], np.s_[:, :depth], np.s_[:, -depth:]][edge]
            rgb[region] = table
        return _finish(rng, rgb, strong=True), label, picks
    return _finish(rng, rgb, strong=category != "clean"), label, picks


def _finish(rng: np.random.Generator, rgb: np.ndarray, strong: bool) -> np.ndarray:
    """Camera effects: rotation and perspective, blur, sensor noise (JPEG is applied when encoding)."""
    h, w = rgb.shape[:2]
    if strong:
        angle = rng.uniform(-7, 7)
        jitter = 0.03 * min(h, w)
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = src + rng.uniform(-jitter, jitter, (4, 2)).astype(np.float32)
        centre = (w / 2, h / 2)
        rotation = np.vstack([cv2.getRotationMatrix2D(centre, angle, 1.0), [0, 0, 1]])
        warp = rotation @ cv2.getPerspectiveTransform(src, dst)
        rgb = cv2.warpPerspective(rgb.astype(np.float32), warp, (w, h), borderMode=cv2.BORDER_REPLICATE)
        rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.4, 1.3))
        rgb = rgb + rng.normal(0, rng.uniform(2, 7), rgb.shape)
    else:
        rgb = rgb + rng.normal(0, 1.0, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def make_image(category: str, index: int, source: str = "test") -> Sample:
    """The ``index``-th image of ``category`` (deterministic), encoded as a user would upload it."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; choose from {', '.join(CATEGORIES)}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    seed = [SEED, CATEGORIES.index(category), index, SOURCES.index(source)]
    rng = np.random.default_rng(seed)
    rgb, label, picks = _render(rng, category, source)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if category in ("photo", "ruled") or (category != "clean" and rng.random() < 0.5):
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 90))])
    else:
        ok, data = cv2.imencode(".png", bgr)
    assert ok
    return Sample(category, index, data.tobytes(), label, (rgb.shape[1], rgb.shape[0]), tuple(picks))


def photo_of_size(megapixels: float, digits: int = 6, index: int = 0, source: str = "test") -> Sample:
    """A photo-like JPEG of about ``megapixels`` holding a ``digits``-digit number (for latency by image size)."""
    rng = np.random.default_rng([SEED, 99, index, int(megapixels * 1000), digits])
    xs, ys = _digits(source)
    width = int(np.sqrt(megapixels * 1e6 * 4 / 3))
    height = int(width * 3 / 4)
    digit_height = int(height * rng.uniform(0.12, 0.2))
    layers, line_width, label, picks = _line(rng, xs, ys, digits, digit_height, "normal")
    while line_width > 0.9 * width:  # keep the number on the page
        digit_height = int(digit_height * 0.8)
        layers, line_width, label, picks = _line(rng, xs, ys, digits, digit_height, "normal")
    x0, y0 = (width - line_width) // 2, (height - digit_height) // 2
    ink = _place([(g, x0 + x, y0 + y) for g, x, y in layers], (height, width))
    paper = _paper(rng, (height, width), rng.uniform(215, 245))
    rgb = np.repeat(paper[..., None], 3, axis=2)
    colour = np.array(INK_COLOURS[int(rng.integers(len(INK_COLOURS)))], np.float32)
    rgb = (rgb * (1 - ink[..., None]) + colour * ink[..., None]) * _lighting(rng, (height, width))[..., None]
    rgb = _finish(rng, rgb, strong=True)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return Sample("size", index, data.tobytes(), label, (width, height), tuple(picks))
