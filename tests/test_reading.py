"""``digitsight.read`` end to end with the shipped model: each hard case as a small image with a known answer."""

from __future__ import annotations

import csv
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from digit_images import encode, ink_layer, on_paper, photo_like
from PIL import Image

import digitsight
from digitsight import reading
from digitsight.decode.candidates import Piece, Plan
from digitsight.decode.scoring import spell
from digitsight.decode.search import best_line_reading
from digitsight.decode.weights import DEFAULT_WEIGHTS, Weights
from digitsight.errors import DigitSightError
from digitsight.imaging import PROCESS_MAX_PIXELS, load_image
from digitsight.nets import CHAIN, DIGIT, PAIR
from digitsight.nets.chains import BLANK, ChainModel
from digitsight.nets.digits import Classifier
from digitsight.nets.pairs import PairModel, PairOutputs
from digitsight.reading import Digit, Reading

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "samples" / "realworld"


@pytest.fixture(scope="module")
def read(shipped_model_path):
    def read(image, **kwargs) -> Reading:
        return digitsight.read(image, model_path=shipped_model_path, **kwargs)

    return read


@pytest.fixture(scope="module")
def read_with(shipped_model_path):
    def read_with(image, weights: Weights) -> Reading:
        """``read``, scored with other weights."""
        loaded = load_image(image, max_pixels=PROCESS_MAX_PIXELS)
        return reading.read_loaded(loaded, *reading.load_models(shipped_model_path), weights=weights)

    return read_with


def test_clean_number_with_boxes_crops_and_confidences(read):
    image = on_paper(ink_layer("31415926"))
    reading = read(image)
    assert reading.number == "31415926"
    assert reading.lines == ["31415926"]
    assert reading.image_size == (image.shape[1], image.shape[0])
    assert reading.warnings == []
    xs = [d.box[0] for d in reading.digits]
    assert xs == sorted(xs)
    for digit in reading.digits:
        x, y, w, h = digit.box
        assert x >= 0 and y >= 0 and x + w <= image.shape[1] and y + h <= image.shape[0]
        assert 0.6 * 48 <= h <= 1.3 * 48
        assert digit.crop.shape == (28, 28) and digit.crop.dtype == np.float32
        assert 0.5 < digit.confidence <= 1
        assert digit.top3[0] == (digit.value, digit.confidence)
        assert [p for _, p in digit.top3] == sorted((p for _, p in digit.top3), reverse=True)
        assert digit.line == 0
    json.dumps(reading.to_dict())  # serializable as it is


def test_photo_with_gradient_shadow_rotation_blur_noise_and_jpeg(read):
    image = photo_like(ink_layer("2704"), seed=1, angle=6)
    assert read(encode(image, "JPEG", quality=60)).number == "2704"


def test_light_ink_on_dark_board(read):
    ink = ink_layer("8526")
    texture = np.clip(np.random.default_rng(3).normal(0.85, 0.2, ink.shape), 0, 1)
    board = np.clip(45 + 190 * ink * texture, 0, 255).astype(np.uint8)
    assert read(board).number == "8526"


def test_very_thin_strokes_on_large_digits(read):
    image = on_paper(ink_layer("4719", height=140, stroke=0.35))
    assert read(image).number == "4719"


def test_very_thick_strokes(read):
    image = on_paper(ink_layer("3068", height=80, stroke=2.8))
    assert read(image).number == "3068"


def test_ruled_notebook_lines_and_margin(read):
    ink = ink_layer("50913", height=50)
    image = on_paper(ink)
    h, w = image.shape
    pitch = 62
    baseline = int(1.0 * 50) + 4 + 50  # the digits sit on this ruled line
    for y in range(baseline % pitch, h, pitch):
        cv2.line(image, (0, y), (w, y), 150, 2)
    cv2.line(image, (18, 0), (18, h), 120, 2)
    assert read(image).number == "50913"


@pytest.mark.parametrize("text", ["72", "5031"])
def test_touching_digits_are_split(read, text):
    image = on_paper(ink_layer(text, touching=True))
    # The digits do touch: a single ink component.
    count, _ = cv2.connectedComponents((image < 128).astype(np.uint8))
    assert count - 1 == 1
    assert read(image).number == text


def test_deeply_interleaved_touching_digits(read):
    # A 1 tucked under the bar of a 7, all four digits touching: no cut separates the 7 and
    # the 1 cleanly, the pair model reads them whole.
    assert read(on_paper(ink_layer("4172", touching=True))).number == "4172"


