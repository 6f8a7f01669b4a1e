"""The reading benchmark's report: how often the whole reader gets a whole number right, per category.

The evaluation page shows it and never recomputes it (reading thousands of images takes
minutes). The file is ``docs/reading_report.json``, written by the reading benchmark and
shipped with the repository, in this shape (extra keys are ignored)::

    {
      "command": "python benchmarks/bench_reading.py ...",   # how to make it again
      "date": "2026-12-05",                                   # optional
      "source": "MNIST test digits",                          # optional: what the synthetic images are made of
      "categories": [
        {"name": "clean", "kind": "synthetic", "images": 400, "exact": 0.957, "cer": 0.012},
        {"name": "realworld", "kind": "real", "images": 19, "exact": 0.84, "cer": 0.05},
        ...
      ]
    }

``exact`` (or ``exact_match``) is the share of images read exactly, ``cer`` the character
error rate; ``kind`` is ``synthetic`` or ``real``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from digitsight.errors import DigitSightError
from pages.common import ROOT

READER_REPORT = ROOT / "docs" / "reading_report.json"


def load_reader_report(path: Path | None = None) -> dict[str, Any] | None:
    """The report (READER_REPORT unless ``path``) with its categories as ``{"name", "kind", "images", "exact", "cer"}``.

    None when the file does not exist; DigitSightError when it exists but cannot be used.
    """
    path = path or READER_REPORT
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        categories = [_category(item) for item in data["categories"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DigitSightError(f"cannot read the reading report {path.name}: {error}") from error
    return {**data, "categories": categories}


def _category(item: dict[str, Any]) -> dict[str, Any]:
    exact = item["exact"] if "exact" in item else item["exact_match"]
    return {
        "name": str(item["name"]),
        "kind": str(item.get("kind", "synthetic")),
        "images": int(item.get("images", item.get("n", 0))),
        "exact": float(exact),
        "cer": None if item.get("cer") is None else float(item["cer"]),
    }
