"""Decode any image a user may hand us into one safe, predictable form.

``load_image`` accepts a path, bytes, a binary file object (a Streamlit upload),
a PIL image or a numpy array; gray, RGB or RGBA; 8- or 16-bit; and returns an
8-bit RGB array in the orientation the photographer saw (EXIF applied), with
transparency composited. Everything that can go wrong with the input becomes a
``DigitSightError`` with a message fit to show the user.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digitsight.errors import DigitSightError

# A phone photo is 12-50 megapixels; anything past this is a decompression bomb
# (a small file that would expand to gigabytes) or not a photo of a number.
MAX_PIXELS = 50_000_000
MAX_FILE_BYTES = 50 * 1024 * 1024
# Larger images are downscaled for segmentation: handwritten digits stay tens of
# pixels tall at this size, and the pipeline's cost grows with the pixel count.
PROCESS_MAX_PIXELS = 1_200_000


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image: ``rgb`` is (H, W, 3) uint8, upright.

    ``rgb`` is in the original resolution unless the loader was allowed to decode a
    large JPEG at a reduced scale (``load_image(..., max_pixels=...)``); ``size`` is
    always the original's, and ``scale`` is rgb's width over the original's.
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

    With ``max_pixels``, a JPEG larger than that may be decoded at 1/2, 1/4 or 1/8
    scale (still at least ``max_pixels``), several times faster; see ``LoadedImage``.
    Raises ``DigitSightError`` for a missing, oversized, corrupt, empty or unsupported image.
    """
    if isinstance(image, LoadedImage):
        return image
    if isinstance(image, np.ndarray):
        return LoadedImage(_array_to_rgb(image))
    if isinstance(image, Image.Image):
        return _decode_pil(image)
    if isinstance(image, (str, os.PathLike)):
        return _decode_pil(_open(_read_file(Path(image))), max_pixels)
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        _check_byte_count(len(data))
        return _decode_pil(_open(data), max_pixels)
    if hasattr(image, "read"):  # a binary file object, e.g. Streamlit's UploadedFile
        data = image.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, bytes):
            raise DigitSightError("the file object must be opened in binary mode")
        _check_byte_count(len(data))
        return _decode_pil(_open(data), max_pixels)
    raise DigitSightError(
        f"cannot read an image from a {type(image).__name__}; pass a path, bytes, a PIL image or a numpy array"
    )


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
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; our own limit is stricter.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise DigitSightError(
            f"the image is too large (its header declares more than {MAX_PIXELS // 1_000_000} megapixels)"
        ) from error
    except UnidentifiedImageError as error:
        raise DigitSightError("not an image file DigitSight can read (PNG, JPEG, GIF, BMP, TIFF, WebP)") from error
    except (OSError, ValueError, SyntaxError) as error:
        raise DigitSightError(f"the image file is corrupt ({error})") from error
    return image


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise DigitSightError(f"the image is empty ({width}x{height} pixels)")
    if width * height > MAX_PIXELS:
        raise DigitSightError(
            f"the image is too large ({width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels)"
        )


def _decode_pil(image: Image.Image, max_pixels: int | None = None) -> LoadedImage:
    notes: list[str] = []
    width, height = image.size
    _check_size(width, height)  # from the header alone, before any pixel is decoded
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        image.seek(0)
        notes.append(f"animated image with {frames} frames: read the first frame only")
    try:
        # EXIF orientation: phones store portrait photos sideways plus a tag.
        orientation = image.getexif().get(0x0112, 1)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        if max_pixels and image.format == "JPEG" and width * height > 2 * max_pixels:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost; keep >= max_pixels / 2.
            factor = 2 ** min(3, int(np.log2(2 * width * height / max_pixels) // 2))
            image.draft(image.mode, (image.size[0] // factor, image.size[1] // factor))
        image.load()
        image = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise DigitSightError(f"the image file is corrupt or truncated ({error})") from error
    rgb = _pil_to_rgb(image)
    original = (width, height) if rgb.shape[1] != width else None
    return LoadedImage(rgb, tuple(notes), original)


def _pil_to_rgb(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    elif mode not in ("L", "LA", "RGB", "RGBA", "I", "F") and not mode.startswith("I;16"):
        image = image.convert("RGBA" if "A" in mode else "RGB")
    return _array_to_rgb(np.asarray(image))


def _array_to_rgb(array: np.ndarray) -> np.ndarray:
    """Any (H, W[, 1|3|4]) array in RGB(A) order, of any numeric dtype -> (H, W, 3) uint8."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise DigitSightError(f"expected a gray, RGB or RGBA image array, got shape {array.shape}")
    _check_size(array.shape[1], array.shape[0])
    eight_bit = _to_uint8(array)
    if eight_bit.ndim == 2:
        return np.repeat(eight_bit[..., None], 3, axis=2)
    if eight_bit.shape[2] == 4:
        return _composite(eight_bit)
    return np.ascontiguousarray(eight_bit)


def _to_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    values = array.astype(np.float64)
    if not np.isfinite(values).all():
        raise DigitSightError("the image holds NaN or infinite values")
    if np.issubdtype(array.dtype, np.floating) and values.min() >= 0 and values.max() <= 1:
        return np.round(values * 255).astype(np.uint8)  # floats in [0, 1], the usual convention
    if array.dtype == np.uint16 and values.max() > 4095:
        return np.round(values / 257).astype(np.uint8)  # full 16-bit range
    # Anything else (12-bit sensor data, int32, floats past 1): stretch the range it uses.
    low, high = values.min(), values.max()
    if high == low:
        return np.full(array.shape, 255 if high > 0 else 0, dtype=np.uint8)
    return np.round((values - low) * (255 / (high - low))).astype(np.uint8)


def _composite(rgba: np.ndarray) -> np.ndarray:
    """Flatten transparency onto a background that contrasts with what is drawn.

    A canvas drawing is often white or black strokes on a fully transparent
    background; compositing white strokes onto white paper would erase them.
    """
    alpha = rgba[..., 3:4].astype(np.float32) / 255
    rgb = rgba[..., :3].astype(np.float32)
    opaque = alpha[..., 0] > 0.5
    if opaque.all():
        return np.ascontiguousarray(rgba[..., :3])
    background = 255.0
    if 0 < opaque.mean() < 0.5:  # strokes on a transparent sheet: pick the contrasting paper
        luminance = rgb[opaque] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        background = 0.0 if float(np.median(luminance)) > 127 else 255.0
    return np.round(rgb * alpha + background * (1 - alpha)).astype(np.uint8)