def test_broken_strokes_and_a_detached_bar_are_merged(read):
    ink = ink_layer("754", height=60)
    # Cut every stroke with two thin horizontal gaps, as a pen that skips.
    ink[ink.shape[0] // 2 - 5 : ink.shape[0] // 2 - 2, :] = 0
    ink[ink.shape[0] // 2 + 12 : ink.shape[0] // 2 + 14, :] = 0
    image = on_paper(ink)
    count, _ = cv2.connectedComponents((image < 128).astype(np.uint8))
    assert count - 1 > 3  # the digits are in pieces
    assert read(image).number == "754"


def test_a_wide_zero_broken_into_halves_is_one_digit(read):
    ink = ink_layer("35", height=60)
    ink = np.pad(ink, ((0, 0), (0, 110)))
    centre = (ink.shape[1] - 75, ink.shape[0] // 2)
    cv2.ellipse(ink, centre, (34, 28), 0, 0, 360, 1.0, 7)  # a "0" wider than the digits are tall
    ink[:, centre[0] - 2 : centre[0] + 2] = 0  # ... broken at top and bottom: two halves, "(" and ")"
    assert read(on_paper(ink)).number == "350"


def test_two_lines(read):
    reading = read(on_paper(ink_layer("12 345")))
    assert reading.number == "12 345"
    assert reading.lines == ["12", "345"]
    assert [d.line for d in reading.digits] == [0, 0, 1, 1, 1]


def test_16_bit_and_rgba_inputs_read_like_8_bit(read):
    image = on_paper(ink_layer("906"))
    assert read(image.astype(np.uint16) * 257).number == "906"
    sixteen = encode(image.astype(np.uint16) * 257)
    assert read(sixteen).number == "906"
    # A canvas drawing: white strokes on a fully transparent sheet.
    ink = ink_layer("906")
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = np.round(ink * 255).astype(np.uint8)
    assert read(rgba).number == "906"


def test_exif_rotated_photo(read):
    image = on_paper(ink_layer("381"))
    stored = np.ascontiguousarray(np.rot90(image, 1))  # the camera stored it sideways...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...and says "rotate 90 degrees clockwise to display"
    assert read(encode(stored, exif=exif)).number == "381"


def test_large_photo_is_downscaled_and_boxes_are_in_original_coordinates(read):
    small = on_paper(ink_layer("6025"))
    large = cv2.resize(small, None, fx=8, fy=8, interpolation=cv2.INTER_CUBIC)
    assert large.size > 3_000_000  # past the processing limit: it is downscaled
    small_reading, large_reading = read(small), read(large)
    assert large_reading.number == small_reading.number == "6025"
    assert large_reading.image_size == (large.shape[1], large.shape[0])
    for a, b in zip(small_reading.digits, large_reading.digits, strict=True):
        for u, v in zip(a.box, b.box, strict=True):
            assert abs(8 * u - v) <= 8 * 3


@pytest.mark.parametrize("enlarge", [1, 4])
def test_a_turned_sheet_on_a_desk_is_read_rectified_and_its_boxes_are_in_the_photo(read, enlarge):
    from drawn_pages import zero

    # A sheet turned 25 degrees on a dark desk, five 0s written along it; enlarged 4 times it is
    # past PROCESS_MAX_PIXELS, so the boxes go back through both the homography and the downscale.
    turn = np.radians(25)
    along, across = np.array([np.cos(turn), np.sin(turn)]), np.array([-np.sin(turn), np.cos(turn)])
    origin = np.array([180.0, 60.0])
    corners = np.array([origin, origin + 360 * along, origin + 360 * along + 200 * across, origin + 200 * across])
    image = np.full((480, 640), 45, np.uint8)
    cv2.fillConvexPoly(image, np.round(corners).astype(np.int32), 215)
    centres = []
    for k in range(5):
        x, y = origin + (40 + 60 * k) * along + 80 * across
        bx, by, w, h = zero(image, int(x), int(y), h=36, value=30)
        centres.append((enlarge * (bx + w / 2), enlarge * (by + h / 2)))
    image = cv2.resize(image, None, fx=enlarge, fy=enlarge, interpolation=cv2.INTER_CUBIC)
    assert (image.size > PROCESS_MAX_PIXELS) == (enlarge > 1)
    result = read(np.dstack([image] * 3))
    assert result.number == "00000"
    for digit, (cx, cy) in zip(result.digits, centres, strict=True):
        x, y, w, h = digit.box
        assert x < cx < x + w and y < cy < y + h, (digit.box, (cx, cy))
        # About the 21 x 36 digit: at most the box round its box on the sheet (turned 25 degrees)
        # turned back, w + h sin 50 by h + w sin 50 (the bound was 40 x 48 by eye, and bicubic
        # resampling of the sheet, 9016487, made one box 41 wide).
        assert w <= enlarge * (21 + 36 * np.sin(2 * turn)) and h <= enlarge * (36 + 21 * np.sin(2 * turn)), digit.box


@pytest.mark.parametrize("tone", [0, 255])
def test_blank_image_gives_an_empty_reading_with_a_warning(read, tone):
    reading = read(np.full((120, 200), tone, np.uint8))
    assert reading.number == "" and reading.lines == [] and reading.digits == []
    assert reading.warnings == ["no digits found in the image"]


def test_bad_input_raises_a_plain_error(read):
    with pytest.raises(DigitSightError, match="not an image file"):
        read(b"hello, this is text")


def test_all_digits_are_classified_in_one_batched_call(read, monkeypatch):
    calls = []
    original = Classifier.read

    def counting(self, crops):
        calls.append(len(crops))
        return original(self, crops)

    pair_calls = []
    original_pairs = PairModel.read

    def counting_pairs(self, fields):
        pair_calls.append(len(fields))
        return original_pairs(self, fields)

    monkeypatch.setattr(Classifier, "read", counting)
    monkeypatch.setattr(PairModel, "read", counting_pairs)
    reading = read(on_paper(ink_layer("41 72", touching=True)))
    assert reading.number == "41 72"
    assert len(calls) == 1
    assert calls[0] >= 4  # every digit, and the candidate pieces of the touching ones
    assert len(pair_calls) == 1  # and the pair model once, for the blobs wide enough to be two digits
    assert pair_calls[0] >= 2


def test_two_touching_digits_give_two_digits_with_boxes_side_by_side(read):
    image = on_paper(ink_layer("24", touching=True, height=60))
    reading = read(image)
    assert reading.number == "24"
    left, right = reading.digits
    assert left.box[0] < right.box[0] and left.box[0] + left.box[2] <= right.box[0] + 1
    for digit in reading.digits:
        assert digit.crop.shape == (28, 28)
        assert 0 < digit.confidence <= 1
        assert digit.top3[0][0] == digit.value


def test_low_confidence_digits_are_warned_about(read, monkeypatch):
    def unsure(self, crops):
        flat = np.full((len(crops), 10), 0.05, np.float32)
        flat[:, 3] = 0.55
        return flat

    def unsure_too(self, fields):  # the pair model, asked too, is just as unsure
        count = np.tile(np.float32([0.0, 1.0, 0.0]), (len(fields), 1))
        return PairOutputs(count, unsure(None, fields), unsure(None, fields))

    monkeypatch.setattr(Classifier, "read", unsure)
    monkeypatch.setattr(Classifier, "calibrated", lambda self, rows: rows)  # the stub's own, not the model's
    monkeypatch.setattr(PairModel, "read", unsure_too)
    reading = read(on_paper(ink_layer("3")))
    assert reading.number == "3"
    assert len(reading.warnings) == 1
    assert "low confidence (55%)" in reading.warnings[0]


def test_a_digit_is_read_by_both_models_their_probabilities_mixed(read, monkeypatch):
    def classifier_says_3(self, crops):
        probabilities = np.full((len(crops), 10), 0.05, np.float32)
        probabilities[:, 3] = 0.55
        return probabilities

    def pair_model_says_8(self, fields):
        first = np.full((len(fields), 10), 0.01, np.float32)
        first[:, 8] = 0.91
        count = np.tile(np.float32([0.0, 1.0, 0.0]), (len(fields), 1))
        return PairOutputs(count, first, first)

    monkeypatch.setattr(Classifier, "read", classifier_says_3)
    monkeypatch.setattr(Classifier, "calibrated", lambda self, rows: rows)  # the stub's own, not the model's
    monkeypatch.setattr(PairModel, "read", pair_model_says_8)
    (digit,) = read(on_paper(ink_layer("3"))).digits
    # The weighted geometric mean, renormalized: the classifier's probabilities to the power
    # 1 - SECOND_OPINION times the pair model's to the power SECOND_OPINION.
    weight = Weights().second_opinion
    classifier = np.array([0.05] * 3 + [0.55] + [0.05] * 6)
    pair_model = np.array([0.01] * 8 + [0.91, 0.01])
    mixed = classifier ** (1 - weight) * pair_model**weight
    mixed /= mixed.sum()
    expected = int(np.argmax(mixed))
    assert digit.value == expected
    assert digit.confidence == pytest.approx(mixed[expected], rel=1e-4)
    assert [value for value, _ in digit.top3[:2]] == list(np.argsort(mixed)[::-1][:2])
    assert {value for value, _ in digit.top3[:2]} == {3, 8}  # each model's choice, ahead of the rest


def test_a_blob_the_pair_model_reads_as_two_digits_gives_two_digits(read_with, monkeypatch):
    def classifier_unsure(self, crops):
        return np.full((len(crops), 10), 0.1, np.float32)

    def pair_model_says_47(self, fields):
        first = np.full((len(fields), 10), 0.1 / 9, np.float32)
        first[:, 4] = 0.9
        second = np.full((len(fields), 10), 0.2 / 9, np.float32)
        second[:, 7] = 0.8
        count = np.tile(np.float32([0.0, 0.0, 1.0]), (len(fields), 1))
        return PairOutputs(count, first, second)

    monkeypatch.setattr(Classifier, "read", classifier_unsure)
    monkeypatch.setattr(PairModel, "read", pair_model_says_47)
    no_chain = replace(Weights(), chain_weight=0.0)  # the chain model, which reads "24", has no say
    image = on_paper(ink_layer("24", touching=True, height=60))
    result = read_with(image, no_chain)
    assert result.number == "47"
    left, right = result.digits
    assert (left.confidence, right.confidence) == (pytest.approx(0.9), pytest.approx(0.8))
    assert left.box[0] < right.box[0]
    assert left.box[0] + left.box[2] == right.box[0]  # the blob's box, split at one column
    assert left.crop.shape == right.crop.shape == (28, 28)


def test_a_blob_only_the_chain_model_reads_gives_its_digits_where_it_saw_them(read, monkeypatch):
    def classifier_unsure(self, crops):
        return np.full((len(crops), 10), 0.1, np.float32)

    def pair_model_unsure(self, fields):
        flat = np.full((len(fields), 10), 0.1, np.float32)
        return PairOutputs(np.full((len(fields), 3), 1 / 3, np.float32), flat, flat)

    def chain_model_says_24(self, rows):
        # Columns 0-31 of the 128-pixel field: a 2 around column 13, a 4 around column 18.
        path = [BLANK] * 32
        path[12:15], path[17:20] = [2, 2, 2], [4, 4, 4]
        columns = np.full((len(rows), 32, BLANK + 1), 0.005, np.float32)
        columns[:, np.arange(32), path] = 0.95
        columns[:, 13] = 0.003
        columns[:, 13, 2] = 0.97
        return np.log(columns)

    monkeypatch.setattr(Classifier, "read", classifier_unsure)
    monkeypatch.setattr(PairModel, "read", pair_model_unsure)
    monkeypatch.setattr(ChainModel, "read", chain_model_says_24)
    image = on_paper(ink_layer("24", touching=True, height=60))
    reading = read(image)
    assert reading.number == "24"
    left, right = reading.digits
    assert left.confidence == pytest.approx(0.97, abs=1e-5)  # where the model was surest of the 2
    assert right.confidence == pytest.approx(0.95, abs=1e-5)
    assert left.top3[0] == (2, pytest.approx(0.97, abs=1e-5)) and right.top3[0][0] == 4
    # The blob is split half-way between the runs (columns 15-16: field pixels 64); each box holds ink.
    assert left.box[0] < right.box[0] < left.box[0] + left.box[2] + 2
    assert left.box[2] > 0 and right.box[2] > 0 and left.crop.shape == right.crop.shape == (28, 28)


def test_a_blob_the_pair_model_knows_for_one_digit_is_not_cut_into_two(monkeypatch):
    from digitsight.segment import Blob

    def blob(x: int, w: int) -> Blob:
        return Blob(x, 0, w, 30, np.ones((30, w), np.uint8))

    # A 20-pixel-wide blob: whole, the classifier reads a 0 at 60%; cut in two, each half a
    # 1 at 95%. The pair model, seeing it whole, is 99% sure it is one digit.
    whole, left, right = (Piece(blob(x, w), k, k) for k, (x, w) in enumerate([(0, 20), (0, 10), (10, 10)]))
    plan = Plan(blob(0, 20), [0, 10, 20], {(0, 2): whole, (0, 1): left, (1, 2): right})
    probabilities = np.full((3, 10), 0.05 / 9, np.float32)
    probabilities[0] = 0.4 / 9
    probabilities[0, 0], probabilities[1, 1], probabilities[2, 1] = 0.6, 0.95, 0.95
    count = np.float32([[0.005, 0.99, 0.005], [0.05, 0.9, 0.05], [0.05, 0.9, 0.05]])
    pairs = PairOutputs(count, np.full((3, 10), 0.1, np.float32), np.full((3, 10), 0.1, np.float32))

    chosen = best_line_reading([plan], probabilities, pairs, None, Weights())
    assert [(entry.crop, how) for entry, how in chosen] == [(0, DIGIT)]  # read whole: one digit
    no_doubt = replace(Weights(), split_weight=0.0)  # without the pair model's word, the cut wins
    chosen = best_line_reading([plan], probabilities, pairs, None, no_doubt)
    assert [(entry.crop, how) for entry, how in chosen] == [(1, DIGIT), (2, DIGIT)]


def test_a_blob_alone_in_its_space_is_read_as_one_digit_even_where_the_pair_model_sees_two():
    from digitsight.segment import Blob

    # A 20-pixel-wide blob the classifier reads as a 1 (60%); the pair model is sure it is two
    # touching 1s. Among digits written far apart (Plan.alone), it is one digit.
    blob = Blob(0, 0, 20, 30, np.ones((30, 20), np.uint8))
    whole = Piece(blob, 0, 0)
    probabilities = np.full((1, 10), 0.4 / 9, np.float32)
    probabilities[0, 1] = 0.6
    first = np.full((1, 10), 0.01, np.float32)
    first[0, 1] = 0.91
    pairs = PairOutputs(np.float32([[0.01, 0.01, 0.98]]), first, first.copy())

    def read_as(alone: bool) -> list[tuple[int, str]]:
        plan = Plan(blob, [0, 20], {(0, 1): whole}, alone=alone)
        return [(entry.crop, how) for entry, how in best_line_reading([plan], probabilities, pairs, None, Weights())]

    assert read_as(False) == [(0, PAIR)]
    assert read_as(True) == [(0, DIGIT)]


def test_the_chain_model_picks_among_a_wide_blobs_readings():
    from digitsight.segment import Blob

    def blob(x: int, w: int) -> Blob:
        return Blob(x, 0, w, 30, np.ones((30, w), np.uint8))

    # A 30-pixel-wide blob, cut at 10 and 20. Piece by piece, "4" (whole) beats "117" (cut in
    # three): each cut costs, a 7 a third as wide as tall is unlikely, and the classifier is no surer.
    spans = {(0, 3): (0, 30), (0, 1): (0, 10), (1, 2): (10, 10), (2, 3): (20, 10), (0, 2): (0, 20), (1, 3): (10, 20)}
    pieces = {key: Piece(blob(x, w), k, None) for k, (key, (x, w)) in enumerate(spans.items())}
    pieces[(0, 3)] = replace(pieces[(0, 3)], chain=0)
    plan = Plan(blob(0, 30), [0, 10, 20, 30], pieces)
    probabilities = np.full((6, 10), 0.1 / 9, np.float32)
    for row, digit in enumerate([4, 1, 1, 7, 1, 7]):
        probabilities[row, digit] = 0.9
    probabilities[5] = probabilities[4] = 0.05  # the two-piece spans read poorly
    # The chain model, seeing the whole blob, spells "117".
    path = [BLANK, 1, BLANK, 1, BLANK, 7, 7, BLANK]
    chains = np.log(np.full((1, len(path), BLANK + 1), 0.02 / BLANK))
    chains[0, np.arange(len(path)), path] = np.log(0.98)

    def text(chains_or_none, weights: Weights = DEFAULT_WEIGHTS) -> str:
        chosen = best_line_reading([plan], probabilities, None, chains_or_none, weights)
        return spell(chosen, probabilities, None, chains_or_none)

    assert text(None) == "4"  # piece by piece alone
    assert text(chains) == "117"
    assert text(chains, replace(Weights(), chain_weight=0.0)) == "4"


def test_concurrent_readings_match_sequential_ones(read):
    images = [on_paper(ink_layer(text)) for text in ("1", "23", "456", "7890", "12 34", "555", "8", "60")]
    images[3] = photo_like(ink_layer("7890"), seed=4)
    sequential = [read(image) for image in images]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(read, images))
    for one, other in zip(sequential, concurrent, strict=True):
        assert one.number == other.number
        assert [d.box for d in one.digits] == [d.box for d in other.digits]
        assert [d.confidence for d in one.digits] == pytest.approx([d.confidence for d in other.digits], abs=1e-5)
    assert [r.number for r in sequential] == ["1", "23", "456", "7890", "12 34", "555", "8", "60"]


def test_to_dict_is_the_json_contract_with_file_and_ms_where_given():
    digit = Digit(7, 0.91234, ((7, 0.91234), (1, 0.05), (9, 0.01)), (1, 2, 3, 4), 0, np.zeros((28, 28), np.float32))
    reading = Reading("7", ["7"], [digit], ["a note"], (10, 10), confidence=0.91234, sure=True)
    digits = [{"value": 7, "confidence": 0.9123, "unsure": digit.unsure, "box": [1, 2, 3, 4]}]
    expected = {"number": "7", "confidence": 0.9123, "sure": True, "lines": ["7"], "digits": digits}
    assert reading.to_dict() == expected | {"warnings": ["a note"]}
    record = reading.to_dict("photo.jpg", 12.345)
    assert list(record) == ["file", "number", "confidence", "sure", "lines", "digits", "ms", "warnings"]  # the CLI's
    assert record["file"] == "photo.jpg" and record["ms"] == 12.3


def _real_world_labels() -> dict[str, str]:
    labels = REALWORLD / "labels.csv"
    if not labels.is_file():
        pytest.skip(f"the real-world samples are absent ({REALWORLD}); they live beside the repository, not in it")
    with labels.open(newline="") as handle:
        return {row["file"]: row["label"] for row in csv.DictReader(handle)}


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "013.png",  # a tiny canvas drawing, 89x28
        "028.png",  # chalk-like light strokes on black
        "052.png",  # a phone photo of eight digits on grey paper
        "055.png",  # two numbers on one line, far apart
    ],
)
def test_real_world_images(read, name):
    labels = _real_world_labels()
    assert read(REALWORLD / name).number == labels[name]


