"""The public result type and entry point: ``digitsight.read(image) -> Reading``.

The pipeline: ``imaging`` decodes, ``segment`` finds the digits and proposes cuts
through blobs that may be touching digits, ``normalize`` makes each candidate look
like MNIST, and three models read all candidates, one batch each: the digit
classifier (one digit), the pair model (one digit, two touching, or neither) and
the chain model (the whole of a wide blob, as a digit string). Each line is then
read the way that scores best: every blob whole, cut into pieces, or read as a
pair, each wide blob's readings weighed by the chain model; neighbouring
fragments merged or not.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from digitsight.chains import greedy_decode, log_likelihoods
from digitsight.pairs import ONE_DIGIT, TWO_DIGITS

if TYPE_CHECKING:
    from digitsight.chains import ChainModel
    from digitsight.classifier import Classifier
    from digitsight.imaging import LoadedImage
    from digitsight.pairs import PairModel, PairOutputs
    from digitsight.segment import Blob


@dataclass(frozen=True)
class Digit:
    """One digit found in the image."""

    value: int
    confidence: float
    top3: tuple[tuple[int, float], ...]
    box: tuple[int, int, int, int]  # x, y, w, h in the ORIGINAL image's pixel coordinates
    line: int  # 0-based line index, top to bottom
    crop: np.ndarray = field(repr=False, compare=False)  # the 28x28 float32 [0, 1] image the model saw

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "top3": [[digit, round(p, 4)] for digit, p in self.top3],
            "box": list(self.box),
            "line": self.line,
        }


@dataclass(frozen=True)
class Reading:
    """What was read: ``number`` holds the digits of each line, lines joined by one space."""

    number: str
    lines: list[str]
    digits: list[Digit]
    warnings: list[str]
    image_size: tuple[int, int]  # width, height of the original image

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "lines": list(self.lines),
            "digits": [digit.to_dict() for digit in self.digits],
            "warnings": list(self.warnings),
            "image_size": list(self.image_size),
        }


class Models(NamedTuple):
    """The models reading uses: ``read_loaded(loaded, *models)``."""

    classifier: Classifier
    pair_model: PairModel | None  # None: touching digits are read by cutting them apart only
    chain_model: ChainModel | None  # None: a wide blob's readings are scored piece by piece only


def load_models(
    model_path: str | os.PathLike | None = None,
    *,
    pair_model_path: str | os.PathLike | None = None,
    chain_model_path: str | os.PathLike | None = None,
    pairs: bool = True,
    chains: bool = True,
) -> Models:
    """Every model reading uses, each loaded once per process (the shipped ones unless a path is given).

    ``pairs=False`` or ``chains=False`` leaves that model out. Raises ``DigitSightError``
    for a missing or unreadable model file.
    """
    from digitsight.chains import load_chain_model
    from digitsight.classifier import load_classifier
    from digitsight.pairs import load_pair_model

    return Models(
        load_classifier(model_path),
        load_pair_model(pair_model_path) if pairs else None,
        load_chain_model(chain_model_path) if chains else None,
    )


def read(image: object, *, model_path: str | os.PathLike | None = None) -> Reading:
    """Read the handwritten number in ``image``.

    ``image``: a path, bytes, a binary file object, a PIL image or a numpy array
    (RGB order; gray, RGB or RGBA; 8- or 16-bit). Raises ``DigitSightError`` for an
    input that is not a readable image; an image without digits gives an empty
    Reading with a warning. Safe to call from several threads at once.
    """
    from digitsight.imaging import PROCESS_MAX_PIXELS, load_image

    loaded = load_image(image, max_pixels=PROCESS_MAX_PIXELS)
    return read_loaded(loaded, *load_models(model_path))


def read_loaded(
    loaded: LoadedImage,
    classifier: Classifier,
    pair_model: PairModel | None = None,
    chain_model: ChainModel | None = None,
) -> Reading:
    """``read`` for an already decoded image and loaded models.

    Without ``pair_model``, touching digits are read only by cutting them apart; without
    ``chain_model``, the readings of a wide blob are scored piece by piece only.
    """
    notes = list(loaded.warnings)
    width, height = loaded.size
    seen = candidates(loaded, classifier, pair_model, chain_model)
    pairs, chains, scale = seen.pairs, seen.chains, seen.scale
    choice = choose(seen)
    probabilities = choice.probabilities

    digits: list[Digit] = []
    lines: list[str] = []
    for line_index, line_reading in enumerate(choice.lines):
        text = []
        for entry, how in line_reading:
            if how == PAIR:
                found_digits = _pair_digits(entry, pairs, seen.fields[entry.pair], line_index, scale, (width, height))
            elif how == CHAIN:
                columns, row_image = chains[entry.chain], seen.rows[entry.chain]
                found_digits = _chain_digits(entry, columns, row_image, line_index, scale, (width, height))
            else:
                row = probabilities[entry.crop]
                found_digits = [_digit(entry.blob, row, seen.crops[entry.crop], line_index, scale, (width, height))]
            digits += found_digits
            text += [str(digit.value) for digit in found_digits]
        lines.append("".join(text))

    if not digits:
        notes.append("no digits found in the image")
    for number, digit in enumerate(digits, start=1):
        if digit.confidence < LOW_CONFIDENCE:
            alternatives = ", ".join(f"{d} ({p:.0%})" for d, p in digit.top3[1:])
            notes.append(
                f"digit {number} read as {digit.value} with low confidence ({digit.confidence:.0%}); "
                f"could also be {alternatives}"
            )
    return Reading(" ".join(lines), lines, digits, notes, (width, height))


class Candidates(NamedTuple):
    """Every candidate reading of an image, and what the models say of each."""

    plans: list[list[_Plan]]  # per line, per blob
    crops: list[np.ndarray]  # the 28x28 images the plans' ``crop`` indices point to
    fields: list[np.ndarray]  # the pair images their ``pair`` indices point to
    rows: list[np.ndarray]  # the chain model's images of wide blobs, which their ``chain`` indices point to
    probabilities: np.ndarray  # the digit classifier's, not yet mixed with the pair model's
    pairs: PairOutputs | None  # the pair model's outputs (None without one)
    chains: np.ndarray | None  # the chain model's (N, 32, 11) log-probabilities for the plans' ``chain`` images
    scale: float  # processing pixels per pixel of the original image


def candidates(
    loaded: LoadedImage,
    classifier: Classifier,
    pair_model: PairModel | None,
    chain_model: ChainModel | None = None,
) -> Candidates:
    """The first half of ``read_loaded``: segment, and run each model once over every candidate.

    ``benchmarks/tune_reading.py`` re-scores these under other weights.
    """
    from digitsight.segment import segment

    processed, scale = _processing_image(loaded)
    found = segment(processed)
    # Every crop any reading may need (whole blobs, the pieces of candidate splits, unions
    # of neighbours) goes into ONE batch per model, so each model is called once per image.
    crops: list[np.ndarray] = []
    fields: list[np.ndarray] = []  # the same, for the pair model
    rows: list[np.ndarray] = []  # wide blobs whole, for the chain model
    plans = [
        _plan_line(line, crops, fields, rows if chain_model is not None else None, pair_model is not None)
        for line in found.lines
    ]
    # The three calls are independent and TensorFlow releases the GIL while it works: run the
    # smaller two beside the classifier, so that one reading's models overlap on the cores.
    pairs_later = _MODEL_CALLS.submit(pair_model.read, np.stack(fields)) if fields else None
    chains_later = _MODEL_CALLS.submit(chain_model.read, np.stack(rows)) if rows else None
    probabilities = classifier.probabilities(np.stack(crops)) if crops else np.zeros((0, 10), np.float32)
    pairs = pairs_later.result() if pairs_later else None
    chains = chains_later.result() if chains_later else None
    return Candidates(plans, crops, fields, rows, probabilities, pairs, chains, scale)


class Choice(NamedTuple):
    """What reading makes of an image's candidates."""

    probabilities: np.ndarray  # the classifier's, each mixed with the pair model's second opinion
    lines: list[list[tuple[_Piece, str]]]  # per line, its best reading: (piece, DIGIT, PAIR or CHAIN) left to right
    number: str  # the digits those readings spell, lines joined by one space: ``Reading.number``


