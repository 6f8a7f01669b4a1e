"""A .zip archive made in memory, for the tests that upload one (AppTest and the real browser)."""

from __future__ import annotations

import io
import zipfile


def zip_of(files: dict[str, bytes]) -> bytes:
    """The bytes of a .zip holding ``files`` (member name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
