"""Confusion matrices as seaborn heatmaps, drawn as SVG at the width they are shown at.

A PNG made at one size and shrunk by the browser shrinks its numbers with it (an 825 px
image shown at 512 px had 6 px digits). Here the figure is laid out for the width the
column really has (``pages.ui.browser.column_width``), and SVG text stays sharp.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
import streamlit as st

# Matplotlib's SVG is 72 points to the inch; a figure of W/96 inches is shown 1:1 at W CSS pixels.
CSS_DPI = 96
# Cell text: at most this size (points), and no wider than the cell. ~11 pt reads like body text.
MAX_CELL_FONT_PT = 11.0
MIN_CELL_FONT_PT = 6.5
# A digit is about 0.6 em wide in DejaVu Sans; text fits a cell when chars * 0.6 * size <= 0.9 * cell.
DIGIT_WIDTH_EM = 0.6
# Below this width the colour bar is left out: the cells need the room more than the legend.
COLORBAR_MIN_WIDTH = 480
# Widths are rounded down to this step before rendering, so a few pixels of resizing reuse the cache.
WIDTH_STEP = 40
MIN_WIDTH, MAX_WIDTH = 280, 640


class Heatmap(NamedTuple):
    """An SVG and where its cells are: (left, top, width, height) as fractions of the figure."""

    svg: str
    axes: tuple[float, float, float, float]
    width: int


def shown_width(column: int | None, default: int = 560) -> int:
    """The width to draw at for a column ``column`` pixels wide (None: not measured yet)."""
    width = default if column is None else column
    return int(min(MAX_WIDTH, max(MIN_WIDTH, width // WIDTH_STEP * WIDTH_STEP)))


def cell_texts(matrix: np.ndarray, normalized: bool) -> tuple[np.ndarray, np.ndarray]:
    """(values plotted, text in each cell): counts, or percent of each row; empty cells blank."""
    counts = np.asarray(matrix, dtype=np.int64)
    if normalized:
        totals = counts.sum(axis=1, keepdims=True)
        plotted = 100 * np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        texts = np.vectorize(lambda v: f"{v:.1f}" if v >= 0.05 else "")(plotted)
    else:
        plotted = counts.astype(float)
        texts = np.vectorize(lambda v: f"{v}" if v else "")(counts)
    return plotted, texts


@st.cache_data(show_spinner=False, max_entries=32)
def confusion_heatmap(
    matrix: tuple[tuple[int, ...], ...],
    *,
    normalized: bool,
    width: int,
    title: str,
    color_label: str,
    x_label: str = "predicted digit",
    y_label: str = "true digit",
) -> Heatmap:
    """The confusion matrix (rows true, columns predicted) as an SVG ``width`` pixels wide.

    Matplotlib's object API (``Figure``), not pyplot: no global state, safe in the server's
    threads. On a linear scale up to the diagonal (~1,000 per digit) every error (a handful
    each) would be the same near-white: the colours are capped at 1.5x the largest error, so
    the errors differ visibly and the diagonal saturates; the numbers in the cells are exact.
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    plotted, texts = cell_texts(np.array(matrix), normalized)
    size = plotted.shape[0]
    with_colorbar = width >= COLORBAR_MIN_WIDTH
    height = round(width * (0.86 if with_colorbar else 1.0))
    figure = Figure(figsize=(width / CSS_DPI, height / CSS_DPI), dpi=CSS_DPI, layout="constrained")
    axes = figure.subplots()
    # The cells take about 70% of the width (with a colour bar) or 82% (without).
    cell_pt = width * (0.70 if with_colorbar else 0.82) / size * 72 / CSS_DPI
    longest = max(1, max((len(text) for text in texts.ravel()), default=1))
    font_pt = float(np.clip(0.9 * cell_pt / (longest * DIGIT_WIDTH_EM), MIN_CELL_FONT_PT, MAX_CELL_FONT_PT))
    off_diagonal = plotted[~np.eye(size, dtype=bool)]
    vmax = max(float(off_diagonal.max(initial=0)) * 1.5, 1e-9)
    sns.heatmap(
        plotted,
        ax=axes,
        annot=texts,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=vmax,
        cbar=with_colorbar,
        cbar_kws={"label": f"{color_label} (colour capped at 1.5x the largest error)"} if with_colorbar else None,
        linewidths=0.5,
        linecolor="#e5e7eb",
        square=True,
        annot_kws={"fontsize": font_pt},
    )
    axes.set_xlabel(x_label, fontsize=11)
    axes.set_ylabel(y_label, fontsize=11)
    axes.set_title(title, fontsize=11)
    axes.tick_params(axis="both", labelsize=10)
    axes.tick_params(axis="y", rotation=0)
    if with_colorbar:
        figure.axes[-1].tick_params(labelsize=9)
        figure.axes[-1].yaxis.label.set_size(9)
    buffer = io.StringIO()
    # Saving lays the figure out: the axes' position is final after it. No date: the same SVG every time.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    box = axes.get_position()
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inside the page
    return Heatmap(svg, (float(box.x0), float(1 - box.y1), float(box.width), float(box.height)), width)
