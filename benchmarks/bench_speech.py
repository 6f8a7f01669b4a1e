"""Measure speech: cold synthesis (a fresh child process each time), a cache hit, and the audio made.

"Cold" is what a user waits for the first time a number is read: start a Python child, import pyttsx3,
initialise espeak-ng, synthesize, write and read back the WAV. "Cached" is every later request for the
same (text, voice, rate). The bare child start (the same interpreter running ``pass``) is measured in the
same run, to show how much of the cold time is process start-up. Prints figures; asserts nothing.

Run:
    python benchmarks/bench_speech.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import subprocess
import sys
import time
import wave

from digitsight import speech


def median_ms(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def audio_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes() / wav.getframerate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    available, reason = speech.speech_available()
    print(f"python {platform.python_version()}  engine: {reason}")
    if not available:
        return 1

    bare = median_ms(lambda: subprocess.run([sys.executable, "-P", "-c", "pass"], check=True), args.repeats)
    print(f"bare child start (python -c pass): median {bare:7.1f} ms")
    texts = {
        "5-digit number": speech.spoken_text("12345"),
        "3 lines, digit by digit": speech.spoken_text("12345 67890 24680", style="digits"),
    }
    for label, text in texts.items():

        def cold(text: str = text) -> None:
            speech.clear_cache()
            speech.synthesize(text)

        cold_ms = median_ms(cold, args.repeats)
        data = speech.synthesize(text)  # now cached
        cached_ms = median_ms(lambda text=text: speech.synthesize(text), args.repeats * 100)
        seconds = audio_seconds(data)
        print(
            f"{label:24s} cold median {cold_ms:7.1f} ms   cached median {cached_ms * 1000:6.1f} us   "
            f"audio {seconds:5.2f} s, {len(data) / 1024:6.0f} KiB   ({text!r})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
