"""Dashboard figures, measured against a real ``streamlit run app.py`` and headless Chromium.

1. Start-up: from launching ``streamlit run app.py`` to the server's health check
   answering, and to the home page rendered in the browser (its heading visible).
2. First reading after start: a fresh server, the predictor opened, and a 1-megapixel
   photo uploaded as soon as the page is there; from ``set_input_files`` to the number on
   the page. The models load in the background from the first page view (target: at most
   2 s more than a normal reading).
3. Upload to number: 1-megapixel photo-like JPEGs of a 6-digit handwritten number
   (``digitsight.synthetic``, the reading benchmark's images), each different so no cache
   answers, from ``set_input_files`` on the predictor's uploader to the number shown
   (target: p50 at most 0.8 s). For comparison, ``digitsight.read`` of the same photos in
   this process.
4. Read many: a batch of 1-megapixel photos uploaded at once on the "Read many" page, from
   ``set_input_files`` to the table's progress bar reading "Read N of N images": images
   per second, the upload included.
5. Memory: the server's resident memory (VmRSS, and its peak VmHWM) after the home page,
   then after the readings.

Prints figures (medians); asserts nothing. Run from the repository root:

    .venv/bin/python benchmarks/bench_app.py [--starts 3] [--photos 9] [--batch 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page

from digitsight import synthetic

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/app_server.py: the browser tests start the app the same way
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop_app, wait_until_healthy  # noqa: E402

READ_TIMEOUT_MS = 180_000


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def summary(seconds: list[float]) -> str:
    """p50 and the spread of a list of durations, in ms."""
    ms = sorted(s * 1000 for s in seconds)
    return f"p50 {statistics.median(ms):.0f} ms (n={len(ms)}, min {ms[0]:.0f}, max {ms[-1]:.0f})"


def photos(workdir: Path, count: int, first_index: int) -> list[tuple[Path, str]]:
    """``count`` different 1-megapixel photo-like JPEGs of 6-digit numbers, with their numbers."""
    made = []
    for index in range(first_index, first_index + count):
        sample = synthetic.photo_of_size(1.0, digits=6, index=index)
        path = workdir / f"photo_{index}.jpg"
        path.write_bytes(sample.data)
        made.append((path, sample.label))
    return made


def upload_to_number(page: Page, url: str, photo: Path) -> tuple[float, str]:
    """Open the predictor, upload ``photo``; (seconds until the number shows, the number shown)."""
    page.goto(f"{url}/predictor")
    page.locator('input[type="file"]').wait_for(state="attached", timeout=READ_TIMEOUT_MS)
    started = time.perf_counter()
    page.locator('input[type="file"]').set_input_files(photo)
    page.locator(".ds-number").first.wait_for(timeout=READ_TIMEOUT_MS)
    elapsed = time.perf_counter() - started
    return elapsed, " ".join(t.strip() for t in page.locator(".ds-number").all_inner_texts())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=3, help="fresh server starts to time (and first readings)")
    parser.add_argument("--photos", type=int, default=9, help="1-megapixel photos to upload one by one")
    parser.add_argument("--batch", type=int, default=20, help="photos in the Read many batch")
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench_app_"))
    first_photos = photos(workdir, args.starts, 1000)
    single = photos(workdir, args.photos, 0)
    batch = photos(workdir, args.batch, 2000)
    log = (workdir / "server.log").open("w")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores; python {platform.python_version()}")
    print(f"photos: {synthetic.photo_of_size(1.0, digits=6, index=0).size} JPEG, 6 digits each")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)

        # 1 and 2. Fresh servers: start-up, then the first reading as soon as the predictor is there.
        to_health, to_page, first_reading = [], [], []
        for path, _number in first_photos:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            server = start_app(port, log)
            try:
                wait_until_healthy(url, server)
                to_health.append(time.perf_counter() - started)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{url}/predictor")
                expect(page.get_by_role("heading", level=1)).to_have_text("Read a number", timeout=60_000)
                to_page.append(time.perf_counter() - started)
                first_reading.append(upload_to_number(page, url, path)[0])
                page.close()
            finally:
                stop_app(server)

        # 3, 4 and 5. One server: the home page, the single uploads, then the batch.
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_app(port, log)
        try:
            wait_until_healthy(url, server)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_have_text("DigitSight", timeout=60_000)
            memory_home = memory_mib(server.pid)
            page.wait_for_timeout(5000)  # the background load finishes: these are readings after it
            upload_times, right = [], 0
            for path, number in single:
                elapsed, shown = upload_to_number(page, url, path)
                upload_times.append(elapsed)
                right += shown == number
            page.goto(f"{url}/batch")
            page.locator('input[type="file"]').wait_for(state="attached", timeout=READ_TIMEOUT_MS)
            started = time.perf_counter()
            page.locator('input[type="file"]').set_input_files([path for path, _ in batch])
            page.get_by_text(f"Read {len(batch)} of {len(batch)} images").wait_for(timeout=READ_TIMEOUT_MS)
            batch_seconds = time.perf_counter() - started
            memory_after = memory_mib(server.pid)
            page.close()
        finally:
            stop_app(server)
        browser.close()

    from digitsight import read
    from digitsight.reading import load_models

    load_models()
    read(single[0][0])  # warm-up
    read_times = []
    for path, _ in single:
        started = time.perf_counter()
        read(path)
        read_times.append(time.perf_counter() - started)

    normal = statistics.median(upload_times)
    print(f"start-up, `streamlit run` -> health check answers: {summary(to_health)}")
    print(f"start-up, `streamlit run` -> predictor rendered in Chromium: {summary(to_page)}")
    print(
        f"first reading after start (upload as soon as the predictor shows): {summary(first_reading)}; "
        f"{statistics.median(first_reading) - normal:+.2f} s against a normal reading (target <= +2 s)"
    )
    print(
        f"upload -> number shown, 1 MP JPEG: {summary(upload_times)} (target p50 <= 800 ms); "
        f"numbers right: {right}/{len(single)}"
    )
    print(f"  of which digitsight.read of the same photos in-process: {summary(read_times)}")
    print(
        f"Read many, {len(batch)} 1 MP JPEGs uploaded at once -> table: {batch_seconds:.1f} s, "
        f"{len(batch) / batch_seconds:.1f} images per second"
    )
    print(
        f"server memory after the home page: RSS {memory_home['VmRSS']:.0f} MiB; after the readings: "
        f"RSS {memory_after['VmRSS']:.0f} MiB (peak {memory_after['VmHWM']:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
