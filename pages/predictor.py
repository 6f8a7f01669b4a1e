"""Read a number: from an uploaded photo or scan, a camera shot, a drawing, or an example.

The page has two halves: ``choose_image`` turns whichever way in the user picked into
image bytes or pixels (or None while there is nothing to read yet), and
``show_reading`` reads that image and shows the result. The tests drive the second
half through the example gallery and the file uploader.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from digitsight.result import LOW_CONFIDENCE
from pages.common import (
    EXAMPLE_REQUEST,
    classifier,
    examples,
    model_path,
    percent,
    run_page,
    sentence,
    thumbnail,
)

if TYPE_CHECKING:
    from digitsight.result import Digit, Reading

UPLOAD = "Upload a file"
CAMERA = "Take a photo"
DRAW = "Draw"
EXAMPLE = "Try an example"
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"]

SHOWN_SIDE = 1600  # longest side of the annotated image the page shows, in pixels
CANVAS_HEIGHT = 280
CANVAS_WIDTH = 760

STYLE = """
<style>
div.ds-number {font-size: 4.2rem; font-weight: 700; line-height: 1.15; letter-spacing: 0.06em;
               font-variant-numeric: tabular-nums; margin: 0 0 0.3rem 0; word-break: break-all;}
div.ds-number span.ds-unsure {color: #c2410c; text-decoration: underline wavy #f97316 3px;
                              text-underline-offset: 0.15em;}
</style>
"""

ImageInput = bytes | np.ndarray  # what this page hands digitsight.read: file bytes or RGB pixels


# ---------------------------------------------------------------------------
# Reading (cached: a rerun, e.g. pressing "Read aloud", never reads the same image again)


@st.cache_data(show_spinner="Reading the number...", max_entries=16, ttl=3600)
def analyse(image: ImageInput) -> tuple[Reading, np.ndarray]:
    """Read ``image`` and draw what was found on it (RGB). DigitSightError propagates, uncached.

    The drawing is shrunk to at most SHOWN_SIDE pixels: a 12-megapixel photo would otherwise
    weigh 36 MB in the cache and on the wire, for no visible gain.
    """
    from PIL import Image

    from digitsight import read
    from digitsight.annotate import annotate
    from digitsight.imaging import load_image

    classifier()  # the process-wide model, loaded once under its own spinner
    # Decode once, at full size: the drawing needs every pixel, and read() takes the decoded image as it is.
    loaded = load_image(image)
    reading = read(loaded, model_path=model_path())
    annotated = annotate(loaded, reading)
    height, width = annotated.shape[:2]
    if max(height, width) > SHOWN_SIDE:
        scale = SHOWN_SIDE / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        annotated = np.asarray(Image.fromarray(annotated).resize(size, Image.Resampling.LANCZOS))
    return reading, annotated


def speech_wav(text: str) -> bytes:
    """WAV bytes of ``text`` (digitsight.speech keeps its own cache of recent texts)."""
    from digitsight.speech import synthesize

    with st.spinner("Synthesizing speech..."):
        return synthesize(text)


# ---------------------------------------------------------------------------
# Ways in


def choose_image() -> tuple[ImageInput, str] | None:
    """The image to read and a name for it, from the way in the user picked; None while there is none."""
    request = st.session_state.pop(EXAMPLE_REQUEST, None)
    if request:  # the home page's gallery sent an example over
        st.session_state["method"] = EXAMPLE
        st.session_state["example"] = request
    st.session_state.setdefault("method", UPLOAD)
    method = st.segmented_control(
        "How do you want to give the number?",
        [UPLOAD, CAMERA, DRAW, EXAMPLE],
        required=True,
        key="method",
        label_visibility="collapsed",
    )
    if method == CAMERA:
        return from_camera()
    if method == DRAW:
        return from_canvas()
    if method == EXAMPLE:
        return from_examples()
    return from_upload()


def from_upload() -> tuple[ImageInput, str] | None:
    uploaded = st.file_uploader(
        "Upload a photo or a scan of a handwritten number",
        type=IMAGE_TYPES,
        key="upload",
        help="PNG, JPEG, WebP, BMP or TIFF. Dark digits on light paper or light on dark both work.",
    )
    if uploaded is None:
        st.caption("Tip: one or more lines of digits, written apart, photographed straight on.")
        return None
    return uploaded.getvalue(), uploaded.name


def from_camera() -> tuple[ImageInput, str] | None:
    shot = st.camera_input("Hold the number up to your camera and take a photo", key="camera")
    if shot is None:
        return None
    return shot.getvalue(), "camera photo"


def from_canvas() -> tuple[ImageInput, str] | None:
    from streamlit_drawable_canvas import st_canvas

    st.session_state.setdefault("canvas_version", 0)
    controls = st.columns([2, 1, 3], vertical_alignment="bottom")
    pen = controls[0].slider("Pen width", min_value=6, max_value=40, value=18, key="pen")
    # A new key gives a fresh, empty canvas (the canvas toolbar's bin does the same in the browser).
    controls[1].button("Clear", icon=":material/ink_eraser:", key="clear-canvas", on_click=new_canvas)
    st.caption("Draw one or more digits with the mouse or a finger, side by side; they are read when you lift the pen.")
    result = st_canvas(
        stroke_width=pen,
        stroke_color="#111111",
        background_color="#ffffff",
        height=CANVAS_HEIGHT,
        width=CANVAS_WIDTH,
        drawing_mode="freedraw",
        return_image_data=True,  # without it the canvas returns no pixels (0.13 API)
        key=f"canvas-{st.session_state['canvas_version']}",
    )
    pixels = canvas_pixels(result.image_data)
    if pixels is None:
        st.info("The canvas is empty: draw a number above to read it.", icon=":material/draw:")
        return None
    return pixels, "drawing"


def new_canvas() -> None:
    st.session_state["canvas_version"] = st.session_state.get("canvas_version", 0) + 1


def canvas_pixels(rgba: np.ndarray | None) -> np.ndarray | None:
    """The canvas's RGBA pixels -> RGB on white; None when nothing is drawn on it."""
    if rgba is None or rgba.size == 0:
        return None
    rgba = np.asarray(rgba)
    if rgba.ndim == 3 and rgba.shape[2] == 4:
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        rgb = (rgba[..., :3].astype(np.float32) * alpha + 255.0 * (1 - alpha)).round().astype(np.uint8)
    else:
        rgb = rgba[..., :3].astype(np.uint8)
    inked = (rgb.min(axis=2) < 128).sum()
    if inked < 20:  # a stray click is not a digit
        return None
    return rgb


