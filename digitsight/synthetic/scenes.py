"""Photo-like scenes that reproduce what real photos do to a reader (issue 19), made from MNIST digits.

- sheet_on_desk:  a sheet with one to three lines of digits lying on a dark, textured desk,
                  turned and in perspective, with vignetting and a shadow
- slanted:        one or two lines written along a slant of 10 to 40 degrees, either way
- spacing:        half the images one number written with wide, even spacing (1 to 3
                  digit heights); half two numbers on one line, a wide gap between them
- small:          digits 12 to 30 pixels tall, in a small photo
- uneven:         digits written above and below their neighbours' baseline
- stray_marks:    specks, short strokes, a remnant of a ruled line and the desk past the
                  page's edge, around the number
- dense:          a page of 5 to 8 lines of 6 to 10 digits, 24 to 40 pixels tall

``render_scene(rng, category, source)`` draws one; ``pages.make_image`` seeds it and encodes
it like every other category. The order of the draws from ``rng`` fixes each image: do
not reorder them.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitsight.synthetic import sources
from digitsight.synthetic.glyphs import glyph, place
from digitsight.synthetic.pages import CAMERA_JITTER, CAMERA_TURN, INK_COLOURS, _finish, _lighting, _paper
from digitsight.synthetic.rows import NORMAL_STROKE, number_row

SCENES = ("sheet_on_desk", "slanted", "spacing", "small", "uneven", "stray_marks", "dense")
HEIGHT = (28, 70)  # digit heights, pixels, where the scene does not say otherwise
SMALL_HEIGHT = (12, 31)
DENSE_HEIGHT = (24, 41)
SLANT = (10.0, 40.0)  # degrees, either way
DIGIT_ASPECT = 0.7  # a handwritten digit's width over its height, about (MNIST's glyphs)
EVEN_GAP = (1.0, 3.0)  # wide, even spacing, digit heights; each gap varies by EVEN_JITTER around the row's own
EVEN_JITTER = 0.15
GROUP_GAP = (2.0, 3.0)  # between two numbers on one line, digit heights
UNEVEN_BASELINE = (0.12, 0.22)  # sd of a digit's rise or fall, digit heights; at most UNEVEN_LIMIT
UNEVEN_LIMIT = 0.35
DESK_TONES = ([40, 32, 28], [70, 50, 35], [30, 30, 34], [95, 80, 65])  # dark wood, walnut, black, oak (RGB)
DESK_SCALE = (1.35, 2.0)  # the desk's side over the sheet's
SHEET_TURN = 20.0  # degrees either way
SHEET_PERSPECTIVE = 0.06  # corner jitter, a share of the sheet's shorter side
LINE_PITCH = (1.6, 2.2)  # digit heights from one line's top to the next
# A sheet on the desk may poke out of the photo (a desk photographed tight), but its writing and this share of the
# page's margin around it stay in: a label must only name digits the picture shows.
SHEET_SEEN_MARGIN = 0.5
# The desk seen past a page's edge (stray_marks) covers at most this share of the page's margin, never the writing.
DESK_STRIP_MARGIN = 0.6
# Room on the desk for the camera's corner jitter (two corners' worth, CAMERA_JITTER each, and a little more).
DESK_ROOM = 1 + 3 * CAMERA_JITTER


def render_scene(rng: np.random.Generator, category: str, source: str) -> tuple[np.ndarray, str, list[int]]:
    """One scene of ``category`` (one of SCENES): RGB uint8, its label, the source digits drawn."""
    images, labels = sources.digits(source)
    draw = {
        "sheet_on_desk": _sheet_on_desk,
        "slanted": _slanted,
        "spacing": _spacing,
        "small": _small,
        "uneven": _uneven,
        "stray_marks": _stray_marks,
        "dense": _dense,
    }[category]
    return draw(rng, images, labels)


Layers = list[tuple[np.ndarray, int, int]]


def _lines(
    rng, images, labels, lines: int, counts: tuple[int, int], height: int, spread: float = 1.0
) -> tuple[Layers, str, list[int]]:
    """``lines`` numbers, one below the other, each of ``counts`` digits (low, high excluded).

    ``spread`` widens the pitch between lines (``_slanted``: upright digits on a slant reach further across it).
    """
    pitch = int(height * rng.uniform(*LINE_PITCH) * spread)
    layers, texts, picks = [], [], []
    for k in range(lines):
        row = number_row(rng, images, labels, int(rng.integers(*counts)), height, "normal")
        layers += [(ink, x, y + k * pitch) for ink, x, y in row.layers]
        texts.append(row.label)
        picks += row.picks
    return layers, " ".join(texts), picks


def _page(rng, layers: Layers, height: int, room: bool = True) -> tuple[np.ndarray, int]:
    """The layers inked on lit paper: RGB float, and the least margin (pixels) left around them.

    ``room``: the margins grow where the camera (``pages._finish``) would turn or shift the
    writing out of the photo's frame (``_room``), so that the photo shows every digit and its
    frame holds paper, not the frame's edge smeared outward. ``_sheet_on_desk`` sizes its desk instead.
    """
    margin = int(rng.uniform(0.5, 1.5) * height) + 4
    inked_w = max(x + ink.shape[1] for ink, x, _ in layers)
    inked_h = max(y + ink.shape[0] for ink, _, y in layers)
    pad_x, pad_y = _room(inked_w, inked_h, margin) if room else (0, 0)
    left, top = margin + pad_x, margin + pad_y
    ink = place([(g, x + left, y + top) for g, x, y in layers], (inked_h + 2 * top, inked_w + 2 * left))
    paper = _paper(rng, ink.shape, rng.uniform(215, 250))
    rgb = np.repeat(paper[..., None], 3, axis=2)
    colour = np.array(INK_COLOURS[int(rng.integers(len(INK_COLOURS)))], np.float32)
    return rgb * (1 - ink[..., None]) + colour * ink[..., None], min(left, top)


def _room(width: int, height: int, margin: int) -> tuple[int, int]:
    """Paper to add beyond ``margin`` on each side (x, y) of writing ``width`` x ``height`` for the camera.

    Turned by up to CAMERA_TURN about the page's centre, the writing reaches half its turned
    extent past its own; the corners' jitter (CAMERA_JITTER of the page's shorter side, which
    the padding itself lengthens) shifts it a little further. A long line turned 7 degrees
    rises 6% of its length at its ends: the spacing scene's end digits left the photo.
    """
    cos, sin = np.cos(np.radians(CAMERA_TURN)), np.sin(np.radians(CAMERA_TURN))
    jitter = CAMERA_JITTER * (min(width, height) + 2 * margin)

    def pad(reach: float) -> int:
        return max(0, int(np.ceil((reach + jitter - margin) / (1 - 2 * CAMERA_JITTER))))

    return pad((width * cos + height * sin - width) / 2), pad((width * sin + height * cos - height) / 2)


def _photo(rng, layers: Layers, height: int) -> np.ndarray:
    """The layers on a page, lit and photographed; the camera's turn never takes a digit out of the picture."""
    rgb, _ = _page(rng, layers, height)
    return _finish(rng, rgb * _lighting(rng, rgb.shape[:2])[..., None], strong=True)


