"""Crops that are not digits, made offline: the digit classifier's 11th class, "not a digit".

Segmentation hands the classifier every blob it keeps: pieces of digits cut badly, two
digits glued together, stray strokes and scribbles, specks, remnants of ruling lines and
page edges, and blobs of a photograph's background. The shipped classifier, trained on
digits only, read them as digits (a coloured pie shape as "0" at 98.6%: issue 20).

Each negative is drawn as a binary mask and normalized by ``digitsight.normalize.to_mnist``,
exactly as reading normalizes a blob, so the classifier learns them in the form it meets
them. Kinds (``KINDS``): pieces and pairs of MNIST digits, single strokes and arcs,
scribbles, specks and filled shapes (a pie among them), ruling and page-edge remnants, and
blobs of real photographs (matplotlib's sample images, already installed: no new
dependency) and of procedural textures.

A piece of a digit can be a digit (the stem of a 7 is a 1): where a piece, pair or stroke
reads as a digit with at least LOOKS_LIKE_DIGIT to the shipped classifier, it is left
out, so that the new class never teaches the model to reject a real digit's shape. Training
may also cap the share of its digit's ink a piece keeps (``make_negatives(piece_max_ink=...)``:
a piece that keeps most of a digit is much of that digit); the measuring sets keep every cut.

Three disjoint sets: ``training`` (training digits, photos PHOTOS_TRAIN), ``validation``
(held-out validation digits, the same photos: thresholds are chosen on it) and
``held_out`` (validation digits, other photos PHOTOS_HELD_OUT, another seed: reported only).

    python -m training.negatives /tmp/negatives.png    # a contact sheet per kind, to look at
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from digitsight.normalize import to_mnist

# The label of "not a digit" in the classifier's output: the column after the ten digits.
NOT_A_DIGIT = 10
# A piece, pair or stroke the shipped classifier reads as a digit with at least this is
# no negative: it looks like that digit (the stem of a 7 is a 1, a slanted stroke too).
# 0.9 (not 0.99: at 0.99 slanted strokes the model reads as 1s at 95% stayed in) keeps the
# many it reads with real doubt, which is what it must learn to doubt.
LOOKS_LIKE_DIGIT = 0.9
CANVAS = 96  # the side of the canvas masks are drawn on, in pixels (a blob of a processed photo)
# matplotlib's sample images (mpl-data/sample_data), each a real picture or terrain; the
# held-out set's photos are never seen in training.
PHOTOS_TRAIN = ("grace_hopper.jpg", "s1045.ima.gz", "jacksboro_fault_dem.npz")
PHOTOS_HELD_OUT = ("Minduka_Present_Blue_Pack.png", "topobathy.npz")

Draw = Callable[[np.random.Generator], np.ndarray]


def _canvas() -> np.ndarray:
    return np.zeros((CANVAS, CANVAS), np.uint8)


def _points(rng: np.random.Generator, count: int, margin: int = 8) -> np.ndarray:
    return rng.uniform(margin, CANVAS - margin, (count, 2))


def _pen(rng: np.random.Generator) -> int:
    return int(rng.integers(3, 10))


def _smooth(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Chaikin corner cutting: a polyline through ``points`` made into a smooth pen path."""
    for _ in range(rounds):
        q = 0.75 * points[:-1] + 0.25 * points[1:]
        r = 0.25 * points[:-1] + 0.75 * points[1:]
        points = np.vstack([points[:1], np.column_stack([q, r]).reshape(-1, 2), points[-1:]])
    return points


def _polyline(mask: np.ndarray, points: np.ndarray, width: int) -> np.ndarray:
    cv2.polylines(mask, [np.round(points).astype(np.int32)], False, 1, width, cv2.LINE_8)
    return mask


