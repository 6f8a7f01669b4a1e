"""A bounded load test of ``python -m digitsight serve`` from localhost: latency, throughput and server memory.

Starts the server (one uvicorn process, LiteRT unless --backend keras) on a free port,
waits for /health, then for each number of concurrent clients (1, 4, 16) sends
``--requests`` uploads of photo-like images (``make_image("photo", i, "validation")``,
one image per POST /read), each client one request after another, and stops a level
early after ``--max-seconds``. Prints per level: requests done, errors (any answer but
200 with a number), p50 and p95 latency, throughput, and the server's resident memory
(the largest seen during the level). The server is stopped at the end.

Run:
    python benchmarks/bench_serve.py [--requests 96] [--max-seconds 60] [--levels 1 4 16]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from digitsight.synthetic.pages import make_image

REPO_ROOT = Path(__file__).resolve().parents[1]
IMAGES = 24  # distinct images sent in turn: enough that no two neighbouring requests are alike


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, backend: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "digitsight", "serve", "--port", str(port), "--quiet", "--backend", backend]
    server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {server.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not answer /health within 120 s")


def load_level(url: str, images: list[bytes], clients: int, requests: int, max_seconds: float, server_pid: int):
    """Latencies (s) of the requests that succeeded, the error count, the elapsed time and the peak server RSS."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    stop_at = time.monotonic() + max_seconds
    peak = [0]
    done = threading.Event()

    def watch_memory() -> None:
        server = psutil.Process(server_pid)
        while not done.wait(0.05):
            peak[0] = max(peak[0], server.memory_info().rss)

    def client_loop() -> None:
        nonlocal errors
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop_at:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                started = time.perf_counter()
                try:
                    answer = client.post(f"{url}/read", files={"file": (f"{index}.jpg", images[index % len(images)])})
                    ok = answer.status_code == 200 and "number" in answer.json()
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors += 1

    watcher = threading.Thread(target=watch_memory, daemon=True)
    watcher.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client_loop)
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join()
    return latencies, errors, elapsed, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=96, help="requests per level (default 96)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="a level stops after this long (default 60)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16], help="concurrent clients per level")
    parser.add_argument("--backend", default="litert", choices=("litert", "keras"))
    args = parser.parse_args()

    images = [make_image("photo", index, "validation").data for index in range(IMAGES)]
    port = free_port()
    server = start_server(port, args.backend)
    url = f"http://127.0.0.1:{port}"
    try:
        idle = psutil.Process(server.pid).memory_info().rss / 2**20
        load = os.getloadavg()[0]
        print(f"server: {args.backend}, pid {server.pid}, {idle:.0f} MB resident after start; load {load:.1f}")
        print(f"{'clients':>7} {'done':>5} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6} {'server MB':>9}")
        for clients in args.levels:
            latencies, errors, elapsed, peak = load_level(
                url, images, clients, args.requests, args.max_seconds, server.pid
            )
            ms = sorted(1000 * latency for latency in latencies) or [float("nan")]
            p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
            print(
                f"{clients:>7} {len(latencies):>5} {errors:>6} {statistics.median(ms):>7.0f} {p95:>7.0f} "
                f"{len(latencies) / elapsed:>6.1f} {peak / 2**20:>9.0f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
