"""Model evaluation: the digit classifier on the MNIST test set, the whole reader on the reading
benchmark, and the reader on the user's own labelled images.

The first two come from files the repository ships: the classifier's report written when it
was trained (``models/digitsight_cnn.report.json``, with the misclassified test images beside
it) and the reading benchmark's report (``docs/reading_report.json``, see
``pages.ui.reader_report``). A page view never re-runs the 10,000 predictions nor the
benchmark. Only "Evaluate on your own images" reads anything, and only what the user uploads.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from digitsight.errors import DigitSightError
from pages.common import ROOT, model_path, percent, report, run_page, sentence
from pages.ui.browser import clickable_heatmap, column_width
from pages.ui.heatmap import confusion_heatmap, shown_width
from pages.ui.own_images_view import own_images_section
from pages.ui.reader_report import READER_REPORT, load_reader_report

COUNTS = "Counts"
RATES = "Rates (row-normalized)"
GALLERY_SIZE = 48  # misclassified digits shown at once; the filters narrow the rest down
ANY = "any"
TRUE_FILTER, PREDICTED_FILTER = "wrong-true", "wrong-predicted"  # the gallery's filters; a picked cell sets both
GALLERY_ZOOM = 3  # the 28x28 test digits shown 3x, nearest-neighbour: the pixels stay crisp


# --------------------------------------------------------------------------- the digit classifier


def per_class_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The report's per-class figures, as percentages, one row per digit."""
    table = pd.DataFrame(rows).set_index("class")
    table.index.name = "digit"
    table[["precision", "recall", "f1"]] *= 100
    return table[["precision", "recall", "f1", "support"]]


@st.cache_data(show_spinner=False)
def misclassified_images(model: str, indices: tuple[int, ...]) -> np.ndarray | None:
    """The misclassified test images (K, 28, 28) uint8, in the report's order, or None if unavailable.

    First from the file saved beside the model; else from a local MNIST cache (no
    download on a page view); else None, and the page shows labels only.
    """
    from digitsight.evaluation import load_misclassified

    try:
        saved = load_misclassified(Path(model))
        if list(saved["indices"]) == list(indices):
            return saved["images"]
    except DigitSightError:
        pass
    try:
        from digitsight.data import load_mnist

        return load_mnist(allow_download=False).x_test[list(indices)]
    except (DigitSightError, OSError):
        return None


def confusion_matrix(figures: dict[str, Any]) -> None:
    """The heatmap, drawn for the column's width; picking an error's cell filters the gallery below."""
    matrix = tuple(tuple(int(v) for v in row) for row in figures["confusion_matrix"])
    mode = st.segmented_control("Show", [COUNTS, RATES], default=COUNTS, required=True, key="heatmap-mode")
    plot, side = st.columns([3, 2], gap="large")
    with side:
        st.markdown(
            "Rows are the true digit, columns the model's answer: the diagonal holds the digits it read "
            "right, every other cell a kind of mistake. **Pick a mistake's cell** to see those digits below. "
            "**Rates** divide each row by its number of test digits, so each row sums to 100% and the "
            "diagonal is the recall of that digit."
        )
    with plot:
        width = shown_width(column_width("heatmap-column"))
        normalized = mode == RATES
        title = "Row-normalized: each row sums to 100%" if normalized else "Counts of test digits"
        legend = "share of the true digit (%)" if normalized else "test digits"
        drawn = confusion_heatmap(matrix, normalized=normalized, width=width, title=title, color_label=legend)
        cells = [
            {"row": true, "column": predicted, "label": f"true {true}, read as {predicted}: {count} test digits"}
            for true, row in enumerate(matrix)
            for predicted, count in enumerate(row)
            if true != predicted and count
        ]
        picked = (st.session_state.get(TRUE_FILTER), st.session_state.get(PREDICTED_FILTER))
        clicked = clickable_heatmap(
            drawn.svg,
            axes=drawn.axes,
            size=len(matrix),
            cells=cells,
            width=drawn.width,
            title=f"Confusion matrix ({mode.lower()})",
            picked=picked if ANY not in picked and None not in picked else None,
            key="heatmap",
        )
        if clicked and clicked != picked:
            pick_cell(*clicked)
            st.rerun()  # drawn again with the cell outlined, the gallery filtered
        st.caption(f"Confusion matrix ({mode.lower()}). Pick a cell off the diagonal to filter the gallery.")
    with side:
        st.markdown("**Per-class figures**")
        st.dataframe(
            per_class_table(figures["per_class"]),
            column_config={
                "precision": st.column_config.NumberColumn("precision", format="%.2f%%"),
                "recall": st.column_config.NumberColumn("recall", format="%.2f%%"),
                "f1": st.column_config.NumberColumn("F1", format="%.2f%%"),
                "support": st.column_config.NumberColumn("test digits", format="%d"),
            },
        )


