"""Read aloud: the spoken text, a voice and a speaking rate the user picks, the server's WAV or the browser's voice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from digitsight.result import Reading

# espeak-ng's own English voices that pyttsx3 accepts (MBROLA voices are left out: they need extra
# packages and pyttsx3 writes them at the wrong sample rate). Each with the language a browser's
# Web Speech voice is picked by when the server has no engine.
VOICES = {
    "American English, male": ("en-us", "en-US"),
    "American English, female": ("en-us+f3", "en-US"),
    "British English, male": ("en", "en-GB"),
    "British English, female": ("en-gb-x-rp+f3", "en-GB"),
    "Scottish English": ("en-gb-scotland", "en-GB"),
    "Caribbean English": ("en-029", "en"),
}
DEFAULT_VOICE = "American English, male"
# Words per minute: espeak-ng's default is 175, pyttsx3 sets 200; the slider spans a slow, clear
# reading of a long number to a quick one (digitsight.speech accepts 80-450).
DEFAULT_RATE = 170
MIN_RATE, MAX_RATE = 90, 300


def voice_controls() -> tuple[str, str, int]:
    """The voice and rate pickers -> (espeak-ng voice id, browser language, words per minute)."""
    st.session_state.setdefault("voice", DEFAULT_VOICE)
    st.session_state.setdefault("rate", DEFAULT_RATE)
    with st.expander("Voice and speed", icon=":material/record_voice_over:"):
        name = st.selectbox("Voice", list(VOICES), key="voice")
        rate = st.slider("Speed (words per minute)", MIN_RATE, MAX_RATE, step=10, key="rate")
    voice, language = VOICES[name]
    return voice, language, int(rate)


def read_aloud(number: str, reading: Reading | None = None) -> None:
    """A "Read aloud" control for ``number`` (lines split by spaces), spoken as the user chose.

    ``reading``: the reading ``number`` is, when it was not corrected: its doubt is said too
    ("I am not sure about the third digit.").

    A WAV from the server's speech engine, played by the browser; without an engine (or when
    it fails) the browser's own Web Speech API reads it, from a button in a small iframe.
    """
    from digitsight.speech import SpeechUnavailable, speech_available, spoken_text

    style = st.radio(
        "Say it as",
        ["number", "digits"],
        format_func={"number": "a number", "digits": "digit by digit"}.get,
        horizontal=True,
        key="speech-style",
    )
    voice, language, rate = voice_controls()
    text = spoken_text(reading if reading is not None else number, style=style)
    available, reason = speech_available()
    if not available:
        browser_speech(text, rate, language, "Your browser reads it aloud: this server has no speech engine.", reason)
        return
    request = (text, voice, rate)
    # A callback, not the button's one-run value: the player then stays through later reruns.
    st.button(
        "Read aloud",
        icon=":material/volume_up:",
        key="read-aloud",
        on_click=st.session_state.__setitem__,
        args=("spoken", request),
    )
    if st.session_state.get("spoken") == request:
        try:
            st.audio(speech_wav(text, voice, rate), format="audio/wav", autoplay=True)
        except SpeechUnavailable as error:
            browser_speech(text, rate, language, "The server could not speak it; your browser can.", str(error))


def speech_wav(text: str, voice: str, rate: int) -> bytes:
    """WAV bytes of ``text`` (digitsight.speech keeps its own cache of recent texts)."""
    from digitsight.speech import synthesize

    with st.spinner("Synthesizing speech..."):
        return synthesize(text, voice=voice, rate=rate)


def browser_speech(text: str, rate: int, language: str, note: str, reason: str) -> None:
    """The Web Speech API fallback: its own "Read aloud" button, in an iframe so its script runs."""
    from digitsight.speech import browser_speech_html

    st.iframe(browser_speech_html(text, rate=rate, lang=language), height=60)
    st.caption(note, help=reason)