def choose(seen: Candidates) -> Choice:
    """The second half of ``read_loaded``: each line's best reading, scored with the weights now set here.

    ``benchmarks/tune_reading.py`` calls it once per combination of weights on the same candidates.
    """
    probabilities = _with_second_opinion(seen.probabilities, seen.pairs, seen.plans)
    lines = [_best_line_reading(line_plans, probabilities, seen.pairs, seen.chains) for line_plans in seen.plans]
    number = " ".join(_text(line, probabilities, seen.pairs, seen.chains) for line in lines)
    return Choice(probabilities, lines, number)


_MODEL_CALLS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="digitsight-models")


# A blob wider than this many line heights may be touching digits: score candidate splits.
SPLIT_MIN_ASPECT = 0.75
# Pieces of a split: at most this wide, at least this tall (in line heights).
PIECE_MAX_ASPECT = 1.3
PIECE_MIN_HEIGHT = 0.45
# A cut path may wander this far (in line heights) from its starting column.
CUT_RADIUS = 0.25
# The scoring weights below (PIECE_COST, ASPECT_WEIGHT, ONE_WEIGHT, SECOND_OPINION, SPLIT_WEIGHT) were chosen
# together by a grid search on images of held-out training digits: benchmarks/tune_reading.py.
# Each digit a split adds costs this much log-confidence: a split must read clearly better than the whole.
PIECE_COST = 0.2
# log(width / height) of each digit in the MNIST *training* set: (median, 1.4826 * median absolute deviation).
ASPECT_BY_DIGIT = (
    (-0.105, 0.175), (-0.916, 0.472), (-0.051, 0.232), (-0.223, 0.198), (-0.223, 0.198),
    (-0.051, 0.255), (-0.357, 0.229), (-0.223, 0.198), (-0.288, 0.212), (-0.357, 0.229),
)
ASPECT_WEIGHT = 0.1
# A blob or piece at most this wide (in line heights) is also shown to the pair model: is it one
# digit, two touching, or neither? (Every narrower piece is, so that no bad cut escapes its eye.)
PAIR_MAX_ASPECT = 2.0
# Neighbouring blobs are tried as one digit if their union is at most this wide and the gap this
# narrow (in line heights).
MERGE_MAX_ASPECT = 1.3
MERGE_MAX_GAP = 0.35
# Processing scale: strokes about this wide (pixels); never shrink more than this, nor below this side.
PROCESS_STROKE = 5.0
MAX_STROKE_DOWNSCALE = 4.0
PROCESS_MIN_SIDE = 160
# The pair model's "one digit" probability counts this much in a piece's one-digit score: it knows
# glued pairs and bad cuts, but the digit classifier knows digits better.
ONE_WEIGHT = 0.2
# A piece's digit probabilities: the geometric mean of the digit classifier's and the pair model's
# (its first digit), weighted so. The pair model was trained on binarized, re-stroked digits like
# those segmentation produces; the two disagree where one of them is unsure.
SECOND_OPINION = 0.2
# Cutting a blob into pieces costs this much times log P(not one digit), the pair model's word on
# the whole blob (chosen on validation images: benchmarks/tune_reading.py).
SPLIT_WEIGHT = 0.3
# A wide blob's candidate readings each gain this much times the chain model's log P(their digits),
# counted from the likeliest of them (chosen on validation images: benchmarks/tune_reading.py).
CHAIN_WEIGHT = 0.5
# How many partial readings of a wide blob are kept at each cut point: the chain model can only
# pick among readings that survive this far.
BEAM = 16
# Where the chain model spells a wide blob in a way no piece-by-piece reading does, its own reading
# is a candidate too, scored as the best piece-by-piece reading less this (in log-confidence).
# CHAIN_WEIGHT and CHAIN_ONLY_COST were chosen on validation images 0-159 and checked on 160-479.
CHAIN_ONLY_COST = 2.0
# Below this confidence a digit is reported in the warnings.
LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class _Piece:
    """A blob or part of one, with where its images are in the batches (None: not a candidate that way)."""

    blob: Blob
    crop: int | None  # index in the digit classifier's batch: the piece as one digit
    pair: int | None  # index in the pair model's batch: the piece as two touching digits
    chain: int | None = None  # index in the chain model's batch: the piece (a wide blob, whole) as a row