def pick_cell(true: int, predicted: int) -> None:
    """A cell of the heatmap was picked: the gallery shows the digits of that cell."""
    st.session_state[TRUE_FILTER] = true
    st.session_state[PREDICTED_FILTER] = predicted


def gallery(wrong: list[dict[str, int]]) -> None:
    """The misclassified test digits with their true and predicted labels, filterable."""
    images = misclassified_images(str(model_path()), tuple(item["index"] for item in wrong))
    st.session_state.setdefault(TRUE_FILTER, ANY)
    st.session_state.setdefault(PREDICTED_FILTER, ANY)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        true_filter = st.selectbox("True digit", [ANY, *range(10)], key=TRUE_FILTER, width=140)
        predicted_filter = st.selectbox("Predicted as", [ANY, *range(10)], key=PREDICTED_FILTER, width=140)
        if (true_filter, predicted_filter) != (ANY, ANY):
            st.button("Show all", key="wrong-all", on_click=pick_cell, args=(ANY, ANY))
    shown = [
        (position, item)
        for position, item in enumerate(wrong)
        if true_filter in (ANY, item["true"]) and predicted_filter in (ANY, item["predicted"])
    ]
    st.caption(f"{len(shown)} of {len(wrong)} misclassified test digits match; showing up to {GALLERY_SIZE}.")
    if images is None:
        st.info("The test images are not available on this machine; showing the labels only.")
        st.dataframe(pd.DataFrame([item for _, item in shown]), hide_index=True)
        return
    if not shown:
        return
    first = shown[:GALLERY_SIZE]
    zoom = np.ones((GALLERY_ZOOM, GALLERY_ZOOM), dtype=np.uint8)
    # One st.image with a list: the browser lays the digits out in rows that wrap, on any screen.
    st.image(
        [np.kron(images[position], zoom) for position, _ in first],
        caption=[f"true {item['true']} → {item['predicted']}" for _, item in first],
        alt=[
            f"Test digit {item['index']}: a {item['true']} the model read as {item['predicted']}" for _, item in first
        ],
        width=28 * GALLERY_ZOOM,
    )


# --------------------------------------------------------------------------- how it was trained


