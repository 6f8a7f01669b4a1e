"""Test images of handwritten numbers, drawn from MNIST *training* digits (the test set is for measuring only).

Kept small and deterministic: each helper returns a uint8 image whose answer is known.
"""

from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from digitsight import synthetic
from digitsight.data import load_mnist


@lru_cache(maxsize=1)
def _training_digits() -> dict[int, list[np.ndarray]]:
    mnist = load_mnist()
    return {d: [mnist.x_train[i] for i in np.flatnonzero(mnist.y_train == d)[:5]] for d in range(10)}


# Touching digits in ``ink_layer`` overlap by this many ink pixels: they just touch.
TOUCH_OVERLAP = 3


def glyph(value: int, height: int, stroke: float = 1.0, variant: int = 0) -> np.ndarray:
    """Ink coverage in [0, 1] of an MNIST training digit, ``height`` pixels tall; ``stroke`` scales its thickness."""
    return synthetic.glyph(_training_digits()[value][variant], height, stroke)


def ink_layer(
    text: str,
    height: int = 48,
    stroke: float = 1.0,
    gap: float = 0.35,
    line_pitch: float = 1.8,
    margin: float = 1.0,
    touching: bool = False,
) -> np.ndarray:
    """Ink coverage for ``text`` (digits; a space starts a new line), with the given digit height and spacing.

    With ``touching``, each digit is slid left until its strokes overlap the previous one's.
    """
    rows = [_row(line, height, stroke, gap, touching) for line in text.split(" ")]
    pad = int(margin * height) + 4
    pitch = int(line_pitch * height)
    width = max(x + ink.shape[1] for row in rows for ink, x, _ in row) + 2 * pad
    shape = (2 * pad + pitch * (len(rows) - 1) + height + 4, width)
    return synthetic.place(
        [(ink, pad + x, pad + k * pitch + top) for k, row in enumerate(rows) for ink, x, top in row], shape
    )


def _row(line: str, height: int, stroke: float, gap: float, touching: bool) -> list[tuple[np.ndarray, int, int]]:
    """One line's glyphs (glyph, x, top) from the line's top left corner; the digits stand on its baseline."""
    layers: list[tuple[np.ndarray, int, int]] = []
    for char in line:
        ink = glyph(int(char), height, stroke)
        top = height - ink.shape[0]
        x = 0
        if layers:
            previous, px, previous_top = layers[-1]
            x = px + (_touch(previous, previous_top, ink, top) if touching else previous.shape[1] + int(gap * height))
        layers.append((ink, x, top))
    return layers


def _touch(left: np.ndarray, left_top: int, right: np.ndarray, right_top: int) -> int:
    """How far right of ``left``'s left edge ``right`` starts for their strokes to just touch."""
    offset = synthetic.touch_offset(left, left_top, right, right_top, TOUCH_OVERLAP, lowest=1)
    return left.shape[1] // 2 if offset is None else offset


def on_paper(ink: np.ndarray, ink_tone: float = 30, paper_tone: float = 235) -> np.ndarray:
    """Dark ink on light paper, uint8 gray."""
    return np.clip(paper_tone + (ink_tone - paper_tone) * ink, 0, 255).astype(np.uint8)


def photo_like(ink: np.ndarray, seed: int = 0, angle: float = 5.0) -> np.ndarray:
    """Blue ink on paper under a lighting gradient and a shadow, rotated, blurred, noisy: uint8 RGB."""
    rng = np.random.default_rng(seed)
    h, w = ink.shape
    paper = np.array([238, 236, 228], np.float32)
    colour = np.array([25, 40, 140], np.float32)
    rgb = paper * (1 - ink[..., None]) + colour * ink[..., None]
    light = np.tile(np.linspace(0.6, 1.0, w, dtype=np.float32), (h, 1))
    light[:, : w // 3] *= 0.7  # a shadow over the first third
    light = cv2.GaussianBlur(light, (0, 0), 3)
    rgb *= light[..., None]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rgb = cv2.warpAffine(rgb, rotation, (w, h), borderMode=cv2.BORDER_REPLICATE)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 0.8) + rng.normal(0, 4, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def encode(image: np.ndarray, format: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=format, **params)
    return buffer.getvalue()
