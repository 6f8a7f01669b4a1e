"""Decode any image a user may hand us into one safe, predictable form, at a bounded cost.

``load_image`` accepts a path, bytes, a binary file object (a Streamlit upload),
a PIL image or a numpy array; gray, RGB or RGBA, gray + alpha, palette; 8- or 16-bit
or float; and returns an 8-bit RGB array in the orientation the photographer saw
(EXIF applied), with transparency composited. Everything that can go wrong with the
input becomes a ``DigitSightError`` with a message fit to show the user.

Hostile files (issue 23) cost little: the pixel count is checked from the header
before any pixel is decoded; only the first frame of a multi-page file is read (the
pages are never counted); only the formats DigitSight documents are opened; and
after decoding, the pixels are converted in horizontal bands, so no full-size float
copy is ever made. With ``max_pixels`` (what ``digitsight.read`` passes), a large
image is also shrunk while it is converted, so what stays in memory is small.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from digitsight.errors import DigitSightError
from digitsight.pixels import MAX_PIXELS, Pixels, check_size, to_rgb

# MAX_PIXELS (50 MP, in digitsight.pixels) bounds every image, checked from the header before decoding.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Larger images are downscaled for segmentation: handwritten digits stay tens of
# pixels tall at this size, and the pipeline's cost grows with the pixel count.
PROCESS_MAX_PIXELS = 1_200_000
# The formats DigitSight documents, as Pillow names them (a phone's MPO opens as JPEG; PPM
# covers the PNM family, which `read` takes from folders). Pillow is told to try only these,
# so EPS (which Pillow hands to Ghostscript), PSD, ICO and the others never reach a decoder,
# whatever the file's name says.
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF", "PPM")
READABLE = "PNG, JPEG, GIF, BMP, TIFF, WebP, PNM"
# A progressive JPEG has about 10 scans; libjpeg walks the whole image once per scan, so a
# small file repeating one scan thousands of times costs seconds. 100 leaves ample room.
MAX_JPEG_SCANS = 100
# Pillow decodes run-length BMPs in Python, about 10 MB of codes per second of CPU; 4 MB
# keeps a hostile one under half a second, and a real run-length BMP is a few kilobytes.
MAX_RLE_BMP_BYTES = 4 * 1024 * 1024
# Pillow decodes a WebP through three full-size copies (libwebp's canvas, the frame's bytes,
# the image: about 15 bytes a pixel, 0.75 GB at 49 MP); 16 MP keeps it near 250 MB. WebP is a
# format for the web and screenshots, where 16 MP is already large.
MAX_WEBP_PIXELS = 16_000_000
# EXIF orientation -> how to turn the stored pixels upright (as PIL.ImageOps.exif_transpose does).
_UPRIGHT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # upside down
    4: lambda a: a[::-1],  # mirrored top-bottom
    5: lambda a: a.swapaxes(0, 1),  # transposed
    6: lambda a: np.rot90(a, -1),  # stored 90 degrees anticlockwise (a portrait phone photo)
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),  # transversed
    8: lambda a: np.rot90(a, 1),  # stored 90 degrees clockwise
}


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image: ``rgb`` is (H, W, 3) uint8, upright.

    ``rgb`` is in the original resolution unless ``load_image`` was given ``max_pixels``
    and the image is larger; ``size`` is always the original's, and ``scale`` is rgb's
    width over the original's.
    """

    rgb: np.ndarray
    warnings: tuple[str, ...] = ()
    original_size: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the original image, in pixels."""
        if self.original_size is not None:
            return self.original_size
        return int(self.rgb.shape[1]), int(self.rgb.shape[0])

    @property
    def scale(self) -> float:
        return self.rgb.shape[1] / self.size[0]


def load_image(image: object, *, max_pixels: int | None = None) -> LoadedImage:
    """Decode ``image`` (path, bytes, file object, PIL image or ndarray) into 8-bit RGB.

    Parameters
    ----------
    image
        What to decode. An array is (H, W) gray, or (H, W, C) with C = 1 (gray), 2 (gray +
        alpha), 3 (RGB) or 4 (RGBA), of any real numeric dtype or bool.
    max_pixels
        If given, an image of more pixels may come back smaller (``LoadedImage.scale`` < 1):
        a JPEG decoded at 1/2, 1/4 or 1/8 scale (keeping at least ``max_pixels / 2``), any
        image of at least 4 x ``max_pixels`` shrunk by a whole factor (keeping at least
        ``max_pixels``, each output pixel the mean of a square of inputs). Decoding is then
        several times cheaper in time and memory.

    Raises ``DigitSightError`` for a missing, oversized, corrupt, truncated, empty or
    unsupported image, and for any failure inside the decoder.
    """
    if isinstance(image, LoadedImage):
        return image
    if isinstance(image, np.ndarray):
        return _from_array(image, max_pixels)
    if isinstance(image, Image.Image):
        return _guarded(lambda: _from_pil(image, max_pixels, data=None), image.format)
    if isinstance(image, (str, os.PathLike)):
        data = _read_file(Path(image))
    elif isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        _check_byte_count(len(data))
    elif hasattr(image, "read"):  # a binary file object, e.g. Streamlit's UploadedFile
        data = image.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, bytes):
            raise DigitSightError("the file object must be opened in binary mode")
        _check_byte_count(len(data))
    else:
        raise DigitSightError(
            f"cannot read an image from a {type(image).__name__}; pass a path, bytes, a PIL image or a numpy array"
        )
    opened = _open(data)
    try:
        return _guarded(lambda: _from_pil(opened, max_pixels, data=data), opened.format)
    finally:
        opened.close()


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W) uint8 luminance (ITU-R BT.601, as Pillow and OpenCV use)."""
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)


