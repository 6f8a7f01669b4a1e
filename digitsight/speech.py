"""Say a reading aloud: the words to say, a WAV of them, and a browser fallback.

- ``spoken_text(reading, style)`` turns a reading into an English sentence (``digitsight.spoken``).
- ``synthesize(text)`` renders that sentence to WAV bytes with pyttsx3's
  ``save_to_file`` driving espeak-ng, in a child process with a timeout, so a
  hung or crashing engine can never freeze the app (pyttsx3's ``runAndWait`` is
  known to hang and its engine is not thread-safe, while Streamlit runs each
  session in a thread). The app hands the bytes to ``st.audio``: the user's
  browser plays them, not the server's sound card.
- ``speech_available()`` is a cheap check (no synthesis) that lets the app pick
  the browser's own Web Speech API (``browser_speech_html``) up front;
  ``synthesize`` can still raise ``SpeechUnavailable``, so callers catch it too.

Switch: set the environment variable ``DIGITSIGHT_SPEECH_ENGINE=none`` to make
the engine unavailable (tests, or servers where espeak-ng misbehaves): then
``speech_available()`` returns ``(False, reason)`` and ``synthesize`` raises
``SpeechUnavailable`` without starting a process.

pyttsx3 2.99 trap worked around here: its espeak driver's ``runAndWait`` returns
as soon as espeak-ng has *queued* the text, not when the WAV is written (the
``endLoop`` command that ``runAndWait`` queues is pumped together with
``save_to_file``, so the loop ends before synthesis starts; espeak-ng then
synthesizes on its own thread). For a short sentence the file usually exists
by the time ``runAndWait`` returns; for a longer one it does not, and a process
that exits then leaves no file or a cut-off one. The child therefore waits for
pyttsx3's ``finished-utterance`` event, which the driver sends right after it
closes the WAV. pyttsx3 also reports a bad voice only through its ``error``
event and then speaks with the default voice; the child turns that into an error.
Left alone: the driver writes every WAV at 22,050 Hz whatever espeak-ng's real
rate; that is right for espeak-ng's own voices, wrong for MBROLA voices (16 kHz).
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import html
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from digitsight.errors import DigitSightError
from digitsight.spoken import spoken_text

__all__ = [
    "SpeechUnavailable",
    "browser_speech_html",
    "cache_info",
    "clear_cache",
    "run_say",
    "speech_available",
    "spoken_text",
    "synthesize",
]

ENGINE_ENV = "DIGITSIGHT_SPEECH_ENGINE"  # "none" (or "off", "0") disables the engine
DEFAULT_RATE = 200  # words per minute: what pyttsx3's espeak driver sets when none is given
MIN_RATE, MAX_RATE = 80, 450  # espeak-ng's own limits; outside them it clamps silently, so we refuse instead
DEFAULT_TIMEOUT = 20.0  # seconds; a cold start (python + pyttsx3 + espeak-ng init) takes ~0.3 s and
# synthesis runs ~50x faster than real time, so 20 s is far beyond any honest run even on a busy machine.
# After the engine fails or hangs, it is not tried again for this long: speech_available() says so and
# synthesize() raises at once, so the app goes straight to the browser's speech instead of spinning
# DEFAULT_TIMEOUT seconds on every click. Five minutes: long enough that a broken engine costs one wait
# per user session, short enough that an engine that recovers (a busy machine) is soon used again.
FAILURE_COOLDOWN_S = 300.0

# The names pyttsx3 2.99's espeak driver tries, in its order (pyttsx3/drivers/_espeak.py, Linux part);
# a module attribute so tests can make the library "missing".
_ESPEAK_LIBRARIES: tuple[str, ...] = ("libespeak-ng.so.1", "/usr/local/lib/libespeak-ng.so.1", "libespeak.so.1")
if sys.platform == "darwin":
    _ESPEAK_LIBRARIES = ("/opt/homebrew/lib/libespeak-ng.1.dylib", "/usr/local/lib/libespeak-ng.1.dylib")
elif sys.platform == "win32":
    _ESPEAK_LIBRARIES = (
        r"C:\Program Files\eSpeak NG\libespeak-ng.dll",
        r"C:\Program Files (x86)\eSpeak NG\libespeak-ng.dll",
    )


class SpeechUnavailable(DigitSightError):
    """No speech engine here, or it failed or timed out; the message says which."""


# --------------------------------------------------------------------------- is there an engine


def speech_available() -> tuple[bool, str]:
    """Whether ``synthesize`` can be expected to work here, and why (or why not).

    Cheap and side-effect free apart from loading the espeak-ng library the way pyttsx3 would (no
    synthesis, no child process), so the app can call it on every run and choose the browser's speech
    up front. ``synthesize`` may still raise ``SpeechUnavailable`` (for example when espeak-ng's data
    files are missing), so callers handle that too. For ``FAILURE_COOLDOWN_S`` after the engine failed
    or hung, this says it is unavailable.
    """
    recent = _recent_failure()
    if recent:
        return False, recent
    setting = os.environ.get(ENGINE_ENV, "").strip().lower()
    if setting in ("none", "off", "0", "false", "no"):
        return False, f"the speech engine is switched off ({ENGINE_ENV}={os.environ[ENGINE_ENV]})"
    if importlib.util.find_spec("pyttsx3") is None:
        return False, "pyttsx3 is not installed (pip install -r requirements.txt)"
    for name in _ESPEAK_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True, f"pyttsx3 with espeak-ng ({name})"
    return False, "espeak-ng is not installed (on Debian/Ubuntu: apt-get install espeak-ng)"


# --------------------------------------------------------------------------- text -> WAV bytes

# The child process. It receives {"text", "path", "voice", "rate", "timeout"} as JSON on stdin, writes
# the WAV to "path" and exits 0; exit 2 means a bad argument (unknown voice), anything else an engine
# failure, with the reason on stderr's last line. A string run with `python -P -c` (not a module) so the
# child needs no access to the digitsight package, whatever the app's working directory, and (-P) a stray
# json.py or pyttsx3/ in that directory cannot shadow the real modules.
_WORKER = r"""
import json, sys, threading
request = json.load(sys.stdin)
try:
    import pyttsx3
    engine = pyttsx3.init("espeak")
