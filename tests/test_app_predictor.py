"""The predictor page (read one number) with the real models: reading, correcting, history and speech.

Its in-page components (copying, the canvas) are checked here by the data they are mounted with,
and in a real browser in ``tests/test_e2e_browser.py``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.app_pages import (
    CLI_KEYS,
    EXAMPLES,
    EXAMPLES_DIR,
    assert_clean,
    component,
    digit_cards,
    example_bytes,
    open_page,
    png_bytes,
    shown_numbers,
    upload,
)

# --------------------------------------------------------------------------- predictor: reading


def test_predictor_reads_an_uploaded_image_with_two_lines_as_two_numbers(model: Path, downloads: Any) -> None:
    index, example = next((i, item) for i, item in enumerate(EXAMPLES) if " " in item["number"])
    at = upload(open_page("predictor"), example["file"], example_bytes(index))
    assert_clean(at)
    assert shown_numbers(at) == example["number"].split(" ")
    # The result comes with the annotated image, a card per digit and a copy button.
    assert any("what DigitSight found" in caption for image in at.image for caption in image.captions)
    assert digit_cards(at) == len(example["number"].replace(" ", ""))
    assert component(at, "copy-number")["text"] == example["number"]
    # The download is the CLI's record: the same keys in the same order, file and ms included.
    record = json.loads(downloads(at, "download-json"))
    assert list(record) == CLI_KEYS
    assert record["file"] == example["file"] and record["number"] == example["number"] and record["ms"] > 0
    assert len(record["digits"]) == len(example["number"].replace(" ", ""))


@pytest.mark.parametrize(
    ("file_format", "suffix"), [("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tiff"), ("JPEG", "jpg"), ("GIF", "gif")]
)
def test_predictor_reads_every_format_the_reader_reads(model: Path, file_format: str, suffix: str) -> None:
    example = EXAMPLES[1]
    picture = Image.open(EXAMPLES_DIR / example["file"]).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format=file_format)
    at = open_page("predictor")
    assert at.file_uploader(key="upload").allowed_type == []  # any file reaches the page, which judges it
    at = upload(at, f"number.{suffix}", buffer.getvalue())
    assert_clean(at)
    assert " ".join(shown_numbers(at)) == example["number"]


def test_predictor_reads_a_camera_photo(model: Path) -> None:
    photo = Image.open(EXAMPLES_DIR / EXAMPLES[0]["file"]).convert("RGB")
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=92)
    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Take a photo").run()
    at.camera_input(key="camera").set_value(("photo.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert_clean(at)
    assert " ".join(shown_numbers(at)) == EXAMPLES[0]["number"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.png", b"\x89PNG\r\n\x1a\n this is not really a PNG"),
        ("empty.jpg", b""),
        ("notes.txt", b"hello, I am a text file"),
        ("cut.png", (EXAMPLES_DIR / EXAMPLES[0]["file"]).read_bytes()[:3000]),  # truncated
    ],
)
def test_a_refused_file_is_named_with_the_reason_and_the_previous_result_goes(
    model: Path, name: str, data: bytes
) -> None:
    at = upload(open_page("predictor"), EXAMPLES[0]["file"], example_bytes(0))
    assert shown_numbers(at) == [EXAMPLES[0]["number"]]
    at = upload(at, name, data)
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith(name) and "cannot be read" in message
    assert "Traceback" not in message and "Something went wrong on our side" not in message
    assert not shown_numbers(at) and not digit_cards(at)  # the old result is gone


def test_too_large_and_not_an_image_messages_say_why_in_plain_words() -> None:
    from pages.ui.files import not_an_image, too_large

    assert too_large("scan.tiff", 31 * 1024 * 1024) == (
        "scan.tiff was not uploaded: it is 31.0 MB, and the largest file DigitSight takes is 20 MB. "
        "Crop the photo to the number, or save it at a smaller size, and try again."
    )
    assert not_an_image("notes.txt") == (
        "notes.txt is not an image DigitSight can read: it reads PNG, JPEG, WebP, BMP, TIFF or GIF files."
    )
    assert not_an_image("a.png", "The file is empty (0 bytes).") == (
        "a.png cannot be read: the file is empty (0 bytes). DigitSight reads PNG, JPEG, WebP, BMP, TIFF or GIF files."
    )


def test_a_blank_image_gets_one_message(model: Path) -> None:
    blank = np.full((200, 300), 255, dtype=np.uint8)
    at = upload(open_page("predictor"), "blank.png", png_bytes(blank))
    assert_clean(at)
    assert not shown_numbers(at)
    messages = [box.value for box in [*at.info, *at.warning]]
    assert len(messages) == 1 and "No digits found" in messages[0], messages


def test_small_digits_in_a_large_photo_are_shown_enlarged_with_the_whole_image_one_click_away(model: Path) -> None:
    example = Image.open(EXAMPLES_DIR / EXAMPLES[0]["file"]).convert("RGB")
    page = Image.new("RGB", (example.width * 5, example.height * 6), "white")
    page.paste(example, (example.width, example.height * 2))
    at = upload(open_page("predictor"), "page.png", png_bytes(np.asarray(page)))
    assert_clean(at)
    assert " ".join(shown_numbers(at)) == EXAMPLES[0]["number"]
    close_up = next(image for image in at.image if "the digits, enlarged" in image.captions[0])
    assert at.segmented_control(key="picture-view").value == "Digits up close"
    assert close_up  # shown first
    at.segmented_control(key="picture-view").set_value("Whole image").run()
    assert any("what DigitSight found" in caption for image in at.image for caption in image.captions)


def test_an_image_filled_with_digits_is_shown_whole() -> None:
    from pages.ui.results import digits_region

    assert digits_region([(10, 10, 80, 80)], (100, 100)) is None
    assert digits_region([(900, 700, 30, 40)], (2000, 1500)) == (876, 676, 954, 764)


def test_the_empty_canvas_gives_a_hint_and_a_drawing_gets_white_paper_around_it() -> None:
    from pages.ui.canvas import CANVAS_MARGIN, canvas_pixels

    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Draw").run()
    assert_clean(at)
    assert any("canvas is empty" in info.value for info in at.info)
    rgba = np.zeros((50, 80, 4), dtype=np.uint8)
    rgba[:, 10:14, 3] = 255  # a black stroke from the top edge to the bottom edge
    pixels = canvas_pixels(rgba)
    assert pixels.shape == (50 + 2 * CANVAS_MARGIN, 80 + 2 * CANVAS_MARGIN, 3)
    assert (pixels[:CANVAS_MARGIN] == 255).all()  # the stroke no longer touches the image's edge
    assert canvas_pixels(np.zeros((50, 80, 4), dtype=np.uint8)) is None


def test_canvas_width_follows_its_column_but_not_a_scroll_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    from pages.ui.canvas import CANVAS_FIRST_WIDTH, CANVAS_MAX_WIDTH, canvas_width

    monkeypatch.setattr(st, "session_state", {})
    assert canvas_width(None) == CANVAS_FIRST_WIDTH  # before the browser says
    assert canvas_width(358) == 358  # a phone
    assert canvas_width(350) == 358  # a scroll bar appears: the same canvas
    assert canvas_width(1200) == CANVAS_MAX_WIDTH  # turned sideways on a tablet


# --------------------------------------------------------------------------- predictor: correcting


def test_correcting_the_number_changes_what_is_shown_spoken_and_downloaded(
    model: Path, downloads: Any, no_speech_engine: None
) -> None:
    example = EXAMPLES[0]
    at = upload(open_page("predictor"), example["file"], example_bytes(0))
    number = example["number"]
    wrong = ("1" if number[0] != "1" else "2") + number[1:]
    text_key = next(widget.key for widget in at.text_input if widget.key.startswith("fix-number-"))
    at.text_input(key=text_key).set_value(wrong).run()
    assert_clean(at)
    assert shown_numbers(at) == [wrong]
    assert any('class="ds-fixed"' in md.value for md in at.markdown)  # the changed digit is marked
    assert component(at, "copy-number")["text"] == wrong
    assert any(f"DigitSight read {number}" in caption.value for caption in at.caption)
    record = json.loads(downloads(at, "download-json"))
    assert record["number"] == wrong and record["read_as"] == number
    assert record["digits"][0]["value"] == int(wrong[0]) and record["digits"][0]["corrected"] is True
    assert "corrected" not in record["digits"][1]
    # Spoken: the browser's voice (no engine here) says the corrected number.
    from digitsight.speech import spoken_text

    assert json.dumps(spoken_text(wrong))[1:-1] in at.get("iframe")[0].proto.srcdoc

    at.button(key="fix-undo").click().run()
    assert shown_numbers(at) == [number]


def test_fixing_one_digit(model: Path) -> None:
    example = EXAMPLES[0]
    at = upload(open_page("predictor"), example["file"], example_bytes(0))
    key = next(widget.key for widget in at.selectbox if widget.key.startswith("fix-position-"))
    at.selectbox(key=key).set_value(2)
    at.selectbox(key=key.replace("position", "value")).set_value(7)
    at.button(key="fix-digit").click().run()
    assert_clean(at)
    expected = example["number"][:2] + "7" + example["number"][3:]
    assert shown_numbers(at) == [expected]


def test_a_typed_number_that_is_not_one_is_refused(model: Path) -> None:
    at = upload(open_page("predictor"), EXAMPLES[0]["file"], example_bytes(0))
    text_key = next(widget.key for widget in at.text_input if widget.key.startswith("fix-number-"))
    at.text_input(key=text_key).set_value("12a4").run()
    assert len(at.error) == 1 and "not a number" in at.error[0].value
    assert shown_numbers(at) == [EXAMPLES[0]["number"]]


def test_corrections_are_saved_as_labelled_examples(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digitsight.labelled import load_labels
    from pages.ui.corrections import CORRECTIONS_ENV

    monkeypatch.setenv(CORRECTIONS_ENV, str(tmp_path))
    at = upload(open_page("predictor"), EXAMPLES[0]["file"], example_bytes(0))
    text_key = next(widget.key for widget in at.text_input if widget.key.startswith("fix-number-"))
    at.text_input(key=text_key).set_value("0123").run()
    at.button(key="save-example").click().run()
    assert_clean(at)
    assert any("labelled 0123" in box.value for box in at.success)
    saved = load_labels(tmp_path)  # the samples' loader reads the folder as it reads theirs
    assert [(item.label, item.kind, item.polarity) for item in saved] == [("0123", "photo", "dark_on_light")]
    assert saved[0].path.is_file()
    with (tmp_path / "labels.csv").open() as handle:
        assert next(csv.reader(handle))[:4] == ["file", "label", "kind", "polarity"]

    # The same image corrected again: its row is replaced, not repeated.
    at.text_input(key=text_key).set_value("0124").run()
    at.button(key="save-example").click().run()
    assert [item.label for item in load_labels(tmp_path)] == ["0124"]
    # The folder downloads as a zip of labels.csv and the images (made when the button is pressed).
    from pages.ui.corrections import folder_zip

    assert at.download_button(key="download-examples").proto.label == "Download the 1 saved example (.zip)"
    archive = zipfile.ZipFile(io.BytesIO(folder_zip(tmp_path)))
    assert sorted(archive.namelist()) == sorted(["labels.csv", saved[0].path.name])


# --------------------------------------------------------------------------- predictor: history, speech


def test_this_sessions_readings_are_listed_and_reopen(model: Path) -> None:
    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Try an example").run()
    first, second = EXAMPLES[0], EXAMPLES[1]
    at.button(key=f"example-{second['file']}").click().run()
    assert " ".join(shown_numbers(at)) == second["number"]
    assert any(sub.value == "Earlier in this session" for sub in at.subheader)
    reopen = next(button for button in at.button if button.key.startswith("reopen-"))
    reopen.click().run()
    assert_clean(at)
    assert " ".join(shown_numbers(at)) == first["number"]
    assert any("from this session's history" in md.value for md in at.markdown)
    at.button(key="close-history").click().run()
    assert " ".join(shown_numbers(at)) == second["number"]


def test_the_chosen_voice_and_speed_are_used(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digitsight.speech
    from digitsight.speech import ENGINE_ENV
    from pages.ui.speech import VOICES

    monkeypatch.delenv(ENGINE_ENV, raising=False)
    if not digitsight.speech.speech_available()[0]:
        pytest.skip("no speech engine here")
    asked = []

    def fake_synthesize(text: str, *, voice: str | None = None, rate: int | None = None, **_: Any) -> bytes:
        asked.append((text, voice, rate))
        buffer = io.BytesIO()
        import wave

        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(22050), wav.writeframes(b"\0\0" * 100)
        return buffer.getvalue()

    monkeypatch.setattr(digitsight.speech, "synthesize", fake_synthesize)
    at = upload(open_page("predictor"), EXAMPLES[0]["file"], example_bytes(0))
    at.selectbox(key="voice").set_value("British English, female")
    at.slider(key="rate").set_value(120).run()
    at.button(key="read-aloud").click().run()
    assert_clean(at)
    assert len(at.get("audio")) == 1
    assert asked[-1][1:] == (VOICES["British English, female"][0], 120)


def test_the_browser_voice_gets_the_chosen_speed(model: Path, no_speech_engine: None) -> None:
    at = upload(open_page("predictor"), EXAMPLES[0]["file"], example_bytes(0))
    at.slider(key="rate").set_value(100).run()
    assert_clean(at)
    assert not at.get("audio")
    with pytest.raises(KeyError):
        at.button(key="read-aloud")  # the browser's own button replaces ours
    srcdoc = at.get("iframe")[0].proto.srcdoc
    assert "speechSynthesis" in srcdoc and "utterance.rate = 0.5;" in srcdoc  # 100 of 200 words per minute
    assert any("Your browser reads it aloud" in caption.value for caption in at.caption)


def test_every_offered_voice_is_one_the_engine_takes() -> None:
    from digitsight.speech import speech_available, synthesize
    from pages.ui.speech import VOICES

    if not speech_available()[0]:
        pytest.skip("no speech engine here")
    for name, (voice, _language) in VOICES.items():
        assert synthesize("one", voice=voice, rate=150)[:4] == b"RIFF", name
