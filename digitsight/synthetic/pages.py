"""A fixed, seeded set of photo-like images of handwritten numbers, made from MNIST digits.

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

and seven scenes of what real photos do (``scenes``: a sheet on a desk, slanted lines,
wide spacing against two numbers on a line, small digits, uneven baselines, stray marks,
dense pages).

Numbers have 1 to 8 digits; images come as encoded bytes (PNG or JPEG), as a user's
upload would. ``make_image(category, index, source)`` is deterministic: the benchmark's
figures, and the per-image readings compared before and after a change, depend on every
image staying the same, so the order in which this module draws from its random
generator must not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from digitsight.synthetic import sources
from digitsight.synthetic.glyphs import place
from digitsight.synthetic.rows import number_row
from digitsight.synthetic.sources import SOURCES

# The scenes come last: a category's images are seeded by its place here, so the first nine keep theirs.
SCENE_CATEGORIES = ("sheet_on_desk", "slanted", "spacing", "small", "uneven", "stray_marks", "dense")
CATEGORIES = (
    "clean",
    "photo",
    "ruled",
    "light_on_dark",
    "thick",
    "thin",
    "touching",
    "broken",
    "two_lines",
    *SCENE_CATEGORIES,
)
# Scenes that are photos by nature come as JPEG, as a phone gives them.
JPEG_SCENES = ("sheet_on_desk", "small", "dense")
SEED = 20260522
INK_COLOURS = [(20, 20, 20), (25, 40, 140), (20, 30, 90), (140, 20, 25), (20, 90, 40), (70, 70, 75)]
# Digit heights in pixels: from a small number in a photo to a large one; thin strokes
# come on large digits (where a thin pen is hardest), thick ones on medium to large.
DIGIT_HEIGHT = (28, 90)
THIN_DIGIT_HEIGHT = (70, 140)
THICK_DIGIT_HEIGHT = (45, 110)
# Digits per number: 1 to 8 on one line, 1 to 5 on each of two (``integers``' high end is excluded).
DIGITS_ONE_LINE = (1, 9)
DIGITS_TWO_LINES = (1, 6)
LINE_PITCH = (1.5, 2.2)  # from one line's top to the next, in digit heights
MARGIN_X = (0.4, 2.0)  # paper left and right of the number, in digit heights
MARGIN_Y = (0.4, 1.5)  # above and below
JPEG_QUALITY = (40, 90)  # a phone's or a messenger's compression, from heavy to light


@dataclass(frozen=True)
class Sample:
    """One benchmark image: encoded bytes and the number written on it (lines joined by one space)."""

    category: str
    index: int
    data: bytes
    label: str
    size: tuple[int, int]  # width, height
    digits: tuple[int, ...] = ()  # which digits of the source were written, in reading order (``sources.digits``)


@dataclass(frozen=True)
class _Written:
    """The ink of a page's number (coverage in [0, 1]) and where it sits."""

    ink: np.ndarray
    height: int  # digit height
    margin_x: int
    margin_y: int
    label: str
    picks: list[int]


def _digit_height(rng: np.random.Generator, category: str) -> int:
    height = int(rng.uniform(*DIGIT_HEIGHT)) if category != "thin" else int(rng.uniform(*THIN_DIGIT_HEIGHT))
    if category == "thick":  # drawn after the first: the images depend on the order
        height = int(rng.uniform(*THICK_DIGIT_HEIGHT))
    return height


def _digit_count(rng: np.random.Generator, category: str, n_lines: int) -> int:
    count = int(rng.integers(*DIGITS_ONE_LINE)) if n_lines == 1 else int(rng.integers(*DIGITS_TWO_LINES))
    return max(2, count) if category == "touching" else count