def processing_scale(size: tuple[int, int], max_pixels: int = PROCESS_MAX_PIXELS) -> float:
    """The factor (<= 1) that brings an image of ``size`` (w, h) down to at most ``max_pixels``."""
    width, height = size
    pixels = width * height
    return 1.0 if pixels <= max_pixels else float(np.sqrt(max_pixels / pixels))


def downscaled(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` shrunk by ``scale`` (area-averaged, so thin strokes fade rather than vanish); as is if scale >= 1."""
    import cv2

    if scale >= 1.0:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


# --------------------------------------------------------------------------- bytes -> PIL image


def _check_byte_count(count: int) -> None:
    if count == 0:
        raise DigitSightError("the file is empty (0 bytes)")
    if count > MAX_FILE_BYTES:
        raise DigitSightError(f"the file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB limit")


def _read_file(path: Path) -> bytes:
    if not path.exists():
        raise DigitSightError(f"{path}: file not found")
    if not path.is_file():
        raise DigitSightError(f"{path}: not a file")
    _check_byte_count(path.stat().st_size)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DigitSightError(f"{path}: cannot read the file ({error.strerror or error})") from error


def _open(data: bytes) -> Image.Image:
    """Pillow's lazy open (the header only), restricted to FORMATS; every failure a DigitSightError."""
    try:
        with warnings.catch_warnings():
            # Pillow warns about odd metadata and about sizes between its bomb limit and twice
            # that; our own limit is stricter, and a user sees only DigitSight's messages.
            warnings.simplefilter("ignore")
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise DigitSightError(
            f"the image is too large (its header declares more than {MAX_PIXELS // 1_000_000} megapixels)"
        ) from error
    except UnidentifiedImageError as error:
        raise DigitSightError(f"not an image file DigitSight can read ({READABLE})") from error
    except Exception as error:  # whatever a plugin raises on a bad header: a corrupt file
        raise DigitSightError(f"the image file is corrupt ({_detail(error)})") from error


def _guarded(decode: Callable[[], LoadedImage], kind: str | None) -> LoadedImage:
    """Run ``decode``; any failure inside it (Pillow, libtiff, numpy) becomes one DigitSightError."""
    # Pillow pads a truncated file with gray when this is set; some library may set it globally.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return decode()
    except DigitSightError:
        raise
    except MemoryError as error:
        raise DigitSightError("the image is too large to decode in the memory this computer has free") from error
    except Exception as error:  # the decoders raise anything on hostile data (issue 23)
        name = f"{kind} file" if kind else "image file"
        if "truncated" in str(error) or "premature end" in str(error).lower():
            raise DigitSightError(f"the {name} is truncated: its data ends before the image does") from error
        raise DigitSightError(f"the {name} is corrupt ({_detail(error)})") from error


def _detail(error: Exception) -> str:
    """The decoder's own words, on one line: "broken PNG file", or "KeyError: 36" where it has none."""
    text = " ".join(str(error).split())
    if not isinstance(error, (OSError, ValueError, SyntaxError, EOFError)) or not text:
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text[:200]


def _check_cost(image: Image.Image, data: bytes | None) -> None:
    """Refuse the files whose decoding cost the pixel count does not bound (see the constants)."""
    if image.format in ("JPEG", "MPO") and data is not None:
        if data.count(b"\xff\xda") > MAX_JPEG_SCANS:  # start-of-scan markers (0xFF never occurs unescaped in scans)
            raise DigitSightError(f"the JPEG file has more than {MAX_JPEG_SCANS} scans; no camera writes that many")
        _check_jpeg_data(data)
    if image.format == "WEBP" and image.size[0] * image.size[1] > MAX_WEBP_PIXELS:
        raise DigitSightError(
            f"WebP images over {MAX_WEBP_PIXELS // 1_000_000} megapixels are not supported; save it as PNG or JPEG"
        )
    rle = image.format == "BMP" and image.tile and image.tile[0][0] == "bmp_rle"
    if rle and data is not None and len(data) > MAX_RLE_BMP_BYTES:
        raise DigitSightError(
            f"run-length compressed BMP files over {MAX_RLE_BMP_BYTES // (1024 * 1024)} MB are not supported; "
            "save the image as PNG"
        )


def _check_jpeg_data(data: bytes) -> None:
    """Refuse a JPEG whose data ends early: libjpeg (inside Pillow) pads the missing part with gray, silently.

    simplejpeg decodes with libjpeg-turbo's warnings turned into errors; at 1/8 scale this costs
    about one entropy decode. Other warnings (stray bytes before a marker, which some cameras
    write) are left to Pillow, which reads such files as it always has.
    """
    import simplejpeg

    try:
        simplejpeg.decode_jpeg(data, colorspace="GRAY", min_height=1, min_width=1, strict=True)
    except ValueError as error:
        if "premature end" in str(error).lower():
            raise DigitSightError("the JPEG file is truncated: its data ends before the image does") from error


def _from_pil(image: Image.Image, max_pixels: int | None, data: bytes | None) -> LoadedImage:
    notes: list[str] = []
    width, height = image.size
    check_size(width, height)  # from the header alone, before any pixel is decoded
    _check_cost(image, data)
    # is_animated looks at most one frame ahead; n_frames would walk every page of a TIFF.
    if getattr(image, "is_animated", False):
        image.seek(0)
        notes.append("animated or multi-page image: read the first frame only")
    orientation = image.getexif().get(0x0112, 1)  # phones store portrait photos sideways plus this tag
    if max_pixels and image.format in ("JPEG", "MPO") and width * height > 2 * max_pixels:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost; keep >= max_pixels / 2.
        factor = 2 ** min(3, int(np.log2(2 * width * height / max_pixels) // 2))
        image.draft(image.mode, (image.size[0] // factor, image.size[1] // factor))
    image.load()
    rgb = to_rgb(Pixels.of_pil(image), max_pixels)
    rgb = np.ascontiguousarray(_UPRIGHT.get(orientation, lambda a: a)(rgb))
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    original = upright if rgb.shape[1] != upright[0] else None
    return LoadedImage(rgb, tuple(notes), original)


def _from_array(array: np.ndarray, max_pixels: int | None) -> LoadedImage:
    pixels = Pixels.of_array(array)
    rgb = to_rgb(pixels, max_pixels)
    original = (pixels.width, pixels.height) if rgb.shape[1] != pixels.width else None
    return LoadedImage(rgb, (), original)