# How a piece is read: as one digit (the classifier), two (the pair model) or a row (the chain model).
DIGIT, PAIR, CHAIN = "digit", "pair", "chain"


@dataclass
class _Plan:
    """How one blob may be read: whole, or cut near ``points`` (the pieces between cut i and cut j)."""

    blob: Blob
    points: list[int]
    pieces: dict[tuple[int, int], _Piece]  # (i, j) -> the piece between cuts i and j
    merged: _Piece | None = None  # this blob and the next one as one digit, if plausible


def _processing_image(loaded: LoadedImage) -> tuple[np.ndarray, float]:
    """The grayscale image segmentation works on, and its pixels per pixel of the original image.

    At most PROCESS_MAX_PIXELS; and bold strokes mean big digits, so where strokes are wide
    the image is shrunk until they are ~PROCESS_STROKE pixels: that loses nothing and makes
    a 1-megapixel photo several times cheaper.
    """
    from digitsight.imaging import downscaled, processing_scale, to_gray
    from digitsight.segment import analyse

    gray = to_gray(loaded.rgb)
    scale = processing_scale((gray.shape[1], gray.shape[0]))
    processed = downscaled(gray, scale)
    _, stroke_small, small_scale = analyse(processed)
    stroke = stroke_small / small_scale
    if stroke > 1.5 * PROCESS_STROKE:
        floor = max(1 / MAX_STROKE_DOWNSCALE, PROCESS_MIN_SIDE / min(processed.shape))
        factor = min(1.0, max(PROCESS_STROKE / stroke, floor))
        if factor < 1.0:
            scale *= factor
            processed = downscaled(gray, scale)
    return processed, scale * loaded.scale


