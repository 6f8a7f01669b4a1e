"""End to end: ``streamlit run app.py`` on localhost, driven by a real headless Chromium.

Visits every page, at a desktop size and at a 390 px phone width (no sideways scrolling),
with every request off this machine refused (no console errors, a local favicon); uploads
an image, refuses an over-size file, takes a photo with Chromium's fake camera (fed a video
of an example), draws on the canvas with mouse moves, corrects a reading and copies it,
reads many images at once, picks a cell of the confusion matrix, evaluates on labelled
images, and presses "Read aloud". Uses Debian's ``/usr/bin/chromium`` through Playwright's
Python package (no bundled browsers). Screenshots go to ``artifacts/e2e/`` (ignored by git)
for a person to look at. Marked ``browser``; skipped, with the reason, where Chromium or the
shipped model is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from digitsight.speech import speech_available
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop_app, wait_until_healthy
from tests.archives import zip_of

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "artifacts" / "e2e"
EXAMPLES_DIR = REPO_ROOT / "assets" / "examples"
EXAMPLES = json.loads((EXAMPLES_DIR / "examples.json").read_text())
SERVER_START_TIMEOUT = 120  # seconds; the server imports Streamlit only, the models load in the background
READ_TIMEOUT_MS = 120_000  # a first reading may wait for the models on a busy 2-core machine
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15's viewport in CSS pixels
DESKTOP = {"width": 1400, "height": 1000}
# (url path, the page's title in the sidebar and its heading)
PAGES = [
    ("", "Home", "DigitSight"),
    ("predictor", "Read a number", "Read a number"),
    ("batch", "Read many", "Read many"),
    ("evaluation", "Model evaluation", "Model evaluation"),
    ("collaborators", "Collaborators", "Collaborators"),
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(shipped_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``streamlit run app.py`` server on a free port, always stopped afterwards.

    Corrections saved during the tests go to a temporary folder, not the clone's.
    """
    import os

    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "server.log"
    os.environ["DIGITSIGHT_CORRECTIONS"] = str(tmp_path_factory.mktemp("corrections"))  # the server inherits it
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
            os.environ.pop("DIGITSIGHT_CORRECTIONS", None)


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


def new_page(browser: Browser, app_url: str, viewport: dict[str, int]) -> tuple[Page, list[str]]:
    """A page in a fresh context that can reach the app only, and the list its problems go to.

    Every request off the app's own address is refused, as on a machine without internet;
    console errors, uncaught page errors and refused requests are collected.
    """
    context = browser.new_context(
        viewport=viewport, permissions=["camera", "clipboard-read", "clipboard-write"], accept_downloads=True
    )
    problems: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(app_url) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"request off the machine: {route.request.url}")
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.set_default_timeout(30_000)
    return page, problems


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    page, _ = new_page(browser, app_url, DESKTOP)
    try:
        yield page
    finally:
        page.context.close()


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


