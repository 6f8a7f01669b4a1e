"""Compare the reading speed of this checkout with another one's, in one run: a ratio, not two noisy figures.

The machine is shared and its speed drifts by a factor of two within an hour, so two
latency runs made at different times do not compare. This script starts one worker
process per checkout (each runs in that checkout with it first on PYTHONPATH, so it
imports that checkout's ``digitsight`` and loads its models),
then hands them the same photo-like JPEGs in turn, alternating which goes first, and
prints the median time of ``digitsight.read`` for each and their ratio.

Run (BASE is another checkout, e.g. ``git worktree add /tmp/base HEAD~3``):
    python tools/ab_reading.py --base /tmp/base
    python tools/ab_reading.py --base /tmp/base --sizes 1,3 --rounds 20
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker() -> None:
    """Read each image path given on stdin with the digitsight on PYTHONPATH; answer with the milliseconds taken.

    First says "ready" and where that digitsight is, once its models are loaded.
    """
    # Imported here, not at the top: the parent process starts one worker per checkout, and
    # each must import the digitsight its PYTHONPATH names, not the one this script came with.
    import digitsight
    from digitsight import reading

    reading.load_models()
    print(f"ready {Path(digitsight.__file__).resolve().parent}", flush=True)
    for line in sys.stdin:
        data = Path(line.strip()).read_bytes()
        started = time.perf_counter()
        digitsight.read(data)
        print(f"{(time.perf_counter() - started) * 1000:.3f}", flush=True)


def start(root: Path) -> subprocess.Popen:
    """A worker reading with ``root``'s digitsight: run in ``root``, with ``root`` first on PYTHONPATH."""
    environment = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker"],
        cwd=root,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    answer = process.stdout.readline().split(maxsplit=1)
    if not answer or answer[0] != "ready":
        raise SystemExit(f"the worker for {root} did not start")
    if Path(answer[1].strip()) != root / "digitsight":
        raise SystemExit(f"the worker for {root} imported {answer[1].strip()} instead of {root / 'digitsight'}")
    return process


def timed(process: subprocess.Popen, path: Path) -> float:
    process.stdin.write(f"{path}\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the other checkout")
    parser.add_argument("--sizes", default="1,3", help="photo sizes in megapixels, comma-separated")
    parser.add_argument("--images", type=int, default=5, help="photos per size (each a 6-digit number)")
    parser.add_argument("--rounds", type=int, default=12, help="readings of each photo by each checkout")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.base is None:
        parser.error("--base is required")

    from digitsight import synthetic  # after the worker's return: a worker imports no digitsight before its own

    workers = {"this": start(ROOT), "base": start(args.base.resolve())}
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for megapixels in (float(size) for size in args.sizes.split(",")):
            paths = []
            for index in range(args.images):
                path = Path(folder) / f"{megapixels}-{index}.jpg"
                path.write_bytes(synthetic.photo_of_size(megapixels, 6, index).data)
                paths.append(path)
                for process in workers.values():  # warm-up: the first reading traces the models
                    timed(process, path)
            times = {name: [] for name in workers}
            for round_ in range(args.rounds):
                order = list(workers) if round_ % 2 == 0 else list(reversed(workers))
                for path in paths:
                    for name in order:
                        times[name].append(timed(workers[name], path))
            this, base = statistics.median(times["this"]), statistics.median(times["base"])
            results[megapixels] = {"this_ms": round(this, 1), "base_ms": round(base, 1), "ratio": round(this / base, 3)}
            print(f"{megapixels:g} MP: p50 this {this:.1f} ms, base {base:.1f} ms, ratio this/base {this / base:.3f}")
    for process in workers.values():
        process.stdin.close()
        process.wait()
    print(
        json.dumps(
            {
                "base": str(args.base),
                "readings_per_checkout_and_size": args.images * args.rounds,
                **{f"{size:g}MP": figures for size, figures in results.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