def _plan_line(
    line: list[Blob],
    crops: list[np.ndarray],
    fields: list[np.ndarray],
    rows: list[np.ndarray] | None,
    pairs: bool,
) -> list[_Plan]:
    """The candidate readings of one line's blobs; their images are appended to ``crops``, ``fields`` and ``rows``.

    A wide blob may be touching digits: it gets candidate cuts, and every piece between two
    cuts is a candidate digit (and, if ``pairs``, a candidate pair); the blob whole goes to
    ``rows``, for the chain model (unless None). Neighbouring blobs that may be fragments of
    one digit (the halves of a broken 0) get their union as a candidate.
    """
    from digitsight.decode.cuts import cut_candidates, cut_path
    from digitsight.normalize import to_chain_field, to_mnist, to_pair_field

    def candidate(piece: Blob, one: bool, two: bool, chain: int | None = None) -> _Piece:
        """``piece`` with its images added to the batches: as one digit if ``one``, as a pair if ``two``."""
        entry = _Piece(piece, len(crops) if one else None, len(fields) if two else None, chain)
        if one:
            crops.append(to_mnist(piece.mask))
        if two:
            fields.append(to_pair_field(piece.mask))
        return entry

    line_height = float(np.median([blob.h for blob in line]))
    plans = []
    for blob in line:
        plan = _Plan(blob, [0, blob.w], {})
        paths: list[int | np.ndarray] = [0, blob.w]
        chain = None
        if blob.w > SPLIT_MIN_ASPECT * line_height:
            plan.points = [0, *cut_candidates(blob, line_height), blob.w]
            radius = max(1, int(CUT_RADIUS * line_height))
            paths = [0, *(cut_path(blob.mask, c, radius) for c in plan.points[1:-1]), blob.w]
            if rows is not None:
                chain = len(rows)
                rows.append(to_chain_field(blob.mask))
        for i, start in enumerate(plan.points):
            for j in range(i + 1, len(plan.points)):
                stop = plan.points[j]
                whole = i == 0 and j == len(plan.points) - 1
                one = whole or stop - start <= PIECE_MAX_ASPECT * line_height
                two = pairs and stop - start <= PAIR_MAX_ASPECT * line_height
                if not (one or two):
                    continue
                piece = blob if whole else blob.piece(paths[i], paths[j])
                if piece is None or (not whole and piece.h < PIECE_MIN_HEIGHT * line_height):
                    continue
                plan.pieces[(i, j)] = candidate(piece, one, two, chain if whole else None)
        plans.append(plan)
    for left, right in zip(plans, plans[1:], strict=False):
        union = left.blob.union(right.blob)
        gap = right.blob.x - (left.blob.x + left.blob.w)
        if union.w <= MERGE_MAX_ASPECT * line_height and gap <= MERGE_MAX_GAP * line_height:
            left.merged = candidate(union, True, pairs)
    return plans