def _write(rng: np.random.Generator, category: str, source: str) -> _Written:
    """The number (one line, or two for "two_lines") as ink on an empty page with margins."""
    images, labels = sources.digits(source)
    style = category if category in ("thick", "thin", "touching") else "normal"
    n_lines = 2 if category == "two_lines" else 1
    height = _digit_height(rng, category)
    rows = []
    for _ in range(n_lines):
        rows.append(number_row(rng, images, labels, _digit_count(rng, category, n_lines), height, style))
    width = max(row.width for row in rows)
    pitch = int(height * rng.uniform(*LINE_PITCH))
    margin_x = int(rng.uniform(*MARGIN_X) * height) + 4
    margin_y = int(rng.uniform(*MARGIN_Y) * height) + 4
    shape = (margin_y * 2 + pitch * (n_lines - 1) + height + 8, margin_x * 2 + width)
    layers = [(ink, margin_x + x, margin_y + k * pitch + y) for k, row in enumerate(rows) for ink, x, y in row.layers]
    ink = place(layers, shape)
    if category == "broken":
        ink = _break_strokes(rng, ink, height)
    label = " ".join(row.label for row in rows)
    return _Written(ink, height, margin_x, margin_y, label, [i for row in rows for i in row.picks])


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
    """Paper of brightness ``tone`` with a fine grain."""
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


def _light_on_dark(rng: np.random.Generator, ink: np.ndarray) -> np.ndarray:
    """Chalk on a board or a drawing on a dark canvas, RGB float."""
    shape = ink.shape
    if rng.random() < 0.5:  # chalk: textured, slightly uneven strokes on a dark green or grey board
        texture = np.clip(rng.normal(0.85, 0.25, shape), 0, 1).astype(np.float32)
        ink = ink * texture
        board = np.array(rng.choice([[40, 60, 50], [45, 45, 50], [30, 40, 35]]), np.float32)
        chalk = np.array([235, 235, 225], np.float32)
        rgb = board * (1 - ink[..., None]) + chalk * ink[..., None]
        rgb *= _lighting(rng, shape)[..., None]
        return rgb
    # A drawing canvas: white (or coloured) strokes on black, digitally clean.
    colour = np.array(rng.choice([[255, 255, 255], [255, 230, 80], [120, 220, 255]]), np.float32)
    return colour * ink[..., None]


