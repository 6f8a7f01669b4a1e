"""Read a number: from an uploaded photo or scan, a camera shot, a drawing, an example, or this session's history.

The page has two halves: ``choose_image`` turns whichever way in the user picked into
image bytes or pixels (or None while there is nothing to read yet), and
``show_reading`` reads that image and shows the result: the number (correctable, copied
with one click, read aloud in the voice picked, downloaded as the CLI's JSON), the image
with what was found (enlarged around small digits), and each digit as the network saw it.
The building blocks live in ``pages/ui/``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from digitsight.doubt import doubt_sentence
from pages.common import EXAMPLE_REQUEST, examples, percent, run_page, thumbnail
from pages.ui import history
from pages.ui.browser import column_width, copy_button, upload_guard
from pages.ui.canvas import CANVAS_HEIGHT, canvas_pixels, canvas_width
from pages.ui.correct_view import FIX_ERROR, correct_panel
from pages.ui.files import FORMATS_IN_WORDS, MAX_UPLOAD_MB, not_an_image, too_large
from pages.ui.results import (
    Analysis,
    ImageInput,
    analyse,
    corrected,
    record,
    show_notes,
    show_number,
    show_strip,
)
from pages.ui.speech import read_aloud

if TYPE_CHECKING:
    from digitsight.result import Reading

UPLOAD = "Upload a file"
CAMERA = "Take a photo"
DRAW = "Draw"
EXAMPLE = "Try an example"
# What a saved example is labelled as, by the way it came in (the user can change it).
KIND_BY_WAY = {UPLOAD: "photo", CAMERA: "photo", DRAW: "canvas", EXAMPLE: "digital"}

UPLOAD_VERSION = "upload-version"  # bumped to give the uploader a fresh, empty state
REFUSED = "refused-upload"  # a sentence: why the last file was refused


# ---------------------------------------------------------------------------
# Ways in


def choose_image() -> tuple[ImageInput, str, str] | None:
    """The image to read, a name for it and the way it came in; None while there is none.

    A reading reopened from the history shows instead of the way in's image until the user
    closes it or gives a new image (each way in's change callback closes it).
    """
    request = st.session_state.pop(EXAMPLE_REQUEST, None)
    if request:  # the home page's gallery sent an example over
        st.session_state["method"] = EXAMPLE
        st.session_state["example"] = request
        history.close()
    st.session_state.setdefault("method", UPLOAD)
    method = st.segmented_control(
        "How do you want to give the number?",
        [UPLOAD, CAMERA, DRAW, EXAMPLE],
        required=True,
        key="method",
        label_visibility="collapsed",
        width="stretch",
        on_change=history.close,
    )
    if method == CAMERA:
        chosen = from_camera()
    elif method == DRAW:
        chosen = from_canvas()
    elif method == EXAMPLE:
        chosen = from_examples()
    else:
        chosen = from_upload()
    entry = history.reopened()
    if entry is not None:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"Showing **{entry.name}**, read at {entry.when}, from this session's history.")
            st.button("Close", icon=":material/close:", key="close-history", on_click=history.close)
        return entry.image, entry.name, UPLOAD
    return None if chosen is None else (*chosen, method)


def from_upload() -> tuple[ImageInput, str] | None:
    """An uploaded file, any type: a file that is not an image is refused in words, on the page."""
    refused = upload_guard(MAX_UPLOAD_MB * 1024 * 1024, key="upload-guard")
    if refused:  # too large: the browser kept it back; say so and drop the previous file and its result
        st.session_state[REFUSED] = too_large(str(refused["name"]), int(refused["bytes"]))
        st.session_state[UPLOAD_VERSION] = st.session_state.get(UPLOAD_VERSION, 0) + 1
    version = st.session_state.get(UPLOAD_VERSION, 0)
    uploaded = st.file_uploader(
        "Upload a photo or a scan of a handwritten number",
        type=None,  # every file reaches the page, which says why one cannot be read
        key="upload" if version == 0 else f"upload-{version}",
        help=f"{FORMATS_IN_WORDS}, up to {MAX_UPLOAD_MB} MB. Dark digits on light paper or light on dark both work.",
        on_change=new_upload,
    )
    message = st.session_state.get(REFUSED)
    if message:
        st.error(message, icon=":material/block:")
        return None
    if uploaded is None:
        st.caption(
            f"{FORMATS_IN_WORDS}, up to {MAX_UPLOAD_MB} MB. "
            "Tip: one or more lines of digits, written apart, photographed straight on."
        )
        return None
    return uploaded.getvalue(), uploaded.name


def new_upload() -> None:
    """Uploader callback: a new file replaces any refusal message and the history view."""
    st.session_state.pop(REFUSED, None)
    history.close()


def from_camera() -> tuple[ImageInput, str] | None:
    shot = st.camera_input("Hold the number up to your camera and take a photo", key="camera", on_change=history.close)
    if shot is None:
        return None
    return shot.getvalue(), "camera photo"


def from_canvas() -> tuple[ImageInput, str] | None:
    from streamlit_drawable_canvas import st_canvas

    st.session_state.setdefault("canvas_version", 0)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        pen = st.slider("Pen width", min_value=6, max_value=40, value=18, key="pen", width=220)
        # A new key gives a fresh, empty canvas (the canvas toolbar's bin does the same in the browser).
        st.button("Clear", icon=":material/ink_eraser:", key="clear-canvas", on_click=new_canvas)
    st.caption("Draw one or more digits with the mouse or a finger, side by side; they are read when you lift the pen.")
    width = canvas_width(column_width("canvas-column"))
    result = st_canvas(
        stroke_width=pen,
        stroke_color="#111111",
        background_color="#ffffff",
        height=CANVAS_HEIGHT,
        width=width,
        drawing_mode="freedraw",
        return_image_data=True,  # without it the canvas returns no pixels (0.13 API)
        # The width is part of the key: a canvas resized in place keeps its old drawing area.
        key=f"canvas-{st.session_state['canvas_version']}-{width}",
        on_change=history.close,
    )
    pixels = canvas_pixels(result.image_data)
    if pixels is None:
        st.info("The canvas is empty: draw a number above to read it.", icon=":material/draw:")
        return None
    return pixels, "drawing"


def new_canvas() -> None:
    st.session_state["canvas_version"] = st.session_state.get("canvas_version", 0) + 1


def pick_example(file: str) -> None:
    st.session_state["example"] = file
    history.close()


def from_examples() -> tuple[ImageInput, str] | None:
    items = examples()
    st.session_state.setdefault("example", items[0]["file"])
    with st.container(horizontal=True):
        for item in items:
            chosen = st.session_state["example"] == item["file"]
            with st.container(border=True, width=170):
                st.image(thumbnail(str(item["path"])), width="stretch", alt=f"Handwritten number {item['number']}")
                st.button(
                    item["caption"],
                    key=f"example-{item['file']}",
                    type="primary" if chosen else "secondary",
                    icon=":material/check:" if chosen else None,
                    on_click=pick_example,
                    args=(item["file"],),
                    width="stretch",
                )
    path = next((item["path"] for item in items if item["file"] == st.session_state["example"]), items[0]["path"])
    return Path(path).read_bytes(), Path(path).name


# ---------------------------------------------------------------------------
# The result


def show_reading(image: ImageInput, name: str, way: str) -> None:
    """Read ``image`` and show the result; a file that is not an image gets a sentence saying so."""
    from digitsight.errors import DigitSightError

    try:
        analysis = analyse(image)
    except DigitSightError as error:
        if way == UPLOAD:
            st.error(not_an_image(name, str(error)), icon=":material/error:")
            return
        raise
    reading = analysis.reading
    key = image_key(image)
    if st.session_state.get("image-key") != key:
        # A new image starts without a player: "Read aloud" belongs to the reading it was pressed for.
        st.session_state["image-key"] = key
        st.session_state.pop("spoken", None)
        st.session_state.pop(FIX_ERROR, None)
        history.remember(key, name, image, reading.number, analysis.annotated)
    if not reading.digits:
        show_notes(reading)
        st.info(
            "No digits found. Digits read best dark on light paper (or light on dark), "
            "written apart from each other, filling a good part of the picture.",
            icon=":material/search_off:",
        )
        st.image(analysis.annotated, caption=name, width="content", alt="The image: no digits found")
        return

    fixed = history.correction(key)
    number = fixed or reading.number
    summary, picture = st.columns([2, 3], gap="large")
    with summary:
        if fixed is not None:
            st.caption(f"You corrected it to (DigitSight read {reading.number}):")
        else:
            several = len(reading.lines) > 1
            st.caption(f"DigitSight reads {len(reading.lines)} numbers:" if several else "DigitSight reads:")
        show_number(reading, fixed)
        copy_button(number, key="copy-number")
        show_notes(reading)  # includes each low-confidence digit, with its alternatives
        show_trust(reading, fixed)
        correct_panel(key, analysis, image, name, KIND_BY_WAY[way])
        read_aloud(number, reading if fixed is None else None)
        st.download_button(
            "Download the reading (JSON)",
            data=json.dumps(corrected(record(reading, name, analysis.ms), fixed), indent=2),
            file_name=f"{Path(name).stem or 'reading'}.reading.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
            key="download-json",
        )
    with picture:
        show_picture(analysis, name)

    st.subheader("How the network saw each digit")
    st.caption(
        "Each digit cut out, scaled into 28x28 pixels and centred, white on black like the MNIST digits "
        "the network learned from, with how sure it was and its next best guesses. Unsure digits are marked ⚠."
    )
    show_strip(reading)


def show_trust(reading: Reading, fixed: str | None) -> None:
    """How sure the reading is, in words: a sure one may be taken unseen, a doubtful one says where to look."""
    if fixed is not None:
        return  # the user's correction is what counts now
    doubt = doubt_sentence(reading)
    if doubt:
        st.warning(f"{doubt} Confidence {percent(reading.confidence, 0)}: please check it.", icon=":material/help:")
    else:
        st.caption(f"Confidence {percent(reading.confidence, 0)}: sure.")


def show_picture(analysis: Analysis, name: str) -> None:
    """The image with a box and the value on each digit: the digits' region enlarged, the whole one click away."""
    number = analysis.reading.number
    whole = "Whole image"
    view = whole
    if analysis.region is not None:
        view = st.segmented_control(
            "Show", ["Digits up close", whole], default="Digits up close", required=True, key="picture-view"
        )
    if view == whole:
        st.image(
            analysis.annotated,
            caption=f"{name}: what DigitSight found",
            width="stretch",
            alt=f"The image with a box and the value read on each digit: {number}",
        )
    else:
        st.image(
            analysis.region,
            caption=f"{name}: the digits, enlarged",
            width="stretch",
            alt=f"The digits, enlarged, with a box and the value read on each: {number}",
        )


def image_key(image: ImageInput) -> str:
    data = image if isinstance(image, bytes) else np.ascontiguousarray(image).tobytes()
    return hashlib.sha1(data).hexdigest()


# ---------------------------------------------------------------------------
# This session's history


def show_history(current: str | None) -> None:
    """Earlier readings of this session, newest first, each with an Open button."""
    earlier = [entry for entry in history.entries() if entry.key != current]
    if not earlier:
        return
    st.subheader("Earlier in this session")
    for entry in earlier:
        number = history.correction(entry.key) or entry.number or "no digits"
        with st.container(horizontal=True, vertical_alignment="center", border=True):
            st.image(entry.thumb, width=96, alt=f"{entry.name}, read as {number}")
            st.markdown(f"**{number}**  \n{entry.name} · {entry.when}")
            st.button(
                "Open",
                icon=":material/history:",
                key=f"reopen-{entry.key[:16]}",
                on_click=history.reopen,
                args=(entry.key,),
            )


def main() -> None:
    st.title("Read a number")
    chosen = choose_image()
    current = None
    if chosen is not None:
        image, name, way = chosen
        current = image_key(image)
        st.divider()
        show_reading(image, name, way)
    show_history(current)


run_page(main)