def wait_for_page(page: Page, heading: str) -> None:
    """The page's heading is there and Streamlit has finished running the script."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=READ_TIMEOUT_MS)
    # Streamlit shows its "running" widget only for longer runs: wait until the page stops growing.
    count, steady = -1, 0
    while steady < 3:
        page.wait_for_timeout(250)
        now = page.locator("[data-testid='stMain'] *").count()
        count, steady = now, steady + 1 if now == count else 0
    page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")


def upload(page: Page, files: Path | list[Path] | dict, *, nth: int = 0) -> None:
    page.locator('input[type="file"]').nth(nth).set_input_files(files)


def as_upload(name: str, data: bytes) -> dict[str, object]:
    """A file for set_input_files made in memory (Playwright takes paths or these, not both at once)."""
    return {"name": name, "mimeType": "application/octet-stream", "buffer": data}


# --------------------------------------------------------------------------- every page


def test_every_page_offline_has_its_title_a_local_icon_and_no_console_error(browser: Browser, app_url: str) -> None:
    """Moving through the pages as a user does (the sidebar), with the network cut off, reading on the way."""
    page, problems = new_page(browser, app_url, DESKTOP)
    try:
        page.goto(app_url)
        for path, title, heading in PAGES:
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            wait_for_page(page, heading)
            if path == "predictor":  # with a result on it
                upload(page, EXAMPLES_DIR / EXAMPLES[2]["file"])
                expect_number(page, EXAMPLES[2]["number"])
            if path == "batch":
                upload(page, [EXAMPLES_DIR / item["file"] for item in EXAMPLES])
                expect(page.get_by_text(f"Read {len(EXAMPLES)} of {len(EXAMPLES)} images")).to_be_visible(
                    timeout=READ_TIMEOUT_MS
                )
            if path == "evaluation":  # the heatmap is an SVG put in by the page's script
                expect(page.locator(".ds-heatmap svg")).to_be_visible()
            wait_for_page(page, heading)
            expect_no_error(page)
            expect(page).to_have_title(f"{title} · DigitSight")
            icon = page.evaluate("document.querySelector('link[rel*=icon]').href")
            assert icon.startswith(app_url), icon  # served by the app, not fetched from the internet
            # The sidebar lists the five pages by title (not the file names of pages/ or pages/ui/).
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav.get_by_role("link")).to_have_count(len(PAGES))
            screenshot(page, f"desktop-{path or 'home'}")
        assert problems == []
    finally:
        page.context.close()


def test_no_page_scrolls_sideways_on_a_phone(browser: Browser, app_url: str) -> None:
    """At 390 px, every page (with a reading, a batch and the heatmap on it) fits the screen's width."""
    page, problems = new_page(browser, app_url, PHONE)

    def fits(what: str) -> None:
        width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"

    try:
        for path, _title, heading in PAGES:
            page.goto(f"{app_url}/{path}")
            wait_for_page(page, heading)
            if path == "predictor":
                upload(page, EXAMPLES_DIR / EXAMPLES[1]["file"])
                expect_number(page, EXAMPLES[1]["number"])
                # The per-digit strip wraps into a few rows of small cards, not one 330 px crop per row.
                strip = page.locator(".ds-strip").first.bounding_box()
                assert strip["height"] < 600, strip
            if path == "batch":
                upload(page, [EXAMPLES_DIR / item["file"] for item in EXAMPLES])
                expect(page.get_by_text(f"Read {len(EXAMPLES)} of {len(EXAMPLES)} images")).to_be_visible(
                    timeout=READ_TIMEOUT_MS
                )
            if path == "evaluation":
                expect(page.locator(".ds-heatmap svg")).to_be_visible()
            wait_for_page(page, heading)
            fits(f"/{path}")
            expect_no_error(page)
            screenshot(page, f"phone-{path or 'home'}")
            if path == "predictor":  # the canvas fits the screen, its toolbar included
                page.get_by_role("radio", name="Draw", exact=True).click()
                canvas = page.locator("canvas").last
                canvas.wait_for()
                page.wait_for_timeout(1500)  # the canvas takes the column's width once the browser says it
                box = canvas.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
                fits("/predictor, Draw")
                screenshot(page, "phone-predictor-draw")
        # Opening a page by its address makes Streamlit probe <page>/_stcore/health and host-config
        # first (404s it then falls back from: streamlit/streamlit#7074); nothing else may fail.
        assert [p for p in problems if "404" not in p] == []
    finally:
        page.context.close()


# --------------------------------------------------------------------------- read a number


def test_upload_shows_the_number_downloads_it_and_reads_it_aloud(page: Page, app_url: str) -> None:
    example = next(item for item in EXAMPLES if " " in item["number"])  # two lines: two numbers
    page.goto(f"{app_url}/predictor")
    upload(page, EXAMPLES_DIR / example["file"])
    expect_number(page, example["number"])
    expect_no_error(page)
    screenshot(page, "predictor-upload")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the reading (JSON)").click()
    reading = json.loads(Path(download.value.path()).read_text())
    assert list(reading) == ["file", "number", "confidence", "sure", "lines", "digits", "ms", "warnings"]  # the CLI's
    assert reading["file"] == example["file"] and reading["number"] == example["number"]
    assert len(reading["digits"]) == len(example["number"].replace(" ", ""))

    available, reason = speech_available()  # the server inherits this process's environment
    if not available:
        pytest.skip(f"Read aloud needs the speech engine on the server: {reason}")
    page.get_by_role("button", name="Read aloud").click()
    expect(page.locator("audio")).to_have_count(1, timeout=60_000)
    expect_no_error(page)