def _best_line_reading(
    line_plans: list[_Plan], probabilities: np.ndarray, pairs: PairOutputs | None, chains: np.ndarray | None = None
) -> list[tuple[_Piece, str]]:
    """The line's best reading: (piece, how it is read: DIGIT, PAIR or CHAIN) left to right.

    Each blob read at its best (whole, cut into pieces, as a pair, as a row), then the line
    at its best: every blob on its own, or some neighbours merged into one digit.
    """
    readings, totals = [], []
    for plan in line_plans:
        reading, total = _best_blob_reading(plan, probabilities, pairs, chains)
        readings.append(reading)
        totals.append(total)
    best = [0.0]
    choice: list[list[tuple[_Piece, str]]] = [[]]
    for k in range(len(line_plans)):
        best.append(best[k] + totals[k])
        choice.append(choice[k] + readings[k])
        union = line_plans[k - 1].merged if k > 0 else None
        if union is not None:
            merged = best[k - 1] + _one_digit_score(union, probabilities, pairs)
            if merged > best[k + 1]:
                best[k + 1] = merged
                choice[k + 1] = choice[k - 1] + [(union, DIGIT)]
    return choice[-1]


def _best_blob_reading(
    plan: _Plan, probabilities: np.ndarray, pairs: PairOutputs | None, chains: np.ndarray | None
) -> tuple[list[tuple[_Piece, str]], float]:
    """The blob's best reading, (piece, how it is read) left to right, and its score.

    The BEAM best ways to read it piece by piece (whole, cut, pairs); cutting must also get
    past the pair model's word that the blob is one digit. Where the chain model read the
    blob whole, each way gains CHAIN_WEIGHT x its log P(the digits read), and the chain
    model's own reading is a candidate too.
    """
    from digitsight.decode.cuts import top_partitions

    scored = {key: _best_reading(entry, probabilities, pairs) for key, entry in plan.pieces.items()}
    scores = {key: score for key, (score, _) in scored.items()}
    whole_key = (0, len(plan.points) - 1)
    whole = plan.pieces[whole_key]
    use_chain = whole.chain is not None and chains is not None and CHAIN_WEIGHT > 0
    doubt = _split_doubt(whole, pairs)
    options = []
    for total, keys in top_partitions(plan.points, scores, BEAM if use_chain else 1):
        if len(keys) > 1:
            total += doubt
        options.append((total, [(plan.pieces[key], scored[key][1]) for key in keys]))
    if len(options[0][1]) > 1:
        # Always weigh the blob whole against its cuts: the pair model may doubt every cut.
        options.append((scores[whole_key], [(whole, scored[whole_key][1])]))
    if use_chain:
        columns = chains[whole.chain]
        texts = [_text(reading, probabilities, pairs, chains) for _, reading in options]
        own = greedy_decode(columns)
        if own and own not in texts:
            options.append((max(total for total, _ in options) - CHAIN_ONLY_COST, [(whole, CHAIN)]))
            texts.append(own)
        distinct = sorted(set(texts))  # many ways to cut a blob spell the same digits
        known = dict(zip(distinct, log_likelihoods(columns, distinct), strict=True))
        top = max(known.values())
        options = [
            (total + CHAIN_WEIGHT * (known[text] - top), reading)
            for (total, reading), text in zip(options, texts, strict=True)
        ]
    total, reading = max(options, key=lambda option: option[0])
    return reading, total


def _text(
    reading: list[tuple[_Piece, str]],
    probabilities: np.ndarray,
    pairs: PairOutputs | None,
    chains: np.ndarray | None = None,
) -> str:
    """The digits a blob's or line's reading spells: each piece's likeliest digit, pair or row."""
    text = ""
    for entry, how in reading:
        if how == PAIR:
            text += f"{pairs.first[entry.pair].argmax()}{pairs.second[entry.pair].argmax()}"
        elif how == CHAIN:
            text += greedy_decode(chains[entry.chain])
        else:
            text += str(int(np.argmax(probabilities[entry.crop])))
    return text


