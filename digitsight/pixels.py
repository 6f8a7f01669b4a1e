"""Pixels to 8-bit RGB, band by band: whatever the image's size, no full-size copy is made.

``imaging`` decodes files; this module turns what it decoded (a PIL image) or what a
caller passed (a numpy array) into the (H, W, 3) uint8 RGB the reader works on: gray,
gray + alpha, RGB or RGBA, of any real numeric type, mapped to 8 bits, optionally shrunk
by a whole factor, transparency composited. It works on horizontal bands of about
``BAND_PIXELS``, so a 49-megapixel image costs band-sized temporaries (issue 23: a float
copy at full size was 0.6 GB), and its results do not depend on the band size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitsight.errors import DigitSightError

# A phone photo is 12-50 megapixels; anything past this is a decompression bomb
# (a small file that would expand to gigabytes) or not a photo of a number.
MAX_PIXELS = 50_000_000
# A line of 40 digits written apart is about 40:1. Past 100:1 an image is a strip that leaves
# no room for a digit once shrunk to PROCESS_MAX_PIXELS, and a 1 x 49,000,000 strip cost the
# reader 11 s and 3.6 GB.
MAX_ASPECT_RATIO = 100
# Conversion works on horizontal bands of about this many pixels: a float64 RGBA band is
# then 32 MB, whatever the image's size, and a 1-megapixel photo is one band.
BAND_PIXELS = 1_000_000


def check_size(width: int, height: int) -> None:
    """Refuse an empty, oversized or strip-like image (from its header's size, before any decoding)."""
    if width <= 0 or height <= 0:
        raise DigitSightError(f"the image is empty ({width}x{height} pixels)")
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise DigitSightError(
            f"the image is {width}x{height} pixels: DigitSight reads images at most {MAX_ASPECT_RATIO} times "
            "longer than they are wide"
        )
    if width * height > MAX_PIXELS:
        raise DigitSightError(
            f"the image is too large ({width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels)"
        )


@dataclass(frozen=True)
class Pixels:
    """An image's rows as numpy bands, (rows, W) gray or (rows, W, C) with C = 2 (gray + alpha), 3 or 4.

    ``band(top, bottom)`` returns rows [top, bottom) as they are; ``shrunk(top, bottom, factor)``
    the same rows shrunk by ``factor`` (each pixel the mean of a square, colour weighted by
    alpha). Either is a view of an array or a converted copy of just those rows of a PIL
    image, so no full-size copy is ever made.
    """

    height: int
    width: int
    channels: int  # 1, 2, 3 or 4
    dtype: np.dtype
    band: Callable[[int, int], np.ndarray]
    shrunk: Callable[[int, int, int], np.ndarray]

    @staticmethod
    def of_array(array: np.ndarray) -> Pixels:
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[..., 0]
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
            raise DigitSightError(f"expected a gray, gray + alpha, RGB or RGBA image array, got shape {array.shape}")
        _check_dtype(array.dtype)
        check_size(array.shape[1], array.shape[0])
        channels = 1 if array.ndim == 2 else array.shape[2]

        def shrunk(top: int, bottom: int, factor: int) -> np.ndarray:
            return _shrink_array(array[top:bottom, : array.shape[1] // factor * factor], factor)

        return Pixels(
            array.shape[0], array.shape[1], channels, array.dtype, lambda top, bottom: array[top:bottom], shrunk
        )

    @staticmethod
    def of_pil(image: Image.Image) -> Pixels:
        width, height = image.size
        check_size(width, height)
        convert = _pil_conversion(image)

        def rows(top: int, bottom: int) -> Image.Image:
            part = image.crop((0, top, width, bottom))
            return part.convert(convert) if convert else part

        def shrunk(top: int, bottom: int, factor: int) -> np.ndarray:
            part = rows(top, bottom)
            if part.mode.startswith("I;16"):  # Pillow shrinks 32-bit integers, not 16-bit ones
                part = part.convert("I")
            # Pillow weights colour by alpha itself (it shrinks RGBA as premultiplied RGBa).
            return np.asarray(part.reduce(factor, box=(0, 0, width // factor * factor, bottom - top)))

        sample = np.asarray(rows(0, 1))
        channels = 1 if sample.ndim == 2 else sample.shape[2]
        return Pixels(height, width, channels, sample.dtype, lambda top, bottom: np.asarray(rows(top, bottom)), shrunk)

    def spans(self, multiple: int = 1) -> Iterator[tuple[int, int]]:
        """(top, bottom) of consecutive bands of about BAND_PIXELS, each a multiple of ``multiple`` rows tall."""
        end = self.height - self.height % multiple
        step = max(multiple, BAND_PIXELS // self.width // multiple * multiple)
        for top in range(0, end, step):
            yield top, min(top + step, end)


def _pil_conversion(image: Image.Image) -> str | None:
    """The mode to convert a PIL image's rows to before numpy sees them (None: numpy takes it as it is)."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "I", "F") or mode.startswith("I;16"):
        return None
    if mode in ("P", "PA"):
        return "RGBA" if mode == "PA" or "transparency" in image.info else "RGB"
    if mode == "1":
        return "L"
    if mode == "La":
        return "LA"
    return "RGBA" if "A" in mode or "a" in mode else "RGB"  # CMYK, YCbCr, LAB, HSV, RGBX, RGBa...


def _check_dtype(dtype: np.dtype) -> None:
    if dtype.kind == "c":
        raise DigitSightError("the image array holds complex numbers; pass real pixel values (e.g. np.abs of it)")
    if dtype.kind not in "biuf":
        raise DigitSightError(f"the image array must hold numbers (bool, int or float), not {dtype}")


def _shrink_array(band: np.ndarray, factor: int) -> np.ndarray:
    """Rows of an array shrunk by ``factor`` (area mean; colour weighted by alpha where the last channel is alpha)."""
    import cv2

    size = (band.shape[1] // factor, band.shape[0] // factor)
    if band.dtype not in (np.uint8, np.uint16, np.int16, np.float32, np.float64):  # what cv2.resize takes
        band = band.astype(np.float64)
    if band.ndim == 2 or band.shape[2] == 3:
        return cv2.resize(band, size, interpolation=cv2.INTER_AREA)
    alpha = band[..., -1].astype(np.float32)
    colour = cv2.resize(band[..., :-1].astype(np.float32) * alpha[..., None], size, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    colour = colour.reshape(size[1], size[0], -1) / np.maximum(alpha, np.finfo(np.float32).tiny)[..., None]
    return np.concatenate([colour, alpha[..., None]], axis=2)


def _reduction(pixels: Pixels, max_pixels: int | None) -> int:
    """The whole factor to shrink by: the largest that keeps at least ``max_pixels`` (1: none)."""
    if not max_pixels:
        return 1
    factor = math.isqrt(pixels.width * pixels.height // max_pixels)
    return max(1, min(factor, pixels.width, pixels.height))


def to_rgb(pixels: Pixels, max_pixels: int | None = None) -> np.ndarray:
    """8-bit RGB of ``pixels``, transparency composited.

    With ``max_pixels``, shrunk by the largest whole factor that keeps at least that many
    pixels (each output pixel the mean of a square of inputs).
    """
    return _to_rgb(pixels, _reduction(pixels, max_pixels))


def _to_rgb(pixels: Pixels, factor: int) -> np.ndarray:
    """8-bit RGB of ``pixels``, shrunk by ``factor``, transparency composited.

    A first pass over the bands finds the value range (to map 16-bit, int or float data to
    8 bits; 8-bit data needs none). At full size, a transparent image is then composited
    band by band straight into the RGB result (RGBA is never held whole); shrunk, its bands
    are gathered (small) and composited after.
    """
    to_uint8 = _eight_bit_mapping(pixels)
    if factor == 1 and pixels.channels in (2, 4):
        return _composite(lambda: (_rgba(to_uint8(pixels.band(*span))) for span in pixels.spans()), pixels.width)
    out = np.empty((pixels.height // factor, pixels.width // factor, pixels.channels), np.uint8)
    for top, bottom in pixels.spans(factor):
        band = pixels.band(top, bottom) if factor == 1 else pixels.shrunk(top, bottom, factor)
        out[top // factor : bottom // factor] = to_uint8(band).reshape(out[top // factor : bottom // factor].shape)
    if pixels.channels == 1:
        return np.repeat(out, 3, axis=2)
    if pixels.channels in (2, 4):
        rgba = _rgba(out)
        step = max(1, BAND_PIXELS // rgba.shape[1])
        return _composite(lambda: (rgba[top : top + step] for top in range(0, rgba.shape[0], step)), rgba.shape[1])
    return out


def _rgba(band: np.ndarray) -> np.ndarray:
    """(rows, W, 2) gray + alpha or (rows, W, 4) RGBA, uint8 -> (rows, W, 4) RGBA."""
    if band.shape[2] == 4:
        return band
    return np.concatenate([np.repeat(band[..., :1], 3, axis=2), band[..., 1:]], axis=2)


def _eight_bit_mapping(pixels: Pixels) -> Callable[[np.ndarray], np.ndarray]:
    """A function taking a band to uint8, the same for every band (it depends on the whole image's range).

    The band may be the image's own rows or shrunk ones (float means of the same values).
    """
    dtype = pixels.dtype
    if dtype == np.uint8:
        return lambda band: band if band.dtype == np.uint8 else np.round(band).astype(np.uint8)
    if dtype.kind == "b":
        return lambda band: np.round(band.astype(np.float64) * 255).astype(np.uint8)
    low, high = math.inf, -math.inf
    for top, bottom in pixels.spans():
        band = pixels.band(top, bottom)
        if dtype.kind == "f" and not np.isfinite(band).all():
            raise DigitSightError("the image holds NaN or infinite values")
        low, high = min(low, float(band.min())), max(high, float(band.max()))
    if dtype.kind == "f" and low >= 0 and high <= 1:
        return lambda band: np.round(band.astype(np.float64) * 255).astype(np.uint8)  # floats in [0, 1]
    if dtype == np.uint16 and high > 4095:
        return lambda band: np.round(band.astype(np.float64) / 257).astype(np.uint8)  # full 16-bit range
    # Anything else (12-bit sensor data, int32, floats past 1): stretch the range it uses.
    if high == low:
        return lambda band: np.full(band.shape, 255 if high > 0 else 0, dtype=np.uint8)
    return lambda band: np.round((band.astype(np.float64) - low) * (255 / (high - low))).astype(np.uint8)


def _composite(bands: Callable[[], Iterator[np.ndarray]], width: int) -> np.ndarray:
    """Flatten transparency onto a background that contrasts with what is drawn.

    A canvas drawing is often white or black strokes on a fully transparent
    background; compositing white strokes onto white paper would erase them.
    ``bands()`` yields the image's (rows, W, 4) RGBA bands, top to bottom; it is called
    twice (once to choose the background, once to blend), so that no full-size float
    copy is made: one of a 49-megapixel image is 0.6 GB.
    """
    opaque_count, light, darkest_light, lightest_dark = 0, 0, math.inf, -math.inf
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    height = 0
    for band in bands():
        height += band.shape[0]
        opaque = band[..., 3] > 127  # alpha / 255 > 0.5
        opaque_count += int(opaque.sum())
        luminance = band[..., :3][opaque].astype(np.float32) @ weights
        bright = luminance > 127
        light += int(bright.sum())
        if bright.any():
            darkest_light = min(darkest_light, float(luminance[bright].min()))
        if not bright.all():
            lightest_dark = max(lightest_dark, float(luminance[~bright].max()))
    total = height * width
    background = np.float32(255.0)
    if opaque_count > 0 and 2 * opaque_count < total:  # strokes on a transparent sheet: pick the contrasting paper
        background = np.float32(0.0 if _median_is_light(opaque_count, light, darkest_light, lightest_dark) else 255.0)
    out = np.empty((height, width, 3), np.uint8)
    top = 0
    for band in bands():
        if opaque_count == total:  # opaque throughout: alpha is ignored
            out[top : top + band.shape[0]] = band[..., :3]
        else:
            alpha = band[..., 3:4].astype(np.float32) / 255
            blended = band[..., :3].astype(np.float32) * alpha + background * (1 - alpha)
            out[top : top + band.shape[0]] = np.round(blended)
        top += band.shape[0]
    return out


def _median_is_light(count: int, light: int, darkest_light: float, lightest_dark: float) -> bool:
    """Whether the median of ``count`` luminances exceeds 127, from how many do (``light``) and the two nearest 127.

    Exactly ``np.median(values) > 127``, without holding the values: the median is the middle
    value, or the mean of the two middle ones, which for an even count split evenly are the
    lightest dark value and the darkest light one.
    """
    if 2 * light != count:
        return 2 * light > count
    return float(np.mean(np.array([lightest_dark, darkest_light], dtype=np.float32))) > 127