def _sheet_on_desk(rng, images, labels):
    height = int(rng.uniform(*HEIGHT))
    layers, label, picks = _lines(rng, images, labels, int(rng.integers(1, 4)), (1, 9), height)
    sheet, margin = _page(rng, layers, height, room=False)
    h, w = sheet.shape[:2]
    scale = rng.uniform(*DESK_SCALE)
    tone = np.array(DESK_TONES[int(rng.integers(len(DESK_TONES)))], np.float32)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-1, 1, (4, 2)) * SHEET_PERSPECTIVE * min(h, w)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-SHEET_TURN, SHEET_TURN), 1.0)
    placed = (corners + jitter) @ turn[:, :2].T + turn[:, 2]
    placed -= placed.mean(axis=0)  # about the desk's centre
    # The desk is the sheet's size times ``scale``, or more where the turned sheet's writing would leave it, turned
    # again by the camera (CAMERA_TURN about the desk's centre, corners moved by CAMERA_JITTER: DESK_ROOM of it).
    # The sheet may leave the photo; its writing never does.
    inset = (1 - SHEET_SEEN_MARGIN) * margin
    writing = np.float32([[inset, inset], [w - inset, inset], [w - inset, h - inset], [inset, h - inset]])
    at = cv2.perspectiveTransform(writing[None], cv2.getPerspectiveTransform(corners, placed.astype(np.float32)))[0]
    cos, sin = np.cos(np.radians(CAMERA_TURN)), np.sin(np.radians(CAMERA_TURN))
    reach_x = np.max(np.abs(at[:, 0]) * cos + np.abs(at[:, 1]) * sin)
    reach_y = np.max(np.abs(at[:, 1]) * cos + np.abs(at[:, 0]) * sin)
    desk_w = max(int(w * scale), int(np.ceil(2 * reach_x * DESK_ROOM)))
    desk_h = max(int(h * scale), int(np.ceil(2 * reach_y * DESK_ROOM)))
    placed += np.array([desk_w, desk_h]) / 2
    grain = cv2.GaussianBlur(rng.normal(0, 1, (desk_h, desk_w)).astype(np.float32), (0, 0), rng.uniform(1, 4))
    desk = tone * (1 + 0.25 * grain[..., None])
    warp = cv2.getPerspectiveTransform(corners, placed.astype(np.float32))
    on_desk = cv2.warpPerspective(sheet.astype(np.float32), warp, (desk_w, desk_h))
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), warp, (desk_w, desk_h))[..., None]
    rgb = desk * (1 - mask) + on_desk * mask
    return _finish(rng, rgb * _lighting(rng, (desk_h, desk_w))[..., None], strong=True), label, picks


