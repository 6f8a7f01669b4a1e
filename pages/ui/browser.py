"""Small in-page browser helpers (``st.components.v2``): what Streamlit's own widgets cannot do.

- ``column_width``: the width of the column it is placed in, so the drawing canvas fits it.
- ``copy_button``: copies a text to the clipboard with one click.
- ``upload_guard``: notices a file the uploader refuses in the browser (too large), which
  Streamlit only shows as a red chip whose reason appears on hover; the page says why.
- ``clickable_heatmap``: an SVG (the seaborn heatmap) with a transparent button over each
  cell that can be picked.

Each is a few lines of JavaScript run in the page itself (no iframe, nothing fetched), with
no visible state of its own in AppTest, where each returns its default value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

_WIDTH_JS = """
export default function ({ parentElement, setStateValue }) {
  // With isolated styles the component lives in a shadow root: measure its host element.
  const host = parentElement.host || parentElement;
  let last = 0;
  const report = () => {
    const width = Math.floor(host.getBoundingClientRect().width);
    // Ignore jitter of a few pixels (scroll bars coming and going); report real changes.
    if (width > 0 && Math.abs(width - last) >= 8) {
      last = width;
      setStateValue("width", width);
    }
  };
  const observer = new ResizeObserver(report);
  observer.observe(host);
  report();
  return () => observer.disconnect();
}
"""

_COPY_HTML = '<button type="button" class="ds-copy"></button><span class="ds-copied" aria-live="polite"></span>'
_COPY_CSS = """
.ds-copy {font: inherit; font-size: 0.95rem; padding: 0.3rem 0.8rem; border-radius: 0.5rem; cursor: pointer;
          border: 1px solid rgba(49, 51, 63, 0.2); background: var(--st-background-color, #fff);
          color: var(--st-text-color, #31333f);}
.ds-copy:hover {border-color: var(--st-primary-color, #2f6fde); color: var(--st-primary-color, #2f6fde);}
.ds-copied {margin-left: 0.6rem; font-size: 0.85rem; color: #15803d;}
"""
_COPY_JS = """
export default function ({ parentElement, data }) {
  const button = parentElement.querySelector(".ds-copy");
  const status = parentElement.querySelector(".ds-copied");
  button.textContent = data.label;
  button.setAttribute("aria-label", data.label + ": " + data.text);
  const fallback = (text) => {
    // navigator.clipboard needs a secure context (https or localhost); a LAN address over http has none.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  };
  button.onclick = async () => {
    let done = false;
    try {
      await navigator.clipboard.writeText(data.text);
      done = true;
    } catch (error) {
      done = fallback(data.text);
    }
    status.textContent = done ? "Copied" : "Select the number and copy it by hand";
    setTimeout(() => { status.textContent = ""; }, 2500);
  };
}
"""

_GUARD_JS = """
export default function ({ data, setTriggerValue }) {
  // Streamlit's uploader refuses an over-size file in the browser, before the server sees it.
  // Watch the page's file inputs and drops, and tell the page which file it refuses and why.
  const check = (files) => {
    for (const file of Array.from(files || [])) {
      if (file.size > data.limit) {
        setTriggerValue("refused", { name: file.name, bytes: file.size, at: Date.now() });
        return;
      }
    }
  };
  const onChange = (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file") check(input.files);
  };
  const onDrop = (event) => check(event.dataTransfer && event.dataTransfer.files);
  document.addEventListener("change", onChange, true);
  document.addEventListener("drop", onDrop, true);
  return () => {
    document.removeEventListener("change", onChange, true);
    document.removeEventListener("drop", onDrop, true);
  };
}
"""

_HEATMAP_CSS = """
.ds-heatmap {position: relative; width: 100%; max-width: var(--ds-width); margin: 0 auto;}
.ds-heatmap svg {display: block; width: 100%; height: auto;}
.ds-grid {position: absolute; display: grid;}
.ds-grid button {background: transparent; border: 0; padding: 0; margin: 0; cursor: pointer;}
.ds-grid button:hover, .ds-grid button:focus-visible {outline: 2px solid #f97316; outline-offset: -2px;}
.ds-grid button.ds-picked {outline: 3px solid #c2410c; outline-offset: -3px;}
.ds-grid span {pointer-events: none;}
"""
_HEATMAP_JS = """
export default function ({ parentElement, data, setTriggerValue }) {
  let root = parentElement.querySelector(".ds-heatmap");
  if (!root) {
    root = document.createElement("div");
    root.className = "ds-heatmap";
    parentElement.appendChild(root);
  }
  root.style.setProperty("--ds-width", data.width + "px");
  root.innerHTML = data.svg;  // our own seaborn rendering, made on the server
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", data.title);
  const grid = document.createElement("div");
  grid.className = "ds-grid";
  const [left, top, width, height] = data.axes;  // the cells' area, as fractions of the figure
  Object.assign(grid.style, {
    left: 100 * left + "%", top: 100 * top + "%", width: 100 * width + "%", height: 100 * height + "%",
    gridTemplateColumns: "repeat(" + data.size + ", 1fr)", gridTemplateRows: "repeat(" + data.size + ", 1fr)",
  });
  for (const cell of data.cells) {
    const button = document.createElement("button");
    button.type = "button";
    button.style.gridRow = String(cell.row + 1);
    button.style.gridColumn = String(cell.column + 1);
    button.title = cell.label;
    button.setAttribute("aria-label", cell.label);
    if (data.picked && data.picked[0] === cell.row && data.picked[1] === cell.column) {
      button.classList.add("ds-picked");
      button.setAttribute("aria-pressed", "true");
    }
    button.onclick = () => setTriggerValue("cell", [cell.row, cell.column]);
    grid.appendChild(button);
  }
  root.appendChild(grid);
}
"""


@functools.cache
def _component(name: str, **parts: str) -> Callable[..., Any]:
    """Register a component once per process (registering again under one name logs a warning)."""
    return st.components.v2.component(f"digitsight_{name}", **parts)


def column_width(key: str, default: int | None = None) -> int | None:
    """The width in CSS pixels of the column this is called in, or ``default`` until the browser says.

    Rerunning the page whenever the column's width changes (a phone turned sideways).
    """
    probe = _component("column_width", js=_WIDTH_JS)
    result = probe(key=key, default={"width": default}, on_width_change=lambda: None, height=0)
    width = _value(result, "width")
    return int(width) if width else default


def copy_button(text: str, *, label: str = "Copy the number", key: str) -> None:
    """A button that puts ``text`` on the clipboard (no rerun: nothing goes back to the server)."""
    button = _component("copy_button", html=_COPY_HTML, css=_COPY_CSS, js=_COPY_JS)
    button(key=key, data={"text": text, "label": label})


def upload_guard(limit_bytes: int, *, key: str) -> dict[str, Any] | None:
    """``{"name", "bytes"}`` of a file the browser just refused for being over ``limit_bytes``, else None.

    Place it once on a page, before its uploaders (whose limit is ``limit_bytes``): the page
    can then say why in the same run. The value is there for one run only.
    """
    guard = _component("upload_guard", js=_GUARD_JS)
    result = guard(key=key, data={"limit": limit_bytes}, on_refused_change=lambda: None, height=0)
    return _value(result, "refused")


def clickable_heatmap(
    svg: str,
    *,
    axes: tuple[float, float, float, float],
    size: int,
    cells: list[dict[str, Any]],
    width: int,
    title: str,
    picked: tuple[int, int] | None,
    key: str,
) -> tuple[int, int] | None:
    """Show ``svg`` at up to ``width`` pixels with a button over each cell in ``cells``.

    Parameters
    ----------
    axes:
        (left, top, width, height) of the ``size`` x ``size`` grid of cells, as fractions of the figure.
    cells:
        ``{"row", "column", "label"}`` for each cell that can be picked; ``label`` is what a
        screen reader says and a mouse pointer shows.
    picked:
        The (row, column) picked now, outlined.

    Returns
    -------
    The (row, column) just clicked, in the run the click causes; else None.
    """
    heatmap = _component("heatmap", css=_HEATMAP_CSS, js=_HEATMAP_JS)
    data = {
        "svg": svg,
        "axes": list(axes),
        "cells": cells,
        "size": size,
        "width": width,
        "title": title,
        "picked": list(picked) if picked else None,
    }
    result = heatmap(key=key, data=data, on_cell_change=lambda: None)
    cell = _value(result, "cell")
    return (int(cell[0]), int(cell[1])) if cell else None


def _value(result: Any, name: str) -> Any:
    """A component's state or trigger value (the result is a dict-like object in Streamlit 1.67)."""
    if isinstance(result, dict):
        return result.get(name)
    return getattr(result, name, None)
