"""Helpers the dashboard's pages share: the served model's path and report, examples, error handling.

Not a page itself (``app.py`` lists the pages; ``pages/ui/`` holds the larger building
blocks, the models included: ``pages.ui.models``). Nothing here loads a model.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from digitsight.errors import DigitSightError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "assets" / "examples"
COLLABORATORS_FILE = ROOT / "docs" / "collaborators.toml"

MODEL_ENV = "DIGITSIGHT_MODEL"
# Session-state key the home page sets to open an example in the predictor.
EXAMPLE_REQUEST = "example_request"

log = logging.getLogger("digitsight.app")


def model_path() -> Path:
    """The model the dashboard serves; its report and misclassified images sit beside it.

    The shipped model, unless ``$DIGITSIGHT_MODEL`` names another ``.keras`` file (say, a
    fresh training run to try out before it replaces the shipped one).
    """
    from digitsight.nets.digits import DEFAULT_MODEL_PATH

    return Path(os.environ.get(MODEL_ENV) or DEFAULT_MODEL_PATH)


@st.cache_data(show_spinner=False)
def _load_report(model: str, modified: float) -> dict[str, Any]:
    # ``modified`` is part of the cache key: a retrained model's report is picked up.
    from digitsight.evaluation import load_report

    return load_report(Path(model))


def report() -> dict[str, Any]:
    """The served model's evaluation report (cached; raises DigitSightError if missing)."""
    from digitsight.evaluation import report_path_for

    path = report_path_for(model_path())
    if not path.is_file():
        raise DigitSightError(
            "The model's evaluation report is missing. Train the model first: `python -m training.train`."
        )
    return _load_report(str(model_path()), path.stat().st_mtime)


def examples() -> list[dict[str, Any]]:
    """The example gallery: [{"file", "caption", "number", "path"}], from assets/examples/examples.json."""
    index = json.loads((EXAMPLES_DIR / "examples.json").read_text())
    return [{**item, "path": EXAMPLES_DIR / item["file"]} for item in index]


@st.cache_data(show_spinner=False)
def thumbnail(path: str, aspect: float = 2.4) -> np.ndarray:
    """The image at ``path`` padded to width/height = ``aspect`` with its own corner colour.

    Gallery cards then line up, whatever each example's shape.
    """
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB"))
    height, width = pixels.shape[:2]
    target_w, target_h = max(width, round(height * aspect)), max(height, round(width / aspect))
    canvas = np.empty((target_h, target_w, 3), dtype=np.uint8)
    canvas[:] = pixels[0, 0]
    top, left = (target_h - height) // 2, (target_w - width) // 2
    canvas[top : top + height, left : left + width] = pixels
    return canvas


def open_example(file: str) -> None:
    """Button callback: show the example ``file`` on the predictor page."""
    st.session_state[EXAMPLE_REQUEST] = file


def leave_legacy_pages_mode() -> None:
    """Make sure this run goes through ``app.py``'s ``st.navigation``, not Streamlit's old pages/ mode.

    Streamlit 1.67 runs a server's first script runs in its legacy multipage mode when a
    folder named ``pages/`` sits next to the main script (the product's layout): it lists
    every ``pages/*.py`` file in the sidebar (``common`` included) and runs the requested
    page without ``app.py``, until some run calls ``st.navigation`` itself. The flag it
    keeps is still set while such a run executes, so seeing it here means "legacy run":
    clear it and rerun at once; the rerun goes through ``app.py`` and, because each
    ``url_path`` in app.py equals the page's file name, lands on the same page.
    (``streamlit.runtime.pages_manager`` is internal: recheck this when upgrading Streamlit.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def run_page(main: Callable[[], None]) -> None:
    """Run a page's body; any failure becomes a plain ``st.error``, never a stack trace.

    DigitSightError messages are written for users and are shown as they are; anything
    else is logged with its traceback on the server and shown as a generic message.
    Streamlit's own control flow (st.rerun, st.switch_page) derives from BaseException
    and passes through.
    """
    leave_legacy_pages_mode()
    try:
        main()
    except DigitSightError as error:
        st.error(sentence(str(error)), icon=":material/error:")
    except Exception:  # the last line of defence: the user sees a message, the log the trace
        log.exception("page failed")
        st.error(
            "Something went wrong on our side. Please try again; if it keeps happening, "
            "the server log has the details.",
            icon=":material/error:",
        )


def sentence(message: str) -> str:
    """digitsight's messages start in lower case (they read well after "error: "); a UI shows sentences."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?", ")")) else ".")


def percent(value: float, digits: int = 2) -> str:
    """0.98765 -> '98.77%'."""
    return f"{value * 100:.{digits}f}%"
