"""The entry point, ``digitsight.read(image) -> Reading``, and the pipeline behind it.

decode the image (imaging)
-> the processing image: gray, the desk around a sheet painted over (page), at most
   PROCESS_MAX_PIXELS, bold strokes shrunk
-> segment: the digits' blobs, in lines (segment)
-> candidates: each blob whole, cut into pieces, or merged with its neighbour, and
   every candidate's images read by the three nets, one batch each (decode.candidates, nets)
-> choose: each line's best reading under the scoring weights (decode.search)
-> place: each digit's box, confidence and crop in the original image (decode.placement)
"""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from digitsight.decode.candidates import Candidates, plan_lines
from digitsight.decode.placement import judged, place
from digitsight.decode.search import Choice, choose
from digitsight.decode.weights import DEFAULT_WEIGHTS, Weights
from digitsight.imaging import PROCESS_MAX_PIXELS, LoadedImage, downscaled, load_image, processing_scale, to_gray
from digitsight.nets import CHAIN, DIGIT, PAIR, Models, load_models
from digitsight.nets.chains import ChainModel
from digitsight.nets.digits import Classifier
from digitsight.nets.pairs import PairModel
from digitsight.page import Sheet, isolate_sheet
from digitsight.result import LOW_CONFIDENCE, Digit, Reading, make_reading
from digitsight.segment import Analysis, analyse, segment_small

__all__ = [
    "LOW_CONFIDENCE",
    "Candidates",
    "Choice",
    "Digit",
    "Models",
    "Reading",
    "Weights",
    "candidates",
    "choose",
    "load_models",
    "read",
    "read_loaded",
]

# Processing scale: bold strokes are shrunk to about this wide (pixels), still several pixels
# wide after binarization; never shrink more than this, nor below this side, so that small
# digits on a bold-stroked image keep their shape. (Set for speed in f4d7d06, not tuned since.)
PROCESS_STROKE = 5.0
MAX_STROKE_DOWNSCALE = 4.0
PROCESS_MIN_SIDE = 160
# Strokes up to this many times PROCESS_STROKE keep their scale: shrinking them would save
# less than the second resize costs.
SHRINK_ABOVE = 1.5


def read(image: object, *, model_path: str | os.PathLike | None = None, backend: str | None = None) -> Reading:
    """Read the handwritten number in ``image``.

    ``image``: a path, bytes, a binary file object, a PIL image or a numpy array
    (RGB order; gray, RGB or RGBA; 8- or 16-bit). Raises ``DigitSightError`` for an
    input that is not a readable image; an image without digits gives an empty
    Reading with a warning. Safe to call from several threads at once. ``backend``:
    ``litert`` (the default, without TensorFlow) or ``keras`` (see ``nets.litert``).
    """
    loaded = load_image(image, max_pixels=PROCESS_MAX_PIXELS)
    return read_loaded(loaded, *load_models(model_path, backend=backend))


def read_loaded(
    loaded: LoadedImage,
    classifier: Classifier,
    pair_model: PairModel | None = None,
    chain_model: ChainModel | None = None,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Reading:
    """``read`` for an already decoded image and loaded models, scored with ``weights``.

    Without ``pair_model``, touching digits are read only by cutting them apart; without
    ``chain_model``, the readings of a wide blob are scored piece by piece only.
    """
    seen = candidates(loaded, classifier, pair_model, chain_model)
    choice = choose(seen, weights)
    # The confidences reported are calibrated; the choice above weighed the model's own, and
    # P(not a digit) only judges, after it, the digits it read (result.make_reading).
    calibrated = judged(choice, seen, classifier.not_digit_of)._replace(
        probabilities=classifier.calibrated(choice.probabilities)
    )
    if seen.sheet is None:
        lines = place(calibrated, seen, loaded.size)
    else:  # placed on the rectified sheet, then each box mapped back into the photo
        lines = [
            [_in_photo(digit, seen.sheet, loaded) for digit in line]
            for line in place(calibrated, seen, seen.sheet.size)
        ]
    notes = [*loaded.warnings, *seen.notes]
    return make_reading(lines, notes, loaded.size, classifier.reject_not_digit, classifier.reject_doubt)


def candidates(
    loaded: LoadedImage,
    classifier: Classifier,
    pair_model: PairModel | None,
    chain_model: ChainModel | None = None,
) -> Candidates:
    """The first half of ``read_loaded``: segment, and run each net once over every candidate.

    ``tools/tune_reading.py`` re-scores these under other weights (``choose``).
    """
    processed, scale, analysis, sheet = processing_image(loaded)
    found, enlarged = segment_small(processed, analysis)
    scale *= enlarged
    plans, images = plan_lines(found.lines, pairs=pair_model is not None, chains=chain_model is not None)
    said = Models(classifier, pair_model, chain_model).read(images.by_kind())
    return Candidates(
        plans,
        images.crops,
        images.fields,
        images.rows,
        said[DIGIT],
        said.get(PAIR),
        said.get(CHAIN),
        scale,
        tuple(found.notes),
        sheet,
    )


def _in_photo(digit: Digit, sheet: Sheet, loaded: LoadedImage) -> Digit:
    """``digit`` placed on the rectified ``sheet`` (in loaded.rgb's pixels), its box moved into the original image."""
    x, y, w, h = sheet.box_in_image(digit.box)
    x0, y0 = int(x / loaded.scale), int(y / loaded.scale)
    x1 = min(loaded.size[0], int(np.ceil((x + w) / loaded.scale)))
    y1 = min(loaded.size[1], int(np.ceil((y + h) / loaded.scale)))
    return replace(digit, box=(x0, y0, x1 - x0, y1 - y0))


def processing_image(loaded: LoadedImage) -> tuple[np.ndarray, float, Analysis | None, Sheet | None]:
    """The grayscale image segmentation works on, its pixels per pixel of the frame, its analysis, and the sheet.

    The frame is the original image; or, where a whole sheet was found and rectified
    (``page.isolate_sheet``), the rectified sheet, in ``loaded.rgb``'s pixels, and the sheet
    is returned so that boxes can be mapped back into the photo (None otherwise).

    At most PROCESS_MAX_PIXELS; and bold strokes mean big digits, so where strokes are wide
    the image is shrunk until they are ~PROCESS_STROKE pixels: that loses nothing and makes
    a 1-megapixel photo several times cheaper. The analysis (``segment.analyse``) is given
    only where it is of the very image returned (None where that was shrunk after it).
    """
    gray, sheet = isolate_sheet(to_gray(loaded.rgb), rectify=True)
    rectified = sheet if sheet is not None and sheet.homography is not None else None
    scale = processing_scale((gray.shape[1], gray.shape[0]))
    processed = downscaled(gray, scale)
    analysis = analyse(processed)
    stroke = analysis.stroke_small / analysis.small_scale
    if stroke > SHRINK_ABOVE * PROCESS_STROKE:
        floor = max(1 / MAX_STROKE_DOWNSCALE, PROCESS_MIN_SIDE / min(processed.shape))
        factor = min(1.0, max(PROCESS_STROKE / stroke, floor))
        if factor < 1.0:
            scale *= factor
            processed, analysis = downscaled(gray, scale), None
    if rectified is not None:
        return processed, scale, analysis, rectified
    return processed, scale * loaded.scale, analysis, None
