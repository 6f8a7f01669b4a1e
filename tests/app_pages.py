"""What the dashboard's AppTest tests share: opening a page, uploading, and reading what a page shows.

Each test starts at ``app.py`` (so ``st.navigation`` and the shared setup run as in
production) and switches to the page under test. The first run that reads an image waits
for the models (seconds on a busy 2-core machine), hence the generous timeout; later runs
reuse the process-wide models. The fixtures these tests use (``model``, ``downloads``,
``no_speech_engine``) are in ``tests/conftest.py``.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

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