def test_an_oversize_file_is_refused_in_words_and_the_old_result_goes(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(f"{app_url}/predictor")
    upload(page, EXAMPLES_DIR / EXAMPLES[0]["file"])
    expect_number(page, EXAMPLES[0]["number"])
    big = tmp_path / "huge-scan.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(21 * 1024 * 1024))  # over the 20 MB upload limit
    upload(page, big)
    expect(page.get_by_text("huge-scan.png was not uploaded: it is 21.0 MB")).to_be_visible()
    expect(page.locator(".ds-number")).to_have_count(0)
    upload(page, EXAMPLES_DIR / EXAMPLES[1]["file"])  # the next file is read as usual
    expect_number(page, EXAMPLES[1]["number"])
    expect(page.get_by_text("was not uploaded")).to_have_count(0)


def test_correcting_a_reading_copies_and_downloads_the_correction(page: Page, app_url: str) -> None:
    example = EXAMPLES[0]
    page.goto(f"{app_url}/predictor")
    upload(page, EXAMPLES_DIR / example["file"])
    expect_number(page, example["number"])
    fixed = "9" + example["number"][1:]
    page.get_by_text("Correct this reading").click()
    box = page.get_by_role("textbox", name="The number is")
    box.fill(fixed)
    box.press("Enter")
    expect_number(page, fixed)
    expect(page.get_by_text(f"You corrected it to (DigitSight read {example['number']})")).to_be_visible()
    page.get_by_role("button", name=f"Copy the number: {fixed}").click()
    expect(page.get_by_text("Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == fixed
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the reading (JSON)").click()
    reading = json.loads(Path(download.value.path()).read_text())
    assert reading["number"] == fixed and reading["read_as"] == example["number"]
    page.get_by_role("button", name="Save it").click()
    expect(page.get_by_text(f"labelled {fixed}")).to_be_visible()
    expect_no_error(page)
    screenshot(page, "predictor-corrected")


def test_drawing_on_the_canvas_is_read(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/predictor")
    page.get_by_role("radio", name="Draw", exact=True).click()  # the segmented control
    expect(page.get_by_text("The canvas is empty")).to_be_visible()
    page.wait_for_timeout(1500)  # the canvas takes its column's width once the browser has said it
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

    stroke([(110, 10), (110, 230)])  # a 1, from the canvas's top edge
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
    # A user clicks once the camera shows a picture. The button is enabled before the video has a frame,
    # and a click then captures nothing (under load in CI: no photo, no reading, after 120 s).
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v !== null && v.readyState >= 2 && v.videoWidth > 0; }"
    )
    page.get_by_role("button", name="Take Photo").click()
    expect_number(page, EXAMPLES[0]["number"])
    expect_no_error(page)
    screenshot(page, "predictor-camera")


# --------------------------------------------------------------------------- read many, evaluation


def test_batch_upload_reads_every_image_into_a_table_and_downloads(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/batch")
    packed = zip_of({f"more/{item['file']}": (EXAMPLES_DIR / item["file"]).read_bytes() for item in EXAMPLES[2:]})
    files = [as_upload(item["file"], (EXAMPLES_DIR / item["file"]).read_bytes()) for item in EXAMPLES[:2]]
    upload(page, [*files, as_upload("more.zip", packed)])
    expect(page.get_by_text(f"Read {len(EXAMPLES)} of {len(EXAMPLES)} images")).to_be_visible(timeout=READ_TIMEOUT_MS)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect_no_error(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the readings (JSON)").click()
    records = json.loads(Path(download.value.path()).read_text())
    assert [record["number"] for record in records] == [item["number"] for item in EXAMPLES]
    assert records[2]["file"] == f"more/{EXAMPLES[2]['file']}"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the table (CSV)").click()
    assert Path(download.value.path()).read_text().splitlines()[0] == "file,number,confidence,digits,flags,ms"
    screenshot(page, "batch")


def test_picking_a_cell_of_the_confusion_matrix_filters_the_gallery(page: Page, app_url: str) -> None:
    from digitsight.evaluation import load_report

    wrong = load_report()["misclassified"]
    true, predicted = wrong[0]["true"], wrong[0]["predicted"]
    count = sum((item["true"], item["predicted"]) == (true, predicted) for item in wrong)
    page.goto(f"{app_url}/evaluation")
    wait_for_page(page, "Model evaluation")
    page.get_by_role("button", name=f"true {true}, read as {predicted}:").click()
    expect(page.get_by_text(f"{count} of {len(wrong)} misclassified test digits match")).to_be_visible()
    expect(page.get_by_role("button", name=f"true {true}, read as {predicted}:")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect_no_error(page)


def test_evaluate_on_your_own_images(page: Page, app_url: str) -> None:
    labels = "file,label,kind,polarity\n" + "".join(f"{item['file']},{item['number']},digital,\n" for item in EXAMPLES)
    files = {"labels.csv": labels.encode()} | {
        item["file"]: (EXAMPLES_DIR / item["file"]).read_bytes() for item in EXAMPLES
    }
    page.goto(f"{app_url}/evaluation")
    wait_for_page(page, "Model evaluation")
    page.get_by_role("tab", name="Your own images").click()
    upload(page, as_upload("mine.zip", zip_of(files)))
    expect(page.get_by_test_id("stMetric").filter(has_text="Exact match")).to_contain_text(
        "100.0%", timeout=READ_TIMEOUT_MS
    )
    expect(page.get_by_text(f"Every one of the {len(EXAMPLES)} images was read exactly.")).to_be_visible()
    expect(page.locator(".ds-heatmap svg")).to_have_count(2)  # the classifier's and yours
    expect_no_error(page)
    screenshot(page, "evaluation-own-images")
