"""Synthetic handwriting made from MNIST digits: the one place that draws digits, rows and pages.

Training, tests and benchmarks all draw here, so a digit looks the same to each of them:

- ``glyphs``:  one digit as soft ink (``glyph``) or a pen mask (``pen_mask``); where two touch
- ``rows``:    a written number (``number_row``), touching groups, the touching rows and cuts
               the pair and chain models train on (``touching_row``, ``cut``)
- ``pages``:   the benchmark's photo-like images in nine categories (``make_image``) and
               photos by size (``photo_of_size``)
- ``sources``: which MNIST digits a page draws from: "test", "train" or "validation"

The names most callers need are importable from here: ``synthetic.make_image``,
``synthetic.CATEGORIES``, ``synthetic.digits`` and so on.
"""

from digitsight.synthetic.glyphs import glyph, pen_mask, place, touch_offset
from digitsight.synthetic.pages import CATEGORIES, SEED, Sample, make_image, photo_of_size
from digitsight.synthetic.rows import cut, number_row, touching_group, touching_row
from digitsight.synthetic.sources import SOURCES, digits, raw_right

__all__ = [
    "CATEGORIES",
    "SEED",
    "SOURCES",
    "Sample",
    "cut",
    "digits",
    "glyph",
    "make_image",
    "number_row",
    "pen_mask",
    "photo_of_size",
    "place",
    "raw_right",
    "touch_offset",
    "touching_group",
    "touching_row",
]