def _best_reading(entry: _Piece, probabilities: np.ndarray, pairs: PairOutputs | None) -> tuple[float, str]:
    """(score, DIGIT or PAIR) of the better of the piece's readings: one digit, or two touching."""
    one = _one_digit_score(entry, probabilities, pairs)
    two = -np.inf
    if entry.pair is not None and pairs is not None:
        i = entry.pair
        log = np.log(np.maximum(1e-9, [pairs.count[i, TWO_DIGITS], pairs.first[i].max(), pairs.second[i].max()]))
        two = float(log.sum()) - 2 * PIECE_COST
    return (two, PAIR) if two > one else (one, DIGIT)


def _split_doubt(whole: _Piece, pairs: PairOutputs | None) -> float:
    """What cutting a blob into pieces costs: the log of the pair model's P(not one digit) for the whole blob.

    A wide 0 with a tail or an 8 with a lead-in stroke cuts into two digits that each read
    well; the pair model, seeing the blob whole, knows it for one digit.
    """
    if not SPLIT_WEIGHT or whole.pair is None or pairs is None:
        return 0.0
    return SPLIT_WEIGHT * float(np.log(max(1e-9, 1.0 - pairs.count[whole.pair, ONE_DIGIT])))


def _with_second_opinion(
    probabilities: np.ndarray, pairs: PairOutputs | None, plans: list[list[_Plan]]
) -> np.ndarray:
    """The digit classifier's probabilities, mixed with the pair model's for every piece both read.

    Without a pair model (``pairs`` None), the classifier's as they are.
    """
    if pairs is None:
        return probabilities
    both = [
        (entry.crop, entry.pair)
        for line_plans in plans
        for plan in line_plans
        for entry in [*plan.pieces.values(), plan.merged]
        if entry is not None and entry.crop is not None and entry.pair is not None
    ]
    if not both:
        return probabilities
    crop_rows, pair_rows = np.array(both).T
    log_mixed = (1 - SECOND_OPINION) * np.log(probabilities[crop_rows] + 1e-9)
    log_mixed += SECOND_OPINION * np.log(pairs.first[pair_rows] + 1e-9)
    mixed = np.exp(log_mixed - log_mixed.max(axis=1, keepdims=True))
    probabilities = probabilities.copy()
    probabilities[crop_rows] = mixed / mixed.sum(axis=1, keepdims=True)
    return probabilities


def _one_digit_score(entry: _Piece, probabilities: np.ndarray, pairs: PairOutputs | None) -> float:
    """The digit classifier's score for the piece as one digit, and the pair model's word on it.

    The pair model knows whether a piece is one whole digit at all: a 1 glued to a 4 reads as
    a fine "4" to the digit classifier, not to a model that has seen "14"s and bad cuts.
    """
    if entry.crop is None:
        return -np.inf
    score = _score(entry.blob, probabilities[entry.crop])
    if entry.pair is not None and pairs is not None:
        score += ONE_WEIGHT * float(np.log(max(1e-9, pairs.count[entry.pair, ONE_DIGIT])))
    return score


def _score(piece: Blob, probabilities: np.ndarray) -> float:
    """How plausible it is that ``piece`` is one digit: log-confidence, aspect prior, minus a cost per digit."""
    value = int(np.argmax(probabilities))
    aspect = piece.w / max(1, piece.h)
    return float(np.log(probabilities[value] + 1e-9)) + _aspect_prior(aspect, value) - PIECE_COST


def _aspect_prior(aspect: float, value: int) -> float:
    """Log-prior of width/height for a digit read as ``value``, 0 within a deviation of the typical.

    A "4" as wide as two digits is more likely a "4" touching another digit.
    """
    centre, spread = ASPECT_BY_DIGIT[value]
    z = (np.log(max(aspect, 1e-3)) - centre) / spread
    excess = max(0.0, abs(z) - 1.0)
    return -ASPECT_WEIGHT * 0.5 * excess * excess


