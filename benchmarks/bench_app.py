"""Dashboard figures, measured against a real ``streamlit run app.py`` and headless Chromium.

1. Start-up: from launching ``streamlit run app.py`` to the server's health check
   answering, and to the home page rendered in the browser (its heading visible).
2. Upload to number: a 1-megapixel photo-like JPEG of a 6-digit handwritten number
   (``benchmarks/synthetic.py``, the reading benchmark's images), from
   ``set_input_files`` on the predictor's uploader to the number shown on the page;
   the first upload of a fresh server (which loads the model) reported apart. Each
   photo is different, so Streamlit's cache never answers. For comparison, the time
   ``digitsight.read`` takes for the same photos in this process.
3. Memory: the server's resident memory (VmRSS, and its peak VmHWM) after the home page,
   then after the model is loaded and the photos read.

Prints figures (medians); asserts nothing about timings. Run from the repository root:

    .venv/bin/python -m benchmarks.bench_app [--starts 5] [--photos 7]   # a module: it uses tests/app_server.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from digitsight import synthetic  # the reading benchmark's photo-like images, made from MNIST test digits
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop_app, wait_until_healthy


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def median_ms(seconds: list[float]) -> str:
    return (
        f"{statistics.median(seconds) * 1000:.0f} ms (n={len(seconds)}, min {min(seconds) * 1000:.0f}, "
        f"max {max(seconds) * 1000:.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="server starts to time")
    parser.add_argument("--photos", type=int, default=7, help="1-megapixel photos to upload (after a warm-up one)")
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench_app_"))
    photos = []
    for index in range(args.photos + 1):
        sample = synthetic.photo_of_size(1.0, digits=6, index=index)  # a 1-megapixel photo-like JPEG
        path = workdir / f"photo_{index}.jpg"
        path.write_bytes(sample.data)
        photos.append((path, sample.label))
    width, height = sample.size

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores; python {platform.python_version()}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        # 1. Start-up, a fresh server each time.
        to_health, to_page = [], []
        for _ in range(args.starts):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            server = start_app(port, (workdir / "server.log").open("w"))
            try:
                wait_until_healthy(url, server)
                to_health.append(time.perf_counter() - started)
                page = browser.new_page()
                page.goto(url)
                expect(page.get_by_role("heading", level=1)).to_have_text("DigitSight", timeout=60_000)
                to_page.append(time.perf_counter() - started)
                page.close()
            finally:
                stop_app(server)

        # 2 and 3. One server: the home page, then the uploads.
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_app(port, (workdir / "server.log").open("w"))
        shown_right = 0
        try:
            wait_until_healthy(url, server)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_have_text("DigitSight", timeout=60_000)
            memory_home = memory_mib(server.pid)

            upload_times = []
            for index, (path, number) in enumerate(photos):
                page.goto(f"{url}/predictor")
                page.locator('input[type="file"]').wait_for(state="attached")
                started = time.perf_counter()
                page.locator('input[type="file"]').set_input_files(path)
                page.locator(".ds-number").first.wait_for(timeout=180_000)
                upload_times.append(time.perf_counter() - started)
                shown = " ".join(t.strip() for t in page.locator(".ds-number").all_inner_texts())
                shown_right += index > 0 and shown == number
            memory_model = memory_mib(server.pid)
            page.close()
        finally:
            stop_app(server)
        browser.close()

    from digitsight import read
    from digitsight.nets.digits import load_classifier

    model = os.environ.get("DIGITSIGHT_MODEL") or None  # the model the server served (see pages/common.py)
    load_classifier(model)
    read(photos[0][0], model_path=model)  # warm-up
    read_times = []
    for path, _ in photos[1:]:
        started = time.perf_counter()
        read(path, model_path=model)
        read_times.append(time.perf_counter() - started)

    print(f"start-up, `streamlit run` -> health check answers: median {median_ms(to_health)}")
    print(f"start-up, `streamlit run` -> home page rendered in Chromium: median {median_ms(to_page)}")
    print(f"upload -> number shown, first upload of a fresh server (loads the model): {upload_times[0] * 1000:.0f} ms")
    print(f"upload -> number shown, {width}x{height} JPEG, model loaded: median {median_ms(upload_times[1:])}")
    print(f"  of which digitsight.read of the same photos in-process: median {median_ms(read_times)}")
    print(f"  numbers shown right: {shown_right} of {len(photos) - 1}")
    print(
        f"server memory after the home page: RSS {memory_home['VmRSS']:.0f} MiB; "
        f"after the model is loaded and {len(photos)} photos read: RSS {memory_model['VmRSS']:.0f} MiB "
        f"(peak {memory_model['VmHWM']:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
