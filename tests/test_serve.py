"""The HTTP API: POST /read, GET /health, /docs, its limits and its errors (in the CLI's words)."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import httpx
import numpy as np
import pytest
from digit_images import encode, ink_layer, on_paper
from fastapi.testclient import TestClient

from digitsight.errors import DigitSightError
from digitsight.imaging import load_image
from digitsight.serve import Limits, create_app

REPO_ROOT = Path(__file__).resolve().parents[1]
NUMBER = encode(on_paper(ink_layer("2048")))
OTHER = encode(on_paper(ink_layer("731")))


@pytest.fixture(scope="module")
def client():
    limits = Limits(request_bytes=2 * 1024 * 1024, images=3, seconds=30.0)
    with TestClient(create_app(limits=limits)) as connected:  # `with`: the networks load at startup
        yield connected


def test_health_says_the_networks_are_loaded(client) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "backend": "litert",
        "models": ["digitsight_cnn.keras", "digitsight_pairs.keras", "digitsight_chains.keras"],
    }


def test_one_upload_gives_the_json_contract(client) -> None:
    answer = client.post("/read", files={"file": ("number.png", NUMBER, "image/png")})
    assert answer.status_code == 200
    record = answer.json()
    assert list(record) == ["file", "number", "confidence", "sure", "lines", "digits", "ms", "warnings"]
    assert record["file"] == "number.png" and record["number"] == "2048"
    assert [d["value"] for d in record["digits"]] == [2, 0, 4, 8]


def test_several_uploads_give_a_list_in_upload_order_with_error_records(client) -> None:
    files = [("files", ("a.png", NUMBER)), ("files", ("bad.png", b"not an image")), ("files", ("b.png", OTHER))]
    answer = client.post("/read", files=files)
    assert answer.status_code == 200
    records = answer.json()
    assert [r["file"] for r in records] == ["a.png", "bad.png", "b.png"]
    assert records[0]["number"] == "2048" and records[2]["number"] == "731"
    assert set(records[1]) == {"file", "error"} and "not an image" in records[1]["error"]


def test_an_unreadable_image_is_a_422_in_the_cli_words(client) -> None:
    for data in (b"not an image", b""):
        with pytest.raises(DigitSightError) as cli:
            load_image(data)
        answer = client.post("/read", files={"file": ("x.png", data)})
        assert answer.status_code == 422
        assert answer.json() == {"detail": str(cli.value)}


def test_too_many_pixels_is_a_422_in_the_cli_words(client) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # A 100-byte PNG whose header declares 20,000 x 20,000 pixels (400 MP): refused before decoding.
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    with pytest.raises(DigitSightError, match="too large") as cli:
        load_image(bomb)
    answer = client.post("/read", files={"file": ("bomb.png", bomb)})
    assert answer.status_code == 422 and answer.json() == {"detail": str(cli.value)}


def test_requests_over_the_limits_are_refused_with_413(client) -> None:
    big = np.random.default_rng(0).integers(0, 255, 3 * 1024 * 1024, dtype=np.uint8).tobytes()
    answer = client.post("/read", files={"file": ("big.png", big)})
    assert answer.status_code == 413 and answer.json() == {"detail": "the request is larger than the 2 MB limit"}
    answer = client.post("/read", files=[("files", (f"{i}.png", NUMBER)) for i in range(4)])
    assert answer.status_code == 413 and "too many images in one request (4; the limit is 3)" in answer.json()["detail"]


def test_a_streamed_body_over_the_limit_is_refused_too(client) -> None:
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n'

    def chunks():  # no Content-Length: the server learns the size only as the body arrives
        yield head
        for _ in range(30):
            yield b"x" * 100_000
        yield b"\r\n--b--\r\n"

    answer = client.post("/read", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413 and "larger than the 2 MB limit" in answer.json()["detail"]


def test_no_upload_and_a_time_limit(client) -> None:
    assert client.post("/read").status_code == 422
    with TestClient(create_app(limits=Limits(seconds=0.0001))) as hurried:
        answer = hurried.post("/read", files={"file": ("number.png", NUMBER)})
    assert answer.status_code == 408 and "longer than the 0.0001 s limit" in answer.json()["detail"]


def test_openapi_documents_the_endpoints(client) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/read", "/health"} and "post" in paths["/read"]


def test_a_real_uvicorn_server_on_localhost_reads_an_upload(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "digitsight", "serve", "--port", str(port), "--quiet"]
    server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read().decode()
            time.sleep(0.2)
        answer = httpx.post(f"{url}/read", files={"file": ("number.png", NUMBER)}, timeout=30)
        assert answer.status_code == 200 and answer.json()["number"] == "2048"
    finally:
        server.terminate()
        server.wait(timeout=20)
