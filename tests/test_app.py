"""The dashboard's pages, run in-process with ``streamlit.testing.v1.AppTest`` and the real models.

Each test starts at ``app.py`` (so ``st.navigation`` and the shared setup run as in
production) and switches to the page under test. The first run that reads an image waits
for the models (seconds on a busy 2-core machine), hence the generous timeout; later runs
reuse the process-wide models. What only a browser does (the in-page components: copying,
picking a heatmap cell, refusing an over-size file, the canvas) is in
``tests/test_e2e_browser.py``; here those components' data are checked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import streamlit.testing.v1.app_test as app_test_module
from PIL import Image
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from digitsight.evaluation import load_report, report_from_predictions, write_report
from tests.archives import zip_of

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = REPO_ROOT / "app.py"
EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
EXAMPLES = json.loads((EXAMPLES_DIR / "examples.json").read_text())
TIMEOUT = 180  # seconds per run: generous for the models' first load on a busy machine
CLI_KEYS = ["file", "number", "confidence", "sure", "lines", "digits", "ms", "warnings"]  # read --json


def open_page(name: str) -> AppTest:
    """An AppTest at ``pages/<name>.py`` (``home`` is the default page)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if name != "home":
        at.switch_page(f"pages/{name}.py").run()
    return at


def example_bytes(index: int) -> bytes:
    return (EXAMPLES_DIR / EXAMPLES[index]["file"]).read_bytes()


def upload(at: AppTest, name: str, data: bytes, key: str = "upload") -> AppTest:
    return at.file_uploader(key=key).set_value((name, data, "application/octet-stream")).run()


def shown_numbers(at: AppTest) -> list[str]:
    """The numbers the predictor shows large (one per line of digits), as plain text."""
    return [re.sub(r"<[^>]+>", "", md.value) for md in at.markdown if 'class="ds-number"' in md.value]


def digit_cards(at: AppTest) -> int:
    """How many digits the per-digit strip shows."""
    return sum(md.value.count('<figure class="ds-digit') for md in at.markdown if "ds-strip" in md.value)


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def assert_clean(at: AppTest) -> None:
    """No uncaught exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def component(at: AppTest, key: str) -> dict[str, Any]:
    """The data a pages.ui.browser component was mounted with."""
    found = [e for e in at.get("bidi_component") if e.key == key] if at.get("bidi_component") else []
    if not found:
        found = [e for e in _walk(at.main) if e.key == key and e.type == "bidi_component"]
    assert found, f"no component {key!r} on the page"
    return json.loads(found[0].proto.json)


def _walk(node: Any) -> list[Any]:
    elements = []
    for child in getattr(node, "children", {}).values():
        elements.append(child)
        elements += _walk(child)
    return elements


@pytest.fixture
def model(shipped_model_path: Path) -> Path:
    """Skips where the shipped model is absent (the conftest fixture says so)."""
    return shipped_model_path


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Callable[[AppTest, str], bytes]:
    """``downloads(at, key)``: the bytes a download button on the page would give.

    AppTest keeps each run's media (download data included) in a MemoryMediaFileStorage it
    makes for the run and throws away; this keeps them.
    """
    stores: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Kept)

    def data(at: AppTest, key: str) -> bytes:
        file_id = at.download_button(key=key).proto.url.rsplit("/", 1)[-1].split(".")[0]
        return stores[-1].get_file(file_id).content

    return data


@pytest.fixture
def no_speech_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from digitsight.speech import ENGINE_ENV

    monkeypatch.setenv(ENGINE_ENV, "none")  # digitsight.speech's documented switch


# --------------------------------------------------------------------------- the app


def test_models_load_in_the_background_from_the_first_page_view(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The home page (which reads nothing) starts the load; the first reading finds the models ready."""
    import digitsight.nets.base
    from pages.common import model_path
    from pages.ui import models

    monkeypatch.setattr(digitsight.nets.base, "_loaded", {})  # as a fresh server process
    models._loading.clear()
    at = open_page("home")
    assert_clean(at)
    future = models._loading(str(model_path()))
    loaded = future.result(timeout=TIMEOUT)  # loaded with no reading asked for
    assert loaded.classifier is not None and loaded.pair_model is not None and loaded.chain_model is not None


