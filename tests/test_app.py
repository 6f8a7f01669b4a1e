"""The dashboard as a whole, run in-process with ``streamlit.testing.v1.AppTest`` and the real models:
loading the models, the home page, the collaborators page, and pages that read nothing.

The pages that read have their own files: ``test_app_predictor.py``, ``test_app_batch.py`` and
``test_app_evaluation.py``; their shared helpers are in ``tests/app_pages.py``, their fixtures in
``tests/conftest.py``. What only a browser does (the in-page components: copying, picking a
heatmap cell, refusing an over-size file, the canvas) is in ``tests/test_e2e_browser.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from digitsight.evaluation import load_report
from tests.app_pages import (
    APP,
    EXAMPLES,
    REPO_ROOT,
    TIMEOUT,
    assert_clean,
    open_page,
    shown_numbers,
)

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