def stroke(rng: np.random.Generator) -> np.ndarray:
    """One straight stroke, at most 40 degrees off the horizontal (a steeper one is a 1)."""
    angle = np.radians(rng.uniform(-40, 40))
    length = rng.uniform(20, 80)
    centre = rng.uniform(30, 66, 2)
    delta = 0.5 * length * np.array([np.cos(angle), np.sin(angle)])
    return _polyline(_canvas(), np.array([centre - delta, centre + delta]), _pen(rng))


def arc(rng: np.random.Generator) -> np.ndarray:
    """An arc of 50 to 200 degrees: a bracket, a hook, a smile (never closed: a ring is a 0)."""
    mask = _canvas()
    axes = (int(rng.uniform(12, 40)), int(rng.uniform(12, 40)))
    start = rng.uniform(0, 360)
    cv2.ellipse(mask, (48, 48), axes, rng.uniform(0, 180), start, start + rng.uniform(50, 200), 1, _pen(rng))
    return mask


def scribble(rng: np.random.Generator) -> np.ndarray:
    """A smooth random pen path with many turns, a zig-zag crossing-out, or several crossing strokes."""
    mask = _canvas()
    choice = rng.random()
    if choice < 0.45:
        return _polyline(mask, _smooth(_points(rng, int(rng.integers(5, 11)))), _pen(rng))
    if choice < 0.75:  # zig-zag hatching, as a word or digit crossed out
        count = int(rng.integers(4, 10))
        xs = np.linspace(10, 86, count) + rng.normal(0, 3, count)
        ys = np.where(np.arange(count) % 2 == 0, rng.uniform(10, 35), rng.uniform(60, 86)) + rng.normal(0, 4, count)
        return _polyline(mask, np.column_stack([xs, ys]), _pen(rng))
    for _ in range(int(rng.integers(3, 7))):
        _polyline(mask, _points(rng, 2), _pen(rng))
    return mask


def specks(rng: np.random.Generator) -> np.ndarray:
    """Dust and ink specks: a few small irregular dots, scattered (normalization blows them up)."""
    mask = _canvas()
    for _ in range(int(rng.integers(1, 7))):
        centre = tuple(int(v) for v in rng.uniform(10, 86, 2))
        axes = (int(rng.integers(2, 9)), int(rng.integers(2, 9)))
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 1, -1)
    return mask


def filled_shape(rng: np.random.Generator) -> np.ndarray:
    """A solid shape: a pie (a disk with a wedge cut out), an ellipse or a polygon, as a coloured sticker."""
    mask = _canvas()
    choice = rng.random()
    if choice < 0.4:
        start = rng.uniform(0, 360)
        radius = int(rng.uniform(20, 42))
        cv2.ellipse(mask, (48, 48), (radius, radius), 0, start, start + rng.uniform(200, 340), 1, -1)
    elif choice < 0.7:
        axes = (int(rng.uniform(10, 42)), int(rng.uniform(10, 42)))
        cv2.ellipse(mask, (48, 48), axes, rng.uniform(0, 180), 0, 360, 1, -1)
    else:
        hull = cv2.convexHull(_points(rng, int(rng.integers(3, 8))).astype(np.int32))
        cv2.fillPoly(mask, [hull], 1)
    return mask


