"""End to end: ``streamlit run app.py`` on localhost, driven by a real headless Chromium.

Visits every page; uploads an image, takes a photo with Chromium's fake camera (fed a
video of an example), draws on the canvas with mouse moves, and presses "Read aloud".
Uses Debian's ``/usr/bin/chromium`` through Playwright's Python package (no bundled
browsers). Screenshots of every page go to ``artifacts/e2e/`` (ignored by git) for a
person to look at. Marked ``browser``; skipped, with the reason, where Chromium or the
shipped model is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from digitsight.speech import speech_available
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop_app, wait_until_healthy

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "artifacts" / "e2e"
EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
EXAMPLES = json.loads((EXAMPLES_DIR / "examples.json").read_text())
SERVER_START_TIMEOUT = 120  # seconds; the server imports Streamlit only, the model loads on first use
READ_TIMEOUT_MS = 120_000  # the first reading loads the model on a busy 2-core machine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(shipped_model_path: Path) -> Iterator[str]:
    """A ``streamlit run app.py`` server on a free port, always stopped afterwards."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "server.log"
    with log.open("w") as log_file:
        server = start_app(port, log_file)
        try:
            url = f"http://127.0.0.1:{port}"
            try:
                wait_until_healthy(url, server, timeout=SERVER_START_TIMEOUT)
            except RuntimeError as error:
                pytest.fail(f"{error}:\n{log.read_text()[-3000:]}")
            yield url
        finally:
            stop_app(server)


def camera_video(image: Path, out: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A Y4M video whose frames show ``image`` centred on white: Chromium's fake camera plays it.

    Y4M is a text header, then per frame the Y plane and the quarter-size U and V planes
    (4:2:0); a gray picture has U = V = 128.
    """
    picture = Image.open(image).convert("L")
    frame = Image.new("L", size, 255)
    frame.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    chroma = np.full((size[1] // 2, size[0] // 2), 128, dtype=np.uint8).tobytes()
    with out.open("wb") as video:
        video.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            video.write(b"FRAME\n" + np.asarray(frame, dtype=np.uint8).tobytes() + chroma + chroma)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Headless Chromium whose camera shows the first example (permission granted without asking)."""
    video = camera_video(EXAMPLES_DIR / EXAMPLES[0]["file"], tmp_path_factory.mktemp("camera") / "camera.y4m")
    fake_camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + fake_camera, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def expect_no_error(page: Page) -> None:
    """No Streamlit exception box and no st.error on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)


def screenshot(page: Page, name: str) -> None:
    """The whole page into artifacts/e2e/<name>.png.

    Streamlit scrolls inside its own container, so a full-page screenshot would stop at the
    viewport: make the viewport as tall as the content first, then put it back.
    """
    viewport = page.viewport_size
    height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
    page.set_viewport_size({"width": viewport["width"], "height": min(max(viewport["height"], height), 6000)})
    page.wait_for_timeout(500)  # let the layout settle at the new size
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    page.set_viewport_size(viewport)


def expect_number(page: Page, number: str) -> None:
    """Wait until the predictor shows ``number`` large: one element per line, lines split by a space.

    Waiting (not reading once) matters: a drawing is read after each stroke, so "1" shows
    before "17" does.
    """
    expect(page.locator(".ds-number")).to_have_text(number.split(" "), timeout=READ_TIMEOUT_MS)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("", "DigitSight"),
        ("predictor", "Read a number"),
        ("evaluation", "Model evaluation"),
        ("collaborators", "Collaborators"),
    ],
)
def test_every_page_renders(page: Page, app_url: str, path: str, heading: str) -> None:
    page.goto(f"{app_url}/{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    if path == "evaluation":  # the heatmap is an image; wait until it is there and loaded
        expect(page.get_by_role("img", name="Confusion-matrix heatmap")).to_be_visible()
        page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
    expect_no_error(page)
    # The sidebar lists the four pages by title (not the file names of pages/).
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Home", "Read a number", "Model evaluation", "Collaborators"):
        expect(nav.get_by_text(title, exact=True)).to_be_visible()
    screenshot(page, f"page-{path or 'home'}")


def test_upload_shows_the_number_downloads_it_and_reads_it_aloud(page: Page, app_url: str) -> None:
    example = next(item for item in EXAMPLES if " " in item["number"])  # two lines: two numbers
    page.goto(f"{app_url}/predictor")
    page.locator('input[type="file"]').set_input_files(EXAMPLES_DIR / example["file"])
    expect_number(page, example["number"])
    expect_no_error(page)
    screenshot(page, "predictor-upload")

    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").get_by_role("button").click()
    reading = json.loads(Path(download.value.path()).read_text())
    assert reading["number"] == example["number"]
    assert len(reading["digits"]) == len(example["number"].replace(" ", ""))

    available, reason = speech_available()  # the server inherits this process's environment
    if not available:
        pytest.skip(f"Read aloud needs the speech engine on the server: {reason}")
    page.get_by_role("button", name="Read aloud").click()
    expect(page.locator("audio")).to_have_count(1, timeout=60_000)
    expect_no_error(page)


def test_drawing_on_the_canvas_is_read(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/predictor")
    page.get_by_role("radio", name="Draw", exact=True).click()  # the segmented control
    expect(page.get_by_text("The canvas is empty")).to_be_visible()
    # streamlit-drawable-canvas (a components-v2 element, in the page itself) stacks Fabric.js
    # canvases; the top one takes the pointer events.
    canvas = page.locator("canvas").last
    canvas.wait_for()
    box = canvas.bounding_box()
    left, top = box["x"], box["y"]

    def stroke(points: list[tuple[float, float]]) -> None:
        page.mouse.move(left + points[0][0], top + points[0][1])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            for step in range(1, 11):  # many small moves, as a hand makes
                page.mouse.move(left + x0 + (x1 - x0) * step / 10, top + y0 + (y1 - y0) * step / 10)
        page.mouse.up()

    stroke([(110, 50), (110, 230)])  # a 1
    stroke([(190, 55), (290, 55), (225, 230)])  # a 7: the bar, then the slanted stem
    expect_number(page, "17")
    expect_no_error(page)
    screenshot(page, "predictor-draw")

    page.get_by_role("button", name="Clear").click()  # a fresh canvas, and the hint again
    expect(page.get_by_text("The canvas is empty")).to_be_visible()
    expect(page.locator(".ds-number")).to_have_count(0)


def test_camera_photo_is_read(page: Page, app_url: str) -> None:
    """Chromium's fake camera shows the first example; a photo of it is read to its number."""
    page.goto(f"{app_url}/predictor")
    page.get_by_role("radio", name="Take a photo", exact=True).click()
    page.get_by_role("button", name="Take Photo").click()
    expect_number(page, EXAMPLES[0]["number"])
    expect_no_error(page)
    screenshot(page, "predictor-camera")