except Exception as error:
    sys.exit(f"could not start pyttsx3's espeak driver: {type(error).__name__}: {error}")
errors, done = [], threading.Event()
engine.connect("error", lambda **event: errors.append(event.get("exception")))
engine.connect("finished-utterance", lambda **event: done.set())
if request["voice"]:
    engine.setProperty("voice", request["voice"])  # a bad voice arrives as an "error" event
if request["rate"] is not None:
    engine.setProperty("rate", request["rate"])
engine.save_to_file(request["text"], request["path"])
engine.runAndWait()
# runAndWait returns before espeak-ng has finished (see digitsight/speech.py): wait for the driver's
# finished-utterance event, sent after it has closed the WAV file.
finished = done.wait(request["timeout"])
if errors:
    if isinstance(errors[0], ValueError):  # the driver's setProperty rejected the voice or rate
        print(f"voice {request['voice']!r} or rate {request['rate']!r} refused: {errors[0]}"
              " (list voices with: espeak-ng --voices)", file=sys.stderr)
        sys.exit(2)
    sys.exit(f"{type(errors[0]).__name__}: {errors[0]}")
if not finished:
    sys.exit("espeak-ng never finished the utterance")
"""


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int
    max_size: int


# In-memory LRU of rendered WAVs, keyed by (text, voice, rate), shared by all sessions of one app process.
# A WAV of one sentence is ~100-500 kB, so 64 entries stay under ~30 MB. Not on disk: a restart is rare
# and a re-render costs ~0.1 s. Two sessions asking for the same new text at once both render it (the lock
# is not held during synthesis, so one slow render never blocks the others); the second result wins.
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, str | None, int | None], bytes] = OrderedDict()
_cache_lock = threading.Lock()  # Streamlit serves sessions from several threads
_hits = 0
_misses = 0
# When and why the engine last failed (time.monotonic(), reason); None while it works. Shared by all
# sessions of one app process, under _cache_lock.
_engine_failure: tuple[float, str] | None = None


def cache_info() -> CacheInfo:
    """Hits, misses and size of ``synthesize``'s cache (for tests and benchmarks)."""
    with _cache_lock:
        return CacheInfo(_hits, _misses, len(_cache), _CACHE_SIZE)


def clear_cache() -> None:
    """Empty ``synthesize``'s cache, reset its counters and forget an engine failure."""
    global _hits, _misses, _engine_failure
    with _cache_lock:
        _cache.clear()
        _hits = _misses = 0
        _engine_failure = None


def _recent_failure() -> str | None:
    """Why the engine is resting, if it failed less than FAILURE_COOLDOWN_S ago."""
    with _cache_lock:
        failure = _engine_failure
    if failure is None:
        return None
    failed_at, reason = failure
    left = FAILURE_COOLDOWN_S - (time.monotonic() - failed_at)
    if left <= 0:
        return None
    return f"{reason}; not tried again for {left:.0f} s"


def _remember_failure(reason: str | None) -> None:
    """Record that the engine just failed (``reason``), or that it just worked (None)."""
    global _engine_failure
    with _cache_lock:
        _engine_failure = None if reason is None else (time.monotonic(), reason)


def _check_wav(data: bytes) -> None:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            frames = wav.getnframes()
    except (wave.Error, EOFError) as error:
        raise SpeechUnavailable(f"the speech engine wrote an unreadable WAV file ({error})") from error
    if frames == 0:
        raise SpeechUnavailable("the speech engine produced no audio")