def test_model_files_are_loaded_once_across_readings(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digitsight.nets.base
    from pages.ui import models

    loads: list[type] = []
    real_init = digitsight.nets.base.Net.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        loads.append(type(self))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(digitsight.nets.base, "_loaded", {})  # as a fresh server process
    monkeypatch.setattr(digitsight.nets.base.Net, "__init__", counting_init)
    models._loading.clear()
    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Try an example").run()
    for example in EXAMPLES[1:]:  # each click reruns the page and reads another image
        at.button(key=f"example-{example['file']}").click().run()
        assert " ".join(shown_numbers(at)) == example["number"]
    assert_clean(at)
    models.models()  # the background load has finished
    # Each model once: the digit classifier, its "not a digit" rejector, the pair model and the chain model.
    from digitsight.nets.chains import ChainModel
    from digitsight.nets.digits import Classifier, NotDigitNet
    from digitsight.nets.pairs import PairModel

    assert sorted(loads, key=str) == sorted([Classifier, NotDigitNet, PairModel, ChainModel], key=str), loads


def test_home_headline_figures_come_from_the_report(model: Path) -> None:
    report = load_report()
    at = open_page("home")
    assert_clean(at)
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Accuracy on the MNIST test set"] == f"{report['accuracy'] * 100:.2f}%"
    assert metrics["Test digits"] == f"{report['images']:,}"
    assert metrics["Test digits it got wrong"] == f"{len(report['misclassified']):,}"


def test_home_example_opens_in_the_predictor_and_is_read(model: Path) -> None:
    example = EXAMPLES[0]
    at = open_page("home")
    at.button(key=f"try-{example['file']}").click().run()
    assert_clean(at)
    assert [title.value for title in at.title] == ["Read a number"]
    assert " ".join(shown_numbers(at)) == example["number"]


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


# --------------------------------------------------------------------------- read many


def test_batch_reads_images_and_a_zip_into_a_table_with_downloads(model: Path, downloads: Any) -> None:
    loose = [(EXAMPLES[i]["file"], example_bytes(i), "image/png") for i in (0, 1)]
    packed = zip_of({f"scans/{EXAMPLES[i]['file']}": example_bytes(i) for i in (2, 3)} | {"__MACOSX/._x.png": b"x"})
    at = open_page("batch")
    files = [*loose, ("more.zip", packed, "application/zip"), ("notes.txt", b"hello", "text/plain")]
    at.file_uploader(key="batch-upload").set_value(files).run()
    assert not at.exception
    assert [box.value for box in at.error] == [
        "- notes.txt is not an image DigitSight can read: it reads PNG, JPEG, WebP, BMP, TIFF or GIF files."
    ]
    assert at.get("progress")[0].proto.text == "Read 4 of 4 images"
    table = at.dataframe[0].value
    assert list(table.columns) == ["image", "file", "number", "confidence", "digits", "flags", "ms"]
    expected_files = [EXAMPLES[0]["file"], EXAMPLES[1]["file"], *[f"scans/{EXAMPLES[i]['file']}" for i in (2, 3)]]
    assert list(table["file"]) == expected_files
    assert list(table["number"]) == [EXAMPLES[i]["number"] for i in range(4)]
    assert all(str(uri).startswith("data:image/png;base64,") for uri in table["image"])
    assert table.loc[3, "flags"] == "2 lines" if " " in EXAMPLES[3]["number"] else True

    records = json.loads(downloads(at, "batch-json"))
    assert [list(record) for record in records] == [CLI_KEYS] * 4
    assert [record["number"] for record in records] == [EXAMPLES[i]["number"] for i in range(4)]
    rows = list(csv.DictReader(io.StringIO(downloads(at, "batch-csv").decode())))
    assert [row["number"] for row in rows] == [EXAMPLES[i]["number"] for i in range(4)]
    assert set(rows[0]) == {"file", "number", "confidence", "digits", "flags", "ms"}


def test_batch_names_a_file_it_cannot_read_in_its_row(model: Path) -> None:
    at = open_page("batch")
    files = [
        (EXAMPLES[0]["file"], example_bytes(0), "image/png"),
        ("broken.png", b"\x89PNG\r\n\x1a\nnope", "image/png"),
    ]
    at.file_uploader(key="batch-upload").set_value(files).run()
    table = at.dataframe[0].value
    assert table.loc[1, "file"] == "broken.png" and table.loc[1, "flags"].startswith("not read: ")
    assert table.loc[0, "number"] == EXAMPLES[0]["number"]


def test_zips_are_read_in_memory_within_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.ui.files as files
    from pages.ui.files import NamedFile, expand

    images, others, refused = expand(
        [NamedFile("a.zip", zip_of({"x/1.png": b"1", "x/.hidden.png": b"h", "x/labels.csv": b"file,label\n"}))]
    )
    assert [f.name for f in images] == ["x/1.png"] and [f.name for f in others] == ["x/labels.csv"] and not refused
    _, _, refused = expand([NamedFile("bad.zip", b"PK\x03\x04 not a zip")])
    assert refused[0].reason.startswith("bad.zip cannot be opened as a zip file")
    monkeypatch.setattr(files, "ZIP_MAX_MEMBERS", 2)
    _, _, refused = expand([NamedFile("many.zip", zip_of({f"{n}.png": b"x" for n in range(3)}))])
    assert "holds 3 files" in refused[0].reason
    monkeypatch.setattr(files, "ZIP_MAX_EXPANDED_BYTES", 1000)
    _, _, refused = expand([NamedFile("bomb.zip", zip_of({"0.png": b"\0" * 5000}))])  # 5 kB from a few bytes
    assert "expands to" in refused[0].reason


# --------------------------------------------------------------------------- evaluation


def test_evaluation_page_draws_the_heatmap_from_the_report(model: Path) -> None:
    report = load_report()
    at = open_page("evaluation")
    assert_clean(at)
    heatmap = component(at, "heatmap")
    assert heatmap["svg"].startswith("<svg") and heatmap["title"] == "Confusion matrix (counts)"
    matrix = np.array(report["confusion_matrix"])
    errors = [(t, p) for t in range(10) for p in range(10) if t != p and matrix[t, p]]
    assert sorted((cell["row"], cell["column"]) for cell in heatmap["cells"]) == errors  # each error can be picked
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Accuracy"] == f"{report['accuracy'] * 100:.2f}%"
    assert metrics["Misclassified"] == f"{len(report['misclassified']):,}"
    table = at.dataframe[0].value
    assert list(table.index) == list(range(10))
    assert np.allclose(table["recall"], [100 * row["recall"] for row in report["per_class"]])  # shown in %
    gallery = next(image for image in at.image if image.captions and image.captions[0].startswith("true "))
    first = report["misclassified"][0]
    assert gallery.captions[0] == f"true {first['true']} → {first['predicted']}"
    assert len(gallery.captions) == len(report["misclassified"])

    at.segmented_control(key="heatmap-mode").set_value("Rates (row-normalized)").run()
    assert_clean(at)
    assert component(at, "heatmap")["title"] == "Confusion matrix (rates (row-normalized))"


def test_picking_a_cell_filters_the_gallery(model: Path) -> None:
    report = load_report()
    true, predicted = max(
        ((item["true"], item["predicted"]) for item in report["misclassified"]),
        key=lambda pair: sum((i["true"], i["predicted"]) == pair for i in report["misclassified"]),
    )
    count = sum((i["true"], i["predicted"]) == (true, predicted) for i in report["misclassified"])
    at = open_page("evaluation")
    # What a click on the cell does (pages.evaluation.pick_cell): set both of the gallery's filters.
    at.session_state["wrong-true"] = true
    at.session_state["wrong-predicted"] = predicted
    at.run()
    assert_clean(at)
    gallery = next(image for image in at.image if image.captions and image.captions[0].startswith("true "))
    assert gallery.captions == [f"true {true} → {predicted}"] * count
    assert component(at, "heatmap")["picked"] == [true, predicted]  # the cell is outlined
    at.button(key="wrong-all").click().run()
    gallery = next(image for image in at.image if image.captions and image.captions[0].startswith("true "))
    assert len(gallery.captions) == len(report["misclassified"])


def test_the_heatmap_is_drawn_for_the_width_it_is_shown_at() -> None:
    from pages.ui.heatmap import confusion_heatmap, shown_width

    matrix = tuple(tuple(int(900 if t == p else t == 3 and p == 5) for p in range(10)) for t in range(10))
    for column in (358, 560):
        width = shown_width(column)
        drawn = confusion_heatmap(matrix, normalized=False, width=width, title="t", color_label="c")
        svg_width = float(re.search(r'width="([\d.]+)pt"', drawn.svg).group(1))
        assert svg_width * 96 / 72 == pytest.approx(width, abs=1)  # 1:1 at that many CSS pixels
        left, top, cells_w, cells_h = drawn.axes
        assert 0 < left < 1 and 0 < top < 1 and cells_w * width >= 0.6 * width  # the cells take most of it


def test_evaluation_facts_are_repository_relative_with_a_command_that_makes_the_shipped_model(model: Path) -> None:
    at = open_page("evaluation")
    assert_clean(at)
    facts = at.table[0].value
    values = dict(zip(facts.iloc[:, 0], facts.iloc[:, 1], strict=True))
    assert values["Model file"] == "models/digitsight_cnn.keras"
    assert values["This report"] == "models/digitsight_cnn.report.json"
    assert not any(str(value).startswith("/") or "/tmp" in str(value) for value in values.values())
    training = load_report()["training"]
    command = next(code.value for code in at.code if "train" in code.value)
    assert "--output models/digitsight_cnn.keras" in command and "/tmp" not in command
    assert f"--epochs {training['epochs']}" in command and f"--seed {training['seed']}" in command


def test_evaluation_page_shows_whatever_report_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures come from the report file, not from the page: a made-up report shows its own figures."""
    import pages.common

    rng = np.random.default_rng(0)
    truth = rng.integers(0, 10, size=500)
    predicted = np.where(rng.random(500) < 0.8, truth, rng.integers(0, 10, size=500))
    report = report_from_predictions(truth, predicted)
    report["training"] = {"epochs": 3, "parameters": 1234, "command": "python training/train.py --epochs 3"}
    write_report(report, tmp_path / "fake.report.json")  # beside the (absent) model fake.keras
    monkeypatch.setattr(pages.common, "model_path", lambda: tmp_path / "fake.keras")

    at = open_page("evaluation")
    assert not at.exception
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Accuracy"] == f"{report['accuracy'] * 100:.2f}%"
    assert metrics["Test digits"] == "500"
    assert metrics["Training epochs"] == "3"
    assert "python training/train.py --epochs 3 --output fake.keras" in [code.value for code in at.code]


def test_evaluation_page_without_a_report_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.common

    monkeypatch.setattr(pages.common, "model_path", lambda: tmp_path / "missing.keras")
    at = open_page("evaluation")
    assert not at.exception
    assert len(at.error) == 1 and "report is missing" in at.error[0].value


def test_the_readers_figures_come_from_the_shipped_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.ui.reader_report as reader_report

    monkeypatch.setattr(reader_report, "READER_REPORT", tmp_path / "missing.json")
    at = open_page("evaluation")
    assert any("No reading report here" in info.value for info in at.info)

    made_up = {
        "command": "python benchmarks/bench_reading.py --report docs/reading_report.json",
        "categories": [
            {"name": "clean", "kind": "synthetic", "images": 80, "exact": 0.9625, "cer": 0.011},
            {"name": "realworld", "kind": "real", "images": 19, "exact_match": 0.5, "cer": 0.2},
        ],
    }
    (tmp_path / "reading.json").write_text(json.dumps(made_up))
    monkeypatch.setattr(reader_report, "READER_REPORT", tmp_path / "reading.json")
    at = open_page("evaluation")
    assert_clean(at)
    tables = {tuple(frame.value["category"]): frame.value for frame in at.dataframe if "category" in frame.value}
    assert list(tables[("realworld",)]["exact match"]) == [50.0]
    assert list(tables[("clean",)]["exact match"]) == [96.25]
    assert made_up["command"] in [code.value for code in at.code]


def test_evaluate_on_your_own_images(model: Path) -> None:
    wrong_label = "1" + EXAMPLES[1]["number"][1:] if EXAMPLES[1]["number"][0] != "1" else "2"
    labels = "file,label,kind\n" + f"{EXAMPLES[0]['file']},{EXAMPLES[0]['number']},photo\n"
    labels += f"{EXAMPLES[1]['file']},{wrong_label},photo\nmissing.png,12,photo\n"
    files = {
        "mine/labels.csv": labels.encode(),
        f"mine/{EXAMPLES[0]['file']}": example_bytes(0),
        f"mine/{EXAMPLES[1]['file']}": example_bytes(1),
    }
    at = open_page("evaluation")
    at.file_uploader(key="own-upload").set_value([("mine.zip", zip_of(files), "application/zip")]).run()
    assert not at.exception
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Images"] == "2" and metrics["Exact match"] == "50.0%"
    assert any("missing.png" in warning.value for warning in at.warning)  # listed, not uploaded
    misread = next(frame.value for frame in at.dataframe if "label" in frame.value)
    assert list(misread["file"]) == [f"mine/{EXAMPLES[1]['file']}"]
    assert list(misread["read"]) == [EXAMPLES[1]["number"]] and list(misread["label"]) == [wrong_label]
    heatmap = component(at, "own-heatmap")
    assert heatmap["svg"].startswith("<svg") and heatmap["cells"] == []


def test_own_images_need_a_labels_file() -> None:
    at = open_page("evaluation")
    at.file_uploader(key="own-upload").set_value([(EXAMPLES[0]["file"], example_bytes(0), "image/png")]).run()
    assert any("Add a labels.csv" in warning.value for warning in at.warning)
    at.file_uploader(key="own-upload").set_value([("labels.csv", b"name,number\nx.png,1\n", "text/csv")]).run()
    assert len(at.error) == 1 and "needs the columns file and label" in at.error[0].value


def test_digit_confusion_counts_only_images_read_with_the_right_digit_count() -> None:
    from pages.ui.own_images import digit_confusion

    matrix, counted = digit_confusion([("12 3", "123"), ("45", "46"), ("78", "7"), ("9", "")])
    assert counted == 2
    assert matrix[1, 1] == matrix[2, 2] == matrix[3, 3] == matrix[4, 4] == matrix[5, 6] == 1
    assert matrix.sum() == 5


def test_pages_that_read_nothing_load_no_tensorflow() -> None:
    """These pages read files only: no model load on a page view (with the background load switched off).

    Run in a fresh interpreter, since this test process has TensorFlow loaded already.
    """
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(APP)!r}, default_timeout=60)
at.run()
for page in ("evaluation", "collaborators", "batch", "predictor"):
    at.switch_page(f"pages/{{page}}.py").run()
    assert not at.exception, at.exception
print("tensorflow" in sys.modules, "keras" in sys.modules)
"""
    env = {**__import__("os").environ, "DIGITSIGHT_PRELOAD": "0"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- collaborators


def test_collaborators_page_is_rendered_from_the_data_file_and_the_history() -> None:
    import tomllib

    from pages.ui.contributors import contributors

    data = tomllib.loads((REPO_ROOT / "docs" / "collaborators.toml").read_text())
    at = open_page("collaborators")
    assert_clean(at)
    text = "\n".join(md.value for md in [*at.markdown, *at.caption])
    for area in data["areas"]:
        assert f"**{area['role']}**" in text
    for credit in data["credits"]:
        assert f"[{credit['name']}]({credit['url']})" in text
    assert data["contributing"]["steps"][0] in text
    assert "localhost" not in text and "8501" not in text
    people = contributors()
    if people is None:
        assert "not a git clone" in text
    else:  # every name comes from git, none typed in
        table = next(frame.value for frame in at.dataframe if "name" in frame.value)
        assert list(table["name"]) == [person.name for person in people]


def test_collaborators_links_come_from_the_data_file_or_the_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pages.common
    from pages.ui.contributors import web_address

    assert web_address("git@example.org:team/digitsight.git") == "https://example.org/team/digitsight"
    assert web_address("https://example.org/team/digitsight.git") == "https://example.org/team/digitsight"
    assert web_address("/srv/git/digitsight") is None
    assert web_address("https://user:secret@example.org/x.git") is None  # never show credentials

    source = (REPO_ROOT / "docs" / "collaborators.toml").read_text()
    linked = source.replace('repository = ""', 'repository = "https://example.org/team/digitsight"')
    (tmp_path / "collaborators.toml").write_text(linked)
    monkeypatch.setattr(pages.common, "COLLABORATORS_FILE", tmp_path / "collaborators.toml")
    at = open_page("collaborators")
    text = "\n".join(md.value for md in at.markdown)
    assert "[Repository](https://example.org/team/digitsight)" in text
    assert "(https://example.org/team/digitsight/issues)" in text


def test_collaborators_page_with_a_broken_data_file_shows_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pages.common

    broken = tmp_path / "collaborators.toml"
    broken.write_text("[[areas]\nrole = ")
    monkeypatch.setattr(pages.common, "COLLABORATORS_FILE", broken)
    at = open_page("collaborators")
    assert not at.exception
    assert len(at.error) == 1 and "collaborators file" in at.error[0].value


def test_the_server_gives_freed_memory_back_on_glibc():
    import platform

    from pages.ui.memory import give_memory_back

    # Debian's glibc has malloc_trim; elsewhere the call is a no-op that says so.
    assert give_memory_back() is (platform.libc_ver()[0] == "glibc")
