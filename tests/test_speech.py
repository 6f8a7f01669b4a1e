"""Speech: what is said for a reading, the WAV from the real engine, and every way the engine can fail."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import wave

import numpy as np
import pytest

from digitsight import cli, speech, spoken
from digitsight.errors import DigitSightError
from digitsight.reading import Reading
from digitsight.speech import SpeechUnavailable, browser_speech_html, spoken_text, synthesize


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch):
    # Each test starts with an empty cache and the engine switched on (unless the test switches it off).
    monkeypatch.delenv(speech.ENGINE_ENV, raising=False)
    speech.clear_cache()
    yield
    speech.clear_cache()


def _reading(*lines: str) -> Reading:
    return Reading(number=" ".join(lines), lines=list(lines), digits=[], warnings=[], image_size=(10, 10))


def _wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


def _seconds(data: bytes) -> float:
    samples, rate = _wav(data)
    return len(samples) / rate


def _tiny_wav(frames: int = 100) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(b"\x10\x00" * frames)
    return buffer.getvalue()


# --------------------------------------------------------------------------- spoken_text


@pytest.mark.parametrize(
    ("reading", "style", "expected"),
    [
        ("12345", "number", "The number is 12,345."),
        ("12345", "digits", "The digits are one, two, three, four, five."),
        ("007", "number", "The digits are zero, zero, seven."),
        ("007", "digits", "The digits are zero, zero, seven."),
        ("0", "number", "The number is 0."),
        ("7", "digits", "The digit is seven."),
        ("123456789", "number", "The number is 123,456,789."),
        ("1234567890", "number", "The digits are one, two, three, four, five, six, seven, eight, nine, zero."),
        ("12345 007", "number", "There are 2 lines. Line 1: 12,345. Line 2: zero, zero, seven."),
        ("42 9", "digits", "There are 2 lines. Line 1: four, two. Line 2: nine."),
        ("", "number", "No digits were found."),
        ("   ", "digits", "No digits were found."),
    ],
)
def test_spoken_text_from_a_string(reading: str, style: str, expected: str) -> None:
    assert spoken_text(reading, style) == expected


def test_spoken_text_from_a_reading() -> None:
    assert spoken_text(_reading("2024", "06")) == "There are 2 lines. Line 1: 2,024. Line 2: zero, six."
    assert spoken_text(_reading("31"), style="digits") == "The digits are three, one."
    assert spoken_text(_reading()) == "No digits were found."


def test_long_numbers_switch_to_digits_exactly_past_the_limit() -> None:
    limit = spoken.MAX_NUMBER_DIGITS
    assert spoken_text("9" * limit).startswith("The number is 9")
    assert spoken_text("9" * (limit + 1)) == "The digits are " + ", ".join(["nine"] * (limit + 1)) + "."


def test_spoken_text_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown speech style 'words'"):
        spoken_text("12", style="words")
    with pytest.raises(ValueError, match="digits only, got '12a'"):
        spoken_text("12a")


# --------------------------------------------------------------------------- engine unavailable / failing


def _no_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("no child process may be started here")

    monkeypatch.setattr(speech.subprocess, "run", refuse)


def test_switch_makes_the_engine_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(speech.ENGINE_ENV, "none")
    _no_child_process(monkeypatch)
    available, reason = speech.speech_available()
    assert not available
    assert "DIGITSIGHT_SPEECH_ENGINE=none" in reason
    with pytest.raises(SpeechUnavailable, match="switched off"):
        synthesize("The number is 7.")


def test_missing_espeak_library_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "_ESPEAK_LIBRARIES", ("libdigitsight-no-such-espeak.so.1",))
    _no_child_process(monkeypatch)
    assert speech.speech_available() == (
        False,
        "espeak-ng is not installed (on Debian/Ubuntu: apt-get install espeak-ng)",
    )
    with pytest.raises(SpeechUnavailable, match="espeak-ng is not installed"):
        synthesize("The number is 7.")


def test_missing_pyttsx3_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = speech.importlib.util.find_spec
    monkeypatch.setattr(
        speech.importlib.util, "find_spec", lambda name: None if name == "pyttsx3" else real_find_spec(name)
    )
    with pytest.raises(SpeechUnavailable, match="pyttsx3 is not installed"):
        synthesize("The number is 7.")


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        # What the real child says when pyttsx3 cannot load libespeak-ng.
        (
            'import sys; sys.exit("could not start pyttsx3\'s espeak driver: RuntimeError: no eSpeak")',
            r"failed \(exit code 1\): could not start pyttsx3's espeak driver: RuntimeError: no eSpeak",
        ),
        ("import os; os.abort()", r"failed \(exit code -6\)"),  # a crash in the C library
        ("pass", "without writing a WAV file"),
        (
            "import json, sys; open(json.load(sys.stdin)['path'], 'wb').write(b'RIFF junk')",
            "unreadable WAV file",
        ),
    ],
)
def test_failing_engine_raises_speech_unavailable(monkeypatch: pytest.MonkeyPatch, worker: str, message: str) -> None:
    monkeypatch.setattr(speech, "_WORKER", worker)
    with pytest.raises(SpeechUnavailable, match=message):
        synthesize("The number is 7.")
    assert speech.cache_info().size == 0  # failures are not cached


def test_a_hung_engine_is_killed_at_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "_WORKER", "import time; time.sleep(60)")
    started = time.perf_counter()
    with pytest.raises(SpeechUnavailable, match="did not finish within 1 s"):
        synthesize("The number is 7.", timeout=1)
    assert time.perf_counter() - started < 10


def test_a_failed_engine_rests_before_it_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A hung engine cost 20 s of spinner on every click; after one failure the browser speaks at once.
    monkeypatch.setattr(speech, "_WORKER", "import time; time.sleep(60)")
    with pytest.raises(SpeechUnavailable, match="did not finish within 1 s"):
        synthesize("The number is 7.", timeout=1)
    _no_child_process(monkeypatch)
    available, reason = speech.speech_available()
    assert not available
    assert reason.startswith("the speech engine did not finish within 1 s; not tried again for ")
    with pytest.raises(SpeechUnavailable, match="not tried again"):
        synthesize("The number is 8.")
    clock = speech.time.monotonic() + speech.FAILURE_COOLDOWN_S + 1
    monkeypatch.setattr(speech.time, "monotonic", lambda: clock)  # the cool-down is over
    monkeypatch.setattr(speech, "_render", lambda *args: _tiny_wav())
    assert synthesize("The number is 9.") == _tiny_wav()
    assert speech._engine_failure is None  # a success forgets the failure


def test_a_refused_voice_is_not_an_engine_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad_voice(*args):
        raise ValueError("voice 'x' or rate None refused")

    monkeypatch.setattr(speech, "_render", bad_voice)
    with pytest.raises(ValueError, match="refused"):
        synthesize("The number is 7.", voice="x")
    assert speech._engine_failure is None


def test_bad_arguments_are_refused_before_the_engine_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_child_process(monkeypatch)
    with pytest.raises(ValueError, match="nothing to say"):
        synthesize("  ")
    with pytest.raises(ValueError, match="between 80 and 450"):
        synthesize("The number is 7.", rate=1000)


# --------------------------------------------------------------------------- cache (no engine needed)


def test_cache_is_keyed_by_text_voice_and_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_render(text, voice, rate, timeout):
        calls.append((text, voice, rate))
        return _tiny_wav(len(calls))

    monkeypatch.setattr(speech, "_render", fake_render)
    first = synthesize("one")
    assert synthesize("one") == first
    synthesize("one", rate=150)
    synthesize("one", voice="en-us")
    assert synthesize("one", rate=150) != first
    assert calls == [("one", None, None), ("one", None, 150), ("one", "en-us", None)]
    assert speech.cache_info()[:3] == (2, 3, 3)


def test_cache_evicts_the_least_recently_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(speech, "_render", lambda text, *rest: calls.append(text) or _tiny_wav())
    monkeypatch.setattr(speech, "_CACHE_SIZE", 2)
    synthesize("a")
    synthesize("b")
    synthesize("a")  # a is now the most recent
    synthesize("c")  # evicts b
    synthesize("a")
    synthesize("b")
    assert calls == ["a", "b", "c", "b"]


# --------------------------------------------------------------------------- browser fallback


def test_browser_html_speaks_the_text_safely() -> None:
    text = 'The number is 12,345. </script><b>"x"</b>'
    snippet = browser_speech_html(text, rate=300, label="Say <it>")
    assert "speechSynthesis.speak(utterance)" in snippet
    assert snippet.count("</script>") == 1  # the text cannot close the script tag
    assert r'"The number is 12,345. \u003c/script\u003e\u003cb\u003e\"x\"\u003c/b\u003e"' in snippet
    assert "utterance.rate = 1.5;" in snippet  # 300 words per minute / pyttsx3's 200
    assert "Say &lt;it&gt;" in snippet
    assert "cannot read text aloud" in snippet  # browsers without speech synthesis get a note
    assert browser_speech_html(text) == browser_speech_html(text)  # stable, so Streamlit does not re-mount it
    assert browser_speech_html(text) != browser_speech_html("The number is 7.")


# --------------------------------------------------------------------------- CLI


def test_say_cli_writes_the_wav(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    seen = []
    monkeypatch.setattr(speech, "_render", lambda *args: seen.append(args) or _tiny_wav(22050))
    output = tmp_path / "out.wav"
    assert cli.main(["say", "The number is 7.", "-o", str(output), "--rate", "150", "--voice", "en-us"]) == 0
    assert output.read_bytes() == _tiny_wav(22050)
    assert seen == [("The number is 7.", "en-us", 150, speech.DEFAULT_TIMEOUT)]
    assert "1.0 s of speech" in capsys.readouterr().out


def test_say_cli_reports_failures(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    monkeypatch.setenv(speech.ENGINE_ENV, "off")
    assert cli.main(["say", "The number is 7.", "-o", str(tmp_path / "out.wav")]) == 1
    assert capsys.readouterr().err.startswith("error: the speech engine is switched off")
    monkeypatch.delenv(speech.ENGINE_ENV)
    with pytest.raises(DigitSightError, match="between 80 and 450"):
        speech.run_say(cli._build_parser().parse_args(["say", "x", "-o", str(tmp_path / "o.wav"), "--rate", "5"]))
    assert not (tmp_path / "out.wav").exists()


# --------------------------------------------------------------------------- the real engine


@pytest.fixture
def engine() -> None:
    available, reason = speech.speech_available()
    if not available:
        pytest.skip(f"no speech engine: {reason}")


@pytest.mark.audio
def test_real_wav_for_a_five_digit_number(engine) -> None:
    data = synthesize(spoken_text("12345"))
    samples, rate = _wav(data)
    assert 0.5 <= len(samples) / rate <= 15
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    assert rms > 0.01 * 32768, f"RMS {rms:.0f} of 32768: the audio is (nearly) silent"


@pytest.mark.audio
def test_real_longer_text_gives_longer_audio(engine) -> None:
    short = _seconds(synthesize(spoken_text("12345")))
    long = _seconds(synthesize(spoken_text("12345 67890 24680", style="digits")))
    assert long > 2 * short


@pytest.mark.audio
def test_real_rate_and_voice_change_the_audio(engine) -> None:
    text = spoken_text("12345")
    slow, fast = _seconds(synthesize(text, rate=100)), _seconds(synthesize(text, rate=300))
    assert slow > 2 * fast
    assert synthesize(text, voice="en-us") != synthesize(text)
    with pytest.raises(ValueError, match="voice 'no-such-voice' or rate None refused"):
        synthesize(text, voice="no-such-voice")


@pytest.mark.audio
def test_real_second_call_is_served_from_the_cache(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    text = spoken_text("12345")
    first = synthesize(text)
    _no_child_process(monkeypatch)
    assert synthesize(text) is first
    assert speech.cache_info()[:3] == (1, 1, 1)


@pytest.mark.audio
def test_real_long_text_is_complete(engine) -> None:
    # pyttsx3 2.99's runAndWait returns before espeak-ng has written a long text (see speech.py): without
    # the wait for finished-utterance, this WAV would be missing or cut short.
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("the espeak-ng command (reference rendering) is not installed")
    text = " ".join([spoken_text("12345 007")] * 8)
    ours, rate = _wav(synthesize(text, voice="en-us", rate=170))
    reference = subprocess.run(
        [espeak, "-v", "en-us", "-s", "170", "--stdout", text], capture_output=True, check=True
    ).stdout
    theirs, their_rate = _wav(reference)
    assert rate == their_rate
    assert len(ours) == len(theirs)


@pytest.mark.audio
def test_real_say_cli(engine, tmp_path) -> None:
    output = tmp_path / "say.wav"
    assert cli.main(["say", spoken_text("12345"), "-o", str(output)]) == 0
    assert 0.5 <= _seconds(output.read_bytes()) <= 15