def _pair_digits(
    entry: _Piece, pairs: PairOutputs, field: np.ndarray, line: int, scale: float, size: tuple[int, int]
) -> list[Digit]:
    """The two digits of a piece read as a pair, each boxed on its side of the piece's thinnest column.

    Each digit's confidence is the pair model's: P(two digits) x P(this digit); its crop
    is the 28x28 window of the pair image the model read on that side.
    """
    from digitsight.segment import Blob

    blob, i = entry.blob, entry.pair
    profile = blob.mask.sum(axis=0)
    low, high = int(0.3 * blob.w), max(int(0.3 * blob.w) + 1, int(np.ceil(0.7 * blob.w)))
    split = low + int(np.argmin(profile[low:high]))
    split = min(max(1, split), blob.w - 1)
    digits = []
    for side, row, window in ((0, pairs.first[i], field[:, :28]), (1, pairs.second[i], field[:, -28:])):
        columns = slice(0, split) if side == 0 else slice(split, blob.w)
        part = blob.mask[:, columns]
        rows = np.flatnonzero(part.any(axis=1))
        top, bottom = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, blob.h)
        x = blob.x + columns.start
        box = Blob(x, blob.y + top, columns.stop - columns.start, bottom - top, part[top:bottom])
        digit = _digit(box, row, np.ascontiguousarray(window), line, scale, size)
        digits.append(replace(digit, confidence=digit.confidence * float(pairs.count[i, TWO_DIGITS])))
    return digits


def _chain_digits(
    entry: _Piece, columns: np.ndarray, field: np.ndarray, line: int, scale: float, size: tuple[int, int]
) -> list[Digit]:
    """The digits of a blob read as a row by the chain model, each boxed where the model placed it.

    The best path gives each digit a run of columns (4 field pixels each); the blob is split
    half-way between neighbouring runs. A digit's confidence and top 3 are the model's in the
    column where it is surest of it; its crop is the 28-pixel window of the field around it.
    """
    from digitsight.chains import BLANK, best_path
    from digitsight.normalize import RowPlacement, chain_placement
    from digitsight.segment import Blob

    blob = entry.blob
    runs = best_path(columns)
    # Field pixels -> blob columns, as ``to_chain_field`` placed the ink.
    placement = chain_placement(blob.mask) or RowPlacement(0.0, 1.0, 0)

    def to_blob(field_x: float) -> int:
        return int(np.clip(round(placement.to_mask(field_x)), 0, blob.w))

    centres = [2.0 * (first + last + 1) for _, first, last in runs]  # 4 pixels per column
    edges = [0] + [to_blob(2.0 * (a[2] + 1 + b[1])) for a, b in zip(runs, runs[1:], strict=False)] + [blob.w]
    probabilities = np.exp(columns)
    digits = []
    for (value, first, last), centre, start, stop in zip(runs, centres, edges[:-1], edges[1:], strict=True):
        peak = first + int(np.argmax(probabilities[first : last + 1, value]))
        row = probabilities[peak, :BLANK] / probabilities[peak, :BLANK].sum()
        row = row * probabilities[peak, value] / row[value]  # the digit's own column probability
        part = blob.piece(start, max(stop, start + 1))
        if part is None:  # no ink between the cuts: box the span, the blob's full height
            part = Blob(blob.x + start, blob.y, max(1, stop - start), blob.h, np.zeros((blob.h, 1), np.uint8))
        window = int(np.clip(round(centre) - 14, 0, field.shape[1] - 28))
        crop = np.ascontiguousarray(field[:, window : window + 28])
        digits.append(_digit(part, row, crop, line, scale, size))
    return digits


def _digit(
    piece: Blob, row: np.ndarray, crop: np.ndarray, line: int, scale: float, size: tuple[int, int]
) -> Digit:
    ranked = np.argsort(row)[::-1][:3]
    x0, y0 = int(np.floor(piece.x / scale)), int(np.floor(piece.y / scale))
    x1 = min(size[0], int(np.ceil((piece.x + piece.w) / scale)))
    y1 = min(size[1], int(np.ceil((piece.y + piece.h) / scale)))
    return Digit(
        value=int(ranked[0]),
        confidence=float(row[ranked[0]]),
        top3=tuple((int(d), float(row[d])) for d in ranked),
        box=(x0, y0, x1 - x0, y1 - y0),
        line=line,
        crop=crop,
    )