def test_load_models_loads_each_model_once_and_leaves_out_what_it_is_told(shipped_model_path, tmp_path):
    models = reading.load_models(shipped_model_path)
    assert all(model is not None for model in models)
    assert all(again is first for again, first in zip(reading.load_models(shipped_model_path), models, strict=True))
    without = reading.load_models(shipped_model_path, pairs=False, chains=False)
    assert without.classifier is models.classifier and without.pair_model is None and without.chain_model is None
    with pytest.raises(DigitSightError, match="not found"):
        reading.load_models(shipped_model_path, chain_model_path=tmp_path / "missing.keras")


def test_choose_spells_the_number_read_loaded_reports(shipped_model_path, monkeypatch):
    # ``choose(candidates(...)).number`` is what the tuning and diagnosis scripts score; it must
    # be the number ``read`` reports, however each piece was read (one digit, a pair, a row).
    def chain_model_says_29(self, rows):
        path = [BLANK] * 32
        path[10:13], path[18:21] = [2, 2, 2], [9, 9, 9]
        columns = np.full((len(rows), 32, BLANK + 1), 0.005, np.float32)
        columns[:, np.arange(32), path] = 0.95
        return np.log(columns)

    models = reading.load_models(shipped_model_path)
    images = [
        on_paper(ink_layer("4172", touching=True)),
        on_paper(ink_layer("5031", touching=True)),
        photo_like(ink_layer("2704"), seed=1, angle=6),
        on_paper(ink_layer("12 907")),
    ]
    kinds = set()
    weights = Weights()
    for chain_says_29 in (False, True):
        if chain_says_29:  # a reading no cut spells: the chain model's own reading wins each wide blob
            monkeypatch.setattr(ChainModel, "read", chain_model_says_29)
            weights = replace(weights, chain_only_cost=-10.0)
        for image in images:
            loaded = load_image(image)
            choice = reading.choose(reading.candidates(loaded, *models), weights)
            assert choice.number == reading.read_loaded(loaded, *models, weights=weights).number
            kinds |= {how for line in choice.lines for _, how in line}
    assert kinds == {DIGIT, PAIR, CHAIN}
