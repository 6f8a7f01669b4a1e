"""The sentence that flags a doubtful reading (``digitsight.doubt``), and the speech saying it."""

from __future__ import annotations

import numpy as np

from digitsight.doubt import doubt_sentence, ordinal
from digitsight.result import SURE_CONFIDENCE, Digit, make_reading
from digitsight.speech import spoken_text

SURE, UNSURE = 0.9999, SURE_CONFIDENCE / 2


def _reading(*lines: list[float]):
    """A reading of digits 1, 2, 3... with these confidences, line by line."""
    digits, value = [], 0
    for number, confidences in enumerate(lines):
        line = []
        for confidence in confidences:
            value = (value + 1) % 10
            top3 = ((value, confidence), ((value + 1) % 10, 0.0), ((value + 2) % 10, 0.0))
            line.append(Digit(value, confidence, top3, (0, 0, 1, 1), number, np.zeros((28, 28), np.float32)))
        digits.append(line)
    return make_reading(digits, [], (9, 9))


def test_ordinals():
    assert [ordinal(n) for n in (1, 3, 12, 20, 21, 22, 23, 24, 111, 112)] == [
        "first", "third", "twelfth", "twentieth", "21st", "22nd", "23rd", "24th", "111th", "112th",
    ]  # fmt: skip


def test_a_sure_reading_or_no_reading_needs_no_sentence():
    assert doubt_sentence(_reading([SURE, SURE])) == ""
    assert doubt_sentence(_reading()) == ""


def test_the_unsure_digits_are_named():
    assert doubt_sentence(_reading([SURE, SURE, UNSURE])) == "I am not sure about the third digit."
    assert doubt_sentence(_reading([UNSURE, SURE, SURE, UNSURE])) == "I am not sure about the first and fourth digits."
    assert doubt_sentence(_reading([UNSURE, UNSURE, SURE, UNSURE])) == (
        "I am not sure about the first, second and fourth digits."
    )
    assert doubt_sentence(_reading([UNSURE] * 4 + [SURE] * 8)) == "I am not sure about 4 of the 12 digits."


def test_on_several_lines_the_line_is_named():
    assert doubt_sentence(_reading([SURE, SURE], [SURE, UNSURE])) == "I am not sure about the second digit of line 2."


def test_many_fairly_sure_digits_make_an_unsure_reading():
    fairly = SURE_CONFIDENCE ** (1 / 3)  # each digit alone sure, three together not
    reading = _reading([fairly, fairly, fairly, fairly])
    assert not reading.sure and not any(d.unsure for d in reading.digits)
    assert doubt_sentence(reading) == "I am not sure about this reading."


def test_the_speech_says_the_doubt_after_the_number():
    assert spoken_text(_reading([SURE, UNSURE])) == "The number is 12. I am not sure about the second digit."
    assert spoken_text(_reading([SURE, SURE])) == "The number is 12."
    assert spoken_text("12") == "The number is 12."


def test_the_dashboard_shows_the_confidence_and_says_the_doubt(shipped_model_path, monkeypatch):
    from digit_images import encode, ink_layer, on_paper

    from digitsight.nets.digits import Classifier
    from digitsight.nets.pairs import PairModel, PairOutputs
    from digitsight.speech import ENGINE_ENV
    from tests.app_pages import open_page, shown_numbers, upload

    monkeypatch.setenv(ENGINE_ENV, "none")  # the browser's voice: its text is in the page
    image = encode(on_paper(ink_layer("38")))
    at = upload(open_page("predictor"), "sure.png", image)
    assert shown_numbers(at) == ["38"]
    assert any("Confidence" in caption.value and "sure" in caption.value for caption in at.caption)

    def unsure(self, crops):  # a 3, but the runners-up have a real chance
        rows = np.full((len(crops), 10), 0.05, np.float32)
        rows[:, 3] = 0.55
        return rows

    def just_as_unsure(self, fields):
        count = np.tile(np.float32([0.0, 1.0, 0.0]), (len(fields), 1))
        return PairOutputs(count, unsure(None, fields), unsure(None, fields))

    monkeypatch.setattr(Classifier, "read", unsure)
    monkeypatch.setattr(Classifier, "calibrated", lambda self, rows: rows)  # the stub's own, not the model's
    monkeypatch.setattr(PairModel, "read", just_as_unsure)
    at = upload(open_page("predictor"), "doubtful.png", encode(on_paper(ink_layer("3"))))
    assert shown_numbers(at) == ["3"]
    warnings = " ".join(warning.value for warning in at.warning)
    assert "I am not sure about the first digit. Confidence" in warnings and "please check it" in warnings
    assert any("ds-unsure" in md.value for md in at.markdown)  # the unsure digit is marked
    assert "I am not sure about the first digit." in at.get("iframe")[0].proto.srcdoc  # and said


def test_the_batch_table_flags_the_readers_own_unsure_digits_and_doubtful_readings():
    from pages.ui.batchread import flags

    # A digit at 0.7 is under SURE_CONFIDENCE (unsure) though over the old 60% line.
    record = _reading([SURE, 0.7, SURE]).to_dict("x.png")
    assert flags(record) == "unsure digit 2"
    assert flags(_reading([SURE, SURE]).to_dict("x.png")) == ""
    # Every digit fairly sure, the reading as a whole not: the row is still flagged.
    fairly = SURE_CONFIDENCE + (1 - SURE_CONFIDENCE) / 2
    doubtful = _reading([fairly] * 8).to_dict("x.png")
    assert not doubtful["sure"] and flags(doubtful) == "reading not sure"
