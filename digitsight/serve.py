"""``python -m digitsight serve``: read handwritten numbers over HTTP (FastAPI, run by uvicorn).

    POST /read     multipart upload: one image as ``file`` -> its reading (the CLI's JSON
                   contract); one or more as ``files`` -> a list of readings, in upload order
                   (an image that cannot be read is a ``{"file", "error"}`` record there)
    GET  /health   {"status": "ok", "backend", "models"} once the networks are loaded
    GET  /docs     the OpenAPI documentation (the schema at /openapi.json)

Errors are ``{"detail": message}`` in the CLI's words: 413 for a request over the size or
image-count limit, 422 for an image that cannot be read (corrupt, empty, too many pixels),
408 when reading takes longer than the time limit. The networks are loaded once, when
the server starts; readings run in threads beside the event loop (the networks and
OpenCV release the GIL while they compute).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, File, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digitsight.batch import read_record
from digitsight.imaging import MAX_FILE_BYTES, PROCESS_MAX_PIXELS, load_image


@dataclass(frozen=True)
class Limits:
    """What one request may ask. Each image is also held to the CLI's limits (``imaging``: bytes, pixels)."""

    # One image may be MAX_FILE_BYTES (50 MB); a request a little more, for a few phone photos.
    request_bytes: int = MAX_FILE_BYTES + 14 * 1024 * 1024
    # Images per request: a page of a form's fields; more is a batch job (``python -m digitsight read``).
    images: int = 32
    # A 12 MP photo reads in ~0.1 s; 30 s is a request stuck behind hundreds of others.
    seconds: float = 30.0


def create_app(
    *, backend: str | None = None, model_path: str | os.PathLike | None = None, limits: Limits = Limits()
) -> FastAPI:
    """The DigitSight HTTP API, reading with ``backend`` and the digit model ``model_path`` (None: the defaults)."""
    from digitsight.nets.litert import resolve_backend

    backend = resolve_backend(backend)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        from digitsight.reading import load_models

        # Loaded before the first request is accepted: /health answers only when reading is ready.
        state["models"] = await run_in_threadpool(lambda: load_models(model_path, backend=backend))
        yield

    app = FastAPI(
        title="DigitSight",
        description="Read handwritten numbers from photos, scans and drawings.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=limits.request_bytes)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Whether the server is up and its networks loaded, and which."""
        models = [net for net in state["models"] if net is not None]
        return {"status": "ok", "backend": backend, "models": [str(net.model_path.name) for net in models]}

    @app.post(
        "/read",
        responses={
            408: {"description": "reading took longer than the time limit"},
            413: {"description": "the request is over the size or image-count limit"},
            422: {"description": "the image cannot be read (the message says why, in the CLI's words)"},
        },
    )
    async def read(
        file: Annotated[UploadFile | None, File(description="one image: the response is its reading")] = None,
        files: Annotated[
            list[UploadFile] | None, File(description="one or more images: the response is a list of readings")
        ] = None,
    ) -> Any:
        """Read the handwritten number in each uploaded image (``file``, or ``files``)."""
        uploads = ([file] if file else []) + (files or [])
        if not uploads:
            raise HTTPException(422, "no image uploaded: send one as the form field 'file' (or several as 'files')")
        if len(uploads) > limits.images:
            raise HTTPException(413, f"too many images in one request ({len(uploads)}; the limit is {limits.images})")
        images = [(upload.filename or "upload", await upload.read(MAX_FILE_BYTES + 1)) for upload in uploads]
        models = state["models"]
        try:
            records = await asyncio.wait_for(
                run_in_threadpool(lambda: [_read_upload(name, data, models) for name, data in images]),
                timeout=limits.seconds,
            )
        except TimeoutError as error:
            raise HTTPException(408, f"reading took longer than the {limits.seconds:g} s limit per request") from error
        if file is not None and files is None:
            if "error" in records[0]:
                raise HTTPException(422, records[0]["error"])
            return records[0]
        return records

    return app


def _read_upload(name: str, data: bytes, models: Any) -> dict[str, Any]:
    """The record of one uploaded image: the JSON contract, or ``{"file", "error"}`` in the CLI's words."""
    # Decoded shrunk to what reading processes anyway: a huge image never exists at full size.
    return read_record(name, lambda: load_image(data, max_pixels=PROCESS_MAX_PIXELS), models)


class RequestTooLarge(Exception):
    """The request body passed the limit while it was being received."""


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``limit`` bytes, declared (Content-Length) or streamed (chunked)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        received = 0
        over = refused = False

        async def counted_receive() -> Message:
            nonlocal received, over
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                over = True
                raise RequestTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if not over:
                await send(message)
            elif message["type"] == "http.response.start" and not refused:
                # The app's own answer to the cut-off body (FastAPI: 400, "error parsing the body") is replaced.
                refused = True
                await self._refuse(send)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except RequestTooLarge:
            if not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        from starlette.responses import JSONResponse

        megabytes = self.limit / (1024 * 1024)
        response = JSONResponse({"detail": f"the request is larger than the {megabytes:.0f} MB limit"}, 413)
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def run_serve(args: argparse.Namespace) -> int:
    """``python -m digitsight serve``: run the API with uvicorn until interrupted; returns the exit code."""
    import uvicorn

    # Each uvicorn worker process builds its own app (and loads the networks once) from these.
    os.environ["DIGITSIGHT_SERVE_OPTIONS"] = repr((args.backend, args.model))
    uvicorn.run(
        "digitsight.serve:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning" if args.quiet else "info",
    )
    return 0


def app_from_environment() -> FastAPI:
    """The app ``run_serve`` asked for: uvicorn's factory, called in each worker process."""
    import ast

    backend, model_path = ast.literal_eval(os.environ.get("DIGITSIGHT_SERVE_OPTIONS", "(None, None)"))
    return create_app(backend=backend, model_path=model_path)
