"""Make the example images of the dashboard's gallery (assets/examples/*.png).

Each example is a number composed from handwritten digits of the official MNIST
*test* set (never a file from elsewhere), inked dark on paper the way a photo or a
scan shows it. The digits are drawn with a fixed seed, so running this again gives
the same files::

    .venv/bin/python scripts/make_examples.py

The list of examples (file, caption, the number it shows) is written next to the
images as ``examples.json``; the home page and the tests read it from there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from digitsight.data import load_mnist

OUT_DIR = Path(__file__).resolve().parents[1] / "assets" / "examples"
SCALE = 3  # 28 px MNIST digits -> 84 px, about the size of a digit in a phone photo of a note
GAP = 6  # pixels between neighbouring digits
MARGIN = 48
LINE_GAP = 40

# (file stem, caption, lines of the number, paper style)
EXAMPLES = [
    ("year", "A year", ["2026"], "white"),
    ("pi", "Six digits of pi", ["314159"], "white"),
    ("two_lines", "Two lines", ["42", "1337"], "paper"),
    ("postcode", "A postcode on grey paper", ["90210"], "shaded"),
]


def pick_digits(labels: np.ndarray, rng: np.random.Generator) -> dict[int, list[int]]:
    """For each digit value, the test-set indices in a seeded random order."""
    return {d: list(rng.permutation(np.flatnonzero(labels == d))) for d in range(10)}


def ink(digit: np.ndarray) -> np.ndarray:
    """A 28x28 white-on-black MNIST digit -> ink darkness in [0, 1] at SCALE times the size."""
    big = Image.fromarray(digit).resize((28 * SCALE, 28 * SCALE), Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=np.float32) / 255.0


def paper(height: int, width: int, style: str, rng: np.random.Generator) -> np.ndarray:
    """The background brightness in [0, 1]: plain white, off-white paper, or unevenly lit grey."""
    if style == "white":
        return np.full((height, width), 1.0, dtype=np.float32)
    noise = rng.normal(0.0, 0.015, size=(height, width)).astype(np.float32)
    if style == "paper":
        return np.clip(0.93 + noise, 0, 1)
    # "shaded": light falls off from the top-left corner, as in a phone photo.
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    falloff = 0.88 - 0.18 * (xx / width + yy / height) / 2
    return np.clip(falloff + noise, 0, 1)


def compose(
    lines: list[str], style: str, pool: dict[int, list[int]], images: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[int]]:
    """Lay the digits out left to right, line under line; return the image and the test indices used."""
    size = 28 * SCALE
    width = 2 * MARGIN + max(len(line) for line in lines) * (size + GAP)
    height = 2 * MARGIN + len(lines) * size + (len(lines) - 1) * LINE_GAP
    darkness = np.zeros((height, width), dtype=np.float32)
    used = []
    for row, line in enumerate(lines):
        top = MARGIN + row * (size + LINE_GAP)
        for col, char in enumerate(line):
            index = pool[int(char)].pop(0)
            used.append(int(index))
            jitter = int(rng.integers(-6, 7))  # handwriting does not sit on a ruler
            y, x = top + jitter, MARGIN + col * (size + GAP)
            darkness[y : y + size, x : x + size] = np.maximum(darkness[y : y + size, x : x + size], ink(images[index]))
    background = paper(height, width, style, rng)
    pen = 0.12  # the ink's own brightness: dark blue-black, not pure black
    gray = background * (1 - darkness) + pen * darkness
    return (np.clip(gray, 0, 1) * 255).round().astype(np.uint8), used


def main() -> None:
    mnist = load_mnist()
    rng = np.random.default_rng(6)
    pool = pick_digits(mnist.y_test, rng)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    index = []
    for stem, caption, lines, style in EXAMPLES:
        image, used = compose(lines, style, pool, mnist.x_test, rng)
        file = f"{stem}.png"
        Image.fromarray(image).save(OUT_DIR / file, optimize=True)
        index.append({"file": file, "caption": caption, "number": " ".join(lines), "mnist_test_indices": used})
        print(f"{file}: {' '.join(lines)} ({image.shape[1]}x{image.shape[0]})")
    (OUT_DIR / "examples.json").write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__":
    main()
