"""Home: what DigitSight does, how to use it, the model's headline figures, examples to try."""

from __future__ import annotations

import streamlit as st

from pages.common import EXAMPLE_REQUEST, examples, open_example, percent, report, run_page, thumbnail


def headline_figures() -> None:
    """The shipped model's figures, read from its evaluation report (never typed in here)."""
    try:
        figures = report()
    except Exception as error:  # noqa: BLE001 - the home page must render without a report
        st.info(f"Model figures are not available yet: {error}", icon=":material/info:")
        return
    training = figures.get("training", {})
    wrong = len(figures["misclassified"])
    with st.container(horizontal=True):  # side by side, wrapping on a phone
        st.metric("Accuracy on the MNIST test set", percent(figures["accuracy"]), width=165)
        st.metric("Test digits", f"{figures['images']:,}", help=figures["dataset"], width=165)
        st.metric("Test digits it got wrong", f"{wrong:,}", width=165)
        if "parameters" in training:
            st.metric("Model parameters", f"{training['parameters']:,}", width=165)
    st.caption(
        "Measured once, on the 10,000 official MNIST test digits the model never saw in training. "
        "See **Model evaluation** for the confusion matrix and the digits it gets wrong."
    )


def gallery() -> None:
    """Example images; a click opens the example in the predictor."""
    items = examples()
    with st.container(horizontal=True):  # cards side by side, two to a row on a phone
        for item in items:
            example_card(item)


def example_card(item: dict) -> None:
    with st.container(border=True, width=170):
        st.image(thumbnail(str(item["path"])), width="stretch", alt=f"Handwritten number {item['number']}")
        st.caption(item["caption"])
        st.button(
            "Try it",
            key=f"try-{item['file']}",
            icon=":material/play_arrow:",
            on_click=open_example,
            args=(item["file"],),
            width="stretch",
        )


def main() -> None:
    if st.session_state.get(EXAMPLE_REQUEST):
        # An example was clicked (its callback left the request): the predictor shows it.
        # Acting on the request, not on the button's one-run click value, survives reruns.
        st.switch_page("pages/predictor.py")
    st.title("DigitSight")
    st.markdown(
        "#### Reads handwritten numbers from photos, scans and drawings, shows how it sees "
        "each digit, and says the number out loud."
    )
    intro, steps = st.columns([3, 2], gap="large")
    with intro:
        st.markdown(
            "DigitSight finds every handwritten digit in an image, whether one digit or several lines, "
            "reads each with a convolutional neural network trained on MNIST, and puts them "
            "back together into numbers. For every digit you see what the model saw, how sure it "
            "was and its next best guesses, so an uncertain digit never passes unnoticed."
        )
        st.page_link("pages/predictor.py", label="Read a number", icon=":material/arrow_forward:")
    with steps, st.container(border=True):
        st.markdown(
            "**How to use it**\n"
            "1. Open **Read a number**.\n"
            "2. Upload a photo or scan, take a photo with your camera, or draw digits with the mouse.\n"
            "3. Read the number, check any digit flagged as unsure and correct it if need be, copy it, "
            "press **Read aloud** to hear it, or download the reading as JSON.\n"
            "4. Many images? **Read many** reads a whole folder's worth (or a .zip) into a table."
        )

    st.subheader("The model in figures")
    headline_figures()

    st.subheader("Try an example")
    st.caption("Numbers composed from handwritten digits of the MNIST test set. Click one to read it.")
    gallery()


run_page(main)
