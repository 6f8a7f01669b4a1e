"""Wall time and peak memory of ``python -m digitsight read one.jpg``: LiteRT (the default) against ``--backend keras``.

Each run is a fresh process, from its start to its exit: interpreter, imports, model
loading, one photo-like image read, output. The two commands alternate, round after
round, which one goes first alternating too, so that a slow minute on a shared machine
falls on both; the medians and their ratio are printed (the target: LiteRT at most 1/3
of Keras). Peak memory is each process's maximum resident set (``wait4``'s ru_maxrss).

Run:
    python benchmarks/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from digitsight.synthetic.pages import make_image

COMMANDS = {"litert": [], "keras": ["--backend", "keras"]}


def run_once(image: Path, extra: list[str]) -> tuple[float, float, str]:
    """(seconds from start to exit, peak RSS in MB, what it printed) of one ``read`` process."""
    command = [sys.executable, "-m", "digitsight", "read", str(image), *extra]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, output.split("(")[0].strip()  # ru_maxrss is in KB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args()

    image = Path(tempfile.mkdtemp(prefix="bench_startup_")) / "one.jpg"
    sample = make_image("photo", 0, "validation")
    image.write_bytes(sample.data)
    print(f"image: {image} ({sample.size[0]}x{sample.size[1]}, label {sample.label}); load {os.getloadavg()[0]:.1f}")
    seconds: dict[str, list[float]] = {name: [] for name in COMMANDS}
    memory: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for round_number in range(args.runs):
        order = list(COMMANDS) if round_number % 2 == 0 else list(reversed(COMMANDS))
        for name in order:
            wall, rss, said = run_once(image, COMMANDS[name])
            seconds[name].append(wall)
            memory[name].append(rss)
            print(f"run {round_number + 1} {name:>6}: {wall:5.2f} s, {rss:5.0f} MB peak  {said}", flush=True)
    print()
    for name in COMMANDS:
        print(
            f"{name:>6}: median {statistics.median(seconds[name]):.2f} s, {statistics.median(memory[name]):.0f} MB peak"
        )
    ratio = statistics.median(seconds["litert"]) / statistics.median(seconds["keras"])
    print(f"litert / keras wall time: {ratio:.2f} (target <= 0.33)")


if __name__ == "__main__":
    main()
