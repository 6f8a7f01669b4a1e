"""Uploaded files: which ones are images, what is inside a .zip, and plain words for a refusal.

The uploaders take any file (no ``type=`` filter): a filter makes Streamlit refuse a file
in the browser with a red chip whose reason shows only on hover, and leaves the last
result on the page. Here every file reaches the server, and one that is not an image gets
a sentence saying so. Files over the upload limit never reach the server; the page learns
of them from ``pages.ui.browser.upload_guard``.

A .zip is read in memory, never unpacked to disk, with limits on the number of members
and on the bytes they expand to (a zip bomb is a small file that expands to gigabytes).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

# What digitsight.imaging decodes (Pillow), by file extension; what the uploaders invite.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
FORMATS_IN_WORDS = "PNG, JPEG, WebP, BMP, TIFF or GIF"
# The largest upload, in megabytes: .streamlit/config.toml's server.maxUploadSize (a 24-megapixel
# phone JPEG is 5-12 MB; 20 MB leaves room for PNG and TIFF scans).
MAX_UPLOAD_MB = 20
# A .zip for batch reading or evaluation: at most this many members are read, and at most this
# many bytes in all once expanded (about forty 12-megapixel PNGs); more is refused, not truncated.
ZIP_MAX_MEMBERS = 500
ZIP_MAX_EXPANDED_BYTES = 400 * 1024 * 1024
# One member may expand to at most this (digitsight.imaging refuses larger files anyway).
ZIP_MAX_MEMBER_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class NamedFile:
    """A file's name (as uploaded, or its path inside a zip) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Refused:
    """A file that is not read, and why, in a sentence fit for the page."""

    name: str
    reason: str


def is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB"


def too_large(name: str, size: int) -> str:
    """The sentence for a file the browser refused for its size."""
    return (
        f"{name} was not uploaded: it is {megabytes(size)}, and the largest file DigitSight takes is "
        f"{MAX_UPLOAD_MB} MB. Crop the photo to the number, or save it at a smaller size, and try again."
    )


def not_an_image(name: str, detail: str = "") -> str:
    """The sentence for a file that is not an image DigitSight reads (``detail``: the decoder's words)."""
    detail = detail.strip().rstrip(".")
    if not detail:
        return f"{name} is not an image DigitSight can read: it reads {FORMATS_IN_WORDS} files."
    formats = "" if "PNG" in detail else f" DigitSight reads {FORMATS_IN_WORDS} files."
    return f"{name} cannot be read: {detail[:1].lower() + detail[1:]}.{formats}"


def expand(files: list[NamedFile]) -> tuple[list[NamedFile], list[NamedFile], list[Refused]]:
    """Split uploads into (images, other files, refused), opening each .zip.

    Images are recognized by their extension (decoding says the rest); "other files" are
    those a caller may want, such as ``labels.csv``. Members of a zip are named by their
    path inside it; folders, hidden files and macOS resource forks are skipped.
    """
    images: list[NamedFile] = []
    others: list[NamedFile] = []
    refused: list[Refused] = []
    for file in files:
        if file.name.lower().endswith(".zip"):
            try:
                members = zip_members(file)
            except ValueError as error:
                refused.append(Refused(file.name, str(error)))
                continue
            for member in members:
                (images if is_image_name(member.name) else others).append(member)
        elif is_image_name(file.name):
            images.append(file)
        else:
            others.append(file)
    return images, others, refused


def zip_members(archive: NamedFile) -> list[NamedFile]:
    """The files inside ``archive``, read in memory; ValueError (a sentence) for a bad or too large zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
            entries = [entry for entry in opened.infolist() if _wanted(entry)]
            if len(entries) > ZIP_MAX_MEMBERS:
                raise ValueError(
                    f"{archive.name} holds {len(entries)} files; DigitSight reads at most {ZIP_MAX_MEMBERS} "
                    "from one zip. Split it into smaller ones."
                )
            # file_size is what the archive claims; the reads below are capped too, so a lying
            # header cannot make us expand more than the limits.
            claimed = sum(entry.file_size for entry in entries)
            if claimed > ZIP_MAX_EXPANDED_BYTES or any(e.file_size > ZIP_MAX_MEMBER_BYTES for e in entries):
                raise ValueError(
                    f"{archive.name} expands to {megabytes(claimed)}, more than DigitSight unpacks "
                    f"({megabytes(ZIP_MAX_EXPANDED_BYTES)} in all, {megabytes(ZIP_MAX_MEMBER_BYTES)} per file)."
                )
            members = []
            for entry in entries:
                with opened.open(entry) as handle:
                    data = handle.read(ZIP_MAX_MEMBER_BYTES + 1)
                if len(data) > ZIP_MAX_MEMBER_BYTES:
                    raise ValueError(f"{archive.name}: {entry.filename} expands to more than it says.")
                members.append(NamedFile(entry.filename, data))
            return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unsupported compression method.
        raise ValueError(f"{archive.name} cannot be opened as a zip file ({error}).") from error


def _wanted(entry: zipfile.ZipInfo) -> bool:
    """Files only: no folders, no hidden files, nothing from macOS's __MACOSX resource forks."""
    path = PurePosixPath(entry.filename)
    return not entry.is_dir() and path.parts[0] != "__MACOSX" and not path.name.startswith(".")
