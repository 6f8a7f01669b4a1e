"""Test images of handwritten numbers, drawn from MNIST *training* digits (the test set is for measuring only).

Kept small and deterministic: each helper returns a uint8 image whose answer is known.
"""

from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from digitsight.data import load_mnist


@lru_cache(maxsize=1)
def _training_digits() -> dict[int, list[np.ndarray]]:
    mnist = load_mnist()
    return {d: [mnist.x_train[i] for i in np.flatnonzero(mnist.y_train == d)[:5]] for d in range(10)}


def glyph(value: int, height: int, stroke: float = 1.0, variant: int = 0) -> np.ndarray:
    """Ink coverage in [0, 1] of an MNIST training digit, ``height`` pixels tall; ``stroke`` scales its thickness."""
    image = _training_digits()[value][variant]
    rows = np.flatnonzero(image.max(axis=1) > 30)
    cols = np.flatnonzero(image.max(axis=0) > 30)
    digit = np.pad(image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32) / 255, 2)
    factor = height / (rows[-1] - rows[0] + 1)
    size = (max(3, round(digit.shape[1] * factor)), max(3, round(digit.shape[0] * factor)))
    big = cv2.resize(digit, size, interpolation=cv2.INTER_CUBIC)
    level = float(np.clip(0.45 - 0.25 * np.log(stroke), 0.08, 0.85))
    return np.clip((big - level) / 0.12 + 0.5, 0, 1)


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
    lines = text.split(" ")
    rendered = []
    for line in lines:
        glyphs = [glyph(int(c), height, stroke) for c in line]
        layers, x = [], 0
        for k, g in enumerate(glyphs):
            top = height - g.shape[0]
            if k > 0:
                previous, px, _ = layers[-1]
                x = px + (_touch(previous, g) if touching else previous.shape[1] + int(gap * height))
            layers.append((g, x, top))
        rendered.append((layers, max(x + g.shape[1] for g, x, _ in layers)))
    pad = int(margin * height) + 4
    width = max(w for _, w in rendered) + 2 * pad
    total = 2 * pad + int(line_pitch * height) * (len(lines) - 1) + height + 4
    canvas = np.zeros((total, width), np.float32)
    for row, (layers, _) in enumerate(rendered):
        for g, x, top in layers:
            y = pad + row * int(line_pitch * height) + top
            view = canvas[y : y + g.shape[0], pad + x : pad + x + g.shape[1]]
            np.maximum(view, g[: view.shape[0], : view.shape[1]], out=view)
    return canvas


def _touch(left: np.ndarray, right: np.ndarray) -> int:
    h = max(left.shape[0], right.shape[0])
    a = np.zeros((h, left.shape[1]), bool)
    a[h - left.shape[0] :] = left > 0.5
    b = np.zeros((h, right.shape[1]), bool)
    b[h - right.shape[0] :] = right > 0.5
    for offset in range(left.shape[1], 0, -1):
        hi = min(left.shape[1], offset + right.shape[1])
        if (a[:, offset:hi] & b[:, : hi - offset]).sum() >= 3:
            return offset
    return left.shape[1] // 2


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
