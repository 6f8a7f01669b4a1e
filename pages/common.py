"""Helpers the dashboard's pages share: cached model and report, examples, error handling.

Not a page itself (``app.py`` lists the pages). Nothing here imports TensorFlow at
module level: the home and collaborators pages stay light, and the model loads the
first time a page asks for ``classifier()``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from digitsight.errors import DigitSightError

if TYPE_CHECKING:
    from digitsight.classifier import Classifier

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "assets" / "examples"
COLLABORATORS_FILE = ROOT / "docs" / "collaborators.toml"

# Session-state key the home page sets to open an example in the predictor.
EXAMPLE_REQUEST = "example_request"

log = logging.getLogger("digitsight.app")


@st.cache_resource(show_spinner="Loading the model (once per server)...")
def classifier() -> Classifier:
    """The shipped model, loaded once per server process and shared by every session.

    ``digitsight.read`` uses the same process-wide instance (``load_classifier`` keeps
    one per model path), so calling this first just moves the load under a spinner.
    """
    from digitsight.classifier import load_classifier

    return load_classifier()


def _report_path() -> Path:
    from digitsight.classifier import DEFAULT_MODEL_PATH
    from digitsight.evaluation import report_path_for

    return report_path_for(DEFAULT_MODEL_PATH)


@st.cache_data(show_spinner=False)
def _load_report(path: str, modified: float) -> dict[str, Any]:
    # ``modified`` is part of the cache key: a retrained model's report is picked up.
    from digitsight.evaluation import load_report

    return load_report(Path(path))


def report() -> dict[str, Any]:
    """The shipped model's evaluation report (cached; raises DigitSightError if missing)."""
    path = _report_path()
    if not path.is_file():
        raise DigitSightError(
            "The model's evaluation report is missing. Train the model first: `python training/train.py`."
        )
    return _load_report(str(path), path.stat().st_mtime)


def examples() -> list[dict[str, Any]]:
    """The example gallery: [{"file", "caption", "number", "path"}], from assets/examples/examples.json."""
    index = json.loads((EXAMPLES_DIR / "examples.json").read_text())
    return [{**item, "path": EXAMPLES_DIR / item["file"]} for item in index]


def open_example(file: str) -> None:
    """Button callback: show the example ``file`` on the predictor page."""
    st.session_state[EXAMPLE_REQUEST] = file


def run_page(main: Callable[[], None]) -> None:
    """Run a page's body; any failure becomes a plain ``st.error``, never a stack trace.

    DigitSightError messages are written for users and are shown as they are; anything
    else is logged with its traceback on the server and shown as a generic message.
    Streamlit's own control flow (st.rerun, st.switch_page) derives from BaseException
    and passes through.
    """
    try:
        main()
    except DigitSightError as error:
        st.error(str(error), icon=":material/error:")
    except Exception:  # noqa: BLE001 - the last line of defence: the user sees a message, the log the trace
        log.exception("page failed")
        st.error(
            "Something went wrong on our side. Please try again; if it keeps happening, "
            "the server log has the details.",
            icon=":material/error:",
        )


def percent(value: float, digits: int = 2) -> str:
    """0.98765 -> '98.77%'."""
    return f"{value * 100:.{digits}f}%"
