"""Model evaluation: how the shipped model does on the official MNIST test set.

Everything here comes from the evaluation report written when the model was trained
(``models/digitsight_cnn.report.json``) and the misclassified test images kept beside
it: a page view never re-runs the 10,000 predictions.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from digitsight.errors import DigitSightError
from pages.common import model_path, percent, report, run_page

COUNTS = "Counts"
RATES = "Rates (row-normalized)"
GALLERY_SIZE = 48  # misclassified digits shown at once; the filters narrow the rest down


@st.cache_data(show_spinner=False, max_entries=8)
def heatmap_png(matrix: tuple[tuple[int, ...], ...], normalized: bool) -> bytes:
    """The confusion matrix as a seaborn heatmap, rendered once per (matrix, mode) to PNG.

    Uses matplotlib's object API (``Figure``), not pyplot: no global state, safe in the
    server's threads.
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    counts = np.array(matrix, dtype=np.int64)
    if normalized:
        totals = counts.sum(axis=1, keepdims=True)
        plotted = 100 * np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        annotations = np.vectorize(lambda v: f"{v:.1f}" if v >= 0.05 else "")(plotted)  # percent
        color_label = "share of the true digit (%)"
    else:
        plotted = counts
        annotations = np.vectorize(lambda v: f"{v}" if v else "")(counts)  # empty cells stay blank
        color_label = "test digits"

    figure = Figure(figsize=(7.5, 6.2), dpi=110, layout="constrained")
    axes = figure.subplots()
    # On a linear scale up to the diagonal (~1,000 per digit) every error (a handful each)
    # would be the same near-white: cap the colours at 1.5x the largest error instead, so
    # the errors differ visibly and the diagonal saturates. The numbers in the cells are exact.
    off_diagonal = plotted[~np.eye(10, dtype=bool)]
    vmax = max(float(off_diagonal.max()) * 1.5, 1e-9)
    sns.heatmap(
        plotted,
        ax=axes,
        annot=annotations,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=vmax,
        cbar_kws={"label": f"{color_label} (colour capped at 1.5x the largest error)"},
        linewidths=0.5,
        linecolor="#e5e7eb",
        square=True,
        annot_kws={"fontsize": 9},
    )
    axes.set_xlabel("predicted digit")
    axes.set_ylabel("true digit")
    axes.set_title("Counts of test digits" if not normalized else "Row-normalized: each row sums to 100%")
    axes.tick_params(axis="y", rotation=0)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


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


def gallery(wrong: list[dict[str, int]]) -> None:
    """The misclassified test digits with their true and predicted labels, filterable."""
    images = misclassified_images(str(model_path()), tuple(item["index"] for item in wrong))
    left, right, _ = st.columns([1, 1, 3])
    any_digit = "any"
    true_filter = left.selectbox("True digit", [any_digit, *range(10)], key="wrong-true")
    predicted_filter = right.selectbox("Predicted as", [any_digit, *range(10)], key="wrong-predicted")
    shown = [
        (position, item)
        for position, item in enumerate(wrong)
        if true_filter in (any_digit, item["true"]) and predicted_filter in (any_digit, item["predicted"])
    ]
    st.caption(f"{len(shown)} of {len(wrong)} misclassified test digits match; showing up to {GALLERY_SIZE}.")
    if images is None:
        st.info("The test images are not available on this machine; showing the labels only.")
        st.dataframe(pd.DataFrame([item for _, item in shown]), hide_index=True)
        return
    per_row = 12
    for start in range(0, min(len(shown), GALLERY_SIZE), per_row):
        columns = st.columns(per_row)
        for column, (position, item) in zip(columns, shown[start : start + per_row], strict=False):
            # White on black is how the model sees them; 3x nearest-neighbour keeps the pixels crisp.
            column.image(
                np.kron(images[position], np.ones((3, 3), dtype=np.uint8)),
                caption=f"true {item['true']} → {item['predicted']}",
                alt=f"Test digit {item['index']}: a {item['true']} the model read as {item['predicted']}",
            )


def training_details(training: dict[str, Any]) -> None:
    """How the model was trained, from the report's "training" entry."""
    if not training:
        st.info("The report does not say how the model was trained.")
        return
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
        "data_source": "Data source",
        "machine": "Machine",
    }
    formatters = {
        "parameters": lambda v: f"{v:,}",
        "train_images": lambda v: f"{v:,}",
        "validation_images": lambda v: f"{v:,}",
        "final_validation_accuracy": percent,
        "training_seconds": lambda v: f"{v / 60:.1f} min ({v:,.0f} s)",
    }
    rows = [
        {"setting": label, "value": str(formatters.get(key, str)(training[key]))}
        for key, label in labels.items()
        if key in training
    ]
    versions = training.get("versions", {})
    if versions:
        listed = ", ".join(f"{name} {version}" for name, version in versions.items())
        rows.append({"setting": "Versions", "value": listed})
    st.table(pd.DataFrame(rows), hide_index=True, hide_header=True, border="horizontal")
    if "command" in training:
        st.caption("Reproduce with:")
        st.code(training["command"], language="bash")


def main() -> None:
    st.title("Model evaluation")
    figures = report()
    wrong = figures["misclassified"]
    training = figures.get("training", {})
    st.markdown(
        f"How the shipped model does on the **{figures['dataset']}**: {figures['images']:,} handwritten digits "
        "it never saw while training or while its recipe was chosen."
    )

    columns = st.columns(4)
    columns[0].metric("Accuracy", percent(figures["accuracy"]))
    columns[1].metric("Test digits", f"{figures['images']:,}")
    columns[2].metric("Misclassified", f"{len(wrong):,}")
    if "epochs" in training:
        columns[3].metric("Training epochs", training["epochs"])

    st.subheader("Confusion matrix")
    matrix = tuple(tuple(int(v) for v in row) for row in figures["confusion_matrix"])
    plot, side = st.columns([3, 2], gap="large")
    with side:
        mode = st.segmented_control("Show", [COUNTS, RATES], default=COUNTS, required=True, key="heatmap-mode")
        st.markdown(
            "Rows are the true digit, columns the model's answer: the diagonal holds the digits it read "
            "right, every other cell a kind of mistake. **Rates** divide each row by its number of test "
            "digits, so each row sums to 100% and the diagonal is the recall of that digit."
        )
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
    with plot:
        st.image(
            heatmap_png(matrix, normalized=mode == RATES),
            caption=f"Confusion matrix ({mode.lower()})",
            alt="Confusion-matrix heatmap",
        )

    st.subheader("Misclassified test digits")
    gallery(wrong)

    st.subheader("How the model was trained")
    training_details(training)


run_page(main)