def shown_path(text: str) -> str:
    """A path as a reader of this page can use it: repository-relative inside the clone, ~ for the home folder."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        return text
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        pass
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return path.name  # somewhere on the build machine: only the file name means anything here


def reproduce_command(training: dict[str, Any], model: Path) -> str | None:
    """The training command of the report, writing the model where this checkout has it.

    The report records the command as it was run (often writing to a scratch folder); the
    output becomes the served model's repository-relative path, and the seed is spelled
    out so the command does not depend on the script's defaults.
    """
    command = training.get("command")
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    output = shown_path(str(model))
    if "--output" in words:
        words[words.index("--output") + 1] = output
    else:
        words += ["--output", output]
    if "seed" in training and "--seed" not in words:
        words += ["--seed", str(training["seed"])]
    return shlex.join(words)


def training_details(training: dict[str, Any]) -> None:
    """How the model was trained, from the report's "training" entry, in this repository's terms."""
    if not training:
        st.info("The report does not say how the model was trained.")
        return
    from digitsight.evaluation import misclassified_path_for, report_path_for

    model = model_path()
    labels = {
        "epochs": "Epochs",
        "batch_size": "Batch size",
        "parameters": "Parameters",
        "train_images": "Training images",
        "validation_images": "Validation images (held out of training)",
        "final_validation_accuracy": "Final validation accuracy",
        "training_seconds": "Training time",
        "augmentation": "Augmentation",
        "schedule": "Optimizer and schedule",
        "seed": "Random seed",
        "data_source": "Training data",
        "machine": "Trained on",
    }
    formatters = {
        "parameters": lambda v: f"{v:,}",
        "train_images": lambda v: f"{v:,}",
        "validation_images": lambda v: f"{v:,}",
        "final_validation_accuracy": percent,
        "training_seconds": lambda v: f"{v / 60:.1f} min ({v:,.0f} s)",
        "data_source": lambda v: f"MNIST training set (read from {shown_path(v)})",
    }
    rows = [{"setting": "Model file", "value": shown_path(str(model))}]
    rows.append({"setting": "This report", "value": shown_path(str(report_path_for(model)))})
    if misclassified_path_for(model).is_file():
        rows.append({"setting": "Misclassified test images", "value": shown_path(str(misclassified_path_for(model)))})
    rows += [
        {"setting": label, "value": str(formatters.get(key, str)(training[key]))}
        for key, label in labels.items()
        if key in training
    ]
    versions = training.get("versions", {})
    if versions:
        listed = ", ".join(f"{name} {version}" for name, version in versions.items())
        rows.append({"setting": "Versions", "value": listed})
    st.table(pd.DataFrame(rows), hide_index=True, hide_header=True, border="horizontal")
    command = reproduce_command(training, model)
    if command:
        st.caption(
            "Reproduce the model from the repository root (MNIST is downloaded once if it is not cached; "
            "the test figures above are measured at the end):"
        )
        st.code(command, language="bash")


def classifier_section() -> None:
    figures = report()
    wrong = figures["misclassified"]
    training = figures.get("training", {})
    st.markdown(
        f"How the digit classifier does on the **{figures['dataset']}**: {figures['images']:,} handwritten "
        "digits it never saw while training or while its recipe was chosen."
    )
    with st.container(horizontal=True):  # side by side, wrapping on a phone
        st.metric("Accuracy", percent(figures["accuracy"]), width=165)
        st.metric("Test digits", f"{figures['images']:,}", width=165)
        st.metric("Misclassified", f"{len(wrong):,}", width=165)
        if "epochs" in training:
            st.metric("Training epochs", training["epochs"], width=165)

    st.subheader("Confusion matrix")
    confusion_matrix(figures)
    st.subheader("Misclassified test digits")
    gallery(wrong)
    st.subheader("How the model was trained")
    training_details(training)


# --------------------------------------------------------------------------- the reader


def reader_section() -> None:
    """The reading benchmark's exact-match rate per category, from the report the repository ships."""
    st.markdown(
        "The classifier reads one digit at a time; the **reader** finds the digits in a whole image, "
        "cuts touching ones apart and reads the number. These are its figures: the share of images "
        "whose whole number it reads exactly."
    )
    try:
        data = load_reader_report()
    except DigitSightError as error:
        st.error(sentence(str(error)), icon=":material/error:")
        return
    if data is None:
        st.info(
            f"No reading report here: `{shown_path(str(READER_REPORT))}` is written by the reading "
            "benchmark (`benchmarks/bench_reading.py`) and shipped with the repository. Until it is there, "
            "the figures are in `docs/BENCHMARKS.md`, and **Your own images** measures the reader on yours.",
            icon=":material/info:",
        )
        return
    categories = data["categories"]
    real = [c for c in categories if c["kind"] == "real"]
    synthetic = [c for c in categories if c["kind"] != "real"]
    for title, group in (("Real images", real), ("Synthetic images", synthetic)):
        if not group:
            continue
        st.markdown(f"**{title}**")
        st.dataframe(
            pd.DataFrame(
                {
                    "category": [c["name"] for c in group],
                    "images": [c["images"] for c in group],
                    "exact match": [100 * c["exact"] for c in group],
                    "CER": [None if c["cer"] is None else 100 * c["cer"] for c in group],
                }
            ),
            column_config={
                "exact match": st.column_config.ProgressColumn(
                    "exact match", format="%.1f%%", min_value=0, max_value=100
                ),
                "CER": st.column_config.NumberColumn("CER", format="%.1f%%", help="Character error rate"),
            },
            hide_index=True,
            key=f"reader-{title}",
        )
    facts = [
        f"Source: {data['source']}." if data.get("source") else "",
        f"Measured {data['date']}." if data.get("date") else "",
    ]
    if any(facts):
        st.caption(" ".join(fact for fact in facts if fact))
    if data.get("command"):
        st.caption("Measure it again from the repository root:")
        st.code(data["command"], language="bash")


def main() -> None:
    st.title("Model evaluation")
    classifier, reader, own = st.tabs(["Digit classifier", "Whole reader", "Your own images"])
    with classifier:
        try:
            classifier_section()
        except DigitSightError as error:  # no report: the other tabs still work
            st.error(sentence(str(error)), icon=":material/error:")
    with reader:
        reader_section()
    with own:
        own_images_section()


run_page(main)
