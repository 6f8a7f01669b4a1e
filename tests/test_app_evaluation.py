"""The evaluation page: the heatmaps from the model's report, the gallery, the reader's figures, own images.

Picking a heatmap cell in a real browser is in ``tests/test_e2e_browser.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from digitsight.evaluation import load_report, report_from_predictions, write_report
from tests.app_pages import (
    EXAMPLES,
    assert_clean,
    component,
    example_bytes,
    open_page,
)
from tests.archives import zip_of

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