def _render(text: str, voice: str | None, rate: int | None, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="digitsight-speech-") as folder:
        path = Path(folder) / "speech.wav"
        request = {"text": text, "path": str(path), "voice": voice, "rate": rate, "timeout": timeout}
        try:
            # subprocess.run kills the child when the timeout expires.
            done = subprocess.run(
                [sys.executable, "-P", "-c", _WORKER],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise SpeechUnavailable(f"the speech engine did not finish within {timeout:g} s") from error
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        if done.returncode == 2:
            raise ValueError(reason)
        if done.returncode != 0:
            raise SpeechUnavailable(f"the speech engine failed (exit code {done.returncode}): {reason}")
        if not path.exists():
            raise SpeechUnavailable("the speech engine finished without writing a WAV file")
        data = path.read_bytes()
    _check_wav(data)
    return data


def synthesize(
    text: str, *, voice: str | None = None, rate: int | None = None, timeout: float = DEFAULT_TIMEOUT
) -> bytes:
    """Render ``text`` as WAV bytes (16-bit mono PCM) with pyttsx3 + espeak-ng, in a child process.

    ``voice`` is an espeak-ng voice id, language or name (``"gmw/en-us"``, ``"en-us"``, ``"English
    (America)"``; ``None``: the default voice); ``rate`` is in words per minute, 80 to 450 (``None``:
    200). Results are cached in memory by (text, voice, rate), see ``cache_info``. Raises
    ``SpeechUnavailable`` when no engine is installed or switched on, or it fails or takes longer than
    ``timeout`` seconds (the child is then killed); ``ValueError`` for empty text, a rate out of range
    or an unknown voice.
    """
    global _hits, _misses
    if not text.strip():
        raise ValueError("nothing to say: the text is empty")
    if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"rate must be between {MIN_RATE} and {MAX_RATE} words per minute, got {rate}")
    key = (text, voice, rate)
    with _cache_lock:
        if key in _cache:
            _hits += 1
            _cache.move_to_end(key)
            return _cache[key]
    available, reason = speech_available()
    if not available:
        raise SpeechUnavailable(reason)
    try:
        data = _render(text, voice, rate, timeout)
    except SpeechUnavailable as error:
        _remember_failure(str(error))
        raise
    _remember_failure(None)
    with _cache_lock:
        _misses += 1
        _cache[key] = data
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return data


# --------------------------------------------------------------------------- browser fallback


def browser_speech_html(
    text: str, *, rate: int | None = None, lang: str = "en-US", label: str = "🔊 Read aloud"
) -> str:
    """A self-contained HTML snippet: a button that speaks ``text`` with the browser's Web Speech API.

    For when ``synthesize`` cannot run on the server. Render it with
    ``streamlit.components.v1.html(snippet, height=60)`` (an iframe; scripts run there) or
    ``st.html(snippet, unsafe_allow_javascript=True)``. A button, not autoplay, because browsers only let
    a page speak after a user gesture. ``rate`` in words per minute maps to the Web Speech rate as
    ``rate / 200`` (1.0 at pyttsx3's default; approximate, voices differ). Browsers without speech
    synthesis show a note instead.
    """
    speed = 1.0 if rate is None else max(0.1, min(10.0, rate / DEFAULT_RATE))
    # Deterministic id: the same text gives the same HTML, so Streamlit does not re-mount the component.
    ident = "ds-speak-" + hashlib.sha1(f"{text}\0{speed}\0{lang}".encode()).hexdigest()[:12]

    def js(value: object) -> str:
        # JSON is valid JavaScript; escaping <, > and & keeps "</script>" in the text from closing the tag.
        return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    return f"""<div id="{ident}" style="font-family: sans-serif">
<button type="button">{html.escape(label)}</button>
<span class="ds-speak-note" style="margin-left: 0.5em; color: #666"></span>
</div>
<script>
(function () {{
  const root = document.getElementById({js(ident)});
  const note = root.querySelector(".ds-speak-note");
  const button = root.querySelector("button");
  if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {{
    button.disabled = true;
    note.textContent = "This browser cannot read text aloud.";
    return;
  }}
  button.addEventListener("click", function () {{
    const utterance = new SpeechSynthesisUtterance({js(text)});
    utterance.lang = {js(lang)};
    utterance.rate = {js(speed)};
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }});
}})();
</script>"""


# --------------------------------------------------------------------------- CLI


def run_say(args: argparse.Namespace) -> int:
    """``python -m digitsight say TEXT -o out.wav [--rate N] [--voice ID]``: write TEXT, spoken, to a WAV."""
    try:
        data = synthesize(args.text, voice=args.voice, rate=args.rate)
    except ValueError as error:
        raise DigitSightError(str(error)) from error
    output = Path(args.output)
    try:
        output.write_bytes(data)
    except OSError as error:
        raise DigitSightError(f"cannot write {output}: {error.strerror or error}") from error
    with wave.open(io.BytesIO(data)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    print(f"wrote {output} ({seconds:.1f} s of speech)")
    return 0