def ruling(rng: np.random.Generator) -> np.ndarray:
    """Remnants of ruling, boxes and page edges: long lines, corners, tees, crosses, dashes, edge bars."""
    mask = _canvas()
    width = int(rng.integers(2, 8))
    choice = rng.random()
    y, x = int(rng.uniform(20, 76)), int(rng.uniform(20, 76))
    if choice < 0.25:  # a long line, maybe with a bit of ink hanging on it
        cv2.line(mask, (0, y), (95, y + int(rng.integers(-4, 5))), 1, width)
        if rng.random() < 0.5:
            tick = int(rng.uniform(5, 15))
            cv2.line(mask, (x, y), (x + int(rng.integers(-6, 7)), y - tick), 1, max(2, width - 1))
    elif choice < 0.45:  # a box's corner
        cv2.line(mask, (x, y), (x + int(rng.choice([-1, 1]) * rng.uniform(30, 70)), y), 1, width)
        cv2.line(mask, (x, y), (x, y + int(rng.choice([-1, 1]) * rng.uniform(30, 70))), 1, width)
    elif choice < 0.65:  # a tee or a cross of a comb box's borders
        cv2.line(mask, (5, y), (90, y), 1, width)
        cv2.line(
            mask,
            (x, y - int(rng.uniform(15, 40)) * int(rng.random() < 0.5)),
            (x, y + int(rng.uniform(15, 40))),
            1,
            width,
        )
    elif choice < 0.8:  # a dashed or dotted line
        step = int(rng.uniform(8, 20))
        for start in range(0, 96, step):
            cv2.line(mask, (start, y), (start + step // 2, y), 1, width)
    else:  # a page edge: a thick dark bar along the top or bottom, its edge ragged (upright, it is a 1)
        depth = int(rng.uniform(6, 25))
        ragged = (depth + np.cumsum(rng.normal(0, 1.2, 96))).clip(2, 40).astype(int)
        for row, extent in enumerate(ragged):
            mask[row, :extent] = 1
        mask = np.rot90(
            mask, 1 + 2 * int(rng.integers(0, 2))
        ).copy()  # the bar drawn on the left, turned to the top or bottom
    return mask


class Photos:
    """Grey real pictures to cut blobs from: matplotlib's sample images and terrains."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.images = [_sample_image(name) for name in names]

    def blob(self, rng: np.random.Generator) -> np.ndarray:
        """A random patch of a random picture, thresholded at a random darkness: its largest dark (or light) blob."""
        image = self.images[int(rng.integers(len(self.images)))]
        side = int(rng.uniform(16, min(image.shape) * 0.6))
        y, x = (int(rng.integers(0, s - side + 1)) for s in image.shape)
        patch = image[y : y + side, x : x + side]
        level = np.quantile(patch, rng.uniform(0.1, 0.45))
        ink = patch <= level if rng.random() < 0.7 else patch >= np.quantile(patch, rng.uniform(0.55, 0.9))
        return _largest_blob(ink.astype(np.uint8)) if rng.random() < 0.6 else ink.astype(np.uint8)


def texture(rng: np.random.Generator) -> np.ndarray:
    """A procedural texture (smoothed noise at a random grain), thresholded: paper fibres, stains, shadows."""
    noise = cv2.GaussianBlur(rng.random((CANVAS, CANVAS)).astype(np.float32), (0, 0), rng.uniform(1.5, 10))
    mask = (noise <= np.quantile(noise, rng.uniform(0.08, 0.4))).astype(np.uint8)
    return _largest_blob(mask) if rng.random() < 0.5 else mask


def _largest_blob(mask: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    return (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)


def _sample_image(name: str) -> np.ndarray:
    """A matplotlib sample image as a float32 grey array."""
    import gzip

    from matplotlib import cbook

    if name.endswith(".npz"):
        data = cbook.get_sample_data(name)
        return np.asarray(data["elevation" if "elevation" in data else "topo"], np.float32)
    if name.endswith(".ima.gz"):
        with gzip.open(cbook.get_sample_data(name, asfileobj=False), "rb") as handle:
            return np.frombuffer(handle.read(), np.uint16).reshape(256, 256).astype(np.float32)
    import matplotlib.pyplot as plt

    image = np.asarray(plt.imread(cbook.get_sample_data(name, asfileobj=False)), np.float32)
    return image[..., :3].mean(axis=2) if image.ndim == 3 else image


def _binary_digit(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit as a binary mask on a 3x canvas, as segmentation would find it."""
    return (cv2.resize(digit, (84, 84), interpolation=cv2.INTER_LINEAR) >= 128).astype(np.uint8)


# Cuts drawn for one piece before ``digit_piece`` gives up on its ink limit and keeps the smallest piece.
PIECE_TRIES = 20


def _cut(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """One bad cut of a binary digit ``mask``: its left or right part, top or bottom part, or a corner."""
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    share = rng.uniform(0.25, 0.6)
    choice = rng.random()
    if choice < 0.4:
        cut = int(left + share * (right - left))
        return mask[:, :cut] if rng.random() < 0.5 else mask[:, cut:]
    if choice < 0.8:
        cut = int(top + share * (bottom - top))
        return mask[:cut] if rng.random() < 0.5 else mask[cut:]
    cy, cx = int(top + 0.5 * (bottom - top)), int(left + 0.5 * (right - left))
    return mask[:cy, :cx] if rng.random() < 0.5 else mask[cy:, cx:]


def digit_piece(rng: np.random.Generator, digit: np.ndarray, max_ink: float = 1.0) -> np.ndarray:
    """A piece of a digit, as a bad cut leaves it (``_cut``), holding at most ``max_ink`` of the digit's ink.

    A piece that keeps most of a digit's ink is much of that digit: ``max_ink`` under 1 draws
    cuts again (at most PIECE_TRIES, then the smallest piece drawn) until one holds less.
    """
    mask = _binary_digit(digit)
    ink = mask.sum()
    smallest = None
    for _ in range(PIECE_TRIES):
        piece = _cut(rng, mask)
        if piece.sum() <= max_ink * ink:
            return piece
        if smallest is None or piece.sum() < smallest.sum():
            smallest = piece
    return smallest


def _ink_columns(mask: np.ndarray) -> np.ndarray:
    """``mask`` cut to the columns holding ink."""
    columns = np.flatnonzero(mask.any(axis=0))
    return mask[:, columns[0] : columns[-1] + 1]


def digit_pair(rng: np.random.Generator, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two digits side by side, touching or overlapping a little: what to_mnist makes of a glued pair."""
    a, b = _ink_columns(_binary_digit(first)), _ink_columns(_binary_digit(second))
    # Negative: a small gap; never more than the narrower digit (a 1 may be 5 pixels wide).
    overlap = min(int(rng.integers(-4, 9)), a.shape[1] - 1, b.shape[1] - 1)
    shift = int(rng.integers(-10, 11))
    width = a.shape[1] + b.shape[1] - overlap
    mask = np.zeros((84 + 2 * abs(shift), max(width, a.shape[1], b.shape[1])), np.uint8)
    mask[abs(shift) : abs(shift) + 84, : a.shape[1]] |= a
    start = a.shape[1] - overlap
    mask[abs(shift) + shift : abs(shift) + shift + 84, start : start + b.shape[1]] |= b
    return mask


# The kinds of negative and their shares of a set.
KINDS = {
    "piece": 0.2,
    "pair": 0.15,
    "stroke": 0.07,
    "arc": 0.07,
    "scribble": 0.12,
    "specks": 0.07,
    "filled": 0.07,
    "ruling": 0.1,
    "photo": 0.1,
    "texture": 0.05,
}
# The kinds that may draw a digit's shape by chance, checked against the shipped classifier.
MAY_LOOK_LIKE_DIGITS = {"piece", "pair", "stroke", "arc", "scribble"}


def make_negatives(
    count: int,
    seed: int,
    digits: np.ndarray,
    photos: tuple[str, ...],
    classifier: object | None = None,
    piece_max_ink: float = 1.0,
) -> tuple[np.ndarray, list[str]]:
    """``count`` negatives as uint8 28x28 crops (white on black) and the kind of each.

    Parameters
    ----------
    digits:
        The uint8 MNIST digits pieces and pairs are made of (training digits for the
        training set, held-out ones for the others).
    photos:
        The sample images photo blobs are cut from.
    classifier:
        Anything with ``probabilities(crops) -> (N, >=10)``: a candidate of a kind in
        MAY_LOOK_LIKE_DIGITS it reads as a digit with LOOKS_LIKE_DIGIT or more is dropped.
        None keeps every candidate.
    piece_max_ink:
        The largest share of its digit's ink a piece may hold (``digit_piece``); 1 (the
        measuring sets) keeps every cut.
    """
    rng = np.random.default_rng(seed)
    pictures = Photos(photos)
    draws: dict[str, Draw] = {
        "piece": lambda r: digit_piece(r, digits[int(r.integers(len(digits)))], piece_max_ink),
        "pair": lambda r: digit_pair(r, digits[int(r.integers(len(digits)))], digits[int(r.integers(len(digits)))]),
        "stroke": stroke,
        "arc": arc,
        "scribble": scribble,
        "specks": specks,
        "filled": filled_shape,
        "ruling": ruling,
        "photo": pictures.blob,
        "texture": texture,
    }
    crops, kinds = [], []
    for kind, share in KINDS.items():
        wanted = int(round(share * count))
        made: list[np.ndarray] = []
        while len(made) < wanted:
            batch = [to_mnist(draws[kind](rng)) for _ in range(2 * (wanted - len(made)) if classifier else wanted)]
            batch = [crop for crop in batch if crop.max() > 0]
            if classifier is not None and kind in MAY_LOOK_LIKE_DIGITS and batch:
                digit_share = np.asarray(classifier.probabilities(np.stack(batch)))[:, :NOT_A_DIGIT].max(axis=1)
                batch = [crop for crop, p in zip(batch, digit_share, strict=True) if p < LOOKS_LIKE_DIGIT]
            made.extend(batch[: wanted - len(made)])
        crops.extend(made)
        kinds.extend([kind] * len(made))
    images = np.rint(np.clip(np.array(crops), 0, 1) * 255).astype(np.uint8)
    return images, kinds


CACHE = Path(__file__).resolve().parents[1] / ".cache"
# The two measuring sets: (seed, size, photos). Validation thresholds are chosen on; held-out is only reported.
MEASURING_SETS = {
    "validation": (30_3030, 2000, PHOTOS_TRAIN),
    "held_out": (20_2020, 2000, PHOTOS_HELD_OUT),
}


def measuring_negatives(name: str, rebuild: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The ``"validation"`` or ``"held_out"`` negatives (uint8 crops, kinds), from ``.cache/`` (built on first use).

    Both are made of the held-out MNIST validation digits. Their digit-like candidates are
    judged by the classifier in models/ when the cache is built, and the cache keeps the set
    fixed afterwards: a new model must not choose its own test set. (The figures in
    docs/BENCHMARKS.md are on sets judged by the classifier shipped before issue 20.)
    """
    from digitsight.data import load_mnist, validation_split
    from digitsight.nets.digits import DEFAULT_MODEL_PATH, Classifier

    path = CACHE / f"negatives_{name}.npz"
    if path.is_file() and not rebuild:
        with np.load(path, allow_pickle=False) as data:
            return data["images"], data["kinds"]
    seed, count, photos = MEASURING_SETS[name]
    mnist = load_mnist()
    validation, _ = validation_split(len(mnist.x_train))
    images, kinds = make_negatives(count, seed, mnist.x_train[validation], photos, Classifier(DEFAULT_MODEL_PATH))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=images, kinds=np.array(kinds))
    return images, np.array(kinds)


def main(argv: list[str]) -> int:
    from digitsight.data import load_mnist
    from digitsight.nets.digits import DEFAULT_MODEL_PATH, Classifier
    from digitsight.synthetic.glyphs import contact_sheet

    mnist = load_mnist()
    images, kinds = make_negatives(240, 11, mnist.x_train[:2000], PHOTOS_TRAIN, Classifier(DEFAULT_MODEL_PATH))
    order = np.argsort(np.array(kinds), kind="stable")
    contact_sheet(argv[0] if argv else "/tmp/negatives.png", images[order], columns=24)
    print(" ".join(f"{k}:{kinds.count(k)}" for k in KINDS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