def _slanted(rng, images, labels):
    height = int(rng.uniform(*HEIGHT))
    angle = np.radians(rng.uniform(*SLANT) * rng.choice([-1, 1]))
    lines = int(rng.integers(1, 3))
    # Digits written upright along a slant reach further across it than across a level line (a digit about
    # DIGIT_ASPECT as wide as tall): the lines are set that much further apart, or their digits interleave.
    spread = abs(np.cos(angle)) + DIGIT_ASPECT * abs(np.sin(angle))
    layers, label, picks = _lines(rng, images, labels, lines, (3, 9), height, spread)
    # Each glyph keeps its shape (written upright) and moves to where its place on the level row lies on the slant.
    moved = []
    for ink, x, y in layers:
        cx, cy = x + ink.shape[1] / 2, y + ink.shape[0] / 2
        nx, ny = cx * np.cos(angle) + cy * np.sin(angle), -cx * np.sin(angle) + cy * np.cos(angle)
        moved.append((ink, nx - ink.shape[1] / 2, ny - ink.shape[0] / 2))
    left, top = min(x for _, x, _ in moved), min(y for _, _, y in moved)
    return _photo(rng, [(ink, int(x - left), int(y - top)) for ink, x, y in moved], height), label, picks


def _spaced_row(rng, images, gaps: list[float], height: int, picks: list[int]) -> Layers:
    """Glyphs of ``picks`` in a row, ``gaps`` (digit heights) between their boxes."""
    stroke = rng.uniform(*NORMAL_STROKE)
    layers, x = [], 0
    for k, i in enumerate(picks):
        ink = glyph(images[i], int(height * rng.uniform(0.9, 1.1)), stroke)
        x += int(gaps[k - 1] * height) if k else 0
        layers.append((ink, x, max(0, height - ink.shape[0])))
        x += ink.shape[1]
    return layers


