"""The predictor's "Correct this reading" panel: fix the number or one digit, keep the image as a labelled example.

A correction is kept in this session's history (``pages.ui.history``), so what is shown,
copied, spoken and downloaded is the corrected number; saved examples go to the
corrections folder (``pages.ui.corrections``) in the samples' labels.csv shape.
"""

from __future__ import annotations

import streamlit as st

from pages.ui import corrections, history
from pages.ui.results import Analysis, ImageInput, clean_number

FIX_ERROR = "fix-error"  # a sentence: why the typed number was not taken
SAVED = "saved-example"  # (image key, message) of the last example saved


def correct_panel(key: str, analysis: Analysis, image: ImageInput, name: str, kind: str) -> None:
    """Correct the number, or one digit of it, and save the image with its right label as an example.

    ``key`` names the image in this session's history; ``kind`` is what a saved example is
    labelled as at first (photo, canvas, ...; the user can change it).
    """
    reading = analysis.reading
    fixed = history.correction(key)
    number = fixed or reading.number
    with st.expander("Correct this reading", icon=":material/edit:", expanded=fixed is not None):
        text_key = f"fix-number-{key[:16]}"
        st.session_state.setdefault(text_key, number)
        st.text_input(
            "The number is",
            key=text_key,
            on_change=fix_number,
            args=(key, text_key, reading.number),
            help="Digits only; a space between separate numbers or lines.",
        )
        digits = number.replace(" ", "")
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.selectbox(
                "Or fix one digit",
                range(len(digits)),
                format_func=lambda i: f"digit {i + 1} (now {digits[i]})",
                key=f"fix-position-{key[:16]}",
                width=180,
            )
            st.selectbox("should be", range(10), key=f"fix-value-{key[:16]}", width=110)
            st.button(
                "Change it",
                key="fix-digit",
                on_click=fix_digit,
                args=(key, text_key, number, reading.number),
            )
        if st.session_state.get(FIX_ERROR):
            st.error(st.session_state[FIX_ERROR], icon=":material/error:")
        if fixed is not None:
            st.button("Undo the correction", key="fix-undo", on_click=fix_undo, args=(key, text_key, reading.number))
        save_panel(key, image, name, kind, number, reading.number)


def fix_number(key: str, text_key: str, read: str) -> None:
    """Text input callback: the typed number becomes the correction (or an error says why not)."""
    try:
        number = clean_number(st.session_state[text_key])
    except ValueError as error:
        st.session_state[FIX_ERROR] = str(error)
        return
    st.session_state.pop(FIX_ERROR, None)
    st.session_state[text_key] = number
    history.set_correction(key, None if number == read else number)


def fix_digit(key: str, text_key: str, number: str, read: str) -> None:
    """Button callback: the digit picked (spaces not counted) of ``number`` becomes the value picked.

    Read from the two selectboxes' state here, not passed in: a callback's arguments are fixed
    when the button is drawn, before the user picks.
    """
    position = st.session_state[f"fix-position-{key[:16]}"]
    value = st.session_state[f"fix-value-{key[:16]}"]
    chars = list(number)
    index = [i for i, char in enumerate(chars) if char != " "][position]
    chars[index] = str(value)
    fixed = "".join(chars)
    st.session_state.pop(FIX_ERROR, None)
    st.session_state[text_key] = fixed
    history.set_correction(key, None if fixed == read else fixed)


def fix_undo(key: str, text_key: str, read: str) -> None:
    st.session_state[text_key] = read
    st.session_state.pop(FIX_ERROR, None)
    history.set_correction(key, None)


def save_panel(key: str, image: ImageInput, name: str, kind: str, number: str, read: str) -> None:
    """Save the image with ``number`` as its label into the corrections folder, and offer the folder as a zip."""
    target = corrections.folder()
    st.markdown("**Keep it as a labelled example**")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox("Kind of image", corrections.KINDS, index=corrections.KINDS.index(kind), key="save-kind")
        st.button(
            "Save it",
            icon=":material/bookmark_add:",
            key="save-example",
            on_click=save_example,
            args=(key, image, name, number, read),
        )
    saved = st.session_state.get(SAVED)
    if saved and saved[0] == key:
        st.success(saved[1], icon=":material/check:")
    rows = corrections.read_rows(target)
    if rows:
        st.download_button(
            f"Download the {len(rows)} saved example{'s' if len(rows) != 1 else ''} (.zip)",
            data=lambda: corrections.folder_zip(target),
            file_name="digitsight-examples.zip",
            mime="application/zip",
            icon=":material/folder_zip:",
            on_click="ignore",
            key="download-examples",
            help="Images and labels.csv: upload the zip to Model evaluation, 'Evaluate on your own images'.",
        )


def save_example(key: str, image: ImageInput, name: str, number: str, read: str) -> None:
    """Button callback: write the image and its label; the message stays until another image is saved."""
    target = corrections.folder()
    kind = st.session_state.get("save-kind", "photo")
    path = corrections.save_example(image, label=number, kind=kind, source=name, read_as=read, target=target)
    message = (
        f"Saved as {corrections.shown_path(path)}, labelled {number}, in "
        f"{corrections.shown_path(target / 'labels.csv')}."
    )
    st.session_state[SAVED] = (key, message)