def _rule(rng: np.random.Generator, rgb: np.ndarray, written: _Written) -> None:
    """Draw a notebook's blue ruled lines (the digits sit on one) and its red margin line onto ``rgb``."""
    height, shape = written.height, rgb.shape[:2]
    pitch = int(height * rng.uniform(1.15, 1.5))
    blue = np.array([150, 180, 230], np.float32) * rng.uniform(0.8, 1.0)
    baseline = written.margin_y + height
    for y in range(baseline - baseline // pitch * pitch, shape[0], pitch):
        cv2.line(rgb, (0, y), (shape[1], y), blue.tolist(), int(rng.integers(1, 3)))
    margin = int(written.margin_x * rng.uniform(0.3, 0.7))
    cv2.line(rgb, (margin, 0), (margin, shape[0]), (220, 90, 90), int(rng.integers(1, 3)))


def _table_edge(rng: np.random.Generator, rgb: np.ndarray) -> None:
    """Paint the table past one edge of the page onto ``rgb``."""
    edge = int(rng.integers(4))
    depth = int(min(rgb.shape[:2]) * rng.uniform(0.04, 0.12))
    table = np.array(rng.choice([[60, 45, 35], [30, 30, 30], [120, 100, 80]]), np.float32)
    region = [np.s_[:depth, :], np.s_[-depth:, :], np.s_[:, :depth], np.s_[:, -depth:]][edge]
    rgb[region] = table


def _on_paper(rng: np.random.Generator, category: str, written: _Written) -> np.ndarray:
    """The number inked on paper (ruled, lit and on a table as the category asks), RGB float."""
    ink, shape = written.ink, written.ink.shape
    paper_tone = rng.uniform(215, 250)
    paper = _paper(rng, shape, paper_tone)
    rgb = np.repeat(paper[..., None], 3, axis=2) * np.array([1.0, rng.uniform(0.97, 1.0), rng.uniform(0.9, 1.0)])
    if category == "ruled":
        _rule(rng, rgb, written)
    colour = np.array(INK_COLOURS[int(rng.integers(len(INK_COLOURS)))], np.float32)
    if category in ("clean", "thick", "thin", "touching", "broken", "two_lines") and rng.random() < 0.5:
        colour = np.array(INK_COLOURS[0], np.float32)
    rgb = rgb * (1 - ink[..., None]) + colour * ink[..., None]
    if category in ("photo", "ruled"):
        rgb *= _lighting(rng, shape)[..., None]
        if category == "photo" and rng.random() < 0.3:
            _table_edge(rng, rgb)
    return rgb


def _render(rng: np.random.Generator, category: str, source: str) -> tuple[np.ndarray, str, list[int]]:
    """The image (RGB uint8), its label and the source digits on it."""
    written = _write(rng, category, source)
    if category == "light_on_dark":
        rgb = _finish(rng, _light_on_dark(rng, written.ink), strong=False)
    else:
        rgb = _finish(rng, _on_paper(rng, category, written), strong=category != "clean")
    return rgb, written.label, written.picks


# The camera of the photo-like categories: turned up to CAMERA_TURN degrees either way, each corner moved up to
# CAMERA_JITTER of the shorter side (perspective).
CAMERA_TURN = 7.0
CAMERA_JITTER = 0.03


def _finish(rng: np.random.Generator, rgb: np.ndarray, strong: bool) -> np.ndarray:
    """Camera effects: rotation and perspective, blur, sensor noise (JPEG is applied when encoding).

    The photo keeps ``rgb``'s frame: a long line turned by CAMERA_TURN loses its ends where
    the margins are narrow (the nine first categories keep their images as they were; the
    scenes leave room, ``scenes._room``).
    """
    h, w = rgb.shape[:2]
    if strong:
        angle = rng.uniform(-CAMERA_TURN, CAMERA_TURN)
        jitter = CAMERA_JITTER * min(h, w)
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
    if category in SCENE_CATEGORIES:
        from digitsight.synthetic.scenes import render_scene  # here: scenes builds on this module's paper and camera

        rgb, label, picks = render_scene(rng, category, source)
    else:
        rgb, label, picks = _render(rng, category, source)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if category in ("photo", "ruled", *JPEG_SCENES) or (category != "clean" and rng.random() < 0.5):
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(*JPEG_QUALITY))])
    else:
        ok, data = cv2.imencode(".png", bgr)
    assert ok
    return Sample(category, index, data.tobytes(), label, (rgb.shape[1], rgb.shape[0]), tuple(picks))


def photo_of_size(megapixels: float, digits: int = 6, index: int = 0, source: str = "test") -> Sample:
    """A photo-like JPEG of about ``megapixels`` holding a ``digits``-digit number (for latency by image size)."""
    rng = np.random.default_rng([SEED, 99, index, int(megapixels * 1000), digits])
    images, labels = sources.digits(source)
    width = int(np.sqrt(megapixels * 1e6 * 4 / 3))
    height = int(width * 3 / 4)
    digit_height = int(height * rng.uniform(0.12, 0.2))
    row = number_row(rng, images, labels, digits, digit_height, "normal")
    while row.width > 0.9 * width:  # keep the number on the page
        digit_height = int(digit_height * 0.8)
        row = number_row(rng, images, labels, digits, digit_height, "normal")
    x0, y0 = (width - row.width) // 2, (height - digit_height) // 2
    ink = place([(g, x0 + x, y0 + y) for g, x, y in row.layers], (height, width))
    paper = _paper(rng, (height, width), rng.uniform(215, 245))
    rgb = np.repeat(paper[..., None], 3, axis=2)
    colour = np.array(INK_COLOURS[int(rng.integers(len(INK_COLOURS)))], np.float32)
    rgb = (rgb * (1 - ink[..., None]) + colour * ink[..., None]) * _lighting(rng, (height, width))[..., None]
    rgb = _finish(rng, rgb, strong=True)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return Sample("size", index, data.tobytes(), row.label, (width, height), tuple(row.picks))