def _spacing(rng, images, labels):
    height = int(rng.uniform(*HEIGHT))
    if rng.random() < 0.5:  # one number, wide and even
        count = int(rng.integers(4, 11))
        spacing = rng.uniform(*EVEN_GAP)
        gaps = list(spacing * rng.uniform(1 - EVEN_JITTER, 1 + EVEN_JITTER, count - 1))
        split = count
    else:  # two numbers on one line, packed as people write, a wide gap between them
        first, second = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        count, split = first + second, first
        gaps = list(rng.uniform(0.08, 0.35, count - 1))
        gaps[split - 1] = rng.uniform(*GROUP_GAP)
    picks = [int(rng.integers(len(images))) for _ in range(count)]
    text = "".join(str(int(labels[i])) for i in picks)
    label = text if split == count else f"{text[:split]} {text[split:]}"
    return _photo(rng, _spaced_row(rng, images, gaps, height, picks), height), label, picks


def _small(rng, images, labels):
    height = int(rng.uniform(*SMALL_HEIGHT))
    layers, label, picks = _lines(rng, images, labels, int(rng.integers(1, 3)), (1, 9), height)
    return _photo(rng, layers, height), label, picks


def _uneven(rng, images, labels):
    height = int(rng.uniform(*HEIGHT))
    row = number_row(rng, images, labels, int(rng.integers(3, 9)), height, "normal")
    spread = rng.uniform(*UNEVEN_BASELINE) * height
    limit = UNEVEN_LIMIT * height
    layers = [(ink, x, int(y + np.clip(rng.normal(0, spread), -limit, limit))) for ink, x, y in row.layers]
    top = min(y for _, _, y in layers)
    return _photo(rng, [(ink, x, y - top) for ink, x, y in layers], height), row.label, row.picks


def _stray_marks(rng, images, labels):
    height = int(rng.uniform(*HEIGHT))
    row = number_row(rng, images, labels, int(rng.integers(3, 9)), height, "normal")
    rgb, margin = _page(rng, [(ink, x, y + height) for ink, x, y in row.layers], height)  # a digit's height above
    h, w = rgb.shape[:2]
    band = (0, int(0.8 * height))  # the marks go above the number, in the room left for them
    ink_colour = INK_COLOURS[int(rng.integers(len(INK_COLOURS)))]
    for _ in range(int(rng.integers(2, 7))):
        x, y = int(rng.uniform(0, w)), int(rng.uniform(*band))
        kind = rng.random()
        if kind < 0.4:  # a speck
            cv2.circle(rgb, (x, y), int(rng.integers(1, 4)), ink_colour, -1)
        elif kind < 0.8:  # a short stroke
            dx, dy = rng.uniform(-1, 1, 2) * 0.25 * height
            cv2.line(rgb, (x, y), (int(x + dx), int(y + dy)), ink_colour, int(rng.integers(1, 3)))
        else:  # what is left of a faint ruled line
            cv2.line(rgb, (x, y), (int(x + rng.uniform(1, 3) * height), y), (150, 170, 210), 1)
    if rng.random() < 0.5:  # the desk past the page's left or right edge
        depth = int(min(w * rng.uniform(0.03, 0.08), DESK_STRIP_MARGIN * margin))
        region = np.s_[:, :depth] if rng.random() < 0.5 else np.s_[:, w - depth :]
        rgb[region] = np.array(DESK_TONES[int(rng.integers(len(DESK_TONES)))], np.float32)
    return _finish(rng, rgb * _lighting(rng, (h, w))[..., None], strong=True), row.label, row.picks


def _dense(rng, images, labels):
    height = int(rng.uniform(*DENSE_HEIGHT))
    layers, label, picks = _lines(rng, images, labels, int(rng.integers(5, 9)), (6, 11), height)
    return _photo(rng, layers, height), label, picks