def from_examples() -> tuple[ImageInput, str] | None:
    items = examples()
    st.session_state.setdefault("example", items[0]["file"])
    columns = st.columns(len(items))
    for column, item in zip(columns, items, strict=True):
        chosen = st.session_state["example"] == item["file"]
        with column.container(border=True):
            st.image(thumbnail(str(item["path"])), width="stretch", alt=f"Handwritten number {item['number']}")
            st.button(
                item["caption"],
                key=f"example-{item['file']}",
                type="primary" if chosen else "secondary",
                icon=":material/check:" if chosen else None,
                on_click=st.session_state.__setitem__,
                args=("example", item["file"]),
                width="stretch",
            )
    path = next((item["path"] for item in items if item["file"] == st.session_state["example"]), items[0]["path"])
    return Path(path).read_bytes(), Path(path).name


# ---------------------------------------------------------------------------
# The result


def number_html(line: str, digits: list[Digit]) -> str:
    """One line of the number, large, with unsure digits underlined in orange."""
    spans = []
    for digit in digits:
        if digit.confidence < LOW_CONFIDENCE:
            title = f"unsure: {percent(digit.confidence, 0)}"
            spans.append(f'<span class="ds-unsure" title="{html.escape(title)}">{digit.value}</span>')
        else:
            spans.append(str(digit.value))
    text = "".join(spans) if len(digits) == len(line) else html.escape(line)
    return f'<div class="ds-number">{text}</div>'


def show_reading(image: ImageInput, name: str) -> None:
    reading, annotated = analyse(image)
    st.markdown(STYLE, unsafe_allow_html=True)
    if not reading.digits:
        show_warnings(reading.warnings)
        st.info(
            "Nothing to read here. Digits read best dark on light paper (or light on dark), "
            "written apart from each other, filling a good part of the picture.",
            icon=":material/search_off:",
        )
        st.image(annotated, caption=name, width="content", alt="The image: no digits found")
        return

    summary, picture = st.columns([2, 3], gap="large")
    with summary:
        several = len(reading.lines) > 1
        st.caption(f"DigitSight reads {len(reading.lines)} numbers:" if several else "DigitSight reads:")
        for index, line in enumerate(reading.lines):
            st.markdown(number_html(line, [d for d in reading.digits if d.line == index]), unsafe_allow_html=True)
        show_warnings(reading.warnings)  # includes each low-confidence digit, with its alternatives
        read_aloud(reading)
        st.download_button(
            "Download the reading (JSON)",
            data=json.dumps(reading.to_dict(), indent=2),
            file_name=f"{Path(name).stem or 'reading'}.reading.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
            key="download-json",
        )
    with picture:
        st.image(
            annotated,
            caption=f"{name}: what DigitSight found",
            width="stretch",
            alt=f"The image with a box and the value read on each digit: {reading.number}",
        )

    st.subheader("How the model saw each digit")
    st.caption(
        "Each digit as the network saw it: cut out, scaled into 28x28 pixels and centred, white on black "
        f"like the MNIST digits it learned from. Digits below {percent(LOW_CONFIDENCE, 0)} confidence are flagged."
    )
    digit_gallery(reading)


