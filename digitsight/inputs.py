"""What ``python -m digitsight read`` is given, as a list of images: files, folders, globs, .zip archives, URLs.

``expand_inputs`` turns the command line's arguments into image names, and ``load_source``
decodes one of them. A name is what the output records as ``"file"``:

- a local path, as given (``scans/001.jpg``), or found in a folder or by a glob;
- an image inside a .zip archive, as an fsspec URL: ``zip://inner/001.jpg::scans.zip``;
- any fsspec URL (``s3://bucket/001.jpg``, ``gs://...``) when its driver (s3fs, gcsfs)
  is installed, so that the workers of a cluster open the same name the client expanded.

Nothing here reads an image's pixels; a name that turns out not to be an image becomes
an error record when it is read, and the batch goes on.
"""

from __future__ import annotations

import glob
import zipfile
from collections.abc import Iterable
from pathlib import Path

from digitsight.errors import DigitSightError
from digitsight.imaging import MAX_FILE_BYTES, LoadedImage, load_image

# Files taken from a folder or an archive (a file named on the command line is read
# whatever its name): the formats scanners and phones write, and the ones Pillow reads
# that people keep scans in. Anything else in a folder (a README, a .csv of labels) is skipped.
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm", ".pnm"}
)


def is_url(name: str) -> bool:
    """Whether ``name`` is an fsspec URL (``s3://...``, ``zip://a.png::b.zip``) rather than a local path."""
    return "://" in name or "::" in name


def expand_inputs(arguments: Iterable[str], recursive: bool = False) -> list[str]:
    """The image names ``arguments`` stand for, in order, each once.

    Parameters: ``arguments``, files, folders, glob patterns, .zip archives or fsspec URLs
    of any of those; ``recursive``, whether folders are searched below their top level
    (and ``**`` in a glob matches folders at any depth).

    A folder or archive gives its images (``IMAGE_SUFFIXES``) sorted by name; a glob the
    files it matches, sorted; anything else is taken as the name of one image, even when
    no such file exists (reading it then gives a "file not found" record, as the shell
    would). Raises DigitSightError for an archive that cannot be opened or an fsspec
    URL whose driver is not installed.
    """
    names: list[str] = []
    for argument in arguments:
        names += _expand_url(argument, recursive) if is_url(argument) else _expand_local(argument, recursive)
    return list(dict.fromkeys(names))


def load_source(name: str, max_pixels: int | None = None) -> LoadedImage:
    """Decode the image ``name`` (a name from ``expand_inputs``); DigitSightError if it cannot be read.

    ``max_pixels``: as ``imaging.load_image``'s: a larger image may come back shrunk while it is
    decoded (readers pass ``PROCESS_MAX_PIXELS``, so a huge image never exists at full size).
    """
    if not is_url(name):
        if name.lower().endswith(".zip"):
            _archive_members(name)  # raises DigitSightError saying why the archive was not expanded
            raise DigitSightError(f"{name}: a .zip archive, not an image")
        return load_image(Path(name), max_pixels=max_pixels)  # the local file's own checks and messages
    import fsspec

    try:
        with fsspec.open(name, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # one byte past the limit is enough to refuse it
    except FileNotFoundError as error:
        raise DigitSightError(f"{name}: file not found") from error
    except (OSError, ValueError, ImportError) as error:  # fsspec reports a missing driver as ImportError
        raise DigitSightError(f"{name}: cannot read the file ({error})") from error
    return load_image(data, max_pixels=max_pixels)


def _expand_local(argument: str, recursive: bool) -> list[str]:
    path = Path(argument)
    if path.is_dir():
        found = path.rglob("*") if recursive else path.iterdir()
        return sorted(str(file) for file in found if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file())
    if glob.has_magic(argument):
        matches = [match for match in sorted(glob.glob(argument, recursive=recursive)) if Path(match).is_file()]
        # No match: the pattern itself, which then reads as "file not found", as the shell would pass it on.
        return [name for match in matches for name in _expand_local(match, recursive)] or [argument]
    if path.suffix.lower() == ".zip" and path.is_file():
        try:
            return _archive_members(argument)
        except DigitSightError:
            return [argument]  # a broken archive is one error record (``load_source`` says why), not a failed run
    return [argument]


def _expand_url(argument: str, recursive: bool) -> list[str]:
    import fsspec

    try:
        filesystem, root = fsspec.core.url_to_fs(argument)
        if filesystem.isdir(root):
            found = filesystem.find(root) if recursive else filesystem.ls(root, detail=False)
            files = [file for file in found if Path(file).suffix.lower() in IMAGE_SUFFIXES]
            return [filesystem.unstrip_protocol(file) for file in sorted(files)]
        if glob.has_magic(root):
            matches = sorted(filesystem.glob(root))
            return [filesystem.unstrip_protocol(file) for file in matches] or [argument]
    except (OSError, ValueError, ImportError) as error:
        raise DigitSightError(f"cannot list {argument}: {error}") from error
    if Path(root).suffix.lower() == ".zip" and "::" not in argument:
        return _archive_members(argument)
    return [argument]


def _archive_members(archive: str) -> list[str]:
    """The images in the .zip ``archive`` (a path or URL) as fsspec URLs, sorted by name."""
    import fsspec

    try:
        with fsspec.open(archive, "rb") as file, zipfile.ZipFile(file) as opened:
            members = [info.filename for info in opened.infolist() if not info.is_dir()]
    except (OSError, ValueError, ImportError, zipfile.BadZipFile) as error:
        raise DigitSightError(f"cannot open the archive {archive}: {error}") from error
    images = sorted(member for member in members if Path(member).suffix.lower() in IMAGE_SUFFIXES)
    return [f"zip://{member}::{archive}" for member in images]
