"""The dashboard's pages, run in-process with ``streamlit.testing.v1.AppTest`` and the real model.

Each test starts at ``app.py`` (so ``st.navigation`` and the shared setup run as in
production) and switches to the page under test. The first run that reads an image loads
the model (seconds on a busy 2-core machine), hence the generous timeout; later runs reuse
the process-wide model.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from digitsight.evaluation import load_report, report_from_predictions, write_report

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = REPO_ROOT / "app.py"
EXAMPLES = json.loads((REPO_ROOT / "assets" / "examples" / "examples.json").read_text())
TIMEOUT = 180  # seconds per run: generous for the model's first load on a busy machine


def open_page(name: str) -> AppTest:
    """An AppTest at ``pages/<name>.py`` (``home`` is the default page)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if name != "home":
        at.switch_page(f"pages/{name}.py").run()
    return at


def shown_numbers(at: AppTest) -> list[str]:
    """The numbers the predictor shows large (one per line of digits), as plain text."""
    import re

    return [re.sub(r"<[^>]+>", "", md.value) for md in at.markdown if 'class="ds-number"' in md.value]


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def assert_clean(at: AppTest) -> None:
    """No uncaught exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def model(shipped_model_path: Path) -> Path:
    """Skips where the shipped model is absent (the conftest fixture says so)."""
    return shipped_model_path


# --------------------------------------------------------------------------- home


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


# --------------------------------------------------------------------------- predictor


def test_predictor_reads_an_uploaded_image_with_two_lines_as_two_numbers(model: Path) -> None:
    example = next(item for item in EXAMPLES if " " in item["number"])
    data = (REPO_ROOT / "assets" / "examples" / example["file"]).read_bytes()
    at = open_page("predictor")
    at.file_uploader(key="upload").set_value((example["file"], data, "image/png")).run()
    assert_clean(at)
    assert shown_numbers(at) == example["number"].split(" ")
    # The result comes with the annotated image, a crop per digit and a JSON download.
    assert any("what DigitSight found" in caption for image in at.image for caption in image.captions)
    assert len([md for md in at.markdown if md.value.startswith("**") and "%" in md.value]) == len(
        example["number"].replace(" ", "")
    )
    assert at.download_button(key="download-json")


@pytest.mark.parametrize(
    ("file_format", "suffix"), [("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tiff"), ("JPEG", "jpg")]
)
def test_predictor_reads_every_offered_image_format(model: Path, file_format: str, suffix: str) -> None:
    example = EXAMPLES[1]
    picture = Image.open(REPO_ROOT / "assets" / "examples" / example["file"]).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format=file_format)
    at = open_page("predictor")
    assert f".{suffix}" in at.file_uploader(key="upload").allowed_type  # the uploader offers the format
    at.file_uploader(key="upload").set_value((f"number.{suffix}", buffer.getvalue(), f"image/{suffix}")).run()
    assert_clean(at)
    assert " ".join(shown_numbers(at)) == example["number"]


def test_predictor_reads_a_camera_photo(model: Path) -> None:
    example = EXAMPLES[0]
    photo = Image.open(REPO_ROOT / "assets" / "examples" / example["file"]).convert("RGB")
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=92)
    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Take a photo").run()
    at.camera_input(key="camera").set_value(("photo.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert_clean(at)
    assert " ".join(shown_numbers(at)) == example["number"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.png", b"\x89PNG\r\n\x1a\n this is not really a PNG"),
        ("empty.jpg", b""),
        ("notes.png", b"hello, I am a text file"),
        ("cut.png", (REPO_ROOT / "assets" / "examples" / EXAMPLES[0]["file"]).read_bytes()[:3000]),  # truncated
    ],
)
def test_predictor_bad_upload_shows_an_error_not_an_exception(model: Path, name: str, data: bytes) -> None:
    at = open_page("predictor")
    at.file_uploader(key="upload").set_value((name, data, "image/png")).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "Traceback" not in message and "Something went wrong on our side" not in message
    assert "model" not in message  # it is about the image
    assert not shown_numbers(at)


def test_predictor_blank_image_says_no_digits(model: Path) -> None:
    blank = np.full((200, 300), 255, dtype=np.uint8)
    at = open_page("predictor")
    at.file_uploader(key="upload").set_value(("blank.png", png_bytes(blank), "image/png")).run()
    assert_clean(at)
    assert not shown_numbers(at)
    assert any("no digits found" in warning.value.lower() for warning in at.warning)


def test_predictor_empty_canvas_gives_a_hint_not_an_error() -> None:
    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Draw").run()
    assert_clean(at)
    assert any("canvas is empty" in info.value for info in at.info)


def test_model_is_loaded_once_across_reruns(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    import digitsight.nets.base
    from pages.common import cached_classifier

    loads = []
    real_load_model = keras.saving.load_model

    def counting_load_model(*args: Any, **kwargs: Any) -> Any:
        loads.append(args)
        return real_load_model(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", counting_load_model)
    # Start as a fresh server process would: no model in digitsight's registry, none in st.cache_resource.
    monkeypatch.setattr(digitsight.nets.base, "_loaded", {})
    cached_classifier.clear()
    at = open_page("predictor")
    at.segmented_control(key="method").set_value("Try an example").run()
    for example in EXAMPLES[1:]:  # each click reruns the page and reads another image
        at.button(key=f"example-{example['file']}").click().run()
        assert " ".join(shown_numbers(at)) == example["number"]
    assert_clean(at)
    # Each of the three models, once: the digit classifier, the pair model and the chain model.
    expected = [model.name, "digitsight_pairs.keras", "digitsight_chains.keras"]
    assert sorted(Path(args[0]).name for args in loads) == sorted(expected)


def test_read_aloud_plays_a_wav(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digitsight.speech import ENGINE_ENV, speech_available

    monkeypatch.delenv(ENGINE_ENV, raising=False)
    available, reason = speech_available()
    if not available:
        pytest.skip(f"no speech engine here: {reason}")
    at = open_page("home")
    at.button(key=f"try-{EXAMPLES[0]['file']}").click().run()
    assert not at.get("audio")
    at.button(key="read-aloud").click().run()
    assert_clean(at)
    audio = at.get("audio")
    assert len(audio) == 1


def test_read_aloud_falls_back_to_the_browser_without_an_engine(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digitsight.speech import ENGINE_ENV

    monkeypatch.setenv(ENGINE_ENV, "none")  # digitsight.speech's documented switch
    at = open_page("home")
    at.button(key=f"try-{EXAMPLES[0]['file']}").click().run()
    assert_clean(at)
    assert not at.get("audio")
    with pytest.raises(KeyError):
        at.button(key="read-aloud")  # the browser's own button replaces ours
    frames = at.get("iframe")
    assert len(frames) == 1
    assert "speechSynthesis" in frames[0].proto.srcdoc
    assert any("Your browser reads it aloud" in caption.value for caption in at.caption)


# --------------------------------------------------------------------------- evaluation


def test_evaluation_page_renders_the_heatmap_from_the_report(model: Path) -> None:
    report = load_report()
    at = open_page("evaluation")
    assert_clean(at)
    captions = [caption for image in at.image for caption in image.captions]
    assert "Confusion matrix (counts)" in captions
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Accuracy"] == f"{report['accuracy'] * 100:.2f}%"
    assert metrics["Misclassified"] == f"{len(report['misclassified']):,}"
    table = at.dataframe[0].value
    assert list(table.index) == list(range(10))
    assert np.allclose(table["recall"], [100 * row["recall"] for row in report["per_class"]])  # shown in %
    # The gallery: one captioned image per misclassified digit shown, labelled from the report.
    wrong = [c for c in captions if c.startswith("true ")]
    first = report["misclassified"][0]
    assert wrong and wrong[0] == f"true {first['true']} → {first['predicted']}"

    at.segmented_control(key="heatmap-mode").set_value("Rates (row-normalized)").run()
    assert_clean(at)
    assert "Confusion matrix (rates (row-normalized))" in [c for image in at.image for c in image.captions]


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
    assert "python training/train.py --epochs 3" in [code.value for code in at.code]


def test_evaluation_page_without_a_report_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.common

    monkeypatch.setattr(pages.common, "model_path", lambda: tmp_path / "missing.keras")
    at = open_page("evaluation")
    assert not at.exception
    assert len(at.error) == 1 and "report is missing" in at.error[0].value


def test_home_evaluation_and_collaborators_never_load_tensorflow() -> None:
    """These pages read files only: no model load, and so no predictions on a page view.

    Run in a fresh interpreter, since this test process has TensorFlow loaded already.
    """
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(APP)!r}, default_timeout=60)
at.run()
for page in ("evaluation", "collaborators"):
    at.switch_page(f"pages/{{page}}.py").run()
    assert not at.exception, at.exception
print("tensorflow" in sys.modules, "keras" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- collaborators


def test_collaborators_page_is_rendered_from_the_data_file() -> None:
    import tomllib

    data = tomllib.loads((REPO_ROOT / "docs" / "collaborators.toml").read_text())
    at = open_page("collaborators")
    assert_clean(at)
    text = "\n".join(md.value for md in at.markdown)
    for person in data["team"]:
        assert f"**{person['role']}**" in text
    for credit in data["credits"]:
        assert f"[{credit['name']}]({credit['url']})" in text
    assert data["contributing"]["steps"][0] in text


def test_collaborators_page_with_a_broken_data_file_shows_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pages.common

    broken = tmp_path / "collaborators.toml"
    broken.write_text("[[team]\nname = ")
    monkeypatch.setattr(pages.common, "COLLABORATORS_FILE", broken)
    at = open_page("collaborators")
    assert not at.exception
    assert len(at.error) == 1 and "collaborators file" in at.error[0].value