def show_warnings(warnings: list[str]) -> None:
    """The reading's notes (low-confidence digits, image problems) in one box."""
    if warnings:
        items = "\n".join(f"- {sentence(note)}" for note in warnings)
        st.warning(items, icon=":material/warning:")


def digit_gallery(reading: Reading) -> None:
    """Each digit's 28x28 crop (4x, pixels kept sharp) with its value, confidence and runners-up."""
    per_row = 8
    for index, _line in enumerate(reading.lines):
        digits = [d for d in reading.digits if d.line == index]
        if len(reading.lines) > 1:
            st.markdown(f"**Line {index + 1}**")
        for start in range(0, len(digits), per_row):
            columns = st.columns(per_row)
            for column, digit in zip(columns, digits[start : start + per_row], strict=False):
                with column.container(border=True):
                    crop = (np.clip(digit.crop, 0, 1) * 255).round().astype(np.uint8)
                    st.image(
                        np.kron(crop, np.ones((4, 4), dtype=np.uint8)),
                        width="stretch",
                        alt=f"Digit read as {digit.value}, as the model saw it",
                    )
                    st.markdown(f"**{digit.value}** &nbsp; {percent(digit.confidence, 1)}")
                    if digit.confidence < LOW_CONFIDENCE:
                        st.badge("unsure", icon=":material/warning:", color="orange")
                    runners_up = [f"or {value} ({percent(p, 1)})" for value, p in digit.top3[1:]]
                    st.caption("  \n".join(runners_up))  # one per line: the cards are narrow


def read_aloud(reading: Reading) -> None:
    """A "Read aloud" control: a WAV of the number from the server's speech engine, played by the browser.

    Without an engine on the server (digitsight.speech says so up front, or synthesis fails) the
    browser's own Web Speech API reads it instead, from a button in a small iframe.
    """
    from digitsight.speech import SpeechUnavailable, speech_available, spoken_text

    style = st.radio(
        "Say it as",
        ["number", "digits"],
        format_func={"number": "a number", "digits": "digit by digit"}.get,
        horizontal=True,
        key="speech-style",
    )
    text = spoken_text(reading, style=style)
    available, reason = speech_available()
    if not available:
        browser_speech(text, "Your browser reads it aloud: this server has no speech engine.", reason)
        return
    # A callback, not the button's one-run value: the player then stays through later reruns.
    st.button(
        "Read aloud",
        icon=":material/volume_up:",
        key="read-aloud",
        on_click=st.session_state.__setitem__,
        args=("spoken", text),
    )
    if st.session_state.get("spoken") == text:
        try:
            st.audio(speech_wav(text), format="audio/wav", autoplay=True)
        except SpeechUnavailable as error:
            browser_speech(text, "The server could not speak it; your browser can.", str(error))


def browser_speech(text: str, note: str, reason: str) -> None:
    """The Web Speech API fallback: its own "Read aloud" button, in an iframe so its script runs.

    (``st.components.v1.html`` is deprecated in Streamlit 1.67; ``st.iframe`` replaces it.)
    """
    from digitsight.speech import browser_speech_html

    st.iframe(browser_speech_html(text), height=60)
    st.caption(note, help=reason)


def image_key(image: ImageInput) -> str:
    data = image if isinstance(image, bytes) else np.ascontiguousarray(image).tobytes()
    return hashlib.sha1(data).hexdigest()


def main() -> None:
    st.title("Read a number")
    chosen = choose_image()
    if chosen is None:
        return
    image, name = chosen
    # A new image starts without a player: "Read aloud" belongs to the reading it was pressed for.
    key = image_key(image)
    if st.session_state.get("image-key") != key:
        st.session_state["image-key"] = key
        st.session_state.pop("spoken", None)
    st.divider()
    show_reading(image, name)


run_page(main)
