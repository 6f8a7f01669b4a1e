"""The dashboard under hostile uploads: N browser sessions at once, each uploading a hostile file.

Starts ``streamlit run app.py`` (as the tests do, ``tests/app_server.py``), warms it up with
one ordinary upload (the models load), then opens ``--sessions`` headless Chromium pages on
the predictor and uploads one hostile file from ``tests/hostile_files.py`` into each through
the real file uploader, all at once. Meanwhile a thread asks ``/_stcore/health`` every 0.1 s
and another samples the server's resident memory. Prints, per session, the file, what the
page showed and how long it took; the slowest health answer; and the server's memory before,
at its peak, and after the sessions closed.

The targets (issue 23): health answers within 1 s throughout, and memory back within 200 MB
of where it started. Prints figures; asserts nothing. Run from the repository root:

    .venv/bin/python benchmarks/bench_hostile_app.py [--sessions 10] [--settle 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

import hostile_files  # noqa: E402 - the corpus lives with the tests

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop_app, wait_until_healthy  # noqa: E402

HEALTH_TARGET_S = 1.0
MEMORY_TARGET_MB = 200.0
READ_TIMEOUT_MS = 300_000  # ten 49-megapixel files on two cores
# The heaviest files the uploader takes (its types: png, jpg, jpeg, webp, bmp, tif, tiff), one per session.
UPLOADS = (
    ("png_49mp_transparent_rgba", "png"),
    ("png_49mp_16bit_rgba", "png"),
    ("png_49mp_gray_alpha", "png"),
    ("png_49mp_palette", "png"),
    ("tiff_49mp_float", "tif"),
    ("tiff_49mp_cmyk", "tif"),
    ("tiff_80000_pages", "tif"),
    ("jpeg_49mp_progressive", "jpg"),
    ("bmp_rle_49mp", "bmp"),
    ("webp_16mp_lossless", "webp"),
    ("png_49mp_16bit_gray", "png"),
    ("jpeg_truncated_with_end_marker", "jpg"),
)
# What the predictor shows when it is done with an upload: the number, or a message box.
DONE = '.ds-number, [data-testid="stAlertContentError"], [data-testid="stAlertContentInfo"]'


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Watch(threading.Thread):
    """Polls the health endpoint and the server's memory until stopped; keeps the worst figures."""

    def __init__(self, url: str, pid: int) -> None:
        super().__init__(daemon=True)
        self.url, self.pid = url, pid
        self.stop = threading.Event()
        self.slowest_health = 0.0
        self.failed_health = 0
        self.peak_mb = rss_mb(pid)

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as response:
                    response.read()
            except OSError:
                self.failed_health += 1
            self.slowest_health = max(self.slowest_health, time.perf_counter() - started)
            self.peak_mb = max(self.peak_mb, rss_mb(self.pid))
            self.stop.wait(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to wait after the sessions close")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench_hostile_app_"))
    files = []
    for name, suffix in UPLOADS[: args.sessions]:
        path = workdir / f"{name}.{suffix}"
        path.write_bytes(hostile_files.BY_NAME[name].build())
        files.append(path)
    warm_up = REPO_ROOT / "assets" / "examples"
    warm_up = next(path for path in sorted(warm_up.iterdir()) if path.suffix in (".png", ".jpg"))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores; python {platform.python_version()}")
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")  # as `make app` runs the server (see the Makefile)
    print(f"server started as `make app` starts it: MALLOC_ARENA_MAX={os.environ['MALLOC_ARENA_MAX']}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (workdir / "server.log").open("w") as log, sync_playwright() as playwright:
        server = start_app(port, log)
        try:
            wait_until_healthy(url, server)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.goto(f"{url}/predictor")
            page.locator('input[type="file"]').set_input_files(warm_up)
            page.locator(DONE).first.wait_for(timeout=READ_TIMEOUT_MS)
            page.close()
            time.sleep(2)
            before = rss_mb(server.pid)
            watch = Watch(url, server.pid)
            watch.start()

            pages = []
            for _ in files:
                page = browser.new_context().new_page()
                page.goto(f"{url}/predictor")
                page.locator('input[type="file"]').wait_for(state="attached")
                pages.append(page)
            started = time.perf_counter()
            for page, path in zip(pages, files, strict=True):
                page.locator('input[type="file"]').set_input_files(path)  # returns once the browser has it
            results = []
            for page, path in zip(pages, files, strict=True):
                page.locator(DONE).first.wait_for(timeout=READ_TIMEOUT_MS)
                shown = page.locator(DONE).first.inner_text().strip().replace("\n", " ")
                results.append((path.name, time.perf_counter() - started, shown))
            all_done = time.perf_counter() - started
            for page in pages:
                page.context.close()
            browser.close()
            time.sleep(args.settle)  # sessions end when their sockets close
            after = rss_mb(server.pid)
            watch.stop.set()
            watch.join()
        finally:
            stop_app(server)

    print(f"{len(files)} sessions, each uploading one hostile file at the same moment:")
    for name, seconds, shown in results:
        print(f"  {name:40} shown after {seconds:5.1f} s: {shown[:80]}")
    print(f"all shown after {all_done:.1f} s")
    print(f"slowest /_stcore/health answer: {watch.slowest_health:.2f} s (target {HEALTH_TARGET_S:g} s); "
          f"failed: {watch.failed_health}")  # fmt: skip
    print(f"server memory: {before:.0f} MB before, peak {watch.peak_mb:.0f} MB (+{watch.peak_mb - before:.0f}), "
          f"{after:.0f} MB {args.settle:g} s after the sessions closed ({after - before:+.0f} MB; "
          f"target within {MEMORY_TARGET_MB:g} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
